//! Issue 17's forward figure: a TCP echo in a busybox container reached
//! from an "outside" host (a network namespace the bench makes, joined to
//! the host by a veth pair in 198.19.0.0/16) through the agent's forward on
//! the network's `listen_address` (LXD's DNAT), beside the container's own
//! address reached directly (routed by the host), measured by one client
//! process in the namespace, both targets interleaved in rounds. Also the
//! agent's `PUT …/forwards` beside the same change made on LXD's API.
//!
//! Traffic goes only to the namespace's peer (the listen address) and to
//! the container on lxdbr0, as in the agent's network tests.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use smp_agent::lxd::LxdClient;
use smp_e2e::OutsideHost;
use smp_proto::Action;

use crate::{DirectLxd, ThroughAgent, claims, lxc, lxc_exec, percentile, quick, rounds, timed};

/// Set to the client's task (JSON, [`ClientTask`]): the bench's own binary,
/// run under `ip netns exec`, acts as the outside client and nothing else.
pub const CLIENT_ENV: &str = "SMP_BENCH_FORWARD_CLIENT";
const NETWORK: &str = "lxdbr0";
const CONTAINER: &str = "f1";
/// The echo port in the container and the forward's listen port.
const ECHO_PORT: u16 = 7007;
const LISTEN_PORT: u16 = 20100;
const PAYLOAD: &[u8] = b"smp-forward-bench\n";
const LEASES: &str = "/var/lib/lxd/networks/lxdbr0/dnsmasq.leases";
const STATIC_HOSTS: &str = "/var/lib/lxd/networks/lxdbr0/dnsmasq.hosts";
/// How long the container may take to have its static address after the
/// agent's restart, and the echo to answer through both paths.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// What the client in the namespace does: `rounds` rounds, each one echo
/// on every target (the first target goes first in even rounds, last in
/// odd ones), after `warmup` unrecorded rounds.
#[derive(Serialize, Deserialize)]
struct ClientTask {
    targets: Vec<SocketAddr>,
    warmup: usize,
    rounds: usize,
}

/// The client's answer: per target, each echo's duration in nanoseconds.
#[derive(Serialize, Deserialize)]
struct ClientSamples {
    nanos: Vec<Vec<u64>>,
}

/// One echo: connect, send `PAYLOAD`, read it back, close.
fn echo(target: SocketAddr) -> std::io::Result<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(2))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(PAYLOAD)?;
    let mut back = [0u8; PAYLOAD.len()];
    stream.read_exact(&mut back)?;
    let took = started.elapsed();
    if back != PAYLOAD {
        return Err(std::io::Error::other(format!("{target} echoed {back:?}")));
    }
    Ok(took)
}

/// The client's whole run (in the namespace): waits (bounded) until every
/// target echoes, then measures, and prints [`ClientSamples`] on stdout.
pub fn client(task: &str) {
    let task: ClientTask = serde_json::from_str(task).expect("the client's task");
    for target in &task.targets {
        let deadline = Instant::now() + READY_WITHIN;
        while let Err(error) = echo(*target) {
            assert!(Instant::now() < deadline, "{target} did not echo within {READY_WITHIN:?}: {error}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let mut nanos = vec![Vec::with_capacity(task.rounds); task.targets.len()];
    for round in 0..task.warmup + task.rounds {
        let count = task.targets.len();
        for turn in 0..count {
            let index = if round % 2 == 0 { turn } else { count - 1 - turn };
            let target = task.targets[index];
            let took = echo(target).unwrap_or_else(|error| panic!("echo to {target}: {error}"));
            if round >= task.warmup {
                nanos[index].push(took.as_nanos() as u64);
            }
        }
    }
    println!("{}", serde_json::to_string(&ClientSamples { nanos }).expect("JSON"));
}

/// Everything the figure makes, undone on drop (a panic included): LXD's
/// forward on the listen address, the namespace and its veth pair, the
/// container and the project, the agent's state directory.
struct Scene {
    project: String,
    outside: OutsideHost,
    listen_address: String,
    state_dir: PathBuf,
}

impl Scene {
    /// The namespace and veth pair (addresses in 198.19.250.0-198.19.255.255,
    /// apart from the tests' 198.19.0-249), the project, and `CONTAINER`.
    fn new() -> Scene {
        let pid = std::process::id();
        let id = pid % 384;
        let outside =
            OutsideHost::new(&format!("bench-fwd-{pid}"), &format!("smpb{id}"), [19, 250 + id / 64, (id % 64) * 4]);
        let scene = Scene {
            project: format!("smp-bench-fwd-{pid}"),
            listen_address: outside.host_address().to_owned(),
            outside,
            state_dir: std::env::temp_dir().join(format!("smp-bench-fwd-{pid}")),
        };
        lxc(&["project", "create", &scene.project, "-c", "features.images=false", "-c", "features.profiles=false"]);
        lxc(&["launch", "smp-busybox", CONTAINER, "--project", &scene.project]);
        scene
    }

    /// The IPv4 address of eth0 in the container, as `ip` shows it there.
    fn inside_ipv4(&self) -> String {
        let shown = lxc_exec(&self.project, CONTAINER, &["ip", "-4", "-o", "addr", "show", "dev", "eth0"]);
        let cidr = shown.split_whitespace().skip_while(|word| *word != "inet").nth(1).unwrap_or_default();
        cidr.split('/').next().unwrap_or_default().to_owned()
    }

    /// Runs the client in the namespace on `task`: its samples per target.
    fn measure(&self, task: &ClientTask) -> Vec<Vec<Duration>> {
        let exe = std::env::current_exe().expect("the bench's own binary");
        let output = Command::new("ip")
            .args(["netns", "exec", self.outside.namespace()])
            .arg(exe)
            .env(CLIENT_ENV, serde_json::to_string(task).expect("JSON"))
            .output()
            .expect("ip netns exec runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "the client in {} failed: {stderr}", self.outside.namespace());
        let samples: ClientSamples = serde_json::from_slice(&output.stdout).expect("the client's samples");
        samples.nanos.into_iter().map(|nanos| nanos.into_iter().map(Duration::from_nanos).collect()).collect()
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let quiet = |program: &str, args: &[&str]| {
            let _ = Command::new(program).args(args).output();
        };
        quiet("lxc", &["network", "forward", "delete", NETWORK, &self.listen_address]);
        quiet("lxc", &["delete", "--force", CONTAINER, "--project", &self.project]);
        quiet("lxc", &["project", "delete", &self.project]);
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

/// IPv4 addresses of lxdbr0 (10.77.0.100-249) that no lease and no static
/// allocation mentions now, starting at one chosen by the process id.
fn free_addresses() -> Vec<String> {
    let mut mentioned = std::fs::read_to_string(LEASES).unwrap_or_default();
    for entry in std::fs::read_dir(STATIC_HOSTS).into_iter().flatten().flatten() {
        mentioned.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    let mentioned: Vec<&str> = mentioned.split([' ', ',', '\n', '\t']).collect();
    let start = std::process::id() % 150;
    (0..150)
        .map(|step| format!("10.77.0.{}", 100 + (start + step) % 150))
        .filter(|address| !mentioned.contains(&address.as_str()))
        .collect()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The figure's whole run.
pub async fn forward_latency() {
    let scene = Scene::new();
    let secret = smp_agent::random::new_secret();
    let toml = format!(
        "machine = \"{}\"\nlisten = \"127.0.0.1:0\"\nproject = \"{}\"\nstate_dir = \"{}\"\nmember_images = [\"smp-busybox\"]\n\
         [[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n\
         [[networks]]\nname = \"{NETWORK}\"\nlisten_address = \"{}\"\nforward_ports = \"{LISTEN_PORT}-{}\"\n",
        crate::MACHINE,
        scene.project,
        scene.state_dir.display(),
        scene.listen_address,
        LISTEN_PORT + 99,
    );
    let through = ThroughAgent::start(&toml, &secret).await;
    let put = |action: Action, path: &'static str, body: Value| {
        let through = &through;
        async move {
            let body = serde_json::to_vec(&body).expect("JSON");
            through
                .send(&claims(action, Some(CONTAINER), None, &body), &format!("/container/{CONTAINER}/{path}"), &body)
                .await
        }
    };

    // A static address through the agent (another project may take the
    // chosen one first: then the next), the container restarted with it.
    let address = {
        let mut chosen = None;
        for candidate in free_addresses().into_iter().take(5) {
            let body = serde_json::to_vec(&json!({"network": NETWORK, "ipv4": candidate})).expect("JSON");
            let claims = claims(Action::Address, Some(CONTAINER), None, &body);
            let (status, answer) = through.try_send(&claims, &format!("/container/{CONTAINER}/address"), &body).await;
            match answer["error"]["code"].as_str() {
                _ if status.is_success() => {
                    chosen = Some(candidate);
                    break;
                }
                Some("address_taken") => continue,
                _ => panic!("PUT address {candidate}: {status} {answer}"),
            }
        }
        chosen.expect("a static address on lxdbr0 for the bench's container")
    };
    let deadline = Instant::now() + READY_WITHIN;
    while scene.inside_ipv4() != address {
        assert!(Instant::now() < deadline, "{CONTAINER} did not get {address} within {READY_WITHIN:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The echo server: busybox nc forks `cat` for each connection.
    let serve = format!("nc -ll -p {ECHO_PORT} -e cat </dev/null >/dev/null 2>&1 &");
    lxc_exec(&scene.project, CONTAINER, &["sh", "-c", &serve]);
    let forward = json!({"network": NETWORK, "forwards": [
        {"protocol": "tcp", "listen_port": LISTEN_PORT, "target_port": ECHO_PORT}
    ]});
    put(Action::ForwardSet, "forwards", forward).await;

    let forwarded: SocketAddr = format!("{}:{LISTEN_PORT}", scene.listen_address).parse().expect("address");
    let direct: SocketAddr = format!("{address}:{ECHO_PORT}").parse().expect("address");
    let task =
        ClientTask { targets: vec![forwarded, direct], warmup: if quick() { 1 } else { 200 }, rounds: rounds(2000) };
    let samples = tokio::task::spawn_blocking(move || {
        let samples = scene.measure(&task);
        (scene, samples)
    })
    .await
    .expect("the client's thread");
    let (scene, samples) = samples;
    print_latency(&samples[0], &samples[1]);

    forward_writes(&scene, &address, &put).await;
    drop(scene);
}

/// p50/p95 of both paths, their difference, and whether it is within
/// noise: the difference of the p50s no larger than the interquartile
/// range (p75 - p25) of the direct samples, the spread a direct connection
/// shows by itself.
fn print_latency(forwarded: &[Duration], direct: &[Duration]) {
    let (f50, f95) = (percentile(forwarded, 0.5), percentile(forwarded, 0.95));
    let (d25, d50, d75, d95) =
        (percentile(direct, 0.25), percentile(direct, 0.5), percentile(direct, 0.75), percentile(direct, 0.95));
    let difference = ms(f50) - ms(d50);
    let spread = ms(d75) - ms(d25);
    let verdict = if quick() {
        "no verdict from a quick run"
    } else if difference.abs() <= spread {
        "within noise"
    } else {
        "MISSED: beyond noise"
    };
    println!(
        "{:<24} fwd   p50 {:>8.3} ms p95 {:>8.3} ms | direct p50 {:>8.3} ms p95 {:>8.3} ms | fwd-direct p50 {:+.3} ms, direct IQR {:.3} ms: {verdict} (goal: within noise, n={})",
        "tcp echo (outside ns)",
        ms(f50),
        ms(f95),
        ms(d50),
        ms(d95),
        difference,
        spread,
        forwarded.len()
    );
}

/// The agent's `PUT …/forwards` (one forward, a new listen port each time)
/// beside the same change made on LXD's API the way `lxc network forward
/// port add` makes it (GET the forward, PUT it back with the port), in turns.
async fn forward_writes<F, Fut>(scene: &Scene, address: &str, put: &F)
where
    F: Fn(Action, &'static str, Value) -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let socket = LxdClient::discover_socket(None).expect("LXD socket");
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build(hyperlocal::UnixConnector);
    let lxd = DirectLxd { socket, project: scene.project.clone(), client };
    let path = format!("/1.0/networks/{NETWORK}/forwards/{}", scene.listen_address);
    let direct_write = |listen_port: u16| {
        let (lxd, path) = (&lxd, &path);
        async move {
            let current = lxd.call("GET", path, None).await;
            let mut forward = current["metadata"].clone();
            assert!(forward.is_object(), "LXD has the forward: {current}");
            forward["ports"] = json!([{
                "protocol": "tcp", "listen_port": listen_port.to_string(),
                "target_address": address, "target_port": ECHO_PORT.to_string(), "description": ""
            }]);
            let written = lxd.call("PUT", path, Some(forward)).await;
            assert_eq!(written["status_code"], 200, "{written}");
        }
    };
    let agent_write = |listen_port: u16| {
        put(
            Action::ForwardSet,
            "forwards",
            json!({"network": NETWORK, "forwards": [
                {"protocol": "tcp", "listen_port": listen_port, "target_port": ECHO_PORT}
            ]}),
        )
    };
    let (mut agent, mut direct) = (Vec::new(), Vec::new());
    for round in 0..rounds(30) + 2 {
        // Each write moves the forward to another port, so each one changes it.
        let (agent_port, direct_port) = (LISTEN_PORT + 1 + (round % 2) as u16, LISTEN_PORT + 3 + (round % 2) as u16);
        let (took_agent, took_direct) = if round % 2 == 0 {
            let a = timed(agent_write(agent_port)).await;
            (a, timed(direct_write(direct_port)).await)
        } else {
            let d = timed(direct_write(direct_port)).await;
            (timed(agent_write(agent_port)).await, d)
        };
        // The first two rounds warm both paths.
        if round >= 2 {
            agent.push(took_agent);
            direct.push(took_direct);
        }
    }
    let (a50, a95) = (percentile(&agent, 0.5), percentile(&agent, 0.95));
    let (d50, d95) = (percentile(&direct, 0.5), percentile(&direct, 0.95));
    println!(
        "{:<24} agent p50 {:>8.2} ms p95 {:>8.2} ms | direct p50 {:>8.2} ms p95 {:>8.2} ms | ratio p50 {:.3} (no goal, n={})",
        "PUT forwards (1 port)",
        ms(a50),
        ms(a95),
        ms(d50),
        ms(d95),
        ms(a50) / ms(d50),
        agent.len()
    );
}
