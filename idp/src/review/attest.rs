//! The attestation: the principal administrator signs the review (name, date, statement, counts
//! kept and withdrawn), which closes it for the partner; when every partner of the campaign has
//! signed, the campaign closes. The SHA-256 of the CSV export is computed while signing and
//! kept with the attestation and in the `review.sign` trace, so the file the fund downloads can
//! be checked against what was signed.

use serde::Serialize;
use time::OffsetDateTime;

use super::export::{self, Discard, Format, Header};
use super::{Attestation, PartnerReview, ReviewError, ReviewStatus};
use crate::actor::Actor;
use crate::audit::{self, Event, action};
use crate::partner::Partner;
use crate::store::{self, Conn, Db};

/// What the principal signs.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The name they sign with.
    pub signer_name: String,
    /// What they attest, e.g. « J'atteste avoir revu l'ensemble des habilitations … ».
    pub statement: String,
}

/// The statement proposed when none is given (002 service contract art. 2.2.2).
pub const DEFAULT_STATEMENT: &str = "J'atteste avoir procédé à la revue inverse annuelle des \
     habilitations des utilisateurs de mon organisme (contrat de service, art. 2.2.2) : les \
     habilitations conservées sont nécessaires à leurs missions, les autres ont été retirées.";

/// A signed review.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    /// The attestation.
    pub attestation: Attestation,
    /// Whether this signature closed the campaign.
    pub campaign_closed: bool,
}

/// The header of a review's exports.
pub async fn header(
    db: &impl Conn,
    partner: &Partner,
    review: &PartnerReview,
) -> Result<Header, ReviewError> {
    let campaign = store::review::campaign_by_id(db, review.campaign_id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    let fund = store::catalogue::fund_by_id(db, campaign.fund_id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    Ok(Header {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
        partner_name: partner.name.clone(),
        campaign,
        review: review.clone(),
        attestation: store::review::attestation(db, review.id).await?,
    })
}

/// Signs the review as `signer` (the principal administrator's account; `authz` decided).
/// Every line must be decided.
pub async fn sign(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    signer: i64,
    partner: &Partner,
    review: &PartnerReview,
    sig: &Signature,
) -> Result<Signed, ReviewError> {
    let name = sig.signer_name.trim();
    let statement = sig.statement.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || statement.is_empty()
        || statement.chars().count() > 4_000
    {
        return Err(ReviewError::InvalidAttestation);
    }
    let tx = db.begin_write().await?;
    let current = store::review::review_by_id(&tx, review.id)
        .await?
        .filter(|r| r.partner_id == partner.id)
        .ok_or(ReviewError::NotFound)?;
    if current.status == ReviewStatus::Signed {
        return Err(ReviewError::Closed);
    }
    let counts = store::review::counts(&tx, review.id).await?;
    if counts.undecided > 0 {
        return Err(ReviewError::Undecided(counts.undecided));
    }
    let mut attestation = Attestation {
        review_id: review.id,
        signed_by: signer,
        signer_name: name.to_owned(),
        statement: statement.to_owned(),
        kept: counts.kept,
        withdrawn: counts.withdrawn,
        signed_at: now,
        export_sha256: None,
    };
    // The CSV holds only the lines (no attestation), so its digest is final already.
    let mut h = header(&tx, partner, &current).await?;
    h.attestation = None;
    let csv = export::write(&tx, &h, Format::Csv, &mut Discard).await?;
    attestation.export_sha256 = Some(csv.sha256.clone());
    store::review::insert_attestation(&tx, &attestation).await?;
    store::review::set_review_status(&tx, review.id, ReviewStatus::Signed).await?;
    let ev = Event::new(action::REVIEW_SIGN, actor)
        .target("partner_review", review.id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "campaign": current.campaign_id,
            "signer_name": attestation.signer_name,
            "kept": counts.kept,
            "withdrawn": counts.withdrawn,
            "csv_sha256": csv.sha256,
        }));
    audit::record(&tx, now, ev).await?;
    let campaign_closed = store::review::reviews_of_campaign(&tx, current.campaign_id)
        .await?
        .iter()
        .all(|r| r.id == review.id || r.status == ReviewStatus::Signed);
    if campaign_closed {
        store::review::close_campaign(&tx, current.campaign_id, now).await?;
        let ev = Event::new(action::REVIEW_CLOSE, actor)
            .target("review_campaign", current.campaign_id)
            .fund(partner.fund_id)
            .details(serde_json::json!({ "reason": "every partner signed" }));
        audit::record(&tx, now, ev).await?;
    }
    tx.commit().await?;
    Ok(Signed {
        attestation,
        campaign_closed,
    })
}

/// Records an export in the trace (its format, size and digest), before it is handed out.
pub async fn record_export(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    review: &PartnerReview,
    summary: &export::Summary,
) -> Result<(), ReviewError> {
    let tx = db.begin_write().await?;
    let ev = Event::new(action::REVIEW_EXPORT, actor)
        .target("partner_review", review.id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "format": summary.format.as_str(),
            "sha256": summary.sha256,
            "bytes": summary.bytes,
            "lines": summary.lines,
        }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    Ok(())
}
