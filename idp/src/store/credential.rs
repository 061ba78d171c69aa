//! Storage of credentials: the password of an account (an Argon2id PHC string, never the
//! password itself), its failure counter, its TOTP secret (encrypted) and recovery codes
//! (hashed), password-reset tokens (hashed), the per-source rate-limit buckets, and each fund's
//! credential rules.

use std::collections::BTreeSet;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, JoinType, PaginatorTrait, QueryFilter,
    QuerySelect, RelationTrait, Set,
};
use time::OffsetDateTime;

use super::entity::{
    account, admin_role, fund, fund_credential_policy, login_throttle, password_credential,
    password_reset, rate_limit_bucket, recovery_code, totp_credential, webauthn_credential,
};
use super::{Conn, StoreError, Tx};
use crate::account::policy::FundPolicy;
use crate::account::throttle::Counter;

/// A stored password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassword {
    /// The PHC string.
    pub hash: String,
    /// Whether it is a temporary password to change at first login.
    pub is_temporary: bool,
    /// When a temporary password stops working.
    pub expires_at: Option<OffsetDateTime>,
}

/// Sets the password of a new account.
pub async fn insert_password(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    password: &StoredPassword,
) -> Result<(), StoreError> {
    password_credential::ActiveModel {
        account_id: Set(account_id),
        hash: Set(password.hash.clone()),
        is_temporary: Set(password.is_temporary),
        expires_at: Set(password.expires_at),
        changed_at: Set(now),
        created_at: Set(now),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// The password of an account, if it has one.
pub async fn password_of(
    db: &impl Conn,
    account_id: i64,
) -> Result<Option<StoredPassword>, StoreError> {
    Ok(password_credential::Entity::find_by_id(account_id)
        .one(db.c())
        .await?
        .map(|m| StoredPassword {
            hash: m.hash,
            is_temporary: m.is_temporary,
            expires_at: m.expires_at,
        }))
}

/// The account with this login, its password if any, its failure counter as stored in the
/// database (zero when it has none) and its [`LoginFactors`] (`admin_kinds` as in
/// [`login_factors`]), in one query: the password step of every login.
pub async fn account_with_password(
    db: &impl Conn,
    login: &crate::account::login_id::LoginId,
    admin_kinds: &[&str],
) -> Result<
    Option<(
        crate::account::Account,
        Option<StoredPassword>,
        Counter,
        LoginFactors,
    )>,
    StoreError,
> {
    use sea_orm::{
        ConnectionTrait, FromQueryResult, IdenStatic, QueryTrait, SelectA, SelectB, SelectC,
    };
    let mut query = account::Entity::find()
        .filter(account::Column::Login.eq(login.as_str()))
        .select_also(password_credential::Entity)
        .join(
            JoinType::LeftJoin,
            password_credential::Relation::Account.def().rev(),
        )
        .find_also(account::Entity, login_throttle::Entity)
        .into_query();
    for (expr, alias) in factor_columns(
        Expr::col((account::Entity, account::Column::Id)),
        Expr::col((account::Entity, account::Column::FundId)),
        admin_kinds,
    ) {
        query.expr_as(expr, alias);
    }
    let Some(row) = db.c().query_one(&query).await? else {
        return Ok(None);
    };
    let a = account::Model::from_query_result(&row, SelectA.as_str())?;
    let p = password_credential::Model::from_query_result_optional(&row, SelectB.as_str())?;
    let t = login_throttle::Model::from_query_result_optional(&row, SelectC.as_str())?;
    let factors = factors_of(&row, a.fund_id)?;
    Ok(Some((
        super::account::to_account(a)?,
        p.map(|m| StoredPassword {
            hash: m.hash,
            is_temporary: m.is_temporary,
            expires_at: m.expires_at,
        }),
        t.as_ref().map(counter).unwrap_or_default(),
        factors,
    )))
}

/// Replaces the password of an account (a reset).
pub async fn replace_password(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    password: &StoredPassword,
) -> Result<(), StoreError> {
    password_credential::ActiveModel {
        account_id: Set(account_id),
        hash: Set(password.hash.clone()),
        is_temporary: Set(password.is_temporary),
        expires_at: Set(password.expires_at),
        changed_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// When the password of an account was last set.
pub async fn password_changed_at(
    db: &impl Conn,
    account_id: i64,
) -> Result<Option<OffsetDateTime>, StoreError> {
    Ok(password_credential::Entity::find_by_id(account_id)
        .one(db.c())
        .await?
        .map(|m| m.changed_at))
}

/// Replaces a hash by the same password hashed with new parameters, unless the password was
/// changed meanwhile (then nothing happens and `false` is returned). `changed_at` is kept: the
/// password is the same.
pub async fn rehash_password(
    tx: &Tx,
    account_id: i64,
    old_hash: &str,
    new_hash: &str,
) -> Result<bool, StoreError> {
    let r = password_credential::Entity::update_many()
        .col_expr(password_credential::Column::Hash, Expr::value(new_hash))
        .filter(password_credential::Column::AccountId.eq(account_id))
        .filter(password_credential::Column::Hash.eq(old_hash))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected == 1)
}

// --- Failure counters -----------------------------------------------------------------------

fn counter(m: &login_throttle::Model) -> Counter {
    Counter {
        failures: u32::try_from(m.failed_count).unwrap_or(0),
        last_failure_at: m.last_failure_at,
        locked_until: m.locked_until,
    }
}

/// The failure counter of an account, if it has one.
pub async fn throttle_of(db: &impl Conn, account_id: i64) -> Result<Option<Counter>, StoreError> {
    Ok(login_throttle::Entity::find_by_id(account_id)
        .one(db.c())
        .await?
        .map(|m| counter(&m)))
}

/// Reads the failure counter of an account, creating it when missing, and locks its row until
/// `tx` ends (PostgreSQL; the `IMMEDIATE` transaction already serialises writers on SQLite).
pub async fn lock_throttle(tx: &Tx, account_id: i64) -> Result<Counter, StoreError> {
    login_throttle::Entity::insert(login_throttle::ActiveModel {
        account_id: Set(account_id),
        failed_count: Set(0),
        last_failure_at: Set(None),
        locked_until: Set(None),
    })
    .on_conflict_do_nothing_on([login_throttle::Column::AccountId])
    .exec_without_returning(tx.c())
    .await?;
    let m = login_throttle::Entity::find_by_id(account_id)
        .lock_exclusive()
        .one(tx.c())
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("login_throttle {account_id} vanished")))?;
    Ok(counter(&m))
}

/// Writes the failure counter of an account (after [`lock_throttle`]).
pub async fn save_throttle(tx: &Tx, account_id: i64, c: &Counter) -> Result<(), StoreError> {
    login_throttle::ActiveModel {
        account_id: Set(account_id),
        failed_count: Set(i32::try_from(c.failures).unwrap_or(i32::MAX)),
        last_failure_at: Set(c.last_failure_at),
        locked_until: Set(c.locked_until),
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Forgets the failures and the lock of an account; whether there was anything to forget.
pub async fn clear_throttle(tx: &Tx, account_id: i64) -> Result<(), StoreError> {
    login_throttle::Entity::delete_by_id(account_id)
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Counts one event in the bucket `key` for the window starting at `window_start` (a bucket of
/// an older window starts again at 1) and returns the count, in one atomic statement: an
/// upsert that both SQLite and PostgreSQL apply under their row or write lock, so concurrent
/// hits from every node are all counted. `window_start` is a whole second in UTC
/// ([`crate::account::throttle::window_start`]), so on SQLite, which stores it as RFC 3339
/// text, text order is time order.
pub async fn hit_bucket(
    db: &impl Conn,
    key: &str,
    window_start: OffsetDateTime,
) -> Result<i64, StoreError> {
    let _turn = db.single_write_turn().await?;
    let window_start = window_start.to_offset(time::UtcOffset::UTC);
    let newer = "rate_limit_bucket.window_start < excluded.window_start";
    let m = rate_limit_bucket::Entity::insert(rate_limit_bucket::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(window_start),
        count: Set(1),
    })
    .on_conflict(
        OnConflict::column(rate_limit_bucket::Column::Key)
            .value(
                rate_limit_bucket::Column::Count,
                Expr::cust(format!(
                    "CASE WHEN {newer} THEN 1 ELSE rate_limit_bucket.count + 1 END"
                )),
            )
            .value(
                rate_limit_bucket::Column::WindowStart,
                Expr::cust(format!(
                    "CASE WHEN {newer} THEN excluded.window_start \
                     ELSE rate_limit_bucket.window_start END"
                )),
            )
            .to_owned(),
    )
    .exec_with_returning(db.c())
    .await?;
    Ok(m.count)
}

// --- What the login asks after the password -------------------------------------------------

/// What decides the step after an account's password (`account::authenticate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFactors {
    /// It holds an unrevoked role of one of `admin_kinds`.
    pub is_admin: bool,
    /// It has a confirmed TOTP credential.
    pub totp_confirmed: bool,
    /// Its passkeys.
    pub passkeys: u64,
    /// Its fund's second-factor policy, as stored.
    pub mfa_policy: String,
}

/// [`LoginFactors`] of an account of fund `fund_id`, in one query.
pub async fn login_factors(
    db: &impl Conn,
    account_id: i64,
    fund_id: i64,
    admin_kinds: &[&str],
) -> Result<LoginFactors, StoreError> {
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::Query;
    let mut query = Query::select();
    for (expr, alias) in factor_columns(Expr::val(account_id), Expr::val(fund_id), admin_kinds) {
        query.expr_as(expr, alias);
    }
    let row = db
        .c()
        .query_one(&query)
        .await?
        .ok_or_else(|| StoreError::Corrupt("login factors: no row".into()))?;
    factors_of(&row, fund_id)
}

/// The columns of [`LoginFactors`] for the account `account` of fund `fund` (values, or the
/// columns of an outer query): one subquery each.
fn factor_columns(account: Expr, fund: Expr, admin_kinds: &[&str]) -> [(Expr, &'static str); 4] {
    use sea_orm::sea_query::{ExprTrait, Query, QueryStatementBuilder};
    let admin = Query::select()
        .expr(Expr::val(1))
        .from(admin_role::Entity)
        .and_where(
            Expr::col((admin_role::Entity, admin_role::Column::AccountId)).eq(account.clone()),
        )
        .and_where(admin_role::Column::RevokedAt.is_null())
        .and_where(admin_role::Column::Kind.is_in(admin_kinds.iter().copied()))
        .to_owned();
    let totp = Query::select()
        .expr(Expr::val(1))
        .from(totp_credential::Entity)
        .and_where(
            Expr::col((totp_credential::Entity, totp_credential::Column::AccountId))
                .eq(account.clone()),
        )
        .and_where(totp_credential::Column::ConfirmedAt.is_not_null())
        .to_owned();
    let passkeys = Query::select()
        .expr(Expr::col(webauthn_credential::Column::Id).count())
        .from(webauthn_credential::Entity)
        .and_where(
            Expr::col((
                webauthn_credential::Entity,
                webauthn_credential::Column::AccountId,
            ))
            .eq(account),
        )
        .to_owned();
    let policy = Query::select()
        .column(fund::Column::MfaPolicy)
        .from(fund::Entity)
        .and_where(Expr::col((fund::Entity, fund::Column::Id)).eq(fund))
        .to_owned();
    [
        (Expr::exists(admin), "is_admin"),
        (Expr::exists(totp), "totp"),
        (Expr::from(passkeys.into_sub_query_statement()), "passkeys"),
        (Expr::from(policy.into_sub_query_statement()), "mfa_policy"),
    ]
}

/// Reads the columns of [`factor_columns`].
fn factors_of(row: &sea_orm::QueryResult, fund_id: i64) -> Result<LoginFactors, StoreError> {
    let policy: Option<String> = row.try_get("", "mfa_policy")?;
    Ok(LoginFactors {
        is_admin: row.try_get("", "is_admin")?,
        totp_confirmed: row.try_get("", "totp")?,
        passkeys: u64::try_from(row.try_get::<i64>("", "passkeys")?).unwrap_or(0),
        mfa_policy: policy
            .ok_or_else(|| StoreError::Corrupt(format!("fund {fund_id} is missing")))?,
    })
}

// --- TOTP and recovery codes ----------------------------------------------------------------

/// The stored TOTP credential of an account.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredTotp {
    /// The secret, encrypted with the key-encryption key.
    pub secret_encrypted: String,
    /// Whether the person confirmed the enrolment with a code.
    pub confirmed: bool,
    /// The last accepted time step.
    pub last_used_step: Option<i64>,
}

impl std::fmt::Debug for StoredTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTotp")
            .field("secret_encrypted", &crate::secret::REDACTED)
            .field("confirmed", &self.confirmed)
            .field("last_used_step", &self.last_used_step)
            .finish()
    }
}

/// The TOTP credential of an account.
pub async fn totp_of(db: &impl Conn, account_id: i64) -> Result<Option<StoredTotp>, StoreError> {
    Ok(totp_credential::Entity::find_by_id(account_id)
        .one(db.c())
        .await?
        .map(|m| StoredTotp {
            secret_encrypted: m.secret_encrypted,
            confirmed: m.confirmed_at.is_some(),
            last_used_step: m.last_used_step,
        }))
}

/// Stores a new, unconfirmed TOTP secret for an account, replacing any other.
pub async fn put_totp(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    secret_encrypted: &str,
) -> Result<(), StoreError> {
    totp_credential::Entity::delete_by_id(account_id)
        .exec(tx.c())
        .await?;
    totp_credential::ActiveModel {
        account_id: Set(account_id),
        secret_encrypted: Set(secret_encrypted.to_owned()),
        confirmed_at: Set(None),
        last_used_step: Set(None),
        created_at: Set(now),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Confirms a pending enrolment with the step of the code given; `false` when there is no
/// pending enrolment.
pub async fn confirm_totp(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    step: i64,
) -> Result<bool, StoreError> {
    let r = totp_credential::Entity::update_many()
        .col_expr(totp_credential::Column::ConfirmedAt, Expr::value(Some(now)))
        .col_expr(
            totp_credential::Column::LastUsedStep,
            Expr::value(Some(step)),
        )
        .filter(totp_credential::Column::AccountId.eq(account_id))
        .filter(totp_credential::Column::ConfirmedAt.is_null())
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected == 1)
}

/// Accepts a time step once: moves `last_used_step` forward to `step` if it is behind, in one
/// conditional update, so that two nodes given the same code accept it only once.
pub async fn use_totp_step(db: &impl Conn, account_id: i64, step: i64) -> Result<bool, StoreError> {
    let _turn = db.single_write_turn().await?;
    let r = totp_credential::Entity::update_many()
        .col_expr(
            totp_credential::Column::LastUsedStep,
            Expr::value(Some(step)),
        )
        .filter(totp_credential::Column::AccountId.eq(account_id))
        .filter(totp_credential::Column::ConfirmedAt.is_not_null())
        .filter(
            Condition::any()
                .add(totp_credential::Column::LastUsedStep.is_null())
                .add(totp_credential::Column::LastUsedStep.lt(step)),
        )
        .exec(db.c())
        .await?;
    Ok(r.rows_affected == 1)
}

/// Removes the TOTP credential of an account; whether it had one.
pub async fn delete_totp(tx: &Tx, account_id: i64) -> Result<bool, StoreError> {
    let r = totp_credential::Entity::delete_by_id(account_id)
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// Replaces the recovery codes of an account by these hashes.
pub async fn replace_recovery_codes(
    tx: &Tx,
    account_id: i64,
    hashes: &[String],
) -> Result<(), StoreError> {
    delete_recovery_codes(tx, account_id).await?;
    for h in hashes {
        recovery_code::ActiveModel {
            account_id: Set(account_id),
            code_hash: Set(h.clone()),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(tx.c())
        .await?;
    }
    Ok(())
}

/// Uses a recovery code once; `false` when no unused code of the account has this hash.
pub async fn use_recovery_code(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    hash: &str,
) -> Result<bool, StoreError> {
    let r = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(now)))
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::CodeHash.eq(hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected == 1)
}

/// Unused recovery codes of an account.
pub async fn recovery_codes_left(db: &impl Conn, account_id: i64) -> Result<u64, StoreError> {
    Ok(recovery_code::Entity::find()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db.c())
        .await?)
}

/// Removes every recovery code of an account; how many there were.
pub async fn delete_recovery_codes(tx: &Tx, account_id: i64) -> Result<u64, StoreError> {
    let r = recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected)
}

// --- Password-reset tokens ------------------------------------------------------------------

/// Stores the hash of a new reset token.
pub async fn insert_reset(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    token_hash: &str,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    password_reset::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Reset tokens made for an account since `since`.
pub async fn resets_since(
    db: &impl Conn,
    account_id: i64,
    since: OffsetDateTime,
) -> Result<u64, StoreError> {
    Ok(password_reset::Entity::find()
        .filter(password_reset::Column::AccountId.eq(account_id))
        .filter(password_reset::Column::CreatedAt.gte(since))
        .count(db.c())
        .await?)
}

/// The account of an unused, unexpired reset token (without using it).
pub async fn reset_account(
    db: &impl Conn,
    now: OffsetDateTime,
    token_hash: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(password_reset::Entity::find_by_id(token_hash.to_owned())
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .one(db.c())
        .await?
        .map(|m| m.account_id))
}

/// Uses a reset token once: marks it used if it is unused and unexpired, and returns its
/// account.
pub async fn consume_reset(
    tx: &Tx,
    now: OffsetDateTime,
    token_hash: &str,
) -> Result<Option<i64>, StoreError> {
    let r = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .exec(tx.c())
        .await?;
    if r.rows_affected != 1 {
        return Ok(None);
    }
    Ok(password_reset::Entity::find_by_id(token_hash.to_owned())
        .one(tx.c())
        .await?
        .map(|m| m.account_id))
}

/// Ends every unused reset token of an account (a password was set).
pub async fn invalidate_resets(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
) -> Result<u64, StoreError> {
    let r = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::AccountId.eq(account_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected)
}

// --- Per-fund rules and forced changes ------------------------------------------------------

/// A fund's overrides of the default credential rules.
pub async fn fund_policy(db: &impl Conn, fund_id: i64) -> Result<Option<FundPolicy>, StoreError> {
    fund_credential_policy::Entity::find_by_id(fund_id)
        .one(db.c())
        .await?
        .map(|m| {
            serde_json::from_value(m.policy)
                .map_err(|_| StoreError::Corrupt(format!("fund_credential_policy {fund_id}")))
        })
        .transpose()
}

/// Sets a fund's overrides.
pub async fn set_fund_policy(
    tx: &Tx,
    now: OffsetDateTime,
    fund_id: i64,
    policy: &FundPolicy,
) -> Result<(), StoreError> {
    let value = serde_json::to_value(policy)
        .map_err(|e| StoreError::Corrupt(format!("fund policy: {e}")))?;
    fund_credential_policy::Entity::insert(fund_credential_policy::ActiveModel {
        fund_id: Set(fund_id),
        policy: Set(value),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(fund_credential_policy::Column::FundId)
            .update_columns([
                fund_credential_policy::Column::Policy,
                fund_credential_policy::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx.c())
    .await?;
    Ok(())
}

/// A fund's second-factor policy: `admins`, `everyone` or `none`.
pub async fn fund_mfa_policy(db: &impl Conn, fund_id: i64) -> Result<String, StoreError> {
    fund::Entity::find_by_id(fund_id)
        .one(db.c())
        .await?
        .map(|m| m.mfa_policy)
        .ok_or_else(|| StoreError::Corrupt(format!("fund {fund_id} is missing")))
}

/// Sets a fund's second-factor policy (`admins`, `everyone` or `none`, checked by the schema).
pub async fn set_fund_mfa_policy(tx: &Tx, fund_id: i64, policy: &str) -> Result<(), StoreError> {
    fund::Entity::update_many()
        .col_expr(fund::Column::MfaPolicy, Expr::value(policy))
        .filter(fund::Column::Id.eq(fund_id))
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Makes the given accounts change their password at their next login.
pub async fn force_password_change(
    tx: &Tx,
    now: OffsetDateTime,
    account_ids: &BTreeSet<i64>,
) -> Result<u64, StoreError> {
    if account_ids.is_empty() {
        return Ok(0);
    }
    let r = account::Entity::update_many()
        .col_expr(account::Column::MustChangePassword, Expr::value(true))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.is_in(account_ids.iter().copied()))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected)
}
