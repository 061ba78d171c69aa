//! Migration: audit retention seals, the directory synchronisation outbox and the monthly usage
//! statistics (003 art. 7).
//!
//! Creates `audit_seal`, `directory_outbox`, `usage_monthly`, `usage_user_month`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the directory and statistics tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A seal written when old audit events are purged: the chain head they ended at.
        manager
            .create_table(
                Table::create()
                    .table(AuditSeal::Table)
                    .col(big_pk_auto(AuditSeal::Id))
                    .col(timestamp_with_time_zone(AuditSeal::SealedAt))
                    .col(big_integer(AuditSeal::UpToEventId))
                    .col(string(AuditSeal::LastHash))
                    .col(big_integer(AuditSeal::PurgedCount))
                    .check((
                        "ck_audit_seal_purged_count",
                        Expr::col(AuditSeal::PurgedCount).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        // A pending change to push to the LDAP directory.
        manager
            .create_table(
                Table::create()
                    .table(DirectoryOutbox::Table)
                    .col(big_pk_auto(DirectoryOutbox::Id))
                    .col(string(DirectoryOutbox::EntryKind))
                    .col(string(DirectoryOutbox::EntryKey))
                    .col(string(DirectoryOutbox::Operation))
                    .col(timestamp_with_time_zone(DirectoryOutbox::CreatedAt))
                    .col(integer(DirectoryOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(DirectoryOutbox::NextAttemptAt))
                    .col(text_null(DirectoryOutbox::LastError))
                    .col(timestamp_with_time_zone_null(DirectoryOutbox::ProcessedAt))
                    .check((
                        "ck_directory_outbox_entry_kind",
                        Expr::col(DirectoryOutbox::EntryKind).is_in([
                            "fund",
                            "partner",
                            "account",
                            "group",
                            "role_group",
                        ]),
                    ))
                    .check((
                        "ck_directory_outbox_operation",
                        Expr::col(DirectoryOutbox::Operation).is_in(["upsert", "delete"]),
                    ))
                    .check((
                        "ck_directory_outbox_attempts",
                        Expr::col(DirectoryOutbox::Attempts).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_directory_outbox_processed_at_next_attempt_at")
                    .table(DirectoryOutbox::Table)
                    .col(DirectoryOutbox::ProcessedAt)
                    .col(DirectoryOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // Monthly usage counters of a fund, optionally per partner and per service.
        manager
            .create_table(
                Table::create()
                    .table(UsageMonthly::Table)
                    .col(big_pk_auto(UsageMonthly::Id))
                    .col(string(UsageMonthly::Month))
                    .col(big_integer(UsageMonthly::FundId))
                    .col(big_integer_null(UsageMonthly::PartnerId))
                    .col(big_integer_null(UsageMonthly::ServiceId))
                    .col(big_integer(UsageMonthly::PartnerKey).generated(
                        Func::coalesce([Expr::col(UsageMonthly::PartnerId), Expr::val(0)]),
                        true,
                    ))
                    .col(big_integer(UsageMonthly::ServiceKey).generated(
                        Func::coalesce([Expr::col(UsageMonthly::ServiceId), Expr::val(0)]),
                        true,
                    ))
                    .col(big_integer(UsageMonthly::Logins).default(0))
                    .col(big_integer(UsageMonthly::DistinctUsers).default(0))
                    .col(big_integer(UsageMonthly::Failures).default(0))
                    .col(big_integer(UsageMonthly::Locks).default(0))
                    .col(big_integer(UsageMonthly::TokensIssued).default(0))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_usage_monthly_month_fund_id_partner_key_service_key")
                            .col(UsageMonthly::Month)
                            .col(UsageMonthly::FundId)
                            .col(UsageMonthly::PartnerKey)
                            .col(UsageMonthly::ServiceKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_usage_monthly_fund_id")
                            .from(UsageMonthly::Table, UsageMonthly::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_usage_monthly_partner_id")
                            .from(UsageMonthly::Table, UsageMonthly::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_usage_monthly_service_id")
                            .from(UsageMonthly::Table, UsageMonthly::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_usage_monthly_month",
                        Expr::col(UsageMonthly::Month).like("____-__"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_monthly_partner_id")
                    .table(UsageMonthly::Table)
                    .col(UsageMonthly::PartnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_monthly_service_id")
                    .table(UsageMonthly::Table)
                    .col(UsageMonthly::ServiceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_monthly_fund_id")
                    .table(UsageMonthly::Table)
                    .col(UsageMonthly::FundId)
                    .to_owned(),
            )
            .await?;
        // An account seen in a month (per service), to count distinct users incrementally.
        manager
            .create_table(
                Table::create()
                    .table(UsageUserMonth::Table)
                    .col(big_pk_auto(UsageUserMonth::Id))
                    .col(string(UsageUserMonth::Month))
                    .col(big_integer(UsageUserMonth::AccountId))
                    .col(big_integer_null(UsageUserMonth::ServiceId))
                    .col(big_integer(UsageUserMonth::ServiceKey).generated(
                        Func::coalesce([Expr::col(UsageUserMonth::ServiceId), Expr::val(0)]),
                        true,
                    ))
                    .col(timestamp_with_time_zone(UsageUserMonth::FirstSeenAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_usage_user_month_month_account_id_service_key")
                            .col(UsageUserMonth::Month)
                            .col(UsageUserMonth::AccountId)
                            .col(UsageUserMonth::ServiceKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_usage_user_month_account_id")
                            .from(UsageUserMonth::Table, UsageUserMonth::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_usage_user_month_service_id")
                            .from(UsageUserMonth::Table, UsageUserMonth::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_usage_user_month_month",
                        Expr::col(UsageUserMonth::Month).like("____-__"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_user_month_account_id")
                    .table(UsageUserMonth::Table)
                    .col(UsageUserMonth::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_user_month_service_id")
                    .table(UsageUserMonth::Table)
                    .col(UsageUserMonth::ServiceId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(UsageUserMonth::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UsageMonthly::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DirectoryOutbox::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditSeal::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Identifiers of `audit_seal`.
#[derive(DeriveIden)]
enum AuditSeal {
    Table,
    Id,
    SealedAt,
    UpToEventId,
    LastHash,
    PurgedCount,
}

/// Identifiers of `directory_outbox`.
#[derive(DeriveIden)]
enum DirectoryOutbox {
    Table,
    Id,
    EntryKind,
    EntryKey,
    Operation,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    LastError,
    ProcessedAt,
}

/// Identifiers of `usage_monthly`.
#[derive(DeriveIden)]
enum UsageMonthly {
    Table,
    Id,
    Month,
    FundId,
    PartnerId,
    ServiceId,
    PartnerKey,
    ServiceKey,
    Logins,
    DistinctUsers,
    Failures,
    Locks,
    TokensIssued,
}

/// Identifiers of `usage_user_month`.
#[derive(DeriveIden)]
enum UsageUserMonth {
    Table,
    Id,
    Month,
    AccountId,
    ServiceId,
    ServiceKey,
    FirstSeenAt,
}

/// Identifiers of `account` (created by an earlier migration).
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
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

/// Identifiers of `service` (created by an earlier migration).
#[derive(DeriveIden)]
enum Service {
    Table,
    Id,
}
