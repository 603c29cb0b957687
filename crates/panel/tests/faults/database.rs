//! The panel's own database failing under it: a SQLite file locked by
//! another process, a PostgreSQL server restarted while requests run. The
//! answer is 503 `database_unavailable` within the pool's wait (5 s) or
//! SQLite's busy timeout (5 s), nothing is half done, and the panel serves
//! again by itself once the database does, without a restart.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use smp_panel::Role;

use crate::helpers::{error_code, spawn_app_over, spawn_postgresql_db, spawn_sqlite_db};
use crate::support::postgres_url;

const PASSWORD: &str = "root-password-2026";
/// The longest a refused request may take: the 5 s wait, and slack for a loaded machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(9);

/// A `sqlite3` process of Python's holding `path`'s write lock (`BEGIN
/// EXCLUSIVE`) until it is told to let go (a line on its stdin) or dies.
pub struct SqliteLock(std::process::Child);

impl SqliteLock {
    pub fn take(path: &str) -> SqliteLock {
        let script = "import sqlite3, sys\n\
            c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
            c.execute('BEGIN EXCLUSIVE')\n\
            print('locked', flush=True)\n\
            sys.stdin.readline()\n\
            c.execute('COMMIT')\n";
        let mut child = Command::new("python3")
            .args(["-c", script, path])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (the machine's CPython)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "locked", "the other process holds the lock");
        SqliteLock(child)
    }

    pub fn release(mut self) {
        writeln!(self.0.stdin.take().unwrap()).unwrap();
        assert!(self.0.wait().unwrap().success());
    }
}

impl Drop for SqliteLock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn new_user(name: &str) -> serde_json::Value {
    json!({"username": name, "role": "member", "password": "mia-password-2026"})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_file_locked_by_another_process_answers_503_and_the_panel_recovers_by_itself() {
    let app = spawn_app_over(spawn_sqlite_db(), "").await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let session = app.login("root", PASSWORD).await;
    let path = app.db.url.strip_prefix("sqlite://").unwrap().to_owned();

    let lock = SqliteLock::take(&path);
    let started = Instant::now();
    let answer = app.send_json(Method::POST, "/users", &session, &new_user("mia")).await;
    let took = started.elapsed();
    assert_eq!(error_code(answer).await, (503, "database_unavailable".to_owned()));
    assert!(took < ANSWER_WITHIN, "answered after {took:?}");
    lock.release();

    let users = app.with_session(Method::GET, "/users", &session).send().await.unwrap();
    let users: serde_json::Value = users.json().await.unwrap();
    let names: Vec<&str> =
        users["items"].as_array().unwrap().iter().filter_map(|user| user["username"].as_str()).collect();
    assert_eq!(names, ["root"], "the refused creation left nothing behind");
    let answer = app.send_json(Method::POST, "/users", &session, &new_user("mia")).await;
    assert_eq!(answer.status(), 201, "the same panel serves again once the lock is gone");
    let created = app.audit_rows_of("user.create");
    assert_eq!(created.iter().filter(|row| row.outcome == "ok").count(), 1, "created once, audited once");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql_restarted_under_running_requests_answers_503_and_the_panel_recovers_by_itself() {
    let app = spawn_app_over(spawn_postgresql_db(&postgres_url()), "").await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let session = app.login("root", PASSWORD).await;

    // Requests run all along: each ends 201 or 503 `database_unavailable`
    // within the wait, never a 500, never a hang.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (client, url, cookie, csrf, stop) =
            (app.client.clone(), app.url("/users"), session.cookie.clone(), session.csrf.clone(), stop.clone());
        tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .header("Cookie", &cookie)
                    .header("X-CSRF-Token", &csrf)
                    .json(&new_user(&format!("load{n}")))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                answers.push((status, body["error"]["code"].as_str().unwrap_or("").to_owned(), started.elapsed()));
            }
            answers
        })
    };
    crate::support::restart_postgresql();
    // The first request after the restart may meet a dead pooled
    // connection; the pool replaces it and the next ones succeed.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = app.with_session(Method::GET, "/users", &session).send().await.unwrap();
        if answer.status() == 200 {
            break;
        }
        assert_eq!(error_code(answer).await.1, "database_unavailable");
        assert!(Instant::now() < deadline, "the panel never served again after PostgreSQL came back");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answers = load.await.unwrap();
    for (status, code, took) in &answers {
        assert!(
            *status == 201 || (*status == 503 && code == "database_unavailable"),
            "a request during the restart answered {status} {code}"
        );
        assert!(*took < ANSWER_WITHIN, "a request during the restart took {took:?}");
    }
    let created = answers.iter().filter(|(status, ..)| *status == 201).count();
    let mut connection = app.db.connect();
    let stored = smp_panel::db::users::list(&mut connection).unwrap().len() - 1;
    assert_eq!(stored, created, "every 201 is a user, and no 503 left one behind");
    let audited = app.audit_rows_of("user.create").iter().filter(|row| row.outcome == "ok").count();
    assert_eq!(audited, created, "every creation audited once");
    let answer = app.send_json(Method::POST, "/users", &session, &new_user("after")).await;
    assert_eq!(answer.status(), 201);
}

/// Set in the child run of the exit test: the URL its threads connect to.
const EXITING_CHILD_URL: &str = "SMP_TEST_EXITING_CHILD_URL";

/// A process that exits while its threads are still connecting to
/// PostgreSQL (a test binary at its end with a pool replacing a connection,
/// the panel stopping) exits cleanly. libpq hashes the SCRAM password and
/// speaks TLS with OpenSSL, whose exit handler used to free OpenSSL's
/// tables under those threads: about one exit in three crashed (SIGSEGV),
/// which once failed a whole CI run after every test had passed. The test
/// runs itself as that process 20 times.
#[test]
fn a_process_exiting_while_its_threads_connect_to_postgresql_exits_cleanly() {
    if let Ok(url) = std::env::var(EXITING_CHILD_URL) {
        exit_while_connecting(&url);
    }
    // A database that does not exist: each attempt authenticates, is refused,
    // and starts again. Without Kerberos, whose own exit handlers abort such a
    // process too (about one exit in a hundred; see docs/panel.md).
    let mut url = postgres_url().replace("/smp_test", "/smp_test_never_made");
    if !url.contains("gssencmode=") {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("gssencmode=disable");
    }
    // With TLS, as a panel's URL has it by default: the test URL turns it off
    // for speed, and the handshake is OpenSSL's work under those threads too.
    url = url.replace("sslmode=disable", "sslmode=prefer");
    for run in 1..=20 {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "database::a_process_exiting_while_its_threads_connect_to_postgresql_exits_cleanly"])
            .args(["--nocapture", "--test-threads=1"])
            .env(EXITING_CHILD_URL, &url)
            .output()
            .expect("the test binary runs again");
        assert!(
            child.status.success(),
            "run {run}: the process exiting while it connects ended with {:?}: {}",
            child.status,
            String::from_utf8_lossy(&child.stderr)
        );
    }
}

/// Starts four threads connecting to `url` over and over, waits for four
/// refusals, and exits the process while the threads go on.
fn exit_while_connecting(url: &str) -> ! {
    let (tried, first_tries) = std::sync::mpsc::channel();
    for _ in 0..4 {
        let (url, tried) = (url.to_owned(), tried.clone());
        std::thread::spawn(move || {
            loop {
                assert!(smp_panel::db::establish(&url).is_err(), "{url} names no database");
                let _ = tried.send(());
            }
        });
    }
    for _ in 0..4 {
        first_tries.recv().unwrap();
    }
    std::process::exit(0)
}
