//! `idp partner …`, `idp unit …`, `idp convention …` and `idp subscription …`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Output, parse_date};
use crate::convention::lifecycle::{ConventionAction, ManagementMode};
use crate::convention::number::ConventionNumber;
use crate::convention::{self, NewConvention};
use crate::fund::{self, Fund, FundCode};
use crate::partner::ids::{Siret, ThirdPartyNumber};
use crate::partner::{self, NewPartner};
use crate::service::{self, ServiceCode};
use crate::subscription::{self, SubscriptionInput};
use crate::territory::Territory;

/// `idp partner …`
#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Add a partner to a fund's third-party register.
    Create(PartnerCreate),
    /// Import a fund's third-party register from CSV (`;` or `,` separated, header naming
    /// third_party_number, siret, name, kind, email); every line is checked first.
    Import {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// The CSV file.
        file: PathBuf,
    },
    /// List a fund's partners.
    List {
        /// Fund code.
        #[arg(long)]
        fund: String,
    },
}

/// `idp partner create`
#[derive(Debug, Args)]
pub struct PartnerCreate {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Number in the fund's third-party register, e.g. `79A69243`.
    #[arg(long = "third-party")]
    pub third_party: String,
    /// Name.
    #[arg(long)]
    pub name: String,
    /// commune, departement, childcare_operator, childcare_structure, information_point, other.
    #[arg(long)]
    pub kind: String,
    /// SIRET (14 digits).
    #[arg(long)]
    pub siret: Option<String>,
    /// Contact e-mail.
    #[arg(long)]
    pub email: Option<String>,
}

/// `idp unit …`
#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Add a unit to a partner (e.g. a childcare structure of an operator).
    Create {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Partner's third-party number.
        #[arg(long)]
        partner: String,
        /// Unit code, unique within the partner.
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// SIRET of the unit.
        #[arg(long)]
        siret: Option<String>,
    },
    /// List a partner's units.
    List {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Partner's third-party number.
        #[arg(long)]
        partner: String,
    },
}

/// `idp convention …`
#[derive(Debug, Subcommand)]
pub enum ConventionCommand {
    /// Create a convention between a fund and a partner (as a draft).
    Create(ConventionCreate),
    /// Activate a draft convention.
    Activate(ConventionRef),
    /// Suspend an active convention: every access under it stops at once.
    Suspend(ConventionRef),
    /// Reactivate a suspended convention.
    Reactivate(ConventionRef),
    /// Terminate a convention: every habilitation under it is withdrawn.
    Terminate(ConventionRef),
    /// List a fund's conventions.
    List {
        /// Fund code.
        #[arg(long)]
        fund: String,
    },
    /// Show a convention with its term: current period, next tacit renewal and the last day
    /// a termination letter may be received (3 months' notice, 002 art. 17).
    Show {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Convention number.
        #[arg(long)]
        number: String,
    },
}

/// `idp convention create`
#[derive(Debug, Args)]
pub struct ConventionCreate {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Partner's third-party number.
    #[arg(long)]
    pub partner: String,
    /// Convention number, e.g. `79-2017-19`.
    #[arg(long)]
    pub number: String,
    /// Effective date (YYYY-MM-DD).
    #[arg(long)]
    pub effective_from: String,
    /// Signature date (YYYY-MM-DD).
    #[arg(long)]
    pub signed_on: Option<String>,
    /// `delegated` (default) or `centralised`.
    #[arg(long, default_value = "delegated")]
    pub mode: String,
    /// Territory: départements and INSEE commune codes, e.g. `79` or `91232`.
    #[arg(long)]
    pub territory: String,
    /// Stated mission (finalité).
    #[arg(long)]
    pub mission: String,
}

/// A convention and an optional reason.
#[derive(Debug, Args)]
pub struct ConventionRef {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Convention number.
    #[arg(long)]
    pub number: String,
    /// Reason (required to suspend or terminate).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `idp subscription …`
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Open a service under a convention, or change its quotas.
    Set(SubscriptionSet),
    /// List a convention's subscriptions and quotas.
    List {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Convention number.
        #[arg(long)]
        convention: String,
    },
}

/// `idp subscription set`
#[derive(Debug, Args)]
pub struct SubscriptionSet {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Convention number.
    #[arg(long)]
    pub convention: String,
    /// Service code.
    #[arg(long)]
    pub service: String,
    /// Quota of a role, `ROLE=N`, repeated (e.g. `--quota T1=10 --quota T2=5`).
    #[arg(long = "quota")]
    pub quotas: Vec<String>,
    /// Maximum distinct accounts for the whole service.
    #[arg(long)]
    pub total: Option<u32>,
    /// Opening date (YYYY-MM-DD, default today).
    #[arg(long)]
    pub opened_on: Option<String>,
}

async fn fund_of(ctx: &Ctx, code: &str) -> anyhow::Result<Fund> {
    Ok(fund::find(&ctx.db, &FundCode::parse(code)?).await?)
}

/// Runs `idp partner …`.
pub async fn partner(ctx: &Ctx, cmd: PartnerCommand) -> anyhow::Result<Output> {
    match cmd {
        PartnerCommand::Create(a) => {
            let f = fund_of(ctx, &a.fund).await?;
            let new = NewPartner::parse(
                &a.third_party,
                a.siret.as_deref(),
                &a.name,
                &a.kind,
                a.email.as_deref(),
            )?;
            let p = partner::create(&ctx.db, ctx.now(), &ctx.actor, &f, new).await?;
            Ok(Output::ok(
                format!(
                    "partner {} created in {}: {}",
                    p.third_party_number, f.code, p.name
                ),
                json!({ "partner": p }),
            ))
        }
        PartnerCommand::Import { fund, file } => {
            let f = fund_of(ctx, &fund).await?;
            let reader = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let report = partner::import_csv(&ctx.db, ctx.now(), &ctx.actor, &f, reader).await?;
            Ok(Output::ok(
                format!(
                    "register imported into {}: {} created, {} updated, {} unchanged",
                    f.code, report.created, report.updated, report.unchanged
                ),
                json!({ "import": report }),
            ))
        }
        PartnerCommand::List { fund } => {
            let f = fund_of(ctx, &fund).await?;
            let partners = partner::list(&ctx.db, &f).await?;
            let text = partners
                .iter()
                .map(|p| {
                    format!(
                        "{}\t{}\t{}\t{}",
                        p.third_party_number,
                        p.kind.as_str(),
                        p.status.as_str(),
                        p.name
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "partners": partners })))
        }
    }
}

/// Runs `idp unit …`.
pub async fn unit(ctx: &Ctx, cmd: UnitCommand) -> anyhow::Result<Output> {
    let (fund, number, code, name, siret) = match cmd {
        UnitCommand::Create {
            fund,
            partner,
            code,
            name,
            siret,
        } => (fund, partner, code, name, siret),
        UnitCommand::List { fund, partner } => {
            let f = fund_of(ctx, &fund).await?;
            let p = partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(&partner)?).await?;
            let units = partner::units(&ctx.db, &p).await?;
            let text = units
                .iter()
                .map(|u| format!("{}\t{}", u.code, u.name))
                .collect::<Vec<_>>()
                .join("\n");
            return Ok(Output::ok(text, json!({ "units": units })));
        }
    };
    let f = fund_of(ctx, &fund).await?;
    let p = partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(&number)?).await?;
    let siret = siret.as_deref().map(Siret::parse).transpose()?;
    let u = partner::create_unit(&ctx.db, ctx.now(), &ctx.actor, &p, &code, &name, siret).await?;
    Ok(Output::ok(
        format!(
            "unit {} created for {}: {}",
            u.code, p.third_party_number, u.name
        ),
        json!({ "unit": u }),
    ))
}

/// Runs `idp convention …`.
pub async fn convention(ctx: &Ctx, cmd: ConventionCommand) -> anyhow::Result<Output> {
    let (r, action) = match cmd {
        ConventionCommand::Create(a) => return create_convention(ctx, a).await,
        ConventionCommand::List { fund } => {
            let f = fund_of(ctx, &fund).await?;
            let list = convention::list(&ctx.db, &f).await?;
            let text = list
                .iter()
                .map(|c| {
                    format!(
                        "{}\t{}\t{}\t{}",
                        c.number,
                        c.status.as_str(),
                        c.management_mode.as_str(),
                        c.territory
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            return Ok(Output::ok(text, json!({ "conventions": list })));
        }
        ConventionCommand::Show { fund, number } => {
            let f = fund_of(ctx, &fund).await?;
            let c = convention::find(&ctx.db, &f, &ConventionNumber::parse(&number)?).await?;
            let term = c.term.schedule(ctx.now().date());
            let date = |d: Option<time::Date>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
            let text = format!(
                "convention {} ({}, {})\neffective from {}; period {} to {}\n\
                 next tacit renewal: {}\nlast day to receive a termination letter: {}{}",
                c.number,
                c.status.as_str(),
                c.management_mode.as_str(),
                term.effective_from,
                date(term.period_start),
                date(term.period_end),
                date(term.next_renewal),
                date(term.notice_deadline),
                if term.notice_deadline_passed {
                    " (passed)"
                } else {
                    ""
                },
            );
            return Ok(Output::ok(text, json!({ "convention": c, "term": term })));
        }
        ConventionCommand::Activate(r) => (r, ConventionAction::Activate),
        ConventionCommand::Suspend(r) => (r, ConventionAction::Suspend),
        ConventionCommand::Reactivate(r) => (r, ConventionAction::Reactivate),
        ConventionCommand::Terminate(r) => (r, ConventionAction::Terminate),
    };
    let f = fund_of(ctx, &r.fund).await?;
    let number = ConventionNumber::parse(&r.number)?;
    let out = convention::apply(
        &ctx.db,
        ctx.now(),
        &ctx.actor,
        &f,
        &number,
        action,
        r.reason.as_deref(),
    )
    .await?;
    // Suspension and termination end the access of everyone under the convention at once.
    if matches!(
        action,
        ConventionAction::Suspend | ConventionAction::Terminate
    ) {
        ctx.end_access(&out.affected_accounts).await?;
    }
    let mut text = format!(
        "convention {} is now {}",
        out.convention.number,
        out.convention.status.as_str()
    );
    if out.withdrawn_habilitations > 0 {
        text.push_str(&format!(
            "; {} habilitation(s) withdrawn",
            out.withdrawn_habilitations
        ));
    }
    Ok(Output::ok(
        text,
        json!({ "convention": out.convention, "withdrawn_habilitations": out.withdrawn_habilitations }),
    ))
}

async fn create_convention(ctx: &Ctx, a: ConventionCreate) -> anyhow::Result<Output> {
    let f = fund_of(ctx, &a.fund).await?;
    let p = partner::find(&ctx.db, &f, &ThirdPartyNumber::parse(&a.partner)?).await?;
    let new = NewConvention {
        number: ConventionNumber::parse(&a.number)?,
        signed_on: a.signed_on.as_deref().map(parse_date).transpose()?,
        effective_from: parse_date(&a.effective_from)?,
        management_mode: ManagementMode::parse(&a.mode)?,
        mission: a.mission,
        territory: Territory::parse_list(&a.territory)?,
    };
    let c = convention::create(&ctx.db, ctx.now(), &ctx.actor, &f, &p, new).await?;
    Ok(Output::ok(
        format!(
            "convention {} created (draft) between {} and {}",
            c.number, f.code, p.third_party_number
        ),
        json!({ "convention": c }),
    ))
}

/// Runs `idp subscription …`.
pub async fn subscription(ctx: &Ctx, cmd: SubscriptionCommand) -> anyhow::Result<Output> {
    match cmd {
        SubscriptionCommand::Set(a) => {
            let f = fund_of(ctx, &a.fund).await?;
            let c = convention::find(&ctx.db, &f, &ConventionNumber::parse(&a.convention)?).await?;
            let s = service::find(&ctx.db, &f, &ServiceCode::parse(&a.service)?).await?;
            let quotas = a
                .quotas
                .iter()
                .map(|q| parse_quota(q))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let opened_on = match a.opened_on.as_deref() {
                Some(d) => parse_date(d)?,
                None => ctx.now().date(),
            };
            let input = SubscriptionInput {
                opened_on,
                total_quota: a.total,
                quotas,
            };
            let sub = subscription::set(&ctx.db, ctx.now(), &ctx.actor, &c, &s, input).await?;
            let quotas: Vec<String> = sub
                .quotas
                .iter()
                .map(|q| format!("{}={}", q.role, q.max_holders))
                .collect();
            Ok(Output::ok(
                format!(
                    "convention {} subscribes to {}: {}",
                    c.number,
                    s.code,
                    quotas.join(" ")
                ),
                json!({ "subscription": sub }),
            ))
        }
        SubscriptionCommand::List {
            fund,
            convention: number,
        } => {
            let f = fund_of(ctx, &fund).await?;
            let c = convention::find(&ctx.db, &f, &ConventionNumber::parse(&number)?).await?;
            let subs = subscription::of_convention(&ctx.db, &c).await?;
            let services = service::list(&ctx.db, &f).await?;
            let code_of = |id: i64| {
                services
                    .iter()
                    .find(|s| s.id == id)
                    .map_or_else(|| format!("#{id}"), |s| s.code.to_string())
            };
            let text = subs
                .iter()
                .map(|s| {
                    let q: Vec<String> = s
                        .quotas
                        .iter()
                        .map(|q| format!("{}={}", q.role, q.max_holders))
                        .collect();
                    format!(
                        "{}\t{}\t{}",
                        code_of(s.service_id),
                        if s.active { "active" } else { "closed" },
                        q.join(" ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "subscriptions": subs })))
        }
    }
}

/// `T2=10` → (`T2`, 10).
fn parse_quota(s: &str) -> anyhow::Result<(String, u32)> {
    let (role, n) = s
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("quota {s:?} must be ROLE=N, e.g. T2=10"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("quota {s:?}: {n:?} is not a whole number"))?;
    Ok((role.trim().to_owned(), n))
}
