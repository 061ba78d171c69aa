//! Habilis identity provider.

pub mod convention;
pub mod partner;
pub mod quota;
pub mod territory;
