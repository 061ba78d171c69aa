//! Entity of `oidc_client`: an OpenID Connect relying party: a consultation app of a service, or a
//! first-party app.
//!
//! Mirrors migration `m20260101_000002_create_catalogue`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `oidc_client`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_client")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// Client id.
    #[sea_orm(unique)]
    pub(crate) client_id: String,
    /// Null for first-party apps such as the console.
    pub(crate) service_id: Option<i64>,
    /// Name.
    pub(crate) name: String,
    /// PHC hash of the client secret; null for a public client.
    pub(crate) secret_hash: Option<String>,
    /// One of `client_secret_basic`, `client_secret_post`, `private_key_jwt`, `none`.
    pub(crate) token_endpoint_auth_method: String,
    /// Redirect uris.
    pub(crate) redirect_uris: Json,
    /// Post logout redirect uris.
    pub(crate) post_logout_redirect_uris: Json,
    /// Backchannel logout uri.
    pub(crate) backchannel_logout_uri: Option<String>,
    /// Grant types.
    pub(crate) grant_types: Json,
    /// Scopes.
    pub(crate) scopes: Json,
    /// Require par.
    pub(crate) require_par: bool,
    /// Consent required.
    pub(crate) consent_required: bool,
    /// Signing alg.
    pub(crate) signing_alg: String,
    /// One of `public`, `pairwise`.
    pub(crate) subject_type: String,
    /// Sector identifier.
    pub(crate) sector_identifier: Option<String>,
    /// Jwks.
    pub(crate) jwks: Option<Json>,
    /// Userinfo signed.
    pub(crate) userinfo_signed: bool,
    /// Enabled.
    pub(crate) enabled: bool,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Updated at.
    pub(crate) updated_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `oidc_client`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `service_id` references `service`.
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id",
        on_delete = "Restrict"
    )]
    Service,
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
