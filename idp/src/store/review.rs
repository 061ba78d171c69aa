//! Storage of the yearly reverse review: campaigns, partners' reviews, their lines (the
//! snapshot, inserted in chunks), attestations and reminders.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, JoinType, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait, Set,
};
use time::{Date, OffsetDateTime};

use super::entity::{
    account, account_group, convention, group_membership, habilitation, partner_review,
    review_attestation, review_campaign, review_item, review_reminder, service, service_role,
    subscription,
};
use super::{Conn, StoreError, Tx};
use crate::review::{
    Attestation, Campaign, CampaignStatus, Counts, Decision, Line, LineDetails, LineFilter,
    NewLine, PartnerReview, ReviewStatus,
};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("review: {what}"))
}

fn campaign_of(m: review_campaign::Model) -> Result<Campaign, StoreError> {
    Ok(Campaign {
        id: m.id,
        fund_id: m.fund_id,
        year: m.year,
        title: m.title,
        due_on: m.due_on,
        status: CampaignStatus::parse(&m.status).ok_or_else(|| corrupt("campaign status"))?,
        opened_at: m.opened_at,
        closed_at: m.closed_at,
    })
}

fn review_of(m: &partner_review::Model) -> Result<PartnerReview, StoreError> {
    Ok(PartnerReview {
        id: m.id,
        campaign_id: m.campaign_id,
        partner_id: m.partner_id,
        status: ReviewStatus::parse(&m.status).ok_or_else(|| corrupt("review status"))?,
        snapshot_at: m.snapshot_at,
        late_policy_applied_at: m.late_policy_applied_at,
    })
}

fn line_of(m: review_item::Model) -> Result<Line, StoreError> {
    let details: LineDetails =
        serde_json::from_value(m.snapshot).map_err(|_| corrupt("line snapshot"))?;
    let decision = m
        .decision
        .as_deref()
        .map(|d| Decision::parse(d).ok_or_else(|| corrupt("line decision")))
        .transpose()?;
    Ok(Line {
        id: m.id,
        review_id: m.review_id,
        account_id: m.account_id,
        login: m.login,
        habilitation_id: m.habilitation_id,
        via_group_id: m.via_group_id,
        group: m.group_name,
        service: m.service,
        role: m.role,
        last_login_at: m.last_login_at,
        details,
        decision,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
    })
}

/// Whether the fund has a campaign that year.
pub async fn campaign_of_year(
    db: &impl Conn,
    fund_id: i64,
    year: i32,
) -> Result<Option<Campaign>, StoreError> {
    review_campaign::Entity::find()
        .filter(review_campaign::Column::FundId.eq(fund_id))
        .filter(review_campaign::Column::Year.eq(year))
        .one(db.c())
        .await?
        .map(campaign_of)
        .transpose()
}

/// Inserts an open campaign.
pub async fn insert_campaign(
    tx: &Tx,
    now: OffsetDateTime,
    fund_id: i64,
    year: i32,
    title: &str,
    due_on: Date,
    opened_by: Option<i64>,
) -> Result<Campaign, StoreError> {
    let m = review_campaign::ActiveModel {
        fund_id: Set(fund_id),
        year: Set(year),
        title: Set(title.to_owned()),
        due_on: Set(due_on),
        status: Set(CampaignStatus::Open.as_str().to_owned()),
        opened_by: Set(opened_by),
        opened_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    campaign_of(m)
}

/// A campaign by id.
pub async fn campaign_by_id(db: &impl Conn, id: i64) -> Result<Option<Campaign>, StoreError> {
    review_campaign::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(campaign_of)
        .transpose()
}

/// The fund's campaigns, latest year first.
pub async fn campaigns_of_fund(db: &impl Conn, fund_id: i64) -> Result<Vec<Campaign>, StoreError> {
    review_campaign::Entity::find()
        .filter(review_campaign::Column::FundId.eq(fund_id))
        .order_by_desc(review_campaign::Column::Year)
        .all(db.c())
        .await?
        .into_iter()
        .map(campaign_of)
        .collect()
}

/// Open campaigns of every fund (the reminder job).
pub async fn open_campaigns(db: &impl Conn) -> Result<Vec<Campaign>, StoreError> {
    review_campaign::Entity::find()
        .filter(review_campaign::Column::Status.eq(CampaignStatus::Open.as_str()))
        .order_by_asc(review_campaign::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(campaign_of)
        .collect()
}

/// Closes a campaign.
pub async fn close_campaign(tx: &Tx, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
    review_campaign::Entity::update_many()
        .col_expr(
            review_campaign::Column::Status,
            Expr::value(CampaignStatus::Closed.as_str()),
        )
        .col_expr(review_campaign::Column::ClosedAt, Expr::value(Some(now)))
        .filter(review_campaign::Column::Id.eq(id))
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Inserts a partner's review, its snapshot taken `now`.
pub async fn insert_review(
    tx: &Tx,
    now: OffsetDateTime,
    campaign_id: i64,
    partner_id: i64,
) -> Result<PartnerReview, StoreError> {
    let m = partner_review::ActiveModel {
        campaign_id: Set(campaign_id),
        partner_id: Set(partner_id),
        status: Set(ReviewStatus::NotStarted.as_str().to_owned()),
        snapshot_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    review_of(&m)
}

/// A review by id.
pub async fn review_by_id(db: &impl Conn, id: i64) -> Result<Option<PartnerReview>, StoreError> {
    partner_review::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .as_ref()
        .map(review_of)
        .transpose()
}

/// The reviews of a campaign, by id.
pub async fn reviews_of_campaign(
    db: &impl Conn,
    campaign_id: i64,
) -> Result<Vec<PartnerReview>, StoreError> {
    partner_review::Entity::find()
        .filter(partner_review::Column::CampaignId.eq(campaign_id))
        .order_by_asc(partner_review::Column::Id)
        .all(db.c())
        .await?
        .iter()
        .map(review_of)
        .collect()
}

/// A partner's reviews, latest first.
pub async fn reviews_of_partner(
    db: &impl Conn,
    partner_id: i64,
) -> Result<Vec<PartnerReview>, StoreError> {
    partner_review::Entity::find()
        .filter(partner_review::Column::PartnerId.eq(partner_id))
        .order_by_desc(partner_review::Column::Id)
        .all(db.c())
        .await?
        .iter()
        .map(review_of)
        .collect()
}

/// A campaign row with one stored review status and how many reviews have it.
type TallyRow = (
    i64,
    i64,
    i32,
    String,
    Date,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
    String,
    i64,
);

/// The campaigns of these funds, each with its reviews counted by stored status: one grouped
/// query (the fund's dashboard and its list of campaigns), latest year first.
pub async fn campaign_tallies(
    db: &impl Conn,
    fund_ids: &[i64],
) -> Result<Vec<(Campaign, ReviewStatus, u64)>, StoreError> {
    use review_campaign::Column as C;
    let rows: Vec<TallyRow> = partner_review::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::FundId,
            C::Year,
            C::Title,
            C::DueOn,
            C::Status,
            C::OpenedAt,
            C::ClosedAt,
        ])
        .column(partner_review::Column::Status)
        .column_as(partner_review::Column::Id.count(), "n")
        .join(
            JoinType::InnerJoin,
            partner_review::Relation::Campaign.def(),
        )
        .filter(C::FundId.is_in(fund_ids.iter().copied()))
        .group_by(C::Id)
        .group_by(C::FundId)
        .group_by(C::Year)
        .group_by(C::Title)
        .group_by(C::DueOn)
        .group_by(C::Status)
        .group_by(C::OpenedAt)
        .group_by(C::ClosedAt)
        .group_by(partner_review::Column::Status)
        .order_by_desc(C::Year)
        .order_by_asc(C::Id)
        .into_tuple()
        .all(db.c())
        .await?;
    rows.into_iter()
        .map(
            |(id, fund_id, year, title, due_on, status, opened_at, closed_at, review, n)| {
                let campaign = campaign_of(review_campaign::Model {
                    id,
                    fund_id,
                    year,
                    title,
                    due_on,
                    status,
                    opened_by: None,
                    opened_at,
                    closed_at,
                })?;
                let review =
                    ReviewStatus::parse(&review).ok_or_else(|| corrupt("review status"))?;
                Ok((campaign, review, u64::try_from(n).unwrap_or(0)))
            },
        )
        .collect()
}

/// Sets a review's stored status.
pub async fn set_review_status(tx: &Tx, id: i64, status: ReviewStatus) -> Result<(), StoreError> {
    partner_review::Entity::update_many()
        .col_expr(partner_review::Column::Status, Expr::value(status.as_str()))
        .filter(partner_review::Column::Id.eq(id))
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Marks the late policy applied; false when another node already did.
pub async fn mark_late_policy(tx: &Tx, id: i64, now: OffsetDateTime) -> Result<bool, StoreError> {
    let r = partner_review::Entity::update_many()
        .col_expr(
            partner_review::Column::LatePolicyAppliedAt,
            Expr::value(Some(now)),
        )
        .filter(partner_review::Column::Id.eq(id))
        .filter(partner_review::Column::LatePolicyAppliedAt.is_null())
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// An account of the partner as the snapshot needs it.
#[derive(Debug, Clone)]
pub struct AccountFacts {
    /// Id.
    pub id: i64,
    /// Login.
    pub login: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Status.
    pub status: String,
    /// Last login.
    pub last_login_at: Option<OffsetDateTime>,
}

/// A habilitation in force as the snapshot needs it.
#[derive(Debug, Clone)]
pub struct GrantFacts {
    /// Id.
    pub id: i64,
    /// Holder account.
    pub account_id: Option<i64>,
    /// Holder group.
    pub group_id: Option<i64>,
    /// Service code.
    pub service: String,
    /// Role code.
    pub role: String,
    /// Convention number.
    pub convention: String,
    /// Its own territory (JSON), or the convention's.
    pub territory: serde_json::Value,
    /// Granted when.
    pub granted_at: OffsetDateTime,
    /// Granted by (account id).
    pub granted_by: Option<i64>,
    /// First day.
    pub valid_from: Date,
    /// Last day.
    pub valid_until: Option<Date>,
}

/// Everything a partner's snapshot is made of, read in a handful of queries.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSource {
    /// The partner's accounts that are not disabled, by id.
    pub accounts: Vec<AccountFacts>,
    /// Group names by id (groups not deleted).
    pub groups: BTreeMap<i64, String>,
    /// Members of each group.
    pub members: BTreeMap<i64, Vec<i64>>,
    /// Habilitations in force (active, within their dates) under the partner's conventions.
    pub grants: Vec<GrantFacts>,
    /// Logins of the granters.
    pub granters: HashMap<i64, String>,
}

/// Reads what a partner's snapshot needs, in the caller's transaction.
pub async fn snapshot_source(
    db: &impl Conn,
    partner_id: i64,
    today: Date,
) -> Result<SnapshotSource, StoreError> {
    let accounts = account::Entity::find()
        .filter(account::Column::PartnerId.eq(partner_id))
        .filter(account::Column::Status.ne("disabled"))
        .order_by_asc(account::Column::Login)
        .all(db.c())
        .await?
        .into_iter()
        .map(|a| AccountFacts {
            id: a.id,
            login: a.login,
            given_name: a.given_name,
            family_name: a.family_name,
            status: a.status,
            last_login_at: a.last_login_at,
        })
        .collect::<Vec<_>>();
    let groups: BTreeMap<i64, String> = account_group::Entity::find()
        .filter(account_group::Column::PartnerId.eq(partner_id))
        .filter(account_group::Column::DeletedAt.is_null())
        .all(db.c())
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let mut members: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    if !groups.is_empty() {
        let rows: Vec<(i64, i64)> = group_membership::Entity::find()
            .select_only()
            .column(group_membership::Column::GroupId)
            .column(group_membership::Column::AccountId)
            .filter(group_membership::Column::GroupId.is_in(groups.keys().copied()))
            .into_tuple()
            .all(db.c())
            .await?;
        for (g, a) in rows {
            members.entry(g).or_default().push(a);
        }
    }
    let conventions: HashMap<i64, (String, serde_json::Value)> = convention::Entity::find()
        .filter(convention::Column::PartnerId.eq(partner_id))
        .all(db.c())
        .await?
        .into_iter()
        .map(|c| (c.id, (c.number, c.territory)))
        .collect();
    let mut grants = Vec::new();
    if !conventions.is_empty() {
        let subs: HashMap<i64, (i64, i64)> = subscription::Entity::find()
            .filter(subscription::Column::ConventionId.is_in(conventions.keys().copied()))
            .all(db.c())
            .await?
            .into_iter()
            .map(|s| (s.id, (s.convention_id, s.service_id)))
            .collect();
        let services: HashMap<i64, String> = service::Entity::find()
            .filter(service::Column::Id.is_in(subs.values().map(|(_, s)| *s)))
            .all(db.c())
            .await?
            .into_iter()
            .map(|s| (s.id, s.code))
            .collect();
        let roles: HashMap<i64, String> = service_role::Entity::find()
            .filter(service_role::Column::ServiceId.is_in(services.keys().copied()))
            .all(db.c())
            .await?
            .into_iter()
            .map(|r| (r.id, r.code))
            .collect();
        let rows = if subs.is_empty() {
            Vec::new()
        } else {
            habilitation::Entity::find()
                .filter(habilitation::Column::SubscriptionId.is_in(subs.keys().copied()))
                .filter(habilitation::Column::Status.eq("active"))
                .filter(habilitation::Column::ValidFrom.lte(today))
                .filter(
                    Condition::any()
                        .add(habilitation::Column::ValidUntil.is_null())
                        .add(habilitation::Column::ValidUntil.gte(today)),
                )
                .order_by_asc(habilitation::Column::Id)
                .all(db.c())
                .await?
        };
        for h in rows {
            let (conv_id, service_id) = subs
                .get(&h.subscription_id)
                .copied()
                .ok_or_else(|| corrupt("subscription"))?;
            let (number, conv_territory) = conventions
                .get(&conv_id)
                .ok_or_else(|| corrupt("convention"))?;
            grants.push(GrantFacts {
                id: h.id,
                account_id: h.account_id,
                group_id: h.group_id,
                service: services.get(&service_id).cloned().unwrap_or_default(),
                role: roles.get(&h.service_role_id).cloned().unwrap_or_default(),
                convention: number.clone(),
                territory: h.territory.unwrap_or_else(|| conv_territory.clone()),
                granted_at: h.granted_at,
                granted_by: h.granted_by,
                valid_from: h.valid_from,
                valid_until: h.valid_until,
            });
        }
    }
    let granter_ids: BTreeSet<i64> = grants.iter().filter_map(|g| g.granted_by).collect();
    let mut granters = HashMap::new();
    for chunk in granter_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(i64, String)> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .column(account::Column::Login)
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db.c())
            .await?;
        granters.extend(rows);
    }
    Ok(SnapshotSource {
        accounts,
        groups,
        members,
        grants,
        granters,
    })
}

/// Inserts the snapshot's lines in chunks (a few statements for 50,000 lines).
pub async fn insert_lines(tx: &Tx, review_id: i64, lines: &[NewLine]) -> Result<(), StoreError> {
    // 14 bound values per row: 1,000 rows stay under every backend's parameter limit.
    for chunk in lines.chunks(1_000) {
        let rows = chunk
            .iter()
            .map(|l| {
                let snapshot = serde_json::to_value(&l.details)
                    .map_err(|e| StoreError::Corrupt(format!("line snapshot: {e}")))?;
                Ok(review_item::ActiveModel {
                    review_id: Set(review_id),
                    account_id: Set(l.account_id),
                    habilitation_id: Set(l.habilitation_id),
                    via_group_id: Set(l.via_group_id),
                    snapshot: Set(snapshot),
                    decision: Set(None),
                    decided_by: Set(None),
                    decided_at: Set(None),
                    login: Set(l.login.clone()),
                    service: Set(l.service.clone()),
                    role: Set(l.role.clone()),
                    group_name: Set(l.group.clone()),
                    last_login_at: Set(l.last_login_at),
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        review_item::Entity::insert_many(rows)
            .exec_without_returning(tx.c())
            .await?;
    }
    Ok(())
}

fn line_condition(review_id: i64, f: &LineFilter) -> Condition {
    let mut c = Condition::all().add(review_item::Column::ReviewId.eq(review_id));
    if let Some(ids) = &f.ids {
        c = c.add(review_item::Column::Id.is_in(ids.iter().copied()));
    }
    if f.never_logged_in {
        c = c.add(review_item::Column::LastLoginAt.is_null());
    }
    if let Some(since) = f.no_login_since {
        c = c.add(
            Condition::any()
                .add(review_item::Column::LastLoginAt.is_null())
                .add(review_item::Column::LastLoginAt.lt(since)),
        );
    }
    if let Some(s) = &f.service {
        c = c.add(review_item::Column::Service.eq(s.to_ascii_lowercase()));
    }
    if let Some(r) = &f.role {
        c = c.add(review_item::Column::Role.eq(r.trim()));
    }
    if let Some(g) = &f.group {
        c = c.add(review_item::Column::GroupName.eq(g.as_str()));
    }
    if let Some(l) = &f.login {
        c = c.add(review_item::Column::Login.eq(l.to_lowercase()));
    }
    if f.undecided {
        c = c.add(review_item::Column::Decision.is_null());
    }
    c
}

/// One page of a review's lines matching the filter, by id, and how many match in all.
pub async fn lines_page(
    db: &impl Conn,
    review_id: i64,
    filter: &LineFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Line>, u64), StoreError> {
    let cond = line_condition(review_id, filter);
    let total = review_item::Entity::find()
        .filter(cond.clone())
        .count(db.c())
        .await?;
    let rows = review_item::Entity::find()
        .filter(cond)
        .order_by_asc(review_item::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db.c())
        .await?;
    Ok((
        rows.into_iter().map(line_of).collect::<Result<_, _>>()?,
        total,
    ))
}

/// Every line matching the filter (a bulk decision), by id.
pub async fn lines_matching(
    db: &impl Conn,
    review_id: i64,
    filter: &LineFilter,
) -> Result<Vec<Line>, StoreError> {
    review_item::Entity::find()
        .filter(line_condition(review_id, filter))
        .order_by_asc(review_item::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(line_of)
        .collect()
}

/// The lines after `after_id`, at most `limit` (exports read a review page by page).
pub async fn lines_after(
    db: &impl Conn,
    review_id: i64,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Line>, StoreError> {
    review_item::Entity::find()
        .filter(review_item::Column::ReviewId.eq(review_id))
        .filter(review_item::Column::Id.gt(after_id))
        .order_by_asc(review_item::Column::Id)
        .limit(limit)
        .all(db.c())
        .await?
        .into_iter()
        .map(line_of)
        .collect()
}

/// Records a decision on lines (one statement per chunk).
pub async fn set_decision(
    tx: &Tx,
    ids: &[i64],
    decision: Decision,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in ids.chunks(1_000) {
        n += review_item::Entity::update_many()
            .col_expr(
                review_item::Column::Decision,
                Expr::value(decision.as_str()),
            )
            .col_expr(review_item::Column::DecidedBy, Expr::value(by))
            .col_expr(review_item::Column::DecidedAt, Expr::value(Some(now)))
            .filter(review_item::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx.c())
            .await?
            .rows_affected;
    }
    Ok(n)
}

/// Lines kept, withdrawn and undecided.
pub async fn counts(db: &impl Conn, review_id: i64) -> Result<Counts, StoreError> {
    let rows: Vec<(Option<String>, i64)> = review_item::Entity::find()
        .select_only()
        .column(review_item::Column::Decision)
        .column_as(review_item::Column::Id.count(), "n")
        .filter(review_item::Column::ReviewId.eq(review_id))
        .group_by(review_item::Column::Decision)
        .into_tuple()
        .all(db.c())
        .await?;
    let mut c = Counts::default();
    for (d, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        c.lines += n;
        match d.as_deref() {
            Some("keep") => c.kept += n,
            Some("withdraw") => c.withdrawn += n,
            _ => c.undecided += n,
        }
    }
    Ok(c)
}

/// Inserts the attestation.
pub async fn insert_attestation(tx: &Tx, a: &Attestation) -> Result<(), StoreError> {
    let n = |v: u64| i32::try_from(v).map_err(|_| corrupt("count"));
    review_attestation::ActiveModel {
        review_id: Set(a.review_id),
        signed_by: Set(a.signed_by),
        signer_name: Set(a.signer_name.clone()),
        statement: Set(a.statement.clone()),
        kept_count: Set(n(a.kept)?),
        withdrawn_count: Set(n(a.withdrawn)?),
        signed_at: Set(a.signed_at),
        export_sha256: Set(a.export_sha256.clone()),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// A review's attestation.
pub async fn attestation(
    db: &impl Conn,
    review_id: i64,
) -> Result<Option<Attestation>, StoreError> {
    let Some(m) = review_attestation::Entity::find()
        .filter(review_attestation::Column::ReviewId.eq(review_id))
        .one(db.c())
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Attestation {
        review_id: m.review_id,
        signed_by: m.signed_by,
        signer_name: m.signer_name,
        statement: m.statement,
        kept: u64::try_from(m.kept_count).unwrap_or(0),
        withdrawn: u64::try_from(m.withdrawn_count).unwrap_or(0),
        signed_at: m.signed_at,
        export_sha256: m.export_sha256,
    }))
}

/// Claims a reminder: true when this call recorded it (and must send it), false when it was
/// already recorded (by this node or another).
pub async fn claim_reminder(
    tx: &Tx,
    review_id: i64,
    kind: &str,
    recipients: i32,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let row = review_reminder::ActiveModel {
        review_id: Set(review_id),
        kind: Set(kind.to_owned()),
        recipients: Set(recipients),
        sent_at: Set(now),
        ..Default::default()
    };
    let n = review_reminder::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                review_reminder::Column::ReviewId,
                review_reminder::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(tx.c())
        .await?;
    Ok(n > 0)
}

/// The reminders recorded for a review: (kind, when), by date.
pub async fn reminders(
    db: &impl Conn,
    review_id: i64,
) -> Result<Vec<(String, OffsetDateTime)>, StoreError> {
    Ok(review_reminder::Entity::find()
        .filter(review_reminder::Column::ReviewId.eq(review_id))
        .order_by_asc(review_reminder::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(|r| (r.kind, r.sent_at))
        .collect())
}
