//! Fixtures of the credential tests: a credential context over the embedded defaults (mail to
//! a spool folder, a toy cipher), agents and administrators.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use super::credentials::Credentials;
use super::{CreatedAccount, NewAccount, create};
use crate::config::Config;
use crate::secret::{OpenError, SecretCipher};
use crate::store::Db;
use crate::testing::{self, Fixture, T0, actor};

/// Seals by XOR with a fixed pad, tagged with the context: enough to prove that nothing is
/// stored in clear and that a value sealed for one account does not open for another.
#[derive(Debug)]
pub(crate) struct ToyCipher;

impl SecretCipher for ToyCipher {
    fn seal(&self, context: &str, plaintext: &[u8]) -> String {
        let x: Vec<u8> = plaintext.iter().map(|b| b ^ 0xa5).collect();
        format!("{context}|{}", hex::encode(x))
    }

    fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, OpenError> {
        let (c, rest) = sealed.split_once('|').ok_or(OpenError)?;
        if c != context {
            return Err(OpenError);
        }
        Ok(hex::decode(rest)
            .map_err(|_| OpenError)?
            .iter()
            .map(|b| b ^ 0xa5)
            .collect())
    }
}

/// The embedded defaults, with mail spooled to `spool`.
pub(crate) fn config(spool: &Path) -> Config {
    let mut c = Config::defaults().unwrap();
    c.mail.spool_dir = spool.display().to_string();
    c
}

/// A credential context with counters in the database.
pub(crate) fn creds_with(config: &Config) -> Credentials {
    Credentials::new(config, Arc::new(ToyCipher), None).unwrap()
}

/// A credential context with counters in the database and mail spooled to `spool`.
pub(crate) fn creds(spool: &Path) -> Credentials {
    creds_with(&config(spool))
}

/// An agent of the fixture's partner (Jean Dupont, with an e-mail address).
pub(crate) async fn agent(db: &Db, fx: &Fixture, given: &str, family: &str) -> CreatedAccount {
    let settings = Config::defaults().unwrap().accounts;
    create(
        db,
        T0,
        &actor(),
        &settings,
        &fx.fund,
        &fx.partner,
        NewAccount {
            given_name: given.into(),
            family_name: family.into(),
            email: Some(
                super::email::Email::parse(&format!(
                    "{}.{}@niort.example",
                    given.to_lowercase(),
                    family.to_lowercase()
                ))
                .unwrap(),
            ),
            unit: None,
        },
    )
    .await
    .unwrap()
}

/// The default fixture and one agent.
pub(crate) async fn fixture_and_agent(db: &Db) -> (Fixture, CreatedAccount) {
    let fx = testing::fixture(db).await;
    let a = agent(db, &fx, "Jean", "Dupont").await;
    (fx, a)
}

/// Makes an account the partner's principal administrator.
pub(crate) async fn make_admin(db: &Db, fx: &Fixture, account_id: i64) {
    let tx = db.begin_write().await.unwrap();
    crate::store::admin_role::insert_partner_role(
        &tx,
        T0,
        account_id,
        fx.partner.id,
        "principal_admin",
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
