//! Habilis identity provider.

pub mod partner;
pub mod territory;
