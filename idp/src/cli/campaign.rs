//! `idp review …` and `idp audit traces`: the fund's batch work on the yearly reverse review
//! (002 contract art. 2.2.2) and on the trace, thin over `review` and `audit::query`. Each
//! command accepts `--as LOGIN` (the rules of the admin API apply, `authz::decide`); without
//! it the installation administrator acts.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::access::PartnerRef;
use super::delegation::{ActAs, partner_at, principal};
use super::{Ctx, Output, parse_date};
use crate::authz::{Operation, Principal, decide};
use crate::config::Config;
use crate::fund::{self, Fund, FundCode};
use crate::review::export::{self, Format, Sink};
use crate::review::{
    Decision, LineFilter, ReviewError, attest, campaign, decide as decide_lines, remind,
};
use crate::store::audit::EventQuery;

/// `idp review …`
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Open the fund's campaign of a year: every active partner (or those named) gets its
    /// snapshot.
    Open {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Year reviewed.
        #[arg(long)]
        year: i32,
        /// Title shown to partners.
        #[arg(long)]
        title: String,
        /// Last day to sign (YYYY-MM-DD).
        #[arg(long)]
        due: String,
        /// Only this partner (third-party number; repeat).
        #[arg(long = "partner")]
        partners: Vec<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// The fund's campaigns.
    Campaigns {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// A campaign's status per partner: done, in progress, late, not started.
    Status {
        /// Fund code.
        #[arg(long)]
        fund: String,
        /// Year.
        #[arg(long)]
        year: i32,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// A partner's review lines (filtered).
    Lines {
        /// Which review.
        #[command(flatten)]
        at: ReviewRef,
        /// Which lines.
        #[command(flatten)]
        select: Select,
        /// Lines to skip.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Lines to show (at most 1000).
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Keep or withdraw lines (principal or deputy administrator); a withdrawal applies at once.
    Decide {
        /// Which review.
        #[command(flatten)]
        at: ReviewRef,
        /// keep or withdraw.
        #[arg(long)]
        decision: String,
        /// Only these lines (repeat).
        #[arg(long = "line")]
        lines: Vec<i64>,
        /// Which lines.
        #[command(flatten)]
        select: Select,
        /// Why (required to withdraw).
        #[arg(long, default_value = "")]
        reason: String,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Sign the attestation (the principal administrator, `--as` required).
    Sign {
        /// Which review.
        #[command(flatten)]
        at: ReviewRef,
        /// The name signed with.
        #[arg(long)]
        name: String,
        /// The statement (default: that of contract art. 2.2.2).
        #[arg(long)]
        statement: Option<String>,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Export a signed review to a file (CSV, JSON or printable HTML), with its SHA-256.
    Export {
        /// Which review.
        #[command(flatten)]
        at: ReviewRef,
        /// csv, json or html.
        #[arg(long, default_value = "csv")]
        format: String,
        /// The file written.
        #[arg(long)]
        out: PathBuf,
        /// Who acts.
        #[command(flatten)]
        who: ActAs,
    },
    /// Run the reminder and late-policy job once (as `idp serve` does periodically).
    Remind,
}

/// A partner's review: fund, partner, year.
#[derive(Debug, Args)]
pub struct ReviewRef {
    /// Fund and partner.
    #[command(flatten)]
    pub at: PartnerRef,
    /// Campaign year.
    #[arg(long)]
    pub year: i32,
}

/// Line criteria (every one narrows).
#[derive(Debug, Args)]
pub struct Select {
    /// Accounts that never logged in.
    #[arg(long)]
    pub never_logged_in: bool,
    /// Accounts with no login for this many months.
    #[arg(long)]
    pub no_login_months: Option<u32>,
    /// Service code.
    #[arg(long)]
    pub service: Option<String>,
    /// Role code.
    #[arg(long)]
    pub role: Option<String>,
    /// Group name.
    #[arg(long)]
    pub group: Option<String>,
    /// Login.
    #[arg(long)]
    pub login: Option<String>,
    /// Only lines not decided yet.
    #[arg(long)]
    pub undecided: bool,
}

impl Select {
    fn filter(&self, ids: Vec<i64>, now: time::OffsetDateTime) -> anyhow::Result<LineFilter> {
        let no_login_since = match self.no_login_months {
            None => None,
            Some(m) if (1..=120).contains(&m) => Some(crate::dormant::months_before(now, m)),
            Some(_) => bail!("--no-login-months must be 1 to 120"),
        };
        Ok(LineFilter {
            ids: (!ids.is_empty()).then_some(ids),
            never_logged_in: self.never_logged_in,
            no_login_since,
            service: self.service.clone(),
            role: self.role.clone(),
            group: self.group.clone(),
            login: self.login.clone(),
            undecided: self.undecided,
        })
    }
}

/// `idp audit traces` options.
#[derive(Debug, Args)]
pub struct TracesArgs {
    /// Fund code.
    #[arg(long)]
    pub fund: String,
    /// Only this partner (third-party number).
    #[arg(long)]
    pub partner: Option<String>,
    /// Action, exact or a family ending with a dot (`login.`).
    #[arg(long)]
    pub action: Option<String>,
    /// The actor's label (a login).
    #[arg(long)]
    pub actor: Option<String>,
    /// Events by or about this account (login).
    #[arg(long)]
    pub account: Option<String>,
    /// First day (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// Events to show (at most 500), newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// Write every matching event as CSV to this file instead.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Who acts.
    #[command(flatten)]
    pub who: ActAs,
}

/// A file that is written chunk by chunk.
struct FileSink(tokio::fs::File);

impl Sink for FileSink {
    async fn put(&mut self, chunk: Vec<u8>) -> Result<(), ReviewError> {
        self.0
            .write_all(&chunk)
            .await
            .map_err(|e| ReviewError::Io(e.to_string()))
    }
}

async fn fund_for(ctx: &Ctx, p: &Principal, code: &str) -> anyhow::Result<Fund> {
    let f = fund::find(&ctx.db, &FundCode::parse(code)?).await?;
    if !(p.installation || p.fund_id == Some(f.id) || p.operated_funds().contains(&f.id)) {
        bail!("not found");
    }
    Ok(f)
}

/// Runs `idp review …`.
pub async fn run(ctx: &Ctx, config: &Config, cmd: ReviewCommand) -> anyhow::Result<Output> {
    match cmd {
        ReviewCommand::Open {
            fund,
            year,
            title,
            due,
            partners,
            who,
        } => {
            let p = principal(ctx, &who).await?;
            let f = fund_for(ctx, &p, &fund).await?;
            decide(&p, &Operation::RunCampaign { fund_id: f.id })?;
            let mut ids = Vec::new();
            for tpn in &partners {
                let number = crate::partner::ids::ThirdPartyNumber::parse(tpn)?;
                ids.push(crate::partner::find(&ctx.db, &f, &number).await?.id);
            }
            let new = campaign::NewCampaign {
                year,
                title,
                due_on: parse_date(&due)?,
                partners: (!ids.is_empty()).then_some(ids),
            };
            let o = campaign::open(&ctx.db, ctx.now(), &p.actor, &f, &new).await?;
            Ok(Output::ok(
                format!(
                    "campaign {} ({}) opened for {} partners, {} lines snapshotted; due {}",
                    o.campaign.year,
                    o.campaign.id,
                    o.reviews.len(),
                    o.lines,
                    o.campaign.due_on
                ),
                serde_json::to_value(&o)?,
            ))
        }
        ReviewCommand::Campaigns { fund, who } => {
            let p = principal(ctx, &who).await?;
            let f = fund_for(ctx, &p, &fund).await?;
            decide(&p, &Operation::RunCampaign { fund_id: f.id })?;
            let all = campaign::list(&ctx.db, &f).await?;
            let text = all
                .iter()
                .map(|c| {
                    format!(
                        "{}  {}  due {}  {}",
                        c.year,
                        c.status.as_str(),
                        c.due_on,
                        c.title
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(text, serde_json::to_value(&all)?))
        }
        ReviewCommand::Status { fund, year, who } => {
            let p = principal(ctx, &who).await?;
            let f = fund_for(ctx, &p, &fund).await?;
            decide(&p, &Operation::RunCampaign { fund_id: f.id })?;
            let c = campaign::of_year(&ctx.db, &f, year).await?;
            let r = campaign::status(&ctx.db, &c, ctx.now().date()).await?;
            let mut text = format!(
                "campaign {} ({}), due {}: {} done, {} in progress, {} late, {} not started",
                c.year,
                c.status.as_str(),
                c.due_on,
                r.done,
                r.in_progress,
                r.late,
                r.not_started
            );
            for s in &r.partners {
                text.push_str(&format!(
                    "\n  {:<12} {:<12} kept {:>6}  withdrawn {:>6}  undecided {:>6}  {}",
                    s.third_party_number,
                    serde_json::to_value(s.progress)?
                        .as_str()
                        .unwrap_or_default(),
                    s.counts.kept,
                    s.counts.withdrawn,
                    s.counts.undecided,
                    s.partner_name
                ));
            }
            Ok(Output::ok(text, serde_json::to_value(&r)?))
        }
        ReviewCommand::Lines {
            at,
            select,
            offset,
            limit,
            who,
        } => {
            let (p, partner, review) = review_for(ctx, &who, &at).await?;
            readable(&p, &partner, ctx).await?;
            let filter = select.filter(Vec::new(), ctx.now())?;
            let (items, total) =
                decide_lines::lines(&ctx.db, &review, &filter, offset, limit).await?;
            let mut text = format!("{total} lines match");
            for l in &items {
                text.push_str(&format!(
                    "\n  {:>8} {:<32} {:<10} {:<14} {:<16} {:<10} {}",
                    l.id,
                    l.login,
                    l.service.as_deref().unwrap_or("-"),
                    l.role.as_deref().unwrap_or("-"),
                    l.group.as_deref().unwrap_or("(direct)"),
                    l.last_login_at
                        .map_or_else(|| "never".to_owned(), |t| t.date().to_string()),
                    l.decision.map_or("undecided", |d| d.as_str()),
                ));
            }
            Ok(Output::ok(
                text,
                json!({ "items": items, "total": total, "offset": offset, "limit": limit }),
            ))
        }
        ReviewCommand::Decide {
            at,
            decision,
            lines,
            select,
            reason,
            who,
        } => {
            let (p, partner, review) = review_for(ctx, &who, &at).await?;
            let facts = crate::authz::at_partner(&ctx.db, &partner).await?;
            decide(&p, &Operation::PrepareReview { at: facts })?;
            let decision = Decision::parse(&decision)
                .ok_or_else(|| anyhow::anyhow!("--decision must be keep or withdraw"))?;
            let filter = select.filter(lines, ctx.now())?;
            let d = decide_lines::decide(
                &ctx.db,
                ctx.now(),
                &p.actor,
                &partner,
                &review,
                &filter,
                decision,
                &reason,
            )
            .await?;
            for (subscription, accounts) in &d.end_service_access {
                ctx.end_service_access(*subscription, accounts).await?;
            }
            ctx.end_access(&d.end_sessions_of).await?;
            Ok(Output::ok(
                format!(
                    "{} lines decided ({}), {} skipped; {} habilitations withdrawn, {} memberships ended, {} accounts disabled",
                    d.decided,
                    decision.as_str(),
                    d.skipped,
                    d.habilitations_withdrawn,
                    d.memberships_ended,
                    d.accounts_disabled
                ),
                serde_json::to_value(&d)?,
            ))
        }
        ReviewCommand::Sign {
            at,
            name,
            statement,
            who,
        } => {
            let (p, partner, review) = review_for(ctx, &who, &at).await?;
            let facts = crate::authz::at_partner(&ctx.db, &partner).await?;
            decide(&p, &Operation::SignReview { at: facts })?;
            let signer = p
                .account_id
                .context("the attestation is signed by the principal administrator: use --as")?;
            let sig = attest::Signature {
                signer_name: name,
                statement: statement.unwrap_or_else(|| attest::DEFAULT_STATEMENT.to_owned()),
            };
            let s = attest::sign(
                &ctx.db,
                ctx.now(),
                &p.actor,
                signer,
                &partner,
                &review,
                &sig,
            )
            .await?;
            Ok(Output::ok(
                format!(
                    "review signed: {} kept, {} withdrawn; CSV SHA-256 {}{}",
                    s.attestation.kept,
                    s.attestation.withdrawn,
                    s.attestation.export_sha256.as_deref().unwrap_or("-"),
                    if s.campaign_closed {
                        "; every partner has signed: campaign closed"
                    } else {
                        ""
                    }
                ),
                serde_json::to_value(&s)?,
            ))
        }
        ReviewCommand::Export {
            at,
            format,
            out,
            who,
        } => {
            let (p, partner, review) = review_for(ctx, &who, &at).await?;
            readable(&p, &partner, ctx).await?;
            let format = Format::parse(&format).context("--format must be csv, json or html")?;
            let header = attest::header(&ctx.db, &partner, &review).await?;
            export::ensure_signed(&header)?;
            let file = tokio::fs::File::create(&out)
                .await
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut sink = FileSink(file);
            let summary = export::write(&ctx.db, &header, format, &mut sink).await?;
            sink.0.flush().await?;
            attest::record_export(&ctx.db, ctx.now(), &p.actor, &partner, &review, &summary)
                .await?;
            Ok(Output::ok(
                format!(
                    "{} written: {} lines, {} bytes, SHA-256 {}",
                    out.display(),
                    summary.lines,
                    summary.bytes,
                    summary.sha256
                ),
                serde_json::to_value(&summary)?,
            ))
        }
        ReviewCommand::Remind => {
            let mailer = crate::mail::Mailer::from_config(&config.mail)?;
            let r = remind::run(&ctx.db, &mailer, &config.review, ctx.now()).await?;
            Ok(Output::ok(
                format!(
                    "{} reminders ({} e-mails, {} failed); {} partners moved to centralised mode",
                    r.reminders,
                    r.mails,
                    r.mail_failures,
                    r.centralised.len()
                ),
                serde_json::to_value(&r)?,
            ))
        }
    }
}

async fn review_for(
    ctx: &Ctx,
    who: &ActAs,
    r: &ReviewRef,
) -> anyhow::Result<(
    Principal,
    crate::partner::Partner,
    crate::review::PartnerReview,
)> {
    let p = principal(ctx, who).await?;
    let (f, partner, _) = partner_at(ctx, &p, &r.at).await?;
    let c = campaign::of_year(&ctx.db, &f, r.year).await?;
    let review = campaign::review_of(&ctx.db, &c, &partner).await?;
    Ok((p, partner, review))
}

/// The fund running the campaign, or the partner's principal or deputy administrator.
async fn readable(
    p: &Principal,
    partner: &crate::partner::Partner,
    ctx: &Ctx,
) -> anyhow::Result<()> {
    let at = crate::authz::at_partner(&ctx.db, partner).await?;
    if decide(
        p,
        &Operation::RunCampaign {
            fund_id: at.fund_id,
        },
    )
    .is_err()
    {
        decide(p, &Operation::PrepareReview { at })?;
    }
    Ok(())
}

/// Runs `idp audit traces`.
pub async fn traces(ctx: &Ctx, a: TracesArgs) -> anyhow::Result<Output> {
    let p = principal(ctx, &a.who).await?;
    let f = fund::find(&ctx.db, &FundCode::parse(&a.fund)?).await?;
    let partner_id = match &a.partner {
        Some(tpn) => {
            let at = PartnerRef {
                fund: a.fund.clone(),
                partner: tpn.clone(),
            };
            let (_, partner, facts) = partner_at(ctx, &p, &at).await?;
            decide(&p, &Operation::ViewTrace { at: facts })?;
            Some(partner.id)
        }
        None => {
            if !(p.installation || p.operated_funds().contains(&f.id)) {
                bail!("not found");
            }
            decide(&p, &Operation::ViewFund { fund_id: f.id })?;
            None
        }
    };
    let account = match &a.account {
        Some(login) => {
            let acc = crate::authz::lookup::account_by_login(
                &ctx.db,
                &crate::account::login_id::LoginId::parse(login)?,
            )
            .await?
            .filter(|acc| acc.fund_id == f.id)
            .with_context(|| format!("no account {login}"))?;
            Some((acc.id, acc.login.to_string()))
        }
        None => None,
    };
    let day = |s: &Option<String>| -> anyhow::Result<Option<time::OffsetDateTime>> {
        s.as_deref()
            .map(|d| parse_date(d).map(|d| d.midnight().assume_utc()))
            .transpose()
    };
    let q = EventQuery {
        fund_id: f.id,
        partner_id,
        action: a.action.clone(),
        actor: a.actor.clone(),
        account,
        from: day(&a.from)?,
        to: day(&a.to)?.map(|t| t + time::Duration::days(1)),
        before_id: None,
    };
    if let Some(out) = &a.csv {
        let file = tokio::fs::File::create(out)
            .await
            .with_context(|| format!("cannot create {}", out.display()))?;
        let mut sink = FileSink(file);
        let n = crate::audit::query::write_csv(&ctx.db, &q, u64::MAX, &mut sink).await?;
        sink.0.flush().await?;
        return Ok(Output::ok(
            format!("{} events written to {}", n, out.display()),
            json!({ "events": n, "file": out }),
        ));
    }
    let page = crate::audit::query::search(&ctx.db, &q, 0, a.limit).await?;
    let mut text = format!("{} events match (newest first)", page.total);
    for e in &page.items {
        text.push_str(&format!(
            "\n  {:>8} {} {:<24} {:<8} {}",
            e.id,
            e.occurred_at.date(),
            e.action,
            e.outcome,
            e.actor
        ));
    }
    Ok(Output::ok(text, serde_json::to_value(&page)?))
}
