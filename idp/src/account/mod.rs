//! Accounts of partner staff (extranautes): login identifiers, e-mail addresses, temporary
//! passwords.
//!
//! `email`, `login_id` and `temporary_password` are pure value types and rules; `password`
//! hashes; `manage` creates and finds accounts over the store, with traces.

pub mod authenticate;
pub mod email;
pub mod login_id;
pub mod manage;
pub mod password;
pub mod temporary_password;

pub use manage::{
    Account, AccountError, AccountStatus, CreatedAccount, NewAccount, create, create_operator,
    find_by_login, find_operator, list_of_partner,
};
