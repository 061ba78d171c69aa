//! The `idp` command line. Every command is a thin wrapper over the same domain functions the
//! web layer calls: parse arguments into domain types, call one function, print the result as
//! text or, with `--json`, as one JSON document on stdout. Errors go to stderr with a non-zero
//! exit code.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

pub mod access;
pub mod accounts;
pub mod bench;
mod bench_fixture;
pub mod bench_grants;
mod bench_jws;
pub mod bench_login;
pub mod bench_review;
pub mod campaign;
pub mod catalogue;
pub mod delegation;
pub mod directory;
pub mod oidc;
pub mod partners;
pub mod review;

use crate::actor::Actor;
use crate::app::{self, App};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, LogFormat};
use crate::store::Db;

/// Habilis identity provider: delegated habilitation and OpenID Connect.
#[derive(Debug, Parser)]
#[command(name = "idp", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file layered over the embedded defaults (environment variables win).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print results as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Print the effective configuration (secrets redacted) and check it.
    CheckConfig,
    /// Trace log commands.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Funds (Caf, MSA).
    #[command(subcommand)]
    Fund(catalogue::FundCommand),
    /// Consultation services of a fund and their roles.
    #[command(subcommand)]
    Service(catalogue::ServiceCommand),
    /// Partners in a fund's third-party register.
    #[command(subcommand)]
    Partner(partners::PartnerCommand),
    /// Units of a partner.
    #[command(subcommand)]
    Unit(partners::UnitCommand),
    /// Conventions between a fund and a partner.
    #[command(subcommand)]
    Convention(partners::ConventionCommand),
    /// Services opened under a convention, with their quotas.
    #[command(subcommand)]
    Subscription(partners::SubscriptionCommand),
    /// The LDAP directory of extranet users.
    #[command(subcommand)]
    Directory(directory::DirectoryCommand),
    /// Fund operators (fund staff accounts).
    #[command(subcommand)]
    Operator(access::OperatorCommand),
    /// Principal and deputy administrators of partners.
    #[command(subcommand)]
    Admin(access::AdminCommand),
    /// Accounts of partners' agents, and their credentials.
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// Groups of a partner's accounts.
    #[command(subcommand)]
    Group(access::GroupCommand),
    /// Habilitations: roles of subscribed services granted to accounts and groups.
    #[command(subcommand)]
    Grant(access::GrantCommand),
    /// Delegated managers of partners and their scopes.
    #[command(subcommand)]
    Manager(delegation::ManagerCommand),
    /// Access requests (centralised mode): file, list, approve, reject.
    #[command(subcommand)]
    Request(delegation::RequestCommand),
    /// The fund's supervision: suspend or reactivate partners and accounts, edit partners,
    /// switch a convention's management mode.
    #[command(subcommand)]
    Supervise(delegation::SuperviseCommand),
    /// Token-signing keys: list, rotate.
    #[command(subcommand)]
    Keys(oidc::KeysCommand),
    /// OpenID Connect clients (relying parties).
    #[command(subcommand)]
    Client(oidc::ClientCommand),
    /// Benchmarks against a throw-away server (run with a release build).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Dormant access: accounts with no login for N months; disable them.
    #[command(subcommand)]
    Dormant(review::DormantCommand),
    /// Monthly usage statistics: refresh from the trace, export, chart.
    #[command(subcommand)]
    Stats(review::StatsCommand),
    /// The yearly reverse review: campaigns, decisions, attestation, exports, reminders.
    #[command(subcommand)]
    Review(campaign::ReviewCommand),
}

/// `idp serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Seed the demo organisations, services and accounts of the conventions (idempotent).
    #[arg(long)]
    pub demo: bool,
    /// Listen address, overriding `server.listen`.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
}

/// `idp audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link (exit code 1 if broken).
    Verify,
    /// Clear the traces past retention (`[retention]`) and seal them; `--dry-run` only counts.
    Purge(review::PurgeArgs),
    /// Benchmark: verify a synthetic trace on a throw-away database (run a release build).
    #[command(hide = true)]
    BenchVerify(review::BenchVerifyArgs),
    /// A fund's or a partner's trace, filtered, newest first; `--csv FILE` exports it.
    Traces(Box<campaign::TracesArgs>),
}

/// What a command prints.
#[derive(Debug)]
pub struct Output {
    /// For people.
    pub text: String,
    /// With `--json`.
    pub json: Value,
    /// Whether the command failed its check (exit code 1) though it ran.
    pub failed: bool,
}

impl Output {
    fn ok(text: impl Into<String>, json: Value) -> Self {
        Self {
            text: text.into(),
            json,
            failed: false,
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Output> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => {
            if let Some(listen) = args.listen {
                config.server.listen = listen;
                // The issuer follows a new port when it is still the embedded default, so that
                // `serve --demo --listen 127.0.0.1:3000` is discoverable at its own address.
                let default = Config::defaults()?.server.public_url;
                if config.server.public_url == default && listen.port() != 0 {
                    config.server.public_url = format!("http://localhost:{}", listen.port())
                        .parse()
                        .context("public URL")?;
                }
            }
            init_tracing(&config, true);
            serve(config, args.demo).await
        }
        command => {
            init_tracing(&config, false);
            run_admin(&config, command).await
        }
    }
}

async fn run_admin(config: &Config, command: Command) -> anyhow::Result<Output> {
    let ctx = match command {
        Command::CheckConfig => return check_config(config),
        Command::Bench(c @ bench::BenchCommand::Oidc(_)) => return bench::run(c).await,
        Command::Bench(bench::BenchCommand::Login(args)) => {
            return bench_login::run(config, &args).await;
        }
        Command::Migrate => {
            let db = connect(config).await?;
            db.migrate().await.context("migration failed")?;
            return Ok(Output::ok(
                "database schema is up to date",
                json!({ "migrated": true }),
            ));
        }
        Command::Serve(_) => bail!("serve is run by `run`"),
        Command::Audit(AuditCommand::BenchVerify(a)) => {
            return review::bench_verify(config, a).await;
        }
        _ => Ctx::new(config).await?,
    };
    match command {
        Command::Audit(AuditCommand::Verify) => audit_verify(&ctx).await,
        Command::Audit(AuditCommand::Purge(a)) => review::purge(&ctx, config, a).await,
        Command::Audit(AuditCommand::BenchVerify(_)) => bail!("bench-verify runs alone"),
        Command::Dormant(c) => review::dormant(&ctx, c).await,
        Command::Stats(c) => review::stats(&ctx, c).await,
        Command::Review(c) => campaign::run(&ctx, config, c).await,
        Command::Audit(AuditCommand::Traces(a)) => campaign::traces(&ctx, *a).await,
        Command::Fund(c) => catalogue::fund(&ctx, c).await,
        Command::Service(c) => catalogue::service(&ctx, c).await,
        Command::Partner(c) => partners::partner(&ctx, c).await,
        Command::Unit(c) => partners::unit(&ctx, c).await,
        Command::Convention(c) => partners::convention(&ctx, c).await,
        Command::Subscription(c) => partners::subscription(&ctx, c).await,
        Command::Directory(c) => directory::run(&ctx, config, c).await,
        Command::Operator(c) => access::operator(&ctx, &config.accounts, c).await,
        Command::Admin(c) => access::admin(&ctx, c).await,
        Command::Account(c) => accounts::run(&ctx, config, c).await,
        Command::Group(c) => access::group(&ctx, c).await,
        Command::Grant(c) => access::grant(&ctx, c).await,
        Command::Bench(bench::BenchCommand::Grants {
            count,
            tasks,
            postgres,
        }) => bench_grants::run(config, &ctx, count, tasks, postgres).await,
        Command::Bench(bench::BenchCommand::Review {
            habilitations,
            postgres,
        }) => bench_review::run(config, &ctx, habilitations, postgres).await,
        Command::Manager(c) => delegation::manager(&ctx, c).await,
        Command::Request(c) => delegation::request(&ctx, config, c).await,
        Command::Supervise(c) => delegation::supervise(&ctx, c).await,
        Command::Keys(c) => oidc::keys(&ctx, config, c).await,
        Command::Client(c) => oidc::client(&ctx, config, c).await,
        Command::CheckConfig | Command::Migrate | Command::Serve(_) => {
            bail!("handled above")
        }
        Command::Bench(bench::BenchCommand::Oidc(_) | bench::BenchCommand::Login(_)) => {
            bail!("bench oidc and bench login are run before connecting")
        }
    }
}

fn check_config(config: &Config) -> anyhow::Result<Output> {
    let shown = config.to_redacted_toml()?;
    let json = serde_json::to_value(config.effective())?;
    Ok(Output::ok(
        format!("# configuration is valid\n{shown}"),
        json!({ "valid": true, "config": json }),
    ))
}

async fn audit_verify(ctx: &Ctx) -> anyhow::Result<Output> {
    let report = crate::audit::verify(&ctx.db).await?;
    Ok(match report.first_break {
        None => Output::ok(
            format!("audit chain intact: {} events verified", report.checked),
            json!({ "intact": true, "checked": report.checked }),
        ),
        Some(b) => Output {
            text: format!(
                "audit chain BROKEN at event {}: {b} ({} events verified before it)",
                b.event_id, report.checked
            ),
            json: json!({
                "intact": false,
                "checked": report.checked,
                "broken_at": b.event_id,
                "reason": b.to_string(),
            }),
            failed: true,
        },
    })
}

/// What a domain command needs: the migrated database, the clock and the actor.
#[derive(Debug)]
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// The clock.
    pub clock: SystemClock,
    /// Who acts: the operating-system user running `idp`.
    pub actor: Actor,
    /// The sessions the servers share (database, or Redis when configured).
    pub sessions: crate::oidc::session::Sessions,
}

impl Ctx {
    async fn new(config: &Config) -> anyhow::Result<Self> {
        let redis = crate::redis::connect(&config.redis).await?;
        Ok(Self {
            db: connect_migrated(config).await?,
            clock: SystemClock,
            actor: Actor::cli(),
            sessions: crate::oidc::session::Sessions::with_redis(config.session.clone(), redis),
        })
    }

    /// Ends the sessions and tokens of accounts whose access ended or paused (back-channel
    /// logout included); returns how many sessions ended.
    pub async fn end_access(&self, accounts: &[i64]) -> anyhow::Result<usize> {
        Ok(crate::oidc::cascade::end_access(
            &self.db,
            &self.sessions,
            self.now(),
            &self.actor,
            accounts,
        )
        .await?)
    }

    /// Revokes the accounts' tokens at the clients of a subscription's service.
    pub async fn end_service_access(
        &self,
        subscription_id: i64,
        accounts: &[i64],
    ) -> anyhow::Result<usize> {
        Ok(crate::oidc::cascade::revoke_subscription(
            &self.db,
            &self.sessions,
            self.now(),
            accounts,
            subscription_id,
        )
        .await?)
    }

    /// Now.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> anyhow::Result<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), format)
        .map_err(|_| anyhow::anyhow!("date {s:?} must be YYYY-MM-DD, e.g. 2026-01-31"))
}

/// Parses a comma- or space-separated list of département codes.
pub(crate) fn parse_departements(
    s: &str,
) -> anyhow::Result<std::collections::BTreeSet<crate::territory::DepartementCode>> {
    s.split([',', ' ', ';'])
        .filter(|p| !p.trim().is_empty())
        .map(|p| crate::territory::DepartementCode::parse(p).map_err(anyhow::Error::from))
        .collect()
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<Output> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = App::build(config, clock.clone()).await?;
    let addr = app.local_addr()?;
    let public_url = app.state().config.server.public_url.clone();
    if demo {
        let report = crate::demo::seed(&app.state().db, clock.now(), &app.state().config.accounts)
            .await
            .context("demo seeding failed")?;
        eprintln!("{}", demo_banner(&public_url, addr, &report));
    }
    tracing::info!(%addr, "Habilis is listening");
    app.run(app::shutdown_signal()).await?;
    Ok(Output::ok("stopped", json!({ "stopped": true })))
}

fn demo_banner(
    public_url: &url::Url,
    addr: std::net::SocketAddr,
    report: &crate::demo::DemoReport,
) -> String {
    // With `--listen`, the configured public URL may not be where this process answers.
    let open = if public_url.port_or_known_default() == Some(addr.port()) {
        public_url.to_string()
    } else {
        format!("http://{addr}/")
    };
    let mut s = format!(
        "\nHabilis demo is running.\n  Open:      {open}  (listening on {addr})\n  Health:    {open}healthz\n  Seeded:    {} new objects (funds, services, partners, conventions, quotas, accounts, habilitations)\n",
        report.created
    );
    if !report.accounts.is_empty() {
        s.push_str(
            "  Demo accounts (published demo passwords — never use --demo in production):\n",
        );
        for a in &report.accounts {
            s.push_str(&format!(
                "    {:<48} {:<18} {}\n",
                a.login, a.password, a.description
            ));
        }
    }
    s
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    Db::connect(&config.database)
        .await
        .context("cannot connect to the database")
}

/// Connects and applies pending migrations, so that admin commands work on a fresh install.
async fn connect_migrated(config: &Config) -> anyhow::Result<Db> {
    let db = connect(config).await?;
    db.migrate().await.context("migration failed")?;
    Ok(db)
}

/// Logs go to stderr; `serve` logs at the configured level, other commands only warnings.
fn init_tracing(config: &Config, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if serving {
        config.log.level.as_str()
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
