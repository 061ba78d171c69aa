//! Habilitations: the grant of a service role, under a convention's subscription, to an
//! account or a group of the convention's partner, optionally narrowed to part of the
//! convention's territory, for a period, with a reason.
//!
//! Every "what is valid" rule lives here, each with its own error; who may grant is decided
//! by the caller (issue 5). Rules: the convention is active and its subscription open; the role
//! is opened by the subscription (it has a quota: least privilege, 002 art. 2.2.1); the subject
//! belongs to the convention's partner and is not disabled; a narrower territory lies inside the
//! convention's; a role requiring an attribute (CDAP T4: instructor number) gets it; the period
//! is ordered; a reason is given; the subject does not already hold the role; and the quota
//! rule — the distinct accounts holding the role (and any role of the subscription, when a
//! total is set) on `today` never exceed the quota — is checked inside the write transaction
//! after locking the subscription, so concurrent grants cannot overshoot it. Withdrawn grants are
//! kept for history (002 service contract art. 5.3.2).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::convention::Convention;
use crate::convention::lifecycle::ConventionStatus;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::macros::str_enum;
use crate::partner::Partner;
use crate::quota::{self, QuotaExceeded, QuotaUse};
use crate::service::{RoleCode, Service, ServiceCode, ServiceRole};
use crate::store::habilitation::GrantRow;
use crate::store::{self, Conn, Db, StoreError, Tx};
use crate::territory::Territory;

#[cfg(test)]
pub(crate) mod tests;

/// Who holds a habilitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// One account.
    Account(i64),
    /// Every member of a group.
    Group(i64),
}

/// Where a habilitation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HabilitationStatus {
    /// In force (within its dates).
    Active,
    /// Frozen.
    Suspended,
    /// Withdrawn (kept for history).
    Withdrawn,
    /// Past its end date.
    Expired,
}
str_enum!(HabilitationStatus {
    Active = "active",
    Suspended = "suspended",
    Withdrawn = "withdrawn",
    Expired = "expired",
});

/// A habilitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Habilitation {
    /// Internal id.
    pub id: i64,
    /// The subscription it is granted under.
    pub subscription_id: i64,
    /// The subscription's convention.
    pub convention_id: i64,
    /// The convention's partner.
    pub partner_id: i64,
    /// The service.
    pub service: ServiceCode,
    /// The role's id.
    pub role_id: i64,
    /// The role.
    pub role: RoleCode,
    /// Who holds it.
    pub subject: Subject,
    /// Narrower territory; none means the convention's whole territory.
    pub territory: Option<Territory>,
    /// Role attributes (e.g. `instructor_number`).
    pub attributes: BTreeMap<String, String>,
    /// First day.
    pub valid_from: Date,
    /// Last day, if any.
    pub valid_until: Option<Date>,
    /// Status.
    pub status: HabilitationStatus,
    /// Why it was granted.
    pub reason: String,
    /// When it was granted.
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
    /// When it was withdrawn.
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
    /// Why it was withdrawn.
    pub withdrawal_reason: Option<String>,
}

/// A grant to make.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    /// The convention.
    pub convention: &'a Convention,
    /// The service (its subscription under the convention is used).
    pub service: &'a Service,
    /// The role's code.
    pub role: &'a str,
    /// Who receives it.
    pub subject: Subject,
    /// Narrower territory, if any.
    pub territory: Option<Territory>,
    /// First day.
    pub valid_from: Date,
    /// Last day, if any.
    pub valid_until: Option<Date>,
    /// Role attributes.
    pub attributes: BTreeMap<String, String>,
    /// Why it is granted (mandatory).
    pub reason: String,
}

/// Why a habilitation operation failed.
#[derive(Debug, thiserror::Error)]
pub enum HabilitationError {
    /// No reason was given.
    #[error("a reason is required")]
    ReasonRequired,
    /// The end date is before the start date.
    #[error("the habilitation ends ({until}) before it starts ({from})")]
    InvalidPeriod {
        /// First day.
        from: Date,
        /// Last day.
        until: Date,
    },
    /// The service has no such role.
    #[error("service {service} has no role {role}")]
    UnknownRole {
        /// The service.
        service: ServiceCode,
        /// The typed role.
        role: String,
    },
    /// The service belongs to another fund than the convention.
    #[error("service {0} is not offered by this convention's fund")]
    ForeignService(ServiceCode),
    /// The convention is not active.
    #[error("convention {number} is {status}, not active")]
    ConventionNotActive {
        /// The convention's number.
        number: String,
        /// Its status.
        status: ConventionStatus,
    },
    /// The convention has no subscription to the service.
    #[error("the convention has no subscription to {0}")]
    NotSubscribed(ServiceCode),
    /// The subscription is closed.
    #[error("the subscription to {0} is closed")]
    SubscriptionClosed(ServiceCode),
    /// The role has no quota under the subscription.
    #[error("role {0} is not opened by the subscription (no quota)")]
    RoleNotOpened(RoleCode),
    /// The subject does not exist at the convention's partner.
    #[error("no such {0} at the convention's partner")]
    SubjectNotFound(&'static str),
    /// The account is disabled.
    #[error("account {0} is disabled")]
    SubjectDisabled(String),
    /// The territory given is empty.
    #[error("the territory is empty; omit it to use the convention's territory")]
    EmptyTerritory,
    /// The territory is not inside the convention's.
    #[error("territory {outside} is outside the convention's territory")]
    OutsideTerritory {
        /// The parts outside.
        outside: Territory,
    },
    /// A role attribute is missing.
    #[error("role {role} requires the attribute {attribute} ({label})")]
    MissingAttribute {
        /// The role.
        role: RoleCode,
        /// The attribute key.
        attribute: String,
        /// Its label.
        label: String,
    },
    /// The subject already holds this role under this subscription.
    #[error("the {0} already holds role {1} under this subscription")]
    Duplicate(&'static str, RoleCode),
    /// The quota of the role (or of the service) is reached.
    #[error(transparent)]
    Quota(#[from] QuotaExceeded),
    /// No such habilitation for this partner.
    #[error("no habilitation {0} here")]
    NotFound(i64),
    /// The habilitation is already withdrawn or expired.
    #[error("habilitation {0} is no longer in force")]
    NotInForce(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for HabilitationError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::ReasonRequired
            | Self::InvalidPeriod { .. }
            | Self::UnknownRole { .. }
            | Self::ForeignService(_)
            | Self::EmptyTerritory
            | Self::OutsideTerritory { .. }
            | Self::MissingAttribute { .. } => ErrorKind::Invalid,
            Self::ConventionNotActive { .. }
            | Self::SubscriptionClosed(_)
            | Self::RoleNotOpened(_)
            | Self::SubjectDisabled(_)
            | Self::Duplicate(..)
            | Self::Quota(_)
            | Self::NotInForce(_) => ErrorKind::Conflict,
            Self::NotSubscribed(_) | Self::SubjectNotFound(_) | Self::NotFound(_) => {
                ErrorKind::NotFound
            }
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::ReasonRequired => "habilitation.reason_required",
            Self::InvalidPeriod { .. } => "habilitation.period_invalid",
            Self::UnknownRole { .. } => "habilitation.unknown_role",
            Self::ForeignService(_) => "habilitation.foreign_service",
            Self::ConventionNotActive { .. } => "convention.not_active",
            Self::NotSubscribed(_) => "subscription.not_found",
            Self::SubscriptionClosed(_) => "subscription.closed",
            Self::RoleNotOpened(_) => "habilitation.role_not_opened",
            Self::SubjectNotFound(_) => "habilitation.subject_not_found",
            Self::SubjectDisabled(_) => "account.disabled",
            Self::EmptyTerritory => "habilitation.territory_empty",
            Self::OutsideTerritory { .. } => "habilitation.territory_outside",
            Self::MissingAttribute { .. } => "habilitation.attribute_missing",
            Self::Duplicate(..) => "habilitation.duplicate",
            Self::Quota(e) => e.code(),
            Self::NotFound(_) => "habilitation.not_found",
            Self::NotInForce(_) => "habilitation.not_in_force",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        let subject_fr = |s: &str| if s == "group" { "groupe" } else { "compte" };
        match self {
            Self::ReasonRequired => "Un motif est obligatoire.".into(),
            Self::InvalidPeriod { from, until } => {
                format!("L'habilitation finit ({until}) avant de commencer ({from}).")
            }
            Self::UnknownRole { service, role } => {
                format!("Le service {service} n'a pas de rôle {role}.")
            }
            Self::ForeignService(s) => {
                format!("Le service {s} n'est pas proposé par la caisse de cette convention.")
            }
            Self::ConventionNotActive { number, status } => {
                format!("La convention {number} n'est pas active (statut : {status}).")
            }
            Self::NotSubscribed(s) => format!("La convention n'a pas d'adhésion au service {s}."),
            Self::SubscriptionClosed(s) => format!("L'adhésion au service {s} est close."),
            Self::RoleNotOpened(r) => {
                format!("Le rôle {r} n'est pas ouvert par l'adhésion (aucun quota).")
            }
            Self::SubjectNotFound(s) => {
                format!(
                    "Aucun {} de ce nom chez le partenaire de la convention.",
                    subject_fr(s)
                )
            }
            Self::SubjectDisabled(l) => format!("Le compte {l} est désactivé."),
            Self::EmptyTerritory => {
                "Le territoire est vide ; omettez-le pour reprendre celui de la convention.".into()
            }
            Self::OutsideTerritory { outside } => {
                format!("Le territoire {outside} est hors du territoire de la convention.")
            }
            Self::MissingAttribute { role, label, .. } => {
                format!("Le rôle {role} exige l'attribut « {label} ».")
            }
            Self::Duplicate(s, r) => format!(
                "Ce {} détient déjà le rôle {r} au titre de cette adhésion.",
                subject_fr(s)
            ),
            Self::Quota(e) => e.message_fr(),
            Self::NotFound(id) => format!("Aucune habilitation {id} ici."),
            Self::NotInForce(id) => format!("L'habilitation {id} n'est plus en vigueur."),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

fn subject_kind(subject: Subject) -> &'static str {
    match subject {
        Subject::Account(_) => "account",
        Subject::Group(_) => "group",
    }
}

/// Grants a role (traced) after checking every rule; see the module documentation.
pub async fn grant(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    new: NewGrant<'_>,
) -> Result<Habilitation, HabilitationError> {
    let (role, attributes, reason) = precheck(&new)?;
    let tx = db.begin_write().await?;
    let habilitation = grant_checked(&tx, now, actor, &new, role, attributes, reason).await?;
    tx.commit().await?;
    Ok(habilitation)
}

/// Grants a role inside an open write transaction (an approved access request applies it
/// with the request's decision, atomically), with every rule of [`grant`].
pub async fn grant_in(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    new: NewGrant<'_>,
) -> Result<Habilitation, HabilitationError> {
    let (role, attributes, reason) = precheck(&new)?;
    grant_checked(tx, now, actor, &new, role, attributes, reason).await
}

/// The checks that need no database: reason, period, role, attributes, territory.
fn precheck<'a>(
    new: &'a NewGrant<'_>,
) -> Result<(&'a ServiceRole, BTreeMap<String, String>, &'a str), HabilitationError> {
    let reason = new.reason.trim();
    if reason.is_empty() {
        return Err(HabilitationError::ReasonRequired);
    }
    if let Some(until) = new.valid_until.filter(|u| *u < new.valid_from) {
        return Err(HabilitationError::InvalidPeriod {
            from: new.valid_from,
            until,
        });
    }
    let service = new.service;
    if service.fund_id != new.convention.fund_id {
        return Err(HabilitationError::ForeignService(service.code.clone()));
    }
    let role = service
        .role(new.role)
        .ok_or_else(|| HabilitationError::UnknownRole {
            service: service.code.clone(),
            role: new.role.trim().to_owned(),
        })?;
    let attributes: BTreeMap<String, String> = new
        .attributes
        .iter()
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect();
    if let Some(required) = &role.required_attribute {
        // CDAP T4: the instructor number must be carried by the habilitation.
        if !attributes.contains_key(&required.key) {
            return Err(HabilitationError::MissingAttribute {
                role: role.code.clone(),
                attribute: required.key.clone(),
                label: required.label.clone(),
            });
        }
    }
    if new.territory.as_ref().is_some_and(Territory::is_empty) {
        return Err(HabilitationError::EmptyTerritory);
    }
    Ok((role, attributes, reason))
}

/// The rules that read the database, the quota check and the write, in `tx`.
async fn grant_checked(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    new: &NewGrant<'_>,
    role: &ServiceRole,
    attributes: BTreeMap<String, String>,
    reason: &str,
) -> Result<Habilitation, HabilitationError> {
    let today = now.date();
    let service = new.service;
    let convention = store::convention::by_id(tx, new.convention.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("convention {} vanished", new.convention.id)))?;
    if convention.status != ConventionStatus::Active {
        return Err(HabilitationError::ConventionNotActive {
            number: convention.number.to_string(),
            status: convention.status,
        });
    }
    if let Some(t) = &new.territory
        && !convention.territory.contains(t)
    {
        return Err(HabilitationError::OutsideTerritory {
            outside: convention.territory.outside_parts(t),
        });
    }
    let sub = store::subscription::find(tx, convention.id, service.id)
        .await?
        .ok_or_else(|| HabilitationError::NotSubscribed(service.code.clone()))?;
    if !sub.active {
        return Err(HabilitationError::SubscriptionClosed(service.code.clone()));
    }
    let role_quota = sub
        .quota(role.id)
        .ok_or_else(|| HabilitationError::RoleNotOpened(role.code.clone()))?
        .clone();
    let newcomers: BTreeSet<i64> = match new.subject {
        Subject::Account(id) => {
            let account = store::account::by_id(tx, id)
                .await?
                .filter(|a| a.partner_id == Some(convention.partner_id))
                .ok_or(HabilitationError::SubjectNotFound("account"))?;
            if account.status == AccountStatus::Disabled {
                return Err(HabilitationError::SubjectDisabled(
                    account.login.to_string(),
                ));
            }
            BTreeSet::from([account.id])
        }
        Subject::Group(id) => {
            store::group::by_id(tx, id)
                .await?
                .filter(|g| g.partner_id == convention.partner_id)
                .ok_or(HabilitationError::SubjectNotFound("group"))?;
            let members = store::group::member_ids(tx, id).await?;
            store::account::by_ids(tx, &members)
                .await?
                .into_iter()
                .filter(|a| a.status != AccountStatus::Disabled)
                .map(|a| a.id)
                .collect()
        }
    };
    // 002 art. 2.2.1: lock, then count the distinct holders and check the quota.
    store::subscription::lock_quotas(tx, sub.id).await?;
    if store::habilitation::active_exists(tx, sub.id, role.id, new.subject).await? {
        return Err(HabilitationError::Duplicate(
            subject_kind(new.subject),
            role.code.clone(),
        ));
    }
    let holders = store::habilitation::holders(tx, sub.id, Some(role.id), today).await?;
    quota::check_grant(
        &QuotaUse {
            role: role.code.to_string(),
            limit: role_quota.max_holders,
            holders,
        },
        &newcomers,
    )?;
    if let Some(total) = sub.total_quota {
        let holders = store::habilitation::holders(tx, sub.id, None, today).await?;
        quota::check_grant(
            &QuotaUse {
                role: format!("{} (all roles of {})", role.code, service.code),
                limit: total,
                holders,
            },
            &newcomers,
        )?;
    }
    let habilitation = store::habilitation::insert(
        tx,
        now,
        &GrantRow {
            subscription_id: sub.id,
            role_id: role.id,
            subject: new.subject,
            territory: new.territory.as_ref(),
            attributes: &attributes,
            valid_from: new.valid_from,
            valid_until: new.valid_until,
            reason,
            granted_by: actor.account_id(),
        },
    )
    .await?;
    let event = Event::new(action::HABILITATION_GRANT, actor)
        .target("habilitation", habilitation.id)
        .fund(convention.fund_id)
        .partner(convention.partner_id)
        .details(serde_json::json!({
            "convention": convention.number,
            "service": habilitation.service,
            "role": habilitation.role,
            "subject": habilitation.subject,
            "territory": habilitation.territory,
            "attributes": habilitation.attributes,
            "valid_from": habilitation.valid_from.to_string(),
            "valid_until": habilitation.valid_until.map(|d| d.to_string()),
            "reason": habilitation.reason,
        }));
    audit::record(tx, now, event).await?;
    crate::directory::enqueue_partner(tx, now, convention.partner_id).await?;
    Ok(habilitation)
}

/// Withdraws a habilitation of the partner (traced); the row is kept for history.
pub async fn withdraw(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    id: i64,
    reason: &str,
) -> Result<Habilitation, HabilitationError> {
    let tx = db.begin_write().await?;
    let after = withdraw_in(&tx, now, actor, partner, id, reason).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`withdraw`] inside an open write transaction.
pub async fn withdraw_in(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    id: i64,
    reason: &str,
) -> Result<Habilitation, HabilitationError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(HabilitationError::ReasonRequired);
    }
    let before = store::habilitation::by_id(tx, id)
        .await?
        .filter(|h| h.partner_id == partner.id)
        .ok_or(HabilitationError::NotFound(id))?;
    if !store::habilitation::withdraw(tx, now, id, actor.account_id(), reason).await? {
        return Err(HabilitationError::NotInForce(id));
    }
    let after = store::habilitation::by_id(tx, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("habilitation {id} vanished")))?;
    let event = Event::new(action::HABILITATION_WITHDRAW, actor)
        .target("habilitation", id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "service": before.service,
            "role": before.role,
            "subject": before.subject,
            "status_before": before.status,
            "status_after": after.status,
            "reason": reason,
        }));
    audit::record(tx, now, event).await?;
    crate::directory::enqueue_partner(tx, now, partner.id).await?;
    Ok(after)
}

/// A habilitation that reached its end date, and the accounts that held it.
#[derive(Debug, Clone)]
pub struct Expired {
    /// The habilitation, now `expired`.
    pub habilitation: Habilitation,
    /// Who held it (directly or through its group).
    pub affected_accounts: Vec<i64>,
}

/// Marks `expired` every active habilitation whose last day is before `now`'s date (traced
/// `habilitation.expire`, the directory follows) and returns them with their holders, so that
/// the caller ends their tokens at once (issue "Delegated habilitation" point 6: "withdrawing
/// or expiring a habilitation"). Run periodically by every node; idempotent.
pub async fn expire_due(db: &Db, now: OffsetDateTime) -> Result<Vec<Expired>, HabilitationError> {
    let actor = Actor::System { job: "expiry" };
    let mut out = Vec::new();
    for h in store::habilitation::due_to_expire(db, now.date(), 500).await? {
        let tx = db.begin_write().await?;
        if !store::habilitation::expire(&tx, now, h.id).await? {
            continue;
        }
        let affected = affected_accounts(&tx, &h).await?;
        let Some(partner) = store::partner::by_id(&tx, h.partner_id).await? else {
            continue;
        };
        let event = Event::new(action::HABILITATION_EXPIRE, &actor)
            .target("habilitation", h.id)
            .fund(partner.fund_id)
            .partner(partner.id)
            .details(serde_json::json!({
                "service": h.service,
                "role": h.role,
                "subject": h.subject,
                "valid_until": h.valid_until.map(|d| d.to_string()),
            }));
        audit::record(&tx, now, event).await?;
        crate::directory::enqueue_partner(&tx, now, partner.id).await?;
        tx.commit().await?;
        let mut habilitation = h;
        habilitation.status = HabilitationStatus::Expired;
        out.push(Expired {
            habilitation,
            affected_accounts: affected,
        });
    }
    Ok(out)
}

/// [`set_end_date_in`] in its own transaction (a partner administrator acting directly).
pub async fn set_end_date(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    id: i64,
    valid_until: Option<Date>,
    reason: &str,
) -> Result<Habilitation, HabilitationError> {
    let tx = db.begin_write().await?;
    let h = set_end_date_in(&tx, now, actor, partner, id, valid_until, reason).await?;
    tx.commit().await?;
    Ok(h)
}

/// Changes the last day of a habilitation in force (the "modify" of an access request):
/// shortening or prolonging it never changes who holds the role today, so the quota is not
/// touched; a habilitation already withdrawn or expired cannot be revived this way.
pub async fn set_end_date_in(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    id: i64,
    valid_until: Option<Date>,
    reason: &str,
) -> Result<Habilitation, HabilitationError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(HabilitationError::ReasonRequired);
    }
    let today = now.date();
    let before = store::habilitation::by_id(tx, id)
        .await?
        .filter(|h| h.partner_id == partner.id)
        .ok_or(HabilitationError::NotFound(id))?;
    let in_force = before.status == HabilitationStatus::Active
        && before.valid_until.is_none_or(|u| u >= today);
    if !in_force {
        return Err(HabilitationError::NotInForce(id));
    }
    if let Some(until) = valid_until.filter(|u| *u < before.valid_from) {
        return Err(HabilitationError::InvalidPeriod {
            from: before.valid_from,
            until,
        });
    }
    store::habilitation::set_valid_until(tx, now, id, valid_until).await?;
    let after = store::habilitation::by_id(tx, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("habilitation {id} vanished")))?;
    let event = Event::new(action::HABILITATION_MODIFY, actor)
        .target("habilitation", id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "before": { "valid_until": before.valid_until.map(|d| d.to_string()) },
            "after": { "valid_until": after.valid_until.map(|d| d.to_string()) },
            "reason": reason,
        }));
    audit::record(tx, now, event).await?;
    crate::directory::enqueue_partner(tx, now, partner.id).await?;
    Ok(after)
}

/// The accounts whose access a habilitation gives (its holder, or the group's members): the
/// accounts whose tokens must be revoked when it ends (issue 5 point 6, wired by `oidc`).
pub async fn affected_accounts(
    db: &impl Conn,
    habilitation: &Habilitation,
) -> Result<Vec<i64>, HabilitationError> {
    Ok(match habilitation.subject {
        Subject::Account(id) => vec![id],
        Subject::Group(g) => store::group::member_ids(db, g).await?.into_iter().collect(),
    })
}

/// One habilitation of the partner; another partner's is not found.
pub async fn find(
    db: &impl Conn,
    partner: &Partner,
    id: i64,
) -> Result<Habilitation, HabilitationError> {
    store::habilitation::by_id(db, id)
        .await?
        .filter(|h| h.partner_id == partner.id)
        .ok_or(HabilitationError::NotFound(id))
}

/// Every habilitation (any status) under the partner's conventions, by id.
pub async fn list_of_partner(
    db: &impl Conn,
    partner: &Partner,
) -> Result<Vec<Habilitation>, HabilitationError> {
    Ok(store::habilitation::of_partner(db, partner.id).await?)
}

/// One page of the habilitations under the partner's conventions, filtered in the store
/// (status, role, group, text in the service or role code).
pub async fn page_of_partner(
    db: &impl Conn,
    partner: &Partner,
    filter: &crate::listing::ListFilter,
) -> Result<crate::listing::Listed<Habilitation>, HabilitationError> {
    Ok(store::listing::habilitations_of_partner(db, partner.id, filter).await?)
}

/// What an account can use on `today`, directly (`Subject::Account`) and through its groups
/// (`Subject::Group`): the source of the OIDC `habilitations` claim. A disabled or suspended
/// account uses nothing, and neither does anyone under a suspended convention or partner or a
/// closed subscription: suspension pauses access at once without withdrawing the grants
/// (002 service contract art. 2.2.1), which come back on reactivation.
pub async fn of_account(
    db: &impl Conn,
    account: &Account,
    today: Date,
) -> Result<Vec<Habilitation>, HabilitationError> {
    if matches!(
        account.status,
        AccountStatus::Disabled | AccountStatus::Suspended
    ) {
        return Ok(Vec::new());
    }
    let groups = store::group::groups_of_account(db, account.id).await?;
    let held = store::habilitation::in_force_of_subjects(db, account.id, &groups, today).await?;
    let usable = store::habilitation::usable_subscriptions(
        db,
        held.iter().map(|h| h.subscription_id).collect(),
    )
    .await?;
    Ok(held
        .into_iter()
        .filter(|h| usable.contains(&h.subscription_id))
        .collect())
}

/// A grant an account can use now for one service: what a relying party of that service is
/// told (the `habilitations` claim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsableGrant {
    /// The service.
    pub service: ServiceCode,
    /// The role.
    pub role: RoleCode,
    /// The number of the convention it is granted under.
    pub convention: crate::convention::number::ConventionNumber,
    /// Where it applies: the grant's narrower territory, or else the convention's.
    pub territory: Territory,
    /// Role attributes (e.g. `instructor_number`).
    pub attributes: BTreeMap<String, String>,
    /// Last day, if any.
    pub valid_until: Option<Date>,
    /// Held through a group rather than directly.
    pub through_group: bool,
}

/// What `account` can use on `today` for the service `service_id` of its own fund — the rules
/// of [`of_account`] (in force, directly or through a group; subscription open, convention
/// active, partner not suspended) narrowed to one service, read in one query: the claims of
/// every token, userinfo and introspection answer go through here.
pub async fn usable_for_service(
    db: &impl Conn,
    account: &Account,
    service_id: i64,
    today: Date,
) -> Result<Vec<UsableGrant>, HabilitationError> {
    if matches!(
        account.status,
        AccountStatus::Disabled | AccountStatus::Suspended
    ) {
        return Ok(Vec::new());
    }
    Ok(
        store::habilitation::usable_for_service(db, account.id, account.fund_id, service_id, today)
            .await?,
    )
}

/// What an account holds on `today`, directly and through its groups, whatever its status
/// and its subscriptions' (the administrator's view of the account; compare [`of_account`],
/// what it can use).
pub async fn held_by(
    db: &impl Conn,
    account: &Account,
    today: Date,
) -> Result<Vec<Habilitation>, HabilitationError> {
    let groups = store::group::groups_of_account(db, account.id).await?;
    Ok(store::habilitation::in_force_of_subjects(db, account.id, &groups, today).await?)
}

/// The quota rule when a disabled account comes back (issue 5 point 4): a disabled account
/// frees its seats, so re-enabling it adds it back as a holder of every role it still holds,
/// directly or through its groups. Locks each subscription concerned, then checks each role
/// (and the subscription's total) with the account as a newcomer. Call it inside the
/// transaction that re-enables the account, before changing its status.
pub async fn check_reenable_in(
    tx: &Tx,
    account_id: i64,
    today: Date,
) -> Result<(), HabilitationError> {
    let groups = store::group::groups_of_account(tx, account_id).await?;
    let held = store::habilitation::in_force_of_subjects(tx, account_id, &groups, today).await?;
    let mut by_subscription: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for h in &held {
        by_subscription
            .entry(h.subscription_id)
            .or_default()
            .insert(h.role_id);
    }
    let newcomer = BTreeSet::from([account_id]);
    for (subscription_id, roles) in &by_subscription {
        store::subscription::lock_quotas(tx, *subscription_id).await?;
        let Some(sub) = store::subscription::by_id(tx, *subscription_id).await? else {
            continue;
        };
        for q in sub.quotas.iter().filter(|q| roles.contains(&q.role_id)) {
            let holders =
                store::habilitation::holders(tx, *subscription_id, Some(q.role_id), today).await?;
            let use_ = QuotaUse {
                role: q.role.to_string(),
                limit: q.max_holders,
                holders,
            };
            quota::check_grant(&use_, &newcomer)?;
        }
        if let Some(total) = sub.total_quota {
            let holders = store::habilitation::holders(tx, *subscription_id, None, today).await?;
            let use_ = QuotaUse {
                role: "total".to_owned(),
                limit: total,
                holders,
            };
            quota::check_grant(&use_, &newcomer)?;
        }
    }
    Ok(())
}
