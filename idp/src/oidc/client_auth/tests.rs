#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn basic_header_is_decoded_with_form_unescaping() {
    // RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded before base64.
    let value = STANDARD.encode("my%20client:s%3Acret%2B");
    assert_eq!(
        parse_basic(&format!("Basic {value}")),
        Some(("my client".into(), "s:cret+".into()))
    );
    assert_eq!(
        parse_basic(&format!("basic {value}")).map(|p| p.0),
        Some("my client".into())
    );
    for bad in [
        "Bearer abc",
        "Basic",
        "Basic !!!",
        &format!("Basic {}", STANDARD.encode("nocolon")),
    ] {
        assert_eq!(parse_basic(bad), None, "{bad}");
    }
}

#[test]
fn one_method_at_a_time() {
    let basic = Some(("c1".to_owned(), "s".to_owned()));
    let cases: Vec<(Presented, Option<ClientAuth>)> = vec![
        (
            Presented {
                basic: basic.clone(),
                ..Default::default()
            },
            Some(ClientAuth::ClientSecretBasic),
        ),
        (
            Presented {
                client_id: Some("c1".into()),
                client_secret: Some("s".into()),
                ..Default::default()
            },
            Some(ClientAuth::ClientSecretPost),
        ),
        (
            Presented {
                client_id: Some("c1".into()),
                ..Default::default()
            },
            Some(ClientAuth::None),
        ),
        // Basic and post at once.
        (
            Presented {
                basic: basic.clone(),
                client_secret: Some("s".into()),
                ..Default::default()
            },
            None,
        ),
        // Basic naming another client than the form.
        (
            Presented {
                basic,
                client_id: Some("c2".into()),
                ..Default::default()
            },
            None,
        ),
        // Nothing at all.
        (Presented::default(), None),
        // An assertion of the wrong type.
        (
            Presented {
                assertion_type: Some("urn:other".into()),
                assertion: Some("a.b.c".into()),
                ..Default::default()
            },
            None,
        ),
    ];
    for (p, want) in cases {
        assert_eq!(identify(&p).ok().map(|(_, m)| m), want, "{p:?}");
    }
}

#[test]
fn registered_key_sets_are_checked() {
    let ec = serde_json::json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
    }]});
    assert_eq!(check_jwks(&ec), Ok(()));
    let private = serde_json::json!({"keys": [{
        "kty": "EC", "crv": "P-256", "d": "secret",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
    }]});
    assert!(check_jwks(&private).unwrap_err().contains("private"));
    let oct = serde_json::json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]});
    assert!(check_jwks(&oct).unwrap_err().contains("symmetric"));
    assert!(check_jwks(&serde_json::json!({"keys": []})).is_err());
    assert!(check_jwks(&serde_json::json!("nope")).is_err());
}
