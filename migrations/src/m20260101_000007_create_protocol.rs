//! Migration: OpenID Connect protocol state: signing keys, sessions, codes, refresh tokens,
//! revocations, pushed authorization requests, consents and shared rate-limit buckets.
//!
//! Creates `signing_key`, `user_session`, `session_client`, `authorization_code`, `refresh_token`,
//! `access_token_revocation`, `par_request`, `consent`, `rate_limit_bucket`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the protocol tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A token-signing key pair; the private key is stored encrypted.
        manager
            .create_table(
                Table::create()
                    .table(SigningKey::Table)
                    .col(string(SigningKey::Kid).primary_key())
                    .col(string(SigningKey::Alg))
                    .col(text(SigningKey::PrivateKeyEncrypted))
                    .col(json(SigningKey::PublicJwk))
                    .col(timestamp_with_time_zone(SigningKey::CreatedAt))
                    .col(timestamp_with_time_zone(SigningKey::NotBefore))
                    .col(timestamp_with_time_zone_null(SigningKey::RetiredAt))
                    .col(timestamp_with_time_zone_null(SigningKey::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        // A browser session at the provider; `id` is the hash of the cookie value.
        manager
            .create_table(
                Table::create()
                    .table(UserSession::Table)
                    .col(string(UserSession::Id).primary_key())
                    .col(big_integer(UserSession::AccountId))
                    .col(timestamp_with_time_zone(UserSession::CreatedAt))
                    .col(timestamp_with_time_zone(UserSession::LastSeenAt))
                    .col(timestamp_with_time_zone(UserSession::IdleExpiresAt))
                    .col(timestamp_with_time_zone(UserSession::AbsoluteExpiresAt))
                    .col(timestamp_with_time_zone(UserSession::AuthTime))
                    .col(string(UserSession::Acr))
                    .col(json(UserSession::Amr))
                    .col(string_null(UserSession::SourceIp))
                    .col(string_null(UserSession::UserAgent))
                    .col(timestamp_with_time_zone_null(UserSession::EndedAt))
                    .col(string_null(UserSession::EndReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_session_account_id")
                            .from(UserSession::Table, UserSession::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_session_account_id")
                    .table(UserSession::Table)
                    .col(UserSession::AccountId)
                    .to_owned(),
            )
            .await?;
        create_flow_tables(manager).await?;
        // A revoked access token, kept until it would have expired.
        manager
            .create_table(
                Table::create()
                    .table(AccessTokenRevocation::Table)
                    .col(string(AccessTokenRevocation::Jti).primary_key())
                    .col(timestamp_with_time_zone(AccessTokenRevocation::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        // A pushed authorization request (RFC 9126).
        manager
            .create_table(
                Table::create()
                    .table(ParRequest::Table)
                    .col(string(ParRequest::RequestUri).primary_key())
                    .col(big_integer(ParRequest::ClientId))
                    .col(json(ParRequest::Parameters))
                    .col(timestamp_with_time_zone(ParRequest::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_par_request_client_id")
                            .from(ParRequest::Table, ParRequest::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_par_request_client_id")
                    .table(ParRequest::Table)
                    .col(ParRequest::ClientId)
                    .to_owned(),
            )
            .await?;
        // The scopes an account consented to for a client.
        manager
            .create_table(
                Table::create()
                    .table(Consent::Table)
                    .col(big_integer(Consent::AccountId))
                    .col(big_integer(Consent::ClientId))
                    .col(json(Consent::Scopes))
                    .col(timestamp_with_time_zone(Consent::GrantedAt))
                    .primary_key(
                        Index::create()
                            .col(Consent::AccountId)
                            .col(Consent::ClientId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_account_id")
                            .from(Consent::Table, Consent::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_client_id")
                            .from(Consent::Table, Consent::ClientId)
                            .to(OidcClient::Table, OidcClient::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consent_client_id")
                    .table(Consent::Table)
                    .col(Consent::ClientId)
                    .to_owned(),
            )
            .await?;
        // A fixed-window counter shared by all nodes when Redis is not configured.
        manager
            .create_table(
                Table::create()
                    .table(RateLimitBucket::Table)
                    .col(string(RateLimitBucket::Key).primary_key())
                    .col(timestamp_with_time_zone(RateLimitBucket::WindowStart))
                    .col(big_integer(RateLimitBucket::Count))
                    .check((
                        "ck_rate_limit_bucket_count",
                        Expr::col(RateLimitBucket::Count).gte(0),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(RateLimitBucket::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Consent::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ParRequest::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccessTokenRevocation::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RefreshToken::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuthorizationCode::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SessionClient::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UserSession::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SigningKey::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Creates `session_client`, `authorization_code` and `refresh_token` as this migration defines
/// them (also used by migration 000009's `down`, which restores them).
pub(crate) async fn create_flow_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // A relying party that received tokens within a session (for back-channel logout).
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
                        .name("fk_session_client_session_id")
                        .from(SessionClient::Table, SessionClient::SessionId)
                        .to(UserSession::Table, UserSession::Id)
                        .on_delete(ForeignKeyAction::Cascade),
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
    // An authorization code (hashed), consumed once.
    manager
        .create_table(
            Table::create()
                .table(AuthorizationCode::Table)
                .col(string(AuthorizationCode::CodeHash).primary_key())
                .col(big_integer(AuthorizationCode::ClientId))
                .col(big_integer(AuthorizationCode::AccountId))
                .col(string_null(AuthorizationCode::SessionId))
                .col(string(AuthorizationCode::RedirectUri))
                .col(string(AuthorizationCode::Scope))
                .col(string_null(AuthorizationCode::Nonce))
                .col(string(AuthorizationCode::CodeChallenge))
                .col(string(AuthorizationCode::CodeChallengeMethod))
                .col(timestamp_with_time_zone(AuthorizationCode::AuthTime))
                .col(string(AuthorizationCode::Acr))
                .col(json(AuthorizationCode::Amr))
                .col(json_null(AuthorizationCode::Claims))
                .col(timestamp_with_time_zone(AuthorizationCode::CreatedAt))
                .col(timestamp_with_time_zone(AuthorizationCode::ExpiresAt))
                .col(timestamp_with_time_zone_null(AuthorizationCode::ConsumedAt))
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
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_authorization_code_session_id")
                        .from(AuthorizationCode::Table, AuthorizationCode::SessionId)
                        .to(UserSession::Table, UserSession::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .check((
                    "ck_authorization_code_code_challenge_method",
                    Expr::col(AuthorizationCode::CodeChallengeMethod).is_in(["S256"]),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_authorization_code_client_id")
                .table(AuthorizationCode::Table)
                .col(AuthorizationCode::ClientId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_authorization_code_account_id")
                .table(AuthorizationCode::Table)
                .col(AuthorizationCode::AccountId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_authorization_code_session_id")
                .table(AuthorizationCode::Table)
                .col(AuthorizationCode::SessionId)
                .to_owned(),
        )
        .await?;
    // A refresh token (hashed) in its rotation family.
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
                .col(string_null(RefreshToken::SessionId))
                .col(string(RefreshToken::Scope))
                .col(timestamp_with_time_zone(RefreshToken::IssuedAt))
                .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshToken::RevokedAt))
                .col(string_null(RefreshToken::RevocationReason))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_token_parent_id")
                        .from(RefreshToken::Table, RefreshToken::ParentId)
                        .to(RefreshToken::Table, RefreshToken::Id)
                        .on_delete(ForeignKeyAction::Restrict),
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
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_token_session_id")
                        .from(RefreshToken::Table, RefreshToken::SessionId)
                        .to(UserSession::Table, UserSession::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_refresh_token_family_id")
                .table(RefreshToken::Table)
                .col(RefreshToken::FamilyId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_refresh_token_client_id")
                .table(RefreshToken::Table)
                .col(RefreshToken::ClientId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_refresh_token_account_id")
                .table(RefreshToken::Table)
                .col(RefreshToken::AccountId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_refresh_token_session_id")
                .table(RefreshToken::Table)
                .col(RefreshToken::SessionId)
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// Identifiers of `signing_key`.
#[derive(DeriveIden)]
enum SigningKey {
    Table,
    Kid,
    Alg,
    PrivateKeyEncrypted,
    PublicJwk,
    CreatedAt,
    NotBefore,
    RetiredAt,
    ExpiresAt,
}

/// Identifiers of `user_session`.
#[derive(DeriveIden)]
enum UserSession {
    Table,
    Id,
    AccountId,
    CreatedAt,
    LastSeenAt,
    IdleExpiresAt,
    AbsoluteExpiresAt,
    AuthTime,
    Acr,
    Amr,
    SourceIp,
    UserAgent,
    EndedAt,
    EndReason,
}

/// Identifiers of `session_client`.
#[derive(DeriveIden)]
enum SessionClient {
    Table,
    SessionId,
    ClientId,
    FirstSeenAt,
}

/// Identifiers of `authorization_code`.
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
    Claims,
    CreatedAt,
    ExpiresAt,
    ConsumedAt,
}

/// Identifiers of `refresh_token`.
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
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    RevocationReason,
}

/// Identifiers of `access_token_revocation`.
#[derive(DeriveIden)]
enum AccessTokenRevocation {
    Table,
    Jti,
    ExpiresAt,
}

/// Identifiers of `par_request`.
#[derive(DeriveIden)]
enum ParRequest {
    Table,
    RequestUri,
    ClientId,
    Parameters,
    ExpiresAt,
}

/// Identifiers of `consent`.
#[derive(DeriveIden)]
enum Consent {
    Table,
    AccountId,
    ClientId,
    Scopes,
    GrantedAt,
}

/// Identifiers of `rate_limit_bucket`.
#[derive(DeriveIden)]
enum RateLimitBucket {
    Table,
    Key,
    WindowStart,
    Count,
}

/// Identifiers of `account` (created by an earlier migration).
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

/// Identifiers of `oidc_client` (created by an earlier migration).
#[derive(DeriveIden)]
enum OidcClient {
    Table,
    Id,
}
