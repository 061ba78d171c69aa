//! Migration: passkey ceremonies in progress (issue #4 point 6).
//!
//! Creates `webauthn_ceremony`: the server-side state of a WebAuthn registration or
//! authentication between its begin (the options sent to the browser) and its finish (the
//! browser's answer). Nodes are stateless, so the state lives here rather than in one process's
//! memory. A row is keyed by the hash of what the ceremony is bound to (the login interaction,
//! or the session of the self-service page) and its purpose, is taken (deleted) once when the
//! answer comes, and expires within minutes. The passkeys themselves live in
//! `webauthn_credential` (migration 4).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `webauthn_ceremony`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebauthnCeremony::Table)
                    .col(string(WebauthnCeremony::Key).primary_key())
                    .col(string(WebauthnCeremony::Purpose))
                    .col(big_integer(WebauthnCeremony::AccountId))
                    .col(json(WebauthnCeremony::State))
                    .col(timestamp_with_time_zone(WebauthnCeremony::CreatedAt))
                    .col(timestamp_with_time_zone(WebauthnCeremony::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webauthn_ceremony_account_id")
                            .from(WebauthnCeremony::Table, WebauthnCeremony::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "ck_webauthn_ceremony_purpose",
                        Expr::col(WebauthnCeremony::Purpose).is_in(["register", "authenticate"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webauthn_ceremony_account_id")
                    .table(WebauthnCeremony::Table)
                    .col(WebauthnCeremony::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webauthn_ceremony_expires_at")
                    .table(WebauthnCeremony::Table)
                    .col(WebauthnCeremony::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebauthnCeremony::Table).to_owned())
            .await
    }
}

/// Identifiers of `account` (created by an earlier migration).
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

/// Identifiers of `webauthn_ceremony`.
#[derive(DeriveIden)]
enum WebauthnCeremony {
    Table,
    Key,
    Purpose,
    AccountId,
    State,
    CreatedAt,
    ExpiresAt,
}
