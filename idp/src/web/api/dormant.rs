//! Dormant access (issue #8 point 8) for the consoles: disabling the accounts of the report
//! with the same rule as disabling one account (`ManageAccount` on each), then the domain's
//! `dormant::disable`.

use super::auth::Caller;
use super::manage::managed_account;
use super::{ApiResult, end_access, fail};
use crate::dormant::{self, Disabled};
use crate::state::AppState;

/// Disables, for `caller`, every account of fund `fund_id` (of one partner, when given) with
/// no login for `months` months, each traced with `reason`, and ends their sessions. Refused
/// as a whole, before any change, if the caller may not disable one of them.
pub(crate) async fn disable_dormant_as(
    app: &AppState,
    caller: &Caller,
    fund_id: i64,
    partner_id: Option<i64>,
    months: u32,
    reason: &str,
) -> ApiResult<Disabled> {
    // One instant for the check and the change: the same accounts are dormant at both.
    let now = app.clock.now();
    for d in dormant::report(&app.db, now, fund_id, partner_id, months)
        .await
        .map_err(|e| fail(&e))?
    {
        managed_account(app, caller, d.account.id).await?;
    }
    let done = dormant::disable(
        &app.db,
        now,
        &caller.principal.actor,
        fund_id,
        partner_id,
        months,
        reason,
    )
    .await
    .map_err(|e| fail(&e))?;
    end_access(app, &caller.principal.actor, &done.end_sessions_of).await?;
    Ok(done)
}
