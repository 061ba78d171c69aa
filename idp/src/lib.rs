//! Habilis identity provider.

pub(crate) mod store;
