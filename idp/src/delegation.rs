//! Designation of a partner's principal and deputy administrators by the fund.
//!
//! 002 contract art. 2.2.2: the partner's administrators are designated by the fund, "dont les
//! droits sont exclusivement gérés par l'administrateur des habilitations de la Caf". A partner
//! has at most one principal and one deputy at a time (the schema's partial unique index); a new
//! designation replaces the current holder of the seat (revoked, kept for history) in the same
//! transaction; one person cannot hold both seats; the account must belong to the partner and
//! not be disabled.
//!
//! Delegated managers (contract art. 2.2.1: "Déléguer l'administration des utilisateurs, des
//! groupes de personnes et des habilitations") are appointed here too, with a [`Scope`]; who may
//! appoint whom, and with which scope, is decided by [`crate::authz`] before these run.

use serde::Serialize;
use time::OffsetDateTime;

use crate::account::login_id::LoginId;
use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::authz::Scope;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::macros::str_enum;
use crate::partner::Partner;
use crate::store::{self, Conn, Db, StoreError};

#[cfg(test)]
mod tests;

/// The two administrator seats of a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminKind {
    /// The principal administrator.
    Principal,
    /// The deputy, who stands in for the principal.
    Deputy,
}
str_enum!(AdminKind {
    Principal = "principal",
    Deputy = "deputy"
});

impl AdminKind {
    /// The `admin_role.kind` stored for this seat.
    fn stored(self) -> &'static str {
        match self {
            Self::Principal => "principal_admin",
            Self::Deputy => "deputy_admin",
        }
    }

    fn from_stored(s: &str) -> Option<Self> {
        match s {
            "principal_admin" => Some(Self::Principal),
            "deputy_admin" => Some(Self::Deputy),
            _ => None,
        }
    }

    fn other(self) -> Self {
        match self {
            Self::Principal => Self::Deputy,
            Self::Deputy => Self::Principal,
        }
    }
}

/// A designated administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Administrator {
    /// The seat.
    pub kind: AdminKind,
    /// The account.
    pub account: Account,
    /// Since when.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// Why a designation failed.
#[derive(Debug, thiserror::Error)]
pub enum DelegationError {
    /// No such account at this partner.
    #[error("no account {0} at this partner")]
    AccountNotFound(LoginId),
    /// The account is disabled.
    #[error("account {0} is disabled")]
    AccountDisabled(LoginId),
    /// The account already holds the other seat.
    #[error(
        "account {login} is already the {seat} administrator; one person cannot hold both seats"
    )]
    BothSeats {
        /// The account.
        login: LoginId,
        /// The seat it holds.
        seat: AdminKind,
    },
    /// The account already holds this seat.
    #[error("account {login} is already the {seat} administrator")]
    AlreadyDesignated {
        /// The account.
        login: LoginId,
        /// The seat.
        seat: AdminKind,
    },
    /// The account already is a delegated manager of the partner.
    #[error("account {0} already is a delegated manager here")]
    AlreadyManager(LoginId),
    /// No such delegated manager at this partner.
    #[error("no delegated manager {0} here")]
    ManagerNotFound(i64),
    /// A scope names a service, role, group or unit that is not the partner's.
    #[error("the scope names a {0} that is not this partner's")]
    ForeignScope(&'static str),
    /// A revocation must say why (it is traced and kept in the history).
    #[error("a reason is required")]
    ReasonRequired,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for DelegationError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::AccountNotFound(_) | Self::ManagerNotFound(_) => ErrorKind::NotFound,
            Self::AccountDisabled(_)
            | Self::BothSeats { .. }
            | Self::AlreadyDesignated { .. }
            | Self::AlreadyManager(_) => ErrorKind::Conflict,
            Self::ForeignScope(_) | Self::ReasonRequired => ErrorKind::Invalid,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::AccountNotFound(_) => "account.not_found",
            Self::AccountDisabled(_) => "account.disabled",
            Self::BothSeats { .. } => "admin.both_seats",
            Self::AlreadyDesignated { .. } => "admin.already_designated",
            Self::AlreadyManager(_) => "manager.duplicate",
            Self::ManagerNotFound(_) => "manager.not_found",
            Self::ForeignScope(_) => "manager.scope_foreign",
            Self::ReasonRequired => "manager.reason_required",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        let seat_fr = |k: &AdminKind| match k {
            AdminKind::Principal => "principal",
            AdminKind::Deputy => "suppléant",
        };
        match self {
            Self::AccountNotFound(l) => format!("Aucun compte {l} chez ce partenaire."),
            Self::AccountDisabled(l) => format!("Le compte {l} est désactivé."),
            Self::BothSeats { login, seat } => format!(
                "Le compte {login} est déjà administrateur {} ; une même personne ne peut pas \
                 occuper les deux fonctions.",
                seat_fr(seat)
            ),
            Self::AlreadyDesignated { login, seat } => {
                format!(
                    "Le compte {login} est déjà administrateur {}.",
                    seat_fr(seat)
                )
            }
            Self::AlreadyManager(l) => {
                format!("Le compte {l} est déjà gestionnaire délégué de ce partenaire.")
            }
            Self::ManagerNotFound(id) => format!("Aucun gestionnaire délégué {id} ici."),
            Self::ForeignScope(what) => {
                format!("Le périmètre désigne un élément ({what}) qui n'est pas de ce partenaire.")
            }
            Self::ReasonRequired => {
                "Un motif est obligatoire pour retirer un gestionnaire délégué.".into()
            }
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// Designates the partner's principal or deputy administrator (traced), replacing the current
/// holder of that seat.
pub async fn designate(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    kind: AdminKind,
    login: &LoginId,
) -> Result<Administrator, DelegationError> {
    let tx = db.begin_write().await?;
    let account = store::account::by_login(&tx, login)
        .await?
        .filter(|a| a.partner_id == Some(partner.id))
        .ok_or_else(|| DelegationError::AccountNotFound(login.clone()))?;
    if account.status == AccountStatus::Disabled {
        return Err(DelegationError::AccountDisabled(login.clone()));
    }
    let roles = store::admin_role::active_of_partner(&tx, partner.id).await?;
    let seat = |k: AdminKind| roles.iter().find(|r| r.kind == k.stored());
    if seat(kind.other()).is_some_and(|r| r.account_id == account.id) {
        return Err(DelegationError::BothSeats {
            login: login.clone(),
            seat: kind.other(),
        });
    }
    let current = seat(kind);
    if current.is_some_and(|r| r.account_id == account.id) {
        return Err(DelegationError::AlreadyDesignated {
            login: login.clone(),
            seat: kind,
        });
    }
    let replaced = match current {
        Some(r) => {
            store::admin_role::revoke(&tx, now, r.id, actor.account_id(), "replaced").await?;
            store::account::by_id(&tx, r.account_id)
                .await?
                .map(|a| a.login)
        }
        None => None,
    };
    store::admin_role::insert_partner_role(
        &tx,
        now,
        account.id,
        partner.id,
        kind.stored(),
        actor.account_id(),
    )
    .await?;
    let event = Event::new(action::ADMIN_DESIGNATE, actor)
        .target("account", &account.login)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({ "seat": kind, "replaced": replaced }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(Administrator {
        kind,
        account,
        since: now,
    })
}

/// The partner's current administrators, principal first.
pub async fn administrators(
    db: &impl Conn,
    partner: &Partner,
) -> Result<Vec<Administrator>, DelegationError> {
    let mut out = Vec::new();
    for r in store::admin_role::active_of_partner(db, partner.id).await? {
        let Some(kind) = AdminKind::from_stored(&r.kind) else {
            continue;
        };
        let account = store::account::by_id(db, r.account_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("admin role {} without account", r.id)))?;
        out.push(Administrator {
            kind,
            account,
            since: r.granted_at,
        });
    }
    out.sort_by_key(|a| a.kind == AdminKind::Deputy);
    Ok(out)
}

/// A delegated manager of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manager {
    /// The role's id (to revoke it).
    pub id: i64,
    /// The account.
    pub account: Account,
    /// What they administer.
    pub scope: Scope,
    /// Whether they may appoint managers in turn.
    pub may_delegate: bool,
    /// Since when.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// Checks that every id of the scope is the partner's (its fund's services and roles, its
/// groups and units).
async fn check_scope(
    db: &impl Conn,
    partner: &Partner,
    scope: &Scope,
) -> Result<(), DelegationError> {
    let services = store::catalogue::services_of_fund(db, partner.fund_id).await?;
    if let Some(ids) = &scope.services
        && !ids.iter().all(|id| services.iter().any(|s| s.id == *id))
    {
        return Err(DelegationError::ForeignScope("service"));
    }
    if let Some(ids) = &scope.roles
        && !ids
            .iter()
            .all(|id| services.iter().flat_map(|s| &s.roles).any(|r| r.id == *id))
    {
        return Err(DelegationError::ForeignScope("role"));
    }
    if let Some(ids) = &scope.groups {
        let groups = store::group::of_partner(db, partner.id).await?;
        if !ids.iter().all(|id| groups.iter().any(|g| g.id == *id)) {
            return Err(DelegationError::ForeignScope("group"));
        }
    }
    if let Some(ids) = &scope.units {
        let units = store::partner::units_of(db, partner.id).await?;
        if !ids.iter().all(|id| units.iter().any(|u| u.id == *id)) {
            return Err(DelegationError::ForeignScope("unit"));
        }
    }
    Ok(())
}

/// Appoints an account of the partner as delegated manager with a scope (traced).
pub async fn appoint_manager(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    login: &LoginId,
    scope: &Scope,
    may_delegate: bool,
) -> Result<Manager, DelegationError> {
    let tx = db.begin_write().await?;
    let account = store::account::by_login(&tx, login)
        .await?
        .filter(|a| a.partner_id == Some(partner.id))
        .ok_or_else(|| DelegationError::AccountNotFound(login.clone()))?;
    if account.status == AccountStatus::Disabled {
        return Err(DelegationError::AccountDisabled(login.clone()));
    }
    check_scope(&tx, partner, scope).await?;
    let stored =
        serde_json::to_value(scope).map_err(|e| StoreError::Corrupt(format!("scope: {e}")))?;
    let id = store::admin_role::insert_manager(
        &tx,
        now,
        account.id,
        partner.id,
        stored,
        may_delegate,
        actor.account_id(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => DelegationError::AlreadyManager(login.clone()),
        e => e.into(),
    })?;
    let event = Event::new(action::MANAGER_APPOINT, actor)
        .target("account", &account.login)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "before": null,
            "after": { "scope": scope, "may_delegate": may_delegate },
        }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(Manager {
        id,
        account,
        scope: scope.clone(),
        may_delegate,
        since: now,
    })
}

/// The partner's delegated managers, oldest first.
pub async fn managers(db: &impl Conn, partner: &Partner) -> Result<Vec<Manager>, DelegationError> {
    let mut out = Vec::new();
    for r in store::admin_role::active_of_partner(db, partner.id).await? {
        if r.kind != "delegated_manager" {
            continue;
        }
        out.push(manager_of(db, r).await?);
    }
    Ok(out)
}

async fn manager_of(
    db: &impl Conn,
    r: store::admin_role::AdminRoleRow,
) -> Result<Manager, DelegationError> {
    let account = store::account::by_id(db, r.account_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("admin role {} without account", r.id)))?;
    let scope = match r.scope {
        Some(v) => serde_json::from_value(v)
            .map_err(|_| StoreError::Corrupt(format!("admin role {}: scope", r.id)))?,
        None => Scope::default(),
    };
    Ok(Manager {
        id: r.id,
        account,
        scope,
        may_delegate: r.may_delegate,
        since: r.granted_at,
    })
}

/// One delegated manager of the partner; another partner's is not found.
pub async fn find_manager(
    db: &impl Conn,
    partner: &Partner,
    id: i64,
) -> Result<Manager, DelegationError> {
    let r = store::admin_role::active_by_id(db, id)
        .await?
        .filter(|r| r.kind == "delegated_manager" && r.partner_id == Some(partner.id))
        .ok_or(DelegationError::ManagerNotFound(id))?;
    manager_of(db, r).await
}

/// Revokes a delegated manager (traced; the row is kept for history).
pub async fn revoke_manager(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    id: i64,
    reason: &str,
) -> Result<Manager, DelegationError> {
    if reason.trim().is_empty() {
        return Err(DelegationError::ReasonRequired);
    }
    let tx = db.begin_write().await?;
    let manager = find_manager(&tx, partner, id).await?;
    store::admin_role::revoke(&tx, now, id, actor.account_id(), reason.trim()).await?;
    let event = Event::new(action::MANAGER_REVOKE, actor)
        .target("account", &manager.account.login)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "before": { "scope": manager.scope, "may_delegate": manager.may_delegate },
            "after": null,
            "reason": reason.trim(),
        }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(manager)
}
