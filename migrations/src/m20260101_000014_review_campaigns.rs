//! Migration: what the yearly reverse review (002 service contract art. 2.2.2) needs beyond the
//! tables drafted in migration 6.
//!
//! - `review_item` gains the columns its bulk filters read in SQL (login, service, role, group,
//!   last login): JSON columns are never compared in SQL.
//! - `review_reminder`: the reminders sent for a partner's review, one row per (review, kind),
//!   so that however many nodes run the reminder job each reminder goes out once.
//! - `audit_verification`: the last result of the periodic `audit verify` (one row), shown by
//!   the detailed readiness probe.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the review's filter columns, reminders and the stored verification result.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for col in [
            string(ReviewItem::Login).default("").to_owned(),
            string_null(ReviewItem::Service),
            string_null(ReviewItem::Role),
            string_null(ReviewItem::GroupName),
            timestamp_with_time_zone_null(ReviewItem::LastLoginAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ReviewItem::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ReviewReminder::Table)
                    .col(big_pk_auto(ReviewReminder::Id))
                    .col(big_integer(ReviewReminder::ReviewId))
                    .col(string(ReviewReminder::Kind))
                    .col(integer(ReviewReminder::Recipients))
                    .col(timestamp_with_time_zone(ReviewReminder::SentAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_review_reminder_review_id_kind")
                            .col(ReviewReminder::ReviewId)
                            .col(ReviewReminder::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_reminder_review_id")
                            .from(ReviewReminder::Table, ReviewReminder::ReviewId)
                            .to(PartnerReview::Table, PartnerReview::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditVerification::Table)
                    .col(
                        ColumnDef::new(AuditVerification::Id)
                            .integer()
                            .not_null()
                            .primary_key()
                            .check(Expr::col(AuditVerification::Id).eq(1)),
                    )
                    .col(timestamp_with_time_zone(AuditVerification::RanAt))
                    .col(boolean(AuditVerification::Intact))
                    .col(big_integer(AuditVerification::Checked))
                    .col(big_integer_null(AuditVerification::BrokenAt))
                    .col(text_null(AuditVerification::Reason))
                    .col(integer(AuditVerification::DurationMs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditVerification::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReviewReminder::Table).to_owned())
            .await?;
        for col in [
            ReviewItem::LastLoginAt,
            ReviewItem::GroupName,
            ReviewItem::Role,
            ReviewItem::Service,
            ReviewItem::Login,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ReviewItem::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// Identifiers of `review_item` (created by migration 6).
#[derive(DeriveIden, Clone, Copy)]
enum ReviewItem {
    Table,
    Login,
    Service,
    Role,
    GroupName,
    LastLoginAt,
}

/// Identifiers of `partner_review` (created by migration 6).
#[derive(DeriveIden)]
enum PartnerReview {
    Table,
    Id,
}

/// Identifiers of `review_reminder`.
#[derive(DeriveIden)]
enum ReviewReminder {
    Table,
    Id,
    ReviewId,
    Kind,
    Recipients,
    SentAt,
}

/// Identifiers of `audit_verification`.
#[derive(DeriveIden)]
enum AuditVerification {
    Table,
    Id,
    RanAt,
    Intact,
    Checked,
    BrokenAt,
    Reason,
    DurationMs,
}
