//! Access requests: how partner administrators obtain changes the fund makes for them.
//!
//! 002 art. 9.1: "En mode centralisé, les droits d'utilisation … sont attribués par la Caf sur
//! la base des demandes formulées par les administrateurs du partenaire"; art. 9.2: the partner
//! addresses "les demandes de création, modification, suppression de droits d'accès à
//! l'administrateur central de la Caf". The MSA's manual enrolment (000 art. 4-3) works the same
//! way. A partner administrator files a request (create an account, grant, withdraw, modify a
//! habilitation); a fund operator approves it — which applies the change with every rule of a
//! direct change (quota, territory, convention status…) in the same transaction as the decision
//! — or rejects it with a reason. Either way the requester gets a notification row, written in
//! that transaction, and the decision is traced.
//!
//! Approving an account creation runs `account::manage::create_in` inside the decision's
//! transaction (the temporary password is hashed before it begins): the request row is locked
//! first, so of two concurrent approvals one creates the account and the other finds the
//! request decided — never two accounts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::account::email::Email;
use crate::account::login_id::LoginId;
use crate::account::{self, AccountError, NewAccount};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::config::AccountsConfig;
use crate::convention::Convention;
use crate::convention::number::ConventionNumber;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::Fund;
use crate::habilitation::{self, HabilitationError, NewGrant, Subject};
use crate::macros::str_enum;
use crate::mail::{Mail, Mailer};
use crate::partner::Partner;
use crate::secret::Secret;
use crate::service::{Service, ServiceCode};
use crate::store::{self, Conn, Db, StoreError, Tx};
use crate::territory::Territory;

#[cfg(test)]
mod tests;

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    /// Waiting for the fund.
    Pending,
    /// Approved and applied.
    Approved,
    /// Rejected, with a reason.
    Rejected,
    /// Withdrawn by its requester.
    Cancelled,
}
str_enum!(RequestStatus {
    Pending = "pending",
    Approved = "approved",
    Rejected = "rejected",
    Cancelled = "cancelled",
});

/// Who a requested grant is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectRef {
    /// An account, by login.
    Account(String),
    /// A group, by name.
    Group(String),
}

/// A grant described by codes and names, as a person types it (API, CLI, requests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRequest {
    /// Convention number.
    pub convention: String,
    /// Service code.
    pub service: String,
    /// Role code.
    pub role: String,
    /// Who receives it.
    pub subject: SubjectRef,
    /// Narrower territory.
    #[serde(default)]
    pub territory: Option<Territory>,
    /// First day (the day of the grant when absent).
    #[serde(default)]
    pub valid_from: Option<Date>,
    /// Last day.
    #[serde(default)]
    pub valid_until: Option<Date>,
    /// Role attributes (CDAP T4: `instructor_number`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Why.
    pub reason: String,
}

/// A grant request resolved to the partner's objects.
#[derive(Debug, Clone)]
pub struct ResolvedGrant {
    /// The convention (of the partner).
    pub convention: Convention,
    /// The service (of the fund).
    pub service: Service,
    /// The holder.
    pub subject: Subject,
}

impl ResolvedGrant {
    /// The grant to make, on `today` unless the request names a first day.
    pub fn new_grant<'a>(&'a self, req: &'a GrantRequest, today: Date) -> NewGrant<'a> {
        NewGrant {
            convention: &self.convention,
            service: &self.service,
            role: &req.role,
            subject: self.subject,
            territory: req.territory.clone(),
            valid_from: req.valid_from.unwrap_or(today),
            valid_until: req.valid_until,
            attributes: req.attributes.clone(),
            reason: req.reason.clone(),
        }
    }
}

/// Finds the convention, service and holder a grant request names, all of the partner (or of
/// its fund); anything else is "invalid", never another partner's object.
pub async fn resolve_grant(
    db: &impl Conn,
    fund: &Fund,
    partner: &Partner,
    req: &GrantRequest,
) -> Result<ResolvedGrant, RequestError> {
    let number = ConventionNumber::parse(&req.convention).map_err(invalid)?;
    let convention = store::convention::by_number(db, fund.id, &number)
        .await?
        .filter(|c| c.partner_id == partner.id)
        .ok_or_else(|| invalid(format!("no convention {number} for this partner")))?;
    let code = ServiceCode::parse(&req.service).map_err(invalid)?;
    let service = store::catalogue::service_by_code(db, fund.id, &code)
        .await?
        .ok_or_else(|| invalid(format!("no service {code}")))?;
    let subject = match &req.subject {
        SubjectRef::Account(login) => {
            let login = LoginId::parse(login).map_err(invalid)?;
            let a = store::account::by_login(db, &login)
                .await?
                .filter(|a| a.partner_id == Some(partner.id))
                .ok_or_else(|| invalid(format!("no account {login} at this partner")))?;
            Subject::Account(a.id)
        }
        SubjectRef::Group(name) => {
            let g = store::group::by_name(db, partner.id, name.trim())
                .await?
                .ok_or_else(|| invalid(format!("no group {name} at this partner")))?;
            Subject::Group(g.id)
        }
    };
    Ok(ResolvedGrant {
        convention,
        service,
        subject,
    })
}

/// What is requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// Create an agent's account.
    CreateAccount {
        /// Given name.
        given_name: String,
        /// Family name.
        family_name: String,
        /// E-mail address.
        #[serde(default)]
        email: Option<String>,
        /// Code of one of the partner's units.
        #[serde(default)]
        unit: Option<String>,
    },
    /// Grant a role.
    Grant(GrantRequest),
    /// Withdraw a habilitation.
    Withdraw {
        /// The habilitation.
        habilitation: i64,
        /// Why.
        reason: String,
    },
    /// Change the last day of a habilitation.
    Modify {
        /// The habilitation.
        habilitation: i64,
        /// New last day (none: open-ended).
        #[serde(default)]
        valid_until: Option<Date>,
        /// Why.
        reason: String,
    },
}

impl Payload {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CreateAccount { .. } => "create_account",
            Self::Grant { .. } => "grant",
            Self::Withdraw { .. } => "withdraw",
            Self::Modify { .. } => "modify",
        }
    }
}

/// An access request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRequest {
    /// Internal id.
    pub id: i64,
    /// The requesting partner.
    pub partner_id: i64,
    /// The convention concerned (grants).
    pub convention_id: Option<i64>,
    /// What is requested.
    pub payload: Payload,
    /// Status.
    pub status: RequestStatus,
    /// The requester's account.
    pub requested_by: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The deciding operator's account.
    pub decided_by: Option<i64>,
    /// When it was decided.
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was rejected (or a note on approval).
    pub decision_reason: Option<String>,
    /// What the approval produced (ids).
    pub result: Option<serde_json::Value>,
}

/// What an approval did.
#[derive(Debug, Clone)]
pub struct Approved {
    /// The request, decided.
    pub request: AccessRequest,
    /// The accounts whose access changed (tokens to revoke when access ended).
    pub affected_accounts: Vec<i64>,
    /// The temporary password of an account created by the approval, to hand over once.
    pub temporary_password: Option<Secret>,
    /// The subscription of a withdrawn or shortened habilitation: the affected accounts' tokens
    /// at its service's clients must be revoked (cascade, issue 5 point 6).
    pub subscription_id: Option<i64>,
}

/// Why a request operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// A reason is required.
    #[error("a reason is required")]
    ReasonRequired,
    /// A field of the request is malformed.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Only a person files requests.
    #[error("only a person's account can file a request")]
    NoRequester,
    /// No such request at this partner.
    #[error("no access request {0} here")]
    NotFound(i64),
    /// The request was already decided.
    #[error("access request {0} was already decided")]
    AlreadyDecided(i64),
    /// Applying the approved grant, withdrawal or modification failed its rules.
    #[error(transparent)]
    Habilitation(#[from] HabilitationError),
    /// Creating the approved account failed.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for RequestError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::ReasonRequired | Self::Invalid(_) => ErrorKind::Invalid,
            Self::NoRequester => ErrorKind::Forbidden,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::AlreadyDecided(_) => ErrorKind::Conflict,
            Self::Habilitation(e) => e.kind(),
            Self::Account(e) => e.kind(),
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::ReasonRequired => "request.reason_required",
            Self::Invalid(_) => "request.invalid",
            Self::NoRequester => "request.no_requester",
            Self::NotFound(_) => "request.not_found",
            Self::AlreadyDecided(_) => "request.already_decided",
            Self::Habilitation(e) => e.code(),
            Self::Account(e) => e.code(),
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::ReasonRequired => "Un motif est obligatoire.".into(),
            Self::Invalid(m) => format!("Demande invalide : {m}."),
            Self::NoRequester => "Seul le compte d'une personne peut déposer une demande.".into(),
            Self::NotFound(id) => format!("Aucune demande d'accès {id} ici."),
            Self::AlreadyDecided(id) => format!("La demande d'accès {id} a déjà été traitée."),
            Self::Habilitation(e) => e.message_fr(),
            Self::Account(e) => e.message_fr(),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

fn invalid(what: impl std::fmt::Display) -> RequestError {
    RequestError::Invalid(what.to_string())
}

/// Checks what can be checked before the fund looks at it; returns the convention concerned.
async fn check_payload(
    db: &impl Conn,
    partner: &Partner,
    payload: &Payload,
) -> Result<Option<i64>, RequestError> {
    match payload {
        Payload::CreateAccount {
            given_name,
            family_name,
            email,
            ..
        } => {
            if given_name.trim().is_empty() || family_name.trim().is_empty() {
                return Err(invalid("given and family names are required"));
            }
            if let Some(e) = email {
                Email::parse(e).map_err(invalid)?;
            }
            Ok(None)
        }
        Payload::Grant(req) => {
            if req.reason.trim().is_empty() {
                return Err(RequestError::ReasonRequired);
            }
            let fund = store::catalogue::fund_by_id(db, partner.fund_id)
                .await?
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("partner {} without fund", partner.id))
                })?;
            let resolved = resolve_grant(db, &fund, partner, req).await?;
            Ok(Some(resolved.convention.id))
        }
        Payload::Withdraw {
            habilitation,
            reason,
        }
        | Payload::Modify {
            habilitation,
            reason,
            ..
        } => {
            if reason.trim().is_empty() {
                return Err(RequestError::ReasonRequired);
            }
            let h = habilitation::find(db, partner, *habilitation).await?;
            Ok(Some(h.convention_id))
        }
    }
}

/// Files a request of the partner (traced); the requester is the acting person.
pub async fn file(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    payload: Payload,
) -> Result<AccessRequest, RequestError> {
    let requester = actor.account_id().ok_or(RequestError::NoRequester)?;
    let tx = db.begin_write().await?;
    let convention = check_payload(&tx, partner, &payload).await?;
    let request =
        store::access_request::insert(&tx, now, partner.id, convention, &payload, requester)
            .await?;
    let event = Event::new(action::ACCESS_REQUEST_FILE, actor)
        .target("access_request", request.id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({ "after": request.payload }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(request)
}

/// One request of the partner; another partner's is not found.
pub async fn find(
    db: &impl Conn,
    partner: &Partner,
    id: i64,
) -> Result<AccessRequest, RequestError> {
    store::access_request::by_id(db, id)
        .await?
        .filter(|r| r.partner_id == partner.id)
        .ok_or(RequestError::NotFound(id))
}

/// The partner of a request, for the caller's authorisation check (`None` if unknown).
pub async fn partner_of(db: &impl Conn, id: i64) -> Result<Option<Partner>, RequestError> {
    let Some(r) = store::access_request::by_id(db, id).await? else {
        return Ok(None);
    };
    Ok(store::partner::by_id(db, r.partner_id).await?)
}

/// The partner's requests, newest first.
pub async fn of_partner(
    db: &impl Conn,
    partner: &Partner,
) -> Result<Vec<AccessRequest>, RequestError> {
    Ok(store::access_request::of_partner(db, partner.id).await?)
}

/// The requests of every partner of the fund, newest first (the operator's queue).
pub async fn of_fund(db: &impl Conn, fund: &Fund) -> Result<Vec<AccessRequest>, RequestError> {
    Ok(store::access_request::of_fund(db, fund.id).await?)
}

/// One page of a partner's requests, newest first, filtered in the store (status, kind).
pub async fn page_of_partner(
    db: &impl Conn,
    partner: &Partner,
    filter: &crate::listing::ListFilter,
) -> Result<crate::listing::Listed<AccessRequest>, RequestError> {
    Ok(store::listing::access_requests(db, Some(partner.id), &[], filter).await?)
}

/// One page of the requests of every partner of the funds, newest first (the operators'
/// queue), filtered in the store (status, kind).
pub async fn page_of_funds(
    db: &impl Conn,
    fund_ids: &[i64],
    filter: &crate::listing::ListFilter,
) -> Result<crate::listing::Listed<AccessRequest>, RequestError> {
    Ok(store::listing::access_requests(db, None, fund_ids, filter).await?)
}

/// An account's notifications, newest first: `(kind, payload, created_at)`.
pub async fn notifications(
    db: &impl Conn,
    account_id: i64,
) -> Result<Vec<(String, serde_json::Value, OffsetDateTime)>, RequestError> {
    Ok(store::access_request::notifications_of(db, account_id).await?)
}

/// E-mails a requester the outcome of their access requests (issue #5 point 5: "the requester
/// is notified"; 002 art. 9.2), when their account has an address: each of their
/// access-request notifications not yet sent is claimed (`sent_at` set), e-mailed, and given
/// back if the transport fails (the console still shows it; the next decision retries it).
/// Returns how many were sent. The mail names the request, its kind, the decision, the reason
/// and the result (a created account's login — never its temporary password, which the
/// approving operator hands over).
pub async fn mail_notifications(
    db: &Db,
    mailer: &Mailer,
    now: OffsetDateTime,
    account_id: i64,
) -> Result<usize, RequestError> {
    let Some(to) = store::account::by_id(db, account_id)
        .await?
        .and_then(|a| a.email)
    else {
        return Ok(0);
    };
    let mut sent = 0;
    for (id, kind, payload) in store::access_request::unsent_notifications(db, account_id).await? {
        if !store::access_request::claim_notification(db, id, now).await? {
            continue;
        }
        match mailer
            .send(now, &outcome_mail(to.as_str(), &kind, &payload))
            .await
        {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(error = %e, notification = id, "access request notification not e-mailed");
                store::access_request::unclaim_notification(db, id).await?;
            }
        }
    }
    Ok(sent)
}

/// The e-mail telling a requester what became of a request, in French then English.
fn outcome_mail(to: &str, kind: &str, payload: &serde_json::Value) -> Mail {
    let approved = kind == "access_request.approved";
    let field = |k: &str| payload.get(k);
    let request = field("request")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or_default();
    let what = field("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?");
    let (fr, en) = if approved {
        ("approuvée", "approved")
    } else {
        ("rejetée", "rejected")
    };
    let reason = field("reason")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let login = field("result")
        .and_then(|r| r.get("login"))
        .and_then(serde_json::Value::as_str);
    let mut body = format!(
        "Bonjour,\n\nVotre demande d'accès n° {request} ({what}) a été {fr} par la caisse.\n"
    );
    if !reason.is_empty() {
        body.push_str(&format!("Motif : {reason}\n"));
    }
    if let Some(l) = login {
        body.push_str(&format!(
            "Compte créé : {l} (le mot de passe provisoire est remis par la caisse).\n"
        ));
    }
    body.push_str(&format!(
        "\n---\n\nHello,\n\nYour access request no. {request} ({what}) was {en} by the fund.\n"
    ));
    if !reason.is_empty() {
        body.push_str(&format!("Reason: {reason}\n"));
    }
    if let Some(l) = login {
        body.push_str(&format!(
            "Account created: {l} (the fund hands over its temporary password).\n"
        ));
    }
    Mail {
        to: to.to_owned(),
        subject: format!("Habilis : demande d'accès n° {request} {fr} / access request {en}"),
        body: Secret::new(body),
    }
}

/// A decision on a request.
struct Decision<'a> {
    status: RequestStatus,
    reason: Option<&'a str>,
    result: Option<serde_json::Value>,
}

/// Records a decision, its trace and the requester's notification in `tx`.
async fn conclude(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    request: &AccessRequest,
    decision: Decision<'_>,
) -> Result<AccessRequest, RequestError> {
    let Decision {
        status,
        reason,
        result,
    } = decision;
    let decided = store::access_request::decide(
        tx,
        now,
        request.id,
        status,
        actor.account_id(),
        reason,
        result.clone(),
    )
    .await?;
    if !decided {
        return Err(RequestError::AlreadyDecided(request.id));
    }
    let act = if status == RequestStatus::Approved {
        action::ACCESS_REQUEST_APPROVE
    } else {
        action::ACCESS_REQUEST_REJECT
    };
    let event = Event::new(act, actor)
        .target("access_request", request.id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({
            "kind": request.payload.kind(),
            "before": { "status": request.status },
            "after": { "status": status, "result": result },
            "reason": reason,
        }));
    audit::record(tx, now, event).await?;
    // The requester is told: the console shows the row; `mail_notifications`, called after
    // the commit, e-mails it and sets `sent_at`.
    store::access_request::notify(
        tx,
        now,
        request.requested_by,
        &format!("access_request.{}", status.as_str()),
        serde_json::json!({
            "request": request.id,
            "kind": request.payload.kind(),
            "reason": reason,
            "result": result,
        }),
    )
    .await?;
    store::access_request::by_id(tx, request.id)
        .await?
        .ok_or(RequestError::NotFound(request.id))
}

/// Rejects a pending request with a reason (traced, requester notified).
pub async fn reject(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    id: i64,
    reason: &str,
) -> Result<AccessRequest, RequestError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RequestError::ReasonRequired);
    }
    let tx = db.begin_write().await?;
    let request = find(&tx, partner, id).await?;
    if request.status != RequestStatus::Pending {
        return Err(RequestError::AlreadyDecided(id));
    }
    let out = conclude(
        &tx,
        now,
        actor,
        partner,
        &request,
        Decision {
            status: RequestStatus::Rejected,
            reason: Some(reason),
            result: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Approves a pending request: applies it with every rule of the direct operation, records
/// the decision and notifies the requester, atomically (see the module documentation for
/// account creations).
pub async fn approve(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    settings: &AccountsConfig,
    fund: &Fund,
    partner: &Partner,
    id: i64,
) -> Result<Approved, RequestError> {
    if partner.fund_id != fund.id {
        return Err(RequestError::NotFound(id));
    }
    let request = find(db, partner, id).await?;
    if request.status != RequestStatus::Pending {
        return Err(RequestError::AlreadyDecided(id));
    }
    // Slow work (hashing a temporary password) before the write lock.
    let password = match &request.payload {
        Payload::CreateAccount { .. } => {
            Some(account::manage::prepare_password(settings, now).await?)
        }
        _ => None,
    };
    let tx = db.begin_write().await?;
    let request = store::access_request::by_id_for_update(&tx, id)
        .await?
        .filter(|r| r.partner_id == partner.id)
        .ok_or(RequestError::NotFound(id))?;
    if request.status != RequestStatus::Pending {
        return Err(RequestError::AlreadyDecided(id));
    }
    let (result, affected, temporary_password, subscription_id) = match (&request.payload, password)
    {
        (
            Payload::CreateAccount {
                given_name,
                family_name,
                email,
                unit,
            },
            Some(password),
        ) => {
            let email = email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(invalid)?;
            let unit = match unit {
                Some(code) => Some(
                    store::partner::units_of(&tx, partner.id)
                        .await?
                        .into_iter()
                        .find(|u| u.code.eq_ignore_ascii_case(code.trim()))
                        .ok_or_else(|| invalid(format!("no unit {code} at this partner")))?,
                ),
                None => None,
            };
            let new = NewAccount {
                given_name: given_name.clone(),
                family_name: family_name.clone(),
                email,
                unit,
            };
            let created =
                account::manage::create_in(&tx, now, actor, fund, partner, new, password).await?;
            let result = serde_json::json!({
                "account": created.account.id,
                "login": created.account.login,
            });
            (result, Vec::new(), Some(created.temporary_password), None)
        }
        (payload, _) => {
            let (result, affected, subscription) =
                apply(&tx, now, actor, fund, partner, payload).await?;
            (result, affected, None, subscription)
        }
    };
    let request = conclude(
        &tx,
        now,
        actor,
        partner,
        &request,
        Decision {
            status: RequestStatus::Approved,
            reason: None,
            result: Some(result),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Approved {
        request,
        affected_accounts: affected,
        temporary_password,
        subscription_id,
    })
}

/// Applies a grant, withdrawal or modification inside `tx`; returns the result and the
/// accounts whose access ended or changed.
async fn apply(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    payload: &Payload,
) -> Result<(serde_json::Value, Vec<i64>, Option<i64>), RequestError> {
    match payload {
        Payload::Grant(req) => {
            let resolved = resolve_grant(tx, fund, partner, req).await?;
            let h =
                habilitation::grant_in(tx, now, actor, resolved.new_grant(req, now.date())).await?;
            Ok((
                serde_json::json!({ "habilitation": h.id }),
                Vec::new(),
                None,
            ))
        }
        Payload::Withdraw {
            habilitation: id,
            reason,
        } => {
            let h = habilitation::withdraw_in(tx, now, actor, partner, *id, reason).await?;
            let affected = habilitation::affected_accounts(tx, &h).await?;
            let sub = Some(h.subscription_id);
            Ok((serde_json::json!({ "habilitation": h.id }), affected, sub))
        }
        Payload::Modify {
            habilitation: id,
            valid_until,
            reason,
        } => {
            let h =
                habilitation::set_end_date_in(tx, now, actor, partner, *id, *valid_until, reason)
                    .await?;
            let affected = habilitation::affected_accounts(tx, &h).await?;
            let sub = Some(h.subscription_id);
            Ok((serde_json::json!({ "habilitation": h.id }), affected, sub))
        }
        Payload::CreateAccount { .. } => Err(invalid("an account creation needs its password")),
    }
}
