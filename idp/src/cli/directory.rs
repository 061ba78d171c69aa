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
}

/// Runs `idp directory …`.
pub async fn run(ctx: &Ctx, config: &Config, cmd: DirectoryCommand) -> anyhow::Result<Output> {
    let DirectoryCommand::Reconcile { dry_run } = cmd;
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
