//! The yearly reverse review (002 contract art. 2.2.2): campaigns of a fund, partners'
//! reviews, their lines, decisions, the attestation and the exports.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::partners::seen_partner;
use super::register::seen_fund;
use super::{ApiError, ApiResult, fail, internal, invalid_value, object};
use crate::authz::{self, At, Operation, decide};
use crate::partner::Partner;
use crate::review::export::{self, Format, Sink};
use crate::review::{
    self, Decision, LineFilter, PartnerReview, ReviewError, attest, campaign,
    decide as decide_lines,
};
use crate::state::AppState;
use crate::web::WebError;

fn date(s: &str) -> ApiResult<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), format).map_err(|_| {
        invalid_value(
            "date.invalid",
            format!("date {s:?} must be YYYY-MM-DD"),
            format!("La date {s:?} doit être au format AAAA-MM-JJ."),
        )
    })
}

/// A campaign to open.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CampaignBody {
    /// The year reviewed (one campaign per fund and year).
    pub(crate) year: i32,
    /// Title shown to partners.
    pub(crate) title: String,
    /// Last day to sign (`YYYY-MM-DD`).
    pub(crate) due_on: String,
    /// Only these partners (ids); absent: every active partner of the fund.
    pub(crate) partners: Option<Vec<i64>>,
}

/// Opens a campaign: one review per partner, each with its snapshot, in one transaction.
#[utoipa::path(post, path = "/funds/{fund}/campaigns", tag = "review", request_body = CampaignBody,
    params(("fund" = i64, Path, description = "Fund id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "The fund already has a campaign that year")))]
pub(super) async fn open_campaign(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<CampaignBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&open_campaign_as(&app, &caller, id, body).await?)
}

/// Opens a campaign of fund `id` for `caller` (the API and the console).
pub(crate) async fn open_campaign_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: CampaignBody,
) -> ApiResult<campaign::Opened> {
    let fund = seen_fund(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::RunCampaign { fund_id: fund.id },
    )?;
    let new = campaign::NewCampaign {
        year: body.year,
        title: body.title,
        due_on: date(&body.due_on)?,
        partners: body.partners,
    };
    campaign::open(
        &app.db,
        app.clock.now(),
        &caller.principal.actor,
        &fund,
        &new,
    )
    .await
    .map_err(|e| fail(&e))
}

/// The campaigns of fund `id` with their partners counted by progress, for `caller` (the
/// console's list and dashboard: one query).
pub(crate) async fn campaign_tallies_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<Vec<campaign::Tally>> {
    let fund = seen_fund(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::RunCampaign { fund_id: fund.id },
    )?;
    campaign::tallies(&app.db, &[fund.id], app.clock.now().date())
        .await
        .map_err(|e| fail(&e))
}

/// The fund's campaigns, latest year first.
#[utoipa::path(get, path = "/funds/{fund}/campaigns", tag = "review",
    params(("fund" = i64, Path, description = "Fund id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn list_campaigns(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let fund = seen_fund(&app, &caller, id).await?;
    decide(
        &caller.principal,
        &Operation::RunCampaign { fund_id: fund.id },
    )?;
    let all = campaign::list(&app.db, &fund).await.map_err(|e| fail(&e))?;
    object(&serde_json::json!({ "items": all }))
}

/// The fund's dashboard of a campaign: per partner done, in progress, late or not started.
#[utoipa::path(get, path = "/campaigns/{campaign}", tag = "review",
    params(("campaign" = i64, Path, description = "Campaign id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn campaign_status(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&campaign_status_as(&app, &caller, id).await?)
}

/// Campaign `id`'s status per partner, for `caller` (the API and the console); another
/// fund's campaign is not found.
pub(crate) async fn campaign_status_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<campaign::CampaignStatusReport> {
    let c = authz::lookup::campaign(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let fund = seen_fund(app, caller, c.fund_id).await?;
    decide(
        &caller.principal,
        &Operation::RunCampaign { fund_id: fund.id },
    )?;
    campaign::status(&app.db, &c, app.clock.now().date())
        .await
        .map_err(|e| fail(&e))
}

/// Who may read a review: the fund running the campaign, and the partner's administrators
/// (principal and deputy). Another partner's or fund's review is not found.
async fn readable_review(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Partner, At, PartnerReview)> {
    let r = authz::lookup::review(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, r.partner_id).await?;
    let p = &caller.principal;
    if decide(
        p,
        &Operation::RunCampaign {
            fund_id: at.fund_id,
        },
    )
    .is_err()
    {
        decide(p, &Operation::PrepareReview { at })?;
    }
    Ok((partner, at, r))
}

/// A partner's reviews, latest first, with their campaign and counts.
#[utoipa::path(get, path = "/partners/{partner}/reviews", tag = "review",
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn list_reviews(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (_, items) = reviews_as(&app, &caller, id).await?;
    object(&serde_json::json!({ "items": items }))
}

/// The reviews of partner `id`, latest first, for `caller` (the API and the console).
pub(crate) async fn reviews_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Partner, Vec<ReviewSummary>)> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    let p = &caller.principal;
    if decide(
        p,
        &Operation::RunCampaign {
            fund_id: at.fund_id,
        },
    )
    .is_err()
    {
        decide(p, &Operation::PrepareReview { at })?;
    }
    let mut items = Vec::new();
    for r in crate::store::review::reviews_of_partner(&app.db, partner.id)
        .await
        .map_err(|e| internal(&e))?
    {
        items.push(summary(app, &partner, &r).await?);
    }
    Ok((partner, items))
}

/// A review with its campaign, progress, counts and attestation.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ReviewSummary {
    /// The review.
    pub(crate) review: PartnerReview,
    /// Its campaign.
    pub(crate) campaign: review::Campaign,
    /// Done, in progress, late or not started, today.
    pub(crate) progress: review::Progress,
    /// Lines, kept, withdrawn, undecided.
    pub(crate) counts: review::Counts,
    /// The signed attestation.
    pub(crate) attestation: Option<review::Attestation>,
}

async fn summary(app: &AppState, partner: &Partner, r: &PartnerReview) -> ApiResult<ReviewSummary> {
    let h = attest::header(&app.db, partner, r)
        .await
        .map_err(|e| fail(&e))?;
    let counts = crate::store::review::counts(&app.db, r.id)
        .await
        .map_err(|e| internal(&e))?;
    let progress = review::progress(r.status, h.campaign.due_on, app.clock.now().date());
    Ok(ReviewSummary {
        review: r.clone(),
        campaign: h.campaign,
        progress,
        counts,
        attestation: h.attestation,
    })
}

/// Review `id` with its summary, for `caller` (the API and the console).
pub(crate) async fn review_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Partner, At, ReviewSummary)> {
    let (partner, at, r) = readable_review(app, caller, id).await?;
    let s = summary(app, &partner, &r).await?;
    Ok((partner, at, s))
}

/// A review: its campaign, progress, counts and attestation.
#[utoipa::path(get, path = "/reviews/{review}", tag = "review",
    params(("review" = i64, Path, description = "Review id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn get_review(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (_, _, s) = review_as(&app, &caller, id).await?;
    object(&s)
}

/// Which lines: every criterion narrows.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub(crate) struct LineQuery {
    /// Accounts that never logged in.
    #[serde(default)]
    pub(crate) never_logged_in: bool,
    /// Accounts with no login for this many months (1 to 120).
    pub(crate) no_login_months: Option<u32>,
    /// Service code.
    pub(crate) service: Option<String>,
    /// Role code.
    pub(crate) role: Option<String>,
    /// Group name.
    pub(crate) group: Option<String>,
    /// Login.
    pub(crate) login: Option<String>,
    /// Only lines not decided yet.
    #[serde(default)]
    pub(crate) undecided: bool,
    /// Lines to skip (listing only).
    pub(crate) offset: Option<u64>,
    /// Lines to return, at most 1000 (listing only; default 100).
    pub(crate) limit: Option<u64>,
}

impl LineQuery {
    fn filter(&self, ids: Option<Vec<i64>>, now: time::OffsetDateTime) -> ApiResult<LineFilter> {
        let no_login_since = match self.no_login_months {
            None => None,
            Some(m) if (1..=120).contains(&m) => Some(crate::dormant::months_before(now, m)),
            Some(_) => {
                return Err(invalid_value(
                    "review.invalid_months",
                    "no_login_months must be 1 to 120".into(),
                    "Le nombre de mois doit être compris entre 1 et 120.".into(),
                ));
            }
        };
        Ok(LineFilter {
            ids,
            never_logged_in: self.never_logged_in,
            no_login_since,
            service: self.service.clone(),
            role: self.role.clone(),
            group: self.group.clone(),
            login: self.login.clone(),
            undecided: self.undecided,
        })
    }
}

/// One page of a review's lines, filtered in SQL.
#[utoipa::path(get, path = "/reviews/{review}/lines", tag = "review",
    params(("review" = i64, Path, description = "Review id"), LineQuery),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404)))]
pub(super) async fn list_lines(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<LineQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let (offset, limit) = (
        q.offset.unwrap_or(0),
        q.limit.unwrap_or(100).clamp(1, 1_000),
    );
    let (items, total) = lines_as(&app, &caller, id, &q).await?;
    object(&serde_json::json!({ "items": items, "total": total, "offset": offset, "limit": limit }))
}

/// One page of review `id`'s lines (`q.offset`, `q.limit`: default 100, at most 1,000) and how
/// many match, for `caller` (the API and the console).
pub(crate) async fn lines_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    q: &LineQuery,
) -> ApiResult<(Vec<review::Line>, u64)> {
    let (_, _, r) = readable_review(app, caller, id).await?;
    let filter = q.filter(None, app.clock.now())?;
    let (offset, limit) = (
        q.offset.unwrap_or(0),
        q.limit.unwrap_or(100).clamp(1, 1_000),
    );
    decide_lines::lines(&app.db, &r, &filter, offset, limit)
        .await
        .map_err(|e| fail(&e))
}

/// A decision on lines: listed ids, or every line the criteria select.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DecisionBody {
    /// `keep` or `withdraw`.
    pub(crate) decision: String,
    /// Why (required to withdraw).
    #[serde(default)]
    pub(crate) reason: String,
    /// Only these lines.
    pub(crate) lines: Option<Vec<i64>>,
    /// Criteria (as in the listing).
    #[serde(flatten)]
    pub(crate) criteria: LineQuery,
}

/// Keeps or withdraws lines (principal or deputy administrator). A withdrawal applies at once:
/// the habilitation is withdrawn, the group membership ended or the account (holding nothing)
/// disabled, and the tokens concerned end.
#[utoipa::path(post, path = "/reviews/{review}/decisions", tag = "review", request_body = DecisionBody,
    params(("review" = i64, Path, description = "Review id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "The review is signed")))]
pub(super) async fn decide_review(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<DecisionBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&decide_as(&app, &caller, id, body).await?)
}

/// Keeps or withdraws lines of review `id` for `caller`, then ends the access the withdrawals
/// took away (the API and the console).
pub(crate) async fn decide_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: DecisionBody,
) -> ApiResult<decide_lines::Decided> {
    let r = authz::lookup::review(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, r.partner_id).await?;
    decide(&caller.principal, &Operation::PrepareReview { at })?;
    let decision = Decision::parse(&body.decision).ok_or_else(|| {
        invalid_value(
            "review.invalid_decision",
            "decision must be keep or withdraw".into(),
            "La décision doit être « keep » (conserver) ou « withdraw » (retirer).".into(),
        )
    })?;
    let now = app.clock.now();
    let filter = body.criteria.filter(body.lines, now)?;
    let actor = &caller.principal.actor;
    let done = decide_lines::decide(
        &app.db,
        now,
        actor,
        &partner,
        &r,
        &filter,
        decision,
        &body.reason,
    )
    .await
    .map_err(|e| fail(&e))?;
    for (subscription, accounts) in &done.end_service_access {
        super::end_service_access(app, *subscription, accounts).await?;
    }
    super::end_access(app, actor, &done.end_sessions_of).await?;
    Ok(done)
}

/// The attestation the principal signs.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AttestationBody {
    /// The name they sign with.
    pub(crate) signer_name: String,
    /// What they attest (default: the statement of contract art. 2.2.2).
    pub(crate) statement: Option<String>,
}

/// Signs the review (principal administrator only): every line must be decided; the review
/// closes for the partner, and the campaign when every partner has signed.
#[utoipa::path(post, path = "/reviews/{review}/attestation", tag = "review", request_body = AttestationBody,
    params(("review" = i64, Path, description = "Review id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "Lines undecided, or already signed")))]
pub(super) async fn sign_review(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<AttestationBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&sign_as(&app, &caller, id, body).await?)
}

/// Signs review `id` as `caller` (the API and the console).
pub(crate) async fn sign_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: AttestationBody,
) -> ApiResult<attest::Signed> {
    let r = authz::lookup::review(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, r.partner_id).await?;
    decide(&caller.principal, &Operation::SignReview { at })?;
    let sig = attest::Signature {
        signer_name: body.signer_name,
        statement: body
            .statement
            .unwrap_or_else(|| attest::DEFAULT_STATEMENT.to_owned()),
    };
    attest::sign(
        &app.db,
        app.clock.now(),
        &caller.principal.actor,
        caller.account.id,
        &partner,
        &r,
        &sig,
    )
    .await
    .map_err(|e| fail(&e))
}

/// The export's format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ExportQuery {
    /// `csv` (default), `json` or `html`.
    format: Option<String>,
}

/// An export's bytes as they are written: a channel into the response body.
pub(super) struct ChannelSink(pub(super) tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Sink for ChannelSink {
    async fn put(&mut self, chunk: Vec<u8>) -> Result<(), ReviewError> {
        self.0
            .send(Ok(Bytes::from(chunk)))
            .await
            .map_err(|_| ReviewError::Io("the client went away".to_owned()))
    }
}

/// A streamed download with its digest (RFC 9530 `Repr-Digest`) and file name.
pub(super) fn download(
    media_type: &'static str,
    file_name: &str,
    sha256_hex: Option<&str>,
    length: Option<u64>,
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> Response {
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    // Known in advance (the first pass counted the bytes): the browser shows the download's
    // progress, and a transfer cut short is seen as incomplete rather than as a shorter file.
    if let Some(n) = length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(hex_digest) = sha256_hex
        && let Ok(raw) = hex::decode(hex_digest)
    {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        if let Ok(v) = HeaderValue::from_str(&format!("sha-256=:{b64}:")) {
            h.insert("repr-digest", v);
        }
    }
    r
}

/// Downloads a signed review (the fund, or the partner's administrators): CSV, JSON or
/// printable HTML, streamed; its SHA-256 is in the `Repr-Digest` header and in the trace.
#[utoipa::path(get, path = "/reviews/{review}/export", tag = "review",
    params(("review" = i64, Path, description = "Review id"), ExportQuery),
    responses((status = 200, description = "The export", content_type = "text/csv"), (status = 400),
        (status = 403), (status = 404), (status = 409, description = "Not signed yet")))]
pub(super) async fn export_review(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    export_as(&app, &caller, id, q.format.as_deref()).await
}

/// Streams review `id`'s export in `format` (default CSV) to `caller`, its digest recorded in
/// the `review.export` trace first (the API and the console).
pub(crate) async fn export_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    format: Option<&str>,
) -> Result<Response, ApiError> {
    let (partner, _, r) = readable_review(app, caller, id).await?;
    let format = match format {
        None => Format::Csv,
        Some(f) => Format::parse(f).ok_or_else(|| {
            invalid_value(
                "review.invalid_format",
                format!("format {f:?} must be csv, json or html"),
                "Le format doit être csv, json ou html.".into(),
            )
        })?,
    };
    let header = attest::header(&app.db, &partner, &r)
        .await
        .map_err(|e| fail(&e))?;
    export::ensure_signed(&header).map_err(|e| fail(&e))?;
    // First pass: the digest, recorded in the trace before the file leaves.
    let summary = export::write(&app.db, &header, format, &mut export::Discard)
        .await
        .map_err(|e| fail(&e))?;
    attest::record_export(
        &app.db,
        app.clock.now(),
        &caller.principal.actor,
        &partner,
        &r,
        &summary,
    )
    .await
    .map_err(|e| fail(&e))?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let db = app.db.clone();
    let h = header.clone();
    tokio::spawn(async move {
        let mut sink = ChannelSink(tx.clone());
        if let Err(e) = export::write(&db, &h, format, &mut sink).await {
            tracing::warn!(error = %e, review = h.review.id, "review export interrupted");
            let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    let name = format!(
        "revue-{}-{}.{}",
        header.campaign.year,
        header.partner,
        format.as_str()
    );
    Ok(download(
        format.media_type(),
        &name,
        Some(&summary.sha256),
        Some(summary.bytes),
        rx,
    ))
}
