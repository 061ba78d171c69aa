//! `/console/fund/traces`, `/console/fund/stats`, `/console/fund/dormant`: the fund's trace,
//! its monthly usage figures and its partners' dormant accounts, narrowed to one partner at
//! will (issue #8 points 5, 7, 8). The pages and their routes are the shared ones of
//! `console::located`; here is only who sees which fund.

use axum::Router;
use axum::extract::Query;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::operated;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::traces::traced_fund;
use crate::web::console::Console;
use crate::web::console::located::{self, Locate};
use crate::web::console::page::failed;
use crate::web::console::traces::Place;

pub(super) fn routes() -> Router<AppState> {
    located::routes::<FundPlace>("/console/fund")
}

/// The fund pages' place: `?fund=` and `?partner=` among those the person operates.
struct FundPlace;

impl Locate for FundPlace {
    async fn locate(
        app: &AppState,
        console: &Console,
        parts: &mut Parts,
    ) -> Result<Place, Response> {
        let Query(at) =
            Query::<PlaceForm>::try_from_uri(&parts.uri).map_err(IntoResponse::into_response)?;
        place(app, console, &at).await
    }
}

/// Which fund (for an operator of several) and which partner, as chosen.
#[derive(Debug, Default, Deserialize)]
struct PlaceForm {
    fund: Option<String>,
    partner: Option<String>,
}

fn not_found() -> Response {
    WebError::NotFound.into_response()
}

/// An id typed in a select, none when empty; anything else is not found.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, built once on a rare path"
)]
fn id(typed: Option<&str>) -> Result<Option<i64>, Response> {
    match typed.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| not_found()),
    }
}

/// The fund chosen among those the person operates (the first by default), and the partner
/// chosen among its partners; another fund's or partner's id is not found.
async fn place(app: &AppState, console: &Console, q: &PlaceForm) -> Result<Place, Response> {
    let funds = operated(console)?;
    let chosen = match id(q.fund.as_deref())? {
        Some(f) => f,
        None => funds.first().copied().ok_or_else(not_found)?,
    };
    let fund = traced_fund(app, &console.caller, chosen)
        .await
        .map_err(IntoResponse::into_response)?;
    let partners = crate::partner::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let partner = match id(q.partner.as_deref())? {
        None => None,
        Some(p) => {
            let p = partners.iter().find(|x| x.id == p).ok_or_else(not_found)?;
            Some((
                p.id,
                p.third_party_number.as_str().to_owned(),
                p.name.clone(),
            ))
        }
    };
    let mut names = Vec::new();
    if funds.len() > 1 {
        for f in funds {
            if let Some(f) = crate::authz::lookup::fund(&app.db, f)
                .await
                .map_err(|e| failed(&e))?
            {
                names.push((f.id, f.name));
            }
        }
    }
    Ok(Place {
        fund,
        partner,
        base: "/console/fund".to_owned(),
        partners: Some(partners.into_iter().map(|p| (p.id, p.name)).collect()),
        funds: names,
    })
}
