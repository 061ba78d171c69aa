//! What a subscription's quotas hold today — "7 / 10 used" per role, and the holders behind
//! each number (issue "Web console" points 2 and 3). The count is the one the quota rule bounds
//! (002 service contract art. 2.2.1): distinct accounts holding the role on that day, directly
//! or through a group, disabled accounts left out.

use time::Date;

use super::{Subscription, SubscriptionError};
use crate::account::Account;
use crate::store::{self, Conn};

/// One quota of a subscription and its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaInUse {
    /// The role's id, or none for the subscription's total quota.
    pub role_id: Option<i64>,
    /// The role's code (`T2`), or none for the total.
    pub role: Option<String>,
    /// The quota.
    pub limit: u32,
    /// The holders, by login.
    pub holders: Vec<Account>,
}

impl QuotaInUse {
    /// How many seats are used.
    #[must_use]
    pub fn used(&self) -> usize {
        self.holders.len()
    }

    /// Whether no seat is left.
    #[must_use]
    pub fn full(&self) -> bool {
        self.used() >= usize::try_from(self.limit).unwrap_or(usize::MAX)
    }
}

/// The use of every quota of `subscription` on `today`: each role's, then the total if any.
pub async fn of_subscription(
    db: &impl Conn,
    subscription: &Subscription,
    today: Date,
) -> Result<Vec<QuotaInUse>, SubscriptionError> {
    let mut out = Vec::with_capacity(subscription.quotas.len() + 1);
    let roles = subscription
        .quotas
        .iter()
        .map(|q| (Some(q.role_id), Some(q.role.to_string()), q.max_holders));
    let total = subscription.total_quota.map(|t| (None, None, t));
    for (role_id, role, limit) in roles.chain(total) {
        let ids = store::habilitation::holders(db, subscription.id, role_id, today).await?;
        let mut holders = store::account::by_ids(db, &ids).await?;
        holders.sort_by(|a, b| a.login.as_str().cmp(b.login.as_str()));
        out.push(QuotaInUse {
            role_id,
            role,
            limit,
            holders,
        });
    }
    Ok(out)
}
