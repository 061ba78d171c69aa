//! Storage: the only module that talks to the database through sea-orm.
//!
//! On the `schema` branch it holds only the entities; the lead's branch adds the connection and
//! the store functions, which return domain types so entities never leave this module.

#[allow(
    dead_code,
    reason = "the store functions that read these entities are written on the lead's branch"
)]
pub(crate) mod entity;
