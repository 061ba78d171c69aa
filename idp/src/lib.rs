//! Habilis identity provider.

pub mod convention;
pub mod partner;
pub mod territory;
