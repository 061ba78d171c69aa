//! A partner's principal administrator logs in for the first time: after choosing a password,
//! the fund's policy makes her enrol an authenticator app (QR code and manual key; the code is
//! computed here from the key, as the app would), the recovery codes are shown once, and the
//! service gets `amr` `otp`. At the next login the code is asked; a wrong one is refused in
//! plain words.

use anyhow::ensure;
use e2e::{DEMO_PASSWORD, rp, totp};

use crate::{PRINCIPAL, World, ensure_eq};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_enrols_an_authenticator_at_first_login_then_logs_in_with_a_code()
-> anyhow::Result<()> {
    World::start("second-factor")
        .await?
        .run(async |habilis, client, b| {
            let request = habilis.authorize(client, "openid profile", "");
            b.goto(&request.url).await?;
            b.fill("Identifiant", PRINCIPAL).await?;
            b.fill("Mot de passe", DEMO_PASSWORD).await?;
            b.click_button("Se connecter").await?;
            // Administrators: sixteen characters at least; an apostrophe typed as a person would.
            let chosen = "L'administratrice de la mairie de Niort";
            ensure_eq!(b.heading().await?, "Choisissez votre mot de passe");
            b.fill("Mot de passe provisoire ou actuel", DEMO_PASSWORD)
                .await?;
            b.fill("Nouveau mot de passe", chosen).await?;
            b.fill("Confirmez le nouveau mot de passe", chosen).await?;
            b.click_button("Enregistrer et continuer").await?;

            ensure_eq!(b.heading().await?, "Protégez votre compte");
            ensure!(
                b.image("QR code à scanner avec votre application d'authentification")
                    .await?,
                "no QR code shown"
            );
            b.assert_accessible("enrol").await?;
            b.screenshot("enrol").await?;
            let key = b.text_by_id("totp-key").await?;
            b.fill("Code à 6 chiffres", &totp::current_code(&key)?)
                .await?;
            b.click_button("Activer").await?;

            ensure_eq!(b.heading().await?, "Vos codes de secours");
            let codes = b.text_by_id("recovery-codes").await?;
            ensure_eq!(codes.lines().filter(|l| !l.trim().is_empty()).count(), 10);
            b.assert_accessible("recovery-codes").await?;
            b.screenshot("recovery-codes").await?;
            b.click_button("Continuer").await?;
            let logged = rp::finish_login(habilis, client, &request, &b.url().await?).await?;
            ensure_eq!(
                logged.userinfo["preferred_username"].as_str(),
                Some(PRINCIPAL)
            );
            let amr = logged.id_token["amr"].to_string();
            ensure!(amr.contains("otp"), "amr {amr} without otp");

            // The next login, in a new visit: the code is asked.
            let request = habilis.authorize(client, "openid profile", "&prompt=login");
            b.goto(&request.url).await?;
            b.fill("Identifiant", PRINCIPAL).await?;
            b.fill("Mot de passe", chosen).await?;
            b.click_button("Se connecter").await?;
            ensure_eq!(b.heading().await?, "Code de vérification");
            b.assert_accessible("second-factor").await?;
            let right = totp::next_code(&key)?;
            b.fill("Code à 6 chiffres", &wrong(&right)).await?;
            b.click_button("Vérifier").await?;
            ensure_eq!(
                b.error_summary().await?,
                vec![
                    "Code incorrect ou déjà utilisé, ou compte momentanément bloqué. Réessayez \
                     ou contactez votre administrateur."
                        .to_owned()
                ]
            );
            b.assert_accessible("second-factor-refused").await?;
            b.screenshot("second-factor-refused").await?;
            b.fill("Code à 6 chiffres", &right).await?;
            b.click_button("Vérifier").await?;
            let logged = rp::finish_login(habilis, client, &request, &b.url().await?).await?;
            let amr = logged.id_token["amr"].to_string();
            ensure!(amr.contains("otp"), "amr {amr} without otp");
            Ok(())
        })
        .await
}

/// A code that is not `right` (its last digit changed).
fn wrong(right: &str) -> String {
    let mut s: Vec<char> = right.chars().collect();
    if let Some(last) = s.last_mut() {
        *last = if *last == '0' { '1' } else { '0' };
    }
    s.into_iter().collect()
}
