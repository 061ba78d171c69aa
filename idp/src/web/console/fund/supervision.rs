//! Supervision by the fund: suspend or reactivate one account as a precaution, and force every
//! account of a partner to change its password at next login — each after a confirmation page.
//! Both call the admin API's operations (`web/api/manage.rs`: `supervise_account_as`,
//! `force_password_change_as`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::response::IntoResponse;
use axum::routing::get;

use super::confirm::ConfirmPage;
use super::{done, operated_partner, refused, value};
use crate::account::Account;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::manage::{force_password_change_as, supervise_account_as};
use crate::web::console::Console;
use crate::web::console::page::{Frame, Shown, failed};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console/fund/accounts/{id}/{action}",
            get(account_form).post(account_act),
        )
        .route(
            "/console/fund/partners/{id}/force-password-change",
            get(force_form).post(force),
        )
}

/// The account `id` of a partner of a fund the person operates (else not found).
async fn operated_account(
    app: &AppState,
    console: &Console,
    id: i64,
) -> Result<Account, axum::response::Response> {
    let account = crate::authz::lookup::account(&app.db, id)
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| WebError::NotFound.into_response())?;
    let partner_id = account
        .partner_id
        .ok_or_else(|| WebError::NotFound.into_response())?;
    operated_partner(app, console, partner_id).await?;
    Ok(account)
}

fn account_page(
    console: &Console,
    path: &str,
    a: &Account,
    suspend: bool,
    reason: String,
) -> ConfirmPage {
    let f = Frame::new(console, path);
    let partner = a.partner_id.unwrap_or_default();
    let (title, consequences, button, action) = if suspend {
        (
            f.t("fund.account.suspend.title"),
            f.t("fund.account.suspend.consequences"),
            f.t("fund.account.suspend"),
            "suspend",
        )
    } else {
        (
            f.t("fund.account.reactivate.title"),
            f.t("fund.account.reactivate.consequences"),
            f.t("fund.account.reactivate"),
            "reactivate",
        )
    };
    ConfirmPage {
        f,
        title,
        subject: format!("{} {} ({})", a.given_name, a.family_name, a.login),
        consequences,
        action: format!("/console/fund/accounts/{}/{action}", a.id),
        back: format!("/console/fund/partners/{partner}"),
        button,
        reason_required: suspend,
        with_reason: true,
        reason,
        hidden: Vec::new(),
    }
}

#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, built once on a rare path"
)]
fn suspend_of(action: &str) -> Result<bool, axum::response::Response> {
    match action {
        "suspend" => Ok(true),
        "reactivate" => Ok(false),
        _ => Err(WebError::NotFound.into_response()),
    }
}

async fn account_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((id, action)): Path<(i64, String)>,
) -> Shown {
    let suspend = suspend_of(&action)?;
    let a = operated_account(&app, &console, id).await?;
    Ok(
        account_page(&console, &uri.0.to_string(), &a, suspend, String::new())
            .show(&console, Vec::new()),
    )
}

async fn account_act(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let suspend = suspend_of(&action)?;
    let a = operated_account(&app, &console, id).await?;
    let reason = value(&form, "reason");
    match supervise_account_as(&app, &console.caller, id, suspend, &reason).await {
        Ok(_) => Ok(done(
            &format!(
                "/console/fund/partners/{}",
                a.partner_id.unwrap_or_default()
            ),
            if suspend {
                "done.account.suspended"
            } else {
                "done.account.reactivated"
            },
        )),
        Err(e) => {
            let err = refused(e, &console, &[], "reason")?;
            Ok(
                account_page(&console, &uri.0.to_string(), &a, suspend, reason)
                    .show(&console, vec![err]),
            )
        }
    }
}

fn force_page(console: &Console, path: &str, id: i64, name: String) -> ConfirmPage {
    let f = Frame::new(console, path);
    ConfirmPage {
        title: f.t("fund.force.title"),
        consequences: f.t("fund.force.consequences"),
        button: f.t("fund.force"),
        f,
        subject: name,
        action: format!("/console/fund/partners/{id}/force-password-change"),
        back: format!("/console/fund/partners/{id}"),
        reason_required: false,
        with_reason: false,
        reason: String::new(),
        hidden: Vec::new(),
    }
}

async fn force_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    let (partner, _) = operated_partner(&app, &console, id).await?;
    Ok(force_page(&console, &uri.0.to_string(), id, partner.name).show(&console, Vec::new()))
}

async fn force(
    State(app): State<AppState>,
    console: Console,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    console.form(&body)?;
    operated_partner(&app, &console, id).await?;
    force_password_change_as(&app, &console.caller, id)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(done(
        &format!("/console/fund/partners/{id}"),
        "done.partner.password_change_forced",
    ))
}
