//! Creating, deleting and changing containers through the API with the
//! agent down (the real agent's side is `panel_provisioning`): what is
//! refused before anything is reserved (and that nothing is), quotas overall
//! and per machine, the reservation and its rollback when the creation
//! fails, placement, admins' creations, deletion's refusals, PATCH's kinds
//! of change, and the usage and machine quota routes.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::db::containers::{self, ContainerId};
use smp_panel::db::quotas;
use smp_panel::db::users::UserId;

use crate::containers_api::{Tree, add_machine, get_json, row, tree};
use crate::helpers::{Session, TestApp, error_code};
use crate::panel_agent::until;

async fn post(app: &TestApp, session: &Session, body: Value) -> reqwest::Response {
    app.send_json(Method::POST, "/containers", session, &body).await
}

async fn set_quota(app: &TestApp, admin: &Session, user: i64, quota: Value) {
    let response = app.with_session(Method::PUT, &format!("/users/{user}/quota"), admin).json(&quota).send().await;
    assert_eq!(response.unwrap().status(), 200);
}

fn live_count(app: &TestApp) -> usize {
    containers::list(&mut app.db.connect(), None).unwrap().iter().filter(|row| !row.is_gone()).count()
}

/// The audit rows of `action`, as (outcome, error code).
fn outcomes(app: &TestApp, action: &str) -> Vec<(String, Option<String>)> {
    app.audit_rows().into_iter().filter(|row| row.action == action).map(|row| (row.outcome, row.error_code)).collect()
}

/// What a creation in flight of `owner`'s busybox `pending` on `machine`
/// reserves: in her quota, with no parent and no limits.
fn pending(machine: i64, owner: i64) -> containers::Reservation<'static> {
    containers::Reservation {
        machine: smp_panel::db::machines::MachineId(machine),
        name: "pending",
        owner: Some(owner),
        parent: None,
        in_quota: true,
        limits: containers::Limits::default(),
        autostart: false,
        image: "smp-busybox",
    }
}

/// A live sub-container of `owner` on `machine`, as if she had made it; its id.
fn sub_container(app: &TestApp, owner: i64, machine: i64, name: &str, cpu: i64) -> ContainerId {
    let limits = containers::Limits { cpu: Some(cpu), memory_mb: Some(512), disk_mb: Some(2048) };
    let reservation = containers::Reservation { name, limits, ..pending(machine, owner) };
    let mut connection = app.db.connect();
    let id = containers::reserve(&mut connection, &reservation, smp_panel::db::unix_now()).unwrap().unwrap();
    containers::set_status(&mut connection, id, "running", smp_panel::db::unix_now()).unwrap();
    id
}

const ROOMY: &str = r#"{"containers": 3, "cpu": 4, "memory_mb": 4096, "disk_mb": 20480}"#;

fn roomy() -> Value {
    serde_json::from_str(ROOMY).unwrap()
}

#[tokio::test]
async fn a_member_without_a_quota_creates_nothing_and_every_bad_request_is_refused_before_a_reservation() {
    let Tree { app, alice, a, c, .. } = tree().await;
    let ada = app.login("ada", crate::containers_api::PASSWORD).await;
    let alice_session = app.login("alice", crate::containers_api::PASSWORD).await;
    let before = live_count(&app);

    let (status, code) =
        error_code(post(&app, &alice_session, json!({"name": "x1", "image": "smp-busybox"})).await).await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"), "the default quota is nothing");

    set_quota(&app, &ada, alice, roomy()).await;
    let refused = [
        (json!({"name": "-x", "image": "smp-busybox"}), 422, "invalid_input"),
        (json!({"name": "x1", "image": "../etc"}), 422, "invalid_input"),
        (
            json!({"name": "x1", "image": "smp-busybox", "devices": {"d": {"type": "disk", "source": "/", "path": "/h"}}}),
            403,
            "forbidden_config",
        ),
        (json!({"name": "x1", "image": "smp-busybox", "source": {"type": "image"}}), 403, "forbidden_config"),
        (
            json!({"name": "x1", "image": "smp-busybox", "config": {"security.privileged": "true"}}),
            403,
            "forbidden_config",
        ),
        (
            json!({"name": "x1", "image": "smp-busybox", "config": {"raw.lxc": "lxc.apparmor.profile=unconfined"}}),
            403,
            "forbidden_config",
        ),
        (json!({"name": "x1", "image": "smp-busybox", "config": {"user.note": "a\u{7}b"}}), 403, "forbidden_config"),
        (json!({"name": "x1", "image": "smp-busybox", "config": {"limits.cpu": "64"}}), 403, "forbidden_config"),
        (json!({"name": "x1", "image": "smp-busybox", "config": {"boot.autostart": "true"}}), 403, "forbidden_config"),
        (json!({"name": "x1", "image": "smp-busybox", "owner": "bob"}), 403, "forbidden"),
        (json!({"name": "x1", "image": "smp-busybox", "parent": c}), 422, "invalid_input"),
        (json!({"name": "x1", "image": "smp-busybox", "parent": 999_999}), 422, "invalid_input"),
        (json!({"name": "x1", "image": "smp-busybox", "machine_id": 999_999}), 422, "invalid_input"),
        (json!({"name": "x1", "image": "smp-busybox", "limits": {"cpu": 0}}), 422, "invalid_input"),
        (json!({"name": "x1", "image": "smp-busybox", "limits": {"gpus": 1}}), 422, "invalid_input"),
        (json!({"name": "x1", "image": "smp-busybox", "limits": {"cpu": 5}}), 409, "quota_exceeded"),
        (json!({"name": "x1", "image": "smp-busybox", "limits": {"memory_mb": 8192}}), 409, "quota_exceeded"),
        (json!({"name": "x1", "image": "smp-busybox", "privileged": true}), 422, "invalid_input"),
        (json!({"name": "a", "image": "smp-busybox"}), 409, "already_exists"),
    ];
    for (body, status, code) in &refused {
        let answer = error_code(post(&app, &alice_session, body.clone()).await).await;
        assert_eq!(answer, (*status, (*code).to_owned()), "{body}");
    }
    // The parent she may not see reads exactly like a missing one.
    let hidden = post(&app, &alice_session, json!({"name": "x1", "image": "smp-busybox", "parent": c})).await.text();
    let missing =
        post(&app, &alice_session, json!({"name": "x1", "image": "smp-busybox", "parent": 999_999})).await.text();
    assert_eq!(hidden.await.unwrap().replace(&c.to_string(), "N"), missing.await.unwrap().replace("999999", "N"));

    assert_eq!(live_count(&app), before, "nothing was reserved");
    let rows = outcomes(&app, "container.create");
    assert_eq!(rows.len(), refused.len() + 3);
    assert!(rows.iter().all(|(outcome, _)| outcome == "refused"), "{rows:?}");
    assert_eq!(quotas::usage(&mut app.db.connect(), UserId(alice), None).unwrap().overall.containers, 0);
    assert_eq!(row(&app, a).name, "a", "her own container is untouched");
}

#[tokio::test]
async fn a_creation_reserves_at_once_and_a_failed_one_gives_the_reservation_back_and_says_why() {
    let Tree { app, alice, a, .. } = tree().await;
    let ada = app.login("ada", crate::containers_api::PASSWORD).await;
    let alice_session = app.login("alice", crate::containers_api::PASSWORD).await;
    set_quota(&app, &ada, alice, roomy()).await;

    let body = json!({"name": "sub1", "image": "smp-busybox", "parent": a, "limits": {"cpu": 2}, "autostart": true});
    let response = post(&app, &alice_session, body).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/containers/{id}"));
    assert_eq!(created["status"], "creating");
    assert_eq!(created["owner"], "alice", "the creator owns it");
    assert_eq!(created["parent"], a);
    assert_eq!(created["in_quota"], true);
    assert_eq!(created["autostart"], true);
    assert_eq!(created["limits"], json!({"cpu": 2, "memory_mb": 512, "disk_mb": 2048}), "defaults fill the rest");

    // The agent is down: the creation fails in the background, the row
    // says why, and nothing counts any more.
    let (failed, _) = until(Duration::from_secs(30), "the creation fails", || async {
        let (_, body) = get_json(&app, &format!("/containers/{id}"), &alice_session).await;
        (body["status"] == "failed").then_some(body)
    })
    .await;
    assert!(failed["error"].as_str().unwrap().contains("cannot be reached"), "{failed}");
    assert!(failed["gone_at"].is_i64());
    assert_eq!(quotas::usage(&mut app.db.connect(), UserId(alice), None).unwrap().overall.containers, 0);
    let rows = outcomes(&app, "container.create");
    assert_eq!(rows, [("started".into(), None), ("failed".into(), Some("agent_unavailable".into()))]);

    // The name is free again, and the quota too.
    let again = post(&app, &alice_session, json!({"name": "sub1", "image": "smp-busybox"})).await;
    assert_eq!(again.status(), 202);
}

#[tokio::test]
async fn quotas_count_only_live_sub_containers_overall_and_per_machine_and_placement_follows_them() {
    let Tree { app, alice, machine, .. } = tree().await;
    let m2 = add_machine(&app, "m2");
    let ada = app.login("ada", crate::containers_api::PASSWORD).await;
    let alice_session = app.login("alice", crate::containers_api::PASSWORD).await;
    set_quota(&app, &ada, alice, json!({"containers": 2, "cpu": null, "memory_mb": null, "disk_mb": null})).await;
    let none_here = json!({"containers": 0, "cpu": null, "memory_mb": null, "disk_mb": null});
    let path = format!("/users/{alice}/quota/machines/{machine}");
    let response = app.send_json(Method::PUT, &path, &ada, &none_here).await;
    assert_eq!(response.status(), 200);

    let (status, code) = error_code(
        post(&app, &alice_session, json!({"name": "s1", "image": "smp-busybox", "machine_id": machine})).await,
    )
    .await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"), "none on m1");
    // Left to the panel, it goes where her quota has room: m2.
    let placed: Value =
        post(&app, &alice_session, json!({"name": "s1", "image": "smp-busybox"})).await.json().await.unwrap();
    assert_eq!((placed["machine_id"].as_i64(), placed["status"].as_str()), (Some(m2), Some("creating")), "{placed}");
    // Its agent is down too, so that reservation fails; two live
    // sub-containers then stand in for ones that were made.
    let id = placed["id"].as_i64().unwrap();
    until(Duration::from_secs(30), "the creation on m2 fails", || async { row(&app, id).is_gone().then_some(()) })
        .await;
    for name in ["s2", "s3"] {
        sub_container(&app, alice, m2, name, 1);
    }
    let (status, code) =
        error_code(post(&app, &alice_session, json!({"name": "s4", "image": "smp-busybox"})).await).await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"), "two of two");

    let (status, usage) = get_json(&app, &format!("/users/{alice}/usage"), &alice_session).await;
    assert_eq!(status, 200, "{usage}");
    assert_eq!(usage["quota"]["containers"], 2);
    assert_eq!(usage["default"], false);
    assert_eq!(
        usage["used"],
        json!({"containers": 2, "cpu": 2, "memory_mb": 1024, "disk_mb": 4096, "forwards": 0, "snapshots": 0})
    );
    let m1 = usage["machines"].as_array().unwrap().iter().find(|entry| entry["machine_id"] == machine).unwrap();
    assert_eq!((m1["quota"]["containers"].as_i64(), m1["used"]["containers"].as_i64()), (Some(0), Some(0)));
    let bob = app.login("bob", crate::containers_api::PASSWORD).await;
    let (status, _) = get_json(&app, &format!("/users/{alice}/usage"), &bob).await;
    assert_eq!(status, 404, "her usage is hers");
    let response = app.with_session(Method::DELETE, &path, &bob).send().await.unwrap();
    assert_eq!(error_code(response).await.0, 404);
    let response = app.with_session(Method::DELETE, &path, &ada).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        quotas::machine_quota(&mut app.db.connect(), UserId(alice), smp_panel::db::machines::MachineId(machine))
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn admins_create_for_anyone_with_any_configuration_outside_quotas() {
    let Tree { app, bob, .. } = tree().await;
    let ada = app.login("ada", crate::containers_api::PASSWORD).await;
    let body = json!({
        "name": "box", "image": "smp-busybox", "owner": "bob",
        "config": {"security.nesting": "true", "limits.kernel.nofile": "4096"}, "profiles": ["default"],
    });
    let response = post(&app, &ada, body).await;
    assert_eq!(response.status(), 202);
    let created: Value = response.json().await.unwrap();
    assert_eq!((created["owner"].as_str(), created["in_quota"].as_bool()), (Some("bob"), Some(false)));
    assert_eq!(created["limits"], json!({"cpu": null, "memory_mb": null, "disk_mb": null}));
    assert_eq!(quotas::usage(&mut app.db.connect(), UserId(bob), None).unwrap().overall.containers, 0);
    let (status, code) =
        error_code(post(&app, &ada, json!({"name": "box2", "image": "smp-busybox", "devices": {}})).await).await;
    assert_eq!((status, code.as_str()), (403, "forbidden_config"), "devices from no one");
    let raw = json!({"name": "box3", "image": "smp-busybox", "config": {"raw.lxc": "lxc.signal.halt=SIGUSR2"}});
    let (status, code) = error_code(post(&app, &ada, raw).await).await;
    assert_eq!((status, code.as_str()), (403, "forbidden_config"), "raw.lxc reaches the host: not an admin's");
}

#[tokio::test]
async fn deletion_is_for_sub_containers_children_first_and_never_while_creating() {
    let Tree { app, alice, a, b, .. } = tree().await;
    let ada = app.login("ada", crate::containers_api::PASSWORD).await;
    let alice_session = app.login("alice", crate::containers_api::PASSWORD).await;

    let delete =
        |id: i64, session: &Session| app.with_session(Method::DELETE, &format!("/containers/{id}"), session).send();
    let (status, code) = error_code(delete(a, &alice_session).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"), "what an admin gave her stays");
    let (status, code) = error_code(delete(a, &ada).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "has_children"), "b is a's child");
    let bob = app.login("bob", crate::containers_api::PASSWORD).await;
    let (status, code) = error_code(delete(a, &bob).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));

    // A reservation in flight is not deleted (the agent is down, so reserve it directly).
    let reservation = containers::Reservation {
        parent: Some(ContainerId(a)),
        limits: containers::Limits { cpu: Some(1), memory_mb: Some(512), disk_mb: Some(2048) },
        ..pending(row(&app, a).machine_id, alice)
    };
    let pending = containers::reserve(&mut app.db.connect(), &reservation, smp_panel::db::unix_now()).unwrap().unwrap();
    let (status, code) = error_code(delete(pending.0, &alice_session).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "conflict"));
    // An agent that cannot be reached: the row stays as it was.
    let (status, code) = error_code(delete(b, &ada).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (503, "agent_unavailable"));
    assert!(!row(&app, b).is_gone());
    let rows = outcomes(&app, "container.delete");
    assert_eq!(rows.iter().filter(|(outcome, _)| outcome == "refused").count(), 4, "{rows:?}");
    assert_eq!(rows.last(), Some(&("failed".into(), Some("agent_unavailable".into()))));
}

#[tokio::test]
async fn patch_changes_one_kind_of_thing_and_limits_stay_within_the_quota() {
    let Tree { app, alice, a, machine, .. } = tree().await;
    let ada = app.login("ada", crate::containers_api::PASSWORD).await;
    let alice_session = app.login("alice", crate::containers_api::PASSWORD).await;
    set_quota(&app, &ada, alice, json!({"containers": 3, "cpu": 2, "memory_mb": null, "disk_mb": null})).await;
    let patch = |id: i64, session: &Session, body: Value| {
        app.with_session(Method::PATCH, &format!("/containers/{id}"), session).json(&body).send()
    };

    let (status, code) = error_code(patch(a, &alice_session, json!({"limits": {"cpu": 2}})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"), "limits of what an admin gave her are the admin's");
    let (status, code) = error_code(patch(a, &ada, json!({"owner": "bob", "autostart": true})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (422, "invalid_input"), "two kinds at once");
    let (status, code) = error_code(patch(a, &alice_session, json!({"autostart": true})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (503, "agent_unavailable"), "her own container's autostart is hers");

    let sub = sub_container(&app, alice, machine, "sub", 1);
    let (status, code) = error_code(patch(sub.0, &alice_session, json!({"limits": {"cpu": 3}})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"), "3 CPUs of 2");
    let (status, code) = error_code(patch(sub.0, &alice_session, json!({"limits": {"cpu": 2}})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (503, "agent_unavailable"), "within the quota, to the agent");
    assert_eq!(row(&app, sub.0).limits.cpu, Some(1), "a failed change puts the limits back");

    let (status, body) = {
        let response = patch(a, &ada, json!({"in_quota": true})).await.unwrap();
        (response.status().as_u16(), response.json::<Value>().await.unwrap())
    };
    assert_eq!((status, body["in_quota"].as_bool()), (200, Some(true)), "adopted as her sub-container");
    let actions: Vec<String> = app.audit_rows().into_iter().map(|row| row.action).collect();
    assert!(actions.contains(&"container.assign".to_owned()) && actions.contains(&"container.update".to_owned()));
}

/// A creation's call in flight, awaited by this process (as `audited_start`
/// writes it beside the reservation); `in_flight::orphan` loses its answer.
fn awaited_creation(connection: &mut smp_panel::db::DbConnection, id: containers::ContainerId, now: i64) -> i64 {
    use smp_panel::db::in_flight::{self, InFlight};
    let row = InFlight {
        id: in_flight::random_id(),
        instance: in_flight::process_id().to_owned(),
        started_at: now,
        actor_id: None,
        actor: "alice".into(),
        action: "container.create".into(),
        object: format!("container:{}", id.0),
        machine: Some("m1".into()),
        job_id: None,
    };
    in_flight::insert(connection, &row).unwrap();
    row.id
}

#[tokio::test]
async fn the_sync_keeps_an_awaited_reservation_and_fails_one_whose_answer_was_lost_once_lxd_had_the_time() {
    let Tree { app, alice, machine, .. } = tree().await;
    let now = smp_panel::db::unix_now();
    let id = containers::reserve(&mut app.db.connect(), &pending(machine, alice), now).unwrap().unwrap();
    let mut connection = app.db.connect();
    let call = awaited_creation(&mut connection, id, now);
    let listed = ["a", "b", "c", "d"].map(|name| {
        crate::containers_api::summary(name, smp_proto::api::ContainerStatus::Running, crate::containers_api::CREATED)
    });
    let machine = smp_panel::db::machines::MachineId(machine);
    let apply = |connection: &mut smp_panel::db::DbConnection, now| {
        containers::apply_list(connection, machine, &listed, containers::ASKED_AFTER_EVERY_WRITE, now).unwrap();
    };
    apply(&mut connection, now);
    assert_eq!(row(&app, id.0).status, "creating", "LXD has not made it yet");
    smp_panel::db::in_flight::orphan(&mut connection, call).unwrap();
    apply(&mut connection, now);
    assert_eq!(row(&app, id.0).status, "creating", "its answer was lost, but LXD may still be making it");
    assert_eq!(smp_panel::db::in_flight::settle_orphans(&mut connection, "m1", now).unwrap(), 0, "not judged yet");
    let later = now + smp_panel::db::in_flight::LONGEST_CALL_S;
    apply(&mut connection, later);
    let failed = row(&app, id.0);
    assert_eq!((failed.status.as_str(), failed.is_gone()), ("failed", true));
    assert!(failed.error.unwrap().contains("did not finish"));
    assert_eq!(
        smp_panel::db::in_flight::settle_orphans(&mut connection, "m1", later).unwrap(),
        1,
        "the lost creation gets its outcome row"
    );
    let outcome = app.audit_rows().pop().unwrap();
    assert_eq!((outcome.action.as_str(), outcome.outcome.as_str()), ("container.create", "failed"));
    assert_eq!(outcome.error_code.as_deref(), Some("answer_lost"));
}

#[tokio::test]
async fn a_creation_in_flight_leaves_creating_only_by_its_own_answer_not_by_a_list_or_an_event() {
    use smp_proto::api::{ContainerEvent, ContainerStatus};
    let Tree { app, alice, machine, .. } = tree().await;
    let reservation = pending(machine, alice);
    let machine = smp_panel::db::machines::MachineId(machine);
    let now = smp_panel::db::unix_now();
    let id = containers::reserve(&mut app.db.connect(), &reservation, now).unwrap().unwrap();
    let mut connection = app.db.connect();
    awaited_creation(&mut connection, id, now);
    // LXD has made it but not started it yet, or it failed to start and
    // the agent deleted it again: the creation's answer will say which.
    let mut listed: Vec<_> = ["a", "b", "c", "d"]
        .map(|name| crate::containers_api::summary(name, ContainerStatus::Running, crate::containers_api::CREATED))
        .into();
    listed.push(crate::containers_api::summary("pending", ContainerStatus::Stopped, crate::containers_api::CREATED));
    containers::apply_list(&mut connection, machine, &listed, containers::ASKED_AFTER_EVERY_WRITE, now).unwrap();
    for status in [ContainerStatus::Stopped, ContainerStatus::Deleted] {
        let event = ContainerEvent { name: "pending".into(), status, action: "instance-x".into(), at: String::new() };
        assert_eq!(
            containers::apply_event(&mut connection, machine, &event, now).unwrap(),
            containers::EventOutcome::Applied
        );
    }
    assert_eq!((row(&app, id.0).status.as_str(), row(&app, id.0).is_gone()), ("creating", false));
    // The answer decides; once it is in, events apply again.
    containers::set_status(&mut connection, id, "running", now).unwrap();
    let stopped = ContainerEvent {
        name: "pending".into(),
        status: ContainerStatus::Stopped,
        action: "x".into(),
        at: String::new(),
    };
    containers::apply_event(&mut connection, machine, &stopped, now).unwrap();
    assert_eq!(row(&app, id.0).status, "stopped");
    // A reservation whose answer was lost but that LXD lists takes the
    // listed status once no process awaits it.
    let other = containers::Reservation { name: "orphan", ..reservation };
    let orphan = containers::reserve(&mut connection, &other, now).unwrap().unwrap();
    let call = awaited_creation(&mut connection, orphan, now);
    listed.push(crate::containers_api::summary("orphan", ContainerStatus::Running, crate::containers_api::CREATED));
    containers::apply_list(&mut connection, machine, &listed, containers::ASKED_AFTER_EVERY_WRITE, now + 1).unwrap();
    assert_eq!(row(&app, orphan.0).status, "creating");
    smp_panel::db::in_flight::orphan(&mut connection, call).unwrap();
    containers::apply_list(&mut connection, machine, &listed, containers::ASKED_AFTER_EVERY_WRITE, now + 1).unwrap();
    assert_eq!(row(&app, orphan.0).status, "running");
}

/// The sync asks for a machine's list while the panel may still write
/// answers: a list older than what the panel wrote undoes none of it (a CI
/// run: a creation answered while a sync's list was on its way was marked
/// gone, so the quota let one more in), and the next list settles what LXD
/// shows.
#[tokio::test]
async fn a_list_asked_for_before_answers_were_written_undoes_none_of_them_and_the_next_list_settles_them() {
    use smp_panel::db::unix_now_ms;
    use smp_proto::api::ContainerStatus::{Running, Stopped};
    let Tree { app, alice, machine, c, d, .. } = tree().await;
    let listed = |names: &[(&str, smp_proto::api::ContainerStatus)]| -> Vec<_> {
        names
            .iter()
            .map(|(name, status)| crate::containers_api::summary(name, *status, crate::containers_api::CREATED))
            .collect()
    };
    let machine = smp_panel::db::machines::MachineId(machine);
    let mut connection = app.db.connect();
    let now = smp_panel::db::unix_now();
    // The list is asked for; then the answers are written: a creation made
    // `fresh`, a stop stopped `d`, a deletion took `c`.
    let asked = unix_now_ms();
    let fresh = containers::reserve(&mut connection, &pending(machine.0, alice), now).unwrap().unwrap();
    containers::set_status(&mut connection, fresh, "stopped", now).unwrap();
    containers::set_status(&mut connection, ContainerId(d), "stopped", now).unwrap();
    containers::mark_deleted(&mut connection, ContainerId(c), now).unwrap();

    let before = listed(&[("a", Stopped), ("b", Running), ("c", Running), ("d", Running)]);
    let report = containers::apply_list(&mut connection, machine, &before, asked, now).unwrap();
    assert_eq!((report.added, report.updated, report.gone), (0, 0, 0), "{report:?}");
    assert_eq!((row(&app, fresh.0).status.as_str(), row(&app, fresh.0).is_gone()), ("stopped", false));
    assert_eq!(row(&app, d).status, "stopped");
    let rows = containers::list(&mut connection, None).unwrap();
    assert!(!rows.iter().any(|row| row.name == "c" && !row.is_gone()), "a deleted container is not added back");
    assert_eq!(quotas::usage(&mut connection, UserId(alice), None).unwrap().overall.containers, 1, "fresh counts");

    // LXD's next list, asked for after them: `fresh` was deleted outside SMP.
    let after = listed(&[("a", Stopped), ("b", Running), ("d", Stopped)]);
    let report = containers::apply_list(&mut connection, machine, &after, unix_now_ms(), now).unwrap();
    assert_eq!((report.added, report.updated, report.gone), (0, 0, 1), "{report:?}");
    assert_eq!((row(&app, fresh.0).status.as_str(), row(&app, fresh.0).is_gone()), ("gone", true));
}

/// The same for a snapshot: a list of her snapshots asked for before her
/// take was answered keeps its row, so its quota is not freed (and the
/// next list does not bring it back in no quota); a list asked for later
/// without it settles it.
#[tokio::test]
async fn a_snapshot_list_asked_for_before_a_take_was_answered_keeps_the_snapshot_and_its_quota() {
    use smp_panel::db::snapshots::{self, NewSnapshot};
    let Tree { app, alice, machine, a, .. } = tree().await;
    let machine = smp_panel::db::machines::MachineId(machine);
    let mut connection = app.db.connect();
    let asked = smp_panel::db::unix_now();
    let new = NewSnapshot {
        container: ContainerId(a),
        machine,
        name: "s1",
        stateful: false,
        user: Some(alice),
        in_quota: true,
        now: asked,
    };
    assert!(snapshots::reserve(&mut connection, &new).unwrap());
    let taken = smp_proto::api::Snapshot {
        name: "s1".into(),
        created_at: asked,
        expires_at: None,
        stateful: false,
        size_bytes: None,
    };
    snapshots::mark_taken(&mut connection, ContainerId(a), &taken, asked).unwrap();
    let usage = |connection: &mut _| quotas::usage(connection, UserId(alice), None).unwrap().overall.snapshots;

    snapshots::reconcile(&mut connection, ContainerId(a), machine, &[], asked, asked).unwrap();
    assert_eq!(snapshots::of_container(&mut connection, ContainerId(a)).unwrap().len(), 1, "the take stays");
    assert_eq!(usage(&mut connection), 1);

    snapshots::reconcile(&mut connection, ContainerId(a), machine, &[], asked + 1, asked + 1).unwrap();
    assert!(snapshots::of_container(&mut connection, ContainerId(a)).unwrap().is_empty(), "LXD no longer has it");
    assert_eq!(usage(&mut connection), 0);
}

#[tokio::test]
async fn a_failed_change_of_limits_puts_back_its_own_limits_only_and_never_undoes_a_later_change() {
    use smp_panel::db::containers::{self, ContainerId, Limits};
    let t = crate::containers_api::tree().await;
    let mut connection = t.app.db.connect();
    let id = ContainerId(t.a);
    let before = Limits { cpu: Some(1), memory_mb: Some(256), disk_mb: Some(1024) };
    let failing = Limits { memory_mb: Some(512), ..before };
    let later = Limits { memory_mb: Some(4096), ..before };
    containers::set_limits(&mut connection, id, &before).unwrap();
    // Change A (to `failing`) is in flight when change B (to `later`),
    // checked against A's limits, is made; then A fails.
    containers::set_limits(&mut connection, id, &failing).unwrap();
    containers::set_limits(&mut connection, id, &later).unwrap();
    assert_eq!(containers::restore_limits(&mut connection, id, &failing, &before).unwrap(), 0);
    assert_eq!(
        containers::get(&mut connection, id).unwrap().unwrap().limits,
        later,
        "B's limits, which LXD enforces, stay counted"
    );
    // A failure with nothing made meanwhile puts its own limits back.
    assert_eq!(containers::restore_limits(&mut connection, id, &later, &before).unwrap(), 1);
    assert_eq!(containers::get(&mut connection, id).unwrap().unwrap().limits, before);
}
