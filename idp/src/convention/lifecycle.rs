//! Lifecycle of a convention: its status, the allowed transitions, its management mode, and its
//! term (duration, tacit renewal, notice).
//!
//! Invariants: a status only changes through [`transition`]; `terminated` is final. Dates are
//! calendar dates and months are added the calendar way, clamping to the month's end
//! (31 January + 1 month = 28 or 29 February). Pure: today's date is a parameter.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

#[cfg(test)]
mod tests;

/// Errors of the convention lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The text is not a convention status.
    #[error(
        "convention status {value:?} does not exist: use draft, active, suspended or terminated"
    )]
    UnknownStatus {
        /// The rejected text, trimmed.
        value: String,
    },
    /// The text is not a management mode.
    #[error("management mode {value:?} does not exist: use delegated or centralised")]
    UnknownMode {
        /// The rejected text, trimmed.
        value: String,
    },
    /// The text is not a convention action.
    #[error(
        "convention action {value:?} does not exist: use activate, suspend, reactivate or terminate"
    )]
    UnknownAction {
        /// The rejected text, trimmed.
        value: String,
    },
    /// The action is not allowed from the current status.
    #[error("cannot {action} a convention whose status is {from}")]
    Transition {
        /// The current status.
        from: ConventionStatus,
        /// The refused action.
        action: ConventionAction,
    },
}

impl LifecycleError {
    /// Stable machine code of the error, for APIs and tests.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownStatus { .. } => "convention_status.unknown",
            Self::UnknownMode { .. } => "management_mode.unknown",
            Self::UnknownAction { .. } => "convention_action.unknown",
            Self::Transition { .. } => "convention.transition",
        }
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        match self {
            Self::UnknownStatus { value } => format!(
                "le statut de convention « {value} » n'existe pas : brouillon (draft), active, \
                 suspendue (suspended) ou résiliée (terminated)"
            ),
            Self::UnknownMode { value } => format!(
                "le mode de gestion « {value} » n'existe pas : délégué (delegated) ou centralisé \
                 (centralised)"
            ),
            Self::UnknownAction { value } => format!(
                "l'action « {value} » n'existe pas : activer, suspendre, réactiver ou résilier"
            ),
            Self::Transition { from, action } => format!(
                "impossible de {} une convention au statut « {} »",
                action.label_fr(),
                from.label_fr()
            ),
        }
    }
}

/// Status of a convention; ending or suspending it ends or suspends every access under it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ConventionStatus {
    /// Being prepared: no access is open yet.
    Draft,
    /// In force: accesses under it work.
    Active,
    /// Temporarily stopped by the fund (e.g. on suspicion of fraud, 000): accesses are frozen.
    Suspended,
    /// Ended for good (002 art. 17.2); final.
    Terminated,
}

impl ConventionStatus {
    /// Parses `draft`, `active`, `suspended` or `terminated` (trimmed, any case).
    pub fn parse(input: &str) -> Result<Self, LifecycleError> {
        let value = input.trim().to_ascii_lowercase();
        match value.as_str() {
            "draft" => Ok(Self::Draft),
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "terminated" => Ok(Self::Terminated),
            _ => Err(LifecycleError::UnknownStatus { value }),
        }
    }

    /// The lower-case name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Terminated => "terminated",
        }
    }

    /// The French label shown to users.
    #[must_use]
    pub fn label_fr(&self) -> &'static str {
        match self {
            Self::Draft => "brouillon",
            Self::Active => "active",
            Self::Suspended => "suspendue",
            Self::Terminated => "résiliée",
        }
    }
}

/// How habilitations of a convention are managed.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum ManagementMode {
    /// The partner's administrators grant habilitations themselves.
    // 002 art. 9.1: "Par défaut, le mode de gestion des habilitations est le mode délégué."
    #[default]
    Delegated,
    /// The fund grants habilitations on the partner's requests.
    Centralised,
}

impl ManagementMode {
    /// Parses `delegated` or `centralised` (trimmed, any case).
    pub fn parse(input: &str) -> Result<Self, LifecycleError> {
        let value = input.trim().to_ascii_lowercase();
        match value.as_str() {
            "delegated" => Ok(Self::Delegated),
            "centralised" => Ok(Self::Centralised),
            _ => Err(LifecycleError::UnknownMode { value }),
        }
    }

    /// The lower-case name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Delegated => "delegated",
            Self::Centralised => "centralised",
        }
    }
}

/// An action that changes a convention's status.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ConventionAction {
    /// Draft → active.
    Activate,
    /// Active → suspended.
    Suspend,
    /// Suspended → active.
    Reactivate,
    /// Draft, active or suspended → terminated.
    Terminate,
}

impl ConventionAction {
    /// Parses `activate`, `suspend`, `reactivate` or `terminate` (trimmed, any case).
    pub fn parse(input: &str) -> Result<Self, LifecycleError> {
        let value = input.trim().to_ascii_lowercase();
        match value.as_str() {
            "activate" => Ok(Self::Activate),
            "suspend" => Ok(Self::Suspend),
            "reactivate" => Ok(Self::Reactivate),
            "terminate" => Ok(Self::Terminate),
            _ => Err(LifecycleError::UnknownAction { value }),
        }
    }

    /// The lower-case name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Suspend => "suspend",
            Self::Reactivate => "reactivate",
            Self::Terminate => "terminate",
        }
    }

    /// The French verb shown to users.
    #[must_use]
    pub fn label_fr(&self) -> &'static str {
        match self {
            Self::Activate => "activer",
            Self::Suspend => "suspendre",
            Self::Reactivate => "réactiver",
            Self::Terminate => "résilier",
        }
    }
}

/// The status after `action`, or an error naming the current status and the action.
pub fn transition(
    from: ConventionStatus,
    action: ConventionAction,
) -> Result<ConventionStatus, LifecycleError> {
    use ConventionAction as A;
    use ConventionStatus as S;
    match (from, action) {
        (S::Draft, A::Activate) | (S::Suspended, A::Reactivate) => Ok(S::Active),
        (S::Active, A::Suspend) => Ok(S::Suspended),
        (S::Draft | S::Active | S::Suspended, A::Terminate) => Ok(S::Terminated),
        _ => Err(LifecycleError::Transition { from, action }),
    }
}

/// Duration, renewal and notice of a convention.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Term {
    /// First day the convention is in force (002 art. 17.1: from its signature).
    pub effective_from: Date,
    /// Length of one period in months; 0 means the convention has no period at all.
    pub term_months: u8,
    /// Whether each period is renewed automatically (002 art. 17.1: "tacite reconduction").
    pub tacit_renewal: bool,
    /// Minimum notice for a termination, in months (002 art. 17.2: 3 months).
    pub notice_months: u8,
}

impl Term {
    /// The term of 002 art. 17: one year, tacitly renewed, 3 months' notice.
    #[must_use]
    pub fn yearly_tacit(effective_from: Date) -> Self {
        Self {
            effective_from,
            term_months: 12,
            tacit_renewal: true,
            notice_months: 3,
        }
    }

    /// The period `[start, end)` containing `today`; `None` before `effective_from`, or after
    /// the first period when there is no tacit renewal.
    #[must_use]
    pub fn current_period(&self, today: Date) -> Option<(Date, Date)> {
        let from = self.effective_from;
        let term = i64::from(self.term_months);
        if term == 0 || today < from {
            return None;
        }
        // Periods are computed from effective_from each time, never chained, so a month-end
        // start (31 January) does not drift to the 28th after a February.
        let elapsed_months = (i64::from(today.year()) - i64::from(from.year())) * 12
            + i64::from(u8::from(today.month()))
            - i64::from(u8::from(from.month()));
        let mut index = elapsed_months / term;
        let mut start = add_months(from, index * term)?;
        if start > today {
            index -= 1;
            start = add_months(from, index * term)?;
        }
        let end = add_months(from, (index + 1) * term)?;
        if index > 0 && !self.tacit_renewal {
            return None;
        }
        Some((start, end))
    }

    /// The date the convention is next renewed (the current period's end); `None` without
    /// tacit renewal or outside any period.
    #[must_use]
    pub fn next_renewal(&self, today: Date) -> Option<Date> {
        if !self.tacit_renewal {
            return None;
        }
        self.current_period(today).map(|(_, end)| end)
    }

    /// The last day a termination letter can be received for the convention to end at the
    /// current period's end: that end minus the notice (002 art. 17.2). It may already be past
    /// `today`, in which case the earliest end is a later one.
    #[must_use]
    pub fn notice_deadline(&self, today: Date) -> Option<Date> {
        let (_, end) = self.current_period(today)?;
        // Clamping is right here: end 31 May minus 3 months is 28 February, and a letter
        // received on 1 March would give 1 June, after the end.
        add_months(end, -i64::from(self.notice_months))
    }

    /// The earliest date a termination can take effect for a letter received on
    /// `letter_received_on` (002 art. 17.2: not less than 3 months after receipt). Saturates at
    /// the largest representable date.
    #[must_use]
    pub fn earliest_termination(&self, letter_received_on: Date) -> Date {
        add_months(letter_received_on, i64::from(self.notice_months)).unwrap_or(Date::MAX)
    }
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A convention's term as seen on one day: what `convention show` and
/// `GET /conventions/{id}` answer (002 art. 17.1: one year from signature, "renouvelée
/// chaque année par tacite reconduction"; art. 17.2: termination "par lettre recommandée …
/// en respectant un préavis de trois mois").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// First day in force.
    #[serde(with = "iso_date")]
    pub effective_from: Date,
    /// Length of one period in months (0: no period).
    pub term_months: u8,
    /// Whether each period is renewed automatically.
    pub tacit_renewal: bool,
    /// Notice in months.
    pub notice_months: u8,
    /// First day of the period containing the day asked about.
    #[serde(with = "iso_date::option")]
    pub period_start: Option<Date>,
    /// First day after that period.
    #[serde(with = "iso_date::option")]
    pub period_end: Option<Date>,
    /// When the convention is next renewed (tacitly).
    #[serde(with = "iso_date::option")]
    pub next_renewal: Option<Date>,
    /// Last day a termination letter may be received for the convention to end at
    /// `period_end`.
    #[serde(with = "iso_date::option")]
    pub notice_deadline: Option<Date>,
    /// Whether that deadline is already past on the day asked about (a letter received now
    /// ends the convention at a later period's end).
    pub notice_deadline_passed: bool,
}

impl Term {
    /// The term's dates as seen on `today`.
    #[must_use]
    pub fn schedule(&self, today: Date) -> Schedule {
        let period = self.current_period(today);
        let notice_deadline = self.notice_deadline(today);
        Schedule {
            effective_from: self.effective_from,
            term_months: self.term_months,
            tacit_renewal: self.tacit_renewal,
            notice_months: self.notice_months,
            period_start: period.map(|(s, _)| s),
            period_end: period.map(|(_, e)| e),
            next_renewal: self.next_renewal(today),
            notice_deadline,
            notice_deadline_passed: notice_deadline.is_some_and(|d| d < today),
        }
    }
}

/// Adds `months` (possibly negative) calendar months, clamping the day to the target month's
/// length; `None` outside the representable years.
fn add_months(date: Date, months: i64) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    // Every month has at least 28 days: from the wanted day, at most 3 steps down reach the
    // month's last day.
    (1..=date.day())
        .rev()
        .take(4)
        .find_map(|day| Date::from_calendar_date(year, month, day).ok())
}

macro_rules! name_enum_impls {
    ($type:ty) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $type {
            type Err = LifecycleError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $type {
            type Error = LifecycleError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> Self {
                value.as_str().to_owned()
            }
        }
    };
}

name_enum_impls!(ConventionStatus);
name_enum_impls!(ManagementMode);
name_enum_impls!(ConventionAction);
