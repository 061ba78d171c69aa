//! What the fund's and the partner's trace pages share (issue #8 point 5): the filter form
//! (action family, actor, account, period), the table of events newest first paged in SQL, and
//! the CSV download — all through the admin API's `web::api::traces` functions, so a filter
//! refused by the API is refused here, next to its field, and every download is traced.

use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::Console;
use super::i18n::{T, has};
use super::page::{FieldError, Frame, Pager, Shown, instant, refusal, render};
use crate::audit::query::TraceEvent;
use crate::fund::Fund;
use crate::state::AppState;
use crate::web::api::traces::{AccountRef, Filters, event_query, export_csv_as};

mod words;

/// The words of the trace, statistics and dormant-access pages (see `console::i18n`).
pub(crate) const WORDS: &[super::i18n::Entry] = words::WORDS;

/// Events per page.
const PAGE: u64 = 50;

/// The families of actions offered by the filter, in the order shown (each action's family is
/// one of them: a test checks it).
pub(crate) const FAMILIES: &[&str] = &[
    "login",
    "token",
    "session",
    "account",
    "password",
    "totp",
    "passkey",
    "second_factor",
    "recovery_code",
    "recovery_codes",
    "habilitation",
    "group",
    "manager",
    "admin",
    "access_request",
    "convention",
    "subscription",
    "partner",
    "unit",
    "review",
    "audit",
    "password_policy",
    "client",
    "key",
    "service",
    "operator",
    "fund",
    "demo",
];

/// Where a trace, statistics or dormant-access page is: the fund, the partner when the page is
/// a partner's (or when the fund's page is narrowed to one), and the choices of the fund's
/// pages.
pub(crate) struct Place {
    /// The fund.
    pub(crate) fund: Fund,
    /// The partner: id, third-party number, name.
    pub(crate) partner: Option<(i64, String, String)>,
    /// The page's path without its last segment: `/console/fund`, `/console/partners/{p}`.
    pub(crate) base: String,
    /// Fund pages: the partners one may narrow to (id, name). Partner pages: none.
    pub(crate) partners: Option<Vec<(i64, String)>>,
    /// Fund pages of an operator of several funds: (id, name) of each.
    pub(crate) funds: Vec<(i64, String)>,
}

impl Place {
    /// The heading's second line: the fund's or the partner's name.
    pub(crate) fn subject(&self) -> String {
        match &self.partner {
            Some((_, _, name)) => name.clone(),
            None => self.fund.name.clone(),
        }
    }

    /// The query parameters that keep the place on the next page (fund, partner).
    pub(crate) fn keep(&self) -> Vec<(&'static str, String)> {
        let mut keep = Vec::new();
        if self.funds.len() > 1 {
            keep.push(("fund", self.fund.id.to_string()));
        }
        if self.partners.is_some()
            && let Some((id, _, _)) = &self.partner
        {
            keep.push(("partner", id.to_string()));
        }
        keep
    }
}

/// The trace filters as typed in the form (and in the CSV link).
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct TraceForm {
    action: Option<String>,
    actor: Option<String>,
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Text, so that a mangled link shows the first page rather than an error.
    offset: Option<String>,
}

impl TraceForm {
    fn offset(&self) -> u64 {
        self.offset
            .as_deref()
            .and_then(|o| o.trim().parse().ok())
            .unwrap_or(0)
    }

    fn filters(&self) -> Filters {
        Filters {
            action: self.action.clone(),
            actor: self.actor.clone(),
            account: self.account.clone().map(AccountRef::Login),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    fn value(v: &Option<String>) -> String {
        v.as_deref().unwrap_or("").trim().to_owned()
    }

    /// The filters as query parameters (empty ones left out), after the place's.
    fn query(&self, place: &Place) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in place.keep() {
            q.append_pair(k, &v);
        }
        for (k, v) in self.pairs() {
            if !v.is_empty() {
                q.append_pair(k, &v);
            }
        }
        q.finish()
    }

    fn pairs(&self) -> [(&'static str, String); 5] {
        [
            ("action", Self::value(&self.action)),
            ("actor", Self::value(&self.actor)),
            ("account", Self::value(&self.account)),
            ("from", Self::value(&self.from)),
            ("to", Self::value(&self.to)),
        ]
    }
}

/// An action family in the select.
pub(crate) struct Family {
    value: String,
    label: &'static str,
}

/// An event as a row of the table.
pub(crate) struct Row {
    id: i64,
    at: String,
    action: String,
    label: String,
    success: bool,
    actor: String,
    target: String,
    source: String,
    details: String,
    purged: bool,
}

#[derive(Template)]
#[template(path = "console/traces.html")]
struct TracePage {
    f: Frame,
    place: Place,
    families: Vec<Family>,
    action: String,
    actor: String,
    account: String,
    from: String,
    to: String,
    rows: Vec<Row>,
    csv: Option<String>,
    pager: Pager,
    summary: String,
}

/// The words of an action: its label when there is one, else its code.
pub(crate) fn action_label(tr: T, code: &str) -> String {
    let key = format!("action.{code}");
    if has(&key) {
        tr.get(&key).to_owned()
    } else {
        code.to_owned()
    }
}

/// The details of an event in one line: `key: value` pairs, at most about 200 characters
/// (the template escapes them).
pub(crate) fn summary(details: &serde_json::Value) -> String {
    let mut s = match details {
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(x) => format!("{k}: {x}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" ; "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    if s.chars().count() > 200 {
        s = s.chars().take(200).collect::<String>() + "…";
    }
    s
}

fn row(tr: T, e: TraceEvent) -> Row {
    Row {
        id: e.id,
        at: instant(e.occurred_at),
        label: action_label(tr, &e.action),
        action: e.action,
        success: e.outcome == "success",
        actor: e.actor,
        target: match (e.target_kind, e.target_id) {
            (Some(k), Some(id)) => format!("{k} {id}"),
            (Some(k), None) => k,
            _ => String::new(),
        },
        source: e.source_ip.unwrap_or_default(),
        details: summary(&e.details),
        purged: e.purged,
    }
}

fn families(tr: T) -> Vec<Family> {
    FAMILIES
        .iter()
        .map(|f| Family {
            value: format!("{f}."),
            label: tr.get(&format!("family.{f}")),
        })
        .collect()
}

/// The trace page of `place` with the filters `q`: the events newest first, or the refused
/// filters next to their fields (400).
pub(crate) async fn trace_page(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    q: TraceForm,
) -> Shown {
    let partner_id = place.partner.as_ref().map(|(id, _, _)| *id);
    let f = Frame::new(console, path);
    let tr = f.tr;
    let (rows, total, errors) =
        match event_query(app, place.fund.id, partner_id, &q.filters()).await {
            Ok(query) => {
                let page = crate::audit::query::search(&app.db, &query, q.offset(), PAGE)
                    .await
                    .map_err(|e| crate::web::api::internal(&e).into_response())?;
                let rows = page.items.into_iter().map(|e| row(tr, e)).collect();
                (rows, page.total, Vec::new())
            }
            Err(refused) => {
                let mut errors: Vec<FieldError> = Vec::new();
                for (field, e) in refused {
                    errors.push(refusal(e, console.lang, field)?);
                }
                (Vec::new(), 0, errors)
            }
        };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let keep_place = place.keep();
    let pairs = q.pairs();
    let keep: Vec<(&str, &str)> = keep_place
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .collect();
    let pager = Pager::new(
        &format!("{}/traces", place.base),
        &keep,
        usize::try_from(q.offset()).unwrap_or(0),
        usize::try_from(PAGE).unwrap_or(50),
        rows.len(),
        usize::try_from(total).unwrap_or(0),
    );
    let summary = pager.summary(tr);
    let csv = errors
        .is_empty()
        .then(|| format!("{}/traces/export?{}", place.base, q.query(&place)));
    let [action, actor, account, from, to] = pairs.map(|(_, v)| v);
    let page = TracePage {
        f: f.with_errors(errors),
        families: families(tr),
        place,
        action,
        actor,
        account,
        from,
        to,
        rows,
        csv,
        pager,
        summary,
    };
    Ok(render(status, &page, console.lang))
}

/// The CSV of `place`'s events the filters `q` select — the API's own export (streamed,
/// traced as `audit.export`); refused filters show the page with their messages.
pub(crate) async fn trace_export(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    q: TraceForm,
) -> Shown {
    let partner_id = place.partner.as_ref().map(|(id, _, _)| *id);
    let filters = q.filters();
    match event_query(app, place.fund.id, partner_id, &filters).await {
        Ok(query) => {
            let name = match &place.partner {
                Some((_, number, _)) => format!("trace-{number}.csv"),
                None => format!("trace-{}.csv", place.fund.code),
            };
            export_csv_as(app, &console.caller, &filters, query, &name)
                .await
                .map_err(IntoResponse::into_response)
        }
        Err(_) => trace_page(app, console, path, place, q).await,
    }
}

#[cfg(test)]
mod tests {
    use super::{FAMILIES, has, summary};
    use crate::audit::action;

    #[test]
    fn every_action_has_words_and_a_family() {
        for a in action::ALL {
            let code = a.as_str();
            assert!(has(&format!("action.{code}")), "no words for {code}");
            let family = code.split('.').next().unwrap_or_default();
            assert!(FAMILIES.contains(&family), "no family for {code}");
        }
        for f in FAMILIES {
            assert!(has(&format!("family.{f}")), "no words for family {f}");
            assert!(
                action::ALL
                    .iter()
                    .any(|a| a.as_str().starts_with(&format!("{f}."))),
                "family {f} has no action"
            );
        }
    }

    #[test]
    fn details_are_summarised_in_one_line() {
        let d = serde_json::json!({ "client": "cdap-web", "reason": "x", "none": null });
        assert_eq!(summary(&d), "client: cdap-web ; reason: x");
        let long = serde_json::json!({ "reason": "é".repeat(300) });
        assert_eq!(summary(&long).chars().count(), 201);
        assert_eq!(summary(&serde_json::Value::Null), "");
    }
}
