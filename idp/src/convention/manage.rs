//! Conventions between a fund and a partner: creation (as a draft), lifecycle (activate,
//! suspend, reactivate, terminate), territory and management mode. Ending a convention ends
//! every access under it at once: its habilitations are withdrawn (kept for history, 002
//! service contract art. 5.3.2) and its subscriptions closed, in the same transaction.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::lifecycle::{
    ConventionAction, ConventionStatus, LifecycleError, ManagementMode, Term, transition,
};
use super::number::{ConventionNumber, NumberError};
use crate::actor::Actor;
use crate::audit::{self, Action, AuditError, Event, action};
use crate::directory::Change;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::Fund;
use crate::partner::Partner;
use crate::store::{self, Conn, Db, StoreError};
use crate::territory::Territory;

/// A convention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Convention {
    /// Internal id.
    pub id: i64,
    /// The fund.
    pub fund_id: i64,
    /// The partner.
    pub partner_id: i64,
    /// Number, unique within the fund (e.g. `79-2017-19`).
    pub number: ConventionNumber,
    /// Date of signature.
    pub signed_on: Option<Date>,
    /// Effective date, term and renewal.
    #[serde(skip)]
    pub term: Term,
    /// Status.
    pub status: ConventionStatus,
    /// Who manages habilitations: the partner (delegated) or the fund (centralised).
    pub management_mode: ManagementMode,
    /// Stated mission (finalité, 002 art. 8).
    pub mission: String,
    /// Territory the partner's agents may see.
    pub territory: Territory,
    /// Why the status last changed.
    pub status_reason: Option<String>,
}

/// What is needed to create a convention.
#[derive(Debug, Clone)]
pub struct NewConvention {
    /// Number, unique within the fund.
    pub number: ConventionNumber,
    /// Date of signature.
    pub signed_on: Option<Date>,
    /// Effective date (002 art. 17.1: from signature).
    pub effective_from: Date,
    /// Management mode (delegated by default, 002 art. 9.1).
    pub management_mode: ManagementMode,
    /// Mission.
    pub mission: String,
    /// Territory, inside the fund's départements.
    pub territory: Territory,
}

/// Why a convention operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ConventionError {
    /// The number is malformed.
    #[error(transparent)]
    Number(#[from] NumberError),
    /// The status change is not allowed from the current status.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The convention has no territory.
    #[error("a convention needs a territory (départements or communes)")]
    NoTerritory,
    /// The territory is not inside the fund's départements.
    #[error("territory {outside} is outside the fund's départements")]
    OutsideFund {
        /// The parts that are outside.
        outside: Territory,
    },
    /// The partner is not in this fund's register.
    #[error("the partner is not in this fund's register")]
    ForeignPartner,
    /// The mission is empty or too long.
    #[error("the mission must be 1 to 2000 characters")]
    InvalidMission,
    /// A reason is required to suspend or terminate.
    #[error("a reason is required to {0} a convention")]
    ReasonRequired(&'static str),
    /// The fund already has a convention with this number.
    #[error("convention {0} already exists in this fund")]
    Duplicate(ConventionNumber),
    /// No such convention in this fund.
    #[error("no convention {0} in this fund")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for ConventionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Number(_)
            | Self::NoTerritory
            | Self::OutsideFund { .. }
            | Self::ForeignPartner
            | Self::InvalidMission
            | Self::ReasonRequired(_) => ErrorKind::Invalid,
            Self::Lifecycle(_) | Self::Duplicate(_) => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Number(e) => e.code(),
            Self::Lifecycle(e) => e.code(),
            Self::NoTerritory => "convention.no_territory",
            Self::OutsideFund { .. } => "convention.outside_fund",
            Self::ForeignPartner => "convention.foreign_partner",
            Self::InvalidMission => "convention.mission_invalid",
            Self::ReasonRequired(_) => "convention.reason_required",
            Self::Duplicate(_) => "convention.duplicate",
            Self::NotFound(_) => "convention.not_found",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Number(e) => e.message_fr(),
            Self::Lifecycle(e) => e.message_fr(),
            Self::NoTerritory => {
                "Une convention couvre un territoire (départements ou communes).".into()
            }
            Self::OutsideFund { outside } => {
                format!("Le territoire {outside} est hors des départements de la caisse.")
            }
            Self::ForeignPartner => {
                "Ce partenaire n'est pas dans le référentiel de la caisse.".into()
            }
            Self::InvalidMission => "La finalité doit comporter 1 à 2000 caractères.".into(),
            Self::ReasonRequired(a) => format!(
                "Un motif est obligatoire pour {}.",
                match *a {
                    "suspend" => "suspendre une convention",
                    _ => "résilier une convention",
                }
            ),
            Self::Duplicate(n) => format!("La convention {n} existe déjà dans cette caisse."),
            Self::NotFound(n) => format!("Aucune convention {n} dans cette caisse."),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// The fund's départements as a territory, to check that conventions stay inside them.
fn fund_territory(fund: &Fund) -> Territory {
    Territory {
        departements: fund.departements.clone(),
        communes: Default::default(),
    }
}

/// Creates a convention as a draft (traced).
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    new: NewConvention,
) -> Result<Convention, ConventionError> {
    if partner.fund_id != fund.id {
        return Err(ConventionError::ForeignPartner);
    }
    if new.territory.is_empty() {
        return Err(ConventionError::NoTerritory);
    }
    // 000/001 art. 7-1: several départements, but of the same fund.
    let fund_area = fund_territory(fund);
    if !fund_area.contains(&new.territory) {
        return Err(ConventionError::OutsideFund {
            outside: fund_area.outside_parts(&new.territory),
        });
    }
    let mission = new.mission.trim().to_owned();
    if mission.is_empty() || mission.chars().count() > 2000 {
        return Err(ConventionError::InvalidMission);
    }
    let new = NewConvention { mission, ..new };
    let tx = db.begin_write().await?;
    let convention = store::convention::insert(&tx, now, fund.id, partner.id, &new)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ConventionError::Duplicate(new.number.clone()),
            e => e.into(),
        })?;
    let event = Event::new(action::CONVENTION_CREATE, actor)
        .target("convention", &convention.number)
        .fund(fund.id)
        .partner(partner.id)
        .details(serde_json::json!({
            "partner": partner.third_party_number,
            "effective_from": new.effective_from.to_string(),
            "management_mode": new.management_mode.as_str(),
            "territory": new.territory,
            "mission": new.mission,
        }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(convention)
}

/// Finds a convention of the fund by number.
pub async fn find(
    db: &impl Conn,
    fund: &Fund,
    number: &ConventionNumber,
) -> Result<Convention, ConventionError> {
    store::convention::by_number(db, fund.id, number)
        .await?
        .ok_or_else(|| ConventionError::NotFound(number.to_string()))
}

/// The fund's conventions, by number.
pub async fn list(db: &impl Conn, fund: &Fund) -> Result<Vec<Convention>, ConventionError> {
    Ok(store::convention::of_fund(db, fund.id).await?)
}

/// What a lifecycle action changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleOutcome {
    /// The convention after the change.
    pub convention: Convention,
    /// Habilitations withdrawn by a termination.
    pub withdrawn_habilitations: u64,
    /// The accounts holding a habilitation under the convention, whose access the change
    /// paused, ended or restored (tokens to revoke, sessions to log out: issue 5 point 6).
    pub affected_accounts: Vec<i64>,
}

/// Applies a lifecycle action (traced). Suspending or terminating requires a reason;
/// terminating withdraws every habilitation under the convention and closes its subscriptions.
pub async fn apply(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    number: &ConventionNumber,
    action: ConventionAction,
    reason: Option<&str>,
) -> Result<LifecycleOutcome, ConventionError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let required = match action {
        ConventionAction::Suspend => Some("suspend"),
        ConventionAction::Terminate => Some("terminate"),
        ConventionAction::Activate | ConventionAction::Reactivate => None,
    };
    if let (Some(verb), None) = (required, reason) {
        return Err(ConventionError::ReasonRequired(verb));
    }
    let tx = db.begin_write().await?;
    let current = store::convention::by_number_for_update(&tx, fund.id, number)
        .await?
        .ok_or_else(|| ConventionError::NotFound(number.to_string()))?;
    let to = transition(current.status, action)?;
    let mut affected = std::collections::BTreeSet::new();
    for sub in store::subscription::of_convention(&tx, current.id).await? {
        affected.extend(store::habilitation::holders(&tx, sub.id, None, now.date()).await?);
    }
    store::convention::set_status(&tx, now, current.id, to, reason).await?;
    let withdrawn = if to == ConventionStatus::Terminated {
        let reason = reason.unwrap_or("convention terminated");
        store::habilitation::withdraw_all_of_convention(
            &tx,
            now,
            current.id,
            actor.account_id(),
            reason,
        )
        .await?
    } else {
        0
    };
    let event = Event::new(audit_action(action), actor)
        .target("convention", number)
        .fund(fund.id)
        .partner(current.partner_id)
        .details(serde_json::json!({
            "from": current.status.as_str(),
            "to": to.as_str(),
            "reason": reason,
            "withdrawn_habilitations": withdrawn,
        }));
    audit::record(&tx, now, event).await?;
    // What the partner's agents hold changes with the convention's status.
    let partner = store::partner::by_id(&tx, current.partner_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("partner {} vanished", current.partner_id)))?;
    let change = Change::Partner {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
    };
    crate::directory::enqueue(&tx, now, &change).await?;
    let convention = store::convention::by_number(&tx, fund.id, number)
        .await?
        .ok_or_else(|| ConventionError::NotFound(number.to_string()))?;
    tx.commit().await?;
    Ok(LifecycleOutcome {
        convention,
        withdrawn_habilitations: withdrawn,
        affected_accounts: affected.into_iter().collect(),
    })
}

fn audit_action(a: ConventionAction) -> Action {
    match a {
        ConventionAction::Activate => action::CONVENTION_ACTIVATE,
        ConventionAction::Suspend => action::CONVENTION_SUSPEND,
        ConventionAction::Reactivate => action::CONVENTION_REACTIVATE,
        ConventionAction::Terminate => action::CONVENTION_TERMINATE,
    }
}

#[cfg(test)]
mod tests;
