//! What the panel's benchmarks share: quick mode and its rounds,
//! percentiles, medians and the verdict against a goal, the order the
//! sides take turns in, `lxc`, the bench's own LXD project, the
//! `smp-panel serve` process of this build, and a user with a write token
//! made directly in the database (a login would only measure Argon2).
//! Each bench uses a part of it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use smp_panel::db::tokens::{NewToken, TokenScope};
use smp_panel::domain::credentials::{hash_secret, random_secret};
use smp_panel::{Role, Username, db};

/// `SMP_BENCH_QUICK=1` (`make bench-quick`): a round or two of each figure.
pub fn quick() -> bool {
    std::env::var_os("SMP_BENCH_QUICK").is_some_and(|value| value != "0")
}

/// `full` rounds, or at most two in quick mode.
pub fn rounds(full: usize) -> usize {
    if quick() { full.min(2) } else { full }
}

/// `full` rows to seed, or a tenth of them in quick mode (in a debug build,
/// seeding 10 000 containers took 56 of the panel bench's 138 s and 40 of
/// the DNS bench's 42 s).
pub fn seeded(full: usize) -> usize {
    if quick() { full / 10 } else { full }
}

pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// How a figure stands against its goal: a miss is loud.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// The order in which `sides` sides go in round `round`: each goes first in turn.
pub fn turns(round: usize, sides: usize) -> impl Iterator<Item = usize> {
    (0..sides).map(move |side| (round + side) % sides)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `lxc` with `args`; its standard output (it must succeed).
pub fn lxc(args: &[&str]) -> String {
    let output = Command::new("lxc").args(args).stdin(Stdio::null()).output().expect("lxc runs");
    assert!(output.status.success(), "lxc {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The bench's LXD project (`smp-bench-<what>-<pid>`) with one container;
/// both deleted when dropped.
pub struct Project {
    pub name: String,
    pub container: &'static str,
}

impl Project {
    /// A new project with `container` launched from `image`.
    pub fn launch(what: &str, image: &str, container: &'static str) -> Project {
        let name = format!("smp-bench-{what}-{}", std::process::id());
        lxc(&["project", "create", &name, "-c", "features.images=false", "-c", "features.profiles=false"]);
        let project = Project { name, container };
        lxc(&["launch", image, container, "--project", &project.name, "-q"]);
        project
    }

    /// Waits (at most `wait`) until the container's systemd is up.
    pub fn wait_for_systemd(&self, wait: Duration) {
        let started = Instant::now();
        loop {
            let state = Command::new("lxc")
                .args([
                    "exec",
                    self.container,
                    "--project",
                    &self.name,
                    "--",
                    "systemctl",
                    "is-system-running",
                    "--wait",
                ])
                .stdin(Stdio::null())
                .output()
                .expect("lxc runs");
            let state = String::from_utf8_lossy(&state.stdout);
            if matches!(state.trim(), "running" | "degraded") {
                return;
            }
            assert!(started.elapsed() < wait, "systemd did not come up in {}: {state}", self.container);
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        for args in
            [vec!["delete", "--force", self.container, "--project", &self.name], vec!["project", "delete", &self.name]]
        {
            let _ = Command::new("lxc").args(&args).stdin(Stdio::null()).stdout(Stdio::null()).status();
        }
    }
}

/// The `smp-panel serve` process of this build; killed when dropped.
pub struct Panel {
    pub child: Child,
    /// `http://127.0.0.1:PORT/api/v1`.
    pub api: String,
    log: PathBuf,
}

impl Panel {
    /// Starts the panel with `settings` (TOML, its tables last) on a free
    /// port, its `SMP_PANEL_*` environment cleared, and waits (at most
    /// `wait`) until it answers its health route.
    pub async fn start(dir: &Path, settings: &str, wait: Duration) -> Panel {
        let port = free_port();
        let config = dir.join(format!("panel-{port}.toml"));
        std::fs::write(&config, format!("listen = \"127.0.0.1:{port}\"\n{settings}")).unwrap();
        let log = dir.join(format!("panel-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_smp-panel"));
        command.arg("--config").arg(&config).arg("serve").current_dir(dir);
        for (key, _) in std::env::vars() {
            if key.starts_with("SMP_PANEL_") {
                command.env_remove(key);
            }
        }
        let child = command
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("smp-panel starts");
        let mut panel = Panel { child, api: format!("http://127.0.0.1:{port}/api/v1"), log };
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(answer) = http.get(format!("{}/health", panel.api)).send().await
                && answer.status() == 200
            {
                return panel;
            }
            assert!(panel.child.try_wait().unwrap().is_none(), "smp-panel exited: {}", panel.log_text());
            assert!(started.elapsed() < wait, "smp-panel did not answer in time: {}", panel.log_text());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Panel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A user in the panel's database and a write token of hers, made
/// directly in the database.
pub fn user_with_token(
    connection: &mut db::DbConnection,
    name: &str,
    role: Role,
    hash: &str,
) -> (db::users::User, String) {
    let username = Username::parse(name).unwrap();
    let user = db::users::create(
        connection,
        &db::users::NewUser { username: &username, password_hash: hash, role, approved: true },
    )
    .unwrap();
    let token = format!("smp_{}", random_secret());
    let new = NewToken {
        user_id: user.id,
        name: "bench",
        token_hash: &hash_secret(&token),
        scope: TokenScope::Write,
        expires_at: db::unix_now() + 86_400,
    };
    db::tokens::create(connection, &new).unwrap();
    (user, token)
}

/// Adds the machine `machine` (its agent at `agent_url` with key `k1` and
/// `secret`) to the panel as `root`, waits (at most `wait`) until the sync
/// lists `container`, and gives it to `owner`: the container's id.
pub async fn add_machine_and_give(
    http: &reqwest::Client,
    api: &str,
    root: &str,
    (machine, agent_url, secret): (&str, &str, &str),
    container: &str,
    owner: &str,
    wait: Duration,
) -> i64 {
    let added = http
        .post(format!("{api}/machines"))
        .bearer_auth(root)
        .json(&serde_json::json!({"name": machine, "url": agent_url, "key_id": "k1", "secret": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let started = Instant::now();
    let id = loop {
        let items = http.get(format!("{api}/containers")).bearer_auth(root).send().await.unwrap();
        let items = items.json::<serde_json::Value>().await.unwrap();
        if let Some(item) = items["items"].as_array().unwrap().iter().find(|item| item["name"] == container) {
            break item["id"].as_i64().unwrap();
        }
        assert!(started.elapsed() < wait, "the sync never listed {container}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let given = http
        .patch(format!("{api}/containers/{id}"))
        .bearer_auth(root)
        .json(&serde_json::json!({"owner": owner}))
        .send();
    assert_eq!(given.await.unwrap().status(), 200);
    id
}

/// An agent for `machine` in this process on `project` (its state in
/// `dir/agent`, `extra` TOML before its key): its URL and its key's secret.
pub async fn start_agent(machine: &str, project: &Project, dir: &Path, extra: &str) -> (String, String) {
    let secret = smp_agent::random::new_secret();
    let toml = format!(
        "machine = \"{machine}\"\nlisten = \"127.0.0.1:0\"\nproject = \"{}\"\nstate_dir = \"{}\"\n{extra}\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n",
        project.name,
        dir.join("agent").display()
    );
    let agent = smp_agent::Agent::build(smp_agent::Config::from_toml(&toml).expect("agent config")).await.unwrap();
    let url = format!("http://127.0.0.1:{}", agent.port());
    tokio::spawn(agent.run_until_stopped());
    (url, secret)
}
