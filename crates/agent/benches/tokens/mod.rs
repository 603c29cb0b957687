//! Issue 19's agent figure "1000 concurrent token checks with replays mixed
//! in": the real `smp-agent serve` binary of this build (plain HTTP on
//! loopback, its own LXD project with one busybox container) gets 1000
//! `GET /container/<c>/state` requests at once, 250 distinct tokens each
//! sent 4 times (the copies shuffled among the others, all in flight
//! together). Exactly one request per `jti` must be accepted (200) and every
//! other copy refused 401 `token_replayed` (PROTOCOL.md); any other answer
//! (a 429 `limit_reached` of `max_sessions`, a 503 `busy`) is counted apart
//! and fails the figure. `state` is the cheapest container read for LXD,
//! but it takes a session, so the bench's agent raises `max_sessions` and
//! `max_sessions_per_container` to 2000: all 1000 reach the replay check.
//!
//! Beside it, the direct figures: a bare `verify_operation_token` in this
//! process (one core) and the same state read made directly by the agent's
//! LXD client on LXD's socket.
//!
//! `SMP_BENCH_ONLY=tokens` runs it alone; quick mode sends 200 (50 × 4).

use std::collections::HashMap;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use smp_agent::lxd::LxdClient;
use smp_proto::Action;
use smp_proto::names::InstanceName;
use smp_proto::token::{Expectations, KeyRing, SharedKey, mint_operation_token, verify_operation_token};

use crate::{MACHINE, claims, lxc, now, percentile, quick};

const CONTAINER: &str = "t1";
/// Each token is sent this many times, all at once.
const COPIES: usize = 4;

/// The `smp-agent serve` process of this build; killed (and its LXD
/// project deleted) when dropped.
struct AgentProcess {
    child: Child,
    url: String,
    project: String,
    _dir: tempfile::TempDir,
}

impl AgentProcess {
    fn start(project: &str, secret: &str, settings: &str) -> AgentProcess {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port();
        let toml = format!(
            "machine = \"{MACHINE}\"\nlisten = \"127.0.0.1:{port}\"\nproject = \"{project}\"\nstate_dir = \"{}\"\n\
             {settings}\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n",
            dir.path().join("state").display()
        );
        let config = dir.path().join("agent.toml");
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&config).expect("config file");
        std::io::Write::write_all(&mut file, toml.as_bytes()).expect("config written");
        let mut command = Command::new(env!("CARGO_BIN_EXE_smp-agent"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SMP_AGENT_") {
                command.env_remove(name);
            }
        }
        let log = std::fs::File::create(dir.path().join("agent.log")).expect("log file");
        let child = command
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("smp-agent serve starts");
        let mut agent =
            AgentProcess { child, url: format!("http://127.0.0.1:{port}"), project: project.into(), _dir: dir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(agent.child.try_wait().expect("wait").is_none(), "smp-agent exited early");
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
        for args in
            [vec!["delete", "--force", CONTAINER, "--project", &self.project], vec!["project", "delete", &self.project]]
        {
            let _ = Command::new("lxc").args(&args).stdin(Stdio::null()).output();
        }
    }
}

/// What one request got: its status and the error code, if any.
struct Answer {
    jti: usize,
    status: u16,
    code: String,
    took: Duration,
}

pub async fn concurrent_token_checks_with_replays() {
    let requests = if quick() { 200 } else { 1000 };
    let distinct = requests / COPIES;
    let project = format!("smp-bench-tokens-{}", std::process::id());
    lxc(&["project", "create", &project, "-c", "features.images=false", "-c", "features.profiles=false"]);
    let secret = smp_agent::random::new_secret();
    let agent = AgentProcess::start(&project, &secret, "max_sessions = 2000\nmax_sessions_per_container = 2000\n");
    lxc(&["launch", "smp-busybox", CONTAINER, "--project", &project, "-q"]);
    let key = SharedKey::new("k1", &secret);
    let path = format!("{}/container/{CONTAINER}/state", agent.url);
    // One connection per request, none reused: 1000 clients, not one.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");

    // Warm-up: the agent answers a state read of the container.
    let token = mint_operation_token(&key, &claims(Action::State, Some(CONTAINER), None, b"")).expect("mint");
    let warm = http.get(&path).bearer_auth(token).send().await.expect("agent answers");
    assert_eq!(warm.status(), 200, "a fresh token reads the state");

    // Minted after the agent started (older tokens are `token_predates_agent`).
    let tokens: Vec<String> = (0..distinct)
        .map(|_| mint_operation_token(&key, &claims(Action::State, Some(CONTAINER), None, b"")).expect("mint"))
        .collect();
    // Token i goes out as requests i, i + distinct, i + 2·distinct, …: its copies interleaved with the others.
    let order: Vec<usize> = (0..requests).map(|n| n % distinct).collect();
    let started = Instant::now();
    let answers: Vec<Answer> = futures_util::future::join_all(order.into_iter().map(|jti| {
        let request = http.get(&path).bearer_auth(&tokens[jti]).send();
        async move {
            let sent = Instant::now();
            let response = request.await.expect("agent answers");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let code = body["error"]["code"].as_str().unwrap_or_default().to_owned();
            Answer { jti, status, code, took: sent.elapsed() }
        }
    }))
    .await;
    let wall = started.elapsed();

    let mut accepted_per_jti: HashMap<usize, usize> = HashMap::new();
    let (mut accepted, mut replayed, mut others) = (0, 0, HashMap::<String, usize>::new());
    for answer in &answers {
        match (answer.status, answer.code.as_str()) {
            (200, _) => {
                accepted += 1;
                *accepted_per_jti.entry(answer.jti).or_default() += 1;
            }
            (401, "token_replayed") => replayed += 1,
            (status, code) => *others.entry(format!("{status} {code}")).or_default() += 1,
        }
    }
    let times: Vec<Duration> = answers.iter().map(|answer| answer.took).collect();

    // The direct figures: a bare verification in this process, and the
    // state read the accepted requests made, on LXD's socket.
    let keys = KeyRing::new(vec![key.clone()]);
    let expect = Expectations {
        audience: MACHINE,
        max_ttl_s: 60,
        agent_started_at: now() - 10,
        action: Action::State,
        container: Some(CONTAINER),
        service: None,
        snapshot: None,
    };
    let verify_started = Instant::now();
    let mut verified = 0u64;
    while verify_started.elapsed() < Duration::from_millis(if quick() { 50 } else { 500 }) {
        for token in &tokens {
            verified += u64::from(verify_operation_token(token, &keys, &expect, now()).is_ok());
        }
    }
    let verify_rate = verified as f64 / verify_started.elapsed().as_secs_f64();
    let lxd = LxdClient::new(LxdClient::discover_socket(None).expect("LXD socket"), project.clone());
    let name = InstanceName::parse(CONTAINER).expect("name");
    let mut direct = Vec::new();
    for _ in 0..if quick() { 5 } else { 100 } {
        let began = Instant::now();
        lxd.state(&name).await.expect("LXD state");
        direct.push(began.elapsed());
    }

    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "{requests} concurrent token checks ({distinct} tokens × {COPIES}): accepted {accepted}, refused 401 \
         token_replayed {replayed}, other answers {others:?}; {:.0} requests/s (all answered in {:.0} ms), \
         each p50 {:.1} ms p99 {:.1} ms | beside: bare verify in-process {verify_rate:.0}/s one core, \
         LXD state on the socket p50 {:.2} ms",
        requests as f64 / wall.as_secs_f64(),
        ms(wall),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(percentile(&direct, 0.5)),
    );
    assert!(others.is_empty(), "every request reached the replay check: {others:?}");
    let twice: Vec<_> = accepted_per_jti.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "a jti was accepted more than once: {twice:?}");
    assert_eq!(
        (accepted, accepted_per_jti.len(), replayed),
        (distinct, distinct, requests - distinct),
        "exactly one acceptance per jti, every other copy refused as replayed"
    );
    println!("exactly one acceptance per jti: yes ({distinct} of {distinct})");
}
