//! The accounts API over HTTP: login, sessions and CSRF, personal access
//! tokens, users, the audit rows each state-changing request writes, and the
//! error shape for bad requests.

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::db::tokens::{NewToken, TokenScope};
use smp_panel::db::users::UserId;

use crate::helpers::{TestApp, error_code, session_cookie, spawn_app};

const PASSWORD: &str = "a long enough passphrase";

async fn app_with_head_admin() -> (TestApp, i64) {
    let app = spawn_app().await;
    let id = app.user("root", Role::HeadAdmin, PASSWORD, true);
    (app, id)
}

/// `response` is the error `code` with `status`, and the last audit row is its refusal.
async fn assert_refused(app: &TestApp, response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(error_code(response).await, (status, code.to_owned()));
    let last = app.audit_rows().pop().unwrap();
    assert_eq!((last.outcome.as_str(), last.error_code.as_deref()), ("refused", Some(code)));
}

#[tokio::test]
async fn health_answers_ok_and_unknown_api_routes_answer_a_json_404() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let response = app.client.get(app.url("/no-such-thing")).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
}

#[tokio::test]
async fn login_sets_an_httponly_strict_cookie_that_works_for_me() {
    let (app, id) = app_with_head_admin().await;
    let response = app.login_response("root", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "loopback listen: no Secure by default: {set_cookie}");
    let cookie = session_cookie(&response).unwrap();
    let login: Value = response.json().await.unwrap();
    let me: Value =
        app.client.get(app.url("/me")).header("Cookie", &cookie).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["id"], id);
    assert_eq!(me["username"], "root");
    assert_eq!(me["role"], "head_admin");
    assert_eq!((me["approved"].clone(), me["disabled"].clone()), (json!(true), json!(false)));
    assert_eq!(me["csrf_token"], login["csrf_token"]);
    let rows = app.audit_rows();
    let row = rows.last().unwrap();
    assert_eq!((row.action.as_str(), row.outcome.as_str(), row.actor.as_str()), ("session.login", "ok", "root"));
    assert_eq!(row.object, format!("user:{id}"));
}

#[tokio::test]
async fn the_session_is_stored_only_as_a_hash() {
    let (app, _) = app_with_head_admin().await;
    let session = app.login("root", PASSWORD).await;
    let secret = session.cookie.strip_prefix("smp_session=").unwrap().to_owned();
    let dump = stored_text(&app, "SELECT id AS value FROM sessions");
    assert_eq!(dump.len(), 1);
    assert_ne!(dump[0], secret);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401_and_are_audited_as_refused() {
    let (app, _) = app_with_head_admin().await;
    let wrong = app.login_response("root", "not the password at all").await;
    assert!(session_cookie(&wrong).is_none());
    let wrong: (u16, Value) = (wrong.status().as_u16(), wrong.json().await.unwrap());
    let unknown = app.login_response("nobody", PASSWORD).await;
    let unknown: (u16, Value) = (unknown.status().as_u16(), unknown.json().await.unwrap());
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong.1["error"]["code"], "invalid_credentials");
    let rows = app.audit_rows();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!((row.action.as_str(), row.outcome.as_str()), ("session.login", "refused"));
        assert_eq!(row.error_code.as_deref(), Some("invalid_credentials"));
        assert_eq!((row.actor.as_str(), row.actor_id), ("anonymous", None));
    }
}

#[tokio::test]
async fn disabled_and_unapproved_users_cannot_log_in() {
    let app = spawn_app().await;
    app.user("waiting", Role::Member, PASSWORD, false);
    let response = app.login_response("waiting", PASSWORD).await;
    assert!(session_cookie(&response).is_none());
    assert_eq!(error_code(response).await, (403, "approval_pending".into()));

    let (app, _) = app_with_head_admin().await;
    let gone = app.user("gone", Role::Member, PASSWORD, true);
    let admin = app.login("root", PASSWORD).await;
    let response = app.send_json(Method::PATCH, &format!("/users/{gone}"), &admin, &json!({"disabled": true})).await;
    assert_eq!(response.status(), 200);
    let response = app.login_response("gone", PASSWORD).await;
    assert_refused(&app, response, 403, "account_disabled").await;
}

#[tokio::test]
async fn a_disabled_users_existing_session_stops_working() {
    let (app, _) = app_with_head_admin().await;
    let member = app.user("mia", Role::Member, PASSWORD, true);
    let mia = app.login("mia", PASSWORD).await;
    let admin = app.login("root", PASSWORD).await;
    app.with_session(Method::PATCH, &format!("/users/{member}"), &admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    // The disable ended her session for good (issue 13): not merely refused.
    let response = app.client.get(app.url("/me")).header("Cookie", &mia.cookie).send().await.unwrap();
    assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
    let response = app.login_response("mia", PASSWORD).await;
    assert_eq!(error_code(response).await, (403, "account_disabled".into()));
}

#[tokio::test]
async fn logout_revokes_the_session_so_the_old_cookie_gets_401() {
    let (app, _) = app_with_head_admin().await;
    let session = app.login("root", PASSWORD).await;
    let response = app.with_session(Method::POST, "/logout", &session).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let response = app.client.get(app.url("/me")).header("Cookie", &session.cookie).send().await.unwrap();
    assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
    let last = app.audit_rows().pop().unwrap();
    assert_eq!((last.action.as_str(), last.outcome.as_str()), ("session.logout", "ok"));
}

#[tokio::test]
async fn a_cookie_post_without_the_csrf_header_is_refused_changes_nothing_and_is_audited() {
    let (app, _) = app_with_head_admin().await;
    let session = app.login("root", PASSWORD).await;
    for csrf in [None, Some("wrong")] {
        let mut request = app
            .client
            .post(app.url("/users"))
            .header("Cookie", &session.cookie)
            .json(&json!({"username": "eve", "role": "member"}));
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        assert_eq!(error_code(request.send().await.unwrap()).await, (403, "csrf_failed".into()));
    }
    let users: Value = app.with_session(Method::GET, "/users", &session).send().await.unwrap().json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "no user was created");
    let rows = app.audit_rows();
    let refused: Vec<_> = rows.iter().filter(|row| row.action == "user.create").collect();
    assert_eq!(refused.len(), 2);
    for row in refused {
        assert_eq!(
            (row.outcome.as_str(), row.error_code.as_deref(), row.actor.as_str()),
            ("refused", Some("csrf_failed"), "root")
        );
    }
}

#[tokio::test]
async fn an_unauthenticated_state_changing_request_is_401_and_audited() {
    let app = spawn_app().await;
    let response =
        app.client.post(app.url("/users")).json(&json!({"username": "eve", "role": "member"})).send().await.unwrap();
    assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
    let row = app.audit_rows().pop().unwrap();
    assert_eq!(
        (row.action.as_str(), row.outcome.as_str(), row.actor.as_str()),
        ("user.create", "refused", "anonymous")
    );
}

#[tokio::test]
async fn a_personal_access_token_is_shown_once_works_is_stored_hashed_and_stops_working_when_revoked() {
    let (app, _) = app_with_head_admin().await;
    let session = app.login("root", PASSWORD).await;
    let response = app
        .send_json(
            Method::POST,
            "/tokens",
            &session,
            &json!({"name": "ci", "password": PASSWORD, "scope": "write", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("smp_") && token.len() > 40, "{token}");
    assert!(created["expires_at"].is_i64());

    let listed: Value = app.with_session(Method::GET, "/tokens", &session).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"][0]["name"], "ci");
    assert!(!listed.to_string().contains(&token) && listed["items"][0].get("token").is_none());

    let stored = stored_text(&app, "SELECT token_hash AS value FROM personal_access_tokens");
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&token) && !stored[0].contains(token.trim_start_matches("smp_")));

    let me = app.client.get(app.url("/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "root");
    assert!(me.get("csrf_token").is_none());
    // A bearer token needs no CSRF header, even to change state.
    let response = app
        .client
        .post(app.url("/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "bob", "role": "member", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let id = created["id"].as_i64().unwrap();
    let response = app.with_session(Method::DELETE, &format!("/tokens/{id}"), &session).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let response = app.client.get(app.url("/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
    let response = app.with_session(Method::DELETE, &format!("/tokens/{id}"), &session).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
    let actions: Vec<(String, String)> = app
        .audit_rows()
        .into_iter()
        .map(|row| (row.action, row.outcome))
        .filter(|(action, _)| action.starts_with("token."))
        .collect();
    assert_eq!(
        actions,
        [
            ("token.create".into(), "ok".into()),
            ("token.revoke".into(), "ok".into()),
            ("token.revoke".into(), "refused".into())
        ]
    );
}

#[tokio::test]
async fn an_admin_creates_a_member_who_cannot_list_or_patch_users() {
    let (app, root) = app_with_head_admin().await;
    app.user("ada", Role::Admin, PASSWORD, true);
    let admin = app.login("ada", PASSWORD).await;
    let response = app.send_json(Method::POST, "/users", &admin, &json!({"username": "mia", "role": "member"})).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!((created["role"].clone(), created["approved"].clone()), (json!("member"), json!(true)));
    let password = created["password"].as_str().expect("a generated password, shown once").to_owned();
    let mia_id = created["id"].as_i64().unwrap();
    let row = app.audit_rows().pop().unwrap();
    assert_eq!((row.action.as_str(), row.outcome.as_str()), ("user.create", "ok"));
    assert_eq!(row.object, format!("user:{mia_id}"));

    let mia = app.login("mia", &password).await;
    let response = app.with_session(Method::GET, "/users", &mia).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let response = app.send_json(Method::PATCH, &format!("/users/{root}"), &mia, &json!({"disabled": true})).await;
    let hidden = error_code(response).await;
    let response = app.send_json(Method::PATCH, "/users/999999", &mia, &json!({"disabled": true})).await;
    assert_eq!(hidden, error_code(response).await, "another user's account looks missing");
    assert_eq!(hidden, (404, "not_found".into()));
    let response = app.send_json(Method::PATCH, &format!("/users/{mia_id}"), &mia, &json!({"role": "admin"})).await;
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let row = app.audit_rows().pop().unwrap();
    assert_eq!(
        (row.action.as_str(), row.outcome.as_str(), row.error_code.as_deref()),
        ("user.update", "refused", Some("forbidden"))
    );
}

#[tokio::test]
async fn an_admin_cannot_make_an_admin_but_a_head_admin_can() {
    let (app, _) = app_with_head_admin().await;
    let member = app.user("mia", Role::Member, PASSWORD, true);
    app.user("ada", Role::Admin, PASSWORD, true);
    let admin = app.login("ada", PASSWORD).await;
    let response = app.send_json(Method::POST, "/users", &admin, &json!({"username": "al", "role": "admin"})).await;
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let response = app.send_json(Method::PATCH, &format!("/users/{member}"), &admin, &json!({"role": "admin"})).await;
    assert_eq!(error_code(response).await, (403, "forbidden".into()));
    let refused = app.audit_rows().into_iter().filter(|row| row.outcome == "refused").count();
    assert_eq!(refused, 2);

    let root = app.login("root", PASSWORD).await;
    let response = app
        .send_json(Method::POST, "/users", &root, &json!({"username": "al", "role": "admin", "password": PASSWORD}))
        .await;
    assert_eq!(response.status(), 201);
    assert!(response.json::<Value>().await.unwrap().get("password").is_none());
    let response = app.send_json(Method::PATCH, &format!("/users/{member}"), &root, &json!({"role": "admin"})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["role"], "admin");
    let response = app.send_json(Method::POST, "/users", &root, &json!({"username": "al", "role": "member"})).await;
    assert_eq!(error_code(response).await, (409, "conflict".into()));
}

#[tokio::test]
async fn malformed_json_unknown_fields_wrong_types_and_huge_bodies_get_4xx_with_a_code() {
    let (app, _) = app_with_head_admin().await;
    let session = app.login("root", PASSWORD).await;
    let huge = format!("{{\"username\":\"{}\",\"role\":\"member\"}}", "a".repeat(2 * 1024 * 1024));
    let bodies: [(&str, u16, &str); 6] = [
        ("{not json", 422, "invalid_input"),
        // The fields as an array, in order (serde's other form of a struct; found by fuzzing).
        (r#"["mallory","admin","a-long-enough-password"]"#, 422, "invalid_input"),
        (r#"{"username":"x","role":"member","shoe_size":42}"#, 422, "invalid_input"),
        (r#"{"username":12,"role":"member"}"#, 422, "invalid_input"),
        (r#"{"username":"x","role":"emperor"}"#, 422, "invalid_input"),
        (&huge, 413, "body_too_large"),
    ];
    for (body, status, code) in bodies {
        let response = app.send_body(Method::POST, "/users", &session, body.to_owned()).await;
        assert_eq!(error_code(response).await, (status, code.into()), "{}", &body[..body.len().min(60)]);
    }
    let response = app
        .client
        .post(app.url("/login"))
        .header("Content-Type", "application/json")
        .body(r#"{"username":"root","password":"x","extra":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, (422, "invalid_input".into()));
    let response = app.send_json(Method::PATCH, "/users/abc", &session, &json!({})).await;
    assert_eq!(error_code(response).await.0, 404);
}

/// One text column of every row `sql` selects (as `value`).
fn stored_text(app: &TestApp, sql: &str) -> Vec<String> {
    use diesel::RunQueryDsl as _;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let rows: Vec<Row> = diesel::sql_query(sql).load(&mut app.db.connect()).unwrap();
    rows.into_iter().map(|row| row.value).collect()
}

#[tokio::test]
async fn the_sixth_quick_login_attempt_from_one_address_is_rate_limited() {
    let (app, _) = app_with_head_admin().await;
    for _ in 0..5 {
        let response = app.login_response("root", "not the password at all").await;
        assert_eq!(response.status(), 401);
    }
    let response = app.login_response("root", PASSWORD).await;
    assert!(session_cookie(&response).is_none());
    assert_refused(&app, response, 429, "rate_limited").await;
}

#[tokio::test]
async fn an_expired_token_gets_401() {
    let (app, root) = app_with_head_admin().await;
    let token = "smp_expired_token_for_the_test";
    let hash = smp_panel::domain::credentials::hash_secret(token);
    let past = smp_panel::db::unix_now() - 1;
    let new =
        NewToken { user_id: UserId(root), name: "old", token_hash: &hash, scope: TokenScope::Write, expires_at: past };
    smp_panel::db::tokens::create(&mut app.db.connect(), &new).unwrap();
    let response = app.client.get(app.url("/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
}

#[tokio::test]
async fn nobody_can_disable_or_demote_their_own_account() {
    let (app, root) = app_with_head_admin().await;
    let session = app.login("root", PASSWORD).await;
    for change in [json!({"disabled": true}), json!({"role": "member"}), json!({"approved": false})] {
        let response = app.send_json(Method::PATCH, &format!("/users/{root}"), &session, &change).await;
        assert_eq!(error_code(response).await, (403, "forbidden".into()), "{change}");
    }
    let me = app.with_session(Method::GET, "/me", &session).send().await.unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn concurrent_logins_and_user_creations_all_succeed() {
    let (app, root) = app_with_head_admin().await;
    let logins = (0..5).map(|_| app.login_response("root", PASSWORD));
    for response in futures_join_all(logins).await {
        assert_eq!(response.status(), 200);
    }
    let session = "smp_a_token_made_for_this_test";
    let hash = smp_panel::domain::credentials::hash_secret(session);
    let expires_at = smp_panel::db::unix_now() + 3600;
    let new = NewToken { user_id: UserId(root), name: "t", token_hash: &hash, scope: TokenScope::Write, expires_at };
    smp_panel::db::tokens::create(&mut app.db.connect(), &new).unwrap();
    let creates = (0..8).map(|index| {
        app.client
            .post(app.url("/users"))
            .bearer_auth(session)
            .json(&json!({"username": format!("user{index}"), "role": "member", "password": PASSWORD}))
            .send()
    });
    for response in futures_join_all(creates).await {
        assert_eq!(response.unwrap().status(), 201);
    }
    assert_eq!(app.audit_rows().iter().filter(|row| row.action == "user.create" && row.outcome == "ok").count(), 8);
}

/// Awaits every future at once (no extra dependency).
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    std::future::poll_fn(|context| {
        let mut done = true;
        for slot in pending.iter_mut() {
            if let Some(future) = slot {
                match future.as_mut().poll(context) {
                    std::task::Poll::Ready(output) => {
                        outputs.push(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs
}

#[tokio::test]
async fn a_user_cannot_see_or_revoke_another_users_token() {
    let (app, _) = app_with_head_admin().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let root = app.login("root", PASSWORD).await;
    let created: Value = app
        .send_json(Method::POST, "/tokens", &root, &json!({"name": "root's", "password": PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    let mia = app.login("mia", PASSWORD).await;
    let listed: Value = app.with_session(Method::GET, "/tokens", &mia).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    let id = created["id"].as_i64().unwrap();
    let response = app.with_session(Method::DELETE, &format!("/tokens/{id}"), &mia).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
    let token = created["token"].as_str().unwrap();
    let response = app.client.get(app.url("/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "root's token still works");
}
