//! Login identifiers of accounts, and their generation from the partner and the agent's name.
//!
//! Invariants: a [`LoginId`] is lower-case and is either a valid e-mail address (004 art. 3-2:
//! "l'adresse électronique ... (identifiant)") or 3–64 characters of `a-z 0-9 . _ -` starting
//! with a letter or a digit. Generation is deterministic given `taken`, so tests predict it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::account::email::{Email, EmailError};
use crate::partner::ids::ThirdPartyNumber;

#[cfg(test)]
mod tests;

/// Shortest plain login identifier.
const MIN_LEN: usize = 3;
/// Longest plain login identifier (and longest generated one).
const MAX_LEN: usize = 64;

/// Errors when parsing a login identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginIdError {
    /// The identifier is empty.
    #[error("login identifier must not be empty")]
    Empty,
    /// A plain identifier is shorter than 3 or longer than 64 characters.
    #[error("login identifier must be {MIN_LEN} to {MAX_LEN} characters (got {got})")]
    Length {
        /// Length of the trimmed input, in characters.
        got: usize,
    },
    /// A plain identifier contains a character other than `a-z 0-9 . _ -`.
    #[error("login identifier may contain only letters a–z, digits and . _ - (found {found:?})")]
    Characters {
        /// The first offending character.
        found: char,
    },
    /// A plain identifier starts with `.`, `_` or `-`.
    #[error("login identifier must start with a letter or a digit")]
    Start,
    /// The identifier contains `@` but is not a valid e-mail address.
    #[error("login identifier looks like an e-mail address but is not valid: {0}")]
    Email(#[from] EmailError),
}

impl LoginIdError {
    /// Stable machine code of the error; for e-mail identifiers, the e-mail error's code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "login_id.empty",
            Self::Length { .. } => "login_id.length",
            Self::Characters { .. } => "login_id.characters",
            Self::Start => "login_id.start",
            Self::Email(err) => err.code(),
        }
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        match self {
            Self::Empty => "l'identifiant est obligatoire".to_owned(),
            Self::Length { got } => format!(
                "l'identifiant doit comporter de {MIN_LEN} à {MAX_LEN} caractères (il en a {got})"
            ),
            Self::Characters { found } => format!(
                "l'identifiant ne peut contenir que des lettres a à z, des chiffres et . _ - \
                 (caractère « {found} » trouvé)"
            ),
            Self::Start => "l'identifiant doit commencer par une lettre ou un chiffre".to_owned(),
            Self::Email(err) => format!(
                "l'identifiant ressemble à une adresse électronique mais n'est pas valide : {}",
                err.message_fr()
            ),
        }
    }
}

/// A login identifier, lower-cased (`79a69243.jdupont` or `jean.dupont@niort.fr`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginId(String);

impl LoginId {
    /// Parses a login identifier, trimming whitespace and lower-casing it.
    pub fn parse(input: &str) -> Result<Self, LoginIdError> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(LoginIdError::Empty);
        }
        if value.contains('@') {
            return Ok(Self(Email::parse(&value)?.as_str().to_owned()));
        }
        let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if let Some(found) = value.chars().find(|c| !plain(*c)) {
            return Err(LoginIdError::Characters { found });
        }
        // Only ASCII remains, so the byte length is the character count.
        if !(MIN_LEN..=MAX_LEN).contains(&value.len()) {
            return Err(LoginIdError::Length { got: value.len() });
        }
        if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(LoginIdError::Start);
        }
        Ok(Self(value))
    }

    /// The identifier, lower-cased.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the identifier is an e-mail address.
    #[must_use]
    pub fn is_email(&self) -> bool {
        self.0.contains('@')
    }
}

/// Generates `<third-party number>.<initial><family name>`, e.g. `79a69243.jdupont`, folding
/// accents to ASCII and dropping other characters, truncated to 64 characters; appends 2, 3, …
/// while `taken` says the candidate exists.
///
/// 002 art. 9.1: user identifiers are produced automatically. If the names
/// have no letter at all, `agent` stands for them.
pub fn generate(
    partner: &ThirdPartyNumber,
    given: &str,
    family: &str,
    taken: impl Fn(&str) -> bool,
) -> LoginId {
    let prefix = format!("{}.", partner.as_str().to_ascii_lowercase());
    let initial: String = given
        .chars()
        .map(fold)
        .find(|folded| !folded.is_empty())
        .unwrap_or_default()
        .chars()
        .take(1)
        .collect();
    let mut name: String = initial;
    name.extend(family.chars().map(fold));
    if name.is_empty() {
        name.push_str("agent");
    }
    let candidate = |suffix: &str| {
        let room = MAX_LEN.saturating_sub(prefix.len() + suffix.len());
        // `name` is ASCII, so taking characters takes bytes.
        let stem: String = name.chars().take(room).collect();
        format!("{prefix}{stem}{suffix}")
    };
    let mut login = candidate("");
    let mut n: u32 = 2;
    while taken(&login) && n < u32::MAX {
        login = candidate(&n.to_string());
        n += 1;
    }
    LoginId(login)
}

/// Folds one character of a name to lower-case ASCII letters; anything else folds to nothing.
fn fold(c: char) -> &'static str {
    match c.to_lowercase().next().unwrap_or(c) {
        'a' | 'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'b' => "b",
        'c' | 'ç' | 'ć' | 'č' => "c",
        'd' | 'ď' | 'đ' => "d",
        'e' | 'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'f' => "f",
        'g' | 'ğ' => "g",
        'h' => "h",
        'i' | 'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'j' => "j",
        'k' => "k",
        'l' | 'ł' => "l",
        'm' => "m",
        'n' | 'ñ' | 'ń' | 'ň' => "n",
        'o' | 'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'p' => "p",
        'q' => "q",
        'r' | 'ŕ' | 'ř' => "r",
        's' | 'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        't' | 'ť' | 'ţ' => "t",
        'u' | 'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'v' => "v",
        'w' => "w",
        'x' => "x",
        'y' | 'ý' | 'ÿ' => "y",
        'z' | 'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LoginId {
    type Err = LoginIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for LoginId {
    type Error = LoginIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LoginId> for String {
    fn from(value: LoginId) -> Self {
        value.0
    }
}
