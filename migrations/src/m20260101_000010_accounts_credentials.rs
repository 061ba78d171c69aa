//! Migration: per-fund credential rules.
//!
//! Creates `fund_credential_policy`: a fund's overrides of the default password policy and
//! credential rules of the configuration (`[password_policy]`, `[accounts]`), as a JSON object
//! whose absent keys keep the default (minimum lengths, administrators' password expiry, how
//! a reset's temporary password is handed over). Who must use a second factor is already
//! `fund.mfa_policy`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the per-fund credential policy table.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundCredentialPolicy::Table)
                    .col(big_integer(FundCredentialPolicy::FundId).primary_key())
                    .col(json(FundCredentialPolicy::Policy))
                    .col(timestamp_with_time_zone(FundCredentialPolicy::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_credential_policy_fund_id")
                            .from(FundCredentialPolicy::Table, FundCredentialPolicy::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FundCredentialPolicy::Table).to_owned())
            .await
    }
}

/// Identifiers of `fund_credential_policy`.
#[derive(DeriveIden)]
enum FundCredentialPolicy {
    Table,
    FundId,
    Policy,
    UpdatedAt,
}

/// Identifiers of `fund` (created by an earlier migration).
#[derive(DeriveIden)]
enum Fund {
    Table,
    Id,
}
