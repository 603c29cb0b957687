//! The service routes on a real LXD: a real systemd unit in a real
//! `smp-debian` container is listed, restarted (its main PID changes),
//! stopped and read; bad unit names are refused before anything runs; a
//! token for another unit is refused; a container without systemd answers
//! `no_systemd`.

use std::time::Duration;

use smp_proto::Action;
use smp_proto::names::UnitName;

use crate::helpers::{TestAgent, running_c1, valid_claims};
use crate::lxd_fixture::TestProject;

const UNIT: &str = "smp-test.service";
const STARTS: &str = "/var/tmp/smp-test.starts";

/// A unit that appends a line to `STARTS` on every start, logs a line,
/// then sleeps: each start has a new main PID. (`%%` is systemd's `%`.)
const UNIT_FILE: &str = "[Unit]\nDescription=SMP test service\n\n[Service]\n\
    ExecStartPre=/bin/sh -c 'date +%%s%%N >> /var/tmp/smp-test.starts'\n\
    ExecStart=/bin/sh -c 'echo smp-test-started; exec sleep infinity'\n";

/// A running `smp-debian` container `d1` with systemd up and `smp-test.service` started.
fn debian_with_unit(project: &TestProject) {
    project.launch("d1", "smp-debian");
    let up = TestProject::wait_until(Duration::from_secs(90), || {
        let state = project.exec_stdout("d1", &["systemctl", "is-system-running", "--wait"]);
        matches!(state.trim(), "running" | "degraded")
    });
    assert!(up, "systemd did not come up in d1 within 90 s");
    // The file's text is an argument of the script, not part of it.
    let install = format!("printf '%s' \"$1\" > /etc/systemd/system/{UNIT} && systemctl daemon-reload");
    assert_eq!(project.exec_status("d1", &["sh", "-c", &install, "sh", UNIT_FILE]), 0, "cannot install {UNIT}");
    assert_eq!(project.exec_status("d1", &["systemctl", "start", UNIT]), 0, "cannot start {UNIT}");
}

fn starts(project: &TestProject) -> usize {
    project.exec_stdout("d1", &["cat", STARTS]).lines().count()
}

/// A valid token for a service action on `unit` (`svc` as the panel sets it).
fn service_token(agent: &TestAgent, action: Action, container: &str, unit: Option<&str>) -> String {
    let mut claims = valid_claims(action, Some(container));
    claims.svc = unit.map(str::to_owned);
    agent.mint(&claims)
}

async fn call(agent: &TestAgent, action: Action, container: &str, unit: &str, query: &str) -> crate::helpers::Answer {
    // `svc` as the panel mints it: the suffix applied (a bad name as it is).
    let svc = UnitName::parse(unit).map_or_else(|_| unit.to_owned(), |name| name.as_str().to_owned());
    let token = service_token(agent, action, container, Some(&svc));
    let (method, path) = match action {
        Action::ServiceList => ("GET", format!("/container/{container}/services")),
        Action::ServiceState => ("GET", format!("/container/{container}/service/{unit}/state")),
        Action::ServiceLogs => ("GET", format!("/container/{container}/service/{unit}/logs{query}")),
        Action::ServiceStart => ("POST", format!("/container/{container}/service/{unit}/start")),
        Action::ServiceStop => ("POST", format!("/container/{container}/service/{unit}/stop")),
        Action::ServiceRestart => ("POST", format!("/container/{container}/service/{unit}/restart")),
        other => panic!("not a service action: {other}"),
    };
    let token = if action == Action::ServiceList { service_token(agent, action, container, None) } else { token };
    agent.send(method, &path, Some(&token), b"").await
}

#[tokio::test]
async fn a_real_unit_is_listed_restarted_with_a_new_main_pid_stopped_and_its_journal_read() {
    let project = TestProject::new("svc-real");
    debian_with_unit(&project);
    let agent = TestAgent::spawn(project.name()).await;

    let list = call(&agent, Action::ServiceList, "d1", UNIT, "").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let ours = list.body["items"].as_array().unwrap().iter().find(|item| item["unit"] == UNIT).cloned();
    let ours = ours.unwrap_or_else(|| panic!("{UNIT} not listed: {}", list.body));
    assert_eq!((ours["active"].as_str(), ours["sub"].as_str()), (Some("active"), Some("running")));
    assert_eq!(ours["description"], "SMP test service");
    assert_eq!(ours["enabled"], "static", "a unit file without [Install] is static");
    let networkd =
        list.body["items"].as_array().unwrap().iter().find(|item| item["unit"] == "systemd-networkd.service").cloned();
    assert_eq!(networkd.map(|unit| unit["enabled"].clone()), Some(serde_json::json!("enabled")), "{}", list.body);

    let before = call(&agent, Action::ServiceState, "d1", UNIT, "").await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!((before.body["unit"].as_str(), before.body["active_state"].as_str()), (Some(UNIT), Some("active")));
    let pid_before = before.body["main_pid"].as_u64().expect("a running unit has a main pid");
    let since = before.body["active_since"].as_i64().expect("a running unit has an active_since");
    assert!((crate::helpers::now() - since).abs() < 600, "active_since is Unix seconds of a recent start: {since}");

    // Without the suffix too: `smp-test` is `smp-test.service`.
    let restarted = call(&agent, Action::ServiceRestart, "d1", "smp-test", "").await;
    assert_eq!(restarted.status, 200, "{}", restarted.body);
    assert_eq!(
        (restarted.body["action"].as_str(), restarted.body["exit_code"].as_i64()),
        (Some("service.restart"), Some(0))
    );
    assert_eq!(restarted.body["state"]["active_state"], "active");
    let pid_after = restarted.body["state"]["main_pid"].as_u64().unwrap();
    assert_ne!(pid_after, pid_before, "the main PID must change on a real restart");
    assert_eq!(starts(&project), 2, "the unit ran its start commands a second time");
    let inside = project.exec_stdout("d1", &["systemctl", "show", "--property=MainPID", "--value", UNIT]);
    assert_eq!(inside.trim(), pid_after.to_string());

    let logs = call(&agent, Action::ServiceLogs, "d1", UNIT, "?lines=50&since=-10min").await;
    assert_eq!(logs.status, 200, "{}", logs.body);
    let lines = logs.body["lines"].as_array().unwrap();
    let started: Vec<_> = lines.iter().filter(|line| line["message"] == "smp-test-started").collect();
    assert_eq!(started.len(), 2, "both starts are in the journal: {lines:?}");
    let stamps: Vec<u64> = lines.iter().map(|line| line["at_us"].as_u64().unwrap()).collect();
    assert!(stamps.windows(2).all(|pair| pair[0] <= pair[1]), "newest last: {stamps:?}");
    let one = call(&agent, Action::ServiceLogs, "d1", UNIT, "?lines=1").await;
    assert_eq!(one.body["lines"].as_array().map(Vec::len), Some(1), "{}", one.body);

    for bad in ["?since=yesterday", "?since=--help", "?lines=0", "?lines=10001", "?since=2026-11-23%2008:00:00"] {
        let refused = call(&agent, Action::ServiceLogs, "d1", UNIT, bad).await;
        assert_eq!((refused.status, refused.code()), (400, "invalid_request"), "{bad}: {}", refused.body);
    }

    let stopped = call(&agent, Action::ServiceStop, "d1", UNIT, "").await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    assert_eq!(
        (stopped.body["state"]["active_state"].as_str(), stopped.body["state"]["main_pid"].as_u64()),
        (Some("inactive"), None)
    );
    let started = call(&agent, Action::ServiceStart, "d1", UNIT, "").await;
    assert_eq!(started.body["state"]["active_state"], "active", "{}", started.body);
    assert_eq!(starts(&project), 3);

    for action in [Action::ServiceState, Action::ServiceRestart] {
        let missing = call(&agent, action, "d1", "no-such-unit", "").await;
        assert_eq!((missing.status, missing.code()), (404, "unit_not_found"), "{action}: {}", missing.body);
    }

    // A bad name is refused even with a token minted for exactly that
    // string, and the unit did not start again.
    for bad in ["a;b", "-x", "..%2Fx", "smp-test;reboot"] {
        let refused = call(&agent, Action::ServiceRestart, "d1", bad, "").await;
        assert_eq!((refused.status, refused.code()), (422, "invalid_name"), "{bad}: {}", refused.body);
    }
    assert_eq!(starts(&project), 3, "nothing ran for the refused names");
}

#[tokio::test]
async fn bad_unit_names_are_refused_before_the_token_is_even_verified() {
    let (_project, agent) = running_c1("svc-names").await;
    // A token that is not even a JWT: the name check comes before its
    // verification, so no handler (and no exec) can have run; a busybox
    // exec would have answered no_systemd.
    for bad in ["a;b", "-x", "--help", "..%2Fx", "a%20b", "ssh.socket", "..x"] {
        for verb in ["restart", "state", "logs"] {
            let method = if verb == "restart" { "POST" } else { "GET" };
            let answer = agent.send(method, &format!("/container/c1/service/{bad}/{verb}"), Some("garbage"), b"").await;
            assert_eq!((answer.status, answer.code()), (422, "invalid_name"), "{bad} {verb}: {}", answer.body);
        }
    }
}

#[tokio::test]
async fn a_token_for_another_unit_or_for_no_unit_is_refused_as_wrong_service() {
    let (_project, agent) = running_c1("svc-token").await;
    for unit in [Some("other.service"), Some("smp-test"), None] {
        let token = service_token(&agent, Action::ServiceRestart, "c1", unit);
        let answer = agent.send("POST", "/container/c1/service/smp-test.service/restart", Some(&token), b"").await;
        assert_eq!((answer.status, answer.code()), (403, "token_wrong_service"), "{unit:?}: {}", answer.body);
    }
    // A state token is no restart token, even for the same unit.
    let token = service_token(&agent, Action::ServiceState, "c1", Some("smp-test.service"));
    let answer = agent.send("POST", "/container/c1/service/smp-test.service/restart", Some(&token), b"").await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_action"), "{}", answer.body);
}

#[tokio::test]
async fn a_container_without_systemd_answers_no_systemd() {
    let (_project, agent) = running_c1("svc-busybox").await;
    for action in [Action::ServiceList, Action::ServiceState, Action::ServiceRestart, Action::ServiceLogs] {
        let answer = call(&agent, action, "c1", "smp-test.service", "").await;
        assert_eq!((answer.status, answer.code()), (409, "no_systemd"), "{action}: {}", answer.body);
    }
}
