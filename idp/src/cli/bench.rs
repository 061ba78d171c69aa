//! `idp bench oidc`: the provider under load, measured from outside as relying parties see it.
//!
//! The command starts `idp serve --demo` as a child process on a fresh SQLite folder, registers
//! a client with `idp client create`, then drives each endpoint with `--connections` concurrent
//! HTTP clients and reports, per endpoint, requests per second, p50 and p99 latency, and the
//! **server's** CPU time per request (read from `/proc/<pid>/stat`, so the load generator's own
//! work is not counted). The full login is reported besides its Argon2 verification, measured
//! in the same run, and the cost of one signature and one verification with each algorithm
//! closes the report (`bench_jws`): the floor under the token, introspection and userinfo
//! figures. Build with `--release`: a debug build measures the debug build.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use sha2::Digest;

use super::Output;
use crate::account::password::thread_cpu;

/// `idp bench …`
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Throughput, latency and server CPU per request of the OpenID Connect endpoints.
    Oidc(OidcBench),
    /// Logins per second at N concurrent full flows next to the Argon2 limit of the same run,
    /// and the peak memory (`idp bench login --flows 32`, docs/accounts.md).
    Login(super::bench_login::LoginArgs),
    /// Grant a role to N accounts (quota N) one after the other, then with `--tasks`
    /// concurrent writers, and report grants per second.
    Grants {
        /// How many grants in each run.
        #[arg(long, default_value_t = 500)]
        count: u32,
        /// Concurrent writers in the second run.
        #[arg(long, default_value_t = 8)]
        tasks: u32,
        /// A PostgreSQL server URL whose database may be created and dropped
        /// (`postgres://user@host/postgres`); default: a temporary SQLite file.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// The reverse review of a partner with N habilitations: snapshot, bulk decision,
    /// signature and exports (docs/review.md).
    Review {
        /// Habilitations of the partner (nine in ten direct, one in ten through a group).
        #[arg(long, default_value_t = 50_000)]
        habilitations: u32,
        /// A PostgreSQL server URL whose database may be created and dropped; default: a
        /// temporary SQLite file.
        #[arg(long)]
        postgres: Option<String>,
    },
}

/// `idp bench oidc` options.
#[derive(Debug, Args)]
pub struct OidcBench {
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Requests per endpoint.
    #[arg(long, default_value_t = 4000)]
    pub requests: usize,
    /// Full login flows.
    #[arg(long, default_value_t = 256)]
    pub logins: usize,
}

const REDIRECT: &str = "http://localhost:7777/cb";
/// CPU time spent on each signing and verifying measurement of the signature floor.
const SIGNATURE_CPU: Duration = Duration::from_millis(200);
const AGENT: &str = "79caf0191.lpetit";
const PASSWORD: &str = "Mot de passe du banc d'essai 2026";

/// The server under test, killed on drop.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let exe = std::env::current_exe()?;
        let mut child = Command::new(&exe)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            // Every request comes from 127.0.0.1: lift the per-address login limit.
            .env("HABILIS_ACCOUNTS__SOURCE_ATTEMPTS_PER_WINDOW", "100000000")
            .env("HABILIS_LOG__LEVEL", "warn")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start idp serve")?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .ok_or_else(|| anyhow!("idp serve exited before listening"))??;
            if let Some(rest) = line.split("(listening on ").nth(1) {
                break rest.trim_end_matches(')').to_owned();
            }
        };
        // Keep draining stderr so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let status = Command::new(&exe)
            .args([
                "client",
                "create",
                "--fund",
                "caf-79",
                "--service",
                "cdap",
                "--name",
                "bench",
                "--redirect-uri",
                REDIRECT,
                "--json",
            ])
            .current_dir(dir.path())
            .output()?;
        if !status.status.success() {
            bail!(
                "client create failed: {}",
                String::from_utf8_lossy(&status.stderr)
            );
        }
        let server = Self {
            child,
            base: format!("http://{addr}"),
            _dir: dir,
        };
        let created: Value = serde_json::from_slice(&status.stdout)?;
        CLIENT
            .set((
                member(&created, "client_id")
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                member(&created, "client_secret")
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ))
            .map_err(|_| anyhow!("bench client already set"))?;
        Ok(server)
    }

    /// User + system CPU time of the server process so far.
    fn cpu(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let after = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .ok_or_else(|| anyhow!("unreadable /proc stat"))?;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| -> anyhow::Result<u64> {
            Ok(fields
                .get(i)
                .ok_or_else(|| anyhow!("short /proc stat"))?
                .parse()?)
        };
        // After ')' the state is field 3, so utime (14) is index 11 and stime (15) index 12.
        let total = ticks(11)? + ticks(12)?;
        // Linux reports in USER_HZ, 100 per second on every supported architecture.
        Ok(Duration::from_millis(total * 10))
    }
}

static CLIENT: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

fn client() -> (&'static str, &'static str) {
    CLIENT
        .get()
        .map_or(("", ""), |(a, b)| (a.as_str(), b.as_str()))
}

/// A member of a JSON object, or null.
fn member<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

fn http(cookies: bool) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4)
        .build()?)
}

fn hidden(html: &str, name: &str) -> anyhow::Result<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .ok_or_else(|| anyhow!("no {name} field"))?
        + marker.len();
    let rest = html.get(start..).unwrap_or_default();
    Ok(rest.split('"').next().unwrap_or_default().to_owned())
}

fn location(r: &reqwest::Response) -> anyhow::Result<String> {
    Ok(r.headers()
        .get("location")
        .ok_or_else(|| anyhow!("no Location (status {})", r.status()))?
        .to_str()?
        .to_owned())
}

fn param(url: &str, name: &str) -> anyhow::Result<String> {
    url::Url::parse(url)?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow!("no {name} in {url}"))
}

/// A PKCE pair.
fn pkce() -> (String, String) {
    let verifier = crate::secret::random_hex(32);
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(base: &str, challenge: &str) -> String {
    let (id, _) = client();
    format!(
        "{base}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20profile%20habilitations&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    )
}

/// Logs in through the pages with `b` (changing the temporary password when `first`);
/// returns the code.
async fn log_in(
    b: &reqwest::Client,
    base: &str,
    challenge: &str,
    first: bool,
) -> anyhow::Result<String> {
    let r = b.get(authorize_url(base, challenge)).send().await?;
    if r.status().is_redirection() {
        return param(&location(&r)?, "code");
    }
    if r.status() != reqwest::StatusCode::OK {
        bail!("/authorize answered {}", r.status());
    }
    // No live session: /authorize answers with the login page itself.
    let html = r.text().await?;
    let password = if first {
        crate::demo::DEMO_PASSWORD
    } else {
        PASSWORD
    };
    let r = b
        .post(format!("{base}/login"))
        .form(&[
            ("i", hidden(&html, "i")?),
            ("csrf", hidden(&html, "csrf")?),
            ("username", AGENT.to_owned()),
            ("password", password.to_owned()),
        ])
        .send()
        .await?;
    let mut next = location(&r)?;
    if first {
        let html = b.get(format!("{base}{next}")).send().await?.text().await?;
        let r = b
            .post(format!("{base}/login/password"))
            .form(&[
                ("i", hidden(&html, "i")?),
                ("csrf", hidden(&html, "csrf")?),
                ("current", password.to_owned()),
                ("new", PASSWORD.to_owned()),
                ("confirm", PASSWORD.to_owned()),
            ])
            .send()
            .await?;
        next = location(&r)?;
    }
    param(&next, "code")
}

async fn exchange(
    h: &reqwest::Client,
    base: &str,
    code: &str,
    verifier: &str,
) -> anyhow::Result<Value> {
    let (id, secret) = client();
    let r = h
        .post(format!("{base}/token"))
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("token endpoint answered {}", r.status());
    }
    Ok(r.json().await?)
}

/// Results of a phase, one slot per request.
type Slots<T> = Arc<std::sync::Mutex<Vec<Option<T>>>>;

/// One measured phase.
#[derive(Debug, Clone, serde::Serialize)]
struct Phase {
    name: String,
    requests: usize,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cpu_ms: f64,
    requests_per_server_cpu_sec: f64,
}

/// Runs `total` jobs over `conns` workers; each job returns the duration of its measured part.
async fn phase<F, Fut>(
    server: &Server,
    name: &str,
    conns: usize,
    total: usize,
    job: F,
) -> anyhow::Result<Phase>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let job = Arc::new(job);
    let cpu0 = server.cpu()?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..conns {
        let job = job.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = w;
            while i < total {
                let t = Instant::now();
                job(w, i).await?;
                lat.push(t.elapsed());
                i += conns;
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let wall = start.elapsed();
    let cpu = server.cpu()?.saturating_sub(cpu0);
    lat.sort();
    let pct = |p: f64| -> f64 {
        let idx = ((lat.len() as f64 - 1.0) * p).round() as usize;
        lat.get(idx).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Phase {
        name: name.to_owned(),
        requests: total,
        requests_per_sec: total as f64 / wall.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        server_cpu_ms: cpu.as_secs_f64() * 1000.0,
        requests_per_server_cpu_sec: if cpu.is_zero() {
            f64::INFINITY
        } else {
            total as f64 / cpu.as_secs_f64()
        },
    })
}

/// CPU time of one Argon2id verification with the default parameters on this machine, as the
/// server computes it (memory allocated once and reused, `account::password`). CPU time of the
/// measuring thread, not wall-clock time, so that whatever else runs on the machine does not
/// inflate it: the figure is subtracted from the server's CPU per login.
fn argon2_verify_cost() -> anyhow::Result<Duration> {
    use crate::account::password::{DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM, DEFAULT_TIME_COST};
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let params = argon2::Params::new(
                    DEFAULT_MEMORY_KIB,
                    DEFAULT_TIME_COST,
                    DEFAULT_PARALLELISM,
                    Some(32),
                )
                .map_err(|e| anyhow!("{e}"))?;
                let a = argon2::Argon2::new(
                    argon2::Algorithm::Argon2id,
                    argon2::Version::V0x13,
                    params.clone(),
                );
                let mut memory = vec![argon2::Block::default(); params.block_count()];
                let mut out = [0u8; 32];
                let mut verify = || {
                    a.hash_password_into_with_memory(
                        b"password",
                        b"bench-salt-16byt",
                        &mut out,
                        &mut memory,
                    )
                    .map_err(|e| anyhow!("{e}"))
                };
                // One run first, so that the memory's pages are in place as in the server.
                verify()?;
                let n = 20u32;
                let before = thread_cpu();
                for _ in 0..n {
                    verify()?;
                }
                Ok((thread_cpu() - before) / n)
            })
            .join()
            .map_err(|_| anyhow!("the Argon2 measurement panicked"))?
    })
}

/// Runs `idp bench oidc`.
pub async fn run(cmd: BenchCommand) -> anyhow::Result<Output> {
    let BenchCommand::Oidc(args) = cmd else {
        bail!("this benchmark needs a database context");
    };
    let conns = args.connections.max(1);
    let n = args.requests.max(conns);
    let server = Arc::new(Server::start()?);
    let base = server.base.clone();

    // One browser per connection, logged in once (the first changes the temporary password).
    let mut browsers = Vec::new();
    for i in 0..conns {
        let b = http(true)?;
        let (_, challenge) = pkce();
        log_in(&b, &base, &challenge, i == 0).await?;
        browsers.push(b);
    }
    let browsers = Arc::new(browsers);
    let api = http(false)?;
    let mut phases = Vec::new();

    let (h, b0) = (api.clone(), base.clone());
    phases.push(
        phase(&server, "discovery", conns, n, move |_, _| {
            let (h, b0) = (h.clone(), b0.clone());
            async move {
                h.get(format!("{b0}/.well-known/openid-configuration"))
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                Ok(())
            }
        })
        .await?,
    );
    let (h, b0) = (api.clone(), base.clone());
    phases.push(
        phase(&server, "jwks", conns, n, move |_, _| {
            let (h, b0) = (h.clone(), b0.clone());
            async move {
                h.get(format!("{b0}/jwks"))
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                Ok(())
            }
        })
        .await?,
    );

    // Codes from the live sessions (SSO), then their exchange, measured apart.
    let codes: Slots<(String, String)> = Arc::new(std::sync::Mutex::new(vec![None; n]));
    let (bs, b0, sink) = (browsers.clone(), base.clone(), codes.clone());
    phases.push(
        phase(
            &server,
            "authorize (SSO, code issued)",
            conns,
            n,
            move |w, i| {
                let (bs, b0, sink) = (bs.clone(), b0.clone(), sink.clone());
                async move {
                    let b = bs.get(w).ok_or_else(|| anyhow!("no browser"))?;
                    let (verifier, challenge) = pkce();
                    let code = log_in(b, &b0, &challenge, false).await?;
                    if let Some(slot) = sink.lock().map_err(|_| anyhow!("poisoned"))?.get_mut(i) {
                        *slot = Some((code, verifier));
                    }
                    Ok(())
                }
            },
        )
        .await?,
    );
    let tokens: Slots<Value> = Arc::new(std::sync::Mutex::new(vec![None; n]));
    let (h, b0, src, sink) = (api.clone(), base.clone(), codes.clone(), tokens.clone());
    phases.push(
        phase(&server, "token (code exchange)", conns, n, move |_, i| {
            let (h, b0, src, sink) = (h.clone(), b0.clone(), src.clone(), sink.clone());
            async move {
                let (code, verifier) = src
                    .lock()
                    .map_err(|_| anyhow!("poisoned"))?
                    .get(i)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| anyhow!("no code"))?;
                let t = exchange(&h, &b0, &code, &verifier).await?;
                if let Some(slot) = sink.lock().map_err(|_| anyhow!("poisoned"))?.get_mut(i) {
                    *slot = Some(t);
                }
                Ok(())
            }
        })
        .await?,
    );
    let tokens: Vec<Value> = tokens
        .lock()
        .map_err(|_| anyhow!("poisoned"))?
        .iter()
        .flatten()
        .cloned()
        .collect();
    let access: Arc<Vec<String>> = Arc::new(
        tokens
            .iter()
            .filter_map(|t| member(t, "access_token").as_str().map(str::to_owned))
            .collect(),
    );
    // Each worker rotates its own refresh-token chain.
    let chains: Arc<Vec<tokio::sync::Mutex<String>>> = Arc::new(
        tokens
            .iter()
            .take(conns)
            .filter_map(|t| member(t, "refresh_token").as_str())
            .map(|r| tokio::sync::Mutex::new(r.to_owned()))
            .collect(),
    );
    let (h, b0, ch) = (api.clone(), base.clone(), chains.clone());
    phases.push(
        phase(&server, "token (refresh)", conns, n, move |w, _| {
            let (h, b0, ch) = (h.clone(), b0.clone(), ch.clone());
            async move {
                let (id, secret) = client();
                let slot = ch.get(w).ok_or_else(|| anyhow!("no chain"))?;
                let mut current = slot.lock().await;
                let r = h
                    .post(format!("{b0}/token"))
                    .basic_auth(id, Some(secret))
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", current.as_str()),
                    ])
                    .send()
                    .await?
                    .error_for_status()?;
                let body: Value = r.json().await?;
                *current = member(&body, "refresh_token")
                    .as_str()
                    .ok_or_else(|| anyhow!("no refresh token"))?
                    .to_owned();
                Ok(())
            }
        })
        .await?,
    );
    // Refreshes revoked nothing else: the access tokens of the exchange are still valid.
    let (h, b0, at) = (api.clone(), base.clone(), access.clone());
    phases.push(
        phase(&server, "introspection", conns, n, move |_, i| {
            let (h, b0, at) = (h.clone(), b0.clone(), at.clone());
            async move {
                let (id, secret) = client();
                let token = at.get(i % at.len().max(1)).cloned().unwrap_or_default();
                let v: Value = h
                    .post(format!("{b0}/introspect"))
                    .basic_auth(id, Some(secret))
                    .form(&[("token", token)])
                    .send()
                    .await?
                    .json()
                    .await?;
                if member(&v, "active") != &json!(true) {
                    bail!("token inactive at introspection");
                }
                Ok(())
            }
        })
        .await?,
    );
    let (h, b0, at) = (api.clone(), base.clone(), access.clone());
    phases.push(
        phase(&server, "userinfo", conns, n, move |_, i| {
            let (h, b0, at) = (h.clone(), b0.clone(), at.clone());
            async move {
                let token = at.get(i % at.len().max(1)).cloned().unwrap_or_default();
                h.get(format!("{b0}/userinfo"))
                    .bearer_auth(token)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                Ok(())
            }
        })
        .await?,
    );
    // Full logins: a new browser each time, every request of the flow, password included.
    let b0 = base.clone();
    let logins = args.logins.max(conns);
    let login_phase = phase(&server, "full login flow", conns, logins, move |_, _| {
        let b0 = b0.clone();
        async move {
            let b = http(true)?;
            let (verifier, challenge) = pkce();
            let code = log_in(&b, &b0, &challenge, false).await?;
            exchange(&b, &b0, &code, &verifier).await?;
            Ok(())
        }
    })
    .await?;
    let argon = argon2_verify_cost()?;
    let signatures = super::bench_jws::signature_costs(SIGNATURE_CPU)?;
    let per_login_cpu = login_phase.server_cpu_ms / logins as f64;
    let besides_hashing = per_login_cpu - argon.as_secs_f64() * 1000.0;
    phases.push(login_phase);

    let mut text = format!(
        "{} concurrent connections, {n} requests per endpoint, {logins} full logins\n\
         {:<32} {:>10} {:>9} {:>9} {:>14}\n",
        conns, "endpoint", "req/s", "p50 ms", "p99 ms", "req/CPU-s srv"
    );
    for p in &phases {
        text.push_str(&format!(
            "{:<32} {:>10.0} {:>9.2} {:>9.2} {:>14.0}\n",
            p.name, p.requests_per_sec, p.p50_ms, p.p99_ms, p.requests_per_server_cpu_sec
        ));
    }
    text.push_str(&format!(
        "full login: {per_login_cpu:.2} ms server CPU per flow, of which Argon2id verification \
         {:.2} ms (its CPU time, measured here); {besides_hashing:.2} ms besides hashing\n",
        argon.as_secs_f64() * 1000.0
    ));
    text.push_str("one signature / one verification of an access token (one thread's CPU):");
    for s in &signatures {
        text.push_str(&format!(
            " {} {:.0} / {:.0} µs;",
            s.alg, s.sign_us, s.verify_us
        ));
    }
    text.push('\n');
    Ok(Output::ok(
        text,
        json!({
            "connections": conns,
            "requests": n,
            "logins": logins,
            "phases": phases,
            "login_cpu_ms": per_login_cpu,
            "argon2_verify_ms": argon.as_secs_f64() * 1000.0,
            "login_cpu_besides_hashing_ms": besides_hashing,
            "signatures": signatures,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The thread's CPU clock moves with the work the thread does.
    #[test]
    fn thread_cpu_counts_work() {
        let start = thread_cpu();
        // Busy until the clock shows 50 ms of work (a loaded machine only makes it slower).
        let busy = Instant::now();
        let mut x = 0u64;
        while thread_cpu() - start < Duration::from_millis(50) {
            assert!(
                busy.elapsed() < Duration::from_secs(30),
                "the CPU clock never moved"
            );
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
            }
        }
    }
}
