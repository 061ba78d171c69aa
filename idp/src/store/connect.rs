//! Connecting to SQLite or PostgreSQL, and the only place that knows which one it is.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use super::StoreError;
use crate::config::DatabaseConfig;

/// Which database the node runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The multi-node setup.
    Postgres,
}

/// A pool of connections to the Habilis database.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// How it was connected (migrations on SQLite reconnect with one connection).
    config: DatabaseConfig,
    /// SQLite only: the node's write transactions take turns here. SQLite admits one writer
    /// at a time; without this queue the others would wait in SQLite's busy handler, which
    /// sleeps and retries the file lock (milliseconds of latency, and CPU in lock syscalls)
    /// while the connection holding the lock waits for its turn on a CPU.
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A node's SQLite write turn ([`Db::write_turn`]), given back when dropped.
#[derive(Debug)]
pub struct WriteTurn {
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

/// An open transaction; dropped without `commit` it rolls back.
#[derive(Debug)]
pub struct Tx {
    tx: DatabaseTransaction,
    /// The node's SQLite write turn, released after the commit or rollback (fields drop in
    /// order: the transaction first).
    _writer: Option<WriteTurn>,
}

/// Something store functions can run queries on: the pool or a transaction. Sealed: only
/// this module implements it, so sea-orm types never leak into the domain.
pub trait Conn: Sync {
    /// The sea-orm connection behind it.
    #[doc(hidden)]
    fn c(&self) -> &impl ConnectionTrait;

    /// The turn a single write outside a transaction takes before it runs: on the pool, the
    /// node's SQLite write turn ([`Db::write_turn`]), so that the write waits for the write
    /// transactions without holding a pooled connection meanwhile (in SQLite's busy handler
    /// it would hold one: a few such writes behind a long transaction would take the whole
    /// pool, and every read would wait too); in a transaction, none (it holds the turn).
    #[doc(hidden)]
    fn single_write_turn(
        &self,
    ) -> impl std::future::Future<Output = Result<Option<WriteTurn>, StoreError>> + Send;
}

impl Conn for Db {
    fn c(&self) -> &impl ConnectionTrait {
        &self.conn
    }

    async fn single_write_turn(&self) -> Result<Option<WriteTurn>, StoreError> {
        self.write_turn().await
    }
}

impl Conn for Tx {
    fn c(&self) -> &impl ConnectionTrait {
        &self.tx
    }

    async fn single_write_turn(&self) -> Result<Option<WriteTurn>, StoreError> {
        Ok(None)
    }
}

impl Db {
    /// Connects with the configured URL; on SQLite, sets WAL, foreign keys, a busy timeout and
    /// creates the file's folder when missing.
    pub async fn connect(config: &DatabaseConfig) -> Result<Self, StoreError> {
        let url = config.url.expose();
        let folder = config.sqlite_file().and_then(|p| {
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(std::path::Path::to_path_buf)
        });
        if let Some(dir) = folder {
            std::fs::create_dir_all(&dir).map_err(|e| {
                StoreError::Db(sea_orm::DbErr::Custom(format!(
                    "cannot create the database folder {}: {e}",
                    dir.display()
                )))
            })?;
        }
        let mut opt = ConnectOptions::new(url.to_owned());
        let busy = Duration::from_millis(config.busy_timeout_ms);
        let in_memory = config.is_in_memory();
        opt.max_connections(config.pool_size())
            .min_connections(if in_memory { 1 } else { 0 })
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(busy + Duration::from_secs(5))
            .sqlx_logging(config.log_statements);
        if url.starts_with("sqlite:") {
            // An embedded file cannot drop a connection; a ping at every checkout is one more
            // hand-off to the connection's worker thread, as costly as the query itself.
            opt.test_before_acquire(false);
        } else {
            // Only a connection idle for a while may have been dropped by the server or a
            // proxy; hot connections go out untested.
            opt.test_before_acquire_if_idle_for(Duration::from_secs(30));
        }
        opt.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(busy)
        });
        if in_memory {
            // One connection must keep the in-memory database alive for the pool's lifetime.
            opt.idle_timeout(None::<Duration>)
                .max_lifetime(None::<Duration>);
        }
        let conn = Database::connect(opt).await?;
        let writer = (conn.get_database_backend() == DbBackend::Sqlite)
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self {
            conn,
            config: config.clone(),
            writer,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.conn.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// Applies every pending migration. On a SQLite file they run over one dedicated
    /// connection: the migrator sends statements to whichever pooled connection is free, and
    /// a pooled connection reading an older snapshot of the schema (WAL) could refuse an index
    /// that another connection has just dropped.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        use migrations::MigratorTrait;
        if self.config.sqlite_file().is_some() {
            let mut one = self.config.clone();
            one.max_connections = Some(1);
            let single = Self::connect(&one).await?;
            let result = migrations::Migrator::up(&single.conn, None).await;
            single.conn.close().await?;
            result?;
        } else {
            migrations::Migrator::up(&self.conn, None).await?;
        }
        Ok(())
    }

    /// Reverts every migration (tests of the schema's `down`).
    pub async fn migrate_down_all(&self) -> Result<(), StoreError> {
        use migrations::MigratorTrait;
        migrations::Migrator::down(&self.conn, None).await?;
        Ok(())
    }

    /// Checks that the database answers (readiness probe).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.conn.ping().await?;
        Ok(())
    }

    /// Runs raw SQL outside any domain rule: for maintenance and for tests that tamper with
    /// stored rows on purpose (e.g. proving that `idp audit verify` catches an edited trace).
    pub async fn execute_unprepared(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(self.conn.execute_unprepared(sql).await?.rows_affected())
    }

    /// Opens a read-write transaction that takes the write lock at once on SQLite, after the
    /// node's earlier write transactions (in order, waiting at most the busy timeout, as SQLite
    /// would).
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        let turn = self.write_turn().await?;
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let options = match self.backend() {
            Backend::Sqlite => options,
            Backend::Postgres => TransactionOptions::default(),
        };
        Ok(Tx {
            tx: self.conn.begin_with_options(options).await?,
            _writer: turn,
        })
    }

    /// The node's SQLite write turn (none on PostgreSQL), for a single autocommit write that
    /// is frequent enough to be worth queueing with the write transactions rather than in
    /// SQLite's busy handler. Waits at most the busy timeout, then `Unavailable`. Never call it
    /// while holding a [`Tx`] of this node: the turn is that transaction's.
    pub async fn write_turn(&self) -> Result<Option<WriteTurn>, StoreError> {
        let Some(w) = &self.writer else {
            return Ok(None);
        };
        let wait = Duration::from_millis(self.config.busy_timeout_ms);
        let turn = tokio::time::timeout(wait, w.clone().lock_owned()).await;
        let turn = turn.map_err(|_| {
            StoreError::Unavailable("the database is busy with other writes".into())
        })?;
        Ok(Some(WriteTurn { _turn: turn }))
    }

    /// Closes the pool (graceful shutdown).
    pub async fn close(self) -> Result<(), StoreError> {
        self.conn.close().await?;
        Ok(())
    }
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Rolls the transaction back at once, so that its locks (on SQLite, the write lock) are
    /// released before the caller opens another transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
