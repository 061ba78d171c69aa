//! Temporary passwords, sent to a new agent and changed at first login.
//!
//! 004 art. 3-2: the first password is random, alphanumeric and case-sensitive, and must be
//! changed at first connection; 000 art. 4-3: the user must change the temporary password at
//! first login. Invariants of [`generate`]: at least 12 characters, at least one upper-case
//! letter, one lower-case letter and one digit, never an ambiguous character (`0 O o 1 l I`),
//! every such password equally likely.

use rand::{CryptoRng, Rng, RngCore};

#[cfg(test)]
mod tests;

/// Shortest password generated, whatever the caller asks (004 asks for 8; we go further).
pub const MIN_LEN: usize = 12;

/// Letters and digits that cannot be mistaken for one another when read from a letter or
/// typed from an e-mail: no `0 O o 1 l I` (the default of `[accounts]
/// temporary_password_alphabet`).
pub const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// A random password of `max(len, 12)` characters from an unambiguous alphanumeric alphabet,
/// with at least one upper-case letter, one lower-case letter and one digit.
///
/// Each character is drawn uniformly (`gen_range` rejects biased draws); a password missing a
/// class is drawn again as a whole, so every acceptable password is equally likely. Production
/// passes `rand::rngs::OsRng`.
pub fn generate(rng: &mut (impl CryptoRng + RngCore), len: usize) -> String {
    generate_from(rng, len, ALPHABET)
}

/// As [`generate`], from another alphabet (`[accounts] temporary_password_alphabet`, checked
/// at start-up to hold upper-case letters, lower-case letters and digits). An alphabet lacking
/// one of them falls back to the default one rather than looping for ever.
pub fn generate_from(rng: &mut (impl CryptoRng + RngCore), len: usize, alphabet: &[u8]) -> String {
    let complete = alphabet.iter().any(u8::is_ascii_uppercase)
        && alphabet.iter().any(u8::is_ascii_lowercase)
        && alphabet.iter().any(u8::is_ascii_digit);
    let alphabet = if complete { alphabet } else { ALPHABET };
    let len = len.max(MIN_LEN);
    loop {
        let password: String = (0..len)
            .filter_map(|_| alphabet.get(rng.gen_range(0..alphabet.len())))
            .map(|&b| char::from(b))
            .collect();
        let has_upper = password.chars().any(|c| c.is_ascii_uppercase());
        let has_lower = password.chars().any(|c| c.is_ascii_lowercase());
        let has_digit = password.chars().any(|c| c.is_ascii_digit());
        if has_upper && has_lower && has_digit {
            return password;
        }
    }
}
