//! Pure quota arithmetic: how many distinct accounts may hold a role of a subscription.
//!
//! 002 contract art. 2.2.1: "La Caf détermine obligatoirement et pour chaque service (et chaque
//! rôle si besoin) le nombre maximal d'habilitations qui peuvent être créées par le partenaire."
//! Invariant: the number of distinct accounts holding the role, directly or through a group,
//! never exceeds the limit. The atomic check (read holders and write in one transaction) is a
//! store function; this module only decides.

use std::collections::BTreeSet;

#[cfg(test)]
mod tests;

/// Current use of one role's quota: its limit and the accounts (ids) that hold it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct QuotaUse {
    /// Name of the role (e.g. the CDAP profile `T2` of 002).
    pub role: String,
    /// Maximum number of distinct accounts that may hold the role.
    pub limit: u32,
    /// Accounts holding the role now, directly or through a group.
    pub holders: BTreeSet<i64>,
}

/// Granting would put more distinct accounts on the role than its quota allows.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("quota for role {role} reached: {used} of {limit} used, {requested} more requested")]
pub struct QuotaExceeded {
    /// Name of the role.
    pub role: String,
    /// The quota.
    pub limit: u32,
    /// Distinct accounts holding the role now.
    pub used: usize,
    /// Accounts the grant would add (those not already holding the role).
    pub requested: usize,
}

impl QuotaExceeded {
    /// Stable machine code of the error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "quota.exceeded"
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        let Self {
            role,
            limit,
            used,
            requested,
        } = self;
        format!(
            "quota du rôle {role} atteint : {used} habilitation(s) utilisée(s) sur {limit}, \
             {requested} de plus demandée(s)"
        )
    }
}

/// A quota cannot be lowered below the number of accounts already holding the role.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error(
    "quota cannot be lowered to {new_limit}: {used} accounts hold the role; withdraw \
     habilitations first"
)]
pub struct QuotaBelowUse {
    /// The limit asked for.
    pub new_limit: u32,
    /// Distinct accounts holding the role now.
    pub used: usize,
}

impl QuotaBelowUse {
    /// Stable machine code of the error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "quota.below_use"
    }

    /// French message, shown first on the web pages.
    #[must_use]
    pub fn message_fr(&self) -> String {
        let Self { new_limit, used } = self;
        format!(
            "le quota ne peut pas être abaissé à {new_limit} : {used} compte(s) détiennent le \
             rôle ; retirez d'abord des habilitations"
        )
    }
}

/// Checks that granting the role to `new_holders` keeps the number of distinct holders within
/// the limit; accounts already holding the role do not count twice.
pub fn check_grant(use_: &QuotaUse, new_holders: &BTreeSet<i64>) -> Result<(), QuotaExceeded> {
    let used = use_.holders.len();
    let requested = new_holders.difference(&use_.holders).count();
    if exceeds(used.saturating_add(requested), use_.limit) {
        return Err(QuotaExceeded {
            role: use_.role.clone(),
            limit: use_.limit,
            used,
            requested,
        });
    }
    Ok(())
}

/// Checks that a role's quota can be set to `new_limit` while `current_holders` accounts hold
/// it.
pub fn check_lowering(current_holders: usize, new_limit: u32) -> Result<(), QuotaBelowUse> {
    if exceeds(current_holders, new_limit) {
        return Err(QuotaBelowUse {
            new_limit,
            used: current_holders,
        });
    }
    Ok(())
}

/// True when `count` is greater than `limit`, comparing without lossy casts.
fn exceeds(count: usize, limit: u32) -> bool {
    usize::try_from(limit).is_ok_and(|limit| count > limit)
}
