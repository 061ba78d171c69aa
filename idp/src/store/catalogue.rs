//! Storage of the catalogue: funds, services and their roles.

use std::collections::BTreeSet;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;

use super::entity::{fund, service, service_role};
use super::{Conn, StoreError, Tx};
use crate::fund::{Fund, FundCode, FundKind, LoginPolicy, NewFund};
use crate::service::{NewService, RequiredAttribute, RoleCode, Service, ServiceCode, ServiceRole};
use crate::territory::DepartementCode;

/// Inserts a fund.
pub async fn insert_fund(tx: &Tx, now: OffsetDateTime, new: &NewFund) -> Result<Fund, StoreError> {
    let codes: Vec<&str> = new
        .departements
        .iter()
        .map(DepartementCode::as_str)
        .collect();
    let m = fund::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(new.name.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        departements: Set(serde_json::json!(codes)),
        login_policy: Set(new.login_policy.as_str().to_owned()),
        mfa_policy: Set("admins".to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_fund(m)
}

/// The fund with this code.
pub async fn fund_by_code(db: &impl Conn, code: &FundCode) -> Result<Option<Fund>, StoreError> {
    fund::Entity::find()
        .filter(fund::Column::Code.eq(code.as_str()))
        .one(db.c())
        .await?
        .map(to_fund)
        .transpose()
}

/// The fund with this id.
pub async fn fund_by_id(db: &impl Conn, id: i64) -> Result<Option<Fund>, StoreError> {
    fund::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_fund)
        .transpose()
}

/// Every fund, by code.
pub async fn funds(db: &impl Conn) -> Result<Vec<Fund>, StoreError> {
    fund::Entity::find()
        .order_by_asc(fund::Column::Code)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_fund)
        .collect()
}

fn to_fund(m: fund::Model) -> Result<Fund, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("fund {}: {what}", m.id));
    let departements: BTreeSet<DepartementCode> =
        serde_json::from_value(m.departements.clone()).map_err(|_| corrupt("departements"))?;
    Ok(Fund {
        id: m.id,
        code: FundCode::parse(&m.code).map_err(|_| corrupt("code"))?,
        kind: FundKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        login_policy: LoginPolicy::parse(&m.login_policy).ok_or_else(|| corrupt("login_policy"))?,
        departements,
        name: m.name,
    })
}

/// Inserts a service and its roles.
pub async fn insert_service(
    tx: &Tx,
    now: OffsetDateTime,
    fund_id: i64,
    new: &NewService,
) -> Result<Service, StoreError> {
    let s = service::ActiveModel {
        fund_id: Set(fund_id),
        code: Set(new.code.as_str().to_owned()),
        name: Set(new.name.clone()),
        description: Set(new.description.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    let mut roles = Vec::with_capacity(new.roles.len());
    for r in &new.roles {
        let m = service_role::ActiveModel {
            service_id: Set(s.id),
            code: Set(r.code.as_str().to_owned()),
            label: Set(r.label.clone()),
            required_attribute: Set(r.required_attribute.as_ref().map(|a| a.key.clone())),
            required_attribute_label: Set(r.required_attribute.as_ref().map(|a| a.label.clone())),
            ..Default::default()
        }
        .insert(tx.c())
        .await?;
        roles.push(m);
    }
    to_service(s, roles)
}

/// A fund's service by code.
pub async fn service_by_code(
    db: &impl Conn,
    fund_id: i64,
    code: &ServiceCode,
) -> Result<Option<Service>, StoreError> {
    let Some(s) = service::Entity::find()
        .filter(service::Column::FundId.eq(fund_id))
        .filter(service::Column::Code.eq(code.as_str()))
        .one(db.c())
        .await?
    else {
        return Ok(None);
    };
    let roles = roles_of(db, s.id).await?;
    to_service(s, roles).map(Some)
}

/// A service by id.
pub async fn service_by_id(db: &impl Conn, id: i64) -> Result<Option<Service>, StoreError> {
    let Some(s) = service::Entity::find_by_id(id).one(db.c()).await? else {
        return Ok(None);
    };
    let roles = roles_of(db, s.id).await?;
    to_service(s, roles).map(Some)
}

/// A fund's services, by code.
pub async fn services_of_fund(db: &impl Conn, fund_id: i64) -> Result<Vec<Service>, StoreError> {
    let services = service::Entity::find()
        .filter(service::Column::FundId.eq(fund_id))
        .order_by_asc(service::Column::Code)
        .all(db.c())
        .await?;
    let mut out = Vec::with_capacity(services.len());
    for s in services {
        let roles = roles_of(db, s.id).await?;
        out.push(to_service(s, roles)?);
    }
    Ok(out)
}

async fn roles_of(db: &impl Conn, service_id: i64) -> Result<Vec<service_role::Model>, StoreError> {
    Ok(service_role::Entity::find()
        .filter(service_role::Column::ServiceId.eq(service_id))
        .order_by_asc(service_role::Column::Id)
        .all(db.c())
        .await?)
}

fn to_service(s: service::Model, roles: Vec<service_role::Model>) -> Result<Service, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("service {}: {what}", s.id));
    let roles = roles
        .into_iter()
        .map(|r| {
            Ok(ServiceRole {
                id: r.id,
                code: RoleCode::parse(&r.code).map_err(|_| corrupt("role code"))?,
                label: r.label,
                required_attribute: r.required_attribute.map(|key| RequiredAttribute {
                    label: r.required_attribute_label.unwrap_or_else(|| key.clone()),
                    key,
                }),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Service {
        id: s.id,
        fund_id: s.fund_id,
        code: ServiceCode::parse(&s.code).map_err(|_| corrupt("code"))?,
        name: s.name,
        description: s.description,
        roles,
    })
}
