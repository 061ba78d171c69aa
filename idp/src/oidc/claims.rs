//! The claims about a person that a client receives, by scope (OIDC Core §5.4):
//! - `profile`: names and login, with ProConnect's names where they overlap (`given_name`,
//!   `usual_name`, `uid`);
//! - `email`: the address (not verified by Habilis: `email_verified` is false);
//! - `habilitations`: the partner (third-party number, SIRET, name), the unit
//!   (`organizational_unit`, ProConnect), and the roles and territory the person holds **for
//!   the requesting client's service only** (seed 002 art. 9.2: each service sees only what
//!   it was granted), read at the moment of the request, so a grant made a second ago (or a
//!   suspension) shows at once.

use std::collections::{BTreeMap, BTreeSet};

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
        && let Some(p) = store::partner::by_id(db, partner_id).await?
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
        if let Some(unit_id) = account.unit_id
            && let Some(u) = store::partner::unit_by_id(db, unit_id)
                .await?
                .filter(|u| u.partner_id == partner_id)
        {
            c.insert("organizational_unit".into(), json!(u.name));
            if let Some(s) = &u.siret {
                c.insert("siret".into(), json!(s.as_str()));
            }
        }
    }
    // Only the requesting client's service; a first-party client sees no grants.
    let service = match client.service_id {
        Some(id) => store::catalogue::service_fund_and_code(db, id).await?,
        None => None,
    };
    let mut grants = Vec::new();
    let mut conventions = BTreeSet::new();
    if let Some((_, service_code)) = service.filter(|(fund_id, _)| *fund_id == account.fund_id) {
        let held = habilitation::of_account(db, account, now.date()).await?;
        let mut territories = BTreeMap::new();
        for h in held.into_iter().filter(|h| h.service == service_code) {
            let convention = match territories.get(&h.convention_id) {
                Some(c) => c,
                None => {
                    let Some(conv) = store::convention::by_id(db, h.convention_id).await? else {
                        continue;
                    };
                    territories.entry(h.convention_id).or_insert(conv)
                }
            };
            conventions.insert(convention.number.to_string());
            let territory = h.territory.as_ref().unwrap_or(&convention.territory);
            grants.push(json!({
                "service": h.service.as_str(),
                "role": h.role.as_str(),
                "convention": convention.number.as_str(),
                "territory": territory,
                "attributes": h.attributes,
                "valid_until": h.valid_until.map(|d| d.to_string()),
                "through_group": matches!(h.subject, habilitation::Subject::Group(_)),
            }));
        }
    }
    if conventions.len() == 1
        && let Some(n) = conventions.first()
    {
        c.insert("convention".into(), json!(n));
    }
    c.insert("habilitations".into(), Value::Array(grants));
    Ok(())
}
