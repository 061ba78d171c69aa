//! End-to-end scenarios in headless Chromium (issue #6 point 7): the real server with the demo
//! data, a relying party's callback, and a person's steps through the pages — fields by label,
//! buttons by text, refusals read from the error summary — with an axe-core check of every
//! page visited. Screenshots go to `target/e2e-artifacts/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` and axe-core (`scripts/test.sh` installs
//! them).

#![allow(
    clippy::indexing_slicing,
    reason = "serde_json::Value indexing answers Null for a missing member; it never panics"
)]

mod console;
mod first_login;
mod harness;
mod language;
mod onboarding;
mod review;
mod second_factor;
mod traces;

use e2e::browser::Browser;
use e2e::rp::RelyingParty;
use e2e::server::{Habilis, RegisteredClient};

/// The demo agent of the Mairie de Niort for the Caf des Deux-Sèvres (CDAP T1), no e-mail.
const AGENT: &str = "79caf0191.lpetit";
/// The demo principal administrator of the same partner (a second factor is required).
const PRINCIPAL: &str = "79caf0191.cmartin";

/// What every scenario starts from: the server, a CDAP client of the Caf des Deux-Sèvres whose
/// callback listens, and a browser.
struct World {
    habilis: Habilis,
    client: RegisteredClient,
    browser: Browser,
    _rp: RelyingParty,
}

impl World {
    async fn start(scenario: &str) -> anyhow::Result<Self> {
        let habilis = Habilis::start().await?;
        let rp = RelyingParty::start().await?;
        let client = habilis
            .register_client("caf-79", "cdap", "CDAP", &rp.redirect_uri)
            .await?;
        let browser = Browser::start(scenario).await?;
        Ok(Self {
            habilis,
            client,
            browser,
            _rp: rp,
        })
    }

    /// Runs `steps`, then closes the browser (keeping a screenshot on failure) and the server.
    async fn run<F>(self, steps: F) -> anyhow::Result<()>
    where
        F: AsyncFnOnce(&Habilis, &RegisteredClient, &Browser) -> anyhow::Result<()>,
    {
        let Self {
            habilis,
            client,
            browser,
            _rp,
        } = self;
        let outcome = steps(&habilis, &client, &browser).await;
        browser.finish(outcome).await?;
        habilis.stop().await
    }
}

/// `anyhow::ensure!` for equality, with both sides in the message.
macro_rules! ensure_eq {
    ($left:expr, $right:expr $(,)?) => {{
        let (l, r) = (&$left, &$right);
        anyhow::ensure!(l == r, "{} = {:?}, expected {:?}", stringify!($left), l, r);
    }};
}
pub(crate) use ensure_eq;
