//! Partners of a fund (town halls, départements, childcare operators) and their units.
//!
//! `ids` owns the partner's identifiers (pure); `register` the fund's third-party register
//! (creation, CSV import, units) over the store.

pub mod ids;
pub mod register;

pub use register::{
    ImportReport, LineError, NewPartner, Partner, PartnerError, PartnerKind, PartnerStatus, Unit,
    create, create_unit, find, import_csv, list, units,
};
