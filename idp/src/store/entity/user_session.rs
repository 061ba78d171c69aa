//! Entity of `user_session`: a browser session at the provider; `id` is the hash of the cookie
//! value.
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `user_session`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_session")]
pub(crate) struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) id: String,
    /// References `account`.
    pub(crate) account_id: i64,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Last seen at.
    pub(crate) last_seen_at: TimeDateTimeWithTimeZone,
    /// Idle expires at.
    pub(crate) idle_expires_at: TimeDateTimeWithTimeZone,
    /// Absolute expires at.
    pub(crate) absolute_expires_at: TimeDateTimeWithTimeZone,
    /// Auth time.
    pub(crate) auth_time: TimeDateTimeWithTimeZone,
    /// Acr.
    pub(crate) acr: String,
    /// Amr.
    pub(crate) amr: Json,
    /// Source ip.
    pub(crate) source_ip: Option<String>,
    /// User agent.
    pub(crate) user_agent: Option<String>,
    /// Ended at.
    pub(crate) ended_at: Option<TimeDateTimeWithTimeZone>,
    /// End reason.
    pub(crate) end_reason: Option<String>,
}

/// The foreign keys of `user_session`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Cascade"
    )]
    Account,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
