//! Delivery of back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0): when a
//! session ends, every client that received tokens in it and registered a back-channel URI gets
//! a signed `logout+jwt` POSTed as `logout_token`. Rows are queued in the transaction that ends
//! the session (`Sessions::end`); any node delivers them, claiming each row first so that two
//! nodes never send the same one; failures are retried with a growing delay.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::jwt::{self, Claims, TokenType};
use super::keys::KeySet;
use super::subject;
use super::token::issuer;
use crate::config::Config;
use crate::secret;
use crate::store::{self, Db, StoreError};

/// The event a logout token carries (§2.4).
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How long a claimed row is left to its node before another may retry it.
const LEASE: Duration = Duration::seconds(60);
/// Lifetime of a logout token.
const TOKEN_TTL: Duration = Duration::seconds(120);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Tokens the clients acknowledged (HTTP 200 or 204).
    pub delivered: usize,
    /// Attempts that failed and will be retried.
    pub failed: usize,
}

/// The delay before retry `attempt` (1, 2, …): 10 s doubling, at most an hour.
pub fn retry_delay(attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.clamp(1, 10) - 1).unwrap_or(0);
    Duration::seconds((10_i64 << exp).min(3600))
}

/// Sends the logout tokens due at `now` (at most `limit`).
pub async fn deliver_due(
    db: &Db,
    config: &Config,
    keys: &KeySet,
    http: &reqwest::Client,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Delivery, StoreError> {
    let mut done = Delivery::default();
    for row in store::backchannel::due(db, now, limit).await? {
        if !store::backchannel::claim(db, row.id, now, now + LEASE).await? {
            continue;
        }
        let client = store::client::by_id(db, row.client_id).await?;
        let account = store::account::by_id(db, row.account_id).await?;
        let (Some(client), Some(account)) = (client, account) else {
            store::backchannel::delivered(db, row.id, now).await?;
            continue;
        };
        let Some(uri) = &client.backchannel_logout_uri else {
            store::backchannel::delivered(db, row.id, now).await?;
            continue;
        };
        let mut claims = Claims::new(
            &issuer(config),
            &subject::for_client(&client, &account.subject),
            client.client_id.as_str(),
            now,
            TOKEN_TTL,
        )
        .with("jti", secret::random_hex(16))
        .with("sid", row.session_id.clone())
        .with("events", json!({ EVENT: {} }));
        claims.nbf = None;
        let token = match jwt::sign(keys, client.signing_alg, TokenType::LogoutToken, &claims) {
            Ok(t) => t,
            Err(e) => {
                let next = now + retry_delay(row.attempts + 1);
                store::backchannel::failed(db, row.id, next, &e.to_string()).await?;
                done.failed += 1;
                continue;
            }
        };
        let sent = http
            .post(uri.as_str())
            .form(&[("logout_token", token.as_str())])
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {
                store::backchannel::delivered(db, row.id, now).await?;
                done.delivered += 1;
            }
            other => {
                let why = match other {
                    Ok(r) => format!("HTTP {}", r.status().as_u16()),
                    Err(e) => format!("unreachable: {}", e.without_url()),
                };
                let next = now + retry_delay(row.attempts + 1);
                store::backchannel::failed(db, row.id, next, &why).await?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let secs: Vec<i64> = (1..=12).map(|a| retry_delay(a).whole_seconds()).collect();
        assert_eq!(
            secs,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]
        );
    }
}
