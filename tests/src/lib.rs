//! End-to-end harness: the real Habilis server (in this process, demo data, SQLite in a
//! temporary folder, random port) driven by Debian's headless Chromium through chromedriver.
//!
//! Scenarios speak the language of the pages — "fill the field labelled X", "click the button
//! Y", "read the error summary" — never CSS paths, so that the console's scenarios read like
//! the steps a person follows and survive a change of markup.
//!
//! - [`server`]: the provider with the demo organisations, clients registered for a service.
//! - [`rp`]: a relying party's callback on a random port, and the code exchange.
//! - [`browser`]: chromedriver and Chromium, the page helpers, screenshots.
//! - [`axe`]: axe-core run inside the page; serious or critical violations fail the scenario.
//! - [`totp`]: the codes of an authenticator app, computed from the enrolment's manual key.
//! - [`artifacts`]: where screenshots go (`target/e2e-artifacts/`).

pub mod artifacts;
pub mod axe;
pub mod browser;
pub mod rp;
pub mod server;
pub mod totp;

/// The published temporary password of every demo account.
pub const DEMO_PASSWORD: &str = idp::demo::DEMO_PASSWORD;
