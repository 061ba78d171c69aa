//! An agent opens a service with the temporary password an administrator gave: the login page,
//! the forced change of password (a password the policy refuses, the reason in plain French,
//! then one it accepts), and the service's callback with a code the service exchanges.

use anyhow::ensure;
use e2e::DEMO_PASSWORD;
use e2e::rp;

use crate::{AGENT, World, ensure_eq};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_changes_a_temporary_password_at_first_login_and_reaches_the_service()
-> anyhow::Result<()> {
    World::start("first-login")
        .await?
        .run(async |habilis, client, b| {
            let request = habilis.authorize(client, "openid profile habilitations", "");
            b.goto(&request.url).await?;
            ensure_eq!(b.heading().await?, "Connexion");
            ensure_eq!(b.lang().await?, "fr");
            b.assert_accessible("login").await?;
            b.screenshot("login").await?;
            b.fill("Identifiant", AGENT).await?;
            b.fill("Mot de passe", DEMO_PASSWORD).await?;
            b.click_button("Se connecter").await?;

            ensure_eq!(b.heading().await?, "Choisissez votre mot de passe");
            ensure!(
                b.error_summary().await?.is_empty(),
                "an error before any try"
            );
            b.assert_accessible("change-password").await?;
            // Ten characters: under the agents' twelve.
            b.fill("Mot de passe provisoire ou actuel", DEMO_PASSWORD)
                .await?;
            b.fill("Nouveau mot de passe", "Niort2026!").await?;
            b.fill("Confirmez le nouveau mot de passe", "Niort2026!")
                .await?;
            b.click_button("Enregistrer et continuer").await?;
            ensure_eq!(b.heading().await?, "Choisissez votre mot de passe");
            ensure_eq!(
                b.error_summary().await?,
                vec!["Le mot de passe doit comporter au moins 12 caractères.".to_owned()]
            );
            b.screenshot("change-password-refused").await?;
            b.assert_accessible("change-password-refused").await?;

            let chosen = "Une phrase de passe pour Niort";
            b.fill("Mot de passe provisoire ou actuel", DEMO_PASSWORD)
                .await?;
            b.fill("Nouveau mot de passe", chosen).await?;
            b.fill("Confirmez le nouveau mot de passe", chosen).await?;
            b.click_button("Enregistrer et continuer").await?;

            let landed = b.url().await?;
            let logged = rp::finish_login(habilis, client, &request, &landed).await?;
            ensure_eq!(logged.userinfo["preferred_username"].as_str(), Some(AGENT));
            ensure_eq!(logged.id_token["amr"], serde_json::json!(["pwd"]));
            ensure_eq!(b.heading().await?, "Application de test");
            Ok(())
        })
        .await
}
