//! `/console/fund/campaigns`: the yearly reverse review as the fund runs it (002 contract art.
//! 2.2.2) — the campaigns with their progress ("12 / 40 signées"), the form that opens one
//! (all active partners or those ticked), and one campaign's dashboard: each partner done, in
//! progress, late or not started, with its counts, its review and its signed files. Opening
//! and the status go through `web::api::review::*_as`, like the admin API.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;

use super::{done, iso, operated, refused, value};
use crate::partner::PartnerStatus;
use crate::review::campaign::Tally;
use crate::state::AppState;
use crate::web::api::review::{
    CampaignBody, campaign_status_as, campaign_tallies_as, open_campaign_as,
};
use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, Shown, failed, render};
use crate::web::console::review::{progress, progress_code};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/fund/campaigns", get(list).post(open))
        .route("/console/fund/campaigns/{id}", get(show))
}

/// Where each refusal of the opening form is shown, by code prefix.
const FIELDS: &[(&str, &str)] = &[
    ("review.campaign_exists", "year"),
    ("review.invalid_year", "year"),
    ("review.invalid_title", "title"),
    ("review.due_in_past", "due_on"),
    ("date", "due_on"),
    ("review.no_partner", "partners"),
    ("review.foreign_partner", "partners"),
];

/// A campaign as listed.
struct Row {
    id: i64,
    fund: String,
    year: i32,
    title: String,
    due_on: String,
    open: bool,
    partners: u64,
    done: u64,
    late: u64,
}

/// A partner that may be ticked.
struct Choice {
    id: i64,
    name: String,
    number: String,
    fund: String,
}

/// The opening form as typed.
#[derive(Debug, Clone, Default)]
struct OpenForm {
    fund: i64,
    year: String,
    title: String,
    due_on: String,
    chosen: bool,
    partners: Vec<i64>,
}

impl OpenForm {
    fn ticked(&self, id: &i64) -> bool {
        self.partners.contains(id)
    }
}

#[derive(Template)]
#[template(path = "console/fund/campaigns.html")]
struct ListPage {
    f: Frame,
    rows: Vec<Row>,
    funds: Vec<(i64, String)>,
    choices: Vec<Choice>,
    v: OpenForm,
}

async fn list_page(
    app: &AppState,
    console: &Console,
    v: OpenForm,
    errors: Vec<FieldError>,
) -> Shown {
    let fund_ids = operated(console)?;
    let (mut rows, mut funds, mut choices) = (Vec::new(), Vec::new(), Vec::new());
    for id in &fund_ids {
        let Some(fund) = crate::authz::lookup::fund(&app.db, *id)
            .await
            .map_err(|e| failed(&e))?
        else {
            continue;
        };
        let tallies: Vec<Tally> = campaign_tallies_as(app, &console.caller, fund.id)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        rows.extend(tallies.into_iter().map(|t| Row {
            id: t.campaign.id,
            fund: fund.name.clone(),
            year: t.campaign.year,
            title: t.campaign.title,
            due_on: iso(t.campaign.due_on),
            open: t.campaign.status == crate::review::CampaignStatus::Open,
            partners: t.partners,
            done: t.done,
            late: t.late,
        }));
        let partners = crate::partner::list(&app.db, &fund)
            .await
            .map_err(|e| failed(&e))?;
        choices.extend(
            partners
                .into_iter()
                .filter(|p| p.status == PartnerStatus::Active)
                .map(|p| Choice {
                    id: p.id,
                    name: p.name,
                    number: p.third_party_number.to_string(),
                    fund: fund.name.clone(),
                }),
        );
        funds.push((fund.id, fund.name));
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        f: Frame::new(console, "/console/fund/campaigns").with_errors(errors),
        rows,
        funds,
        choices,
        v,
    };
    Ok(render(status, &page, console.lang))
}

async fn list(State(app): State<AppState>, console: Console) -> Shown {
    let funds = operated(&console)?;
    let year = app.clock.now().year();
    let v = OpenForm {
        fund: funds.first().copied().unwrap_or_default(),
        year: year.to_string(),
        title: format!("Revue annuelle {year}"),
        ..OpenForm::default()
    };
    list_page(&app, &console, v, Vec::new()).await
}

async fn open(State(app): State<AppState>, console: Console, body: Bytes) -> Shown {
    let form = console.form(&body)?;
    let funds = operated(&console)?;
    let v = OpenForm {
        fund: value(&form, "fund")
            .parse()
            .ok()
            .or_else(|| funds.first().copied())
            .unwrap_or_default(),
        year: value(&form, "year"),
        title: value(&form, "title"),
        due_on: value(&form, "due_on"),
        chosen: value(&form, "scope") == "chosen",
        partners: form
            .iter()
            .filter(|(k, _)| k == "partner")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    let Ok(year) = v.year.parse::<i32>() else {
        let f = Frame::new(&console, "/console/fund/campaigns");
        let err = FieldError::new("year", f.t("campaign.year.number"));
        return list_page(&app, &console, v, vec![err]).await;
    };
    let body = CampaignBody {
        year,
        title: v.title.clone(),
        due_on: v.due_on.clone(),
        // Ticking nobody is sent as an empty choice: the domain refuses it in words.
        partners: v.chosen.then(|| v.partners.clone()),
    };
    match open_campaign_as(&app, &console.caller, v.fund, body).await {
        Ok(opened) => Ok(done(
            &format!("/console/fund/campaigns/{}", opened.campaign.id),
            "done.campaign.opened",
        )),
        Err(e) => {
            let err = refused(e, &console, FIELDS, "year")?;
            list_page(&app, &console, v, vec![err]).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct StateFilter {
    state: Option<String>,
}

/// A partner's line of the dashboard.
struct PartnerRow {
    partner_id: i64,
    review_id: i64,
    name: String,
    number: String,
    state: &'static str,
    tag: &'static str,
    lines: u64,
    decided: u64,
    kept: u64,
    withdrawn: u64,
    signed: bool,
}

#[derive(Template)]
#[template(path = "console/fund/campaign.html")]
struct CampaignPage {
    f: Frame,
    id: i64,
    title: String,
    year: i32,
    due_on: String,
    open: bool,
    state: String,
    /// (state code, words, count) of each state.
    states: Vec<(&'static str, &'static str, u64)>,
    partners: u64,
    rows: Vec<PartnerRow>,
}

async fn show(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
    Query(q): Query<StateFilter>,
) -> Shown {
    operated(&console)?;
    let report = campaign_status_as(&app, &console.caller, id)
        .await
        .map_err(axum::response::IntoResponse::into_response)?;
    let f = Frame::new(&console, &uri.0.to_string());
    let state = q.state.unwrap_or_default();
    let states = [
        crate::review::Progress::Done,
        crate::review::Progress::InProgress,
        crate::review::Progress::Late,
        crate::review::Progress::NotStarted,
    ]
    .into_iter()
    .map(|p| {
        let n = match p {
            crate::review::Progress::Done => report.done,
            crate::review::Progress::InProgress => report.in_progress,
            crate::review::Progress::Late => report.late,
            crate::review::Progress::NotStarted => report.not_started,
        };
        (progress_code(p), progress(&f, p).0, n)
    })
    .collect();
    let rows = report
        .partners
        .iter()
        .filter(|p| state.is_empty() || progress_code(p.progress) == state)
        .map(|p| {
            let (words, tag) = progress(&f, p.progress);
            PartnerRow {
                partner_id: p.review.partner_id,
                review_id: p.review.id,
                name: p.partner_name.clone(),
                number: p.third_party_number.clone(),
                state: words,
                tag,
                lines: p.counts.lines,
                decided: p.counts.kept + p.counts.withdrawn,
                kept: p.counts.kept,
                withdrawn: p.counts.withdrawn,
                signed: p.progress == crate::review::Progress::Done,
            }
        })
        .collect();
    let c = &report.campaign;
    let page = CampaignPage {
        id: c.id,
        title: c.title.clone(),
        year: c.year,
        due_on: iso(c.due_on),
        open: c.status == crate::review::CampaignStatus::Open,
        state,
        states,
        partners: report.partners.len() as u64,
        rows,
        f,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}
