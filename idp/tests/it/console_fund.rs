//! The fund operator's console pages over HTTP: dashboard, partners (creation, edition, units,
//! suspension), administrators, conventions (creation, lifecycle, management mode), quotas with
//! their holders, and access requests — with CSRF, refusals shown in the page, and isolation
//! from another fund's objects (404 and no data).

use idp::clock::Clock;
use time::Duration;

use crate::console::{OPERATOR, PRINCIPAL, Session, console_login, page, submit};
use crate::oidc::{NEW_PASSWORD, Provider};

/// A partner and a convention of another fund (MSA d'Armorique): never shown to CAF 79.
async fn foreign(p: &Provider) -> (idp::partner::Partner, idp::convention::Convention) {
    let fund = idp::fund::find(
        &p.state.db,
        &idp::fund::FundCode::parse("msa-armorique").unwrap(),
    )
    .await
    .unwrap();
    let partner = idp::partner::list(&p.state.db, &fund)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let convention = idp::convention::list(&p.state.db, &fund)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    (partner, convention)
}

/// The demo's Mairie de Niort of CAF 79 and its convention 79-2017-19.
async fn niort(p: &Provider) -> (idp::partner::Partner, idp::convention::Convention) {
    let fund = idp::fund::find(&p.state.db, &idp::fund::FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let partner = idp::partner::list(&p.state.db, &fund)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "Mairie de Niort")
        .unwrap();
    let convention = idp::convention::list(&p.state.db, &fund)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.partner_id == partner.id)
        .unwrap();
    (partner, convention)
}

async fn operator(p: &Provider) -> Session {
    console_login(
        p,
        OPERATOR,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await
}

/// Follows a 303 of the console and answers the page it leads to.
async fn follow(p: &Provider, s: &Session, location: &str) -> String {
    let (status, body) = page(p, s, location).await;
    assert_eq!(status, 200, "{location}: {body}");
    body
}

#[tokio::test]
async fn an_operator_manages_partners_units_administrators_and_suspension() {
    let p = Provider::start().await;
    let s = operator(&p).await;
    let (niort, _) = niort(&p).await;
    let (other, other_conv) = foreign(&p).await;

    // The dashboard counts the fund's register.
    let (status, dash) = page(&p, &s, "/console/fund").await;
    assert_eq!(status, 200, "{dash}");
    assert!(dash.contains("Caf des Deux-Sèvres"), "{dash}");
    assert!(dash.contains("id=\"pending-requests\""), "{dash}");
    assert!(!dash.contains(&other.name));

    // Creation: a bad SIRET is refused next to its field, a good partner is added.
    let (_, form) = page(&p, &s, "/console/fund/partners/new").await;
    let fields = [
        ("third_party_number", "79Z00001"),
        ("name", "Centre social du Clou-Bouchet"),
        ("kind", "other"),
        ("siret", "12345678901234"),
        ("email", ""),
    ];
    let (status, _, bad) = submit(&p, &s, "/console/fund/partners/new", &form, &fields).await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("id=\"siret-error\""), "{bad}");
    assert!(bad.contains("aria-invalid=\"true\""), "{bad}");
    assert!(
        bad.contains("href=\"#siret\""),
        "the summary links to the field: {bad}"
    );
    let mut good = fields;
    good[3] = ("siret", "");
    let (status, loc, _) = submit(&p, &s, "/console/fund/partners/new", &form, &good).await;
    assert_eq!(status, 303);
    assert!(loc.ends_with("?done=done.partner.created"), "{loc}");
    let created = follow(&p, &s, &loc).await;
    assert!(created.contains("Centre social du Clou-Bouchet"));
    assert!(
        created.contains("Le partenaire est ajouté au registre."),
        "{created}"
    );
    let new_id: i64 = loc
        .trim_start_matches("/console/fund/partners/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The same number twice is refused in plain language.
    let (status, _, dup) = submit(&p, &s, "/console/fund/partners/new", &form, &good).await;
    assert_eq!(status, 422);
    assert!(dup.contains("id=\"third_party_number-error\""), "{dup}");

    // Edition.
    let edit_path = format!("/console/fund/partners/{new_id}/edit");
    let (_, edit) = page(&p, &s, &edit_path).await;
    let (status, loc, _) = submit(
        &p,
        &s,
        &edit_path,
        &edit,
        &[("name", "Centre social Clou-Bouchet"), ("kind", "other")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        follow(&p, &s, &loc)
            .await
            .contains("Centre social Clou-Bouchet")
    );

    // The partner's page: identity, convention, administrators.
    let detail_path = format!("/console/fund/partners/{}", niort.id);
    let (status, detail) = page(&p, &s, &detail_path).await;
    assert_eq!(status, 200, "{detail}");
    assert!(detail.contains("79-2017-19"), "{detail}");
    assert!(
        detail.contains(PRINCIPAL),
        "the principal is listed: {detail}"
    );

    // Units: added, and a bad code refused.
    let units = format!("{detail_path}/units");
    let (status, loc, _) = submit(
        &p,
        &s,
        &units,
        &detail,
        &[("unit_code", "ccas"), ("unit_name", "CCAS de Niort")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(follow(&p, &s, &loc).await.contains("CCAS de Niort"));
    let (status, _, bad) = submit(
        &p,
        &s,
        &units,
        &detail,
        &[("unit_code", "pas un code !"), ("unit_name", "X")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"unit_code-error\""), "{bad}");

    // Administrators: an unknown login is refused next to the field; an agent is designated.
    let admins = format!("{detail_path}/administrators");
    let (status, _, bad) = submit(
        &p,
        &s,
        &admins,
        &detail,
        &[("seat", "deputy"), ("login", "79caf0191.personne")],
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("id=\"login-error\""), "{bad}");
    let agent = idp::account::manage::list_of_partner(&p.state.db, &niort)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.family_name == "Durand")
        .unwrap();
    let (status, loc, _) = submit(
        &p,
        &s,
        &admins,
        &detail,
        &[("seat", "deputy"), ("login", agent.login.as_str())],
    )
    .await;
    assert_eq!(status, 303);
    let after = follow(&p, &s, &loc).await;
    assert!(after.contains("administrateur est désigné."), "{after}");

    // Suspension: a confirmation page, a required reason, then the partner is suspended.
    let suspend = format!("{detail_path}/suspend");
    let (status, confirm) = page(&p, &s, &suspend).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("sessions"),
        "the consequences are explained: {confirm}"
    );
    let (status, _, bad) = submit(&p, &s, &suspend, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"reason-error\""), "{bad}");
    // CSRF: a form without this session's token changes nothing.
    let forged = "<input name=\"csrf\" value=\"forged\">";
    let (status, _, _) = submit(&p, &s, &suspend, forged, &[("reason", "x")]).await;
    assert_eq!(status, 400);
    let (status, loc, _) = submit(&p, &s, &suspend, &confirm, &[("reason", "Contrôle")]).await;
    assert_eq!(status, 303);
    let suspended = follow(&p, &s, &loc).await;
    assert!(
        suspended.contains("id=\"partner-status\">Suspendu"),
        "{suspended}"
    );
    let reactivate = format!("{detail_path}/reactivate");
    let (_, confirm) = page(&p, &s, &reactivate).await;
    let (status, loc, _) = submit(&p, &s, &reactivate, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 303);
    assert!(
        follow(&p, &s, &loc)
            .await
            .contains("id=\"partner-status\">Actif")
    );

    // Supervision: one account suspended then reactivated, each confirmed (reason required to
    // suspend); every account of the partner forced to change its password.
    let account_suspend = format!("/console/fund/accounts/{}/suspend", agent.id);
    let (status, confirm) = page(&p, &s, &account_suspend).await;
    assert_eq!(status, 200, "{confirm}");
    let (status, _, bad) = submit(&p, &s, &account_suspend, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"reason-error\""), "{bad}");
    let (status, loc, _) = submit(
        &p,
        &s,
        &account_suspend,
        &confirm,
        &[("reason", "Soupçon de fraude")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        follow(&p, &s, &loc)
            .await
            .contains("Le compte est suspendu.")
    );
    let suspended = idp::authz::lookup::account(&p.state.db, agent.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(suspended.status.as_str(), "suspended");
    let account_reactivate = format!("/console/fund/accounts/{}/reactivate", agent.id);
    let (_, confirm) = page(&p, &s, &account_reactivate).await;
    let (status, _, _) = submit(&p, &s, &account_reactivate, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 303);
    let force = format!("{detail_path}/force-password-change");
    let (status, confirm) = page(&p, &s, &force).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("prochaine connexion"), "{confirm}");
    let (status, loc, _) = submit(&p, &s, &force, &confirm, &[]).await;
    assert_eq!(status, 303);
    assert!(
        loc.ends_with("done=done.partner.password_change_forced"),
        "{loc}"
    );
    let forced = idp::authz::lookup::account(&p.state.db, agent.id)
        .await
        .unwrap()
        .unwrap();
    assert!(forced.must_change_password, "{forced:?}");

    // Another fund's partner and convention: not found, nothing of them shown, nothing done.
    let other_account = idp::account::manage::list_of_partner(&p.state.db, &other)
        .await
        .unwrap()
        .remove(0);
    for path in [
        format!("/console/fund/partners/{}", other.id),
        format!("/console/fund/partners/{}/edit", other.id),
        format!("/console/fund/partners/{}/suspend", other.id),
        format!("/console/fund/partners/{}/conventions/new", other.id),
        format!("/console/fund/conventions/{}", other_conv.id),
        format!("/console/fund/conventions/{}/terminate", other_conv.id),
        format!(
            "/console/fund/conventions/{}/holders/psu/consultation",
            other_conv.id
        ),
    ] {
        let (status, body) = page(&p, &s, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains(&other.name), "{path}");
        assert!(!body.contains(other_conv.number.as_str()), "{path}");
    }
    for (path, fields) in [
        (
            format!("/console/fund/partners/{}/suspend", other.id),
            vec![("reason", "x")],
        ),
        (
            format!("/console/fund/partners/{}/edit", other.id),
            vec![("name", "Pris")],
        ),
        (
            format!("/console/fund/partners/{}/units", other.id),
            vec![("unit_code", "x"), ("unit_name", "x")],
        ),
        (
            format!("/console/fund/conventions/{}/terminate", other_conv.id),
            vec![("reason", "x")],
        ),
        (
            format!("/console/fund/accounts/{}/suspend", other_account.id),
            vec![("reason", "x")],
        ),
        (
            format!("/console/fund/partners/{}/force-password-change", other.id),
            vec![],
        ),
        (
            format!("/console/fund/conventions/{}/subscriptions", other_conv.id),
            vec![("service", "psu"), ("role", "consultation"), ("max", "0")],
        ),
    ] {
        let (status, _, body) = submit(&p, &s, &path, &detail, &fields).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains(&other.name), "{path}");
    }
    let still = idp::partner::list(
        &p.state.db,
        &idp::fund::find(
            &p.state.db,
            &idp::fund::FundCode::parse("msa-armorique").unwrap(),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    assert!(
        still
            .iter()
            .all(|x| x.status == idp::partner::PartnerStatus::Active)
    );
    p.stop().await;
}

#[tokio::test]
async fn an_operator_runs_a_convention_lifecycle_and_its_quotas() {
    let p = Provider::start().await;
    let s = operator(&p).await;
    let (niort, demo_conv) = niort(&p).await;

    // A convention whose period ends in 100 days: its notice deadline is near.
    let today = p.clock.now().date();
    let end = today + Duration::days(100);
    let effective = end
        .replace_year(end.year() - 1)
        .unwrap_or_else(|_| end - Duration::days(365));
    let new_path = format!("/console/fund/partners/{}/conventions/new", niort.id);
    let (status, form) = page(&p, &s, &new_path).await;
    assert_eq!(status, 200);
    let eff = effective.to_string();
    let mut fields = vec![
        ("number", "79-2026-99"),
        ("effective_from", eff.as_str()),
        ("signed_on", ""),
        ("management_mode", "delegated"),
        ("territory", "22"),
        ("mission", "Accueil des familles"),
    ];
    let (status, _, bad) = submit(&p, &s, &new_path, &form, &fields).await;
    assert_eq!(
        status, 422,
        "a territory outside the fund is refused: {bad}"
    );
    assert!(bad.contains("id=\"territory-error\""), "{bad}");
    fields[4] = ("territory", "79");
    let (status, loc, _) = submit(&p, &s, &new_path, &form, &fields).await;
    assert_eq!(status, 303);
    let conv = follow(&p, &s, &loc).await;
    assert!(
        conv.contains("id=\"convention-status\">En préparation"),
        "{conv}"
    );
    assert!(conv.contains("id=\"notice-deadline\""), "{conv}");
    let base = loc.split('?').next().unwrap().to_owned();

    // Activation, with its confirmation.
    let activate = format!("{base}/activate");
    let (status, confirm) = page(&p, &s, &activate).await;
    assert_eq!(status, 200);
    let (status, loc, _) = submit(&p, &s, &activate, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 303);
    assert!(
        follow(&p, &s, &loc)
            .await
            .contains("id=\"convention-status\">Active")
    );
    let (_, dash) = page(&p, &s, "/console/fund").await;
    assert!(
        dash.contains("79-2026-99"),
        "its notice deadline is announced: {dash}"
    );

    // Quotas of the demo convention: T2 is held by Sophie Durand (1 / 5).
    let demo = format!("/console/fund/conventions/{}", demo_conv.id);
    let (status, detail) = page(&p, &s, &demo).await;
    assert_eq!(status, 200, "{detail}");
    assert!(detail.contains("1 / 5 utilisés"), "{detail}");
    assert!(detail.contains("<meter"), "{detail}");
    let (status, holders) = page(&p, &s, &format!("{demo}/holders/cdap/T2")).await;
    assert_eq!(status, 200, "{holders}");
    assert!(holders.contains("Durand Sophie"), "{holders}");
    let quotas = format!("{demo}/subscriptions");
    // Below use: refused, naming the holder.
    let (status, _, bad) = submit(
        &p,
        &s,
        &quotas,
        &detail,
        &[("service", "cdap"), ("role", "T2"), ("max", "0")],
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("id=\"max-error\""), "{bad}");
    assert!(
        bad.contains("79caf0191.sdurand"),
        "the holders are named: {bad}"
    );
    let (status, _, bad) = submit(
        &p,
        &s,
        &quotas,
        &detail,
        &[("service", "cdap"), ("role", "T2"), ("max", "beaucoup")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"max-error\""), "{bad}");
    let (status, _, bad) = submit(
        &p,
        &s,
        &quotas,
        &detail,
        &[
            ("open", "1"),
            ("service", "cdap"),
            ("role", "T99"),
            ("max", "3"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("id=\"open_role-error\""), "{bad}");
    // At the limit: on the dashboard's "nearly reached" list.
    let (status, loc, _) = submit(
        &p,
        &s,
        &quotas,
        &detail,
        &[("service", "cdap"), ("role", "T2"), ("max", "1")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(follow(&p, &s, &loc).await.contains("1 / 1 utilisés"));
    let (_, dash) = page(&p, &s, "/console/fund").await;
    assert!(dash.contains("id=\"quotas-full\""), "{dash}");
    assert!(dash.contains("/holders/cdap/T2"), "{dash}");

    // Suspension needs a reason; then reactivation, the mode switch and termination.
    let suspend = format!("{base}/suspend");
    let (_, confirm) = page(&p, &s, &suspend).await;
    let (status, _, bad) = submit(&p, &s, &suspend, &confirm, &[("reason", " ")]).await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("id=\"reason-error\""), "{bad}");
    let (status, loc, _) = submit(&p, &s, &suspend, &confirm, &[("reason", "Enquête")]).await;
    assert_eq!(status, 303);
    assert!(follow(&p, &s, &loc).await.contains("Suspendue"));
    let reactivate = format!("{base}/reactivate");
    let (_, confirm) = page(&p, &s, &reactivate).await;
    let (status, _, _) = submit(&p, &s, &reactivate, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 303);
    let mode = format!("{base}/mode");
    let (status, confirm) = page(&p, &s, &mode).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("name=\"mode\" value=\"centralised\""),
        "{confirm}"
    );
    let (status, loc, _) = submit(
        &p,
        &s,
        &mode,
        &confirm,
        &[("mode", "centralised"), ("reason", "Choix du partenaire")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(follow(&p, &s, &loc).await.contains("Centralisé"));
    let terminate = format!("{base}/terminate");
    let (_, confirm) = page(&p, &s, &terminate).await;
    assert!(confirm.contains("définitive"), "{confirm}");
    let (status, loc, _) = submit(&p, &s, &terminate, &confirm, &[("reason", "Fin")]).await;
    assert_eq!(status, 303);
    let ended = follow(&p, &s, &loc).await;
    assert!(
        ended.contains("id=\"convention-status\">Résiliée"),
        "{ended}"
    );
    // A terminated convention cannot be activated again: refused in the page.
    let (status, _, bad) = submit(&p, &s, &activate, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("id=\"reason-error\""), "{bad}");
    // An unknown action is not a page.
    assert_eq!(page(&p, &s, &format!("{base}/explode")).await.0, 404);
    p.stop().await;
}

#[tokio::test]
async fn an_operator_decides_access_requests_and_administrators_see_no_fund_page() {
    let p = Provider::start().await;
    let (niort, _) = niort(&p).await;
    let (other, _) = foreign(&p).await;
    let requester = |partner: &idp::partner::Partner| {
        let db = p.state.db.clone();
        let partner = partner.clone();
        async move {
            let a = idp::delegation::administrators(&db, &partner)
                .await
                .unwrap()
                .remove(0)
                .account;
            idp::actor::Actor::Account {
                id: a.id,
                login: a.login.to_string(),
            }
        }
    };
    let (niort_admin, other_admin) = (requester(&niort).await, requester(&other).await);
    let file = |partner: idp::partner::Partner, name: &'static str| {
        let db = p.state.db.clone();
        let now = p.clock.now();
        let actor = if partner.id == niort.id {
            niort_admin.clone()
        } else {
            other_admin.clone()
        };
        async move {
            idp::access_request::file(
                &db,
                now,
                &actor,
                &partner,
                idp::access_request::Payload::CreateAccount {
                    given_name: name.into(),
                    family_name: "Demande".into(),
                    email: None,
                    unit: None,
                },
            )
            .await
            .unwrap()
        }
    };
    let first = file(niort.clone(), "Alice").await;
    let second = file(niort.clone(), "Bruno").await;
    let foreign_request = file(other.clone(), "Intruse").await;

    let s = operator(&p).await;
    let (_, dash) = page(&p, &s, "/console/fund").await;
    assert!(dash.contains("<strong>2</strong>"), "{dash}");
    let (status, list) = page(&p, &s, "/console/fund/requests").await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("Alice Demande") && list.contains("Bruno Demande"));
    assert!(
        !list.contains("Intruse"),
        "another fund's request is not listed"
    );

    // Approval of an account creation shows its temporary password once.
    let (status, _, shown) = submit(
        &p,
        &s,
        &format!("/console/fund/requests/{}/approve", first.id),
        &list,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("id=\"temporary-password\""), "{shown}");
    // Rejection: confirmation, required reason.
    let reject = format!("/console/fund/requests/{}/reject", second.id);
    let (status, confirm) = page(&p, &s, &reject).await;
    assert_eq!(status, 200);
    let (status, _, bad) = submit(&p, &s, &reject, &confirm, &[("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"reason-error\""), "{bad}");
    let (status, loc, _) = submit(&p, &s, &reject, &confirm, &[("reason", "Doublon")]).await;
    assert_eq!(status, 303);
    assert!(
        follow(&p, &s, &loc)
            .await
            .contains("La demande est rejetée.")
    );
    let (_, decided) = page(&p, &s, "/console/fund/requests?status=rejected").await;
    assert!(decided.contains("Doublon"), "{decided}");
    // Deciding twice is refused in the page.
    let (status, _, twice) = submit(
        &p,
        &s,
        &format!("/console/fund/requests/{}/approve", second.id),
        &list,
        &[],
    )
    .await;
    assert_eq!(status, 409, "{twice}");
    assert!(twice.contains("class=\"error-summary\""), "{twice}");
    // Another fund's request: not found, not decided.
    let path = format!("/console/fund/requests/{}/reject", foreign_request.id);
    assert_eq!(page(&p, &s, &path).await.0, 404);
    let (status, _, _) = submit(&p, &s, &path, &list, &[("reason", "x")]).await;
    assert_eq!(status, 404);
    let (status, _, _) = submit(
        &p,
        &s,
        &format!("/console/fund/requests/{}/approve", foreign_request.id),
        &list,
        &[],
    )
    .await;
    assert_eq!(status, 404);

    // A partner's administrator has no fund page, even of their own partner.
    let admin = console_login(
        &p,
        PRINCIPAL,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    assert_eq!(page(&p, &admin, "/console/fund").await.0, 403);
    assert_eq!(page(&p, &admin, "/console/fund/requests").await.0, 403);
    let (status, body) = page(&p, &admin, &format!("/console/fund/partners/{}", niort.id)).await;
    assert_eq!(status, 404, "{body}");
    p.stop().await;
}
