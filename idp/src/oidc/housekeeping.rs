//! Deleting what has expired and can no longer be used: authorization codes, revoked-token
//! marks past their token's expiry, logins in progress and pushed requests; and ending the
//! tokens of habilitations that reached their end date. Run by every node about once a minute;
//! each step is idempotent, so nodes running it at once do no harm.

use time::OffsetDateTime;

use super::cascade;
use super::session::Sessions;
use crate::habilitation;
use crate::store::{self, Db, StoreError};

/// Marks expired the habilitations past their last day and revokes their holders' tokens at
/// the service's clients; returns how many expired.
pub async fn expire_habilitations(
    db: &Db,
    sessions: &Sessions,
    now: OffsetDateTime,
) -> Result<usize, String> {
    let expired = habilitation::expire_due(db, now)
        .await
        .map_err(|e| e.to_string())?;
    for e in &expired {
        cascade::revoke_subscription(
            db,
            sessions,
            now,
            &e.affected_accounts,
            e.habilitation.subscription_id,
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok(expired.len())
}

/// Deletes the expired rows; returns how many.
pub async fn purge(db: &Db, now: OffsetDateTime) -> Result<u64, StoreError> {
    Ok(store::token::purge_expired(db, now).await?
        + store::interaction::purge_expired(db, now).await?
        + store::passkey::purge_ceremonies(db, now).await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;
    use time::Duration;

    use super::*;
    use crate::store::interaction::StoredInteraction;
    use crate::testing::{self, T0};

    #[tokio::test]
    async fn expired_logins_pushed_requests_and_revocations_are_deleted() {
        let db = testing::sqlite().await;
        let fx = testing::fixture(&db).await;
        let (client, _) = crate::oidc::client::create(
            &db,
            T0,
            &testing::actor(),
            crate::oidc::client::Owner::Service(&fx.fund, &fx.service),
            crate::oidc::keys::SigningAlg::Es256,
            crate::oidc::client::tests::new_client(false),
        )
        .await
        .unwrap();
        for (id, expires) in [("old", T0), ("new", T0 + Duration::minutes(15))] {
            store::interaction::insert(
                &db,
                &StoredInteraction {
                    id: id.into(),
                    client_id: client.id,
                    request: json!({}),
                    binding_hash: String::new(),
                    step: "login".into(),
                    account_id: None,
                    amr: vec![],
                    auth_time: None,
                    created_at: T0,
                    expires_at: expires,
                },
            )
            .await
            .unwrap();
            store::interaction::insert_par(&db, id, client.id, json!({}), expires)
                .await
                .unwrap();
            store::token::revoke_access(&db, id, expires).await.unwrap();
        }
        let later = T0 + Duration::minutes(1);
        assert_eq!(purge(&db, later).await.unwrap(), 3);
        assert_eq!(purge(&db, later).await.unwrap(), 0, "idempotent");
        assert!(
            store::interaction::with_client(&db, "new")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store::interaction::with_client(&db, "old")
                .await
                .unwrap()
                .is_none()
        );
        assert!(store::token::is_access_revoked(&db, "new").await.unwrap());
    }
}
