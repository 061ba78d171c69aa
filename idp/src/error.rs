//! What every domain error tells its caller, so that each edge (HTTP, CLI) maps all of them
//! the same way, once: a kind (which decides the HTTP status), a stable machine code, and a
//! French message for the pages (the English one is `Display`).

/// The broad class of a domain error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is invalid; the user can correct it (HTTP 400).
    Invalid,
    /// The object does not exist, or the caller may not know it does (HTTP 404).
    NotFound,
    /// The request conflicts with the current state: duplicate, quota reached, wrong status
    /// (HTTP 409).
    Conflict,
    /// The caller may not do this (HTTP 403).
    Forbidden,
    /// A dependency is down; try again later (HTTP 503).
    Unavailable,
    /// A bug or a corrupt store; the cause goes to the logs only (HTTP 500).
    Internal,
}

/// Implemented by every domain error enum.
pub trait UserError: std::error::Error {
    /// The class of error.
    fn kind(&self) -> ErrorKind;
    /// A stable machine code, e.g. `quota.exceeded`.
    fn code(&self) -> &'static str;
    /// The message in French (the pages speak French first).
    fn message_fr(&self) -> String;
}

/// Maps a storage error: duplicates and references are conflicts; the rest is internal.
pub fn store_kind(e: &crate::store::StoreError) -> ErrorKind {
    use crate::store::StoreError;
    match e {
        StoreError::Duplicate(_) | StoreError::Reference(_) => ErrorKind::Conflict,
        StoreError::Corrupt(_) | StoreError::Db(_) => ErrorKind::Internal,
        StoreError::Redis(_) | StoreError::Unavailable(_) => ErrorKind::Unavailable,
    }
}
