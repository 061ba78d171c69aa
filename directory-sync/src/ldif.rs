//! LDIF export of entries (RFC 2849 content records), for the documentation, for loading a
//! directory with `ldapadd`/`slapadd` (the benchmark's reference) and for operators' dumps.
//!
//! Invariant: every value that is not a SAFE-STRING (non-ASCII, leading space, `:` or `<`,
//! trailing space, control characters) is written base64-encoded (`attr:: …`), so any name
//! round-trips.

use std::fmt::Write as _;

use crate::model::LdapEntry;

#[cfg(test)]
mod tests;

/// Appends the entries as LDIF content records, each followed by a blank line.
pub fn write_ldif(entries: &[LdapEntry], out: &mut String) {
    for entry in entries {
        line(out, "dn", &entry.dn.to_string());
        for class in &entry.object_classes {
            line(out, "objectClass", class);
        }
        for (name, values) in &entry.attrs {
            for value in values {
                line(out, name.as_str(), value);
            }
        }
        out.push('\n');
    }
}

fn line(out: &mut String, name: &str, value: &str) {
    if is_safe(value) {
        let _ = writeln!(out, "{name}: {value}");
    } else {
        let _ = writeln!(out, "{name}:: {}", base64(value.as_bytes()));
    }
}

/// RFC 2849 SAFE-STRING, plus no trailing space (it would be lost by many readers).
fn is_safe(value: &str) -> bool {
    let bytes = value.as_bytes();
    let starts_ok = bytes
        .first()
        .is_none_or(|b| !matches!(b, b' ' | b':' | b'<'));
    let ends_ok = bytes.last().is_none_or(|b| *b != b' ');
    starts_ok
        && ends_ok
        && bytes
            .iter()
            .all(|b| matches!(b, 0x01..=0x09 | 0x0B..=0x0C | 0x0E..=0x7F))
}

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet =
        |n: u32| -> char { char::from(ALPHABET.get((n & 63) as usize).copied().unwrap_or(b'=')) };
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sextet(n >> 18));
        out.push(sextet(n >> 12));
        out.push(if chunk.len() > 1 { sextet(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n) } else { '=' });
    }
    out
}
