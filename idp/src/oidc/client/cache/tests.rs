use std::sync::Arc;

use time::Duration;

use super::{ClientCache, State, keep};
use crate::clock::SystemClock;
use crate::oidc::client::tests::{new_client, registered};
use crate::oidc::client::{self, Owner};
use crate::oidc::keys::SigningAlg;
use crate::store::{self, Db};
use crate::testing::{self, T0};

const AGE: Duration = Duration::seconds(1);

fn new_cache(age: Duration) -> ClientCache {
    ClientCache::new(age, Arc::new(SystemClock))
}

async fn generation(db: &Db) -> i64 {
    store::cache_generation::value(db, store::cache_generation::OIDC_CLIENT)
        .await
        .unwrap()
}

async fn check_cache(db: &Db) {
    let (c, _) = registered(db).await;
    let cache = new_cache(AGE);
    let t0 = T0;
    let read = cache.by_client_id_at(db, &c.client_id, t0).await.unwrap();
    assert_eq!(read.as_ref(), Some(&c));

    // Every way of writing the table moves the counter: the domain's functions…
    let before = generation(db).await;
    let disabled = client::disable(db, T0, &testing::actor(), &c.client_id)
        .await
        .unwrap();
    assert!(!disabled.enabled);
    assert!(generation(db).await > before);
    // …which the cache only sees once `max_age` has passed: within it, it answers from memory
    // (both ways in), so the counter is not read at each request.
    let cached = cache
        .by_client_id_at(db, &c.client_id, t0 + AGE / 2)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.enabled, "read within max_age comes from memory");
    let cached = cache
        .by_id_at(db, c.id, t0 + AGE / 2)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.enabled);
    let seen = cache
        .by_client_id_at(db, &c.client_id, t0 + AGE)
        .await
        .unwrap()
        .unwrap();
    assert!(!seen.enabled, "the moved counter empties the cache");
    assert_eq!(
        cache.by_id_at(db, c.id, t0 + AGE).await.unwrap(),
        Some(seen)
    );

    // …and plain SQL, as an operator would type it.
    let before = generation(db).await;
    db.execute_unprepared(&format!(
        "UPDATE oidc_client SET name = 'Renamed by hand' WHERE id = {}",
        c.id
    ))
    .await
    .unwrap();
    assert_eq!(generation(db).await, before + 1);
    let t1 = t0 + AGE * 3;
    let renamed = cache.by_id_at(db, c.id, t1).await.unwrap().unwrap();
    assert_eq!(renamed.name, "Renamed by hand");

    // `fresh` reads the row now and replaces the cached one.
    client::rotate_secret(db, T0, &testing::actor(), &c.client_id)
        .await
        .unwrap();
    let stale = cache
        .by_client_id_at(db, &c.client_id, t1)
        .await
        .unwrap()
        .unwrap();
    let fresh = cache.fresh(db, &c.client_id).await.unwrap().unwrap();
    assert_ne!(stale.secret_hash, fresh.secret_hash);
    let after = cache
        .by_client_id_at(db, &c.client_id, t1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.secret_hash, fresh.secret_hash);

    // An unknown id is not remembered: a client registered afterwards is found at once.
    let later = client::ClientId::parse("registered_later").unwrap();
    assert_eq!(cache.by_client_id_at(db, &later, t1).await.unwrap(), None);
    let mut draft = new_client(true);
    draft.name = "Later".into();
    let (p, _) = client::create(
        db,
        T0,
        &testing::actor(),
        Owner::FirstParty,
        SigningAlg::Es256,
        draft,
    )
    .await
    .unwrap();
    assert_eq!(
        cache.by_client_id_at(db, &p.client_id, t1).await.unwrap(),
        Some(p)
    );
    assert_eq!(cache.by_client_id_at(db, &later, t1).await.unwrap(), None);

    // Turned off: every read goes to the database.
    let off = new_cache(Duration::ZERO);
    assert!(
        off.by_client_id_at(db, &c.client_id, t0)
            .await
            .unwrap()
            .is_some()
    );
    db.execute_unprepared(&format!(
        "UPDATE oidc_client SET name = 'Renamed again' WHERE id = {}",
        c.id
    ))
    .await
    .unwrap();
    let now_off = off.by_id_at(db, c.id, t0).await.unwrap().unwrap();
    assert_eq!(now_off.name, "Renamed again");
}

#[tokio::test]
async fn cache_on_sqlite() {
    check_cache(&testing::sqlite().await).await;
}

#[tokio::test]
async fn cache_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    check_cache(&pg.db).await;
    pg.cleanup().await;
}

#[tokio::test]
async fn a_row_read_under_an_older_counter_is_not_kept() {
    let db = testing::sqlite().await;
    let (c, _) = registered(&db).await;
    let mut s = State {
        generation: Some((7, T0)),
        ..State::default()
    };
    // Read while the counter was 6: the change that made it 7 may postdate the row.
    keep(&mut s, 6, &c);
    assert!(s.by_client_id.is_empty() && s.by_id.is_empty());
    keep(&mut s, 7, &c);
    assert_eq!(s.by_client_id.get(c.client_id.as_str()), Some(&c));
    assert_eq!(
        s.by_id.get(&c.id).map(String::as_str),
        Some(c.client_id.as_str())
    );
}
