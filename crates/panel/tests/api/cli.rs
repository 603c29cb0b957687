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
