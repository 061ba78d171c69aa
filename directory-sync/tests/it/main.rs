//! directory-sync against a real OpenLDAP slapd started by the harness (see slapd.rs).
//! Each test starts its own slapd on a free port; none depends on another.

// A failing test or harness step should fail loudly (clippy's in-test allowances do not reach
// the harness functions, which are not #[test] items).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod slapd;

use std::sync::Arc;
use std::time::{Duration, Instant};

use directory_sync::apply::{Directory, SyncOutcome};
use directory_sync::backoff::Backoff;
use directory_sync::connection::BindSecret;
use directory_sync::error::DirectoryError;
use directory_sync::layout::{
    AccountRef, DesiredState, DirectoryAccount, DirectoryFund, DirectoryGroup, DirectoryPartner,
    DirectoryRoleGroup, Layout,
};
use directory_sync::metrics::Metrics;
use directory_sync::model::{AttrName, Dn, LdapEntry};
use ldap3::{LdapConnAsync, Mod};
use slapd::{ROOT_DN, ROOT_PW, SUFFIX, Slapd};

fn base_dn() -> String {
    format!("ou=extranautes,{SUFFIX}")
}

fn layout() -> Layout {
    Layout::new(&base_dn()).unwrap()
}

fn directory(slapd: &Slapd) -> Directory {
    Directory::new(slapd.config(&base_dn()), Arc::new(Metrics::new())).unwrap()
}

fn account(fund: &str, tpn: &str, login: &str, i: usize) -> DirectoryAccount {
    DirectoryAccount {
        fund_code: fund.into(),
        third_party_number: tpn.into(),
        login: login.into(),
        given_name: format!("Prénom{i}"),
        family_name: format!("Nom{i}"),
        email: format!("{login}@example.fr"),
        departements: vec![if fund == "caf79" {
            "79".into()
        } else {
            "67".into()
        }],
        services: vec!["cdap".into()],
        disabled: false,
        password_hash: None,
    }
}

/// A demo-like state: 2 funds, 3 partners, `per_partner` accounts each, a group per partner,
/// role groups CDAP T1/T2 (Caf) and RSACG consultation (MSA).
fn demo(per_partner: usize) -> DesiredState {
    let funds = vec![
        DirectoryFund {
            code: "caf79".into(),
            name: "Caf des Deux-Sèvres".into(),
        },
        DirectoryFund {
            code: "msa-alsace".into(),
            name: "MSA d'Alsace".into(),
        },
    ];
    let partners = vec![
        ("caf79", "79A69243", "Ville de Niort", "21790191200019"),
        (
            "caf79",
            "79B00012",
            "Centre communal d'action sociale",
            "26790003900015",
        ),
        (
            "msa-alsace",
            "67C00001",
            "Département du Bas-Rhin",
            "22670001500014",
        ),
    ];
    let mut state = DesiredState {
        funds,
        partners: partners
            .iter()
            .map(|(fund, tpn, name, siret)| DirectoryPartner {
                fund_code: (*fund).into(),
                third_party_number: (*tpn).into(),
                name: (*name).into(),
                siret: (*siret).into(),
            })
            .collect(),
        ..DesiredState::default()
    };
    let mut t1 = Vec::new();
    let mut t2 = Vec::new();
    let mut rsacg = Vec::new();
    let mut n = 0;
    for (fund, tpn, _, _) in &partners {
        let mut logins = Vec::new();
        for _ in 0..per_partner {
            let login = format!("agent{n:06}");
            let mut a = account(fund, tpn, &login, n);
            let r = AccountRef {
                fund_code: (*fund).into(),
                third_party_number: (*tpn).into(),
                login: login.clone(),
            };
            match (*fund, n % 3) {
                ("caf79", 0) => t1.push(r),
                ("caf79", _) => t2.push(r),
                _ => {
                    a.services = vec!["rsacg".into()];
                    rsacg.push(r);
                }
            }
            state.accounts.push(a);
            logins.push(login);
            n += 1;
        }
        state.groups.push(DirectoryGroup {
            fund_code: (*fund).into(),
            third_party_number: (*tpn).into(),
            name: "Accueil".into(),
            member_logins: logins.into_iter().step_by(2).collect(),
        });
    }
    let role = |fund: &str, service: &str, role: &str, members| DirectoryRoleGroup {
        fund_code: fund.into(),
        service_code: service.into(),
        role_code: role.into(),
        members,
    };
    state.role_groups = vec![
        role("caf79", "cdap", "T1", t1),
        role("caf79", "cdap", "T2", t2),
        role("caf79", "cdap", "T18", vec![]),
        role("msa-alsace", "rsacg", "consultation", rsacg),
    ];
    state
}

/// A raw ldap3 connection as the root DN, to make changes "by hand".
async fn by_hand(slapd: &Slapd) -> ldap3::Ldap {
    let (conn, mut ldap) = LdapConnAsync::new(&slapd.url()).await.unwrap();
    tokio::spawn(async move { conn.drive().await });
    ldap.simple_bind(ROOT_DN, ROOT_PW)
        .await
        .unwrap()
        .success()
        .unwrap();
    ldap
}

fn values(entry: &LdapEntry, attr: &str) -> Vec<String> {
    let mut v: Vec<String> = entry.values(attr).map(str::to_owned).collect();
    v.sort();
    v
}

#[tokio::test]
async fn full_sync_of_the_demo_directory() {
    let slapd = Slapd::start().await;
    let dir = directory(&slapd);
    let layout = layout();
    let desired = layout.entries(&demo(7)).unwrap();
    // base + 2×(fund + roles) + 3 partners + 21 accounts + 3 groups + 4 role groups
    assert_eq!(desired.len(), 1 + 4 + 3 + 21 + 3 + 4);

    let dry = dir
        .reconcile(&desired, &layout.scope(), true)
        .await
        .unwrap();
    assert_eq!(
        (dry.added, dry.changes(), dry.dry_run),
        (desired.len(), desired.len(), true)
    );
    assert!(
        dir.read_subtree().await.unwrap().is_empty(),
        "a dry run writes nothing"
    );

    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(
        (
            report.added,
            report.modified,
            report.deleted,
            report.unchanged
        ),
        (desired.len(), 0, 0, 0)
    );
    assert!(report.failures.is_empty(), "{:?}", report.failures);

    let found = dir.read_subtree().await.unwrap();
    assert_eq!(found.len(), desired.len());
    let agent = dir
        .read_entry(&layout.account_dn("caf79", "79A69243", "agent000001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(values(&agent, "departmentNumber"), ["79"]);
    assert_eq!(values(&agent, "businessCategory"), ["cdap"]);
    assert_eq!(values(&agent, "employeeType"), ["active"]);
    assert_eq!(values(&agent, "cn"), ["Prénom1 Nom1"]);
    let t2 = dir
        .read_entry(&layout.role_group_dn("caf79", "cdap", "T2"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        t2.values("member")
            .any(|m| Dn::parse(m).unwrap() == agent.dn)
    );
    let t18 = dir
        .read_entry(&layout.role_group_dn("caf79", "cdap", "T18"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        values(&t18, "member"),
        [base_dn()],
        "an empty group holds the placeholder"
    );
    let partner = dir
        .read_entry(&layout.partner_dn("msa-alsace", "67C00001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(values(&partner, "uniqueIdentifier"), ["22670001500014"]);

    let again = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!((again.changes(), again.unchanged), (0, desired.len()));
    let metrics = dir.metrics().snapshot();
    assert_eq!(metrics.ops_applied, desired.len() as u64);
    assert_eq!(
        (metrics.reconciliations, metrics.drift_repaired),
        (2, desired.len() as u64)
    );
}

#[tokio::test]
async fn incremental_changes_match_a_full_sync() {
    let slapd = Slapd::start().await;
    let dir = directory(&slapd);
    let layout = layout();
    let scope = layout.scope();
    let mut state = demo(4);
    dir.reconcile(&layout.entries(&state).unwrap(), &scope, false)
        .await
        .unwrap();

    // An e-mail change, a suspension (bundles gone, marker set, role membership removed),
    // a new account joining T1, and an account deleted after its retention period.
    state.accounts[1].email = "nouvelle.adresse@niort.fr".into();
    state.accounts[2].disabled = true;
    let suspended = state.accounts[2].login.clone();
    let t2 = state
        .role_groups
        .iter_mut()
        .find(|r| r.role_code == "T2")
        .unwrap();
    t2.members.retain(|m| m.login != suspended);
    let mut newcomer = account("caf79", "79A69243", "nouveau", 99);
    newcomer.departements = vec!["79".into(), "86".into()];
    state.accounts.push(newcomer);
    let t1 = state
        .role_groups
        .iter_mut()
        .find(|r| r.role_code == "T1")
        .unwrap();
    t1.members.push(AccountRef {
        fund_code: "caf79".into(),
        third_party_number: "79A69243".into(),
        login: "nouveau".into(),
    });
    let removed = state.accounts.remove(10);
    let removed_dn = layout.account_dn(
        &removed.fund_code,
        &removed.third_party_number,
        &removed.login,
    );
    for group in &mut state.groups {
        group.member_logins.retain(|l| *l != removed.login);
    }
    for role in &mut state.role_groups {
        role.members.retain(|m| m.login != removed.login);
    }

    // The outbox rows, in order: one entry each.
    let desired = layout.entries(&state).unwrap();
    let find = |dn: &Dn| desired.iter().find(|e| e.dn == *dn);
    let rows: Vec<(Dn, SyncOutcome)> = vec![
        (
            layout.account_dn("caf79", "79A69243", &state.accounts[1].login),
            SyncOutcome::Modified,
        ),
        (
            layout.account_dn("caf79", "79A69243", &suspended),
            SyncOutcome::Modified,
        ),
        (
            layout.role_group_dn("caf79", "cdap", "T2"),
            SyncOutcome::Modified,
        ),
        (
            layout.account_dn("caf79", "79A69243", "nouveau"),
            SyncOutcome::Added,
        ),
        (
            layout.role_group_dn("caf79", "cdap", "T1"),
            SyncOutcome::Modified,
        ),
        (
            layout.group_dn(&removed.fund_code, &removed.third_party_number, "Accueil"),
            SyncOutcome::Modified,
        ),
        (
            layout.role_group_dn("msa-alsace", "rsacg", "consultation"),
            SyncOutcome::Modified,
        ),
        (removed_dn.clone(), SyncOutcome::Deleted),
        // Replaying a row changes nothing.
        (
            layout.account_dn("caf79", "79A69243", "nouveau"),
            SyncOutcome::Unchanged,
        ),
    ];
    for (dn, expected) in &rows {
        let outcome = dir.sync_entry(dn, find(dn), &scope).await.unwrap();
        assert_eq!(outcome, *expected, "{dn}");
    }

    let off = dir
        .read_entry(&layout.account_dn("caf79", "79A69243", &suspended))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(values(&off, "employeeType"), ["disabled"]);
    assert!(values(&off, "businessCategory").is_empty());
    let t2 = dir
        .read_entry(&layout.role_group_dn("caf79", "cdap", "T2"))
        .await
        .unwrap()
        .unwrap();
    assert!(!t2.values("member").any(|m| Dn::parse(m).unwrap() == off.dn));
    assert!(dir.read_entry(&removed_dn).await.unwrap().is_none());

    // The incremental path reached exactly the state a full sync would build.
    let check = dir.reconcile(&desired, &scope, true).await.unwrap();
    assert_eq!(check.changes(), 0, "{check:?}");
}

#[tokio::test]
async fn drift_made_by_hand_is_repaired() {
    let slapd = Slapd::start().await;
    let dir = directory(&slapd);
    let layout = layout();
    let desired = layout.entries(&demo(3)).unwrap();
    dir.reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();

    let mut ldap = by_hand(&slapd).await;
    let intruder = layout.account_dn("caf79", "79A69243", "intrus");
    let attrs = vec![
        ("objectClass", ["inetOrgPerson"].into()),
        ("uid", ["intrus"].into()),
        ("cn", ["Intrus"].into()),
        ("sn", ["Intrus"].into()),
    ];
    ldap.add(&intruder.to_string(), attrs)
        .await
        .unwrap()
        .success()
        .unwrap();
    let changed = layout.account_dn("caf79", "79A69243", "agent000000");
    let mods = vec![
        Mod::Replace("mail", ["pirate@example.com"].into()),
        Mod::Add("telephoneNumber", ["0549000000"].into()),
    ];
    ldap.modify(&changed.to_string(), mods)
        .await
        .unwrap()
        .success()
        .unwrap();
    let t1 = layout.role_group_dn("caf79", "cdap", "T1");
    ldap.modify(
        &t1.to_string(),
        vec![Mod::Add("member", [intruder.to_string().as_str()].into())],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let deleted = layout.account_dn("msa-alsace", "67C00001", "agent000007");
    ldap.delete(&deleted.to_string())
        .await
        .unwrap()
        .success()
        .unwrap();

    let dry = dir
        .reconcile(&desired, &layout.scope(), true)
        .await
        .unwrap();
    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(
        (report.added, report.modified, report.deleted),
        (1, 2, 1),
        "{report:?}"
    );
    assert_eq!(
        (dry.added, dry.modified, dry.deleted),
        (1, 2, 1),
        "the dry run predicted the repair"
    );
    assert!(report.failures.is_empty());
    let repaired = dir.read_entry(&changed).await.unwrap().unwrap();
    assert_eq!(values(&repaired, "mail"), ["agent000000@example.fr"]);
    assert!(values(&repaired, "telephoneNumber").is_empty());
    assert!(dir.read_entry(&intruder).await.unwrap().is_none());
    assert!(dir.read_entry(&deleted).await.unwrap().is_some());

    let again = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(again.changes(), 0, "{again:?}");
    assert_eq!(
        dir.metrics().snapshot().drift_repaired,
        desired.len() as u64 + 4
    );
}

#[tokio::test]
async fn directory_stopped_mid_apply_loses_nothing() {
    let mut slapd = Slapd::start().await;
    let mut config = slapd.config(&base_dn());
    config.op_timeout = Duration::from_secs(3);
    let dir = Arc::new(Directory::new(config, Arc::new(Metrics::new())).unwrap());
    let layout = layout();
    let desired = Arc::new(layout.entries(&demo(1500)).unwrap());

    let task = {
        let (dir, desired, scope) = (dir.clone(), desired.clone(), layout.scope());
        tokio::spawn(async move { dir.reconcile(&desired, &scope, false).await })
    };
    // Wait for the apply to be well under way, then pull the plug.
    let deadline = Instant::now() + Duration::from_secs(30);
    while dir.metrics().snapshot().ops_applied < 300 {
        assert!(Instant::now() < deadline, "the apply did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    slapd.stop();
    let error = task.await.unwrap().unwrap_err();
    assert!(error.is_transient(), "{error}");
    let applied_before = dir.metrics().snapshot().ops_applied as usize;
    assert!(
        applied_before < desired.len(),
        "the outage came too late to test anything"
    );

    // While it is down, the incremental path fails transiently too, and the caller backs off.
    let dn = layout.account_dn("caf79", "79A69243", "agent000000");
    let entry = desired.iter().find(|e| e.dn == dn).unwrap();
    let down = dir
        .sync_entry(&dn, Some(entry), &layout.scope())
        .await
        .unwrap_err();
    assert!(matches!(down, DirectoryError::Transient { .. }), "{down}");
    assert!(Backoff::default().delay(3, 0.5) > Backoff::default().delay(0, 0.5));

    slapd.restart().await;
    dir.sync_entry(&dn, Some(entry), &layout.scope())
        .await
        .unwrap();
    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(dir.read_subtree().await.unwrap().len(), desired.len());
    let again = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(again.changes(), 0);
    assert!(dir.metrics().snapshot().transient_failures >= 2);
}

#[tokio::test]
async fn special_characters_in_names() {
    let slapd = Slapd::start().await;
    let dir = directory(&slapd);
    let layout = layout();
    let odd = r#" Équipe, "A" <B>; C=D + E\F #1"#;
    let tpn = "79#A+1,Ü";
    let login = "jean+dupont=x@ex.fr";
    let state = DesiredState {
        funds: vec![DirectoryFund {
            code: "caf79".into(),
            name: "Caf des Deux-Sèvres".into(),
        }],
        partners: vec![DirectoryPartner {
            fund_code: "caf79".into(),
            third_party_number: tpn.into(),
            name: r#"Mairie de L'Haÿ-les-Roses, "CCAS" <accueil>"#.into(),
            siret: "21940038400016".into(),
        }],
        accounts: vec![DirectoryAccount {
            given_name: "Zoé".into(),
            family_name: " d'Aubigné-Ñúñez ".into(),
            ..account("caf79", tpn, login, 0)
        }],
        groups: vec![DirectoryGroup {
            fund_code: "caf79".into(),
            third_party_number: tpn.into(),
            name: odd.into(),
            member_logins: vec![login.into()],
        }],
        role_groups: vec![DirectoryRoleGroup {
            fund_code: "caf79".into(),
            service_code: "cdap".into(),
            role_code: "T2".into(),
            members: vec![AccountRef {
                fund_code: "caf79".into(),
                third_party_number: tpn.into(),
                login: login.into(),
            }],
        }],
    };
    let desired = layout.entries(&state).unwrap();
    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(
        (report.added, report.failures.len()),
        (desired.len(), 0),
        "{report:?}"
    );

    let group_dn = layout.group_dn("caf79", tpn, odd);
    let group = dir.read_entry(&group_dn).await.unwrap().unwrap();
    assert_eq!(group.dn, group_dn);
    assert_eq!(values(&group, "cn"), [odd]);
    let account_dn = layout.account_dn("caf79", tpn, login);
    assert!(
        group
            .values("member")
            .any(|m| Dn::parse(m).unwrap() == account_dn)
    );
    let account = dir.read_entry(&account_dn).await.unwrap().unwrap();
    assert_eq!(values(&account, "uid"), [login]);
    assert_eq!(values(&account, "sn"), [" d'Aubigné-Ñúñez "]);
    // Every DN the server returns parses back to the one we built.
    let found = dir.read_subtree().await.unwrap();
    for entry in &desired {
        assert!(
            found.iter().any(|f| f.dn == entry.dn),
            "{} not found",
            entry.dn
        );
    }
    let again = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(again.changes(), 0, "{again:?}");
    let group_entry = desired.iter().find(|e| e.dn == group_dn).unwrap();
    assert_eq!(
        dir.sync_entry(&group_dn, Some(group_entry), &layout.scope())
            .await
            .unwrap(),
        SyncOutcome::Unchanged
    );
    assert_eq!(
        dir.sync_entry(&group_dn, None, &layout.scope())
            .await
            .unwrap(),
        SyncOutcome::Deleted
    );
}

#[tokio::test]
async fn ten_thousand_accounts() {
    let slapd = Slapd::start().await;
    let mut config = slapd.config(&base_dn());
    config.pool_size = 4;
    let dir = Directory::new(config, Arc::new(Metrics::new())).unwrap();
    let layout = layout();
    let desired = layout.entries(&demo(3334)).unwrap();
    let accounts = desired
        .iter()
        .filter(|e| e.has_class("inetOrgPerson"))
        .count();
    assert!(accounts >= 10_000);

    let started = Instant::now();
    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!((report.added, report.failures.len()), (desired.len(), 0));
    assert!(
        elapsed < Duration::from_secs(60),
        "10,000 accounts took {elapsed:?}"
    );
    eprintln!(
        "10,000-account sync: {} entries in {elapsed:?}",
        desired.len()
    );

    let again = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!((again.changes(), again.unchanged), (0, desired.len()));
}

#[tokio::test]
async fn tls_connections_verify_the_server() {
    let slapd = Slapd::start_tls().await;
    let tls = slapd.tls().unwrap();
    let ldaps = format!("ldaps://127.0.0.1:{}/", tls.ldaps_port);
    // (url, starttls, CA file, skip verification, expected to connect)
    let cases = [
        (ldaps.clone(), false, Some(tls.ca_file.clone()), false, true),
        (slapd.url(), true, Some(tls.ca_file.clone()), false, true),
        (ldaps.clone(), false, None, true, true),
        // The system store does not know our test CA.
        (ldaps.clone(), false, None, false, false),
        (slapd.url(), true, None, false, false),
    ];
    for (url, starttls, ca, insecure, ok) in cases {
        let mut config = slapd.config(&base_dn());
        config.url = url.clone();
        config.starttls = starttls;
        config.tls_ca_file = ca;
        config.insecure_skip_verify = insecure;
        let dir = Directory::new(config, Arc::new(Metrics::new())).unwrap();
        let result = dir.check().await;
        assert_eq!(
            result.is_ok(),
            ok,
            "{url} starttls={starttls} insecure={insecure}: {result:?}"
        );
    }
    let mut config = slapd.config(&base_dn());
    config.tls_ca_file = Some(slapd.dir().join("missing.pem"));
    assert!(matches!(
        Directory::new(config, Arc::new(Metrics::new())),
        Err(DirectoryError::TlsCa { .. })
    ));
}

#[tokio::test]
async fn configuration_errors_are_permanent() {
    let slapd = Slapd::start().await;
    let mut config = slapd.config(&base_dn());
    config.bind_password = BindSecret::new("wrong");
    assert!(!format!("{config:?}").contains("test-secret"));
    let dir = Directory::new(config, Arc::new(Metrics::new())).unwrap();
    let error = dir.check().await.unwrap_err();
    assert!(
        matches!(error, DirectoryError::Bind { .. }) && !error.is_transient(),
        "{error}"
    );

    // A schema violation is reported for its entry and does not stop the others.
    let dir = directory(&slapd);
    let layout = layout();
    let mut desired = layout.entries(&demo(1)).unwrap();
    let bad = desired
        .iter_mut()
        .find(|e| e.has_class("inetOrgPerson"))
        .unwrap();
    bad.attrs.insert(
        AttrName::parse("shoeSize").unwrap(),
        ["42".to_owned()].into(),
    );
    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    assert_eq!(
        (report.failures.len(), report.added),
        (1, desired.len() - 1),
        "{report:?}"
    );
    assert_eq!(report.failures[0].rc, Some(17), "undefinedAttributeType");
    assert_eq!(dir.metrics().snapshot().ops_failed_permanent, 1);
}
