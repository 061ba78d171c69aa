//! `idp keys …` and `idp client …`: token-signing keys and the registry of relying parties.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Output};
use crate::config::Config;
use crate::fund::{self, FundCode};
use crate::oidc::client::{self, ClientAuth, ClientId, NewClient, Owner, RedirectUri};
use crate::oidc::kek::KeyEncryptionKey;
use crate::oidc::keys::{self, SigningAlg};
use crate::service::{self, ServiceCode};

/// `idp keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the signing keys with their state (next, current, retired) and publication.
    List,
    /// Rotate the keys of an algorithm: next → current, current → retired, new next.
    Rotate {
        /// Algorithm: ES256, RS256 or EdDSA.
        #[arg(long, default_value = "ES256")]
        alg: String,
        /// Promote the next key even if it was published too recently (compromised key).
        #[arg(long)]
        force: bool,
    },
}

/// `idp client …`
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a relying party; prints its client id and, for a confidential client, its
    /// secret (shown only this once).
    Create(Box<ClientCreate>),
    /// List the clients of a fund's services (every client without `--fund`).
    List {
        /// Fund code.
        #[arg(long)]
        fund: Option<String>,
    },
    /// Show a client.
    Show {
        /// Client id.
        client_id: String,
    },
    /// Replace a confidential client's secret; prints the new one (shown only this once).
    RotateSecret {
        /// Client id.
        client_id: String,
    },
    /// Disable a client: it can no longer obtain tokens.
    Disable {
        /// Client id.
        client_id: String,
    },
}

/// `idp client create`
#[derive(Debug, Args)]
pub struct ClientCreate {
    /// Fund code (with `--service`).
    #[arg(long, required_unless_present = "first_party")]
    pub fund: Option<String>,
    /// Service code the client gives access to.
    #[arg(long, required_unless_present = "first_party")]
    pub service: Option<String>,
    /// A first-party app of Habilis (the console): no fund, no service.
    #[arg(long, conflicts_with_all = ["fund", "service"])]
    pub first_party: bool,
    /// Name shown to users.
    #[arg(long)]
    pub name: String,
    /// Redirect URI, repeated (https, or http on localhost).
    #[arg(long = "redirect-uri", required = true, num_args = 1..)]
    pub redirect_uris: Vec<String>,
    /// A public client (native or browser app): no secret, PKCE only.
    #[arg(long)]
    pub public: bool,
    /// Post-logout redirect URI, repeated.
    #[arg(long = "post-logout-redirect-uri", num_args = 1..)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Back-channel logout URI.
    #[arg(long)]
    pub backchannel_logout_uri: Option<String>,
    /// ID token algorithm: ES256, RS256 or EdDSA (default: `oidc.default_signing_alg`).
    #[arg(long)]
    pub signing_alg: Option<String>,
    /// Ask users for consent.
    #[arg(long)]
    pub consent: bool,
    /// Allow the client_credentials grant (confidential clients only).
    #[arg(long)]
    pub client_credentials: bool,
    /// Token endpoint authentication of a confidential client: client_secret_basic (default),
    /// client_secret_post or private_key_jwt.
    #[arg(long)]
    pub auth_method: Option<String>,
    /// File holding the client's public keys as a JWK Set (required with private_key_jwt).
    #[arg(long)]
    pub jwks_file: Option<std::path::PathBuf>,
    /// Require pushed authorization requests (RFC 9126).
    #[arg(long)]
    pub require_par: bool,
    /// Give this client pairwise subject identifiers for this sector (a host name).
    #[arg(long)]
    pub pairwise_sector: Option<String>,
    /// Answer userinfo with a signed JWT.
    #[arg(long)]
    pub userinfo_signed: bool,
}

/// Runs `idp keys …`.
pub async fn keys(ctx: &Ctx, config: &Config, cmd: KeysCommand) -> anyhow::Result<Output> {
    match cmd {
        KeysCommand::List => {
            let all = keys::list(&ctx.db, ctx.now()).await?;
            let text = all
                .iter()
                .map(|k| {
                    format!(
                        "{}\t{}\t{}\t{}",
                        k.kid,
                        k.alg,
                        k.state.as_str(),
                        if k.published {
                            "published"
                        } else {
                            "unpublished"
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "keys": all })))
        }
        KeysCommand::Rotate { alg, force } => {
            let alg = SigningAlg::parse(&alg)?;
            let kek = KeyEncryptionKey::resolve(config)?;
            let now = ctx.now();
            let created = keys::ensure(&ctx.db, &kek, now, &ctx.actor, &[alg]).await?;
            if let [current, next] = created.as_slice() {
                // The algorithm had no key at all: its first pair is what rotation gives.
                return Ok(Output::ok(
                    format!("{alg}: created current key {current} and next key {next}"),
                    json!({ "alg": alg, "created": created }),
                ));
            }
            let r = keys::rotate(&ctx.db, &kek, now, &ctx.actor, alg, &config.oidc, force).await?;
            Ok(Output::ok(
                format!(
                    "{alg}: {} now signs; {} retired (published until {}); new next key {}",
                    r.current, r.retired, r.retired_expires_at, r.next
                ),
                json!({ "rotation": r }),
            ))
        }
    }
}

fn uris(values: &[String]) -> anyhow::Result<Vec<RedirectUri>> {
    Ok(values
        .iter()
        .map(|u| RedirectUri::parse(u))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Runs `idp client …`.
pub async fn client(ctx: &Ctx, config: &Config, cmd: ClientCommand) -> anyhow::Result<Output> {
    match cmd {
        ClientCommand::Create(a) => {
            let a = *a;
            let new = NewClient {
                name: a.name,
                public: a.public,
                redirect_uris: uris(&a.redirect_uris)?,
                post_logout_redirect_uris: uris(&a.post_logout_redirect_uris)?,
                backchannel_logout_uri: a
                    .backchannel_logout_uri
                    .as_deref()
                    .map(RedirectUri::parse)
                    .transpose()?,
                signing_alg: a
                    .signing_alg
                    .as_deref()
                    .map(SigningAlg::parse)
                    .transpose()?,
                consent_required: a.consent,
                client_credentials: a.client_credentials,
                auth: a
                    .auth_method
                    .as_deref()
                    .map(|m| {
                        ClientAuth::parse(m).ok_or_else(|| {
                            anyhow::anyhow!(
                                "--auth-method must be client_secret_basic, client_secret_post \
                                 or private_key_jwt"
                            )
                        })
                    })
                    .transpose()?,
                jwks: a
                    .jwks_file
                    .as_deref()
                    .map(|p| -> anyhow::Result<serde_json::Value> {
                        let text = std::fs::read_to_string(p)
                            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
                        serde_json::from_str(&text)
                            .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", p.display()))
                    })
                    .transpose()?,
                require_par: a.require_par,
                pairwise_sector: a.pairwise_sector,
                userinfo_signed: a.userinfo_signed,
            };
            let default_alg = config.oidc.default_signing_alg;
            let (c, secret) = match (a.first_party, a.fund, a.service) {
                (false, Some(f), Some(s)) => {
                    let f = fund::find(&ctx.db, &FundCode::parse(&f)?).await?;
                    let s = service::find(&ctx.db, &f, &ServiceCode::parse(&s)?).await?;
                    let owner = Owner::Service(&f, &s);
                    client::create(&ctx.db, ctx.now(), &ctx.actor, owner, default_alg, new).await?
                }
                (true, None, None) => {
                    let owner = Owner::FirstParty;
                    client::create(&ctx.db, ctx.now(), &ctx.actor, owner, default_alg, new).await?
                }
                _ => anyhow::bail!("give --fund and --service, or --first-party"),
            };
            // The client's algorithm needs keys before its first token.
            let kek = KeyEncryptionKey::resolve(config)?;
            keys::ensure(&ctx.db, &kek, ctx.now(), &ctx.actor, &[c.signing_alg]).await?;
            let mut text = format!("client {} created: {}", c.client_id, c.name);
            if let Some(s) = &secret {
                text.push_str(&format!(
                    "\nclient secret (shown only now): {}",
                    s.0.expose()
                ));
            }
            Ok(Output::ok(
                text,
                json!({ "client_id": c.client_id, "client_secret": secret.as_ref().map(|s| s.0.expose()),
                        "client": c }),
            ))
        }
        ClientCommand::List { fund: code } => {
            let f = match code {
                Some(code) => Some(fund::find(&ctx.db, &FundCode::parse(&code)?).await?),
                None => None,
            };
            let all = client::list(&ctx.db, f.as_ref()).await?;
            let text = all
                .iter()
                .map(|c| {
                    format!(
                        "{}\t{}\t{}\t{}",
                        c.client_id,
                        if c.enabled { "enabled" } else { "disabled" },
                        c.auth.as_str(),
                        c.name
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "clients": all })))
        }
        ClientCommand::Show { client_id } => {
            let c = client::find_by_client_id(&ctx.db, &ClientId::parse(&client_id)?).await?;
            let uris: Vec<&str> = c.redirect_uris.iter().map(RedirectUri::as_str).collect();
            Ok(Output::ok(
                format!(
                    "client {}: {}\n  {}, {}, signs with {}\n  redirect URIs: {}",
                    c.client_id,
                    c.name,
                    if c.enabled { "enabled" } else { "disabled" },
                    c.auth.as_str(),
                    c.signing_alg,
                    uris.join(" ")
                ),
                json!({ "client": c }),
            ))
        }
        ClientCommand::RotateSecret { client_id } => {
            let id = ClientId::parse(&client_id)?;
            let (c, secret) = client::rotate_secret(&ctx.db, ctx.now(), &ctx.actor, &id).await?;
            Ok(Output::ok(
                format!(
                    "client {}: new secret (shown only now): {}",
                    c.client_id,
                    secret.0.expose()
                ),
                json!({ "client_id": c.client_id, "client_secret": secret.0.expose() }),
            ))
        }
        ClientCommand::Disable { client_id } => {
            let id = ClientId::parse(&client_id)?;
            let c = client::disable(&ctx.db, ctx.now(), &ctx.actor, &id).await?;
            Ok(Output::ok(
                format!("client {} disabled", c.client_id),
                json!({ "client": c }),
            ))
        }
    }
}
