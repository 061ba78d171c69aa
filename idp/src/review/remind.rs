//! The fund's follow-up of a campaign: reminder e-mails to the principal administrators of
//! partners that have not signed, on the configured days before the due date and once after it,
//! and the optional policy moving a partner late by N days to centralised mode (002 contract
//! art. 2.2: the fund may « reprendre la main »). Run periodically by every node: each
//! reminder and each application of the policy is first claimed by a row (`review_reminder`,
//! `partner_review.late_policy_applied_at`) written with its trace, so it happens once however
//! many nodes run the job; the e-mails and the mode switch follow the claim.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{Campaign, PartnerReview, ReviewError, ReviewStatus};
use crate::actor::Actor;
use crate::audit::{self, Event, action};
use crate::config::ReviewConfig;
use crate::convention::lifecycle::{ConventionStatus, ManagementMode};
use crate::delegation::{self, AdminKind};
use crate::mail::{Mail, Mailer};
use crate::partner::Partner;
use crate::secret::Secret;
use crate::store::{self, Db};

/// What a pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobReport {
    /// Reminders claimed and sent (one per review and kind).
    pub reminders: u64,
    /// E-mails sent.
    pub mails: u64,
    /// E-mails that failed (logged; the reminder is not sent again).
    pub mail_failures: u64,
    /// Partners moved to centralised mode by the late policy.
    pub centralised: Vec<String>,
}

/// Which reminder is due on `now` for an unsigned review, if any: `before_<d>` for the smallest
/// configured `d` whose day has come (earlier ones, missed because the campaign opened late,
/// are not sent), `late` once the due date has passed.
pub fn reminder_due(
    config: &ReviewConfig,
    campaign: &Campaign,
    now: OffsetDateTime,
) -> Option<String> {
    let today = now.date();
    if today > campaign.due_on {
        return config.remind_when_late.then(|| "late".to_owned());
    }
    config
        .reminder_days_before
        .iter()
        .filter(|d| campaign.due_on - Duration::days(i64::from(**d)) <= today)
        .min()
        .map(|d| format!("before_{d}"))
}

/// Whether the late policy applies to a review on `now`.
pub fn late_policy_due(
    config: &ReviewConfig,
    campaign: &Campaign,
    review: &PartnerReview,
    now: OffsetDateTime,
) -> bool {
    config.late_policy_days > 0
        && review.status != ReviewStatus::Signed
        && review.late_policy_applied_at.is_none()
        && now.date() > campaign.due_on + Duration::days(i64::from(config.late_policy_days))
}

fn reminder_mail(to: &str, campaign: &Campaign, partner: &Partner, kind: &str) -> Mail {
    let when = if kind == "late" {
        format!(
            "L'échéance du {} est dépassée. / The due date {} has passed.",
            campaign.due_on, campaign.due_on
        )
    } else {
        format!(
            "Échéance : {}. / Due date: {}.",
            campaign.due_on, campaign.due_on
        )
    };
    Mail {
        to: to.to_owned(),
        subject: format!(
            "Revue inverse des habilitations {} : à signer / Reverse review to sign",
            campaign.year
        ),
        body: Secret::new(format!(
            "Bonjour,\n\nLa revue inverse annuelle des habilitations de {name} ({tpn}) — « {title} » — \
             n'est pas encore signée (contrat de service, art. 2.2.2).\n{when}\n\n\
             Hello,\n\nThe yearly reverse review of {name}'s habilitations is not signed yet.\n",
            name = partner.name,
            tpn = partner.third_party_number,
            title = campaign.title,
        )),
    }
}

/// One pass over every open campaign.
pub async fn run(
    db: &Db,
    mailer: &Mailer,
    config: &ReviewConfig,
    now: OffsetDateTime,
) -> Result<JobReport, ReviewError> {
    let actor = Actor::System { job: "review" };
    let mut report = JobReport::default();
    for campaign in store::review::open_campaigns(db).await? {
        for review in store::review::reviews_of_campaign(db, campaign.id).await? {
            if review.status == ReviewStatus::Signed {
                continue;
            }
            let Some(partner) = store::partner::by_id(db, review.partner_id).await? else {
                continue;
            };
            if let Some(kind) = reminder_due(config, &campaign, now) {
                remind(
                    db,
                    mailer,
                    now,
                    &actor,
                    &campaign,
                    &review,
                    &partner,
                    &kind,
                    &mut report,
                )
                .await?;
            }
            if late_policy_due(config, &campaign, &review, now) {
                apply_late_policy(
                    db,
                    now,
                    &actor,
                    &campaign,
                    &review,
                    &partner,
                    config,
                    &mut report,
                )
                .await?;
            }
        }
    }
    Ok(report)
}

#[allow(
    clippy::too_many_arguments,
    reason = "one pass's context, passed down once"
)]
async fn remind(
    db: &Db,
    mailer: &Mailer,
    now: OffsetDateTime,
    actor: &Actor,
    campaign: &Campaign,
    review: &PartnerReview,
    partner: &Partner,
    kind: &str,
    report: &mut JobReport,
) -> Result<(), ReviewError> {
    let admins = delegation::administrators(db, partner)
        .await
        .map_err(|e| ReviewError::Io(e.to_string()))?;
    let to: Vec<String> = admins
        .iter()
        .filter(|a| a.kind == AdminKind::Principal)
        .filter_map(|a| a.account.email.as_ref().map(ToString::to_string))
        .collect();
    let tx = db.begin_write().await?;
    let recipients = i32::try_from(to.len()).unwrap_or(i32::MAX);
    if !store::review::claim_reminder(&tx, review.id, kind, recipients, now).await? {
        return Ok(());
    }
    let ev = Event::new(action::REVIEW_REMIND, actor)
        .target("partner_review", review.id)
        .fund(campaign.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "campaign": campaign.id,
            "kind": kind,
            "recipients": to.len(),
            "due_on": campaign.due_on.to_string(),
        }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    report.reminders += 1;
    for address in &to {
        match mailer
            .send(now, &reminder_mail(address, campaign, partner, kind))
            .await
        {
            Ok(()) => report.mails += 1,
            Err(e) => {
                report.mail_failures += 1;
                tracing::warn!(review = review.id, error = %e, "review reminder not sent");
            }
        }
    }
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one pass's context, passed down once"
)]
async fn apply_late_policy(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    campaign: &Campaign,
    review: &PartnerReview,
    partner: &Partner,
    config: &ReviewConfig,
    report: &mut JobReport,
) -> Result<(), ReviewError> {
    let tx = db.begin_write().await?;
    if !store::review::mark_late_policy(&tx, review.id, now).await? {
        return Ok(());
    }
    let conventions = store::convention::of_partner(&tx, partner.id).await?;
    let switched: Vec<_> = conventions
        .iter()
        .filter(|c| {
            c.status != ConventionStatus::Terminated
                && c.management_mode == ManagementMode::Delegated
        })
        .collect();
    let ev = Event::new(action::REVIEW_LATE_POLICY, actor)
        .target("partner_review", review.id)
        .fund(campaign.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "campaign": campaign.id,
            "due_on": campaign.due_on.to_string(),
            "late_policy_days": config.late_policy_days,
            "conventions": switched.iter().map(|c| c.number.to_string()).collect::<Vec<_>>(),
        }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    let Some(fund) = store::catalogue::fund_by_id(db, campaign.fund_id).await? else {
        return Ok(());
    };
    let reason = format!(
        "revue inverse {} non signée {} jours après l'échéance du {} (contrat de service, art. 2.2.2)",
        campaign.year, config.late_policy_days, campaign.due_on
    );
    for c in switched {
        match crate::supervision::set_management_mode(
            db,
            now,
            actor,
            &fund,
            c,
            ManagementMode::Centralised,
            &reason,
        )
        .await
        {
            Ok(_) | Err(crate::supervision::SupervisionError::AlreadyInStatus(_)) => {}
            Err(e) => return Err(ReviewError::Io(e.to_string())),
        }
    }
    report
        .centralised
        .push(partner.third_party_number.to_string());
    Ok(())
}
