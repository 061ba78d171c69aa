//! `idp operator …`, `idp admin …`, `idp account …`, `idp group …` and `idp grant …`: accounts,
//! administrator designation, groups and habilitations. The only secret ever printed is the
//! temporary password of a new account, once, on stdout.

use std::collections::BTreeMap;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::json;

use super::delegation::{ActAs, partner_at, principal};
use super::{Ctx, Output, parse_date};
use crate::account::email::Email;
use crate::account::login_id::LoginId;
use crate::account::{self, CreatedAccount, NewAccount};
use crate::authz::{self, At, Operation, Population, decide};
use crate::config::AccountsConfig;
use crate::convention::{self, number::ConventionNumber};
use crate::delegation::{self, AdminKind};
use crate::fund::{self, Fund, FundCode};
use crate::group;
use crate::habilitation::{self, NewGrant, Subject};
use crate::partner::{self, Partner, ids::ThirdPartyNumber};
use crate::service::{self, ServiceCode};
use crate::territory::Territory;

/// A fund and one of its partners.
#[derive(Debug, Args)]
pub struct PartnerRef {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Partner's third-party number.
    #[arg(long)]
    pub partner: String,
}

/// `idp operator …`
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Create a fund operator (fund staff, login = e-mail); prints a one-time temporary password.
    Create {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Given name.
        #[arg(long)]
        given_name: String,
        /// Family name.
        #[arg(long)]
        family_name: String,
        /// E-mail address (the login).
        #[arg(long)]
        email: String,
    },
}

/// `idp admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Designate a partner's principal or deputy administrator, replacing the current one.
    Designate {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// `principal` or `deputy`.
        #[arg(long)]
        kind: String,
        /// Login of an account of the partner.
        #[arg(long)]
        login: String,
        /// Who acts (a fund operator of the partner's fund).
        #[command(flatten)]
        who: ActAs,
    },
    /// List a partner's administrators.
    List {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
    },
}

/// `idp account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an agent's account; prints its login and a one-time temporary password.
    Create {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Given name.
        #[arg(long)]
        given_name: String,
        /// Family name.
        #[arg(long)]
        family_name: String,
        /// E-mail address (required when logins are e-mail addresses).
        #[arg(long)]
        email: Option<String>,
        /// Code of one of the partner's units.
        #[arg(long)]
        unit: Option<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// List a partner's accounts.
    List {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
    },
    /// Edit an account's profile (names, e-mail address, unit); the login never changes.
    Edit {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Login of the account.
        #[arg(long)]
        login: String,
        /// New given name.
        #[arg(long)]
        given_name: Option<String>,
        /// New family name.
        #[arg(long)]
        family_name: Option<String>,
        /// New e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Code of one of the partner's units.
        #[arg(long)]
        unit: Option<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
}

/// `idp group …`
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group of a partner's accounts.
    Create {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Name, unique within the partner.
        #[arg(long)]
        name: String,
        /// What the group is for.
        #[arg(long)]
        description: Option<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Add an account of the partner to a group (checks the quotas of the roles it holds).
    AddMember(GroupMember),
    /// Remove an account from a group.
    RemoveMember(GroupMember),
    /// List a partner's groups and their members.
    List {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
    },
}

/// A group and an account.
#[derive(Debug, Args)]
pub struct GroupMember {
    /// Fund and partner.
    #[command(flatten)]
    pub at: PartnerRef,
    /// Group name.
    #[arg(long)]
    pub group: String,
    /// Account login.
    #[arg(long)]
    pub login: String,
    /// Who acts.
    #[command(flatten)]
    pub who: ActAs,
}

/// `idp grant …`
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Grant a role of a subscribed service to an account or a group.
    Add(Box<GrantAdd>),
    /// Withdraw a habilitation (kept for history).
    Withdraw {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
        /// Habilitation id.
        #[arg(long)]
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// List a partner's habilitations.
    List {
        /// Fund and partner.
        #[command(flatten)]
        at: PartnerRef,
    },
}

/// `idp grant add`
#[derive(Debug, Args)]
pub struct GrantAdd {
    /// Fund and partner.
    #[command(flatten)]
    pub at: PartnerRef,
    /// Convention number.
    #[arg(long)]
    pub convention: String,
    /// Service code.
    #[arg(long)]
    pub service: String,
    /// Role code.
    #[arg(long)]
    pub role: String,
    /// Account login (or use --group).
    #[arg(long, conflicts_with = "group", required_unless_present = "group")]
    pub login: Option<String>,
    /// Group name (or use --login).
    #[arg(long)]
    pub group: Option<String>,
    /// Narrower territory (départements and communes), inside the convention's.
    #[arg(long)]
    pub territory: Option<String>,
    /// First day (YYYY-MM-DD, default today).
    #[arg(long)]
    pub valid_from: Option<String>,
    /// Last day (YYYY-MM-DD).
    #[arg(long)]
    pub valid_until: Option<String>,
    /// Role attribute `KEY=VALUE`, repeated (e.g. `instructor_number=1234`).
    #[arg(long = "attribute")]
    pub attributes: Vec<String>,
    /// Why the role is granted.
    #[arg(long)]
    pub reason: String,
    /// Who acts.
    #[command(flatten)]
    pub who: ActAs,
}

async fn fund_of(ctx: &Ctx, code: &str) -> anyhow::Result<Fund> {
    Ok(fund::find(&ctx.db, &FundCode::parse(code)?).await?)
}

async fn partner_of(ctx: &Ctx, at: &PartnerRef) -> anyhow::Result<(Fund, Partner)> {
    let f = fund_of(ctx, &at.fund).await?;
    let p = partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(&at.partner)?).await?;
    Ok((f, p))
}

fn created_output(what: &str, c: &CreatedAccount) -> Output {
    Output::ok(
        format!(
            "{what} {} created\nlogin: {}\ntemporary password (shown once, to change at first login before {}): {}",
            c.account.login,
            c.account.login,
            c.expires_at.date(),
            c.temporary_password.expose()
        ),
        json!({
            "account": c.account,
            "temporary_password": c.temporary_password.expose(),
            "temporary_password_expires_at": c.expires_at.unix_timestamp(),
        }),
    )
}

/// Runs `idp operator …`.
pub async fn operator(
    ctx: &Ctx,
    settings: &AccountsConfig,
    cmd: OperatorCommand,
) -> anyhow::Result<Output> {
    let OperatorCommand::Create {
        fund,
        given_name,
        family_name,
        email,
    } = cmd;
    let f = fund_of(ctx, &fund).await?;
    let new = NewAccount {
        given_name,
        family_name,
        email: Some(Email::parse(&email)?),
        unit: None,
    };
    let c = account::create_operator(&ctx.db, ctx.now(), &ctx.actor, settings, &f, new).await?;
    Ok(created_output("operator", &c))
}

/// Runs `idp admin …`.
pub async fn admin(ctx: &Ctx, cmd: AdminCommand) -> anyhow::Result<Output> {
    match cmd {
        AdminCommand::Designate {
            at,
            kind,
            login,
            who,
        } => {
            // 002 contract art. 2.2.2: the administrators' rights are managed by the fund only.
            let principal = principal(ctx, &who).await?;
            let (_, p, facts) = partner_at(ctx, &principal, &at).await?;
            decide(&principal, &Operation::SupervisePartner { at: facts })?;
            let Some(kind) = AdminKind::parse(&kind) else {
                bail!("kind must be one of {}", AdminKind::NAMES.join(", "));
            };
            let a = delegation::designate(
                &ctx.db,
                ctx.now(),
                &principal.actor,
                &p,
                kind,
                &LoginId::parse(&login)?,
            )
            .await?;
            Ok(Output::ok(
                format!(
                    "{} is now the {} administrator of {}",
                    a.account.login, a.kind, p.third_party_number
                ),
                json!({ "administrator": a }),
            ))
        }
        AdminCommand::List { at } => {
            let (_, p) = partner_of(ctx, &at).await?;
            let list = delegation::administrators(&ctx.db, &p).await?;
            let text = list
                .iter()
                .map(|a| format!("{}\t{}", a.kind, a.account.login))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "administrators": list })))
        }
    }
}

/// Runs `idp account …`.
pub async fn account(
    ctx: &Ctx,
    settings: &AccountsConfig,
    cmd: AccountCommand,
) -> anyhow::Result<Output> {
    match cmd {
        AccountCommand::Create {
            at,
            given_name,
            family_name,
            email,
            unit,
            who,
        } => {
            let principal = principal(ctx, &who).await?;
            let (f, p, facts) = partner_at(ctx, &principal, &at).await?;
            let unit = match unit {
                Some(code) => {
                    let units = partner::units(&ctx.db, &p).await?;
                    let Some(u) = units.into_iter().find(|u| u.code == code.trim()) else {
                        bail!("partner {} has no unit {code}", p.third_party_number);
                    };
                    Some(u)
                }
                None => None,
            };
            let population = Population {
                unit: unit.as_ref().map(|u| u.id),
                groups: std::collections::BTreeSet::new(),
            };
            decide(
                &principal,
                &Operation::ManageAccount {
                    at: facts,
                    population,
                },
            )?;
            let new = NewAccount {
                given_name,
                family_name,
                email: email.as_deref().map(Email::parse).transpose()?,
                unit,
            };
            let actor = &principal.actor;
            let c = account::create(&ctx.db, ctx.now(), actor, settings, &f, &p, new).await?;
            Ok(created_output("account", &c))
        }
        AccountCommand::Edit {
            at,
            login,
            given_name,
            family_name,
            email,
            unit,
            who,
        } => {
            let principal = principal(ctx, &who).await?;
            let (f, p, facts) = partner_at(ctx, &principal, &at).await?;
            let a = account::find_by_login(&ctx.db, &p, &LoginId::parse(&login)?).await?;
            let population = authz::population_of_account(&ctx.db, &a).await?;
            decide(
                &principal,
                &Operation::ManageAccount {
                    at: facts,
                    population,
                },
            )?;
            let unit = match unit {
                Some(code) => {
                    let units = partner::units(&ctx.db, &p).await?;
                    let Some(u) = units.into_iter().find(|u| u.code == code.trim()) else {
                        bail!("partner {} has no unit {code}", p.third_party_number);
                    };
                    Some(u)
                }
                None => None,
            };
            let patch = account::AccountPatch {
                given_name,
                family_name,
                email: email.as_deref().map(Email::parse).transpose()?,
                unit,
            };
            let edited =
                account::edit(&ctx.db, ctx.now(), &principal.actor, &f, &p, &a, patch).await?;
            Ok(Output::ok(
                format!(
                    "account {}: {} {}",
                    edited.login, edited.given_name, edited.family_name
                ),
                json!({ "account": edited }),
            ))
        }
        AccountCommand::List { at } => {
            let (_, p) = partner_of(ctx, &at).await?;
            let list = account::list_of_partner(&ctx.db, &p).await?;
            let text = list
                .iter()
                .map(|a| {
                    format!(
                        "{}\t{}\t{} {}",
                        a.login, a.status, a.given_name, a.family_name
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "accounts": list })))
        }
    }
}

/// Runs `idp group …`.
pub async fn group(ctx: &Ctx, cmd: GroupCommand) -> anyhow::Result<Output> {
    match cmd {
        GroupCommand::Create {
            at,
            name,
            description,
            who,
        } => {
            let principal = principal(ctx, &who).await?;
            let (_, p, facts) = partner_at(ctx, &principal, &at).await?;
            let op = Operation::ManageGroup {
                at: facts,
                group: None,
                member: None,
            };
            decide(&principal, &op)?;
            let g = group::create(
                &ctx.db,
                ctx.now(),
                &principal.actor,
                &p,
                &name,
                description.as_deref(),
            )
            .await?;
            Ok(Output::ok(
                format!("group {:?} created for {}", g.name, p.third_party_number),
                json!({ "group": g }),
            ))
        }
        GroupCommand::AddMember(m) => {
            let (principal, g, login) = on_member(ctx, &m).await?;
            group::add_member(&ctx.db, ctx.now(), &principal.actor, &g, &login).await?;
            Ok(Output::ok(
                format!("{login} added to group {:?}", g.name),
                json!({ "group": g, "added": login }),
            ))
        }
        GroupCommand::RemoveMember(m) => {
            let (principal, g, login) = on_member(ctx, &m).await?;
            group::remove_member(&ctx.db, ctx.now(), &principal.actor, &g, &login).await?;
            Ok(Output::ok(
                format!("{login} removed from group {:?}", g.name),
                json!({ "group": g, "removed": login }),
            ))
        }
        GroupCommand::List { at } => {
            let (_, p) = partner_of(ctx, &at).await?;
            let mut text = Vec::new();
            let mut out = Vec::new();
            for g in group::list_of_partner(&ctx.db, &p).await? {
                let members = group::members(&ctx.db, &g).await?;
                let logins: Vec<String> = members.iter().map(|a| a.login.to_string()).collect();
                text.push(format!("{}\t{}", g.name, logins.join(", ")));
                out.push(json!({ "group": g, "members": logins }));
            }
            Ok(Output::ok(text.join("\n"), json!({ "groups": out })))
        }
    }
}

/// The decision to change a group's members, as `authz::decide` makes it for the API.
async fn on_member(
    ctx: &Ctx,
    m: &GroupMember,
) -> anyhow::Result<(authz::Principal, group::Group, LoginId)> {
    let principal = principal(ctx, &m.who).await?;
    let (_, p, facts) = partner_at(ctx, &principal, &m.at).await?;
    let g = group::find(&ctx.db, &p, &m.group).await?;
    let login = LoginId::parse(&m.login)?;
    let member = account::find_by_login(&ctx.db, &p, &login).await?;
    let op = Operation::ManageGroup {
        at: facts,
        group: Some(g.id),
        member: Some(authz::population_of_account(&ctx.db, &member).await?),
    };
    decide(&principal, &op)?;
    Ok((principal, g, login))
}

/// A grant's decision facts: centralised when its convention is.
fn grant_at(at: At, mode: convention::lifecycle::ManagementMode) -> At {
    At {
        centralised: mode == convention::lifecycle::ManagementMode::Centralised,
        ..at
    }
}

/// Who holds (or will hold) a habilitation, for scope checks.
async fn population(ctx: &Ctx, subject: Subject) -> anyhow::Result<Population> {
    Ok(match subject {
        Subject::Group(g) => authz::population_of_group(g),
        Subject::Account(id) => match authz::lookup::account(&ctx.db, id).await? {
            Some(a) => authz::population_of_account(&ctx.db, &a).await?,
            None => bail!("not found"),
        },
    })
}

fn parse_attributes(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_owned(), v.trim().to_owned())),
            None => bail!("attribute {item:?} must be KEY=VALUE"),
        })
        .collect()
}

/// Runs `idp grant …`.
pub async fn grant(ctx: &Ctx, cmd: GrantCommand) -> anyhow::Result<Output> {
    match cmd {
        GrantCommand::Add(a) => grant_add(ctx, *a).await,
        GrantCommand::Withdraw {
            at,
            id,
            reason,
            who,
        } => {
            let principal = principal(ctx, &who).await?;
            let (f, p, facts) = partner_at(ctx, &principal, &at).await?;
            let before = habilitation::find(&ctx.db, &p, id).await?;
            let Some(c) = authz::lookup::convention(&ctx.db, before.convention_id).await? else {
                bail!("not found");
            };
            let s = service::find(&ctx.db, &f, &before.service).await?;
            let op = Operation::Grant {
                at: grant_at(facts, c.management_mode),
                service_id: s.id,
                role_id: before.role_id,
                subject: population(ctx, before.subject).await?,
            };
            decide(&principal, &op)?;
            let actor = &principal.actor;
            let h = habilitation::withdraw(&ctx.db, ctx.now(), actor, &p, id, &reason).await?;
            let affected = habilitation::affected_accounts(&ctx.db, &h).await?;
            ctx.end_service_access(h.subscription_id, &affected).await?;
            Ok(Output::ok(
                format!("habilitation {} withdrawn ({} {})", h.id, h.service, h.role),
                json!({ "habilitation": h }),
            ))
        }
        GrantCommand::List { at } => {
            let (_, p) = partner_of(ctx, &at).await?;
            let list = habilitation::list_of_partner(&ctx.db, &p).await?;
            let text = list
                .iter()
                .map(|h| {
                    let subject = match h.subject {
                        Subject::Account(id) => format!("account:{id}"),
                        Subject::Group(id) => format!("group:{id}"),
                    };
                    format!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        h.id,
                        h.service,
                        h.role,
                        subject,
                        h.status,
                        h.territory
                            .as_ref()
                            .map_or_else(|| "(convention)".to_owned(), ToString::to_string)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "habilitations": list })))
        }
    }
}

async fn grant_add(ctx: &Ctx, a: GrantAdd) -> anyhow::Result<Output> {
    let principal = principal(ctx, &a.who).await?;
    let (f, p, facts) = partner_at(ctx, &principal, &a.at).await?;
    let c = convention::find(&ctx.db, &f, &ConventionNumber::parse(&a.convention)?).await?;
    if c.partner_id != p.id {
        bail!(
            "convention {} is not a convention of partner {}",
            c.number,
            p.third_party_number
        );
    }
    let s = service::find(&ctx.db, &f, &ServiceCode::parse(&a.service)?).await?;
    let subject = match (&a.login, &a.group) {
        (Some(login), None) => Subject::Account(
            account::find_by_login(&ctx.db, &p, &LoginId::parse(login)?)
                .await?
                .id,
        ),
        (None, Some(name)) => Subject::Group(group::find(&ctx.db, &p, name).await?.id),
        _ => bail!("give exactly one of --login and --group"),
    };
    let op = Operation::Grant {
        at: grant_at(facts, c.management_mode),
        service_id: s.id,
        role_id: s.role(&a.role).map_or(0, |r| r.id),
        subject: population(ctx, subject).await?,
    };
    decide(&principal, &op)?;
    let valid_from = match &a.valid_from {
        Some(d) => parse_date(d)?,
        None => ctx.now().date(),
    };
    let h = habilitation::grant(
        &ctx.db,
        ctx.now(),
        &principal.actor,
        NewGrant {
            convention: &c,
            service: &s,
            role: &a.role,
            subject,
            territory: a
                .territory
                .as_deref()
                .map(Territory::parse_list)
                .transpose()?,
            valid_from,
            valid_until: a.valid_until.as_deref().map(parse_date).transpose()?,
            attributes: parse_attributes(&a.attributes)?,
            reason: a.reason,
        },
    )
    .await?;
    Ok(Output::ok(
        format!(
            "habilitation {} granted: {} {} under {}",
            h.id, h.service, h.role, c.number
        ),
        json!({ "habilitation": h }),
    ))
}
