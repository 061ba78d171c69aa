//! Storage of browser sessions in the database (the default session store) and of the clients
//! that received tokens within a session (whatever the session store).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};
use time::OffsetDateTime;

use super::entity::{access_token_revocation, account, oidc_client, session_client, user_session};
use super::{Conn, StoreError};
use crate::account::Account;
use crate::oidc::grant::{Authentication, Session};

/// Stores a new session.
pub async fn insert(db: &impl Conn, s: &Session) -> Result<(), StoreError> {
    user_session::ActiveModel {
        id: Set(s.id.clone()),
        account_id: Set(s.account_id),
        created_at: Set(s.created_at),
        last_seen_at: Set(s.last_seen_at),
        idle_expires_at: Set(s.idle_expires_at),
        absolute_expires_at: Set(s.absolute_expires_at),
        auth_time: Set(s.authentication.auth_time),
        acr: Set(s.authentication.acr.clone()),
        amr: Set(serde_json::json!(s.authentication.amr)),
        source_ip: Set(None),
        user_agent: Set(None),
        ended_at: Set(s.ended_at),
        end_reason: Set(None),
    }
    .insert(db.c())
    .await?;
    Ok(())
}

/// A session by id.
pub async fn by_id(db: &impl Conn, id: &str) -> Result<Option<Session>, StoreError> {
    user_session::Entity::find_by_id(id.to_owned())
        .one(db.c())
        .await?
        .map(to_session)
        .transpose()
}

/// A session by id with its account, in one query.
pub async fn with_account(
    db: &impl Conn,
    id: &str,
) -> Result<Option<(Session, Option<Account>)>, StoreError> {
    session_with_account(db, id, None).await
}

/// Like [`with_account`], but none when the access token `jti` was revoked: the check of a
/// person's access token (introspection, userinfo) in one query instead of two.
pub async fn with_account_unless_revoked(
    db: &impl Conn,
    id: &str,
    jti: &str,
) -> Result<Option<(Session, Option<Account>)>, StoreError> {
    session_with_account(db, id, Some(jti)).await
}

/// The session `id` and its account, unless the access token `unrevoked` (if given) was
/// revoked.
async fn session_with_account(
    db: &impl Conn,
    id: &str,
    unrevoked: Option<&str>,
) -> Result<Option<(Session, Option<Account>)>, StoreError> {
    let mut query = user_session::Entity::find_by_id(id.to_owned());
    if let Some(jti) = unrevoked {
        let revoked = Query::select()
            .expr(Expr::val(1))
            .from(access_token_revocation::Entity)
            .and_where(access_token_revocation::Column::Jti.eq(jti))
            .to_owned();
        query = query.filter(Expr::exists(revoked).not());
    }
    let Some((s, a)) = query.find_also_related(account::Entity).one(db.c()).await? else {
        return Ok(None);
    };
    Ok(Some((
        to_session(s)?,
        a.map(super::account::to_account).transpose()?,
    )))
}

/// Moves the idle deadline of a live session; false when it is no longer live.
pub async fn touch(
    db: &impl Conn,
    id: &str,
    now: OffsetDateTime,
    idle_expires_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = user_session::Entity::update_many()
        .col_expr(user_session::Column::LastSeenAt, Expr::value(now))
        .col_expr(
            user_session::Column::IdleExpiresAt,
            Expr::value(idle_expires_at),
        )
        .filter(user_session::Column::Id.eq(id))
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::IdleExpiresAt.gt(now))
        .filter(user_session::Column::AbsoluteExpiresAt.gt(now))
        .exec(db.c())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Moves the idle deadline of a live session and returns it (one statement); `None` when it
/// is no longer live.
pub async fn touch_returning(
    db: &impl Conn,
    id: &str,
    now: OffsetDateTime,
    idle_expires_at: OffsetDateTime,
) -> Result<Option<Session>, StoreError> {
    user_session::Entity::update_many()
        .col_expr(user_session::Column::LastSeenAt, Expr::value(now))
        .col_expr(
            user_session::Column::IdleExpiresAt,
            Expr::value(idle_expires_at),
        )
        .filter(user_session::Column::Id.eq(id))
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::IdleExpiresAt.gt(now))
        .filter(user_session::Column::AbsoluteExpiresAt.gt(now))
        .exec_with_returning(db.c())
        .await?
        .into_iter()
        .next()
        .map(to_session)
        .transpose()
}

/// Ends a session; false when it had already ended.
pub async fn end(
    db: &impl Conn,
    id: &str,
    now: OffsetDateTime,
    reason: &str,
) -> Result<bool, StoreError> {
    let done = user_session::Entity::update_many()
        .col_expr(user_session::Column::EndedAt, Expr::value(now))
        .col_expr(user_session::Column::EndReason, Expr::value(reason))
        .filter(user_session::Column::Id.eq(id))
        .filter(user_session::Column::EndedAt.is_null())
        .exec(db.c())
        .await?;
    Ok(done.rows_affected == 1)
}

/// The sessions of an account that have not been ended.
pub async fn open_of_account(db: &impl Conn, account_id: i64) -> Result<Vec<Session>, StoreError> {
    user_session::Entity::find()
        .filter(user_session::Column::AccountId.eq(account_id))
        .filter(user_session::Column::EndedAt.is_null())
        .all(db.c())
        .await?
        .into_iter()
        .map(to_session)
        .collect()
}

/// Records that `client_id` received tokens within the session (idempotent).
pub async fn add_client(
    db: &impl Conn,
    session_id: &str,
    client_id: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    session_client::Entity::insert(session_client::ActiveModel {
        session_id: Set(session_id.to_owned()),
        client_id: Set(client_id),
        first_seen_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec(db.c())
    .await?;
    Ok(())
}

/// The clients that received tokens within the session.
pub async fn clients_of(db: &impl Conn, session_id: &str) -> Result<Vec<i64>, StoreError> {
    Ok(session_client::Entity::find()
        .select_only()
        .column(session_client::Column::ClientId)
        .filter(session_client::Column::SessionId.eq(session_id))
        .into_tuple()
        .all(db.c())
        .await?)
}

/// Whether the client `client_id` (its public identifier) is enabled and received tokens in
/// session `session_id` — in one query, asked at every page of the console.
pub async fn used_enabled_client(
    db: &impl Conn,
    session_id: &str,
    client_id: &str,
) -> Result<bool, StoreError> {
    let n = session_client::Entity::find()
        .filter(session_client::Column::SessionId.eq(session_id))
        .filter(
            session_client::Column::ClientId.in_subquery(
                Query::select()
                    .column(oidc_client::Column::Id)
                    .from(oidc_client::Entity)
                    .and_where(oidc_client::Column::ClientId.eq(client_id))
                    .and_where(oidc_client::Column::Enabled.eq(true))
                    .to_owned(),
            ),
        )
        .count(db.c())
        .await?;
    Ok(n > 0)
}

pub(super) fn to_session(m: user_session::Model) -> Result<Session, StoreError> {
    let amr = serde_json::from_value(m.amr)
        .map_err(|_| StoreError::Corrupt(format!("session {}: amr", m.id)))?;
    Ok(Session {
        id: m.id,
        account_id: m.account_id,
        authentication: Authentication {
            auth_time: m.auth_time,
            acr: m.acr,
            amr,
        },
        created_at: m.created_at,
        last_seen_at: m.last_seen_at,
        idle_expires_at: m.idle_expires_at,
        absolute_expires_at: m.absolute_expires_at,
        ended_at: m.ended_at,
    })
}
