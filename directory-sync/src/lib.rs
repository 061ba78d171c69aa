//! Keeps the LDAP "annuaire des extranautes" in line with Habilis, the source of truth
//! (003: agents are registered in the LDAP directory of extranet users, by département and by
//! the service bundle they are entitled to).
//!
//! Reading order (rustfmt sorts the `mod` list below): [`model`] (names and entries),
//! [`layout`] (desired state → entries), [`plan`] (pure diff), [`connection`] and [`apply`]
//! (ldap3), [`backoff`] and [`metrics`] for the caller's retry loop and observability,
//! [`ldif`] for exports. See docs/directory.md.
//!
//! This crate knows no database and no HTTP: the idp reads its tables into a
//! [`layout::DesiredState`] (full sync) or one entry (outbox row) and calls [`apply::Directory`].

#![warn(missing_docs)]

pub mod apply;
pub mod backoff;
pub mod connection;
pub mod error;
pub mod layout;
pub mod ldif;
pub mod metrics;
pub mod model;
pub mod plan;
