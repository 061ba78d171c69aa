//! French territory: département codes, INSEE commune codes, and the territory of a convention
//! or habilitation (a set of départements and communes).
//!
//! Invariants: a [`DepartementCode`] is one of the 101 départements (01–19, 2A, 2B, 21–95,
//! 971–974, 976); a [`CommuneCode`] is a 5-character INSEE code whose prefix is such a
//! département. Postcodes are rejected, because they look alike and mean something else.
//! This module is pure: no I/O, no clock.
//!
//! Seeds: 003 art. 7 limits access to a département; 004 annexe 1 lists communes; 000 and 001
//! art. 7-1 allow a territory covering several départements.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Every département code, in administrative order.
const DEPARTEMENTS: [&str; 101] = [
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "2A", "2B", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
    "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
    "80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
    "971", "972", "973", "974", "976",
];

/// Human summary of the codes that exist, used in error messages.
const EXISTING_CODES: &str = "01–19, 2A, 2B, 21–95, 971–974 and 976";

/// Errors when parsing département codes, commune codes and territory lists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerritoryError {
    /// The text is not one of the 101 département codes.
    #[error("département code {value:?} does not exist: the codes are {EXISTING_CODES}")]
    UnknownDepartement {
        /// The rejected text, trimmed.
        value: String,
    },
    /// A commune code must have exactly 5 characters.
    #[error("INSEE commune code must be 5 characters (got {got}: {value:?})")]
    CommuneLength {
        /// The rejected text, trimmed.
        value: String,
        /// Its length in characters.
        got: usize,
    },
    /// A commune code has characters other than digits (and 2A/2B for Corsica).
    #[error(
        "INSEE commune code {value:?} must be digits, or 2A/2B followed by 3 digits for Corsica"
    )]
    CommuneCharacters {
        /// The rejected text, trimmed.
        value: String,
    },
    /// The département part of the commune code does not exist.
    #[error("INSEE commune code {value:?} starts with {prefix:?}, which is not a département code")]
    CommuneUnknownDepartement {
        /// The rejected text, trimmed.
        value: String,
        /// The département prefix that does not exist.
        prefix: String,
    },
    /// The code has a postcode shape (commune number 000, or 00 overseas).
    #[error("commune code {value:?}: this looks like a postcode; the INSEE code of Niort is 79191")]
    Postcode {
        /// The rejected text, trimmed.
        value: String,
    },
    /// The code starts with 20, the Corsican postcode prefix; INSEE codes there use 2A or 2B.
    #[error(
        "commune code {value:?}: this looks like a postcode; the INSEE code of Niort is 79191, \
         and Corsican INSEE codes start with 2A or 2B (Ajaccio is 2A004)"
    )]
    CorsicanPostcode {
        /// The rejected text, trimmed.
        value: String,
    },
}

impl TerritoryError {
    /// Stable machine code of the error, for APIs and tests.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownDepartement { .. } => "departement.unknown",
            Self::CommuneLength { .. } => "commune.length",
            Self::CommuneCharacters { .. } => "commune.characters",
            Self::CommuneUnknownDepartement { .. } => "commune.departement",
            Self::Postcode { .. } => "commune.postcode",
            Self::CorsicanPostcode { .. } => "commune.corsican_postcode",
        }
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        match self {
            Self::UnknownDepartement { value } => format!(
                "le code département « {value} » n'existe pas : les codes sont 01 à 19, 2A, 2B, \
                 21 à 95, 971 à 974 et 976"
            ),
            Self::CommuneLength { value, got } => format!(
                "le code commune INSEE doit comporter 5 caractères (« {value} » en a {got})"
            ),
            Self::CommuneCharacters { value } => format!(
                "le code commune INSEE « {value} » doit être composé de chiffres, ou de 2A/2B \
                 suivi de 3 chiffres pour la Corse"
            ),
            Self::CommuneUnknownDepartement { value, prefix } => format!(
                "le code commune INSEE « {value} » commence par « {prefix} », qui n'est pas un \
                 code département"
            ),
            Self::Postcode { value } => {
                format!("« {value} » ressemble à un code postal ; le code INSEE de Niort est 79191")
            }
            Self::CorsicanPostcode { value } => format!(
                "« {value} » ressemble à un code postal ; le code INSEE de Niort est 79191, et \
                 les codes INSEE corses commencent par 2A ou 2B (Ajaccio : 2A004)"
            ),
        }
    }
}

/// One of the 101 French département codes (`79`, `2A`, `974`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
#[serde(into = "String")]
pub struct DepartementCode(&'static str);

impl DepartementCode {
    /// Parses a département code, trimming whitespace and accepting lower-case `2a`/`2b`.
    pub fn parse(input: &str) -> Result<Self, TerritoryError> {
        let value = input.trim().to_ascii_uppercase();
        DEPARTEMENTS
            .iter()
            .find(|code| **code == value)
            .map(|code| Self(code))
            .ok_or(TerritoryError::UnknownDepartement { value })
    }

    /// The code as written by INSEE (`2A`, `01`, `971`).
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// All 101 département codes, in administrative order.
    pub fn all() -> impl Iterator<Item = Self> {
        DEPARTEMENTS.iter().map(|code| Self(code))
    }
}

impl fmt::Display for DepartementCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for DepartementCode {
    type Err = TerritoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DepartementCode {
    type Error = TerritoryError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

// Written by hand: the derive would tie the `&'static str` field to the input's lifetime.
impl<'de> Deserialize<'de> for DepartementCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

impl From<DepartementCode> for String {
    fn from(value: DepartementCode) -> Self {
        value.0.to_owned()
    }
}

/// A 5-character INSEE commune code (`79191` Niort, `2A004` Ajaccio, `97411` Saint-Denis).
///
/// Not a postcode: `79000` and `20000` are rejected with a message saying so.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommuneCode {
    code: String,
    departement: DepartementCode,
}

impl CommuneCode {
    /// Parses an INSEE commune code, trimming whitespace and upper-casing `2a`/`2b`.
    pub fn parse(input: &str) -> Result<Self, TerritoryError> {
        let value = input.trim().to_ascii_uppercase();
        let got = value.chars().count();
        if got != 5 {
            return Err(TerritoryError::CommuneLength { value, got });
        }
        // Every accepted character is ASCII, so byte slicing below stays on char boundaries.
        let corsica = value.starts_with("2A") || value.starts_with("2B");
        let digits_from = if corsica { 2 } else { 0 };
        let all_digits = value
            .get(digits_from..)
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()));
        if !all_digits {
            return Err(TerritoryError::CommuneCharacters { value });
        }
        if value.starts_with("20") {
            return Err(TerritoryError::CorsicanPostcode { value });
        }
        // Overseas départements have a 3-digit prefix and a 2-digit commune number.
        let prefix_len = if value.starts_with("97") { 3 } else { 2 };
        let (Some(prefix), Some(number)) = (value.get(..prefix_len), value.get(prefix_len..))
        else {
            return Err(TerritoryError::CommuneCharacters { value });
        };
        let Ok(departement) = DepartementCode::parse(prefix) else {
            let prefix = prefix.to_owned();
            return Err(TerritoryError::CommuneUnknownDepartement { value, prefix });
        };
        if number.bytes().all(|b| b == b'0') {
            return Err(TerritoryError::Postcode { value });
        }
        Ok(Self {
            code: value,
            departement,
        })
    }

    /// The code as written by INSEE.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The département the commune belongs to.
    #[must_use]
    pub fn departement(&self) -> DepartementCode {
        self.departement
    }
}

impl fmt::Display for CommuneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl FromStr for CommuneCode {
    type Err = TerritoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CommuneCode {
    type Error = TerritoryError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CommuneCode> for String {
    fn from(value: CommuneCode) -> Self {
        value.code
    }
}

/// A territory: whole départements plus individual communes.
///
/// An empty territory covers nothing; callers decide whether empty is allowed (a convention
/// needs a territory, a habilitation without narrowing has none).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Territory {
    /// Départements covered entirely.
    #[serde(default)]
    pub departements: BTreeSet<DepartementCode>,
    /// Communes covered individually (their département may or may not be listed too).
    #[serde(default)]
    pub communes: BTreeSet<CommuneCode>,
}

impl Territory {
    /// Parses a comma- or space-separated list such as `"79, 86, 91232"`; items of at most 3
    /// characters are départements, longer ones are communes. Blank input gives an empty
    /// territory.
    pub fn parse_list(input: &str) -> Result<Self, TerritoryError> {
        let mut territory = Self::default();
        for item in input
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|item| !item.is_empty())
        {
            if item.chars().count() <= 3 {
                territory.departements.insert(DepartementCode::parse(item)?);
            } else {
                territory.communes.insert(CommuneCode::parse(item)?);
            }
        }
        Ok(territory)
    }

    /// True when the territory lists neither département nor commune.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.departements.is_empty() && self.communes.is_empty()
    }

    /// True when the commune is listed, or its département is.
    #[must_use]
    pub fn covers_commune(&self, commune: &CommuneCode) -> bool {
        self.communes.contains(commune) || self.departements.contains(&commune.departement())
    }

    /// True when the whole département is listed (some of its communes are not enough).
    #[must_use]
    pub fn covers_departement(&self, departement: &DepartementCode) -> bool {
        self.departements.contains(departement)
    }

    /// Is `other` inside `self`? Used to check that a habilitation's territory narrows its
    /// convention's territory.
    #[must_use]
    pub fn contains(&self, other: &Self) -> bool {
        self.outside_parts(other).is_empty()
    }

    /// The parts of `other` that are not inside `self`, for error messages.
    #[must_use]
    pub fn outside_parts(&self, other: &Self) -> Self {
        Self {
            departements: other
                .departements
                .iter()
                .filter(|d| !self.covers_departement(d))
                .copied()
                .collect(),
            communes: other
                .communes
                .iter()
                .filter(|c| !self.covers_commune(c))
                .cloned()
                .collect(),
        }
    }
}

impl fmt::Display for Territory {
    /// Writes `79, 86, 91232`: départements first, then communes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        for departement in &self.departements {
            write!(f, "{separator}{departement}")?;
            separator = ", ";
        }
        for commune in &self.communes {
            write!(f, "{separator}{commune}")?;
            separator = ", ";
        }
        Ok(())
    }
}

impl FromStr for Territory {
    type Err = TerritoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_list(s)
    }
}
