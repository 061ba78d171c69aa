//! `idp fund …` and `idp service …`: the fund's catalogue.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Output, parse_departements};
use crate::fund::{self, FundCode, FundKind, LoginPolicy, NewFund};
use crate::service::{self, NewRole, NewService, ServiceCode};

/// `idp fund …`
#[derive(Debug, Subcommand)]
pub enum FundCommand {
    /// Create a fund (a Caf or an MSA fund).
    Create(FundCreate),
    /// List the funds.
    List,
}

/// `idp fund create`
#[derive(Debug, Args)]
pub struct FundCreate {
    /// Stable code, e.g. `caf-79`.
    #[arg(long)]
    pub code: String,
    /// Name, e.g. "Caf des Deux-Sèvres".
    #[arg(long)]
    pub name: String,
    /// `caf` or `msa`.
    #[arg(long)]
    pub kind: String,
    /// Départements covered, comma-separated, e.g. `79` or `79,86`.
    #[arg(long)]
    pub departements: String,
    /// How login identifiers are made: `generated` (default) or `email`.
    #[arg(long, default_value = "generated")]
    pub login_policy: String,
}

/// `idp service …`
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Create a consultation service of a fund, with its roles.
    Create(ServiceCreate),
    /// List a fund's services and their roles.
    List {
        /// Fund code.
        #[arg(long)]
        fund: String,
    },
}

/// `idp service create`
#[derive(Debug, Args)]
pub struct ServiceCreate {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Service code, e.g. `cdap`.
    #[arg(long)]
    pub code: String,
    /// Name.
    #[arg(long)]
    pub name: String,
    /// Description.
    #[arg(long, default_value = "")]
    pub description: String,
    /// A role: `CODE[:LABEL[:REQUIRED_ATTRIBUTE[:ATTRIBUTE_LABEL]]]`, repeated,
    /// e.g. `--role T1 --role "T4:Profil T4:instructor_number:Numéro d'instructeur"`.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
}

/// Runs `idp fund …`.
pub async fn fund(ctx: &Ctx, cmd: FundCommand) -> anyhow::Result<Output> {
    match cmd {
        FundCommand::Create(a) => {
            let kind = FundKind::parse(&a.kind).ok_or_else(|| {
                anyhow::anyhow!("fund kind {:?} is unknown: use caf or msa", a.kind)
            })?;
            let login_policy = LoginPolicy::parse(&a.login_policy).ok_or_else(|| {
                anyhow::anyhow!(
                    "login policy {:?} is unknown: use generated or email",
                    a.login_policy
                )
            })?;
            let new = NewFund {
                code: FundCode::parse(&a.code)?,
                name: a.name,
                kind,
                departements: parse_departements(&a.departements)?,
                login_policy,
            };
            let f = fund::create(&ctx.db, ctx.now(), &ctx.actor, new).await?;
            Ok(Output::ok(
                format!("fund {} created: {}", f.code, f.name),
                json!({ "fund": f }),
            ))
        }
        FundCommand::List => {
            let funds = fund::list(&ctx.db).await?;
            let text = funds
                .iter()
                .map(|f| format!("{}\t{}\t{}", f.code, f.kind.as_str(), f.name))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "funds": funds })))
        }
    }
}

/// Runs `idp service …`.
pub async fn service(ctx: &Ctx, cmd: ServiceCommand) -> anyhow::Result<Output> {
    match cmd {
        ServiceCommand::Create(a) => {
            let f = fund::find(&ctx.db, &FundCode::parse(&a.fund)?).await?;
            let roles = a
                .roles
                .iter()
                .map(|r| NewRole::parse_spec(r))
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewService {
                code: ServiceCode::parse(&a.code)?,
                name: a.name,
                description: a.description,
                roles,
            };
            let s = service::create(&ctx.db, ctx.now(), &ctx.actor, &f, new).await?;
            let roles: Vec<&str> = s.roles.iter().map(|r| r.code.as_str()).collect();
            Ok(Output::ok(
                format!(
                    "service {} created in {} with roles {}",
                    s.code,
                    f.code,
                    roles.join(", ")
                ),
                json!({ "service": s }),
            ))
        }
        ServiceCommand::List { fund: code } => {
            let f = fund::find(&ctx.db, &FundCode::parse(&code)?).await?;
            let services = service::list(&ctx.db, &f).await?;
            let text = services
                .iter()
                .map(|s| {
                    let roles: Vec<&str> = s.roles.iter().map(|r| r.code.as_str()).collect();
                    format!("{}\t{}\t[{}]", s.code, s.name, roles.join(" "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, json!({ "services": services })))
        }
    }
}
