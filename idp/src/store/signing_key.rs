//! Storage of token-signing keys. Rows hold the public JWK in clear and the private key
//! encrypted (the store never sees it in clear); states are derived by `oidc::keys`.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::signing_key;
use super::{Conn, StoreError, Tx};
use crate::oidc::keys::{PublicJwk, SigningAlg, StoredKey};

/// Inserts a key.
pub async fn insert(tx: &Tx, key: &StoredKey) -> Result<(), StoreError> {
    let jwk = serde_json::to_value(&key.public_jwk)
        .map_err(|e| StoreError::Corrupt(format!("signing key {}: {e}", key.kid)))?;
    signing_key::ActiveModel {
        kid: Set(key.kid.clone()),
        alg: Set(key.alg.as_str().to_owned()),
        private_key_encrypted: Set(key.private_key_encrypted.clone()),
        public_jwk: Set(jwk),
        created_at: Set(key.created_at),
        not_before: Set(key.not_before),
        retired_at: Set(key.retired_at),
        expires_at: Set(key.expires_at),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Marks a key retired at `at`, published until `expires_at`.
pub async fn retire(
    tx: &Tx,
    kid: &str,
    at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    signing_key::Entity::update_many()
        .col_expr(signing_key::Column::RetiredAt, at.into())
        .col_expr(signing_key::Column::ExpiresAt, expires_at.into())
        .filter(signing_key::Column::Kid.eq(kid))
        .filter(signing_key::Column::RetiredAt.is_null())
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Moves a key's `not_before` (a forced promotion: it signs from `at`).
pub async fn set_not_before(tx: &Tx, kid: &str, at: OffsetDateTime) -> Result<(), StoreError> {
    signing_key::Entity::update_many()
        .col_expr(signing_key::Column::NotBefore, at.into())
        .filter(signing_key::Column::Kid.eq(kid))
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Every key, oldest first (by creation, then `not_before`, then `kid`: the order that
/// decides which key is current). Sorted here rather than in SQL, where SQLite would compare
/// timestamps as text.
pub async fn all(db: &impl Conn) -> Result<Vec<StoredKey>, StoreError> {
    let mut keys = signing_key::Entity::find()
        .all(db.c())
        .await?
        .into_iter()
        .map(to_key)
        .collect::<Result<Vec<_>, _>>()?;
    keys.sort_by(|a, b| {
        (a.created_at, a.not_before, &a.kid).cmp(&(b.created_at, b.not_before, &b.kid))
    });
    Ok(keys)
}

/// A cheap fingerprint of the key set: each key id and whether it is retired. Keys are only
/// ever inserted or retired, so any change shows here.
pub async fn version(db: &impl Conn) -> Result<Vec<(String, bool)>, StoreError> {
    let rows: Vec<(String, Option<OffsetDateTime>)> = signing_key::Entity::find()
        .select_only()
        .column(signing_key::Column::Kid)
        .column(signing_key::Column::RetiredAt)
        .order_by_asc(signing_key::Column::Kid)
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(kid, retired)| (kid, retired.is_some()))
        .collect())
}

fn to_key(m: signing_key::Model) -> Result<StoredKey, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("signing key {}: {what}", m.kid));
    let alg = SigningAlg::parse(&m.alg).map_err(|_| corrupt("alg"))?;
    let public_jwk: PublicJwk =
        serde_json::from_value(m.public_jwk.clone()).map_err(|_| corrupt("public_jwk"))?;
    if public_jwk.kid != m.kid || public_jwk.alg != alg {
        return Err(corrupt("public_jwk does not match its row"));
    }
    Ok(StoredKey {
        kid: m.kid,
        alg,
        private_key_encrypted: m.private_key_encrypted,
        public_jwk,
        created_at: m.created_at,
        not_before: m.not_before,
        retired_at: m.retired_at,
        expires_at: m.expires_at,
    })
}
