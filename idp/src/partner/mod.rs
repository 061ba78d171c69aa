//! Partners of a fund (town halls, départements, childcare operators) and their units.
//!
//! This folder owns the partner's identifiers (`ids`); the partner aggregate itself lives next
//! to them. Nothing here performs I/O.

pub mod ids;
