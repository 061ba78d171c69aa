//! The line filters of a review page — never logged in, no login for N months, service, role,
//! group, login, undecided only — as typed, as the API's query, as the page's address and in
//! words for the confirmation of a bulk decision.

use serde::Deserialize;

use crate::web::api::review::LineQuery;
use crate::web::console::page::Frame;

/// The line filters, as typed (the same criteria as the API's).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct Filters {
    never: Option<String>,
    months: Option<String>,
    service: Option<String>,
    role: Option<String>,
    group: Option<String>,
    login: Option<String>,
    undecided: Option<String>,
    pub(super) offset: Option<u64>,
}

fn text(v: Option<&String>) -> String {
    v.map(|s| s.trim().to_owned()).unwrap_or_default()
}

fn given(v: Option<&String>) -> Option<String> {
    Some(text(v)).filter(|s| !s.is_empty())
}

impl Filters {
    pub(super) fn from_form(form: &[(String, String)]) -> Self {
        let get = |k: &str| {
            form.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        Self {
            never: get("never"),
            months: get("months"),
            service: get("service"),
            role: get("role"),
            group: get("group"),
            login: get("login"),
            undecided: get("undecided"),
            offset: get("offset").and_then(|o| o.parse().ok()),
        }
    }

    pub(super) fn never(&self) -> bool {
        self.never.as_deref().is_some_and(|v| !v.is_empty())
    }

    pub(super) fn undecided(&self) -> bool {
        self.undecided.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// The API's query: a month count that is not a number is sent as 0, which the API
    /// refuses in its own words (1 to 120).
    pub(super) fn query(&self, offset: Option<u64>, limit: u64) -> LineQuery {
        LineQuery {
            never_logged_in: self.never(),
            no_login_months: given(self.months.as_ref()).map(|m| m.parse().unwrap_or(0)),
            service: given(self.service.as_ref()),
            role: given(self.role.as_ref()),
            group: given(self.group.as_ref()),
            login: given(self.login.as_ref()),
            undecided: self.undecided(),
            offset,
            limit: Some(limit),
        }
    }

    /// The filters as query pairs (empty ones left out by the pager).
    pub(super) fn pairs(&self) -> Vec<(&'static str, String)> {
        let flag = |b: bool| if b { "1".to_owned() } else { String::new() };
        vec![
            ("never", flag(self.never())),
            ("months", text(self.months.as_ref())),
            ("service", text(self.service.as_ref())),
            ("role", text(self.role.as_ref())),
            ("group", text(self.group.as_ref())),
            ("login", text(self.login.as_ref())),
            ("undecided", flag(self.undecided())),
        ]
    }

    /// The review's page with these filters (and the page shown), plus a notice key if any.
    pub(super) fn back(&self, base: &str, done: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            if !v.is_empty() {
                q.append_pair(k, &v);
            }
        }
        if let Some(o) = self.offset.filter(|o| *o > 0) {
            q.append_pair("offset", &o.to_string());
        }
        if !done.is_empty() {
            q.append_pair("done", done);
        }
        let q = q.finish();
        if q.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{q}")
        }
    }

    /// The filters applied, in words, for the confirmation of a bulk decision.
    pub(super) fn words(&self, f: &Frame) -> Vec<String> {
        let mut out = Vec::new();
        if self.never() {
            out.push(f.t("review.filter.never").to_owned());
        }
        for (key, v) in [
            ("review.filter.months", &self.months),
            ("review.filter.service", &self.service),
            ("review.filter.role", &self.role),
            ("review.filter.group", &self.group),
            ("review.filter.login", &self.login),
        ] {
            if let Some(v) = given(v.as_ref()) {
                out.push(format!("{} : {v}", f.t(key)));
            }
        }
        if self.undecided() {
            out.push(f.t("review.filter.undecided").to_owned());
        }
        out
    }
}
