//! Errors of the directory-sync crate, one enum per concern: names ([`DnError`]), the layout of
//! the desired state ([`LayoutError`]) and talking to the directory ([`DirectoryError`]).
//!
//! Invariant: every [`DirectoryError`] says whether retrying can help
//! ([`DirectoryError::is_transient`]), so the caller's outbox loop knows whether to back off and
//! retry or to report the row as failed.

use std::path::PathBuf;

/// A distinguished name or attribute type that does not follow RFC 4514 / RFC 4512.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnError {
    /// The attribute type is empty or is neither a descriptor (`cn`) nor a numeric OID.
    #[error("invalid attribute type {0:?}: expected a name like `cn` or a numeric OID")]
    InvalidAttrName(String),
    /// A relative distinguished name has no `=` between its type and its value.
    #[error("invalid DN {dn:?}: component {component:?} has no `=`")]
    MissingEquals {
        /// The whole DN as given.
        dn: String,
        /// The offending component.
        component: String,
    },
    /// A backslash is followed by something that is neither a special character nor two hex digits.
    #[error("invalid DN {0:?}: bad escape sequence")]
    BadEscape(String),
    /// The escaped bytes of a value are not UTF-8.
    #[error("invalid DN {0:?}: a value is not UTF-8")]
    NotUtf8(String),
    /// The DN has an empty component (`a=b,,c=d`) or an empty RDN value where one is needed.
    #[error("invalid DN {0:?}: empty component")]
    EmptyComponent(String),
}

/// The desired state cannot be laid out as directory entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// A field that names an entry or is mandatory in the LDAP schema is empty.
    #[error("{entity} {key:?}: field `{field}` must not be empty")]
    EmptyField {
        /// The kind of input (`fund`, `partner`, `account`, `group`, `role group`).
        entity: &'static str,
        /// The identifier of the offending input.
        key: String,
        /// The empty field.
        field: &'static str,
    },
    /// An account, group or role group refers to a fund or partner that is not in the input.
    #[error("{entity} {key:?} refers to unknown {missing}")]
    UnknownParent {
        /// The kind of input that holds the reference.
        entity: &'static str,
        /// The identifier of the offending input.
        key: String,
        /// The fund or partner that is missing.
        missing: String,
    },
    /// Two inputs map to the same directory entry (same DN, compared case-insensitively).
    #[error("two entries share the DN {0}")]
    DuplicateDn(String),
    /// The configured base DN is not a valid DN.
    #[error("invalid base DN: {0}")]
    BaseDn(#[from] DnError),
}

/// Talking to the directory failed.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The server could not be reached, the connection dropped, an operation timed out or the
    /// server said it is busy or unavailable: retry later with [`crate::backoff::Backoff`].
    #[error("directory unavailable during {operation}: {detail}")]
    Transient {
        /// What was being done (`connect`, `bind`, `add <dn>`, …).
        operation: String,
        /// The underlying error.
        detail: String,
    },
    /// The server refused the operation for a reason retrying will not fix (schema violation,
    /// missing parent, access rights): fix the data or the configuration.
    #[error("directory refused {operation}: {detail}")]
    Permanent {
        /// What was being done.
        operation: String,
        /// The LDAP result code, when the server sent one.
        rc: Option<u32>,
        /// The server's diagnostic or the client error.
        detail: String,
    },
    /// The bind DN or its secret was refused (RFC 4511 `invalidCredentials`): fix the configuration.
    #[error("bind as {bind_dn} refused: {detail}")]
    Bind {
        /// The configured bind DN.
        bind_dn: String,
        /// The server's diagnostic.
        detail: String,
    },
    /// The TLS trust anchors in `tls_ca_file` could not be loaded.
    #[error("cannot load the CA file {path}: {detail}")]
    TlsCa {
        /// The configured file.
        path: PathBuf,
        /// Why it failed.
        detail: String,
    },
    /// The configuration is inconsistent (for example a `pool_size` of zero).
    #[error("invalid directory configuration: {0}")]
    Config(String),
    /// The server returned an entry whose DN cannot be parsed.
    #[error("the directory returned an invalid DN: {0}")]
    InvalidDn(#[from] DnError),
}

impl DirectoryError {
    /// True when retrying later may succeed (connection, timeout, busy); the outbox row stays
    /// pending. False when the row needs a human (schema, rights, configuration).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}
