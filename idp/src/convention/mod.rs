//! Conventions between a fund and a partner: number, lifecycle (draft → active →
//! suspended/terminated), management mode and term (one year, tacitly renewed, 3 months'
//! notice — 002 art. 17).
//!
//! `lifecycle` and `number` are pure rules; `manage` applies them over the store, with traces.

pub mod lifecycle;
pub mod manage;
pub mod number;

pub use manage::{
    Convention, ConventionError, LifecycleOutcome, NewConvention, apply, create, find, list,
};
