//! Upgrades keep every row: for each release in `migrations/releases.toml`,
//! a database made with that release's migrations only and filled from its
//! fixture (every table), upgraded by the real `smp-panel migrate`, still
//! holds every row, equal column for column (SQLite or PostgreSQL); and
//! docs/operations.md's upgrade and downgrade steps, run line by line as
//! written against a real `smp-panel serve` (the `apt install` lines are
//! left to scripts/test-deb.sh, which runs every line in a container with
//! the packages), keep the accounts.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use serde::Deserialize;
use smp_panel::db;

use crate::backups::{columns, rows_of, run_panel};
use crate::helpers::{Backend, spawn_db};

#[derive(Deserialize)]
struct Releases {
    release: Vec<Release>,
}

#[derive(Deserialize)]
struct Release {
    version: String,
    last_migration: String,
}

fn releases() -> Vec<Release> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/releases.toml");
    let text = std::fs::read_to_string(path).expect("migrations/releases.toml");
    toml::from_str::<Releases>(&text).expect("a valid releases.toml").release
}

/// The release's fixture with each `BLOB('hex')` as the backend's byte string.
fn fixture(version: &str, backend: &Backend) -> String {
    let path = format!("{}/tests/fixtures/release-{version}.sql", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path}: every release has a fixture"));
    while let Some(start) = text.find("BLOB('") {
        let end = start + text[start..].find("')").expect("BLOB('…') closed");
        let hex = text[start + "BLOB('".len()..end].to_owned();
        let literal = match backend {
            Backend::Sqlite => format!("X'{hex}'"),
            Backend::Postgresql => format!("'\\x{hex}'::bytea"),
        };
        text.replace_range(start..end + 2, &literal);
    }
    text
}

#[test]
fn a_database_of_every_release_keeps_every_row_through_smp_panel_migrate() {
    let releases = releases();
    assert!(!releases.is_empty());
    for release in releases {
        let db = spawn_db();
        let mut connection = db.connect();
        db::run_migrations_through(&mut connection, &release.last_migration)
            .unwrap_or_else(|error| panic!("release {}: {error}", release.version));
        assert_eq!(
            db::latest_applied_version(&mut connection).unwrap(),
            Some(db::migration_version(&release.last_migration)),
            "release {}: only its migrations",
            release.version
        );
        connection
            .batch_execute(&fixture(&release.version, &db.backend))
            .unwrap_or_else(|error| panic!("release {}: its fixture: {error}", release.version));
        let mut before = BTreeMap::new();
        for table in db::table_names(&mut connection).unwrap() {
            if table == "__diesel_schema_migrations" {
                continue;
            }
            let columns = columns(&mut connection, &table);
            let rows = rows_of(&mut connection, &table, &columns);
            assert!(!rows.is_empty(), "release {}: the fixture fills no row of {table}", release.version);
            before.insert(table, (columns, rows));
        }
        drop(connection);

        let output = run_panel(&db.url, &["migrate"], None);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let mut connection = db.connect();
        let tables = db::table_names(&mut connection).unwrap();
        for (table, (columns, rows)) in &before {
            assert!(tables.contains(table), "release {}: the upgrade lost the table {table}", release.version);
            assert_eq!(
                &rows_of(&mut connection, table, columns),
                rows,
                "release {}: the upgrade changed rows of {table}",
                release.version
            );
        }
        assert_eq!(
            db::latest_applied_version(&mut connection).unwrap(),
            Some(db::latest_known_version(connection.backend()).unwrap()),
            "release {}: upgraded to this binary's schema",
            release.version
        );
        // The upgraded database takes new rows.
        let output = run_panel(&db.url, &["user", "create", "--username", "after", "--role", "member"], None);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn the_last_release_names_a_migration_this_binary_has() {
    let known = db::known_migrations(db::Backend::Sqlite).unwrap();
    let pg = db::known_migrations(db::Backend::Postgresql).unwrap();
    assert_eq!(known, pg, "both backends have the same migrations");
    for release in releases() {
        assert!(known.contains(&release.last_migration), "{} in releases.toml", release.last_migration);
    }
}

/// The lines of the code block right after `<!-- {marker}` in docs/operations.md.
fn documented_steps(marker: &str) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/operations.md");
    let text = std::fs::read_to_string(path).expect("docs/operations.md");
    let after = text.split(&format!("<!-- {marker}")).nth(1).unwrap_or_else(|| panic!("{marker} in operations.md"));
    let block = after.split("```").nth(1).expect("a code block after the marker");
    block.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect()
}

/// A panel host in a temporary directory: `/var/lib/smp-panel` and
/// `/etc/smp-panel/panel.toml` are its `dir` and `config`, `systemctl`
/// starts and stops a real `smp-panel serve` on a free loopback port.
struct Host {
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
    port: u16,
    serving: Option<std::process::Child>,
    skipped: Vec<String>,
}

impl Host {
    fn new(url: &str) -> Host {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("backups")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.path().join("panel.toml");
        let key_file = dir.path().join("smp-panel.key");
        let toml = format!(
            "database_url = {url:?}\nlisten = \"127.0.0.1:{port}\"\nkey_file = {key_file:?}\nsync_interval_s = 3600\n"
        );
        std::fs::write(&config, toml).unwrap();
        Host { dir, config, port, serving: None, skipped: Vec::new() }
    }

    fn command(&self, args: &[String]) -> Command {
        let mut command = crate::helpers::panel_command(self.dir.path());
        command.args(args).stdin(Stdio::null());
        command
    }

    /// `systemctl start smp-panel`: returns once `/api/v1/health` answers 200.
    async fn start(&mut self) {
        assert!(self.serving.is_none(), "started twice");
        let log = std::fs::File::create(self.dir.path().join("serve.log")).unwrap();
        let child = self
            .command(&["--config".to_owned(), self.config.display().to_string(), "serve".to_owned()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.serving = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = client.get(format!("http://127.0.0.1:{}/api/v1/health", self.port)).send().await;
            if health.is_ok_and(|answer| answer.status() == 200) {
                return;
            }
            if let Some(status) = self.serving.as_mut().unwrap().try_wait().unwrap() {
                panic!("the panel exited ({status}): {}", self.log());
            }
            assert!(Instant::now() < deadline, "the panel did not answer within 30 s: {}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `systemctl stop smp-panel`: SIGTERM, then waits (at most 30 s) for the exit.
    async fn stop(&mut self) {
        let mut child = self.serving.take().expect("stopped while not running");
        let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the panel did not stop within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// One documented line, on this host; what a `smp-panel` line printed.
    async fn run(&mut self, line: &str) -> String {
        match line {
            "systemctl stop smp-panel" => self.stop().await,
            "systemctl start smp-panel" => self.start().await,
            _ if line.starts_with("apt install ") => self.skipped.push(line.to_owned()),
            _ => {
                let rest = line.strip_prefix("runuser -u smp-panel -- smp-panel ").unwrap_or_else(|| {
                    panic!("docs/operations.md has a step this test does not know how to run: {line}")
                });
                let state = self.dir.path().display().to_string();
                let args: Vec<String> = rest
                    .split_whitespace()
                    .map(|arg| {
                        arg.replace("/etc/smp-panel/panel.toml", &self.config.display().to_string())
                            .replace("/var/lib/smp-panel", &state)
                    })
                    .collect();
                let output = self.command(&args).output().unwrap();
                let printed =
                    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
                assert!(output.status.success(), "{line}: {printed}");
                return printed;
            }
        }
        String::new()
    }
}

/// The tables a running panel never changes by itself, each with the
/// columns the release had (a later migration may add more).
fn account_tables(connection: &mut db::DbConnection) -> Vec<(&'static str, Vec<String>)> {
    ["users", "quotas", "ssh_keys", "personal_access_tokens"]
        .into_iter()
        .map(|table| (table, columns(connection, table)))
        .collect()
}

/// The rows of `tables`, in those columns.
fn accounts(connection: &mut db::DbConnection, tables: &[(&str, Vec<String>)]) -> BTreeMap<String, Vec<String>> {
    tables.iter().map(|(table, columns)| (table.to_string(), rows_of(connection, table, columns))).collect()
}

#[tokio::test]
async fn the_documented_upgrade_and_downgrade_run_as_written_and_keep_the_accounts() {
    let upgrade = documented_steps("upgrade-steps");
    let downgrade = documented_steps("downgrade-steps");
    let previous = releases().pop().expect("a release");
    let db = spawn_db();
    {
        let mut connection = db.connect();
        db::run_migrations_through(&mut connection, &previous.last_migration).unwrap();
        connection.batch_execute(&fixture(&previous.version, &db.backend)).unwrap();
    }
    let tables = account_tables(&mut db.connect());
    let before = accounts(&mut db.connect(), &tables);
    let mut host = Host::new(&db.url);
    host.start().await; // the previous release, running

    let mut printed = String::new();
    for line in &upgrade {
        printed = host.run(line).await;
    }
    assert!(printed.contains("0 migration(s) applied"), "the start migrated already: {printed}");
    assert!(host.dir.path().join("backups/before-upgrade.tar").is_file());
    assert_eq!(accounts(&mut db.connect(), &tables), before, "the upgrade keeps the accounts");

    // Written after the upgrade, so gone after the downgrade.
    let output = run_panel(&db.url, &["user", "create", "--username", "after-upgrade", "--role", "member"], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for line in &downgrade {
        host.run(line).await;
    }
    assert_eq!(accounts(&mut db.connect(), &tables), before, "the downgrade is the backup before the upgrade");
    host.stop().await;
    assert_eq!(host.skipped.len(), 2, "only the apt lines are left to the package test: {:?}", host.skipped);
}
