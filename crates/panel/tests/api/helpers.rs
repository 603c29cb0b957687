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
    match std::env::var(PG_ENV) {
        Ok(base) if !base.is_empty() => spawn_postgresql_db(&base),
        _ => spawn_sqlite_db(),
    }
}

/// `spawn_db()` with every migration already applied: on PostgreSQL a copy
/// of this process' migrated template (`migrated_template`), which spares
/// each test the 14 migrations' commits (a third of a test's own database
/// setup, 0.3 s of 1 s on this 2-core machine); SQLite's are quick, so there
/// the panel applies them at its start as anywhere.
pub fn spawn_migrated_db() -> TestDb {
    match std::env::var(PG_ENV) {
        Ok(base) if !base.is_empty() => postgresql_copy_of(&base, &migrated_template(&base)),
        _ => spawn_sqlite_db(),
    }
}

/// This process' `smp_test_template_<pid>`, made and migrated by the first
/// test that asks; no one connects to it afterwards (PostgreSQL copies only
/// a database without sessions). It outlives the process, so the first call
/// drops those of processes that have ended.
fn migrated_template(base: &str) -> String {
    static TEMPLATE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let mut template = TEMPLATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(name) = template.as_ref() {
        return name.clone();
    }
    let mut admin = db::establish(base).expect("PostgreSQL answers at the test URL");
    drop_templates_of_ended_processes(&mut admin);
    let name = format!("{TEMPLATE_PREFIX}{}", std::process::id());
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
    let mut connection = db::establish(&replace_database(base, &name)).expect("a connection to the template");
    db::run_migrations(&mut connection).expect("the template's migrations");
    *template = Some(name.clone());
    name
}

const TEMPLATE_PREFIX: &str = "smp_test_template_";

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

fn drop_templates_of_ended_processes(admin: &mut DbConnection) {
    let names: Vec<DatabaseName> = diesel::sql_query(format!(
        "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"
    ))
    .load(admin)
    .unwrap();
    for DatabaseName { datname } in names {
        let pid = datname.strip_prefix(TEMPLATE_PREFIX).unwrap_or_default();
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)")).execute(admin);
        }
    }
}

/// A fresh SQLite file, whatever `SMP_TEST_DATABASE_URL` says.
pub fn spawn_sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("panel.db").display());
    TestDb { url, backend: Backend::Sqlite, dir, admin: None }
}

/// A fresh PostgreSQL database made with the role of `base`.
pub fn spawn_postgresql_db(base: &str) -> TestDb {
    postgresql_copy_of(base, "template1")
}

/// A new PostgreSQL database, a copy of `template`, made with the role of `base`.
fn postgresql_copy_of(base: &str, template: &str) -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let suffix: String =
        rand::rng().sample_iter(&Alphanumeric).take(12).map(|c| char::from(c).to_ascii_lowercase()).collect();
    let name = format!("smp_test_{suffix}");
    let mut admin = db::establish(base).unwrap_or_else(|error| {
        panic!("PostgreSQL cannot be reached at the test URL: {error} (run scripts/setup-postgres.sh)")
    });
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut admin)
        .unwrap_or_else(|error| panic!("cannot create the test database {name}: {error}"));
    let url = replace_database(base, &name);
    TestDb { url, backend: Backend::Postgresql, dir, admin: Some((base.to_owned(), name)) }
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

/// The Argon2id PHC string of `password`, made once per test process and
/// password: a hash takes tens of milliseconds, one at a time per process
/// (`domain::password`), and the tests store the same few passwords for
/// thousands of accounts (a sixth of the test binary's CPU time).
pub fn password_hash(password: &str) -> String {
    static HASHES: std::sync::Mutex<std::collections::BTreeMap<String, String>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());
    let mut hashes = HASHES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let hash = hashes
        .entry(password.to_owned())
        .or_insert_with(|| smp_panel::domain::password::Password::parse(password.to_owned()).unwrap().hash().unwrap());
    hash.clone()
}

/// Runs `smp-panel ARGS --database-url <db>` in the test's directory with
/// `stdin` piped in and no `SMP_PANEL_…` variables from the outside.
pub fn panel(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut full: Vec<&str> = vec!["--database-url", &db.url];
    full.extend_from_slice(args);
    panel_raw(db, &full, &[], stdin)
}

/// The real `smp-panel` binary, to run in `dir` with no `SMP_PANEL_…`
/// variables from the outside (relative paths land in `dir`).
pub fn panel_command(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smp-panel"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("SMP_PANEL_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs `smp-panel` with exactly `args` and the extra environment `env`.
pub fn panel_raw(db: &TestDb, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = panel_command(db.dir.path());
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("smp-panel starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("stdin written");
    }
    drop(input);
    child.wait_with_output().expect("smp-panel ends")
}

/// Writes `secret` and a newline to `file` in the test's directory; its path.
pub fn secret_file(db: &TestDb, file: &str, secret: &str) -> String {
    let path = db.dir.path().join(file);
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    path.display().to_string()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A panel serving on a random port over its own fresh database.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    /// The serving task, until `stop` has waited for it.
    serving: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The aggregated audit rows of anonymous refusals (`flush_refusals`).
    refusals: std::sync::Arc<smp_panel::http::anonymous::AnonymousRefusals>,
    /// The SSH gateway's port, when the settings have an `[ssh]` table.
    pub ssh_port: Option<u16>,
    /// The DNS server's port (UDP and TCP), when the settings have a `[dns]` table.
    pub dns_port: Option<u16>,
}

/// Builds `Application` on port 0 over `spawn_migrated_db()` and serves it in the background.
pub async fn spawn_app() -> TestApp {
    spawn_app_with("").await
}

/// `spawn_app` with one approved user, `name` of `role`, signed in through the API.
pub async fn spawn_app_signed_in(name: &str, role: smp_panel::Role, password: &str) -> (TestApp, Session) {
    let app = spawn_app().await;
    app.user(name, role, password, true);
    let session = app.login(name, password).await;
    (app, session)
}

/// `spawn_app` with more settings (TOML lines) in its config.
pub async fn spawn_app_with(settings: &str) -> TestApp {
    spawn_app_over(spawn_migrated_db(), settings).await
}

/// `spawn_app_with` over the database `db` (empty, or migrated by this binary).
pub async fn spawn_app_over(db: TestDb, settings: &str) -> TestApp {
    let key_file = db.dir.path().join("panel.key");
    // With the secrets scan on, the tests reach the panel through its
    // answers' recorder, whose address is then the panel's public URL.
    crate::leaks::capture_panel_log();
    let recorder = if settings.contains("public_url") { None } else { crate::leaks::recorder().await };
    let public_url = recorder
        .as_ref()
        .map(|recorder| format!("public_url = \"http://{}\"\n", recorder.local_addr().unwrap()))
        .unwrap_or_default();
    let toml = format!(
        "database_url = {:?}\nlisten = \"127.0.0.1:0\"\nkey_file = {:?}\n{public_url}{settings}\n",
        db.url, key_file
    );
    let config = smp_panel::Config::from_toml(&toml).expect("a valid test config");
    let application = smp_panel::Application::build(config).await.expect("the panel starts");
    if let Ok(key) = std::fs::read(&key_file) {
        crate::leaks::record_secret_bytes(&key);
    }
    let served = std::net::SocketAddr::from(([127, 0, 0, 1], application.port()));
    let address = match recorder {
        Some(recorder) => {
            let address = format!("http://{}", recorder.local_addr().unwrap());
            crate::leaks::record(recorder, served);
            address
        }
        None => format!("http://{served}"),
    };
    let handle = application.handle();
    let refusals = application.refusals();
    let ssh_port = application.ssh_port();
    let dns_port = application.dns_port();
    let serving = Some(tokio::spawn(application.run_until_stopped()));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, db, client, handle, serving, refusals, ssh_port, dns_port }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        drop(handle.stop(false));
    }
}

/// What a login gives a browser: the cookie header value and the CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// Stores an account directly (approved unless told otherwise); returns its id.
    pub fn user(&self, name: &str, role: smp_panel::Role, password: &str, approved: bool) -> i64 {
        crate::leaks::record_secret(password);
        let mut connection = self.db.connect();
        let hash = password_hash(password);
        let username = smp_panel::Username::parse(name).unwrap();
        let new = db::users::NewUser { username: &username, password_hash: &hash, role, approved };
        db::users::create(&mut connection, &new).unwrap().id.0
    }

    pub async fn login_response(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Logs in (it must succeed) and returns the session.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let response = self.login_response(username, password).await;
        assert_eq!(response.status(), 200);
        let cookie = session_cookie(&response).expect("a session cookie");
        let body: serde_json::Value = response.json().await.unwrap();
        Session { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned() }
    }

    /// A request with the session cookie and its CSRF header.
    pub fn with_session(&self, method: reqwest::Method, path: &str, session: &Session) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("Cookie", &session.cookie)
            .header("X-CSRF-Token", &session.csrf)
    }

    /// `method path` with the session (as `with_session`) and `body` as JSON: the answer.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &Session,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.with_session(method, path, session).json(body).send().await.unwrap()
    }

    /// `method path` with the session, a JSON content type and `body` as it
    /// is (JSON or not): the answer.
    pub async fn send_body(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &Session,
        body: String,
    ) -> reqwest::Response {
        let request = self.with_session(method, path, session).header("Content-Type", "application/json");
        request.body(body).send().await.unwrap()
    }

    /// The panel key the app seals machine secrets with.
    pub fn panel_key(&self) -> smp_panel::domain::secrets::PanelKey {
        smp_panel::domain::secrets::PanelKey::load(&self.db.dir.path().join("panel.key")).unwrap()
    }

    pub fn audit_rows(&self) -> Vec<db::audit::AuditRow> {
        db::audit::list(&mut self.db.connect()).unwrap()
    }

    /// The audit rows `keep` keeps, each as `pick` gives it, oldest first.
    pub fn audit_rows_where<T>(
        &self,
        keep: impl Fn(&db::audit::AuditRow) -> bool,
        pick: impl FnMut(db::audit::AuditRow) -> T,
    ) -> Vec<T> {
        self.audit_rows().into_iter().filter(keep).map(pick).collect()
    }

    /// The audit rows of `action`, oldest first.
    pub fn audit_rows_of(&self, action: &str) -> Vec<db::audit::AuditRow> {
        self.audit_rows().into_iter().filter(|row| row.action == action).collect()
    }

    /// Stops the panel gracefully and waits until it has, with all it writes
    /// on the way out (the database stays until the `TestApp` is dropped).
    pub async fn stop(&mut self) {
        self.handle.stop(true).await;
        if let Some(serving) = self.serving.take() {
            serving.await.unwrap().unwrap();
        }
    }

    /// Writes the counts of anonymous refusals not yet written, as the
    /// periodic flush (or a shutdown) would.
    pub async fn flush_refusals(&self) {
        self.refusals.flush_now().await.unwrap();
    }
}

/// `smp_session=VALUE` from a response's Set-Cookie, if any.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("smp_session=") && !value.starts_with("smp_session=;"))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
}

/// The error code of an error answer.
pub async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("a JSON error body");
    (status, body["error"]["code"].as_str().expect("error.code").to_owned())
}

/// How many migrations each backend has (the folders of migrations/sqlite;
/// migrations/postgresql has the same ones).
pub fn migration_count() -> usize {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    std::fs::read_dir(dir)
        .expect("the migrations folder")
        .filter(|entry| entry.as_ref().is_ok_and(|entry| entry.path().is_dir()))
        .count()
}
