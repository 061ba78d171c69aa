//! Demo data for `idp serve --demo`: the organisations of the source conventions, so that a
//! first-time user sees Habilis with real-looking content and no setup. Seeding is idempotent:
//! what exists (matched by code, number or login) is left alone. This is not a migration:
//! production databases never get it.
//!
//! The demo accounts get a fixed, published password so that people can try the demo at once;
//! never use `--demo` on a production database.

use std::collections::BTreeSet;

use serde::Serialize;
use time::OffsetDateTime;

use crate::account::email::Email;
use crate::account::login_id::LoginId;
use crate::account::{self, Account, AccountError, AccountStatus, NewAccount, password};
use crate::actor::Actor;
use crate::audit::{self, Event, action};
use crate::config::AccountsConfig;
use crate::convention::lifecycle::{ConventionAction, ConventionStatus, ManagementMode};
use crate::convention::number::ConventionNumber;
use crate::convention::{self, Convention, ConventionError, NewConvention};
use crate::delegation::{self, AdminKind};
use crate::fund::{self, Fund, FundCode, FundError, FundKind, LoginPolicy, NewFund};
use crate::habilitation::{self, HabilitationStatus, NewGrant, Subject};
use crate::partner::ids::ThirdPartyNumber;
use crate::partner::{self, NewPartner, Partner, PartnerError};
use crate::secret::Secret;
use crate::service::{self, NewRole, NewService, Service, ServiceCode, ServiceError};
use crate::store::credential::StoredPassword;
use crate::store::{self, Db};
use crate::subscription::{self, SubscriptionInput};
use crate::territory::{DepartementCode, Territory};

/// What the demo seeding did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoReport {
    /// Objects created by this run (0 on a second run).
    pub created: usize,
    /// The demo accounts people can log in with.
    pub accounts: Vec<DemoAccount>,
}

/// A demo account, printed at start-up.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    /// Login.
    pub login: String,
    /// Its published demo password.
    pub password: String,
    /// Who it is.
    pub description: String,
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A fund operation failed.
    #[error(transparent)]
    Fund(#[from] FundError),
    /// A service operation failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A partner operation failed.
    #[error(transparent)]
    Partner(#[from] PartnerError),
    /// A convention operation failed.
    #[error(transparent)]
    Convention(#[from] ConventionError),
    /// A subscription operation failed.
    #[error(transparent)]
    Subscription(#[from] crate::subscription::SubscriptionError),
    /// An account operation failed.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// A designation failed.
    #[error(transparent)]
    Delegation(#[from] delegation::DelegationError),
    /// A habilitation operation failed.
    #[error(transparent)]
    Habilitation(#[from] habilitation::HabilitationError),
    /// Storage or the trace failed.
    #[error("storage: {0}")]
    Store(String),
    /// Demo data is malformed (a bug).
    #[error("demo data is invalid: {0}")]
    Invalid(String),
}

/// One fund of the demo with its service, partner, convention and quotas.
struct Org {
    fund: (
        &'static str,
        &'static str,
        FundKind,
        &'static [&'static str],
        LoginPolicy,
    ),
    service: (&'static str, &'static str, &'static [&'static str]),
    partner: (
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
    ),
    units: &'static [(&'static str, &'static str)],
    convention: (
        &'static str,
        &'static str,
        ManagementMode,
        &'static str,
        &'static str,
    ),
    quotas: &'static [(&'static str, u32)],
    people: &'static [Person],
}

/// A demo person of a partner: names, e-mail, administrator seat, role granted.
struct Person {
    given: &'static str,
    family: &'static str,
    email: Option<&'static str>,
    seat: Option<AdminKind>,
    role: Option<&'static str>,
}

const fn agent(
    given: &'static str,
    family: &'static str,
    email: Option<&'static str>,
    role: &'static str,
) -> Person {
    Person {
        given,
        family,
        email,
        seat: None,
        role: Some(role),
    }
}

const fn admin(
    given: &'static str,
    family: &'static str,
    email: Option<&'static str>,
    seat: AdminKind,
) -> Person {
    Person {
        given,
        family,
        email,
        seat: Some(seat),
        role: None,
    }
}

/// The published password of every demo account (a temporary one: Habilis asks for a new
/// password at first login, as 000 art. 4-3 and 004 art. 3-2 require).
pub const DEMO_PASSWORD: &str = "Habilis-Demo-2026";

const ORGS: &[Org] = &[
    // 002: Caf des Deux-Sèvres ⇄ Ville de Niort, "Mon Compte Partenaire", delegated mode.
    Org {
        fund: (
            "caf-79",
            "Caf des Deux-Sèvres",
            FundKind::Caf,
            &["79"],
            LoginPolicy::Generated,
        ),
        service: (
            "cdap",
            "CDAP — Consultation du dossier allocataire par le partenaire",
            &[
                "T1:Profil T1",
                "T2:Profil T2",
                "T4:Profil T4:instructor_number:Numéro d'instructeur",
                "T5:Profil T5",
                "T18:Profil T18",
            ],
        ),
        partner: (
            "79CAF0191",
            Some("21790191700013"),
            "Mairie de Niort",
            "commune",
        ),
        units: &[],
        convention: (
            "79-2017-19",
            "2017-03-01",
            ManagementMode::Delegated,
            "79",
            "Application du quotient familial à la tarification des activités municipales (002 art. 8)",
        ),
        quotas: &[("T1", 10), ("T2", 5), ("T4", 2), ("T5", 2), ("T18", 1)],
        people: &[
            admin(
                "Claire",
                "Martin",
                Some("claire.martin@mairie-niort.example.fr"),
                AdminKind::Principal,
            ),
            admin(
                "Paul",
                "Bernard",
                Some("paul.bernard@mairie-niort.example.fr"),
                AdminKind::Deputy,
            ),
            agent(
                "Sophie",
                "Durand",
                Some("sophie.durand@mairie-niort.example.fr"),
                "T2",
            ),
            agent("Luc", "Petit", None, "T1"),
        ],
    },
    // 000: MSA Poitou ⇄ Ville de Niort, "Consultation du Quotient Familial".
    Org {
        fund: (
            "msa-poitou",
            "MSA Poitou",
            FundKind::Msa,
            &["79", "86"],
            LoginPolicy::Generated,
        ),
        service: (
            "qf",
            "Consultation du Quotient Familial",
            &["consultation:Consultation"],
        ),
        partner: (
            "79A69243",
            Some("21790191700013"),
            "Mairie de Niort",
            "commune",
        ),
        units: &[],
        convention: (
            "2021-143",
            "2021-04-20",
            ManagementMode::Delegated,
            "79",
            "Calcul des tarifs des services municipaux selon le quotient familial",
        ),
        quotas: &[("consultation", 5)],
        people: &[
            admin(
                "Claire",
                "Martin",
                Some("claire.martin@mairie-niort.example.fr"),
                AdminKind::Principal,
            ),
            agent("Julie", "Moreau", None, "consultation"),
        ],
    },
    // 001: MSA Armorique ⇄ childcare operator, "Ressources PSU", one form per structure.
    Org {
        fund: (
            "msa-armorique",
            "MSA d'Armorique",
            FundKind::Msa,
            &["22", "29"],
            LoginPolicy::Generated,
        ),
        service: (
            "psu",
            "Consultation Ressources PSU",
            &["consultation:Consultation"],
        ),
        partner: (
            "22P00417",
            None,
            "Armor Petite Enfance (gestionnaire, démo)",
            "childcare_operator",
        ),
        units: &[
            ("multi-accueil-lannion", "Multi-accueil Les Lutins, Lannion"),
            ("creche-morlaix", "Crèche Les Goélands, Morlaix"),
        ],
        convention: (
            "PSU-2022-07",
            "2022-01-01",
            ManagementMode::Delegated,
            "22, 29",
            "Calcul de la participation familiale PSU des enfants accueillis",
        ),
        quotas: &[("consultation", 4)],
        people: &[
            admin(
                "Yann",
                "Le Gall",
                Some("direction@armor-petite-enfance.example.fr"),
                AdminKind::Principal,
            ),
            agent("Nolwenn", "Le Bihan", None, "consultation"),
        ],
    },
    // 003: MSA d'Alsace ⇄ Département du Bas-Rhin, "RSACG", centralised mode.
    Org {
        fund: (
            "msa-alsace",
            "MSA d'Alsace",
            FundKind::Msa,
            &["67", "68"],
            LoginPolicy::Generated,
        ),
        service: (
            "rsacg",
            "RSACG — Consultation des dossiers allocataires",
            &["consultation:Consultation"],
        ),
        partner: ("67D00067", None, "Département du Bas-Rhin", "departement"),
        units: &[],
        convention: (
            "RSACG-67-2012",
            "2012-01-01",
            ManagementMode::Centralised,
            "67",
            "Instruction et suivi du RSA par les agents du Département",
        ),
        quotas: &[("consultation", 20)],
        people: &[
            admin(
                "Thomas",
                "Schmitt",
                Some("thomas.schmitt@bas-rhin.example.fr"),
                AdminKind::Principal,
            ),
            agent("Léa", "Muller", None, "consultation"),
        ],
    },
    // 004: Caf de l'Essonne ⇄ La Ferté-Alais, monenfant.fr "lieu d'information", by commune.
    Org {
        fund: (
            "caf-91",
            "Caf de l'Essonne",
            FundKind::Caf,
            &["91"],
            LoginPolicy::Email,
        ),
        service: (
            "monenfant-li",
            "monenfant.fr — Lieu d'information",
            &["consultation:Consultation"],
        ),
        partner: (
            "91LI0232",
            None,
            "Mairie de La Ferté-Alais",
            "information_point",
        ),
        units: &[],
        convention: (
            "91-LI-2021-04",
            "2021-06-01",
            ManagementMode::Delegated,
            "91232",
            "Information des familles sur les modes d'accueil du jeune enfant",
        ),
        quotas: &[("consultation", 3)],
        people: &[
            admin(
                "Nathalie",
                "Roux",
                Some("accueil@ferte-alais.example.fr"),
                AdminKind::Principal,
            ),
            agent(
                "Camille",
                "Fournier",
                Some("camille.fournier@ferte-alais.example.fr"),
                "consultation",
            ),
        ],
    },
];

/// Seeds the demo organisations (idempotent).
pub async fn seed(
    db: &Db,
    now: OffsetDateTime,
    accounts: &AccountsConfig,
) -> Result<DemoReport, DemoError> {
    let actor = Actor::System { job: "demo" };
    let mut report = DemoReport::default();
    for org in ORGS {
        let fund = ensure_fund(db, now, &actor, org, &mut report).await?;
        let service = ensure_service(db, now, &actor, &fund, org, &mut report).await?;
        let partner = ensure_partner(db, now, &actor, &fund, org, &mut report).await?;
        let convention =
            ensure_convention(db, now, &actor, &fund, &partner, org, &mut report).await?;
        let existing = subscription::of_convention(db, &convention).await?;
        if !existing.iter().any(|s| s.service_id == service.id) {
            let input = SubscriptionInput {
                opened_on: convention.term.effective_from,
                total_quota: None,
                quotas: org
                    .quotas
                    .iter()
                    .map(|(r, n)| ((*r).to_owned(), *n))
                    .collect(),
            };
            subscription::set(db, now, &actor, &convention, &service, input).await?;
            report.created += 1;
        }
        ensure_operator(db, now, &actor, accounts, &fund, &mut report).await?;
        for person in org.people {
            let ctx = (&fund, &partner, &convention, &service);
            ensure_person(db, now, &actor, accounts, ctx, person, &mut report).await?;
        }
    }
    Ok(report)
}

async fn ensure_operator(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    settings: &AccountsConfig,
    fund: &Fund,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let email = format!("operateur.{}@demo.habilis.example.fr", fund.code);
    let login = LoginId::parse(&email).map_err(invalid)?;
    let account = match account::find_operator(db, fund, &login).await {
        Ok(a) => a,
        Err(AccountError::NotFound(_)) => {
            let new = NewAccount {
                given_name: "Opératrice".into(),
                family_name: fund.name.clone(),
                email: Some(Email::parse(&email).map_err(invalid)?),
                unit: None,
            };
            report.created += 1;
            account::create_operator(db, now, actor, settings, fund, new)
                .await?
                .account
        }
        Err(e) => return Err(e.into()),
    };
    publish(
        db,
        now,
        actor,
        settings,
        &account,
        format!("fund operator, {}", fund.name),
        report,
    )
    .await
}

async fn ensure_person(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    settings: &AccountsConfig,
    (fund, partner, convention, service): (&Fund, &Partner, &Convention, &Service),
    person: &Person,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let existing = account::list_of_partner(db, partner)
        .await?
        .into_iter()
        .find(|a| a.given_name == person.given && a.family_name == person.family);
    let account = match existing {
        Some(a) => a,
        None => {
            let new = NewAccount {
                given_name: person.given.into(),
                family_name: person.family.into(),
                email: person
                    .email
                    .map(Email::parse)
                    .transpose()
                    .map_err(invalid)?,
                unit: None,
            };
            report.created += 1;
            account::create(db, now, actor, settings, fund, partner, new)
                .await?
                .account
        }
    };
    let mut description = format!("{} {}, {}", person.given, person.family, partner.name);
    if let Some(seat) = person.seat {
        let seated = delegation::administrators(db, partner).await?;
        if !seated.iter().any(|a| a.kind == seat) {
            delegation::designate(db, now, actor, partner, seat, &account.login).await?;
            report.created += 1;
        }
        description.push_str(match seat {
            AdminKind::Principal => " — principal administrator",
            AdminKind::Deputy => " — deputy administrator",
        });
    }
    if let Some(role) = person.role {
        // Idempotent whatever happened since the last run: a grant held (even paused) is kept,
        // and nothing is granted under a convention someone suspended or terminated.
        let held = habilitation::list_of_partner(db, partner).await?;
        let has = held.iter().any(|h| {
            h.subject == Subject::Account(account.id)
                && h.role.matches(role)
                && h.status == HabilitationStatus::Active
        });
        if !has && convention.status == ConventionStatus::Active {
            let grant = NewGrant {
                convention,
                service,
                role,
                subject: Subject::Account(account.id),
                territory: None,
                valid_from: now.date(),
                valid_until: None,
                attributes: Default::default(),
                reason: "Démonstration".into(),
            };
            habilitation::grant(db, now, actor, grant).await?;
            report.created += 1;
        }
        description.push_str(&format!(" — {} {role}", service.code));
    }
    publish(db, now, actor, settings, &account, description, report).await
}

/// Gives a still-pending demo account the published demo password (a temporary one), so that
/// people can try the first-login flow; an account whose password was already changed is left
/// alone.
async fn publish(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    settings: &AccountsConfig,
    account: &Account,
    description: String,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let password = if account.status == AccountStatus::Pending {
        let hash = password::hash(&Secret::new(DEMO_PASSWORD))
            .await
            .map_err(store_failed)?;
        let stored = StoredPassword {
            hash,
            is_temporary: true,
            expires_at: Some(
                now + time::Duration::days(i64::from(settings.temporary_password_validity_days)),
            ),
        };
        let tx = db.begin_write().await.map_err(store_failed)?;
        store::credential::replace_password(&tx, now, account.id, &stored)
            .await
            .map_err(store_failed)?;
        let event = Event::new(action::DEMO_SEED, actor)
            .target("account", &account.login)
            .fund(account.fund_id)
            .details(serde_json::json!({ "password": "published demo password" }));
        audit::record(&tx, now, event).await.map_err(store_failed)?;
        tx.commit().await.map_err(store_failed)?;
        DEMO_PASSWORD.to_owned()
    } else {
        "(changed since)".to_owned()
    };
    report.accounts.push(DemoAccount {
        login: account.login.to_string(),
        password,
        description,
    });
    Ok(())
}

fn store_failed(e: impl std::fmt::Display) -> DemoError {
    DemoError::Store(e.to_string())
}

fn invalid(e: impl std::fmt::Display) -> DemoError {
    DemoError::Invalid(e.to_string())
}

async fn ensure_fund(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    org: &Org,
    report: &mut DemoReport,
) -> Result<Fund, DemoError> {
    let (code, name, kind, deps, login_policy) = &org.fund;
    let code = FundCode::parse(code)?;
    match fund::find(db, &code).await {
        Ok(f) => Ok(f),
        Err(FundError::NotFound(_)) => {
            let departements = deps
                .iter()
                .map(|d| DepartementCode::parse(d).map_err(invalid))
                .collect::<Result<BTreeSet<_>, _>>()?;
            let new = NewFund {
                code,
                name: (*name).to_owned(),
                kind: *kind,
                departements,
                login_policy: *login_policy,
            };
            report.created += 1;
            Ok(fund::create(db, now, actor, new).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn ensure_service(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    org: &Org,
    report: &mut DemoReport,
) -> Result<Service, DemoError> {
    let (code, name, roles) = &org.service;
    let code = ServiceCode::parse(code)?;
    match service::find(db, fund, &code).await {
        Ok(s) => Ok(s),
        Err(ServiceError::NotFound(_)) => {
            let roles = roles
                .iter()
                .map(|r| NewRole::parse_spec(r))
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewService {
                code,
                name: (*name).to_owned(),
                description: String::new(),
                roles,
            };
            report.created += 1;
            Ok(service::create(db, now, actor, fund, new).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn ensure_partner(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    org: &Org,
    report: &mut DemoReport,
) -> Result<Partner, DemoError> {
    let (number, siret, name, kind) = &org.partner;
    let tp = ThirdPartyNumber::parse(number).map_err(invalid)?;
    let partner = match partner::find(db, fund, &tp).await {
        Ok(p) => p,
        Err(PartnerError::NotFound(_)) => {
            let new = NewPartner::parse(number, *siret, name, kind, None)?;
            report.created += 1;
            partner::create(db, now, actor, fund, new).await?
        }
        Err(e) => return Err(e.into()),
    };
    let units = partner::units(db, &partner).await?;
    for (code, name) in org.units {
        if !units.iter().any(|u| u.code == *code) {
            partner::create_unit(db, now, actor, &partner, code, name, None).await?;
            report.created += 1;
        }
    }
    Ok(partner)
}

async fn ensure_convention(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    org: &Org,
    report: &mut DemoReport,
) -> Result<Convention, DemoError> {
    let (number, from, mode, territory, mission) = &org.convention;
    let number = ConventionNumber::parse(number).map_err(invalid)?;
    let existing = match convention::find(db, fund, &number).await {
        Ok(c) => Some(c),
        Err(ConventionError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let c = match existing {
        Some(c) => c,
        None => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let effective_from = time::Date::parse(from, format).map_err(invalid)?;
            let new = NewConvention {
                number: number.clone(),
                signed_on: Some(effective_from),
                effective_from,
                management_mode: *mode,
                mission: (*mission).to_owned(),
                territory: Territory::parse_list(territory).map_err(invalid)?,
            };
            report.created += 1;
            convention::create(db, now, actor, fund, partner, new).await?
        }
    };
    if c.status == ConventionStatus::Draft {
        let out = convention::apply(
            db,
            now,
            actor,
            fund,
            &number,
            ConventionAction::Activate,
            None,
        )
        .await?;
        return Ok(out.convention);
    }
    Ok(c)
}

#[cfg(test)]
mod tests;
