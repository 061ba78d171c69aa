//! Storage of partners and units.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;

use super::entity::{partner, unit};
use super::{Conn, StoreError, Tx};
use crate::account::email::Email;
use crate::partner::ids::{Siret, ThirdPartyNumber};
use crate::partner::{NewPartner, Partner, PartnerKind, PartnerStatus, Unit};

/// Inserts a partner (active).
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    fund_id: i64,
    new: &NewPartner,
) -> Result<Partner, StoreError> {
    let m = partner::ActiveModel {
        fund_id: Set(fund_id),
        third_party_number: Set(new.third_party_number.as_str().to_owned()),
        siret: Set(new.siret.as_ref().map(|s| s.as_str().to_owned())),
        name: Set(new.name.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        status: Set(PartnerStatus::Active.as_str().to_owned()),
        email: Set(new.email.as_ref().map(|e| e.as_str().to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_partner(m)
}

/// Updates the fields the fund's register owns (name, SIRET, kind, e-mail).
pub async fn update_register_fields(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    new: &NewPartner,
) -> Result<(), StoreError> {
    partner::ActiveModel {
        id: Set(id),
        siret: Set(new.siret.as_ref().map(|s| s.as_str().to_owned())),
        name: Set(new.name.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        email: Set(new.email.as_ref().map(|e| e.as_str().to_owned())),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Sets a partner's status (active or suspended).
pub async fn set_status(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    status: PartnerStatus,
) -> Result<(), StoreError> {
    partner::ActiveModel {
        id: Set(id),
        status: Set(status.as_str().to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// The fund's partner with this number.
pub async fn by_number(
    db: &impl Conn,
    fund_id: i64,
    number: &ThirdPartyNumber,
) -> Result<Option<Partner>, StoreError> {
    partner::Entity::find()
        .filter(partner::Column::FundId.eq(fund_id))
        .filter(partner::Column::ThirdPartyNumber.eq(number.as_str()))
        .one(db.c())
        .await?
        .map(to_partner)
        .transpose()
}

/// A partner by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Partner>, StoreError> {
    partner::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_partner)
        .transpose()
}

/// A partner and, when `unit_id` names one of its units, that unit — in one query in the
/// usual case (what the `habilitations` claim needs at every token and userinfo answer).
pub async fn with_unit(
    db: &impl Conn,
    partner_id: i64,
    unit_id: Option<i64>,
) -> Result<Option<(Partner, Option<Unit>)>, StoreError> {
    if let Some(unit_id) = unit_id
        && let Some((u, Some(p))) = unit::Entity::find_by_id(unit_id)
            .filter(unit::Column::PartnerId.eq(partner_id))
            .find_also_related(partner::Entity)
            .one(db.c())
            .await?
    {
        return Ok(Some((to_partner(p)?, Some(to_unit(u)?))));
    }
    Ok(by_id(db, partner_id).await?.map(|p| (p, None)))
}

/// The fund's partners, by number.
pub async fn of_fund(db: &impl Conn, fund_id: i64) -> Result<Vec<Partner>, StoreError> {
    partner::Entity::find()
        .filter(partner::Column::FundId.eq(fund_id))
        .order_by_asc(partner::Column::ThirdPartyNumber)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_partner)
        .collect()
}

fn to_partner(m: partner::Model) -> Result<Partner, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("partner {}: {what}", m.id));
    Ok(Partner {
        id: m.id,
        fund_id: m.fund_id,
        third_party_number: ThirdPartyNumber::parse(&m.third_party_number)
            .map_err(|_| corrupt("third_party_number"))?,
        siret: m
            .siret
            .as_deref()
            .map(Siret::parse)
            .transpose()
            .map_err(|_| corrupt("siret"))?,
        kind: PartnerKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        status: PartnerStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        email: m
            .email
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|_| corrupt("email"))?,
        name: m.name,
    })
}

/// Inserts a unit.
pub async fn insert_unit(
    tx: &Tx,
    now: OffsetDateTime,
    partner_id: i64,
    code: &str,
    name: &str,
    siret: Option<&Siret>,
) -> Result<Unit, StoreError> {
    let m = unit::ActiveModel {
        partner_id: Set(partner_id),
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        siret: Set(siret.map(|s| s.as_str().to_owned())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_unit(m)
}

/// A unit by id.
pub async fn unit_by_id(db: &impl Conn, id: i64) -> Result<Option<Unit>, StoreError> {
    unit::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_unit)
        .transpose()
}

/// A partner's units, by code.
pub async fn units_of(db: &impl Conn, partner_id: i64) -> Result<Vec<Unit>, StoreError> {
    unit::Entity::find()
        .filter(unit::Column::PartnerId.eq(partner_id))
        .order_by_asc(unit::Column::Code)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_unit)
        .collect()
}

fn to_unit(m: unit::Model) -> Result<Unit, StoreError> {
    let siret = m
        .siret
        .as_deref()
        .map(Siret::parse)
        .transpose()
        .map_err(|_| StoreError::Corrupt(format!("unit {}: siret", m.id)))?;
    Ok(Unit {
        id: m.id,
        partner_id: m.partner_id,
        code: m.code,
        name: m.name,
        siret,
    })
}
