//! The yearly reverse review of habilitations (002 service contract art. 2.2.2: « Le
//! gestionnaire principal d'habilitations est tenu de faire chaque année une revue inverse
//! d'habilitations … et d'en transmettre le résultat à la Caf comme preuve »).
//!
//! - [`campaign`]: a fund operator opens a campaign for all or some partners with a due date;
//!   each partner gets, in the same transaction, a snapshot of every account and of every
//!   habilitation in force (direct and through groups) with last login, grant date, granter and
//!   territory — one [`Line`] each;
//! - [`decide`]: the principal or deputy administrator keeps or withdraws lines, one by one or
//!   in bulk with a [`LineFilter`]; a withdrawal applies at once (the habilitation is withdrawn,
//!   the group membership ended, or the account disabled) and the caller ends the tokens;
//! - [`attest`]: the principal signs the attestation (name, statement, counts), which closes the
//!   review for that partner and records the SHA-256 of its CSV export;
//! - [`export`]: CSV, JSON and printable HTML of a signed review, written page by page;
//! - [`remind`]: the fund's status per partner (done, in progress, late, not started), reminder
//!   e-mails on configured dates and the optional "late → centralised mode" policy.
//!
//! Who may do what is `authz` (`PrepareReview`, `SignReview`, `RunCampaign`); everything here
//! takes plain values and returns plain types, for the API, the CLI and the console alike.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::audit::AuditError;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::macros::str_enum;
use crate::store::StoreError;

pub mod attest;
pub mod campaign;
pub mod decide;
pub mod export;
pub mod remind;

#[cfg(test)]
mod tests;

/// Whether a campaign still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Partners are reviewing.
    Open,
    /// Every partner signed.
    Closed,
}
str_enum!(CampaignStatus {
    Open = "open",
    Closed = "closed",
});

/// A yearly campaign of a fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    /// Id.
    pub id: i64,
    /// The fund.
    pub fund_id: i64,
    /// The year reviewed (one campaign per fund and year).
    pub year: i32,
    /// Title shown to partners.
    pub title: String,
    /// Last day to sign.
    pub due_on: Date,
    /// Open or closed.
    pub status: CampaignStatus,
    /// When it was opened.
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// When the last partner signed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

/// Where a partner's review stands (stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// No decision yet.
    NotStarted,
    /// Some lines decided.
    InProgress,
    /// Attestation signed: closed for this partner.
    Signed,
}
str_enum!(ReviewStatus {
    NotStarted = "not_started",
    InProgress = "in_progress",
    Signed = "signed",
});

/// What the fund's dashboard shows for a partner (002 art. 2.2.2: the result is due to the fund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Signed.
    Done,
    /// Started, due date not passed.
    InProgress,
    /// Not signed and the due date has passed.
    Late,
    /// Nothing decided, due date not passed.
    NotStarted,
}

/// The dashboard state of a review on `today`: late once the due date is past and it is unsigned.
pub fn progress(status: ReviewStatus, due_on: Date, today: Date) -> Progress {
    match status {
        ReviewStatus::Signed => Progress::Done,
        _ if today > due_on => Progress::Late,
        ReviewStatus::InProgress => Progress::InProgress,
        ReviewStatus::NotStarted => Progress::NotStarted,
    }
}

/// One partner's review in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerReview {
    /// Id.
    pub id: i64,
    /// The campaign.
    pub campaign_id: i64,
    /// The partner.
    pub partner_id: i64,
    /// Stored state.
    pub status: ReviewStatus,
    /// When the snapshot was taken.
    #[serde(with = "time::serde::rfc3339::option")]
    pub snapshot_at: Option<OffsetDateTime>,
    /// When the late policy moved the partner to centralised mode, if it did.
    #[serde(with = "time::serde::rfc3339::option")]
    pub late_policy_applied_at: Option<OffsetDateTime>,
}

/// Keep or withdraw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Still needed.
    Keep,
    /// No longer needed: withdrawn at once.
    Withdraw,
}
str_enum!(Decision {
    Keep = "keep",
    Withdraw = "withdraw",
});

/// What a line shows besides its filter columns, frozen at the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LineDetails {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Account status at the snapshot.
    pub account_status: String,
    /// Convention number of the habilitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convention: Option<String>,
    /// When the habilitation was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_at: Option<String>,
    /// Who granted it (login, or the system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_by: Option<String>,
    /// First day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// Last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Territory of the habilitation (départements, communes), or the convention's when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
}

/// One line of a review: an account with one habilitation it holds (directly or through a
/// group), or an account holding none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// Id.
    pub id: i64,
    /// The review.
    pub review_id: i64,
    /// The account.
    pub account_id: i64,
    /// Its login.
    pub login: String,
    /// The habilitation, if any.
    pub habilitation_id: Option<i64>,
    /// The group it comes through, if any.
    pub via_group_id: Option<i64>,
    /// That group's name.
    pub group: Option<String>,
    /// Service code.
    pub service: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// Last successful login at the snapshot (none: never).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// The rest of the snapshot.
    pub details: LineDetails,
    /// The decision, once taken.
    pub decision: Option<Decision>,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

/// A line to insert (the snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    /// The account.
    pub account_id: i64,
    /// Its login.
    pub login: String,
    /// The habilitation, if any.
    pub habilitation_id: Option<i64>,
    /// The group it comes through.
    pub via_group_id: Option<i64>,
    /// That group's name.
    pub group: Option<String>,
    /// Service code.
    pub service: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// Last login.
    pub last_login_at: Option<OffsetDateTime>,
    /// The rest.
    pub details: LineDetails,
}

/// Which lines a bulk decision or a listing concerns; every criterion narrows (SQL `AND`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineFilter {
    /// Only these lines.
    pub ids: Option<Vec<i64>>,
    /// Accounts that never logged in (before the snapshot).
    pub never_logged_in: bool,
    /// Accounts whose last login (or none) is before this instant: "no login for N months".
    pub no_login_since: Option<OffsetDateTime>,
    /// Service code.
    pub service: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// Group name (lines through that group).
    pub group: Option<String>,
    /// Login.
    pub login: Option<String>,
    /// Only lines not decided yet.
    pub undecided: bool,
}

/// The counts of a review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Lines.
    pub lines: u64,
    /// Kept.
    pub kept: u64,
    /// Withdrawn.
    pub withdrawn: u64,
    /// Not decided yet.
    pub undecided: u64,
}

/// The signed attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attestation {
    /// The review.
    pub review_id: i64,
    /// The principal administrator's account.
    pub signed_by: i64,
    /// The name they signed with.
    pub signer_name: String,
    /// What they attest.
    pub statement: String,
    /// Lines kept.
    pub kept: u64,
    /// Lines withdrawn.
    pub withdrawn: u64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub signed_at: OffsetDateTime,
    /// SHA-256 of the CSV export at signing (hex).
    pub export_sha256: Option<String>,
}

/// Why a review operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The year is implausible.
    #[error("year {0} is not a campaign year (2000 to 2100)")]
    InvalidYear(i32),
    /// The title is empty or too long.
    #[error("a title of 1 to 200 characters is required")]
    InvalidTitle,
    /// The due date is already past.
    #[error("the due date {0} is in the past")]
    DueInPast(Date),
    /// The fund already has a campaign that year.
    #[error("the fund already has a campaign for {0}")]
    CampaignExists(i32),
    /// No partner to review.
    #[error("no partner to review")]
    NoPartner,
    /// A partner named is not the fund's.
    #[error("partner {0} is not in this fund")]
    ForeignPartner(i64),
    /// Unknown campaign, review or line (or another fund's / partner's).
    #[error("not found")]
    NotFound,
    /// The review is signed: nothing changes any more.
    #[error("this review is signed and closed")]
    Closed,
    /// A bulk decision selected nothing.
    #[error("no line matches")]
    NothingSelected,
    /// Withdrawals need a reason.
    #[error("a reason is required to withdraw")]
    ReasonRequired,
    /// Signing needs every line decided.
    #[error("{0} lines are not decided yet")]
    Undecided(u64),
    /// Signer name or statement missing.
    #[error("the signer's name and the statement are required (at most 200 and 4000 characters)")]
    InvalidAttestation,
    /// Only signed reviews are exported.
    #[error("only a signed review is exported")]
    NotSigned,
    /// A withdrawal failed.
    #[error("withdrawal of line {line} failed: {message}")]
    Withdrawal {
        /// The line.
        line: i64,
        /// What the underlying rule said.
        message: String,
    },
    /// Writing an export failed.
    #[error("export failed: {0}")]
    Io(String),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserError for ReviewError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidYear(_)
            | Self::InvalidTitle
            | Self::DueInPast(_)
            | Self::NoPartner
            | Self::ForeignPartner(_)
            | Self::NothingSelected
            | Self::ReasonRequired
            | Self::InvalidAttestation => ErrorKind::Invalid,
            Self::CampaignExists(_)
            | Self::Closed
            | Self::Undecided(_)
            | Self::NotSigned
            | Self::Withdrawal { .. } => ErrorKind::Conflict,
            Self::NotFound => ErrorKind::NotFound,
            Self::Io(_) => ErrorKind::Internal,
            Self::Audit(AuditError::Store(e)) | Self::Store(e) => store_kind(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidYear(_) => "review.invalid_year",
            Self::InvalidTitle => "review.invalid_title",
            Self::DueInPast(_) => "review.due_in_past",
            Self::CampaignExists(_) => "review.campaign_exists",
            Self::NoPartner => "review.no_partner",
            Self::ForeignPartner(_) => "review.foreign_partner",
            Self::NotFound => "not_found",
            Self::Closed => "review.closed",
            Self::NothingSelected => "review.nothing_selected",
            Self::ReasonRequired => "review.reason_required",
            Self::Undecided(_) => "review.undecided",
            Self::InvalidAttestation => "review.invalid_attestation",
            Self::NotSigned => "review.not_signed",
            Self::Withdrawal { .. } => "review.withdrawal_failed",
            Self::Io(_) | Self::Audit(_) | Self::Store(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidYear(y) => format!("L'année {y} n'est pas une année de campagne."),
            Self::InvalidTitle => "Un titre de 1 à 200 caractères est obligatoire.".into(),
            Self::DueInPast(d) => format!("L'échéance {d} est déjà passée."),
            Self::CampaignExists(y) => format!("La caisse a déjà une campagne pour {y}."),
            Self::NoPartner => "Aucun partenaire à réviser.".into(),
            Self::ForeignPartner(_) => "Ce partenaire n'appartient pas à cette caisse.".into(),
            Self::NotFound => "Ressource introuvable.".into(),
            Self::Closed => "Cette revue est signée et close.".into(),
            Self::NothingSelected => "Aucune ligne ne correspond.".into(),
            Self::ReasonRequired => "Un motif est obligatoire pour retirer.".into(),
            Self::Undecided(n) => format!("{n} lignes ne sont pas encore décidées."),
            Self::InvalidAttestation => {
                "Le nom du signataire et la déclaration sont obligatoires.".into()
            }
            Self::NotSigned => "Seule une revue signée s'exporte.".into(),
            Self::Withdrawal { line, .. } => format!("Le retrait de la ligne {line} a échoué."),
            Self::Io(_) | Self::Audit(_) | Self::Store(_) => "Erreur interne.".into(),
        }
    }
}
