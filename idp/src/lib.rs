//! Habilis identity provider.

pub mod account;
pub mod convention;
pub mod partner;
pub mod quota;
pub mod redact;
pub mod territory;
pub(crate) mod store;
