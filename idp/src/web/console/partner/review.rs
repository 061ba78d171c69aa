//! `/console/partners/{p}/reviews`: the partner's yearly reverse review (002 contract art.
//! 2.2.2) for its principal and deputy administrators — the lines of the snapshot filtered and
//! paged in SQL, keep or withdraw (ticked lines, or every line the filters select after a
//! confirmation with the count), the attestation the principal signs, and the signed files.
//! The fund's operators read the same page without its forms. Every action goes through
//! `web::api::review::*_as`, like the admin API; delegated managers and agents get no access.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::seen;
use crate::authz::{At, Operation, decide};
use crate::partner::Partner;
use crate::review::attest::DEFAULT_STATEMENT;
use crate::review::{Decision, Line};
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::ApiError;
use crate::web::api::review::{
    AttestationBody, DecisionBody, LineQuery, ReviewSummary, decide_as, export_as, lines_as,
    review_as, reviews_as, sign_as,
};
use crate::web::console::Console;
use crate::web::console::page::{
    FieldError, Frame, Pager, Shown, instant, refusal, refusal_code, render,
};
use crate::web::console::review::{decision, progress, remaining};

mod filters;

use filters::Filters;

pub(super) fn routes() -> Router<AppState> {
    let r = "/console/partners/{p}/reviews";
    Router::new()
        .route(r, get(list))
        .route(&format!("{r}/{{r}}"), get(show))
        .route(&format!("{r}/{{r}}/decide"), post(decide_lines))
        .route(&format!("{r}/{{r}}/bulk"), post(bulk))
        .route(&format!("{r}/{{r}}/sign"), post(sign))
        .route(&format!("{r}/{{r}}/export"), get(export))
}

/// Lines per page.
const PAGE: u64 = 50;

/// The status of a page showing a refusal: rights 403, a conflict (closed, undecided) 409,
/// a bad value 422.
fn status_of(e: &ApiError) -> StatusCode {
    match e {
        ApiError::Refused { .. } => StatusCode::FORBIDDEN,
        ApiError::Web(WebError::Conflict { .. }) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The partner `p` and its review `r` for the person (the API's reading rule: the fund's
/// operators, the principal and the deputy); another partner's review is not found.
async fn load(
    app: &AppState,
    console: &Console,
    p: i64,
    r: i64,
) -> Result<(Partner, At, ReviewSummary), Response> {
    seen(app, console, p).await?;
    let (partner, at, s) = review_as(app, &console.caller, r)
        .await
        .map_err(IntoResponse::into_response)?;
    if partner.id != p {
        return Err(WebError::NotFound.into_response());
    }
    Ok((partner, at, s))
}

/// A review as listed.
struct ReviewRow {
    id: i64,
    year: i32,
    title: String,
    due_on: String,
    state: &'static str,
    tag: &'static str,
    lines: u64,
    undecided: u64,
}

#[derive(Template)]
#[template(path = "console/partner/reviews.html")]
struct ListPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    rows: Vec<ReviewRow>,
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
) -> Shown {
    seen(&app, &console, p).await?;
    let (partner, items) = reviews_as(&app, &console.caller, p)
        .await
        .map_err(IntoResponse::into_response)?;
    let f = Frame::new(&console, &uri.0.to_string());
    let rows = items
        .into_iter()
        .map(|s| {
            let (state, tag) = progress(&f, s.progress);
            ReviewRow {
                id: s.review.id,
                year: s.campaign.year,
                title: s.campaign.title,
                due_on: s.campaign.due_on.to_string(),
                state,
                tag,
                lines: s.counts.lines,
                undecided: s.counts.undecided,
            }
        })
        .collect();
    let page = ListPage {
        f,
        partner_id: p,
        partner: partner.name,
        rows,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

/// A line as shown.
struct LineRow {
    id: i64,
    login: String,
    names: String,
    service_role: Option<String>,
    group: Option<String>,
    territory: String,
    granted: String,
    last_login: Option<String>,
    decision: &'static str,
    decided_at: Option<String>,
    withdrawn: bool,
    undecided: bool,
}

fn line_row(f: &Frame, l: Line) -> LineRow {
    let d = &l.details;
    let granted = match (&d.granted_at, &d.granted_by) {
        (Some(at), Some(by)) => format!("{at} / {by}"),
        (Some(at), None) => at.clone(),
        _ => String::new(),
    };
    LineRow {
        id: l.id,
        login: l.login,
        names: format!("{} {}", d.family_name, d.given_name),
        service_role: match (&l.service, &l.role) {
            (Some(s), Some(r)) => Some(format!("{s} / {r}")),
            _ => None,
        },
        group: l.group,
        territory: d.territory.clone().unwrap_or_default(),
        granted,
        last_login: l.last_login_at.map(instant),
        decision: decision(f, l.decision),
        decided_at: l.decided_at.map(instant),
        withdrawn: l.decision == Some(Decision::Withdraw),
        undecided: l.decision.is_none(),
    }
}

/// What the forms of the page hold when it is shown again after a refusal.
#[derive(Debug, Clone, Default)]
struct Typed {
    ticked: Vec<i64>,
    decision: String,
    reason: String,
    signer_name: Option<String>,
    statement: Option<String>,
}

#[derive(Template)]
#[template(path = "console/partner/review.html")]
struct ReviewPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    s: ReviewSummary,
    due_on: String,
    state: &'static str,
    tag: &'static str,
    late: bool,
    closed: bool,
    /// The partner's principal or deputy (else the fund, reading).
    partner_admin: bool,
    can_prepare: bool,
    can_sign: bool,
    filters: Vec<(&'static str, String)>,
    rows: Vec<LineRow>,
    pager: Pager,
    summary: String,
    remaining: String,
    signed_at: String,
    typed: Typed,
    signer_name: String,
    statement: String,
}

impl ReviewPage {
    /// A filter's value as typed.
    fn filter(&self, name: &str) -> &str {
        self.filters
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn ticked(&self, id: &i64) -> bool {
        self.typed.ticked.contains(id)
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the page, its review, the filters and the forms as typed: each one plain value"
)]
async fn review_page(
    app: &AppState,
    console: &Console,
    path: &str,
    (partner, at, s): (Partner, At, ReviewSummary),
    filters: &Filters,
    typed: Typed,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Shown {
    let mut f = Frame::new(console, path).with_errors(errors);
    let offset = filters.offset.unwrap_or(0);
    let base = format!("/console/partners/{}/reviews/{}", partner.id, s.review.id);
    let (lines, total) = match lines_as(
        app,
        &console.caller,
        s.review.id,
        &filters.query(Some(offset), PAGE),
    )
    .await
    {
        Ok(page) => page,
        // A filter the API refuses (months out of range) is shown next to it.
        Err(e) => {
            f.errors.push(refusal(e, console.lang, "months")?);
            (Vec::new(), 0)
        }
    };
    let rows: Vec<LineRow> = lines.into_iter().map(|l| line_row(&f, l)).collect();
    let pairs = filters.pairs();
    let keep: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let pager = Pager::new(
        &base,
        &keep,
        usize::try_from(offset).unwrap_or(0),
        usize::try_from(PAGE).unwrap_or(50),
        rows.len(),
        usize::try_from(total).unwrap_or(0),
    );
    let summary = pager.summary(f.tr);
    let p = &console.caller.principal;
    let (state, tag) = progress(&f, s.progress);
    let closed = s.attestation.is_some();
    let partner_admin = decide(p, &Operation::PrepareReview { at }).is_ok();
    let account = &console.caller.account;
    let page = ReviewPage {
        partner_id: partner.id,
        partner: partner.name,
        due_on: s.campaign.due_on.to_string(),
        state,
        tag,
        late: s.progress == crate::review::Progress::Late,
        closed,
        partner_admin,
        can_prepare: !closed && partner_admin,
        can_sign: !closed && decide(p, &Operation::SignReview { at }).is_ok(),
        filters: pairs,
        rows,
        pager,
        summary,
        remaining: remaining(&f, s.counts.undecided),
        signed_at: s
            .attestation
            .as_ref()
            .map(|a| instant(a.signed_at))
            .unwrap_or_default(),
        signer_name: typed
            .signer_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", account.given_name, account.family_name)),
        statement: typed
            .statement
            .clone()
            .unwrap_or_else(|| DEFAULT_STATEMENT.to_owned()),
        typed,
        s,
        f,
    };
    Ok(render(status, &page, console.lang))
}

async fn show(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, r)): Path<(i64, i64)>,
    Query(filters): Query<Filters>,
) -> Shown {
    let loaded = load(&app, &console, p, r).await?;
    review_page(
        &app,
        &console,
        &uri.0.to_string(),
        loaded,
        &filters,
        Typed::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The field a decision refusal belongs next to.
fn decision_field(code: &str, reason: &'static str, lines: &'static str) -> &'static str {
    match code {
        "review.reason_required" => reason,
        "review.invalid_decision" => "decision-keep",
        _ => lines,
    }
}

/// Keeps or withdraws the lines ticked.
async fn decide_lines(
    State(app): State<AppState>,
    console: Console,
    Path((p, r)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let loaded = load(&app, &console, p, r).await?;
    let filters = Filters::from_form(&form);
    let field = |k: &str| {
        crate::web::oidc::field(&form, k)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let typed = Typed {
        ticked: form
            .iter()
            .filter(|(k, _)| k == "line")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        decision: field("decision"),
        reason: field("reason"),
        ..Typed::default()
    };
    let body = DecisionBody {
        decision: typed.decision.clone(),
        reason: typed.reason.clone(),
        lines: Some(typed.ticked.clone()),
        criteria: LineQuery::default(),
    };
    let base = format!("/console/partners/{p}/reviews/{r}");
    match decide_as(&app, &console.caller, r, body).await {
        Ok(_) => Ok(Redirect::to(&filters.back(&base, "done.review.decided")).into_response()),
        Err(e) => {
            let status = status_of(&e);
            let at = decision_field(refusal_code(&e), "reason", "lines");
            let err = refusal(e, console.lang, at)?;
            let path = filters.back(&base, "");
            review_page(
                &app,
                &console,
                &path,
                loaded,
                &filters,
                typed,
                vec![err],
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "console/partner/review_bulk.html")]
struct BulkPage {
    f: Frame,
    partner: String,
    back: String,
    action: String,
    count: String,
    criteria: Vec<String>,
    filters: Vec<(&'static str, String)>,
    decision: String,
    reason: String,
}

/// Every line the filters select: first a confirmation with their count and a reason, then
/// the decision through the API's operation.
async fn bulk(
    State(app): State<AppState>,
    console: Console,
    Path((p, r)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let loaded = load(&app, &console, p, r).await?;
    // Only those who prepare the review get the confirmation step (the fund reads).
    decide(
        &console.caller.principal,
        &Operation::PrepareReview { at: loaded.1 },
    )
    .map_err(|d| crate::web::console::page::failed(&d))?;
    let filters = Filters::from_form(&Vec::from_iter(
        form.iter().filter(|(k, _)| k != "offset").cloned(),
    ));
    let field = |k: &str| {
        crate::web::oidc::field(&form, k)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let (decision, reason) = (field("decision"), field("reason"));
    let base = format!("/console/partners/{p}/reviews/{r}");
    let (mut errors, mut status) = (Vec::new(), StatusCode::OK);
    if field("confirm") == "yes" {
        let body = DecisionBody {
            decision: decision.clone(),
            reason: reason.clone(),
            lines: None,
            criteria: filters.query(None, PAGE),
        };
        match decide_as(&app, &console.caller, r, body).await {
            Ok(_) => {
                return Ok(
                    Redirect::to(&filters.back(&base, "done.review.decided")).into_response()
                );
            }
            Err(e) => {
                status = status_of(&e);
                let at = decision_field(refusal_code(&e), "reason", "reason");
                errors.push(refusal(e, console.lang, at)?);
            }
        }
    }
    // The count, with the API's own listing (and its refusal of a bad filter).
    let total = match lines_as(&app, &console.caller, r, &filters.query(Some(0), 1)).await {
        Ok((_, total)) => total,
        Err(e) => {
            let err = refusal(e, console.lang, "months")?;
            return review_page(
                &app,
                &console,
                &base,
                loaded,
                &filters,
                Typed::default(),
                vec![err],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let f = Frame::new(&console, &base);
    if total == 0 {
        let err = FieldError::new("bulk-decision-keep", f.t("review.bulk.none"));
        return review_page(
            &app,
            &console,
            &base,
            loaded,
            &filters,
            Typed::default(),
            vec![err],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let page = BulkPage {
        count: f.t("review.bulk.count").replace("{n}", &total.to_string()),
        criteria: filters.words(&f),
        f: f.with_errors(errors),
        partner: loaded.0.name,
        back: filters.back(&base, ""),
        action: format!("{base}/bulk"),
        filters: filters.pairs(),
        decision: if decision == "withdraw" {
            "withdraw"
        } else {
            "keep"
        }
        .to_owned(),
        reason,
    };
    Ok(render(status, &page, console.lang))
}

/// Signs the attestation (the principal only: anyone else is refused by the API's rule).
async fn sign(
    State(app): State<AppState>,
    console: Console,
    Path((p, r)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let loaded = load(&app, &console, p, r).await?;
    let field = |k: &str| {
        crate::web::oidc::field(&form, k)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let typed = Typed {
        signer_name: Some(field("signer_name")),
        statement: Some(field("statement")),
        ..Typed::default()
    };
    let body = AttestationBody {
        signer_name: field("signer_name"),
        statement: Some(field("statement")).filter(|s| !s.is_empty()),
    };
    let base = format!("/console/partners/{p}/reviews/{r}");
    match sign_as(&app, &console.caller, r, body).await {
        Ok(_) => Ok(Redirect::to(&format!("{base}?done=done.review.signed")).into_response()),
        Err(e) => {
            let status = status_of(&e);
            let undecided = refusal_code(&e) == "review.undecided";
            let mut err = refusal(e, console.lang, "signer_name")?;
            if undecided {
                // "Il reste 12 lignes à décider": the count as the page shows it.
                let f = Frame::new(&console, &base);
                err.message = remaining(&f, loaded.2.counts.undecided);
            }
            review_page(
                &app,
                &console,
                &base,
                loaded,
                &Filters::default(),
                typed,
                vec![err],
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// Downloads the signed review: the API's streamed export, its digest header and its
/// `review.export` trace.
async fn export(
    State(app): State<AppState>,
    console: Console,
    Path((p, r)): Path<(i64, i64)>,
    Query(q): Query<ExportQuery>,
) -> Shown {
    load(&app, &console, p, r).await?;
    export_as(&app, &console.caller, r, q.format.as_deref())
        .await
        .map_err(IntoResponse::into_response)
}
