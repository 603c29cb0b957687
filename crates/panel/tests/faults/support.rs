//! What the fault tests share: the test PostgreSQL, and the real
//! `smp-panel serve` as a process the test can kill and start again.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `SMP_TEST_POSTGRES_URL`, which `make test-faults` sets.
pub fn postgres_url() -> String {
    std::env::var("SMP_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty()).expect(
        "SMP_TEST_POSTGRES_URL names the test PostgreSQL (make test-faults sets it; scripts/setup-postgres.sh prints it)",
    )
}

/// Restarts the machine's PostgreSQL cluster (`pg_ctlcluster … restart`,
/// fast mode: the server ends every connection) and returns once it serves.
pub fn restart_postgresql() {
    let clusters = Command::new("pg_lsclusters").arg("-h").output().expect("pg_lsclusters runs");
    let listing = String::from_utf8_lossy(&clusters.stdout);
    let mut first = listing.lines().next().expect("a PostgreSQL cluster").split_whitespace();
    let (version, cluster) = (first.next().unwrap(), first.next().unwrap());
    let restarted = Command::new("pg_ctlcluster").args([version, cluster, "restart", "-m", "fast"]).output().unwrap();
    assert!(restarted.status.success(), "pg_ctlcluster restart: {}", String::from_utf8_lossy(&restarted.stderr));
}

/// `smp-panel serve` on a free loopback port over `database_url`, its key
/// next to the SQLite file (where `smp-panel machine add` left it); killed
/// (`SIGKILL`) when dropped.
pub struct PanelProcess {
    child: Child,
    pub address: String,
}

impl PanelProcess {
    pub fn start(database_url: &str, dir: &Path, settings: &str) -> PanelProcess {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let config = dir.join(format!("panel-{}.toml", STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
        std::fs::write(&config, format!("database_url = {database_url:?}\nlisten = \"127.0.0.1:0\"\n{settings}\n"))
            .unwrap();
        let mut child = Command::new(smp_e2e::panel_bin())
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("smp-panel starts");
        let stderr = child.stderr.take().unwrap();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                crate::leaks::keep_log_line("panel-process", &line);
                if line.contains("smp-panel listening")
                    && let Some(port) = port_in(&line)
                {
                    let _ = port_tx.send(port);
                }
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(60)).expect("smp-panel says where it listens");
        PanelProcess { child, address: format!("http://127.0.0.1:{port}") }
    }

    /// `SIGKILL`: the process ends at once, mid-whatever it does.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for PanelProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The number after `port=` in a log line.
fn port_in(line: &str) -> Option<u16> {
    let digits: String = line.split("port=").nth(1)?.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Polls `check` every 50 ms until it gives a value, for at most `bound`.
pub async fn until<T>(bound: Duration, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + bound;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {bound:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One machine's agent on its own LXD project, registered in a fresh
/// SQLite database with a head admin `root` signed in, and the panel
/// serving it as a process.
/// Dropped in this order: the panel, the agent, then the project (which
/// LXD deletes only once nothing acts on it) and the database.
pub struct World {
    pub panel: Option<PanelProcess>,
    pub agent: crate::real_lxd::Agent,
    pub project: crate::real_lxd::LxdProject,
    pub db: crate::helpers::TestDb,
    pub client: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

pub const PASSWORD: &str = "root-password-2026";

impl World {
    /// `containers` (busybox) running; the agent's and the panel's extra settings.
    pub async fn start(containers: &[&str], agent_settings: &str, panel_settings: &str) -> World {
        use crate::real_lxd::{Agent, LxdProject, MACHINE, SECRET, machine_add};
        let project = LxdProject::with_busyboxes(containers);
        let agent = Agent::start_configured(MACHINE, &project.name, &[("k1", SECRET)], agent_settings);
        let db = crate::helpers::spawn_sqlite_db();
        let added = machine_add(&db, MACHINE, &agent, &["--trust-on-first-use"]);
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        crate::leaks::record_secret(PASSWORD);
        let mut connection = db.migrated();
        let hash = crate::helpers::password_hash(PASSWORD);
        let username = smp_panel::Username::parse("root").unwrap();
        let root = smp_panel::db::users::NewUser {
            username: &username,
            password_hash: &hash,
            role: smp_panel::Role::HeadAdmin,
            approved: true,
        };
        smp_panel::db::users::create(&mut connection, &root).unwrap();
        let panel = PanelProcess::start(&db.url, db.dir.path(), panel_settings);
        let client = reqwest::Client::new();
        let answer = client
            .post(format!("{}/api/v1/login", panel.address))
            .json(&serde_json::json!({"username": "root", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = crate::helpers::session_cookie(&answer).expect("a session");
        let body: serde_json::Value = answer.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        World { project, agent, db, panel: Some(panel), client, cookie, csrf }
    }

    pub fn address(&self) -> &str {
        &self.panel.as_ref().expect("the panel runs").address
    }

    /// `method path` (a page's path, or `/api/v1/…`) with root's session.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address()))
            .header("Cookie", &self.cookie)
            .header("X-CSRF-Token", &self.csrf)
    }

    /// The panel's id of `name` once the sync has listed it.
    pub async fn container_id(&self, name: &str) -> i64 {
        until(Duration::from_secs(30), "the sync lists the container", async || {
            let list: serde_json::Value =
                self.request(reqwest::Method::GET, "/api/v1/containers").send().await.ok()?.json().await.ok()?;
            list["items"].as_array()?.iter().find(|item| item["name"] == name)?["id"].as_i64()
        })
        .await
    }

    /// The outcomes (and error codes) of `action`'s audit rows, oldest first.
    pub fn outcomes(&self, action: &str) -> Vec<(String, Option<String>)> {
        smp_panel::db::audit::list(&mut self.db.connect())
            .unwrap()
            .into_iter()
            .filter(|row| row.action == action)
            .map(|row| (row.outcome, row.error_code))
            .collect()
    }

    pub fn in_flight(&self) -> i64 {
        use diesel::prelude::*;
        smp_panel::db::schema::actions_in_flight::table.count().get_result(&mut self.db.connect()).unwrap()
    }

    /// LXD's status of `container` ("Running", "Stopped").
    pub fn lxd_status(&self, container: &str) -> String {
        let state = crate::real_lxd::lxc(&[
            "query",
            &format!("/1.0/instances/{container}/state?project={}", self.project.name),
        ]);
        serde_json::from_str::<serde_json::Value>(&state).unwrap()["status"].as_str().unwrap().to_owned()
    }

    /// The panel's row of container `id`.
    pub fn row(&self, id: i64) -> smp_panel::db::containers::Container {
        smp_panel::db::containers::get(&mut self.db.connect(), smp_panel::db::containers::ContainerId(id))
            .unwrap()
            .unwrap()
    }
}

/// `ok`/`started`… pairs as `World::outcomes` gives them.
pub fn rows(outcomes: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    outcomes.iter().map(|(outcome, code)| ((*outcome).to_owned(), code.map(str::to_owned))).collect()
}
