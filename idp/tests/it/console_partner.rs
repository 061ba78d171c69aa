//! The partner pages of the console over HTTP, as a partner administrator's browser uses them:
//! one user's page and its actions, habilitations (grant, quota / territory / rights refusals
//! next to their field, end date, withdrawal), groups, delegated managers, quotas in use,
//! requests — and never another partner's objects. Plus the 5,000-account measurement.

use std::time::Instant;

use idp::account::login_id::LoginId;
use idp::partner::Partner;

use crate::console::{PRINCIPAL, Session, console_login, page, submit};
use crate::login_mfa::between;
use crate::oidc::{AGENT, NEW_PASSWORD, Provider};

/// The demo's Mairie de Niort (CAF 79) and a partner of another fund.
async fn partners(p: &Provider) -> (Partner, Partner) {
    let db = &p.state.db;
    let fund = |code: &str| idp::fund::FundCode::parse(code).unwrap();
    let caf = idp::fund::find(db, &fund("caf-79")).await.unwrap();
    let niort = idp::partner::list(db, &caf)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "Mairie de Niort")
        .unwrap();
    let msa = idp::fund::find(db, &fund("msa-armorique")).await.unwrap();
    let other = idp::partner::list(db, &msa)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    (niort, other)
}

async fn account_id(p: &Provider, partner: &Partner, login: &str) -> i64 {
    idp::account::find_by_login(&p.state.db, partner, &LoginId::parse(login).unwrap())
        .await
        .unwrap()
        .id
}

async fn principal(p: &Provider) -> Session {
    console_login(
        p,
        PRINCIPAL,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await
}

/// Posts a form found at `form_path` to `action`.
async fn post(
    p: &Provider,
    s: &Session,
    form_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (status, html) = page(p, s, form_path).await;
    assert_eq!(status, 200, "{form_path}: {html}");
    submit(p, s, action, &html, fields).await
}

const SOPHIE: &str = "79caf0191.sdurand";
const T18: &str = "79-2017-19|cdap|T18";

#[tokio::test]
async fn console_partner_an_administrator_runs_a_user_from_its_page() {
    let p = Provider::start().await;
    let (niort, _) = partners(&p).await;
    let s = principal(&p).await;
    let luc = account_id(&p, &niort, AGENT).await;
    let base = format!("/console/partners/{}/accounts/{luc}", niort.id);
    let (status, html) = page(&p, &s, &base).await;
    assert_eq!(status, 200, "{html}");
    for part in ["Luc Petit", AGENT, "T1", "Jamais", "class=\"tag "] {
        assert!(html.contains(part), "{part}: {html}");
    }
    assert_eq!(html.matches("<h1").count(), 1);

    // Edit: a missing name is shown next to its field; then the profile is saved.
    let edit = format!("{base}/edit");
    let (status, _, refused) = post(
        &p,
        &s,
        &edit,
        &edit,
        &[("given_name", "Luc"), ("family_name", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("href=\"#family_name\"") && refused.contains("aria-invalid=\"true\""));
    let (status, loc, _) = post(
        &p,
        &s,
        &edit,
        &edit,
        &[
            ("given_name", "Luc"),
            ("family_name", "Petit-Martin"),
            ("email", "luc.petit@mairie-niort.example.fr"),
        ],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, &*format!("{base}?done=done.account.edited"))
    );
    let (_, html) = page(&p, &s, &loc).await;
    assert!(
        html.contains("Petit-Martin") && html.contains("Le profil est enregistré."),
        "{html}"
    );
    assert!(html.contains("luc.petit@mairie-niort.example.fr"));

    // Reset the password: a confirmation, then the temporary password shown once.
    let reset = format!("{base}/reset-password");
    let (status, confirm) = page(&p, &s, &reset).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("class=\"warning\""), "{confirm}");
    let (status, _, shown) = submit(&p, &s, &reset, &confirm, &[]).await;
    assert_eq!(status, 200, "{shown}");
    let temporary = between(&shown, "id=\"temporary-password\">", "</code>").to_owned();
    assert!(temporary.len() >= 12);
    let (_, again) = page(&p, &s, &base).await;
    assert!(!again.contains(&temporary));

    // A forged form changes nothing.
    let r =
        s.b.post(format!("{}{base}/disable", p.base))
            .form(&[("csrf", "forged"), ("reason", "x")])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);

    // Give Luc the only T18 seat, disable him (the seat is freed), give it to Sophie: enabling
    // Luc again is refused by the quota, in plain words next to the reason.
    let grant = format!("/console/partners/{}/habilitations/new", niort.id);
    let (status, loc, body) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", AGENT),
            ("offer", T18),
            ("reason", "Accueil du public"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(loc.contains("done=done.hab.granted"), "{loc}");
    let disable = format!("{base}/disable");
    let (status, _, refused) = post(&p, &s, &disable, &disable, &[("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("id=\"reason-error\"") && refused.contains("Indiquez un motif."),
        "{refused}"
    );
    let (status, loc, _) = post(
        &p,
        &s,
        &disable,
        &disable,
        &[("reason", "Départ en mutation")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&p, &s, &loc).await;
    assert!(
        html.contains("Le compte est désactivé.") && html.contains("Désactivé"),
        "{html}"
    );
    assert!(html.contains(&format!("{base}/enable")));
    let (status, _, body) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", SOPHIE),
            ("offer", T18),
            ("reason", "Remplacement"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let enable = format!("{base}/enable");
    let (status, _, refused) = post(&p, &s, &enable, &enable, &[("reason", "Retour")]).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("id=\"reason-error\""), "{refused}");
    assert!(
        refused.contains("T18"),
        "the refusal names the role: {refused}"
    );
    let (_, html) = page(&p, &s, &base).await;
    assert!(html.contains("Désactivé"), "still disabled");

    // Unlock and reset the second factor (with its confirmation step).
    let (_, html) = page(&p, &s, &base).await;
    let (status, loc, _) = submit(&p, &s, &format!("{base}/unlock"), &html, &[]).await;
    assert_eq!(
        (status, loc),
        (303, format!("{base}?done=done.account.unlocked"))
    );
    let second = format!("{base}/reset-second-factor");
    let (status, loc, _) = post(&p, &s, &second, &second, &[]).await;
    assert_eq!(
        (status, loc),
        (303, format!("{base}?done=done.account.second_factor_reset"))
    );
    p.stop().await;
}

#[tokio::test]
async fn console_partner_habilitations_are_granted_moved_and_withdrawn_with_refusals_shown() {
    let p = Provider::start().await;
    let (niort, _) = partners(&p).await;
    let s = principal(&p).await;
    let hab = format!("/console/partners/{}/habilitations", niort.id);
    let grant = format!("{hab}/new");
    let (status, form) = page(&p, &s, &grant).await;
    assert_eq!(status, 200, "{form}");
    // Only the partner's subscriptions, and the convention's territory as checkboxes.
    assert!(form.contains(&format!("value=\"{T18}\"")), "{form}");
    assert!(form.contains("name=\"territory\" value=\"79\""), "{form}");
    assert!(
        !form.contains("consultation"),
        "another fund's service is not offered"
    );

    let (status, loc, body) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", AGENT),
            ("offer", T18),
            ("territory", "79"),
            ("valid_until", "2031-06-30"),
            ("reason", "Accueil du public"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let one = loc.split('?').next().unwrap().to_owned();
    let (_, html) = page(&p, &s, &loc).await;
    assert!(
        html.contains("habilitation est attribuée.") && html.contains("2031-06-30"),
        "{html}"
    );

    // The quota (T18: 1) is full: the refusal is next to the service and role.
    let (status, _, refused) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", SOPHIE),
            ("offer", T18),
            ("reason", "Renfort"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"offer-error\""), "{refused}");
    assert!(refused.contains("Quota du rôle T18 atteint"), "{refused}");
    assert!(refused.contains("href=\"#offer\""));
    // Outside the convention's territory (a forged value): next to the territory.
    let (status, _, refused) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", SOPHIE),
            ("offer", "79-2017-19|cdap|T5"),
            ("territory", "75"),
            ("reason", "Renfort"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"territory-error\""), "{refused}");
    // An unknown login, a missing reason and a missing role are explained too.
    let (status, _, refused) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", "79caf0191.personne"),
            ("offer", T18),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"account-error\""), "{refused}");
    let (status, _, refused) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[("kind", "account"), ("account", AGENT)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"offer-error\""), "{refused}");

    // The list filters by role; the quotas page says "1 / 1" with the holder.
    let (_, list) = page(&p, &s, &format!("{hab}?role=T18")).await;
    assert!(list.contains(AGENT) && !list.contains(SOPHIE), "{list}");
    let quotas = format!("/console/partners/{}/quotas", niort.id);
    let (status, q) = page(&p, &s, &quotas).await;
    assert_eq!(status, 200, "{q}");
    assert!(
        q.contains("1 / 1") && q.contains("quota atteint") && q.contains(AGENT),
        "{q}"
    );
    assert!(
        q.contains("5 / 10") || q.contains("/ 10"),
        "T1's quota: {q}"
    );

    // Move the end date, then withdraw with a reason after the confirmation.
    let (_, html) = page(&p, &s, &one).await;
    let (status, loc, _) = submit(
        &p,
        &s,
        &format!("{one}/end-date"),
        &html,
        &[
            ("valid_until", "2030-12-31"),
            ("end_reason", "Fin de mission"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&p, &s, &loc).await;
    assert!(html.contains("2030-12-31") && html.contains("La date de fin est enregistrée."));
    let withdraw = format!("{one}/withdraw");
    let (status, _, refused) = post(&p, &s, &withdraw, &withdraw, &[("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"reason-error\""));
    let (status, loc, _) = post(
        &p,
        &s,
        &withdraw,
        &withdraw,
        &[("reason", "Fin de mission")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&p, &s, &loc).await;
    assert!(html.contains("Retirée"), "{html}");
    let (_, q) = page(&p, &s, &quotas).await;
    assert!(q.contains("0 / 1"), "the seat is free again: {q}");

    // Filing a request from the same form: listed with its status on the requests page.
    let (status, loc, body) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", SOPHIE),
            ("offer", T18),
            ("reason", "Demande au fonds"),
            ("file", "request"),
        ],
    )
    .await;
    let requests = format!("/console/partners/{}/requests", niort.id);
    assert_eq!(status, 303, "{body}");
    assert!(loc.starts_with(&requests), "{loc}");
    let (_, list) = page(&p, &s, &loc).await;
    assert!(
        list.contains("La demande est déposée.") && list.contains("En attente"),
        "{list}"
    );
    assert!(list.contains("cdap T18"), "{list}");
    let (status, _) = page(&p, &s, &requests).await;
    assert_eq!(status, 200);

    // "My account" lists the open sessions when there are several.
    let second = console_login(&p, PRINCIPAL, NEW_PASSWORD, None, s.totp_key.as_deref()).await;
    let (status, me) = page(&p, &second, "/console/me").await;
    assert_eq!(status, 200);
    assert!(
        me.contains("Sessions ouvertes") && me.contains("(celle-ci)"),
        "{me}"
    );
    p.stop().await;
}

/// CDAP T4 requires the instructor number (demo catalogue): the grant form asks for it, refuses
/// the grant without it next to the field, and the habilitation page shows it.
#[tokio::test]
async fn console_partner_a_role_attribute_is_typed_in_the_grant_form() {
    let p = Provider::start().await;
    let (niort, _) = partners(&p).await;
    let s = principal(&p).await;
    let grant = format!("/console/partners/{}/habilitations/new", niort.id);
    let (status, form) = page(&p, &s, &grant).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("id=\"attribute\""), "{form}");
    assert!(
        form.contains("cdap T4 (Numéro d&#x27;instructeur)")
            || form.contains("cdap T4 (Numéro d&#39;instructeur)"),
        "{form}"
    );
    let t4 = "79-2017-19|cdap|T4";
    let (status, _, refused) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", AGENT),
            ("offer", t4),
            ("reason", "Instruction des dossiers"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("id=\"attribute-error\""), "{refused}");
    assert!(refused.contains("href=\"#attribute\""), "{refused}");
    let (status, loc, body) = post(
        &p,
        &s,
        &grant,
        &grant,
        &[
            ("kind", "account"),
            ("account", AGENT),
            ("offer", t4),
            ("attribute", "INS-0042"),
            ("reason", "Instruction des dossiers"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, html) = page(&p, &s, &loc).await;
    assert!(
        html.contains("instructor_number") && html.contains("INS-0042"),
        "{html}"
    );
}

#[tokio::test]
async fn console_partner_groups_managers_and_another_partners_objects() {
    let p = Provider::start().await;
    let (niort, other) = partners(&p).await;
    let s = principal(&p).await;
    let groups = format!("/console/partners/{}/groups", niort.id);
    let (status, _, refused) = post(&p, &s, &groups, &groups, &[("name", "")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"name-error\""));
    let (status, loc, _) = post(
        &p,
        &s,
        &groups,
        &groups,
        &[("name", "Accueil"), ("description", "Guichet")],
    )
    .await;
    assert_eq!(status, 303);
    let group = loc.split('?').next().unwrap().to_owned();
    let (_, html) = page(&p, &s, &loc).await;
    assert!(html.contains("Le groupe est créé.") && html.contains("Guichet"));
    // Add a member by login (an unknown one is explained), grant the group a role, remove.
    let members = format!("{group}/members");
    let (status, _, refused) =
        post(&p, &s, &group, &members, &[("login", "79caf0191.inconnu")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"login-error\""), "{refused}");
    let (status, loc, _) = post(&p, &s, &group, &members, &[("login", AGENT)]).await;
    assert_eq!(status, 303);
    let (_, html) = page(&p, &s, &loc).await;
    assert!(
        html.contains(AGENT) && html.contains("Le membre est ajouté."),
        "{html}"
    );
    let grant = format!(
        "/console/partners/{}/habilitations/new?group=Accueil",
        niort.id
    );
    let (status, _, body) = post(
        &p,
        &s,
        &grant,
        &format!("/console/partners/{}/habilitations/new", niort.id),
        &[
            ("kind", "group"),
            ("group", "Accueil"),
            ("offer", "79-2017-19|cdap|T5"),
            ("reason", "Guichet"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, html) = page(&p, &s, &group).await;
    assert!(html.contains("T5"), "the group's habilitations: {html}");
    let luc = account_id(&p, &niort, AGENT).await;
    let (_, account) = page(
        &p,
        &s,
        &format!("/console/partners/{}/accounts/{luc}", niort.id),
    )
    .await;
    assert!(
        account.contains("Accueil") && account.contains("par le groupe"),
        "{account}"
    );
    let (status, loc, _) = submit(&p, &s, &format!("{members}/{luc}/remove"), &html, &[]).await;
    assert_eq!(status, 303);
    let (_, html) = page(&p, &s, &loc).await;
    assert!(html.contains("Le membre est retiré du groupe."), "{html}");

    // Appoint Sophie a delegated manager of role T1 only.
    let fund = idp::fund::find(&p.state.db, &idp::fund::FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let cdap = idp::service::list(&p.state.db, &fund)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code.as_str() == "cdap")
        .unwrap();
    let t1 = cdap.role("T1").unwrap().id.to_string();
    let managers = format!("/console/partners/{}/managers", niort.id);
    let (status, _, refused) = post(&p, &s, &managers, &managers, &[("login", "")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"login-error\""));
    let (status, loc, body) = post(
        &p,
        &s,
        &managers,
        &managers,
        &[("login", SOPHIE), ("roles", &t1)],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, list) = page(&p, &s, &loc).await;
    assert!(
        list.contains(SOPHIE) && list.contains("T1 Profil T1"),
        "{list}"
    );
    let manager: i64 = between(&list, &format!("{managers}/"), "/revoke")
        .parse()
        .unwrap();

    // Sophie, within her scope, is refused T2: said next to the role.
    let sophie = console_login(
        &p,
        SOPHIE,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    let new = format!("/console/partners/{}/habilitations/new", niort.id);
    let (status, _, refused) = post(
        &p,
        &sophie,
        &new,
        &new,
        &[
            ("kind", "account"),
            ("account", AGENT),
            ("offer", "79-2017-19|cdap|T2"),
            ("reason", "Renfort"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("id=\"offer-error\""), "{refused}");
    // She cannot revoke managers either (the decision is the API's).
    let (status, _) = page(&p, &sophie, &format!("{managers}/{manager}/revoke")).await;
    assert_eq!(status, 200, "the confirmation page itself is informative");
    let (_, html) = page(&p, &sophie, &format!("{managers}/{manager}/revoke")).await;
    let (status, _, _) = submit(
        &p,
        &sophie,
        &format!("{managers}/{manager}/revoke"),
        &html,
        &[("reason", "x")],
    )
    .await;
    assert!(status == 403 || status == 422, "{status}");

    // A revocation without a reason is refused by the domain itself, not only by the page.
    let cli = idp::actor::Actor::Cli {
        os_user: "test".into(),
    };
    let refused = idp::delegation::revoke_manager(
        &p.state.db,
        idp::clock::Clock::now(&p.clock),
        &cli,
        &niort,
        manager,
        " ",
    )
    .await
    .unwrap_err();
    assert_eq!(
        idp::error::UserError::code(&refused),
        "manager.reason_required"
    );
    // The principal revokes her, with a reason.
    let revoke = format!("{managers}/{manager}/revoke");
    let (status, loc, _) = post(&p, &s, &revoke, &revoke, &[("reason", "Fin de délégation")]).await;
    assert_eq!(status, 303);
    let (_, list) = page(&p, &s, &loc).await;
    assert!(
        list.contains("Le gestionnaire est révoqué.")
            && !list.contains(&format!("{managers}/{manager}/revoke")),
        "{list}"
    );

    // Another partner's pages and objects are not even shown to exist.
    let other_account = idp::account::list_of_partner(&p.state.db, &other)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let other_hab = idp::habilitation::list_of_partner(&p.state.db, &other)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    for path in [
        format!("/console/partners/{}/habilitations", other.id),
        format!("/console/partners/{}/habilitations/new", other.id),
        format!("/console/partners/{}/groups", other.id),
        format!("/console/partners/{}/managers", other.id),
        format!("/console/partners/{}/quotas", other.id),
        format!("/console/partners/{}/requests", other.id),
        format!(
            "/console/partners/{}/accounts/{}",
            other.id, other_account.id
        ),
        format!(
            "/console/partners/{}/accounts/{}",
            niort.id, other_account.id
        ),
        format!(
            "/console/partners/{}/accounts/{}/disable",
            niort.id, other_account.id
        ),
        format!(
            "/console/partners/{}/habilitations/{}",
            niort.id, other_hab.id
        ),
        format!(
            "/console/partners/{}/habilitations/{}/withdraw",
            niort.id, other_hab.id
        ),
    ] {
        let (status, body) = page(&p, &s, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains(&other.name) && !body.contains(other_account.login.as_str()),
            "{path}"
        );
    }
    let (_, html) = page(&p, &s, &managers).await;
    let (status, _, _) = submit(
        &p,
        &s,
        &format!(
            "/console/partners/{}/habilitations/{}/withdraw",
            niort.id, other_hab.id
        ),
        &html,
        &[("reason", "intrusion")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = submit(
        &p,
        &s,
        &format!(
            "/console/partners/{}/accounts/{}/disable",
            niort.id, other_account.id
        ),
        &html,
        &[("reason", "intrusion")],
    )
    .await;
    assert_eq!(status, 404);
    p.stop().await;
}

/// Issue "Web console" point 6: a partner with 5,000 accounts. The accounts are written in one
/// SQL statement (creating them one by one would hash 5,000 temporary passwords); the figures
/// are printed, not asserted (the machine is shared).
#[tokio::test]
async fn console_partner_users_page_of_a_partner_with_5000_accounts() {
    use idp::store::Conn;
    use sea_orm::ConnectionTrait;
    let p = Provider::start().await;
    let (niort, _) = partners(&p).await;
    let luc = account_id(&p, &niort, AGENT).await;
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         INSERT INTO account (subject, fund_id, partner_id, login, given_name, family_name, \
         attributes, status, must_change_password, created_at, updated_at) \
         SELECT 'bench-' || i, a.fund_id, a.partner_id, '79caf0191.bench' || i, 'Agent', \
         'Banc' || i, a.attributes, 'active', a.must_change_password, a.created_at, a.updated_at \
         FROM n, account a WHERE a.id = {luc}"
    );
    p.state.db.c().execute_unprepared(&sql).await.unwrap();
    let s = principal(&p).await;
    let list = format!("/console/partners/{}/accounts", niort.id);
    let mut figures = Vec::new();
    for (name, path) in [
        ("first page", list.clone()),
        ("search", format!("{list}?q=banc4999")),
        ("status filter", format!("{list}?status=active")),
        ("last page", format!("{list}?offset=4950")),
    ] {
        // Warm once, then the median of five.
        let _ = page(&p, &s, &path).await;
        let mut ms = Vec::new();
        let mut body = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let (status, html) = page(&p, &s, &path).await;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, 200);
            body = html;
        }
        ms.sort_by(f64::total_cmp);
        figures.push(format!("{name}: {:.1} ms", ms[2]));
        if name == "first page" {
            assert!(
                body.contains("5004") || body.contains("5 004") || body.contains("5\u{202f}004"),
                "{body}"
            );
            assert!(body.contains("rel=\"next\""));
        }
        if name == "search" {
            assert!(body.contains("79caf0191.bench4999"), "{body}");
        }
    }
    eprintln!(
        "console users page, 5,000+ accounts (median of 5): {}",
        figures.join(", ")
    );
    p.stop().await;
}
