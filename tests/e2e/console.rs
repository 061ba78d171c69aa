//! The web console (issue #6), over the pages that exist so far: the principal administrator
//! of the Mairie de Niort logs in to `/console` through the normal login (own password, then
//! the authenticator app her fund requires of administrators), creates an agent and reads the
//! temporary password shown once; the agent then logs in with it and must choose a password.
//! Grants up to the quota and the fund's suspension of the convention come with their pages.

use anyhow::ensure;
use e2e::browser::Browser;
use e2e::{DEMO_PASSWORD, totp};

use crate::{PRINCIPAL, World, ensure_eq};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_creates_an_agent_who_then_chooses_a_password() -> anyhow::Result<()> {
    World::start("console")
        .await?
        .run(async |habilis, _client, b| {
            let console = format!("{}/console", habilis.base);
            b.goto(&console).await?;
            let admin_password = "L'administratrice de la mairie de Niort";
            first_login(b, PRINCIPAL, DEMO_PASSWORD, admin_password).await?;
            ensure_eq!(b.heading().await?, "Vos codes de secours");
            b.click_button("Continuer").await?;
            ensure!(
                b.url().await?.path().starts_with("/console"),
                "not back in the console: {}",
                b.url().await?
            );
            b.assert_accessible("console-home").await?;

            b.click_link("Utilisateurs").await?;
            ensure!(b.heading().await?.starts_with("Utilisateurs"));
            b.assert_accessible("console-accounts").await?;
            b.click_link("Créer un utilisateur").await?;
            b.assert_accessible("console-account-new").await?;
            b.fill("Prénom", "Nadia").await?;
            b.fill("Nom de famille", "Garnier").await?;
            b.click_button("Créer l'utilisateur").await?;
            ensure_eq!(b.heading().await?, "Utilisateur créé");
            let login = b.text_by_id("new-login").await?;
            let temporary = b.text_by_id("temporary-password").await?;
            b.screenshot("account-created").await?;
            b.assert_accessible("console-account-created").await?;

            b.click_button("Se déconnecter").await?;
            b.forget_cookies().await?;
            b.goto(&console).await?;
            first_login(b, &login, &temporary, "Une phrase de passe bien choisie").await?;
            ensure!(
                b.url().await?.path().starts_with("/console"),
                "the agent is not in the console: {}",
                b.url().await?
            );
            ensure!(
                b.page_text().await?.contains(&login),
                "the console does not show who is logged in"
            );
            b.screenshot("agent-home").await?;
            Ok(())
        })
        .await
}

/// The login steps of a first login: identifier and temporary password, the new password, and
/// the authenticator app when the page asks for it (its code computed from the manual key).
pub(crate) async fn first_login(
    b: &Browser,
    login: &str,
    temporary: &str,
    chosen: &str,
) -> anyhow::Result<()> {
    ensure_eq!(b.heading().await?, "Connexion");
    b.fill("Identifiant", login).await?;
    b.fill("Mot de passe", temporary).await?;
    b.click_button("Se connecter").await?;
    ensure_eq!(b.heading().await?, "Choisissez votre mot de passe");
    b.fill("Mot de passe provisoire ou actuel", temporary)
        .await?;
    b.fill("Nouveau mot de passe", chosen).await?;
    b.fill("Confirmez le nouveau mot de passe", chosen).await?;
    b.click_button("Enregistrer et continuer").await?;
    if b.heading().await? == "Protégez votre compte" {
        let key = b.text_by_id("totp-key").await?;
        b.fill("Code à 6 chiffres", &totp::current_code(&key)?)
            .await?;
        b.click_button("Activer").await?;
    }
    Ok(())
}
