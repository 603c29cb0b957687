//! The services API over HTTP with the agent down: who sees which services,
//! what a service owner may do (act, read) and may not (manage, reach the
//! container), refusals before any agent call (bad unit names, unknown
//! owners, duplicates, bad log queries) with their audit rows, container
//! owners and admins managing, and machine deletion while services remain.

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::db::containers::ContainerId;
use smp_panel::db::services::{self, NewService, ServiceId};
use smp_proto::api::ContainerStatus;

use crate::containers_api::{PASSWORD, Tree, add_machine, apply_listed, container_id, get_json, list_ids, tree};
use crate::helpers::{Session, TestApp, error_code};

/// Stores an active service row ("Serves the web") straight in the database; its id.
pub(crate) fn service(app: &TestApp, container: i64, unit: &str, owner: Option<i64>) -> i64 {
    let new = NewService {
        container: ContainerId(container),
        unit,
        owner_id: owner,
        description: "Serves the web",
        status: "active",
    };
    services::create(&mut app.db.connect(), &new, smp_panel::db::unix_now()).unwrap().0
}

pub(crate) fn service_row(app: &TestApp, id: i64) -> Option<services::Service> {
    services::get(&mut app.db.connect(), ServiceId(id)).unwrap()
}

/// The tree of `containers_api` plus sam, a member who owns no container,
/// and four services: sam owns `web` on the unowned `d` and `api` on bob's
/// `b` (a child of alice's `a`); `db` on `d` and `bot` on bob's `c` have no
/// service owner.
struct Services {
    tree: Tree,
    web: i64,
    db: i64,
    bot: i64,
    api: i64,
}

async fn services_world() -> Services {
    let tree = tree().await;
    let sam = tree.app.user("sam", Role::Member, PASSWORD, true);
    let web = service(&tree.app, tree.d, "web.service", Some(sam));
    let db = service(&tree.app, tree.d, "db.service", None);
    let bot = service(&tree.app, tree.c, "bot.service", None);
    let api = service(&tree.app, tree.b, "api.service", Some(sam));
    Services { tree, web, db, bot, api }
}

/// The services world, with `username` signed in through the API.
async fn services_world_as(username: &str) -> (Services, Session) {
    let world = services_world().await;
    let session = login(&world.tree.app, username).await;
    (world, session)
}

async fn login(app: &TestApp, name: &str) -> Session {
    app.login(name, PASSWORD).await
}

async fn send(app: &TestApp, method: Method, path: &str, session: &Session, body: Option<Value>) -> (u16, Value) {
    let request = app.with_session(method, path, session);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_user_sees_the_services_she_owns_or_that_run_on_her_trees_and_admins_all() {
    let world = services_world().await;
    let app = &world.tree.app;
    let (web, db, bot, api) = (world.web, world.db, world.bot, world.api);
    let expected = [
        ("sam", vec![web, api]),
        ("alice", vec![api]),
        ("bob", vec![bot, api]),
        ("ada", vec![web, db, bot, api]),
        ("root", vec![web, db, bot, api]),
    ];
    let mut sessions = std::collections::HashMap::new();
    for (name, services) in expected {
        let session = login(app, name).await;
        assert_eq!(list_ids(app, "/services", &session).await, services, "{name}");
        sessions.insert(name, session);
    }
    let sam = &sessions["sam"];
    let on_d = format!("/services?container_id={}", world.tree.d);
    assert_eq!(list_ids(app, &on_d, sam).await, vec![web], "the filter keeps the policy's decision");

    let (status, body) = get_json(app, &format!("/services/{web}"), sam).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["unit"], "web.service");
    assert_eq!(body["container"], "d", "a service owner learns the container's name");
    assert_eq!(body["container_id"], world.tree.d);
    assert_eq!((body["owner"].as_str(), body["machine"].as_str()), (Some("sam"), Some("m1")));
    assert_eq!(body["status"], "active");

    let hidden = get_json(app, &format!("/services/{db}"), sam).await;
    let missing = get_json(app, "/services/999999", sam).await;
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, missing, "a hidden service reads exactly like a missing one");
    let (status, _) = get_json(app, "/services?colour=red", sam).await;
    assert_eq!(status, 422, "an unknown filter is refused");
}

#[tokio::test]
async fn a_service_owner_cannot_manage_her_service_or_reach_its_container_and_is_audited() {
    let (world, sam) = services_world_as("sam").await;
    let app = &world.tree.app;
    let d = world.tree.d;
    let web = world.web;
    let before = service_row(app, web);

    let refusals = [
        (Method::PATCH, format!("/services/{web}"), Some(json!({"owner": null})), 403, "service.update"),
        (Method::DELETE, format!("/services/{web}"), None, 403, "service.delete"),
        (Method::POST, "/services".to_owned(), Some(json!({"container_id": d, "unit": "evil"})), 404, "service.create"),
        (Method::POST, format!("/containers/{d}/exec"), Some(json!({"command": ["id"]})), 404, "container.exec"),
        (Method::POST, format!("/containers/{d}/restart"), None, 404, "container.restart"),
        (Method::POST, format!("/services/{}/restart", world.db), None, 404, "service.restart"),
        (Method::POST, format!("/services/{}/stop", world.bot), None, 404, "service.stop"),
    ];
    for (method, path, body, expected, _) in &refusals {
        let (status, answer) = send(app, method.clone(), path, &sam, body.clone()).await;
        assert_eq!(status, *expected, "{method} {path}: {answer}");
    }
    for path in [format!("/containers/{d}"), format!("/containers/{d}/units"), format!("/containers/{d}/logs")] {
        let (status, _) = get_json(app, &path, &sam).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(service_row(app, web), before, "nothing changed");
    assert_eq!(list_ids(app, "/services", &login(app, "root").await).await.len(), 4, "nothing was created or deleted");

    let rows = app.audit_rows();
    for (_, _, _, expected, action) in &refusals {
        let row = rows.iter().find(|row| row.actor == "sam" && row.action == *action).expect(action);
        assert_eq!(row.outcome, "refused", "{action}");
        let code = if *expected == 403 { "forbidden" } else { "not_found" };
        assert_eq!(row.error_code.as_deref(), Some(code), "{action}");
    }
    assert!(!rows.iter().any(|row| row.outcome == "started"), "no agent was contacted: {rows:?}");
}

#[tokio::test]
async fn her_actions_reach_for_the_agent_with_started_then_failed_rows_when_it_is_down() {
    let (world, sam) = services_world_as("sam").await;
    let app = &world.tree.app;
    for verb in ["start", "stop", "restart"] {
        let (status, body) = send(app, Method::POST, &format!("/services/{}/{verb}", world.web), &sam, None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("agent_unavailable")), "{verb}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("m1"), "{body}");
    }
    for path in ["state", "logs"] {
        let (status, body) = get_json(app, &format!("/services/{}/{path}", world.web), &sam).await;
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("agent_unavailable")), "{path}: {body}");
    }
    let rows: Vec<(String, String)> = app.audit_rows_where(
        |row| row.actor == "sam" && row.action.starts_with("service."),
        |row| (row.action, row.outcome),
    );
    let expected: Vec<(String, String)> = ["service.start", "service.stop", "service.restart"]
        .into_iter()
        .flat_map(|action| [(action.to_owned(), "started".to_owned()), (action.to_owned(), "failed".to_owned())])
        .collect();
    let mut sorted = rows.clone();
    sorted.sort();
    let mut expected_sorted = expected;
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted, "reads are not audited; each action is started then failed");
    assert_eq!(service_row(app, world.web).unwrap().status, "active", "a failed call changes no status");
}

#[tokio::test]
async fn bad_unit_names_owners_duplicates_and_log_queries_are_refused_before_any_agent_call() {
    let (world, root) = services_world_as("root").await;
    let app = &world.tree.app;
    let d = world.tree.d;
    let bad_bodies = [
        (json!({"container_id": d, "unit": "../x"}), 422),
        (json!({"container_id": d, "unit": "a;b"}), 422),
        (json!({"container_id": d, "unit": ""}), 422),
        (json!({"container_id": d, "unit": "-x"}), 422),
        (json!({"container_id": d, "unit": "cron.socket"}), 422),
        (json!({"container_id": d, "unit": "x", "owner": "nobody"}), 422),
        (json!({"container_id": d, "unit": "x", "description": "line\nbreak"}), 422),
        (json!({"container_id": d, "unit": "x", "colour": "red"}), 422),
        (json!({"container_id": d, "unit": "web"}), 409),
        (json!({"container_id": 999999, "unit": "x"}), 404),
    ];
    for (body, expected) in &bad_bodies {
        let (status, answer) = send(app, Method::POST, "/services", &root, Some(body.clone())).await;
        assert_eq!(status, *expected, "{body}: {answer}");
    }
    let rows: Vec<_> = app.audit_rows_of("service.create").into_iter().collect();
    assert_eq!(rows.len(), bad_bodies.len(), "every refusal has its row");
    assert!(rows.iter().all(|row| row.outcome == "refused"), "{rows:?}");
    assert_eq!(list_ids(app, "/services", &root).await.len(), 4, "nothing was created");

    let sam = login(app, "sam").await;
    for query in ["lines=0", "lines=10001", "since=yesterday", "since=2026-11-23", "colour=red"] {
        let (status, body) = get_json(app, &format!("/services/{}/logs?{query}", world.web), &sam).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_input")), "{query}: {body}");
    }

    // A valid request does reach for the agent (down here): started, then failed.
    let (status, _) = send(app, Method::POST, "/services", &root, Some(json!({"container_id": d, "unit": "x"}))).await;
    assert_eq!(status, 503);
    let outcomes: Vec<String> =
        app.audit_rows_of("service.create").into_iter().skip(bad_bodies.len()).map(|row| row.outcome).collect();
    assert_eq!(outcomes, ["started", "failed"]);
}

#[tokio::test]
async fn container_owners_and_admins_give_services_owners_and_delete_them() {
    let (world, bob) = services_world_as("bob").await;
    let app = &world.tree.app;
    let alice = login(app, "alice").await;
    let sam = login(app, "sam").await;
    let bot = world.bot;

    let (status, body) =
        send(app, Method::PATCH, &format!("/services/{bot}"), &bob, Some(json!({"owner": "sam"}))).await;
    assert_eq!((status, body["owner"].as_str()), (200, Some("sam")), "{body}");
    assert!(list_ids(app, "/services", &sam).await.contains(&bot), "sam now sees bot");
    let (status, _) = get_json(app, &format!("/containers/{}", world.tree.c), &sam).await;
    assert_eq!(status, 404, "owning a service shows nothing of its container");

    let description = json!({"description": "Bob's Discord bot"});
    let (status, body) = send(app, Method::PATCH, &format!("/services/{bot}"), &bob, Some(description)).await;
    assert_eq!((status, body["description"].as_str()), (200, Some("Bob's Discord bot")));
    for bad in [json!({}), json!({"owner": "nobody"}), json!({"description": "x".repeat(201)}), json!({"unit": "y"})] {
        let (status, _) = send(app, Method::PATCH, &format!("/services/{bot}"), &bob, Some(bad.clone())).await;
        assert_eq!(status, 422, "{bad}");
    }
    let (status, _) = send(app, Method::PATCH, &format!("/services/{bot}"), &alice, Some(json!({"owner": null}))).await;
    assert_eq!(status, 404, "alice does not own c");
    assert_eq!(service_row(app, bot).unwrap().owner.as_deref(), Some("sam"));

    // alice owns a, so she manages the service on its child b, whoever owns it.
    let (status, _) =
        send(app, Method::PATCH, &format!("/services/{}", world.api), &alice, Some(json!({"owner": null}))).await;
    assert_eq!(status, 200);
    let (status, _) = send(app, Method::DELETE, &format!("/services/{bot}"), &bob, None).await;
    assert_eq!(status, 204);
    assert!(service_row(app, bot).is_none(), "the row is gone");
    let (status, _) = get_json(app, &format!("/services/{bot}"), &bob).await;
    assert_eq!(status, 404);
    let ada = login(app, "ada").await;
    let (status, _) = send(app, Method::DELETE, &format!("/services/{}", world.db), &ada, None).await;
    assert_eq!(status, 204, "admins manage every service");

    let ok: Vec<(String, String)> = app.audit_rows_where(
        |row| row.outcome == "ok" && row.action.starts_with("service."),
        |row| (row.actor, row.action),
    );
    let expected = [
        ("bob", "service.update"),
        ("bob", "service.update"),
        ("alice", "service.update"),
        ("bob", "service.delete"),
        ("ada", "service.delete"),
    ]
    .map(|(actor, action)| (actor.to_owned(), action.to_owned()));
    assert_eq!(ok, expected);
}

#[tokio::test]
async fn a_stopped_or_deleted_container_takes_its_services_status_with_it() {
    let world = services_world().await;
    let app = &world.tree.app;
    let mut connection = app.db.connect();
    let now = smp_panel::db::unix_now();
    assert_eq!(services::follow_container(&mut connection, world.tree.machine, "d", "running", now).unwrap(), 0);
    assert_eq!(services::follow_container(&mut connection, world.tree.machine, "d", "stopped", now).unwrap(), 2);
    assert_eq!(service_row(app, world.web).unwrap().status, "inactive");
    assert_eq!(service_row(app, world.bot).unwrap().status, "active", "another container's services stay");
    assert_eq!(services::follow_container(&mut connection, world.tree.machine, "d", "gone", now).unwrap(), 2);
    assert_eq!(service_row(app, world.db).unwrap().status, "gone");
}

#[tokio::test]
async fn a_machine_with_services_is_not_deleted_until_they_are() {
    let world = services_world().await;
    let app = &world.tree.app;
    let machine = add_machine(app, "m2");
    apply_listed(app, machine, &[("shared", ContainerStatus::Running)]);
    let shared = container_id(app, machine, "shared");
    let game = service(app, shared, "game.service", None);
    let root = login(app, "root").await;

    let response = app.with_session(Method::DELETE, &format!("/machines/{machine}"), &root).send().await.unwrap();
    assert_eq!(error_code(response).await, (409, "conflict".to_owned()));
    assert!(service_row(app, game).is_some());
    let (status, _) = send(app, Method::DELETE, &format!("/services/{game}"), &root, None).await;
    assert_eq!(status, 204);
    let response = app.with_session(Method::DELETE, &format!("/machines/{machine}"), &root).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn the_audit_rows_of_a_service_are_read_by_its_owner_and_its_containers_owner_only() {
    let (world, root) = services_world_as("root").await;
    let app = &world.tree.app;
    for id in [world.web, world.bot] {
        let body = json!({"description": "set by root"});
        let (status, _) = send(app, Method::PATCH, &format!("/services/{id}"), &root, Some(body)).await;
        assert_eq!(status, 200);
    }
    let rows_seen = |body: &Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|row| row["object"].as_str().unwrap().to_owned()).collect()
    };
    let expected = [
        ("sam", vec![format!("service:{}", world.web)]),
        ("bob", vec![format!("service:{}", world.bot)]),
        ("alice", vec![]),
    ];
    for (name, objects) in expected {
        let session = login(app, name).await;
        let (status, body) = get_json(app, "/audit?actor=root&action=service.update", &session).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(rows_seen(&body), objects, "{name}");
    }
}
