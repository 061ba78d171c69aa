//! `idp bench grants`: habilitations granted per second with the quota check, on a fresh
//! database (a temporary SQLite file, or the PostgreSQL URL given), never the configured one.
//! Figures and the machine they were measured on are in docs/delegation.md.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;

use super::bench_fixture::{ThrowAway, cdap_partner};
use super::{Ctx, Output};
use crate::config::Config;
use crate::habilitation::{self, NewGrant, Subject};
use crate::store::Db;

/// Runs `idp bench grants`.
pub async fn run(
    config: &Config,
    ctx: &Ctx,
    count: u32,
    tasks: u32,
    postgres: Option<String>,
) -> anyhow::Result<Output> {
    let bench = ThrowAway::open(config, postgres.as_deref()).await?;
    let result = measure(&bench.db, ctx, count, tasks).await;
    let backend = bench.backend;
    bench.close().await;
    let (sequential, concurrent) = result?;
    Ok(Output::ok(
        format!(
            "{backend}: {count} grants with the quota check\n  one writer:   {sequential:.0} grants/s\n  {tasks} writers: {concurrent:.0} grants/s"
        ),
        json!({ "backend": backend, "count": count, "tasks": tasks,
                "sequential_per_s": sequential, "concurrent_per_s": concurrent }),
    ))
}

async fn measure(db: &Db, ctx: &Ctx, count: u32, tasks: u32) -> anyhow::Result<(f64, f64)> {
    let now = ctx.now();
    let actor = &ctx.actor;
    let fixture = cdap_partner(db, ctx, count).await?;
    let (conv, service) = (&fixture.convention, &fixture.service);
    // Accounts inserted directly: the benchmark measures grants, not password hashing.
    let mut ids = Vec::new();
    let tx = db.begin_write().await?;
    for i in 0..count {
        ids.push(fixture.insert_agent(&tx, now, i).await?);
    }
    tx.commit().await?;
    let grant_of = |role: &'static str, id: i64| NewGrant {
        convention: conv,
        service,
        role,
        subject: Subject::Account(id),
        territory: None,
        valid_from: now.date(),
        valid_until: None,
        attributes: BTreeMap::new(),
        reason: "bench".into(),
    };
    let start = Instant::now();
    for id in &ids {
        habilitation::grant(db, now, actor, grant_of("T1", *id)).await?;
    }
    let sequential = f64::from(count) / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut handles = Vec::new();
    let per_task = ids.chunks(usize::try_from(count.div_ceil(tasks.max(1)))?.max(1));
    for chunk in per_task {
        let (db, actor, chunk) = (db.clone(), actor.clone(), chunk.to_vec());
        let (conv, service) = (conv.clone(), service.clone());
        handles.push(tokio::spawn(async move {
            for id in chunk {
                let g = NewGrant {
                    convention: &conv,
                    service: &service,
                    role: "T2",
                    subject: Subject::Account(id),
                    territory: None,
                    valid_from: now.date(),
                    valid_until: None,
                    attributes: BTreeMap::new(),
                    reason: "bench".into(),
                };
                habilitation::grant(&db, now, &actor, g).await?;
            }
            Ok::<(), habilitation::HabilitationError>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    let concurrent = f64::from(count) / start.elapsed().as_secs_f64();
    Ok((sequential, concurrent))
}
