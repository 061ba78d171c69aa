//! The fund's trace, usage statistics and dormant-access pages in a browser (issue #8 points 5,
//! 7, 8), each checked with axe-core: the operator of the Caf des Deux-Sèvres finds her own
//! login in the trace, narrows it to the logins family, reads the refusal of an unknown account
//! next to its field, then the statistics (server-drawn chart and its table) and the dormant
//! accounts (none: the demo's are new).

use anyhow::ensure;
use e2e::DEMO_PASSWORD;

use crate::console::first_login;
use crate::{World, ensure_eq};

const OPERATOR: &str = "operateur.caf-79@demo.habilis.example.fr";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_operator_reads_the_trace_the_statistics_and_the_dormant_accounts()
-> anyhow::Result<()> {
    World::start("traces")
        .await?
        .run(async |habilis, _client, b| {
            b.goto(&format!("{}/console", habilis.base)).await?;
            first_login(
                b,
                OPERATOR,
                DEMO_PASSWORD,
                "Les traces se lisent chaque lundi",
            )
            .await?;
            ensure_eq!(b.heading().await?, "Vos codes de secours");
            b.click_button("Continuer").await?;

            b.within_nav("Menu principal")
                .await?
                .click_link("Traces")
                .await?;
            ensure!(
                b.heading().await?.starts_with("Traces"),
                "not the trace page"
            );
            let text = b.page_text().await?;
            ensure!(
                text.contains("Connexion réussie") && text.contains(OPERATOR),
                "the operator's own login is not in the trace: {text}"
            );
            b.assert_accessible("traces").await?;

            b.fill("Action", "Connexions").await?;
            b.click_button("Filtrer").await?;
            let url = b.url().await?;
            ensure!(
                url.query().is_some_and(|q| q.contains("action=login.")),
                "the filter is not in the address (so it can be bookmarked): {url}"
            );
            ensure!(b.page_text().await?.contains("Connexion réussie"));

            b.fill("Compte concerné", "79caf0191.personne").await?;
            b.click_button("Filtrer").await?;
            let errors = b.error_summary().await?;
            ensure!(!errors.is_empty(), "an unknown account is not explained");
            ensure!(
                !b.page().field_messages("Compte concerné").await?.is_empty(),
                "the refusal is not next to the field"
            );
            b.screenshot("traces-refused").await?;
            b.assert_accessible("traces-refused").await?;

            b.within_nav("Menu principal")
                .await?
                .click_link("Statistiques")
                .await?;
            ensure!(b.heading().await?.starts_with("Statistiques d'utilisation"));
            let source = b.client().source().await?;
            ensure!(source.contains("<svg"), "no chart on the statistics page");
            ensure!(
                source.contains("Connexions par mois"),
                "the chart has no title"
            );
            b.assert_accessible("stats").await?;

            b.within_nav("Menu principal")
                .await?
                .click_link("Accès inactifs")
                .await?;
            ensure!(b.heading().await?.starts_with("Accès inactifs"));
            // The demo's accounts were created when the server started: never logged in, but
            // for less than the six months that make an account dormant.
            let text = b.page_text().await?;
            ensure!(
                text.contains("0 compte(s) inactif(s)"),
                "accounts created today are counted as dormant: {text}"
            );
            b.screenshot("dormant").await?;
            b.assert_accessible("dormant").await?;
            Ok(())
        })
        .await
}
