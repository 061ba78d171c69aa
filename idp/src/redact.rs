//! Redaction of personal data and secrets from everything written to the trace and to logs.
//!
//! [`redact_text`] replaces NIR-shaped numbers (French social security numbers, which the
//! consultation services search by — 000, 001) with `[NIR]` and token-shaped runs with
//! `[REDACTED]`; [`redact_json`] also blanks the value of any key that names a secret.
//! Invariant: ordinary data — SIRET (14 digits), phone numbers, dates, convention numbers,
//! UUIDs — passes unchanged. When in doubt between leaking and over-redacting, over-redact.

use std::borrow::Cow;

use serde_json::Value;

#[cfg(test)]
mod tests;

/// What replaces a NIR.
pub const NIR_MARK: &str = "[NIR]";
/// What replaces a token or a secret value.
pub const REDACTED_MARK: &str = "[REDACTED]";

/// Shortest run of token characters treated as a token.
const TOKEN_MIN_LEN: usize = 32;

/// Parts of a key name (lower-cased) whose value is always blanked.
const SECRET_KEY_PARTS: [&str; 9] = [
    "password",
    "secret",
    "token",
    "totp",
    "otp",
    "recovery",
    "nir",
    "authorization",
    "cookie",
];

/// Group lengths of a NIR: sex, year, month, département, commune, order, key.
const NIR_GROUPS: [usize; 7] = [1, 2, 2, 2, 3, 3, 2];

/// Replaces NIR-shaped numbers by `[NIR]` and token-shaped runs by `[REDACTED]`; borrows when
/// nothing needed redacting.
#[must_use]
pub fn redact_text(input: &str) -> Cow<'_, str> {
    let without_nirs = replace_nirs(input);
    let current = without_nirs.as_deref().unwrap_or(input);
    match (replace_tokens(current), without_nirs) {
        (Some(text), _) | (None, Some(text)) => Cow::Owned(text),
        (None, None) => Cow::Borrowed(input),
    }
}

/// Blanks the value of every key whose lower-cased name contains a secret word (password,
/// secret, token, totp, otp, recovery, nir, authorization, cookie) and applies [`redact_text`]
/// to every other string, and to numbers shaped like a NIR.
pub fn redact_json(value: &mut Value) {
    let replacement = match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if is_secret_key(key) {
                    *item = Value::String(REDACTED_MARK.to_owned());
                } else {
                    redact_json(item);
                }
            }
            None
        }
        Value::Array(items) => {
            items.iter_mut().for_each(redact_json);
            None
        }
        Value::String(text) => match redact_text(text) {
            Cow::Owned(redacted) => Some(redacted),
            Cow::Borrowed(_) => None,
        },
        // A NIR stored as a JSON number is still a NIR.
        Value::Number(number) => match redact_text(&number.to_string()) {
            Cow::Owned(redacted) => Some(redacted),
            Cow::Borrowed(_) => None,
        },
        Value::Null | Value::Bool(_) => None,
    };
    if let Some(redacted) = replacement {
        *value = Value::String(redacted);
    }
}

/// True when the key names a secret.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_lowercase();
    SECRET_KEY_PARTS.iter().any(|part| key.contains(part))
}

/// Replaces NIRs, or returns `None` when there is none.
fn replace_nirs(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let after_boundary = i == 0 || !bytes.get(i - 1).is_some_and(u8::is_ascii_alphanumeric);
        if after_boundary && let Some(end) = match_nir(bytes, i) {
            // A NIR starts and ends with ASCII bytes, so `copied` and `i` are char boundaries.
            out.push_str(text.get(copied..i).unwrap_or_default());
            out.push_str(NIR_MARK);
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Some(out)
}

/// The end of a NIR starting at `start`: sex digit (1 2 3 4 7 8), year, month, département
/// (2 digits, 2A or 2B), commune, order number and key, with or without a space between the
/// groups, and no letter or digit right after it. The key is not checked: a mistyped NIR is
/// still personal data.
fn match_nir(bytes: &[u8], start: usize) -> Option<usize> {
    let mut pos = start;
    for (index, len) in NIR_GROUPS.iter().enumerate() {
        if index > 0 && bytes.get(pos) == Some(&b' ') {
            pos += 1;
        }
        let group = bytes.get(pos..pos + len)?;
        let digits = group.iter().all(u8::is_ascii_digit);
        let valid = match index {
            0 => matches!(group, [b'1' | b'2' | b'3' | b'4' | b'7' | b'8']),
            3 => digits || matches!(group, [b'2', b'A' | b'B' | b'a' | b'b']),
            _ => digits,
        };
        if !valid {
            return None;
        }
        pos += len;
    }
    if bytes.get(pos).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(pos)
}

/// Replaces token-shaped runs, or returns `None` when there is none.
fn replace_tokens(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes.get(i).copied().is_some_and(is_token_byte) {
            i += 1;
            continue;
        }
        let len = bytes
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| is_token_byte(**b))
            .count();
        let end = i + len;
        // Token bytes are ASCII, so run edges are char boundaries.
        if let Some(run) = bytes.get(i..end)
            && looks_like_token(run)
        {
            out.push_str(text.get(copied..i).unwrap_or_default());
            out.push_str(REDACTED_MARK);
            copied = end;
            changed = true;
        }
        i = end;
    }
    if !changed {
        return None;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Some(out)
}

/// Characters of hex and base64url.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A long run is a token when it is hex with letters and digits (hashes, hex tokens), or mixes
/// upper case, lower case and digits (base64url). Identifiers in snake case, UUIDs (one case)
/// and long numbers do not qualify.
fn looks_like_token(run: &[u8]) -> bool {
    if run.len() < TOKEN_MIN_LEN {
        return false;
    }
    let has_digit = run.iter().any(u8::is_ascii_digit);
    let has_upper = run.iter().any(u8::is_ascii_uppercase);
    let has_lower = run.iter().any(u8::is_ascii_lowercase);
    let hex = run.iter().all(u8::is_ascii_hexdigit);
    has_digit && ((hex && (has_upper || has_lower)) || (has_upper && has_lower))
}
