//! Entity of `signing_key`: a token-signing key pair; the private key is stored encrypted.
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `signing_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_key")]
pub(crate) struct Model {
    /// Kid.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) kid: String,
    /// Alg.
    pub(crate) alg: String,
    /// Private key encrypted.
    #[sea_orm(column_type = "Text")]
    pub(crate) private_key_encrypted: String,
    /// Public jwk.
    pub(crate) public_jwk: Json,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Not before.
    pub(crate) not_before: TimeDateTimeWithTimeZone,
    /// Retired at.
    pub(crate) retired_at: Option<TimeDateTimeWithTimeZone>,
    /// Expires at.
    pub(crate) expires_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `signing_key`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
