use crate::testing::{self, T0};

use super::*;

#[test]
fn redirect_uri_rules() {
    let cases = [
        ("https://cdap.caf.fr/callback", true),
        ("https://cdap.caf.fr/cb?tenant=79", true),
        ("https://cdap.caf.fr:8443/cb", true),
        ("http://localhost/cb", true),
        ("http://localhost:8080/cb", true),
        ("http://127.0.0.1:51004/cb", true),
        ("http://[::1]:51004/cb", true),
        ("http://cdap.caf.fr/cb", false),
        ("http://127.0.0.2.nip.io/cb", false),
        ("http://localhost.evil.example/cb", false),
        ("https://cdap.caf.fr/cb#frag", false),
        ("https://cdap.caf.fr/cb#", false),
        ("/relative/cb", false),
        ("cdap.caf.fr/cb", false),
        ("javascript:alert(1)", false),
        ("data:text/html,hi", false),
        ("com.example.app:/cb", false),
        ("https://user:pw@cdap.caf.fr/cb", false),
        (" https://cdap.caf.fr/cb", false),
        ("https://cdap.caf.fr/c b", false),
        ("", false),
        ("ftp://cdap.caf.fr/cb", false),
    ];
    for (uri, ok) in cases {
        assert_eq!(RedirectUri::parse(uri).is_ok(), ok, "{uri:?}");
    }
    // Kept exactly as typed: no normalisation that would widen matching.
    let u = RedirectUri::parse("https://CDAP.caf.fr/cb/").unwrap();
    assert_eq!(u.as_str(), "https://CDAP.caf.fr/cb/");
}

#[test]
fn client_ids() {
    let id = ClientId::generate();
    assert!(id.as_str().starts_with(CLIENT_ID_PREFIX));
    assert_eq!(id.as_str().len(), CLIENT_ID_PREFIX.len() + 32);
    assert_eq!(ClientId::parse(id.as_str()).unwrap(), id);
    for bad in ["", "a b", "é", &"x".repeat(129), "a/b"] {
        assert!(ClientId::parse(bad).is_err(), "{bad:?}");
    }
}

/// A first-party client's registration (also used by other modules' tests).
pub(crate) fn new_client(public: bool) -> NewClient {
    NewClient {
        name: "CDAP".into(),
        public,
        redirect_uris: vec![RedirectUri::parse("https://cdap.caf.fr/cb").unwrap()],
        post_logout_redirect_uris: vec![RedirectUri::parse("https://cdap.caf.fr/bye").unwrap()],
        backchannel_logout_uri: Some(RedirectUri::parse("https://cdap.caf.fr/bcl").unwrap()),
        signing_alg: None,
        consent_required: false,
        client_credentials: false,
        auth: None,
        jwks: None,
        require_par: false,
        pairwise_sector: None,
        userinfo_signed: false,
    }
}

/// A confidential client of the fixture's service, registered on `db`, with its secret (also
/// used by other modules' tests).
pub(crate) async fn registered(db: &Db) -> (Client, ClientSecret) {
    let f = testing::fixture(db).await;
    let owner = Owner::Service(&f.fund, &f.service);
    let (c, secret) = create(
        db,
        T0,
        &testing::actor(),
        owner,
        SigningAlg::Es256,
        new_client(false),
    )
    .await
    .unwrap();
    (c, secret.unwrap())
}

async fn check_registry(db: &Db) {
    let f = testing::fixture(db).await;
    let a = testing::actor();
    let owner = Owner::Service(&f.fund, &f.service);
    let (c, secret) = create(db, T0, &a, owner, SigningAlg::Es256, new_client(false))
        .await
        .unwrap();
    let secret = secret.unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(secret.0.expose()).unwrap().len(), 32);
    assert_eq!(c.signing_alg, SigningAlg::Es256);
    assert_eq!(c.auth, ClientAuth::ClientSecretBasic);
    assert_eq!(
        c.grant_types,
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    // Only the hash is stored.
    let stored = find_by_client_id(db, &c.client_id).await.unwrap();
    assert_eq!(stored, c);
    let hash = stored.secret_hash.clone().unwrap();
    assert!(hash.starts_with("$sha256$") && !hash.contains(secret.0.expose()));

    // Secret authentication.
    let s = secret.0.expose();
    let cases = [
        (s.to_owned(), true),
        (format!("{s}x"), false),
        (s[..s.len() - 1].to_owned(), false),
        (String::new(), false),
        (hash.clone(), false),
    ];
    for (presented, ok) in cases {
        assert_eq!(
            authenticate_secret(&stored, &presented),
            ok,
            "{presented:?}"
        );
    }
    // Exact redirect URI matching.
    for (uri, ok) in [
        ("https://cdap.caf.fr/cb", true),
        ("https://cdap.caf.fr/cb/", false),
        ("https://cdap.caf.fr/cb?x=1", false),
        ("https://CDAP.caf.fr/cb", false),
        ("https://cdap.caf.fr/bye", false),
    ] {
        assert_eq!(stored.is_redirect_uri_registered(uri), ok, "{uri}");
    }
    assert!(stored.is_post_logout_redirect_uri_registered("https://cdap.caf.fr/bye"));

    // Public and first-party clients.
    let mut public = new_client(true);
    public.signing_alg = Some(SigningAlg::EdDsa);
    let (p, none) = create(db, T0, &a, Owner::FirstParty, SigningAlg::Es256, public)
        .await
        .unwrap();
    assert!(none.is_none() && p.is_public() && p.service_id.is_none());
    assert!(!authenticate_secret(&p, ""));
    assert!(matches!(
        rotate_secret(db, T0, &a, &p.client_id).await,
        Err(ClientError::PublicHasNoSecret(_))
    ));
    let mut bad = new_client(true);
    bad.client_credentials = true;
    assert!(matches!(
        create(db, T0, &a, Owner::FirstParty, SigningAlg::Es256, bad).await,
        Err(ClientError::PublicClientCredentials)
    ));
    let mut none_uri = new_client(false);
    none_uri.redirect_uris.clear();
    assert!(matches!(
        create(db, T0, &a, Owner::FirstParty, SigningAlg::Es256, none_uri).await,
        Err(ClientError::NoRedirectUri)
    ));

    // Listing by fund leaves the first-party client out.
    let of_fund = list(db, Some(&f.fund)).await.unwrap();
    assert_eq!(of_fund.len(), 1);
    assert_eq!(list(db, None).await.unwrap().len(), 2);
    assert_eq!(
        signing_algs_in_use(db, SigningAlg::Rs256).await.unwrap(),
        [SigningAlg::Es256, SigningAlg::Rs256, SigningAlg::EdDsa]
    );

    // Rotation: the old secret stops working at once.
    let (rotated, new_secret) = rotate_secret(db, T0, &a, &c.client_id).await.unwrap();
    assert!(!authenticate_secret(&rotated, s));
    assert!(authenticate_secret(&rotated, new_secret.0.expose()));

    // Disabling, idempotent.
    let d = disable(db, T0, &a, &c.client_id).await.unwrap();
    assert!(!d.enabled);
    assert!(!disable(db, T0, &a, &c.client_id).await.unwrap().enabled);
    let unknown = ClientId::parse("hab_nope").unwrap();
    assert!(matches!(
        find_by_client_id(db, &unknown).await,
        Err(ClientError::NotFound(_))
    ));

    // Traced: fund, service, partner, convention, subscription + 2 creations, rotation,
    // one disabling (the second changed nothing).
    let report = crate::audit::verify(db).await.unwrap();
    assert!(report.first_break.is_none());
    let clients = crate::store::audit::page(db, 0, 100).await.unwrap();
    let actions: Vec<&str> = clients
        .iter()
        .map(|r| r.action.as_str())
        .filter(|a| a.starts_with("client."))
        .collect();
    assert_eq!(
        actions,
        [
            "client.create",
            "client.create",
            "client.rotate_secret",
            "client.disable"
        ]
    );
    assert!(clients.iter().all(|r| !r.details.contains(s)));
}

#[tokio::test]
async fn registry_on_sqlite() {
    check_registry(&testing::sqlite().await).await;
}

#[tokio::test]
async fn registry_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    check_registry(&pg.db).await;
    pg.cleanup().await;
}
