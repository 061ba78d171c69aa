//! The trace, statistics and dormant-access pages exist twice — under `/console/fund` for fund
//! operators and under `/console/partners/{p}` for a partner's administrators — and differ only
//! in who may see which [`Place`]. [`Locate`] is that difference; [`routes`] mounts the seven
//! routes once for either, with handlers that are the same code.

use std::future::Future;
use std::marker::PhantomData;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, OriginalUri, Query, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;

use super::Console;
use super::page::Shown;
use super::traces::{Place, TraceForm, trace_export, trace_page};
use super::usage::{self, DormantForm, StatsForm};
use crate::state::AppState;

/// Who may see which place, read from the request (a query string or a path segment); another
/// fund's or partner's is not found, a person without the right is refused.
pub(super) trait Locate: Send + Sync + 'static {
    /// The place the request names, as `console` may see it.
    fn locate(
        app: &AppState,
        console: &Console,
        parts: &mut Parts,
    ) -> impl Future<Output = Result<Place, Response>> + Send;
}

/// The logged-in person and the place they asked for, resolved once per request.
pub(super) struct Located<L> {
    console: Console,
    place: Place,
    locate: PhantomData<L>,
}

impl<L: Locate> FromRequestParts<AppState> for Located<L> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let console = Console::from_request_parts(parts, app).await?;
        let place = L::locate(app, &console, parts).await?;
        Ok(Self {
            console,
            place,
            locate: PhantomData,
        })
    }
}

/// The seven routes under `base` (`/console/fund`, `/console/partners/{p}`).
pub(super) fn routes<L: Locate>(base: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{base}/traces"), get(traces::<L>))
        .route(&format!("{base}/traces/export"), get(traces_export::<L>))
        .route(&format!("{base}/stats"), get(stats::<L>))
        .route(&format!("{base}/stats/export"), get(stats_export::<L>))
        .route(&format!("{base}/dormant"), get(dormant::<L>))
        .route(
            &format!("{base}/dormant/disable"),
            get(disable_form::<L>).post(disable::<L>),
        )
}

async fn traces<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    Query(q): Query<TraceForm>,
) -> Shown {
    trace_page(&app, &at.console, &uri.0.to_string(), at.place, q).await
}

async fn traces_export<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    Query(q): Query<TraceForm>,
) -> Shown {
    trace_export(&app, &at.console, &uri.0.to_string(), at.place, q).await
}

async fn stats<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    Query(q): Query<StatsForm>,
) -> Shown {
    usage::stats_page(&app, &at.console, &uri.0.to_string(), at.place, q).await
}

async fn stats_export<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    Query(q): Query<StatsForm>,
) -> Shown {
    usage::stats_export(&app, &at.console, &uri.0.to_string(), at.place, q).await
}

async fn dormant<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    Query(q): Query<DormantForm>,
) -> Shown {
    usage::dormant_page(&app, &at.console, &uri.0.to_string(), at.place, q).await
}

async fn disable_form<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    Query(q): Query<DormantForm>,
) -> Shown {
    usage::disable_form(&app, &at.console, &uri.0.to_string(), at.place, q).await
}

async fn disable<L: Locate>(
    State(app): State<AppState>,
    at: Located<L>,
    uri: OriginalUri,
    body: Bytes,
) -> Shown {
    let form = at.console.form(&body)?;
    usage::disable(&app, &at.console, &uri.0.to_string(), at.place, &form).await
}
