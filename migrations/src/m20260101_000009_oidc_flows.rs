//! Migration: the state of OpenID Connect flows.
//!
//! Sessions may live in Redis (several nodes, `[redis] url`), so codes, refresh tokens and
//! session clients name a session by id without a foreign key to `user_session`. The three
//! tables are recreated rather than altered (SQLite cannot drop a foreign key); no release ever
//! wrote to them. Codes and refresh tokens also remember the access token issued with them, so
//! that a replayed code or a reused refresh token revokes it (RFC 9700 §4.14, §4.5).
//!
//! Creates `auth_interaction` (a login in progress, between `/authorize` and the redirect back)
//! and `backchannel_logout` (logout tokens to deliver, retried until delivered).

use sea_orm_migration::{prelude::*, schema::*};

/// Recreates the flow tables and adds interactions and the back-channel logout queue.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Indexes first, by name: SQLite keeps index names schema-wide, and a pooled
        // connection must not see the old ones when the new ones are created.
        for (index, table) in [
            (
                "idx_session_client_client_id",
                SessionClient::Table.into_iden(),
            ),
            (
                "idx_authorization_code_client_id",
                AuthorizationCode::Table.into_iden(),
            ),
            (
                "idx_authorization_code_account_id",
                AuthorizationCode::Table.into_iden(),
            ),
            (
                "idx_authorization_code_session_id",
                AuthorizationCode::Table.into_iden(),
            ),
            (
                "idx_refresh_token_family_id",
                RefreshToken::Table.into_iden(),
            ),
            (
                "idx_refresh_token_client_id",
                RefreshToken::Table.into_iden(),
            ),
            (
                "idx_refresh_token_account_id",
                RefreshToken::Table.into_iden(),
            ),
            (
                "idx_refresh_token_session_id",
                RefreshToken::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(index).table(table).to_owned())
                .await?;
        }
        for table in [
            SessionClient::Table.into_iden(),
            RefreshToken::Table.into_iden(),
            AuthorizationCode::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SessionClient::Table)
                    .col(string(SessionClient::SessionId))
                    .col(big_integer(SessionClient::ClientId))
                    .col(timestamp_with_time_zone(SessionClient::FirstSeenAt))
                    .primary_key(
                        Index::create()
                            .col(SessionClient::SessionId)
                            .col(SessionClient::ClientId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_client_client_id")
                            .from(SessionClient::Table, SessionClient::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_session_client_client_id")
                    .table(SessionClient::Table)
                    .col(SessionClient::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthorizationCode::Table)
                    .col(string(AuthorizationCode::CodeHash).primary_key())
                    .col(big_integer(AuthorizationCode::ClientId))
                    .col(big_integer(AuthorizationCode::AccountId))
                    .col(string(AuthorizationCode::SessionId))
                    .col(string(AuthorizationCode::RedirectUri))
                    .col(string(AuthorizationCode::Scope))
                    .col(string_null(AuthorizationCode::Nonce))
                    .col(string(AuthorizationCode::CodeChallenge))
                    .col(string(AuthorizationCode::CodeChallengeMethod))
                    .col(timestamp_with_time_zone(AuthorizationCode::AuthTime))
                    .col(string(AuthorizationCode::Acr))
                    .col(json(AuthorizationCode::Amr))
                    .col(timestamp_with_time_zone(AuthorizationCode::CreatedAt))
                    .col(timestamp_with_time_zone(AuthorizationCode::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AuthorizationCode::ConsumedAt))
                    .col(string_null(AuthorizationCode::AccessTokenJti))
                    .col(timestamp_with_time_zone_null(
                        AuthorizationCode::AccessTokenExpiresAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_authorization_code_client_id")
                            .from(AuthorizationCode::Table, AuthorizationCode::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_authorization_code_account_id")
                            .from(AuthorizationCode::Table, AuthorizationCode::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "ck_authorization_code_code_challenge_method",
                        Expr::col(AuthorizationCode::CodeChallengeMethod).is_in(["S256"]),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_authorization_code_client_id",
                AuthorizationCode::ClientId,
            ),
            (
                "idx_authorization_code_account_id",
                AuthorizationCode::AccountId,
            ),
            (
                "idx_authorization_code_expires_at",
                AuthorizationCode::ExpiresAt,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuthorizationCode::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(big_pk_auto(RefreshToken::Id))
                    .col(string(RefreshToken::TokenHash).unique_key())
                    .col(string(RefreshToken::FamilyId))
                    .col(big_integer_null(RefreshToken::ParentId))
                    .col(big_integer(RefreshToken::ClientId))
                    .col(big_integer(RefreshToken::AccountId))
                    .col(string(RefreshToken::SessionId))
                    .col(string(RefreshToken::Scope))
                    .col(timestamp_with_time_zone(RefreshToken::AuthTime))
                    .col(string(RefreshToken::Acr))
                    .col(json(RefreshToken::Amr))
                    .col(timestamp_with_time_zone(RefreshToken::IssuedAt))
                    .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::RevokedAt))
                    .col(string_null(RefreshToken::RevocationReason))
                    .col(string_null(RefreshToken::CodeHash))
                    .col(string_null(RefreshToken::AccessTokenJti))
                    .col(timestamp_with_time_zone_null(
                        RefreshToken::AccessTokenExpiresAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_token_parent_id")
                            .from(RefreshToken::Table, RefreshToken::ParentId)
                            .to(RefreshToken::Table, RefreshToken::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_token_client_id")
                            .from(RefreshToken::Table, RefreshToken::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_token_account_id")
                            .from(RefreshToken::Table, RefreshToken::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_refresh_token_family_id", RefreshToken::FamilyId),
            ("idx_refresh_token_client_id", RefreshToken::ClientId),
            ("idx_refresh_token_account_id", RefreshToken::AccountId),
            ("idx_refresh_token_session_id", RefreshToken::SessionId),
            ("idx_refresh_token_code_hash", RefreshToken::CodeHash),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RefreshToken::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        // A login in progress: the validated authorization request, the CSRF token of its
        // forms and the browser it is bound to (both hashed), and how far the person got.
        manager
            .create_table(
                Table::create()
                    .table(AuthInteraction::Table)
                    .col(string(AuthInteraction::Id).primary_key())
                    .col(big_integer(AuthInteraction::ClientId))
                    .col(json(AuthInteraction::Request))
                    .col(string(AuthInteraction::CsrfHash))
                    .col(string(AuthInteraction::BindingHash))
                    .col(string(AuthInteraction::Step))
                    .col(big_integer_null(AuthInteraction::AccountId))
                    .col(json(AuthInteraction::Amr))
                    .col(timestamp_with_time_zone_null(AuthInteraction::AuthTime))
                    .col(timestamp_with_time_zone(AuthInteraction::CreatedAt))
                    .col(timestamp_with_time_zone(AuthInteraction::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_interaction_client_id")
                            .from(AuthInteraction::Table, AuthInteraction::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_interaction_account_id")
                            .from(AuthInteraction::Table, AuthInteraction::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "ck_auth_interaction_step",
                        Expr::col(AuthInteraction::Step).is_in([
                            "login",
                            "change_password",
                            "second_factor",
                            "enrol_second_factor",
                            "consent",
                        ]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_auth_interaction_expires_at")
                    .table(AuthInteraction::Table)
                    .col(AuthInteraction::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        // A logout token to POST to a client's back-channel logout URI.
        manager
            .create_table(
                Table::create()
                    .table(BackchannelLogout::Table)
                    .col(big_pk_auto(BackchannelLogout::Id))
                    .col(big_integer(BackchannelLogout::ClientId))
                    .col(big_integer(BackchannelLogout::AccountId))
                    .col(string(BackchannelLogout::SessionId))
                    .col(string(BackchannelLogout::Reason))
                    .col(timestamp_with_time_zone(BackchannelLogout::CreatedAt))
                    .col(timestamp_with_time_zone(BackchannelLogout::NextAttemptAt))
                    .col(integer(BackchannelLogout::Attempts).default(0))
                    .col(string_null(BackchannelLogout::LastError))
                    .col(timestamp_with_time_zone_null(
                        BackchannelLogout::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_backchannel_logout_client_id")
                            .from(BackchannelLogout::Table, BackchannelLogout::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_backchannel_logout_account_id")
                            .from(BackchannelLogout::Table, BackchannelLogout::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "ck_backchannel_logout_attempts",
                        Expr::col(BackchannelLogout::Attempts).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_backchannel_logout_next_attempt_at")
                    .table(BackchannelLogout::Table)
                    .col(BackchannelLogout::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The recreated tables go back to their earlier shape, empty.
        for table in [
            BackchannelLogout::Table.into_iden(),
            AuthInteraction::Table.into_iden(),
            SessionClient::Table.into_iden(),
            RefreshToken::Table.into_iden(),
            AuthorizationCode::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        super::m20260101_000007_create_protocol::create_flow_tables(manager).await
    }
}

#[derive(DeriveIden)]
enum SessionClient {
    Table,
    SessionId,
    ClientId,
    FirstSeenAt,
}

#[derive(DeriveIden)]
enum AuthorizationCode {
    Table,
    CodeHash,
    ClientId,
    AccountId,
    SessionId,
    RedirectUri,
    Scope,
    Nonce,
    CodeChallenge,
    CodeChallengeMethod,
    AuthTime,
    Acr,
    Amr,
    CreatedAt,
    ExpiresAt,
    ConsumedAt,
    AccessTokenJti,
    AccessTokenExpiresAt,
}

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    Id,
    TokenHash,
    FamilyId,
    ParentId,
    ClientId,
    AccountId,
    SessionId,
    Scope,
    AuthTime,
    Acr,
    Amr,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    RevocationReason,
    CodeHash,
    AccessTokenJti,
    AccessTokenExpiresAt,
}

#[derive(DeriveIden)]
enum AuthInteraction {
    Table,
    Id,
    ClientId,
    Request,
    CsrfHash,
    BindingHash,
    Step,
    AccountId,
    Amr,
    AuthTime,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum BackchannelLogout {
    Table,
    Id,
    ClientId,
    AccountId,
    SessionId,
    Reason,
    CreatedAt,
    NextAttemptAt,
    Attempts,
    LastError,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OidcClient {
    Table,
    Id,
}
