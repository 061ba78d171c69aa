//! Funds (caisses): a Caf or an MSA fund, owner of one partner extranet. A fund covers one or
//! more départements (000 and 001 art. 7-1: a territory of several départements of the same
//! fund); the conventions it signs stay inside them. Its policies decide how login identifiers
//! are made (generated, 002 art. 9.1, or the e-mail address, 004) and who needs a second factor.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::directory::Change;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::macros::str_enum;
use crate::store::{self, Conn, Db, StoreError};
use crate::territory::DepartementCode;

/// A fund's stable code, e.g. `caf-79`, `msa-poitou`: 2–32 characters `a-z 0-9 -`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FundCode(String);

impl FundCode {
    /// Parses and normalises a fund code.
    pub fn parse(s: &str) -> Result<Self, FundError> {
        let v = s.trim().to_ascii_lowercase();
        let ok = (2..=32).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !v.starts_with('-')
            && !v.ends_with('-');
        if ok {
            Ok(Self(v))
        } else {
            Err(FundError::InvalidCode(s.trim().to_owned()))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FundCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two families of funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FundKind {
    /// Caisse d'allocations familiales.
    Caf,
    /// Mutualité sociale agricole.
    Msa,
}

/// How login identifiers of new accounts are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginPolicy {
    /// Generated from the partner and the person's name (002 art. 9.1: "produits de manière
    /// automatique").
    Generated,
    /// The person's e-mail address (004: identifier = e-mail).
    Email,
}

str_enum!(FundKind { Caf = "caf", Msa = "msa" });
str_enum!(LoginPolicy { Generated = "generated", Email = "email" });

/// A fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fund {
    /// Internal id.
    pub id: i64,
    /// Stable code.
    pub code: FundCode,
    /// Name, e.g. "Caf des Deux-Sèvres".
    pub name: String,
    /// Caf or MSA.
    pub kind: FundKind,
    /// Départements the fund covers.
    pub departements: BTreeSet<DepartementCode>,
    /// How login identifiers are made.
    pub login_policy: LoginPolicy,
}

/// What is needed to create a fund.
#[derive(Debug, Clone)]
pub struct NewFund {
    /// Stable code.
    pub code: FundCode,
    /// Name.
    pub name: String,
    /// Caf or MSA.
    pub kind: FundKind,
    /// Départements covered (at least one).
    pub departements: BTreeSet<DepartementCode>,
    /// Login policy.
    pub login_policy: LoginPolicy,
}

/// Why a fund operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FundError {
    /// The code does not have the expected shape.
    #[error("fund code {0:?} must be 2 to 32 characters among a-z, 0-9 and '-'")]
    InvalidCode(String),
    /// The name is empty or too long.
    #[error("fund name must be 1 to 200 characters")]
    InvalidName,
    /// A fund covers at least one département.
    #[error("a fund must cover at least one département")]
    NoDepartement,
    /// Another fund has this code.
    #[error("a fund with code {0} already exists")]
    Duplicate(FundCode),
    /// No fund has this code.
    #[error("no fund with code {0}")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for FundError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCode(_) | Self::InvalidName | Self::NoDepartement => ErrorKind::Invalid,
            Self::Duplicate(_) => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCode(_) => "fund.code_invalid",
            Self::InvalidName => "fund.name_invalid",
            Self::NoDepartement => "fund.no_departement",
            Self::Duplicate(_) => "fund.duplicate",
            Self::NotFound(_) => "fund.not_found",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidCode(c) => format!(
                "Le code de caisse {c:?} doit comporter 2 à 32 caractères parmi a-z, 0-9 et « - »."
            ),
            Self::InvalidName => "Le nom de la caisse doit comporter 1 à 200 caractères.".into(),
            Self::NoDepartement => "Une caisse couvre au moins un département.".into(),
            Self::Duplicate(c) => format!("Une caisse de code {c} existe déjà."),
            Self::NotFound(c) => format!("Aucune caisse de code {c}."),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// Checks a display name: trimmed, 1–200 characters, no control characters.
pub(crate) fn clean_name(s: &str) -> Option<String> {
    let t = s.trim();
    let n = t.chars().count();
    ((1..=200).contains(&n) && !t.chars().any(char::is_control)).then(|| t.to_owned())
}

/// Creates a fund (traced).
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    new: NewFund,
) -> Result<Fund, FundError> {
    let name = clean_name(&new.name).ok_or(FundError::InvalidName)?;
    if new.departements.is_empty() {
        return Err(FundError::NoDepartement);
    }
    let new = NewFund { name, ..new };
    let tx = db.begin_write().await?;
    let fund = store::catalogue::insert_fund(&tx, now, &new)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => FundError::Duplicate(new.code.clone()),
            e => e.into(),
        })?;
    let event = Event::new(action::FUND_CREATE, actor)
        .target("fund", &fund.code)
        .fund(fund.id)
        .details(serde_json::json!({ "name": fund.name, "kind": fund.kind,
            "departements": fund.departements, "login_policy": fund.login_policy }));
    audit::record(&tx, now, event).await?;
    let change = Change::Fund {
        fund: fund.code.to_string(),
    };
    crate::directory::enqueue(&tx, now, &change).await?;
    tx.commit().await?;
    Ok(fund)
}

/// Finds a fund by code.
pub async fn find(db: &impl Conn, code: &FundCode) -> Result<Fund, FundError> {
    store::catalogue::fund_by_code(db, code)
        .await?
        .ok_or_else(|| FundError::NotFound(code.to_string()))
}

/// Every fund, by code.
pub async fn list(db: &impl Conn) -> Result<Vec<Fund>, FundError> {
    Ok(store::catalogue::funds(db).await?)
}

#[cfg(test)]
mod tests;
