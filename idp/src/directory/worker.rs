//! The directory worker: applies the outbox in order, entry by entry, retrying with backoff
//! while the directory is unreachable, so that nothing is lost however long it is down
//! (issue 7). Each row is idempotent (it brings entries to what the database says *now*), so
//! applying a row twice — after a crash, or from two nodes — is harmless.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use directory_sync::apply::Directory;
use directory_sync::backoff::Backoff;
use directory_sync::layout::Layout;
use directory_sync::metrics::Metrics;
use directory_sync::model::{Dn, LdapEntry};
use rand::Rng;
use time::OffsetDateTime;

use super::outbox::Change;
use super::{SyncError, connection, desired_state, layout};
use crate::config::DirectorySettings;
use crate::store::{self, Db};

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Rows applied.
    pub applied: usize,
    /// Rows abandoned after a permanent error (kept with their error).
    pub rejected: usize,
    /// Whether the pass stopped on a transient error (the rest waits for the retry).
    pub stalled: bool,
}

/// A directory connection and layout, kept across passes.
pub struct Worker {
    directory: Directory,
    layout: Layout,
    backoff: Backoff,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("base_dn", &self.layout.base_dn().to_string())
            .finish()
    }
}

impl Worker {
    /// Prepares a worker (connects lazily: the directory may be down at start-up).
    pub fn new(settings: &DirectorySettings, metrics: Arc<Metrics>) -> Result<Self, SyncError> {
        if !settings.enabled {
            return Err(SyncError::Disabled);
        }
        Ok(Self {
            directory: Directory::new(connection(settings), metrics)?,
            layout: layout(settings)?,
            backoff: Backoff::default(),
        })
    }

    /// The metrics shared with the readiness output.
    pub fn metrics(&self) -> &Arc<Metrics> {
        self.directory.metrics()
    }

    /// Applies the due rows of the outbox, oldest first, up to `limit`.
    pub async fn pass(
        &self,
        db: &Db,
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<PassReport, SyncError> {
        let rows = store::outbox::pending(db, limit).await?;
        let mut report = PassReport::default();
        let Some((_, first_due)) = rows.first() else {
            self.record_queue(db, now).await?;
            return Ok(report);
        };
        if *first_due > now {
            // The head of the queue waits for its retry; later rows wait behind it.
            report.stalled = true;
            self.record_queue(db, now).await?;
            return Ok(report);
        }
        // Only the funds the due rows touch: everything a change affects hangs below its fund.
        let funds: BTreeSet<String> = rows
            .iter()
            .filter(|(_, due)| *due <= now)
            .filter_map(|(row, _)| Change::parse(&row.kind, &row.key))
            .map(|c| c.fund().to_owned())
            .collect();
        let snapshot =
            store::directory::snapshot(db, self.layout.write_passwords, Some(&funds)).await?;
        let state = desired_state(&snapshot, now.date());
        let desired: BTreeMap<String, LdapEntry> = self
            .layout
            .entries(&state)?
            .into_iter()
            .map(|e| (e.dn.normalized().to_owned(), e))
            .collect();
        let scope = self.layout.scope();
        for (row, due) in rows {
            if due > now {
                report.stalled = true;
                break;
            }
            let Some(change) = Change::parse(&row.kind, &row.key) else {
                store::outbox::mark_done(db, &[row.id], now, Some("unknown outbox row")).await?;
                report.rejected += 1;
                continue;
            };
            let mut outcome = Ok(());
            for dn in self.affected(&change, &desired) {
                let result = self
                    .directory
                    .sync_entry(&dn, desired.get(dn.normalized()), &scope)
                    .await;
                if let Err(e) = result {
                    outcome = Err(e);
                    break;
                }
            }
            match outcome {
                Ok(()) => {
                    store::outbox::mark_done(db, &[row.id], now, None).await?;
                    report.applied += 1;
                }
                Err(e) if e.is_transient() => {
                    let jitter: f64 = rand::thread_rng().r#gen();
                    let delay = self.backoff.delay(row.attempts, jitter);
                    let next =
                        now + time::Duration::try_from(delay).unwrap_or(time::Duration::MINUTE);
                    let message = crate::redact::redact_text(&e.to_string()).into_owned();
                    store::outbox::mark_failed(db, row.id, row.attempts + 1, next, &message)
                        .await?;
                    tracing::warn!(row = row.id, attempts = row.attempts + 1, error = %message, "directory unreachable, will retry");
                    report.stalled = true;
                    break;
                }
                Err(e) => {
                    let message = crate::redact::redact_text(&e.to_string()).into_owned();
                    tracing::error!(row = row.id, error = %message, "directory refused a change");
                    store::outbox::mark_done(db, &[row.id], now, Some(&message)).await?;
                    report.rejected += 1;
                }
            }
        }
        self.record_queue(db, now).await?;
        store::outbox::purge_processed(db, now - time::Duration::days(30)).await?;
        Ok(report)
    }

    /// Runs passes until the queue is empty or stalled (for `idp directory run --once`).
    pub async fn drain(&self, db: &Db, now: OffsetDateTime) -> Result<PassReport, SyncError> {
        let mut total = PassReport::default();
        loop {
            let r = self.pass(db, now, 500).await?;
            total.applied += r.applied;
            total.rejected += r.rejected;
            if r.stalled || r.applied + r.rejected == 0 {
                total.stalled = r.stalled;
                return Ok(total);
            }
        }
    }

    async fn record_queue(&self, db: &Db, now: OffsetDateTime) -> Result<(), SyncError> {
        let stats = store::outbox::stats(db).await?;
        let age = stats
            .oldest
            .map(|t| std::time::Duration::try_from(now - t).unwrap_or_default())
            .unwrap_or_default();
        self.directory.metrics().set_queue(stats.pending, age);
        Ok(())
    }

    /// The entries a change touches, parents first (a parent missing in the directory, e.g. after
    /// a hand-made deletion, is restored before its children).
    fn affected(&self, change: &Change, desired: &BTreeMap<String, LdapEntry>) -> Vec<Dn> {
        let l = &self.layout;
        let below = |root: &Dn| -> Vec<Dn> {
            desired
                .values()
                .filter(|e| e.dn.is_within(root) && e.dn != *root)
                .map(|e| e.dn.clone())
                .collect()
        };
        let fund = change.fund();
        let mut dns: Vec<Dn> = l.base_entry().map(|e| e.dn).into_iter().collect();
        dns.push(l.fund_dn(fund));
        dns.push(l.roles_dn(fund));
        match change {
            Change::Fund { .. } => dns.extend(below(&l.roles_dn(fund))),
            Change::Partner { partner, .. } => {
                let root = l.partner_dn(fund, partner);
                dns.push(root.clone());
                dns.extend(below(&root));
                dns.extend(below(&l.roles_dn(fund)));
            }
            Change::Account { partner, login, .. } => {
                let root = l.partner_dn(fund, partner);
                dns.push(root.clone());
                dns.push(l.account_dn(fund, partner, login));
                // Groups of the partner list their members.
                dns.extend(
                    below(&root)
                        .into_iter()
                        .filter(|d| d.to_string().starts_with("cn=")),
                );
                dns.extend(below(&l.roles_dn(fund)));
            }
            Change::Group { partner, name, .. } => {
                dns.push(l.partner_dn(fund, partner));
                dns.push(l.group_dn(fund, partner, name));
            }
            Change::Service { service, .. } => {
                let prefix = format!("cn={service}-").to_lowercase();
                dns.extend(
                    below(&l.roles_dn(fund))
                        .into_iter()
                        .filter(|d| d.to_string().to_lowercase().starts_with(&prefix)),
                );
            }
        }
        dns
    }
}
