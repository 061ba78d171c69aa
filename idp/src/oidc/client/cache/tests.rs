use std::sync::Arc;

use time::Duration;

use super::{ClientCache, State};
use crate::clock::ManualClock;
use crate::oidc::client::tests::{new_client, registered};
use crate::oidc::client::{self, Owner};
use crate::oidc::keys::SigningAlg;
use crate::store::{self, Db};
use crate::testing::{self, T0};

const AGE: Duration = Duration::seconds(1);

fn new_cache(age: Duration) -> (ClientCache, ManualClock) {
    let clock = ManualClock::new(T0);
    (ClientCache::new(age, Arc::new(clock.clone())), clock)
}

async fn generation(db: &Db) -> i64 {
    store::cache_generation::value(db, store::cache_generation::OIDC_CLIENT)
        .await
        .unwrap()
}

async fn check_cache(db: &Db) {
    let (c, _) = registered(db).await;
    let (cache, clock) = new_cache(AGE);
    let read = cache.by_client_id(db, &c.client_id).await.unwrap();
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
    clock.advance(AGE / 2);
    let cached = cache.by_client_id(db, &c.client_id).await.unwrap().unwrap();
    assert!(cached.enabled, "read within max_age comes from memory");
    let cached = cache.by_id(db, c.id).await.unwrap().unwrap();
    assert!(cached.enabled);
    clock.advance(AGE / 2);
    let seen = cache.by_client_id(db, &c.client_id).await.unwrap().unwrap();
    assert!(!seen.enabled, "the moved counter empties the cache");
    assert_eq!(cache.by_id(db, c.id).await.unwrap(), Some(seen));

    // …and plain SQL, as an operator would type it.
    let before = generation(db).await;
    db.execute_unprepared(&format!(
        "UPDATE oidc_client SET name = 'Renamed by hand' WHERE id = {}",
        c.id
    ))
    .await
    .unwrap();
    assert_eq!(generation(db).await, before + 1);
    clock.advance(AGE * 2);
    let renamed = cache.by_id(db, c.id).await.unwrap().unwrap();
    assert_eq!(renamed.name, "Renamed by hand");

    // `changed` reads the row now: the stored client when it differs from the cached one,
    // which it replaces; nothing when they are the same.
    client::rotate_secret(db, T0, &testing::actor(), &c.client_id)
        .await
        .unwrap();
    let stale = cache.by_client_id(db, &c.client_id).await.unwrap().unwrap();
    let stored = cache.changed(db, &stale).await.unwrap().unwrap();
    assert_ne!(stale.secret_hash, stored.secret_hash);
    let after = cache.by_client_id(db, &c.client_id).await.unwrap().unwrap();
    assert_eq!(after, stored);
    assert_eq!(cache.changed(db, &after).await.unwrap(), None);

    // An unknown id is not remembered: a client registered afterwards is found at once.
    let later = client::ClientId::parse("registered_later").unwrap();
    assert_eq!(cache.by_client_id(db, &later).await.unwrap(), None);
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
    assert_eq!(cache.by_client_id(db, &p.client_id).await.unwrap(), Some(p));
    assert_eq!(cache.by_client_id(db, &later).await.unwrap(), None);

    // Turned off: every read goes to the database.
    let (off, _) = new_cache(Duration::ZERO);
    assert!(off.by_client_id(db, &c.client_id).await.unwrap().is_some());
    db.execute_unprepared(&format!(
        "UPDATE oidc_client SET name = 'Renamed again' WHERE id = {}",
        c.id
    ))
    .await
    .unwrap();
    let now_off = off.by_id(db, c.id).await.unwrap().unwrap();
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
    let mut s = State::default();
    s.observe(7, T0);
    // Read while the counter was 6: the change that made it 7 may postdate the row.
    s.keep(6, &c);
    assert!(s.clients.is_empty());
    s.keep(7, &c);
    assert_eq!(s.clients.get(c.client_id.as_str()), Some(&c));
}

#[test]
fn a_slow_read_never_brings_an_older_counter_back() {
    let mut s = State::default();
    s.observe(7, T0 + Duration::seconds(2));
    // Started earlier, finished later, saw 6: ignored.
    s.observe(6, T0 + Duration::seconds(1));
    assert_eq!(s.generation, Some((7, T0 + Duration::seconds(2))));
    // Started earlier but saw a higher counter (the triggers only add): taken.
    s.observe(8, T0 + Duration::seconds(1));
    assert_eq!(s.generation, Some((8, T0 + Duration::seconds(2))));
    // A read started later is taken whatever it saw (a restored database may count lower).
    s.observe(3, T0 + Duration::seconds(3));
    assert_eq!(s.generation, Some((3, T0 + Duration::seconds(3))));
}
