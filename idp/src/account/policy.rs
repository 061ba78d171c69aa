//! The rules a password chosen by its owner must follow (issue #4 point 3), pure functions.
//!
//! Sources: ANSSI PG-078 (recommandations relatives à l'authentification multifacteur et aux
//! mots de passe, 2021) and CNIL délibération 2022-100: at least 12 characters with composition
//! rules when the password is the only factor, longer for privileged accounts, no composition
//! rule needed for long passphrases, refusal of common or breached passwords and of passwords
//! derived from the person's identity, no periodic expiry for ordinary users. The seeds only
//! ask that the temporary password be changed at first login (000 art. 4-3, 001 art. 4-3, 004
//! art. 3-2 — the latter asks for at least 8 characters; we go further) and recommend regular
//! changes (000 art. 4-3), which we leave optional, for administrators only.
//!
//! Every refusal names its rule, with a stable code and a French and an English message.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::config::PasswordPolicyConfig;
use crate::error::{ErrorKind, UserError};
use crate::secret::Secret;

#[cfg(test)]
mod tests;

/// The embedded list of common and breached passwords: lower-case, one per line, sorted by
/// bytes, gzip-compressed (see `scripts/build-common-passwords.py` and `idp/data/README.md`).
const COMMON_PASSWORDS_GZ: &[u8] = include_bytes!("../../data/common-passwords.txt.gz");

/// The inflated list and the start of each entry, built once, on first use.
struct CommonList {
    text: String,
    starts: Vec<u32>,
}

static COMMON: OnceLock<CommonList> = OnceLock::new();

fn common_list() -> &'static CommonList {
    COMMON.get_or_init(|| {
        use std::io::Read;
        let mut text = String::new();
        // The file is part of the binary and tested; a failure leaves an empty list.
        if flate2::read::GzDecoder::new(COMMON_PASSWORDS_GZ)
            .read_to_string(&mut text)
            .is_err()
        {
            text.clear();
        }
        let mut starts = Vec::with_capacity(420_000);
        let mut at = 0u32;
        for line in text.split_inclusive('\n') {
            starts.push(at);
            at = at.saturating_add(u32::try_from(line.len()).unwrap_or(u32::MAX));
        }
        CommonList { text, starts }
    })
}

impl CommonList {
    fn entry(&self, i: usize) -> &str {
        let Some(&start) = self.starts.get(i) else {
            return "";
        };
        let rest = self.text.get(start as usize..).unwrap_or("");
        rest.split('\n').next().unwrap_or("")
    }

    fn contains(&self, lower: &str) -> bool {
        let (mut lo, mut hi) = (0usize, self.starts.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(mid).as_bytes().cmp(lower.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// Number of entries of the embedded list.
pub fn common_password_count() -> usize {
    common_list().starts.len()
}

/// Whether a password is in the embedded list (case-insensitive).
pub fn is_common(password: &str) -> bool {
    common_list().contains(&password.to_lowercase())
}

/// A fund's overrides of the default policy and credential rules; `None` keeps the default.
/// Stored as JSON per fund (`fund_credential_policy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundPolicy {
    /// Minimum length for agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length_agent: Option<usize>,
    /// Minimum length for administrators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length_admin: Option<usize>,
    /// Days after which an administrator's password expires (0: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_max_age_days: Option<u32>,
    /// `show` or `email`: how an administrator's reset hands over the temporary password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password_delivery: Option<crate::config::TemporaryPasswordDelivery>,
    /// Administrators must use a passkey (overrides `[passkeys] admins_require`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_passkey: Option<bool>,
}

impl FundPolicy {
    /// Checks the values a fund may set: lengths between 8 and 256, admin length not below
    /// the agents'.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for n in [self.min_length_agent, self.min_length_admin]
            .into_iter()
            .flatten()
        {
            if !(8..=256).contains(&n) {
                return Err(PolicyError::InvalidOverride);
            }
        }
        if let (Some(agent), Some(admin)) = (self.min_length_agent, self.min_length_admin)
            && admin < agent
        {
            return Err(PolicyError::InvalidOverride);
        }
        Ok(())
    }
}

/// The rules in force for one fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Minimum length for agents.
    pub min_length_agent: usize,
    /// Minimum length for administrators.
    pub min_length_admin: usize,
    /// Maximum length.
    pub max_length: usize,
    /// Below this length the composition rule applies.
    pub composition_below: usize,
    /// Character classes needed below `composition_below`.
    pub min_classes: usize,
    /// Whether common passwords are refused.
    pub refuse_common: bool,
    /// Days after which an administrator's password expires (0: never).
    pub admin_max_age_days: u32,
}

impl Policy {
    /// The defaults of `[password_policy]`, with a fund's overrides.
    pub fn effective(defaults: &PasswordPolicyConfig, fund: Option<&FundPolicy>) -> Self {
        let f = fund.cloned().unwrap_or_default();
        let min_length_agent = f.min_length_agent.unwrap_or(defaults.min_length_agent);
        Self {
            min_length_agent,
            min_length_admin: f
                .min_length_admin
                .unwrap_or(defaults.min_length_admin)
                .max(min_length_agent),
            max_length: defaults.max_length,
            composition_below: defaults.composition_below,
            min_classes: defaults.min_classes,
            refuse_common: defaults.refuse_common,
            admin_max_age_days: f.admin_max_age_days.unwrap_or(defaults.admin_max_age_days),
        }
    }

    /// The minimum length for this person.
    pub fn min_length(&self, is_admin: bool) -> usize {
        if is_admin {
            self.min_length_admin
        } else {
            self.min_length_agent
        }
    }
}

/// Who the password is for: what it must not contain.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// Login identifier.
    pub login: &'a str,
    /// Given name.
    pub given_name: &'a str,
    /// Family name.
    pub family_name: &'a str,
    /// E-mail address.
    pub email: Option<&'a str>,
    /// Partner administrator or fund operator.
    pub is_admin: bool,
}

/// Why a password was refused, or a fund override rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Shorter than the minimum for this person.
    #[error("the password must have at least {min} characters{}", if *.admin { " (administrators)" } else { "" })]
    TooShort {
        /// The minimum.
        min: usize,
        /// Whether the administrators' minimum applied.
        admin: bool,
    },
    /// Longer than the maximum.
    #[error("the password must have at most {0} characters")]
    TooLong(usize),
    /// Too few character classes for its length.
    #[error(
        "below {below} characters, the password must mix at least {classes} of: lower-case letters, upper-case letters, digits, other characters"
    )]
    Composition {
        /// Classes needed.
        classes: usize,
        /// Length from which any composition is accepted.
        below: usize,
    },
    /// In the list of common or breached passwords.
    #[error("this password is among the most common or breached passwords")]
    Common,
    /// Contains the login.
    #[error("the password must not contain your login")]
    ContainsLogin,
    /// Contains the given or family name.
    #[error("the password must not contain your given name or family name")]
    ContainsName,
    /// Contains the e-mail address or its local part.
    #[error("the password must not contain your e-mail address")]
    ContainsEmail,
    /// A fund override is out of bounds.
    #[error("password lengths must be 8 to 256 and the administrators' at least the agents'")]
    InvalidOverride,
}

impl UserError for PolicyError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }

    fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "password.too_short",
            Self::TooLong(_) => "password.too_long",
            Self::Composition { .. } => "password.composition",
            Self::Common => "password.common",
            Self::ContainsLogin => "password.contains_login",
            Self::ContainsName => "password.contains_name",
            Self::ContainsEmail => "password.contains_email",
            Self::InvalidOverride => "password_policy.invalid",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::TooShort { min, admin } => format!(
                "Le mot de passe doit comporter au moins {min} caractères{}.",
                if *admin { " (administrateurs)" } else { "" }
            ),
            Self::TooLong(n) => format!("Le mot de passe doit comporter au plus {n} caractères."),
            Self::Composition { classes, below } => format!(
                "En dessous de {below} caractères, le mot de passe doit mélanger au moins \
                 {classes} types de caractères parmi : minuscules, majuscules, chiffres, autres."
            ),
            Self::Common => {
                "Ce mot de passe fait partie des mots de passe les plus courants ou divulgués."
                    .into()
            }
            Self::ContainsLogin => "Le mot de passe ne doit pas contenir votre identifiant.".into(),
            Self::ContainsName => {
                "Le mot de passe ne doit pas contenir votre prénom ni votre nom.".into()
            }
            Self::ContainsEmail => {
                "Le mot de passe ne doit pas contenir votre adresse électronique.".into()
            }
            Self::InvalidOverride => "Les longueurs de mot de passe vont de 8 à 256, celle des \
                                      administrateurs au moins égale à celle des agents."
                .into(),
        }
    }
}

/// Lower-case, without accents (French and Latin-1 letters), so that "Hélène" and "HELENE"
/// compare equal.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c => out.push(c),
        }
    }
    out
}

/// The parts of a name worth looking for: words of 3 characters or more.
fn name_parts(name: &str) -> impl Iterator<Item = String> + '_ {
    fold(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The number of character classes (lower, upper, digit, other) a password uses.
pub fn classes(password: &str) -> usize {
    let lower = password.chars().any(char::is_lowercase);
    let upper = password.chars().any(char::is_uppercase);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let other = password
        .chars()
        .any(|c| !c.is_lowercase() && !c.is_uppercase() && !c.is_ascii_digit());
    [lower, upper, digit, other]
        .into_iter()
        .filter(|b| *b)
        .count()
}

/// Checks a new password against the policy, in a fixed order: length, composition, identity
/// (login, name, e-mail), then the common list. The first rule that fails is returned.
pub fn check(policy: &Policy, person: &Person<'_>, password: &Secret) -> Result<(), PolicyError> {
    let clear = password.expose();
    let length = clear.chars().count();
    let min = policy.min_length(person.is_admin);
    if length < min {
        return Err(PolicyError::TooShort {
            min,
            admin: person.is_admin,
        });
    }
    if length > policy.max_length {
        return Err(PolicyError::TooLong(policy.max_length));
    }
    if length < policy.composition_below && classes(clear) < policy.min_classes {
        return Err(PolicyError::Composition {
            classes: policy.min_classes,
            below: policy.composition_below,
        });
    }
    let folded = fold(clear);
    let login = fold(person.login.trim());
    if login.chars().count() >= 3 && folded.contains(&login) {
        return Err(PolicyError::ContainsLogin);
    }
    if name_parts(person.given_name)
        .chain(name_parts(person.family_name))
        .any(|part| folded.contains(&part))
    {
        return Err(PolicyError::ContainsName);
    }
    if let Some(email) = person.email {
        let email = fold(email.trim());
        let local = email.split('@').next().unwrap_or("");
        if (local.chars().count() >= 3 && folded.contains(local)) || folded.contains(&email) {
            return Err(PolicyError::ContainsEmail);
        }
    }
    if policy.refuse_common && is_common(clear) {
        return Err(PolicyError::Common);
    }
    Ok(())
}
