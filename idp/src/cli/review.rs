//! `idp audit purge`, `idp stats …` and `idp dormant …`: retention of the trace, monthly usage
//! figures and dormant access (issue #8 points 6 to 9), thin over `audit::retention`, `stats`
//! and `dormant`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Output};
use crate::actor::Actor;
use crate::audit::retention::{self, Policy};
use crate::config::Config;
use crate::dormant;
use crate::fund::{self, Fund, FundCode};
use crate::partner::{self, ids::ThirdPartyNumber};

/// `idp audit purge` options.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Count what is past retention without changing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `idp audit purge`.
pub async fn purge(ctx: &Ctx, config: &Config, args: PurgeArgs) -> anyhow::Result<Output> {
    let policy = Policy::from_config(&config.retention);
    let r = retention::purge(&ctx.db, ctx.now(), &ctx.actor, &policy, args.dry_run).await?;
    let verb = if r.dry_run { "would clear" } else { "cleared" };
    let mut text = format!(
        "{verb} {} events past retention: {} connection traces (older than {} days), {} of habilitation history (withdrawn over {} years ago)",
        r.total(),
        r.connection,
        policy.connection_days,
        r.habilitation,
        policy.habilitation_years
    );
    if let Some(id) = r.purge_event_id {
        text.push_str(&format!("; sealed by event {id}"));
    }
    Ok(Output::ok(text, serde_json::to_value(&r)?))
}

/// `idp dormant …`
#[derive(Debug, Subcommand)]
pub enum DormantCommand {
    /// Partners' accounts with no login for N months (never logged in: since creation).
    Report(DormantArgs),
    /// Disable the accounts of the report (traced, with a reason) and end their sessions.
    Disable {
        /// Which accounts.
        #[command(flatten)]
        select: DormantArgs,
        /// Reason recorded with each disabling (default: no login for N months).
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Which accounts a dormant command looks at.
#[derive(Debug, Args)]
pub struct DormantArgs {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Months without login.
    #[arg(long, default_value_t = dormant::DEFAULT_MONTHS)]
    pub months: u32,
    /// Only this partner (third-party number).
    #[arg(long)]
    pub partner: Option<String>,
}

async fn select(ctx: &Ctx, a: &DormantArgs) -> anyhow::Result<(Fund, Option<i64>)> {
    let f = fund::find(&ctx.db, &FundCode::parse(&a.fund)?).await?;
    let p = match &a.partner {
        Some(n) => Some(
            partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(n)?)
                .await?
                .id,
        ),
        None => None,
    };
    Ok((f, p))
}

/// Runs `idp dormant …`.
pub async fn dormant(ctx: &Ctx, cmd: DormantCommand) -> anyhow::Result<Output> {
    match cmd {
        DormantCommand::Report(a) => {
            let (f, p) = select(ctx, &a).await?;
            let rows = dormant::report(&ctx.db, ctx.now(), f.id, p, a.months).await?;
            let mut text = format!(
                "{} accounts of {} with no login for {} months",
                rows.len(),
                f.code,
                a.months
            );
            for d in &rows {
                let last = d
                    .last_login_at
                    .map_or_else(|| "never".to_owned(), |t| t.date().to_string());
                text.push_str(&format!(
                    "\n  {:<40} {:<10} last login {last:<10} idle {} days",
                    d.account.login,
                    d.account.status.as_str(),
                    d.idle_days
                ));
            }
            Ok(Output::ok(
                text,
                json!({ "fund": f.code, "months": a.months, "accounts": rows }),
            ))
        }
        DormantCommand::Disable { select: a, reason } => {
            let (f, p) = select(ctx, &a).await?;
            let reason = reason.unwrap_or_else(|| dormant::default_reason(a.months));
            let done = dormant::disable(&ctx.db, ctx.now(), &ctx.actor, f.id, p, a.months, &reason)
                .await?;
            let sessions = ctx.end_access(&done.end_sessions_of).await?;
            let logins: Vec<String> = done.accounts.iter().map(|a| a.login.to_string()).collect();
            Ok(Output::ok(
                format!(
                    "{} dormant accounts disabled ({} sessions ended){}{}",
                    logins.len(),
                    sessions,
                    if logins.is_empty() { "" } else { ": " },
                    logins.join(", ")
                ),
                json!({ "disabled": logins, "sessions_ended": sessions, "reason": reason }),
            ))
        }
    }
}

/// `idp stats …`
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Add the traces written since the last pass to the monthly usage figures (`serve` does
    /// it every `stats.refresh_interval_secs`).
    Refresh,
    /// Print a fund's monthly usage figures: CSV (`;`-separated, UTF-8, header) or JSON.
    Export {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Only this month, `YYYY-MM`.
        #[arg(long)]
        month: Option<String>,
        /// `csv` or `json`.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
    /// Print the SVG chart of logins per month of a fund (or of one of its partners).
    Chart {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Only this partner (third-party number).
        #[arg(long)]
        partner: Option<String>,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `;`-separated values.
    Csv,
    /// One JSON array.
    Json,
}

/// Runs `idp stats …`.
pub async fn stats(ctx: &Ctx, cmd: StatsCommand) -> anyhow::Result<Output> {
    match cmd {
        StatsCommand::Refresh => {
            let r = crate::stats::refresh(&ctx.db, 5_000).await?;
            Ok(Output::ok(
                format!(
                    "{} trace events read, {} counted; cursor at event {}",
                    r.events, r.counted, r.cursor
                ),
                serde_json::to_value(r)?,
            ))
        }
        StatsCommand::Export {
            fund,
            month,
            format,
        } => {
            let f = fund::find(&ctx.db, &FundCode::parse(&fund)?).await?;
            let rows = crate::stats::export(&ctx.db, &f, month.as_deref()).await?;
            let json = serde_json::to_value(&rows)?;
            let text = match format {
                ExportFormat::Csv => crate::stats::to_csv(&rows),
                ExportFormat::Json => serde_json::to_string_pretty(&json)?,
            };
            Ok(Output::ok(text.trim_end().to_owned(), json))
        }
        StatsCommand::Chart { fund, partner } => {
            let f = fund::find(&ctx.db, &FundCode::parse(&fund)?).await?;
            let partner = partner.map(|p| ThirdPartyNumber::parse(&p)).transpose()?;
            let rows = crate::stats::export(&ctx.db, &f, None).await?;
            let series =
                crate::stats::logins_per_month(&rows, partner.as_ref().map(|p| p.as_str()));
            let title = match &partner {
                Some(p) => format!("Connexions par mois — {} / {}", f.code, p.as_str()),
                None => format!("Connexions par mois — {}", f.code),
            };
            let svg = crate::stats::svg::logins_chart(&title, &series);
            Ok(Output::ok(
                svg.clone(),
                json!({ "svg": svg, "series": series }),
            ))
        }
    }
}

/// `idp audit bench-verify` options (hidden: a benchmark on a throw-away database).
#[derive(Debug, Args)]
pub struct BenchVerifyArgs {
    /// Events in the synthetic trace (one login in two).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: i64,
}

/// Writes a synthetic chain of `n` events (one login in two) from `start`, in bulk.
async fn synthetic_chain(
    db: &crate::store::Db,
    n: i64,
    start: time::OffsetDateTime,
) -> anyhow::Result<()> {
    use crate::audit::{Record, chain};
    let mut prev = chain::GENESIS_HASH.to_owned();
    let mut id = 0;
    while id < n {
        let mut batch = Vec::new();
        for _ in 0..10_000.min(n - id) {
            id += 1;
            let agent = format!("79a69243.agent{}", id % 500);
            let mut r = Record {
                id,
                occurred_at: chain::normalise_time(start + time::Duration::seconds(id)),
                actor_kind: "account".into(),
                actor_account_id: Some(id % 500),
                actor_label: agent.clone(),
                action: if id % 2 == 0 {
                    "login.succeed"
                } else {
                    "partner.update"
                }
                .into(),
                target_kind: Some("account".into()),
                target_id: Some(agent),
                fund_id: Some(1),
                partner_id: Some(1),
                source_ip: Some("192.0.2.1".into()),
                request_id: Some(format!("req-{id}")),
                outcome: "success".into(),
                details: r#"{"client":"cdap","amr":["pwd"]}"#.into(),
                prev_hash: prev.clone(),
                hash: String::new(),
                purged_by: None,
            };
            r.hash = chain::compute_hash(&r.prev_hash, &r);
            prev.clone_from(&r.hash);
            batch.push(r);
        }
        let tx = db.begin_write().await?;
        crate::store::audit::append_many(&tx, &batch).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Runs `idp audit bench-verify`: on a throw-away SQLite file, writes a synthetic trace,
/// verifies it, purges its logins into tombstones and verifies again, timing each step (run
/// with a release build).
pub async fn bench_verify(config: &Config, args: BenchVerifyArgs) -> anyhow::Result<Output> {
    use std::time::Instant;
    let n = args.events.max(2);
    let dir = tempfile::tempdir()?;
    let mut db_config = config.database.clone();
    db_config.url = crate::secret::Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.sqlite").display()
    ));
    let db = crate::store::Db::connect(&db_config).await?;
    db.migrate().await?;
    let start = time::macros::datetime!(2026-01-01 00:00 UTC);
    let t = Instant::now();
    synthetic_chain(&db, n, start).await?;
    let write = t.elapsed();
    let t = Instant::now();
    let full = crate::audit::verify(&db).await?;
    let verify_full = t.elapsed();
    let policy = Policy::from_config(&config.retention);
    let later = start + time::Duration::seconds(n) + time::Duration::days(400);
    let t = Instant::now();
    let purged = retention::purge(&db, later, &Actor::cli(), &policy, false).await?;
    let purge = t.elapsed();
    let t = Instant::now();
    let sealed = crate::audit::verify(&db).await?;
    let verify_sealed = t.elapsed();
    db.close().await?;
    let intact = full.first_break.is_none() && sealed.first_break.is_none();
    let rate = |events: u64, d: std::time::Duration| events as f64 / d.as_secs_f64().max(1e-9);
    Ok(Output {
        text: format!(
            "wrote {n} events in {write:.1?}\nverified {} events in {verify_full:.1?} ({:.0} events/s)\npurged {} logins in {purge:.1?}\nverified {} events ({} tombstones) in {verify_sealed:.1?} ({:.0} events/s)\nchain intact: {intact}",
            full.checked,
            rate(full.checked, verify_full),
            purged.total(),
            sealed.checked,
            purged.total(),
            rate(sealed.checked, verify_sealed),
        ),
        json: json!({
            "events": n,
            "write_secs": write.as_secs_f64(),
            "verify_secs": verify_full.as_secs_f64(),
            "purged": purged.total(),
            "purge_secs": purge.as_secs_f64(),
            "verify_sealed_secs": verify_sealed.as_secs_f64(),
            "intact": intact,
        }),
        failed: !intact,
    })
}
