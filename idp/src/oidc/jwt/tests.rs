use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::macros::datetime;

use super::*;
use crate::oidc::kek::KeyEncryptionKey;
use crate::oidc::keys::{self, KeyError, PUBLICATION_DELAY, StoredKey};
use crate::testing;

const T0: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);
const ISS: &str = "https://habilis.example";
const AUD: &str = "hab_client";

fn expected(now: OffsetDateTime) -> Expected<'static> {
    Expected {
        issuer: ISS,
        audience: AUD,
        token_type: None,
        now,
    }
}

fn claims() -> Claims {
    Claims::new(ISS, "sub-1", AUD, T0, Duration::seconds(300)).with("nonce", "n-0S6")
}

/// A key set with a current and a next key of each algorithm (RSA included), as of `T0`.
async fn key_set() -> (crate::store::Db, KeyEncryptionKey, KeySet) {
    let db = testing::sqlite().await;
    let kek = KeyEncryptionKey::generate();
    keys::ensure(&db, &kek, T0, &testing::actor(), &SigningAlg::ALL)
        .await
        .unwrap();
    let set = KeySet::load(crate::store::signing_key::all(&db).await.unwrap(), &kek).unwrap();
    (db, kek, set)
}

fn b64_json(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn sign_then_verify_with_every_algorithm() {
    let (_db, _kek, set) = key_set().await;
    for alg in SigningAlg::ALL {
        for ty in [TokenType::IdToken, TokenType::AccessToken] {
            let token = sign(&set, alg, ty, &claims()).unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.alg, alg.jwt_alg());
            assert_eq!(header.typ.as_deref(), Some(ty.typ()));
            assert_eq!(
                header.kid.as_deref(),
                Some(set.current(alg).unwrap().stored.kid.as_str())
            );
            let exp = Expected {
                token_type: Some(ty),
                ..expected(T0)
            };
            let got = verify(&set, &token, &exp).unwrap();
            assert_eq!(got, claims(), "{alg}");
            let other = if ty == TokenType::IdToken {
                TokenType::AccessToken
            } else {
                TokenType::IdToken
            };
            let wrong = Expected {
                token_type: Some(other),
                ..expected(T0)
            };
            assert!(matches!(
                verify(&set, &token, &wrong),
                Err(JwtError::WrongType)
            ));
        }
    }
}

#[tokio::test]
async fn verification_refuses_forged_or_stale_tokens() {
    let (_db, _kek, set) = key_set().await;
    let token = sign(&set, SigningAlg::Es256, TokenType::IdToken, &claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let kid = set.current(SigningAlg::Es256).unwrap().stored.kid.clone();
    let rsa_kid = set.current(SigningAlg::Rs256).unwrap().stored.kid.clone();
    let payload = b64_json(&serde_json::to_value(claims()).unwrap());

    // alg: none, with and without a signature.
    let none_header = b64_json(&serde_json::json!({ "alg": "none", "kid": kid, "typ": "JWT" }));
    // HS256 keyed with the public key material: the classic algorithm-confusion forgery.
    let jwk = serde_json::to_vec(&set.jwks(T0).keys[0]).unwrap();
    let hs_header = jsonwebtoken::Header {
        kid: Some(kid),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
    };
    let hs = jsonwebtoken::encode(
        &hs_header,
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(&jwk).unwrap(),
    )
    .unwrap();
    // A modified payload under the original signature.
    let mut altered = claims();
    altered.sub = "someone-else".into();
    let altered = format!(
        "{}.{}.{}",
        parts[0],
        b64_json(&serde_json::to_value(altered).unwrap()),
        parts[2]
    );
    // An ES256 token claiming the RSA key's kid.
    let mismatch_header = b64_json(&serde_json::json!({ "alg": "ES256", "kid": rsa_kid }));
    let mismatch = format!("{mismatch_header}.{}.{}", parts[1], parts[2]);
    let unknown_header = b64_json(&serde_json::json!({ "alg": "ES256", "kid": "nope" }));
    let unknown = format!("{unknown_header}.{}.{}", parts[1], parts[2]);
    let no_kid = format!(
        "{}.{}.{}",
        b64_json(&serde_json::json!({ "alg": "ES256" })),
        parts[1],
        parts[2]
    );

    type Case<'a> = (&'a str, String, Expected<'a>, fn(&JwtError) -> bool);
    let cases: Vec<Case<'_>> = vec![
        (
            "alg none, empty signature",
            format!("{none_header}.{payload}."),
            expected(T0),
            |e| matches!(e, JwtError::AlgorithmRefused(_)),
        ),
        (
            "alg none, copied signature",
            format!("{none_header}.{payload}.{}", parts[2]),
            expected(T0),
            |e| matches!(e, JwtError::AlgorithmRefused(_)),
        ),
        ("HS256 with the public key", hs, expected(T0), |e| {
            matches!(e, JwtError::AlgorithmRefused(_))
        }),
        ("modified payload", altered, expected(T0), |e| {
            matches!(e, JwtError::BadSignature)
        }),
        ("alg of another key", mismatch, expected(T0), |e| {
            matches!(e, JwtError::AlgorithmMismatch)
        }),
        ("unknown kid", unknown, expected(T0), |e| {
            matches!(e, JwtError::UnknownKey)
        }),
        ("no kid", no_kid, expected(T0), |e| {
            matches!(e, JwtError::UnknownKey)
        }),
        ("garbage", "abc".into(), expected(T0), |e| {
            matches!(e, JwtError::Malformed)
        }),
        (
            "expired",
            token.clone(),
            expected(T0 + Duration::seconds(300) + LEEWAY),
            |e| matches!(e, JwtError::Expired),
        ),
        (
            "issued in the future",
            token.clone(),
            expected(T0 - Duration::minutes(5)),
            |e| matches!(e, JwtError::NotYetValid),
        ),
        (
            "other issuer",
            token.clone(),
            Expected {
                issuer: "https://evil.example",
                ..expected(T0)
            },
            |e| matches!(e, JwtError::WrongIssuer),
        ),
        (
            "other audience",
            token.clone(),
            Expected {
                audience: "hab_other",
                ..expected(T0)
            },
            |e| matches!(e, JwtError::WrongAudience),
        ),
    ];
    for (name, token, exp, check) in cases {
        let result = verify(&set, &token, &exp);
        assert!(result.as_ref().is_err_and(check), "{name}: {result:?}");
    }
    // Still valid just inside the leeway.
    verify(
        &set,
        &token,
        &expected(T0 + Duration::seconds(300) + LEEWAY - Duration::seconds(1)),
    )
    .unwrap();
}

#[tokio::test]
async fn not_before_in_the_future_is_refused() {
    let (_db, _kek, set) = key_set().await;
    let mut c = claims();
    c.exp = (T0 + Duration::hours(1)).unix_timestamp();
    c.nbf = Some((T0 + Duration::minutes(10)).unix_timestamp());
    let token = sign(&set, SigningAlg::EdDsa, TokenType::AccessToken, &c).unwrap();
    assert!(matches!(
        verify(&set, &token, &expected(T0)),
        Err(JwtError::NotYetValid)
    ));
    verify(&set, &token, &expected(T0 + Duration::minutes(10))).unwrap();
}

#[tokio::test]
async fn a_retired_key_verifies_until_it_expires_then_never() {
    let (db, kek, _) = key_set().await;
    let policy = crate::config::Config::defaults().unwrap().oidc;
    let t1 = T0 + PUBLICATION_DELAY;
    let r = keys::rotate(
        &db,
        &kek,
        t1,
        &testing::actor(),
        SigningAlg::Es256,
        &policy,
        false,
    )
    .await
    .unwrap();
    let stored: Vec<StoredKey> = crate::store::signing_key::all(&db).await.unwrap();
    let set = KeySet::load(stored, &kek).unwrap();
    // The retired key no longer signs: new tokens name the promoted key.
    let fresh = sign(&set, SigningAlg::Es256, TokenType::IdToken, &claims()).unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(&fresh).unwrap().kid,
        Some(r.current.clone())
    );
    // An old token (checked as if time had not passed for its exp) verifies while published…
    let mut long = claims();
    long.exp = (r.retired_expires_at + Duration::days(1)).unix_timestamp();
    let old = {
        let before = KeySet::load(
            crate::store::signing_key::all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|mut k| {
                    if k.kid == r.retired {
                        k.retired_at = None;
                        k.expires_at = None;
                    }
                    k
                })
                .filter(|k| k.kid != r.current && k.kid != r.next)
                .collect(),
            &kek,
        )
        .unwrap();
        sign(&before, SigningAlg::Es256, TokenType::IdToken, &long).unwrap()
    };
    assert_eq!(
        jsonwebtoken::decode_header(&old).unwrap().kid,
        Some(r.retired.clone())
    );
    verify(
        &set,
        &old,
        &expected(r.retired_expires_at - Duration::seconds(1)),
    )
    .unwrap();
    // …and is refused once the retired key expired from the JWKS.
    assert!(matches!(
        verify(&set, &old, &expected(r.retired_expires_at)),
        Err(JwtError::UnknownKey)
    ));
}

#[test]
fn signing_without_a_current_key_is_an_error() {
    let set = KeySet::default();
    assert!(matches!(
        sign(&set, SigningAlg::Es256, TokenType::IdToken, &claims()),
        Err(JwtError::Key(KeyError::NoCurrentKey(SigningAlg::Es256)))
    ));
}

/// What Habilis signs, another implementation verifies from the published JWK alone (as a
/// relying party does from the JWKS): `jsonwebtoken`'s RustCrypto backend here.
#[tokio::test]
async fn another_library_verifies_our_tokens_from_the_jwks() {
    let (_db, _kek, set) = key_set().await;
    for alg in SigningAlg::ALL {
        let token = sign(&set, alg, TokenType::AccessToken, &claims()).unwrap();
        let jwk = set.current(alg).unwrap().stored.public_jwk.clone();
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(serde_json::to_value(&jwk).unwrap()).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(alg.jwt_alg());
        validation.validate_exp = false;
        validation.set_audience(&[AUD]);
        let got = jsonwebtoken::decode::<Claims>(&token, &key, &validation).unwrap();
        assert_eq!(got.claims, claims(), "{alg}");
    }
}

/// A stored private key that is not the published JWK's would sign tokens nobody verifies:
/// the key set refuses to load it.
#[test]
fn a_private_key_that_does_not_match_its_jwk_is_refused() {
    let kek = KeyEncryptionKey::generate();
    for alg in SigningAlg::ALL {
        let a = keys::generate(alg, "a").unwrap();
        let b = keys::generate(alg, "b").unwrap();
        let stored = StoredKey {
            kid: "a".into(),
            alg,
            private_key_encrypted: kek.encrypt("a", b.private_der()),
            public_jwk: a.jwk.clone(),
            created_at: T0,
            not_before: T0,
            retired_at: None,
            expires_at: None,
        };
        assert!(
            matches!(KeySet::load(vec![stored], &kek), Err(KeyError::BadStoredKey(k)) if k == "a"),
            "{alg}"
        );
    }
}

/// Only a compact JWS of exactly three parts is read; a fourth part or a signature that is
/// not base64url is malformed, whatever the rest.
#[tokio::test]
async fn a_token_with_extra_or_broken_parts_is_malformed() {
    let (_db, _kek, set) = key_set().await;
    let exp = expected(T0);
    for alg in SigningAlg::ALL {
        let token = sign(&set, alg, TokenType::IdToken, &claims()).unwrap();
        for bad in [
            format!("{token}.x"),
            format!("{token}!"),
            format!("{token}."),
        ] {
            assert!(
                matches!(verify(&set, &bad, &exp), Err(JwtError::Malformed)),
                "{alg}: {bad}"
            );
        }
        let (input, sig) = token.rsplit_once('.').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(sig).unwrap();
        raw[0] ^= 1;
        let flipped = format!("{input}.{}", URL_SAFE_NO_PAD.encode(raw));
        assert!(
            matches!(verify(&set, &flipped, &exp), Err(JwtError::BadSignature)),
            "{alg}"
        );
    }
}
