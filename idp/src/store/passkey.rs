//! Storage of passkeys (`webauthn_credential`: the public key and counter webauthn-rs keeps, as
//! JSON, never a secret) and of the ceremonies in progress (`webauthn_ceremony`: the state
//! between the options sent to the browser and its answer).

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use time::OffsetDateTime;

use super::entity::{webauthn_ceremony, webauthn_credential};
use super::{Conn, StoreError, Tx};

/// A stored passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// Surrogate key (what the self-service page names).
    pub id: i64,
    /// The owner.
    pub account_id: i64,
    /// The credential id, base64url.
    pub credential_id: String,
    /// The webauthn-rs `Passkey` (public key, counter, flags), as JSON.
    pub passkey: Value,
    /// The name its owner gave it.
    pub label: String,
    /// Registration.
    pub created_at: OffsetDateTime,
    /// Last login with it.
    pub last_used_at: Option<OffsetDateTime>,
}

fn stored(m: webauthn_credential::Model) -> StoredPasskey {
    StoredPasskey {
        id: m.id,
        account_id: m.account_id,
        credential_id: m.credential_id,
        passkey: m.passkey,
        label: m.label,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
    }
}

/// The passkeys of an account, oldest first.
pub async fn of_account(db: &impl Conn, account_id: i64) -> Result<Vec<StoredPasskey>, StoreError> {
    Ok(webauthn_credential::Entity::find()
        .filter(webauthn_credential::Column::AccountId.eq(account_id))
        .order_by_asc(webauthn_credential::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(stored)
        .collect())
}

/// How many passkeys an account has.
pub async fn count_of(db: &impl Conn, account_id: i64) -> Result<u64, StoreError> {
    Ok(webauthn_credential::Entity::find()
        .filter(webauthn_credential::Column::AccountId.eq(account_id))
        .count(db.c())
        .await?)
}

/// Registers a passkey; [`StoreError::Duplicate`] when the credential id is already registered
/// (to this or any other account).
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    credential_id: &str,
    passkey: Value,
    label: &str,
) -> Result<i64, StoreError> {
    let m = webauthn_credential::ActiveModel {
        account_id: Set(account_id),
        credential_id: Set(credential_id.to_owned()),
        passkey: Set(passkey),
        label: Set(label.to_owned()),
        created_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(m.id)
}

/// Records a login with a passkey: its updated state (counter, backup flags) and the time.
pub async fn record_use(
    db: &impl Conn,
    now: OffsetDateTime,
    id: i64,
    passkey: Value,
) -> Result<(), StoreError> {
    webauthn_credential::ActiveModel {
        id: sea_orm::Unchanged(id),
        passkey: Set(passkey),
        last_used_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db.c())
    .await?;
    Ok(())
}

/// Renames a passkey of this account; `false` when the account has no such passkey.
pub async fn rename(tx: &Tx, account_id: i64, id: i64, label: &str) -> Result<bool, StoreError> {
    let r = webauthn_credential::Entity::update_many()
        .col_expr(
            webauthn_credential::Column::Label,
            sea_orm::sea_query::Expr::value(label.to_owned()),
        )
        .filter(webauthn_credential::Column::Id.eq(id))
        .filter(webauthn_credential::Column::AccountId.eq(account_id))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected == 1)
}

/// Removes a passkey of this account and returns it; `None` when the account has no such
/// passkey (another account's id included).
pub async fn delete(
    tx: &Tx,
    account_id: i64,
    id: i64,
) -> Result<Option<StoredPasskey>, StoreError> {
    let Some(m) = webauthn_credential::Entity::find_by_id(id)
        .filter(webauthn_credential::Column::AccountId.eq(account_id))
        .one(tx.c())
        .await?
    else {
        return Ok(None);
    };
    let r = webauthn_credential::Entity::delete_by_id(id)
        .exec(tx.c())
        .await?;
    Ok((r.rows_affected == 1).then(|| stored(m)))
}

/// Removes every passkey of an account (an administrator's reset); how many there were.
pub async fn delete_all_of(tx: &Tx, account_id: i64) -> Result<u64, StoreError> {
    let r = webauthn_credential::Entity::delete_many()
        .filter(webauthn_credential::Column::AccountId.eq(account_id))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected)
}

// --- Ceremonies -------------------------------------------------------------------------------

/// A ceremony in progress, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCeremony {
    /// The account it is for.
    pub account_id: i64,
    /// The webauthn-rs state.
    pub state: Value,
    /// After this, the answer is refused.
    pub expires_at: OffsetDateTime,
}

/// Starts a ceremony under `key`, replacing any earlier one under the same key (a page shown
/// again starts a new challenge; the old one can no longer finish).
pub async fn put_ceremony(
    db: &impl Conn,
    now: OffsetDateTime,
    key: &str,
    purpose: &str,
    c: &StoredCeremony,
) -> Result<(), StoreError> {
    webauthn_ceremony::Entity::insert(webauthn_ceremony::ActiveModel {
        key: Set(key.to_owned()),
        purpose: Set(purpose.to_owned()),
        account_id: Set(c.account_id),
        state: Set(c.state.clone()),
        created_at: Set(now),
        expires_at: Set(c.expires_at),
    })
    .on_conflict(
        OnConflict::column(webauthn_ceremony::Column::Key)
            .update_columns([
                webauthn_ceremony::Column::Purpose,
                webauthn_ceremony::Column::AccountId,
                webauthn_ceremony::Column::State,
                webauthn_ceremony::Column::CreatedAt,
                webauthn_ceremony::Column::ExpiresAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db.c())
    .await?;
    Ok(())
}

/// Takes the ceremony under `key` for `purpose`: reads and deletes it in one write transaction
/// (the row locked on PostgreSQL, the `IMMEDIATE` transaction on SQLite), so that an answer
/// finishes a ceremony at most once, even on two nodes at the same time.
pub async fn take_ceremony(
    tx: &Tx,
    key: &str,
    purpose: &str,
) -> Result<Option<StoredCeremony>, StoreError> {
    let Some(m) = webauthn_ceremony::Entity::find_by_id(key.to_owned())
        .filter(webauthn_ceremony::Column::Purpose.eq(purpose))
        .lock_exclusive()
        .one(tx.c())
        .await?
    else {
        return Ok(None);
    };
    webauthn_ceremony::Entity::delete_by_id(key.to_owned())
        .exec(tx.c())
        .await?;
    Ok(Some(StoredCeremony {
        account_id: m.account_id,
        state: m.state,
        expires_at: m.expires_at,
    }))
}

/// Deletes the ceremonies that expired before `now` (housekeeping); how many.
pub async fn purge_ceremonies(db: &impl Conn, now: OffsetDateTime) -> Result<u64, StoreError> {
    let r = webauthn_ceremony::Entity::delete_many()
        .filter(webauthn_ceremony::Column::ExpiresAt.lt(now))
        .exec(db.c())
        .await?;
    Ok(r.rows_affected)
}
