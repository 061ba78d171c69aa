//! Habilis identity provider.
