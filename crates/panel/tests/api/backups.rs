//! `smp-panel backup` and `smp-panel restore`, the real binary on SQLite or
//! PostgreSQL (`SMP_TEST_DATABASE_URL`): a backup taken while 20 clients
//! write through the API (and the sync adds containers) restores to exactly
//! the rows of one moment, every
//! one identical to the source's; a restore refuses a database with rows
//! (changing nothing), another backend, a newer schema and a damaged file;
//! a missing `pg_dump` is one clear line; the panel key is not in a backup.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl as _;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;
use smp_panel::Role;
use smp_panel::db::machines::{self, NewMachine};
use smp_panel::db::{self, DbConnection};
use smp_proto::api::ContainerStatus;
use smp_proto::names::InstanceName;

use crate::containers_api::{apply_listed, container_id};
use crate::helpers::{Backend, TestDb, spawn_app_with, spawn_db};

const PASSWORD: &str = "backup-test-password-1";

/// Runs the real `smp-panel --database-url URL ARGS` with no `SMP_PANEL_…`
/// variables from the outside and, when given, this `PATH`.
pub(crate) fn run_panel(url: &str, args: &[&str], path: Option<&str>) -> Output {
    // Relative paths land in a directory of the test's own.
    let cwd = tempfile::tempdir().unwrap();
    let mut command = crate::helpers::panel_command(cwd.path());
    command.arg("--database-url").arg(url).args(args).stdin(Stdio::null());
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("smp-panel runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The columns of `table`, in order.
pub(crate) fn columns(connection: &mut DbConnection, table: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let names: Vec<Name> = match connection {
        DbConnection::Sqlite(connection) => {
            diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")).load(connection)
        }
        DbConnection::Postgresql(connection) => diesel::sql_query(format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
        ))
        .load(connection),
    }
    .unwrap();
    names.into_iter().map(|name| name.name).collect()
}

/// Every row of `table` as one text of its `columns`' SQL literals, sorted:
/// two rows are equal exactly when every one of those columns is.
pub(crate) fn rows_of(connection: &mut DbConnection, table: &str, columns: &[String]) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let quote = match connection {
        DbConnection::Sqlite(_) => "quote",
        DbConnection::Postgresql(_) => "quote_nullable",
    };
    let literals: Vec<String> = columns.iter().map(|column| format!("{quote}(\"{column}\")")).collect();
    let query = diesel::sql_query(format!("SELECT {} AS row FROM \"{table}\"", literals.join(" || '|' || ")));
    let rows: Vec<Row> = match connection {
        DbConnection::Sqlite(connection) => query.load(connection),
        DbConnection::Postgresql(connection) => query.load(connection),
    }
    .unwrap();
    let mut rows: Vec<String> = rows.into_iter().map(|row| row.row).collect();
    rows.sort();
    rows
}

/// Every row of every table (diesel's record of migrations included).
pub(crate) fn snapshot(connection: &mut DbConnection) -> BTreeMap<String, Vec<String>> {
    let mut all = BTreeMap::new();
    for table in db::table_names(connection).unwrap() {
        let columns = columns(connection, &table);
        all.insert(table.clone(), rows_of(connection, &table, &columns));
    }
    all
}

/// A fake agent on loopback: every `GET …/service/<unit>/state` finds an
/// active unit; everything else is answered 503 (LXD unavailable), so the
/// sync changes nothing.
fn fake_agent() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let (status, text) = if request_line.starts_with("GET ") && request_line.contains("/state ") {
                    let unit = request_line.split("/service/").nth(1).and_then(|rest| rest.split('/').next());
                    let state = json!({"unit": unit.unwrap_or("x.service"), "description": "Backed up",
                        "load_state": "loaded", "active_state": "active", "sub_state": "running",
                        "main_pid": 7, "active_since": 1_700_000_000, "memory_bytes": null});
                    (200, state.to_string())
                } else {
                    (503, r#"{"error":{"code":"lxd_unavailable","message":"a fake agent"}}"#.to_owned())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
            });
        }
    });
    url
}

/// Sets its flag when dropped, also by a panic.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What one client wrote, counted.
#[derive(Default)]
struct Written {
    users: AtomicUsize,
    quotas: AtomicUsize,
    services: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_the_writes_of_20_clients_restores_one_consistent_moment_row_for_row() {
    const CLIENTS: usize = 20;
    // The 20 clients share one admin: each may have its agent call in flight.
    let app = spawn_app_with("sync_interval_s = 3600\nmax_agent_calls_per_user = 64").await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let session = Arc::new(app.login("root", PASSWORD).await);
    let agent_url = fake_agent();
    let sealed = app.panel_key().seal("m1", &SecretString::from("backup-agent-secret-0123456789abcdef")).unwrap();
    let name = InstanceName::parse("m1").unwrap();
    let machine = machines::insert(
        &mut app.db.connect(),
        &NewMachine { name: &name, url: &agent_url, key_id: "panel", secret: &sealed, fingerprint: None },
    )
    .unwrap()
    .id
    .0;
    let names: Vec<String> = (0..CLIENTS).map(|client| format!("c{client}")).collect();
    let listed: Vec<(&str, ContainerStatus)> =
        names.iter().map(|name| (name.as_str(), ContainerStatus::Running)).collect();
    apply_listed(&app, machine, &listed);
    let containers: Vec<i64> = names.iter().map(|name| container_id(&app, machine, name)).collect();

    let stop = Arc::new(AtomicBool::new(false));
    // A failed assertion stops the writers too (the runtime waits for them).
    let _stop_on_failure = StopOnDrop(stop.clone());
    let written = Arc::new(Written::default());
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let app = Arc::new(app);
    let mut clients = Vec::new();
    for (client, container) in containers.iter().copied().enumerate() {
        let (app, session, stop, written, failures) =
            (app.clone(), session.clone(), stop.clone(), written.clone(), failures.clone());
        clients.push(tokio::spawn(async move {
            let mut round = 0;
            while !stop.load(Ordering::SeqCst) {
                let username = format!("u{client}x{round}");
                let response = app
                    .send_json(
                        Method::POST,
                        "/users",
                        &session,
                        &json!({"username": username, "role": "member", "password": PASSWORD}),
                    )
                    .await;
                if response.status() != 201 {
                    failures.lock().unwrap().push(format!("user {username}: {}", response.status()));
                    break;
                }
                written.users.fetch_add(1, Ordering::SeqCst);
                let user: serde_json::Value = response.json().await.unwrap();
                let id = user["id"].as_i64().unwrap();
                let quota = json!({"containers": 1, "cpu": 1, "memory_mb": 256, "disk_mb": 1024});
                let response = app.send_json(Method::PUT, &format!("/users/{id}/quota"), &session, &quota).await;
                if response.status() != 200 {
                    failures.lock().unwrap().push(format!("quota of {username}: {}", response.status()));
                    break;
                }
                written.quotas.fetch_add(1, Ordering::SeqCst);
                let service = json!({"container_id": container, "unit": format!("s{round}"), "owner": username});
                let response = app.send_json(Method::POST, "/services", &session, &service).await;
                if response.status() != 201 {
                    let status = response.status();
                    let body = response.text().await.unwrap_or_default();
                    failures.lock().unwrap().push(format!("service of {username}: {status} {body}"));
                    break;
                }
                written.services.fetch_add(1, Ordering::SeqCst);
                round += 1;
            }
        }));
    }

    // And the sync's way of writing containers: each pass lists one more.
    let synced = Arc::new(AtomicUsize::new(0));
    let sync_writer = {
        let (url, stop, synced) = (app.db.url.clone(), stop.clone(), synced.clone());
        let mut list: Vec<_> = names
            .iter()
            .map(|name| crate::containers_api::summary(name, ContainerStatus::Running, crate::containers_api::CREATED))
            .collect();
        tokio::task::spawn_blocking(move || {
            let mut connection = db::establish(&url).unwrap();
            while !stop.load(Ordering::SeqCst) {
                let name = format!("s{}", list.len());
                list.push(crate::containers_api::summary(
                    &name,
                    ContainerStatus::Stopped,
                    crate::containers_api::CREATED,
                ));
                db::containers::apply_list(
                    &mut connection,
                    db::machines::MachineId(machine),
                    &list,
                    db::containers::ASKED_AFTER_EVERY_WRITE,
                    db::unix_now(),
                )
                .unwrap();
                synced.fetch_add(1, Ordering::SeqCst);
                // The pace of a sync pass (its interval is seconds), not a wait for anything.
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    // The backup starts once the clients have written a good deal, and the
    // clients go on writing until well after it ended.
    let until = |floor: usize, what: &'static str| {
        let written = written.clone();
        let failures = failures.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            while written.services.load(Ordering::SeqCst) < floor {
                let failed = failures.lock().unwrap().clone();
                assert!(failed.is_empty(), "{failed:?}");
                assert!(Instant::now() < deadline, "the clients wrote fewer than {floor} services {what}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    until(40, "before the backup").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("under-load.tar");
    let url = app.db.url.clone();
    let file_arg = file.display().to_string();
    let users_before = written.users.load(Ordering::SeqCst);
    let started = Instant::now();
    let output =
        tokio::task::spawn_blocking(move || run_panel(&url, &["backup", "--to", &file_arg], None)).await.unwrap();
    let took = started.elapsed();
    let users_after = written.users.load(Ordering::SeqCst);
    assert!(output.status.success(), "{}", text(&output));
    until(written.services.load(Ordering::SeqCst) + 40, "after the backup").await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    sync_writer.await.unwrap();
    assert!(failures.lock().unwrap().is_empty(), "{:?}", failures.lock().unwrap());
    eprintln!(
        "backup under load: {} ms, {} bytes; users written by 20 clients during it: {}; containers synced in all: {}",
        took.as_millis(),
        std::fs::metadata(&file).unwrap().len(),
        users_after - users_before,
        synced.load(Ordering::SeqCst)
    );

    let restored = spawn_db();
    let output = run_panel(&restored.url, &["restore", "--from", &file.display().to_string()], None);
    assert!(output.status.success(), "{}", text(&output));
    let mut source = app.db.connect();
    let mut copy = restored.connect();

    // Every restored row is a row of the source, identical in every column.
    let load_tables = ["users", "containers", "services", "quotas", "audit_log"];
    let mut restored_counts = BTreeMap::new();
    for table in load_tables {
        let columns = columns(&mut source, table);
        let source_rows: BTreeSet<String> = rows_of(&mut source, table, &columns).into_iter().collect();
        let copy_rows = rows_of(&mut copy, table, &columns);
        for row in &copy_rows {
            assert!(source_rows.contains(row), "{table}: the restored row {row} is not the source's");
        }
        restored_counts.insert(table, (copy_rows.len(), source_rows.len()));
    }
    let (restored_containers, source_containers) = restored_counts["containers"];
    assert!(
        restored_containers > CLIENTS && restored_containers < source_containers,
        "the backup holds the containers of its moment: {restored_containers} of {source_containers}"
    );
    let (restored_users, source_users) = restored_counts["users"];
    assert!(
        restored_users > 40 && restored_users < source_users,
        "the backup holds the users of its moment: {restored_users} of {source_users}"
    );

    // One moment: every change is there with its audit row, or neither is.
    let users = db::users::list(&mut copy).unwrap();
    let audit = db::audit::list(&mut copy).unwrap();
    let ok_rows = |action: &str| -> BTreeSet<String> {
        audit.iter().filter(|row| row.action == action && row.outcome == "ok").map(|row| row.object.clone()).collect()
    };
    let created: BTreeSet<String> = users
        .iter()
        .filter(|user| user.username.to_string() != "root")
        .map(|user| format!("user:{}", user.id))
        .collect();
    assert_eq!(ok_rows("user.create"), created, "users and their audit rows");
    let ids_of = |connection: &mut DbConnection, table: &str, column: &str, kind: &str| -> BTreeSet<String> {
        let rows = rows_of(connection, table, &[column.to_owned()]);
        rows.into_iter().map(|id| format!("{kind}:{}", id.trim_matches('\''))).collect()
    };
    let quota_rows = ids_of(&mut copy, "quotas", "user_id", "user");
    assert_eq!(ok_rows("user.quota"), quota_rows, "quotas and their audit rows");
    let service_rows = ids_of(&mut copy, "services", "id", "service");
    assert_eq!(ok_rows("service.create"), service_rows, "services and their audit rows");

    // With the writers gone, a second backup restores every row of every table.
    let quiet = dir.path().join("quiet.tar");
    let output = run_panel(&app.db.url, &["backup", "--to", &quiet.display().to_string()], None);
    assert!(output.status.success(), "{}", text(&output));
    let again = spawn_db();
    let output = run_panel(&again.url, &["restore", "--from", &quiet.display().to_string()], None);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(snapshot(&mut again.connect()), snapshot(&mut source), "every table, row for row");
    // The restored database goes on: its next account gets a fresh id.
    let output = run_panel(&again.url, &["user", "create", "--username", "after", "--role", "member"], None);
    assert!(output.status.success(), "{}", text(&output));
}

/// A migrated database of `db`'s backend with one account, `name`.
fn with_user(db: &TestDb, name: &str) {
    let output = run_panel(&db.url, &["user", "create", "--username", name, "--role", "admin"], None);
    assert!(output.status.success(), "{}", text(&output));
}

fn backup_of(db: &TestDb, file: &Path) {
    let output = run_panel(&db.url, &["backup", "--to", &file.display().to_string()], None);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn restore_refuses_a_database_with_rows_unless_forced_and_then_replaces_all_of_it() {
    let source = spawn_db();
    with_user(&source, "alice");
    let file = source.dir.path().join("alice.tar");
    backup_of(&source, &file);
    let target = spawn_db();
    with_user(&target, "bob");
    let before = snapshot(&mut target.connect());

    let output = run_panel(&target.url, &["restore", "--from", &file.display().to_string()], None);
    assert!(!output.status.success());
    let message = text(&output);
    assert!(message.contains("is not empty") && message.contains("users (1 row)"), "{message}");
    assert!(message.contains("--force") && message.contains("nothing was changed"), "{message}");
    assert_eq!(snapshot(&mut target.connect()), before, "a refused restore changes nothing");

    let output = run_panel(&target.url, &["restore", "--from", &file.display().to_string(), "--force"], None);
    assert!(output.status.success(), "{}", text(&output));
    let names: Vec<String> =
        db::users::list(&mut target.connect()).unwrap().into_iter().map(|user| user.username.to_string()).collect();
    assert_eq!(names, ["alice"]);
    assert_eq!(snapshot(&mut target.connect()), snapshot(&mut source.connect()));
}

/// `file` rewritten with its manifest changed by `change`.
fn with_manifest(file: &Path, out: &Path, change: impl Fn(&mut serde_json::Value)) {
    let mut archive = tar::Archive::new(std::fs::File::open(file).unwrap());
    let mut builder = tar::Builder::new(std::fs::File::create(out).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "manifest.json" {
            let mut manifest: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            change(&mut manifest);
            bytes = serde_json::to_vec(&manifest).unwrap();
        }
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        builder.append_data(&mut header, &name, bytes.as_slice()).unwrap();
    }
    builder.finish().unwrap();
}

#[test]
fn restore_refuses_a_newer_schema_the_other_backend_and_a_damaged_file_leaving_the_target_as_it_was() {
    let source = spawn_db();
    with_user(&source, "alice");
    let dir = source.dir.path();
    let good = dir.join("good.tar");
    backup_of(&source, &good);
    // The target has rows and --force is given: only the file is refused.
    let target = spawn_db();
    with_user(&target, "bob");
    let before = snapshot(&mut target.connect());
    let refused = |file: &Path, expected: &[&str]| {
        let output = run_panel(&target.url, &["restore", "--from", &file.display().to_string(), "--force"], None);
        assert!(!output.status.success(), "{}", text(&output));
        let message = text(&output);
        assert_eq!(message.trim().lines().count(), 1, "one line: {message}");
        for part in expected {
            assert!(message.contains(part), "{part:?} missing from: {message}");
        }
        assert_eq!(snapshot(&mut target.connect()), before, "{}: the target is as it was", file.display());
    };

    let newer = dir.join("newer.tar");
    with_manifest(&good, &newer, |manifest| manifest["schema_version"] = json!("99991231000000"));
    refused(&newer, &["schema 99991231000000", "newer than this smp-panel", "nothing was changed"]);

    let other = dir.join("other.tar");
    let (other_name, this_name) = match source.backend {
        Backend::Sqlite => ("postgresql", "SQLite"),
        Backend::Postgresql => ("sqlite", "PostgreSQL"),
    };
    with_manifest(&good, &other, |manifest| manifest["backend"] = json!(other_name));
    refused(&other, &[&format!("a backup of a {other_name} database"), this_name, "nothing was changed"]);

    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.tar");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    refused(&truncated, &["not a complete smp-panel backup", "nothing was changed"]);

    // One byte of the data changed (past the manifest's 512-byte header and block).
    let flipped = dir.join("flipped.tar");
    let mut changed = bytes.clone();
    let at = 512 * 3 + 700;
    changed[at] ^= 0x5a;
    std::fs::write(&flipped, &changed).unwrap();
    refused(&flipped, &["not a complete smp-panel backup", "SHA-256"]);

    let garbage = dir.join("garbage.tar");
    std::fs::write(&garbage, b"not a tar at all").unwrap();
    refused(&garbage, &["not a complete smp-panel backup"]);
}

#[test]
fn backup_without_pg_dump_on_path_says_so_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let empty_path = dir.path().join("bin");
    std::fs::create_dir(&empty_path).unwrap();
    let file = dir.path().join("never.tar");
    // The tool is looked for before any connection: no server is needed.
    let output = run_panel(
        "postgres://smp@127.0.0.1:1/none",
        &["backup", "--to", &file.display().to_string()],
        Some(&empty_path.display().to_string()),
    );
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("pg_dump is not on PATH") && message.contains("postgresql-client"), "{message}");
    assert!(!file.exists());
}

#[tokio::test]
async fn the_panel_key_and_the_agent_secrets_are_not_in_a_backup_and_the_file_is_private() {
    let app = spawn_app_with("").await;
    let secret = "backup-agent-secret-never-in-backups-0123";
    let sealed = app.panel_key().seal("m1", &SecretString::from(secret)).unwrap();
    let name = InstanceName::parse("m1").unwrap();
    machines::insert(
        &mut app.db.connect(),
        &NewMachine { name: &name, url: "http://127.0.0.1:9", key_id: "panel", secret: &sealed, fingerprint: None },
    )
    .unwrap();
    let key = std::fs::read(app.db.dir.path().join("panel.key")).unwrap();
    assert_eq!(key.len(), 32);
    let file = app.db.dir.path().join("backup.tar");
    backup_of(&app.db, &file);
    // The file's bytes, and for PostgreSQL also the SQL that pg_restore
    // makes of its compressed dump (byteas in hex there).
    let mut bytes = std::fs::read(&file).unwrap();
    if matches!(app.db.backend, Backend::Postgresql) {
        let dump = app.db.dir.path().join("data.pgdump");
        let mut archive = tar::Archive::new(std::fs::File::open(&file).unwrap());
        let mut data = archive.entries().unwrap().nth(1).unwrap().unwrap();
        data.unpack(&dump).unwrap();
        let sql = Command::new("pg_restore").arg("--file=-").arg(&dump).output().unwrap();
        assert!(sql.status.success(), "{}", text(&sql));
        bytes.extend_from_slice(&sql.stdout);
    }
    let found = |needle: &[u8]| bytes.windows(needle.len()).any(|window| window == needle);
    assert!(!found(&key), "the raw panel key is in the backup");
    assert!(!found(hex::encode(&key).as_bytes()), "the panel key in hex is in the backup");
    assert!(!found(secret.as_bytes()), "an agent secret in clear is in the backup");
    let sealed_there = found(&sealed.ciphertext) || found(hex::encode(&sealed.ciphertext).as_bytes());
    assert!(sealed_there, "the sealed secret is (the database is all there)");
    let manifest = manifest_of(&file);
    assert_eq!(manifest["key_file_included"], json!(false));
    assert!(manifest["key_note"].as_str().unwrap().contains("key_file"), "{manifest}");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
}

pub(crate) fn manifest_of(file: &Path) -> serde_json::Value {
    let mut archive = tar::Archive::new(std::fs::File::open(file).unwrap());
    let mut first = archive.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(first.path().unwrap().to_string_lossy(), "manifest.json");
    let mut json = String::new();
    first.read_to_string(&mut json).unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn backups_into_a_directory_keep_the_newest_n_and_nothing_else_is_touched() {
    let db = spawn_db();
    with_user(&db, "alice");
    let dir = db.dir.path().join("backups");
    std::fs::create_dir(&dir).unwrap();
    // Older backups from earlier nights, and a file of the operator's own.
    let old: Vec<PathBuf> =
        (1..=8).map(|day| dir.join(format!("smp-panel-backup-202611{day:02}T030000Z.tar"))).collect();
    for file in &old {
        std::fs::write(file, b"an older backup").unwrap();
    }
    std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
    let output = run_panel(&db.url, &["backup", "--to-dir", &dir.display().to_string(), "--keep", "7"], None);
    assert!(output.status.success(), "{}", text(&output));
    let mut left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(left.len(), 8, "{left:?}");
    assert_eq!(left[0], "notes.txt");
    assert!(!left.contains(&"smp-panel-backup-20261101T030000Z.tar".to_owned()), "{left:?}");
    assert!(!left.contains(&"smp-panel-backup-20261102T030000Z.tar".to_owned()), "{left:?}");
    let newest = dir.join(left.last().unwrap());
    assert_eq!(manifest_of(&newest)["format"], json!("smp-panel-backup"));
    // --keep only goes with --to-dir.
    let output = run_panel(&db.url, &["backup", "--to", "x.tar", "--keep", "7"], None);
    assert!(!output.status.success() && text(&output).contains("--keep"), "{}", text(&output));
}

#[test]
fn a_backup_of_an_older_schema_is_restored_then_migrated_to_this_binary_s() {
    let source = spawn_db();
    let known = db::known_migrations(db::Backend::Sqlite).unwrap();
    let older = &known[known.len() - 2];
    db::run_migrations_through(&mut source.connect(), older).unwrap();
    let file = source.dir.path().join("older.tar");
    backup_of(&source, &file);
    assert_eq!(manifest_of(&file)["schema_version"], json!(db::migration_version(older)));
    let target = spawn_db();
    let output = run_panel(&target.url, &["restore", "--from", &file.display().to_string()], None);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("1 migration(s) applied"), "{}", text(&output));
    let mut connection = target.connect();
    let latest = db::latest_known_version(connection.backend()).unwrap();
    assert_eq!(db::latest_applied_version(&mut connection).unwrap(), Some(latest));
}

#[tokio::test]
async fn a_restore_over_the_sqlite_file_of_a_running_panel_is_refused_and_changes_nothing() {
    let source = crate::helpers::spawn_sqlite_db();
    with_user(&source, "alice");
    let file = source.dir.path().join("alice.tar");
    backup_of(&source, &file);
    let app = crate::helpers::spawn_app_over(crate::helpers::spawn_sqlite_db(), "").await;
    app.user("bob", Role::Admin, PASSWORD, true);
    let before = snapshot(&mut app.db.connect());
    let url = app.db.url.clone();
    let from = file.display().to_string();
    let output = tokio::task::spawn_blocking(move || run_panel(&url, &["restore", "--from", &from, "--force"], None))
        .await
        .unwrap();
    assert!(!output.status.success(), "{}", text(&output));
    let message = text(&output);
    assert!(message.contains("in use by another process") && message.contains("nothing was changed"), "{message}");
    assert_eq!(snapshot(&mut app.db.connect()), before);
    assert!(!app.login("bob", PASSWORD).await.csrf.is_empty(), "the panel still serves its own rows");
}
