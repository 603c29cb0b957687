//! The machines API over HTTP (list, add, delete, sync, key rotation with the
//! agent down; never a secret in an answer or an audit row) and the quota
//! routes of users.

use diesel::RunQueryDsl as _;
use reqwest::Method;
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use smp_panel::db::machines::{self, MachineId};
use smp_panel::db::quotas;
use smp_panel::db::users::UserId;

use crate::containers_api::{
    AGENT_SECRET, PASSWORD, add_machine, apply_listed, closed_port, get_json, panel_key, set_owner, tree, tree_as,
};
use crate::helpers::{Session, TestApp, error_code};
use crate::machine_cli::raw_database;

const NEW_SECRET: &str = "brand-new-agent-secret-0123456789abcdefXYZ";

fn machine(app: &TestApp, id: i64) -> Option<machines::Machine> {
    machines::get(&mut app.db.connect(), MachineId(id)).unwrap()
}

fn machine_count(app: &TestApp) -> usize {
    machines::list(&mut app.db.connect()).unwrap().len()
}

/// Every column of every audit row, as text (NULL as empty).
fn audit_text(app: &TestApp) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let sql = "SELECT CAST(id AS TEXT) || '|' || CAST(at AS TEXT) || '|' || COALESCE(CAST(actor_id AS TEXT), '') \
               || '|' || actor || '|' || action || '|' || object || '|' || COALESCE(machine, '') || '|' || outcome \
               || '|' || COALESCE(error_code, '') || '|' || COALESCE(detail, '') AS value FROM audit_log";
    let rows: Vec<Row> = diesel::sql_query(sql).load(&mut app.db.connect()).unwrap();
    rows.into_iter().map(|row| row.value).collect()
}

/// `session` adds machine `m9` at a URL where nothing listens: the URL and the answer.
async fn add_m9(app: &TestApp, session: &Session) -> (String, reqwest::Response) {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let response = app.send_json(Method::POST, "/machines", session, &add_body("m9", &url)).await;
    (url, response)
}

fn assert_no_audit_row_holds(app: &TestApp, secret: &str) {
    for text in audit_text(app) {
        assert!(!text.contains(secret), "{text}");
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

fn add_body(name: &str, url: &str) -> Value {
    json!({"name": name, "url": url, "key_id": "panel", "secret": NEW_SECRET})
}

#[tokio::test]
async fn admins_list_machines_without_secrets_and_members_are_refused() {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let response = app.with_session(Method::GET, "/machines", &ada).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(!text.contains(AGENT_SECRET), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let item = &body["items"][0];
    assert_eq!(
        (item["id"].as_i64(), item["name"].as_str(), item["key_id"].as_str()),
        (Some(t.machine), Some("m1"), Some("panel"))
    );
    for field in ["url", "status", "last_sync_at"] {
        assert!(item.get(field).is_some(), "{field} in {item}");
    }
    assert!(item.get("secret").is_none() && !text.contains("secret_ciphertext"), "{item}");
    let (status, one) = get_json(app, &format!("/machines/{}", t.machine), &ada).await;
    assert_eq!((status, one["name"].as_str()), (200, Some("m1")));
    assert!(!one.to_string().contains(AGENT_SECRET) && one.get("secret").is_none());

    let alice = app.login("alice", PASSWORD).await;
    let response = app.with_session(Method::GET, "/machines", &alice).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let response = app.with_session(Method::GET, &format!("/machines/{}", t.machine), &alice).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
}

#[tokio::test]
async fn the_head_admin_adds_a_machine_whose_secret_is_stored_sealed() {
    let (t, root) = tree_as("root").await;
    let app = &t.app;
    let (url, response) = add_m9(app, &root).await;
    assert_eq!(response.status(), 201);
    let text = response.text().await.unwrap();
    assert!(!text.contains(NEW_SECRET), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (body["name"].as_str(), body["url"].as_str(), body["key_id"].as_str()),
        (Some("m9"), Some(url.as_str()), Some("panel"))
    );
    let id = body["id"].as_i64().unwrap();
    let stored = machine(app, id).unwrap();
    assert_eq!(stored.decrypt_secret(&panel_key(app)).unwrap().expose_secret(), NEW_SECRET);
    assert!(!contains(&stored.sealed_secret().ciphertext, NEW_SECRET));
    assert!(!contains(&raw_database(&app.db), NEW_SECRET), "the secret is nowhere in the database in clear");
    let outcomes: Vec<String> = app.audit_rows_of("machine.add").into_iter().map(|row| row.outcome).collect();
    assert_eq!(outcomes, ["started", "ok"], "the agent is asked who it is between the two rows");
    let row = app.audit_rows().into_iter().rfind(|row| row.action == "machine.add").unwrap();
    assert_eq!(row.actor, "root");
    assert_eq!((row.object, row.machine), (format!("machine:{id}"), Some("m9".to_owned())));
    assert_no_audit_row_holds(app, NEW_SECRET);
}

#[tokio::test]
async fn an_admin_cannot_add_a_machine_and_is_audited() {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let (_, response) = add_m9(app, &ada).await;
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    assert_eq!(machine_count(app), 1, "nothing inserted");
    let row = app.audit_rows().into_iter().find(|row| row.action == "machine.add").unwrap();
    assert_eq!(
        (row.actor.as_str(), row.outcome.as_str(), row.error_code.as_deref()),
        ("ada", "refused", Some("forbidden"))
    );
    assert_no_audit_row_holds(app, NEW_SECRET);
}

#[tokio::test]
async fn invalid_machines_are_refused_and_no_audit_row_holds_the_secret() {
    let (t, root) = tree_as("root").await;
    let app = &t.app;
    let local = format!("http://127.0.0.1:{}", closed_port());
    let cases = [
        (add_body("m9", "http://10.0.0.5:8443"), 422, "invalid_input"),
        (add_body("m9", "https://10.0.0.5:8443"), 422, "invalid_input"),
        (add_body("m9", "ftp://10.0.0.5:8443"), 422, "invalid_input"),
        (add_body("m9", "not a url"), 422, "invalid_input"),
        (json!({"name": "m9", "url": local, "key_id": "panel", "secret": "short"}), 422, "invalid_input"),
        (add_body("Bad Name!", &local), 422, "invalid_input"),
        (add_body("", &local), 422, "invalid_input"),
        (json!({"name": "m9", "url": local, "key_id": "bad key id", "secret": NEW_SECRET}), 422, "invalid_input"),
        (
            json!({"name": "m9", "url": local, "key_id": "panel", "secret": NEW_SECRET, "colour": 1}),
            422,
            "invalid_input",
        ),
        (json!({"name": "m9", "url": local, "key_id": "panel"}), 422, "invalid_input"),
        (add_body("m1", &local), 409, "conflict"),
    ];
    for (body, status, code) in &cases {
        let response = app.with_session(Method::POST, "/machines", &root).json(body).send().await.unwrap();
        let got = response.status().as_u16();
        let answer = response.text().await.unwrap();
        assert!(!answer.contains(NEW_SECRET), "{answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!((got, answer["error"]["code"].as_str()), (*status, Some(*code)), "{body}: {answer}");
    }
    assert_eq!(machine_count(app), 1, "nothing inserted");
    assert!(machine(app, t.machine).unwrap().url.starts_with("http://127.0.0.1:"), "m1 is untouched");
    let refused =
        app.audit_rows().into_iter().filter(|row| row.action == "machine.add" && row.outcome == "refused").count();
    assert!(refused >= 7, "the refusals past the JSON parsing are audited ({refused})");
    assert_no_audit_row_holds(app, NEW_SECRET);
    assert_no_audit_row_holds(app, "short");
}

#[tokio::test]
async fn a_machine_with_owned_containers_cannot_be_deleted_until_they_are_unassigned() {
    let (t, root) = tree_as("root").await;
    let app = &t.app;
    let path = format!("/machines/{}", t.machine);
    let response = app.with_session(Method::DELETE, &path, &root).send().await.unwrap();
    assert_eq!(error_code(response).await, (409, "conflict".into()));
    assert!(machine(app, t.machine).is_some());
    assert_eq!(crate::containers_api::rows_named(app, t.machine, "a").len(), 1);
    let ada = app.login("ada", PASSWORD).await;
    let response = app.with_session(Method::DELETE, &path, &ada).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "forbidden".into()), "admins do not delete machines");

    for id in [t.a, t.b, t.c] {
        set_owner(app, id, None);
    }
    let response = app.with_session(Method::DELETE, &path, &root).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(machine(app, t.machine).is_none());
    let (total, _) = smp_panel::db::containers::count_for_machine(&mut app.db.connect(), MachineId(t.machine)).unwrap();
    assert_eq!(total, 0, "its container rows are removed");
    let (status, body) = get_json(app, "/containers", &ada).await;
    assert_eq!((status, body["items"].clone()), (200, json!([])));
    let rows: Vec<_> =
        app.audit_rows_of("machine.delete").into_iter().map(|row| (row.actor, row.outcome, row.error_code)).collect();
    assert_eq!(
        rows,
        vec![
            ("root".into(), "refused".into(), Some("conflict".into())),
            ("ada".into(), "refused".into(), Some("forbidden".into())),
            ("root".into(), "ok".into(), None),
        ]
    );
    let response = app.with_session(Method::DELETE, &path, &root).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
}

#[tokio::test]
async fn a_sync_with_the_agent_down_is_503_and_marks_the_machine_unreachable() {
    let (t, root) = tree_as("root").await;
    let app = &t.app;
    let response =
        app.with_session(Method::POST, &format!("/machines/{}/sync", t.machine), &root).send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("agent_unavailable")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("m1"), "{body}");
    let stored = machine(app, t.machine).unwrap();
    assert_eq!(stored.status, "unreachable");
    assert!(stored.last_error.as_deref().is_some_and(|error| !error.is_empty()));
    assert!(!stored.last_error.unwrap().contains(AGENT_SECRET));
    let rows: Vec<_> =
        app.audit_rows_of("machine.sync").into_iter().map(|row| (row.outcome, row.error_code, row.machine)).collect();
    assert_eq!(
        rows,
        vec![
            ("started".into(), None, Some("m1".into())),
            ("failed".into(), Some("agent_unavailable".into()), Some("m1".into())),
        ]
    );
    // The containers are as they were: a failed sync marks nothing gone.
    let (_, body) = get_json(app, "/containers?gone=false", &root).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 4);

    let ada = app.login("ada", PASSWORD).await;
    let response = app.with_session(Method::POST, &format!("/machines/{}/sync", t.machine), &ada).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let response = app.with_session(Method::POST, "/machines/999999/sync", &root).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
}

#[tokio::test]
async fn rotating_the_key_of_a_machine_whose_agent_is_down_is_503_and_keeps_the_key() {
    let (t, root) = tree_as("root").await;
    let app = &t.app;
    let path = format!("/machines/{}/rotate-key", t.machine);
    let response = app.send_json(Method::POST, &path, &root, &json!({"key_id": "k2", "secret": NEW_SECRET})).await;
    let text = response.text().await.unwrap();
    assert!(!text.contains(NEW_SECRET), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "key_unverified", "{body}");
    let stored = machine(app, t.machine).unwrap();
    assert_eq!((stored.key_id.as_str(), stored.next_key_id()), ("panel", None));
    assert_eq!(stored.decrypt_secret(&panel_key(app)).unwrap().expose_secret(), AGENT_SECRET);
    let rows: Vec<_> =
        app.audit_rows_of("machine.rotate_key").into_iter().map(|row| (row.outcome, row.error_code)).collect();
    assert_eq!(rows, vec![("started".into(), None), ("failed".into(), Some("key_unverified".into()))]);
    assert_no_audit_row_holds(app, NEW_SECRET);
    // Bad input is refused before anything is staged.
    for bad in [json!({"key_id": "k2", "secret": "short"}), json!({"key_id": "bad id", "secret": NEW_SECRET})] {
        let response = app.send_json(Method::POST, &path, &root, &bad).await;
        assert_eq!(error_code(response).await, (422, "invalid_input".into()), "{bad}");
    }
    let ada = app.login("ada", PASSWORD).await;
    let response = app.send_json(Method::POST, &path, &ada, &json!({"key_id": "k2", "secret": NEW_SECRET})).await;
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    assert_eq!(machine(app, t.machine).unwrap().key_id, "panel");
}

#[tokio::test]
async fn quotas_are_set_by_admins_and_read_by_their_member() {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let quota = json!({"containers": 3, "cpu": 4, "memory_mb": 2048, "disk_mb": null});
    let response = app.send_json(Method::PUT, &format!("/users/{}/quota", t.alice), &ada, &quota).await;
    assert_eq!(response.status(), 200);
    // A body that leaves `forwards` out (a client older than it) gives none;
    // one that leaves `snapshots` out gives three.
    let quota = json!({"containers": 3, "cpu": 4, "memory_mb": 2048, "disk_mb": null, "forwards": 0, "snapshots": 3});
    assert_eq!(response.json::<Value>().await.unwrap(), quota);
    assert_eq!(get_json(app, &format!("/users/{}/quota", t.alice), &ada).await, (200, quota.clone()));
    let row = app.audit_rows().into_iter().find(|row| row.action == "user.quota").unwrap();
    assert_eq!((row.actor.as_str(), row.outcome.as_str(), row.object), ("ada", "ok", format!("user:{}", t.alice)));
    // Bob has none of his own: the configured default, nothing but three snapshots.
    let nothing = json!({"containers": 0, "cpu": 0, "memory_mb": 0, "disk_mb": 0, "forwards": 0, "snapshots": 3});
    assert_eq!(get_json(app, &format!("/users/{}/quota", t.bob), &ada).await, (200, nothing));

    let alice = app.login("alice", PASSWORD).await;
    assert_eq!(get_json(app, &format!("/users/{}/quota", t.alice), &alice).await, (200, quota.clone()));
    let hidden = app.with_session(Method::GET, &format!("/users/{}/quota", t.bob), &alice).send().await.unwrap();
    let missing = app.with_session(Method::GET, "/users/999999/quota", &alice).send().await.unwrap();
    let hidden = (hidden.status().as_u16(), hidden.text().await.unwrap());
    assert_eq!(hidden, (missing.status().as_u16(), missing.text().await.unwrap()));
    assert_eq!(hidden.0, 404);

    let more = json!({"containers": 100, "cpu": null, "memory_mb": null, "disk_mb": null});
    let response = app.send_json(Method::PUT, &format!("/users/{}/quota", t.alice), &alice, &more).await;
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let response = app.send_json(Method::PUT, &format!("/users/{}/quota", t.bob), &alice, &more).await;
    assert_eq!(error_code(response).await, (404, "not_found".into()));
    let stored = quotas::stored(&mut app.db.connect(), UserId(t.alice)).unwrap().unwrap();
    assert_eq!((stored.containers, stored.cpu, stored.memory_mb, stored.disk_mb), (Some(3), Some(4), Some(2048), None));
    assert_eq!(quotas::stored(&mut app.db.connect(), UserId(t.bob)).unwrap(), None);

    for bad in [
        json!({"containers": -1, "cpu": null, "memory_mb": null, "disk_mb": null}),
        json!({"containers": 1, "cpu": null, "memory_mb": -5, "disk_mb": null}),
        json!({"containers": 1, "gpus": 2}),
        json!({"containers": "many"}),
    ] {
        let response = app.send_json(Method::PUT, &format!("/users/{}/quota", t.alice), &ada, &bad).await;
        assert_eq!(error_code(response).await, (422, "invalid_input".into()), "{bad}");
    }
    let stored = quotas::stored(&mut app.db.connect(), UserId(t.alice)).unwrap().unwrap();
    assert_eq!(stored.containers, Some(3), "nothing changed");
    let response = app.send_json(Method::PUT, "/users/999999/quota", &ada, &more).await;
    assert_eq!(error_code(response).await, (404, "not_found".into()));
}

/// Keeps the helpers honest: a container on a second machine is counted
/// for that machine only.
#[tokio::test]
async fn deleting_one_machine_leaves_the_containers_of_another() {
    let t = tree().await;
    let app = &t.app;
    let other = add_machine(app, "m2");
    apply_listed(app, other, &[("e", smp_proto::api::ContainerStatus::Running)]);
    let root = app.login("root", PASSWORD).await;
    let response = app.with_session(Method::DELETE, &format!("/machines/{other}"), &root).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let (_, body) = get_json(app, "/containers", &root).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 4);
}
