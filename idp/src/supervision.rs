//! The fund's supervision of a partner (002 service contract art. 2.2.1: "la Caf peut
//! suspendre à tout moment l'habilitation à titre conservatoire, forcer la modification des
//! mots de passe utilisateurs, voire supprimer la délégation d'habilitations et reprendre la
//! main"): edit a partner, suspend or reactivate a partner or an account, switch a convention's
//! management mode.
//!
//! Suspension pauses access without withdrawing anything: `habilitation::of_account` ignores
//! suspended partners and accounts, and reactivation restores exactly what was paused. Every
//! operation that ends or pauses access returns the accounts affected, so that the OpenID
//! Connect layer revokes their tokens and sends back-channel logouts (issue 5 point 6).
//! Who may call these is decided by [`crate::authz`] (fund operators only).
//!
//! Account suspension lives here until `account::admin` (disable, enable, password resets)
//! offers it; it only toggles `active`/`pending` ⇄ `suspended`, which never changes quota use
//! (suspended accounts keep their seat).

use serde::Serialize;
use time::OffsetDateTime;

use crate::account::email::Email;
use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::convention::Convention;
use crate::convention::lifecycle::{ConventionStatus, ManagementMode};
use crate::directory::Change;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::{Fund, clean_name};
use crate::partner::ids::Siret;
use crate::partner::{Partner, PartnerKind, PartnerStatus};
use crate::store::{self, Db, StoreError};

#[cfg(test)]
pub(crate) mod tests;

/// Why a supervision operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SupervisionError {
    /// A reason is required to suspend.
    #[error("a reason is required")]
    ReasonRequired,
    /// The partner or account already has this status.
    #[error("already {0}")]
    AlreadyInStatus(&'static str),
    /// A disabled account is enabled by `account enable`, not reactivated.
    #[error("account {0} is disabled, not suspended")]
    AccountDisabled(String),
    /// The convention is terminated.
    #[error("convention {0} is terminated")]
    ConventionTerminated(String),
    /// The name is empty or too long.
    #[error("the name must be 1 to 200 characters")]
    InvalidName,
    /// The object is not the fund's.
    #[error("not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for SupervisionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::ReasonRequired | Self::InvalidName => ErrorKind::Invalid,
            Self::AlreadyInStatus(_) | Self::AccountDisabled(_) | Self::ConventionTerminated(_) => {
                ErrorKind::Conflict
            }
            Self::NotFound => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::ReasonRequired => "supervision.reason_required",
            Self::AlreadyInStatus(_) => "supervision.already",
            Self::AccountDisabled(_) => "account.disabled",
            Self::ConventionTerminated(_) => "convention.terminated",
            Self::InvalidName => "partner.name_invalid",
            Self::NotFound => "not_found",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::ReasonRequired => "Un motif est obligatoire.".into(),
            Self::AlreadyInStatus(s) => format!("Déjà dans cet état ({s})."),
            Self::AccountDisabled(l) => {
                format!("Le compte {l} est désactivé : il se réactive par « account enable ».")
            }
            Self::ConventionTerminated(n) => format!("La convention {n} est résiliée."),
            Self::InvalidName => "Le nom doit comporter 1 à 200 caractères.".into(),
            Self::NotFound => "Ressource introuvable.".into(),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// The outcome of an operation that pauses or restores access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected<T> {
    /// The object after the change.
    pub object: T,
    /// The accounts whose access changed: tokens to revoke, sessions to log out.
    pub affected_accounts: Vec<i64>,
}

fn required(reason: &str) -> Result<&str, SupervisionError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(SupervisionError::ReasonRequired)
    } else {
        Ok(r)
    }
}

/// Suspends (`suspend = true`) or reactivates a partner (traced, directory refreshed): every
/// access under it pauses at once, or comes back.
pub async fn set_partner_status(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    suspend: bool,
    reason: &str,
) -> Result<Affected<Partner>, SupervisionError> {
    let reason = if suspend {
        required(reason)?
    } else {
        reason.trim()
    };
    if partner.fund_id != fund.id {
        return Err(SupervisionError::NotFound);
    }
    let (to, verb, act) = if suspend {
        (
            PartnerStatus::Suspended,
            "suspended",
            action::PARTNER_SUSPEND,
        )
    } else {
        (PartnerStatus::Active, "active", action::PARTNER_REACTIVATE)
    };
    let tx = db.begin_write().await?;
    let before = store::partner::by_id(&tx, partner.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    if before.status == to {
        return Err(SupervisionError::AlreadyInStatus(verb));
    }
    store::partner::set_status(&tx, now, partner.id, to).await?;
    let affected: Vec<i64> = store::account::of_partner(&tx, partner.id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let event = Event::new(act, actor)
        .target("partner", &partner.third_party_number)
        .fund(fund.id)
        .partner(partner.id)
        .details(serde_json::json!({
            "before": { "status": before.status },
            "after": { "status": to },
            "reason": reason,
            "affected_accounts": affected.len(),
        }));
    audit::record(&tx, now, event).await?;
    let change = Change::Partner {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
    };
    crate::directory::enqueue(&tx, now, &change).await?;
    let after = store::partner::by_id(&tx, partner.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    tx.commit().await?;
    Ok(Affected {
        object: after,
        affected_accounts: affected,
    })
}

/// What a fund operator may change about a partner (the third-party number is its identity
/// in the fund's register and never changes).
#[derive(Debug, Clone, Default)]
pub struct PartnerEdit {
    /// New name.
    pub name: Option<String>,
    /// New SIRET.
    pub siret: Option<Siret>,
    /// New kind.
    pub kind: Option<PartnerKind>,
    /// New contact e-mail.
    pub email: Option<Email>,
}

/// Edits a partner of the fund (traced with before and after, directory refreshed).
pub async fn edit_partner(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    edit: PartnerEdit,
) -> Result<Partner, SupervisionError> {
    if partner.fund_id != fund.id {
        return Err(SupervisionError::NotFound);
    }
    let name = match &edit.name {
        Some(n) => clean_name(n).ok_or(SupervisionError::InvalidName)?,
        None => partner.name.clone(),
    };
    let new = crate::partner::NewPartner {
        third_party_number: partner.third_party_number.clone(),
        siret: edit.siret.or_else(|| partner.siret.clone()),
        name,
        kind: edit.kind.unwrap_or(partner.kind),
        email: edit.email.or_else(|| partner.email.clone()),
    };
    let tx = db.begin_write().await?;
    let before = store::partner::by_id(&tx, partner.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    store::partner::update_register_fields(&tx, now, partner.id, &new).await?;
    let after = store::partner::by_id(&tx, partner.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    let event = Event::new(action::PARTNER_UPDATE, actor)
        .target("partner", &partner.third_party_number)
        .fund(fund.id)
        .partner(partner.id)
        .details(serde_json::json!({ "before": before, "after": after }));
    audit::record(&tx, now, event).await?;
    let change = Change::Partner {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
    };
    crate::directory::enqueue(&tx, now, &change).await?;
    tx.commit().await?;
    Ok(after)
}

/// Suspends (`suspend = true`) an account as a precaution, or reactivates it (traced,
/// directory refreshed). Reactivation restores `pending` when the temporary password was never
/// changed, `active` otherwise.
pub async fn set_account_suspended(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    account: &Account,
    suspend: bool,
    reason: &str,
) -> Result<Affected<Account>, SupervisionError> {
    let reason = if suspend {
        required(reason)?
    } else {
        reason.trim()
    };
    if account.fund_id != fund.id {
        return Err(SupervisionError::NotFound);
    }
    let tx = db.begin_write().await?;
    let before = store::account::by_id(&tx, account.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    let to = match (suspend, before.status) {
        (_, AccountStatus::Disabled) => {
            return Err(SupervisionError::AccountDisabled(before.login.to_string()));
        }
        (true, AccountStatus::Suspended) => {
            return Err(SupervisionError::AlreadyInStatus("suspended"));
        }
        (true, _) => AccountStatus::Suspended,
        (false, AccountStatus::Suspended) if before.must_change_password => AccountStatus::Pending,
        (false, AccountStatus::Suspended) => AccountStatus::Active,
        (false, _) => return Err(SupervisionError::AlreadyInStatus("not suspended")),
    };
    store::account::set_status(
        &tx,
        now,
        account.id,
        to,
        Some(reason).filter(|r| !r.is_empty()),
    )
    .await?;
    let after = store::account::by_id(&tx, account.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    let act = if suspend {
        action::ACCOUNT_SUSPEND
    } else {
        action::ACCOUNT_REACTIVATE
    };
    let mut event = Event::new(act, actor)
        .target("account", &after.login)
        .fund(fund.id)
        .details(serde_json::json!({
            "before": { "status": before.status },
            "after": { "status": after.status },
            "reason": reason,
        }));
    if let Some(p) = after.partner_id {
        event = event.partner(p);
        if let Some(partner) = store::partner::by_id(&tx, p).await? {
            let change = Change::Account {
                fund: fund.code.to_string(),
                partner: partner.third_party_number.to_string(),
                login: after.login.to_string(),
            };
            crate::directory::enqueue(&tx, now, &change).await?;
        }
    }
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(Affected {
        object: after,
        affected_accounts: vec![account.id],
    })
}

/// Switches a convention's management mode (traced). 002 contract art. 2.2: the fund may
/// "supprimer la délégation d'habilitations et reprendre la main" (centralised), or delegate
/// again. Access itself does not change, so no account is affected.
pub async fn set_management_mode(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    convention: &Convention,
    mode: ManagementMode,
    reason: &str,
) -> Result<Convention, SupervisionError> {
    if convention.fund_id != fund.id {
        return Err(SupervisionError::NotFound);
    }
    let tx = db.begin_write().await?;
    let before = store::convention::by_id(&tx, convention.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    if before.status == ConventionStatus::Terminated {
        return Err(SupervisionError::ConventionTerminated(
            before.number.to_string(),
        ));
    }
    if before.management_mode == mode {
        return Err(SupervisionError::AlreadyInStatus(mode.as_str()));
    }
    store::convention::set_management_mode(&tx, now, convention.id, mode).await?;
    let event = Event::new(action::CONVENTION_SET_MODE, actor)
        .target("convention", &before.number)
        .fund(fund.id)
        .partner(before.partner_id)
        .details(serde_json::json!({
            "before": { "management_mode": before.management_mode.as_str() },
            "after": { "management_mode": mode.as_str() },
            "reason": reason.trim(),
        }));
    audit::record(&tx, now, event).await?;
    let after = store::convention::by_id(&tx, convention.id)
        .await?
        .ok_or(SupervisionError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}
