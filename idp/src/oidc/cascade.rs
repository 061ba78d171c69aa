//! What ending or pausing an access does to tokens, at once (issue "Delegated habilitation"
//! point 6): domain operations return the accounts they affect, and the edges (CLI, admin API)
//! pass them here.
//!
//! - An account disabled, suspended or reset, a partner suspended, a convention suspended or
//!   terminated: every session of the account ends — its refresh tokens are revoked, its access
//!   tokens introspect inactive (their session is gone), and a back-channel logout token goes to
//!   every client of those sessions.
//! - A habilitation withdrawn (or its end date moved): only the tokens of that service's clients
//!   are revoked, and those clients get a back-channel logout; the person stays logged in
//!   elsewhere. Tokens issued afterwards no longer carry the habilitation.

use time::OffsetDateTime;

use super::session::{EndError, Sessions};
use crate::actor::Actor;
use crate::store::token::RefreshScope;
use crate::store::{self, Db};

/// Ends every session of the accounts; returns how many sessions ended.
pub async fn end_access(
    db: &Db,
    sessions: &Sessions,
    now: OffsetDateTime,
    actor: &Actor,
    accounts: &[i64],
) -> Result<usize, EndError> {
    let mut ended = 0;
    for id in accounts {
        ended += sessions.end_all_of_account(db, now, actor, *id).await?;
    }
    Ok(ended)
}

/// Revokes the accounts' tokens at the clients of one service and notifies those clients;
/// returns how many refresh tokens were revoked.
pub async fn revoke_service(
    db: &Db,
    sessions: &Sessions,
    now: OffsetDateTime,
    accounts: &[i64],
    service_id: i64,
) -> Result<usize, EndError> {
    let clients = store::client::of_service(db, service_id).await?;
    let mut revoked = 0;
    for account in accounts {
        let tx = db.begin_write().await?;
        for client in &clients {
            let access = store::token::revoke_refresh(
                &tx,
                RefreshScope::AccountClient(*account, client.id),
                now,
                "habilitation_ended",
            )
            .await?;
            revoked += access.len();
            for (jti, exp) in access {
                store::token::revoke_access(&tx, &jti, exp).await?;
            }
        }
        // Through the transaction: while it holds a connection, a read through the pool could
        // wait for one that the pool cannot give.
        for session in sessions.open_sessions(&tx, *account).await? {
            let used = store::session::clients_of(&tx, &session.id).await?;
            for client in clients.iter().filter(|c| used.contains(&c.id)) {
                if client.backchannel_logout_uri.is_some() {
                    store::backchannel::enqueue(
                        &tx,
                        now,
                        client.id,
                        *account,
                        &session.id,
                        "habilitation_ended",
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(revoked)
}

/// [`revoke_service`] for the service of a subscription (a withdrawn habilitation's).
pub async fn revoke_subscription(
    db: &Db,
    sessions: &Sessions,
    now: OffsetDateTime,
    accounts: &[i64],
    subscription_id: i64,
) -> Result<usize, EndError> {
    match store::subscription::by_id(db, subscription_id).await? {
        Some(s) => revoke_service(db, sessions, now, accounts, s.service_id).await,
        None => Ok(0),
    }
}
