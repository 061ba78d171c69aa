//! Opening a campaign: the campaign, one review per partner and each partner's snapshot, in one
//! transaction (a campaign never exists half-opened). Listing campaigns and the fund's status.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::{
    Campaign, Counts, LineDetails, NewLine, PartnerReview, Progress, ReviewError, progress,
};
use crate::actor::Actor;
use crate::audit::{self, Event, action};
use crate::fund::Fund;
use crate::partner::Partner;
use crate::store::review::SnapshotSource;
use crate::store::{self, Conn, Db};

/// A campaign to open.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The year reviewed.
    pub year: i32,
    /// Title shown to partners.
    pub title: String,
    /// Last day to sign.
    pub due_on: Date,
    /// Only these partners (ids); none: every active partner of the fund.
    pub partners: Option<Vec<i64>>,
}

/// What opening a campaign did.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The campaign.
    pub campaign: Campaign,
    /// One review per partner.
    pub reviews: Vec<PartnerReview>,
    /// Lines snapshotted in all.
    pub lines: u64,
}

fn check(c: &NewCampaign, today: Date) -> Result<String, ReviewError> {
    if !(2000..=2100).contains(&c.year) {
        return Err(ReviewError::InvalidYear(c.year));
    }
    let title = c.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ReviewError::InvalidTitle);
    }
    if c.due_on < today {
        return Err(ReviewError::DueInPast(c.due_on));
    }
    Ok(title.to_owned())
}

/// The lines of a partner's snapshot: one per habilitation an account holds directly, one per
/// habilitation it holds through each of its groups, and one for each account holding none
/// (so every account is reviewed). Ordered by login, then service, role and group.
pub fn lines_of(src: &SnapshotSource) -> Vec<NewLine> {
    use std::collections::HashMap;
    let mut by_account: HashMap<i64, Vec<(&store::review::GrantFacts, Option<i64>)>> =
        HashMap::new();
    for g in &src.grants {
        if let Some(a) = g.account_id {
            by_account.entry(a).or_default().push((g, None));
        }
        if let Some(group) = g.group_id {
            for member in src.members.get(&group).into_iter().flatten() {
                by_account
                    .entry(*member)
                    .or_default()
                    .push((g, Some(group)));
            }
        }
    }
    let territory_text = |v: &serde_json::Value| -> String {
        serde_json::from_value::<crate::territory::Territory>(v.clone())
            .map_or_else(|_| v.to_string(), |t| t.to_string())
    };
    let mut out = Vec::with_capacity(src.grants.len() + src.accounts.len());
    for a in &src.accounts {
        let base = LineDetails {
            given_name: a.given_name.clone(),
            family_name: a.family_name.clone(),
            account_status: a.status.clone(),
            ..LineDetails::default()
        };
        let mut held = by_account.remove(&a.id).unwrap_or_default();
        held.sort_by(|(x, xg), (y, yg)| {
            (&x.service, &x.role, xg, x.id).cmp(&(&y.service, &y.role, yg, y.id))
        });
        if held.is_empty() {
            out.push(NewLine {
                account_id: a.id,
                login: a.login.clone(),
                habilitation_id: None,
                via_group_id: None,
                group: None,
                service: None,
                role: None,
                last_login_at: a.last_login_at,
                details: base,
            });
            continue;
        }
        for (g, via) in held {
            out.push(NewLine {
                account_id: a.id,
                login: a.login.clone(),
                habilitation_id: Some(g.id),
                via_group_id: via,
                group: via.and_then(|id| src.groups.get(&id).cloned()),
                service: Some(g.service.clone()),
                role: Some(g.role.clone()),
                last_login_at: a.last_login_at,
                details: LineDetails {
                    convention: Some(g.convention.clone()),
                    granted_at: Some(g.granted_at.date().to_string()),
                    granted_by: Some(
                        g.granted_by
                            .and_then(|id| src.granters.get(&id).cloned())
                            .unwrap_or_else(|| "system".to_owned()),
                    ),
                    valid_from: Some(g.valid_from.to_string()),
                    valid_until: g.valid_until.map(|d| d.to_string()),
                    territory: Some(territory_text(&g.territory)),
                    ..base.clone()
                },
            });
        }
    }
    out
}

/// Opens a campaign for the fund: every active partner, or the listed ones. The campaign, the
/// reviews, every snapshot line and the `review.open` trace are written in one transaction.
pub async fn open(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    new: &NewCampaign,
) -> Result<Opened, ReviewError> {
    let title = check(new, now.date())?;
    let tx = db.begin_write().await?;
    if store::review::campaign_of_year(&tx, fund.id, new.year)
        .await?
        .is_some()
    {
        return Err(ReviewError::CampaignExists(new.year));
    }
    let all = store::partner::of_fund(&tx, fund.id).await?;
    let partners: Vec<Partner> = match &new.partners {
        None => all
            .into_iter()
            .filter(|p| p.status == crate::partner::PartnerStatus::Active)
            .collect(),
        Some(ids) => {
            let mut chosen = Vec::new();
            for id in ids {
                let p = all
                    .iter()
                    .find(|p| p.id == *id)
                    .ok_or(ReviewError::ForeignPartner(*id))?;
                if !chosen.iter().any(|c: &Partner| c.id == p.id) {
                    chosen.push(p.clone());
                }
            }
            chosen
        }
    };
    if partners.is_empty() {
        return Err(ReviewError::NoPartner);
    }
    let campaign = store::review::insert_campaign(
        &tx,
        now,
        fund.id,
        new.year,
        &title,
        new.due_on,
        actor.account_id(),
    )
    .await?;
    let mut reviews = Vec::with_capacity(partners.len());
    let mut total = 0u64;
    for p in &partners {
        let review = store::review::insert_review(&tx, now, campaign.id, p.id).await?;
        let src = store::review::snapshot_source(&tx, p.id, now.date()).await?;
        let lines = lines_of(&src);
        store::review::insert_lines(&tx, review.id, &lines).await?;
        total += lines.len() as u64;
        let ev = Event::new(action::REVIEW_SNAPSHOT, actor)
            .target("partner_review", review.id)
            .fund(fund.id)
            .partner(p.id)
            .details(serde_json::json!({
                "campaign": campaign.id,
                "year": campaign.year,
                "lines": lines.len(),
                "accounts": src.accounts.len(),
                "habilitations": src.grants.len(),
            }));
        audit::record(&tx, now, ev).await?;
        reviews.push(review);
    }
    let ev = Event::new(action::REVIEW_OPEN, actor)
        .target("review_campaign", campaign.id)
        .fund(fund.id)
        .details(serde_json::json!({
            "year": campaign.year,
            "title": campaign.title,
            "due_on": campaign.due_on.to_string(),
            "partners": partners.len(),
            "lines": total,
        }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    Ok(Opened {
        campaign,
        reviews,
        lines: total,
    })
}

/// The fund's campaigns, latest first.
pub async fn list(db: &impl Conn, fund: &Fund) -> Result<Vec<Campaign>, ReviewError> {
    Ok(store::review::campaigns_of_fund(db, fund.id).await?)
}

/// A campaign of the fund (another fund's is not found).
pub async fn find(db: &impl Conn, fund_id: i64, id: i64) -> Result<Campaign, ReviewError> {
    store::review::campaign_by_id(db, id)
        .await?
        .filter(|c| c.fund_id == fund_id)
        .ok_or(ReviewError::NotFound)
}

/// The fund's campaign of a year.
pub async fn of_year(db: &impl Conn, fund: &Fund, year: i32) -> Result<Campaign, ReviewError> {
    store::review::campaign_of_year(db, fund.id, year)
        .await?
        .ok_or(ReviewError::NotFound)
}

/// One partner's line of the fund's dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerStatus {
    /// The review.
    pub review: PartnerReview,
    /// Partner's third-party number.
    pub third_party_number: String,
    /// Partner's name.
    pub partner_name: String,
    /// Done, in progress, late, not started.
    pub progress: Progress,
    /// Its counts.
    pub counts: Counts,
}

/// The fund's dashboard of a campaign.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignStatusReport {
    /// The campaign.
    pub campaign: Campaign,
    /// Partners done.
    pub done: u64,
    /// Partners in progress.
    pub in_progress: u64,
    /// Partners late.
    pub late: u64,
    /// Partners not started.
    pub not_started: u64,
    /// Each partner.
    pub partners: Vec<PartnerStatus>,
}

/// Per partner: done, in progress, late or not started on `today`.
pub async fn status(
    db: &impl Conn,
    campaign: &Campaign,
    today: Date,
) -> Result<CampaignStatusReport, ReviewError> {
    let mut report = CampaignStatusReport {
        campaign: campaign.clone(),
        done: 0,
        in_progress: 0,
        late: 0,
        not_started: 0,
        partners: Vec::new(),
    };
    for review in store::review::reviews_of_campaign(db, campaign.id).await? {
        let partner = store::partner::by_id(db, review.partner_id)
            .await?
            .ok_or(ReviewError::NotFound)?;
        let p = progress(review.status, campaign.due_on, today);
        match p {
            Progress::Done => report.done += 1,
            Progress::InProgress => report.in_progress += 1,
            Progress::Late => report.late += 1,
            Progress::NotStarted => report.not_started += 1,
        }
        report.partners.push(PartnerStatus {
            counts: store::review::counts(db, review.id).await?,
            review,
            third_party_number: partner.third_party_number.to_string(),
            partner_name: partner.name,
            progress: p,
        });
    }
    Ok(report)
}

/// The partner's review in a campaign.
pub async fn review_of(
    db: &impl Conn,
    campaign: &Campaign,
    partner: &Partner,
) -> Result<PartnerReview, ReviewError> {
    store::review::reviews_of_campaign(db, campaign.id)
        .await?
        .into_iter()
        .find(|r| r.partner_id == partner.id)
        .ok_or(ReviewError::NotFound)
}

/// A campaign with its partners counted by progress (the fund's list and dashboard).
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    /// The campaign.
    pub campaign: Campaign,
    /// Partners reviewed.
    pub partners: u64,
    /// Signed.
    pub done: u64,
    /// Started, due date not passed.
    pub in_progress: u64,
    /// Unsigned after the due date.
    pub late: u64,
    /// Nothing decided, due date not passed.
    pub not_started: u64,
}

/// The campaigns of these funds with their progress on `today`, latest year first; one query.
pub async fn tallies(
    db: &impl Conn,
    fund_ids: &[i64],
    today: Date,
) -> Result<Vec<Tally>, ReviewError> {
    let mut out: Vec<Tally> = Vec::new();
    for (campaign, status, n) in store::review::campaign_tallies(db, fund_ids).await? {
        let p = progress(status, campaign.due_on, today);
        let i = match out.iter().position(|t| t.campaign.id == campaign.id) {
            Some(i) => i,
            None => {
                out.push(Tally {
                    campaign,
                    partners: 0,
                    done: 0,
                    in_progress: 0,
                    late: 0,
                    not_started: 0,
                });
                out.len() - 1
            }
        };
        if let Some(t) = out.get_mut(i) {
            t.partners += n;
            match p {
                Progress::Done => t.done += n,
                Progress::InProgress => t.in_progress += n,
                Progress::Late => t.late += n,
                Progress::NotStarted => t.not_started += n,
            }
        }
    }
    Ok(out)
}
