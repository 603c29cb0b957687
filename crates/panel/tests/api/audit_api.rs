//! `GET /api/v1/audit` over HTTP: admins read every row newest first, a
//! member her own actions and actions on the containers of her trees; the
//! filters, paging with `limit` and `before`, and refused parameters.

use reqwest::Method;
use serde_json::{Value, json};

use crate::containers_api::{PASSWORD, Tree, get_json, ids, tree_as};
use crate::helpers::{Session, TestApp, error_code};

async fn patch(app: &TestApp, session: &Session, id: i64, body: Value) -> u16 {
    let response = app.send_json(Method::PATCH, &format!("/containers/{id}"), session, &body).await;
    response.status().as_u16()
}

async fn post(app: &TestApp, session: &Session, path: &str) -> u16 {
    app.with_session(Method::POST, path, session).send().await.unwrap().status().as_u16()
}

/// A tree with some history: admins assign, alice and bob act (their agent is down).
async fn history() -> (Tree, Session, Session, Session) {
    let (t, ada) = tree_as("ada").await;
    let app = &t.app;
    let alice = app.login("alice", PASSWORD).await;
    let bob = app.login("bob", PASSWORD).await;
    assert_eq!(patch(app, &ada, t.a, json!({"owner": "alice"})).await, 200);
    assert_eq!(patch(app, &ada, t.b, json!({"parent": t.a})).await, 200);
    assert_eq!(patch(app, &ada, t.c, json!({"owner": "bob"})).await, 200);
    assert_eq!(patch(app, &ada, t.d, json!({"owner": null})).await, 200);
    assert_eq!(post(app, &alice, &format!("/containers/{}/start", t.a)).await, 503);
    assert_eq!(patch(app, &alice, t.c, json!({"owner": "alice"})).await, 404);
    assert_eq!(post(app, &bob, &format!("/containers/{}/restart", t.c)).await, 503);
    assert_eq!(post(app, &bob, &format!("/containers/{}/start", t.b)).await, 503);
    (t, ada, alice, bob)
}

/// The ids of `GET path` as `session`, in the order answered.
async fn audit_ids(app: &TestApp, path: &str, session: &Session) -> Vec<i64> {
    let (status, body) = get_json(app, path, session).await;
    assert_eq!(status, 200, "{path}: {body}");
    ids(&body)
}

/// The ids of the stored rows that `keep` selects, newest first.
fn expected(app: &TestApp, keep: impl Fn(&smp_panel::db::audit::AuditRow) -> bool) -> Vec<i64> {
    let mut rows: Vec<i64> = app.audit_rows().into_iter().filter(|row| keep(row)).map(|row| row.id).collect();
    rows.reverse();
    rows
}

#[tokio::test]
async fn an_admin_reads_every_row_newest_first_with_panel_md_fields() {
    let (t, ada, _, _) = history().await;
    let app = &t.app;
    let (status, body) = get_json(app, "/audit", &ada).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), expected(app, |_| true));
    assert_eq!(ids(&body).len(), 14, "3 logins, 4 assignments, 3 failed actions, 1 refusal: {body}");
    let newest = &body["items"][0];
    for field in ["id", "at", "actor", "action", "object", "machine", "outcome", "error_code"] {
        assert!(newest.get(field).is_some(), "{field} in {newest}");
    }
    assert_eq!(
        (newest["actor"].as_str(), newest["action"].as_str(), newest["outcome"].as_str()),
        (Some("bob"), Some("container.start"), Some("failed"))
    );
    assert_eq!((newest["machine"].as_str(), newest["error_code"].as_str()), (Some("m1"), Some("agent_unavailable")));
    assert_eq!(newest["object"], format!("container:{}", t.b));
    assert!(newest["at"].as_i64().unwrap() > 1_700_000_000);
    let root = app.login("root", PASSWORD).await;
    assert_eq!(audit_ids(app, "/audit", &root).await, expected(app, |_| true));
}

#[tokio::test]
async fn a_member_reads_her_own_actions_and_those_on_her_trees_only() {
    let (t, _, alice, bob) = history().await;
    let app = &t.app;
    let tree_of_alice = [format!("container:{}", t.a), format!("container:{}", t.b)];
    let want = expected(app, |row| row.actor_id == Some(t.alice) || tree_of_alice.contains(&row.object));
    let got = audit_ids(app, "/audit", &alice).await;
    assert_eq!(got, want);
    let (_, body) = get_json(app, "/audit", &alice).await;
    let seen: Vec<(String, String)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["actor"].as_str().unwrap().to_owned(), row["object"].as_str().unwrap().to_owned()))
        .collect();
    let c = format!("container:{}", t.c);
    let d = format!("container:{}", t.d);
    assert!(seen.contains(&("ada".into(), format!("container:{}", t.a))), "{seen:?}");
    assert!(seen.contains(&("bob".into(), format!("container:{}", t.b))), "bob's action on her child: {seen:?}");
    assert!(seen.contains(&("alice".into(), c.clone())), "her own refused attempt: {seen:?}");
    assert!(!seen.iter().any(|(actor, object)| actor != "alice" && (*object == c || *object == d)), "{seen:?}");
    assert!(
        !seen.iter().any(|(actor, object)| actor != "alice" && object.starts_with("user:")),
        "no one else's logins"
    );

    let tree_of_bob = [format!("container:{}", t.b), c.clone()];
    let want = expected(app, |row| row.actor_id == Some(t.bob) || tree_of_bob.contains(&row.object));
    assert_eq!(audit_ids(app, "/audit", &bob).await, want);

    // Filters narrow what she may see; they never widen it.
    let want = expected(app, |row| row.actor == "bob" && tree_of_alice.contains(&row.object));
    assert!(!want.is_empty());
    assert_eq!(audit_ids(app, "/audit?actor=bob", &alice).await, want);
    assert_eq!(
        audit_ids(app, "/audit?actor=ada&object=container:{}".replace("{}", &t.c.to_string()).as_str(), &alice).await,
        Vec::<i64>::new()
    );
    let want = expected(app, |row| row.object == c && row.actor_id == Some(t.alice));
    assert_eq!(want.len(), 1);
    assert_eq!(audit_ids(app, &format!("/audit?object={c}"), &alice).await, want);
}

#[tokio::test]
async fn the_filters_select_by_action_outcome_object_and_actor() {
    let (t, ada, _, _) = history().await;
    let app = &t.app;
    let c = format!("container:{}", t.c);
    assert_eq!(
        audit_ids(app, "/audit?action=container.assign", &ada).await,
        expected(app, |row| row.action == "container.assign")
    );
    assert_eq!(audit_ids(app, "/audit?outcome=failed", &ada).await, expected(app, |row| row.outcome == "failed"));
    assert_eq!(audit_ids(app, "/audit?outcome=refused", &ada).await, expected(app, |row| row.outcome == "refused"));
    assert_eq!(audit_ids(app, &format!("/audit?object={c}"), &ada).await, expected(app, |row| row.object == c));
    assert_eq!(audit_ids(app, "/audit?actor=bob", &ada).await, expected(app, |row| row.actor == "bob"));
    assert_eq!(
        audit_ids(app, "/audit?machine=m1", &ada).await,
        expected(app, |row| row.machine.as_deref() == Some("m1"))
    );
    let want = expected(app, |row| row.actor == "bob" && row.outcome == "started" && row.object == c);
    assert_eq!(want.len(), 1);
    assert_eq!(audit_ids(app, &format!("/audit?actor=bob&outcome=started&object={c}"), &ada).await, want);
    assert_eq!(audit_ids(app, "/audit?actor=nobody", &ada).await, Vec::<i64>::new());
    assert_eq!(audit_ids(app, "/audit?since=0", &ada).await, expected(app, |_| true));
}

#[tokio::test]
async fn pages_of_limit_rows_follow_next_before_to_the_end() {
    let (t, ada, alice, _) = history().await;
    let app = &t.app;
    for (session, all) in
        [(&ada, audit_ids(app, "/audit", &ada).await), (&alice, audit_ids(app, "/audit", &alice).await)]
    {
        let mut paged: Vec<i64> = Vec::new();
        let mut path = "/audit?limit=3".to_owned();
        loop {
            let (status, body) = get_json(app, &path, session).await;
            assert_eq!(status, 200, "{body}");
            let page = ids(&body);
            assert!(page.len() <= 3);
            paged.extend(&page);
            match body["next_before"].as_i64() {
                Some(before) => {
                    assert_eq!(Some(&before), page.last(), "next_before is the last id of the page");
                    path = format!("/audit?limit=3&before={before}");
                }
                None => {
                    assert!(page.len() < 3, "a full page says where the next one starts");
                    break;
                }
            }
            assert!(paged.len() <= all.len(), "paging ends");
        }
        assert_eq!(paged, all);
    }
    let (_, body) = get_json(app, "/audit?limit=1000", &ada).await;
    assert_eq!(body["next_before"], Value::Null);
}

#[tokio::test]
async fn out_of_range_limits_and_unknown_parameters_are_422() {
    let (t, ada, alice, _) = history().await;
    let app = &t.app;
    for query in ["limit=0", "limit=5000", "limit=-1", "limit=ten", "before=x", "colour=blue"] {
        for session in [&ada, &alice] {
            let response = app.with_session(Method::GET, &format!("/audit?{query}"), session).send().await.unwrap();
            assert_eq!(error_code(response).await, (422, "invalid_input".into()), "{query}");
        }
    }
    let response = app.client.get(app.url("/audit")).send().await.unwrap();
    assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
}
