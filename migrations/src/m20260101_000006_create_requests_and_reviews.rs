//! Migration: access requests (centralised management) and the yearly reverse review (002 art.
//! 2.2.2): campaigns, per-partner reviews, their lines and signed attestations.
//!
//! Creates `access_request`, `review_campaign`, `partner_review`, `review_item`,
//! `review_attestation`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the requests and reviews tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A request by a partner administrator that a fund operator approves or rejects.
        manager
            .create_table(
                Table::create()
                    .table(AccessRequest::Table)
                    .col(big_pk_auto(AccessRequest::Id))
                    .col(big_integer(AccessRequest::PartnerId))
                    .col(big_integer_null(AccessRequest::ConventionId))
                    .col(string(AccessRequest::Kind))
                    .col(json(AccessRequest::Payload))
                    .col(string(AccessRequest::Status).default("pending"))
                    .col(big_integer(AccessRequest::RequestedBy))
                    .col(timestamp_with_time_zone(AccessRequest::RequestedAt))
                    .col(big_integer_null(AccessRequest::DecidedBy))
                    .col(timestamp_with_time_zone_null(AccessRequest::DecidedAt))
                    .col(text_null(AccessRequest::DecisionReason))
                    .col(json_null(AccessRequest::Result))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_request_partner_id")
                            .from(AccessRequest::Table, AccessRequest::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_request_convention_id")
                            .from(AccessRequest::Table, AccessRequest::ConventionId)
                            .to(Convention::Table, Convention::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_request_requested_by")
                            .from(AccessRequest::Table, AccessRequest::RequestedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_request_decided_by")
                            .from(AccessRequest::Table, AccessRequest::DecidedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_access_request_kind",
                        Expr::col(AccessRequest::Kind).is_in([
                            "create_account",
                            "grant",
                            "withdraw",
                            "modify",
                        ]),
                    ))
                    .check((
                        "ck_access_request_status",
                        Expr::col(AccessRequest::Status).is_in([
                            "pending",
                            "approved",
                            "rejected",
                            "cancelled",
                        ]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_access_request_partner_id_status")
                    .table(AccessRequest::Table)
                    .col(AccessRequest::PartnerId)
                    .col(AccessRequest::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_access_request_convention_id")
                    .table(AccessRequest::Table)
                    .col(AccessRequest::ConventionId)
                    .to_owned(),
            )
            .await?;
        // A yearly reverse-review campaign of a fund.
        manager
            .create_table(
                Table::create()
                    .table(ReviewCampaign::Table)
                    .col(big_pk_auto(ReviewCampaign::Id))
                    .col(big_integer(ReviewCampaign::FundId))
                    .col(integer(ReviewCampaign::Year))
                    .col(string(ReviewCampaign::Title))
                    .col(date(ReviewCampaign::DueOn))
                    .col(string(ReviewCampaign::Status).default("open"))
                    .col(big_integer_null(ReviewCampaign::OpenedBy))
                    .col(timestamp_with_time_zone(ReviewCampaign::OpenedAt))
                    .col(timestamp_with_time_zone_null(ReviewCampaign::ClosedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_review_campaign_fund_id_year")
                            .col(ReviewCampaign::FundId)
                            .col(ReviewCampaign::Year),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_campaign_fund_id")
                            .from(ReviewCampaign::Table, ReviewCampaign::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_campaign_opened_by")
                            .from(ReviewCampaign::Table, ReviewCampaign::OpenedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_review_campaign_status",
                        Expr::col(ReviewCampaign::Status).is_in(["open", "closed"]),
                    ))
                    .to_owned(),
            )
            .await?;
        // The review of one partner within a campaign.
        manager
            .create_table(
                Table::create()
                    .table(PartnerReview::Table)
                    .col(big_pk_auto(PartnerReview::Id))
                    .col(big_integer(PartnerReview::CampaignId))
                    .col(big_integer(PartnerReview::PartnerId))
                    .col(string(PartnerReview::Status).default("not_started"))
                    .col(timestamp_with_time_zone_null(PartnerReview::SnapshotAt))
                    .col(timestamp_with_time_zone_null(
                        PartnerReview::LatePolicyAppliedAt,
                    ))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_partner_review_campaign_id_partner_id")
                            .col(PartnerReview::CampaignId)
                            .col(PartnerReview::PartnerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_partner_review_campaign_id")
                            .from(PartnerReview::Table, PartnerReview::CampaignId)
                            .to(ReviewCampaign::Table, ReviewCampaign::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_partner_review_partner_id")
                            .from(PartnerReview::Table, PartnerReview::PartnerId)
                            .to(Partner::Table, Partner::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_partner_review_status",
                        Expr::col(PartnerReview::Status).is_in([
                            "not_started",
                            "in_progress",
                            "signed",
                        ]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_review_partner_id")
                    .table(PartnerReview::Table)
                    .col(PartnerReview::PartnerId)
                    .to_owned(),
            )
            .await?;
        // One line of a partner review: an account and one of its habilitations, kept or withdrawn.
        manager
            .create_table(
                Table::create()
                    .table(ReviewItem::Table)
                    .col(big_pk_auto(ReviewItem::Id))
                    .col(big_integer(ReviewItem::ReviewId))
                    .col(big_integer(ReviewItem::AccountId))
                    .col(big_integer_null(ReviewItem::HabilitationId))
                    .col(big_integer_null(ReviewItem::ViaGroupId))
                    .col(json(ReviewItem::Snapshot))
                    .col(string_null(ReviewItem::Decision))
                    .col(big_integer_null(ReviewItem::DecidedBy))
                    .col(timestamp_with_time_zone_null(ReviewItem::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_item_review_id")
                            .from(ReviewItem::Table, ReviewItem::ReviewId)
                            .to(PartnerReview::Table, PartnerReview::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_item_account_id")
                            .from(ReviewItem::Table, ReviewItem::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_item_habilitation_id")
                            .from(ReviewItem::Table, ReviewItem::HabilitationId)
                            .to(Habilitation::Table, Habilitation::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_item_via_group_id")
                            .from(ReviewItem::Table, ReviewItem::ViaGroupId)
                            .to(AccountGroup::Table, AccountGroup::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_item_decided_by")
                            .from(ReviewItem::Table, ReviewItem::DecidedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_review_item_decision",
                        Expr::col(ReviewItem::Decision).is_in(["keep", "withdraw"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_item_review_id")
                    .table(ReviewItem::Table)
                    .col(ReviewItem::ReviewId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_item_account_id")
                    .table(ReviewItem::Table)
                    .col(ReviewItem::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_item_habilitation_id")
                    .table(ReviewItem::Table)
                    .col(ReviewItem::HabilitationId)
                    .to_owned(),
            )
            .await?;
        // The attestation signed by the principal administrator at the end of a review.
        manager
            .create_table(
                Table::create()
                    .table(ReviewAttestation::Table)
                    .col(big_pk_auto(ReviewAttestation::Id))
                    .col(big_integer(ReviewAttestation::ReviewId).unique_key())
                    .col(big_integer(ReviewAttestation::SignedBy))
                    .col(string(ReviewAttestation::SignerName))
                    .col(text(ReviewAttestation::Statement))
                    .col(integer(ReviewAttestation::KeptCount))
                    .col(integer(ReviewAttestation::WithdrawnCount))
                    .col(timestamp_with_time_zone(ReviewAttestation::SignedAt))
                    .col(string_null(ReviewAttestation::ExportSha256))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_attestation_review_id")
                            .from(ReviewAttestation::Table, ReviewAttestation::ReviewId)
                            .to(PartnerReview::Table, PartnerReview::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_attestation_signed_by")
                            .from(ReviewAttestation::Table, ReviewAttestation::SignedBy)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_review_attestation_kept_count",
                        Expr::col(ReviewAttestation::KeptCount).gte(0),
                    ))
                    .check((
                        "ck_review_attestation_withdrawn_count",
                        Expr::col(ReviewAttestation::WithdrawnCount).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(ReviewAttestation::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReviewItem::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PartnerReview::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReviewCampaign::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccessRequest::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Identifiers of `access_request`.
#[derive(DeriveIden)]
enum AccessRequest {
    Table,
    Id,
    PartnerId,
    ConventionId,
    Kind,
    Payload,
    Status,
    RequestedBy,
    RequestedAt,
    DecidedBy,
    DecidedAt,
    DecisionReason,
    Result,
}

/// Identifiers of `review_campaign`.
#[derive(DeriveIden)]
enum ReviewCampaign {
    Table,
    Id,
    FundId,
    Year,
    Title,
    DueOn,
    Status,
    OpenedBy,
    OpenedAt,
    ClosedAt,
}

/// Identifiers of `partner_review`.
#[derive(DeriveIden)]
enum PartnerReview {
    Table,
    Id,
    CampaignId,
    PartnerId,
    Status,
    SnapshotAt,
    LatePolicyAppliedAt,
}

/// Identifiers of `review_item`.
#[derive(DeriveIden)]
enum ReviewItem {
    Table,
    Id,
    ReviewId,
    AccountId,
    HabilitationId,
    ViaGroupId,
    Snapshot,
    Decision,
    DecidedBy,
    DecidedAt,
}

/// Identifiers of `review_attestation`.
#[derive(DeriveIden)]
enum ReviewAttestation {
    Table,
    Id,
    ReviewId,
    SignedBy,
    SignerName,
    Statement,
    KeptCount,
    WithdrawnCount,
    SignedAt,
    ExportSha256,
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

/// Identifiers of `convention` (created by an earlier migration).
#[derive(DeriveIden)]
enum Convention {
    Table,
    Id,
}

/// Identifiers of `fund` (created by an earlier migration).
#[derive(DeriveIden)]
enum Fund {
    Table,
    Id,
}

/// Identifiers of `habilitation` (created by an earlier migration).
#[derive(DeriveIden)]
enum Habilitation {
    Table,
    Id,
}

/// Identifiers of `partner` (created by an earlier migration).
#[derive(DeriveIden)]
enum Partner {
    Table,
    Id,
}
