//! Services end to end on a real `smp-debian` container with systemd, through
//! the real agent: an admin makes a unit a member's service (the unit must
//! exist), the member restarts it (its start command really runs again and
//! its main PID changes) and reads its journal, and reaches nothing else of
//! the container; its container's owner manages services on it; the sync
//! sees a unit stopped outside SMP, and the event stream a container stopped.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::error_code;
use crate::panel_agent::{World, until};
use crate::real_agent::{LxdProject, TEST_UNIT, lxc};

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_owner_restarts_her_unit_reads_its_journal_and_reaches_nothing_else_of_the_container() {
    let project = LxdProject::with_test_unit_on_debian("d1");
    let (_agent, world, machine) = World::with_m1(&project).await;
    let d1 = world.synced("m1", "d1").await;
    let sam = world.member("sam").await;
    let admin = &world.admin;

    let (status, units) = json_of(world.get(&format!("/containers/{d1}/units"), admin).await).await;
    assert_eq!(status, 200, "{units}");
    let ours = units["items"].as_array().unwrap().iter().find(|unit| unit["unit"] == TEST_UNIT).cloned();
    assert_eq!(ours.map(|unit| unit["active"].clone()), Some(json!("active")), "{units}");

    let (status, body) =
        error_code(world.post("/services", admin, json!({"container_id": d1, "unit": "no-such-unit"})).await).await;
    assert_eq!((status, body.as_str()), (422, "invalid_input"), "a unit the container does not have");
    let create = json!({"container_id": d1, "unit": "smp-test", "owner": "sam"});
    let (status, service) = json_of(world.post("/services", admin, create).await).await;
    assert_eq!(status, 201, "{service}");
    assert_eq!((service["unit"].as_str(), service["owner"].as_str()), (Some(TEST_UNIT), Some("sam")));
    assert_eq!(service["description"], "SMP test service", "the unit's own description by default");
    assert_eq!(service["status"], "active");
    let id = service["id"].as_i64().unwrap();
    let (status, journald) =
        json_of(world.post("/services", admin, json!({"container_id": d1, "unit": "systemd-journald"})).await).await;
    assert_eq!(status, 201, "{journald}");
    let journald = journald["id"].as_i64().unwrap();

    // sam restarts her unit: its start command runs again, with a new main PID.
    let (status, before) = json_of(world.get(&format!("/services/{id}/state"), &sam).await).await;
    assert_eq!((status, before["active_state"].as_str()), (200, Some("active")), "{before}");
    let starts = project.test_unit_starts("d1");
    let (status, restart) = json_of(world.post(&format!("/services/{id}/restart"), &sam, json!({})).await).await;
    assert_eq!(status, 200, "{restart}");
    assert_eq!((restart["exit_code"].as_i64(), restart["state"]["active_state"].as_str()), (Some(0), Some("active")));
    assert_ne!(restart["state"]["main_pid"], before["main_pid"], "a new main process");
    assert_eq!(project.test_unit_starts("d1"), starts + 1, "the unit really started again");

    let (status, logs) = json_of(world.get(&format!("/services/{id}/logs?lines=50&since=-1h"), &sam).await).await;
    assert_eq!(status, 200, "{logs}");
    let lines = logs["lines"].as_array().unwrap();
    assert!(lines.iter().any(|line| line["message"] == "smp-test-started"), "{logs}");

    // Nothing else of d1: no exec, no container, no units, no other service.
    let pwned = json!({"command": ["touch", "/pwned"]});
    for (method, path, body) in [
        (Method::POST, format!("/containers/{d1}/exec"), Some(pwned)),
        (Method::GET, format!("/containers/{d1}"), None),
        (Method::GET, format!("/containers/{d1}/units"), None),
        (Method::POST, format!("/containers/{d1}/restart"), Some(json!({}))),
        (Method::POST, format!("/services/{journald}/restart"), Some(json!({}))),
        (Method::GET, format!("/services/{journald}/logs"), None),
        (Method::POST, "/services".to_owned(), Some(json!({"container_id": d1, "unit": "systemd-networkd"}))),
    ] {
        let request = world.app.with_session(method.clone(), &path, &sam);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let (status, code) = error_code(request.send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{method} {path}");
    }
    assert_ne!(project.exec("d1", &["test", "-e", "/pwned"]).0, 0, "nothing ran in the container");
    let (status, mine) = json_of(world.get("/services", &sam).await).await;
    assert_eq!(status, 200);
    let mine: Vec<i64> = mine["items"].as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect();
    assert_eq!(mine, [id]);

    // carol owns d1: she manages services on it, sam still sees only his.
    let carol = world.member_owning("carol", d1).await;
    let (status, networkd) =
        json_of(world.post("/services", &carol, json!({"container_id": d1, "unit": "systemd-networkd"})).await).await;
    assert_eq!(status, 201, "{networkd}");
    let (status, _) = json_of(world.post(&format!("/services/{journald}/restart"), &carol, json!({})).await).await;
    assert_eq!(status, 200, "a container owner acts on every service of her container");
    let (status, mine) = json_of(world.get("/services", &sam).await).await;
    assert_eq!((status, mine["items"].as_array().map(Vec::len)), (200, Some(1)));

    // A unit stopped outside SMP: the next sync pass sees it.
    assert_eq!(project.exec("d1", &["systemctl", "stop", TEST_UNIT]).0, 0);
    let (status, sync) = json_of(world.post(&format!("/machines/{machine}/sync"), admin, json!({})).await).await;
    assert_eq!(status, 200, "{sync}");
    assert!(sync["services"].as_u64() >= Some(1), "{sync}");
    let (_, service) = json_of(world.get(&format!("/services/{id}"), &sam).await).await;
    assert_eq!(service["status"], "inactive");

    // The container stopped outside SMP: its services follow through the event stream.
    let (_, journald_row) = json_of(world.get(&format!("/services/{journald}"), admin).await).await;
    assert_eq!(journald_row["status"], "active");
    lxc(&["stop", "--force", "d1", "--project", &project.name]);
    until(Duration::from_secs(20), "journald's status follows its container", || async {
        let (_, row) = json_of(world.get(&format!("/services/{journald}"), admin).await).await;
        (row["status"] == "inactive").then_some(())
    })
    .await;

    let rows: Vec<(String, String, Option<String>)> = world.app.audit_rows_where(
        |row| row.actor == "sam" && row.action == "service.restart",
        |row| (row.object, row.outcome, row.machine),
    );
    let object = format!("service:{id}");
    let m1 = Some("m1".to_owned());
    let expected = [
        (object.clone(), "started".to_owned(), m1.clone()),
        (object, "ok".to_owned(), m1),
        // The hidden service's refusal names no machine.
        (format!("service:{journald}"), "refused".to_owned(), None),
    ];
    assert_eq!(rows, expected);
}
