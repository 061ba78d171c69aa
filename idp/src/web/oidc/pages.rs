//! The templates of the login, second-factor, consent, logout and password pages (askama,
//! escaped by default; only the server-rendered QR code SVG is inserted unescaped).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::web::i18n::{Lang, Texts};

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) client_name: &'a str,
    pub(super) interaction: &'a str,
    pub(super) csrf: &'a str,
    pub(super) username: &'a str,
    pub(super) error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "change_password.html")]
pub(super) struct ChangePasswordPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) interaction: &'a str,
    pub(super) csrf: &'a str,
    pub(super) username: &'a str,
    pub(super) error: Option<String>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub(super) struct ConsentPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) client_name: &'a str,
    pub(super) scopes: &'a [String],
    pub(super) interaction: &'a str,
    pub(super) csrf: &'a str,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub(super) struct LogoutPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) confirm: bool,
    pub(super) csrf: &'a str,
    pub(super) post_logout_redirect_uri: Option<&'a str>,
    pub(super) state: Option<&'a str>,
    pub(super) client_id: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub(super) struct SecondFactorPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) interaction: &'a str,
    pub(super) csrf: &'a str,
    pub(super) error: Option<String>,
    /// The account has an authenticator app: ask its code.
    pub(super) totp: bool,
    /// The account has unused recovery codes.
    pub(super) recovery: bool,
    /// `PublicKeyCredentialRequestOptions` (JSON) when the account has passkeys.
    pub(super) passkey_options: Option<String>,
}

/// The enrolment page: the QR code (inline SVG rendered by the server; no script, no `data:`
/// image) and the manual key. Holds the TOTP secret: the page is never cached.
#[derive(Template)]
#[template(path = "enrol_second_factor.html")]
pub(super) struct EnrolPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) interaction: &'a str,
    pub(super) csrf: &'a str,
    pub(super) qr_svg: &'a str,
    /// The app's key; `None` when the fund requires a passkey of this administrator (no app).
    pub(super) manual_key: Option<String>,
    pub(super) error: Option<String>,
    /// `PublicKeyCredentialCreationOptions` (JSON) when passkeys are available.
    pub(super) passkey_options: Option<String>,
}

/// The recovery codes, shown once (empty: already shown, only "continue").
#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(super) struct RecoveryCodesPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) interaction: &'a str,
    pub(super) csrf: &'a str,
    pub(super) codes: Vec<&'a str>,
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
pub(super) struct ForgotPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) csrf: &'a str,
    pub(super) sent: bool,
    pub(super) error: Option<String>,
}

/// A new password (after a reset link, or a self-service change when `ask_current`).
#[derive(Template)]
#[template(path = "password_form.html")]
pub(super) struct PasswordFormPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) title: &'static str,
    pub(super) intro: &'static str,
    pub(super) action: &'static str,
    pub(super) csrf: &'a str,
    pub(super) token: Option<&'a str>,
    pub(super) username: &'a str,
    pub(super) ask_current: bool,
    pub(super) error: Option<String>,
}

/// One passkey in the self-service list.
pub(super) struct PasskeyRow {
    pub(super) id: i64,
    pub(super) label: String,
    pub(super) kind: &'static str,
    pub(super) added: String,
    pub(super) used: String,
}

/// The self-service page of a person's passkeys: list, rename, remove, add.
#[derive(Template)]
#[template(path = "passkeys.html")]
pub(super) struct PasskeysPage<'a> {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) login: &'a str,
    pub(super) csrf: &'a str,
    pub(super) keys: Vec<PasskeyRow>,
    /// `PublicKeyCredentialCreationOptions` (JSON), when one more passkey may be added.
    pub(super) options: Option<String>,
    /// Why none may be added, otherwise.
    pub(super) unavailable: String,
    pub(super) error: Option<String>,
    pub(super) notice: Option<&'static str>,
}

/// A page with one message and an optional link.
#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct MessagePage {
    pub(super) t: &'static Texts,
    pub(super) other_lang_href: String,
    pub(super) title: &'static str,
    pub(super) message: &'static str,
    pub(super) link: Option<(String, &'static str)>,
}

/// Renders a page; never cached, never framed (the security headers layer adds the rest).
/// `page` with a Content-Security-Policy that lets its form's answer redirect to `uri` (see
/// `headers::csp_allowing_redirect_to`); unchanged when `uri` does not parse.
pub(super) fn allowing_redirect_to(mut page: Response, uri: &str) -> Response {
    if let Some(csp) = url::Url::parse(uri)
        .ok()
        .and_then(|u| crate::web::headers::csp_allowing_redirect_to(&u))
    {
        page.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    page
}

pub(super) fn render(status: StatusCode, page: &impl Template, lang: Lang) -> Response {
    match page.render() {
        Ok(body) => {
            let mut r = (status, Html(body)).into_response();
            let h = r.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(v) = HeaderValue::from_str(&format!(
                "habilis_lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
                lang.code()
            )) {
                h.append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => super::internal(&e),
    }
}
