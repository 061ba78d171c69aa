//! E-mail addresses, validated pragmatically.
//!
//! Invariants: exactly one `@`; a local part of 1–64 characters without whitespace or control
//! characters, kept as typed; a lower-cased domain of at least two dot-separated labels of ASCII
//! letters, digits and hyphens, whose last label (the TLD) is at least two letters; at most 254
//! characters in total. Deliverability is proven by sending a message, not by parsing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Maximum length of an address (RFC 5321 §4.5.3.1.3 path limit minus the angle brackets).
const MAX_LEN: usize = 254;
/// Maximum length of the local part (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_LEN: usize = 64;
/// Maximum length of a domain label (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Errors when parsing an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// The address is empty.
    #[error("e-mail address must not be empty")]
    Empty,
    /// The address is longer than 254 characters.
    #[error("e-mail address must be at most {MAX_LEN} characters (got {got})")]
    TooLong {
        /// Length of the trimmed input, in characters.
        got: usize,
    },
    /// The address does not contain exactly one `@`.
    #[error("e-mail address must contain exactly one @ (got {got})")]
    At {
        /// Number of `@` found.
        got: usize,
    },
    /// The part before `@` is empty or longer than 64 characters.
    #[error(
        "the part before @ of an e-mail address must be 1 to {MAX_LOCAL_LEN} characters (got {got})"
    )]
    LocalLength {
        /// Length of the local part, in characters.
        got: usize,
    },
    /// The part before `@` contains a space or a control character.
    #[error("the part before @ of an e-mail address must not contain spaces or control characters")]
    LocalCharacters,
    /// The domain has a single label.
    #[error(
        "the domain of an e-mail address must have at least two parts separated by dots (e.g. niort.fr)"
    )]
    DomainLabels,
    /// A domain label is empty, too long, has a character other than letters, digits and
    /// hyphens, or starts or ends with a hyphen.
    #[error(
        "the domain of an e-mail address has an invalid part {label:?}: use letters, digits and inner hyphens"
    )]
    DomainLabel {
        /// The offending label.
        label: String,
    },
    /// The last domain label is not at least two letters.
    #[error("the domain of an e-mail address must end with at least two letters (got {tld:?})")]
    Tld {
        /// The last label.
        tld: String,
    },
}

impl EmailError {
    /// Stable machine code of the error, for APIs and tests.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "email.empty",
            Self::TooLong { .. } => "email.length",
            Self::At { .. } => "email.at",
            Self::LocalLength { .. } => "email.local_length",
            Self::LocalCharacters => "email.local_characters",
            Self::DomainLabels => "email.domain_labels",
            Self::DomainLabel { .. } => "email.domain_label",
            Self::Tld { .. } => "email.tld",
        }
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        match self {
            Self::Empty => "l'adresse électronique est obligatoire".to_owned(),
            Self::TooLong { got } => format!(
                "l'adresse électronique doit comporter au plus {MAX_LEN} caractères (elle en a {got})"
            ),
            Self::At { got } => format!(
                "l'adresse électronique doit contenir exactement un @ (elle en contient {got})"
            ),
            Self::LocalLength { got } => format!(
                "la partie avant le @ de l'adresse électronique doit comporter de 1 à \
                 {MAX_LOCAL_LEN} caractères (elle en a {got})"
            ),
            Self::LocalCharacters => "la partie avant le @ de l'adresse électronique ne doit \
                                      contenir ni espace ni caractère de contrôle"
                .to_owned(),
            Self::DomainLabels => "le domaine de l'adresse électronique doit comporter au moins \
                                   deux parties séparées par des points (ex. : niort.fr)"
                .to_owned(),
            Self::DomainLabel { label } => format!(
                "le domaine de l'adresse électronique contient une partie invalide « {label} » : \
                 utilisez des lettres, des chiffres et des tirets intérieurs"
            ),
            Self::Tld { tld } => format!(
                "le domaine de l'adresse électronique doit finir par au moins deux lettres \
                 (« {tld} » trouvé)"
            ),
        }
    }
}

/// An e-mail address: local part as typed, domain lower-cased.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address, trimming whitespace and lower-casing the domain.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        let got = trimmed.chars().count();
        if got > MAX_LEN {
            return Err(EmailError::TooLong { got });
        }
        let ats = trimmed.matches('@').count();
        let (local, domain) = match trimmed.split_once('@') {
            Some(parts) if ats == 1 => parts,
            _ => return Err(EmailError::At { got: ats }),
        };
        let local_len = local.chars().count();
        if !(1..=MAX_LOCAL_LEN).contains(&local_len) {
            return Err(EmailError::LocalLength { got: local_len });
        }
        if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::LocalCharacters);
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(EmailError::DomainLabels);
        }
        for label in &labels {
            let valid = (1..=MAX_LABEL_LEN).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                let label = (*label).to_owned();
                return Err(EmailError::DomainLabel { label });
            }
        }
        let tld = labels.last().copied().unwrap_or_default();
        if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
            let tld = tld.to_owned();
            return Err(EmailError::Tld { tld });
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The address, with its domain lower-cased.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain (after `@`), lower-cased.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}
