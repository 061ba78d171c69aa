//! The login pages in French, then in English through the language link, and back: the
//! keyboard reaches the skip link first, a refusal is worded in the page's language, and the
//! forgotten-password page passes the accessibility check too.

use anyhow::ensure;

use crate::{AGENT, World, ensure_eq};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_switches_to_english_and_back() -> anyhow::Result<()> {
    World::start("language")
        .await?
        .run(async |habilis, client, b| {
            let request = habilis.authorize(client, "openid", "");
            b.goto(&request.url).await?;
            ensure_eq!(b.lang().await?, "fr");
            // The first Tab lands on the skip link (RGAA 12.7), which leads to the content.
            ensure_eq!(b.tab().await?, "Aller au contenu");

            b.click_link("English").await?;
            ensure_eq!(b.lang().await?, "en");
            ensure_eq!(b.heading().await?, "Log in");
            b.fill("Identifier", AGENT).await?;
            b.fill("Password", "not the password").await?;
            b.click_button("Log in").await?;
            ensure_eq!(
                b.error_summary().await?,
                vec![
                    "Wrong identifier or password, or unusable account. Try again or contact \
                     your administrator."
                        .to_owned()
                ]
            );
            // The refused identifier stays typed, and the field points at the message.
            let typed = b.page().field("Identifier").await?.prop("value").await?;
            ensure_eq!(typed.as_deref(), Some(AGENT));
            let messages = b.page().field_messages("Identifier").await?;
            ensure!(
                messages.iter().any(|m| m.starts_with("Wrong identifier")),
                "the identifier field is not described by the refusal: {messages:?}"
            );
            b.assert_accessible("login-en-refused").await?;
            b.screenshot("login-en-refused").await?;

            b.click_link("Français").await?;
            ensure_eq!(b.lang().await?, "fr");
            ensure_eq!(b.heading().await?, "Connexion");
            b.click_link("Mot de passe oublié ?").await?;
            ensure_eq!(b.heading().await?, "Mot de passe oublié");
            b.assert_accessible("forgot-password").await?;
            Ok(())
        })
        .await
}
