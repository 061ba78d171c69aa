//! Integration tests of the `idp` binary and server: the command line as an operator types it,
//! and the HTTP server started on a random port and spoken to over HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test harness helpers: a failure must stop the test loudly"
)]

mod accounts;
mod admin_api;
mod cli;
mod cli_delegation;
mod cli_review;
mod console;
mod console_fund;
mod console_partner;
mod console_review;
mod console_traces;
mod demo;
mod directory;
mod http;
mod jwks;
mod login_leak;
mod login_mfa;
mod login_password;
mod oidc;
mod oidc_clients;
mod passkeys;
mod review;
mod soft_authenticator;
mod unavailable;
