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
    /// The database or Redis cannot be reached right now (connection refused or lost, pool
    /// exhausted or closed): the request may succeed later (HTTP 503).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether the failure is the storage being unreachable, not the request or the data.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Whether a database error means the database cannot be reached (rather than a refused
/// statement or bad data).
fn unreachable(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                // PostgreSQL: connection exceptions (class 08) and a server shutting down or
                // starting (57P01-57P03).
                Sqlx::Database(d) => d
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        // The error's kind and detail only: a connection error may otherwise echo the URL.
        let text = format!("{:?}: {}", e.kind(), e.detail().unwrap_or("no detail"));
        if e.is_io_error()
            || e.is_connection_refusal()
            || e.is_timeout()
            || e.is_connection_dropped()
        {
            Self::Unavailable(format!("redis {text}"))
        } else {
            Self::Redis(text)
        }
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => Self::Duplicate(m),
            Some(SqlErr::ForeignKeyConstraintViolation(m)) => Self::Reference(m),
            _ if unreachable(&e) => Self::Unavailable(e.to_string()),
            _ => Self::Db(e),
        }
    }
}
