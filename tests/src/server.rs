//! The real Habilis server for a scenario: the same `App` `idp serve --demo` builds (router,
//! security headers, background jobs), in this process so that a scenario can register the
//! clients it needs through the same domain functions as `idp client create`; the demo
//! organisations seeded; SQLite and the mail spool in a temporary folder; the system clock
//! (the browser and the authenticator codes live in real time); a random port.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idp::app::App;
use idp::clock::{Clock, SystemClock};
use idp::config::Config;
use idp::fund::{self, FundCode};
use idp::oidc::client::{self, NewClient, Owner, RedirectUri};
use idp::service::{self, ServiceCode};
use idp::state::AppState;
use sha2::Digest;

/// A running provider with the demo data.
pub struct Habilis {
    /// `http://127.0.0.1:PORT`, also the issuer.
    pub base: String,
    /// The server's state (database, configuration) for set-up steps a page does not offer yet.
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// A client registered for a scenario.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    /// Its `client_id`.
    pub id: String,
    /// Its secret (`client_secret_basic`).
    pub secret: String,
    /// Its one redirect URI.
    pub redirect_uri: String,
}

/// An authorization request about to be opened in the browser.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    /// The URL to open.
    pub url: String,
    /// The `state` the client expects back.
    pub state: String,
    /// The PKCE verifier for the code exchange.
    pub verifier: String,
}

impl Habilis {
    /// Starts the server with the demo data.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temporary folder")?;
        // The issuer must be the URL the browser opens: pick the port before building.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut config = Config::load(None).map_err(|e| anyhow!("configuration: {e}"))?;
        config.server.listen = format!("127.0.0.1:{port}").parse()?;
        config.server.public_url = base.parse()?;
        config.database.url = idp::secret::Secret::new(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("habilis.sqlite").display()
        ));
        config.mail.spool_dir = dir.path().join("mail-spool").display().to_string();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let app = App::build(config, clock.clone())
            .await
            .map_err(|e| anyhow!("server: {e}"))?;
        let state = app.state().clone();
        idp::demo::seed(&state.db, clock.now(), &state.config.accounts)
            .await
            .map_err(|e| anyhow!("demo data: {e}"))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = tokio::spawn(async move {
            let stopped = app.run(async {
                let _ = rx.await;
            });
            if let Err(e) = stopped.await {
                eprintln!("server stopped with an error: {e}");
            }
        });
        Ok(Self {
            base,
            state,
            stop: Some(tx),
            handle,
            _dir: dir,
        })
    }

    /// Registers a confidential client of `fund`'s `service` redirecting to `redirect_uri`,
    /// as `idp client create --fund F --service S --redirect-uri URI` does.
    pub async fn register_client(
        &self,
        fund: &str,
        service: &str,
        name: &str,
        redirect_uri: &str,
    ) -> anyhow::Result<RegisteredClient> {
        let db = &self.state.db;
        let fund = fund::find(db, &FundCode::parse(fund)?).await?;
        let svc = service::find(db, &fund, &ServiceCode::parse(service)?).await?;
        let new = NewClient {
            name: name.to_owned(),
            public: false,
            redirect_uris: vec![RedirectUri::parse(redirect_uri)?],
            post_logout_redirect_uris: vec![],
            backchannel_logout_uri: None,
            signing_alg: None,
            consent_required: false,
            client_credentials: false,
            auth: None,
            jwks: None,
            require_par: false,
            pairwise_sector: None,
            userinfo_signed: false,
        };
        let (c, secret) = client::create(
            db,
            SystemClock.now(),
            &idp::actor::Actor::cli(),
            Owner::Service(&fund, &svc),
            self.state.config.oidc.default_signing_alg,
            new,
        )
        .await?;
        Ok(RegisteredClient {
            id: c.client_id.to_string(),
            secret: secret
                .map(|s| s.0.expose().to_owned())
                .ok_or_else(|| anyhow!("a confidential client without a secret"))?,
            redirect_uri: redirect_uri.to_owned(),
        })
    }

    /// An authorization request of `client` (code flow, PKCE S256) for `scope`, with `extra`
    /// query parameters (e.g. `&ui_locales=en`).
    pub fn authorize(&self, client: &RegisteredClient, scope: &str, extra: &str) -> AuthRequest {
        let verifier = idp::secret::random_hex(32);
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        let state = idp::secret::random_hex(8);
        let nonce = idp::secret::random_hex(8);
        let url = format!(
            "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state={state}\
             &nonce={nonce}&code_challenge={challenge}&code_challenge_method=S256{extra}",
            self.base,
            enc(&client.id),
            enc(&client.redirect_uri),
            enc(scope),
        );
        AuthRequest {
            url,
            state,
            verifier,
        }
    }

    /// Stops the server (in-flight requests finish).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.handle).await.context("server task")
    }
}

/// Percent-encodes a query parameter value.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
