//! Issue 13, items 2 and 9, over HTTP: personal access tokens are made only
//! from a browser session with the password typed again, expire within a
//! year and carry a scope (a `read` token changes nothing); a password change
//! (API or account page) and a disable end every token and every other
//! session for good; sign-up and the service-owner field answer a taken
//! username exactly as a free one.

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;

use crate::containers_api::{PASSWORD, tree};
use crate::helpers::{Session, TestApp, error_code, spawn_app, spawn_app_signed_in};
use crate::web_account::{browser, form_login, htmx_post, summary};

const NEW_PASSWORD: &str = "a brand new passphrase";
const DAY_S: i64 = 86_400;

/// `POST /api/v1/tokens` with the session cookie and its CSRF header.
async fn create_token(app: &TestApp, session: &Session, body: Value) -> reqwest::Response {
    app.send_json(Method::POST, "/tokens", session, &body).await
}

/// A token made the right way (the session, the password again); the token.
async fn token(app: &TestApp, session: &Session, password: &str, scope: &str) -> String {
    let response = create_token(app, session, json!({"name": scope, "password": password, "scope": scope})).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// The member alice, signed in through the API with a write token: her id,
/// session and token.
async fn alice_with_a_write_token(app: &TestApp) -> (i64, Session, String) {
    let id = app.user("alice", Role::Member, PASSWORD, true);
    let session = app.login("alice", PASSWORD).await;
    let write = token(app, &session, PASSWORD, "write").await;
    (id, session, write)
}

async fn live_tokens(app: &TestApp, session: &Session) -> Vec<Value> {
    let listed: Value = app.with_session(Method::GET, "/tokens", session).send().await.unwrap().json().await.unwrap();
    listed["items"].as_array().unwrap().clone()
}

async fn me_status_with_token(app: &TestApp, token: &str) -> u16 {
    app.client.get(app.url("/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

async fn me_status_with_session(app: &TestApp, session: &Session) -> u16 {
    app.with_session(Method::GET, "/me", session).send().await.unwrap().status().as_u16()
}

fn token_create_codes(app: &TestApp) -> Vec<(String, Option<String>)> {
    app.audit_rows_of("token.create").into_iter().map(|row| (row.outcome, row.error_code)).collect()
}

#[tokio::test]
async fn a_token_needs_the_password_again_and_a_browser_session_and_a_wrong_one_creates_nothing() {
    let (app, session) = spawn_app_signed_in("alice", Role::Member, PASSWORD).await;

    let wrong = create_token(&app, &session, json!({"name": "ci", "password": "not her password at all"})).await;
    assert_eq!(error_code(wrong).await, (403, "wrong_password".into()));
    let missing = create_token(&app, &session, json!({"name": "ci"})).await;
    assert_eq!(error_code(missing).await, (422, "invalid_input".into()));
    assert!(live_tokens(&app, &session).await.is_empty(), "nothing was created");

    // A write token cannot make another token, even with the right password.
    let write = token(&app, &session, PASSWORD, "write").await;
    let response = app
        .client
        .post(app.url("/tokens"))
        .bearer_auth(&write)
        .json(&json!({"name": "child", "password": PASSWORD, "scope": "write"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, (403, "session_required".into()));
    assert_eq!(live_tokens(&app, &session).await.len(), 1, "only the token made from the session");

    assert_eq!(
        token_create_codes(&app),
        [
            ("refused".to_owned(), Some("wrong_password".to_owned())),
            ("refused".to_owned(), Some("invalid_input".to_owned())),
            ("ok".to_owned(), None),
            ("refused".to_owned(), Some("session_required".to_owned())),
        ]
    );
    assert!(!format!("{:?}", app.audit_rows()).contains(PASSWORD), "the password never reaches the log");
}

#[tokio::test]
async fn five_wrong_passwords_typed_again_stop_further_guesses_even_the_right_one_for_a_while() {
    let (app, session) = spawn_app_signed_in("alice", Role::Member, PASSWORD).await;
    for guess in 0..5 {
        let body = json!({"name": "ci", "password": format!("guess number {guess} of many")});
        let response = create_token(&app, &session, body).await;
        assert_eq!(error_code(response).await, (403, "wrong_password".into()), "guess {guess}");
    }
    let right = create_token(&app, &session, json!({"name": "ci", "password": PASSWORD})).await;
    assert_eq!(error_code(right).await, (429, "rate_limited".into()));
    let change = json!({"current": PASSWORD, "new": NEW_PASSWORD});
    let response = app.send_json(Method::PUT, "/me/password", &session, &change).await;
    assert_eq!(error_code(response).await, (429, "rate_limited".into()), "the password change counts the same");
    assert!(live_tokens(&app, &session).await.is_empty(), "no token was made");
    assert_eq!(app.login_response("alice", PASSWORD).await.status(), 200, "the password did not change");
    let limited = app.audit_rows().iter().filter(|row| row.error_code.as_deref() == Some("rate_limited")).count();
    assert_eq!(limited, 2, "each refusal is audited");
}

#[tokio::test]
async fn a_token_expires_in_ninety_days_by_default_and_in_a_year_at_most_and_is_read_only_by_default() {
    let (app, session) = spawn_app_signed_in("alice", Role::Member, PASSWORD).await;

    for days in [0, 366, 3650] {
        let body = json!({"name": "long", "password": PASSWORD, "expires_in_days": days});
        let response = create_token(&app, &session, body).await;
        assert_eq!(error_code(response).await, (422, "invalid_input".into()), "{days} days");
    }
    let bad_scope = create_token(&app, &session, json!({"name": "x", "password": PASSWORD, "scope": "admin"})).await;
    assert_eq!(error_code(bad_scope).await, (422, "invalid_input".into()));
    assert!(live_tokens(&app, &session).await.is_empty());

    let now = smp_panel::db::unix_now();
    let response = create_token(&app, &session, json!({"name": "default", "password": PASSWORD})).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["scope"], "read");
    let expires_at = created["expires_at"].as_i64().expect("every token expires");
    assert!((now + 90 * DAY_S..=now + 90 * DAY_S + 60).contains(&expires_at), "{created}");

    let body = json!({"name": "year", "password": PASSWORD, "scope": "write", "expires_in_days": 365});
    assert_eq!(create_token(&app, &session, body).await.status(), 201);
    let listed = live_tokens(&app, &session).await;
    let shown: Vec<(&str, &str)> =
        listed.iter().map(|item| (item["name"].as_str().unwrap(), item["scope"].as_str().unwrap())).collect();
    assert_eq!(shown, [("default", "read"), ("year", "write")]);
    let year = listed[1]["expires_at"].as_i64().unwrap();
    assert!((now + 365 * DAY_S..=now + 365 * DAY_S + 60).contains(&year), "{listed:?}");
}

#[tokio::test]
async fn a_read_token_reads_but_every_state_changing_request_with_it_is_refused_audited_and_does_nothing() {
    let (app, session) = spawn_app_signed_in("root", Role::HeadAdmin, PASSWORD).await;
    let read = token(&app, &session, PASSWORD, "read").await;
    assert_eq!(me_status_with_token(&app, &read).await, 200);
    let listed = app.client.get(app.url("/users")).bearer_auth(&read).send().await.unwrap();
    assert_eq!(listed.status(), 200);

    let body = json!({"username": "bob", "role": "member", "password": PASSWORD});
    let response = app.client.post(app.url("/users")).bearer_auth(&read).json(&body).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "token_scope".into()));
    let ids = live_tokens(&app, &session).await;
    let id = ids[0]["id"].as_i64().unwrap();
    let response = app.client.delete(app.url(&format!("/tokens/{id}"))).bearer_auth(&read).send().await.unwrap();
    assert_eq!(error_code(response).await, (403, "token_scope".into()));
    assert_eq!(me_status_with_token(&app, &read).await, 200, "it did not revoke itself");

    let users: Value = app.with_session(Method::GET, "/users", &session).send().await.unwrap().json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "no user was created");
    let refused: Vec<_> = app.audit_rows_where(
        |row| row.error_code.as_deref() == Some("token_scope"),
        |row| (row.action, row.actor, row.outcome),
    );
    assert_eq!(
        refused,
        [
            ("user.create".to_owned(), "root".to_owned(), "refused".to_owned()),
            ("token.revoke".to_owned(), "root".to_owned(), "refused".to_owned())
        ]
    );

    let write = token(&app, &session, PASSWORD, "write").await;
    let response = app.client.post(app.url("/users")).bearer_auth(&write).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "a write token may");
}

#[tokio::test]
async fn a_password_change_through_the_api_ends_every_token_and_every_other_session_for_good() {
    let (app, this) = spawn_app_signed_in("alice", Role::Member, PASSWORD).await;
    let other = app.login("alice", PASSWORD).await;
    let read = token(&app, &this, PASSWORD, "read").await;
    let write = token(&app, &this, PASSWORD, "write").await;
    let change = |session: &Session, current: &str, new: &str| {
        app.with_session(Method::PUT, "/me/password", session).json(&json!({"current": current, "new": new})).send()
    };

    let response = change(&this, "not her password at all", NEW_PASSWORD).await.unwrap();
    assert_eq!(error_code(response).await, (403, "wrong_password".into()));
    let response = change(&this, PASSWORD, "short").await.unwrap();
    assert_eq!(error_code(response).await, (422, "invalid_input".into()));
    assert_eq!(me_status_with_token(&app, &write).await, 200, "a refused change changes nothing");
    assert_eq!(me_status_with_session(&app, &other).await, 200);
    assert_eq!(app.login_response("alice", PASSWORD).await.status(), 200, "the old password still works");

    let response = change(&this, PASSWORD, NEW_PASSWORD).await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!((answer["tokens_revoked"].as_i64(), answer["sessions_ended"].as_i64()), (Some(2), Some(2)));
    for token in [&read, &write] {
        assert_eq!(me_status_with_token(&app, token).await, 401);
    }
    assert_eq!(me_status_with_session(&app, &other).await, 401, "the other session ended");
    assert_eq!(me_status_with_session(&app, &this).await, 200, "the session that changed it stays");
    assert!(live_tokens(&app, &this).await.is_empty());
    assert_eq!(app.login_response("alice", PASSWORD).await.status(), 401);
    assert_eq!(app.login_response("alice", NEW_PASSWORD).await.status(), 200);

    let seen: Vec<_> = app.audit_rows_of("user.password").iter().map(|row| summary(row).1.to_owned()).collect();
    assert_eq!(seen, ["refused", "refused", "ok"]);
    assert!(!format!("{:?}", app.audit_rows()).contains(NEW_PASSWORD));
}

#[tokio::test]
async fn a_password_change_on_the_account_page_ends_her_tokens_too() {
    let (app, session) = spawn_app_signed_in("alice", Role::Member, PASSWORD).await;
    let write = token(&app, &session, PASSWORD, "write").await;
    let alice = browser(&app, "alice", PASSWORD).await;
    let right = [("current_password", PASSWORD), ("new_password", NEW_PASSWORD), ("new_password_again", NEW_PASSWORD)];
    let (status, html) = htmx_post(&app, "/account/password", &alice, &right).await;
    assert_eq!(status, 200);
    assert!(html.contains("Your password is changed."), "{html}");
    assert_eq!(me_status_with_token(&app, &write).await, 401, "the token ended with the old password");
    assert_eq!(form_login(&app, "alice", NEW_PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn disabling_a_user_ends_her_sessions_and_tokens_and_enabling_her_again_brings_none_back() {
    let (app, root) = spawn_app_signed_in("root", Role::HeadAdmin, PASSWORD).await;
    let (alice_id, alice, write) = alice_with_a_write_token(&app).await;
    assert_eq!((me_status_with_session(&app, &alice).await, me_status_with_token(&app, &write).await), (200, 200));

    for disabled in [true, false] {
        let response =
            app.send_json(Method::PATCH, &format!("/users/{alice_id}"), &root, &json!({"disabled": disabled})).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(me_status_with_session(&app, &alice).await, 401, "the session stays ended");
    assert_eq!(me_status_with_token(&app, &write).await, 401, "the token stays revoked");
    assert_eq!(app.login_response("alice", PASSWORD).await.status(), 200, "she may sign in again");

    // Unapproving ends them as well: re-approving brings nothing back.
    let again = app.login("alice", PASSWORD).await;
    for approved in [false, true] {
        let response =
            app.send_json(Method::PATCH, &format!("/users/{alice_id}"), &root, &json!({"approved": approved})).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(me_status_with_session(&app, &again).await, 401);
}

#[tokio::test]
async fn disabling_her_on_the_admin_page_ends_her_session_and_token_for_good_too() {
    let app = spawn_app().await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let (alice_id, alice, write) = alice_with_a_write_token(&app).await;
    let root = browser(&app, "root", PASSWORD).await;
    for disabled in ["true", "false"] {
        let form = [("disabled", disabled)];
        let (status, html) = htmx_post(&app, &format!("/admin/users/{alice_id}"), &root, &form).await;
        assert_eq!(status, 200, "{html}");
    }
    assert_eq!(me_status_with_session(&app, &alice).await, 401);
    assert_eq!(me_status_with_token(&app, &write).await, 401);
}

async fn signup(app: &TestApp, username: &str, password: &str) -> (u16, String) {
    let form = [("username", username), ("password", password), ("password_again", password)];
    let response = app.client.post(format!("{}/signup", app.address)).form(&form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn sign_up_answers_a_taken_username_exactly_as_a_free_one_and_changes_nothing_for_the_taken_one() {
    let app = spawn_app().await;
    app.user("alice", Role::Member, PASSWORD, true);
    let (taken_status, taken_page) = signup(&app, "alice", NEW_PASSWORD).await;
    let (free_status, free_page) = signup(&app, "newbie", NEW_PASSWORD).await;
    assert_eq!(taken_status, free_status);
    assert_eq!(free_status, 200);
    assert_eq!(taken_page.replace("alice", "NAME"), free_page.replace("newbie", "NAME"));
    assert!(free_page.contains("If the name") && free_page.contains("was free"), "{free_page}");

    assert_eq!(app.login_response("alice", PASSWORD).await.status(), 200, "alice's account is untouched");
    assert_eq!(error_code(app.login_response("alice", NEW_PASSWORD).await).await, (401, "invalid_credentials".into()));
    let rows = app.audit_rows_of("user.signup");
    let seen: Vec<_> = rows.iter().map(|row| (summary(row), row.object.as_str())).collect();
    assert_eq!(
        seen,
        [
            (("anonymous", "refused", Some("conflict")), "username:alice"),
            (("anonymous", "ok", None), "username:newbie")
        ]
    );
}

#[tokio::test]
async fn a_member_naming_a_service_owner_cannot_tell_unknown_unapproved_disabled_and_admin_names_apart() {
    let world = tree().await;
    let app = &world.app;
    app.user("una", Role::Member, PASSWORD, false);
    let dis = app.user("dis", Role::Member, PASSWORD, true);
    let mut connection = app.db.connect();
    let changes = smp_panel::db::users::UserChanges { disabled: Some(true), ..Default::default() };
    smp_panel::db::users::update(&mut connection, smp_panel::db::users::UserId(dis), changes).unwrap();
    let new = smp_panel::db::services::NewService {
        container: smp_panel::db::containers::ContainerId(world.c),
        unit: "bot.service",
        owner_id: None,
        description: "",
        status: "active",
    };
    let bot = smp_panel::db::services::create(&mut connection, &new, smp_panel::db::unix_now()).unwrap().0;
    let bob = app.login("bob", PASSWORD).await;

    let mut answers = Vec::new();
    for name in ["nobody", "una", "dis", "ada", "root", "not a name!"] {
        let patch = app.send_json(Method::PATCH, &format!("/services/{bot}"), &bob, &json!({"owner": name})).await;
        let create = app
            .send_json(
                Method::POST,
                "/services",
                &bob,
                &json!({"container_id": world.c, "unit": "web.service", "owner": name}),
            )
            .await;
        for response in [patch, create] {
            let status = response.status().as_u16();
            answers.push((name, status, response.text().await.unwrap()));
        }
    }
    let first = (answers[0].1, answers[0].2.clone());
    assert_eq!(first.0, 422, "{first:?}");
    for (name, status, body) in &answers {
        assert_eq!((*status, body), (first.0, &first.1), "{name}");
    }
    let service = smp_panel::db::services::get(&mut connection, smp_panel::db::services::ServiceId(bot)).unwrap();
    assert_eq!(service.unwrap().owner, None, "nobody became its owner");

    // An admin, who may list the users anyway, learns what is wrong.
    let root = app.login("root", PASSWORD).await;
    let response = app.send_json(Method::PATCH, &format!("/services/{bot}"), &root, &json!({"owner": "nobody"})).await;
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("nobody"), "{body}");
}

#[tokio::test]
async fn a_credential_checked_against_a_password_that_changed_or_an_account_disabled_meanwhile_is_not_written() {
    use smp_panel::db::users::{self, UserId};
    let app = spawn_app().await;
    let id = UserId(app.user("mia", Role::Member, PASSWORD, true));
    let mut connection = app.db.connect();
    let verified = users::find(&mut connection, id).unwrap().unwrap().password_hash;
    assert!(users::unchanged_since_check(&mut connection, id, &verified).unwrap(), "nothing changed");

    // A password change commits while Argon2 checks the old password for a
    // new token (or session, or password): the check's hash is stale.
    let other = smp_panel::domain::password::Password::parse("another long passphrase".into()).unwrap().hash().unwrap();
    users::set_password_hash(&mut connection, id, &other).unwrap();
    assert!(!users::unchanged_since_check(&mut connection, id, &verified).unwrap(), "the password changed");

    // A disable commits meanwhile (the hash the check saw is current).
    let response = app.login_response("mia", "another long passphrase").await;
    assert_eq!(response.status(), 200);
    let admin_id = app.user("root", Role::HeadAdmin, PASSWORD, true);
    let admin = app.login("root", PASSWORD).await;
    let disabled =
        app.with_session(Method::PATCH, &format!("/users/{}", id.0), &admin).json(&json!({"disabled": true}));
    assert_eq!(disabled.send().await.unwrap().status(), 200);
    assert!(!users::unchanged_since_check(&mut connection, id, &other).unwrap(), "the account is disabled");
    let admins = users::find(&mut connection, UserId(admin_id)).unwrap().unwrap().password_hash;
    assert!(users::unchanged_since_check(&mut connection, UserId(admin_id), &admins).unwrap(), "others are untouched");
}
