//! `make bench` for the agent: each figure of the agent issue beside the
//! direct LXD call it wraps, measured in the same run, interleaved so both
//! see the same machine load. Prints p50/p95 and the ratio of the p50s.
//! Both sides open one unix connection per request (see `lxd/transport.rs`).
//!
//! The service figures (issue 6): restarting a systemd unit and reading its
//! journal (100 lines) in an `smp-debian` container through the agent,
//! beside `lxc exec … systemctl restart` and `lxc exec … journalctl`, and
//! beside the same execs made in-process by the agent's own LXD client (the
//! difference to the `lxc exec` lines is the cost of the `lxc` process). The
//! agent's restart is two execs (`systemctl restart`, then `systemctl show`
//! for the answer's state); the "restart+show" line compares it with those
//! same two execs made in-process.
//!
//! The token figure (issue 19, `tokens/`): 1000 concurrent requests to the
//! real `smp-agent serve` binary, 250 tokens each sent 4 times at once,
//! exactly one acceptance per `jti`, beside a bare verification in-process.
//! `SMP_BENCH_ONLY=tokens` (or `forward`) runs that figure alone.
//!
//! `SMP_BENCH_QUICK=1` (`make bench-quick`; `make test` only builds the benchmarks) takes
//! every figure from a round or two: its numbers mean nothing, but a figure
//! that can no longer be measured fails that run.

// A benchmark that cannot measure should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;
use serde_json::{Value, json};
use smp_agent::lxd::LxdClient;
use smp_agent::{Agent, Config};
use smp_proto::Action;
use smp_proto::api::{ExecAnswer, ExecRequest};
use smp_proto::names::InstanceName;
use smp_proto::token::{
    Claims, Expectations, KeyRing, SharedKey, body_hash, mint_operation_token, verify_operation_token,
};

const MACHINE: &str = "bench";
const CONTAINER: &str = "b1";
/// The `smp-debian` container of the service figures, and its unit (no
/// start rate limit: by default systemd refuses a sixth start in 10 s).
const DEBIAN: &str = "d1";
const UNIT: &str = "smp-bench.service";
const UNIT_FILE: &str = "[Unit]\nDescription=SMP bench service\nStartLimitIntervalSec=0\n\n[Service]\n\
    ExecStart=/bin/sh -c 'echo smp-bench-started; exec sleep infinity'\n";

mod forward;
mod tokens;

fn main() {
    if let Ok(task) = std::env::var(forward::CLIENT_ENV) {
        forward::client(&task);
        return;
    }
    // The in-process agent's warnings (why a call failed) reach the output.
    tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match std::env::var("SMP_BENCH_ONLY").unwrap_or_default().as_str() {
        "" => {
            verifications_per_second();
            runtime.block_on(agent_versus_direct());
            runtime.block_on(forward::forward_latency());
            runtime.block_on(tokens::concurrent_token_checks_with_replays());
        }
        "forward" => runtime.block_on(forward::forward_latency()),
        "tokens" => runtime.block_on(tokens::concurrent_token_checks_with_replays()),
        other => panic!("SMP_BENCH_ONLY={other:?}: the figures that run alone are \"forward\" and \"tokens\""),
    }
}

fn quick() -> bool {
    std::env::var_os("SMP_BENCH_QUICK").is_some_and(|value| value != "0")
}

/// `full` rounds, or at most two in quick mode.
fn rounds(full: usize) -> usize {
    if quick() { full.min(2) } else { full }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// Claims for one request; `service` is the `svc` claim of service actions.
fn claims(action: Action, container: Option<&str>, service: Option<&str>, body: &[u8]) -> Claims {
    let now = now();
    Claims {
        iss: "smp-bench".into(),
        sub: "bench".into(),
        aud: MACHINE.into(),
        iat: now,
        exp: now + 30,
        jti: smp_agent::random::new_jti(),
        act: action,
        adm: false,
        host: false,
        ctr: container.map(str::to_owned),
        uid: None,
        svc: service.map(str::to_owned),
        snap: None,
        bh: (!body.is_empty()).then(|| body_hash(body)),
    }
}

/// Token verifications per second on one core (this thread).
fn verifications_per_second() {
    let key = SharedKey::new("k1", "a-bench-secret-of-at-least-32-characters");
    let keys = KeyRing::new(vec![key.clone()]);
    let tokens: Vec<String> = (0..1000)
        .map(|_| mint_operation_token(&key, &claims(Action::Restart, Some(CONTAINER), None, b"")).expect("mint"))
        .collect();
    let expect = Expectations {
        audience: MACHINE,
        max_ttl_s: 60,
        agent_started_at: now() - 10,
        action: Action::Restart,
        container: Some(CONTAINER),
        service: None,
        snapshot: None,
    };
    let started = Instant::now();
    let mut verified = 0u64;
    let measure_for = if quick() { Duration::from_millis(100) } else { Duration::from_secs(2) };
    while started.elapsed() < measure_for {
        for token in &tokens {
            if verify_operation_token(token, &keys, &expect, now()).is_ok() {
                verified += 1;
            }
        }
    }
    let rate = verified as f64 / started.elapsed().as_secs_f64();
    println!("token verifications/s, one core: {rate:>10.0}   (goal >= 200000)");
}

/// Raw LXD REST calls over the unix socket: what "direct" means below.
struct DirectLxd {
    socket: PathBuf,
    project: String,
    client: Client<UnixConnector, Full<Bytes>>,
}

impl DirectLxd {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let separator = if path.contains('?') { '&' } else { '?' };
        let uri: hyper::Uri =
            hyperlocal::Uri::new(&self.socket, &format!("{path}{separator}project={}", self.project)).into();
        let body = body.map(|value| value.to_string()).unwrap_or_default();
        let request = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request");
        let response = self.client.request(request).await.expect("LXD answers");
        let bytes = response.into_body().collect().await.expect("LXD body").to_bytes();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }

    async fn raw(&self, method: &str, path: &str) {
        let uri: hyper::Uri = hyperlocal::Uri::new(&self.socket, path).into();
        let request = hyper::Request::builder().method(method).uri(uri).body(Full::new(Bytes::new())).expect("req");
        let response = self.client.request(request).await.expect("LXD answers");
        response.into_body().collect().await.expect("LXD body");
    }

    async fn wait(&self, operation: &Value) -> Value {
        let id = operation["operation"].as_str().expect("an async answer");
        self.call("GET", &format!("{id}/wait?timeout=60"), None).await
    }

    async fn state(&self) {
        let answer = self.call("GET", &format!("/1.0/instances/{CONTAINER}/state"), None).await;
        assert_eq!(answer["metadata"]["status"], "Running");
    }

    async fn exec_true(&self) {
        let request =
            json!({"command": ["true"], "record-output": true, "wait-for-websocket": false, "interactive": false});
        let operation = self.call("POST", &format!("/1.0/instances/{CONTAINER}/exec"), Some(request)).await;
        let done = self.wait(&operation).await;
        let metadata = &done["metadata"]["metadata"];
        assert_eq!(metadata["return"], 0, "{done}");
        for stream in ["1", "2"] {
            let log = metadata["output"][stream].as_str().expect("output path");
            let path = format!("{log}?project={}", self.project);
            self.raw("GET", &path).await;
            self.raw("DELETE", &path).await;
        }
    }

    /// Waits (unmeasured) until the container just started is up: its init
    /// has forked (more than one process). A container that dies at boot
    /// instead is started again, and counted: on this cgroup v1 host, LXD
    /// 5.0 sometimes starts a container right after a forced stop with the
    /// `pids.max = 0` its stop wrote to stop forks ("can't fork: Resource
    /// temporarily unavailable" on its console, "fork rejected by pids
    /// controller" in the kernel log), and it dies (3 of 4 full runs failed
    /// on it before this wait).
    async fn until_up(&self) -> usize {
        let started = Instant::now();
        let mut stillborn = 0;
        loop {
            assert!(started.elapsed() < Duration::from_secs(30), "{CONTAINER} did not come up in 30 s");
            let answer = self.call("GET", &format!("/1.0/instances/{CONTAINER}/state"), None).await;
            let state = &answer["metadata"];
            if state["status"] == "Stopped" {
                stillborn += 1;
                self.lifecycle("start").await;
            } else if state["processes"].as_i64().unwrap_or(0) > 1 {
                return stillborn;
            } else {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }

    async fn lifecycle(&self, action: &str) {
        let body = json!({"action": action, "timeout": 30, "force": true});
        let operation = self.call("PUT", &format!("/1.0/instances/{CONTAINER}/state"), Some(body)).await;
        let done = self.wait(&operation).await;
        assert_eq!(done["metadata"]["status"], "Success", "{done}");
    }
}

struct ThroughAgent {
    url: String,
    key: SharedKey,
    http: reqwest::Client,
}

impl ThroughAgent {
    /// An agent of config `toml` (key `k1` = `secret`) served in this
    /// process, and the client that calls it.
    async fn start(toml: &str, secret: &str) -> ThroughAgent {
        let agent = Agent::build(Config::from_toml(toml).expect("config")).await.expect("agent");
        let through = ThroughAgent {
            url: format!("http://127.0.0.1:{}", agent.port()),
            key: SharedKey::new("k1", secret),
            http: reqwest::Client::new(),
        };
        tokio::spawn(agent.run_until_stopped());
        through
    }

    /// A container action on `CONTAINER`.
    async fn call(&self, action: Action, path: &str, body: &[u8]) -> Value {
        self.send(&claims(action, Some(CONTAINER), None, body), path, body).await
    }

    /// A service action on `UNIT` in `DEBIAN`, `svc` as the panel sets it.
    async fn service(&self, action: Action, path: &str) -> Value {
        self.send(&claims(action, Some(DEBIAN), Some(UNIT), b""), path, b"").await
    }

    /// The answer's body; panics unless it is a success.
    async fn send(&self, claims: &Claims, path: &str, body: &[u8]) -> Value {
        let (status, answer) = self.try_send(claims, path, body).await;
        assert!(status.is_success(), "{} {path}: {status} {answer}", claims.act);
        answer
    }

    /// The answer's status and body, whatever it is.
    async fn try_send(&self, claims: &Claims, path: &str, body: &[u8]) -> (reqwest::StatusCode, Value) {
        let token = mint_operation_token(&self.key, claims).expect("mint");
        let method = match claims.act {
            Action::State | Action::ServiceLogs => reqwest::Method::GET,
            Action::Address | Action::ForwardSet => reqwest::Method::PUT,
            _ => reqwest::Method::POST,
        };
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .body(body.to_vec())
            .send()
            .await
            .expect("agent answers");
        let status = response.status();
        let text = response.text().await.expect("agent body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

fn lxc(args: &[&str]) {
    let status = Command::new("lxc").args(args).status().expect("lxc runs");
    assert!(status.success(), "lxc {args:?}");
}

/// `lxc exec <container> --project <project> -- <argv>`, its output
/// captured (so not interactive); its stdout. Panics unless it exits 0.
fn lxc_exec(project: &str, container: &str, argv: &[&str]) -> String {
    let output = Command::new("lxc")
        .args(["exec", container, "--project", project, "--"])
        .args(argv)
        .output()
        .expect("lxc runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "lxc exec {container} -- {argv:?}: {}: {stderr}", output.status);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Launches `DEBIAN`, waits (at most 90 s) for its systemd, then installs
/// and starts `UNIT`, as the agent's service tests do.
fn debian_with_unit(project: &str) {
    lxc(&["launch", "smp-debian", DEBIAN, "--project", project]);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        // `timeout` bounds one poll; `lxc exec` fails while the container starts.
        let state = Command::new("lxc")
            .args(["exec", DEBIAN, "--project", project, "--"])
            .args(["timeout", "10", "systemctl", "is-system-running", "--wait"])
            .output()
            .expect("lxc runs");
        let state = String::from_utf8_lossy(&state.stdout);
        if matches!(state.trim(), "running" | "degraded") {
            break;
        }
        assert!(Instant::now() < deadline, "systemd did not come up in {DEBIAN} within 90 s (last: {state:?})");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The file's text is an argument of the script, not part of it.
    let install = format!("printf '%s' \"$1\" > /etc/systemd/system/{UNIT} && systemctl daemon-reload");
    lxc_exec(project, DEBIAN, &["sh", "-c", &install, "sh", UNIT_FILE]);
    lxc_exec(project, DEBIAN, &["systemctl", "start", UNIT]);
}

/// The agent's service execs made in-process with its own LXD client: the
/// same argv, environment and exec mode as `routes/services.rs`.
struct InProcessService {
    lxd: LxdClient,
    container: InstanceName,
}

impl InProcessService {
    async fn run(&self, argv: &[&str]) -> ExecAnswer {
        let env = [
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ("LANG", "C.UTF-8"),
            ("SYSTEMD_COLORS", "0"),
            ("SYSTEMD_PAGER", ""),
        ];
        let request = ExecRequest {
            command: argv.iter().map(|arg| (*arg).to_owned()).collect(),
            env: env.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect(),
            cwd: "/".to_owned(),
            user: 0,
            stdin: String::new(),
            timeout_s: 120,
        };
        let answer = self.lxd.exec(&self.container, &request, 1024 * 1024).await.expect("exec");
        assert_eq!(answer.exit_code, 0, "{argv:?}: {}", answer.stderr);
        answer
    }

    async fn restart(&self) {
        self.run(&["systemctl", "restart", "--no-ask-password", "--", UNIT]).await;
    }

    async fn show(&self) {
        let properties = format!("--property={}", smp_agent::systemd::SHOW_PROPERTIES);
        self.run(&["systemctl", "show", &properties, "--timestamp=unix", "--no-pager", "--", UNIT]).await;
    }

    async fn journal(&self) {
        let unit = format!("--unit={UNIT}");
        let argv = ["journalctl", &unit, "--output=json", "--lines=100", "--no-pager", "--quiet"];
        assert!(!self.run(&argv).await.stdout.is_empty(), "an empty journal");
    }
}

struct Samples {
    name: &'static str,
    agent: Vec<Duration>,
    direct: Vec<Duration>,
    /// The ratio the issue asks for, if it names one.
    goal: Option<f64>,
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

impl Samples {
    fn new(name: &'static str, goal: Option<f64>) -> Self {
        Samples { name, agent: Vec::new(), direct: Vec::new(), goal }
    }

    /// One timing of the agent, for each of `all` (they set it beside different direct calls).
    fn agent_took<const N: usize>(took: Duration, all: [&mut Samples; N]) {
        for samples in all {
            samples.agent.push(took);
        }
    }

    fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (a50, a95) = (percentile(&self.agent, 0.5), percentile(&self.agent, 0.95));
        let (d50, d95) = (percentile(&self.direct, 0.5), percentile(&self.direct, 0.95));
        let goal = self.goal.map_or_else(|| "no goal".to_owned(), |goal| format!("goal <= {goal:.2}"));
        println!(
            "{:<24} agent p50 {:>8.2} ms p95 {:>8.2} ms | direct p50 {:>8.2} ms p95 {:>8.2} ms | ratio p50 {:.3} ({goal}, n={})",
            self.name,
            ms(a50),
            ms(a95),
            ms(d50),
            ms(d95),
            ms(a50) / ms(d50),
            self.agent.len()
        );
    }
}

/// The order in which the three sides (0, 1, 2) go in round `round`: each
/// goes first in turn (in trial runs with a fixed order, whichever call came
/// right after an `lxc exec` was the slower).
fn turns(round: usize) -> impl Iterator<Item = usize> {
    (0..3).map(move |side| (round + side) % 3)
}

async fn timed<F: std::future::Future>(future: F) -> Duration {
    let started = Instant::now();
    future.await;
    started.elapsed()
}

async fn agent_versus_direct() {
    let project = format!("smp-bench-{}", std::process::id());
    lxc(&["project", "create", &project, "-c", "features.images=false", "-c", "features.profiles=false"]);
    lxc(&["launch", "smp-busybox", CONTAINER, "--project", &project]);
    // Up before anything is measured: its boot does not load the machine then.
    debian_with_unit(&project);

    let secret = smp_agent::random::new_secret();
    let state_dir = std::env::temp_dir().join(format!("smp-bench-{}", std::process::id()));
    let toml = format!(
        "machine = \"{MACHINE}\"\nlisten = \"127.0.0.1:0\"\nproject = \"{project}\"\nstate_dir = \"{}\"\nmember_images = [\"smp-busybox\", \"smp-debian\"]\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n",
        state_dir.display()
    );
    let through = ThroughAgent::start(&toml, &secret).await;
    let socket = LxdClient::discover_socket(None).expect("LXD socket");
    let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(UnixConnector);
    let direct = DirectLxd { socket, project: project.clone(), client };

    // Warm both paths (connections, LXD caches).
    for _ in 0..rounds(5) {
        through.call(Action::State, &format!("/container/{CONTAINER}/state"), b"").await;
        direct.state().await;
    }

    let mut state = Samples::new("state", Some(1.03));
    for _ in 0..rounds(100) {
        state.agent.push(timed(through.call(Action::State, &format!("/container/{CONTAINER}/state"), b"")).await);
        state.direct.push(timed(direct.state()).await);
    }
    state.print();

    // The agent execs over websockets (the only mode that takes stdin and
    // can kill on timeout). Baselines: LXD's record-output exec with fetching
    // and deleting its output (ARCHITECTURE.md's figure), and the same
    // websocket exec made in-process by the agent's own LXD client.
    let exec_body = br#"{"command":["true"]}"#;
    let exec_request: ExecRequest = serde_json::from_slice(exec_body).expect("exec request");
    let in_process = LxdClient::new(direct.socket.clone(), project.clone());
    let name = InstanceName::parse(CONTAINER).expect("name");
    let mut exec = Samples::new("exec true (record)", Some(1.05));
    let mut exec_ws = Samples::new("exec true (websocket)", Some(1.05));
    for _ in 0..rounds(100) {
        let agent = timed(through.call(Action::Exec, &format!("/container/{CONTAINER}/exec"), exec_body)).await;
        Samples::agent_took(agent, [&mut exec, &mut exec_ws]);
        exec.direct.push(timed(direct.exec_true()).await);
        exec_ws.direct.push(timed(async { in_process.exec(&name, &exec_request, 1024).await.expect("exec") }).await);
    }
    exec.print();
    exec_ws.print();

    let force = br#"{"force":true}"#;
    let mut start = Samples::new("start", Some(1.05));
    let mut stop = Samples::new("stop --force", Some(1.05));
    let mut stillborn = 0;
    for _ in 0..rounds(20) {
        stop.agent.push(timed(through.call(Action::Stop, &format!("/container/{CONTAINER}/stop"), force)).await);
        start.agent.push(timed(through.call(Action::Start, &format!("/container/{CONTAINER}/start"), b"")).await);
        stillborn += direct.until_up().await;
        stop.direct.push(timed(direct.lifecycle("stop")).await);
        start.direct.push(timed(direct.lifecycle("start")).await);
        stillborn += direct.until_up().await;
    }
    start.print();
    stop.print();
    if stillborn > 0 {
        println!(
            "(a start right after a forced stop gave a container that died at boot {stillborn} times, started again unmeasured: LXD 5.0's fork-bomb guard, pids.max = 0, reached the new container's cgroup)"
        );
    }

    services(&through, &project).await;

    lxc(&["delete", "--force", CONTAINER, "--project", &project]);
    lxc(&["delete", "--force", DEBIAN, "--project", &project]);
    lxc(&["project", "delete", &project]);
    let _ = std::fs::remove_dir_all(state_dir);
}

/// Issue 6's figures: `UNIT` restarted and its journal read through the
/// agent, beside `lxc exec` of the same command and beside the agent's own
/// execs made in-process. Every agent answer must be a success.
async fn services(through: &ThroughAgent, project: &str) {
    let socket = LxdClient::discover_socket(None).expect("LXD socket");
    let in_process = InProcessService {
        lxd: LxdClient::new(socket, project.to_owned()),
        container: InstanceName::parse(DEBIAN).expect("name"),
    };
    let restart_path = format!("/container/{DEBIAN}/service/{UNIT}/restart");
    let logs_path = format!("/container/{DEBIAN}/service/{UNIT}/logs?lines=100");
    let restart_argv = ["systemctl", "restart", UNIT];
    let journal_argv = ["journalctl", "-u", UNIT, "-o", "json", "-n", "100", "--no-pager"];
    let agent_restart = || async {
        let answer = through.service(Action::ServiceRestart, &restart_path).await;
        assert_eq!(answer["exit_code"], 0, "{answer}");
        assert_eq!(answer["state"]["active_state"], "active", "{answer}");
    };
    let agent_journal = || async {
        let answer = through.service(Action::ServiceLogs, &logs_path).await;
        assert!(answer["lines"].as_array().is_some_and(|lines| !lines.is_empty()), "{answer}");
    };
    let lxc_restart = || async { lxc_exec(project, DEBIAN, &restart_argv) };
    let lxc_journal = || async { assert!(!lxc_exec(project, DEBIAN, &journal_argv).is_empty(), "an empty journal") };

    // Warm every path; the restarts also fill the journal past 100 lines.
    for _ in 0..rounds(10) {
        agent_restart().await;
        lxc_restart().await;
        in_process.restart().await;
        in_process.show().await;
        agent_journal().await;
        lxc_journal().await;
        in_process.journal().await;
    }

    let mut restart = Samples::new("svc restart (lxc exec)", None);
    let mut restart_ws = Samples::new("svc restart (ws, 1 exec)", None);
    let mut restart_show = Samples::new("svc restart+show (ws)", None);
    let mut journal = Samples::new("svc journal (lxc exec)", None);
    let mut journal_ws = Samples::new("svc journal (ws)", None);
    // The three sides: the agent, `lxc exec`, the in-process websocket client.
    for round in 0..rounds(30) {
        for side in turns(round) {
            match side {
                0 => {
                    let agent = timed(agent_restart()).await;
                    Samples::agent_took(agent, [&mut restart, &mut restart_ws, &mut restart_show]);
                }
                1 => restart.direct.push(timed(lxc_restart()).await),
                _ => {
                    let alone = timed(in_process.restart()).await;
                    restart_ws.direct.push(alone);
                    restart_show.direct.push(alone + timed(in_process.show()).await);
                }
            }
        }
        for side in turns(round) {
            match side {
                0 => Samples::agent_took(timed(agent_journal()).await, [&mut journal, &mut journal_ws]),
                1 => journal.direct.push(timed(lxc_journal()).await),
                _ => journal_ws.direct.push(timed(in_process.journal()).await),
            }
        }
    }
    restart.print();
    restart_ws.print();
    restart_show.print();
    journal.print();
    journal_ws.print();
}
