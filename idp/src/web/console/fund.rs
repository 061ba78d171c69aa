//! The fund's pages for its operators: dashboard, partners and units, conventions and their
//! lifecycle, subscriptions and quotas, administrators, management mode, supervision, access
//! requests. Every action calls the same operation as the admin API.

mod partners;

use axum::Router;

use crate::state::AppState;

/// The words of these pages (see `console::i18n`).
pub(crate) const WORDS: &[super::i18n::Entry] = &[
    // Fund: partners.
    ("partners.title", "Partenaires", "Partners"),
    (
        "partners.filters",
        "Filtrer les partenaires",
        "Filter partners",
    ),
    (
        "partners.search.hint",
        "Nom ou numéro de tiers",
        "Name or third-party number",
    ),
    ("partners.number", "Numéro de tiers", "Third-party number"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new().merge(partners::routes())
}
