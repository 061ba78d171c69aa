//! `idp directory …`: the LDAP "annuaire des extranautes".

use clap::Subcommand;
use serde_json::json;

use super::{Ctx, Output};
use crate::config::Config;

/// `idp directory …`
#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Compare the whole directory subtree with the database and repair the drift.
    Reconcile {
        /// Only count what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Apply the queued changes until the queue is empty or the directory stops answering.
    Run,
    /// Show the queue: pending changes, the oldest one's age, failures.
    Status,
}

/// Runs `idp directory …`.
pub async fn run(ctx: &Ctx, config: &Config, cmd: DirectoryCommand) -> anyhow::Result<Output> {
    let dry_run = match cmd {
        DirectoryCommand::Reconcile { dry_run } => dry_run,
        DirectoryCommand::Run => return drain(ctx, config).await,
        DirectoryCommand::Status => return status(ctx).await,
    };
    let today = ctx.now().date();
    let r = crate::directory::reconcile(&ctx.db, &config.directory, today, dry_run).await?;
    let verb = if dry_run { "would be" } else { "were" };
    let mut text = format!(
        "directory {}: {} added, {} modified, {} deleted, {} unchanged ({verb} applied)",
        config.directory.base_dn, r.added, r.modified, r.deleted, r.unchanged
    );
    for f in &r.failures {
        text.push_str(&format!("\nfailed: {} ({})", f.dn, f.detail));
    }
    let failures: Vec<_> = r
        .failures
        .iter()
        .map(|f| json!({ "dn": f.dn.to_string(), "rc": f.rc, "detail": f.detail }))
        .collect();
    Ok(Output {
        text,
        json: json!({
            "dry_run": dry_run,
            "added": r.added,
            "modified": r.modified,
            "deleted": r.deleted,
            "unchanged": r.unchanged,
            "failures": failures,
        }),
        failed: !r.failures.is_empty(),
    })
}

async fn drain(ctx: &Ctx, config: &Config) -> anyhow::Result<Output> {
    let metrics = std::sync::Arc::new(directory_sync::metrics::Metrics::new());
    let worker = crate::directory::Worker::new(&config.directory, metrics)?;
    let r = worker.drain(&ctx.db, ctx.now()).await?;
    let stats = crate::store::outbox::stats(&ctx.db).await?;
    let mut text = format!(
        "{} change(s) applied, {} refused, {} still queued",
        r.applied, r.rejected, stats.pending
    );
    if r.stalled {
        text.push_str(&format!(
            "; the directory is not answering ({}), the rest is retried later",
            stats.last_error.as_deref().unwrap_or("unknown error")
        ));
    }
    Ok(Output {
        text,
        json: json!({ "applied": r.applied, "refused": r.rejected, "pending": stats.pending, "stalled": r.stalled }),
        failed: r.stalled,
    })
}

async fn status(ctx: &Ctx) -> anyhow::Result<Output> {
    let s = crate::store::outbox::stats(&ctx.db).await?;
    let age = s.oldest.map(|t| (ctx.now() - t).whole_seconds());
    Ok(Output::ok(
        format!(
            "{} change(s) queued, oldest {} s old, {} failing{}",
            s.pending,
            age.unwrap_or(0),
            s.failing,
            s.last_error
                .as_deref()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        ),
        json!({ "pending": s.pending, "oldest_age_seconds": age, "failing": s.failing, "last_error": s.last_error }),
    ))
}
