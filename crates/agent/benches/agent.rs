//! `make bench` for the agent: each figure of the agent issue beside the
//! direct LXD call it wraps, measured in the same run, interleaved so both
//! see the same machine load. Prints p50/p95 and the ratio of the p50s.
//! Both sides open one unix connection per request (see `lxd/transport.rs`).

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
use smp_proto::token::{
    Claims, Expectations, KeyRing, SharedKey, body_hash, mint_operation_token, verify_operation_token,
};

const MACHINE: &str = "bench";
const CONTAINER: &str = "b1";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    verifications_per_second();
    runtime.block_on(agent_versus_direct());
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64
}

fn claims(action: Action, container: Option<&str>, body: &[u8]) -> Claims {
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
        ctr: container.map(str::to_owned),
        svc: None,
        bh: (!body.is_empty()).then(|| body_hash(body)),
    }
}

/// Token verifications per second on one core (this thread).
fn verifications_per_second() {
    let key = SharedKey::new("k1", "a-bench-secret-of-at-least-32-characters");
    let keys = KeyRing::new(vec![key.clone()]);
    let tokens: Vec<String> = (0..1000)
        .map(|_| mint_operation_token(&key, &claims(Action::Restart, Some(CONTAINER), b"")).expect("mint"))
        .collect();
    let expect = Expectations {
        audience: MACHINE,
        max_ttl_s: 60,
        agent_started_at: now() - 10,
        action: Action::Restart,
        container: Some(CONTAINER),
        service: None,
    };
    let started = Instant::now();
    let mut verified = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
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
    async fn call(&self, action: Action, path: &str, body: &[u8]) -> Value {
        let token = mint_operation_token(&self.key, &claims(action, Some(CONTAINER), body)).expect("mint");
        let method = if matches!(action, Action::State) { reqwest::Method::GET } else { reqwest::Method::POST };
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .body(body.to_vec())
            .send()
            .await
            .expect("agent answers");
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.expect("JSON")
    }
}

fn lxc(args: &[&str]) {
    let status = Command::new("lxc").args(args).status().expect("lxc runs");
    assert!(status.success(), "lxc {args:?}");
}

struct Samples {
    name: &'static str,
    agent: Vec<Duration>,
    direct: Vec<Duration>,
    goal: f64,
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

impl Samples {
    fn new(name: &'static str, goal: f64) -> Self {
        Samples { name, agent: Vec::new(), direct: Vec::new(), goal }
    }

    fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (a50, a95) = (percentile(&self.agent, 0.5), percentile(&self.agent, 0.95));
        let (d50, d95) = (percentile(&self.direct, 0.5), percentile(&self.direct, 0.95));
        println!(
            "{:<22} agent p50 {:>8.2} ms p95 {:>8.2} ms | direct p50 {:>8.2} ms p95 {:>8.2} ms | ratio p50 {:.3} (goal <= {:.2}, n={})",
            self.name,
            ms(a50),
            ms(a95),
            ms(d50),
            ms(d95),
            ms(a50) / ms(d50),
            self.goal,
            self.agent.len()
        );
    }
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

    let secret = smp_agent::random::new_secret();
    let state_dir = std::env::temp_dir().join(format!("smp-bench-{}", std::process::id()));
    let toml = format!(
        "machine = \"{MACHINE}\"\nlisten = \"127.0.0.1:0\"\nproject = \"{project}\"\nstate_dir = \"{}\"\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n",
        state_dir.display()
    );
    let agent = Agent::build(Config::from_toml(&toml).expect("config")).await.expect("agent");
    let through = ThroughAgent {
        url: format!("http://127.0.0.1:{}", agent.port()),
        key: SharedKey::new("k1", &secret),
        http: reqwest::Client::new(),
    };
    tokio::spawn(agent.run_until_stopped());
    let socket = LxdClient::discover_socket(None).expect("LXD socket");
    let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(UnixConnector);
    let direct = DirectLxd { socket, project: project.clone(), client };

    // Warm both paths (connections, LXD caches).
    for _ in 0..5 {
        through.call(Action::State, &format!("/container/{CONTAINER}/state"), b"").await;
        direct.state().await;
    }

    let mut state = Samples::new("state", 1.03);
    for _ in 0..100 {
        state.agent.push(timed(through.call(Action::State, &format!("/container/{CONTAINER}/state"), b"")).await);
        state.direct.push(timed(direct.state()).await);
    }
    state.print();

    // The agent execs over websockets (the only mode that takes stdin and
    // can kill on timeout). Baselines: LXD's record-output exec with fetching
    // and deleting its output (ARCHITECTURE.md's figure), and the same
    // websocket exec made in-process by the agent's own LXD client.
    let exec_body = br#"{"command":["true"]}"#;
    let exec_request: smp_proto::api::ExecRequest = serde_json::from_slice(exec_body).expect("exec request");
    let in_process = LxdClient::new(direct.socket.clone(), project.clone());
    let name = smp_proto::names::InstanceName::parse(CONTAINER).expect("name");
    let mut exec = Samples::new("exec true (record)", 1.05);
    let mut exec_ws = Samples::new("exec true (websocket)", 1.05);
    for _ in 0..100 {
        let agent = timed(through.call(Action::Exec, &format!("/container/{CONTAINER}/exec"), exec_body)).await;
        exec.agent.push(agent);
        exec_ws.agent.push(agent);
        exec.direct.push(timed(direct.exec_true()).await);
        exec_ws.direct.push(timed(async { in_process.exec(&name, &exec_request, 1024).await.expect("exec") }).await);
    }
    exec.print();
    exec_ws.print();

    let force = br#"{"force":true}"#;
    let mut start = Samples::new("start", 1.05);
    let mut stop = Samples::new("stop --force", 1.05);
    for _ in 0..20 {
        stop.agent.push(timed(through.call(Action::Stop, &format!("/container/{CONTAINER}/stop"), force)).await);
        start.agent.push(timed(through.call(Action::Start, &format!("/container/{CONTAINER}/start"), b"")).await);
        stop.direct.push(timed(direct.lifecycle("stop")).await);
        start.direct.push(timed(direct.lifecycle("start")).await);
    }
    start.print();
    stop.print();

    lxc(&["delete", "--force", CONTAINER, "--project", &project]);
    lxc(&["project", "delete", &project]);
    let _ = std::fs::remove_dir_all(state_dir);
}
