//! Entity of `fund`: a Caf or MSA fund: the owner of one partner extranet.
//!
//! Mirrors migration `m20260101_000002_create_catalogue`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `fund`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// Stable lower-case code, e.g. `caf-79`, `msa-poitou`.
    #[sea_orm(unique)]
    pub(crate) code: String,
    /// Name.
    pub(crate) name: String,
    /// One of `caf`, `msa`.
    pub(crate) kind: String,
    /// JSON array of the département codes the fund covers.
    pub(crate) departements: Json,
    /// One of `generated`, `email`.
    pub(crate) login_policy: String,
    /// One of `admins`, `everyone`, `none`.
    pub(crate) mfa_policy: String,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `fund`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
