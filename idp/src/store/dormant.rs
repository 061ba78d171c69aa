//! Storage queries of the dormant-access report: when each account of a fund last logged in.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;

use super::entity::account;
use super::{Conn, StoreError};

/// When an account last logged in, and when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The account.
    pub account_id: i64,
    /// Its last successful login, if any.
    pub last_login_at: Option<OffsetDateTime>,
    /// Its creation.
    pub created_at: OffsetDateTime,
}

/// The partners' accounts of `fund_id` (of `partner_id` only, when given) that are not
/// disabled, in id order. Fund staff (no partner) are left out.
pub async fn partner_accounts(
    db: &impl Conn,
    fund_id: i64,
    partner_id: Option<i64>,
) -> Result<Vec<Activity>, StoreError> {
    let mut q = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::LastLoginAt)
        .column(account::Column::CreatedAt)
        .filter(account::Column::FundId.eq(fund_id))
        .filter(account::Column::PartnerId.is_not_null())
        .filter(account::Column::Status.ne("disabled"));
    if let Some(p) = partner_id {
        q = q.filter(account::Column::PartnerId.eq(p));
    }
    let rows: Vec<(i64, Option<OffsetDateTime>, OffsetDateTime)> = q
        .order_by_asc(account::Column::Id)
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(account_id, last_login_at, created_at)| Activity {
            account_id,
            last_login_at,
            created_at,
        })
        .collect())
}
