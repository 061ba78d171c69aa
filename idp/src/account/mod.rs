//! Accounts of partner staff (extranautes): login identifiers, e-mail addresses, temporary
//! passwords.
//!
//! The modules listed here are pure value types and rules; hashing, TOTP and storage live in
//! their own modules.

pub mod email;
pub mod login_id;
pub mod temporary_password;
