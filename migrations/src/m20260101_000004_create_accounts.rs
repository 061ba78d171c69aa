//! Migration: extranet accounts and their credentials, administrative role assignments, and groups.
//!
//! Creates `account`, `password_credential`, `login_throttle`, `totp_credential`, `recovery_code`,
//! `webauthn_credential`, `password_reset`, `admin_role`, `account_group`, `group_membership`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the accounts tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An extranet user (extranaute) or a fund staff member.
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .col(big_pk_auto(Account::Id))
                    .col(string(Account::Subject).unique_key())
                    .col(big_integer(Account::FundId))
                    .col(big_integer_null(Account::PartnerId))
                    .col(big_integer_null(Account::UnitId))
                    .col(string(Account::Login).unique_key())
                    .col(string(Account::GivenName))
                    .col(string(Account::FamilyName))
                    .col(string_null(Account::UsualName))
                    .col(string_null(Account::Email))
                    .col(string_null(Account::Phone))
                    .col(string_null(Account::JobTitle))
                    .col(json(Account::Attributes))
                    .col(string(Account::Status).default("pending"))
                    .col(text_null(Account::StatusReason))
                    .col(date_null(Account::ValidFrom))
                    .col(date_null(Account::ValidUntil))
                    .col(boolean(Account::MustChangePassword).default(true))
                    .col(timestamp_with_time_zone_null(Account::LastLoginAt))
                    .col(big_integer_null(Account::CreatedBy))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .col(timestamp_with_time_zone(Account::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Account::DisabledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_fund_id")
                            .from(Account::Table, Account::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_partner_id")
                            .from(Account::Table, Account::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_unit_id")
                            .from(Account::Table, Account::UnitId)
                            .to(Unit::Table, Unit::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_created_by")
                            .from(Account::Table, Account::CreatedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    // Stored lower-case, so the unique index is case-insensitive.
                    .check((
                        "ck_account_login_lower",
                        Expr::col(Account::Login).eq(Func::lower(Expr::col(Account::Login))),
                    ))
                    .check((
                        "ck_account_status",
                        Expr::col(Account::Status).is_in([
                            "pending",
                            "active",
                            "locked",
                            "suspended",
                            "disabled",
                        ]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_fund_id")
                    .table(Account::Table)
                    .col(Account::FundId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_partner_id")
                    .table(Account::Table)
                    .col(Account::PartnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_unit_id")
                    .table(Account::Table)
                    .col(Account::UnitId)
                    .to_owned(),
            )
            .await?;
        // The password of an account (at most one).
        manager
            .create_table(
                Table::create()
                    .table(PasswordCredential::Table)
                    .col(big_integer(PasswordCredential::AccountId).primary_key())
                    .col(string(PasswordCredential::Hash))
                    .col(boolean(PasswordCredential::IsTemporary))
                    .col(timestamp_with_time_zone_null(PasswordCredential::ExpiresAt))
                    .col(timestamp_with_time_zone(PasswordCredential::ChangedAt))
                    .col(timestamp_with_time_zone(PasswordCredential::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_credential_account_id")
                            .from(PasswordCredential::Table, PasswordCredential::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Failed-login counter and lock of an account.
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(big_integer(LoginThrottle::AccountId).primary_key())
                    .col(integer(LoginThrottle::FailedCount).default(0))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LastFailureAt))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_login_throttle_account_id")
                            .from(LoginThrottle::Table, LoginThrottle::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "ck_login_throttle_failed_count",
                        Expr::col(LoginThrottle::FailedCount).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        // The TOTP secret of an account (at most one).
        manager
            .create_table(
                Table::create()
                    .table(TotpCredential::Table)
                    .col(big_integer(TotpCredential::AccountId).primary_key())
                    .col(text(TotpCredential::SecretEncrypted))
                    .col(timestamp_with_time_zone_null(TotpCredential::ConfirmedAt))
                    .col(big_integer_null(TotpCredential::LastUsedStep))
                    .col(timestamp_with_time_zone(TotpCredential::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_totp_credential_account_id")
                            .from(TotpCredential::Table, TotpCredential::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A one-time recovery code of an account (hashed).
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCode::Table)
                    .col(big_pk_auto(RecoveryCode::Id))
                    .col(big_integer(RecoveryCode::AccountId))
                    .col(string(RecoveryCode::CodeHash))
                    .col(timestamp_with_time_zone_null(RecoveryCode::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_recovery_code_account_id")
                            .from(RecoveryCode::Table, RecoveryCode::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recovery_code_account_id")
                    .table(RecoveryCode::Table)
                    .col(RecoveryCode::AccountId)
                    .to_owned(),
            )
            .await?;
        // A WebAuthn passkey of an account.
        manager
            .create_table(
                Table::create()
                    .table(WebauthnCredential::Table)
                    .col(big_pk_auto(WebauthnCredential::Id))
                    .col(big_integer(WebauthnCredential::AccountId))
                    .col(string(WebauthnCredential::CredentialId).unique_key())
                    .col(json(WebauthnCredential::Passkey))
                    .col(string(WebauthnCredential::Label))
                    .col(timestamp_with_time_zone(WebauthnCredential::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebauthnCredential::LastUsedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webauthn_credential_account_id")
                            .from(WebauthnCredential::Table, WebauthnCredential::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webauthn_credential_account_id")
                    .table(WebauthnCredential::Table)
                    .col(WebauthnCredential::AccountId)
                    .to_owned(),
            )
            .await?;
        // A password-reset token (hashed).
        manager
            .create_table(
                Table::create()
                    .table(PasswordReset::Table)
                    .col(string(PasswordReset::TokenHash).primary_key())
                    .col(big_integer(PasswordReset::AccountId))
                    .col(timestamp_with_time_zone(PasswordReset::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordReset::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordReset::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_reset_account_id")
                            .from(PasswordReset::Table, PasswordReset::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_password_reset_account_id")
                    .table(PasswordReset::Table)
                    .col(PasswordReset::AccountId)
                    .to_owned(),
            )
            .await?;
        // An administrative role assignment: fund operator, principal or deputy admin, delegated manager.
        manager
            .create_table(
                Table::create()
                    .table(AdminRole::Table)
                    .col(big_pk_auto(AdminRole::Id))
                    .col(big_integer(AdminRole::AccountId))
                    .col(string(AdminRole::Kind))
                    .col(big_integer_null(AdminRole::FundId))
                    .col(big_integer_null(AdminRole::PartnerId))
                    .col(json_null(AdminRole::Scope))
                    .col(boolean(AdminRole::MayDelegate).default(false))
                    .col(big_integer_null(AdminRole::GrantedBy))
                    .col(timestamp_with_time_zone(AdminRole::GrantedAt))
                    .col(timestamp_with_time_zone_null(AdminRole::RevokedAt))
                    .col(big_integer_null(AdminRole::RevokedBy))
                    .col(text_null(AdminRole::RevocationReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_role_account_id")
                            .from(AdminRole::Table, AdminRole::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_role_fund_id")
                            .from(AdminRole::Table, AdminRole::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_role_partner_id")
                            .from(AdminRole::Table, AdminRole::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_role_granted_by")
                            .from(AdminRole::Table, AdminRole::GrantedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_role_revoked_by")
                            .from(AdminRole::Table, AdminRole::RevokedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_admin_role_kind",
                        Expr::col(AdminRole::Kind).is_in([
                            "fund_operator",
                            "principal_admin",
                            "deputy_admin",
                            "delegated_manager",
                        ]),
                    ))
                    // A fund operator belongs to a fund, every other kind to a partner.
                    .check((
                        "ck_admin_role_target",
                        Expr::col(AdminRole::Kind)
                            .eq("fund_operator")
                            .and(Expr::col(AdminRole::FundId).is_not_null())
                            .and(Expr::col(AdminRole::PartnerId).is_null())
                            .or(Expr::col(AdminRole::Kind)
                                .ne("fund_operator")
                                .and(Expr::col(AdminRole::PartnerId).is_not_null())
                                .and(Expr::col(AdminRole::FundId).is_null())),
                    ))
                    .to_owned(),
            )
            .await?;
        // At most one active principal and one active deputy administrator per partner.
        manager
            .create_index(
                Index::create()
                    .name("uq_admin_role_active_partner_head")
                    .table(AdminRole::Table)
                    .col(AdminRole::PartnerId)
                    .col(AdminRole::Kind)
                    .unique()
                    .and_where(
                        Expr::col(AdminRole::Kind).is_in(["principal_admin", "deputy_admin"]),
                    )
                    .and_where(Expr::col(AdminRole::RevokedAt).is_null())
                    .to_owned(),
            )
            .await?;
        // An account holds a partner role at most once while active.
        manager
            .create_index(
                Index::create()
                    .name("uq_admin_role_active_partner")
                    .table(AdminRole::Table)
                    .col(AdminRole::AccountId)
                    .col(AdminRole::Kind)
                    .col(AdminRole::PartnerId)
                    .unique()
                    .and_where(Expr::col(AdminRole::PartnerId).is_not_null())
                    .and_where(Expr::col(AdminRole::RevokedAt).is_null())
                    .to_owned(),
            )
            .await?;
        // An account is fund operator of a fund at most once while active.
        manager
            .create_index(
                Index::create()
                    .name("uq_admin_role_active_fund")
                    .table(AdminRole::Table)
                    .col(AdminRole::AccountId)
                    .col(AdminRole::Kind)
                    .col(AdminRole::FundId)
                    .unique()
                    .and_where(Expr::col(AdminRole::FundId).is_not_null())
                    .and_where(Expr::col(AdminRole::RevokedAt).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_role_fund_id")
                    .table(AdminRole::Table)
                    .col(AdminRole::FundId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_role_account_id")
                    .table(AdminRole::Table)
                    .col(AdminRole::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_role_partner_id")
                    .table(AdminRole::Table)
                    .col(AdminRole::PartnerId)
                    .to_owned(),
            )
            .await?;
        // A partner-scoped group of accounts (`group` is an SQL keyword).
        manager
            .create_table(
                Table::create()
                    .table(AccountGroup::Table)
                    .col(big_pk_auto(AccountGroup::Id))
                    .col(big_integer(AccountGroup::PartnerId))
                    .col(string(AccountGroup::Name))
                    .col(text_null(AccountGroup::Description))
                    .col(timestamp_with_time_zone(AccountGroup::CreatedAt))
                    .col(timestamp_with_time_zone_null(AccountGroup::DeletedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_account_group_partner_id_name")
                            .col(AccountGroup::PartnerId)
                            .col(AccountGroup::Name),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_group_partner_id")
                            .from(AccountGroup::Table, AccountGroup::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // An account in a group.
        manager
            .create_table(
                Table::create()
                    .table(GroupMembership::Table)
                    .col(big_integer(GroupMembership::GroupId))
                    .col(big_integer(GroupMembership::AccountId))
                    .col(big_integer_null(GroupMembership::AddedBy))
                    .col(timestamp_with_time_zone(GroupMembership::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(GroupMembership::GroupId)
                            .col(GroupMembership::AccountId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_membership_group_id")
                            .from(GroupMembership::Table, GroupMembership::GroupId)
                            .to(AccountGroup::Table, AccountGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_membership_account_id")
                            .from(GroupMembership::Table, GroupMembership::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_membership_added_by")
                            .from(GroupMembership::Table, GroupMembership::AddedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_group_membership_account_id")
                    .table(GroupMembership::Table)
                    .col(GroupMembership::AccountId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(GroupMembership::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccountGroup::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AdminRole::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PasswordReset::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebauthnCredential::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RecoveryCode::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TotpCredential::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LoginThrottle::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PasswordCredential::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Account::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Identifiers of `account`.
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    Subject,
    FundId,
    PartnerId,
    UnitId,
    Login,
    GivenName,
    FamilyName,
    UsualName,
    Email,
    Phone,
    JobTitle,
    Attributes,
    Status,
    StatusReason,
    ValidFrom,
    ValidUntil,
    MustChangePassword,
    LastLoginAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    DisabledAt,
}

/// Identifiers of `password_credential`.
#[derive(DeriveIden)]
enum PasswordCredential {
    Table,
    AccountId,
    Hash,
    IsTemporary,
    ExpiresAt,
    ChangedAt,
    CreatedAt,
}

/// Identifiers of `login_throttle`.
#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    AccountId,
    FailedCount,
    LastFailureAt,
    LockedUntil,
}

/// Identifiers of `totp_credential`.
#[derive(DeriveIden)]
enum TotpCredential {
    Table,
    AccountId,
    SecretEncrypted,
    ConfirmedAt,
    LastUsedStep,
    CreatedAt,
}

/// Identifiers of `recovery_code`.
#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    AccountId,
    CodeHash,
    UsedAt,
}

/// Identifiers of `webauthn_credential`.
#[derive(DeriveIden)]
enum WebauthnCredential {
    Table,
    Id,
    AccountId,
    CredentialId,
    Passkey,
    Label,
    CreatedAt,
    LastUsedAt,
}

/// Identifiers of `password_reset`.
#[derive(DeriveIden)]
enum PasswordReset {
    Table,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

/// Identifiers of `admin_role`.
#[derive(DeriveIden)]
enum AdminRole {
    Table,
    Id,
    AccountId,
    Kind,
    FundId,
    PartnerId,
    Scope,
    MayDelegate,
    GrantedBy,
    GrantedAt,
    RevokedAt,
    RevokedBy,
    RevocationReason,
}

/// Identifiers of `account_group`.
#[derive(DeriveIden)]
enum AccountGroup {
    Table,
    Id,
    PartnerId,
    Name,
    Description,
    CreatedAt,
    DeletedAt,
}

/// Identifiers of `group_membership`.
#[derive(DeriveIden)]
enum GroupMembership {
    Table,
    GroupId,
    AccountId,
    AddedBy,
    AddedAt,
}

/// Identifiers of `fund` (created by an earlier migration).
#[derive(DeriveIden)]
enum Fund {
    Table,
    Id,
}

/// Identifiers of `partner` (created by an earlier migration).
#[derive(DeriveIden)]
enum Partner {
    Table,
    Id,
}

/// Identifiers of `unit` (created by an earlier migration).
#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}
