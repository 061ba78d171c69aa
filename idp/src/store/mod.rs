//! Storage: the only module that uses sea-orm. It connects (SQLite pragmas or PostgreSQL), runs
//! the migrations, and offers one function per query, grouped by aggregate. Entities
//! (`store::entity`) never leave this module: functions return domain types.
//!
//! Invariant-bearing writes run in one transaction opened with [`Db::begin_write`], which is
//! `BEGIN IMMEDIATE` on SQLite (writers queue instead of failing mid-transaction) and a normal
//! transaction on PostgreSQL, where the functions lock what they read (`SELECT … FOR UPDATE`).

pub mod access_request;
pub mod account;
pub mod admin_role;
pub mod audit;
pub mod backchannel;
pub mod cache_generation;
pub mod catalogue;
pub mod client;
mod connect;
pub mod convention;
pub mod credential;
pub mod directory;
pub mod dormant;
#[allow(
    dead_code,
    reason = "entities of features still to come (OIDC protocol, reviews, statistics) are not read yet"
)]
pub(crate) mod entity;
mod error;
pub mod group;
pub mod habilitation;
pub mod interaction;
pub mod listing;
pub mod outbox;
pub mod partner;
pub mod passkey;
pub mod review;
pub mod session;
pub mod signing_key;
pub mod stats;
pub mod subscription;
pub mod token;

pub use connect::{Backend, Conn, Db, Tx, WriteTurn};
pub use error::StoreError;
