//! The SQLite write queue of `Db::begin_write`, on a real SQLite file with a pool.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use super::{Conn, Db};
use crate::config::Config;
use crate::secret::Secret;
use crate::store::StoreError;

async fn sqlite_file(busy_timeout_ms: u64) -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::defaults().unwrap().database;
    config.url = Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.sqlite").display()
    ));
    config.busy_timeout_ms = busy_timeout_ms;
    let db = Db::connect(&config).await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)",
    )
    .await
    .unwrap();
    (db, dir)
}

/// The integers in column `v` of a query's rows.
async fn ints(conn: &impl Conn, sql: &str) -> Result<Vec<i64>, sea_orm::DbErr> {
    let rows = conn
        .c()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            sql,
        ))
        .await?;
    rows.iter().map(|r| r.try_get("", "v")).collect()
}

/// A second writer waits for the first transaction to end, then goes on at once.
#[tokio::test]
async fn write_transactions_take_turns() {
    let (db, _dir) = sqlite_file(5_000).await;
    let first = db.begin_write().await.unwrap();
    let other = db.clone();
    let second = tokio::spawn(async move { other.begin_write().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !second.is_finished(),
        "the second writer waits for the first"
    );
    first.commit().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .expect("the turn passes on at the commit")
        .unwrap()
        .unwrap();
    second.rollback().await.unwrap();

    // A transaction dropped without commit or rollback gives its turn back too.
    drop(db.begin_write().await.unwrap());
    let again = tokio::time::timeout(Duration::from_secs(5), db.begin_write())
        .await
        .expect("the turn passes on when a transaction is dropped")
        .unwrap();
    again.rollback().await.unwrap();
}

/// A single write's turn (the session touch) queues with the transactions the same way.
#[tokio::test]
async fn a_single_write_waits_for_its_turn_too() {
    let (db, _dir) = sqlite_file(5_000).await;
    let tx = db.begin_write().await.unwrap();
    let other = db.clone();
    let single = tokio::spawn(async move {
        let _turn = other.write_turn().await?;
        other
            .execute_unprepared("UPDATE counter SET n = n + 1")
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!single.is_finished(), "the write waits for the transaction");
    tx.commit().await.unwrap();
    let updated = tokio::time::timeout(Duration::from_secs(5), single)
        .await
        .expect("its turn comes at the commit")
        .unwrap()
        .unwrap();
    assert_eq!(updated, 1);
}

/// Waiting writers go in their order of arrival (SQLite's busy handler, where they used to
/// wait, retries at random moments instead).
#[tokio::test]
async fn writers_go_in_order_of_arrival() {
    let (db, _dir) = sqlite_file(5_000).await;
    db.execute_unprepared("CREATE TABLE arrival (seq INTEGER PRIMARY KEY, who INTEGER)")
        .await
        .unwrap();
    let first = db.begin_write().await.unwrap();
    let mut tasks = Vec::new();
    for who in 0..6 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let tx = db.begin_write().await?;
            tx.c()
                .execute_unprepared(&format!("INSERT INTO arrival (who) VALUES ({who})"))
                .await?;
            tx.commit().await
        }));
        // The test runtime has one thread: yielding runs the new task until it waits for its
        // turn, so each writer is queued before the next one starts.
        tokio::task::yield_now().await;
    }
    first.commit().await.unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let order = ints(&db, "SELECT who AS v FROM arrival ORDER BY seq").await;
    assert_eq!(order.unwrap(), vec![0, 1, 2, 3, 4, 5]);
}

/// Many concurrent read-modify-write transactions: every one succeeds and none is lost, with
/// a busy timeout far shorter than the whole queue (each waits only for its turn).
#[tokio::test]
async fn concurrent_writers_all_commit() {
    let (db, _dir) = sqlite_file(2_000).await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let tx = db.begin_write().await?;
                let n = ints(&tx, "SELECT n AS v FROM counter").await?[0];
                tokio::task::yield_now().await;
                tx.c()
                    .execute_unprepared(&format!("UPDATE counter SET n = {}", n + 1))
                    .await?;
                tx.commit().await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let n = ints(&db, "SELECT n AS v FROM counter").await;
    assert_eq!(n.unwrap(), vec![32]);
}

/// A writer that does not get its turn within the busy timeout is told the database is
/// unavailable (HTTP 503, retry later), as SQLite's own busy timeout would end it.
#[tokio::test]
async fn a_turn_not_given_within_the_busy_timeout_is_unavailable() {
    let (db, _dir) = sqlite_file(200).await;
    let held = db.begin_write().await.unwrap();
    let started = Instant::now();
    let refused = db.begin_write().await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    held.rollback().await.unwrap();
}

/// The bundled SQLite carries the flags `.cargo/config.toml` adds (a build that lost them would
/// still work, only slower: every `.one()` parsed again at each execution without the query
/// planner stability guarantee).
#[tokio::test]
async fn the_bundled_sqlite_is_built_with_the_workspace_flags() {
    let (db, _dir) = sqlite_file(1000).await;
    let rows = db
        .c()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .unwrap();
    let options: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
        assert!(
            options.iter().any(|o| o == wanted),
            "{wanted} missing from {options:?}"
        );
    }
}

/// Single writes through the pool (the rate-limit count, the login interaction, …) wait for
/// their turn without holding a connection: behind a long write transaction, as many waiting
/// writes as the pool has spare connections still leave reads a connection.
#[tokio::test]
async fn writes_waiting_for_their_turn_leave_the_pool_to_reads() {
    let (db, _dir) = crate::testing::sqlite_file().await;
    let spare = db.config.pool_size() - 1;
    let tx = db.begin_write().await.unwrap();
    let mut writes = Vec::new();
    for i in 0..spare {
        let db = db.clone();
        let start = time::OffsetDateTime::UNIX_EPOCH;
        writes.push(tokio::spawn(async move {
            crate::store::credential::hit_bucket(&db, &format!("k{i}"), start).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(writes.iter().all(|w| !w.is_finished()), "the writes wait");
    let read = tokio::time::timeout(Duration::from_secs(3), ints(&db, "SELECT 1 AS v"))
        .await
        .expect("a read gets a connection while the writes wait")
        .unwrap();
    assert_eq!(read, vec![1]);
    tx.commit().await.unwrap();
    for w in writes {
        assert_eq!(w.await.unwrap().unwrap(), 1);
    }
}
