//! `/console/fund`: what a fund operator must act on — partners, conventions whose notice date
//! is near or past (yearly tacit renewal, 3-month notice: 002 art. 17), pending access
//! requests, and roles whose quota is nearly used up.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::routing::get;
use time::{Date, Duration};

use super::{iso, operated};
use crate::convention::lifecycle::{ConventionStatus, Schedule};
use crate::listing::ListFilter;
use crate::partner::PartnerStatus;
use crate::state::AppState;
use crate::web::console::Console;
use crate::web::console::page::{Frame, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/console/fund", get(dashboard))
}

/// How far ahead a notice deadline is announced.
const NOTICE_WARNING_DAYS: i64 = 45;

/// Why a convention is on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alert {
    /// The notice deadline is within [`NOTICE_WARNING_DAYS`]: a termination letter received
    /// by then ends the convention at the period's end.
    NoticeSoon,
    /// The deadline is past: the convention renews at the period's end whatever happens.
    InNotice,
}

/// The alert of a convention's term seen on `today`, if any.
fn alert(s: &Schedule, today: Date) -> Option<Alert> {
    let deadline = s.notice_deadline?;
    if s.notice_deadline_passed {
        Some(Alert::InNotice)
    } else if deadline <= today + Duration::days(NOTICE_WARNING_DAYS) {
        Some(Alert::NoticeSoon)
    } else {
        None
    }
}

struct FundRow {
    name: String,
    partners_active: usize,
    partners_suspended: usize,
    conventions_active: usize,
    conventions_draft: usize,
    conventions_suspended: usize,
}

struct WatchRow {
    id: i64,
    number: String,
    partner_id: i64,
    partner: String,
    in_notice: bool,
    deadline: String,
    renewal: String,
}

struct FullRow {
    convention_id: i64,
    number: String,
    partner: String,
    service: String,
    role: String,
    used: usize,
    max: u32,
}

/// A fund's current yearly review campaign.
struct CampaignRow {
    id: i64,
    title: String,
    due_on: String,
    partners: u64,
    done: u64,
    in_progress: u64,
    late: u64,
    not_started: u64,
}

#[derive(Template)]
#[template(path = "console/fund/dashboard.html")]
struct DashboardPage {
    f: Frame,
    funds: Vec<FundRow>,
    watch: Vec<WatchRow>,
    pending: u64,
    full: Vec<FullRow>,
    campaigns: Vec<CampaignRow>,
}

/// Each fund's current campaign — its latest open one, else its latest — from the tallies of
/// every campaign of the funds (one grouped query), latest year first.
fn current_campaigns(tallies: Vec<crate::review::campaign::Tally>) -> Vec<CampaignRow> {
    let mut chosen: Vec<crate::review::campaign::Tally> = Vec::new();
    for t in tallies {
        let open = t.campaign.status == crate::review::CampaignStatus::Open;
        match chosen
            .iter_mut()
            .find(|c| c.campaign.fund_id == t.campaign.fund_id)
        {
            Some(c) if open && c.campaign.status != crate::review::CampaignStatus::Open => *c = t,
            Some(_) => {}
            None => chosen.push(t),
        }
    }
    chosen
        .into_iter()
        .map(|t| CampaignRow {
            id: t.campaign.id,
            title: t.campaign.title,
            due_on: iso(t.campaign.due_on),
            partners: t.partners,
            done: t.done,
            in_progress: t.in_progress,
            late: t.late,
            not_started: t.not_started,
        })
        .collect()
}

async fn dashboard(State(app): State<AppState>, console: Console, uri: OriginalUri) -> Shown {
    let fund_ids = operated(&console)?;
    let today = app.clock.now().date();
    let (mut funds, mut watch, mut full) = (Vec::new(), Vec::new(), Vec::new());
    for id in &fund_ids {
        let Some(fund) = crate::authz::lookup::fund(&app.db, *id)
            .await
            .map_err(|e| failed(&e))?
        else {
            continue;
        };
        let partners = crate::partner::list(&app.db, &fund)
            .await
            .map_err(|e| failed(&e))?;
        let conventions = crate::convention::list(&app.db, &fund)
            .await
            .map_err(|e| failed(&e))?;
        let services = crate::service::list(&app.db, &fund)
            .await
            .map_err(|e| failed(&e))?;
        let name_of = |pid: i64| {
            partners
                .iter()
                .find(|p| p.id == pid)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let count = |s: ConventionStatus| conventions.iter().filter(|c| c.status == s).count();
        funds.push(FundRow {
            name: fund.name.clone(),
            partners_active: partners
                .iter()
                .filter(|p| p.status == PartnerStatus::Active)
                .count(),
            partners_suspended: partners
                .iter()
                .filter(|p| p.status == PartnerStatus::Suspended)
                .count(),
            conventions_active: count(ConventionStatus::Active),
            conventions_draft: count(ConventionStatus::Draft),
            conventions_suspended: count(ConventionStatus::Suspended),
        });
        for c in &conventions {
            if !matches!(
                c.status,
                ConventionStatus::Active | ConventionStatus::Suspended
            ) {
                continue;
            }
            let s = c.term.schedule(today);
            if let (Some(a), Some(deadline), Some(end)) =
                (alert(&s, today), s.notice_deadline, s.period_end)
            {
                watch.push(WatchRow {
                    id: c.id,
                    number: c.number.to_string(),
                    partner_id: c.partner_id,
                    partner: name_of(c.partner_id),
                    in_notice: a == Alert::InNotice,
                    deadline: iso(deadline),
                    renewal: iso(end),
                });
            }
        }
        // Every quota of the fund in three queries, whatever the number of conventions.
        let nearly_full = crate::subscription::nearly_full_of_fund(&app.db, fund.id, today)
            .await
            .map_err(|e| failed(&e))?;
        for n in nearly_full {
            let Some(c) = conventions.iter().find(|c| c.id == n.convention_id) else {
                continue;
            };
            full.push(FullRow {
                convention_id: c.id,
                number: c.number.to_string(),
                partner: name_of(c.partner_id),
                service: services
                    .iter()
                    .find(|x| x.id == n.service_id)
                    .map(|x| x.code.to_string())
                    .unwrap_or_default(),
                role: n.quota.role.to_string(),
                used: n.used,
                max: n.quota.max_holders,
            });
        }
    }
    watch.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    let pending_filter = ListFilter::new(Some(0), Some(1), Some("pending"), None, None, None);
    let pending = crate::access_request::page_of_funds(&app.db, &fund_ids, &pending_filter)
        .await
        .map_err(|e| failed(&e))?
        .total;
    let tallies = crate::review::campaign::tallies(&app.db, &fund_ids, today)
        .await
        .map_err(|e| failed(&e))?;
    let page = DashboardPage {
        campaigns: current_campaigns(tallies),
        f: Frame::new(&console, &uri.0.to_string()),
        funds,
        watch,
        pending,
        full,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::{Alert, alert};
    use crate::convention::lifecycle::Term;

    #[test]
    fn the_notice_deadline_is_announced_45_days_ahead_then_marked_past() {
        // In force from 2021-04-20: periods end each 20 April, notice deadline 20 January.
        let term = Term::yearly_tacit(date!(2021 - 04 - 20));
        let on = |d| alert(&term.schedule(d), d);
        assert_eq!(on(date!(2026 - 11 - 30)), None);
        assert_eq!(on(date!(2026 - 12 - 10)), Some(Alert::NoticeSoon));
        assert_eq!(on(date!(2027 - 01 - 20)), Some(Alert::NoticeSoon));
        assert_eq!(on(date!(2027 - 01 - 21)), Some(Alert::InNotice));
        assert_eq!(on(date!(2027 - 04 - 20)), None, "a new period began");
    }
}
