//! Issue 19's load and soak figure: 200 concurrent clients for 60 s against
//! the real `smp-panel serve` binary of this build, with the real
//! `smp-agent serve` binary (plain HTTP on loopback) on the real LXD behind
//! it, each client a member's, with her own token and her own session:
//! - readers (196): each loops over her container list
//!   (`GET /api/v1/containers`, her token) and one of her containers' web
//!   page (`GET /containers/{id}`, her session cookie). 49 members, four
//!   clients each, ten containers each: rows of a second machine seeded in
//!   the database (its agent down, as in the list figure), since the list
//!   and the page read only the database;
//! - restarters (4): each a member owning one busybox container of the
//!   bench's LXD project, restarting it through the panel and the agent
//!   (`POST /api/v1/containers/{id}/restart`) one restart after another, so
//!   one restart per container at a time and one agent call per member in
//!   flight (`max_agent_calls_per_user` is 8).
//!
//! Each member signs in once, from her own address (`X-Forwarded-For`, the
//! bench's loopback being a trusted proxy), so the login limiter (5 per
//! address and per username) is never what is measured. Prints p50/p99
//! latency, counts and errors per kind of request (goal: 0 errors), the
//! resident memory of the panel and of the agent before and after (goal:
//! growth <= 10 %), and beside the restart the same restart directly on
//! LXD's socket and with `lxc restart` afterwards.
//!
//! `SMP_BENCH_ONLY=load` runs it alone; quick mode: 4 readers (1 member)
//! and 1 restarter for 2 s.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use smp_agent::lxd::LxdClient;
use smp_panel::db::containers;
use smp_panel::db::machines::{MachineId, NewMachine};
use smp_panel::{Role, db};
use smp_proto::api::{ContainerStatus, ContainerSummary};
use smp_proto::names::InstanceName;

use super::{PASSWORD, megabytes};
use crate::support::{Panel, lxc, ms, percentile, quick, user_with_token, verdict};

/// Containers per reader member (rows of the seeded machine).
const PER_MEMBER: usize = 10;
/// Clients per reader member.
const CLIENTS_PER_MEMBER: usize = 4;
/// One request's longest wait: a slower answer counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the load's parts are: full, or quick.
struct Shape {
    readers: usize,
    restarters: usize,
    /// The readers' untimed run before the memory's "before".
    warm_up: Duration,
    duration: Duration,
    direct_rounds: usize,
}

impl Shape {
    fn now() -> Shape {
        if quick() {
            Shape {
                readers: 4,
                restarters: 1,
                warm_up: Duration::from_millis(500),
                duration: Duration::from_secs(2),
                direct_rounds: 1,
            }
        } else {
            Shape {
                readers: 196,
                restarters: 4,
                warm_up: Duration::from_secs(5),
                duration: Duration::from_secs(60),
                direct_rounds: 10,
            }
        }
    }
}

/// `smp-agent serve` (the binary next to this bench's build) on a free
/// loopback port, plain HTTP; killed when dropped.
struct AgentProcess {
    child: Child,
    url: String,
}

impl AgentProcess {
    fn start(dir: &Path, project: &str, secret: &str) -> AgentProcess {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let toml = format!(
            "machine = \"load\"\nlisten = \"127.0.0.1:{port}\"\nproject = \"{project}\"\nstate_dir = \"{}\"\n\
             [[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n",
            dir.join("agent-state").display()
        );
        let config = dir.join("agent.toml");
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&config).unwrap();
        std::io::Write::write_all(&mut file, toml.as_bytes()).unwrap();
        let mut command = Command::new(smp_e2e::agent_bin());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SMP_AGENT_") {
                command.env_remove(name);
            }
        }
        let child = command
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("agent.log")).unwrap())
            .spawn()
            .expect("smp-agent serve starts");
        let mut agent = AgentProcess { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(agent.child.try_wait().unwrap().is_none(), "smp-agent exited early");
            assert!(started.elapsed() < Duration::from_secs(30), "smp-agent did not listen in 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        agent
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bench's LXD project and its containers, deleted when dropped.
struct LxdProject {
    name: String,
    containers: Vec<String>,
}

impl Drop for LxdProject {
    fn drop(&mut self) {
        for container in &self.containers {
            let args = ["delete", "--force", container, "--project", &self.name];
            let _ = Command::new("lxc").args(args).stdin(Stdio::null()).output();
        }
        let _ = Command::new("lxc").args(["project", "delete", &self.name]).stdin(Stdio::null()).output();
    }
}

/// Resident memory (VmRSS) of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Resident memory of process `pid` by kind: "anon X MB, file Y MB".
fn rss_kinds(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        let line = status.lines().find(|line| line.starts_with(name)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    format!("anon {:.1} MB, file {:.1} MB", megabytes(field("RssAnon:")), megabytes(field("RssFile:")))
}

/// The threads of process `pid` by name, the most numerous first: "tokio-runtime-w ×12, …".
fn threads_by_name(pid: u32) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().map_while(Result::ok) {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        *counts.entry(name.trim().to_owned()).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    counts.iter().map(|(name, count)| format!("{name} ×{count}")).collect::<Vec<_>>().join(", ")
}

/// Threads of process `pid`.
fn threads(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("Threads:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Waits (at most 30 s) until the container just (re)started is up: its
/// init has started a child, so its shutdown trap is set. Restarted
/// before that, busybox's init misses LXD's SIGPWR, and a clean restart
/// waits for its timeout (`lxc restart` without one waited for ever).
async fn until_up(lxd: &LxdClient, name: &InstanceName) {
    let began = Instant::now();
    loop {
        let state = lxd.state(name).await.unwrap();
        if state.processes > 1 {
            return;
        }
        if state.status == ContainerStatus::Stopped {
            // Seen once: a busybox container stopped after the load's restarts; say so and start it.
            println!("load: {} was found stopped while waiting for it to come up: started again", name.as_str());
            lxd.start(name, Duration::from_secs(30)).await.unwrap();
        }
        assert!(began.elapsed() < Duration::from_secs(30), "{} did not come up in 30 s", name.as_str());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Latencies and failures of one kind of request.
#[derive(Default)]
struct Tally {
    times: Vec<Duration>,
    errors: BTreeMap<String, usize>,
}

impl Tally {
    fn record(&mut self, took: Duration, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.times.push(took),
            Err(error) => *self.errors.entry(error).or_default() += 1,
        }
    }

    fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    fn print(&self, what: &str, duration: Duration) {
        let count = self.times.len();
        let (p50, p99) = if count == 0 {
            (f64::NAN, f64::NAN)
        } else {
            (ms(percentile(&self.times, 0.5)), ms(percentile(&self.times, 0.99)))
        };
        println!(
            "load {what:<36} p50 {p50:>8.1} ms p99 {p99:>8.1} ms  {count:>6} ok ({:>6.1}/s), errors {} {:?}",
            count as f64 / duration.as_secs_f64(),
            self.error_count(),
            self.errors
        );
    }
}

/// One request's outcome: `Ok` for `expected`, else what went wrong
/// (status and the error code of the body, or the transport error).
async fn outcome(response: reqwest::Result<reqwest::Response>, expected: u16) -> Result<(), String> {
    answer(response, expected).await.map(|_| ())
}

/// A restart's outcome: `Ok` for a 200 whose container is running again.
async fn restarted(response: reqwest::Result<reqwest::Response>) -> Result<(), String> {
    let body = answer(response, 200).await?;
    let status = serde_json::from_slice::<serde_json::Value>(&body).map(|value| value["status"].clone());
    match status {
        Ok(serde_json::Value::String(status)) if status == "running" => Ok(()),
        other => Err(format!("200 with status {other:?}")),
    }
}

/// The body of an answer with status `expected`, else what went wrong.
async fn answer(response: reqwest::Result<reqwest::Response>, expected: u16) -> Result<Vec<u8>, String> {
    let response = response
        .map_err(|error| if error.is_timeout() { "timeout".to_owned() } else { format!("transport: {error}") })?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|error| format!("body: {error}"))?;
    if status == expected {
        return Ok(body.to_vec());
    }
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Err(format!("{status} {code}"))
}

/// A sign-in through the web form from the address numbered `from`: her session cookie.
async fn session_of(site: &str, username: &str, from: usize) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let address = format!("10.{}.{}.{}", 100 + from / 65536 % 100, from / 256 % 256, from % 256);
    let response = http
        .post(format!("{site}/login"))
        .header("X-Forwarded-For", address)
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "the login form signs {username} in");
    response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// The second machine's rows: `members` × `PER_MEMBER` running containers
/// (its agent down), each member's ten given to her; their ids per member.
fn seed_reader_containers(connection: &mut db::DbConnection, dir: &Path, owners: &[i64]) -> Vec<Vec<i64>> {
    let key = smp_panel::domain::secrets::PanelKey::load(&dir.join("panel.key")).unwrap();
    let name = InstanceName::parse("seeded").unwrap();
    let sealed = key.seal("seeded", &secrecy::SecretString::from("x".repeat(32))).unwrap();
    let new = NewMachine { name: &name, url: "http://127.0.0.1:1", key_id: "k1", secret: &sealed, fingerprint: None };
    let machine = db::machines::insert(connection, &new).unwrap().id;
    let list: Vec<ContainerSummary> = (0..owners.len() * PER_MEMBER)
        .map(|index| ContainerSummary {
            name: format!("r{index}"),
            status: ContainerStatus::Running,
            addresses: vec![format!("10.78.{}.{}", index / 250, index % 250 + 2)],
            instance_type: "container".into(),
            created_at: "2026-12-06T00:00:00Z".into(),
            uuid: None,
        })
        .collect();
    let (machine, newest) = (MachineId(machine.0), containers::ASKED_AFTER_EVERY_WRITE);
    containers::apply_list(connection, machine, &list, newest, db::unix_now()).unwrap();
    let rows = containers::list(connection, None).unwrap();
    let mut ids = vec![Vec::new(); owners.len()];
    for row in rows.iter().filter(|row| row.name.starts_with('r')) {
        let index: usize = row.name[1..].parse().unwrap();
        let member = index / PER_MEMBER;
        containers::set_owner(connection, row.id(), Some(owners[member])).unwrap();
        ids[member].push(row.id().0);
    }
    ids
}

pub async fn two_hundred_clients_for_a_minute() {
    let shape = Shape::now();
    let dir = tempfile::tempdir().unwrap();
    let project = LxdProject { name: format!("smp-bench-load-{}", std::process::id()), containers: Vec::new() };
    lxc(&["project", "create", &project.name, "-c", "features.images=false", "-c", "features.profiles=false"]);
    let mut project = project;
    for index in 0..shape.restarters {
        let container = format!("l{index}");
        lxc(&["launch", "smp-busybox", &container, "--project", &project.name, "-q"]);
        project.containers.push(container);
    }
    let secret = smp_agent::random::new_secret();
    let agent = AgentProcess::start(dir.path(), &project.name, &secret);

    let database_url = format!("sqlite://{}", dir.path().join("load.db").display());
    let settings = format!(
        "database_url = {database_url:?}\nkey_file = {:?}\nsync_interval_s = 3600\ntrusted_proxies = [\"127.0.0.1\"]\n",
        dir.path().join("panel.key")
    );
    let panel = Panel::start(dir.path(), &settings, Duration::from_secs(60)).await;
    let api = panel.api.clone();
    let site = api.trim_end_matches("/api/v1").to_owned();
    let (panel_pid, agent_pid) = (panel.child.id(), agent.child.id());
    let (panel_started, agent_started) = (rss_kib(panel_pid), rss_kib(agent_pid));

    // The people: root, the reader members, the restarters; a token each, made in the database.
    let mut connection = db::establish(&database_url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    let (_, root) = user_with_token(&mut connection, "root", Role::HeadAdmin, &hash);
    let reader_members = shape.readers.div_ceil(CLIENTS_PER_MEMBER);
    let readers: Vec<(db::users::User, String)> = (0..reader_members)
        .map(|index| user_with_token(&mut connection, &format!("reader{index}"), Role::Member, &hash))
        .collect();
    let restarters: Vec<(db::users::User, String)> = (0..shape.restarters)
        .map(|index| user_with_token(&mut connection, &format!("restarter{index}"), Role::Member, &hash))
        .collect();
    let owners: Vec<i64> = readers.iter().map(|(user, _)| user.id.0).collect();
    let reader_containers = seed_reader_containers(&mut connection, dir.path(), &owners);

    // The real machine: added as root, its containers given to the restarters once the sync lists them.
    let http = reqwest::Client::new();
    let added = http
        .post(format!("{api}/machines"))
        .bearer_auth(&root)
        .json(&json!({"name": "load", "url": agent.url, "key_id": "k1", "secret": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let mut restart_ids = Vec::new();
    for (index, (user, _)) in restarters.iter().enumerate() {
        let name = format!("l{index}");
        let began = Instant::now();
        let id = loop {
            let list = http.get(format!("{api}/containers?limit=1000")).bearer_auth(&root).send().await.unwrap();
            let list = list.json::<serde_json::Value>().await.unwrap();
            if let Some(item) = list["items"].as_array().unwrap().iter().find(|item| item["name"] == name) {
                break item["id"].as_i64().unwrap();
            }
            assert!(began.elapsed() < Duration::from_secs(30), "the sync never listed {name}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let given = http
            .patch(format!("{api}/containers/{id}"))
            .bearer_auth(&root)
            .json(&json!({"owner": user.username.as_str()}))
            .send();
        assert_eq!(given.await.unwrap().status(), 200);
        restart_ids.push(id);
    }

    // Each reader member signs in once, from her own address.
    let mut sessions = Vec::new();
    for (index, (user, _)) in readers.iter().enumerate() {
        sessions.push(session_of(&site, user.username.as_str(), index + 1).await);
    }

    // The clients, each with its own HTTP client (its own connection).
    let client = || reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap();
    let list_tally = Arc::new(Mutex::new(Tally::default()));
    let page_tally = Arc::new(Mutex::new(Tally::default()));
    let restart_tally = Arc::new(Mutex::new(Tally::default()));
    // Warm-up: one round of each kind, untimed, so that "before" is a panel that has served each.
    for (member, (_, token)) in readers.iter().enumerate() {
        let list = http.get(format!("{api}/containers")).bearer_auth(token).send().await;
        outcome(list, 200).await.unwrap();
        let page = http
            .get(format!("{site}/containers/{}", reader_containers[member][0]))
            .header("Cookie", &sessions[member])
            .send()
            .await;
        outcome(page, 200).await.unwrap();
    }
    for ((_, token), id) in restarters.iter().zip(&restart_ids) {
        outcome(http.post(format!("{api}/containers/{id}/restart")).bearer_auth(token).send().await, 200)
            .await
            .unwrap();
    }
    let panel_served_each = rss_kib(panel_pid);

    // The readers' loop, until `deadline`, counted in the two tallies.
    let spawn_readers = |deadline: Instant, list_tally: Arc<Mutex<Tally>>, page_tally: Arc<Mutex<Tally>>| {
        (0..shape.readers)
            .map(|reader| {
                let member = reader / CLIENTS_PER_MEMBER;
                let token = readers[member].1.clone();
                let cookie = sessions[member].clone();
                let page = format!("{site}/containers/{}", reader_containers[member][reader % PER_MEMBER]);
                let list = format!("{api}/containers");
                let (http, list_tally, page_tally) = (client(), list_tally.clone(), page_tally.clone());
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let sent = Instant::now();
                        let answer = outcome(http.get(&list).bearer_auth(&token).send().await, 200).await;
                        list_tally.lock().unwrap().record(sent.elapsed(), answer);
                        let sent = Instant::now();
                        let answer = outcome(http.get(&page).header("Cookie", &cookie).send().await, 200).await;
                        page_tally.lock().unwrap().record(sent.elapsed(), answer);
                    }
                })
            })
            .collect::<Vec<_>>()
    };
    // Warm-up at full concurrency, untimed: each of the pool's connections
    // has served, with its SQLite page cache and prepared statements.
    let warm_up = Arc::new(Mutex::new(Tally::default()));
    for task in spawn_readers(Instant::now() + shape.warm_up, warm_up.clone(), warm_up.clone()) {
        task.await.unwrap();
    }
    assert_eq!(warm_up.lock().unwrap().error_count(), 0, "the warm-up ran without errors");
    let (panel_before, agent_before) = (rss_kib(panel_pid), rss_kib(agent_pid));
    let threads_before = threads(panel_pid);
    let (kinds_before, names_before) = (rss_kinds(panel_pid), threads_by_name(panel_pid));

    let began = Instant::now();
    let deadline = began + shape.duration;
    let mut tasks = spawn_readers(deadline, list_tally.clone(), page_tally.clone());
    for ((_, token), id) in restarters.iter().zip(&restart_ids) {
        let restart = format!("{api}/containers/{id}/restart");
        let (http, token, restart_tally) = (client(), token.clone(), restart_tally.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let sent = Instant::now();
                let answer = restarted(http.post(&restart).bearer_auth(&token).send().await).await;
                restart_tally.lock().unwrap().record(sent.elapsed(), answer);
            }
        }));
    }
    // The soak's memory: both processes' RSS (and the panel's threads) at each sixth of the run.
    let mut samples = Vec::new();
    let mut names_during = String::new();
    for sixth in 1..=6u32 {
        tokio::time::sleep_until((began + shape.duration * sixth / 6).into()).await;
        samples.push((began.elapsed(), rss_kib(panel_pid), rss_kib(agent_pid), threads(panel_pid)));
        if sixth == 3 {
            names_during = threads_by_name(panel_pid);
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let ran = began.elapsed();
    let (panel_after, agent_after) = (rss_kib(panel_pid), rss_kib(agent_pid));
    let kinds_after = rss_kinds(panel_pid);

    // The direct figures, the load over: the same restart on LXD's socket and with `lxc restart`.
    let lxd = LxdClient::new(LxdClient::discover_socket(None).unwrap(), project.name.clone());
    let name = InstanceName::parse("l0").unwrap();
    let (mut socket, mut cli) = (Vec::new(), Vec::new());
    for _ in 0..shape.direct_rounds {
        until_up(&lxd, &name).await;
        let sent = Instant::now();
        lxd.restart(&name, false, 30).await.unwrap();
        socket.push(sent.elapsed());
        until_up(&lxd, &name).await;
        let sent = Instant::now();
        lxc(&["restart", "l0", "--project", &project.name, "--timeout", "30"]);
        cli.push(sent.elapsed());
    }

    let clients = shape.readers + shape.restarters;
    println!(
        "load: {clients} concurrent clients for {:.1} s ({} readers of {reader_members} members, {} restarters), \
         smp-panel serve on SQLite + smp-agent serve on LXD",
        ran.as_secs_f64(),
        shape.readers,
        shape.restarters
    );
    let list_tally = list_tally.lock().unwrap();
    let page_tally = page_tally.lock().unwrap();
    let restart_tally = restart_tally.lock().unwrap();
    list_tally.print(&format!("GET /api/v1/containers (her {PER_MEMBER})"), ran);
    page_tally.print("GET /containers/{id} (her page)", ran);
    restart_tally.print("POST …/restart through the agent", ran);
    println!(
        "load restart directly: LXD socket p50 {:>8.1} ms p99 {:>8.1} ms | lxc restart p50 {:>8.1} ms (after the load, n={})",
        ms(percentile(&socket, 0.5)),
        ms(percentile(&socket, 0.99)),
        ms(percentile(&cli, 0.5)),
        socket.len()
    );
    let growth = |before: u64, after: u64| (after as f64 / before as f64 - 1.0) * 100.0;
    for (what, started, before, after) in [
        ("smp-panel", panel_started, panel_before, panel_after),
        ("smp-agent", agent_started, agent_before, agent_after),
    ] {
        let grew = growth(before, after);
        println!(
            "load RSS {what}: {:.1} MB before the load (after the warm-up), {:.1} MB after, growth {grew:+.1} % \
             (goal <= 10 %: {}; {:.1} MB when started)",
            megabytes(before),
            megabytes(after),
            verdict(grew <= 10.0),
            megabytes(started)
        );
    }
    println!(
        "load RSS smp-panel before the warm-up of {:.0} s at full concurrency (one request of each kind served): \
         {:.1} MB; the load's growth from there {:+.1} % (the pool's connections warming their caches)",
        shape.warm_up.as_secs_f64(),
        megabytes(panel_served_each),
        growth(panel_served_each, panel_after)
    );
    let series: Vec<String> = samples
        .iter()
        .map(|(at, panel, agent, threads)| {
            format!(
                "{:.1} s: {:.1}/{:.1} MB, {threads} threads",
                at.as_secs_f64(),
                megabytes(*panel),
                megabytes(*agent)
            )
        })
        .collect();
    println!(
        "load RSS panel/agent during the load (the panel's threads, {threads_before} before it): {}",
        series.join("; ")
    );
    println!("load RSS smp-panel by kind: before the load {kinds_before}; after it {kinds_after}");
    println!("load smp-panel threads by name: before the load {names_before}; half-way {names_during}");
    if let [.., (_, half_panel, half_agent, _), _, _, (_, end_panel, end_agent, _)] = samples.as_slice() {
        println!(
            "load RSS growth over the second half of the load: smp-panel {:+.1} %, smp-agent {:+.1} % (a leak keeps growing)",
            growth(*half_panel, *end_panel),
            growth(*half_agent, *end_agent)
        );
    }
    let errors = list_tally.error_count() + page_tally.error_count() + restart_tally.error_count();
    assert_eq!(errors, 0, "the load ran without errors (goal: 0); the panel's log: {}", panel.log_text());
    assert!(
        !list_tally.times.is_empty() && !page_tally.times.is_empty() && !restart_tally.times.is_empty(),
        "each kind of request was answered"
    );
    drop(panel);
    drop(agent);
}
