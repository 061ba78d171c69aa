//! The claims about a person that a client receives, by scope (OIDC Core §5.4):
//! - `profile`: names and login, with ProConnect's names where they overlap (`given_name`,
//!   `usual_name`, `uid`);
//! - `email`: the address (not verified by Habilis: `email_verified` is false);
//! - `habilitations`: the partner (third-party number, SIRET, name), the unit
//!   (`organizational_unit`, ProConnect), and the roles and territory the person holds **for
//!   the requesting client's service only** (seed 002 art. 9.2: each service sees only what
//!   it was granted), read at the moment of the request, so a grant made a second ago (or a
//!   suspension) shows at once.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::client::Client;
use crate::account::Account;
use crate::habilitation::{self, HabilitationError};
use crate::store::{self, Conn, StoreError};

/// Why claims could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Habilitations could not be read.
    #[error(transparent)]
    Habilitation(#[from] HabilitationError),
}

impl ClaimsError {
    /// Whether the database could not be reached.
    pub fn is_unavailable(&self) -> bool {
        use crate::error::UserError;
        match self {
            Self::Store(s) => s.is_unavailable(),
            Self::Habilitation(h) => h.kind() == crate::error::ErrorKind::Unavailable,
        }
    }
}

/// The claims of `account` for `client` under `scopes` (besides the registered ones).
pub async fn of_account(
    db: &impl Conn,
    client: &Client,
    account: &Account,
    scopes: &[String],
    now: OffsetDateTime,
) -> Result<Map<String, Value>, ClaimsError> {
    let mut c = Map::new();
    let has = |s: &str| scopes.iter().any(|x| x == s);
    if has("profile") {
        c.insert("given_name".into(), json!(account.given_name));
        c.insert("family_name".into(), json!(account.family_name));
        // ProConnect names the birth or usage name `usual_name`.
        c.insert("usual_name".into(), json!(account.family_name));
        c.insert(
            "name".into(),
            json!(format!("{} {}", account.given_name, account.family_name)),
        );
        c.insert("preferred_username".into(), json!(account.login.as_str()));
        c.insert("uid".into(), json!(account.login.as_str()));
    }
    if has("email")
        && let Some(e) = &account.email
    {
        c.insert("email".into(), json!(e.as_str()));
        c.insert("email_verified".into(), json!(false));
    }
    if has("habilitations") {
        habilitation_claims(db, client, account, now, &mut c).await?;
    }
    Ok(c)
}

async fn habilitation_claims(
    db: &impl Conn,
    client: &Client,
    account: &Account,
    now: OffsetDateTime,
    c: &mut Map<String, Value>,
) -> Result<(), ClaimsError> {
    if let Some(partner_id) = account.partner_id
        && let Some((p, unit)) = store::partner::with_unit(db, partner_id, account.unit_id).await?
    {
        c.insert(
            "partner".into(),
            json!({
                "third_party_number": p.third_party_number.as_str(),
                "siret": p.siret.as_ref().map(|s| s.as_str()),
                "name": p.name,
            }),
        );
        if let Some(s) = &p.siret {
            c.insert("siret".into(), json!(s.as_str()));
        }
        if let Some(u) = unit {
            c.insert("organizational_unit".into(), json!(u.name));
            if let Some(s) = &u.siret {
                c.insert("siret".into(), json!(s.as_str()));
            }
        }
    }
    // Only the requesting client's service; a first-party client sees no grants.
    let held = match client.service_id {
        Some(service_id) => {
            habilitation::usable_for_service(db, account, service_id, now.date()).await?
        }
        None => Vec::new(),
    };
    let mut conventions = BTreeSet::new();
    let mut grants = Vec::with_capacity(held.len());
    for h in held {
        conventions.insert(h.convention.to_string());
        grants.push(json!({
            "service": h.service.as_str(),
            "role": h.role.as_str(),
            "convention": h.convention.as_str(),
            "territory": h.territory,
            "attributes": h.attributes,
            "valid_until": h.valid_until.map(|d| d.to_string()),
            "through_group": h.through_group,
        }));
    }
    if conventions.len() == 1
        && let Some(n) = conventions.first()
    {
        c.insert("convention".into(), json!(n));
    }
    c.insert("habilitations".into(), Value::Array(grants));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::habilitation::tests::{agent, grant_of};
    use crate::habilitation::{NewGrant, Subject};
    use crate::oidc::client::{self, Owner};
    use crate::oidc::keys::SigningAlg;
    use crate::partner::ids::Siret;
    use crate::store::Db;
    use crate::testing::{self, Fixture, T0, actor};

    async fn cdap_client(db: &Db, fx: &Fixture) -> Client {
        client::create(
            db,
            T0,
            &actor(),
            Owner::Service(&fx.fund, &fx.service),
            SigningAlg::Es256,
            client::tests::new_client(false),
        )
        .await
        .unwrap()
        .0
    }

    fn scopes() -> Vec<String> {
        ["openid", "profile", "habilitations"]
            .map(String::from)
            .to_vec()
    }

    /// The partner, the unit (only the account's partner's), and the grants of the client's
    /// service with their convention and effective territory.
    #[tokio::test]
    async fn partner_unit_and_grants_of_the_clients_service() {
        let db = testing::sqlite().await;
        let fx = testing::fixture(&db).await;
        let client = cdap_client(&db, &fx).await;
        let unit = crate::partner::register::create_unit(
            &db,
            T0,
            &actor(),
            &fx.partner,
            "ccas",
            "CCAS de Niort",
            Some(Siret::parse("21790191700013").unwrap()),
        )
        .await
        .unwrap();
        let other = testing::fixture_named(&db, "caf-86", "86B00001", "86-2020-01").await;
        let foreign_unit = crate::partner::register::create_unit(
            &db,
            T0,
            &actor(),
            &other.partner,
            "autre",
            "Autre",
            None,
        )
        .await
        .unwrap();
        let mut a = agent(&db, fx.partner.id, fx.fund.id, "79a69243.claims").await;
        a.unit_id = Some(unit.id);
        let mut g: NewGrant<'_> = grant_of(&fx, "T4", Subject::Account(a.id));
        g.attributes = BTreeMap::from([("instructor_number".into(), "I-7".into())]);
        crate::habilitation::grant(&db, T0, &actor(), g)
            .await
            .unwrap();

        let c = of_account(&db, &client, &a, &scopes(), T0).await.unwrap();
        assert_eq!(c["organizational_unit"], "CCAS de Niort");
        assert_eq!(c["siret"], "21790191700013", "the unit's SIRET wins");
        assert_eq!(c["partner"]["third_party_number"], "79A69243");
        assert_eq!(c["convention"], "79-2017-19");
        let grants = c["habilitations"].as_array().unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0]["service"], "cdap");
        assert_eq!(grants[0]["role"], "T4");
        assert_eq!(grants[0]["attributes"]["instructor_number"], "I-7");
        assert_eq!(grants[0]["through_group"], false);
        assert_eq!(
            grants[0]["territory"],
            serde_json::to_value(&fx.convention.territory).unwrap()
        );

        // A unit of another partner is not this account's: no unit claim, the partner stays.
        a.unit_id = Some(foreign_unit.id);
        let c = of_account(&db, &client, &a, &scopes(), T0).await.unwrap();
        assert!(c.get("organizational_unit").is_none());
        assert_eq!(c["partner"]["third_party_number"], "79A69243");

        // Without the scope, no partner and no grants.
        let bare = ["openid".to_owned()];
        let c = of_account(&db, &client, &a, &bare, T0).await.unwrap();
        assert!(c.get("partner").is_none() && c.get("habilitations").is_none());
    }
}
