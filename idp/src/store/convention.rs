//! Storage of conventions.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::convention;
use super::{Conn, StoreError, Tx};
use crate::convention::lifecycle::{ConventionStatus, ManagementMode, Term};
use crate::convention::number::ConventionNumber;
use crate::convention::{Convention, NewConvention};
use crate::territory::Territory;

/// Inserts a draft convention with the default yearly term, tacitly renewed with 3 months'
/// notice (002 art. 17.1 and 17.2).
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    fund_id: i64,
    partner_id: i64,
    new: &NewConvention,
) -> Result<Convention, StoreError> {
    let term = Term::yearly_tacit(new.effective_from);
    let territory = serde_json::to_value(&new.territory)
        .map_err(|e| StoreError::Corrupt(format!("territory: {e}")))?;
    let m = convention::ActiveModel {
        fund_id: Set(fund_id),
        partner_id: Set(partner_id),
        number: Set(new.number.as_str().to_owned()),
        signed_on: Set(new.signed_on),
        effective_from: Set(term.effective_from),
        term_months: Set(i32::from(term.term_months)),
        tacit_renewal: Set(term.tacit_renewal),
        notice_months: Set(i32::from(term.notice_months)),
        status: Set(ConventionStatus::Draft.as_str().to_owned()),
        management_mode: Set(new.management_mode.as_str().to_owned()),
        mission: Set(new.mission.clone()),
        territory: Set(territory),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_convention(m)
}

fn by_number_query(fund_id: i64, number: &ConventionNumber) -> sea_orm::Select<convention::Entity> {
    convention::Entity::find()
        .filter(convention::Column::FundId.eq(fund_id))
        .filter(convention::Column::Number.eq(number.as_str()))
}

/// The fund's convention with this number.
pub async fn by_number(
    db: &impl Conn,
    fund_id: i64,
    number: &ConventionNumber,
) -> Result<Option<Convention>, StoreError> {
    by_number_query(fund_id, number)
        .one(db.c())
        .await?
        .map(to_convention)
        .transpose()
}

/// The same, locking the row until the transaction ends (PostgreSQL).
pub async fn by_number_for_update(
    tx: &Tx,
    fund_id: i64,
    number: &ConventionNumber,
) -> Result<Option<Convention>, StoreError> {
    by_number_query(fund_id, number)
        .lock_exclusive()
        .one(tx.c())
        .await?
        .map(to_convention)
        .transpose()
}

/// A convention by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Convention>, StoreError> {
    convention::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_convention)
        .transpose()
}

/// The fund's conventions, by number.
pub async fn of_fund(db: &impl Conn, fund_id: i64) -> Result<Vec<Convention>, StoreError> {
    convention::Entity::find()
        .filter(convention::Column::FundId.eq(fund_id))
        .order_by_asc(convention::Column::Number)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_convention)
        .collect()
}

/// A partner's conventions, by number.
pub async fn of_partner(db: &impl Conn, partner_id: i64) -> Result<Vec<Convention>, StoreError> {
    convention::Entity::find()
        .filter(convention::Column::PartnerId.eq(partner_id))
        .order_by_asc(convention::Column::Number)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_convention)
        .collect()
}

/// Sets the management mode (delegated or centralised).
pub async fn set_management_mode(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    mode: ManagementMode,
) -> Result<(), StoreError> {
    convention::ActiveModel {
        id: Set(id),
        management_mode: Set(mode.as_str().to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Sets the status, its reason and the matching timestamps.
pub async fn set_status(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    status: ConventionStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let mut m = convention::ActiveModel {
        id: Set(id),
        status: Set(status.as_str().to_owned()),
        status_reason: Set(reason.map(str::to_owned)),
        updated_at: Set(now),
        ..Default::default()
    };
    match status {
        ConventionStatus::Suspended => m.suspended_at = Set(Some(now)),
        ConventionStatus::Active => m.suspended_at = Set(None),
        ConventionStatus::Terminated => {
            m.terminated_at = Set(Some(now));
            m.terminates_on = Set(Some(now.date()));
        }
        ConventionStatus::Draft => {}
    }
    m.update(tx.c()).await?;
    Ok(())
}

fn to_convention(m: convention::Model) -> Result<Convention, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("convention {}: {what}", m.id));
    let territory: Territory =
        serde_json::from_value(m.territory.clone()).map_err(|_| corrupt("territory"))?;
    Ok(Convention {
        id: m.id,
        fund_id: m.fund_id,
        partner_id: m.partner_id,
        number: ConventionNumber::parse(&m.number).map_err(|_| corrupt("number"))?,
        signed_on: m.signed_on,
        term: Term {
            effective_from: m.effective_from,
            term_months: u8::try_from(m.term_months).map_err(|_| corrupt("term_months"))?,
            tacit_renewal: m.tacit_renewal,
            notice_months: u8::try_from(m.notice_months).map_err(|_| corrupt("notice_months"))?,
        },
        status: ConventionStatus::parse(&m.status).map_err(|_| corrupt("status"))?,
        management_mode: ManagementMode::parse(&m.management_mode)
            .map_err(|_| corrupt("management_mode"))?,
        mission: m.mission,
        territory,
        status_reason: m.status_reason,
    })
}
