//! The containers API over HTTP: who sees which containers (trees of
//! ownership), filters, owner and parent assignment, gone containers, and the
//! actions' refusals, audit rows and errors when the agent is down. Also the
//! setup helpers (machines and containers written straight to the database)
//! that `machines_api` and `audit_api` reuse.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::db::containers::{self, ContainerId, ListFilter};
use smp_panel::db::machines::{self, MachineId, NewMachine};
use smp_panel::domain::secrets::PanelKey;
use smp_proto::api::{ContainerStatus, ContainerSummary};
use smp_proto::names::InstanceName;

use crate::helpers::{Session, TestApp, error_code, spawn_app};

pub(crate) const PASSWORD: &str = "a long enough passphrase";
/// The agent secret every test machine is stored with.
pub(crate) const AGENT_SECRET: &str = "agent-secret-0123456789abcdef0123456789";
/// LXD's creation time of the first instance of every test container.
pub(crate) const CREATED: &str = "2024-01-01T00:00:00Z";

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub(crate) fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The key the running panel seals secrets with.
pub(crate) fn panel_key(app: &TestApp) -> PanelKey {
    app.panel_key()
}

/// Stores machine `name` whose agent is down (a closed loopback port); returns its id.
pub(crate) fn add_machine(app: &TestApp, name: &str) -> i64 {
    let machine_name = InstanceName::parse(name).unwrap();
    let sealed = panel_key(app).seal(name, &SecretString::from(AGENT_SECRET)).unwrap();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let new = NewMachine { name: &machine_name, url: &url, key_id: "panel", secret: &sealed, fingerprint: None };
    machines::insert(&mut app.db.connect(), &new).unwrap().id.0
}

pub(crate) fn summary(name: &str, status: ContainerStatus, created_at: &str) -> ContainerSummary {
    ContainerSummary {
        name: name.to_owned(),
        status,
        addresses: Vec::new(),
        instance_type: "container".to_owned(),
        created_at: created_at.to_owned(),
        uuid: None,
    }
}

/// What a sync would store after the agent listed `list`.
pub(crate) fn apply(app: &TestApp, machine: i64, list: &[ContainerSummary]) {
    containers::apply_list(
        &mut app.db.connect(),
        MachineId(machine),
        list,
        containers::ASKED_AFTER_EVERY_WRITE,
        smp_panel::db::unix_now(),
    )
    .unwrap();
}

/// `apply` of the containers `listed` (name, status), each created at `CREATED`.
pub(crate) fn apply_listed(app: &TestApp, machine: i64, listed: &[(&str, ContainerStatus)]) {
    let list: Vec<ContainerSummary> = listed.iter().map(|(name, status)| summary(name, *status, CREATED)).collect();
    apply(app, machine, &list);
}

/// Every container row of `machine` named `name` (gone ones too), oldest first.
pub(crate) fn rows_named(app: &TestApp, machine: i64, name: &str) -> Vec<containers::Container> {
    let filter = ListFilter { machine_id: Some(machine), ..ListFilter::default() };
    let rows = containers::list(&mut app.db.connect(), None).unwrap();
    rows.into_iter().filter(|row| filter.matches(row) && row.name == name).collect()
}

/// The id of the live row of `name` on `machine`.
pub(crate) fn container_id(app: &TestApp, machine: i64, name: &str) -> i64 {
    rows_named(app, machine, name).into_iter().find(|row| !row.is_gone()).expect("a live row").id
}

pub(crate) fn row(app: &TestApp, id: i64) -> containers::Container {
    containers::get(&mut app.db.connect(), ContainerId(id)).unwrap().expect("the container row")
}

pub(crate) fn set_owner(app: &TestApp, id: i64, owner: Option<i64>) {
    containers::set_owner(&mut app.db.connect(), ContainerId(id), owner).unwrap();
}

pub(crate) fn set_parent(app: &TestApp, id: i64, parent: Option<i64>) {
    containers::set_parent(&mut app.db.connect(), ContainerId(id), parent).unwrap();
}

/// A panel with users root (head admin), ada (admin), alice and bob
/// (members), and machine `m1` (agent down) with four containers: alice owns
/// `a`; `b` is a's child owned by bob; bob owns `c`; nobody owns `d`.
/// `a` is stopped, the others run.
pub(crate) struct Tree {
    pub app: TestApp,
    pub machine: i64,
    pub alice: i64,
    pub bob: i64,
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub d: i64,
}

pub(crate) async fn tree() -> Tree {
    let app = spawn_app().await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    app.user("ada", Role::Admin, PASSWORD, true);
    let alice = app.user("alice", Role::Member, PASSWORD, true);
    let bob = app.user("bob", Role::Member, PASSWORD, true);
    let machine = add_machine(&app, "m1");
    let (stopped, running) = (ContainerStatus::Stopped, ContainerStatus::Running);
    apply_listed(&app, machine, &[("a", stopped), ("b", running), ("c", running), ("d", running)]);
    let [a, b, c, d] = ["a", "b", "c", "d"].map(|name| container_id(&app, machine, name));
    set_owner(&app, a, Some(alice));
    set_owner(&app, b, Some(bob));
    set_parent(&app, b, Some(a));
    set_owner(&app, c, Some(bob));
    Tree { app, machine, alice, bob, a, b, c, d }
}

/// The tree, with `username` signed in through the API.
pub(crate) async fn tree_as(username: &str) -> (Tree, Session) {
    let tree = tree().await;
    let session = tree.app.login(username, PASSWORD).await;
    (tree, session)
}

/// GET `path` as `session`: status and JSON body.
pub(crate) async fn get_json(app: &TestApp, path: &str, session: &Session) -> (u16, Value) {
    let response = app.with_session(Method::GET, path, session).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The ids of a list answer, in order.
pub(crate) fn ids(body: &Value) -> Vec<i64> {
    body["items"].as_array().expect("items").iter().map(|item| item["id"].as_i64().unwrap()).collect()
}

pub(crate) async fn list_ids(app: &TestApp, path: &str, session: &Session) -> Vec<i64> {
    let (status, body) = get_json(app, path, session).await;
    assert_eq!(status, 200, "{path}: {body}");
    let mut ids = ids(&body);
    ids.sort_unstable();
    ids
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

/// Status and raw body text of an answer.
async fn status_and_text(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Status and error code of an answer that must be PANEL.md's JSON error shape.
async fn json_error(response: reqwest::Response) -> (u16, String) {
    let (status, text) = status_and_text(response).await;
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}: the error body is not JSON: {}", &text[..text.len().min(200)]));
    let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error.code in {body}")).to_owned();
    assert!(body["error"]["message"].is_string(), "{body}");
    (status, code)
}

/// An audit row as (actor, action, outcome, error_code, machine).
type AuditFacts = (String, String, String, Option<String>, Option<String>);

fn audit_for(app: &TestApp, object: &str) -> Vec<AuditFacts> {
    app.audit_rows()
        .into_iter()
        .filter(|row| row.object == object)
        .map(|row| (row.actor, row.action, row.outcome, row.error_code, row.machine))
        .collect()
}

#[tokio::test]
async fn members_list_exactly_their_trees_and_admins_list_everything() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    let bob = app.login("bob", PASSWORD).await;
    let ada = app.login("ada", PASSWORD).await;
    let root = app.login("root", PASSWORD).await;
    assert_eq!(list_ids(app, "/containers", &alice).await, sorted(vec![t.a, t.b]));
    assert_eq!(list_ids(app, "/containers", &bob).await, sorted(vec![t.b, t.c]));
    assert_eq!(list_ids(app, "/containers", &ada).await, sorted(vec![t.a, t.b, t.c, t.d]));
    assert_eq!(list_ids(app, "/containers", &root).await, sorted(vec![t.a, t.b, t.c, t.d]));

    let (_, body) = get_json(app, "/containers", &alice).await;
    let item = body["items"].as_array().unwrap().iter().find(|item| item["id"] == t.b).unwrap().clone();
    assert_eq!(item["name"], "b");
    assert_eq!(item["machine"], "m1");
    assert_eq!(item["machine_id"], t.machine);
    assert_eq!(item["status"], "running");
    assert_eq!(item["owner"], "bob");
    assert_eq!(item["parent"], t.a);
    assert!(item["synced_at"].as_i64().unwrap() > 1_700_000_000, "{item}");
    let item = body["items"].as_array().unwrap().iter().find(|item| item["id"] == t.a).unwrap().clone();
    assert_eq!(
        (item["owner"].clone(), item["parent"].clone(), item["status"].clone()),
        (json!("alice"), Value::Null, json!("stopped"))
    );
    let (_, body) = get_json(app, "/containers", &ada).await;
    let d = body["items"].as_array().unwrap().iter().find(|item| item["id"] == t.d).unwrap().clone();
    assert_eq!(d["owner"], Value::Null, "an unowned container has owner null");
}

#[tokio::test]
async fn a_hidden_container_answers_exactly_like_a_missing_one() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    let hidden =
        status_and_text(app.with_session(Method::GET, &format!("/containers/{}", t.c), &alice).send().await.unwrap())
            .await;
    let missing =
        status_and_text(app.with_session(Method::GET, "/containers/999999", &alice).send().await.unwrap()).await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden.0, 404);
    let unowned =
        status_and_text(app.with_session(Method::GET, &format!("/containers/{}", t.d), &alice).send().await.unwrap())
            .await;
    assert_eq!(unowned, missing);

    let (status, body) = get_json(app, &format!("/containers/{}", t.b), &alice).await;
    assert_eq!((status, body["name"].clone()), (200, json!("b")), "alice sees her child container");
    let ada = app.login("ada", PASSWORD).await;
    for id in [t.a, t.b, t.c, t.d] {
        let (status, body) = get_json(app, &format!("/containers/{id}"), &ada).await;
        assert_eq!((status, body["id"].as_i64()), (200, Some(id)));
    }
    let response = app.with_session(Method::GET, "/containers/abc", &ada).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
}

#[tokio::test]
async fn the_list_filters_by_machine_owner_status_and_gone() {
    let t = tree().await;
    let app = &t.app;
    let other = add_machine(app, "m2");
    apply_listed(app, other, &[("e", ContainerStatus::Stopped)]);
    let e = container_id(app, other, "e");
    // d leaves m1: it is gone.
    let (stopped, running) = (ContainerStatus::Stopped, ContainerStatus::Running);
    apply_listed(app, t.machine, &[("a", stopped), ("b", running), ("c", running)]);
    let ada = app.login("ada", PASSWORD).await;
    assert_eq!(list_ids(app, &format!("/containers?machine_id={other}"), &ada).await, vec![e]);
    assert_eq!(
        list_ids(app, &format!("/containers?machine_id={}", t.machine), &ada).await,
        sorted(vec![t.a, t.b, t.c, t.d])
    );
    assert_eq!(list_ids(app, "/containers?owner=alice", &ada).await, vec![t.a]);
    assert_eq!(list_ids(app, "/containers?owner=bob", &ada).await, sorted(vec![t.b, t.c]));
    assert_eq!(list_ids(app, "/containers?owner=nobody", &ada).await, Vec::<i64>::new());
    assert_eq!(list_ids(app, "/containers?status=running", &ada).await, sorted(vec![t.b, t.c]));
    assert_eq!(list_ids(app, "/containers?status=gone", &ada).await, vec![t.d]);
    assert_eq!(list_ids(app, "/containers?gone=false", &ada).await, sorted(vec![t.a, t.b, t.c, e]));
    assert_eq!(list_ids(app, "/containers?gone=true", &ada).await, sorted(vec![t.a, t.b, t.c, t.d, e]));
    assert_eq!(
        list_ids(app, &format!("/containers?machine_id={}&status=running&owner=bob", t.machine), &ada).await,
        sorted(vec![t.b, t.c])
    );
    let bob = app.login("bob", PASSWORD).await;
    assert_eq!(list_ids(app, "/containers?owner=alice", &bob).await, Vec::<i64>::new(), "a filter reveals nothing");
    for query in ["?colour=blue", "?machine_id=abc", "?gone=maybe"] {
        let response = app.with_session(Method::GET, &format!("/containers{query}"), &ada).send().await.unwrap();
        assert_eq!(json_error(response).await, (422, "invalid_input".into()), "{query}");
    }
}

/// A member's filtered list still shows the children of her containers
/// that match, even when her own container (their parent) does not.
#[tokio::test]
async fn a_members_filtered_list_keeps_the_matching_descendants_of_her_containers() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    // a is stopped, its child b runs (owned by bob).
    assert_eq!(list_ids(app, "/containers?status=running", &alice).await, vec![t.b]);
    assert_eq!(list_ids(app, "/containers?owner=bob", &alice).await, vec![t.b]);
    assert_eq!(list_ids(app, "/containers?status=stopped", &alice).await, vec![t.a]);
}

#[tokio::test]
async fn an_admin_assigns_owner_and_parent_and_it_is_audited() {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let response = app
        .send_json(Method::PATCH, &format!("/containers/{}", t.d), &ada, &json!({"owner": "alice", "parent": t.a}))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!((body["owner"].clone(), body["parent"].clone()), (json!("alice"), json!(t.a)));
    let stored = row(app, t.d);
    assert_eq!((stored.owner_id, stored.parent_id), (Some(t.alice), Some(t.a)));
    let object = format!("container:{}", t.d);
    assert_eq!(
        audit_for(app, &object),
        vec![("ada".into(), "container.assign".into(), "ok".into(), None, Some("m1".into()))]
    );
    let alice = app.login("alice", PASSWORD).await;
    assert_eq!(list_ids(app, "/containers", &alice).await, sorted(vec![t.a, t.b, t.d]));

    // null clears.
    let response = app.send_json(Method::PATCH, &format!("/containers/{}", t.d), &ada, &json!({"owner": null})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["owner"], Value::Null);
    assert_eq!((row(app, t.d).owner_id, row(app, t.d).parent_id), (None, Some(t.a)), "only the owner changed");
    let response = app.send_json(Method::PATCH, &format!("/containers/{}", t.d), &ada, &json!({"parent": null})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(row(app, t.d).parent_id, None);
    assert_eq!(audit_for(app, &object).len(), 3);
}

#[tokio::test]
async fn a_member_cannot_assign_hidden_gets_404_own_gets_403_and_nothing_changes() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    let hidden =
        app.send_json(Method::PATCH, &format!("/containers/{}", t.c), &alice, &json!({"owner": "alice"})).await;
    let hidden = status_and_text(hidden).await;
    let missing = app.send_json(Method::PATCH, "/containers/999999", &alice, &json!({"owner": "alice"})).await;
    assert_eq!(hidden, status_and_text(missing).await);
    assert_eq!(hidden.0, 404);
    let own = app.send_json(Method::PATCH, &format!("/containers/{}", t.a), &alice, &json!({"owner": "bob"})).await;
    assert_eq!(error_code(own).await, (403, "forbidden".into()));
    assert_eq!(row(app, t.c).owner_id, Some(t.bob));
    assert_eq!(row(app, t.a).owner_id, Some(t.alice));
    assert_eq!(
        audit_for(app, &format!("container:{}", t.c)),
        vec![("alice".into(), "container.assign".into(), "refused".into(), Some("not_found".into()), None)]
    );
    let own_rows = audit_for(app, &format!("container:{}", t.a));
    assert_eq!(own_rows.len(), 1);
    assert_eq!(
        (own_rows[0].1.as_str(), own_rows[0].2.as_str(), own_rows[0].3.as_deref()),
        ("container.assign", "refused", Some("forbidden"))
    );
}

#[tokio::test]
async fn invalid_assignments_are_422_and_change_nothing() {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let before: Vec<_> = [t.a, t.b, t.c, t.d].map(|id| row(app, id)).to_vec();
    let cases = [
        (t.c, json!({"owner": "nobody"})),
        (t.c, json!({"owner": "Not A Name!"})),
        (t.c, json!({"owner": "alice", "parent": 999_999})),
        (t.a, json!({"parent": t.b})), // b is a's child: a cycle
        (t.a, json!({"owner": "bob", "parent": t.b})),
        (t.a, json!({"parent": t.a})),
        (t.c, json!({})),
        (t.c, json!({"owner": "alice", "colour": "blue"})),
        (t.c, json!({"owner": 12})),
        (t.c, json!({"parent": "a"})),
    ];
    for (id, body) in cases {
        let response = app.send_json(Method::PATCH, &format!("/containers/{id}"), &ada, &body).await;
        assert_eq!(json_error(response).await, (422, "invalid_input".into()), "{body}");
    }
    let after: Vec<_> = [t.a, t.b, t.c, t.d].map(|id| row(app, id)).to_vec();
    assert_eq!(before, after);
}

/// PANEL.md: every state-changing request, allowed or refused, writes one
/// audit row — also one refused for its body.
#[tokio::test]
async fn a_state_changing_request_refused_for_its_body_is_audited() {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let response = app
        .send_json(Method::PATCH, &format!("/containers/{}", t.c), &ada, &json!({"owner": "alice", "colour": "blue"}))
        .await;
    assert_eq!(json_error(response).await, (422, "invalid_input".into()));
    let response =
        app.send_json(Method::POST, &format!("/containers/{}/exec", t.c), &ada, &json!({"command": []})).await;
    assert_eq!(json_error(response).await, (422, "invalid_input".into()));
    let rows: Vec<_> = app
        .audit_rows_where(|row| row.action.starts_with("container."), |row| (row.action, row.outcome, row.error_code));
    assert_eq!(
        rows,
        vec![
            ("container.update".into(), "refused".into(), Some("invalid_input".into())),
            ("container.exec".into(), "refused".into(), Some("invalid_input".into())),
        ]
    );
}

#[tokio::test]
async fn a_container_that_leaves_its_machine_is_gone_and_a_new_one_of_the_same_name_is_a_new_row() {
    let t = tree().await;
    let app = &t.app;
    // a disappears.
    apply_listed(
        app,
        t.machine,
        &[("b", ContainerStatus::Running), ("c", ContainerStatus::Running), ("d", ContainerStatus::Running)],
    );
    let alice = app.login("alice", PASSWORD).await;
    let (status, body) = get_json(app, &format!("/containers/{}", t.a), &alice).await;
    assert_eq!(status, 200);
    assert_eq!((body["status"].clone(), body["owner"].clone()), (json!("gone"), json!("alice")));
    // c is recreated under the same name (another LXD instance).
    apply(
        app,
        t.machine,
        &[
            summary("b", ContainerStatus::Running, CREATED),
            summary("c", ContainerStatus::Running, "2024-06-01T00:00:00Z"),
            summary("d", ContainerStatus::Running, CREATED),
        ],
    );
    let rows = rows_named(app, t.machine, "c");
    assert_eq!(rows.len(), 2);
    let old = rows.iter().find(|row| row.id == t.c).unwrap();
    let new = rows.iter().find(|row| row.id != t.c).unwrap();
    assert_eq!((old.status.as_str(), old.owner_id), ("gone", Some(t.bob)));
    assert_eq!((new.status.as_str(), new.owner_id, new.parent_id), ("running", None, None));
    let bob = app.login("bob", PASSWORD).await;
    assert_eq!(list_ids(app, "/containers", &bob).await, sorted(vec![t.b, t.c]), "the new c is not bob's");
    assert_eq!(list_ids(app, "/containers?gone=false", &bob).await, vec![t.b]);
    // The live row of c is the new one.
    assert_eq!(container_id(app, t.machine, "c"), new.id);
}

async fn act(app: &TestApp, session: &Session, id: i64, verb: &str) -> reqwest::Response {
    let request = app.with_session(Method::POST, &format!("/containers/{id}/{verb}"), session);
    let request = if verb == "exec" { request.json(&json!({"command": ["uptime"]})) } else { request };
    request.send().await.unwrap()
}

#[tokio::test]
async fn actions_on_a_gone_container_are_409_and_audited_as_refused() {
    let t = tree().await;
    let app = &t.app;
    apply_listed(app, t.machine, &[("b", ContainerStatus::Running)]);
    let alice = app.login("alice", PASSWORD).await;
    for verb in ["start", "stop", "restart", "exec"] {
        let response = act(app, &alice, t.a, verb).await;
        assert_eq!(json_error(response).await, (409, "conflict".into()), "{verb}");
    }
    let rows = audit_for(app, &format!("container:{}", t.a));
    let expected: Vec<_> = ["start", "stop", "restart", "exec"]
        .iter()
        .map(|verb| {
            (
                "alice".to_owned(),
                format!("container.{verb}"),
                "refused".to_owned(),
                Some("conflict".to_owned()),
                Some("m1".to_owned()),
            )
        })
        .collect();
    assert_eq!(rows, expected);
    for path in ["state", "logs"] {
        let response =
            app.with_session(Method::GET, &format!("/containers/{}/{path}", t.a), &alice).send().await.unwrap();
        assert_eq!(json_error(response).await, (409, "conflict".into()), "{path}");
    }
}

#[tokio::test]
async fn actions_on_another_members_container_are_404_audited_and_never_attempted() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    for id in [t.c, t.d, 999_999] {
        for verb in ["start", "stop", "restart", "exec"] {
            let response = act(app, &alice, id, verb).await;
            assert_eq!(json_error(response).await, (404, "not_found".into()), "{verb} {id}");
        }
        for path in ["state", "logs"] {
            let response =
                app.with_session(Method::GET, &format!("/containers/{id}/{path}"), &alice).send().await.unwrap();
            assert_eq!(json_error(response).await, (404, "not_found".into()), "{path} {id}");
        }
    }
    let rows: Vec<_> = app.audit_rows().into_iter().filter(|row| row.action.starts_with("container.")).collect();
    assert_eq!(rows.len(), 12);
    for row in rows {
        assert_eq!(
            (row.actor.as_str(), row.outcome.as_str(), row.error_code.as_deref()),
            ("alice", "refused", Some("not_found"))
        );
        assert_eq!(row.machine, None, "a refused row names no machine of a hidden container");
    }
}

#[tokio::test]
async fn an_action_whose_agent_is_down_is_503_naming_the_machine_with_started_then_failed_rows() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    // b: alice's child container, owned by bob.
    for verb in ["start", "stop", "restart", "exec"] {
        let response = act(app, &alice, t.b, verb).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("agent_unavailable")), "{verb}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("m1"), "{body}");
    }
    let rows = audit_for(app, &format!("container:{}", t.b));
    let mut expected = Vec::new();
    for verb in ["start", "stop", "restart", "exec"] {
        let action = format!("container.{verb}");
        expected.push(("alice".to_owned(), action.clone(), "started".to_owned(), None, Some("m1".to_owned())));
        expected.push((
            "alice".to_owned(),
            action,
            "failed".to_owned(),
            Some("agent_unavailable".to_owned()),
            Some("m1".to_owned()),
        ));
    }
    assert_eq!(rows, expected);
    assert_eq!(row(app, t.b).status, "running", "nothing was recorded as done");
    let response = app.with_session(Method::GET, &format!("/containers/{}/state", t.b), &alice).send().await.unwrap();
    assert_eq!(json_error(response).await, (503, "agent_unavailable".into()));
}

#[tokio::test]
async fn bad_action_bodies_are_4xx_in_the_json_error_shape_never_500() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    let exec = format!("/containers/{}/exec", t.a);
    let stop = format!("/containers/{}/stop", t.a);
    let big = format!("{{\"command\":[\"{}\"]}}", "x".repeat(100 * 1024));
    let huge = format!("{{\"command\":[\"{}\"]}}", "x".repeat(300 * 1024));
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (&exec, r#"{"command":[]}"#.into(), 422, "invalid_input"),
        (&exec, "{not json".into(), 422, "invalid_input"),
        (&exec, r#"{"command":"uptime"}"#.into(), 422, "invalid_input"),
        (&exec, r#"{"command":["uptime"],"timeout_s":-1}"#.into(), 422, "invalid_input"),
        (&exec, r#"{"command":["uptime"],"shell":true}"#.into(), 422, "invalid_input"),
        (&exec, big.clone(), 413, "body_too_large"),
        (&exec, huge.clone(), 413, "body_too_large"),
        (&stop, "{not json".into(), 422, "invalid_input"),
        (&stop, r#"{"force":"yes"}"#.into(), 422, "invalid_input"),
        (&stop, r#"{"force":true,"colour":1}"#.into(), 422, "invalid_input"),
    ];
    for (path, body, status, code) in cases {
        let response = app.send_body(Method::POST, path, &alice, body.clone()).await;
        assert_eq!(json_error(response).await, (status, code.into()), "{path} {}", &body[..body.len().min(60)]);
    }
    let response =
        app.with_session(Method::POST, &exec, &alice).body(r#"{"command":["uptime"]}"#).send().await.unwrap();
    assert_eq!(json_error(response).await, (422, "invalid_input".into()), "no Content-Type");
    let response =
        app.with_session(Method::GET, &format!("/containers/{}/logs?lines=0", t.a), &alice).send().await.unwrap();
    assert_eq!(json_error(response).await, (422, "invalid_input".into()));
    assert_eq!(row(app, t.a).status, "stopped");
}

/// The 64 KiB limit holds for the optional bodies of stop and restart too:
/// an oversize one is refused before anything is sent to the agent.
#[tokio::test]
async fn an_oversize_stop_or_restart_body_is_413_body_too_large_and_not_attempted() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    let mut answers = Vec::new();
    for verb in ["stop", "restart"] {
        for kib in [100, 300] {
            let body = format!("{{\"force\":true{}}}", " ".repeat(kib * 1024));
            let response = app.send_body(Method::POST, &format!("/containers/{}/{verb}", t.a), &alice, body).await;
            let (status, text) = status_and_text(response).await;
            let code = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|body| body["error"]["code"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("not the JSON error shape: {}", &text[..text.len().min(80)]));
            answers.push((verb, kib, status, code));
        }
    }
    let expected: Vec<_> = ["stop", "restart"]
        .into_iter()
        .flat_map(|verb| [100, 300].map(|kib| (verb, kib, 413, "body_too_large".to_owned())))
        .collect();
    assert_eq!(answers, expected);
    assert!(!app.audit_rows().iter().any(|row| row.outcome == "started"), "nothing was sent to the agent");
}

#[tokio::test]
async fn the_audit_rows_of_an_exec_record_its_argv_cut_to_one_kib() {
    let (t, alice) = tree_as("alice").await;
    let app = &t.app;
    let exec = |argv: Value| {
        app.with_session(Method::POST, &format!("/containers/{}/exec", t.a), &alice).json(&json!({"command": argv}))
    };
    // The machine's agent is down: the exec is started, then fails.
    let response = exec(json!(["rm", "-rf", "/srv/old data"])).send().await.unwrap();
    assert_eq!(json_error(response).await, (503, "agent_unavailable".into()));
    let long = "x".repeat(3000);
    exec(json!(["echo", long])).send().await.unwrap();
    let rows: Vec<_> = app.audit_rows_of("container.exec").into_iter().collect();
    let details: Vec<(&str, Option<&str>)> =
        rows.iter().map(|row| (row.outcome.as_str(), row.detail.as_deref())).collect();
    assert_eq!(&details[..2], [("started", Some(r#"["rm","-rf","/srv/old data"]"#)), ("failed", details[1].1)]);
    assert_eq!(details[1].1, details[0].1, "the outcome row says what was run too");
    for row in &rows[2..] {
        let detail = row.detail.as_deref().unwrap();
        assert!(detail.len() <= 1024 && detail.starts_with(r#"["echo","xxx"#), "{}", detail.len());
        assert!(detail.ends_with("…[cut]"), "a cut argv says so");
    }
    assert_eq!(rows.len(), 4);
}

#[tokio::test]
async fn a_member_reads_that_others_ran_something_in_her_container_but_not_what() {
    let t = tree().await;
    let app = &t.app;
    let (alice, root) = (app.login("alice", PASSWORD).await, app.login("root", PASSWORD).await);
    for session in [&root, &alice] {
        let exec = app.with_session(Method::POST, &format!("/containers/{}/exec", t.a), session);
        exec.json(&json!({"command": ["sh", "-c", "echo s3cret"]})).send().await.unwrap();
    }
    let details = |session: &Session| {
        let request = app.with_session(Method::GET, "/audit?action=container.exec", session).send();
        async move {
            let body: Value = request.await.unwrap().json().await.unwrap();
            let mut rows: Vec<(String, Value)> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| (row["actor"].as_str().unwrap().to_owned(), row["detail"].clone()))
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            rows
        }
    };
    let argv = json!(r#"["sh","-c","echo s3cret"]"#);
    let theirs = vec![("alice".to_owned(), argv.clone()), ("alice".to_owned(), argv.clone())];
    let mine = vec![("root".to_owned(), Value::Null), ("root".to_owned(), Value::Null)];
    assert_eq!(details(&alice).await, [theirs.clone(), mine].concat(), "root's argv is not hers to read");
    let all = vec![("root".to_owned(), argv.clone()), ("root".to_owned(), argv)];
    assert_eq!(details(&root).await, [theirs, all].concat(), "an admin reads every argv");
}

#[tokio::test]
async fn the_list_comes_in_pages_that_follow_next_and_a_child_alone_on_a_later_page_stays_visible() {
    let (tree, alice) = tree_as("alice").await;
    let (status, first) = get_json(&tree.app, "/containers?limit=1", &alice).await;
    assert_eq!((status, ids(&first)), (200, vec![tree.a]));
    let next = first["next"].as_i64().expect("more follow");
    let (_, second) = get_json(&tree.app, &format!("/containers?limit=1&after={next}"), &alice).await;
    assert_eq!(ids(&second), [tree.b], "bob's child of her `a`, alone on its page, is still hers to see");
    assert!(second["next"].is_null(), "{second}");

    let root = tree.app.login("root", PASSWORD).await;
    let (mut seen, mut after, mut pages) = (Vec::new(), None::<i64>, 0);
    loop {
        let path = match after {
            Some(after) => format!("/containers?limit=3&after={after}"),
            None => "/containers?limit=3".to_owned(),
        };
        let (status, page) = get_json(&tree.app, &path, &root).await;
        assert_eq!(status, 200);
        assert!(ids(&page).len() <= 3);
        seen.extend(ids(&page));
        pages += 1;
        match page["next"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!((seen, pages), (vec![tree.a, tree.b, tree.c, tree.d], 2), "every container once, by id");
    let (_, all) = get_json(&tree.app, "/containers", &root).await;
    assert_eq!((ids(&all).len(), all["next"].is_null()), (4, true), "100 a page unless asked");
    let (_, filtered) = get_json(&tree.app, "/containers?limit=1&status=running&after=0", &root).await;
    assert_eq!(ids(&filtered), [tree.b], "the filter runs before the page is cut");
    for bad in ["limit=0", "limit=1001", "limit=x", "after=y"] {
        let response = tree.app.with_session(Method::GET, &format!("/containers?{bad}"), &root).send().await.unwrap();
        let (status, code) = error_code(response).await;
        assert!(matches!((status, code.as_str()), (422, "invalid_input") | (400, _)), "{bad}: {status} {code}");
    }
}
