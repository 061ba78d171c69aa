//! `idp bench grants`: habilitations granted per second with the quota check, on a fresh
//! database (a temporary SQLite file, or the PostgreSQL URL given), never the configured one.
//! Figures and the machine they were measured on are in docs/delegation.md.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Context;
use serde_json::json;
use time::macros::date;

use super::{Ctx, Output};
use crate::account::login_id::LoginId;
use crate::config::Config;
use crate::convention::lifecycle::{ConventionAction, ManagementMode};
use crate::convention::number::ConventionNumber;
use crate::convention::{self, NewConvention};
use crate::fund::{self, FundCode, FundKind, LoginPolicy, NewFund};
use crate::habilitation::{self, NewGrant, Subject};
use crate::partner::{self, NewPartner};
use crate::secret::Secret;
use crate::service::{self, NewRole, NewService, ServiceCode};
use crate::store::Db;
use crate::store::account::AccountRow;
use crate::subscription::{self, SubscriptionInput};
use crate::territory::{DepartementCode, Territory};

/// Runs `idp bench grants`.
pub async fn run(
    config: &Config,
    ctx: &Ctx,
    count: u32,
    tasks: u32,
    postgres: Option<String>,
) -> anyhow::Result<Output> {
    let dir = tempfile_dir()?;
    let mut db_config = config.database.clone();
    let mut cleanup: Option<(Db, String)> = None;
    let backend = match &postgres {
        None => {
            db_config.url = Secret::new(format!(
                "sqlite://{}?mode=rwc",
                dir.join("bench.sqlite").display()
            ));
            "sqlite"
        }
        Some(base) => {
            let mut admin_config = db_config.clone();
            admin_config.url = Secret::new(base.clone());
            let admin = Db::connect(&admin_config).await?;
            let name = format!("habilis_bench_{}", crate::secret::random_hex(6));
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let (prefix, _) = base.rsplit_once('/').context("URL with a database name")?;
            db_config.url = Secret::new(format!("{prefix}/{name}"));
            cleanup = Some((admin, name));
            "postgresql"
        }
    };
    let db = Db::connect(&db_config).await?;
    db.migrate().await?;
    let result = measure(&db, ctx, count, tasks).await;
    let _ = db.close().await;
    if let Some((admin, name)) = cleanup {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (sequential, concurrent) = result?;
    Ok(Output::ok(
        format!(
            "{backend}: {count} grants with the quota check\n  one writer:   {sequential:.0} grants/s\n  {tasks} writers: {concurrent:.0} grants/s"
        ),
        json!({ "backend": backend, "count": count, "tasks": tasks,
                "sequential_per_s": sequential, "concurrent_per_s": concurrent }),
    ))
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("habilis-bench-{}", crate::secret::random_hex(6)));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn measure(db: &Db, ctx: &Ctx, count: u32, tasks: u32) -> anyhow::Result<(f64, f64)> {
    let now = ctx.now();
    let actor = &ctx.actor;
    let fund = fund::create(
        db,
        now,
        actor,
        NewFund {
            code: FundCode::parse("bench")?,
            name: "Bench".into(),
            kind: FundKind::Caf,
            departements: BTreeSet::from([DepartementCode::parse("79")?]),
            login_policy: LoginPolicy::Generated,
        },
    )
    .await?;
    let service = service::create(
        db,
        now,
        actor,
        &fund,
        NewService {
            code: ServiceCode::parse("cdap")?,
            name: "CDAP".into(),
            description: String::new(),
            roles: vec![NewRole::parse_spec("T1")?, NewRole::parse_spec("T2")?],
        },
    )
    .await?;
    let partner = partner::create(
        db,
        now,
        actor,
        &fund,
        NewPartner::parse("79A69243", None, "Bench", "commune", None)?,
    )
    .await?;
    let number = ConventionNumber::parse("79-2017-19")?;
    convention::create(
        db,
        now,
        actor,
        &fund,
        &partner,
        NewConvention {
            number: number.clone(),
            signed_on: None,
            effective_from: date!(2020 - 01 - 01),
            management_mode: ManagementMode::Delegated,
            mission: "bench".into(),
            territory: Territory::parse_list("79")?,
        },
    )
    .await?;
    let conv = convention::apply(
        db,
        now,
        actor,
        &fund,
        &number,
        ConventionAction::Activate,
        None,
    )
    .await?
    .convention;
    subscription::set(
        db,
        now,
        actor,
        &conv,
        &service,
        SubscriptionInput {
            opened_on: date!(2020 - 01 - 01),
            total_quota: None,
            quotas: vec![("T1".into(), count), ("T2".into(), count)],
        },
    )
    .await?;
    // Accounts inserted directly: the benchmark measures grants, not password hashing.
    let mut ids = Vec::new();
    let tx = db.begin_write().await?;
    for i in 0..count {
        let login = LoginId::parse(&format!("79a69243.bench{i}"))?;
        let subject = crate::secret::random_hex(16);
        let row = AccountRow {
            subject: &subject,
            fund_id: fund.id,
            partner_id: Some(partner.id),
            unit_id: None,
            login: &login,
            given_name: "Bench",
            family_name: "Agent",
            email: None,
            created_by: None,
        };
        ids.push(crate::store::account::insert(&tx, now, &row).await?.id);
    }
    tx.commit().await?;
    let grant_of = |role: &'static str, id: i64| NewGrant {
        convention: &conv,
        service: &service,
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
