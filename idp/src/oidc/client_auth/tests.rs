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

/// With a cache that never rereads on its own, a secret replaced a moment ago still works at
/// once (a refusal reads the client again), and then only the new one does.
#[tokio::test]
async fn a_new_secret_works_before_the_cache_expires() {
    use crate::oidc::client::cache::ClientCache;
    use crate::oidc::client::tests::registered;
    use crate::testing::{self, T0};

    let db = testing::sqlite().await;
    let (c, old) = registered(&db).await;
    let clients = ClientCache::new(
        time::Duration::hours(1),
        std::sync::Arc::new(crate::clock::SystemClock),
    );
    let with = |secret: &str| Presented {
        basic: Some((c.client_id.as_str().to_owned(), secret.to_owned())),
        ..Presented::default()
    };
    let auth = |p: Presented| {
        let (db, clients) = (&db, &clients);
        async move { authenticate(db, clients, T0, &[], &p).await }
    };
    assert_eq!(auth(with(old.0.expose())).await.unwrap().id, c.id);
    let (_, new) = client::rotate_secret(&db, T0, &testing::actor(), &c.client_id)
        .await
        .unwrap();
    assert_eq!(auth(with(new.0.expose())).await.unwrap().id, c.id);
    assert!(matches!(
        auth(with(old.0.expose())).await,
        Err(ClientAuthError::WrongSecret)
    ));
    assert!(matches!(
        auth(with("not-the-secret")).await,
        Err(ClientAuthError::WrongSecret)
    ));
    let unknown = Presented {
        basic: Some(("hab_unknown".to_owned(), "x".to_owned())),
        ..Presented::default()
    };
    assert!(matches!(auth(unknown).await, Err(ClientAuthError::Unknown)));
}
