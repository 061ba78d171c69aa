//! Storage of logins in progress, pushed authorization requests and consents.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use time::OffsetDateTime;

use super::entity::{auth_interaction, consent, oidc_client, par_request};
use super::{Conn, StoreError};
use crate::oidc::client::Client;

/// A login in progress, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInteraction {
    /// SHA-256 of the interaction id.
    pub id: String,
    /// Internal id of the client.
    pub client_id: i64,
    /// The validated request (JSON).
    pub request: Value,
    /// SHA-256 of the binding cookie.
    pub binding_hash: String,
    /// The step reached.
    pub step: String,
    /// The account, once known.
    pub account_id: Option<i64>,
    /// Methods used so far.
    pub amr: Vec<String>,
    /// When the first factor passed.
    pub auth_time: Option<OffsetDateTime>,
    /// Creation.
    pub created_at: OffsetDateTime,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

/// Stores a new interaction.
pub async fn insert(db: &impl Conn, i: &StoredInteraction) -> Result<(), StoreError> {
    let _turn = db.single_write_turn().await?;
    auth_interaction::ActiveModel {
        id: Set(i.id.clone()),
        client_id: Set(i.client_id),
        request: Set(i.request.clone()),
        binding_hash: Set(i.binding_hash.clone()),
        step: Set(i.step.clone()),
        account_id: Set(i.account_id),
        amr: Set(serde_json::json!(i.amr)),
        auth_time: Set(i.auth_time),
        created_at: Set(i.created_at),
        expires_at: Set(i.expires_at),
    }
    .insert(db.c())
    .await?;
    Ok(())
}

/// An interaction and its client, in one query (every login page and form reads both).
pub async fn with_client(
    db: &impl Conn,
    id: &str,
) -> Result<Option<(StoredInteraction, Option<Client>)>, StoreError> {
    let Some((m, client)) = auth_interaction::Entity::find_by_id(id.to_owned())
        .find_also_related(oidc_client::Entity)
        .one(db.c())
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((
        to_interaction(m)?,
        client.map(super::client::to_client).transpose()?,
    )))
}

fn to_interaction(m: auth_interaction::Model) -> Result<StoredInteraction, StoreError> {
    let amr = serde_json::from_value(m.amr)
        .map_err(|_| StoreError::Corrupt("auth interaction: amr".into()))?;
    Ok(StoredInteraction {
        id: m.id,
        client_id: m.client_id,
        request: m.request,
        binding_hash: m.binding_hash,
        step: m.step,
        account_id: m.account_id,
        amr,
        auth_time: m.auth_time,
        created_at: m.created_at,
        expires_at: m.expires_at,
    })
}

/// Moves an interaction to `step`, with what is known so far.
pub async fn advance(
    db: &impl Conn,
    id: &str,
    step: &str,
    account_id: Option<i64>,
    amr: &[String],
    auth_time: Option<OffsetDateTime>,
) -> Result<(), StoreError> {
    let _turn = db.single_write_turn().await?;
    auth_interaction::Entity::update_many()
        .col_expr(auth_interaction::Column::Step, Expr::value(step))
        .col_expr(auth_interaction::Column::AccountId, Expr::value(account_id))
        .col_expr(
            auth_interaction::Column::Amr,
            Expr::value(serde_json::json!(amr)),
        )
        .col_expr(auth_interaction::Column::AuthTime, Expr::value(auth_time))
        .filter(auth_interaction::Column::Id.eq(id))
        .exec(db.c())
        .await?;
    Ok(())
}

/// Deletes an interaction; true when this call deleted it (so only one request completes it).
pub async fn delete(db: &impl Conn, id: &str) -> Result<bool, StoreError> {
    let _turn = db.single_write_turn().await?;
    let done = auth_interaction::Entity::delete_many()
        .filter(auth_interaction::Column::Id.eq(id))
        .exec(db.c())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Deletes expired interactions and pushed requests.
pub async fn purge_expired(db: &impl Conn, now: OffsetDateTime) -> Result<u64, StoreError> {
    let a = auth_interaction::Entity::delete_many()
        .filter(auth_interaction::Column::ExpiresAt.lt(now))
        .exec(db.c())
        .await?
        .rows_affected;
    let b = par_request::Entity::delete_many()
        .filter(par_request::Column::ExpiresAt.lt(now))
        .exec(db.c())
        .await?
        .rows_affected;
    Ok(a + b)
}

/// Stores a pushed authorization request.
pub async fn insert_par(
    db: &impl Conn,
    request_uri: &str,
    client_id: i64,
    parameters: Value,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    let _turn = db.single_write_turn().await?;
    par_request::ActiveModel {
        request_uri: Set(request_uri.to_owned()),
        client_id: Set(client_id),
        parameters: Set(parameters),
        expires_at: Set(expires_at),
    }
    .insert(db.c())
    .await?;
    Ok(())
}

/// Takes a pushed request (it is used once): its client and parameters, if it exists and has
/// not expired.
pub async fn take_par(
    db: &impl Conn,
    request_uri: &str,
    now: OffsetDateTime,
) -> Result<Option<(i64, Value)>, StoreError> {
    let _turn = db.single_write_turn().await?;
    let Some(m) = par_request::Entity::find_by_id(request_uri.to_owned())
        .one(db.c())
        .await?
    else {
        return Ok(None);
    };
    let deleted = par_request::Entity::delete_many()
        .filter(par_request::Column::RequestUri.eq(request_uri))
        .exec(db.c())
        .await?
        .rows_affected;
    Ok((deleted == 1 && m.expires_at > now).then_some((m.client_id, m.parameters)))
}

/// The scopes an account consented to for a client.
pub async fn consent(
    db: &impl Conn,
    account_id: i64,
    client_id: i64,
) -> Result<Vec<String>, StoreError> {
    let Some(m) = consent::Entity::find_by_id((account_id, client_id))
        .one(db.c())
        .await?
    else {
        return Ok(Vec::new());
    };
    serde_json::from_value(m.scopes).map_err(|_| StoreError::Corrupt("consent: scopes".into()))
}

/// Records the scopes an account consented to for a client.
pub async fn set_consent(
    db: &impl Conn,
    account_id: i64,
    client_id: i64,
    scopes: &[String],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let _turn = db.single_write_turn().await?;
    consent::Entity::insert(consent::ActiveModel {
        account_id: Set(account_id),
        client_id: Set(client_id),
        scopes: Set(serde_json::json!(scopes)),
        granted_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([consent::Column::AccountId, consent::Column::ClientId])
            .update_columns([consent::Column::Scopes, consent::Column::GrantedAt])
            .to_owned(),
    )
    .exec(db.c())
    .await?;
    Ok(())
}
