//! What every console page shares: the frame (who is logged in, the menu for their roles, the
//! language switch, the CSRF token), rendering, pagination, and the error pages.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::auth::{Console, lang_of};
use super::i18n::T;
use crate::authz::Role;
use crate::delegation::AdminKind;
use crate::error::UserError;
use crate::web::WebError;
use crate::web::api::{ApiError, fail};
use crate::web::error::ErrorInfo;
use crate::web::i18n::Lang;

/// A link of the main menu.
#[derive(Debug, Clone)]
pub(crate) struct NavLink {
    /// Where it goes.
    pub(crate) href: String,
    /// Its text key.
    pub(crate) label: &'static str,
    /// Whether it is the current section (`aria-current`).
    pub(crate) current: bool,
}

/// The frame around every page.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    /// The words.
    pub(crate) tr: T,
    /// The person, as shown in the header ("Given Family").
    pub(crate) user: String,
    /// Their login.
    pub(crate) login: String,
    /// The CSRF token of the forms.
    pub(crate) csrf: String,
    /// The menu.
    pub(crate) nav: Vec<NavLink>,
    /// This page in the other language.
    pub(crate) other_lang_href: String,
    /// A one-line confirmation of the last action (`?done=<key>`), already translated.
    pub(crate) notice: Option<&'static str>,
    /// The errors of the form on the page (summary at the top, each next to its field).
    pub(crate) errors: Vec<FieldError>,
}

impl Frame {
    /// The frame of a page at `path` (with its query, for the language switch).
    pub(crate) fn new(console: &Console, path_and_query: &str) -> Self {
        let tr = T::new(console.lang);
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut other = url::form_urlencoded::Serializer::new(String::new());
        let mut notice = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*k {
                "lang" => {}
                // Only known keys are shown: a link cannot make the page say anything else.
                "done" if v.starts_with("done") && super::i18n::has(&v) => {
                    notice = Some(tr.get(&v));
                }
                _ => {
                    other.append_pair(&k, &v);
                }
            }
        }
        other.append_pair("lang", console.lang.other().code());
        let account = &console.caller.account;
        Self {
            tr,
            user: format!("{} {}", account.given_name, account.family_name),
            login: account.login.to_string(),
            csrf: console.csrf.clone(),
            nav: nav(console, path),
            other_lang_href: format!("{path}?{}", other.finish()),
            notice,
            errors: Vec::new(),
        }
    }

    /// The sentence of `key` in the page's language.
    pub(crate) fn t(&self, key: &str) -> &'static str {
        self.tr.get(key)
    }

    /// The frame with the errors of the submitted form.
    pub(crate) fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// The error of a field, if any.
    pub(crate) fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The name of a status (`active`, `pending`…) in the page's language.
    pub(crate) fn status(&self, status: &str) -> &'static str {
        self.tr.get(&format!("status.{status}"))
    }

    /// The page's language code (`fr`, `en`).
    pub(crate) fn lang(&self) -> &'static str {
        self.tr.lang().code()
    }
}

/// The menu of a person's roles: fund pages for operators, partner pages for administrators
/// and delegated managers, "my account" for everyone.
fn nav(console: &Console, path: &str) -> Vec<NavLink> {
    let mut links = Vec::new();
    let mut push = |href: String, label| {
        // The home and the fund's dashboard are the parents of other entries: exact match.
        let current = if href == "/console" || href == "/console/fund" {
            path == href || path == format!("{href}/")
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        };
        links.push(NavLink {
            href,
            label,
            current,
        });
    };
    push("/console".to_owned(), "nav.home");
    let mut partners = Vec::new();
    for role in &console.caller.principal.roles {
        match role {
            Role::FundOperator { .. } => {
                push("/console/fund".to_owned(), "nav.fund");
                push("/console/fund/partners".to_owned(), "nav.partners");
                push("/console/fund/requests".to_owned(), "nav.requests");
                push("/console/fund/campaigns".to_owned(), "nav.campaigns");
                push("/console/fund/traces".to_owned(), "nav.traces");
                push("/console/fund/stats".to_owned(), "nav.stats");
                push("/console/fund/dormant".to_owned(), "nav.dormant");
            }
            Role::Administrator { partner_id, .. } | Role::DelegatedManager { partner_id, .. } => {
                if !partners.contains(partner_id) {
                    partners.push(*partner_id);
                }
            }
        }
    }
    // The yearly review, the trace and what is read from it: principal and deputy
    // administrators only, not delegated managers.
    let administered: Vec<i64> = console
        .caller
        .principal
        .roles
        .iter()
        .filter_map(|r| match r {
            Role::Administrator { partner_id, .. } => Some(*partner_id),
            _ => None,
        })
        .collect();
    for p in partners {
        push(format!("/console/partners/{p}/accounts"), "nav.accounts");
        push(format!("/console/partners/{p}/groups"), "nav.groups");
        push(
            format!("/console/partners/{p}/habilitations"),
            "nav.habilitations",
        );
        push(format!("/console/partners/{p}/managers"), "nav.managers");
        push(format!("/console/partners/{p}/quotas"), "nav.quotas");
        push(format!("/console/partners/{p}/requests"), "nav.requests");
        if administered.contains(&p) {
            push(format!("/console/partners/{p}/reviews"), "nav.review");
            push(format!("/console/partners/{p}/traces"), "nav.traces");
            push(format!("/console/partners/{p}/stats"), "nav.stats");
            push(format!("/console/partners/{p}/dormant"), "nav.dormant");
        }
    }
    push("/console/me".to_owned(), "nav.me");
    links
}

/// The text key of a role, for the pages.
pub(crate) fn role_key(role: &Role) -> &'static str {
    match role {
        Role::FundOperator { .. } => "role.fund_operator",
        Role::Administrator {
            seat: AdminKind::Principal,
            ..
        } => "role.principal",
        Role::Administrator { .. } => "role.deputy",
        Role::DelegatedManager { .. } => "role.manager",
    }
}

/// An instant as the pages show it and as `<time datetime>` reads it: RFC 3339 in UTC, to the
/// second (`2026-12-07T09:00:00Z`), never with the stored nanoseconds.
pub(crate) fn instant(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Renders a page: never cached (it holds personal data and a CSRF token); the language choice
/// is remembered for a year.
pub(crate) fn render(status: StatusCode, page: &impl Template, lang: Lang) -> Response {
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
        Err(e) => crate::web::WebError::Internal(format!("template: {e}")).into_response(),
    }
}

/// A handler's answer: a page, or an error the console renders as a page.
pub(crate) type Shown = Result<Response, Response>;

/// A page with a title, one message and an optional link (keys of [`super::i18n`]).
#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    tr: T,
    title: &'static str,
    text: &'static str,
    detail: Option<String>,
    link: Option<(&'static str, &'static str)>,
}

impl MessagePage {
    fn t(&self, key: &str) -> &'static str {
        self.tr.get(key)
    }

    fn lang(&self) -> &'static str {
        self.tr.lang().code()
    }
}

/// A standalone page with one message (outside the frame: no session may exist).
pub(crate) fn message(
    status: StatusCode,
    lang: Lang,
    title: &'static str,
    text: &'static str,
    link: Option<(&'static str, &'static str)>,
) -> Response {
    let tr = T::new(lang);
    render(
        status,
        &MessagePage {
            tr,
            title: tr.get(title),
            text: tr.get(text),
            detail: None,
            link: link.map(|(href, key)| (href, tr.get(key))),
        },
        lang,
    )
}

/// Middleware of the console's routes: an error answer of a handler (a [`WebError`] or an
/// admin API error: not found, forbidden, invalid, internal) becomes a console page in the
/// person's language. Refusals a form can explain are shown in the form by the handler itself;
/// this is for the rest. The cause of a 5xx is logged here, never shown.
///
/// [`WebError`]: crate::web::WebError
pub(crate) async fn problems(request: Request, next: Next) -> Response {
    let lang = lang_of(request.uri().query(), request.headers());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let status = response.status();
    if let Some(cause) = &info.cause {
        let cause = crate::redact::redact_text(cause);
        tracing::error!(status = status.as_u16(), code = info.code, cause = %cause, "console request failed");
    }
    let tr = T::new(lang);
    let (text, detail) = match status {
        StatusCode::NOT_FOUND => ("problem.not_found", None),
        s if s.is_server_error() && s == StatusCode::SERVICE_UNAVAILABLE => {
            ("problem.unavailable", None)
        }
        s if s.is_server_error() => ("problem.internal", request_id),
        StatusCode::FORBIDDEN if info.message.is_empty() || info.code == "forbidden" => {
            ("problem.forbidden", None)
        }
        _ => (
            "problem.title",
            Some(match lang {
                Lang::Fr => info.message_fr,
                Lang::En => info.message,
            }),
        ),
    };
    let page = MessagePage {
        tr,
        title: tr.get("problem.title"),
        text: if text == "problem.title" {
            ""
        } else {
            tr.get(text)
        },
        detail,
        link: Some(("/console", tr.get("nav.home"))),
    };
    let mut html = render(status, &page, lang);
    // Keep what the answer says of when to come back (503 `Retry-After`).
    if let Some(v) = response.headers().get(header::RETRY_AFTER) {
        html.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    html
}

/// Pagination of a list: which rows are shown, and the links to the neighbours.
#[derive(Debug, Clone)]
pub(crate) struct Pager {
    /// First row shown (1-based), 0 when empty.
    pub(crate) from: usize,
    /// Last row shown.
    pub(crate) to: usize,
    /// Rows in all.
    pub(crate) total: usize,
    /// Link to the previous page.
    pub(crate) prev: Option<String>,
    /// Link to the next page.
    pub(crate) next: Option<String>,
}

impl Pager {
    /// The pager of a page of `limit` rows at `offset` out of `total`, for `path` with the
    /// list's other query parameters `keep` (filters).
    pub(crate) fn new(
        path: &str,
        keep: &[(&str, &str)],
        offset: usize,
        limit: usize,
        shown: usize,
        total: usize,
    ) -> Self {
        let link = |off: usize| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in keep {
                if !v.is_empty() {
                    q.append_pair(k, v);
                }
            }
            q.append_pair("offset", &off.to_string());
            format!("{path}?{}", q.finish())
        };
        Self {
            from: if shown == 0 { 0 } else { offset + 1 },
            to: offset + shown,
            total,
            prev: (offset > 0).then(|| link(offset.saturating_sub(limit))),
            next: (offset + shown < total).then(|| link(offset + limit)),
        }
    }

    /// "Results 1 to 50 of 5,000", in the page's language.
    pub(crate) fn summary(&self, tr: T) -> String {
        tr.get("page.of")
            .replace("{from}", &self.from.to_string())
            .replace("{to}", &self.to.to_string())
            .replace("{total}", &self.total.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::{Pager, sentence};

    #[test]
    fn refusals_read_as_sentences() {
        assert_eq!(
            sentence("quota du rôle T2 atteint : 2 habilitation(s) utilisée(s) sur 2"),
            "Quota du rôle T2 atteint : 2 habilitation(s) utilisée(s) sur 2"
        );
        assert_eq!(sentence("élément"), "Élément");
        assert_eq!(sentence("Déjà"), "Déjà");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn pager_links_keep_the_filters() {
        let p = Pager::new(
            "/console/x",
            &[("q", "dupont"), ("status", "")],
            50,
            50,
            50,
            120,
        );
        assert_eq!((p.from, p.to, p.total), (51, 100, 120));
        assert_eq!(p.prev.as_deref(), Some("/console/x?q=dupont&offset=0"));
        assert_eq!(p.next.as_deref(), Some("/console/x?q=dupont&offset=100"));
        let last = Pager::new("/console/x", &[], 100, 50, 20, 120);
        assert!(last.next.is_none());
        let empty = Pager::new("/console/x", &[], 0, 50, 0, 0);
        assert_eq!((empty.from, empty.to), (0, 0));
        assert!(empty.prev.is_none() && empty.next.is_none());
    }
}

/// An error of a form, shown in the error summary and next to its field.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    /// The `id` of the field it concerns.
    pub(crate) field: &'static str,
    /// The message, in the page's language.
    pub(crate) message: String,
}

impl FieldError {
    /// An error of `field`.
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The stable code of a refusal (`quota.exceeded`, `review.undecided`…), to put it next to
/// the right field; "" for an answer that has none.
pub(crate) fn refusal_code(e: &ApiError) -> &'static str {
    match e {
        ApiError::Refused { code, .. }
        | ApiError::Web(WebError::BadRequest { code, .. } | WebError::Conflict { code, .. }) => {
            code
        }
        _ => "",
    }
}

/// `message` as a sentence on a page: its first letter capitalised (the domain's messages start
/// in lower case, the Rust convention for errors that may be embedded in others).
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A refusal the person can act on — an invalid value, a rule (quota, territory, rights,
/// centralised mode), a conflict — in their language, next to `field`. Anything else (not
/// found, a server error) is answered as an error page.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, built once on a rare path"
)]
pub(crate) fn refusal(
    e: ApiError,
    lang: Lang,
    field: &'static str,
) -> Result<FieldError, Response> {
    let pick = |en: String, fr: String| match lang {
        Lang::Fr => fr,
        Lang::En => en,
    };
    match e {
        ApiError::Refused {
            message,
            message_fr,
            ..
        }
        | ApiError::Web(
            WebError::BadRequest {
                message,
                message_fr,
                ..
            }
            | WebError::Conflict {
                message,
                message_fr,
                ..
            },
        ) => Ok(FieldError::new(field, sentence(&pick(message, message_fr)))),
        other => Err(other.into_response()),
    }
}

/// A domain error as the answer of a page (its kind decides the status; the console's
/// middleware renders it).
pub(crate) fn failed(e: &(impl UserError + ?Sized)) -> Response {
    fail(e).into_response()
}
