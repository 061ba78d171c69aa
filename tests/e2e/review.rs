//! The yearly reverse review in a browser, pages checked with axe-core: the fund's operator
//! opens a campaign with the form; the principal administrator of the Mairie de Niort filters
//! her review, withdraws a line in bulk after the count and a reason (refused without one),
//! keeps the rest and signs the attestation.

use anyhow::ensure;
use e2e::DEMO_PASSWORD;

use crate::console::first_login;
use crate::{PRINCIPAL, World, ensure_eq};

const OPERATOR: &str = "operateur.caf-79@demo.habilis.example.fr";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_opens_a_review_that_the_principal_decides_and_signs() -> anyhow::Result<()> {
    World::start("review")
        .await?
        .run(async |habilis, _client, b| {
            let console = format!("{}/console", habilis.base);
            b.goto(&console).await?;
            first_login(
                b,
                OPERATOR,
                DEMO_PASSWORD,
                "Une phrase de passe pour la revue annuelle",
            )
            .await?;
            ensure_eq!(b.heading().await?, "Vos codes de secours");
            b.click_button("Continuer").await?;

            // The fund opens the campaign.
            b.click_link("Revue annuelle").await?;
            ensure_eq!(b.heading().await?, "Revue annuelle des habilitations");
            b.assert_accessible("review-campaigns").await?;
            b.fill("Échéance", "2000-01-01").await?;
            b.click_button("Ouvrir la campagne").await?;
            let errors = b.error_summary().await?;
            ensure!(
                errors.iter().any(|e| e.contains("déjà passée")),
                "a past due date is refused: {errors:?}"
            );
            b.assert_accessible("review-campaigns-refused").await?;
            let year = habilis.state.clock.now().year();
            let due = format!("{}-12-31", year + 1);
            b.fill("Échéance", &due).await?;
            b.click_button("Ouvrir la campagne").await?;
            ensure!(b.heading().await?.starts_with("Revue annuelle"));
            ensure!(b.page_text().await?.contains("Pas commencée"));
            b.assert_accessible("review-campaign").await?;
            b.click_button("Se déconnecter").await?;
            b.forget_cookies().await?;

            // The principal withdraws Luc's T1 line (never logged in) in bulk.
            b.goto(&console).await?;
            first_login(
                b,
                PRINCIPAL,
                DEMO_PASSWORD,
                "L'administratrice de la mairie de Niort",
            )
            .await?;
            ensure_eq!(b.heading().await?, "Vos codes de secours");
            b.click_button("Continuer").await?;
            b.click_link("Revue annuelle").await?;
            b.assert_accessible("review-list").await?;
            b.click_link(&year.to_string()).await?;
            b.assert_accessible("review-page").await?;
            b.check("Jamais connecté", true).await?;
            b.fill("Rôle (code)", "T1").await?;
            b.click_button("Filtrer").await?;
            b.screenshot("review-filtered").await?;
            let bulk = b
                .within_section("Décider toutes les lignes filtrées")
                .await?;
            bulk.check("Retirer", true).await?;
            bulk.click_button("Continuer").await?;
            ensure!(
                b.heading()
                    .await?
                    .starts_with("Confirmer la décision groupée")
            );
            ensure!(
                b.page_text()
                    .await?
                    .contains("Cette décision concerne 1 ligne(s).")
            );
            b.assert_accessible("review-bulk").await?;
            b.click_button("Confirmer").await?;
            let errors = b.error_summary().await?;
            ensure!(
                errors.iter().any(|e| e.contains("motif")),
                "a withdrawal without a reason is refused: {errors:?}"
            );
            b.fill("Motif", "A quitté le service").await?;
            b.click_button("Confirmer").await?;
            ensure!(b.page_text().await?.contains("Retirée"));

            // She keeps the rest, then signs.
            b.check("Jamais connecté", false).await?;
            b.fill("Rôle (code)", "").await?;
            b.check("Seulement les lignes à décider", true).await?;
            b.click_button("Filtrer").await?;
            let bulk = b
                .within_section("Décider toutes les lignes filtrées")
                .await?;
            bulk.check("Conserver", true).await?;
            bulk.click_button("Continuer").await?;
            b.click_button("Confirmer").await?;
            b.click_button("Signer l'attestation").await?;
            let text = b.page_text().await?;
            ensure!(
                text.contains("L'attestation est signée") && text.contains("SHA-256"),
                "the signed review: {text}"
            );
            b.assert_accessible("review-signed").await?;
            b.screenshot("review-signed").await?;
            Ok(())
        })
        .await
}
