//! The LXD client against the real LXD (one project per test) and against
//! the fault-injecting fake for hangs, garbage and a missing socket.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use smp_agent::lxd::{LxdClient, LxdError};
use smp_proto::api::{ContainerStatus, ContainerSummary, ExecRequest, LogSource};
use smp_proto::names::InstanceName;

use crate::fake_lxd::{Behaviour, FakeLxd, Script, dead_socket};
use crate::lxd_fixture::{TestProject, require_lxd};

const IMAGE: &str = "smp-busybox";
const CAP: usize = 1024 * 1024;

fn client(project: &TestProject) -> LxdClient {
    let socket = LxdClient::discover_socket(None).expect("an LXD socket on this machine");
    LxdClient::new(socket, project.name().to_owned())
}

fn name(text: &str) -> InstanceName {
    InstanceName::parse(text).expect("a valid instance name")
}

fn exec_request(command: &[&str]) -> ExecRequest {
    ExecRequest {
        command: command.iter().map(|part| (*part).to_owned()).collect(),
        env: BTreeMap::new(),
        cwd: "/".to_owned(),
        user: 0,
        stdin: String::new(),
        timeout_s: 30,
    }
}

/// A project with one running busybox container `c1`, and a client of it.
fn scene(prefix: &str) -> (TestProject, LxdClient) {
    let project = TestProject::new(prefix);
    project.launch("c1", IMAGE);
    let client = client(&project);
    (project, client)
}

/// Lists until `c1` has an address (its DHCP lease comes in its own time)
/// or 30 s pass; the last list either way.
async fn list_once_c1_has_an_address(client: &LxdClient) -> Vec<ContainerSummary> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = client.list().await.unwrap();
        let has_address = listed.iter().any(|item| item.name == "c1" && !item.addresses.is_empty());
        if has_address || Instant::now() >= deadline {
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn discovery_finds_the_socket_of_the_running_lxd_and_reads_its_version() {
    require_lxd();
    let socket = LxdClient::discover_socket(None).unwrap();
    assert!(socket.exists(), "{}", socket.display());
    let version = LxdClient::new(socket, "default".to_owned()).server_version().await.unwrap();
    let lxc_version = std::process::Command::new("lxc").arg("version").output().unwrap();
    let lxc_version = String::from_utf8_lossy(&lxc_version.stdout).into_owned();
    assert!(lxc_version.contains(&format!("Server version: {version}")), "{version} vs {lxc_version}");
}

#[tokio::test]
async fn list_shows_a_running_container_with_its_ipv4_address_and_a_stopped_one_without() {
    let (project, client) = scene("cl-list");
    project.lxc(&["init", IMAGE, "c2"]);
    let listed = list_once_c1_has_an_address(&client).await;
    let c1 = listed.iter().find(|item| item.name == "c1").expect("c1 listed");
    let c2 = listed.iter().find(|item| item.name == "c2").expect("c2 listed");
    assert_eq!(c1.status, ContainerStatus::Running);
    assert_eq!(c1.instance_type, "container");
    assert!(!c1.created_at.is_empty());
    assert!(c1.addresses.iter().any(|address| address.parse::<std::net::Ipv4Addr>().is_ok()), "{c1:?}");
    let lxd_view = project.query("/1.0/instances/c1/state");
    let eth0 = lxd_view["network"]["eth0"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|address| address["family"] == "inet")
        .and_then(|address| address["address"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(c1.addresses.contains(&eth0), "{c1:?} vs LXD's eth0 {eth0}");
    assert_eq!(c2.status, ContainerStatus::Stopped);
    assert!(c2.addresses.is_empty(), "{c2:?}");
    assert_eq!(listed.len(), 2, "only this project's instances: {listed:?}");
}

#[tokio::test]
async fn list_of_an_empty_project_is_empty() {
    let project = TestProject::new("cl-empty");
    assert!(client(&project).list().await.unwrap().is_empty());
}

#[tokio::test]
async fn stop_start_and_restart_really_change_the_container() {
    let (project, client) = scene("cl-cycle");
    let c1 = name("c1");
    client.stop(&c1, false, 30).await.unwrap();
    assert_eq!(project.status("c1"), "Stopped");
    assert_eq!(client.status(&c1).await.unwrap(), ContainerStatus::Stopped);
    client.start(&c1, Duration::from_secs(30)).await.unwrap();
    assert_eq!(project.status("c1"), "Running");
    assert_eq!(client.status(&c1).await.unwrap(), ContainerStatus::Running);
    let before = project.init_pid("c1");
    client.restart(&c1, false, 30).await.unwrap();
    assert_eq!(project.status("c1"), "Running");
    let after = project.init_pid("c1");
    assert!(after > 0 && after != before, "init pid {before} -> {after}");
    client.stop(&c1, true, 30).await.unwrap();
    assert_eq!(project.status("c1"), "Stopped");
}

#[tokio::test]
async fn starting_a_running_container_is_already_running() {
    let (_project, client) = scene("cl-running");
    let error = client.start(&name("c1"), Duration::from_secs(30)).await.unwrap_err();
    assert!(matches!(error, LxdError::AlreadyRunning), "{error:?}");
}

#[tokio::test]
async fn stop_restart_or_exec_of_a_stopped_container_is_already_stopped() {
    let project = TestProject::new("cl-stopped");
    project.lxc(&["init", IMAGE, "c1"]);
    let client = client(&project);
    let error = client.stop(&name("c1"), false, 30).await.unwrap_err();
    assert!(matches!(error, LxdError::AlreadyStopped), "{error:?}");
    let error = client.stop(&name("c1"), true, 30).await.unwrap_err();
    assert!(matches!(error, LxdError::AlreadyStopped), "{error:?}");
    let error = client.restart(&name("c1"), false, 30).await.unwrap_err();
    assert!(matches!(error, LxdError::AlreadyStopped), "{error:?}");
    let error = client.exec(&name("c1"), &exec_request(&["true"]), CAP).await.unwrap_err();
    assert!(matches!(error, LxdError::AlreadyStopped), "{error:?}");
}

#[tokio::test]
async fn a_clean_stop_the_container_ignores_times_out_and_a_forced_one_works() {
    let project = TestProject::new("cl-stuck");
    // A halt signal busybox's init neither handles nor is killed by.
    project.launch_with("c1", IMAGE, &["-c", "raw.lxc=lxc.signal.halt=SIGWINCH"]);
    let client = client(&project);
    let started = Instant::now();
    let error = client.stop(&name("c1"), false, 1).await.unwrap_err();
    assert!(matches!(error, LxdError::Timeout(ref message) if message.contains("force")), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(project.status("c1"), "Running");
    client.stop(&name("c1"), true, 1).await.unwrap();
    assert_eq!(project.status("c1"), "Stopped");
}

#[tokio::test]
async fn exec_returns_the_exit_code_and_both_output_streams() {
    let (_project, client) = scene("cl-exec");
    let answer =
        client.exec(&name("c1"), &exec_request(&["sh", "-c", "echo out; echo err >&2; exit 3"]), CAP).await.unwrap();
    assert_eq!(answer.exit_code, 3);
    assert_eq!(answer.stdout, "out\n");
    assert_eq!(answer.stderr, "err\n");
    assert!(!answer.truncated);
    assert!(answer.duration_ms < 10_000, "{}", answer.duration_ms);
}

#[tokio::test]
async fn exec_of_a_missing_command_answers_exit_code_127() {
    let (_project, client) = scene("cl-127");
    let answer = client.exec(&name("c1"), &exec_request(&["no-such-command"]), CAP).await.unwrap();
    assert_eq!(answer.exit_code, 127, "{answer:?}");
}

#[tokio::test]
async fn exec_passes_environment_working_directory_and_user() {
    let (_project, client) = scene("cl-env");
    let mut request = exec_request(&["sh", "-c", "echo $GREETING; pwd; id -u; id -g"]);
    request.env.insert("GREETING".to_owned(), "hello there".to_owned());
    request.cwd = "/tmp".to_owned();
    request.user = 65534;
    let answer = client.exec(&name("c1"), &request, CAP).await.unwrap();
    assert_eq!(answer.stdout, "hello there\n/tmp\n65534\n65534\n", "{answer:?}");
    assert_eq!(answer.exit_code, 0);
}

#[tokio::test]
async fn exec_output_beyond_the_cap_is_cut_and_marked_truncated() {
    let (_project, client) = scene("cl-cap");
    let c1 = name("c1");
    // ~590 kB on stdout, far more than the cap; the command still finishes.
    let answer = client.exec(&c1, &exec_request(&["seq", "1", "100000"]), 1000).await.unwrap();
    assert!(answer.truncated);
    assert_eq!(answer.stdout.len(), 1000);
    assert!(answer.stdout.starts_with("1\n2\n3\n"));
    assert_eq!(answer.exit_code, 0);
    let answer = client.exec(&c1, &exec_request(&["seq", "1", "10"]), 1000).await.unwrap();
    assert!(!answer.truncated);
    assert_eq!(answer.stdout.lines().count(), 10);
}

#[tokio::test]
async fn exec_passes_stdin_to_the_command() {
    let (_project, client) = scene("cl-stdin");
    let c1 = name("c1");
    let mut request = exec_request(&["cat"]);
    request.stdin = "hello\nworld\n".to_owned();
    let answer = client.exec(&c1, &request, CAP).await.unwrap();
    assert_eq!(answer.stdout, "hello\nworld\n");
    // Larger than one websocket message and than a pipe buffer.
    let mut request = exec_request(&["wc", "-c"]);
    request.stdin = "x".repeat(300_000);
    let answer = client.exec(&c1, &request, CAP).await.unwrap();
    assert_eq!(answer.stdout.trim(), "300000");
    // Without stdin, a reader sees end of file at once instead of hanging.
    let answer = client.exec(&c1, &exec_request(&["cat"]), CAP).await.unwrap();
    assert_eq!((answer.exit_code, answer.stdout.as_str()), (0, ""));
}

#[tokio::test]
async fn exec_past_its_timeout_is_killed_and_times_out() {
    let (project, client) = scene("cl-timeout");
    let mut request = exec_request(&["sleep", "1000"]);
    request.timeout_s = 1;
    let started = Instant::now();
    let error = client.exec(&name("c1"), &request, CAP).await.unwrap_err();
    assert!(matches!(error, LxdError::Timeout(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    let processes = project.exec_stdout("c1", &["ps"]);
    assert!(!processes.contains("sleep 1000"), "the command still runs:\n{processes}");
}

#[tokio::test]
async fn an_abandoned_exec_kills_its_command() {
    let (project, client) = scene("cl-abandon");
    let request = exec_request(&["sleep", "1000"]);
    let abandoned = tokio::time::timeout(Duration::from_secs(1), client.exec(&name("c1"), &request, CAP)).await;
    assert!(abandoned.is_err(), "the exec should still run: {abandoned:?}");
    // LXD kills the command when its control socket closes, in its own time.
    let gone =
        TestProject::wait_until(Duration::from_secs(10), || !project.exec_stdout("c1", &["ps"]).contains("sleep 1000"));
    assert!(gone, "the command still runs:\n{}", project.exec_stdout("c1", &["ps"]));
}

#[tokio::test]
async fn exec_leaves_no_output_files_in_lxd() {
    let (project, client) = scene("cl-nologs");
    let c1 = name("c1");
    client.exec(&c1, &exec_request(&["echo", "hi"]), CAP).await.unwrap();
    client.exec(&c1, &exec_request(&["no-such-command"]), CAP).await.unwrap();
    let mut request = exec_request(&["sleep", "1000"]);
    request.timeout_s = 1;
    client.exec(&c1, &request, CAP).await.unwrap_err();
    let logs = project.query("/1.0/instances/c1/logs");
    let files: Vec<&str> = logs.as_array().into_iter().flatten().filter_map(|file| file.as_str()).collect();
    assert!(!files.is_empty(), "lxc.log at least: {logs}");
    assert!(files.iter().all(|file| !file.contains("/exec_")), "{files:?}");
}

#[tokio::test]
async fn state_reports_pid_processes_memory_limit_and_network_of_a_running_container() {
    let project = TestProject::new("cl-state");
    project.launch_with("c1", IMAGE, &["-c", "limits.memory=256MiB"]);
    // A container read at once after its launch may not have been charged any
    // CPU time yet (seen once in CI): make it use some before reading.
    let busy = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done";
    assert_eq!(project.exec_status("c1", &["sh", "-c", busy]), 0);
    let client = client(&project);
    let state = client.state(&name("c1")).await.unwrap();
    assert_eq!(state.name, "c1");
    assert_eq!(state.status, ContainerStatus::Running);
    assert_eq!(state.pid, Some(project.init_pid("c1")));
    assert!(state.processes > 0, "{state:?}");
    assert!(state.memory.usage_bytes > 0, "{state:?}");
    assert!(state.cpu_usage_ns > 0, "{state:?}");
    assert_eq!(state.memory.limit_bytes, Some(256 * 1024 * 1024));
    let eth0 = state.network.iter().find(|interface| interface.name == "eth0").expect("eth0");
    assert!(!eth0.hwaddr.is_empty());
    assert!(state.network.iter().any(|interface| interface.name == "lo"));
}

#[tokio::test]
async fn state_of_a_stopped_container_has_no_pid_and_no_limit_when_none_is_set() {
    let project = TestProject::new("cl-state-stopped");
    project.lxc(&["init", IMAGE, "c1"]);
    let state = client(&project).state(&name("c1")).await.unwrap();
    assert_eq!(state.status, ContainerStatus::Stopped);
    assert_eq!(state.pid, None);
    assert_eq!(state.memory.limit_bytes, None);
}

#[tokio::test]
async fn logs_return_the_lxc_log_and_the_console_then_nothing_new() {
    let (_project, client) = scene("cl-logs");
    let c1 = name("c1");
    let lxc_log = client.logs(&c1, LogSource::Lxc).await.unwrap();
    assert!(lxc_log.contains("lxc"), "{lxc_log}");
    // The init writes its greeting to the console in its own time after the launch.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut console = String::new();
    while !console.contains("smp-init: up") && Instant::now() < deadline {
        console.push_str(&client.logs(&c1, LogSource::Console).await.unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(console.contains("smp-init: up"), "{console}");
    // The first read consumed the console: nothing new is an empty log, not an error.
    let again = client.logs(&c1, LogSource::Console).await.unwrap();
    assert!(!again.contains("smp-init: up"), "{again}");
}

#[tokio::test]
async fn every_call_on_an_unknown_container_is_not_found() {
    let project = TestProject::new("cl-missing");
    let client = client(&project);
    let nope = name("nope");
    let not_found = |result: Result<(), LxdError>| matches!(result, Err(LxdError::NotFound(_)));
    assert!(not_found(client.status(&nope).await.map(drop)));
    assert!(not_found(client.state(&nope).await.map(drop)));
    assert!(not_found(client.start(&nope, Duration::from_secs(5)).await));
    assert!(not_found(client.stop(&nope, true, 5).await));
    assert!(not_found(client.restart(&nope, false, 5).await));
    assert!(not_found(client.exec(&nope, &exec_request(&["true"]), CAP).await.map(drop)));
    assert!(not_found(client.logs(&nope, LogSource::Console).await.map(drop)));
    assert!(not_found(client.logs(&nope, LogSource::Lxc).await.map(drop)));
}

#[tokio::test]
async fn a_socket_that_never_answers_times_out_within_the_deadline_a_read_as_unavailable_a_change_as_timeout() {
    let fake = FakeLxd::start(Behaviour::Hang).await;
    let client =
        LxdClient::new(fake.socket_path.clone(), "default".to_owned()).with_request_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let error = client.server_version().await.unwrap_err();
    assert!(matches!(error, LxdError::Unavailable(_)), "a read that LXD never answered changed nothing: {error:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let error = client.stop(&name("c1"), false, 30).await.unwrap_err();
    assert!(matches!(error, LxdError::Timeout(_)), "{error:?}");
    assert!(fake.connections() >= 1);
}

#[tokio::test]
async fn a_missing_or_dead_socket_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let missing = LxdClient::new(dir.path().join("unix.socket"), "default".to_owned());
    let error = missing.list().await.unwrap_err();
    assert!(matches!(error, LxdError::Unavailable(ref message) if message.contains("unix.socket")), "{error:?}");

    let (_dir, dead) = dead_socket();
    let error = LxdClient::new(dead, "default".to_owned()).server_version().await.unwrap_err();
    assert!(matches!(error, LxdError::Unavailable(_)), "{error:?}");

    let fake = FakeLxd::start(Behaviour::Hang).await;
    let socket = fake.socket_path.clone();
    drop(fake);
    let error = LxdClient::new(socket, "default".to_owned()).server_version().await.unwrap_err();
    assert!(matches!(error, LxdError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn a_dropped_connection_is_unavailable() {
    let fake = FakeLxd::start(Behaviour::Reset).await;
    let error = LxdClient::new(fake.socket_path.clone(), "default".to_owned()).server_version().await.unwrap_err();
    assert!(matches!(error, LxdError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn a_garbage_answer_is_a_protocol_error() {
    let fake = FakeLxd::start(Behaviour::Garbage).await;
    let client = LxdClient::new(fake.socket_path.clone(), "default".to_owned());
    let error = client.server_version().await.unwrap_err();
    assert!(matches!(error, LxdError::Protocol(_)), "{error:?}");
    let error = client.list().await.unwrap_err();
    assert!(matches!(error, LxdError::Protocol(_)), "{error:?}");
}

#[tokio::test]
async fn an_lxd_error_answer_keeps_lxd_s_message() {
    let body =
        r#"{"type":"error","status":"","status_code":0,"error_code":500,"error":"disk on fire","metadata":null}"#;
    let fake = FakeLxd::start(Behaviour::Answer { status: 500, body: body.to_owned() }).await;
    let error = LxdClient::new(fake.socket_path.clone(), "default".to_owned()).list().await.unwrap_err();
    assert!(matches!(error, LxdError::Api { status: 500, ref message } if message == "disk on fire"), "{error:?}");
}

/// A fake LXD whose clean stop of `c1` fails at once, as LXD 5.0.2 did under
/// load ("Failed shutting down instance …" within 0.2 s of a 30 s timeout)
/// while the instance's init was powering off: `c1` reads `Running` for
/// `running_reads` status reads, then `Stopped` (never, with `None`).
async fn lxd_giving_up_at_once(running_reads: Option<usize>) -> FakeLxd {
    let reads = std::sync::atomic::AtomicUsize::new(0);
    let sync = |metadata: &str| {
        (200, format!(r#"{{"type":"sync","status":"Success","status_code":200,"metadata":{metadata}}}"#))
    };
    let script = move |line: &str, body: &str| {
        let async_operation = |id: &str| {
            let body = format!(
                r#"{{"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/{id}","metadata":{{"id":"{id}","status":"Running","status_code":103}}}}"#
            );
            (202, body)
        };
        if line.starts_with("PUT /1.0/instances/c1/state") {
            async_operation(if body.contains(r#""action":"start""#) { "started" } else { "given-up" })
        } else if line.starts_with("GET /1.0/operations/given-up/wait") {
            sync(
                r#"{"id":"given-up","status":"Failure","status_code":400,"err":"Failed shutting down instance, status is \"Running\": shutting down the container failed"}"#,
            )
        } else if line.starts_with("GET /1.0/operations/started/wait") {
            sync(r#"{"id":"started","status":"Success","status_code":200,"err":""}"#)
        } else if line.starts_with("GET /1.0/instances/c1?") {
            let read = reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let stopped = running_reads.is_some_and(|running| read >= running);
            sync(if stopped { r#"{"status":"Stopped"}"# } else { r#"{"status":"Running"}"# })
        } else {
            (404, r#"{"type":"error","error_code":404,"error":"not found"}"#.to_owned())
        }
    };
    FakeLxd::start(Behaviour::Script(Script(std::sync::Arc::new(script)))).await
}

fn state_changes(fake: &FakeLxd) -> Vec<String> {
    let actions = ["stop", "restart", "start"];
    fake.seen()
        .iter()
        .filter(|line| line.starts_with("PUT /1.0/instances/c1/state"))
        .filter_map(|line| actions.iter().find(|action| line.contains(&format!(r#""action":"{action}""#))))
        .map(|action| (*action).to_owned())
        .collect()
}

#[tokio::test]
async fn a_restart_lxd_gives_up_on_at_once_while_the_instance_stops_is_finished_by_a_start() {
    let fake = lxd_giving_up_at_once(Some(2)).await;
    let client = LxdClient::new(fake.socket_path.clone(), "default".to_owned());
    client.restart(&name("c1"), false, 30).await.expect("the instance stopped, so the agent started it");
    assert_eq!(state_changes(&fake), ["restart", "start"]);
}

#[tokio::test]
async fn a_stop_lxd_gives_up_on_at_once_while_the_instance_stops_is_a_stop() {
    let fake = lxd_giving_up_at_once(Some(1)).await;
    let client = LxdClient::new(fake.socket_path.clone(), "default".to_owned());
    client.stop(&name("c1"), false, 30).await.expect("the instance stopped");
    assert_eq!(state_changes(&fake), ["stop"]);
}

#[tokio::test]
async fn a_restart_lxd_gives_up_on_while_the_instance_keeps_running_times_out_without_a_start() {
    let fake = lxd_giving_up_at_once(None).await;
    let client = LxdClient::new(fake.socket_path.clone(), "default".to_owned());
    let error = client.restart(&name("c1"), false, 1).await.unwrap_err();
    assert!(matches!(error, LxdError::Timeout(ref message) if message.contains("force")), "{error:?}");
    assert_eq!(state_changes(&fake), ["restart"]);
}

/// A fake LXD that refuses the first `refusals` starts of `c1` as LXD 5.0.2
/// does while a stop still holds the instance's lock, then starts it.
async fn lxd_busy_with_a_stop(refusals: usize) -> FakeLxd {
    let starts = std::sync::atomic::AtomicUsize::new(0);
    let script = move |line: &str, _: &str| {
        if line.starts_with("PUT /1.0/instances/c1/state") {
            if starts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < refusals {
                let error =
                    r#"Failed to create instance start operation: Instance is busy running a \"stop\" operation"#;
                return (400, format!(r#"{{"type":"error","error_code":400,"error":"{error}"}}"#));
            }
            let body = r#"{"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/started","metadata":{"id":"started","status":"Running","status_code":103}}"#;
            (202, body.to_owned())
        } else if line.starts_with("GET /1.0/operations/started/wait") {
            let body = r#"{"type":"sync","status":"Success","status_code":200,"metadata":{"id":"started","status":"Success","status_code":200,"err":""}}"#;
            (200, body.to_owned())
        } else {
            (404, r#"{"type":"error","error_code":404,"error":"not found"}"#.to_owned())
        }
    };
    FakeLxd::start(Behaviour::Script(Script(std::sync::Arc::new(script)))).await
}

#[tokio::test]
async fn a_start_refused_while_a_stop_still_holds_the_instance_is_asked_again_until_it_starts() {
    let fake = lxd_busy_with_a_stop(3).await;
    let client = LxdClient::new(fake.socket_path.clone(), "default".to_owned());
    client.start(&name("c1"), Duration::from_secs(10)).await.expect("started once the stop let go");
    assert_eq!(state_changes(&fake), ["start"; 4], "three refusals created nothing, the fourth started it");
}

#[tokio::test]
async fn a_start_whose_instance_stays_busy_is_refused_as_busy_at_its_deadline() {
    let fake = lxd_busy_with_a_stop(usize::MAX).await;
    let client = LxdClient::new(fake.socket_path.clone(), "default".to_owned());
    let started = Instant::now();
    let error = client.start(&name("c1"), Duration::from_secs(1)).await.unwrap_err();
    assert!(matches!(error, LxdError::Busy(ref message) if message.contains("\"stop\"")), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}
