//! Storage errors, classified so that the domain can tell a user something useful.

use sea_orm::{DbErr, SqlErr};

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint refused the write (e.g. a login or a number already taken).
    #[error("already exists: {0}")]
    Duplicate(String),
    /// A foreign key refused the write (the referenced row does not exist or is still used).
    #[error("refers to something missing or still in use: {0}")]
    Reference(String),
    /// A stored value could not be read back into a domain type (corrupt or hand-edited row).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database failure (connection lost, timeout, SQL error).
    #[error("database error: {0}")]
    Db(DbErr),
    /// Redis, where sessions live when it is configured, failed.
    #[error("redis error: {0}")]
    Redis(String),
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        // The error's kind and detail only: a connection error may otherwise echo the URL.
        Self::Redis(format!(
            "{:?}: {}",
            e.kind(),
            e.detail().unwrap_or("no detail")
        ))
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => Self::Duplicate(m),
            Some(SqlErr::ForeignKeyConstraintViolation(m)) => Self::Reference(m),
            _ => Self::Db(e),
        }
    }
}
