//! The web console under `/console`: the daily tool of fund operators, partner administrators
//! and agents (issue "Web console"). Server-rendered (askama), French first with English,
//! usable without JavaScript.
//!
//! The console is an OpenID Connect client of Habilis itself (`habilis-console`, public, PKCE):
//! `/console/login` sends the browser through the normal authorization endpoint — password,
//! second factor as the fund's policy requires, forced password change — and
//! `/console/callback` exchanges the code with the same [`Issuer`] the token endpoint uses. The
//! console then acts within that login session: a request is served only when the session is
//! live (idle and absolute time-outs are the provider's, moved by each console request) and
//! the console's client obtained tokens in it. Nothing is kept on the node: the session is the
//! provider's (database or Redis), the login flow's state is in a short-lived cookie.
//!
//! Every page handler is thin: it parses the form, asks [`crate::authz::decide`] through the
//! same helpers as the admin API, calls one domain function and renders the result or the
//! refusal in plain language next to the field. Forms carry a CSRF token derived from the
//! session cookie (a forging site can neither read the cookie nor compute the token).

mod auth;
mod fund;
mod home;
pub(crate) mod i18n;
mod located;
mod me;
mod page;
mod partner;
mod review;
mod traces;
mod usage;

use axum::Router;

use crate::state::AppState;

pub(crate) use auth::Console;
pub(crate) use page::problems;

/// The console's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(home::routes())
        .merge(me::routes())
        .merge(fund::routes())
        .merge(partner::routes())
}
