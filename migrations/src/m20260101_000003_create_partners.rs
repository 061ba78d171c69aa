//! Migration: partners of a fund, their units, their conventions with the fund, the subscriptions
//! of a convention to services, and the per-role quotas of each subscription.
//!
//! Creates `partner`, `unit`, `convention`, `subscription`, `role_quota`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the partners tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partner in ONE fund's third-party register (the same town hall with two funds is two rows).
        manager
            .create_table(
                Table::create()
                    .table(Partner::Table)
                    .col(big_pk_auto(Partner::Id))
                    .col(big_integer(Partner::FundId))
                    .col(string(Partner::ThirdPartyNumber))
                    .col(string_null(Partner::Siret))
                    .col(string(Partner::Name))
                    .col(string(Partner::Kind))
                    .col(string(Partner::Status).default("active"))
                    .col(timestamp_with_time_zone_null(Partner::SuspendedAt))
                    .col(text_null(Partner::SuspensionReason))
                    .col(string_null(Partner::Email))
                    .col(text_null(Partner::Address))
                    .col(timestamp_with_time_zone(Partner::CreatedAt))
                    .col(timestamp_with_time_zone(Partner::UpdatedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_partner_fund_id_third_party_number")
                            .col(Partner::FundId)
                            .col(Partner::ThirdPartyNumber),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_partner_fund_id")
                            .from(Partner::Table, Partner::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_partner_kind",
                        Expr::col(Partner::Kind).is_in([
                            "commune",
                            "departement",
                            "childcare_operator",
                            "childcare_structure",
                            "information_point",
                            "other",
                        ]),
                    ))
                    .check((
                        "ck_partner_status",
                        Expr::col(Partner::Status).is_in(["active", "suspended"]),
                    ))
                    .to_owned(),
            )
            .await?;
        // A unit of a partner, e.g. one childcare structure of an operator.
        manager
            .create_table(
                Table::create()
                    .table(Unit::Table)
                    .col(big_pk_auto(Unit::Id))
                    .col(big_integer(Unit::PartnerId))
                    .col(string(Unit::Code))
                    .col(string(Unit::Name))
                    .col(string_null(Unit::Siret))
                    .col(timestamp_with_time_zone(Unit::CreatedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_unit_partner_id_code")
                            .col(Unit::PartnerId)
                            .col(Unit::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_partner_id")
                            .from(Unit::Table, Unit::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A convention between a fund and a partner: term, status, management mode, mission, territory.
        manager
            .create_table(
                Table::create()
                    .table(Convention::Table)
                    .col(big_pk_auto(Convention::Id))
                    .col(big_integer(Convention::FundId))
                    .col(big_integer(Convention::PartnerId))
                    .col(string(Convention::Number))
                    .col(date_null(Convention::SignedOn))
                    .col(date(Convention::EffectiveFrom))
                    .col(integer(Convention::TermMonths).default(12))
                    .col(boolean(Convention::TacitRenewal).default(true))
                    .col(integer(Convention::NoticeMonths).default(3))
                    .col(string(Convention::Status).default("draft"))
                    .col(string(Convention::ManagementMode).default("delegated"))
                    .col(text(Convention::Mission))
                    .col(json(Convention::Territory))
                    .col(date_null(Convention::TerminationRequestedOn))
                    .col(date_null(Convention::TerminatesOn))
                    .col(timestamp_with_time_zone_null(Convention::TerminatedAt))
                    .col(timestamp_with_time_zone_null(Convention::SuspendedAt))
                    .col(text_null(Convention::StatusReason))
                    .col(timestamp_with_time_zone(Convention::CreatedAt))
                    .col(timestamp_with_time_zone(Convention::UpdatedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_convention_fund_id_number")
                            .col(Convention::FundId)
                            .col(Convention::Number),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_convention_fund_id")
                            .from(Convention::Table, Convention::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_convention_partner_id")
                            .from(Convention::Table, Convention::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_convention_term_months",
                        Expr::col(Convention::TermMonths).gt(0),
                    ))
                    .check((
                        "ck_convention_notice_months",
                        Expr::col(Convention::NoticeMonths).gte(0),
                    ))
                    .check((
                        "ck_convention_status",
                        Expr::col(Convention::Status).is_in([
                            "draft",
                            "active",
                            "suspended",
                            "terminated",
                        ]),
                    ))
                    .check((
                        "ck_convention_management_mode",
                        Expr::col(Convention::ManagementMode).is_in(["delegated", "centralised"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_convention_partner_id")
                    .table(Convention::Table)
                    .col(Convention::PartnerId)
                    .to_owned(),
            )
            .await?;
        // A subscription (bulletin d'adhésion) of a convention to a service.
        manager
            .create_table(
                Table::create()
                    .table(Subscription::Table)
                    .col(big_pk_auto(Subscription::Id))
                    .col(big_integer(Subscription::ConventionId))
                    .col(big_integer(Subscription::ServiceId))
                    .col(date(Subscription::OpenedOn))
                    .col(date_null(Subscription::ClosedOn))
                    .col(string(Subscription::Status).default("active"))
                    .col(integer_null(Subscription::TotalQuota))
                    .col(timestamp_with_time_zone(Subscription::CreatedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_subscription_convention_id_service_id")
                            .col(Subscription::ConventionId)
                            .col(Subscription::ServiceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscription_convention_id")
                            .from(Subscription::Table, Subscription::ConventionId)
                            .to(Convention::Table, Convention::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscription_service_id")
                            .from(Subscription::Table, Subscription::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_subscription_status",
                        Expr::col(Subscription::Status).is_in(["active", "closed"]),
                    ))
                    .check((
                        "ck_subscription_total_quota",
                        Expr::col(Subscription::TotalQuota).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_subscription_service_id")
                    .table(Subscription::Table)
                    .col(Subscription::ServiceId)
                    .to_owned(),
            )
            .await?;
        // The maximum number of distinct holders of one role under one subscription.
        manager
            .create_table(
                Table::create()
                    .table(RoleQuota::Table)
                    .col(big_pk_auto(RoleQuota::Id))
                    .col(big_integer(RoleQuota::SubscriptionId))
                    .col(big_integer(RoleQuota::ServiceRoleId))
                    .col(integer(RoleQuota::MaxHolders))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_role_quota_subscription_id_service_role_id")
                            .col(RoleQuota::SubscriptionId)
                            .col(RoleQuota::ServiceRoleId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_quota_subscription_id")
                            .from(RoleQuota::Table, RoleQuota::SubscriptionId)
                            .to(Subscription::Table, Subscription::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_quota_service_role_id")
                            .from(RoleQuota::Table, RoleQuota::ServiceRoleId)
                            .to(ServiceRole::Table, ServiceRole::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_role_quota_max_holders",
                        Expr::col(RoleQuota::MaxHolders).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_role_quota_service_role_id")
                    .table(RoleQuota::Table)
                    .col(RoleQuota::ServiceRoleId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(RoleQuota::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Subscription::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Convention::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Unit::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Partner::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Identifiers of `partner`.
#[derive(DeriveIden)]
enum Partner {
    Table,
    Id,
    FundId,
    ThirdPartyNumber,
    Siret,
    Name,
    Kind,
    Status,
    SuspendedAt,
    SuspensionReason,
    Email,
    Address,
    CreatedAt,
    UpdatedAt,
}

/// Identifiers of `unit`.
#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    PartnerId,
    Code,
    Name,
    Siret,
    CreatedAt,
}

/// Identifiers of `convention`.
#[derive(DeriveIden)]
enum Convention {
    Table,
    Id,
    FundId,
    PartnerId,
    Number,
    SignedOn,
    EffectiveFrom,
    TermMonths,
    TacitRenewal,
    NoticeMonths,
    Status,
    ManagementMode,
    Mission,
    Territory,
    TerminationRequestedOn,
    TerminatesOn,
    TerminatedAt,
    SuspendedAt,
    StatusReason,
    CreatedAt,
    UpdatedAt,
}

/// Identifiers of `subscription`.
#[derive(DeriveIden)]
enum Subscription {
    Table,
    Id,
    ConventionId,
    ServiceId,
    OpenedOn,
    ClosedOn,
    Status,
    TotalQuota,
    CreatedAt,
}

/// Identifiers of `role_quota`.
#[derive(DeriveIden)]
enum RoleQuota {
    Table,
    Id,
    SubscriptionId,
    ServiceRoleId,
    MaxHolders,
}

/// Identifiers of `fund` (created by an earlier migration).
#[derive(DeriveIden)]
enum Fund {
    Table,
    Id,
}

/// Identifiers of `service` (created by an earlier migration).
#[derive(DeriveIden)]
enum Service {
    Table,
    Id,
}

/// Identifiers of `service_role` (created by an earlier migration).
#[derive(DeriveIden)]
enum ServiceRole {
    Table,
    Id,
}
