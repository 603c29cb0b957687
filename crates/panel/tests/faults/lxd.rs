//! LXD failing under the agent: its socket gone, its daemon frozen
//! (`SIGSTOP`) before and during a restart, its daemon restarted. The
//! answer is 503 (nothing done) or 504 (LXD may finish) within the agent's
//! deadlines, and once LXD is back the panel's view and audit log follow
//! what LXD did.

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use tokio::io::AsyncBufReadExt as _;

use crate::helpers::error_code;
use crate::support::{World, rows, until};

/// The PIDs of the live LXD daemon, as scripts/setup-lxd.sh finds them:
/// `lxd` with no subcommand (`lxd waitready` is a client), not a zombie,
/// and not a container's monitor (also named lxd, its argv rewritten).
fn lxd_daemon_pids() -> Vec<String> {
    let output = Command::new("pgrep").args(["-x", "lxd"]).output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let zombie = status.lines().any(|line| line.starts_with("State:") && line.contains('Z'));
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = cmdline.split(|byte| *byte == 0).filter(|arg| !arg.is_empty()).collect();
            let daemon = args.first().is_some_and(|program| *program == b"lxd" || program.ends_with(b"/lxd"));
            !zombie && daemon && args.get(1).is_none_or(|arg| arg.starts_with(b"-"))
        })
        .map(str::to_owned)
        .collect()
}

/// The one LXD daemon's PID.
fn lxd_daemon() -> Vec<String> {
    let pids = lxd_daemon_pids();
    assert_eq!(pids.len(), 1, "one LXD daemon runs: {pids:?}");
    pids
}

/// Starts LXD again (scripts/setup-lxd.sh) when dropped: a test that
/// stops LXD leaves it running even when it fails.
struct RestartsLxd;

impl Drop for RestartsLxd {
    fn drop(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/setup-lxd.sh");
        let setup = Command::new("bash").arg(script).output().unwrap();
        assert!(
            setup.status.success() || std::thread::panicking(),
            "scripts/setup-lxd.sh starts LXD again: {}",
            String::from_utf8_lossy(&setup.stderr)
        );
    }
}

fn signal(pids: &[String], signal: &str) {
    for pid in pids {
        let sent = Command::new("kill").args([signal, pid]).status().unwrap();
        assert!(sent.success(), "kill {signal} {pid}");
    }
}

/// LXD frozen until dropped (`SIGSTOP`, then `SIGCONT` even if the test fails).
struct Frozen(Vec<String>);

impl Frozen {
    fn lxd() -> Frozen {
        let pids = lxd_daemon();
        signal(&pids, "-STOP");
        Frozen(pids)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        signal(&self.0, "-CONT");
    }
}

/// The init PID LXD reports for `container` (a restart changes it).
fn init_pid(world: &World, container: &str) -> i64 {
    world.project.init_pid(container).expect("the container runs")
}

async fn restart(world: &World, id: i64) -> (u16, String, Duration) {
    let started = Instant::now();
    let answer =
        world.request(Method::POST, &format!("/api/v1/containers/{id}/restart")).json(&json!({})).send().await.unwrap();
    let took = started.elapsed();
    if answer.status().is_success() {
        return (answer.status().as_u16(), String::new(), took);
    }
    let (status, code) = error_code(answer).await;
    (status, code, took)
}

#[tokio::test(flavor = "multi_thread")]
async fn lxds_socket_gone_answers_503_and_nothing_is_done_then_its_return_serves_again() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("lxd.socket");
    std::os::unix::fs::symlink("/var/lib/lxd/unix.socket", &socket).unwrap();
    let world = World::start(&["c1"], &format!("lxd_socket = {:?}", socket.display().to_string()), "").await;
    let c1 = world.container_id("c1").await;
    let before = init_pid(&world, "c1");

    std::fs::remove_file(&socket).unwrap();
    let (status, code, took) = restart(&world, c1).await;
    assert_eq!((status, code.as_str()), (503, "agent_unavailable"));
    assert!(took < Duration::from_secs(10), "answered after {took:?}");
    assert_eq!(init_pid(&world, "c1"), before, "nothing was done");

    std::os::unix::fs::symlink("/var/lib/lxd/unix.socket", &socket).unwrap();
    let (status, ..) = restart(&world, c1).await;
    assert_eq!(status, 200, "the same agent serves again");
    assert_ne!(init_pid(&world, "c1"), before, "restarted once now");
    assert_eq!(
        world.outcomes("container.restart"),
        rows(&[("started", None), ("failed", Some("agent_unavailable")), ("started", None), ("ok", None)])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_lxd_answers_503_before_a_restart_and_504_during_one_whose_outcome_comes_from_lxd_once_it_thaws() {
    let world = World::start(&["c1"], "lxd_timeout_s = 2", "sync_interval_s = 2").await;
    let c1 = world.container_id("c1").await;
    let before = init_pid(&world, "c1");

    // Frozen before the request: the agent's first read of LXD times out,
    // so nothing was sent: 503, audited failed.
    let frozen = Frozen::lxd();
    let (status, code, took) = restart(&world, c1).await;
    drop(frozen);
    assert_eq!((status, code.as_str()), (503, "agent_unavailable"));
    assert!(took < Duration::from_secs(8), "lxd_timeout_s is 2: answered after {took:?}");
    assert_eq!(init_pid(&world, "c1"), before, "nothing was done");

    // Frozen once LXD has taken the restart (its operation runs): the
    // agent gives up after timeout_s and its margin (1 + 15 s): 504, and
    // no outcome row until LXD, thawed, shows c1 running again.
    let mut monitor = tokio::process::Command::new("lxc")
        .args(["monitor", "--type", "operation", "--project", &world.project.name, "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut operations = tokio::io::BufReader::new(monitor.stdout.take().unwrap()).lines();
    // The monitor listens once it shows an operation made for the purpose.
    let project = world.project.name.clone();
    until(Duration::from_secs(30), "the monitor shows operations", async || {
        crate::real_lxd::lxc(&["exec", "c1", "--project", &project, "--", "true"]);
        operations.next_line().await.ok()?.map(|_| ())
    })
    .await;
    let restarting = {
        let (client, url, cookie, csrf) = (
            world.client.clone(),
            format!("{}/api/v1/containers/{c1}/restart", world.address()),
            world.cookie.clone(),
            world.csrf.clone(),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = client
                .post(url)
                .header("Cookie", cookie)
                .header("X-CSRF-Token", csrf)
                .json(&json!({"timeout_s": 1}))
                .send()
                .await
                .unwrap();
            (error_code(answer).await, started.elapsed())
        })
    };
    // LXD's operation event: the restart is LXD's now.
    until(Duration::from_secs(30), "LXD runs the restart", async || {
        operations.next_line().await.ok()?.filter(|line| line.contains("Restarting instance")).map(|_| ())
    })
    .await;
    let frozen = Frozen::lxd();
    let ((status, code), took) = restarting.await.unwrap();
    drop(frozen);
    assert_eq!((status, code.as_str()), (504, "agent_timeout"));
    assert!(took < Duration::from_secs(25), "answered after {took:?}");
    until(Duration::from_secs(60), "the restart's outcome comes from LXD", async || {
        (world.outcomes("container.restart").len() == 4).then_some(())
    })
    .await;
    assert_eq!(
        world.outcomes("container.restart"),
        rows(&[("started", None), ("failed", Some("agent_unavailable")), ("started", None), ("ok", None)]),
        "the lost answer's outcome is what LXD did"
    );
    assert_eq!(world.lxd_status("c1"), "Running");
    assert_ne!(init_pid(&world, "c1"), before, "LXD did restart it");
}

#[tokio::test(flavor = "multi_thread")]
async fn lxd_restarted_under_the_agent_answers_503_meanwhile_and_the_same_agent_serves_once_it_is_back() {
    let world = World::start(&["c1"], "", "sync_interval_s = 2").await;
    let c1 = world.container_id("c1").await;
    let restarts = RestartsLxd;
    signal(&lxd_daemon(), "-TERM");
    until(Duration::from_secs(60), "LXD's daemon ends", async || lxd_daemon_pids().is_empty().then_some(())).await;
    let (status, code, took) = restart(&world, c1).await;
    assert_eq!((status, code.as_str()), (503, "agent_unavailable"), "LXD is down");
    assert!(took < Duration::from_secs(10), "answered after {took:?}");

    drop(restarts);
    until(Duration::from_secs(60), "c1 runs again", async || (world.lxd_status("c1") == "Running").then_some(())).await;
    let before = init_pid(&world, "c1");
    let (status, ..) = restart(&world, c1).await;
    assert_eq!(status, 200, "the same agent, not restarted, serves again");
    assert_ne!(init_pid(&world, "c1"), before);
    assert_eq!(
        world.outcomes("container.restart"),
        rows(&[("started", None), ("failed", Some("agent_unavailable")), ("started", None), ("ok", None)])
    );
}
