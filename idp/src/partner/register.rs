//! The fund's third-party register: partners (town halls, départements, childcare operators and
//! structures, information points) and their units. A partner row belongs to one fund: the
//! same town hall working with a Caf and an MSA fund is two partners, each under its fund's
//! supervision (002 art. 9.1). Partners are created one by one or imported from the fund's CSV
//! register; nothing is ever deleted (history is kept, 002 service contract art. 5.3.2).

use std::collections::BTreeMap;
use std::io::Read;

use serde::Serialize;
use time::OffsetDateTime;

use super::ids::{IdError, Siret, ThirdPartyNumber};
use crate::account::email::{Email, EmailError};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::directory::Change;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::{Fund, clean_name};
use crate::macros::str_enum;
use crate::store::{self, Conn, Db, StoreError};

/// What kind of organisation a partner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// A town hall (002, 000, 004).
    Commune,
    /// A département council (003).
    Departement,
    /// An operator of childcare structures (001).
    ChildcareOperator,
    /// One childcare structure.
    ChildcareStructure,
    /// A "lieu d'information" of monenfant.fr (004).
    InformationPoint,
    /// Anything else.
    Other,
}
str_enum!(PartnerKind {
    Commune = "commune",
    Departement = "departement",
    ChildcareOperator = "childcare_operator",
    ChildcareStructure = "childcare_structure",
    InformationPoint = "information_point",
    Other = "other",
});

/// Whether a partner's accesses work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerStatus {
    /// Normal.
    Active,
    /// Suspended by the fund: every access under it is paused (002 contract art. 2.2.1).
    Suspended,
}
str_enum!(PartnerStatus { Active = "active", Suspended = "suspended" });

/// A partner of a fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    /// Internal id.
    pub id: i64,
    /// The fund whose register it is in.
    pub fund_id: i64,
    /// Number in the fund's third-party register.
    pub third_party_number: ThirdPartyNumber,
    /// SIRET, when known.
    pub siret: Option<Siret>,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// Status.
    pub status: PartnerStatus,
    /// Contact e-mail.
    pub email: Option<Email>,
}

/// A partner to create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartner {
    /// Number in the fund's third-party register.
    pub third_party_number: ThirdPartyNumber,
    /// SIRET.
    pub siret: Option<Siret>,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// Contact e-mail.
    pub email: Option<Email>,
}

/// A unit of a partner (e.g. one childcare structure of an operator, 001: one access form per
/// structure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    /// Internal id.
    pub id: i64,
    /// Owning partner.
    pub partner_id: i64,
    /// Code, unique within the partner.
    pub code: String,
    /// Name.
    pub name: String,
    /// SIRET of the unit, when it has its own.
    pub siret: Option<Siret>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Partners created.
    pub created: usize,
    /// Partners whose name, SIRET, kind or e-mail changed.
    pub updated: usize,
    /// Partners already up to date.
    pub unchanged: usize,
}

/// One refused line of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Why a partner operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    /// An identifier is malformed.
    #[error(transparent)]
    Id(#[from] IdError),
    /// The e-mail address is malformed.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// The name is empty or too long.
    #[error("partner name must be 1 to 200 characters")]
    InvalidName,
    /// Unknown partner kind.
    #[error("partner kind {0:?} is unknown; use one of: {kinds}", kinds = PartnerKind::NAMES.join(", "))]
    InvalidKind(String),
    /// The unit code or name is malformed.
    #[error(
        "unit code must be 1 to 32 characters among letters, digits, '-' and '_', and its name 1 to 200 characters"
    )]
    InvalidUnit,
    /// The fund already has a partner with this number.
    #[error("third-party number {0} is already in this fund's register")]
    Duplicate(ThirdPartyNumber),
    /// The partner already has a unit with this code.
    #[error("the partner already has a unit {0}")]
    DuplicateUnit(String),
    /// No such partner in this fund.
    #[error("no partner {0} in this fund's register")]
    NotFound(String),
    /// The CSV file could not be read, or has no usable header.
    #[error("cannot read the CSV register: {0}")]
    Csv(String),
    /// Lines of the CSV file are invalid; nothing was imported.
    #[error("{} invalid line(s), nothing imported: {}", .0.len(), .0.iter().take(20).map(|e| format!("line {}: {}", e.line, e.message)).collect::<Vec<_>>().join("; "))]
    InvalidLines(Vec<LineError>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for PartnerError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Id(_)
            | Self::Email(_)
            | Self::InvalidName
            | Self::InvalidKind(_)
            | Self::InvalidUnit
            | Self::Csv(_)
            | Self::InvalidLines(_) => ErrorKind::Invalid,
            Self::Duplicate(_) | Self::DuplicateUnit(_) => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Id(e) => e.code(),
            Self::Email(e) => e.code(),
            Self::InvalidName => "partner.name_invalid",
            Self::InvalidKind(_) => "partner.kind_invalid",
            Self::InvalidUnit => "unit.invalid",
            Self::Duplicate(_) => "partner.duplicate",
            Self::DuplicateUnit(_) => "unit.duplicate",
            Self::NotFound(_) => "partner.not_found",
            Self::Csv(_) => "partner.csv_unreadable",
            Self::InvalidLines(_) => "partner.csv_invalid",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Id(e) => e.message_fr(),
            Self::Email(e) => e.message_fr(),
            Self::InvalidName => "Le nom du partenaire doit comporter 1 à 200 caractères.".into(),
            Self::InvalidKind(k) => format!(
                "Type de partenaire {k:?} inconnu ; types possibles : {}.",
                PartnerKind::NAMES.join(", ")
            ),
            Self::InvalidUnit => {
                "Le code de l'unité (1 à 32 caractères) ou son nom est invalide.".into()
            }
            Self::Duplicate(n) => {
                format!("Le numéro de tiers {n} figure déjà dans le référentiel de la caisse.")
            }
            Self::DuplicateUnit(c) => format!("Le partenaire a déjà une unité {c}."),
            Self::NotFound(n) => format!("Aucun partenaire {n} dans le référentiel de la caisse."),
            Self::Csv(e) => format!("Impossible de lire le fichier CSV : {e}"),
            Self::InvalidLines(lines) => format!(
                "{} ligne(s) invalide(s), rien n'a été importé : {}",
                lines.len(),
                lines
                    .iter()
                    .take(20)
                    .map(|e| format!("ligne {} : {}", e.line, e.message))
                    .collect::<Vec<_>>()
                    .join(" ; ")
            ),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

impl NewPartner {
    /// Parses typed fields into a partner to create.
    pub fn parse(
        third_party_number: &str,
        siret: Option<&str>,
        name: &str,
        kind: &str,
        email: Option<&str>,
    ) -> Result<Self, PartnerError> {
        Ok(Self {
            third_party_number: ThirdPartyNumber::parse(third_party_number)?,
            siret: blank(siret).map(Siret::parse).transpose()?,
            name: clean_name(name).ok_or(PartnerError::InvalidName)?,
            kind: PartnerKind::parse(kind)
                .ok_or_else(|| PartnerError::InvalidKind(kind.trim().to_owned()))?,
            email: blank(email).map(Email::parse).transpose()?,
        })
    }
}

/// A missing or blank optional field.
fn blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn details(p: &NewPartner) -> serde_json::Value {
    serde_json::json!({
        "third_party_number": p.third_party_number,
        "siret": p.siret,
        "name": p.name,
        "kind": p.kind,
        "email": p.email,
    })
}

/// Creates a partner in the fund's register (traced).
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    new: NewPartner,
) -> Result<Partner, PartnerError> {
    let tx = db.begin_write().await?;
    let partner = store::partner::insert(&tx, now, fund.id, &new)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => PartnerError::Duplicate(new.third_party_number.clone()),
            e => e.into(),
        })?;
    let event = Event::new(action::PARTNER_CREATE, actor)
        .target("partner", &partner.third_party_number)
        .fund(fund.id)
        .partner(partner.id)
        .details(details(&new));
    audit::record(&tx, now, event).await?;
    crate::directory::enqueue(&tx, now, &partner_change(fund, &partner.third_party_number)).await?;
    tx.commit().await?;
    Ok(partner)
}

/// Finds a partner of the fund by third-party number.
pub async fn find(
    db: &impl Conn,
    fund: &Fund,
    number: &ThirdPartyNumber,
) -> Result<Partner, PartnerError> {
    store::partner::by_number(db, fund.id, number)
        .await?
        .ok_or_else(|| PartnerError::NotFound(number.to_string()))
}

/// The fund's partners, by third-party number.
pub async fn list(db: &impl Conn, fund: &Fund) -> Result<Vec<Partner>, PartnerError> {
    Ok(store::partner::of_fund(db, fund.id).await?)
}

/// Column names accepted in the CSV header, French or English.
const COLUMNS: [(&str, &[&str]); 5] = [
    (
        "third_party_number",
        &[
            "third_party_number",
            "numero_tiers",
            "numéro_tiers",
            "tiers",
            "numero de tiers",
            "numéro de tiers",
        ],
    ),
    ("siret", &["siret"]),
    ("name", &["name", "nom", "raison_sociale", "raison sociale"]),
    ("kind", &["kind", "type"]),
    ("email", &["email", "e-mail", "courriel", "mail"]),
];

/// Imports the fund's register from CSV (UTF-8, `;` or `,` separated, with a header naming
/// the columns `third_party_number`, `siret`, `name`, `kind`, `email` — or their French names).
/// Every line is checked before anything is written; then, in one transaction, unknown numbers
/// are created and known ones updated. Each change is traced.
pub async fn import_csv(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    mut input: impl Read,
) -> Result<ImportReport, PartnerError> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| PartnerError::Csv(e.to_string()))?;
    let text = text.trim_start_matches('\u{feff}');
    let rows = parse_register(text)?;

    let tx = db.begin_write().await?;
    let existing: BTreeMap<String, Partner> = store::partner::of_fund(&tx, fund.id)
        .await?
        .into_iter()
        .map(|p| (p.third_party_number.to_string(), p))
        .collect();
    let mut report = ImportReport::default();
    for row in rows {
        match existing.get(row.third_party_number.as_str()) {
            None => {
                let p = store::partner::insert(&tx, now, fund.id, &row).await?;
                let event = Event::new(action::PARTNER_CREATE, actor)
                    .target("partner", &p.third_party_number)
                    .fund(fund.id)
                    .partner(p.id)
                    .details(details(&row));
                audit::record(&tx, now, event).await?;
                crate::directory::enqueue(&tx, now, &partner_change(fund, &p.third_party_number))
                    .await?;
                report.created += 1;
            }
            Some(p) if same(p, &row) => report.unchanged += 1,
            Some(p) => {
                store::partner::update_register_fields(&tx, now, p.id, &row).await?;
                let before = NewPartner {
                    third_party_number: p.third_party_number.clone(),
                    siret: p.siret.clone(),
                    name: p.name.clone(),
                    kind: p.kind,
                    email: p.email.clone(),
                };
                let event = Event::new(action::PARTNER_IMPORT, actor)
                    .target("partner", &p.third_party_number)
                    .fund(fund.id)
                    .partner(p.id)
                    .details(
                        serde_json::json!({ "before": details(&before), "after": details(&row) }),
                    );
                audit::record(&tx, now, event).await?;
                crate::directory::enqueue(&tx, now, &partner_change(fund, &p.third_party_number))
                    .await?;
                report.updated += 1;
            }
        }
    }
    let event = Event::new(action::PARTNER_IMPORT, actor)
        .target("fund", &fund.code)
        .fund(fund.id)
        .details(serde_json::json!({ "created": report.created, "updated": report.updated, "unchanged": report.unchanged }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(report)
}

/// The directory refresh of a partner's branch.
fn partner_change(fund: &Fund, number: &ThirdPartyNumber) -> Change {
    Change::Partner {
        fund: fund.code.to_string(),
        partner: number.to_string(),
    }
}

fn same(p: &Partner, row: &NewPartner) -> bool {
    p.siret == row.siret && p.name == row.name && p.kind == row.kind && p.email == row.email
}

/// Parses and checks every line of the register; all errors are collected.
fn parse_register(text: &str) -> Result<Vec<NewPartner>, PartnerError> {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| PartnerError::Csv(e.to_string()))?
        .clone();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some((col, _)) = COLUMNS
            .iter()
            .find(|(_, names)| names.contains(&h.as_str()))
        {
            index.insert(col, i);
        }
    }
    for required in ["third_party_number", "name", "kind"] {
        if !index.contains_key(required) {
            return Err(PartnerError::Csv(format!(
                "the header has no {required} column (found: {})",
                header.iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineError {
                    line,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let field = |col: &str| index.get(col).and_then(|&i| record.get(i));
        let parsed = NewPartner::parse(
            field("third_party_number").unwrap_or_default(),
            field("siret"),
            field("name").unwrap_or_default(),
            field("kind").unwrap_or_default(),
            field("email"),
        );
        match parsed {
            Ok(p) => {
                if let Some(first) = seen.insert(p.third_party_number.to_string(), line) {
                    errors.push(LineError {
                        line,
                        message: format!(
                            "third-party number {} already on line {first}",
                            p.third_party_number
                        ),
                    });
                } else {
                    rows.push(p);
                }
            }
            Err(e) => errors.push(LineError {
                line,
                message: e.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(PartnerError::InvalidLines(errors))
    }
}

/// Creates a unit of a partner (traced).
pub async fn create_unit(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    code: &str,
    name: &str,
    siret: Option<Siret>,
) -> Result<Unit, PartnerError> {
    let code = code.trim();
    let valid_code = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name = clean_name(name)
        .filter(|_| valid_code)
        .ok_or(PartnerError::InvalidUnit)?;
    let tx = db.begin_write().await?;
    let unit = store::partner::insert_unit(&tx, now, partner.id, code, &name, siret.as_ref())
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => PartnerError::DuplicateUnit(code.to_owned()),
            e => e.into(),
        })?;
    let event = Event::new(action::UNIT_CREATE, actor)
        .target(
            "unit",
            format!("{}/{}", partner.third_party_number, unit.code),
        )
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({ "name": unit.name, "siret": unit.siret }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(unit)
}

/// A partner's units, by code.
pub async fn units(db: &impl Conn, partner: &Partner) -> Result<Vec<Unit>, PartnerError> {
    Ok(store::partner::units_of(db, partner.id).await?)
}

#[cfg(test)]
mod tests;
