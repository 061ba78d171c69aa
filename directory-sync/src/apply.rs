//! [`Directory`]: applies plans to a live LDAP server with ldap3 — reads the managed subtree
//! (paged), executes a [`Plan`] with many operations in flight, reconciles the whole subtree,
//! and syncs one entry for the incremental outbox path.
//!
//! Invariants:
//! - Parents are created before children and children deleted before parents: each depth is
//!   a barrier; operations within one depth touch distinct entries and run concurrently,
//!   pipelined over the pool's connections.
//! - A transient failure (connection lost, time-out, busy) stops the apply: operations already
//!   in flight finish, nothing new starts, and the caller gets [`DirectoryError::Transient`].
//!   Since every run re-plans from what the directory holds, a later run converges; nothing is
//!   lost while the directory is down.
//! - A permanent failure (schema, missing parent) is reported per entry in the result and does
//!   not stop the other entries.

use std::collections::HashSet;
use std::sync::Arc;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, Mod, Scope, SearchEntry};
use tokio::task::JoinSet;

use crate::connection::{DirectoryConfig, Pool, classify, from_rc};
use crate::error::DirectoryError;
use crate::metrics::Metrics;
use crate::model::{AttrName, Dn, LdapEntry};
use crate::plan::{AttrMod, Op, Plan, PlanScope, plan, plan_entry};

/// Page size of the subtree read (RFC 2696).
const PAGE_SIZE: i32 = 1000;

/// An operation the directory refused for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The entry.
    pub dn: Dn,
    /// The LDAP result code, when the server sent one.
    pub rc: Option<u32>,
    /// The server's diagnostic.
    pub detail: String,
}

/// The outcome of applying a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Entries created.
    pub added: usize,
    /// Entries changed.
    pub modified: usize,
    /// Entries deleted.
    pub deleted: usize,
    /// Operations refused (schema violation, missing parent…).
    pub failures: Vec<Failure>,
}

/// The outcome of a reconciliation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Entries created (missing from the directory).
    pub added: usize,
    /// Entries changed (drift in attributes).
    pub modified: usize,
    /// Entries deleted (not desired, not retained).
    pub deleted: usize,
    /// Desired entries found identical.
    pub unchanged: usize,
    /// Operations refused.
    pub failures: Vec<Failure>,
    /// True when nothing was written (dry run): the counts say what would change.
    pub dry_run: bool,
}

impl ReconcileReport {
    /// The number of entries added, modified or deleted.
    pub fn changes(&self) -> usize {
        self.added + self.modified + self.deleted
    }
}

/// What one incremental sync did to its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The entry was already as desired.
    Unchanged,
    /// The entry was created.
    Added,
    /// The entry was changed.
    Modified,
    /// The entry was deleted.
    Deleted,
}

/// The directory, reached through a small pool of connections.
pub struct Directory {
    pool: Arc<Pool>,
    base_dn: Dn,
    metrics: Arc<Metrics>,
}

impl Directory {
    /// Prepares the pool; connections open on first use, so the idp can start while the
    /// directory is down.
    pub fn new(config: DirectoryConfig, metrics: Arc<Metrics>) -> Result<Self, DirectoryError> {
        let base_dn = Dn::parse(&config.base_dn)?;
        Ok(Self {
            pool: Arc::new(Pool::new(config)?),
            base_dn,
            metrics,
        })
    }

    /// The counters this directory updates.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Connects and binds one connection, to check the configuration at start-up.
    pub async fn check(&self) -> Result<(), DirectoryError> {
        self.pool.get().await.map(drop)
    }

    /// Reads every entry of the base DN's subtree (user attributes), in pages. A missing base
    /// gives an empty list.
    pub async fn read_subtree(&self) -> Result<Vec<LdapEntry>, DirectoryError> {
        self.search(&self.base_dn, Scope::Subtree).await
    }

    /// Reads one entry, or `None` when it does not exist.
    pub async fn read_entry(&self, dn: &Dn) -> Result<Option<LdapEntry>, DirectoryError> {
        Ok(self.search(dn, Scope::Base).await?.into_iter().next())
    }

    async fn search(&self, base: &Dn, scope: Scope) -> Result<Vec<LdapEntry>, DirectoryError> {
        let result = self.search_once(base, scope).await;
        self.note(&result).await;
        result
    }

    async fn search_once(&self, base: &Dn, scope: Scope) -> Result<Vec<LdapEntry>, DirectoryError> {
        let operation = format!("search {base}");
        let mut ldap = self.pool.get().await?;
        let adapters: Vec<Box<dyn Adapter<'_, &str, Vec<&str>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let base_str = base.to_string();
        let mut stream = ldap
            .with_timeout(self.pool.config().op_timeout)
            .streaming_search_with(adapters, &base_str, scope, "(objectClass=*)", vec!["*"])
            .await
            .map_err(|e| classify(&operation, e))?;
        let mut entries = Vec::new();
        loop {
            let next = tokio::time::timeout(self.pool.config().op_timeout, stream.next()).await;
            let item = match next {
                Ok(item) => item.map_err(|e| classify(&operation, e))?,
                Err(_) => return Err(classify(&operation, ldap3::LdapError::EndOfStream)),
            };
            let Some(raw) = item else { break };
            entries.push(to_entry(SearchEntry::construct(raw))?);
        }
        let done = stream.finish().await;
        match done.rc {
            0 => Ok(entries),
            // RFC 4511 §4.1.9 noSuchObject: the base does not exist yet.
            32 => Ok(Vec::new()),
            rc => Err(from_rc(&operation, rc, done.to_string())),
        }
    }

    /// Applies a plan: adds by increasing depth, then modifies, then deletes by decreasing depth.
    pub async fn apply(&self, plan: &Plan) -> Result<ApplyReport, DirectoryError> {
        self.apply_owned(plan.clone()).await
    }

    /// [`Directory::apply`], consuming the plan (no copy of the entries).
    pub async fn apply_owned(&self, plan: Plan) -> Result<ApplyReport, DirectoryError> {
        let mut report = ApplyReport::default();
        let adds = group_by_depth(plan.adds.into_iter().map(Op::Add), false);
        for level in adds {
            let (ok, failures) = self.run_level(level).await?;
            report.added += ok;
            report.failures.extend(failures);
        }
        let modifies = plan.modifies.into_iter().map(Op::Modify).collect();
        let (ok, failures) = self.run_level(modifies).await?;
        report.modified += ok;
        report.failures.extend(failures);
        let deletes = group_by_depth(plan.deletes.into_iter().map(Op::Delete), true);
        for level in deletes {
            let (ok, failures) = self.run_level(level).await?;
            report.deleted += ok;
            report.failures.extend(failures);
        }
        Ok(report)
    }

    /// Compares the whole subtree with the desired entries and repairs the difference (unless
    /// `dry_run`). A second run after a successful one reports no change.
    pub async fn reconcile(
        &self,
        desired: &[LdapEntry],
        scope: &PlanScope,
        dry_run: bool,
    ) -> Result<ReconcileReport, DirectoryError> {
        let found = self.read_subtree().await?;
        let plan = plan(desired, &found, scope);
        let mut report = ReconcileReport {
            unchanged: plan.unchanged,
            dry_run,
            ..ReconcileReport::default()
        };
        if dry_run {
            report.added = plan.adds.len();
            report.modified = plan.modifies.len();
            report.deleted = plan.deletes.len();
        } else {
            let applied = self.apply_owned(plan).await?;
            report.added = applied.added;
            report.modified = applied.modified;
            report.deleted = applied.deleted;
            report.failures = applied.failures;
            self.metrics
                .reconciled(u64::try_from(report.changes()).unwrap_or(u64::MAX));
        }
        tracing::info!(
            added = report.added,
            modified = report.modified,
            deleted = report.deleted,
            unchanged = report.unchanged,
            failures = report.failures.len(),
            dry_run,
            "directory reconciled"
        );
        Ok(report)
    }

    /// Brings one entry to its desired state (`None`: absent) from what the directory holds
    /// now; idempotent, so an outbox row can be retried any number of times.
    pub async fn sync_entry(
        &self,
        dn: &Dn,
        desired: Option<&LdapEntry>,
        scope: &PlanScope,
    ) -> Result<SyncOutcome, DirectoryError> {
        let found = self.read_entry(dn).await?;
        let ops = plan_entry(desired, found.as_ref(), scope);
        let Some(op) = ops.into_iter().next() else {
            return Ok(SyncOutcome::Unchanged);
        };
        let outcome = match &op {
            Op::Add(_) => SyncOutcome::Added,
            Op::Modify(_) => SyncOutcome::Modified,
            Op::Delete(_) => SyncOutcome::Deleted,
        };
        let ldap = self.pool.get().await;
        let result = match ldap {
            Ok(ldap) => run_op(ldap, self.pool.config().op_timeout, op).await,
            Err(error) => Err(error),
        };
        self.note(&result).await;
        result?;
        self.metrics.applied(1);
        Ok(outcome)
    }

    /// Runs independent operations concurrently; returns the successes and the permanent
    /// failures, or the first transient error once in-flight operations have finished.
    async fn run_level(&self, ops: Vec<Op>) -> Result<(usize, Vec<Failure>), DirectoryError> {
        let window = self.pool.config().max_in_flight;
        let timeout = self.pool.config().op_timeout;
        let mut tasks: JoinSet<(Dn, Result<(), DirectoryError>)> = JoinSet::new();
        let mut ok = 0;
        let mut failures = Vec::new();
        let mut transient: Option<DirectoryError> = None;
        let mut pending = ops.into_iter();
        loop {
            while transient.is_none() && tasks.len() < window {
                let Some(op) = pending.next() else { break };
                let ldap = match self.pool.get().await {
                    Ok(ldap) => ldap,
                    Err(error) => {
                        transient = Some(error);
                        break;
                    }
                };
                tasks.spawn(async move {
                    let dn = op.dn().clone();
                    (dn, run_op(ldap, timeout, op).await)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            match joined {
                Ok((_, Ok(()))) => {
                    ok += 1;
                    self.metrics.applied(1);
                }
                Ok((dn, Err(DirectoryError::Permanent { rc, detail, .. }))) => {
                    self.metrics.failed_permanent(1);
                    tracing::warn!(%dn, ?rc, %detail, "directory refused an operation");
                    failures.push(Failure { dn, rc, detail });
                }
                Ok((_, Err(error))) => {
                    transient.get_or_insert(error);
                }
                Err(join) => {
                    transient.get_or_insert(DirectoryError::Transient {
                        operation: "apply".to_owned(),
                        detail: join.to_string(),
                    });
                }
            }
        }
        match transient {
            Some(error) => {
                let result: Result<(), _> = Err(error);
                self.note(&result).await;
                result.map(|()| (ok, failures))
            }
            None => Ok((ok, failures)),
        }
    }

    /// Records a transient failure and drops the pool's connections so the next call
    /// reconnects (the server may have restarted).
    async fn note<T>(&self, result: &Result<T, DirectoryError>) {
        if let Err(error) = result
            && error.is_transient()
        {
            self.metrics.transient_failure();
            self.pool.invalidate().await;
            tracing::warn!(%error, "directory unavailable");
        }
    }
}

/// Splits operations into batches of equal DN depth, shallowest first (or deepest first).
fn group_by_depth(ops: impl Iterator<Item = Op>, deepest_first: bool) -> Vec<Vec<Op>> {
    let mut levels: std::collections::BTreeMap<usize, Vec<Op>> = std::collections::BTreeMap::new();
    for op in ops {
        levels.entry(op.dn().depth()).or_default().push(op);
    }
    let levels = levels.into_values();
    if deepest_first {
        levels.rev().collect()
    } else {
        levels.collect()
    }
}

async fn run_op(
    mut ldap: Ldap,
    timeout: std::time::Duration,
    op: Op,
) -> Result<(), DirectoryError> {
    let ldap = ldap.with_timeout(timeout);
    let (operation, result) = match op {
        Op::Add(entry) => {
            let dn = entry.dn.to_string();
            let mut attrs: Vec<(&str, HashSet<&str>)> = Vec::with_capacity(entry.attrs.len() + 1);
            attrs.push((
                "objectClass",
                entry.object_classes.iter().map(String::as_str).collect(),
            ));
            attrs.extend(entry.attrs.iter().map(|(name, values)| {
                (name.as_str(), values.iter().map(String::as_str).collect())
            }));
            let result = ldap.add(&dn, attrs).await;
            (format!("add {dn}"), result)
        }
        Op::Modify(modify) => {
            let dn = modify.dn.to_string();
            let mods = modify.mods.into_iter().map(to_mod).collect();
            let result = ldap.modify(&dn, mods).await;
            (format!("modify {dn}"), result)
        }
        Op::Delete(dn) => {
            let dn = dn.to_string();
            let result = ldap.delete(&dn).await;
            (format!("delete {dn}"), result)
        }
    };
    let result = result.map_err(|e| classify(&operation, e))?;
    match result.rc {
        0 => Ok(()),
        rc => Err(from_rc(&operation, rc, result.text)),
    }
}

fn to_mod(m: AttrMod) -> Mod<String> {
    match m {
        AttrMod::Add(name, values) => {
            Mod::Add(name.as_str().to_owned(), values.into_iter().collect())
        }
        AttrMod::Delete(name, values) => {
            Mod::Delete(name.as_str().to_owned(), values.into_iter().collect())
        }
        AttrMod::Replace(name, values) => {
            Mod::Replace(name.as_str().to_owned(), values.into_iter().collect())
        }
    }
}

/// Converts a search result. Binary values (not UTF-8, e.g. a `jpegPhoto` added by hand) are
/// kept as `#` + hex so that the plan still sees them and can remove them.
fn to_entry(raw: SearchEntry) -> Result<LdapEntry, DirectoryError> {
    let dn = Dn::parse(&raw.dn)?;
    let mut entry = LdapEntry::new(dn, &[]);
    for (name, values) in raw.attrs {
        if name.eq_ignore_ascii_case("objectClass") {
            entry.object_classes.extend(values);
            continue;
        }
        let name = AttrName::parse(&name)?;
        for value in values {
            entry.push(&name, value);
        }
    }
    for (name, values) in raw.bin_attrs {
        let name = AttrName::parse(&name)?;
        for value in values {
            let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
            entry.push(&name, format!("#{hex}"));
        }
    }
    Ok(entry)
}
