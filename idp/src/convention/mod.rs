//! Conventions between a fund and a partner: number, lifecycle (draft → active →
//! suspended/terminated), management mode and term (one year, tacitly renewed, 3 months'
//! notice — 002 art. 17).
//!
//! The modules listed here are pure rules; storage and audit live elsewhere.

pub mod lifecycle;
pub mod number;
