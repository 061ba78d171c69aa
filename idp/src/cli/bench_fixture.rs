//! What the database benchmarks (`idp bench grants`, `idp bench review`) start from: a
//! throw-away database — a temporary SQLite file, or a database created on the PostgreSQL
//! server given and dropped afterwards, never the configured one — and one partner of a CDAP
//! fund with an active convention and a subscription to T1 and T2.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context;
use time::OffsetDateTime;
use time::macros::date;

use super::Ctx;
use crate::account::login_id::LoginId;
use crate::config::Config;
use crate::convention::lifecycle::{ConventionAction, ManagementMode};
use crate::convention::number::ConventionNumber;
use crate::convention::{self, Convention, NewConvention};
use crate::fund::{self, Fund, FundCode, FundKind, LoginPolicy, NewFund};
use crate::partner::{self, NewPartner, Partner};
use crate::secret::Secret;
use crate::service::{self, NewRole, NewService, Service, ServiceCode};
use crate::store::Db;
use crate::store::account::AccountRow;
use crate::subscription::{self, Subscription, SubscriptionInput};
use crate::territory::{DepartementCode, Territory};

/// A migrated database that exists for one benchmark run.
pub(super) struct ThrowAway {
    /// The connection to it.
    pub(super) db: Db,
    /// `sqlite` or `postgresql`, for the report.
    pub(super) backend: &'static str,
    dir: PathBuf,
    /// The PostgreSQL server's connection and the database to drop.
    drop: Option<(Db, String)>,
}

impl ThrowAway {
    /// A temporary SQLite file, or a new database on the PostgreSQL server at `postgres`
    /// (`postgres://user@host/postgres`: a URL whose database may be connected to).
    pub(super) async fn open(config: &Config, postgres: Option<&str>) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("habilis-bench-{}", crate::secret::random_hex(6)));
        std::fs::create_dir_all(&dir)?;
        let mut db_config = config.database.clone();
        let (backend, drop) = match postgres {
            None => {
                db_config.url = Secret::new(format!(
                    "sqlite://{}?mode=rwc",
                    dir.join("bench.sqlite").display()
                ));
                ("sqlite", None)
            }
            Some(base) => {
                let mut admin_config = db_config.clone();
                admin_config.url = Secret::new(base.to_owned());
                let admin = Db::connect(&admin_config).await?;
                let name = format!("habilis_bench_{}", crate::secret::random_hex(6));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                let (prefix, _) = base.rsplit_once('/').context("URL with a database name")?;
                db_config.url = Secret::new(format!("{prefix}/{name}"));
                ("postgresql", Some((admin, name)))
            }
        };
        let db = Db::connect(&db_config).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            backend,
            dir,
            drop,
        })
    }

    /// Closes the database and removes it, whatever the run's outcome.
    pub(super) async fn close(self) {
        let _ = self.db.close().await;
        if let Some((admin, name)) = self.drop {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The benchmarks' partner and what it subscribes to.
pub(super) struct CdapPartner {
    pub(super) fund: Fund,
    pub(super) service: Service,
    pub(super) partner: Partner,
    pub(super) convention: Convention,
    pub(super) subscription: Subscription,
}

/// Fund `bench` (Caf, 79) offering CDAP T1 and T2, partner 79A69243 with its active convention
/// 79-2017-19 on département 79, subscribed to both roles with a quota of `quota` each.
pub(super) async fn cdap_partner(db: &Db, ctx: &Ctx, quota: u32) -> anyhow::Result<CdapPartner> {
    let now = ctx.now();
    let actor = &ctx.actor;
    let fund = fund::create(
        db,
        now,
        actor,
        NewFund {
            code: FundCode::parse("bench")?,
            name: "Bench".into(),
            kind: FundKind::Caf,
            departements: BTreeSet::from([DepartementCode::parse("79")?]),
            login_policy: LoginPolicy::Generated,
        },
    )
    .await?;
    let service = service::create(
        db,
        now,
        actor,
        &fund,
        NewService {
            code: ServiceCode::parse("cdap")?,
            name: "CDAP".into(),
            description: String::new(),
            roles: vec![NewRole::parse_spec("T1")?, NewRole::parse_spec("T2")?],
        },
    )
    .await?;
    let partner = partner::create(
        db,
        now,
        actor,
        &fund,
        NewPartner::parse("79A69243", None, "Bench", "commune", None)?,
    )
    .await?;
    let number = ConventionNumber::parse("79-2017-19")?;
    convention::create(
        db,
        now,
        actor,
        &fund,
        &partner,
        NewConvention {
            number: number.clone(),
            signed_on: None,
            effective_from: date!(2020 - 01 - 01),
            management_mode: ManagementMode::Delegated,
            mission: "bench".into(),
            territory: Territory::parse_list("79")?,
        },
    )
    .await?;
    let convention = convention::apply(
        db,
        now,
        actor,
        &fund,
        &number,
        ConventionAction::Activate,
        None,
    )
    .await?
    .convention;
    let subscription = subscription::set(
        db,
        now,
        actor,
        &convention,
        &service,
        SubscriptionInput {
            opened_on: date!(2020 - 01 - 01),
            total_quota: None,
            quotas: vec![("T1".into(), quota), ("T2".into(), quota)],
        },
    )
    .await?;
    Ok(CdapPartner {
        fund,
        service,
        partner,
        convention,
        subscription,
    })
}

impl CdapPartner {
    /// Inserts agent number `i` of the partner straight into the store (login
    /// `79a69243.bench{i}`, no password): the benchmarks measure grants and reviews, not
    /// account creation or password hashing.
    pub(super) async fn insert_agent(
        &self,
        tx: &crate::store::Tx,
        now: OffsetDateTime,
        i: u32,
    ) -> anyhow::Result<i64> {
        let login = LoginId::parse(&format!("79a69243.bench{i}"))?;
        let subject = crate::secret::random_hex(16);
        let row = AccountRow {
            subject: &subject,
            fund_id: self.fund.id,
            partner_id: Some(self.partner.id),
            unit_id: None,
            login: &login,
            given_name: "Bench",
            family_name: "Agent",
            email: None,
            created_by: None,
        };
        Ok(crate::store::account::insert(tx, now, &row).await?.id)
    }
}
