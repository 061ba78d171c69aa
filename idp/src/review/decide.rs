//! Keep or withdraw: one line, a list of lines, or every line a filter selects. A withdrawal
//! applies at once with the usual functions, so it is traced and cascades like a direct one:
//! a direct habilitation is withdrawn (`habilitation::withdraw_in`), a habilitation held
//! through a group ends by removing the account from the group (`group::remove_member_in`:
//! what the group gave ends with the membership), and an account holding nothing is disabled
//! (`account::admin::disable`). The caller ends the tokens the result names.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::OffsetDateTime;

use super::{Decision, Line, LineFilter, PartnerReview, ReviewError, ReviewStatus};
use crate::actor::Actor;
use crate::audit::{self, Event, action};
use crate::habilitation::{self, HabilitationError};
use crate::partner::Partner;
use crate::store::{self, Conn, Db};

/// What a decision did, and what the caller must end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Decided {
    /// Lines whose decision was recorded.
    pub decided: u64,
    /// Lines skipped: already withdrawn (a withdrawal is not undone by "keep").
    pub skipped: u64,
    /// Habilitations withdrawn.
    pub habilitations_withdrawn: u64,
    /// Group memberships ended.
    pub memberships_ended: u64,
    /// Accounts disabled.
    pub accounts_disabled: u64,
    /// Per subscription, the accounts whose tokens at that service's clients must end.
    pub end_service_access: BTreeMap<i64, Vec<i64>>,
    /// Accounts whose sessions must end (their group membership or their account ended).
    pub end_sessions_of: Vec<i64>,
}

/// A review of the partner (another partner's is not found).
pub async fn find(
    db: &impl Conn,
    partner: &Partner,
    id: i64,
) -> Result<PartnerReview, ReviewError> {
    store::review::review_by_id(db, id)
        .await?
        .filter(|r| r.partner_id == partner.id)
        .ok_or(ReviewError::NotFound)
}

/// One page of the review's lines.
pub async fn lines(
    db: &impl Conn,
    review: &PartnerReview,
    filter: &LineFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Line>, u64), ReviewError> {
    Ok(store::review::lines_page(db, review.id, filter, offset, limit.clamp(1, 1_000)).await?)
}

fn withdrawal_error(line: i64, e: &dyn std::fmt::Display) -> ReviewError {
    ReviewError::Withdrawal {
        line,
        message: e.to_string(),
    }
}

/// Decides the lines `filter` selects. Keep records the decision; withdraw applies each line's
/// withdrawal, then records it — the habilitation and group changes, their traces, the
/// decisions and one `review.decide` trace in one transaction. Accounts holding nothing are
/// disabled afterwards, each in its own transaction (the administrators' function).
#[allow(
    clippy::too_many_arguments,
    reason = "who, where, which lines, what and why: each is one plain value the edges hold"
)]
pub async fn decide(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    review: &PartnerReview,
    filter: &LineFilter,
    decision: Decision,
    reason: &str,
) -> Result<Decided, ReviewError> {
    let reason = reason.trim();
    if decision == Decision::Withdraw && reason.is_empty() {
        return Err(ReviewError::ReasonRequired);
    }
    let tx = db.begin_write().await?;
    // Re-read under the write lock: a signature may have landed meanwhile.
    let current = store::review::review_by_id(&tx, review.id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    if current.status == ReviewStatus::Signed {
        return Err(ReviewError::Closed);
    }
    let selected = store::review::lines_matching(&tx, review.id, filter).await?;
    if selected.is_empty() {
        return Err(ReviewError::NothingSelected);
    }
    let mut out = Decided::default();
    let mut ids = Vec::with_capacity(selected.len());
    let mut disable_later = Vec::new();
    let mut left_groups: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut sessions: BTreeSet<i64> = BTreeSet::new();
    for line in &selected {
        if line.decision == Some(Decision::Withdraw) {
            out.skipped += 1;
            continue;
        }
        if decision == Decision::Withdraw {
            match (line.habilitation_id, line.via_group_id) {
                (Some(h), None) => {
                    match habilitation::withdraw_in(&tx, now, actor, partner, h, reason).await {
                        Ok(after) => {
                            out.habilitations_withdrawn += 1;
                            out.end_service_access
                                .entry(after.subscription_id)
                                .or_default()
                                .push(line.account_id);
                        }
                        // Already ended (expired, withdrawn elsewhere): nothing left to end.
                        Err(HabilitationError::NotInForce(_)) => {}
                        Err(e) => return Err(withdrawal_error(line.id, &e)),
                    }
                }
                (_, Some(g)) => {
                    if left_groups.insert((line.account_id, g)) {
                        let group = store::group::by_id(&tx, g).await?;
                        let account = store::account::by_id(&tx, line.account_id).await?;
                        if let (Some(group), Some(account)) = (group, account) {
                            let removed =
                                crate::group::remove_member_in(&tx, now, actor, &group, &account)
                                    .await
                                    .map_err(|e| withdrawal_error(line.id, &e))?;
                            if removed {
                                out.memberships_ended += 1;
                                sessions.insert(line.account_id);
                            }
                        }
                    }
                }
                (None, None) => disable_later.push(line.account_id),
            }
        }
        ids.push(line.id);
    }
    // Lines of the same account through a group it just left lost their access too.
    if !left_groups.is_empty() {
        let all = store::review::lines_matching(
            &tx,
            review.id,
            &LineFilter {
                undecided: true,
                ..LineFilter::default()
            },
        )
        .await?;
        for l in all {
            if let Some(g) = l.via_group_id
                && left_groups.contains(&(l.account_id, g))
                && !ids.contains(&l.id)
            {
                ids.push(l.id);
            }
        }
    }
    out.decided = store::review::set_decision(&tx, &ids, decision, actor.account_id(), now).await?;
    if current.status == ReviewStatus::NotStarted {
        store::review::set_review_status(&tx, review.id, ReviewStatus::InProgress).await?;
    }
    let ev = Event::new(action::REVIEW_DECIDE, actor)
        .target("partner_review", review.id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "decision": decision.as_str(),
            "lines": out.decided,
            "skipped": out.skipped,
            "habilitations_withdrawn": out.habilitations_withdrawn,
            "memberships_ended": out.memberships_ended,
            "accounts_to_disable": disable_later.len(),
            "filter": describe(filter),
            "reason": (!reason.is_empty()).then_some(reason),
        }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    for id in disable_later {
        let Some(account) = store::account::by_id(db, id).await? else {
            continue;
        };
        match crate::account::admin::disable(db, now, actor, &account, reason).await {
            Ok(_) => {
                out.accounts_disabled += 1;
                sessions.insert(id);
            }
            // Disabled meanwhile: the access is already gone.
            Err(crate::account::admin::AdminError::AlreadyInStatus(..)) => {}
            Err(e) => return Err(withdrawal_error(id, &e)),
        }
    }
    out.end_sessions_of = sessions.into_iter().collect();
    Ok(out)
}

/// The filter as the trace shows it.
fn describe(f: &LineFilter) -> serde_json::Value {
    serde_json::json!({
        "lines": f.ids.as_ref().map(Vec::len),
        "never_logged_in": f.never_logged_in,
        "no_login_since": f.no_login_since.map(|t| t.date().to_string()),
        "service": f.service,
        "role": f.role,
        "group": f.group,
        "login": f.login,
        "undecided": f.undecided,
    })
}
