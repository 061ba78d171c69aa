//! `idp account …` credential commands (issue #4 point 8): reset a password, force a partner's
//! accounts to change theirs, disable and enable, unlock, reset the second factor, and each
//! fund's credential rules. The account commands of `access` (create, list) are flattened in
//! the same `idp account` group. Each command is a thin wrapper over `account::admin`; the only
//! secret printed is a temporary password the fund's policy says to show, once.
//!
//! Every command whose domain function returns `end_sessions_of` then ends those accounts'
//! sessions (`Ctx::end_access`, i.e. `oidc::cascade::end_access`): their refresh tokens and the access tokens issued
//! with them are revoked, and a back-channel logout is queued for every client of the sessions
//! that registered one (issue #3 point 8: "also sent when an account is disabled"; issue #4
//! point 8: "the person's sessions ended"). The output counts them in `sessions_ended`.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;

use super::access::{self, AccountCommand as ManageCommand};
use super::{Ctx, Output};
use crate::account::admin;
use crate::account::credentials::{Credentials, MfaPolicy, mfa_policy_of};
use crate::account::login_id::LoginId;
use crate::account::policy::{FundPolicy, Policy};
use crate::account::{Account, AccountError};
use crate::config::{Config, TemporaryPasswordDelivery};
use crate::fund::{self, FundCode};
use crate::oidc::kek::KeyEncryptionKey;
use crate::partner::{self, ids::ThirdPartyNumber};
use crate::secret::{OpenError, SecretCipher};
use crate::store;

/// The key-encryption key seals TOTP secrets as it seals signing keys (the context is the
/// associated data). Here rather than in `oidc` so that `oidc` keeps no knowledge of accounts.
impl SecretCipher for KeyEncryptionKey {
    fn seal(&self, context: &str, plaintext: &[u8]) -> String {
        self.encrypt(context, plaintext)
    }

    fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, OpenError> {
        self.decrypt(context, sealed).map_err(|_| OpenError)
    }
}

/// `idp account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create and list accounts.
    #[command(flatten)]
    Manage(ManageCommand),
    /// Give an account a new temporary password (shown once, or e-mailed per the fund's
    /// policy); the person must change it at next login and their sessions end.
    ResetPassword {
        /// Login of the account.
        login: String,
    },
    /// Make every account of a partner change its password at next login (fund supervision).
    ForcePasswordChange {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Partner's third-party number.
        #[arg(long)]
        partner: String,
    },
    /// Disable an account: it can no longer log in; the directory shows it disabled.
    Disable {
        /// Login of the account.
        login: String,
        /// Why (kept in the trace and shown to administrators).
        #[arg(long)]
        reason: String,
    },
    /// Enable a disabled or suspended account again.
    Enable {
        /// Login of the account.
        login: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// End the lock of an account after failed logins, and forget its failures.
    Unlock {
        /// Login of the account.
        login: String,
    },
    /// Remove an account's authenticator app and recovery codes (it enrols again).
    ResetSecondFactor {
        /// Login of the account.
        login: String,
    },
    /// A fund's credential rules.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

/// `idp account policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the rules in force for a fund (defaults with its overrides).
    Show {
        /// Fund code.
        #[arg(long)]
        fund: String,
    },
    /// Change a fund's rules; options not given keep their current value.
    Set {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Minimum password length of agents (8 to 256).
        #[arg(long)]
        min_length_agent: Option<usize>,
        /// Minimum password length of administrators (8 to 256).
        #[arg(long)]
        min_length_admin: Option<usize>,
        /// Days after which an administrator's password expires (0: never).
        #[arg(long)]
        admin_max_age_days: Option<u32>,
        /// How a reset's temporary password reaches its owner: `show` or `email`.
        #[arg(long)]
        delivery: Option<String>,
        /// Who must use a second factor: `admins`, `everyone` or `none`.
        #[arg(long)]
        mfa: Option<String>,
        /// Whether administrators must use a passkey: `required` or `optional`.
        #[arg(long)]
        admin_passkey: Option<String>,
        /// Drop every override: back to the configuration's defaults.
        #[arg(long)]
        clear: bool,
    },
}

async fn account_by_login(ctx: &Ctx, login: &str) -> anyhow::Result<Account> {
    let login = LoginId::parse(login)?;
    Ok(store::account::by_login(&ctx.db, &login)
        .await?
        .ok_or_else(|| AccountError::NotFound(login.to_string()))?)
}

async fn credentials(config: &Config) -> anyhow::Result<Credentials> {
    let kek = KeyEncryptionKey::resolve(config)?;
    let redis = crate::redis::connect(&config.redis).await?;
    Ok(Credentials::new(config, Arc::new(kek), redis)?)
}

/// Ends every open session of these accounts (in the database or Redis, where the servers
/// keep them); returns how many ended.
async fn end_sessions(ctx: &Ctx, ids: &[i64]) -> anyhow::Result<usize> {
    ctx.end_access(ids).await
}

async fn done_output(ctx: &Ctx, what: &str, d: &admin::Done) -> anyhow::Result<Output> {
    let ended = end_sessions(ctx, &d.end_sessions_of).await?;
    Ok(Output::ok(
        format!(
            "{} {what} (status {}){}",
            d.account.login,
            d.account.status,
            ended_text(ended)
        ),
        json!({
            "account": d.account,
            "end_sessions_of": d.end_sessions_of,
            "sessions_ended": ended,
        }),
    ))
}

fn ended_text(ended: usize) -> String {
    match ended {
        0 => String::new(),
        1 => "; 1 session ended".to_owned(),
        n => format!("; {n} sessions ended"),
    }
}

/// Runs `idp account …`.
pub async fn run(ctx: &Ctx, config: &Config, cmd: AccountCommand) -> anyhow::Result<Output> {
    match cmd {
        AccountCommand::Manage(c) => access::account(ctx, &config.accounts, c).await,
        AccountCommand::ResetPassword { login } => {
            let a = account_by_login(ctx, &login).await?;
            let creds = credentials(config).await?;
            let r = admin::reset_password(&creds, &ctx.db, ctx.now(), &ctx.actor, &a).await?;
            let ended = end_sessions(ctx, &r.end_sessions_of).await?;
            let shown = r.temporary_password.as_ref().map(|p| p.expose().to_owned());
            let text = match (&shown, &r.emailed_to) {
                (Some(p), _) => format!(
                    "password of {} reset\ntemporary password (shown once, to change at next login before {}): {p}",
                    r.account.login,
                    r.expires_at.date()
                ),
                (None, Some(to)) => format!(
                    "password of {} reset; the temporary password was e-mailed to {to}",
                    r.account.login
                ),
                (None, None) => format!("password of {} reset", r.account.login),
            } + &ended_text(ended);
            Ok(Output::ok(
                text,
                json!({
                    "account": r.account,
                    "temporary_password": shown,
                    "emailed_to": r.emailed_to,
                    "temporary_password_expires_at": r.expires_at.unix_timestamp(),
                    "end_sessions_of": r.end_sessions_of,
                    "sessions_ended": ended,
                }),
            ))
        }
        AccountCommand::ForcePasswordChange { fund, partner } => {
            let f = fund::find(&ctx.db, &FundCode::parse(&fund)?).await?;
            let p = partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(&partner)?).await?;
            let ids = admin::force_password_change(&ctx.db, ctx.now(), &ctx.actor, &p).await?;
            let ended = end_sessions(ctx, &ids).await?;
            Ok(Output::ok(
                format!(
                    "{} accounts of {} must change their password at next login{}",
                    ids.len(),
                    p.third_party_number,
                    ended_text(ended)
                ),
                json!({
                    "partner": p.third_party_number,
                    "end_sessions_of": ids,
                    "sessions_ended": ended,
                }),
            ))
        }
        AccountCommand::Disable { login, reason } => {
            let a = account_by_login(ctx, &login).await?;
            let d = admin::disable(&ctx.db, ctx.now(), &ctx.actor, &a, &reason).await?;
            done_output(ctx, "disabled", &d).await
        }
        AccountCommand::Enable { login, reason } => {
            let a = account_by_login(ctx, &login).await?;
            let d = admin::enable(&ctx.db, ctx.now(), &ctx.actor, &a, &reason).await?;
            done_output(ctx, "enabled", &d).await
        }
        AccountCommand::Unlock { login } => {
            let a = account_by_login(ctx, &login).await?;
            let creds = credentials(config).await?;
            let d = admin::unlock(&creds, &ctx.db, ctx.now(), &ctx.actor, &a).await?;
            done_output(ctx, "unlocked", &d).await
        }
        AccountCommand::ResetSecondFactor { login } => {
            let a = account_by_login(ctx, &login).await?;
            let d = admin::reset_second_factor(&ctx.db, ctx.now(), &ctx.actor, &a).await?;
            done_output(ctx, "second factor reset", &d).await
        }
        AccountCommand::Policy(c) => policy(ctx, config, c).await,
    }
}

async fn policy(ctx: &Ctx, config: &Config, cmd: PolicyCommand) -> anyhow::Result<Output> {
    let code = match &cmd {
        PolicyCommand::Show { fund } | PolicyCommand::Set { fund, .. } => fund.clone(),
    };
    let f = fund::find(&ctx.db, &FundCode::parse(&code)?).await?;
    if let PolicyCommand::Set {
        min_length_agent,
        min_length_admin,
        admin_max_age_days,
        delivery,
        mfa,
        admin_passkey,
        clear,
        ..
    } = cmd
    {
        let mut p = if clear {
            FundPolicy::default()
        } else {
            store::credential::fund_policy(&ctx.db, f.id)
                .await?
                .unwrap_or_default()
        };
        p.min_length_agent = min_length_agent.or(p.min_length_agent);
        p.min_length_admin = min_length_admin.or(p.min_length_admin);
        p.admin_max_age_days = admin_max_age_days.or(p.admin_max_age_days);
        if let Some(d) = delivery {
            p.temporary_password_delivery = Some(match d.as_str() {
                "show" => TemporaryPasswordDelivery::Show,
                "email" => TemporaryPasswordDelivery::Email,
                other => bail!("--delivery {other:?} must be `show` or `email`"),
            });
        }
        if let Some(a) = admin_passkey {
            p.admin_passkey = Some(match a.as_str() {
                "required" => true,
                "optional" => false,
                other => bail!("--admin-passkey {other:?} must be `required` or `optional`"),
            });
        }
        let mfa = mfa
            .map(|m| {
                MfaPolicy::parse(&m)
                    .with_context(|| format!("--mfa {m:?} must be `admins`, `everyone` or `none`"))
            })
            .transpose()?;
        admin::set_fund_policy(&ctx.db, ctx.now(), &ctx.actor, &f, &p, mfa).await?;
    }
    let overrides = store::credential::fund_policy(&ctx.db, f.id).await?;
    let rules = Policy::effective(&config.password_policy, overrides.as_ref());
    let mfa = mfa_policy_of(&ctx.db, f.id).await?;
    let admin_passkey = overrides
        .as_ref()
        .and_then(|o| o.admin_passkey)
        .unwrap_or(config.passkeys.admins_require);
    let delivery = overrides
        .as_ref()
        .and_then(|o| o.temporary_password_delivery)
        .unwrap_or(config.accounts.temporary_password_delivery);
    let text = format!(
        "fund {}\nminimum length: {} (agents), {} (administrators)\ncomposition: {} classes below {} characters\ncommon passwords refused: {}\nadministrators' password expiry: {}\nsecond factor required of: {}\nadministrators must use a passkey: {}\ntemporary password after a reset: {}",
        f.code,
        rules.min_length_agent,
        rules.min_length_admin,
        rules.min_classes,
        rules.composition_below,
        rules.refuse_common,
        if rules.admin_max_age_days == 0 {
            "never".to_owned()
        } else {
            format!("{} days", rules.admin_max_age_days)
        },
        mfa.as_str(),
        admin_passkey,
        match delivery {
            TemporaryPasswordDelivery::Show => "shown to the administrator",
            TemporaryPasswordDelivery::Email => "e-mailed",
        },
    );
    Ok(Output::ok(
        text,
        json!({
            "fund": f.code,
            "overrides": overrides,
            "min_length_agent": rules.min_length_agent,
            "min_length_admin": rules.min_length_admin,
            "max_length": rules.max_length,
            "composition_below": rules.composition_below,
            "min_classes": rules.min_classes,
            "refuse_common": rules.refuse_common,
            "admin_max_age_days": rules.admin_max_age_days,
            "mfa": mfa.as_str(),
            "admin_passkey": admin_passkey,
            "temporary_password_delivery": delivery,
        }),
    ))
}
