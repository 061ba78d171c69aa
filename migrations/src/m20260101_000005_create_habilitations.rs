//! Migration: habilitations: a role of a subscription granted to an account or a group.
//!
//! Creates `habilitation`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the habilitations tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A grant of a subscription role to an account or to a group.
        manager
            .create_table(
                Table::create()
                    .table(Habilitation::Table)
                    .col(big_pk_auto(Habilitation::Id))
                    .col(big_integer(Habilitation::SubscriptionId))
                    .col(big_integer(Habilitation::ServiceRoleId))
                    .col(big_integer_null(Habilitation::AccountId))
                    .col(big_integer_null(Habilitation::GroupId))
                    .col(json_null(Habilitation::Territory))
                    .col(json_null(Habilitation::Attributes))
                    .col(date(Habilitation::ValidFrom))
                    .col(date_null(Habilitation::ValidUntil))
                    .col(string(Habilitation::Status).default("active"))
                    .col(text(Habilitation::Reason))
                    .col(big_integer_null(Habilitation::GrantedBy))
                    .col(timestamp_with_time_zone(Habilitation::GrantedAt))
                    .col(big_integer_null(Habilitation::WithdrawnBy))
                    .col(timestamp_with_time_zone_null(Habilitation::WithdrawnAt))
                    .col(text_null(Habilitation::WithdrawalReason))
                    .col(timestamp_with_time_zone(Habilitation::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_habilitation_subscription_id")
                            .from(Habilitation::Table, Habilitation::SubscriptionId)
                            .to(Subscription::Table, Subscription::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_habilitation_service_role_id")
                            .from(Habilitation::Table, Habilitation::ServiceRoleId)
                            .to(ServiceRole::Table, ServiceRole::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_habilitation_account_id")
                            .from(Habilitation::Table, Habilitation::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_habilitation_group_id")
                            .from(Habilitation::Table, Habilitation::GroupId)
                            .to(AccountGroup::Table, AccountGroup::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_habilitation_granted_by")
                            .from(Habilitation::Table, Habilitation::GrantedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_habilitation_withdrawn_by")
                            .from(Habilitation::Table, Habilitation::WithdrawnBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_habilitation_status",
                        Expr::col(Habilitation::Status).is_in([
                            "active",
                            "suspended",
                            "withdrawn",
                            "expired",
                        ]),
                    ))
                    // Exactly one holder: an account or a group.
                    .check((
                        "ck_habilitation_one_holder",
                        Expr::col(Habilitation::AccountId)
                            .is_not_null()
                            .and(Expr::col(Habilitation::GroupId).is_null())
                            .or(Expr::col(Habilitation::AccountId)
                                .is_null()
                                .and(Expr::col(Habilitation::GroupId).is_not_null())),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_habilitation_subscription_id_service_role_id_status")
                    .table(Habilitation::Table)
                    .col(Habilitation::SubscriptionId)
                    .col(Habilitation::ServiceRoleId)
                    .col(Habilitation::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_habilitation_service_role_id")
                    .table(Habilitation::Table)
                    .col(Habilitation::ServiceRoleId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_habilitation_account_id")
                    .table(Habilitation::Table)
                    .col(Habilitation::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_habilitation_group_id")
                    .table(Habilitation::Table)
                    .col(Habilitation::GroupId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(Habilitation::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Identifiers of `habilitation`.
#[derive(DeriveIden)]
enum Habilitation {
    Table,
    Id,
    SubscriptionId,
    ServiceRoleId,
    AccountId,
    GroupId,
    Territory,
    Attributes,
    ValidFrom,
    ValidUntil,
    Status,
    Reason,
    GrantedBy,
    GrantedAt,
    WithdrawnBy,
    WithdrawnAt,
    WithdrawalReason,
    UpdatedAt,
}

/// Identifiers of `account` (created by an earlier migration).
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

/// Identifiers of `account_group` (created by an earlier migration).
#[derive(DeriveIden)]
enum AccountGroup {
    Table,
    Id,
}

/// Identifiers of `service_role` (created by an earlier migration).
#[derive(DeriveIden)]
enum ServiceRole {
    Table,
    Id,
}

/// Identifiers of `subscription` (created by an earlier migration).
#[derive(DeriveIden)]
enum Subscription {
    Table,
    Id,
}
