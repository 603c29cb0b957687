//! Every v1 route on a real LXD: the container really started, stopped and
//! restarted; exec really ran; state and logs are real.

use serde_json::json;
use smp_proto::Action;

use crate::helpers::{TestAgent, running_c1};
use crate::lxd_fixture::TestProject;

#[tokio::test]
async fn health_names_the_machine_and_says_lxd_answers_without_a_token() {
    let (_project, agent) = running_c1("rt-health").await;
    let answer = agent.send("GET", "/health", None, b"").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["status"], "ok");
    assert_eq!(answer.body["machine"], "alita");
    assert_eq!(answer.body["lxd"]["reachable"], true);
    assert!(answer.body["lxd"]["server_version"].as_str().is_some_and(|v| !v.is_empty()));
}

#[tokio::test]
async fn list_shows_every_container_of_the_project_with_status() {
    let (project, agent) = running_c1("rt-list").await;
    project.lxc(&["init", "smp-busybox", "c2"]);
    let token = agent.token(Action::List, None, b"");
    let answer = agent.send("GET", "/containers", Some(&token), b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let items = answer.body["items"].as_array().unwrap();
    let status_of = |name: &str| items.iter().find(|item| item["name"] == name).map(|item| item["status"].clone());
    assert_eq!(status_of("c1"), Some(json!("running")));
    assert_eq!(status_of("c2"), Some(json!("stopped")));
    assert_eq!(items.len(), 2, "only this project's instances: {items:?}");
}

/// `action` on `container` answers `status`, LXD really shows it
/// (`lxd_status`), and the same action again is refused as `refusal`.
async fn acts_once(
    (project, agent): (&TestProject, &TestAgent),
    action: Action,
    container: &str,
    status: &str,
    lxd_status: &str,
    refusal: &str,
) {
    let answer = agent.act(action, container, b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], status);
    assert_eq!(project.status(container), lxd_status);
    let again = agent.act(action, container, b"").await;
    assert_eq!((again.status, again.code()), (409, refusal));
}

#[tokio::test]
async fn start_really_starts_a_stopped_container_and_a_second_start_is_already_running() {
    let (project, agent) = running_c1("rt-start").await;
    project.lxc(&["init", "smp-busybox", "c2"]);
    acts_once((&project, &agent), Action::Start, "c2", "running", "Running", "already_running").await;
}

#[tokio::test]
async fn stop_really_stops_cleanly_and_a_second_stop_is_already_stopped() {
    let (project, agent) = running_c1("rt-stop").await;
    acts_once((&project, &agent), Action::Stop, "c1", "stopped", "Stopped", "already_stopped").await;
}

#[tokio::test]
async fn a_forced_stop_with_a_body_stops_the_container() {
    let (project, agent) = running_c1("rt-force").await;
    let body = br#"{"force":true}"#;
    let answer = agent.act(Action::Stop, "c1", body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(project.status("c1"), "Stopped");
}

#[tokio::test]
async fn restart_really_restarts_and_changes_the_init_pid() {
    let (project, agent) = running_c1("rt-restart").await;
    let before = project.init_pid("c1");
    let answer = agent.act(Action::Restart, "c1", b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "running");
    let after = project.init_pid("c1");
    assert!(after > 0 && after != before, "init pid {before} -> {after}");
}

#[tokio::test]
async fn exec_returns_the_real_exit_code_and_output() {
    let (_project, agent) = running_c1("rt-exec").await;
    let body = serde_json::to_vec(&json!({
        "command": ["sh", "-c", "echo out-$GREETING; echo err >&2; exit 3"],
        "env": {"GREETING": "hello"},
    }))
    .unwrap();
    let answer = agent.act(Action::Exec, "c1", &body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["exit_code"], 3);
    assert_eq!(answer.body["stdout"], "out-hello\n");
    assert_eq!(answer.body["stderr"], "err\n");
    assert_eq!(answer.body["truncated"], false);
}

#[tokio::test]
async fn exec_of_a_missing_command_answers_exit_code_127() {
    let (_project, agent) = running_c1("rt-exec127").await;
    let body = br#"{"command":["no-such-command"]}"#;
    let answer = agent.act(Action::Exec, "c1", body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["exit_code"], 127);
}

#[tokio::test]
async fn exec_with_a_shell_string_or_unknown_field_is_an_invalid_request() {
    let (_project, agent) = running_c1("rt-exec-bad").await;
    for body in [&br#"{"command":"rm -rf /"}"#[..], br#"{"command":["id"],"shell":true}"#, b"not json"] {
        let answer = agent.act(Action::Exec, "c1", body).await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "{}", answer.body);
    }
}

#[tokio::test]
async fn state_reports_the_init_pid_processes_and_memory() {
    let (project, agent) = running_c1("rt-state").await;
    let answer = agent.act(Action::State, "c1", b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "running");
    assert_eq!(answer.body["pid"].as_i64(), Some(project.init_pid("c1")));
    assert!(answer.body["processes"].as_i64().unwrap() > 0);
    assert!(answer.body["memory"]["usage_bytes"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn logs_of_source_lxc_return_lxd_log_lines_newest_last() {
    let (_project, agent) = running_c1("rt-logs").await;
    let token = agent.token(Action::Logs, Some("c1"), b"");
    let answer = agent.send("GET", "/container/c1/logs?source=lxc&lines=5", Some(&token), b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["source"], "lxc");
    assert!(answer.body["lines"].as_array().unwrap().len() <= 5);
    let token = agent.token(Action::Logs, Some("c1"), b"");
    let bad = agent.send("GET", "/container/c1/logs?source=host&lines=5", Some(&token), b"").await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_request"));
}

#[tokio::test]
async fn a_container_that_does_not_exist_is_not_found() {
    let (_project, agent) = running_c1("rt-missing").await;
    let answer = agent.act(Action::State, "ghost", b"").await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
}

#[tokio::test]
async fn a_container_of_another_project_is_not_found_for_this_agent() {
    let (_project, agent) = running_c1("rt-project").await;
    let other = TestProject::new("rt-project-other");
    other.launch("theirs", "smp-busybox");
    let answer = agent.act(Action::Stop, "theirs", b"").await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
    assert_eq!(other.status("theirs"), "Running");
}

#[tokio::test]
async fn an_unknown_route_answers_json_not_found() {
    let (_project, agent) = running_c1("rt-unknown").await;
    let answer = agent.send("GET", "/container/c1/secrets", None, b"").await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
}
