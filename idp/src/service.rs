//! Consultation services (services en ligne, bouquets) a fund offers, and their roles
//! (profiles): CDAP has T1 T2 T4 T5 T18 (002 annexe 2), the others a single `consultation`
//! role. A role may require an attribute of the person holding it: CDAP T4 needs the
//! instructor number. Each service is reached through one or more OIDC clients.

use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::directory::Change;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::{Fund, clean_name};
use crate::store::{self, Conn, Db, StoreError};

/// A service code, unique within its fund: 2–32 characters `a-z 0-9 - _`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ServiceCode(String);

impl ServiceCode {
    /// Parses and normalises a service code.
    pub fn parse(s: &str) -> Result<Self, ServiceError> {
        let v = s.trim().to_ascii_lowercase();
        let ok = (2..=32).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(Self(v))
        } else {
            Err(ServiceError::InvalidCode(s.trim().to_owned()))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role code, unique within its service, as the fund spells it (`T1`, `consultation`):
/// 1–32 characters `A-Z a-z 0-9 - _`. Matching is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RoleCode(String);

impl RoleCode {
    /// Parses a role code.
    pub fn parse(s: &str) -> Result<Self, ServiceError> {
        let v = s.trim();
        let ok = (1..=32).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(v.to_owned()))
        } else {
            Err(ServiceError::InvalidRole(v.to_owned()))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive comparison with typed input.
    pub fn matches(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.trim())
    }
}

impl fmt::Display for RoleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attribute a role requires of its holder (e.g. `instructor_number` for CDAP T4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredAttribute {
    /// Key, `a-z 0-9 _`.
    pub key: String,
    /// Label shown to administrators.
    pub label: String,
}

/// A role of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRole {
    /// Internal id.
    pub id: i64,
    /// Code.
    pub code: RoleCode,
    /// Label.
    pub label: String,
    /// Attribute the holder must have, if any.
    pub required_attribute: Option<RequiredAttribute>,
}

/// A service with its roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Internal id.
    pub id: i64,
    /// The offering fund.
    pub fund_id: i64,
    /// Code.
    pub code: ServiceCode,
    /// Name, e.g. "CDAP — Consultation du dossier allocataire par le partenaire".
    pub name: String,
    /// Description.
    pub description: String,
    /// Roles, by code.
    pub roles: Vec<ServiceRole>,
}

impl Service {
    /// The role with this code (case-insensitive).
    pub fn role(&self, code: &str) -> Option<&ServiceRole> {
        self.roles.iter().find(|r| r.code.matches(code))
    }
}

/// A role to create.
#[derive(Debug, Clone)]
pub struct NewRole {
    /// Code.
    pub code: RoleCode,
    /// Label (defaults to the code).
    pub label: String,
    /// Required attribute.
    pub required_attribute: Option<RequiredAttribute>,
}

impl NewRole {
    /// Parses `CODE[:LABEL[:ATTRIBUTE[:ATTRIBUTE LABEL]]]`, e.g. `T4:Profil T4:instructor_number:Numéro d'instructeur`.
    pub fn parse_spec(spec: &str) -> Result<Self, ServiceError> {
        let mut parts = spec.splitn(4, ':');
        let code = RoleCode::parse(parts.next().unwrap_or_default())?;
        let label = parts
            .next()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map_or_else(|| code.to_string(), str::to_owned);
        let required_attribute = match parts.next().map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(key) => {
                let valid = key.len() <= 64
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if !valid {
                    return Err(ServiceError::InvalidAttribute(key.to_owned()));
                }
                let label = parts
                    .next()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .unwrap_or(key);
                Some(RequiredAttribute {
                    key: key.to_owned(),
                    label: label.to_owned(),
                })
            }
        };
        Ok(Self {
            code,
            label,
            required_attribute,
        })
    }
}

/// What is needed to create a service.
#[derive(Debug, Clone)]
pub struct NewService {
    /// Code.
    pub code: ServiceCode,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Roles (at least one).
    pub roles: Vec<NewRole>,
}

/// Why a service operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The service code does not have the expected shape.
    #[error("service code {0:?} must be 2 to 32 characters among a-z, 0-9, '-' and '_'")]
    InvalidCode(String),
    /// The role code does not have the expected shape.
    #[error("role code {0:?} must be 1 to 32 characters among letters, digits, '-' and '_'")]
    InvalidRole(String),
    /// The attribute key does not have the expected shape.
    #[error("attribute name {0:?} must be lower-case letters, digits and '_'")]
    InvalidAttribute(String),
    /// The name is empty or too long.
    #[error("service name must be 1 to 200 characters")]
    InvalidName,
    /// A service has at least one role.
    #[error("a service needs at least one role")]
    NoRole,
    /// Two roles have the same code.
    #[error("role {0} is listed twice")]
    DuplicateRole(String),
    /// The fund already has a service with this code.
    #[error("fund already has a service {0}")]
    Duplicate(ServiceCode),
    /// No such service in this fund.
    #[error("no service {0} in this fund")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for ServiceError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCode(_)
            | Self::InvalidRole(_)
            | Self::InvalidAttribute(_)
            | Self::InvalidName
            | Self::NoRole
            | Self::DuplicateRole(_) => ErrorKind::Invalid,
            Self::Duplicate(_) => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCode(_) => "service.code_invalid",
            Self::InvalidRole(_) => "service.role_invalid",
            Self::InvalidAttribute(_) => "service.attribute_invalid",
            Self::InvalidName => "service.name_invalid",
            Self::NoRole => "service.no_role",
            Self::DuplicateRole(_) => "service.duplicate_role",
            Self::Duplicate(_) => "service.duplicate",
            Self::NotFound(_) => "service.not_found",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidCode(c) => format!(
                "Le code de service {c:?} est invalide (2 à 32 caractères a-z, 0-9, « - », « _ »)."
            ),
            Self::InvalidRole(c) => format!("Le code de rôle {c:?} est invalide."),
            Self::InvalidAttribute(a) => format!("Le nom d'attribut {a:?} est invalide."),
            Self::InvalidName => "Le nom du service doit comporter 1 à 200 caractères.".into(),
            Self::NoRole => "Un service comporte au moins un rôle.".into(),
            Self::DuplicateRole(r) => format!("Le rôle {r} figure deux fois."),
            Self::Duplicate(c) => format!("La caisse propose déjà un service {c}."),
            Self::NotFound(c) => format!("Aucun service {c} dans cette caisse."),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// Creates a service and its roles (traced).
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    new: NewService,
) -> Result<Service, ServiceError> {
    let name = clean_name(&new.name).ok_or(ServiceError::InvalidName)?;
    if new.roles.is_empty() {
        return Err(ServiceError::NoRole);
    }
    for (i, r) in new.roles.iter().enumerate() {
        if new
            .roles
            .iter()
            .skip(i + 1)
            .any(|o| o.code.matches(r.code.as_str()))
        {
            return Err(ServiceError::DuplicateRole(r.code.to_string()));
        }
    }
    let new = NewService { name, ..new };
    let tx = db.begin_write().await?;
    let service = store::catalogue::insert_service(&tx, now, fund.id, &new)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Duplicate(new.code.clone()),
            e => e.into(),
        })?;
    let roles: Vec<&str> = service.roles.iter().map(|r| r.code.as_str()).collect();
    let event = Event::new(action::SERVICE_CREATE, actor)
        .target("service", &service.code)
        .fund(fund.id)
        .details(serde_json::json!({ "name": service.name, "roles": roles }));
    audit::record(&tx, now, event).await?;
    let change = Change::Service {
        fund: fund.code.to_string(),
        service: service.code.to_string(),
    };
    crate::directory::enqueue(&tx, now, &change).await?;
    tx.commit().await?;
    Ok(service)
}

/// Finds a fund's service by code.
pub async fn find(
    db: &impl Conn,
    fund: &Fund,
    code: &ServiceCode,
) -> Result<Service, ServiceError> {
    store::catalogue::service_by_code(db, fund.id, code)
        .await?
        .ok_or_else(|| ServiceError::NotFound(code.to_string()))
}

/// A fund's services, by code.
pub async fn list(db: &impl Conn, fund: &Fund) -> Result<Vec<Service>, ServiceError> {
    Ok(store::catalogue::services_of_fund(db, fund.id).await?)
}
