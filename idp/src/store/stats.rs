//! Storage of the monthly usage figures: the cursor over the trace, the counters, and the
//! accounts seen each month (to count distinct users incrementally).

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::{oidc_client, usage_cursor, usage_monthly, usage_user_month};
use super::{Conn, StoreError, Tx};
use crate::stats::{Counts, Key};

const CURSOR_ID: i32 = 1;

/// Reads the last event counted, locking the cursor until `tx` ends (PostgreSQL row lock; on
/// SQLite the `IMMEDIATE` transaction already holds the write lock): passes never overlap.
pub async fn lock_cursor(tx: &Tx) -> Result<i64, StoreError> {
    let row = usage_cursor::Entity::find_by_id(CURSOR_ID)
        .lock_exclusive()
        .one(tx.c())
        .await?
        .ok_or_else(|| StoreError::Corrupt("the usage_cursor row is missing".to_owned()))?;
    Ok(row.last_event_id)
}

/// Moves the cursor. Call after [`lock_cursor`] in the same transaction.
pub async fn set_cursor(tx: &Tx, last_event_id: i64) -> Result<(), StoreError> {
    usage_cursor::ActiveModel {
        id: Set(CURSOR_ID),
        last_event_id: Set(last_event_id),
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// The service of each OpenID Connect client, by `client_id`.
pub async fn client_services(db: &impl Conn) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, Option<i64>)> = oidc_client::Entity::find()
        .select_only()
        .column(oidc_client::Column::ClientId)
        .column(oidc_client::Column::ServiceId)
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, s)| s.map(|s| (c, s)))
        .collect())
}

/// Adds `delta` to the counters of `key`, creating them at zero first.
pub async fn add(tx: &Tx, key: &Key, delta: &Counts) -> Result<(), StoreError> {
    let existing = usage_monthly::Entity::find()
        .filter(usage_monthly::Column::Month.eq(key.month.as_str()))
        .filter(usage_monthly::Column::FundId.eq(key.fund_id))
        .filter(usage_monthly::Column::PartnerKey.eq(key.partner_id.unwrap_or(0)))
        .filter(usage_monthly::Column::ServiceKey.eq(key.service_id.unwrap_or(0)))
        .one(tx.c())
        .await?;
    match existing {
        Some(m) => {
            let mut a: usage_monthly::ActiveModel = m.clone().into();
            a.logins = Set(m.logins + delta.logins);
            a.distinct_users = Set(m.distinct_users + delta.distinct_users);
            a.failures = Set(m.failures + delta.failures);
            a.locks = Set(m.locks + delta.locks);
            a.tokens_issued = Set(m.tokens_issued + delta.tokens_issued);
            a.update(tx.c()).await?;
        }
        None => {
            usage_monthly::ActiveModel {
                month: Set(key.month.clone()),
                fund_id: Set(key.fund_id),
                partner_id: Set(key.partner_id),
                service_id: Set(key.service_id),
                logins: Set(delta.logins),
                distinct_users: Set(delta.distinct_users),
                failures: Set(delta.failures),
                locks: Set(delta.locks),
                tokens_issued: Set(delta.tokens_issued),
                ..Default::default()
            }
            .insert(tx.c())
            .await?;
        }
    }
    Ok(())
}

/// Records that `account_id` used `service_id` (none: any service) in `month`; true when it is
/// the first time that month.
pub async fn see_user(
    tx: &Tx,
    month: &str,
    account_id: i64,
    service_id: Option<i64>,
    at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let seen = usage_user_month::Entity::find()
        .filter(usage_user_month::Column::Month.eq(month))
        .filter(usage_user_month::Column::AccountId.eq(account_id))
        .filter(usage_user_month::Column::ServiceKey.eq(service_id.unwrap_or(0)))
        .one(tx.c())
        .await?;
    if seen.is_some() {
        return Ok(false);
    }
    usage_user_month::ActiveModel {
        month: Set(month.to_owned()),
        account_id: Set(account_id),
        service_id: Set(service_id),
        first_seen_at: Set(at),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(true)
}

/// The counters of a fund (of one month, when given), by month, partner and service (totals,
/// with no partner or no service, first).
pub async fn of_fund(
    db: &impl Conn,
    fund_id: i64,
    month: Option<&str>,
) -> Result<Vec<(Key, Counts)>, StoreError> {
    let mut q = usage_monthly::Entity::find().filter(usage_monthly::Column::FundId.eq(fund_id));
    if let Some(m) = month {
        q = q.filter(usage_monthly::Column::Month.eq(m));
    }
    let rows = q
        .order_by_asc(usage_monthly::Column::Month)
        .order_by_asc(usage_monthly::Column::PartnerKey)
        .order_by_asc(usage_monthly::Column::ServiceKey)
        .all(db.c())
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            (
                Key {
                    month: m.month,
                    fund_id: m.fund_id,
                    partner_id: m.partner_id,
                    service_id: m.service_id,
                },
                Counts {
                    logins: m.logins,
                    distinct_users: m.distinct_users,
                    failures: m.failures,
                    locks: m.locks,
                    tokens_issued: m.tokens_issued,
                },
            )
        })
        .collect())
}
