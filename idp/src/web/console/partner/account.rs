//! `/console/partners/{p}/accounts/{a}`: one user — identity, status, groups, habilitations
//! (direct and through groups), last login — and the actions on it: edit, reset the password
//! (the temporary password shown once), disable / enable (quotas re-checked), unlock, reset the
//! second factor. Destructive actions have a confirmation step with a reason. Each action is
//! the admin API's operation (`web::api::manage::*_as`).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

use super::{Confirm, Held, held_lines, seen};
use crate::account::{self, Account};
use crate::group::{self, Group};
use crate::partner::{self, Partner, Unit};
use crate::state::AppState;
use crate::web::api::manage::{
    AccountPatchBody, disable_account_as, edit_account_as, enable_account_as, managed_account,
    reset_password_as, reset_second_factor_as, unlock_account_as,
};
use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, Shown, failed, refusal, render};
use crate::web::oidc::field;

pub(super) fn routes() -> Router<AppState> {
    let a = "/console/partners/{p}/accounts/{a}";
    Router::new()
        .route(a, get(show))
        .route(&format!("{a}/edit"), get(edit_form).post(edit))
        .route(
            &format!("{a}/reset-password"),
            confirming("reset-password").post(reset_password),
        )
        .route(&format!("{a}/disable"), confirming("disable").post(disable))
        .route(&format!("{a}/enable"), confirming("enable").post(enable))
        .route(&format!("{a}/unlock"), post(unlock))
        .route(
            &format!("{a}/reset-second-factor"),
            confirming("reset-second-factor").post(reset_second_factor),
        )
}

/// `GET` of an action's address: its confirmation page (the `POST` acts).
fn confirming(action: &'static str) -> MethodRouter<AppState> {
    get(
        move |State(app): State<AppState>,
              console: Console,
              uri: OriginalUri,
              Path((p, a)): Path<(i64, i64)>| async move {
            let (_, account) = the_account(&app, &console, p, a).await?;
            let page = confirm(&console, &uri, p, &account, action);
            Shown::Ok(render(StatusCode::OK, &page, console.lang))
        },
    )
}

/// The account `a` of partner `p` if the person may administer it (decided as the API does);
/// an account of another partner is not found.
async fn the_account(
    app: &AppState,
    console: &Console,
    p: i64,
    a: i64,
) -> Result<(Partner, Account), Response> {
    let (partner, _) = seen(app, console, p).await?;
    let account = managed_account(app, &console.caller, a)
        .await
        .map_err(IntoResponse::into_response)?;
    if account.partner_id != Some(partner.id) {
        return Err(crate::web::WebError::NotFound.into_response());
    }
    Ok((partner, account))
}

fn base(p: i64, a: i64) -> String {
    format!("/console/partners/{p}/accounts/{a}")
}

fn done(p: i64, a: i64, key: &str) -> Response {
    Redirect::to(&format!("{}?done={key}", base(p, a))).into_response()
}

#[derive(Template)]
#[template(path = "console/partner/account.html")]
struct AccountPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    account: Account,
    unit: Option<String>,
    groups: Vec<Group>,
    held: Vec<Held>,
    last_login: Option<String>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    crate::web::console::page::instant(t)
}

async fn show(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, a)): Path<(i64, i64)>,
) -> Shown {
    let (partner, account) = the_account(&app, &console, p, a).await?;
    let units = partner::units(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let groups = group::of_account(&app.db, &partner, &account)
        .await
        .map_err(|e| failed(&e))?;
    let today = app.clock.now().date();
    let held = crate::habilitation::held_by(&app.db, &account, today)
        .await
        .map_err(|e| failed(&e))?;
    let held = held_lines(&app, &partner, held, today).await?;
    let last_login = account::manage::last_login(&app.db, &account)
        .await
        .map_err(|e| failed(&e))?
        .map(rfc3339);
    let page = AccountPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner_id: p,
        partner: partner.name,
        unit: unit_name(&units, account.unit_id),
        account,
        groups,
        held,
        last_login,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

fn unit_name(units: &[Unit], id: Option<i64>) -> Option<String> {
    let id = id?;
    units
        .iter()
        .find(|u| u.id == id)
        .map(|u| format!("{} ({})", u.name, u.code))
}

#[derive(Template)]
#[template(path = "console/partner/account_edit.html")]
struct EditPage {
    f: Frame,
    partner_id: i64,
    account: Account,
    units: Vec<Unit>,
    given_name: String,
    family_name: String,
    email: String,
    unit: String,
}

async fn edit_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, a)): Path<(i64, i64)>,
) -> Shown {
    let (partner, account) = the_account(&app, &console, p, a).await?;
    let units = partner::units(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let unit = account
        .unit_id
        .and_then(|id| units.iter().find(|u| u.id == id))
        .map(|u| u.code.clone())
        .unwrap_or_default();
    let page = EditPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner_id: p,
        given_name: account.given_name.clone(),
        family_name: account.family_name.clone(),
        email: account
            .email
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        unit,
        account,
        units,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

async fn edit(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, a)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (partner, account) = the_account(&app, &console, p, a).await?;
    let value = |name| field(&form, name).unwrap_or("").trim().to_owned();
    let (given_name, family_name, email, unit) = (
        value("given_name"),
        value("family_name"),
        value("email"),
        value("unit"),
    );
    let t = crate::web::console::i18n::T::new(console.lang);
    let mut errors = Vec::new();
    if given_name.is_empty() {
        errors.push(FieldError::new(
            "given_name",
            t.get("account.given_name.required"),
        ));
    }
    if family_name.is_empty() {
        errors.push(FieldError::new(
            "family_name",
            t.get("account.family_name.required"),
        ));
    }
    if errors.is_empty() {
        let patch = AccountPatchBody {
            given_name: Some(given_name.clone()),
            family_name: Some(family_name.clone()),
            email: (!email.is_empty()).then(|| email.clone()),
            unit: (!unit.is_empty()).then(|| unit.clone()),
        };
        match edit_account_as(&app, &console.caller, a, patch).await {
            Ok(_) => return Ok(done(p, a, "done.account.edited")),
            Err(e) => {
                let field = match &e {
                    crate::web::api::ApiError::Web(crate::web::WebError::BadRequest {
                        code,
                        ..
                    }) if code.starts_with("email") || code.starts_with("account.email") => "email",
                    _ => "given_name",
                };
                errors.push(refusal(e, console.lang, field)?);
            }
        }
    }
    let units = partner::units(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let page = EditPage {
        f: Frame::new(&console, &uri.0.to_string()).with_errors(errors),
        partner_id: p,
        account,
        units,
        given_name,
        family_name,
        email,
        unit,
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}

/// The confirmation pages of the account's actions.
fn confirm(
    console: &Console,
    uri: &OriginalUri,
    p: i64,
    account: &Account,
    action: &str,
) -> Confirm {
    let f = Frame::new(console, &uri.0.to_string());
    let (title, intro, button, reason, danger) = match action {
        "reset-password" => (
            f.t("account.reset_password"),
            f.t("account.reset_password.intro"),
            f.t("account.reset_password"),
            false,
            true,
        ),
        "disable" => (
            f.t("account.disable"),
            f.t("account.disable.intro"),
            f.t("account.disable"),
            true,
            true,
        ),
        "enable" => (
            f.t("account.enable"),
            f.t("account.enable.intro"),
            f.t("account.enable"),
            true,
            false,
        ),
        _ => (
            f.t("account.reset_second_factor"),
            f.t("account.reset_second_factor.intro"),
            f.t("account.reset_second_factor"),
            false,
            true,
        ),
    };
    Confirm {
        f,
        title,
        intro,
        subject: format!(
            "{} {} ({})",
            account.given_name, account.family_name, account.login
        ),
        action: format!("{}/{action}", base(p, account.id)),
        back: base(p, account.id),
        ask_reason: reason,
        reason: String::new(),
        button,
        danger,
    }
}

#[derive(Template)]
#[template(path = "console/partner/account_reset.html")]
struct ResetPage {
    f: Frame,
    partner_id: i64,
    account: Account,
    password: Option<String>,
    emailed_to: Option<String>,
    expires: String,
}

async fn reset_password(
    State(app): State<AppState>,
    console: Console,
    Path((p, a)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    console.form(&body)?;
    the_account(&app, &console, p, a).await?;
    let r = reset_password_as(&app, &console.caller, a)
        .await
        .map_err(IntoResponse::into_response)?;
    // The secret is shown once, on this answer (not stored, never cached): no redirect.
    let page = ResetPage {
        f: Frame::new(&console, &base(p, a)),
        partner_id: p,
        password: r.temporary_password.as_ref().map(|s| s.expose().to_owned()),
        emailed_to: r.emailed_to,
        expires: rfc3339(r.expires_at),
        account: r.account,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

/// A reason-bearing action: the reason is required; a refusal (the quota re-check when
/// enabling) is shown on the confirmation page, next to the reason.
async fn with_reason(
    app: &AppState,
    console: &Console,
    uri: &OriginalUri,
    p: i64,
    a: i64,
    body: &Bytes,
    action: &str,
) -> Shown {
    let form = console.form(body)?;
    let (_, account) = the_account(app, console, p, a).await?;
    let reason = field(&form, "reason").unwrap_or("").trim().to_owned();
    let t = crate::web::console::i18n::T::new(console.lang);
    let error = if reason.is_empty() {
        FieldError::new("reason", t.get("reason.required"))
    } else {
        let outcome = if action == "disable" {
            disable_account_as(app, &console.caller, a, &reason).await
        } else {
            enable_account_as(app, &console.caller, a, &reason).await
        };
        match outcome {
            Ok(_) => {
                let key = if action == "disable" {
                    "done.account.disabled"
                } else {
                    "done.account.enabled"
                };
                return Ok(done(p, a, key));
            }
            Err(e) => refusal(e, console.lang, "reason")?,
        }
    };
    let mut page = confirm(console, uri, p, &account, action);
    page.f = page.f.with_errors(vec![error]);
    page.reason = reason;
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}

async fn disable(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, a)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    with_reason(&app, &console, &uri, p, a, &body, "disable").await
}

async fn enable(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, a)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    with_reason(&app, &console, &uri, p, a, &body, "enable").await
}

async fn unlock(
    State(app): State<AppState>,
    console: Console,
    Path((p, a)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    console.form(&body)?;
    the_account(&app, &console, p, a).await?;
    unlock_account_as(&app, &console.caller, a)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(done(p, a, "done.account.unlocked"))
}

async fn reset_second_factor(
    State(app): State<AppState>,
    console: Console,
    Path((p, a)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    console.form(&body)?;
    the_account(&app, &console, p, a).await?;
    reset_second_factor_as(&app, &console.caller, a)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(done(p, a, "done.account.second_factor_reset"))
}
