//! Storage of administrative roles: fund operators, the principal and deputy administrators
//! of partners, and their delegated managers (with their scope, stored as JSON). Revoked rows are kept (revoked_at, by, reason) for history; partial unique
//! indexes keep one active principal and one active deputy per partner.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;

use super::entity::admin_role;
use super::{Conn, StoreError, Tx};

/// An active administrative role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRoleRow {
    /// Row id.
    pub id: i64,
    /// The account holding it.
    pub account_id: i64,
    /// `fund_operator`, `principal_admin`, `deputy_admin` or `delegated_manager`.
    pub kind: String,
    /// When it was granted.
    pub granted_at: OffsetDateTime,
    /// The fund (fund operators).
    pub fund_id: Option<i64>,
    /// The partner (every other kind).
    pub partner_id: Option<i64>,
    /// A delegated manager's scope, as stored.
    pub scope: Option<serde_json::Value>,
    /// Whether a delegated manager may appoint managers in turn.
    pub may_delegate: bool,
}

/// Gives an account the role of delegated manager of a partner, with its scope.
pub async fn insert_manager(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    partner_id: i64,
    scope: serde_json::Value,
    may_delegate: bool,
    granted_by: Option<i64>,
) -> Result<i64, StoreError> {
    let m = admin_role::ActiveModel {
        account_id: Set(account_id),
        kind: Set("delegated_manager".to_owned()),
        fund_id: Set(None),
        partner_id: Set(Some(partner_id)),
        scope: Set(Some(scope)),
        may_delegate: Set(may_delegate),
        granted_by: Set(granted_by),
        granted_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(m.id)
}

/// An active role by id.
pub async fn active_by_id(db: &impl Conn, id: i64) -> Result<Option<AdminRoleRow>, StoreError> {
    Ok(admin_role::Entity::find_by_id(id)
        .filter(admin_role::Column::RevokedAt.is_null())
        .one(db.c())
        .await?
        .map(row))
}

/// Makes an account a fund operator.
pub async fn insert_fund_operator(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    fund_id: i64,
    granted_by: Option<i64>,
) -> Result<i64, StoreError> {
    let m = admin_role::ActiveModel {
        account_id: Set(account_id),
        kind: Set("fund_operator".to_owned()),
        fund_id: Set(Some(fund_id)),
        partner_id: Set(None),
        scope: Set(None),
        may_delegate: Set(false),
        granted_by: Set(granted_by),
        granted_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(m.id)
}

/// Gives an account a partner role of `kind`.
pub async fn insert_partner_role(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    partner_id: i64,
    kind: &str,
    granted_by: Option<i64>,
) -> Result<i64, StoreError> {
    let m = admin_role::ActiveModel {
        account_id: Set(account_id),
        kind: Set(kind.to_owned()),
        fund_id: Set(None),
        partner_id: Set(Some(partner_id)),
        scope: Set(None),
        may_delegate: Set(false),
        granted_by: Set(granted_by),
        granted_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(m.id)
}

/// The active partner roles of a partner (all kinds), oldest first.
pub async fn active_of_partner(
    db: &impl Conn,
    partner_id: i64,
) -> Result<Vec<AdminRoleRow>, StoreError> {
    Ok(admin_role::Entity::find()
        .filter(admin_role::Column::PartnerId.eq(partner_id))
        .filter(admin_role::Column::RevokedAt.is_null())
        .order_by_asc(admin_role::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// The active roles of an account (all kinds), oldest first.
pub async fn active_of_account(
    db: &impl Conn,
    account_id: i64,
) -> Result<Vec<AdminRoleRow>, StoreError> {
    Ok(admin_role::Entity::find()
        .filter(admin_role::Column::AccountId.eq(account_id))
        .filter(admin_role::Column::RevokedAt.is_null())
        .order_by_asc(admin_role::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// Revokes a role, keeping the row.
pub async fn revoke(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<(), StoreError> {
    admin_role::Entity::update_many()
        .col_expr(admin_role::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(admin_role::Column::RevokedBy, Expr::value(by))
        .col_expr(
            admin_role::Column::RevocationReason,
            Expr::value(Some(reason.to_owned())),
        )
        .filter(admin_role::Column::Id.eq(id))
        .filter(admin_role::Column::RevokedAt.is_null())
        .exec(tx.c())
        .await?;
    Ok(())
}

fn row(m: admin_role::Model) -> AdminRoleRow {
    AdminRoleRow {
        id: m.id,
        account_id: m.account_id,
        kind: m.kind,
        granted_at: m.granted_at,
        fund_id: m.fund_id,
        partner_id: m.partner_id,
        scope: m.scope,
        may_delegate: m.may_delegate,
    }
}
