//! Entity of `access_token_revocation`: a revoked access token, kept until it would have expired.
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `access_token_revocation`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_token_revocation")]
pub(crate) struct Model {
    /// Jti.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) jti: String,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `access_token_revocation`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
