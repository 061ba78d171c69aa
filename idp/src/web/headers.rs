//! Security headers on every response: a strict Content-Security-Policy (no inline script, no
//! framing), no MIME sniffing, no referrer leaks (authorization codes travel in URLs), and HSTS
//! when the deployment serves HTTPS.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Content-Security-Policy of every page: only our own resources; forms post to us only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of a page whose form, once posted to us, is answered with a redirect to a
/// relying party (login steps, consent, logout): browsers apply `form-action` to every
/// redirect that follows a form submission (CSP Level 3 §6.4.1; Chromium blocks the
/// navigation), so that party's origin must be allowed too. Only the origin (or, for a
/// native app's custom scheme, the scheme) of a URI already registered for the client.
pub fn csp_allowing_redirect_to(uri: &url::Url) -> Option<HeaderValue> {
    let origin = uri.origin();
    let source = if origin.is_tuple() {
        origin.ascii_serialization()
    } else {
        format!("{}:", uri.scheme())
    };
    let csp = CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {source}"),
    );
    HeaderValue::from_str(&csp).ok()
}

/// The layers setting the security headers (applied when a handler did not set its own).
pub fn layers(hsts: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let mut layers = vec![
        set(header::CONTENT_SECURITY_POLICY, CSP),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::REFERRER_POLICY, "no-referrer"),
        set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        set(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    if hsts {
        // RFC 6797: two years, as browsers' preload lists expect.
        layers.push(set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ));
    }
    layers
}

fn set(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test")]
    use super::*;

    fn csp_for(uri: &str) -> String {
        let v = csp_allowing_redirect_to(&url::Url::parse(uri).unwrap()).unwrap();
        v.to_str().unwrap().to_owned()
    }

    #[test]
    fn the_redirect_origin_is_added_to_form_action_only() {
        let csp = csp_for("https://cdap.example:8443/cb?x=1");
        assert!(
            csp.contains("form-action 'self' https://cdap.example:8443;"),
            "{csp}"
        );
        assert_eq!(csp.replace(" https://cdap.example:8443", ""), CSP);
        // A native app's custom scheme: the scheme alone.
        let csp = csp_for("fr.caf.app:/callback");
        assert!(csp.contains("form-action 'self' fr.caf.app:;"), "{csp}");
    }
}
