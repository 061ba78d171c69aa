//! Habilis: a delegated-habilitation identity provider.
//!
//! Modules in reading order: configuration and plumbing, the domain (who may do what to
//! which access, and the trace of it), storage, then the edges (HTTP and the command line).
//! See ARCHITECTURE.md for the map and the rules between modules.

pub mod clock;
pub mod config;
pub mod error;
mod macros;
pub mod redact;
pub mod secret;

pub mod mail;
pub mod redis;

pub mod territory;

pub mod actor;
pub mod audit;

pub mod access_request;
pub mod account;
pub mod authz;
pub mod convention;
pub mod delegation;
pub mod fund;
pub mod group;
pub mod habilitation;
pub mod listing;
pub mod partner;
pub mod quota;
pub mod review;
pub mod service;
pub mod stats;
pub mod subscription;
pub mod supervision;

pub mod oidc;

pub mod demo;
pub mod directory;
pub mod dormant;
pub mod store;

pub mod app;
pub mod cli;
pub mod state;
pub mod web;

#[cfg(test)]
mod testing;
