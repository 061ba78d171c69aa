//! Issue #6 point 7, the whole chain through the console pages: the operator of the Caf des
//! Deux-Sèvres onboards a partner (partner, convention, activation, a CDAP T2 quota of 2, the
//! principal and deputy administrators with their temporary passwords); the new principal logs
//! in (password, authenticator app), creates an agent, grants T2 up to the quota and reads the
//! refusal beyond it next to the field; the agent reaches the CDAP service with the
//! habilitation; the fund suspends the convention (confirmation, reason required) and the
//! agent's token is refused, and at the next login the service gets no habilitation.
//! axe-core checks every console page on the way; screenshots at the key moments.

use std::time::Instant;

use anyhow::{Context, ensure};
use e2e::browser::Browser;
use e2e::server::{Habilis, RegisteredClient};
use e2e::{DEMO_PASSWORD, rp, totp};
use fantoccini::Locator;
use serde_json::{Value, json};

use crate::console::first_login;
use crate::{World, ensure_eq};

/// The demo operator of the Caf des Deux-Sèvres.
const OPERATOR: &str = "operateur.caf-79@demo.habilis.example.fr";
/// Her chosen password: the policy refuses one holding her names ("Opératrice", "Caf des
/// Deux-Sèvres", word by word).
const OPERATOR_PASSWORD: &str = "Vingt partenaires signent en novembre";
const PARTNER: &str = "Mairie de Parthenay";
const CONVENTION: &str = "79-2026-31";
/// The grant form's option for CDAP T2 under the new convention.
const CDAP_T2: &str =
    "CDAP — Consultation du dossier allocataire par le partenaire — T2 Profil T2 (79-2026-31)";

/// What the fund's onboarding leaves for the next acts.
struct Onboarded {
    /// The operator's authenticator key, for the next login.
    operator_key: String,
    principal: Credentials,
    deputy: Credentials,
    /// The console id of the fund's other partner (the Mairie de Niort of the demo).
    other_partner: String,
}

/// A person's login and the temporary password the console showed for them.
struct Credentials {
    login: String,
    temporary: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_onboards_a_partner_whose_agent_loses_access_when_the_convention_is_suspended()
-> anyhow::Result<()> {
    World::start("onboarding")
        .await?
        .run(async |habilis, client, b| {
            let console = format!("{}/console", habilis.base);
            let mut clock = Phases::start();

            let onboarded = onboard(b, &console).await?;
            clock.lap("fund: onboarding (first login, partner, convention, quota, admins)");

            let agent = principal_grants_up_to_the_quota(b, &console, &onboarded).await?;
            clock.lap("principal: first login, agent, grants, quota refusal");

            let access = agent_reaches_the_service(habilis, client, b, &agent).await?;
            clock.lap("agent: first login at the CDAP service");

            suspend_the_convention(b, &console, &onboarded.operator_key).await?;
            clock.lap("fund: convention suspended");

            agent_is_refused(habilis, client, b, &agent, &access).await?;
            clock.lap("agent: access refused after the suspension");
            Ok(())
        })
        .await
}

/// Act 1: the operator's first login, then the partner, its convention, the T2 quota and the
/// two administrators.
async fn onboard(b: &Browser, console: &str) -> anyhow::Result<Onboarded> {
    b.goto(console).await?;
    let key = first_login(b, OPERATOR, DEMO_PASSWORD, OPERATOR_PASSWORD)
        .await?
        .context("operators must enrol an authenticator app at first login")?;
    ensure_eq!(b.heading().await?, "Vos codes de secours");
    b.click_button("Continuer").await?;
    ensure_eq!(b.heading().await?, "Accueil");

    b.click_link("Tableau de bord du fonds").await?;
    ensure_eq!(b.heading().await?, "Tableau de bord du fonds");
    b.assert_accessible("fund-dashboard").await?;
    b.click_link("Partenaires").await?;
    ensure_eq!(b.heading().await?, "Partenaires");
    b.assert_accessible("partners").await?;
    let other_partner = b
        .client()
        .find(Locator::XPath("//a[normalize-space()='Mairie de Niort']"))
        .await?
        .attr("href")
        .await?
        .and_then(|h| h.rsplit('/').next().map(str::to_owned))
        .context("the demo partner Mairie de Niort is not listed")?;

    b.click_link("Ajouter un partenaire").await?;
    ensure_eq!(b.heading().await?, "Ajouter un partenaire");
    b.assert_accessible("partner-new").await?;
    b.fill("Numéro de tiers", "79CAF0202").await?;
    b.fill("Nom", PARTNER).await?;
    b.fill("Nature", "Commune").await?;
    b.fill("Courriel", "habilitations@parthenay.example.fr")
        .await?;
    b.click_button("Ajouter le partenaire").await?;
    ensure_eq!(b.heading().await?, PARTNER);
    let partner_page = b.url().await?.to_string();
    b.assert_accessible("partner").await?;

    b.click_link("Créer une convention").await?;
    b.assert_accessible("convention-new").await?;
    b.fill("Numéro", CONVENTION).await?;
    // In force from today, whatever the date the scenario runs.
    let today = idp::clock::Clock::now(&idp::clock::SystemClock)
        .date()
        .to_string();
    b.fill("Date d'effet", &today).await?;
    b.page()
        .check("Délégué (le partenaire gère ses habilitations)", true)
        .await?;
    b.fill("Territoire", "79").await?;
    b.fill(
        "Finalité",
        "Tarification des services municipaux selon le quotient familial",
    )
    .await?;
    b.click_button("Créer la convention").await?;
    ensure_eq!(
        b.heading().await?,
        format!("Convention {CONVENTION} {PARTNER}")
    );
    ensure_eq!(b.text_by_id("convention-status").await?, "En préparation");
    b.assert_accessible("convention").await?;

    b.click_link("Activer").await?;
    ensure!(b.heading().await?.starts_with("Activer la convention"));
    b.assert_accessible("confirm-activate").await?;
    b.click_button("Activer").await?;
    ensure_eq!(b.text_by_id("convention-status").await?, "Active");

    let open = b
        .within_section("Ouvrir un service ou fixer le quota d'un rôle")
        .await?;
    open.fill("Rôle", "T2").await?;
    open.fill("Quota", "2").await?;
    open.click_button("Fixer le quota").await?;
    let t2 = b.within_row("T2 Profil T2").await?.text().await?;
    ensure!(t2.contains("0 / 2 utilisés"), "the T2 row reads {t2:?}");

    // The administrators need accounts first: the designation form links to their creation.
    b.goto(&partner_page).await?;
    let principal = create_user(b, "Élise", "Rousseau").await?;
    b.goto(&partner_page).await?;
    let deputy = create_user(b, "Marc", "Girard").await?;
    b.goto(&partner_page).await?;
    for (seat, who) in [
        ("Administrateur principal", &principal),
        ("Administrateur suppléant", &deputy),
    ] {
        let form = b.within_section("Désigner").await?;
        form.fill("Fonction", seat).await?;
        form.fill("Identifiant", &who.login).await?;
        form.click_button("Désigner").await?;
        ensure!(
            b.error_summary().await?.is_empty(),
            "designating {}: {:?}",
            who.login,
            b.error_summary().await?
        );
        let row = b.within_row(&who.login).await?.text().await?;
        ensure!(row.contains(seat), "the administrators table reads {row:?}");
    }
    b.scroll_to("admins").await?;
    b.screenshot("onboarding-done").await?;
    b.click_button("Se déconnecter").await?;
    Ok(Onboarded {
        operator_key: key,
        principal,
        deputy,
        other_partner,
    })
}

/// From the partner's page: *Créer un utilisateur*, and the login and temporary password the
/// page shows once.
async fn create_user(b: &Browser, given: &str, family: &str) -> anyhow::Result<Credentials> {
    b.click_link("Créer un utilisateur").await?;
    ensure!(b.heading().await?.starts_with("Créer un utilisateur"));
    b.fill("Prénom", given).await?;
    b.fill("Nom de famille", family).await?;
    b.click_button("Créer l'utilisateur").await?;
    ensure_eq!(b.heading().await?, "Utilisateur créé");
    Ok(Credentials {
        login: b.text_by_id("new-login").await?,
        temporary: b.text_by_id("temporary-password").await?,
    })
}

/// Act 2: the principal's first login, an agent created, T2 granted to the agent and the
/// deputy (the quota of 2), and the third grant refused next to *Service et rôle*. Also the
/// partner's other pages an administrator reads, and another partner's answering "not found".
/// Returns the agent.
async fn principal_grants_up_to_the_quota(
    b: &Browser,
    console: &str,
    onboarded: &Onboarded,
) -> anyhow::Result<Credentials> {
    let (principal, deputy) = (&onboarded.principal, &onboarded.deputy);
    b.forget_cookies().await?;
    b.goto(console).await?;
    let chosen = "La principale de la mairie de Parthenay";
    first_login(b, &principal.login, &principal.temporary, chosen)
        .await?
        .context("administrators must enrol an authenticator app at first login")?;
    b.click_button("Continuer").await?;

    // The other partner of the same fund: not found, nothing of it shown.
    b.goto(&format!(
        "{console}/partners/{}/accounts",
        onboarded.other_partner
    ))
    .await?;
    ensure_eq!(b.heading().await?, "Erreur");
    let text = b.page_text().await?;
    ensure!(
        text.contains("Cette page n'existe pas, ou vous n'y avez pas accès.")
            && !text.contains("Niort"),
        "another partner's users page shows {text:?}"
    );
    b.goto(console).await?;

    menu(b, "Utilisateurs").await?;
    ensure!(b.heading().await?.starts_with("Utilisateurs"));
    b.assert_accessible("partner-accounts").await?;
    b.click_link("Créer un utilisateur").await?;
    b.fill("Prénom", "Inès").await?;
    b.fill("Nom de famille", "Lambert").await?;
    b.click_button("Créer l'utilisateur").await?;
    ensure_eq!(b.heading().await?, "Utilisateur créé");
    let agent = Credentials {
        login: b.text_by_id("new-login").await?,
        temporary: b.text_by_id("temporary-password").await?,
    };
    b.click_link("Voir la fiche de l'utilisateur").await?;
    ensure!(b.heading().await?.contains("Lambert"));
    b.assert_accessible("account").await?;

    for who in [&agent.login, &deputy.login] {
        grant_t2(b, who).await?;
        ensure!(
            b.page_text()
                .await?
                .contains("L'habilitation est attribuée."),
            "no confirmation of the grant to {who}"
        );
    }
    grant_t2(b, &principal.login).await?;
    ensure_eq!(
        b.heading().await?,
        "Attribuer une habilitation Mairie de Parthenay"
    );
    let quota_full = "Quota du rôle T2 atteint : 2 habilitation(s) utilisée(s) sur 2, 1 de plus \
                      demandée(s)";
    let summary = b.error_summary().await?;
    ensure!(
        summary.len() == 1 && summary.iter().all(|s| s.contains(quota_full)),
        "error summary {summary:?}"
    );
    let next_to_field = b.page().field_messages("Service et rôle").await?;
    ensure!(
        next_to_field.iter().any(|m| m == quota_full),
        "the field says {next_to_field:?}"
    );
    b.screenshot("quota-refused").await?;
    b.assert_accessible("grant-refused").await?;

    menu(b, "Groupes").await?;
    b.assert_accessible("groups").await?;
    menu(b, "Quotas").await?;
    let t2 = b.within_row("T2").await?.text().await?;
    ensure!(t2.contains("2 / 2"), "the quotas page reads {t2:?}");
    b.assert_accessible("quotas").await?;
    menu(b, "Mon compte").await?;
    ensure_eq!(b.heading().await?, "Mon compte");
    b.assert_accessible("me").await?;
    b.click_button("Se déconnecter").await?;
    Ok(agent)
}

/// *Habilitations* → *Attribuer une habilitation*: CDAP T2 to `login`.
async fn grant_t2(b: &Browser, login: &str) -> anyhow::Result<()> {
    menu(b, "Habilitations").await?;
    b.click_link("Attribuer une habilitation").await?;
    b.page().check("un utilisateur", true).await?;
    b.fill("Identifiant de l'utilisateur", login).await?;
    b.fill("Service et rôle", CDAP_T2).await?;
    b.fill("Motif", "Instruction des tarifs du centre de loisirs")
        .await?;
    b.click_button("Attribuer une habilitation").await
}

/// Act 3: the agent opens the CDAP service, changes the temporary password, and the service
/// reads the T2 habilitation. Returns the access token the service received.
async fn agent_reaches_the_service(
    habilis: &Habilis,
    client: &RegisteredClient,
    b: &Browser,
    agent: &Credentials,
) -> anyhow::Result<String> {
    b.forget_cookies().await?;
    let request = habilis.authorize(client, "openid profile habilitations", "");
    b.goto(&request.url).await?;
    first_login(
        b,
        &agent.login,
        &agent.temporary,
        "Les tarifs de Parthenay 2026",
    )
    .await?;
    let logged = rp::finish_login(habilis, client, &request, &b.url().await?).await?;
    ensure_eq!(
        logged.userinfo["preferred_username"].as_str(),
        Some(agent.login.as_str())
    );
    let held: Vec<(Value, Value)> = habilitations(&logged.userinfo)
        .map(|h| (h["role"].clone(), h["convention"].clone()))
        .collect();
    ensure_eq!(held, vec![(json!("T2"), json!(CONVENTION))]);
    logged.tokens["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no access token")
}

/// Act 4: the operator logs in again (password and the authenticator's code) and suspends the
/// convention: the confirmation asks for a reason, refuses none, then applies.
async fn suspend_the_convention(b: &Browser, console: &str, key: &str) -> anyhow::Result<()> {
    b.forget_cookies().await?;
    b.goto(console).await?;
    b.fill("Identifiant", OPERATOR).await?;
    b.fill("Mot de passe", OPERATOR_PASSWORD).await?;
    b.click_button("Se connecter").await?;
    ensure_eq!(b.heading().await?, "Code de vérification");
    b.fill("Code à 6 chiffres", &totp::next_code(key)?).await?;
    b.click_button("Vérifier").await?;

    b.click_link("Partenaires").await?;
    b.within_row(PARTNER).await?.click_link(PARTNER).await?;
    b.click_link(CONVENTION).await?;
    b.click_link("Suspendre").await?;
    ensure!(b.heading().await?.starts_with("Suspendre la convention"));
    b.assert_accessible("confirm-suspend").await?;
    b.click_button("Suspendre").await?;
    let no_reason = "Un motif est obligatoire pour suspendre une convention.";
    ensure!(
        b.error_summary()
            .await?
            .iter()
            .any(|s| s.contains(no_reason)),
        "a suspension without a reason: {:?}",
        b.error_summary().await?
    );
    let said = b.page().field_messages("Motif").await?;
    ensure!(
        said.iter().any(|m| m == no_reason),
        "the reason field says {said:?}"
    );
    b.assert_accessible("confirm-suspend-refused").await?;
    b.fill("Motif", "Attestation d'assurance non fournie")
        .await?;
    b.click_button("Suspendre").await?;
    ensure_eq!(b.text_by_id("convention-status").await?, "Suspendue");
    ensure!(
        b.page_text()
            .await?
            .contains("Attestation d'assurance non fournie")
    );
    b.screenshot("convention-suspended").await?;
    b.click_button("Se déconnecter").await?;
    Ok(())
}

/// What the agent and the service observe after the suspension: the token the service holds
/// is refused at once, and a new login gives the service no habilitation.
async fn agent_is_refused(
    habilis: &Habilis,
    client: &RegisteredClient,
    b: &Browser,
    agent: &Credentials,
    access: &str,
) -> anyhow::Result<()> {
    let status = reqwest::Client::new()
        .get(format!("{}/userinfo", habilis.base))
        .bearer_auth(access)
        .send()
        .await?
        .status();
    ensure_eq!(status, reqwest::StatusCode::UNAUTHORIZED);

    b.forget_cookies().await?;
    let request = habilis.authorize(client, "openid profile habilitations", "");
    b.goto(&request.url).await?;
    ensure_eq!(b.heading().await?, "Connexion");
    b.fill("Identifiant", &agent.login).await?;
    b.fill("Mot de passe", "Les tarifs de Parthenay 2026")
        .await?;
    b.click_button("Se connecter").await?;
    let logged = rp::finish_login(habilis, client, &request, &b.url().await?).await?;
    ensure_eq!(habilitations(&logged.userinfo).count(), 0);
    b.screenshot("agent-without-habilitation").await?;
    Ok(())
}

/// Follows `link` in the console's main menu.
async fn menu(b: &Browser, link: &str) -> anyhow::Result<()> {
    b.within_nav("Menu principal").await?.click_link(link).await
}

/// The habilitations the service reads in `/userinfo`.
fn habilitations(userinfo: &Value) -> impl Iterator<Item = &Value> {
    userinfo["habilitations"].as_array().into_iter().flatten()
}

/// The duration of each act, printed for the report (`--nocapture`).
struct Phases {
    start: Instant,
    last: Instant,
}

impl Phases {
    fn start() -> Self {
        let now = Instant::now();
        Self {
            start: now,
            last: now,
        }
    }

    fn lap(&mut self, what: &str) {
        let now = Instant::now();
        eprintln!(
            "onboarding: {what}: {:.1} s (total {:.1} s)",
            (now - self.last).as_secs_f64(),
            (now - self.start).as_secs_f64()
        );
        self.last = now;
    }
}
