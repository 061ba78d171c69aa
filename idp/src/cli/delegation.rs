//! `idp manager …`, `idp request …` and `idp supervise …`: delegated managers, access requests
//! (centralised mode) and the fund's supervision. Each command accepts `--as LOGIN` to act as
//! that person: the same authorisation rules as the admin API apply (`authz::decide`) and the
//! trace names the person. Without it, the installation administrator acts (every right).

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::access::PartnerRef;
use super::{Ctx, Output};
use crate::access_request::{self, Payload};
use crate::account::login_id::LoginId;
use crate::authz::{self, At, Operation, Principal, Scope, decide};
use crate::config::AccountsConfig;
use crate::convention::{self, lifecycle::ManagementMode, number::ConventionNumber};
use crate::delegation;
use crate::fund::{self, Fund, FundCode};
use crate::partner::{self, Partner, PartnerKind, ids::ThirdPartyNumber};
use crate::supervision::{self, PartnerEdit};

/// Who acts.
#[derive(Debug, Args)]
pub struct ActAs {
    /// Act as this person (their roles decide); default: the installation administrator.
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: Option<String>,
}

/// `idp manager …`
#[derive(Debug, Subcommand)]
pub enum ManagerCommand {
    /// Appoint a delegated manager of a partner with a scope (only ever a subset of the
    /// appointer's own).
    Appoint {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Login of an account of the partner.
        #[arg(long)]
        login: String,
        /// Service code they may grant roles of (repeat; none: every service).
        #[arg(long = "service")]
        services: Vec<String>,
        /// Role code `SERVICE:ROLE` they may grant (repeat; none: every role).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Group name whose members they administer (repeat).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// Unit code whose accounts they administer (repeat; no group and no unit: everyone).
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Whether they may appoint managers in turn.
        #[arg(long)]
        may_delegate: bool,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// List a partner's delegated managers.
    List {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Revoke a delegated manager.
    Revoke {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// The manager's id (from `manager list`).
        #[arg(long)]
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
}

/// `idp request …`
#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// File an access request as a partner administrator (`--as` is required).
    File {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// The request as JSON, e.g. `{"kind":"withdraw","habilitation":12,"reason":"départ"}`
        /// (kinds: create_account, grant, withdraw, modify; see docs/delegation.md).
        #[arg(long)]
        payload: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// List a partner's requests, or the fund's queue without `--partner`.
    List {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Partner's third-party number.
        #[arg(long)]
        partner: Option<String>,
        /// Only this status (pending, approved, rejected).
        #[arg(long)]
        status: Option<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Approve a request: applies it with the rules of a direct change.
    Approve {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Request id.
        #[arg(long)]
        id: i64,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Reject a request with a reason.
    Reject {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Request id.
        #[arg(long)]
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
}

/// `idp supervise …`
#[derive(Debug, Subcommand)]
pub enum SuperviseCommand {
    /// Suspend a partner: every access under it pauses at once.
    PartnerSuspend {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Reactivate a suspended partner.
    PartnerReactivate {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Edit a partner's name, SIRET, kind or e-mail.
    PartnerEdit {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New SIRET.
        #[arg(long)]
        siret: Option<String>,
        /// New kind.
        #[arg(long)]
        kind: Option<String>,
        /// New contact e-mail.
        #[arg(long)]
        email: Option<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Suspend an account as a precaution.
    AccountSuspend {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// The account's login.
        #[arg(long)]
        login: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Reactivate a suspended account.
    AccountReactivate {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// The account's login.
        #[arg(long)]
        login: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Switch a convention between delegated and centralised management.
    SetMode {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Convention number.
        #[arg(long)]
        convention: String,
        /// `delegated` or `centralised`.
        #[arg(long)]
        mode: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
}

pub(super) async fn principal(ctx: &Ctx, who: &ActAs) -> anyhow::Result<Principal> {
    let Some(login) = &who.as_login else {
        return Ok(Principal::installation(ctx.actor.clone()));
    };
    let account = authz::lookup::account_by_login(&ctx.db, &LoginId::parse(login)?)
        .await?
        .with_context(|| format!("no account {login}"))?;
    Ok(authz::load(&ctx.db, &account).await?)
}

async fn fund_of(ctx: &Ctx, code: &str) -> anyhow::Result<Fund> {
    Ok(fund::find(&ctx.db, &FundCode::parse(code)?).await?)
}

/// The fund and partner, and the decision facts — refused as "not found" when the person may
/// not know the partner.
pub(super) async fn partner_at(
    ctx: &Ctx,
    p: &Principal,
    at: &PartnerRef,
) -> anyhow::Result<(Fund, Partner, At)> {
    let f = fund_of(ctx, &at.fund).await?;
    let partner = partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(&at.partner)?).await?;
    let facts = authz::at_partner(&ctx.db, &partner).await?;
    if !p.sees_partner(facts.fund_id, facts.partner_id) {
        bail!("not found");
    }
    Ok((f, partner, facts))
}

/// Runs `idp manager …`.
pub async fn manager(ctx: &Ctx, cmd: ManagerCommand) -> anyhow::Result<Output> {
    match cmd {
        ManagerCommand::Appoint {
            at,
            login,
            services,
            roles,
            groups,
            units,
            may_delegate,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let (f, partner, facts) = partner_at(ctx, &p, &at).await?;
            let scope = scope_of(ctx, &f, &partner, &services, &roles, &groups, &units).await?;
            decide(
                &p,
                &Operation::AppointManager {
                    at: facts,
                    scope: scope.clone(),
                    may_delegate,
                },
            )?;
            let m = delegation::appoint_manager(
                &ctx.db,
                ctx.now(),
                &p.actor,
                &partner,
                &LoginId::parse(&login)?,
                &scope,
                may_delegate,
            )
            .await?;
            Ok(Output::ok(
                format!("{} is a delegated manager (id {})", m.account.login, m.id),
                json!({ "manager": m }),
            ))
        }
        ManagerCommand::List { at, who } => {
            let p = principal(ctx, &who).await?;
            let (_, partner, facts) = partner_at(ctx, &p, &at).await?;
            decide(&p, &Operation::ViewPartner { at: facts })?;
            let list = delegation::managers(&ctx.db, &partner).await?;
            let text = list
                .iter()
                .map(|m| format!("{}\t{}\t{}", m.id, m.account.login, json!(m.scope)))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "managers": list })))
        }
        ManagerCommand::Revoke {
            at,
            id,
            reason,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let (_, partner, facts) = partner_at(ctx, &p, &at).await?;
            let m = delegation::find_manager(&ctx.db, &partner, id).await?;
            decide(
                &p,
                &Operation::AppointManager {
                    at: facts,
                    scope: m.scope.clone(),
                    may_delegate: m.may_delegate,
                },
            )?;
            let m = delegation::revoke_manager(&ctx.db, ctx.now(), &p.actor, &partner, id, &reason)
                .await?;
            Ok(Output::ok(
                format!("{} is no longer a delegated manager", m.account.login),
                json!({ "revoked": m }),
            ))
        }
    }
}

/// Turns codes and names into a scope of ids, all of the partner (or its fund).
async fn scope_of(
    ctx: &Ctx,
    f: &Fund,
    partner: &Partner,
    services: &[String],
    roles: &[String],
    groups: &[String],
    units: &[String],
) -> anyhow::Result<Scope> {
    let catalogue = crate::service::list(&ctx.db, f).await?;
    let mut service_ids = BTreeSet::new();
    for code in services {
        let s = catalogue
            .iter()
            .find(|s| s.code.as_str().eq_ignore_ascii_case(code.trim()))
            .with_context(|| format!("no service {code}"))?;
        service_ids.insert(s.id);
    }
    let mut role_ids = BTreeSet::new();
    for spec in roles {
        let (svc, role) = spec
            .split_once(':')
            .with_context(|| format!("role {spec:?} must be SERVICE:ROLE"))?;
        let r = catalogue
            .iter()
            .find(|s| s.code.as_str().eq_ignore_ascii_case(svc.trim()))
            .and_then(|s| s.role(role))
            .with_context(|| format!("no role {spec}"))?;
        role_ids.insert(r.id);
    }
    let mut group_ids = BTreeSet::new();
    for name in groups {
        group_ids.insert(crate::group::find(&ctx.db, partner, name).await?.id);
    }
    let all_units = partner::units(&ctx.db, partner).await?;
    let mut unit_ids = BTreeSet::new();
    for code in units {
        let u = all_units
            .iter()
            .find(|u| u.code.eq_ignore_ascii_case(code.trim()))
            .with_context(|| format!("no unit {code}"))?;
        unit_ids.insert(u.id);
    }
    let some = |s: BTreeSet<i64>| (!s.is_empty()).then_some(s);
    let population = !group_ids.is_empty() || !unit_ids.is_empty();
    Ok(Scope {
        services: some(service_ids),
        roles: some(role_ids),
        groups: population.then_some(group_ids),
        units: population.then_some(unit_ids),
    })
}

/// Runs `idp request …`.
pub async fn request(
    ctx: &Ctx,
    config: &crate::config::Config,
    cmd: RequestCommand,
) -> anyhow::Result<Output> {
    let settings: &AccountsConfig = &config.accounts;
    match cmd {
        RequestCommand::File { at, payload, who } => {
            let p = principal(ctx, &who).await?;
            if p.account_id.is_none() {
                bail!("a request is filed by a person: give --as LOGIN");
            }
            let (_, partner, facts) = partner_at(ctx, &p, &at).await?;
            decide(&p, &Operation::FileRequest { at: facts })?;
            let payload: Payload =
                serde_json::from_str(&payload).context("--payload is not a valid request")?;
            let r = access_request::file(&ctx.db, ctx.now(), &p.actor, &partner, payload).await?;
            Ok(Output::ok(
                format!("access request {} filed ({})", r.id, r.payload.kind()),
                json!({ "request": r }),
            ))
        }
        RequestCommand::List {
            fund,
            partner,
            status,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let list = match partner {
                Some(tpn) => {
                    let at = PartnerRef {
                        fund: fund.clone(),
                        partner: tpn,
                    };
                    let (_, partner, facts) = partner_at(ctx, &p, &at).await?;
                    decide(&p, &Operation::ViewPartner { at: facts })?;
                    access_request::of_partner(&ctx.db, &partner).await?
                }
                None => {
                    let f = fund_of(ctx, &fund).await?;
                    decide(&p, &Operation::ViewFund { fund_id: f.id })?;
                    access_request::of_fund(&ctx.db, &f).await?
                }
            };
            let list: Vec<_> = list
                .into_iter()
                .filter(|r| status.as_deref().is_none_or(|s| r.status.as_str() == s))
                .collect();
            let text = list
                .iter()
                .map(|r| format!("{}\t{}\t{}", r.id, r.payload.kind(), r.status))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "requests": list })))
        }
        RequestCommand::Approve { at, id, who } => {
            let p = principal(ctx, &who).await?;
            let (f, partner, facts) = partner_at(ctx, &p, &at).await?;
            decide(&p, &Operation::DecideRequest { at: facts })?;
            let out =
                access_request::approve(&ctx.db, ctx.now(), &p.actor, settings, &f, &partner, id)
                    .await?;
            // A withdrawn (or shortened) habilitation ends its holders' tokens at the service.
            if let Some(sub) = out
                .subscription_id
                .filter(|_| !out.affected_accounts.is_empty())
            {
                ctx.end_service_access(sub, &out.affected_accounts).await?;
            }
            let emailed = mail_requester(ctx, config, out.request.requested_by).await;
            let password = out.temporary_password.as_ref().map(|s| s.expose());
            let mut text = format!("access request {id} approved and applied");
            if let Some(pw) = password {
                text.push_str(&format!("\ntemporary password (shown once): {pw}"));
            }
            Ok(Output::ok(
                text,
                json!({ "request": out.request, "affected_accounts": out.affected_accounts,
                        "temporary_password": password, "emailed": emailed }),
            ))
        }
        RequestCommand::Reject {
            at,
            id,
            reason,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let (_, partner, facts) = partner_at(ctx, &p, &at).await?;
            decide(&p, &Operation::DecideRequest { at: facts })?;
            let r =
                access_request::reject(&ctx.db, ctx.now(), &p.actor, &partner, id, &reason).await?;
            let emailed = mail_requester(ctx, config, r.requested_by).await;
            Ok(Output::ok(
                format!("access request {id} rejected"),
                json!({ "request": r, "emailed": emailed }),
            ))
        }
    }
}

/// E-mails the requester the decision (through `[mail]`); how many messages went. The decision
/// is committed already: a mail failure is reported on stderr, never undoes it.
async fn mail_requester(ctx: &Ctx, config: &crate::config::Config, requester: i64) -> usize {
    let sent = match crate::mail::Mailer::from_config(&config.mail) {
        Ok(mailer) => access_request::mail_notifications(&ctx.db, &mailer, ctx.now(), requester)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    sent.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the requester could not be e-mailed");
        0
    })
}

/// Runs `idp supervise …`.
pub async fn supervise(ctx: &Ctx, cmd: SuperviseCommand) -> anyhow::Result<Output> {
    match cmd {
        SuperviseCommand::PartnerSuspend { at, reason, who } => {
            partner_status(ctx, &at, &who, true, &reason).await
        }
        SuperviseCommand::PartnerReactivate { at, who } => {
            partner_status(ctx, &at, &who, false, "").await
        }
        SuperviseCommand::PartnerEdit {
            at,
            name,
            siret,
            kind,
            email,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let (f, partner, facts) = partner_at(ctx, &p, &at).await?;
            decide(
                &p,
                &Operation::ManageRegister {
                    fund_id: facts.fund_id,
                },
            )?;
            let edit = PartnerEdit {
                name,
                siret: siret
                    .as_deref()
                    .map(partner::ids::Siret::parse)
                    .transpose()?,
                kind: match kind {
                    Some(k) => Some(PartnerKind::parse(&k).with_context(|| {
                        format!("kind must be one of {}", PartnerKind::NAMES.join(", "))
                    })?),
                    None => None,
                },
                email: email
                    .as_deref()
                    .map(crate::account::email::Email::parse)
                    .transpose()?,
            };
            let out =
                supervision::edit_partner(&ctx.db, ctx.now(), &p.actor, &f, &partner, edit).await?;
            Ok(Output::ok(
                format!("partner {} updated", out.third_party_number),
                json!({ "partner": out }),
            ))
        }
        SuperviseCommand::AccountSuspend {
            fund,
            login,
            reason,
            who,
        } => account_status(ctx, &fund, &login, &who, true, &reason).await,
        SuperviseCommand::AccountReactivate { fund, login, who } => {
            account_status(ctx, &fund, &login, &who, false, "").await
        }
        SuperviseCommand::SetMode {
            fund,
            convention,
            mode,
            reason,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let f = fund_of(ctx, &fund).await?;
            let c = convention::find(&ctx.db, &f, &ConventionNumber::parse(&convention)?).await?;
            let partner = authz::lookup::partner(&ctx.db, c.partner_id)
                .await?
                .context("convention without partner")?;
            let facts = authz::at_partner(&ctx.db, &partner).await?;
            if !p.sees_partner(facts.fund_id, facts.partner_id) {
                bail!("not found");
            }
            decide(&p, &Operation::SupervisePartner { at: facts })?;
            let mode = ManagementMode::parse(&mode)?;
            let c = supervision::set_management_mode(
                &ctx.db,
                ctx.now(),
                &p.actor,
                &f,
                &c,
                mode,
                &reason,
            )
            .await?;
            Ok(Output::ok(
                format!(
                    "convention {} is now {}",
                    c.number,
                    c.management_mode.as_str()
                ),
                json!({ "convention": c }),
            ))
        }
    }
}

async fn partner_status(
    ctx: &Ctx,
    at: &PartnerRef,
    who: &ActAs,
    suspend: bool,
    reason: &str,
) -> anyhow::Result<Output> {
    let p = principal(ctx, who).await?;
    let (f, partner, facts) = partner_at(ctx, &p, at).await?;
    decide(&p, &Operation::SupervisePartner { at: facts })?;
    let out = supervision::set_partner_status(
        &ctx.db,
        ctx.now(),
        &p.actor,
        &f,
        &partner,
        suspend,
        reason,
    )
    .await?;
    if suspend {
        ctx.end_access(&out.affected_accounts).await?;
    }
    Ok(Output::ok(
        format!(
            "partner {} is {} ({} accounts affected)",
            out.object.third_party_number,
            out.object.status.as_str(),
            out.affected_accounts.len()
        ),
        json!(out),
    ))
}

async fn account_status(
    ctx: &Ctx,
    fund: &str,
    login: &str,
    who: &ActAs,
    suspend: bool,
    reason: &str,
) -> anyhow::Result<Output> {
    let p = principal(ctx, who).await?;
    let f = fund_of(ctx, fund).await?;
    let account = authz::lookup::account_by_login(&ctx.db, &LoginId::parse(login)?)
        .await?
        .filter(|a| a.fund_id == f.id)
        .with_context(|| format!("no account {login} in this fund"))?;
    let partner_id = account
        .partner_id
        .context("fund staff accounts are not suspended here")?;
    let partner = authz::lookup::partner(&ctx.db, partner_id)
        .await?
        .context("account without partner")?;
    let facts = authz::at_partner(&ctx.db, &partner).await?;
    if !p.sees_partner(facts.fund_id, facts.partner_id) {
        bail!("not found");
    }
    decide(&p, &Operation::SuperviseAccount { at: facts })?;
    let out = supervision::set_account_suspended(
        &ctx.db,
        ctx.now(),
        &p.actor,
        &f,
        &account,
        suspend,
        reason,
    )
    .await?;
    if suspend {
        ctx.end_access(&out.affected_accounts).await?;
    }
    Ok(Output::ok(
        format!("account {} is {}", out.object.login, out.object.status),
        json!(out),
    ))
}
