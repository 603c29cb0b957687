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
pub mod users;

pub mod audit;
pub mod oidc_logins;
pub mod sessions;
pub mod ssh_keys;
pub mod tokens;
pub mod totp;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection as _;
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
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("the database worker thread failed: {0}")]
    Blocking(String),
}

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
        Backend::Postgresql => PgConnection::establish(target)
            .map(DbConnection::Postgresql)
            .map_err(|error| connect_error(error.to_string())),
    }
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

pub type DbPool = Pool<ConnectionManager>;
pub type PooledDbConnection = PooledConnection<ConnectionManager>;

/// Connections a pool keeps at most; SQLite has one writer anyway.
const POOL_SIZE: u32 = 8;

/// Checks the URL, opens one connection (so a bad URL or a down server is
/// one clear error, not a pool timeout), runs the migrations on it, and
/// returns a pool over the same database. What `serve` does at start.
pub fn connect_and_migrate(url: &str) -> Result<DbPool, DbError> {
    let mut first = establish(url)?;
    run_migrations(&mut first)?;
    drop(first);
    let pool = Pool::builder()
        .max_size(POOL_SIZE)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager { url: url.to_owned() })?;
    Ok(pool)
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

/// Runs `work` with a pooled connection on actix's blocking thread pool, so
/// that neither the pool's wait nor the query blocks the async runtime.
/// Errors of `work` pass through; pool and thread errors become `E` via `DbError`.
pub async fn run<T, E, F>(pool: &DbPool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    let outcome = actix_web::web::block(move || {
        let mut connection = pool.get().map_err(DbError::Pool)?;
        work(&mut connection)
    })
    .await;
    match outcome {
        Ok(result) => result,
        Err(error) => Err(E::from(DbError::Blocking(error.to_string()))),
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
