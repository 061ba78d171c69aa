//! Migration: notifications of delegated habilitation.
//!
//! Creates `notification`: a message for one account (e.g. "your access request was approved"),
//! written in the same transaction as the change it reports, read by the console and delivered
//! by e-mail when a mail transport is configured. 002 art. 9.1: in centralised mode the fund
//! answers the partner administrators' requests; the requester is told the outcome.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `notification`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(big_pk_auto(Notification::Id))
                    .col(big_integer(Notification::AccountId))
                    .col(string(Notification::Kind))
                    .col(json(Notification::Payload))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .col(timestamp_with_time_zone_null(Notification::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notification_account_id")
                            .from(Notification::Table, Notification::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_account_id")
                    .table(Notification::Table)
                    .col(Notification::AccountId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notification::Table).to_owned())
            .await
    }
}

/// Identifiers of `notification`.
#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    AccountId,
    Kind,
    Payload,
    CreatedAt,
    ReadAt,
    SentAt,
}

/// Identifiers of `account` (referenced).
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}
