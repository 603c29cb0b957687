//! The database: one `DbConnection` over SQLite or PostgreSQL, chosen by the
//! URL scheme; a small r2d2 pool; the embedded migrations of both backends.
//!
//! The scheme decides the backend and nothing is ever "tried": `sqlite://PATH`
//! (or `sqlite:PATH`) opens, creating if needed, the file at PATH;
//! `postgres://…` or `postgresql://…` connects to PostgreSQL; anything else is
//! a `DbError::UnknownScheme`. Every SQLite connection gets WAL, foreign keys
//! and a busy timeout before it is handed out.

/// A table's id: `pub struct $name(pub i64)`, shown and (de)serialized as the number.
macro_rules! row_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(formatter)
            }
        }
    };
}

pub mod containers;
pub mod dns;
pub mod machines;
pub mod networks;
pub mod quotas;
pub mod schema;
pub mod services;
pub mod snapshots;
pub mod users;

pub mod audit;
pub mod in_flight;
pub mod jobs;
pub mod oidc_logins;
pub mod sessions;
pub mod ssh_keys;
pub mod tokens;
pub mod totp;

mod threads;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection as _;
use diesel::migration::{Migration as _, MigrationSource};
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection as _};
use diesel::{Connection as _, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness as _, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRESQL_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

/// Run on every new SQLite connection. The busy timeout comes first so that
/// switching to WAL waits for a concurrent writer instead of failing. Each
/// connection's page cache is 1 MiB (SQLite's default is 2): the pool's
/// eight caches are most of what a panel of 10 000 containers adds to its
/// memory, and the operating system caches the file anyway.
const SQLITE_PRAGMAS: &str =
    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -1024;";

/// One connection to either backend; queries written once work on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgresql(PgConnection),
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgresql(_) => Backend::Postgresql,
        }
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgresql,
}

impl Backend {
    /// The backend a URL's scheme selects, and what to hand to it (the file
    /// path for SQLite, the URL itself for PostgreSQL).
    pub fn from_url(url: &str) -> Result<(Backend, &str), DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok((Backend::Postgresql, url));
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(DbError::InvalidUrl("sqlite:// needs a file path, e.g. sqlite://./smp-panel.db".into()));
            }
            return Ok((Backend::Sqlite, path));
        }
        let scheme = url.split_once(':').map_or("(none)", |(scheme, _)| scheme);
        Err(DbError::UnknownScheme(scheme.to_owned()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgresql => "PostgreSQL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "unknown database URL scheme {0:?}: use sqlite://PATH (e.g. sqlite://./smp-panel.db) or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    UnknownScheme(String),
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The message comes from the driver; the URL (which may hold a password) is never part of it.
    #[error("cannot connect to the {backend} database: {message}")]
    Connect { backend: &'static str, message: String },
    #[error("cannot migrate the database: {0}")]
    Migration(String),
    #[error("cannot get a database connection from the pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// Every connection stayed in use for `POOL_WAIT`.
    #[error("every database connection stayed busy for {} s", POOL_WAIT.as_secs())]
    Busy,
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("the database worker thread failed: {0}")]
    Blocking(String),
}

impl DbError {
    /// Whether the database could not serve rather than refused the work:
    /// no connection (the server is down or restarting, the pool timed out),
    /// a connection lost under a query, or SQLite's file still locked by
    /// another process once the busy timeout passed. Such an error is
    /// answered 503 `database_unavailable`; the pool replaces the broken
    /// connections, so the panel recovers by itself when the database does.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Connect { .. } | DbError::Pool(_) | DbError::Busy => true,
            DbError::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            // A connection lost inside a transaction cannot even roll back;
            // the pool drops it (`has_broken`).
            DbError::Query(Error::BrokenTransactionManager) => true,
            DbError::Query(Error::DatabaseError(_, information)) => {
                UNAVAILABLE_MESSAGES.iter().any(|message| information.message().contains(message))
            }
            _ => false,
        }
    }
}

/// Driver messages of a database that cannot serve for now: SQLite's busy
/// file (`SQLITE_BUSY`, `SQLITE_LOCKED`) and a PostgreSQL server that shuts
/// down, restarts or dropped the connection (SQLSTATE 57P01–57P03, 08xxx;
/// diesel gives the message only).
const UNAVAILABLE_MESSAGES: &[&str] = &[
    "database is locked",
    "database table is locked",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "server closed the connection unexpectedly",
    "no connection to the server",
    "could not connect to server",
    "connection to server",
];

/// Opens one connection to the database `url` names (see the module note).
pub fn establish(url: &str) -> Result<DbConnection, DbError> {
    let (backend, target) = Backend::from_url(url)?;
    let connect_error = |message: String| DbError::Connect { backend: backend.as_str(), message };
    match backend {
        Backend::Sqlite => {
            let mut connection =
                SqliteConnection::establish(target).map_err(|error| connect_error(error.to_string()))?;
            connection.batch_execute(SQLITE_PRAGMAS).map_err(|error| connect_error(error.to_string()))?;
            Ok(DbConnection::Sqlite(connection))
        }
        Backend::Postgresql => {
            without_openssl_exit_handler();
            PgConnection::establish(target)
                .map(DbConnection::Postgresql)
                .map_err(|error| connect_error(error.to_string()))
        }
    }
}

/// libpq hashes SCRAM passwords and speaks TLS with the system's OpenSSL,
/// which by default frees its tables in an exit handler. A process that
/// exits while one of the pool's threads is still connecting (a test binary
/// at its end, the panel stopping) then crashes in that thread. Initialising
/// OpenSSL first, as `openssl_sys::init` does, leaves the handler out; the
/// memory goes back with the process anyway. Idempotent.
fn without_openssl_exit_handler() {
    openssl_sys::init();
}

/// How many migrations of the connection's backend are not applied yet
/// (`smp-panel check`); nothing is changed.
pub fn pending_migrations(connection: &mut DbConnection) -> Result<usize, DbError> {
    let pending = match connection {
        DbConnection::Sqlite(connection) => connection.pending_migrations(SQLITE_MIGRATIONS).map(|list| list.len()),
        DbConnection::Postgresql(connection) => {
            connection.pending_migrations(POSTGRESQL_MIGRATIONS).map(|list| list.len())
        }
    };
    pending.map_err(|error| DbError::Migration(error.to_string()))
}

/// Applies every pending migration of the connection's backend; a database
/// that is up to date is left as it is.
pub fn run_migrations(connection: &mut DbConnection) -> Result<usize, DbError> {
    let applied = match connection {
        DbConnection::Sqlite(connection) => connection.run_pending_migrations(SQLITE_MIGRATIONS).map(|list| list.len()),
        DbConnection::Postgresql(connection) => {
            connection.run_pending_migrations(POSTGRESQL_MIGRATIONS).map(|list| list.len())
        }
    };
    applied.map_err(|error| DbError::Migration(error.to_string()))
}

/// The version of a migration as diesel records it: the folder name's date
/// and number without dashes (`2026-12-06-000009_…` → `20261206000009`).
pub fn migration_version(name: &str) -> String {
    name.split('_').next().unwrap_or(name).replace('-', "")
}

/// The migrations this binary embeds for `backend`, oldest first, by name
/// (`2026-12-06-000009_actions_in_flight`).
pub fn known_migrations(backend: Backend) -> Result<Vec<String>, DbError> {
    let names: Result<Vec<String>, _> = match backend {
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|list| list.iter().map(|migration| migration.name().to_string()).collect()),
        Backend::Postgresql => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRESQL_MIGRATIONS)
            .map(|list| list.iter().map(|migration| migration.name().to_string()).collect()),
    };
    let mut names = names.map_err(|error| DbError::Migration(error.to_string()))?;
    names.sort_by_key(|name| migration_version(name));
    Ok(names)
}

/// The version of the newest migration this binary knows for `backend`: the
/// schema version it writes into backups and the newest it restores.
pub fn latest_known_version(backend: Backend) -> Result<String, DbError> {
    known_migrations(backend)?
        .last()
        .map(|name| migration_version(name))
        .ok_or_else(|| DbError::Migration("this binary embeds no migrations".into()))
}

/// Orders migration versions (digits; a longer one is newer).
pub fn version_order(left: &str, right: &str) -> std::cmp::Ordering {
    left.len().cmp(&right.len()).then_with(|| left.cmp(right))
}

/// The version of the last migration applied to the database, read from
/// diesel's `__diesel_schema_migrations` (`None`: the table is empty). An
/// error when the table does not exist: not a panel database.
pub fn latest_applied_version(connection: &mut DbConnection) -> Result<Option<String>, DbError> {
    use diesel::RunQueryDsl as _;
    use diesel::sql_types::Text;

    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let query = diesel::sql_query("SELECT version FROM __diesel_schema_migrations");
    let versions: Vec<Version> = match connection {
        DbConnection::Sqlite(connection) => query.load(connection)?,
        DbConnection::Postgresql(connection) => query.load(connection)?,
    };
    Ok(versions.into_iter().map(|row| row.version).max_by(|left, right| version_order(left, right)))
}

/// Applies the embedded migrations in order up to and including the one
/// named `last` (e.g. a previous release's last migration, for the upgrade
/// test), skipping those already applied; how many it applied.
pub fn run_migrations_through(connection: &mut DbConnection, last: &str) -> Result<usize, DbError> {
    let names = known_migrations(connection.backend())?;
    if !names.iter().any(|name| name == last) {
        return Err(DbError::Migration(format!("no migration named {last:?} in this binary")));
    }
    // diesel's harness makes its table of applied migrations if missing.
    let applied = match connection {
        DbConnection::Sqlite(connection) => connection.applied_migrations(),
        DbConnection::Postgresql(connection) => connection.applied_migrations(),
    }
    .map_err(|error| DbError::Migration(error.to_string()))?;
    let applied =
        applied.into_iter().map(|version| version.to_string()).max_by(|left, right| version_order(left, right));
    let mut count = 0;
    for name in names {
        let version = migration_version(&name);
        let already = applied.as_deref().is_some_and(|applied| version_order(&version, applied).is_le());
        if !already {
            let outcome = match connection {
                DbConnection::Sqlite(connection) => {
                    let list = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                        .map_err(|error| DbError::Migration(error.to_string()))?;
                    match list.iter().find(|migration| migration.name().to_string() == name) {
                        Some(migration) => connection.run_migration(migration).map(drop),
                        None => Ok(()),
                    }
                }
                DbConnection::Postgresql(connection) => {
                    let list = MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRESQL_MIGRATIONS)
                        .map_err(|error| DbError::Migration(error.to_string()))?;
                    match list.iter().find(|migration| migration.name().to_string() == name) {
                        Some(migration) => connection.run_migration(migration).map(drop),
                        None => Ok(()),
                    }
                }
            };
            outcome.map_err(|error| DbError::Migration(format!("{name}: {error}")))?;
            count += 1;
        }
        if name == last {
            break;
        }
    }
    Ok(count)
}

/// Every table of the database with rows in it, and how many, leaving out
/// diesel's record of migrations: what makes a database "not empty" for
/// `smp-panel restore`. Reads only.
pub fn tables_with_rows(connection: &mut DbConnection) -> Result<Vec<(String, i64)>, DbError> {
    use diesel::RunQueryDsl as _;
    use diesel::sql_types::BigInt;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let mut found = Vec::new();
    for table in table_names(connection)? {
        if table == "__diesel_schema_migrations" {
            continue;
        }
        let query = diesel::sql_query(format!("SELECT COUNT(*) AS count FROM \"{}\"", table.replace('"', "\"\"")));
        let counted: Vec<Count> = match connection {
            DbConnection::Sqlite(connection) => query.load(connection)?,
            DbConnection::Postgresql(connection) => query.load(connection)?,
        };
        let count = counted.first().map_or(0, |row| row.count);
        if count > 0 {
            found.push((table, count));
        }
    }
    Ok(found)
}

/// The names of the tables in the database (including diesel's own
/// `__diesel_schema_migrations`), sorted.
pub fn table_names(connection: &mut DbConnection) -> Result<Vec<String>, DbError> {
    use diesel::RunQueryDsl as _;
    use diesel::sql_types::Text;

    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let names: Vec<Name> = match connection {
        DbConnection::Sqlite(connection) => {
            diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .load(connection)?
        }
        DbConnection::Postgresql(connection) => diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .load(connection)?,
    };
    let mut names: Vec<String> = names.into_iter().map(|name| name.name).collect();
    names.sort();
    Ok(names)
}

/// Makes pool connections with `establish`, so the pool follows the same
/// scheme rule and SQLite pragmas as a single connection.
#[derive(Debug)]
pub struct ConnectionManager {
    url: String,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        establish(&self.url)
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), DbError> {
        Ok(connection.ping()?)
    }

    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        connection.is_broken()
    }
}

/// The pool of connections, as many slots as it has connections, and as
/// many threads (`threads`): `run` takes a slot, then hands its work to a
/// thread, so requests waiting for a connection wait as tasks, not as
/// threads. (Waiting on a thread, 200 clients kept 250–320 threads alive,
/// each with its stack and allocator arena: the panel's memory grew by 60 %
/// under load.)
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager>,
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    threads: threads::DbThreads,
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("DbPool").field("free_slots", &self.slots.available_permits()).finish_non_exhaustive()
    }
}

impl std::ops::Deref for DbPool {
    type Target = Pool<ConnectionManager>;

    fn deref(&self) -> &Pool<ConnectionManager> {
        &self.pool
    }
}
pub type PooledDbConnection = PooledConnection<ConnectionManager>;

/// Connections a pool keeps at most; SQLite has one writer anyway.
const POOL_SIZE: u32 = 8;
/// The longest a request waits for a connection (the database down or
/// restarting, every connection busy) before its 503 `database_unavailable`;
/// SQLite's busy timeout (`SQLITE_PRAGMAS`) is as long.
pub const POOL_WAIT: Duration = Duration::from_secs(5);

/// Checks the URL, opens one connection (so a bad URL or a down server is
/// one clear error, not a pool timeout), runs the migrations on it, and
/// returns a pool over the same database. What `serve` does at start.
pub fn connect_and_migrate(url: &str) -> Result<DbPool, DbError> {
    let mut first = establish(url)?;
    run_migrations(&mut first)?;
    drop(first);
    let pool = Pool::builder()
        .max_size(POOL_SIZE)
        .connection_timeout(POOL_WAIT)
        .build(ConnectionManager { url: url.to_owned() })?;
    let threads = threads::DbThreads::start(POOL_SIZE as usize)
        .map_err(|error| DbError::Blocking(format!("cannot start the database threads: {error}")))?;
    Ok(DbPool { pool, slots: std::sync::Arc::new(tokio::sync::Semaphore::new(POOL_SIZE as usize)), threads })
}

/// Runs `work` in a transaction, committed if it returns `Ok`, rolled back
/// otherwise. On SQLite the outermost one is `BEGIN IMMEDIATE`: it takes the
/// write lock at its start (waiting up to the busy timeout for another
/// writer) instead of at its first write, where SQLite fails a transaction
/// that has read at once with "database is locked" if another connection
/// wrote in between. Use it for every transaction that reads, then writes.
pub fn write_transaction<T, E, F>(connection: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost_sqlite = match connection {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()?.is_none()
        }
        DbConnection::Postgresql(_) => false,
    };
    match connection {
        DbConnection::Sqlite(inner) if outermost_sqlite => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        _ => DbConnection::begin_transaction(connection)?,
    }
    match work(connection) {
        Ok(value) => {
            DbConnection::commit_transaction(connection)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = DbConnection::rollback_transaction(connection) {
                tracing::error!(%rollback, "a transaction could not be rolled back");
            }
            Err(error)
        }
    }
}

/// An insert's outcome with a unique index's refusal told apart from a
/// failure: `Ok(false)` when the index refused the row (nothing was written).
pub(crate) fn inserted(outcome: diesel::QueryResult<usize>) -> diesel::QueryResult<bool> {
    match outcome {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Unix seconds now: how every timestamp is stored.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs() as i64).unwrap_or(0)
}

/// Unix milliseconds now: when a container row was last written
/// (`containers::written_ms`), to tell it from a list asked for before.
pub fn unix_now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_millis() as i64).unwrap_or(0)
}

/// Runs `work` with a pooled connection on one of the pool's threads, so
/// that neither the pool's wait nor the query blocks the async runtime; a
/// slot of the pool (`DbPool`) first, waited for as a task, at most `POOL_WAIT`.
/// Errors of `work` pass through; pool and thread errors become `E` via `DbError`.
pub async fn run<T, E, F>(pool: &DbPool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let slot = match tokio::time::timeout(POOL_WAIT, pool.slots.clone().acquire_owned()).await {
        Ok(Ok(slot)) => slot,
        _ => return Err(E::from(DbError::Busy)),
    };
    let connections = pool.pool.clone();
    let outcome = pool
        .threads
        .run(move || {
            let _slot = slot;
            let mut connection = connections.get().map_err(DbError::Pool)?;
            work(&mut connection)
        })
        .await;
    match outcome {
        Ok(result) => result,
        Err(threads::Unanswered::Full) => Err(E::from(DbError::Busy)),
        Err(threads::Unanswered::Lost) => Err(E::from(DbError::Blocking("the database work panicked".to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_alone_picks_the_backend() {
        assert_eq!(Backend::from_url("sqlite://./smp-panel.db").unwrap(), (Backend::Sqlite, "./smp-panel.db"));
        assert_eq!(Backend::from_url("sqlite:///var/lib/p.db").unwrap(), (Backend::Sqlite, "/var/lib/p.db"));
        assert_eq!(Backend::from_url("sqlite:p.db").unwrap(), (Backend::Sqlite, "p.db"));
        assert_eq!(Backend::from_url("postgres://u:p@h/d").unwrap().0, Backend::Postgresql);
        assert_eq!(Backend::from_url("postgresql://u:p@h/d").unwrap().0, Backend::Postgresql);
    }

    #[test]
    fn an_unknown_scheme_or_a_bare_path_is_refused_with_the_accepted_forms() {
        let error = Backend::from_url("mysql://u@h/d").unwrap_err().to_string();
        assert!(error.contains("\"mysql\"") && error.contains("sqlite://") && error.contains("postgres://"), "{error}");
        assert!(matches!(Backend::from_url("./smp-panel.db"), Err(DbError::UnknownScheme(_))));
        assert!(matches!(Backend::from_url("sqlite://"), Err(DbError::InvalidUrl(_))));
    }
}
