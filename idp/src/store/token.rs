//! Storage of authorization codes, refresh tokens and revoked access tokens. Codes and tokens
//! are stored only as SHA-256 hashes; single use is enforced by conditional updates, so two
//! nodes racing on one code or refresh token cannot both win.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use time::OffsetDateTime;

use super::entity::{
    access_token_revocation, account, authorization_code, refresh_token, user_session,
};
use super::{Conn, StoreError};
use crate::account::Account;
use crate::oidc::grant::{Authentication, CodeGrant, RefreshGrant, Session};

/// Stores a new code.
pub async fn insert_code(
    db: &impl Conn,
    now: OffsetDateTime,
    c: &CodeGrant,
) -> Result<(), StoreError> {
    authorization_code::ActiveModel {
        code_hash: Set(c.code_hash.clone()),
        client_id: Set(c.client_id),
        account_id: Set(c.account_id),
        session_id: Set(c.session_id.clone()),
        redirect_uri: Set(c.redirect_uri.clone()),
        scope: Set(c.scope.clone()),
        nonce: Set(c.nonce.clone()),
        code_challenge: Set(c.code_challenge.clone()),
        code_challenge_method: Set("S256".to_owned()),
        auth_time: Set(c.authentication.auth_time),
        acr: Set(c.authentication.acr.clone()),
        amr: Set(serde_json::json!(c.authentication.amr)),
        created_at: Set(now),
        expires_at: Set(c.expires_at),
        consumed_at: Set(None),
        access_token_jti: Set(None),
        access_token_expires_at: Set(None),
    }
    .insert(db.c())
    .await?;
    Ok(())
}

/// A code by hash.
pub async fn code(db: &impl Conn, code_hash: &str) -> Result<Option<CodeGrant>, StoreError> {
    authorization_code::Entity::find_by_id(code_hash.to_owned())
        .one(db.c())
        .await?
        .map(to_code)
        .transpose()
}

/// A code by hash, with its account and its session row when sessions live in the database,
/// in one query: every code exchange needs the three.
pub async fn code_with_session(
    db: &impl Conn,
    code_hash: &str,
) -> Result<Option<(CodeGrant, Option<Account>, Option<Session>)>, StoreError> {
    let Some((c, a, s)) = authorization_code::Entity::find_by_id(code_hash.to_owned())
        .find_also_related(account::Entity)
        .find_also_related(user_session::Entity)
        .one(db.c())
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((
        to_code(c)?,
        a.map(super::account::to_account).transpose()?,
        s.map(super::session::to_session).transpose()?,
    )))
}

/// Marks a code used, once: true for the first caller only. `access` is the access token
/// issued from it (jti, expiry), recorded in the same statement so that a replay revokes it.
pub async fn consume_code(
    db: &impl Conn,
    code_hash: &str,
    now: OffsetDateTime,
    access: Option<(&str, OffsetDateTime)>,
) -> Result<bool, StoreError> {
    let mut update = authorization_code::Entity::update_many()
        .col_expr(authorization_code::Column::ConsumedAt, Expr::value(now));
    if let Some((jti, expires_at)) = access {
        update = update
            .col_expr(authorization_code::Column::AccessTokenJti, Expr::value(jti))
            .col_expr(
                authorization_code::Column::AccessTokenExpiresAt,
                Expr::value(expires_at),
            );
    }
    let done = update
        .filter(authorization_code::Column::CodeHash.eq(code_hash))
        .filter(authorization_code::Column::ConsumedAt.is_null())
        .exec(db.c())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Stores a new refresh token; returns its id.
pub async fn insert_refresh(db: &impl Conn, r: &RefreshGrant) -> Result<i64, StoreError> {
    let (jti, jti_exp) = match &r.access_token {
        Some((j, e)) => (Some(j.clone()), Some(*e)),
        None => (None, None),
    };
    let row = refresh_token::ActiveModel {
        token_hash: Set(r.token_hash.clone()),
        family_id: Set(r.family_id.clone()),
        parent_id: Set(r.parent_id),
        client_id: Set(r.client_id),
        account_id: Set(r.account_id),
        session_id: Set(r.session_id.clone()),
        scope: Set(r.scope.clone()),
        auth_time: Set(r.authentication.auth_time),
        acr: Set(r.authentication.acr.clone()),
        amr: Set(serde_json::json!(r.authentication.amr)),
        issued_at: Set(r.issued_at),
        expires_at: Set(r.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        revocation_reason: Set(None),
        code_hash: Set(r.code_hash.clone()),
        access_token_jti: Set(jti),
        access_token_expires_at: Set(jti_exp),
        ..Default::default()
    }
    .insert(db.c())
    .await?;
    Ok(row.id)
}

/// A refresh token by hash.
pub async fn refresh(db: &impl Conn, token_hash: &str) -> Result<Option<RefreshGrant>, StoreError> {
    refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(db.c())
        .await?
        .map(to_refresh)
        .transpose()
}

/// Marks a refresh token exchanged, once: true for the first caller only.
pub async fn use_refresh(db: &impl Conn, id: i64, now: OffsetDateTime) -> Result<bool, StoreError> {
    let done = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db.c())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Which refresh tokens to revoke.
#[derive(Debug, Clone, Copy)]
pub enum RefreshScope<'a> {
    /// One token.
    Id(i64),
    /// A rotation family.
    Family(&'a str),
    /// Every token issued from a code.
    Code(&'a str),
    /// Every token of a session.
    Session(&'a str),
    /// Every token of an account.
    Account(i64),
    /// Every token of an account at one client.
    AccountClient(i64, i64),
}

/// Revokes the tokens not yet revoked in `scope`; returns the access tokens issued with them
/// (jti, expiry) so that they can be revoked too.
pub async fn revoke_refresh(
    db: &impl Conn,
    scope: RefreshScope<'_>,
    now: OffsetDateTime,
    reason: &str,
) -> Result<Vec<(String, OffsetDateTime)>, StoreError> {
    let filter = match scope {
        RefreshScope::Id(id) => refresh_token::Column::Id.eq(id),
        RefreshScope::Family(f) => refresh_token::Column::FamilyId.eq(f),
        RefreshScope::Code(c) => refresh_token::Column::CodeHash.eq(c),
        RefreshScope::Session(s) => refresh_token::Column::SessionId.eq(s),
        RefreshScope::Account(a) => refresh_token::Column::AccountId.eq(a),
        RefreshScope::AccountClient(a, c) => refresh_token::Column::AccountId
            .eq(a)
            .and(refresh_token::Column::ClientId.eq(c)),
    };
    let access: Vec<(Option<String>, Option<OffsetDateTime>)> = refresh_token::Entity::find()
        .select_only()
        .column(refresh_token::Column::AccessTokenJti)
        .column(refresh_token::Column::AccessTokenExpiresAt)
        .filter(filter.clone())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::AccessTokenExpiresAt.gt(now))
        .into_tuple()
        .all(db.c())
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .col_expr(refresh_token::Column::RevocationReason, Expr::value(reason))
        .filter(filter)
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db.c())
        .await?;
    Ok(access
        .into_iter()
        .filter_map(|(j, e)| Some((j?, e?)))
        .collect())
}

/// Revokes an access token by `jti` until it expires (idempotent).
pub async fn revoke_access(
    db: &impl Conn,
    jti: &str,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    access_token_revocation::Entity::insert(access_token_revocation::ActiveModel {
        jti: Set(jti.to_owned()),
        expires_at: Set(expires_at),
    })
    .on_conflict_do_nothing()
    .exec(db.c())
    .await?;
    Ok(())
}

/// Records the single use of `key` (a client assertion's `jti`) until `expires_at`, in the table
/// of revoked token ids; false when it was already used. One statement: of two concurrent uses,
/// exactly one is the first.
pub async fn first_use(
    db: &impl Conn,
    key: &str,
    expires_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let inserted = access_token_revocation::Entity::insert(access_token_revocation::ActiveModel {
        jti: Set(key.to_owned()),
        expires_at: Set(expires_at),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db.c())
    .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(1)))
}

/// Whether an access token was revoked.
pub async fn is_access_revoked(db: &impl Conn, jti: &str) -> Result<bool, StoreError> {
    Ok(access_token_revocation::Entity::find_by_id(jti.to_owned())
        .one(db.c())
        .await?
        .is_some())
}

/// Deletes codes expired for a day (kept that long so that a replay is still recognised and
/// revokes what the code issued) and revocation marks of expired tokens; returns the count.
pub async fn purge_expired(db: &impl Conn, now: OffsetDateTime) -> Result<u64, StoreError> {
    let codes = authorization_code::Entity::delete_many()
        .filter(authorization_code::Column::ExpiresAt.lt(now - time::Duration::days(1)))
        .exec(db.c())
        .await?
        .rows_affected;
    let revocations = access_token_revocation::Entity::delete_many()
        .filter(access_token_revocation::Column::ExpiresAt.lt(now))
        .exec(db.c())
        .await?
        .rows_affected;
    Ok(codes + revocations)
}

fn amr(v: serde_json::Value, what: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_value(v).map_err(|_| StoreError::Corrupt(format!("{what}: amr")))
}

fn to_code(m: authorization_code::Model) -> Result<CodeGrant, StoreError> {
    Ok(CodeGrant {
        authentication: Authentication {
            auth_time: m.auth_time,
            acr: m.acr,
            amr: amr(m.amr, "authorization code")?,
        },
        code_hash: m.code_hash,
        client_id: m.client_id,
        account_id: m.account_id,
        session_id: m.session_id,
        redirect_uri: m.redirect_uri,
        scope: m.scope,
        nonce: m.nonce,
        code_challenge: m.code_challenge,
        expires_at: m.expires_at,
        consumed_at: m.consumed_at,
        access_token: m.access_token_jti.zip(m.access_token_expires_at),
    })
}

fn to_refresh(m: refresh_token::Model) -> Result<RefreshGrant, StoreError> {
    Ok(RefreshGrant {
        authentication: Authentication {
            auth_time: m.auth_time,
            acr: m.acr,
            amr: amr(m.amr, "refresh token")?,
        },
        id: m.id,
        token_hash: m.token_hash,
        family_id: m.family_id,
        parent_id: m.parent_id,
        client_id: m.client_id,
        account_id: m.account_id,
        session_id: m.session_id,
        scope: m.scope,
        issued_at: m.issued_at,
        expires_at: m.expires_at,
        used_at: m.used_at,
        revoked_at: m.revoked_at,
        code_hash: m.code_hash,
        access_token: m.access_token_jti.zip(m.access_token_expires_at),
    })
}
