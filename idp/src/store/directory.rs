//! Reading everything the directory is computed from, in a handful of queries.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

use super::entity::{
    account, account_group, convention, fund, group_membership, habilitation, partner,
    password_credential, service, service_role, subscription,
};
use super::{Conn, StoreError};
use crate::directory::{AccountRow, GrantRow, PartnerRow, Snapshot};
use crate::territory::Territory;

/// The snapshot the directory's desired state is computed from: the whole database, or only
/// the given funds (by code) — everything in the directory hangs below one fund, so the worker
/// reads only the funds its pending changes touch. With `passwords`, the accounts' own password
/// hashes too (never a temporary one: that one must be changed in Habilis first, 000 art. 4-3).
pub async fn snapshot(
    db: &impl Conn,
    passwords: bool,
    funds: Option<&BTreeSet<String>>,
) -> Result<Snapshot, StoreError> {
    let c = db.c();
    let corrupt = |what: String| StoreError::Corrupt(what);
    let mut s = Snapshot {
        funds: fund::Entity::find()
            .apply_if(funds, |q, codes| {
                q.filter(fund::Column::Code.is_in(codes.iter().cloned()))
            })
            .all(c)
            .await?
            .into_iter()
            .map(|f| (f.id, f.code, f.name))
            .collect(),
        ..Snapshot::default()
    };
    // Every later query is narrowed to these funds when a scope is given.
    let fund_ids: Option<Vec<i64>> = funds.map(|_| s.funds.iter().map(|f| f.0).collect());
    s.partners = partner::Entity::find()
        .apply_if(fund_ids.clone(), |q, ids| {
            q.filter(partner::Column::FundId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .map(|p| PartnerRow {
            id: p.id,
            fund_id: p.fund_id,
            third_party_number: p.third_party_number,
            name: p.name,
            siret: p.siret.unwrap_or_default(),
            suspended: p.status == "suspended",
        })
        .collect();
    s.accounts = account::Entity::find()
        .filter(account::Column::PartnerId.is_not_null())
        .apply_if(fund_ids.clone(), |q, ids| {
            q.filter(account::Column::FundId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(AccountRow {
                id: a.id,
                partner_id: a.partner_id?,
                inactive: matches!(a.status.as_str(), "disabled" | "suspended"),
                login: a.login,
                given_name: a.given_name,
                family_name: a.family_name,
                email: a.email.unwrap_or_default(),
                password_hash: None,
            })
        })
        .collect();
    if passwords {
        let account_ids: Vec<i64> = s.accounts.iter().map(|a| a.id).collect();
        let hashes: BTreeMap<i64, String> = password_credential::Entity::find()
            .filter(password_credential::Column::IsTemporary.eq(false))
            .apply_if(funds.map(|_| account_ids), |q, ids| {
                q.filter(password_credential::Column::AccountId.is_in(ids))
            })
            .all(c)
            .await?
            .into_iter()
            .map(|p| (p.account_id, p.hash))
            .collect();
        for a in &mut s.accounts {
            a.password_hash = hashes.get(&a.id).cloned();
        }
    }
    let partner_ids: Vec<i64> = s.partners.iter().map(|p| p.id).collect();
    s.groups = account_group::Entity::find()
        .filter(account_group::Column::DeletedAt.is_null())
        .apply_if(funds.map(|_| partner_ids.clone()), |q, ids| {
            q.filter(account_group::Column::PartnerId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .map(|g| (g.id, g.partner_id, g.name))
        .collect();
    let group_ids: Vec<i64> = s.groups.iter().map(|g| g.0).collect();
    s.memberships = group_membership::Entity::find()
        .apply_if(funds.map(|_| group_ids), |q, ids| {
            q.filter(group_membership::Column::GroupId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .map(|m| (m.group_id, m.account_id))
        .collect();
    s.services = service::Entity::find()
        .apply_if(fund_ids.clone(), |q, ids| {
            q.filter(service::Column::FundId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .map(|x| (x.id, x.fund_id, x.code))
        .collect();
    let service_ids: Vec<i64> = s.services.iter().map(|x| x.0).collect();
    s.roles = service_role::Entity::find()
        .apply_if(funds.map(|_| service_ids.clone()), |q, ids| {
            q.filter(service_role::Column::ServiceId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .map(|r| (r.id, r.service_id, r.code))
        .collect();
    s.subscriptions = subscription::Entity::find()
        .apply_if(funds.map(|_| service_ids), |q, ids| {
            q.filter(subscription::Column::ServiceId.is_in(ids))
        })
        .all(c)
        .await?
        .into_iter()
        .map(|x| (x.id, x.convention_id, x.service_id, x.status == "active"))
        .collect();
    let conventions = convention::Entity::find()
        .apply_if(fund_ids, |q, ids| {
            q.filter(convention::Column::FundId.is_in(ids))
        })
        .all(c)
        .await?;
    for cv in conventions {
        let territory: Territory = serde_json::from_value(cv.territory)
            .map_err(|e| corrupt(format!("convention {}: territory: {e}", cv.id)))?;
        s.conventions
            .push((cv.id, cv.partner_id, cv.status == "active", territory));
    }
    for h in habilitation::Entity::find()
        .filter(habilitation::Column::Status.eq("active"))
        .apply_if(
            funds.map(|_| s.subscriptions.iter().map(|x| x.0).collect::<Vec<_>>()),
            |q, ids| q.filter(habilitation::Column::SubscriptionId.is_in(ids)),
        )
        .all(c)
        .await?
    {
        let territory = h
            .territory
            .map(serde_json::from_value::<Territory>)
            .transpose()
            .map_err(|e| corrupt(format!("habilitation {}: territory: {e}", h.id)))?;
        s.grants.push(GrantRow {
            subscription_id: h.subscription_id,
            role_id: h.service_role_id,
            account_id: h.account_id,
            group_id: h.group_id,
            territory,
            valid_from: h.valid_from,
            valid_until: h.valid_until,
        });
    }
    Ok(s)
}
