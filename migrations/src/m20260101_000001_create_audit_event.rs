//! The trace log: an append-only, hash-chained table of every login, attempt, token and
//! administrative action (002 service contract art. 5.3.1; 003 art. 7), and the one-row head
//! that serialises appends so the chain never forks, even with several nodes writing.
//! No foreign keys: a trace must outlive what it talks about.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The hash of "no previous event".
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime, which `async_trait` must
// match exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(
                        ColumnDef::new(AuditEvent::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvent::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvent::ActorKind)
                            .string()
                            .not_null()
                            .check(Expr::col(AuditEvent::ActorKind).is_in([
                                "account",
                                "cli",
                                "system",
                                "anonymous",
                            ])),
                    )
                    .col(
                        ColumnDef::new(AuditEvent::ActorAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(AuditEvent::ActorLabel).string().not_null())
                    .col(ColumnDef::new(AuditEvent::Action).string().not_null())
                    .col(ColumnDef::new(AuditEvent::TargetKind).string().null())
                    .col(ColumnDef::new(AuditEvent::TargetId).string().null())
                    .col(ColumnDef::new(AuditEvent::FundId).big_integer().null())
                    .col(ColumnDef::new(AuditEvent::PartnerId).big_integer().null())
                    .col(ColumnDef::new(AuditEvent::SourceIp).string().null())
                    .col(ColumnDef::new(AuditEvent::RequestId).string().null())
                    .col(
                        ColumnDef::new(AuditEvent::Outcome)
                            .string()
                            .not_null()
                            .check(
                                Expr::col(AuditEvent::Outcome)
                                    .is_in(["success", "failure", "denied"]),
                            ),
                    )
                    // Text, not JSON: the hash covers these exact bytes, which a JSON column
                    // type might normalise.
                    .col(ColumnDef::new(AuditEvent::Details).text().not_null())
                    .col(
                        ColumnDef::new(AuditEvent::PrevHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvent::Hash).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_event_occurred_at", vec![AuditEvent::OccurredAt]),
            (
                "idx_audit_event_fund",
                vec![AuditEvent::FundId, AuditEvent::Id],
            ),
            (
                "idx_audit_event_partner",
                vec![AuditEvent::PartnerId, AuditEvent::Id],
            ),
            (
                "idx_audit_event_actor",
                vec![AuditEvent::ActorAccountId, AuditEvent::Id],
            ),
            (
                "idx_audit_event_action",
                vec![AuditEvent::Action, AuditEvent::OccurredAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvent::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(
                        ColumnDef::new(AuditHead::Id)
                            .integer()
                            .not_null()
                            .primary_key()
                            .check(Expr::col(AuditHead::Id).eq(1)),
                    )
                    .col(
                        ColumnDef::new(AuditHead::LastEventId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditHead::LastHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditHead::Table)
                    .columns([AuditHead::Id, AuditHead::LastEventId, AuditHead::LastHash])
                    .values_panic([1.into(), 0i64.into(), GENESIS.into()])
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditHead::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    ActorKind,
    ActorAccountId,
    ActorLabel,
    Action,
    TargetKind,
    TargetId,
    FundId,
    PartnerId,
    SourceIp,
    RequestId,
    Outcome,
    Details,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    LastEventId,
    LastHash,
}
