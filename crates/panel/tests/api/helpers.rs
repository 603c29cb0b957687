//! `spawn_db()`: a fresh, empty database per test, dropped at its end; and
//! `panel()`: the real `smp-panel` binary, pointed at such a database.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use diesel::RunQueryDsl as _;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use smp_panel::db::{self, DbConnection};

pub const PG_ENV: &str = "SMP_TEST_DATABASE_URL";

pub enum Backend {
    Sqlite,
    Postgresql,
}

/// A database that exists for one test. SQLite: a file in a temporary
/// directory. PostgreSQL: `smp_test_<random>` made with the role of
/// `SMP_TEST_DATABASE_URL` (it needs CREATEDB) and dropped, with force, on drop.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    /// Holds the SQLite file (or the CLI's working directory) until the test ends.
    pub dir: tempfile::TempDir,
    admin: Option<(String, String)>,
}

pub fn spawn_db() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    match std::env::var(PG_ENV) {
        Ok(base) if !base.is_empty() => {
            let suffix: String =
                rand::rng().sample_iter(&Alphanumeric).take(12).map(|c| char::from(c).to_ascii_lowercase()).collect();
            let name = format!("smp_test_{suffix}");
            let mut admin = db::establish(&base).unwrap_or_else(|error| {
                panic!("{PG_ENV} is set but PostgreSQL cannot be reached: {error} (run scripts/setup-postgres.sh)")
            });
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .unwrap_or_else(|error| panic!("cannot create the test database {name}: {error}"));
            let url = replace_database(&base, &name);
            TestDb { url, backend: Backend::Postgresql, dir, admin: Some((base, name)) }
        }
        _ => {
            let url = format!("sqlite://{}", dir.path().join("panel.db").display());
            TestDb { url, backend: Backend::Sqlite, dir, admin: None }
        }
    }
}

/// `postgres://u:p@h:port/OLD?opts` → `postgres://u:p@h:port/NEW?opts`.
fn replace_database(url: &str, name: &str) -> String {
    let (main, query) = url.split_once('?').map_or((url, None), |(main, query)| (main, Some(query)));
    let (server, _) = main.rsplit_once('/').expect("a PostgreSQL URL with a database name");
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

impl TestDb {
    pub fn connect(&self) -> DbConnection {
        db::establish(&self.url).expect("a connection to the test database")
    }

    /// A connection with every migration applied.
    pub fn migrated(&self) -> DbConnection {
        let mut connection = self.connect();
        db::run_migrations(&mut connection).expect("migrations");
        connection
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.admin
            && let Ok(mut admin) = db::establish(base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// Runs `smp-panel ARGS --database-url <db>` in the test's directory with
/// `stdin` piped in and no `SMP_PANEL_…` variables from the outside.
pub fn panel(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut full: Vec<&str> = vec!["--database-url", &db.url];
    full.extend_from_slice(args);
    panel_raw(db, &full, &[], stdin)
}

/// Runs `smp-panel` with exactly `args` and the extra environment `env`.
pub fn panel_raw(db: &TestDb, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smp-panel"));
    command.args(args).current_dir(db.dir.path()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("SMP_PANEL_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("smp-panel starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("stdin written");
    }
    drop(input);
    child.wait_with_output().expect("smp-panel ends")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
