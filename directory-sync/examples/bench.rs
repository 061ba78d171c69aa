//! Benchmark: a full sync of N accounts (default 100,000) and 3·N group memberships into a fresh
//! slapd, against a sequential `ldapadd` of the equivalent LDIF into another fresh slapd.
//!
//! Run: `cargo run --release -p directory-sync --example bench [-- <accounts>]`
//! (needs slapd and ldap-utils: scripts/slapd-deps.sh).
//!
//! Each account is a member of its partner's group and of two role groups (one CDAP profile
//! and one single-role service), so memberships = 3 × accounts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/it/slapd.rs"]
mod slapd;

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use directory_sync::apply::Directory;
use directory_sync::layout::{
    AccountRef, DesiredState, DirectoryAccount, DirectoryFund, DirectoryGroup, DirectoryPartner,
    DirectoryRoleGroup, Layout,
};
use directory_sync::ldif::write_ldif;
use directory_sync::metrics::Metrics;
use slapd::{ROOT_DN, ROOT_PW, SUFFIX, Slapd};

const PER_PARTNER: usize = 100;
const CDAP_ROLES: [&str; 5] = ["T1", "T2", "T4", "T5", "T18"];
const SINGLE_ROLE_SERVICES: [&str; 3] = ["qf", "psu", "rsacg"];

fn state(accounts: usize) -> DesiredState {
    let funds = ["caf79", "msa-alsace"];
    let mut state = DesiredState {
        funds: funds
            .iter()
            .map(|code| DirectoryFund {
                code: (*code).into(),
                name: format!("Caisse {code}"),
            })
            .collect(),
        ..DesiredState::default()
    };
    let mut roles: std::collections::BTreeMap<(String, String, String), Vec<AccountRef>> =
        Default::default();
    let partners = accounts.div_ceil(PER_PARTNER);
    let mut n = 0;
    for p in 0..partners {
        let fund = funds[p % funds.len()];
        let tpn = format!("{:02}P{p:05}", 10 + p % 80);
        state.partners.push(DirectoryPartner {
            fund_code: fund.into(),
            third_party_number: tpn.clone(),
            name: format!("Partenaire n° {p}"),
            siret: format!("{:014}", 21_790_191_200_019u64 + p as u64),
        });
        let mut logins = Vec::new();
        for _ in 0..PER_PARTNER.min(accounts - n) {
            let login = format!("a{n:07}");
            let cdap = CDAP_ROLES[n % CDAP_ROLES.len()];
            let single = SINGLE_ROLE_SERVICES[n % SINGLE_ROLE_SERVICES.len()];
            state.accounts.push(DirectoryAccount {
                fund_code: fund.into(),
                third_party_number: tpn.clone(),
                login: login.clone(),
                given_name: format!("Prénom {n}"),
                family_name: format!("Nom {n}"),
                email: format!("{login}@partenaire.fr"),
                departements: vec![format!("{:02}", 10 + p % 80)],
                services: vec!["cdap".into(), single.into()],
                disabled: false,
                password_hash: None,
            });
            let member = AccountRef {
                fund_code: fund.into(),
                third_party_number: tpn.clone(),
                login: login.clone(),
            };
            roles
                .entry((fund.into(), "cdap".into(), cdap.into()))
                .or_default()
                .push(member.clone());
            roles
                .entry((fund.into(), single.into(), "consultation".into()))
                .or_default()
                .push(member);
            logins.push(login);
            n += 1;
        }
        state.groups.push(DirectoryGroup {
            fund_code: fund.into(),
            third_party_number: tpn,
            name: "Tous les agents".into(),
            member_logins: logins,
        });
    }
    state.role_groups = roles
        .into_iter()
        .map(
            |((fund_code, service_code, role_code), members)| DirectoryRoleGroup {
                fund_code,
                service_code,
                role_code,
                members,
            },
        )
        .collect();
    state
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let accounts: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("number of accounts"));
    let base_dn = format!("ou=extranautes,{SUFFIX}");
    let layout = Layout::new(&base_dn).unwrap();
    let state = state(accounts);
    let memberships: usize = state
        .groups
        .iter()
        .map(|g| g.member_logins.len())
        .sum::<usize>()
        + state
            .role_groups
            .iter()
            .map(|r| r.members.len())
            .sum::<usize>();
    let desired = layout.entries(&state).unwrap();
    let entries = desired.len();
    println!("dataset: {accounts} accounts, {memberships} memberships, {entries} entries");

    // directory-sync into a fresh slapd.
    let ours = Slapd::start().await;
    let mut config = ours.config(&base_dn);
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    config.pool_size = env("BENCH_POOL", config.pool_size);
    config.max_in_flight = env("BENCH_IN_FLIGHT", config.max_in_flight);
    config.op_timeout = std::time::Duration::from_secs(120);
    let dir = Directory::new(config, Arc::new(Metrics::new())).unwrap();
    let cpu_before = cpu_seconds("self").unwrap_or_default();
    let started = Instant::now();
    let desired = layout.entries(&state).unwrap();
    let prepare = started.elapsed();
    let report = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    let sync = started.elapsed();
    let cpu_ours = cpu_seconds("self").unwrap_or_default() - cpu_before;
    let cpu_slapd = cpu_seconds(&ours.pid().unwrap().to_string()).unwrap_or_default();
    assert_eq!(
        (report.added, report.failures.len()),
        (entries, 0),
        "{:?}",
        report.failures.first()
    );
    let started = Instant::now();
    let again = dir
        .reconcile(&desired, &layout.scope(), false)
        .await
        .unwrap();
    let second = started.elapsed();
    assert_eq!(again.changes(), 0);
    drop(ours);

    // ldapadd of the same entries into another fresh slapd.
    let theirs = Slapd::start().await;
    let mut ldif = String::new();
    write_ldif(&desired, &mut ldif);
    let file = theirs.dir().join("bench.ldif");
    std::fs::write(&file, ldif).unwrap();
    let started = Instant::now();
    let out = Command::new("ldapadd")
        .args([
            "-x",
            "-H",
            &theirs.url(),
            "-D",
            ROOT_DN,
            "-w",
            ROOT_PW,
            "-f",
        ])
        .arg(&file)
        .output()
        .expect("run ldapadd (install ldap-utils)");
    let ldapadd = started.elapsed();
    let cpu_theirs = cpu_seconds(&theirs.pid().unwrap().to_string()).unwrap_or_default();
    assert!(
        out.status.success(),
        "ldapadd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let apply = sync.saturating_sub(prepare);
    let rate = |d: std::time::Duration| entries as f64 / d.as_secs_f64();
    println!(
        "directory-sync full sync : {:>8.2} s  {:>8.0} entries/s",
        sync.as_secs_f64(),
        rate(sync)
    );
    println!(
        "  of which reconcile     : {:>8.2} s  {:>8.0} entries/s (read, plan, writes; without layout)",
        apply.as_secs_f64(),
        rate(apply)
    );
    println!(
        "ldapadd (sequential)     : {:>8.2} s  {:>8.0} entries/s",
        ldapadd.as_secs_f64(),
        rate(ldapadd)
    );
    println!(
        "CPU during the sync: directory-sync {cpu_ours:.2} s, its slapd {cpu_slapd:.2} s; slapd under ldapadd {cpu_theirs:.2} s"
    );
    println!(
        "directory-sync second run (no change): {:.2} s",
        second.as_secs_f64()
    );
    println!(
        "speed-up: {:.2}×",
        ldapadd.as_secs_f64() / sync.as_secs_f64()
    );
}

/// User + system CPU seconds of a process, from /proc (Linux).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
