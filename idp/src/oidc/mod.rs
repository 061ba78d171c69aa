//! The OpenID Connect provider's own objects: signing keys (encrypted at rest, rotation,
//! JWKS), JWT signing and verification, and the registry of relying parties (clients).
//!
//! This module knows no HTTP: the endpoints live in `web` and call these functions. It builds
//! on the domain (funds, services) and never the other way round: domain modules do not import
//! `crate::oidc`. Standards: RFC 6749 (OAuth 2.0), OpenID Connect Core 1.0, RFC 7517/7518/7519
//! (JWK, JWA, JWT), RFC 9068 (JWT access tokens), RFC 8252 and RFC 9700 (security BCP).

pub mod authorize;
pub mod backchannel;
pub mod cascade;
pub mod claims;
pub mod client;
pub mod client_auth;
pub mod grant;
pub mod housekeeping;
pub mod introspection;
pub mod jws;
pub mod jwt;
pub mod kek;
pub mod keys;
pub mod session;
pub mod subject;
pub mod token;
