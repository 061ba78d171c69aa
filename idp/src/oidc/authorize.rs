//! The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1), validated before anything
//! else happens. Errors come in two kinds (RFC 6749 §4.1.2.1): when the client or the redirect
//! URI cannot be trusted the person sees an error page and is **never** redirected; otherwise
//! the error goes back to the (registered, exactly matched) redirect URI with `state`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::Client;

/// `prompt` values Habilis understands (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// No page may be shown: answer at once, or fail with `login_required`.
    None,
    /// Authenticate again even with a live session.
    Login,
    /// Ask for consent again.
    Consent,
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    /// The client's public id.
    pub client_id: String,
    /// The registered redirect URI it named.
    pub redirect_uri: String,
    /// Requested scopes, in order, without duplicates.
    pub scopes: Vec<String>,
    /// Opaque value to return.
    pub state: String,
    /// Value to put in the ID token.
    pub nonce: String,
    /// PKCE S256 challenge (RFC 7636).
    pub code_challenge: String,
    /// `prompt` values.
    pub prompt: Vec<Prompt>,
    /// Maximum age of the authentication, in seconds.
    pub max_age: Option<i64>,
    /// Login to prefill.
    pub login_hint: Option<String>,
    /// Requested `acr` values, in order of preference.
    pub acr_values: Vec<String>,
    /// Preferred languages of the pages.
    pub ui_locales: Option<String>,
}

impl AuthRequest {
    /// The scope string.
    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }

    /// Whether a prompt value was asked.
    pub fn has_prompt(&self, p: Prompt) -> bool {
        self.prompt.contains(&p)
    }
}

/// A refused authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Shown on an error page; never redirected.
    Fatal {
        /// Stable code.
        code: &'static str,
        /// English message.
        message: String,
        /// French message.
        message_fr: String,
    },
    /// Sent back to the redirect URI.
    Redirect {
        /// Where to.
        redirect_uri: String,
        /// The request's state, if it had one.
        state: Option<String>,
        /// RFC 6749 / OIDC error code.
        error: &'static str,
        /// Human-readable description.
        description: String,
    },
}

fn fatal(code: &'static str, en: &str, fr: &str) -> AuthorizeError {
    AuthorizeError::Fatal {
        code,
        message: en.to_owned(),
        message_fr: fr.to_owned(),
    }
}

/// The parameters of a request, each at most once (RFC 6749 §3.1: "Request and response
/// parameters MUST NOT be included more than once"); `None` names a repeated parameter.
pub fn single_values(pairs: &[(String, String)]) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        if v.is_empty() {
            // An empty parameter is treated as omitted (RFC 6749 §3.1).
            continue;
        }
        if map.insert(k.clone(), v.clone()).is_some() {
            return Err(k.clone());
        }
    }
    Ok(map)
}

/// The client and the redirect URI, once both can be trusted (else an error page).
pub fn trusted_redirect<'a, 'c>(
    params: &'a BTreeMap<String, String>,
    client: Option<&'c Client>,
) -> Result<(&'c Client, &'a str), AuthorizeError> {
    let Some(client) = client.filter(|c| c.enabled) else {
        return Err(fatal(
            "unknown_client",
            "The application that sent you here is unknown or disabled.",
            "L'application qui vous a envoyé ici est inconnue ou désactivée.",
        ));
    };
    let Some(uri) = params.get("redirect_uri") else {
        return Err(fatal(
            "redirect_uri_missing",
            "The application did not say where to send you back (redirect_uri).",
            "L'application n'a pas indiqué où vous renvoyer (redirect_uri).",
        ));
    };
    // RFC 9700 §4.1.3 and OIDC Core §3.1.2.1: exact string comparison, nothing else.
    if !client.is_redirect_uri_registered(uri) {
        return Err(fatal(
            "redirect_uri_mismatch",
            "The return address given by the application is not registered for it.",
            "L'adresse de retour donnée par l'application n'est pas enregistrée pour elle.",
        ));
    }
    Ok((client, uri.as_str()))
}

/// Validates an authorization request of `client` (already found by `client_id`).
/// `pushed` says whether the parameters came from a pushed request (RFC 9126).
pub fn validate(
    params: &BTreeMap<String, String>,
    client: Option<&Client>,
    pushed: bool,
) -> Result<AuthRequest, AuthorizeError> {
    let (client, redirect_uri) = trusted_redirect(params, client)?;
    let redirect_uri = redirect_uri.to_owned();
    let state = params.get("state").cloned();
    let refuse = |error: &'static str, description: &str| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    if params.contains_key("request") {
        return Err(refuse(
            "request_not_supported",
            "request objects are not supported; use pushed authorization requests",
        ));
    }
    if params.contains_key("request_uri") {
        return Err(refuse(
            "request_uri_not_supported",
            "request_uri is only accepted as the answer of the pushed authorization endpoint",
        ));
    }
    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
        None => return Err(refuse("invalid_request", "response_type is required")),
    }
    if params
        .get("response_mode")
        .is_some_and(|m| m.as_str() != "query")
    {
        return Err(refuse(
            "invalid_request",
            "only response_mode=query is supported",
        ));
    }
    if client.require_par && !pushed {
        return Err(refuse(
            "invalid_request",
            "this client must use pushed authorization requests (RFC 9126)",
        ));
    }
    let Some(state) = state.clone() else {
        return Err(refuse("invalid_request", "state is required"));
    };
    if state.len() > 2048 {
        return Err(refuse("invalid_request", "state is too long"));
    }
    // PKCE is required for every client, confidential ones too (RFC 9700 §2.1.1).
    let Some(challenge) = params.get("code_challenge") else {
        return Err(refuse(
            "invalid_request",
            "code_challenge (PKCE) is required",
        ));
    };
    match params.get("code_challenge_method").map(String::as_str) {
        Some("S256") => {}
        _ => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method must be S256",
            ));
        }
    }
    // A S256 challenge is the base64url of 32 bytes: 43 characters.
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(refuse(
            "invalid_request",
            "code_challenge is not a S256 challenge",
        ));
    }
    let Some(nonce) = params.get("nonce").cloned() else {
        return Err(refuse("invalid_request", "nonce is required"));
    };
    if nonce.len() > 512 {
        return Err(refuse("invalid_request", "nonce is too long"));
    }
    let mut scopes: Vec<String> = Vec::new();
    for s in params
        .get("scope")
        .map(String::as_str)
        .unwrap_or("")
        .split(' ')
    {
        if !s.is_empty() && !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if !scopes.iter().any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "the openid scope is required"));
    }
    if let Some(unknown) = scopes.iter().find(|s| !client.scopes.contains(s)) {
        return Err(refuse(
            "invalid_scope",
            &format!("scope {unknown:?} is not allowed for this client"),
        ));
    }
    let mut prompt = Vec::new();
    for p in params
        .get("prompt")
        .map(String::as_str)
        .unwrap_or("")
        .split(' ')
    {
        let value = match p {
            "" => continue,
            "none" => Prompt::None,
            "login" => Prompt::Login,
            "consent" => Prompt::Consent,
            "select_account" | "create" => {
                return Err(refuse(
                    "invalid_request",
                    &format!("prompt={p} is not supported"),
                ));
            }
            _ => return Err(refuse("invalid_request", &format!("unknown prompt {p:?}"))),
        };
        if !prompt.contains(&value) {
            prompt.push(value);
        }
    }
    if prompt.contains(&Prompt::None) && prompt.len() > 1 {
        return Err(refuse(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        ));
    }
    let max_age = match params.get("max_age") {
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return Err(refuse(
                    "invalid_request",
                    "max_age must be a number of seconds",
                ));
            }
        },
        None => None,
    };
    let acr_values = params
        .get("acr_values")
        .map(|v| {
            v.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(AuthRequest {
        client_id: client.client_id.to_string(),
        redirect_uri,
        scopes,
        state,
        nonce,
        code_challenge: challenge.clone(),
        prompt,
        max_age,
        login_hint: params.get("login_hint").filter(|h| h.len() <= 256).cloned(),
        acr_values,
        ui_locales: params.get("ui_locales").cloned(),
    })
}

#[cfg(test)]
mod tests;
