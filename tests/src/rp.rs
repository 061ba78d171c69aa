//! A relying party for the scenarios: its callback answers on a random loopback port with a
//! small page (so that the browser really lands there), and the code it receives is exchanged
//! at the token endpoint the way a server-side client does (Basic authentication, PKCE).

use std::collections::HashMap;

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::server::{AuthRequest, Habilis, RegisteredClient, enc};

/// The page the callback answers with.
const LANDED: &str = "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
<title>Application de test</title></head><body><main><h1>Application de test</h1>\
<p>Retour de Habilis reçu.</p></main></body></html>";

/// A relying party's callback listening on loopback.
pub struct RelyingParty {
    /// `http://127.0.0.1:PORT/callback`.
    pub redirect_uri: String,
    task: tokio::task::JoinHandle<()>,
}

impl RelyingParty {
    /// Starts the callback listener.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let redirect_uri = format!("http://{}/callback", listener.local_addr()?);
        let task = tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    // Read the request head (the browser sends no body on a GET); answer the
                    // page whatever the path, and close.
                    let mut buf = vec![0u8; 8192];
                    let mut read = 0;
                    while read < buf.len() {
                        match conn.read(buf.get_mut(read..).unwrap_or_default()).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => read += n,
                        }
                        if buf
                            .get(..read)
                            .is_some_and(|b| b.windows(4).any(|w| w == b"\r\n\r\n"))
                        {
                            break;
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n",
                        LANDED.len()
                    );
                    let _ = conn.write_all(head.as_bytes()).await;
                    let _ = conn.write_all(LANDED.as_bytes()).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Ok(Self { redirect_uri, task })
    }
}

impl Drop for RelyingParty {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the client got back: the tokens and the claims it reads.
#[derive(Debug)]
pub struct LoggedIn {
    /// The token response.
    pub tokens: Value,
    /// The ID token's payload (its signature is the provider's tests' business).
    pub id_token: Value,
    /// The `/userinfo` answer.
    pub userinfo: Value,
}

/// Checks that `landed` (the browser's URL) is the client's callback with a code and the
/// request's `state`, exchanges the code and reads `/userinfo`.
pub async fn finish_login(
    habilis: &Habilis,
    client: &RegisteredClient,
    request: &AuthRequest,
    landed: &url::Url,
) -> anyhow::Result<LoggedIn> {
    let at = format!(
        "{}://{}{}",
        landed.scheme(),
        landed.host_str().unwrap_or_default(),
        landed.port().map(|p| format!(":{p}")).unwrap_or_default()
    ) + landed.path();
    if at != client.redirect_uri {
        bail!("the browser is at {landed}, not at the client's callback");
    }
    let q: HashMap<String, String> = landed.query_pairs().into_owned().collect();
    if let Some(e) = q.get("error") {
        bail!("the provider answered the client with error {e}: {q:?}");
    }
    if q.get("state") != Some(&request.state) {
        bail!("state {:?} is not the request's", q.get("state"));
    }
    let code = q
        .get("code")
        .ok_or_else(|| anyhow!("no code in {landed}"))?;
    let http = reqwest::Client::new();
    let body = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}",
        enc(code),
        enc(&client.redirect_uri),
        enc(&request.verifier)
    );
    let r = http
        .post(format!("{}/token", habilis.base))
        .basic_auth(enc(&client.id), Some(enc(&client.secret)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let status = r.status();
    let tokens: Value = r.json().await.context("token response")?;
    if !status.is_success() {
        bail!("token endpoint answered {status}: {tokens}");
    }
    let id_token = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .and_then(|t| t.split('.').nth(1))
        .ok_or_else(|| anyhow!("no ID token in {tokens}"))?;
    let id_token: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(id_token)?)?;
    let access = tokens
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no access token in {tokens}"))?;
    let userinfo: Value = http
        .get(format!("{}/userinfo", habilis.base))
        .bearer_auth(access)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(LoggedIn {
        tokens,
        id_token,
        userinfo,
    })
}
