//! Migration: the catalogue a fund offers: funds, their online services, the roles (profiles) of
//! each service, and the OIDC clients (relying applications) of each service.
//!
//! Creates `fund`, `service`, `service_role`, `oidc_client`.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the catalogue tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A Caf or MSA fund: the owner of one partner extranet.
        manager
            .create_table(
                Table::create()
                    .table(Fund::Table)
                    .col(big_pk_auto(Fund::Id))
                    .col(string(Fund::Code).unique_key())
                    .col(string(Fund::Name))
                    .col(string(Fund::Kind))
                    .col(json(Fund::Departements))
                    .col(string(Fund::LoginPolicy).default("generated"))
                    .col(string(Fund::MfaPolicy).default("admins"))
                    .col(timestamp_with_time_zone(Fund::CreatedAt))
                    .check(("ck_fund_kind", Expr::col(Fund::Kind).is_in(["caf", "msa"])))
                    .check((
                        "ck_fund_login_policy",
                        Expr::col(Fund::LoginPolicy).is_in(["generated", "email"]),
                    ))
                    .check((
                        "ck_fund_mfa_policy",
                        Expr::col(Fund::MfaPolicy).is_in(["admins", "everyone", "none"]),
                    ))
                    .to_owned(),
            )
            .await?;
        // An online consultation service (bouquet) offered by a fund.
        manager
            .create_table(
                Table::create()
                    .table(Service::Table)
                    .col(big_pk_auto(Service::Id))
                    .col(big_integer(Service::FundId))
                    .col(string(Service::Code))
                    .col(string(Service::Name))
                    .col(text(Service::Description))
                    .col(timestamp_with_time_zone(Service::CreatedAt))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_service_fund_id_code")
                            .col(Service::FundId)
                            .col(Service::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_fund_id")
                            .from(Service::Table, Service::FundId)
                            .to(Fund::Table, Fund::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A role (profile) of a service, e.g. CDAP `T1`, `T18` or `consultation`.
        manager
            .create_table(
                Table::create()
                    .table(ServiceRole::Table)
                    .col(big_pk_auto(ServiceRole::Id))
                    .col(big_integer(ServiceRole::ServiceId))
                    .col(string(ServiceRole::Code))
                    .col(string(ServiceRole::Label))
                    .col(string_null(ServiceRole::RequiredAttribute))
                    .col(string_null(ServiceRole::RequiredAttributeLabel))
                    .index(
                        Index::create()
                            .unique()
                            .name("uq_service_role_service_id_code")
                            .col(ServiceRole::ServiceId)
                            .col(ServiceRole::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_role_service_id")
                            .from(ServiceRole::Table, ServiceRole::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // An OpenID Connect relying party: a consultation app of a service, or a first-party app.
        manager
            .create_table(
                Table::create()
                    .table(OidcClient::Table)
                    .col(big_pk_auto(OidcClient::Id))
                    .col(string(OidcClient::ClientId).unique_key())
                    .col(big_integer_null(OidcClient::ServiceId))
                    .col(string(OidcClient::Name))
                    .col(string_null(OidcClient::SecretHash))
                    .col(string(OidcClient::TokenEndpointAuthMethod))
                    .col(json(OidcClient::RedirectUris))
                    .col(json(OidcClient::PostLogoutRedirectUris))
                    .col(string_null(OidcClient::BackchannelLogoutUri))
                    .col(json(OidcClient::GrantTypes))
                    .col(json(OidcClient::Scopes))
                    .col(boolean(OidcClient::RequirePar))
                    .col(boolean(OidcClient::ConsentRequired))
                    .col(string(OidcClient::SigningAlg).default("ES256"))
                    .col(string(OidcClient::SubjectType).default("public"))
                    .col(string_null(OidcClient::SectorIdentifier))
                    .col(json_null(OidcClient::Jwks))
                    .col(boolean(OidcClient::UserinfoSigned))
                    .col(boolean(OidcClient::Enabled))
                    .col(timestamp_with_time_zone(OidcClient::CreatedAt))
                    .col(timestamp_with_time_zone(OidcClient::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oidc_client_service_id")
                            .from(OidcClient::Table, OidcClient::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check((
                        "ck_oidc_client_token_endpoint_auth_method",
                        Expr::col(OidcClient::TokenEndpointAuthMethod).is_in([
                            "client_secret_basic",
                            "client_secret_post",
                            "private_key_jwt",
                            "none",
                        ]),
                    ))
                    .check((
                        "ck_oidc_client_subject_type",
                        Expr::col(OidcClient::SubjectType).is_in(["public", "pairwise"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oidc_client_service_id")
                    .table(OidcClient::Table)
                    .col(OidcClient::ServiceId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key is left dangling.
        manager
            .drop_table(Table::drop().table(OidcClient::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ServiceRole::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Service::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Fund::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Identifiers of `fund`.
#[derive(DeriveIden)]
enum Fund {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Departements,
    LoginPolicy,
    MfaPolicy,
    CreatedAt,
}

/// Identifiers of `service`.
#[derive(DeriveIden)]
enum Service {
    Table,
    Id,
    FundId,
    Code,
    Name,
    Description,
    CreatedAt,
}

/// Identifiers of `service_role`.
#[derive(DeriveIden)]
enum ServiceRole {
    Table,
    Id,
    ServiceId,
    Code,
    Label,
    RequiredAttribute,
    RequiredAttributeLabel,
}

/// Identifiers of `oidc_client`.
#[derive(DeriveIden)]
enum OidcClient {
    Table,
    Id,
    ClientId,
    ServiceId,
    Name,
    SecretHash,
    TokenEndpointAuthMethod,
    RedirectUris,
    PostLogoutRedirectUris,
    BackchannelLogoutUri,
    GrantTypes,
    Scopes,
    RequirePar,
    ConsentRequired,
    SigningAlg,
    SubjectType,
    SectorIdentifier,
    Jwks,
    UserinfoSigned,
    Enabled,
    CreatedAt,
    UpdatedAt,
}
