//! `idp bench login`: the benchmark of issue #4 — logins per second at N concurrent
//! full flows through the real HTTP server, next to the Argon2 limit measured in the same run
//! on the same hashing pool, and the peak memory of the process.
//!
//! One process: a server on 127.0.0.1 (random port) over a fresh SQLite file in a temporary
//! folder, with the demo organisations, `flows` agents of the Mairie de Niort with passwords of
//! their own (no first-login change, no second factor) and one confidential client. Then:
//!
//! 1. **Argon2 limit**: `flows` tasks verify a password on the node's hashing pool (the very
//!    pool the login handler uses, bounded by `max_concurrent_hashes`) for `--secs` seconds:
//!    verifications per second.
//! 2. **Logins**: `flows` tasks each run full flows for `--secs` seconds — `GET /authorize`
//!    (which answers with the login page), `POST /login` (one Argon2 verification),
//!    `POST /token` (code exchange with PKCE and `client_secret_basic`) — counted when the
//!    token response carries an ID token.
//!
//! The two phases alternate `--rounds` times (other processes' load then weighs on both alike).
//! The ratio logins/s ÷ verifications/s is what the HTTP, database and token work costs around
//! the hash (target ≥ 85 %). The client runs in the same process and shares the CPUs, on a
//! runtime of its own whose threads' CPU is counted apart: "per server CPU-second" leaves it
//! out, as for a node whose browsers are on other machines. The per-address login rate limit
//! is lifted for the run (every flow comes from 127.0.0.1).
//! Peak memory is `VmHWM` of `/proc/self/status` (the whole process: server and client).
//! Release build only: a debug build measures the debugger's Argon2, not the server's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Args;
use serde_json::json;

use super::Output;
use crate::account::manage::{self, NewAccount};
use crate::account::{authenticate, password};
use crate::actor::Actor;
use crate::app::App;
use crate::audit::Source;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::fund::{self, FundCode};
use crate::oidc::client::{self, NewClient, Owner, RedirectUri};
use crate::partner::{self, ids::ThirdPartyNumber};
use crate::secret::{self, Secret};
use crate::service::{self, ServiceCode};

const REDIRECT: &str = "http://localhost:7777/callback";

/// `idp bench login` options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Concurrent flows (and concurrent hashes in the Argon2 phase).
    #[arg(long, default_value_t = 32)]
    pub flows: usize,
    /// Seconds of each phase in each round.
    #[arg(long, default_value_t = 5)]
    pub secs: u64,
    /// Rounds of the two phases, alternated.
    #[arg(long, default_value_t = 4)]
    pub rounds: u32,
}

/// What a phase did.
#[derive(Debug, Default, Clone, Copy)]
struct Phase {
    count: u64,
    failed: u64,
    secs: f64,
    /// CPU of the whole process, seconds.
    cpu: f64,
    /// CPU of the load generator's threads ([`CLIENT_THREAD`]), seconds.
    client_cpu: f64,
    /// CPU of the Argon2 computations themselves, seconds.
    argon2_cpu: f64,
    /// CPU of the server's async workers ([`ASYNC_THREAD`]): HTTP, handlers, statements built
    /// and rows decoded, signatures; seconds.
    async_cpu: f64,
    /// CPU of the SQLite connections' threads ([`SQLITE_THREAD`]), seconds.
    sqlite_cpu: f64,
}

impl Phase {
    fn add(&mut self, other: Self) {
        self.count += other.count;
        self.failed += other.failed;
        self.secs += other.secs;
        self.cpu += other.cpu;
        self.client_cpu += other.client_cpu;
        self.argon2_cpu += other.argon2_cpu;
        self.async_cpu += other.async_cpu;
        self.sqlite_cpu += other.sqlite_cpu;
    }
}

/// Name of the threads of the load generator's own runtime: their CPU is told apart from the
/// server's, as if the browsers ran on other machines.
const CLIENT_THREAD: &str = "bench-client";
/// Name of the server runtime's worker threads (tokio's default).
const ASYNC_THREAD: &str = "tokio-rt-worker";
/// Start of the names of sqlx's SQLite threads, one per connection ("sqlx-sqlite-worker-N",
/// cut to the 15 bytes the kernel keeps).
const SQLITE_THREAD: &str = "sqlx-sqlite-wor";

/// `flows` tasks verifying a password on the node's hashing pool for `secs`.
async fn hash_phase(
    state: &crate::state::AppState,
    password: &Secret,
    hash: &str,
    flows: usize,
    secs: Duration,
) -> anyhow::Result<Phase> {
    let hashes = Arc::new(AtomicU64::new(0));
    let cpu0 = cpu_secs();
    let argon0 = password::hashing_cpu();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..flows {
        let (creds, hashes) = (state.creds.clone(), hashes.clone());
        let (pw, hash) = (password.clone(), hash.to_owned());
        tasks.push(tokio::spawn(async move {
            while started.elapsed() < secs {
                if creds.hasher.verify(&pw, &hash).await {
                    hashes.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    Ok(Phase {
        count: hashes.load(Ordering::Relaxed),
        failed: 0,
        secs: started.elapsed().as_secs_f64(),
        cpu: cpu_secs() - cpu0,
        client_cpu: 0.0,
        argon2_cpu: (password::hashing_cpu() - argon0).as_secs_f64(),
        async_cpu: 0.0,
        sqlite_cpu: 0.0,
    })
}

/// One task per agent running full login flows for `secs`, on the load generator's runtime;
/// the phase and each flow's time (ms).
async fn login_phase(
    client: &tokio::runtime::Handle,
    flow: &Flow,
    agents: &Arc<Vec<Agent>>,
    secs: Duration,
) -> anyhow::Result<(Phase, Vec<f64>)> {
    let logins = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let cpu0 = cpu_secs();
    let client0 = threads_cpu_secs(|c| c == CLIENT_THREAD);
    let async0 = threads_cpu_secs(|c| c == ASYNC_THREAD);
    let sqlite0 = threads_cpu_secs(|c| c.starts_with(SQLITE_THREAD));
    let argon0 = password::hashing_cpu();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..agents.len() {
        let flow = flow.clone();
        let (agents, logins, failures, latencies) = (
            agents.clone(),
            logins.clone(),
            failures.clone(),
            latencies.clone(),
        );
        tasks.push(client.spawn(async move {
            let Some(agent) = agents.get(i) else { return };
            while started.elapsed() < secs {
                let t = Instant::now();
                match flow.run(agent).await {
                    Ok(()) => {
                        logins.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut l) = latencies.lock() {
                            l.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    Err(e) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(error = %e, "bench flow failed");
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let phase = Phase {
        count: logins.load(Ordering::Relaxed),
        failed: failures.load(Ordering::Relaxed),
        secs: started.elapsed().as_secs_f64(),
        cpu: cpu_secs() - cpu0,
        client_cpu: threads_cpu_secs(|c| c == CLIENT_THREAD) - client0,
        argon2_cpu: (password::hashing_cpu() - argon0).as_secs_f64(),
        async_cpu: threads_cpu_secs(|c| c == ASYNC_THREAD) - async0,
        sqlite_cpu: threads_cpu_secs(|c| c.starts_with(SQLITE_THREAD)) - sqlite0,
    };
    let lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    Ok((phase, lat))
}

/// Runs `idp bench login`.
pub async fn run(config: &Config, args: &LoginArgs) -> anyhow::Result<Output> {
    login(config, args).await
}

/// `VmHWM` and `VmRSS` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// CPU time of this process (user + system), in seconds.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

/// The `/proc` folders of this process's threads named `name` (none where `/proc` is missing):
/// the hashing threads' test counts them.
#[cfg(test)]
pub(crate) fn threads_named(name: &str) -> Vec<std::path::PathBuf> {
    threads_where(|c| c == name)
}

/// The `/proc` folders of this process's threads whose name passes `keep`.
fn threads_where(keep: impl Fn(&str) -> bool) -> Vec<std::path::PathBuf> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .map(|t| t.path())
        .filter(|t| std::fs::read_to_string(t.join("comm")).is_ok_and(|c| keep(c.trim_end())))
        .collect()
}

/// CPU time of this process's threads whose name passes `keep`, in seconds (the first field
/// of each thread's `schedstat`, in nanoseconds). A thread that ended meanwhile is not counted.
fn threads_cpu_secs(keep: impl Fn(&str) -> bool) -> f64 {
    let ns: u64 = threads_where(keep)
        .iter()
        .filter_map(|t| std::fs::read_to_string(t.join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e9
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    format!("{model}, {cpus} CPUs available")
}

/// A bench agent: login and password.
struct Agent {
    login: String,
    password: Secret,
}

async fn login(base: &Config, args: &LoginArgs) -> anyhow::Result<Output> {
    if cfg!(debug_assertions) {
        bail!("run the benchmark on a release build: cargo run --release -p idp -- bench login");
    }
    if args.flows == 0 || args.secs == 0 || args.rounds == 0 {
        bail!("--flows, --secs and --rounds must be at least 1");
    }
    let dir = std::env::temp_dir().join(format!("habilis-bench-{}", secret::random_hex(8)));
    std::fs::create_dir_all(&dir).context("cannot create the bench folder")?;
    let result = run_login(base, args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_login(
    base: &Config,
    args: &LoginArgs,
    dir: &std::path::Path,
) -> anyhow::Result<Output> {
    let mut config = base.clone();
    config.database.url = Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.join("bench.sqlite").display()
    ));
    config.database.migrate_on_start = true;
    config.server.listen = "127.0.0.1:0".parse()?;
    config.mail.spool_dir = dir.join("spool").display().to_string();
    config.redis.url = Secret::new(String::new());
    config.directory.enabled = false;
    // Every flow comes from 127.0.0.1: lift the per-address login rate for the run.
    config.accounts.source_attempts_per_window = u32::MAX;
    let clock = SystemClock;
    let app = App::build(config, Arc::new(clock)).await?;
    let addr = app.local_addr()?;
    let state = app.state().clone();
    let db = &state.db;
    crate::demo::seed(db, clock.now(), &state.config.accounts).await?;

    // The agents and the client.
    let actor = Actor::cli();
    let fund = fund::find(db, &FundCode::parse("caf-79")?).await?;
    let partner = partner::find(db, &fund, &ThirdPartyNumber::parse("79CAF0191")?).await?;
    let svc = service::find(db, &fund, &ServiceCode::parse("cdap")?).await?;
    let mut agents = Vec::with_capacity(args.flows);
    for i in 0..args.flows {
        let letters: String = format!("{i:04}")
            .bytes()
            .map(|d| char::from(b'a' + (d - b'0')))
            .collect();
        let created = manage::create(
            db,
            clock.now(),
            &actor,
            &state.config.accounts,
            &fund,
            &partner,
            NewAccount {
                given_name: "Banc".into(),
                family_name: format!("Essai{letters}"),
                email: None,
                unit: None,
            },
        )
        .await?;
        let password = Secret::new(format!("Mesure des connexions n°{letters} !"));
        authenticate::change_own_password(
            &state.creds,
            db,
            clock.now(),
            &Source::default(),
            created.account.id,
            &created.temporary_password,
            &password,
            &password,
        )
        .await?;
        agents.push(Agent {
            login: created.account.login.to_string(),
            password,
        });
    }
    let (c, secret) = client::create(
        db,
        clock.now(),
        &actor,
        Owner::Service(&fund, &svc),
        state.config.oidc.default_signing_alg,
        NewClient {
            name: "Banc d'essai".into(),
            public: false,
            redirect_uris: vec![RedirectUri::parse(REDIRECT)?],
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            signing_alg: None,
            consent_required: false,
            client_credentials: false,
            auth: None,
            jwks: None,
            require_par: false,
            pairwise_sector: None,
            userinfo_signed: false,
        },
    )
    .await?;
    let client_id = c.client_id.to_string();
    let client_secret = secret
        .map(|s| s.0.expose().to_owned())
        .context("a confidential client has a secret")?;

    password::count_hashing_cpu();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async {
        let _ = stop_rx.await;
    }));
    let secs = Duration::from_secs(args.secs);

    let (_, rss_setup) = memory_kib();

    // The two phases alternate `--rounds` times, so that the load other processes put on the
    // machine weighs on both alike.
    let password = agents.first().context("no agent")?.password.clone();
    let hash = state.creds.hasher.hash(&password).await?;
    let base_url = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.flows)
        .build()?;
    let agents = Arc::new(agents);
    // The browsers' side runs on a runtime of its own, so that its CPU can be left out of the
    // server's (`threads_cpu_secs`); it still shares the machine's CPUs with the server.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()?;
    let flow = Flow {
        http,
        base: base_url,
        client_id,
        client_secret,
    };
    let mut h = Phase::default();
    let mut l = Phase::default();
    let mut lat = Vec::new();
    let mut hwm_hash = 0;
    for _ in 0..args.rounds {
        // 1. The Argon2 limit: the pool alone.
        h.add(hash_phase(&state, &password, &hash, args.flows, secs).await?);
        hwm_hash = hwm_hash.max(memory_kib().0);
        // 2. Full login flows through HTTP.
        let (phase, latencies) = login_phase(client.handle(), &flow, &agents, secs).await?;
        l.add(phase);
        lat.extend(latencies);
    }
    let (hashes, hash_elapsed, hash_cpu) = (h.count, h.secs, h.cpu);
    client.shutdown_background();
    let (logins, failures, login_elapsed, login_cpu) = (l.count, l.failed, l.secs, l.cpu);
    let hash_rate = hashes as f64 / hash_elapsed;
    let login_rate = logins as f64 / login_elapsed;
    // CPU per operation: what a login costs besides its hash, whatever else the machine runs.
    let hash_cpu_ms = hash_cpu * 1000.0 / hashes.max(1) as f64;
    let login_cpu_ms = login_cpu * 1000.0 / logins.max(1) as f64;
    let cpu_ratio = if login_cpu_ms > 0.0 {
        hash_cpu_ms / login_cpu_ms
    } else {
        0.0
    };
    // The server's share: what a login costs a node whose browsers are elsewhere.
    let client_cpu_ms = l.client_cpu * 1000.0 / logins.max(1) as f64;
    let server_cpu_ms = login_cpu_ms - client_cpu_ms;
    let server_ratio = if server_cpu_ms > 0.0 {
        hash_cpu_ms / server_cpu_ms
    } else {
        0.0
    };
    // Argon2's own CPU per verification, alone and among the logins' other work (which slows
    // it: the caches and memory bandwidth are shared), and what a login costs besides it.
    let argon2_alone_ms = h.argon2_cpu * 1000.0 / hashes.max(1) as f64;
    let argon2_login_ms = l.argon2_cpu * 1000.0 / logins.max(1) as f64;
    let besides_ms = server_cpu_ms - argon2_login_ms;
    // Where that goes: the async workers, the SQLite threads, and the rest (the hashing threads
    // besides Argon2's own clock, the main thread, the kernel's accounting differences).
    let async_ms = l.async_cpu * 1000.0 / logins.max(1) as f64;
    let sqlite_ms = l.sqlite_cpu * 1000.0 / logins.max(1) as f64;
    let other_ms = besides_ms - async_ms - sqlite_ms;
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
        lat.get(i).copied().unwrap_or(0.0)
    };
    let (p50, p99) = (pct(0.50), pct(0.99));

    let _ = stop_tx.send(());
    server.await??;
    let (hwm, rss) = memory_kib();
    let ratio = if hash_rate > 0.0 {
        login_rate / hash_rate
    } else {
        0.0
    };
    let hasher = &state.creds.hasher;
    let a = &state.config.accounts;
    let machine = machine();
    let text = format!(
        "machine: {machine}\n\
         Argon2id m={} KiB t={} p={}, pool of {} (memory budget {} KiB)\n\
         Argon2 limit: {hash_rate:.1} verifications/s ({hashes} in {hash_elapsed:.1} s, {flows} concurrent; CPU {hash_cpu:.1} s, {hash_cpu_ms:.1} ms each)\n\
         logins: {login_rate:.1} full flows/s ({logins} in {login_elapsed:.1} s, {flows} concurrent, {failures} failed; p50 {p50:.0} ms, p99 {p99:.0} ms; CPU {login_cpu:.1} s, {login_cpu_ms:.1} ms each, of which the load generator {client_cpu_ms:.1} ms and the server {server_cpu_ms:.1} ms)\n\
         Argon2 itself: {argon2_alone_ms:.1} ms of CPU per verification alone, {argon2_login_ms:.1} ms during the logins; the server's work besides it: {besides_ms:.2} ms per login (async workers {async_ms:.2} ms, SQLite threads {sqlite_ms:.2} ms, other {other_ms:.2} ms)\n\
         ratio: {:.1} % of the Argon2 limit (target ≥ 85 %); per CPU-second: {:.1} %; per server CPU-second: {:.1} %\n\
         peak RSS (VmHWM): {} MiB (RSS after setup {} MiB, peak after the Argon2 phase {} MiB, RSS at the end {} MiB)",
        a.argon2_memory_kib,
        a.argon2_time_cost,
        a.argon2_parallelism,
        hasher.max_concurrent(),
        hasher.memory_budget_kib(),
        ratio * 100.0,
        cpu_ratio * 100.0,
        server_ratio * 100.0,
        hwm / 1024,
        rss_setup / 1024,
        hwm_hash / 1024,
        rss / 1024,
        flows = args.flows,
    );
    Ok(Output::ok(
        text,
        json!({
            "machine": machine,
            "flows": args.flows,
            "argon2": {
                "memory_kib": a.argon2_memory_kib,
                "time_cost": a.argon2_time_cost,
                "parallelism": a.argon2_parallelism,
                "pool": hasher.max_concurrent(),
                "verifications": hashes,
                "seconds": hash_elapsed,
                "per_second": hash_rate,
                "cpu_seconds": hash_cpu,
                "cpu_ms_each": hash_cpu_ms,
                "argon2_cpu_ms_each": argon2_alone_ms,
            },
            "logins": {
                "count": logins,
                "failed": failures,
                "seconds": login_elapsed,
                "per_second": login_rate,
                "p50_ms": p50,
                "p99_ms": p99,
                "cpu_seconds": login_cpu,
                "cpu_ms_each": login_cpu_ms,
                "client_cpu_seconds": l.client_cpu,
                "server_cpu_ms_each": server_cpu_ms,
                "argon2_cpu_ms_each": argon2_login_ms,
                "server_cpu_ms_besides_argon2": besides_ms,
                "async_workers_cpu_ms_each": async_ms,
                "sqlite_threads_cpu_ms_each": sqlite_ms,
            },
            "rounds": args.rounds,
            "ratio": ratio,
            "cpu_ratio": cpu_ratio,
            "server_cpu_ratio": server_ratio,
            "peak_rss_kib": hwm,
            "rss_after_setup_kib": rss_setup,
            "peak_rss_after_argon2_kib": hwm_hash,
            "rss_kib": rss,
        }),
    ))
}

/// One browser's full login, by hand (the binding cookie carried explicitly, no cookie jar).
#[derive(Clone)]
struct Flow {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: String,
}

fn location(r: &reqwest::Response) -> anyhow::Result<String> {
    Ok(r.headers()
        .get(reqwest::header::LOCATION)
        .context("no Location")?
        .to_str()?
        .to_owned())
}

fn hidden<'a>(html: &'a str, name: &str) -> anyhow::Result<&'a str> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).context("no hidden field")? + marker.len();
    let len = html
        .get(start..)
        .and_then(|r| r.find('"'))
        .context("unterminated field")?;
    html.get(start..start + len).context("field")
}

impl Flow {
    async fn run(&self, agent: &Agent) -> anyhow::Result<()> {
        use sha2::Digest;
        let verifier = secret::random_hex(32);
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        let url = format!(
            "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
            self.base,
            self.client_id,
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        );
        let r = self.http.get(&url).send().await?;
        let binding = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().filter(|c| c.contains("habilis_login=")))
            .context("no binding cookie")?
            .to_owned();
        if r.status() != reqwest::StatusCode::OK {
            bail!("/authorize answered {}", r.status());
        }
        // The login page comes with the answer to /authorize.
        let page = r.text().await?;
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .header(reqwest::header::COOKIE, &binding)
            .form(&[
                ("i", hidden(&page, "i")?),
                ("csrf", hidden(&page, "csrf")?),
                ("username", agent.login.as_str()),
                ("password", agent.password.expose()),
            ])
            .send()
            .await?;
        let back = location(&r)?;
        let code = url::Url::parse(&back)?
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .context("no code")?;
        let tokens: serde_json::Value = self
            .http
            .post(format!("{}/token", self.base))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier.as_str()),
            ])
            .send()
            .await?
            .json()
            .await?;
        if tokens.get("id_token").is_none() {
            bail!("no ID token");
        }
        Ok(())
    }
}
