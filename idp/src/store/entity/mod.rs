//! sea-orm entities, one file per table, mirroring the migrations of the `migrations` crate.
//!
//! Owns the Rust view of the schema and nothing else: no query, no rule. Invariants:
//! - Every table created by the migrations has exactly one entity here, with the same columns
//!   and types (`tests.rs` proves it by writing and reading a row through each one).
//! - Entities never leave `store`: store functions convert them to domain types, and no entity
//!   derives `Serialize`.
//! - Status and kind columns are plain `String`s; the store maps them to domain enums.
//! - Generated columns (`usage_monthly.partner_key`, `service_key`, `usage_user_month.service_key`)
//!   are read-only: always leave them `NotSet`.

// m20260101_000002_create_catalogue
pub(crate) mod cache_generation;
pub(crate) mod fund;
pub(crate) mod oidc_client;
pub(crate) mod service;
pub(crate) mod service_role;

// m20260101_000003_create_partners
pub(crate) mod convention;
pub(crate) mod partner;
pub(crate) mod role_quota;
pub(crate) mod subscription;
pub(crate) mod unit;

// m20260101_000004_create_accounts
pub(crate) mod account;
pub(crate) mod account_group;
pub(crate) mod admin_role;
pub(crate) mod group_membership;
pub(crate) mod login_throttle;
pub(crate) mod password_credential;
pub(crate) mod password_reset;
pub(crate) mod recovery_code;
pub(crate) mod totp_credential;
pub(crate) mod webauthn_credential;

// m20260101_000005_create_habilitations
pub(crate) mod habilitation;

// m20260101_000006_create_requests_and_reviews
pub(crate) mod access_request;
pub(crate) mod partner_review;
pub(crate) mod review_attestation;
pub(crate) mod review_campaign;
pub(crate) mod review_item;

// m20260101_000007_create_protocol
pub(crate) mod access_token_revocation;
pub(crate) mod authorization_code;
pub(crate) mod consent;
pub(crate) mod par_request;
pub(crate) mod rate_limit_bucket;
pub(crate) mod refresh_token;
pub(crate) mod session_client;
pub(crate) mod signing_key;
pub(crate) mod user_session;

// m20260101_000008_create_directory_and_stats
pub(crate) mod audit_seal;
pub(crate) mod directory_outbox;

// m20260101_000009_oidc_flows
pub(crate) mod auth_interaction;
pub(crate) mod backchannel_logout;
pub(crate) mod usage_monthly;
pub(crate) mod usage_user_month;

#[cfg(test)]
mod tests;

// m20260101_000001_create_audit_event
pub(crate) mod audit_event;
pub(crate) mod audit_head;

// m20260101_000010_accounts_credentials
pub(crate) mod fund_credential_policy;
// m20260101_000011_delegation
pub(crate) mod notification;
// m20260101_000012_retention
pub(crate) mod usage_cursor;

// m20260101_000014_review_campaigns
pub(crate) mod audit_verification;
pub(crate) mod review_reminder;
// m20260101_000015_webauthn_ceremony
pub(crate) mod webauthn_ceremony;
