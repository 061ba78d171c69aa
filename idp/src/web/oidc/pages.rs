//! The templates of the login, consent and logout pages (askama, escaped by default).

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

/// Renders a page; never cached, never framed (the security headers layer adds the rest).
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
