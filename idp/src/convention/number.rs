//! The convention number as the fund writes it (`79-2017-19`, `2021-143`).
//!
//! Invariant: 1–32 characters of upper-case letters, digits and `-` `/` `.` `_`, starting and
//! ending with a letter or digit. Pure: no I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Maximum length of a convention number, in characters.
const MAX_LEN: usize = 32;

/// Errors when parsing a convention number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// The number is empty (or only whitespace).
    #[error("convention number must not be empty")]
    Empty,
    /// The number is longer than 32 characters.
    #[error("convention number must be at most {MAX_LEN} characters (got {got})")]
    TooLong {
        /// Length of the trimmed input, in characters.
        got: usize,
    },
    /// The number contains a character outside letters, digits and `-` `/` `.` `_`.
    #[error("convention number may contain only letters, digits and - / . _ (found {found:?})")]
    Characters {
        /// The first offending character.
        found: char,
    },
    /// The number starts or ends with a separator.
    #[error("convention number must start and end with a letter or a digit")]
    Edge,
}

impl NumberError {
    /// Stable machine code of the error, for APIs and tests.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "convention_number.empty",
            Self::TooLong { .. } => "convention_number.length",
            Self::Characters { .. } => "convention_number.characters",
            Self::Edge => "convention_number.edge",
        }
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        match self {
            Self::Empty => "le numéro de convention est obligatoire".to_owned(),
            Self::TooLong { got } => format!(
                "le numéro de convention doit comporter au plus {MAX_LEN} caractères (il en a {got})"
            ),
            Self::Characters { found } => format!(
                "le numéro de convention ne peut contenir que des lettres, des chiffres et \
                 - / . _ (caractère « {found} » trouvé)"
            ),
            Self::Edge => "le numéro de convention doit commencer et finir par une lettre ou un \
                           chiffre"
                .to_owned(),
        }
    }
}

/// A convention number, upper-cased (e.g. `79-2017-19` in 002).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConventionNumber(String);

impl ConventionNumber {
    /// Parses a convention number, trimming whitespace and upper-casing letters.
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        let value = input.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err(NumberError::Empty);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '_');
        if let Some(found) = value.chars().find(|c| !allowed(*c)) {
            return Err(NumberError::Characters { found });
        }
        // Only ASCII remains, so the byte length is the character count.
        if value.len() > MAX_LEN {
            return Err(NumberError::TooLong { got: value.len() });
        }
        let edge_ok = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
        if !edge_ok(value.as_bytes().first()) || !edge_ok(value.as_bytes().last()) {
            return Err(NumberError::Edge);
        }
        Ok(Self(value))
    }

    /// The number, upper-cased.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConventionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ConventionNumber {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ConventionNumber {
    type Error = NumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ConventionNumber> for String {
    fn from(value: ConventionNumber) -> Self {
        value.0
    }
}
