//! Storage of credentials: the password of an account (an Argon2id PHC string, never the
//! password itself).

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use time::OffsetDateTime;

use super::entity::password_credential;
use super::{Conn, StoreError, Tx};

/// A stored password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassword {
    /// The PHC string.
    pub hash: String,
    /// Whether it is a temporary password to change at first login.
    pub is_temporary: bool,
    /// When a temporary password stops working.
    pub expires_at: Option<OffsetDateTime>,
}

/// Sets the password of a new account.
pub async fn insert_password(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    password: &StoredPassword,
) -> Result<(), StoreError> {
    password_credential::ActiveModel {
        account_id: Set(account_id),
        hash: Set(password.hash.clone()),
        is_temporary: Set(password.is_temporary),
        expires_at: Set(password.expires_at),
        changed_at: Set(now),
        created_at: Set(now),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// The password of an account, if it has one.
pub async fn password_of(
    db: &impl Conn,
    account_id: i64,
) -> Result<Option<StoredPassword>, StoreError> {
    Ok(password_credential::Entity::find_by_id(account_id)
        .one(db.c())
        .await?
        .map(|m| StoredPassword {
            hash: m.hash,
            is_temporary: m.is_temporary,
            expires_at: m.expires_at,
        }))
}

/// Replaces the password of an account (a reset).
pub async fn replace_password(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    password: &StoredPassword,
) -> Result<(), StoreError> {
    password_credential::ActiveModel {
        account_id: Set(account_id),
        hash: Set(password.hash.clone()),
        is_temporary: Set(password.is_temporary),
        expires_at: Set(password.expires_at),
        changed_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}
