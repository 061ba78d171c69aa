//! Storage of OIDC clients (relying parties). Only the secret's hash is ever written.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait, Set,
};
use time::OffsetDateTime;

use super::entity::{oidc_client, service};
use super::{Conn, StoreError, Tx};
use crate::oidc::client::{Client, ClientAuth, ClientId, GrantType, RedirectUri, SubjectType};
use crate::oidc::keys::SigningAlg;

/// Inserts a client; returns it with its id.
pub async fn insert(tx: &Tx, c: &Client) -> Result<Client, StoreError> {
    let m = oidc_client::ActiveModel {
        client_id: Set(c.client_id.as_str().to_owned()),
        service_id: Set(c.service_id),
        name: Set(c.name.clone()),
        secret_hash: Set(c.secret_hash.clone()),
        token_endpoint_auth_method: Set(c.auth.as_str().to_owned()),
        redirect_uris: Set(json(&c.redirect_uris)),
        post_logout_redirect_uris: Set(json(&c.post_logout_redirect_uris)),
        backchannel_logout_uri: Set(c
            .backchannel_logout_uri
            .as_ref()
            .map(|u| u.as_str().to_owned())),
        grant_types: Set(json(&c.grant_types)),
        scopes: Set(json(&c.scopes)),
        require_par: Set(c.require_par),
        consent_required: Set(c.consent_required),
        signing_alg: Set(c.signing_alg.as_str().to_owned()),
        subject_type: Set(match &c.subject_type {
            SubjectType::Public => "public",
            SubjectType::Pairwise(_) => "pairwise",
        }
        .to_owned()),
        sector_identifier: Set(match &c.subject_type {
            SubjectType::Public => None,
            SubjectType::Pairwise(s) => Some(s.clone()),
        }),
        jwks: Set(c.jwks.clone()),
        userinfo_signed: Set(c.userinfo_signed),
        enabled: Set(c.enabled),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_client(m)
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// The client with this client id.
pub async fn by_client_id(db: &impl Conn, id: &ClientId) -> Result<Option<Client>, StoreError> {
    oidc_client::Entity::find()
        .filter(oidc_client::Column::ClientId.eq(id.as_str()))
        .one(db.c())
        .await?
        .map(to_client)
        .transpose()
}

/// The clients of a fund's services (or all clients), by client id.
pub async fn list(db: &impl Conn, fund_id: Option<i64>) -> Result<Vec<Client>, StoreError> {
    let mut q = oidc_client::Entity::find();
    if let Some(fund_id) = fund_id {
        q = q
            .join(JoinType::InnerJoin, oidc_client::Relation::Service.def())
            .filter(service::Column::FundId.eq(fund_id));
    }
    q.order_by_asc(oidc_client::Column::ClientId)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_client)
        .collect()
}

/// The fund of a client's service (`None` for a first-party client).
pub async fn fund_of(db: &impl Conn, c: &Client) -> Result<Option<i64>, StoreError> {
    let Some(service_id) = c.service_id else {
        return Ok(None);
    };
    Ok(service::Entity::find_by_id(service_id)
        .one(db.c())
        .await?
        .map(|s| s.fund_id))
}

/// Replaces the secret hash.
pub async fn set_secret_hash(
    tx: &Tx,
    id: i64,
    hash: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    oidc_client::ActiveModel {
        id: Set(id),
        secret_hash: Set(Some(hash.to_owned())),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Replaces a client's redirect and post-logout redirect URIs.
pub async fn set_redirect_uris(
    tx: &Tx,
    id: i64,
    redirect: &[RedirectUri],
    after_logout: &[RedirectUri],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    oidc_client::ActiveModel {
        id: Set(id),
        redirect_uris: Set(json(&redirect)),
        post_logout_redirect_uris: Set(json(&after_logout)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Enables or disables a client.
pub async fn set_enabled(
    tx: &Tx,
    id: i64,
    enabled: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    oidc_client::ActiveModel {
        id: Set(id),
        enabled: Set(enabled),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// The distinct signing algorithms of enabled clients.
pub async fn signing_algs(db: &impl Conn) -> Result<Vec<SigningAlg>, StoreError> {
    let names: Vec<String> = oidc_client::Entity::find()
        .select_only()
        .column(oidc_client::Column::SigningAlg)
        .filter(oidc_client::Column::Enabled.eq(true))
        .distinct()
        .into_tuple()
        .all(db.c())
        .await?;
    names
        .iter()
        .map(|n| {
            SigningAlg::parse(n)
                .map_err(|_| StoreError::Corrupt(format!("oidc_client.signing_alg {n:?}")))
        })
        .collect()
}

pub(super) fn to_client(m: oidc_client::Model) -> Result<Client, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("oidc client {}: {what}", m.id));
    let uris = |v: &serde_json::Value, what: &str| -> Result<Vec<RedirectUri>, StoreError> {
        serde_json::from_value(v.clone()).map_err(|_| corrupt(what))
    };
    Ok(Client {
        id: m.id,
        client_id: ClientId::parse(&m.client_id).map_err(|_| corrupt("client_id"))?,
        service_id: m.service_id,
        auth: ClientAuth::parse(&m.token_endpoint_auth_method)
            .ok_or_else(|| corrupt("token_endpoint_auth_method"))?,
        secret_hash: m.secret_hash.clone(),
        redirect_uris: uris(&m.redirect_uris, "redirect_uris")?,
        post_logout_redirect_uris: uris(&m.post_logout_redirect_uris, "post_logout_redirect_uris")?,
        backchannel_logout_uri: m
            .backchannel_logout_uri
            .as_deref()
            .map(RedirectUri::parse)
            .transpose()
            .map_err(|_| corrupt("backchannel_logout_uri"))?,
        grant_types: serde_json::from_value::<Vec<GrantType>>(m.grant_types.clone())
            .map_err(|_| corrupt("grant_types"))?,
        scopes: serde_json::from_value(m.scopes.clone()).map_err(|_| corrupt("scopes"))?,
        consent_required: m.consent_required,
        signing_alg: SigningAlg::parse(&m.signing_alg).map_err(|_| corrupt("signing_alg"))?,
        require_par: m.require_par,
        subject_type: match (m.subject_type.as_str(), &m.sector_identifier) {
            ("public", _) => SubjectType::Public,
            ("pairwise", Some(sector)) => SubjectType::Pairwise(sector.clone()),
            _ => return Err(corrupt("subject_type")),
        },
        jwks: m.jwks.clone(),
        userinfo_signed: m.userinfo_signed,
        enabled: m.enabled,
        created_at: m.created_at,
        updated_at: m.updated_at,
        name: m.name,
    })
}

/// The client with this internal id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Client>, StoreError> {
    oidc_client::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_client)
        .transpose()
}

/// The clients of a service.
pub async fn of_service(db: &impl Conn, service_id: i64) -> Result<Vec<Client>, StoreError> {
    oidc_client::Entity::find()
        .filter(oidc_client::Column::ServiceId.eq(service_id))
        .all(db.c())
        .await?
        .into_iter()
        .map(to_client)
        .collect()
}
