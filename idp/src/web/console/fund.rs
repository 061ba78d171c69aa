//! The fund's pages for its operators: dashboard, partners and units, conventions and their
//! lifecycle, subscriptions and quotas, administrators, management mode, access requests.
//! Every action calls the same operation as the admin API (`web::api::{partners, register,
//! requests}::*_as`), which asks `authz::decide` and then one domain function.

mod campaigns;
mod confirm;
mod conventions;
mod dashboard;
mod partners;
mod requests;
mod supervision;
mod traces;
mod words;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::page::{FieldError, failed, refusal};
use crate::authz::{self, At};
use crate::convention::Convention;
use crate::partner::Partner;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::ApiError;
use crate::web::api::partners::seen_partner;
use crate::web::api::register::seen_convention;

/// The words of these pages (see `console::i18n`).
pub(crate) const WORDS: &[super::i18n::Entry] = words::WORDS;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .merge(dashboard::routes())
        .merge(campaigns::routes())
        .merge(partners::routes())
        .merge(conventions::routes())
        .merge(requests::routes())
        .merge(supervision::routes())
        .merge(traces::routes())
}

/// The funds the person operates; the "forbidden" page for anyone else.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, built once on a rare path"
)]
fn operated(console: &Console) -> Result<Vec<i64>, Response> {
    let funds: Vec<i64> = console
        .caller
        .principal
        .operated_funds()
        .into_iter()
        .collect();
    if funds.is_empty() {
        return Err(failed(&authz::Denied::Forbidden(
            "only fund operators see this page",
        )));
    }
    Ok(funds)
}

/// Partner `id` for an operator of its fund. Anyone else — another fund's operator, the
/// partner's own administrators — gets the not-found page: the fund's pages of a partner are
/// not even shown to exist outside its fund.
async fn operated_partner(
    app: &AppState,
    console: &Console,
    id: i64,
) -> Result<(Partner, At), Response> {
    let (partner, at) = seen_partner(app, &console.caller, id)
        .await
        .map_err(IntoResponse::into_response)?;
    if !console
        .caller
        .principal
        .operated_funds()
        .contains(&at.fund_id)
    {
        return Err(WebError::NotFound.into_response());
    }
    Ok((partner, at))
}

/// Convention `id` with its partner, for an operator of its fund (else not found).
async fn operated_convention(
    app: &AppState,
    console: &Console,
    id: i64,
) -> Result<(Convention, Partner, At), Response> {
    let (c, partner, at) = seen_convention(app, &console.caller, id)
        .await
        .map_err(IntoResponse::into_response)?;
    if !console
        .caller
        .principal
        .operated_funds()
        .contains(&at.fund_id)
    {
        return Err(WebError::NotFound.into_response());
    }
    Ok((c, partner, at))
}

/// After a successful POST: back to the object's page with its notice (`done.*` key).
fn done(path: &str, key: &str) -> Response {
    Redirect::to(&format!("{path}?done={key}")).into_response()
}

/// A date as `YYYY-MM-DD` (the pages' machine format, also put in `<time datetime>`).
fn iso(d: time::Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The field a refusal concerns: the first of `fields` (code prefix, field id) whose prefix
/// starts the code, else `default`.
fn field_for(e: &ApiError, fields: &[(&str, &'static str)], default: &'static str) -> &'static str {
    let code = super::page::refusal_code(e);
    fields
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
        .map_or(default, |(_, field)| field)
}

/// A refusal shown next to the field it concerns (see [`field_for`]); anything else (not
/// found, a server error) is the error page.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, built once on a rare path"
)]
fn refused(
    e: ApiError,
    console: &Console,
    fields: &[(&str, &'static str)],
    default: &'static str,
) -> Result<FieldError, Response> {
    let field = field_for(&e, fields, default);
    refusal(e, console.lang, field)
}

/// The value of a form field, trimmed ("" when absent).
fn value(form: &[(String, String)], name: &str) -> String {
    crate::web::oidc::field(form, name)
        .unwrap_or("")
        .trim()
        .to_owned()
}
