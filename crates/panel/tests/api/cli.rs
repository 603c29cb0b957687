//! The real `smp-panel` binary: `user create`, `migrate`, `serve`, and the
//! global `--database-url` / `SMP_PANEL_DATABASE_URL`.

use smp_panel::Username;
use smp_panel::db::users;
use smp_panel::domain::password::verify_password;

use crate::helpers::{TestDb, panel, panel_raw, spawn_db, stderr, stdout};

fn user_count(db: &TestDb) -> i64 {
    let mut connection = db.migrated();
    users::count(&mut connection).unwrap()
}

fn stored_hash(db: &TestDb, username: &str) -> String {
    let mut connection = db.connect();
    users::find_by_username(&mut connection, &Username::parse(username).unwrap()).unwrap().unwrap().password_hash
}

#[test]
fn user_create_prints_a_generated_password_that_signs_in_and_makes_an_approved_user() {
    let db = spawn_db();
    let output = panel(&db, &["user", "create", "--username", "alice", "--role", "head_admin"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("created user alice"), "{out}");
    let password = out.lines().find_map(|line| line.strip_prefix("password: ")).expect("a password line");
    assert!(password.len() >= 20 && password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");
    let hash = stored_hash(&db, "alice");
    assert!(verify_password(password, &hash));
    assert!(!out.contains(&hash) && !stderr(&output).contains("argon2"), "the hash is never printed");
    let user = users::find_by_username(&mut db.connect(), &Username::parse("alice").unwrap()).unwrap().unwrap();
    assert_eq!((user.role, user.approved, user.disabled), (smp_panel::Role::HeadAdmin, true, false));
}

#[test]
fn password_stdin_sets_the_password_and_prints_none() {
    let db = spawn_db();
    let output = panel(
        &db,
        &["user", "create", "--username", "bob", "--role", "member", "--password-stdin"],
        Some("a long enough passphrase\n"),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains("password"), "{}", stdout(&output));
    assert!(verify_password("a long enough passphrase", &stored_hash(&db, "bob")));
}

#[test]
fn a_short_or_missing_stdin_password_is_refused_and_nothing_is_written() {
    let db = spawn_db();
    for input in ["short\n", ""] {
        let output =
            panel(&db, &["user", "create", "--username", "bob", "--role", "member", "--password-stdin"], Some(input));
        assert!(!output.status.success());
        let error = stderr(&output);
        assert!(error.contains("at least 12 characters") || error.contains("standard input is empty"), "{error}");
    }
    assert_eq!(user_count(&db), 0);
}

#[test]
fn a_bad_role_or_username_is_refused_with_a_readable_message() {
    let db = spawn_db();
    let output = panel(&db, &["user", "create", "--username", "carol", "--role", "root"], None);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(error.contains("unknown role `root`") && error.contains("head_admin, admin or member"), "{error}");

    let output = panel(&db, &["user", "create", "--username", "Carol", "--role", "member"], None);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(error.contains("--username \"Carol\"") && error.contains("starts with a lowercase letter"), "{error}");
    assert!(!error.contains("panicked"), "{error}");
    assert_eq!(user_count(&db), 0);
}

#[test]
fn creating_a_taken_username_again_is_refused_and_keeps_the_first_password() {
    let db = spawn_db();
    let args = ["user", "create", "--username", "dave", "--role", "admin", "--password-stdin"];
    assert!(panel(&db, &args, Some("the first passphrase\n")).status.success());
    let output = panel(&db, &args, Some("the second passphrase\n"));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("a user named \"dave\" already exists"), "{}", stderr(&output));
    assert!(verify_password("the first passphrase", &stored_hash(&db, "dave")));
    assert_eq!(user_count(&db), 1);
}

#[test]
fn an_unknown_database_url_scheme_is_a_clear_error_on_every_subcommand() {
    let db = spawn_db();
    for args in [
        vec!["--database-url", "mysql://root@localhost/smp", "migrate"],
        vec!["user", "create", "--username", "erin", "--role", "member", "--database-url", "mysql://x/y"],
    ] {
        let output = panel_raw(&db, &args, &[], None);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let error = stderr(&output);
        assert!(error.contains("unknown database URL scheme \"mysql\""), "{error}");
        assert!(error.contains("sqlite://") && error.contains("postgres://"), "{error}");
    }
}

#[test]
fn the_database_url_comes_from_the_environment_unless_the_flag_overrides_it() {
    let db = spawn_db();
    let output = panel_raw(&db, &["migrate"], &[("SMP_PANEL_DATABASE_URL", &db.url)], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(&format!("{} migration(s) applied", crate::helpers::migration_count())),
        "{}",
        stdout(&output)
    );
    let output =
        panel_raw(&db, &["--database-url", &db.url, "migrate"], &[("SMP_PANEL_DATABASE_URL", "mysql://ignored")], None);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn an_unknown_smp_panel_variable_is_refused_by_name() {
    let db = spawn_db();
    let output = panel_raw(&db, &["--database-url", &db.url, "migrate"], &[("SMP_PANEL_LISEN", "x")], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("lisen"), "{}", stderr(&output));
}

#[test]
fn the_default_database_is_smp_panel_db_in_the_working_directory() {
    let db = spawn_db();
    let output = panel_raw(&db, &["migrate"], &[], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("SQLite"), "{}", stdout(&output));
    assert!(db.dir.path().join("smp-panel.db").is_file());
}

#[test]
fn serve_migrates_listens_and_answers_health_until_killed() {
    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    let db = spawn_db();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smp-panel"))
        .args(["--database-url", &db.url, "serve"])
        .env("SMP_PANEL_LISTEN", &listen)
        .current_dir(db.dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Ok(mut stream) = TcpStream::connect(&listen) {
            stream.write_all(b"GET /api/v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            break answer;
        }
        assert!(Instant::now() < deadline, "serve did not listen within 30 s");
        assert!(child.try_wait().unwrap().is_none(), "serve exited early");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    assert!(answer.contains(r#"{"status":"ok"}"#), "{answer}");
    assert_eq!(user_count(&db), 0, "the database was migrated");
}

#[test]
fn serve_tells_systemd_ready_once_it_answers_and_stopping_when_terminated() {
    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::os::unix::net::UnixDatagram;
    use std::time::{Duration, Instant};

    let db = spawn_db();
    // What systemd listens on for a Type=notify unit.
    let socket_path = db.dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&socket_path).unwrap();
    notify.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smp-panel"))
        .args(["--database-url", &db.url, "serve"])
        .env("SMP_PANEL_LISTEN", &listen)
        .env("NOTIFY_SOCKET", &socket_path)
        .current_dir(db.dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut message = [0u8; 256];
    let length = notify.recv(&mut message).expect("READY=1 within 30 s");
    assert_eq!(std::str::from_utf8(&message[..length]).unwrap(), "READY=1\n");

    // Ready means answering: the first connection, no retry.
    let mut stream = TcpStream::connect(&listen).expect("serve listens once it said READY=1");
    stream.write_all(b"GET /api/v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    let pending = smp_panel::db::pending_migrations(&mut db.connect()).unwrap();
    assert_eq!(pending, 0, "the database was migrated before READY=1");

    // `systemctl stop` sends SIGTERM.
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let length = notify.recv(&mut message).expect("STOPPING=1 within 30 s");
    assert_eq!(std::str::from_utf8(&message[..length]).unwrap(), "STOPPING=1\n");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop within 15 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a stop by SIGTERM is a clean exit: {status}");
}

/// The panel key `serve` would make: 32 bytes, mode 600, where the default
/// `key_file` is for the test's database (beside the SQLite file, or the
/// working directory for PostgreSQL: the test's directory either way).
fn write_key(db: &TestDb, bytes: usize, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = db.dir.path().join("smp-panel.key");
    std::fs::write(&path, vec![7u8; bytes]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn check_says_ok_in_one_line_for_a_migrated_database_and_a_good_key() {
    let db = spawn_db();
    drop(db.migrated());
    write_key(&db, 32, 0o600);
    let started = std::time::Instant::now();
    let output = panel(&db, &["check"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("ok: ") && out.contains("database answers (0 migration(s) pending)"), "{out}");
    assert!(out.contains("smp-panel.key ok") && out.contains("listen 127.0.0.1:8080"), "{out}");
    assert!(!out.contains(&db.url), "the database URL (maybe with a password) is not printed: {out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn check_names_what_is_wrong_one_line_each_and_exits_1() {
    let db = spawn_db();
    drop(db.migrated());

    // No key file yet: said, with what to do.
    let output = panel(&db, &["check"], None);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("smp-panel.key does not exist") && error.contains("restore it from your backup"), "{error}");
    assert!(stdout(&output).is_empty());

    // A key of the wrong size, then one others may read.
    write_key(&db, 16, 0o600);
    let error = stderr(&panel(&db, &["check"], None));
    assert!(error.contains("key file") && error.contains("16"), "{error}");
    write_key(&db, 32, 0o644);
    let error = stderr(&panel(&db, &["check"], None));
    assert!(error.contains("chmod 600"), "{error}");
    write_key(&db, 32, 0o600);

    // A listen address that is none, in a config file.
    let config = db.dir.path().join("panel.toml");
    std::fs::write(&config, "listen = \"not-an-address\"\n").unwrap();
    let output = panel(&db, &["--config", config.to_str().unwrap(), "check"], None);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("listen"), "{error}");

    // A database nobody answers for (a closed port on loopback), with a password in its URL.
    let output =
        panel_raw(&db, &["--database-url", "postgres://smp:hunter2-secret@127.0.0.1:1/none", "check"], &[], None);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("cannot connect to the PostgreSQL database"), "{error}");
    assert!(!error.contains("hunter2-secret"), "{error}");

    // An SQLite file in a directory that does not exist.
    let missing = format!("sqlite://{}/absent/panel.db", db.dir.path().display());
    let error = stderr(&panel_raw(&db, &["--database-url", &missing, "check"], &[], None));
    assert!(error.contains("the directory") && error.contains("absent") && error.contains("does not exist"), "{error}");
}
