//! `audit_event`: one trace, hash-chained to the previous one.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) id: i64,
    pub(crate) occurred_at: TimeDateTimeWithTimeZone,
    pub(crate) actor_kind: String,
    pub(crate) actor_account_id: Option<i64>,
    pub(crate) actor_label: String,
    pub(crate) action: String,
    pub(crate) target_kind: Option<String>,
    pub(crate) target_id: Option<String>,
    pub(crate) fund_id: Option<i64>,
    pub(crate) partner_id: Option<i64>,
    pub(crate) source_ip: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) outcome: String,
    #[sea_orm(column_type = "Text")]
    pub(crate) details: String,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
    /// The `audit.purge` event that cleared this event's identifying columns (retention).
    pub(crate) purged_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
