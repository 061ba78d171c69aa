//! `/console/partners/{p}/traces`, `…/stats`, `…/dormant`: the partner's trace, its monthly
//! usage figures and its dormant accounts, for its principal and deputy administrators (and
//! the fund's operators) — `authz` operation `ViewTrace`: delegated managers and agents are
//! refused, another partner is not found (issue #8 points 5, 7, 8). The pages and their routes
//! are the shared ones of `console::located`.

use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::web::api::partners::fund_of;
use crate::web::api::traces::traced_partner;
use crate::web::console::Console;
use crate::web::console::located::{self, Locate};
use crate::web::console::traces::Place;

pub(super) fn routes() -> Router<AppState> {
    located::routes::<PartnerPlace>("/console/partners/{p}")
}

/// The partner pages' place: the partner of the path.
struct PartnerPlace;

impl Locate for PartnerPlace {
    async fn locate(
        app: &AppState,
        console: &Console,
        parts: &mut Parts,
    ) -> Result<Place, Response> {
        let Path(p) = Path::<i64>::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        place(app, console, p).await
    }
}

/// Partner `p` if the person may read its trace (the same decision as the admin API's).
async fn place(app: &AppState, console: &Console, p: i64) -> Result<Place, Response> {
    let (partner, _) = traced_partner(app, &console.caller, p)
        .await
        .map_err(IntoResponse::into_response)?;
    let fund = fund_of(app, &partner)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(Place {
        fund,
        partner: Some((
            partner.id,
            partner.third_party_number.as_str().to_owned(),
            partner.name,
        )),
        base: format!("/console/partners/{p}"),
        partners: None,
        funds: Vec::new(),
    })
}
