//! `idp bench review`: the yearly reverse review of one partner holding N habilitations (50,000
//! by default) on a fresh database (a temporary SQLite file, or the PostgreSQL URL given):
//! the snapshot (opening the campaign), keeping every line in bulk, the signature (which
//! digests the CSV) and each export. Figures are in docs/review.md.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use super::bench_fixture::{CdapPartner, ThrowAway, cdap_partner};
use super::{Ctx, Output};
use crate::account::login_id::LoginId;
use crate::config::Config;
use crate::habilitation::Subject;
use crate::review::export::{self, Discard, Format};
use crate::review::{Decision, LineFilter, attest, campaign, decide};
use crate::store::Db;
use crate::store::habilitation::GrantRow;

/// Runs `idp bench review`.
pub async fn run(
    config: &Config,
    ctx: &Ctx,
    habilitations: u32,
    postgres: Option<String>,
) -> anyhow::Result<Output> {
    let bench = ThrowAway::open(config, postgres.as_deref()).await?;
    let result = measure(&bench.db, ctx, habilitations).await;
    let backend = bench.backend;
    bench.close().await;
    let figures = result?;
    let mut text =
        format!("{backend}: reverse review of a partner with {habilitations} habilitations");
    for (step, secs, extra) in &figures {
        text.push_str(&format!("\n  {step:<34} {secs:>8.2} s  {extra}"));
    }
    let steps: Vec<_> = figures
        .iter()
        .map(|(s, t, e)| json!({ "step": s, "seconds": t, "detail": e }))
        .collect();
    Ok(Output::ok(
        text,
        json!({ "backend": backend, "habilitations": habilitations, "steps": steps }),
    ))
}

async fn measure(db: &Db, ctx: &Ctx, n: u32) -> anyhow::Result<Vec<(String, f64, String)>> {
    let now = ctx.now();
    let actor = &ctx.actor;
    let fixture = cdap_partner(db, ctx, n).await?;
    let CdapPartner {
        fund,
        service,
        partner,
        subscription: sub,
        ..
    } = &fixture;
    let role = |code: &str| {
        service
            .roles
            .iter()
            .find(|r| r.code.as_str().eq_ignore_ascii_case(code))
            .map(|r| r.id)
            .context("role")
    };
    let (t1, t2) = (role("t1")?, role("t2")?);
    // Nine habilitations in ten are direct T1 grants; the tenth are the members of one group
    // holding T2 (what the snapshot expands per member). Inserted directly: the benchmark
    // measures the review, not the grants.
    let start = Instant::now();
    let members = n / 10;
    let direct = n - members;
    let tx = db.begin_write().await?;
    let group = crate::store::group::insert(&tx, now, partner.id, "Bench", None).await?;
    let attributes = BTreeMap::new();
    for i in 0..n {
        let id = fixture.insert_agent(&tx, now, i).await?;
        if i < direct {
            let g = GrantRow {
                subscription_id: sub.id,
                role_id: t1,
                subject: Subject::Account(id),
                territory: None,
                attributes: &attributes,
                valid_from: now.date(),
                valid_until: None,
                reason: "bench",
                granted_by: None,
            };
            crate::store::habilitation::insert(&tx, now, &g).await?;
        } else {
            crate::store::group::add_member(&tx, now, group.id, id, None).await?;
        }
    }
    let g = GrantRow {
        subscription_id: sub.id,
        role_id: t2,
        subject: Subject::Group(group.id),
        territory: None,
        attributes: &attributes,
        valid_from: now.date(),
        valid_until: None,
        reason: "bench",
        granted_by: None,
    };
    crate::store::habilitation::insert(&tx, now, &g).await?;
    tx.commit().await?;
    let mut out = vec![(
        "set-up (accounts, grants)".to_owned(),
        start.elapsed().as_secs_f64(),
        format!("{n} accounts, {direct} direct grants, {members} group members"),
    )];

    let start = Instant::now();
    let new = campaign::NewCampaign {
        year: now.year(),
        title: "Bench".into(),
        due_on: now.date(),
        partners: None,
    };
    let opened = campaign::open(db, now, actor, fund, &new).await?;
    out.push((
        "snapshot (open the campaign)".into(),
        start.elapsed().as_secs_f64(),
        format!("{} lines", opened.lines),
    ));
    let review = opened.reviews.first().context("one review")?.clone();

    let start = Instant::now();
    let (_, total) = decide::lines(
        db,
        &review,
        &LineFilter {
            never_logged_in: true,
            ..LineFilter::default()
        },
        0,
        100,
    )
    .await?;
    out.push((
        "filter a page (never logged in)".into(),
        start.elapsed().as_secs_f64(),
        format!("{total} lines match"),
    ));
    let start = Instant::now();
    let d = decide::decide(
        db,
        now,
        actor,
        partner,
        &review,
        &LineFilter::default(),
        Decision::Keep,
        "",
    )
    .await?;
    out.push((
        "keep every line (bulk)".into(),
        start.elapsed().as_secs_f64(),
        format!("{} lines", d.decided),
    ));
    let start = Instant::now();
    // The installation actor has no account: the bench signs as the first agent.
    let signer = crate::store::account::by_login(db, &LoginId::parse("79a69243.bench0")?)
        .await?
        .context("signer")?;
    let sig = attest::Signature {
        signer_name: "Bench".into(),
        statement: attest::DEFAULT_STATEMENT.into(),
    };
    let signed = attest::sign(db, now, actor, signer.id, partner, &review, &sig).await?;
    out.push((
        "sign (digests the CSV)".into(),
        start.elapsed().as_secs_f64(),
        signed.attestation.export_sha256.unwrap_or_default(),
    ));
    let review = decide::find(db, partner, review.id).await?;
    let header = attest::header(db, partner, &review).await?;
    for format in [Format::Csv, Format::Json, Format::Html] {
        let start = Instant::now();
        let s = export::write(db, &header, format, &mut Discard).await?;
        out.push((
            format!("export {}", format.as_str()),
            start.elapsed().as_secs_f64(),
            format!("{} lines, {} bytes", s.lines, s.bytes),
        ));
    }
    Ok(out)
}
