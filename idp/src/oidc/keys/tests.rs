use time::macros::datetime;

use super::*;
use crate::testing;

const T0: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);

fn policy() -> OidcConfig {
    crate::config::Config::defaults().unwrap().oidc
}

#[test]
fn algorithms_parse_by_jose_name_and_refuse_the_rest() {
    let cases = [
        ("ES256", Some(SigningAlg::Es256)),
        ("es256", Some(SigningAlg::Es256)),
        ("RS256", Some(SigningAlg::Rs256)),
        ("EdDSA", Some(SigningAlg::EdDsa)),
        ("none", None),
        ("HS256", None),
        ("ES384", None),
        ("", None),
    ];
    for (input, expected) in cases {
        assert_eq!(SigningAlg::parse(input).ok(), expected, "{input:?}");
    }
    let alg: SigningAlg = serde_json::from_str("\"EdDSA\"").unwrap();
    assert_eq!(serde_json::to_string(&alg).unwrap(), "\"EdDSA\"");
    assert!(serde_json::from_str::<SigningAlg>("\"none\"").is_err());
}

#[test]
fn generated_keys_have_the_expected_public_members_and_no_private_one() {
    let cases = [
        (
            SigningAlg::Es256,
            "EC",
            Some("P-256"),
            ["x", "y"].as_slice(),
        ),
        (SigningAlg::Rs256, "RSA", None, ["n", "e"].as_slice()),
        (SigningAlg::EdDsa, "OKP", Some("Ed25519"), ["x"].as_slice()),
    ];
    for (alg, kty, crv, members) in cases {
        let key = generate(alg, "k1").unwrap();
        let json = serde_json::to_value(&key.jwk).unwrap();
        let obj = json.as_object().unwrap();
        assert_eq!(obj["kty"], kty, "{alg}");
        assert_eq!(obj.get("crv").and_then(|c| c.as_str()), crv, "{alg}");
        assert_eq!(obj["alg"], alg.as_str());
        assert_eq!(obj["use"], "sig");
        assert_eq!(obj["kid"], "k1");
        for m in members {
            assert!(obj[*m].as_str().is_some_and(|v| !v.is_empty()), "{alg} {m}");
        }
        // RFC 7518 §6.2.2.1 and §6.3.2: the private members are `d`, `p`, `q`, `dp`, `dq`, `qi`.
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(!obj.contains_key(private), "{alg} leaks {private}");
        }
        if alg == SigningAlg::Rs256 {
            let n = URL_SAFE_NO_PAD.decode(obj["n"].as_str().unwrap()).unwrap();
            assert!(n.len() * 8 >= 2048);
        }
        assert!(format!("{key:?}").contains(crate::secret::REDACTED));
        // The public JWK gives a verification key, and the private key matches it.
        crate::oidc::jws::Signer::from_der(&key.jwk, key.private_der()).unwrap();
    }
}

fn stored(kid: &str, alg: SigningAlg, created: i64, retired: Option<(i64, i64)>) -> StoredKey {
    let at = |m: i64| T0 + Duration::minutes(m);
    StoredKey {
        kid: kid.into(),
        alg,
        private_key_encrypted: String::new(),
        public_jwk: generate(SigningAlg::EdDsa, kid).unwrap().jwk,
        created_at: at(created),
        not_before: at(created),
        retired_at: retired.map(|(r, _)| at(r)),
        expires_at: retired.map(|(_, e)| at(e)),
    }
}

#[test]
fn states_and_publication_follow_the_rotation_order() {
    use KeyState::{Current, Next, Retired};
    let es = SigningAlg::Es256;
    let ed = SigningAlg::EdDsa;
    let cases: Vec<(&str, Vec<StoredKey>, Vec<KeyState>)> = vec![
        (
            "fresh pair",
            vec![stored("a", es, 0, None), stored("b", es, 1, None)],
            vec![Current, Next],
        ),
        (
            "after one rotation",
            vec![
                stored("a", es, 0, Some((60, 120))),
                stored("b", es, 1, None),
                stored("c", es, 60, None),
            ],
            vec![Retired, Current, Next],
        ),
        (
            "algorithms are independent",
            vec![
                stored("a", es, 0, None),
                stored("b", ed, 1, None),
                stored("c", es, 2, None),
            ],
            vec![Current, Current, Next],
        ),
        (
            "only retired",
            vec![stored("a", es, 0, Some((1, 2)))],
            vec![Retired],
        ),
    ];
    for (name, keys, expected) in cases {
        assert_eq!(states(&keys), expected, "{name}");
    }
    let retired = stored("a", es, 0, Some((60, 120)));
    let publication = [(59, true), (119, true), (120, false), (500, false)];
    for (minute, published) in publication {
        assert_eq!(
            is_published(&retired, T0 + Duration::minutes(minute)),
            published,
            "minute {minute}"
        );
    }
    assert!(is_published(
        &stored("b", es, 1, None),
        T0 + Duration::days(900)
    ));
}

async fn check_ensure_and_rotate(db: &Db) {
    let kek = KeyEncryptionKey::generate();
    let actor = testing::actor();
    let es = SigningAlg::Es256;
    let created = ensure(db, &kek, T0, &actor, &[es, SigningAlg::EdDsa])
        .await
        .unwrap();
    assert_eq!(created.len(), 4);
    // Idempotent.
    assert!(
        ensure(db, &kek, T0, &actor, &[es])
            .await
            .unwrap()
            .is_empty()
    );
    let keys = list(db, T0).await.unwrap();
    let es_keys: Vec<_> = keys.iter().filter(|k| k.alg == es).collect();
    assert_eq!(
        es_keys.iter().map(|k| k.state).collect::<Vec<_>>(),
        [KeyState::Current, KeyState::Next]
    );
    let (current, next) = (es_keys[0].kid.clone(), es_keys[1].kid.clone());

    // Too early: the next key was not published long enough.
    let early = rotate(
        db,
        &kek,
        T0 + Duration::seconds(5),
        &actor,
        es,
        &policy(),
        false,
    )
    .await;
    assert!(
        matches!(early, Err(KeyError::NextNotPublished { .. })),
        "{early:?}"
    );

    let t1 = T0 + PUBLICATION_DELAY;
    let r = rotate(db, &kek, t1, &actor, es, &policy(), false)
        .await
        .unwrap();
    assert_eq!(
        (r.retired.as_str(), r.current.as_str()),
        (current.as_str(), next.as_str())
    );
    let p = policy();
    assert_eq!(
        r.retired_expires_at,
        t1 + p.max_token_ttl() + p.rotation_overlap()
    );
    let keys = list(db, t1).await.unwrap();
    let state_of = |kid: &str| {
        keys.iter()
            .find(|k| k.kid == kid)
            .map(|k| (k.state, k.published))
    };
    assert_eq!(state_of(&current), Some((KeyState::Retired, true)));
    assert_eq!(state_of(&next), Some((KeyState::Current, true)));
    assert_eq!(state_of(&r.next), Some((KeyState::Next, true)));
    let later = list(db, r.retired_expires_at).await.unwrap();
    assert!(!later.iter().find(|k| k.kid == current).unwrap().published);

    // Forced: promotes the brand-new next key at once.
    let f = rotate(db, &kek, t1, &actor, es, &policy(), true)
        .await
        .unwrap();
    assert_eq!(f.current, r.next);

    // The key set loads (decrypts) and serves current keys; a wrong KEK stops it.
    let set = KeySet::load(store::signing_key::all(db).await.unwrap(), &kek).unwrap();
    assert_eq!(set.current(es).unwrap().stored.kid, f.current);
    let jwks = set.jwks(t1);
    assert_eq!(
        jwks.keys.len(),
        6,
        "2 EdDSA, 2 retired ES256, current and next ES256"
    );
    assert!(matches!(
        KeySet::load(
            store::signing_key::all(db).await.unwrap(),
            &KeyEncryptionKey::generate()
        ),
        Err(KeyError::Kek(KekError::Decrypt { .. }))
    ));
    // Every change is traced.
    let report = crate::audit::verify(db).await.unwrap();
    assert!(report.first_break.is_none());
    assert_eq!(report.checked, 3);
}

#[tokio::test]
async fn ensure_and_rotate_on_sqlite() {
    check_ensure_and_rotate(&testing::sqlite().await).await;
}

#[tokio::test]
async fn ensure_and_rotate_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    check_ensure_and_rotate(&pg.db).await;
    pg.cleanup().await;
}

#[tokio::test]
async fn concurrent_start_ups_create_one_pair() {
    let (db, _dir) = testing::sqlite_file().await;
    let kek = KeyEncryptionKey::generate();
    let actor = testing::actor();
    let algs = [SigningAlg::Es256];
    let (a, b) = tokio::join!(
        ensure(&db, &kek, T0, &actor, &algs),
        ensure(&db, &kek, T0, &actor, &algs)
    );
    assert_eq!(a.unwrap().len() + b.unwrap().len(), 2);
    assert_eq!(list(&db, T0).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_ring_sees_a_rotation_made_elsewhere_after_its_ttl() {
    let db = testing::sqlite().await;
    let kek = KeyEncryptionKey::generate();
    let actor = testing::actor();
    ensure(&db, &kek, T0, &actor, &[SigningAlg::Es256])
        .await
        .unwrap();
    let ring = KeyRing::new(kek.clone());
    assert_eq!(ring.get(&db, T0).await.unwrap().jwks(T0).keys.len(), 2);
    let t1 = T0 + PUBLICATION_DELAY;
    rotate(&db, &kek, t1, &actor, SigningAlg::Es256, &policy(), false)
        .await
        .unwrap();
    // Within the TTL the cache answers; after it, the change is seen.
    let soon = ring.get(&db, T0 + Duration::seconds(1)).await.unwrap();
    assert_eq!(soon.jwks(t1).keys.len(), 2);
    let after = ring.get(&db, t1).await.unwrap();
    assert_eq!(after.jwks(t1).keys.len(), 3);
}
