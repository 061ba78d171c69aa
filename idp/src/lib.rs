//! Habilis identity provider.

pub mod territory;
