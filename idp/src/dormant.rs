//! Dormant access (issue #8 point 8): partners' accounts with no login for N months — an
//! account that never logged in counts from its creation — and the optional policy that
//! disables them. Seed 002 (convention art. 9.2): the partner is « garant de la bonne
//! affectation et du bon usage des habilitations accordées aux utilisateurs au sein de son
//! organisme »; staff who no longer log in should not keep access.

use std::collections::BTreeSet;

use serde::Serialize;
use time::OffsetDateTime;

use crate::account::admin::{self, AdminError};
use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::store::dormant::Activity;
use crate::store::{self, Db, StoreError};

/// The period of the report when none is given, in months.
pub const DEFAULT_MONTHS: u32 = 6;

/// Longest period accepted, in months (ten years).
pub const MAX_MONTHS: u32 = 120;

/// Why a report or a disabling failed.
#[derive(Debug, thiserror::Error)]
pub enum DormantError {
    /// The period is out of range.
    #[error("the period must be 1 to {MAX_MONTHS} months, not {0}")]
    Months(u32),
    /// Disabling an account failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserError for DormantError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Months(_) => ErrorKind::Invalid,
            Self::Admin(e) => e.kind(),
            Self::Store(e) => store_kind(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Months(_) => "dormant.months",
            Self::Admin(e) => e.code(),
            Self::Store(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Months(n) => {
                format!("La période doit être de 1 à {MAX_MONTHS} mois (et non {n}).")
            }
            Self::Admin(e) => e.message_fr(),
            Self::Store(_) => "Erreur interne.".into(),
        }
    }
}

/// `now` moved back `months` calendar months, the day clamped to the target month's length
/// (31 March minus one month is 28 or 29 February).
pub fn months_before(now: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total =
        i64::from(now.year()) * 12 + i64::from(u8::from(now.month())) - 1 - i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(1);
    let month = u8::try_from(total.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .unwrap_or(time::Month::January);
    let day = now.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| now.replace_date(d))
        .unwrap_or(now)
}

/// Whether an account is dormant: its last login (its creation if it never logged in) is
/// before `cutoff`.
pub fn is_dormant(a: &Activity, cutoff: OffsetDateTime) -> bool {
    a.last_login_at.unwrap_or(a.created_at) < cutoff
}

/// A dormant account in the report.
#[derive(Debug, Clone, Serialize)]
pub struct DormantAccount {
    /// The account.
    pub account: Account,
    /// Its last login; none if it never logged in.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// Whole days since the last login (or the creation).
    pub idle_days: i64,
}

/// The partners' accounts of the fund (of one partner, when given), not disabled, with no
/// login for `months` months at `now`, by login.
pub async fn report(
    db: &Db,
    now: OffsetDateTime,
    fund_id: i64,
    partner_id: Option<i64>,
    months: u32,
) -> Result<Vec<DormantAccount>, DormantError> {
    if months == 0 || months > MAX_MONTHS {
        return Err(DormantError::Months(months));
    }
    let cutoff = months_before(now, months);
    let activity = store::dormant::partner_accounts(db, fund_id, partner_id).await?;
    let dormant: Vec<&Activity> = activity.iter().filter(|a| is_dormant(a, cutoff)).collect();
    let ids: BTreeSet<i64> = dormant.iter().map(|a| a.account_id).collect();
    let accounts = store::account::by_ids(db, &ids).await?;
    Ok(accounts
        .into_iter()
        .filter_map(|account| {
            let a = dormant.iter().find(|a| a.account_id == account.id)?;
            let since = a.last_login_at.unwrap_or(a.created_at);
            Some(DormantAccount {
                idle_days: (now - since).whole_days(),
                last_login_at: a.last_login_at,
                account,
            })
        })
        .collect())
}

/// What the disabling policy did.
#[derive(Debug, Clone, Default)]
pub struct Disabled {
    /// The accounts disabled.
    pub accounts: Vec<Account>,
    /// Accounts whose sessions and tokens must end now (`Ctx::end_access`).
    pub end_sessions_of: Vec<i64>,
}

/// Disables every account of [`report`] through [`admin::disable`] (one transaction and one
/// `account.disable` trace each, with `reason`). The caller ends their sessions.
pub async fn disable(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund_id: i64,
    partner_id: Option<i64>,
    months: u32,
    reason: &str,
) -> Result<Disabled, DormantError> {
    let mut out = Disabled::default();
    for d in report(db, now, fund_id, partner_id, months).await? {
        if d.account.status == AccountStatus::Disabled {
            continue;
        }
        let done = admin::disable(db, now, actor, &d.account, reason).await?;
        out.end_sessions_of.extend(done.end_sessions_of);
        out.accounts.push(done.account);
    }
    out.end_sessions_of.sort_unstable();
    out.end_sessions_of.dedup();
    Ok(out)
}

/// The default reason written with a disabling.
pub fn default_reason(months: u32) -> String {
    format!("aucune connexion depuis {months} mois (accès dormant, convention art. 9.2)")
}

#[cfg(test)]
mod tests;
