//! Monthly usage statistics per fund, partner and service (issue #8 point 7). Seed 003 art. 7:
//! « Toutes les connexions, ou tentatives de connexions, sont enregistrées … Le fichier webstat
//! est exploité quotidiennement afin de constituer des statistiques mensuelles d'évaluation sur
//! l'usage du service. »
//!
//! The figures are computed from the trace, incrementally: a pass reads the events after the
//! cursor (`usage_cursor`), adds them to the counters of `usage_monthly` and moves the cursor,
//! in one transaction, so every event is counted exactly once however many passes run, on
//! however many nodes. Distinct users are counted through `usage_user_month` (an account seen
//! in a month, per service and for any service).

pub mod svg;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{Record, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::Fund;
use crate::store::{self, Db, StoreError};

/// Why statistics could not be computed or exported.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// A month that is not `YYYY-MM`.
    #[error("month {0:?} must be YYYY-MM, e.g. 2026-11")]
    Month(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserError for StatsError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Month(_) => ErrorKind::Invalid,
            Self::Store(e) => store_kind(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Month(_) => "stats.month",
            Self::Store(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Month(m) => format!("Le mois « {m} » doit être de la forme AAAA-MM."),
            Self::Store(_) => "Erreur interne.".into(),
        }
    }
}

/// The counters of one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Successful logins.
    pub logins: i64,
    /// Accounts that logged in or received a token.
    pub distinct_users: i64,
    /// Refused login attempts of known accounts.
    pub failures: i64,
    /// Accounts locked by failed attempts.
    pub locks: i64,
    /// Tokens issued to people (authorization code and refresh grants).
    pub tokens_issued: i64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.logins += o.logins;
        self.distinct_users += o.distinct_users;
        self.failures += o.failures;
        self.locks += o.locks;
        self.tokens_issued += o.tokens_issued;
    }
}

/// What counters are kept for: a fund's month, optionally one partner and one service (none:
/// all of them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// The fund.
    pub fund_id: i64,
    /// The partner, or all.
    pub partner_id: Option<i64>,
    /// The service, or all.
    pub service_id: Option<i64>,
}

/// The month of an instant, `YYYY-MM` in UTC.
pub fn month_of(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}", t.year(), u8::from(t.month()))
}

/// Checks a `YYYY-MM` month.
pub fn parse_month(s: &str) -> Result<String, StatsError> {
    let s = s.trim();
    let ok = s.len() == 7
        && s.get(4..5) == Some("-")
        && s.get(0..4)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()))
        && s.get(5..7)
            .and_then(|m| m.parse::<u8>().ok())
            .is_some_and(|m| (1..=12).contains(&m));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(StatsError::Month(s.to_owned()))
    }
}

/// What one trace event adds to the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// Where it counts (the most precise key: partner and service when known).
    pub key: Key,
    /// What it adds (never distinct users: see `user`).
    pub counts: Counts,
    /// The account that used the service, for distinct users.
    pub user: Option<i64>,
}

/// What `r` adds to the figures, if anything: `login.succeed` (a login, and its user),
/// `login.fail` of a known account (a failure), `account.lock` (a lock), `token.issue` to a
/// person (a token, and its user). The service is the one of the client named in the details
/// (`services`: client id → service id). Events without a fund (unknown logins, tokens of
/// applications acting for themselves) count nowhere.
pub fn contribution(r: &Record, services: &HashMap<String, i64>) -> Option<Contribution> {
    let fund_id = r.fund_id?;
    let mut counts = Counts::default();
    let mut user = None;
    let action = r.action.as_str();
    if action == action::LOGIN_SUCCEED.as_str() {
        counts.logins = 1;
        user = r.actor_account_id;
    } else if action == action::LOGIN_FAIL.as_str() {
        counts.failures = 1;
    } else if action == action::ACCOUNT_LOCK.as_str() {
        counts.locks = 1;
    } else if action == action::TOKEN_ISSUE.as_str() && r.actor_kind == "account" {
        counts.tokens_issued = 1;
        user = r.actor_account_id;
    } else {
        return None;
    }
    let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
    let service_id = details
        .get("client")
        .and_then(|c| c.as_str())
        .and_then(|c| services.get(c))
        .copied();
    Some(Contribution {
        key: Key {
            month: month_of(r.occurred_at),
            fund_id,
            partner_id: r.partner_id,
            service_id,
        },
        counts,
        user,
    })
}

/// The keys a contribution at `key` adds to: the fund's total, the partner's total, the
/// service's total in the fund, and the partner's use of the service — those that apply.
pub fn rollup(key: &Key) -> Vec<Key> {
    let mut out = vec![Key {
        partner_id: None,
        service_id: None,
        ..key.clone()
    }];
    if key.partner_id.is_some() {
        out.push(Key {
            service_id: None,
            ..key.clone()
        });
    }
    if key.service_id.is_some() {
        out.push(Key {
            partner_id: None,
            ..key.clone()
        });
    }
    if key.partner_id.is_some() && key.service_id.is_some() {
        out.push(key.clone());
    }
    out
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    /// Trace events read.
    pub events: u64,
    /// Of which counted somewhere.
    pub counted: u64,
    /// The cursor after the refresh.
    pub cursor: i64,
}

/// Adds every trace event after the cursor to the figures, `batch` events per transaction.
pub async fn refresh(db: &Db, batch: u64) -> Result<RefreshReport, StatsError> {
    let services = store::stats::client_services(db).await?;
    let mut report = RefreshReport::default();
    loop {
        let tx = db.begin_write().await?;
        let cursor = store::stats::lock_cursor(&tx).await?;
        report.cursor = cursor;
        let page = store::audit::page(&tx, cursor, batch.max(1)).await?;
        let Some(last) = page.last().map(|r| r.id) else {
            tx.commit().await?;
            return Ok(report);
        };
        let mut deltas: BTreeMap<Key, Counts> = BTreeMap::new();
        for r in &page {
            report.events += 1;
            let Some(c) = contribution(r, &services) else {
                continue;
            };
            report.counted += 1;
            for k in rollup(&c.key) {
                deltas.entry(k).or_default().add(&c.counts);
            }
            let Some(account) = c.user else { continue };
            let one_user = Counts {
                distinct_users: 1,
                ..Counts::default()
            };
            // New this month (any service): the fund's and the partner's totals.
            if store::stats::see_user(&tx, &c.key.month, account, None, r.occurred_at).await? {
                for k in rollup(&Key {
                    service_id: None,
                    ..c.key.clone()
                }) {
                    deltas.entry(k).or_default().add(&one_user);
                }
            }
            // New this month for this service: the service's rows.
            if c.key.service_id.is_some()
                && store::stats::see_user(
                    &tx,
                    &c.key.month,
                    account,
                    c.key.service_id,
                    r.occurred_at,
                )
                .await?
            {
                for k in rollup(&c.key)
                    .into_iter()
                    .filter(|k| k.service_id.is_some())
                {
                    deltas.entry(k).or_default().add(&one_user);
                }
            }
        }
        for (k, d) in &deltas {
            store::stats::add(&tx, k, d).await?;
        }
        store::stats::set_cursor(&tx, last).await?;
        tx.commit().await?;
        report.cursor = last;
    }
}

/// One line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    /// `YYYY-MM`.
    pub month: String,
    /// The fund's code.
    pub fund: String,
    /// The partner's third-party number; none: every partner.
    pub partner: Option<String>,
    /// The service's code; none: every service.
    pub service: Option<String>,
    /// The figures.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The figures of a fund (one month, when given), totals first within each month.
pub async fn export(
    db: &Db,
    fund: &Fund,
    month: Option<&str>,
) -> Result<Vec<UsageRow>, StatsError> {
    let month = month.map(parse_month).transpose()?;
    let partners: HashMap<i64, String> = store::partner::of_fund(db, fund.id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.third_party_number.as_str().to_owned()))
        .collect();
    let services: HashMap<i64, String> = store::catalogue::services_of_fund(db, fund.id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code.to_string()))
        .collect();
    Ok(store::stats::of_fund(db, fund.id, month.as_deref())
        .await?
        .into_iter()
        .map(|(k, counts)| UsageRow {
            month: k.month,
            fund: fund.code.to_string(),
            partner: k
                .partner_id
                .map(|p| partners.get(&p).cloned().unwrap_or_else(|| format!("#{p}"))),
            service: k
                .service_id
                .map(|s| services.get(&s).cloned().unwrap_or_else(|| format!("#{s}"))),
            counts,
        })
        .collect())
}

/// The CSV of an export: UTF-8, `;`-separated (French spreadsheets), a header line, empty
/// partner or service for totals.
pub fn to_csv(rows: &[UsageRow]) -> String {
    let mut out = String::from(
        "month;fund;partner;service;logins;distinct_users;failures;locks;tokens_issued\n",
    );
    for r in rows {
        let c = &r.counts;
        let _ = writeln!(
            out,
            "{};{};{};{};{};{};{};{};{}",
            csv_field(&r.month),
            csv_field(&r.fund),
            csv_field(r.partner.as_deref().unwrap_or("")),
            csv_field(r.service.as_deref().unwrap_or("")),
            c.logins,
            c.distinct_users,
            c.failures,
            c.locks,
            c.tokens_issued
        );
    }
    out
}

/// Quotes a field that holds `;`, `"` or a line break; neutralises a leading `=`, `+`, `-`, `@`
/// (spreadsheet formulas).
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Logins per month of the fund's totals (or of one partner's), for [`svg::logins_chart`].
pub fn logins_per_month(rows: &[UsageRow], partner: Option<&str>) -> Vec<(String, i64)> {
    rows.iter()
        .filter(|r| r.service.is_none() && r.partner.as_deref() == partner)
        .map(|r| (r.month.clone(), r.counts.logins))
        .collect()
}

#[cfg(test)]
mod tests;
