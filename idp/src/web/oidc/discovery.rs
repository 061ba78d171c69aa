//! `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3, RFC 8414).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::oidc::client::{ADMIN_SCOPE, ClientAuth, DEFAULT_SCOPES};
use crate::oidc::keys::SigningAlg;
use crate::oidc::token::issuer;
use crate::state::AppState;

/// The provider's metadata.
pub(super) async fn configuration(State(state): State<AppState>) -> Json<Value> {
    let iss = issuer(&state.config);
    let algs: Vec<&str> = SigningAlg::ALL.iter().map(|a| a.as_str()).collect();
    let auth: Vec<&str> = ClientAuth::ALL.iter().map(|a| a.as_str()).collect();
    let confidential: Vec<&str> = auth.iter().copied().filter(|a| *a != "none").collect();
    let scopes: Vec<&str> = DEFAULT_SCOPES
        .iter()
        .copied()
        .chain([ADMIN_SCOPE])
        .collect();
    let oidc = &state.config.oidc;
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "pushed_authorization_request_endpoint": format!("{iss}/par"),
        "require_pushed_authorization_requests": false,
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "introspection_endpoint": format!("{iss}/introspect"),
        "revocation_endpoint": format!("{iss}/revoke"),
        "end_session_endpoint": format!("{iss}/logout"),
        "jwks_uri": format!("{iss}/jwks"),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": auth,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256", "EdDSA"],
        "introspection_endpoint_auth_methods_supported": confidential,
        "revocation_endpoint_auth_methods_supported": auth,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "acr_values_supported": [oidc.acr_password, oidc.acr_mfa],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "azp",
            "given_name", "family_name", "usual_name", "name", "preferred_username", "uid",
            "email", "email_verified", "siret", "organizational_unit", "partner", "convention",
            "habilitations"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
        "ui_locales_supported": ["fr", "en"],
    }))
}
