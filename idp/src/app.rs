//! Building and running the HTTP server: connect the database, migrate, assemble the router
//! and its layers, serve until asked to stop, then drain in-flight requests.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Request, StatusCode};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::account::credentials::Credentials;
use crate::actor::Actor;
use crate::clock::Clock;
use crate::config::Config;
use crate::directory::Worker;
use crate::oidc::client::cache::ClientCache;
use crate::oidc::{self, kek::KeyEncryptionKey, keys::KeyRing};
use crate::state::AppState;
use crate::store::{Db, StoreError};
use crate::web;
use directory_sync::metrics::Metrics;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The database could not be reached or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signing keys could not be prepared (key-encryption key, generation, storage).
    #[error("signing keys: {0}")]
    Keys(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Redis is configured but unreachable.
    #[error(transparent)]
    Redis(#[from] crate::redis::RedisError),
    /// The credential settings are unusable (Argon2 parameters, mail).
    #[error(transparent)]
    Credentials(#[from] crate::account::credentials::CredentialsError),
    /// The directory settings are unusable (e.g. an invalid base DN).
    #[error(transparent)]
    Directory(#[from] crate::directory::SyncError),
    /// The server stopped with an I/O error.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct App {
    listener: TcpListener,
    state: AppState,
    worker: Option<Arc<Worker>>,
}

impl App {
    /// Connects the database (running migrations when configured) and binds the listen address.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> Result<Self, AppError> {
        let db = Db::connect(&config.database).await?;
        if config.database.migrate_on_start {
            db.migrate().await?;
        }
        Self::with_db(config, clock, db).await
    }

    /// Binds the listen address over an already connected and migrated database, after
    /// making sure every signing algorithm in use has a current and a next key.
    pub async fn with_db(config: Config, clock: Arc<dyn Clock>, db: Db) -> Result<Self, AppError> {
        let keys = prepare_keys(&config, &db, clock.now()).await?;
        // The console is Habilis's own OIDC client; without it only `/console` is unusable,
        // so a failure (an `http` public URL that is not loopback) is logged, not fatal.
        if let Err(e) = oidc::client::ensure_console(
            &db,
            clock.now(),
            &oidc::token::issuer(&config),
            config.oidc.default_signing_alg,
        )
        .await
        {
            tracing::error!(error = %e, "the console's client could not be registered");
        }
        let redis = crate::redis::connect(&config.redis).await?;
        let creds = Credentials::new(&config, Arc::new(keys.kek().clone()), redis.clone())?;
        let addr = config.server.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind { addr, source })?;
        let worker = if config.directory.enabled {
            Some(Arc::new(Worker::new(
                &config.directory,
                Arc::new(Metrics::new()),
            )?))
        } else {
            None
        };
        let clients = Arc::new(ClientCache::new(
            time::Duration::milliseconds(
                i64::try_from(config.oidc.client_cache_ms).unwrap_or(i64::MAX),
            ),
            clock.clone(),
        ));
        let state = AppState {
            db,
            clock,
            directory: worker.as_ref().map(|w| w.metrics().clone()),
            config: Arc::new(config),
            keys: Arc::new(keys),
            clients,
            creds: Arc::new(creds),
            redis,
        };
        Ok(Self {
            listener,
            state,
            worker,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, AppError> {
        self.listener.local_addr().map_err(AppError::Serve)
    }

    /// The shared state (tests use its database and clock).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then gives in-flight requests the configured grace
    /// period to finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let grace = Duration::from_secs(self.state.config.server.shutdown_grace_secs);
        let router = router(self.state.clone());
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let logout = {
            let state = self.state.clone();
            let stop = stopping_rx.clone();
            tokio::spawn(backchannel_loop(state, stop))
        };
        let review = tokio::spawn(review_loop(self.state.clone(), stopping_rx.clone()));
        let sync = self.worker.map(|worker| {
            let state = self.state.clone();
            let stop = stopping_rx.clone();
            tokio::spawn(directory_loop(worker, state, stop))
        });
        let server = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(true);
        });
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            result = server => result.map_err(AppError::Serve)?,
            () = deadline => tracing::warn!("grace period over: closing remaining connections"),
        }
        if let Some(task) = sync {
            let _ = task.await;
        }
        let _ = logout.await;
        let _ = review.await;
        self.state.db.close().await?;
        Ok(())
    }
}

/// Applies the directory outbox every `directory.sync_interval_secs` until shutdown. Errors
/// are logged and retried at the next pass: the outbox keeps every change meanwhile.
async fn directory_loop(
    worker: Arc<Worker>,
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let every = Duration::from_secs(state.config.directory.sync_interval_secs);
    loop {
        if let Err(e) = worker.pass(&state.db, state.clock.now(), 500).await {
            tracing::warn!(error = %crate::redact::redact_text(&e.to_string()), "directory pass failed");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}

/// Delivers back-channel logout tokens every two seconds until shutdown (any node may: rows
/// are claimed before sending), and purges expired protocol state about once a minute. Errors
/// are logged and retried at the next pass.
async fn backchannel_loop(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "back-channel logout disabled: no HTTP client");
            return;
        }
    };
    let mut passes: u32 = 0;
    loop {
        let now = state.clock.now();
        // About once a minute, delete expired codes, logins in progress and revocation marks.
        if passes.is_multiple_of(30) {
            if let Err(e) = oidc::housekeeping::purge(&state.db, now).await {
                tracing::warn!(error = %e, "purge of expired protocol state failed");
            }
            let sessions = crate::web::oidc::sessions(&state);
            match oidc::housekeeping::expire_habilitations(&state.db, &sessions, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "habilitations past their end date"),
                Err(e) => tracing::warn!(error = %e, "expiry of habilitations failed"),
            }
        }
        passes = passes.wrapping_add(1);
        let pass = async {
            let keys = state
                .keys
                .get(&state.db, now)
                .await
                .map_err(|e| e.to_string())?;
            oidc::backchannel::deliver_due(&state.db, &state.config, &keys, &http, now, 100)
                .await
                .map_err(|e| e.to_string())
        };
        match pass.await {
            Ok(d) if d.delivered + d.failed > 0 => {
                tracing::info!(
                    delivered = d.delivered,
                    failed = d.failed,
                    "back-channel logout"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "back-channel logout pass failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}

/// Resolves the key-encryption key, ensures the keys of every algorithm in use (idempotent,
/// safe with several nodes starting at once) and loads them, so that a wrong key-encryption key
/// stops start-up.
async fn prepare_keys(config: &Config, db: &Db, now: OffsetDateTime) -> Result<KeyRing, AppError> {
    let fail = |e: &dyn std::fmt::Display| AppError::Keys(e.to_string());
    let kek = KeyEncryptionKey::resolve(config).map_err(|e| fail(&e))?;
    let algs = oidc::client::signing_algs_in_use(db, config.oidc.default_signing_alg)
        .await
        .map_err(|e| fail(&e))?;
    let actor = Actor::System { job: "start-up" };
    oidc::keys::ensure(db, &kek, now, &actor, &algs)
        .await
        .map_err(|e| fail(&e))?;
    let ring = KeyRing::new(kek);
    ring.get(db, now).await.map_err(|e| fail(&e))?;
    Ok(ring)
}

/// The router with every layer: panic catching, request ids, logging, time-out, body limit,
/// error rendering and security headers.
pub fn router(state: AppState) -> Router {
    let server = &state.config.server;
    let mut router = web::routes()
        .layer(axum::middleware::from_fn(web::error::render))
        .layer(RequestBodyLimitLayer::new(server.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(server.request_timeout_secs),
        ));
    for layer in web::headers::layers(server.hsts) {
        router = router.layer(layer);
    }
    router
        .layer(
            // Only the path is logged: query strings carry codes and tokens.
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %crate::redact::redact_text(request.uri().path()),
                    request_id = web::request_id::of(request).unwrap_or_default(),
                )
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(
            web::request_id::RandomRequestId,
        ))
        .layer(CatchPanicLayer::custom(web::error::panic_response))
        .with_state(state)
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The trace's daily retention purge (`retention.daily_purge`) and the passes adding new
/// traces to the monthly usage figures (`stats.refresh_interval_secs`), until shutdown. Any
/// node may run them: both hold the chain head or their cursor while they work. Errors are
/// logged and retried at the next pass.
async fn review_loop(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    use crate::audit::retention;
    let actor = Actor::System { job: "retention" };
    let policy = retention::Policy::from_config(&state.config.retention);
    let stats_every = time::Duration::seconds(
        i64::try_from(state.config.stats.refresh_interval_secs).unwrap_or(i64::MAX),
    );
    let mut last_purge: Option<OffsetDateTime> = None;
    let mut last_stats: Option<OffsetDateTime> = None;
    let mut last_review: Option<OffsetDateTime> = None;
    let secs = |s: u64| time::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
    let review_every = secs(state.config.review.job_interval_secs);
    let verify_every = secs(state.config.audit.verify_interval_secs);
    loop {
        let now = state.clock.now();
        // Reverse-review reminders and late policy: each is claimed in the database first.
        if state.config.review.job_interval_secs > 0
            && last_review.is_none_or(|t| now - t >= review_every)
        {
            last_review = Some(now);
            let mailer = &state.creds.mailer;
            match crate::review::remind::run(&state.db, mailer, &state.config.review, now).await {
                Ok(r) if r.reminders > 0 || !r.centralised.is_empty() => tracing::info!(
                    reminders = r.reminders,
                    mails = r.mails,
                    centralised = r.centralised.len(),
                    "reverse-review reminders and late policy applied"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reverse-review job failed"),
            }
        }
        // The stored result tells every node when the chain was last verified.
        if state.config.audit.verify_interval_secs > 0
            && let Err(e) = crate::audit::query::verify_if_due(&state.db, now, verify_every).await
        {
            tracing::warn!(error = %e, "periodic trace verification failed");
        }
        let purge_due = state.config.retention.daily_purge
            && last_purge.is_none_or(|t| now - t >= time::Duration::days(1));
        let stats_due = state.config.stats.refresh_interval_secs > 0
            && last_stats.is_none_or(|t| now - t >= stats_every);
        // Statistics first: what a purge clears has then been counted with its user.
        if stats_due || purge_due {
            last_stats = Some(now);
            if let Err(e) = crate::stats::refresh(&state.db, 5_000).await {
                tracing::warn!(error = %e, "usage statistics pass failed");
            }
        }
        if purge_due {
            last_purge = Some(now);
            match retention::purge(&state.db, now, &actor, &policy, false).await {
                Ok(r) if r.total() > 0 => tracing::info!(
                    connection = r.connection,
                    habilitation = r.habilitation,
                    "traces past retention cleared and sealed"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention purge failed"),
            }
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}
