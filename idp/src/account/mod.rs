//! Accounts of partner staff (extranautes): login identifiers, e-mail addresses, temporary
//! passwords.
//!
//! `email`, `login_id` and `temporary_password` are pure value types and rules; `password`
//! hashes; `manage` creates and finds accounts over the store, with traces.
//!
//! Credentials (issue #4): `credentials` is the per-node context every step takes; `policy`
//! (password rules), `throttle` (attempt limiting), `authenticate` (password step, own change),
//! `totp` (second factor, recovery codes, amr/acr), `passkey` (WebAuthn second factor), `reset` (forgotten password by e-mail),
//! `admin` (administrators' actions on an account).

pub mod admin;
pub mod authenticate;
pub mod credentials;
pub mod email;
pub mod login_id;
pub mod manage;
pub mod passkey;
pub mod password;
pub mod policy;
pub mod reset;
pub mod temporary_password;
#[cfg(test)]
pub(crate) mod test_support;
pub mod throttle;
pub mod totp;

pub use manage::{
    Account, AccountError, AccountPatch, AccountStatus, CreatedAccount, NewAccount, create,
    create_operator, edit, find_by_login, find_operator, list_of_partner,
};
