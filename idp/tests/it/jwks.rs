//! `/jwks` over HTTP: the key set after start-up and after a rotation, and a token signed by
//! Habilis verified by a relying party with nothing but the fetched key set.

use std::sync::Arc;

use idp::app::App;
use idp::clock::{Clock, ManualClock, SystemClock};
use idp::config::Config;
use idp::oidc::jwt::{self, Claims, TokenType};
use idp::oidc::keys::{self, PUBLICATION_DELAY, SigningAlg};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

async fn fetch(base: &str) -> (reqwest::header::HeaderMap, Value) {
    let r = reqwest::get(format!("{base}/jwks")).await.unwrap();
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    (headers, r.json().await.unwrap())
}

#[tokio::test]
async fn jwks_publishes_current_and_next_then_the_rotated_key_and_verifies_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::load(None).unwrap();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.database.url = idp::secret::Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("j.sqlite").display()
    ));
    let clock = ManualClock::new(SystemClock.now());
    let app = App::build(config, Arc::new(clock.clone())).await.unwrap();
    // The embedded default works with no setup: the KEK file was created beside the database.
    assert!(dir.path().join("key-encryption.key").exists());
    let state = app.state().clone();
    let base = format!("http://{}", app.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));

    let (headers, body) = fetch(&base).await;
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "public, max-age=300");
    let jwks = body["keys"].as_array().unwrap();
    assert_eq!(jwks.len(), 2, "current and next: {body}");
    for k in jwks {
        assert_eq!(k["kty"], "EC");
        assert_eq!(k["crv"], "P-256");
        assert_eq!(k["alg"], "ES256");
        assert_eq!(k["use"], "sig");
        assert!(k.get("d").is_none(), "private member published: {k}");
    }

    // A rotation made elsewhere (as `idp keys rotate` would) is served once the node's cache
    // expires.
    clock.advance(PUBLICATION_DELAY);
    let policy = &state.config.oidc;
    let actor = idp::actor::Actor::cli();
    let rotation = keys::rotate(
        &state.db,
        state.keys.kek(),
        clock.now(),
        &actor,
        SigningAlg::Es256,
        policy,
        false,
    )
    .await
    .unwrap();
    clock.advance(keys::CACHE_TTL);
    let (_, body) = fetch(&base).await;
    let kids: Vec<&str> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 3, "{body}");
    for kid in [&rotation.retired, &rotation.current, &rotation.next] {
        assert!(kids.contains(&kid.as_str()), "{kid} missing from {kids:?}");
    }

    // A token signed by Habilis verifies with the key set fetched over HTTP.
    let set = state.keys.get(&state.db, clock.now()).await.unwrap();
    let issuer = state
        .config
        .server
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let claims = Claims::new(
        &issuer,
        "agent-1",
        "hab_client",
        clock.now(),
        time::Duration::minutes(5),
    );
    let token = jwt::sign(&set, SigningAlg::Es256, TokenType::AccessToken, &claims).unwrap();
    let fetched: JwkSet = serde_json::from_value(body).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(rotation.current.as_str()));
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwk = fetched.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&["hab_client"]);
    validation.set_issuer(&[issuer.as_str()]);
    let data =
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .unwrap();
    assert_eq!(data.claims["sub"], "agent-1");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
