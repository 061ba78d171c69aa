//! Subscriptions (bulletins d'adhésion): a convention opens a service to the partner, with the
//! maximum number of habilitations per role — and optionally for the service as a whole — that
//! the fund sets (002 service contract art. 2.2.1: "La Caf détermine obligatoirement et pour
//! chaque service (et chaque rôle si besoin) le nombre maximal d'habilitations"). A role with no
//! quota cannot be granted under the subscription: least privilege (002 art. 2.2.1).
//! A quota can never be lowered below its current use; the refusal lists the holders.

use std::collections::BTreeSet;

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::convention::Convention;
use crate::convention::lifecycle::ConventionStatus;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::service::{RoleCode, Service};
use crate::store::{self, Conn, Db, StoreError};

/// The quota of one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleQuota {
    /// The role's id.
    pub role_id: i64,
    /// The role's code.
    pub role: RoleCode,
    /// Maximum number of distinct accounts holding the role.
    pub max_holders: u32,
}

impl RoleQuota {
    /// Whether `holders` distinct accounts make the role at least 90 % used (the fund's
    /// "nearly full" signal).
    #[must_use]
    pub fn nearly_full_with(&self, holders: usize) -> bool {
        self.max_holders > 0 && holders * 10 >= self.max_holders as usize * 9
    }
}

/// A convention's subscription to a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// Internal id.
    pub id: i64,
    /// The convention.
    pub convention_id: i64,
    /// The service.
    pub service_id: i64,
    /// Opening date.
    pub opened_on: Date,
    /// Whether it is open.
    pub active: bool,
    /// Maximum distinct accounts holding any role of the service, if set.
    pub total_quota: Option<u32>,
    /// Quotas per role.
    pub quotas: Vec<RoleQuota>,
}

impl Subscription {
    /// The quota of a role, if the role is open under this subscription.
    pub fn quota(&self, role_id: i64) -> Option<&RoleQuota> {
        self.quotas.iter().find(|q| q.role_id == role_id)
    }
}

/// The quotas to set on a subscription.
#[derive(Debug, Clone)]
pub struct SubscriptionInput {
    /// Opening date.
    pub opened_on: Date,
    /// Total cap for the service, if any.
    pub total_quota: Option<u32>,
    /// Quota per role code; roles not listed keep their quota (or stay closed).
    pub quotas: Vec<(String, u32)>,
}

/// Why a subscription operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// The service belongs to another fund.
    #[error("service {0} is not offered by this convention's fund")]
    ForeignService(String),
    /// The convention has ended.
    #[error("convention {0} is terminated")]
    ConventionTerminated(String),
    /// The role does not exist in the service.
    #[error("service {service} has no role {role} (roles: {roles})")]
    UnknownRole {
        /// Service code.
        service: String,
        /// The typed role.
        role: String,
        /// The existing roles.
        roles: String,
    },
    /// A quota is listed twice.
    #[error("role {0} is listed twice")]
    DuplicateRole(String),
    /// The new quota is below the number of current holders.
    #[error("cannot lower the quota of {role} to {limit}: {} accounts hold it ({})", holders.len(), holders.join(", "))]
    BelowUse {
        /// Role code (or `total`).
        role: String,
        /// The refused limit.
        limit: u32,
        /// Logins of the current holders.
        holders: Vec<String>,
    },
    /// No such subscription.
    #[error("convention {convention} has no subscription to {service}")]
    NotFound {
        /// Convention number.
        convention: String,
        /// Service code.
        service: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for SubscriptionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::ForeignService(_) | Self::UnknownRole { .. } | Self::DuplicateRole(_) => {
                ErrorKind::Invalid
            }
            Self::ConventionTerminated(_) | Self::BelowUse { .. } => ErrorKind::Conflict,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::ForeignService(_) => "subscription.foreign_service",
            Self::ConventionTerminated(_) => "convention.terminated",
            Self::UnknownRole { .. } => "subscription.unknown_role",
            Self::DuplicateRole(_) => "subscription.duplicate_role",
            Self::BelowUse { .. } => "quota.below_use",
            Self::NotFound { .. } => "subscription.not_found",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::ForeignService(s) => {
                format!("Le service {s} n'est pas proposé par la caisse de cette convention.")
            }
            Self::ConventionTerminated(n) => format!("La convention {n} est résiliée."),
            Self::UnknownRole {
                service,
                role,
                roles,
            } => {
                format!("Le service {service} n'a pas de rôle {role} (rôles : {roles}).")
            }
            Self::DuplicateRole(r) => format!("Le rôle {r} figure deux fois."),
            Self::BelowUse {
                role,
                limit,
                holders,
            } => format!(
                "Impossible d'abaisser le quota de {role} à {limit} : {} comptes le détiennent ({}).",
                holders.len(),
                holders.join(", ")
            ),
            Self::NotFound {
                convention,
                service,
            } => {
                format!("La convention {convention} n'a pas d'adhésion au service {service}.")
            }
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// Opens (or updates) a convention's subscription to a service with its quotas (traced).
pub async fn set(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    convention: &Convention,
    service: &Service,
    input: SubscriptionInput,
) -> Result<Subscription, SubscriptionError> {
    if service.fund_id != convention.fund_id {
        return Err(SubscriptionError::ForeignService(service.code.to_string()));
    }
    if convention.status == ConventionStatus::Terminated {
        return Err(SubscriptionError::ConventionTerminated(
            convention.number.to_string(),
        ));
    }
    let mut quotas: Vec<(i64, &RoleCode, u32)> = Vec::new();
    for (code, max) in &input.quotas {
        let role = service
            .role(code)
            .ok_or_else(|| SubscriptionError::UnknownRole {
                service: service.code.to_string(),
                role: code.clone(),
                roles: service
                    .roles
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if quotas.iter().any(|(id, _, _)| *id == role.id) {
            return Err(SubscriptionError::DuplicateRole(role.code.to_string()));
        }
        quotas.push((role.id, &role.code, *max));
    }
    let today = now.date();
    let tx = db.begin_write().await?;
    // The caller's copy may be stale: decide on the stored status, inside the transaction.
    let current = store::convention::by_id(&tx, convention.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("convention {} vanished", convention.id)))?;
    if current.status == ConventionStatus::Terminated {
        return Err(SubscriptionError::ConventionTerminated(
            convention.number.to_string(),
        ));
    }
    let before = store::subscription::find(&tx, convention.id, service.id).await?;
    let id = match &before {
        Some(s) => s.id,
        None => {
            store::subscription::insert(&tx, now, convention.id, service.id, input.opened_on)
                .await?
        }
    };
    // Lock the quotas being changed, then check them against current use (PostgreSQL row
    // locks; SQLite's IMMEDIATE transaction already excludes other writers).
    store::subscription::lock_quotas(&tx, id).await?;
    for (role_id, code, max) in &quotas {
        let holders = store::habilitation::holders(&tx, id, Some(*role_id), today).await?;
        check_not_below(code.as_str(), *max, &tx, &holders).await?;
    }
    if let Some(total) = input.total_quota {
        let holders = store::habilitation::holders(&tx, id, None, today).await?;
        check_not_below("total", total, &tx, &holders).await?;
    }
    store::subscription::set_quotas(
        &tx,
        id,
        input
            .total_quota
            .or(before.as_ref().and_then(|b| b.total_quota)),
        &quotas.iter().map(|(r, _, m)| (*r, *m)).collect::<Vec<_>>(),
    )
    .await?;
    let after = store::subscription::by_id(&tx, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("subscription {id} vanished")))?;
    let event = Event::new(action::SUBSCRIPTION_SET, actor)
        .target(
            "subscription",
            format!("{}/{}", convention.number, service.code),
        )
        .fund(convention.fund_id)
        .partner(convention.partner_id)
        .details(serde_json::json!({ "before": before, "after": after }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(after)
}

async fn check_not_below(
    role: &str,
    limit: u32,
    tx: &store::Tx,
    holders: &BTreeSet<i64>,
) -> Result<(), SubscriptionError> {
    if crate::quota::check_lowering(holders.len(), limit).is_ok() {
        return Ok(());
    }
    let logins = store::account::logins(tx, holders).await?;
    Err(SubscriptionError::BelowUse {
        role: role.to_owned(),
        limit,
        holders: logins,
    })
}

/// The subscription of a convention to a service.
pub async fn find(
    db: &impl Conn,
    convention: &Convention,
    service: &Service,
) -> Result<Subscription, SubscriptionError> {
    store::subscription::find(db, convention.id, service.id)
        .await?
        .ok_or_else(|| SubscriptionError::NotFound {
            convention: convention.number.to_string(),
            service: service.code.to_string(),
        })
}

/// A convention's subscriptions.
pub async fn of_convention(
    db: &impl Conn,
    convention: &Convention,
) -> Result<Vec<Subscription>, SubscriptionError> {
    Ok(store::subscription::of_convention(db, convention.id).await?)
}

pub mod in_use;
/// The use of one role's quota: its limit and the accounts holding the role.
#[derive(Debug, Clone)]
pub struct QuotaUsage {
    /// The role's quota.
    pub quota: RoleQuota,
    /// The accounts holding the role on the day asked about, directly or through a group,
    /// in login order (disabled accounts free their seat, as in the quota rule).
    pub holders: Vec<crate::account::Account>,
}

impl QuotaUsage {
    /// Whether the role is at least 90 % used (the fund's "nearly full" signal).
    #[must_use]
    pub fn nearly_full(&self) -> bool {
        self.quota.nearly_full_with(self.holders.len())
    }
}

/// The use of each role's quota of a subscription on `today`: the same count the quota rule
/// bounds when granting (002 art. 2.2.1), with the holders behind the number.
pub async fn usage(
    db: &impl Conn,
    subscription: &Subscription,
    today: Date,
) -> Result<Vec<QuotaUsage>, SubscriptionError> {
    let mut out = Vec::with_capacity(subscription.quotas.len());
    for quota in &subscription.quotas {
        let ids =
            store::habilitation::holders(db, subscription.id, Some(quota.role_id), today).await?;
        out.push(QuotaUsage {
            quota: quota.clone(),
            holders: store::account::by_ids(db, &ids).await?,
        });
    }
    Ok(out)
}

/// A role quota at least 90 % used, in the fund dashboard's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearlyFull {
    /// The convention.
    pub convention_id: i64,
    /// The subscription.
    pub subscription_id: i64,
    /// The service.
    pub service_id: i64,
    /// The role's quota.
    pub quota: RoleQuota,
    /// Distinct accounts holding the role today (the quota rule's count).
    pub used: usize,
}

/// Every role quota of the fund's open subscriptions under active conventions that is at
/// least 90 % used on `today` ([`RoleQuota::nearly_full_with`]), by subscription then role: three
/// queries whatever the number of conventions.
pub async fn nearly_full_of_fund(
    db: &impl Conn,
    fund_id: i64,
    today: Date,
) -> Result<Vec<NearlyFull>, SubscriptionError> {
    let quotas = store::subscription::role_quotas_of_fund(db, fund_id).await?;
    let holders = store::habilitation::role_holders_of_fund(db, fund_id, today).await?;
    Ok(quotas
        .into_iter()
        .map(
            |(convention_id, subscription_id, service_id, quota)| NearlyFull {
                used: holders
                    .get(&(subscription_id, quota.role_id))
                    .map_or(0, BTreeSet::len),
                convention_id,
                subscription_id,
                service_id,
                quota,
            },
        )
        .filter(|n| n.quota.nearly_full_with(n.used))
        .collect())
}

#[cfg(test)]
mod tests;
