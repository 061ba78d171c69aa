//! Identifiers of a partner: the fund's third-party register number and the SIRET.
//!
//! Invariants: a [`ThirdPartyNumber`] is 4–16 upper-case ASCII letters and digits with at least
//! one digit; a [`Siret`] is 14 digits with a valid checksum (Luhn, or the La Poste rule).
//! Pure: no I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The SIREN of La Poste, whose establishments do not follow the Luhn rule.
const LA_POSTE_SIREN: &str = "356000000";

/// Errors when parsing a partner identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The third-party number is shorter than 4 or longer than 16 characters.
    #[error("third-party number must be 4 to 16 characters (got {got})")]
    ThirdPartyLength {
        /// Length of the trimmed input, in characters.
        got: usize,
    },
    /// The third-party number contains something other than ASCII letters and digits.
    #[error("third-party number may contain only letters A–Z and digits (found {found:?})")]
    ThirdPartyCharacters {
        /// The first offending character.
        found: char,
    },
    /// The third-party number has no digit.
    #[error("third-party number must contain at least one digit")]
    ThirdPartyNoDigit,
    /// The SIRET contains something other than digits and spaces.
    #[error("SIRET may contain only digits and spaces (found {found:?})")]
    SiretCharacters {
        /// The first offending character.
        found: char,
    },
    /// The SIRET does not have 14 digits.
    #[error("SIRET must be 14 digits (got {got})")]
    SiretLength {
        /// Number of digits found.
        got: usize,
    },
    /// The SIRET checksum is wrong: most likely a typing mistake.
    #[error("SIRET {value} has an invalid checksum: check for a typing mistake")]
    SiretChecksum {
        /// The 14 digits.
        value: String,
    },
}

impl IdError {
    /// Stable machine code of the error, for APIs and tests.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::ThirdPartyLength { .. } => "third_party_number.length",
            Self::ThirdPartyCharacters { .. } => "third_party_number.characters",
            Self::ThirdPartyNoDigit => "third_party_number.no_digit",
            Self::SiretCharacters { .. } => "siret.characters",
            Self::SiretLength { .. } => "siret.length",
            Self::SiretChecksum { .. } => "siret.checksum",
        }
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        match self {
            Self::ThirdPartyLength { got } => {
                format!("le numéro de tiers doit comporter de 4 à 16 caractères (il en a {got})")
            }
            Self::ThirdPartyCharacters { found } => format!(
                "le numéro de tiers ne peut contenir que des lettres A à Z et des chiffres \
                 (caractère « {found} » trouvé)"
            ),
            Self::ThirdPartyNoDigit => {
                "le numéro de tiers doit contenir au moins un chiffre".to_owned()
            }
            Self::SiretCharacters { found } => format!(
                "le SIRET ne peut contenir que des chiffres et des espaces (caractère « {found} » \
                 trouvé)"
            ),
            Self::SiretLength { got } => {
                format!("le SIRET doit comporter 14 chiffres (il en a {got})")
            }
            Self::SiretChecksum { value } => format!(
                "le SIRET {value} n'est pas valide (clé de contrôle incorrecte) : vérifiez la saisie"
            ),
        }
    }
}

/// The fund's third-party register number of a partner (e.g. `79A69243`).
///
/// 003 art. 4: agents are recorded in the fund's "base tiers", which gives them an identifier.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ThirdPartyNumber(String);

impl ThirdPartyNumber {
    /// Parses a third-party number, trimming whitespace and upper-casing letters.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value = input.trim().to_ascii_uppercase();
        if let Some(found) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(IdError::ThirdPartyCharacters { found });
        }
        let got = value.len();
        if !(4..=16).contains(&got) {
            return Err(IdError::ThirdPartyLength { got });
        }
        if !value.bytes().any(|b| b.is_ascii_digit()) {
            return Err(IdError::ThirdPartyNoDigit);
        }
        Ok(Self(value))
    }

    /// The number, upper-cased.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SIRET: the 14-digit identifier of an establishment (SIREN + 5-digit NIC).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    /// Parses a SIRET; spaces (including non-breaking ones) between digits are removed.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let mut value = String::with_capacity(14);
        for c in input.chars() {
            if c.is_ascii_digit() {
                value.push(c);
            } else if !c.is_whitespace() {
                return Err(IdError::SiretCharacters { found: c });
            }
        }
        if value.len() != 14 {
            return Err(IdError::SiretLength { got: value.len() });
        }
        let digits: Vec<u32> = value.bytes().map(|b| u32::from(b - b'0')).collect();
        // INSEE: La Poste's establishments share one SIREN and would exhaust the Luhn keys, so
        // their SIRET is valid when the sum of its digits is a multiple of 5.
        let la_poste =
            value.starts_with(LA_POSTE_SIREN) && digits.iter().sum::<u32>().is_multiple_of(5);
        if !(luhn_valid(&digits) || la_poste) {
            return Err(IdError::SiretChecksum { value });
        }
        Ok(Self(value))
    }

    /// The 14 digits, without spaces.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN: the first 9 digits, identifying the legal entity.
    #[must_use]
    pub fn siren(&self) -> &str {
        self.0.get(..9).unwrap_or(&self.0)
    }
}

/// Luhn check: doubling every second digit from the right, the sum is a multiple of 10.
fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

macro_rules! string_newtype_impls {
    ($type:ty) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $type {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $type {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> Self {
                value.0
            }
        }
    };
}

string_newtype_impls!(ThirdPartyNumber);
string_newtype_impls!(Siret);
