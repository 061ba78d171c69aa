//! Who may do what: the authorisation rules of delegated habilitation, as pure functions over a
//! [`Principal`] (the acting person and their administrative roles, loaded once per request)
//! and an [`Operation`] (what they want to do, with the facts about its object). The admin API
//! and the command line call [`decide`] before every operation; nothing else decides.
//!
//! The rules (002 convention art. 9.1–9.2, service contract art. 2.2):
//! - a **fund operator** acts on everything of their fund, and sees nothing of another fund
//!   ("La Caf assure une supervision de la gestion ainsi déléguée", contract art. 2.2.1);
//!   only operators supervise (suspend, force password changes, switch the management mode,
//!   designate administrators, decide access requests);
//! - the **principal** and the **deputy** administrator of a partner have the full powers of
//!   the partner over its accounts, groups, habilitations and delegated managers; only the
//!   principal signs the yearly reverse review (contract art. 2.2.2);
//! - a **delegated manager** acts within a scope — services, roles, and a population of groups
//!   or units — and may appoint managers in turn only when allowed to, and only with a subset
//!   of their own scope (contract art. 2.2.1: "Déléguer l'administration des utilisateurs");
//! - an **agent** administers nothing;
//! - in **centralised** mode (002 art. 9.1: "les droits d'utilisation … sont attribués par la
//!   Caf sur la base des demandes formulées par les administrateurs du partenaire"), partner
//!   administrators change no account and no habilitation themselves: they file access
//!   requests, which a fund operator approves or rejects.
//!
//! An object of another partner or fund is answered as *not found* (it is not even shown to
//! exist); an object the principal can see but may not change is *forbidden*.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::convention::lifecycle::{ConventionStatus, ManagementMode};
use crate::delegation::AdminKind;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::partner::Partner;
use crate::store::{self, Conn, StoreError};

#[cfg(test)]
mod tests;

/// The part of a partner a delegated manager administers, and what they may grant.
/// `None` means "everything of the partner"; `Some(set)` restricts to the listed ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Services (ids) they may grant roles of.
    #[serde(default)]
    pub services: Option<BTreeSet<i64>>,
    /// Roles (service role ids) they may grant.
    #[serde(default)]
    pub roles: Option<BTreeSet<i64>>,
    /// Groups (ids) whose members they administer.
    #[serde(default)]
    pub groups: Option<BTreeSet<i64>>,
    /// Units (ids) whose accounts they administer.
    #[serde(default)]
    pub units: Option<BTreeSet<i64>>,
}

/// `inner ⊆ outer` for one dimension of a scope (`None` is everything).
fn dim_subset(inner: Option<&BTreeSet<i64>>, outer: Option<&BTreeSet<i64>>) -> bool {
    match (inner, outer) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(i), Some(o)) => i.is_subset(o),
    }
}

fn dim_allows(dim: Option<&BTreeSet<i64>>, id: i64) -> bool {
    dim.is_none_or(|set| set.contains(&id))
}

impl Scope {
    /// Whether this scope is included in `outer` (delegation only ever narrows).
    pub fn is_subset_of(&self, outer: &Self) -> bool {
        dim_subset(self.services.as_ref(), outer.services.as_ref())
            && dim_subset(self.roles.as_ref(), outer.roles.as_ref())
            && self.population_subset_of(outer)
    }

    fn population_restricted(&self) -> bool {
        self.groups.is_some() || self.units.is_some()
    }

    /// The population (groups or units) is included in `outer`'s.
    fn population_subset_of(&self, outer: &Self) -> bool {
        if !outer.population_restricted() {
            return true;
        }
        if !self.population_restricted() {
            return false;
        }
        let sub = |a: Option<&BTreeSet<i64>>, b: Option<&BTreeSet<i64>>| match (a, b) {
            (None, _) => true,
            (Some(a), Some(b)) => a.is_subset(b),
            (Some(a), None) => a.is_empty(),
        };
        sub(self.groups.as_ref(), outer.groups.as_ref())
            && sub(self.units.as_ref(), outer.units.as_ref())
    }

    /// Whether the population covers an object (an account or a group).
    pub fn covers(&self, who: &Population) -> bool {
        if !self.population_restricted() {
            return true;
        }
        let by_unit = who
            .unit
            .is_some_and(|u| self.units.as_ref().is_some_and(|s| s.contains(&u)));
        let by_group = self
            .groups
            .as_ref()
            .is_some_and(|s| who.groups.iter().any(|g| s.contains(g)));
        by_unit || by_group
    }
}

/// Where an account or a group sits inside its partner, for scope checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    /// The account's unit (none for a group or an account without unit).
    pub unit: Option<i64>,
    /// The account's groups, or the group itself.
    pub groups: BTreeSet<i64>,
}

/// An administrative role held by a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Fund operator of one fund.
    FundOperator {
        /// The fund.
        fund_id: i64,
    },
    /// Principal or deputy administrator of a partner.
    Administrator {
        /// The partner's fund.
        fund_id: i64,
        /// The partner.
        partner_id: i64,
        /// Which seat.
        seat: AdminKind,
    },
    /// Delegated manager of a partner.
    DelegatedManager {
        /// The partner's fund.
        fund_id: i64,
        /// The partner.
        partner_id: i64,
        /// What they administer.
        scope: Scope,
        /// Whether they may appoint managers in turn.
        may_delegate: bool,
    },
}

/// Who acts, with their roles: loaded once per request by [`load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The actor written in traces.
    pub actor: Actor,
    /// The account, when a person acts.
    pub account_id: Option<i64>,
    /// The person's fund.
    pub fund_id: Option<i64>,
    /// The person's partner (none for fund staff).
    pub partner_id: Option<i64>,
    /// Their administrative roles (none: an agent).
    pub roles: Vec<Role>,
    /// The installation administrator at the server's command line: every operation.
    pub installation: bool,
}

impl Principal {
    /// The installation administrator typing `idp` commands on the server.
    pub fn installation(actor: Actor) -> Self {
        Self {
            actor,
            account_id: None,
            fund_id: None,
            partner_id: None,
            roles: Vec::new(),
            installation: true,
        }
    }

    /// The funds this person operates.
    pub fn operated_funds(&self) -> BTreeSet<i64> {
        self.roles
            .iter()
            .filter_map(|r| match r {
                Role::FundOperator { fund_id } => Some(*fund_id),
                _ => None,
            })
            .collect()
    }

    /// The partners this person administers (any partner role).
    pub fn administered_partners(&self) -> BTreeSet<i64> {
        self.roles
            .iter()
            .filter_map(|r| match r {
                Role::Administrator { partner_id, .. }
                | Role::DelegatedManager { partner_id, .. } => Some(*partner_id),
                Role::FundOperator { .. } => None,
            })
            .collect()
    }

    /// Whether this person may know the partner exists: their own partner (an agent is then
    /// refused as forbidden), the partners they administer, every partner of the funds they
    /// operate. Anything else is answered "not found".
    pub fn sees_partner(&self, fund_id: i64, partner_id: i64) -> bool {
        self.installation
            || self.partner_id == Some(partner_id)
            || self.operated_funds().contains(&fund_id)
            || self.administered_partners().contains(&partner_id)
    }
}

/// The facts about a partner every partner-level decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// The partner's fund.
    pub fund_id: i64,
    /// The partner.
    pub partner_id: i64,
    /// Whether its habilitations are managed by the fund (centralised mode).
    pub centralised: bool,
}

/// What someone wants to do, with what the rules need to know about its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Read the fund's register, conventions and subscriptions.
    ViewFund {
        /// The fund.
        fund_id: i64,
    },
    /// Change the fund's register: partners, units, conventions, subscriptions and quotas.
    ManageRegister {
        /// The fund.
        fund_id: i64,
    },
    /// Supervise a partner: suspend or reactivate it, designate its principal or deputy,
    /// switch its management mode, force its password changes.
    SupervisePartner {
        /// The partner.
        at: At,
    },
    /// Suspend or reactivate one account as a precaution (contract art. 2.2.1).
    SuperviseAccount {
        /// The account's partner.
        at: At,
    },
    /// Approve or reject an access request.
    DecideRequest {
        /// The requesting partner.
        at: At,
    },
    /// Read a partner's accounts, groups, habilitations, managers and requests.
    ViewPartner {
        /// The partner.
        at: At,
    },
    /// Create, edit, disable or enable an account.
    ManageAccount {
        /// The partner.
        at: At,
        /// Where the account is (or will be).
        population: Population,
    },
    /// Create a group or change its members.
    ManageGroup {
        /// The partner.
        at: At,
        /// The group (none when creating one).
        group: Option<i64>,
        /// The account added or removed, if any.
        member: Option<Population>,
    },
    /// Grant, modify or withdraw a habilitation.
    Grant {
        /// The partner (`centralised` is the convention's mode).
        at: At,
        /// The service.
        service_id: i64,
        /// The role.
        role_id: i64,
        /// The holder (an account or a group).
        subject: Population,
    },
    /// Appoint (or revoke) a delegated manager with a scope.
    AppointManager {
        /// The partner.
        at: At,
        /// The scope given.
        scope: Scope,
        /// Whether they may delegate in turn.
        may_delegate: bool,
    },
    /// Sign the yearly reverse review.
    SignReview {
        /// The partner.
        at: At,
    },
    /// Prepare the yearly reverse review: decide keep or withdraw on its lines (the deputy may,
    /// 002 contract art. 2.2.2: only the signature is the principal's).
    PrepareReview {
        /// The partner.
        at: At,
    },
    /// Read a partner's trace (logins, failures, administrative actions).
    ViewTrace {
        /// The partner.
        at: At,
    },
    /// Open a reverse-review campaign, follow it, download the partners' reviews.
    RunCampaign {
        /// The fund.
        fund_id: i64,
    },
    /// File an access request (centralised mode, manual enrolment).
    FileRequest {
        /// The partner.
        at: At,
    },
}

impl Operation {
    /// The fund and partner the operation concerns.
    fn place(&self) -> (i64, Option<i64>) {
        match self {
            Self::ViewFund { fund_id }
            | Self::ManageRegister { fund_id }
            | Self::RunCampaign { fund_id } => (*fund_id, None),
            Self::SupervisePartner { at }
            | Self::SuperviseAccount { at }
            | Self::DecideRequest { at }
            | Self::ViewPartner { at }
            | Self::ManageAccount { at, .. }
            | Self::ManageGroup { at, .. }
            | Self::Grant { at, .. }
            | Self::AppointManager { at, .. }
            | Self::SignReview { at }
            | Self::PrepareReview { at }
            | Self::ViewTrace { at }
            | Self::FileRequest { at } => (at.fund_id, Some(at.partner_id)),
        }
    }

    /// Whether only the fund may do it.
    fn fund_only(&self) -> bool {
        matches!(
            self,
            Self::ViewFund { .. }
                | Self::ManageRegister { .. }
                | Self::RunCampaign { .. }
                | Self::SupervisePartner { .. }
                | Self::SuperviseAccount { .. }
                | Self::DecideRequest { .. }
        )
    }

    /// Whether the operation changes accounts or habilitations (refused to partner
    /// administrators in centralised mode).
    fn changes_access(&self) -> Option<bool> {
        match self {
            Self::ManageAccount { at, .. }
            | Self::ManageGroup { at, .. }
            | Self::Grant { at, .. }
            | Self::AppointManager { at, .. } => Some(at.centralised),
            _ => None,
        }
    }
}

/// Why an operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The object is outside the person's world (another partner or fund): not even shown.
    #[error("not found")]
    NotFound,
    /// The person sees the object but may not do this.
    #[error("you may not do this: {0}")]
    Forbidden(&'static str),
    /// Centralised mode: the change must be requested from the fund.
    #[error(
        "habilitations of this partner are managed by the fund (centralised mode): file an \
         access request"
    )]
    Centralised,
}

impl Denied {
    fn rank(&self) -> u8 {
        match self {
            Self::NotFound => 0,
            Self::Forbidden(_) => 1,
            Self::Centralised => 2,
        }
    }
}

impl UserError for Denied {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound => ErrorKind::NotFound,
            Self::Forbidden(_) | Self::Centralised => ErrorKind::Forbidden,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Forbidden(_) => "authz.forbidden",
            Self::Centralised => "authz.centralised",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::NotFound => "Ressource introuvable.".into(),
            Self::Forbidden(why) => format!("Vous n'avez pas le droit de faire cela : {why}."),
            Self::Centralised => "Les habilitations de ce partenaire sont gérées par la caisse \
                                  (mode centralisé) : déposez une demande d'accès."
                .into(),
        }
    }
}

/// Decides whether `principal` may perform `op`. Allowed if any of their roles allows it;
/// otherwise the most telling refusal (centralised, then forbidden, then not found).
pub fn decide(principal: &Principal, op: &Operation) -> Result<(), Denied> {
    if principal.installation {
        return Ok(());
    }
    let mut refusal = Denied::NotFound;
    for role in &principal.roles {
        match decide_role(role, op) {
            Ok(()) => return Ok(()),
            Err(d) if d.rank() > refusal.rank() => refusal = d,
            Err(_) => {}
        }
    }
    // An agent sees their own partner but administers nothing.
    if refusal == Denied::NotFound && op.place().1.is_some() && op.place().1 == principal.partner_id
    {
        refusal = Denied::Forbidden("no administrative role");
    }
    Err(refusal)
}

fn decide_role(role: &Role, op: &Operation) -> Result<(), Denied> {
    let (fund, partner) = op.place();
    match role {
        Role::FundOperator { fund_id } => {
            if *fund_id != fund {
                return Err(Denied::NotFound);
            }
            match op {
                // 002 contract art. 2.2.2: the reverse review is the principal's.
                Operation::SignReview { .. } => {
                    Err(Denied::Forbidden("only the principal administrator signs"))
                }
                // The review is the partner's own proof to the fund: the fund follows it but
                // does not decide it.
                Operation::PrepareReview { .. } => Err(Denied::Forbidden(
                    "the reverse review is prepared by the partner's administrators",
                )),
                // Operators act directly; requests are the partners' way.
                Operation::FileRequest { .. } => Err(Denied::Forbidden(
                    "fund operators act directly instead of filing requests",
                )),
                _ => Ok(()),
            }
        }
        Role::Administrator {
            partner_id, seat, ..
        } => {
            if partner != Some(*partner_id) {
                return Err(Denied::NotFound);
            }
            if op.fund_only() {
                return Err(Denied::Forbidden("fund supervision is the fund's"));
            }
            if op.changes_access() == Some(true) {
                return Err(Denied::Centralised);
            }
            match op {
                Operation::SignReview { .. } if *seat != AdminKind::Principal => Err(
                    Denied::Forbidden("only the principal administrator signs the review"),
                ),
                _ => Ok(()),
            }
        }
        Role::DelegatedManager {
            partner_id,
            scope,
            may_delegate,
            ..
        } => {
            if partner != Some(*partner_id) {
                return Err(Denied::NotFound);
            }
            if op.fund_only() {
                return Err(Denied::Forbidden("fund supervision is the fund's"));
            }
            if op.changes_access() == Some(true) {
                return Err(Denied::Centralised);
            }
            manager_rule(scope, *may_delegate, op)
        }
    }
}

fn manager_rule(scope: &Scope, may_delegate: bool, op: &Operation) -> Result<(), Denied> {
    let outside = Denied::Forbidden("outside your delegated scope");
    match op {
        Operation::ViewPartner { .. } | Operation::FileRequest { .. } => Ok(()),
        Operation::SignReview { .. } => Err(Denied::Forbidden(
            "only the principal administrator signs the review",
        )),
        Operation::PrepareReview { .. } => Err(Denied::Forbidden(
            "the reverse review is prepared by the principal or deputy administrator",
        )),
        Operation::ViewTrace { .. } => Err(Denied::Forbidden(
            "the partner's trace is shown to its principal and deputy administrators",
        )),
        Operation::ManageAccount { population, .. } => {
            if scope.covers(population) {
                Ok(())
            } else {
                Err(outside)
            }
        }
        Operation::ManageGroup { group, member, .. } => {
            let group_ok = match group {
                // Creating groups is for managers of the whole partner or of units.
                None => scope.groups.is_none(),
                Some(g) => scope.covers(&Population {
                    unit: None,
                    groups: BTreeSet::from([*g]),
                }),
            };
            let member_ok = member.as_ref().is_none_or(|m| scope.covers(m));
            if group_ok && member_ok {
                Ok(())
            } else {
                Err(outside)
            }
        }
        Operation::Grant {
            service_id,
            role_id,
            subject,
            ..
        } => {
            if dim_allows(scope.services.as_ref(), *service_id)
                && dim_allows(scope.roles.as_ref(), *role_id)
                && scope.covers(subject)
            {
                Ok(())
            } else {
                Err(outside)
            }
        }
        Operation::AppointManager {
            scope: given,
            may_delegate: _,
            ..
        } => {
            if !may_delegate {
                return Err(Denied::Forbidden("you may not delegate"));
            }
            if given.is_subset_of(scope) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "a delegated scope must lie inside your own",
                ))
            }
        }
        Operation::ViewFund { .. }
        | Operation::ManageRegister { .. }
        | Operation::RunCampaign { .. }
        | Operation::SupervisePartner { .. }
        | Operation::SuperviseAccount { .. }
        | Operation::DecideRequest { .. } => {
            Err(Denied::Forbidden("fund supervision is the fund's"))
        }
    }
}

/// Why a principal could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AuthzError {
    /// A stored role is unreadable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserError for AuthzError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Store(e) => store_kind(e),
        }
    }

    fn code(&self) -> &'static str {
        "internal"
    }

    fn message_fr(&self) -> String {
        "Erreur interne.".into()
    }
}

/// Loads a person's roles. A disabled or suspended account holds none (its roles are kept,
/// and come back on reactivation).
pub async fn load(db: &impl Conn, account: &Account) -> Result<Principal, AuthzError> {
    let mut roles = Vec::new();
    if !matches!(
        account.status,
        AccountStatus::Disabled | AccountStatus::Suspended
    ) {
        for r in store::admin_role::active_of_account(db, account.id).await? {
            if let Some(role) = role_of(db, &r).await? {
                roles.push(role);
            }
        }
    }
    Ok(Principal {
        actor: Actor::Account {
            id: account.id,
            login: account.login.to_string(),
        },
        account_id: Some(account.id),
        fund_id: Some(account.fund_id),
        partner_id: account.partner_id,
        roles,
        installation: false,
    })
}

async fn role_of(
    db: &impl Conn,
    r: &store::admin_role::AdminRoleRow,
) -> Result<Option<Role>, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("admin role {}: {what}", r.id));
    let partner_fund = |partner: Option<Partner>| {
        partner
            .map(|p| (p.fund_id, p.id))
            .ok_or_else(|| corrupt("partner"))
    };
    Ok(match r.kind.as_str() {
        "fund_operator" => Some(Role::FundOperator {
            fund_id: r.fund_id.ok_or_else(|| corrupt("fund"))?,
        }),
        "principal_admin" | "deputy_admin" => {
            let pid = r.partner_id.ok_or_else(|| corrupt("partner"))?;
            let (fund_id, partner_id) = partner_fund(store::partner::by_id(db, pid).await?)?;
            let seat = if r.kind == "principal_admin" {
                AdminKind::Principal
            } else {
                AdminKind::Deputy
            };
            Some(Role::Administrator {
                fund_id,
                partner_id,
                seat,
            })
        }
        "delegated_manager" => {
            let pid = r.partner_id.ok_or_else(|| corrupt("partner"))?;
            let (fund_id, partner_id) = partner_fund(store::partner::by_id(db, pid).await?)?;
            let scope = match &r.scope {
                Some(v) => serde_json::from_value(v.clone()).map_err(|_| corrupt("scope"))?,
                None => Scope::default(),
            };
            Some(Role::DelegatedManager {
                fund_id,
                partner_id,
                scope,
                may_delegate: r.may_delegate,
            })
        }
        _ => None,
    })
}

/// The partner-level facts of a decision: centralised when any of its conventions still in
/// force (not terminated) is managed by the fund.
pub async fn at_partner(db: &impl Conn, partner: &Partner) -> Result<At, AuthzError> {
    let conventions = store::convention::of_partner(db, partner.id).await?;
    Ok(At {
        fund_id: partner.fund_id,
        partner_id: partner.id,
        centralised: conventions.iter().any(|c| {
            c.status != ConventionStatus::Terminated
                && c.management_mode == ManagementMode::Centralised
        }),
    })
}

/// Where an account sits (its unit and groups), for scope checks.
pub async fn population_of_account(
    db: &impl Conn,
    account: &Account,
) -> Result<Population, AuthzError> {
    Ok(Population {
        unit: account.unit_id,
        groups: store::group::groups_of_account(db, account.id).await?,
    })
}

/// The population of a group.
pub fn population_of_group(group_id: i64) -> Population {
    Population {
        unit: None,
        groups: BTreeSet::from([group_id]),
    }
}

/// Lookups by id for the edges (API, CLI), before a decision: they return the object whatever
/// its partner — the caller must [`decide`] before showing or touching it.
pub mod lookup {
    use super::{AuthzError, Conn, store};
    use crate::account::Account;
    use crate::convention::Convention;
    use crate::fund::Fund;
    use crate::group::Group;
    use crate::habilitation::Habilitation;
    use crate::partner::Partner;

    /// A fund.
    pub async fn fund(db: &impl Conn, id: i64) -> Result<Option<Fund>, AuthzError> {
        Ok(store::catalogue::fund_by_id(db, id).await?)
    }

    /// A partner.
    pub async fn partner(db: &impl Conn, id: i64) -> Result<Option<Partner>, AuthzError> {
        Ok(store::partner::by_id(db, id).await?)
    }

    /// A convention.
    pub async fn convention(db: &impl Conn, id: i64) -> Result<Option<Convention>, AuthzError> {
        Ok(store::convention::by_id(db, id).await?)
    }

    /// An account.
    pub async fn account(db: &impl Conn, id: i64) -> Result<Option<Account>, AuthzError> {
        Ok(store::account::by_id(db, id).await?)
    }

    /// An account by login.
    pub async fn account_by_login(
        db: &impl Conn,
        login: &crate::account::login_id::LoginId,
    ) -> Result<Option<Account>, AuthzError> {
        Ok(store::account::by_login(db, login).await?)
    }

    /// A group.
    pub async fn group(db: &impl Conn, id: i64) -> Result<Option<Group>, AuthzError> {
        Ok(store::group::by_id(db, id).await?)
    }

    /// A habilitation.
    pub async fn habilitation(db: &impl Conn, id: i64) -> Result<Option<Habilitation>, AuthzError> {
        Ok(store::habilitation::by_id(db, id).await?)
    }

    /// A partner's review in a reverse-review campaign.
    pub async fn review(
        db: &impl Conn,
        id: i64,
    ) -> Result<Option<crate::review::PartnerReview>, AuthzError> {
        Ok(store::review::review_by_id(db, id).await?)
    }

    /// A reverse-review campaign.
    pub async fn campaign(
        db: &impl Conn,
        id: i64,
    ) -> Result<Option<crate::review::Campaign>, AuthzError> {
        Ok(store::review::campaign_by_id(db, id).await?)
    }

    /// The partner of an active delegated manager role.
    pub async fn manager_partner(db: &impl Conn, id: i64) -> Result<Option<i64>, AuthzError> {
        Ok(store::admin_role::active_by_id(db, id)
            .await?
            .filter(|r| r.kind == "delegated_manager")
            .and_then(|r| r.partner_id))
    }
}
