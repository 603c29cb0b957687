//! The web pages over HTTP (the browser tests drive them in Chromium): the
//! login form, the dashboard showing only the member's own trees, the one 404
//! page for hidden and missing containers, CSRF on actions, the security
//! headers, and the embedded assets.

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use smp_panel::Role;

use crate::containers_api::{PASSWORD, tree};
use crate::helpers::session_cookie;
use crate::web_account::{form_login, page, page_200};

#[tokio::test]
async fn the_login_form_signs_in_and_the_dashboard_shows_only_her_trees() {
    let t = tree().await;
    let app = &t.app;
    let signed_in = form_login(app, "alice", PASSWORD).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[LOCATION], "/");
    let cookie = session_cookie(&signed_in).expect("the login form sets the session cookie");

    let html = page_200(app, "/", &cookie).await;
    for (id, shown) in [(t.a, true), (t.b, true), (t.c, false), (t.d, false)] {
        assert_eq!(html.contains(&format!("href=\"/containers/{id}\"")), shown, "container {id}: {html}");
    }
    assert!(html.contains("depth-1"), "b is shown under its parent a");
    // The API accepts the same session.
    let me = app.client.get(app.url("/me")).header("Cookie", &cookie).send().await.unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn a_member_without_containers_is_told_whom_to_ask() {
    let app = crate::helpers::spawn_app().await;
    app.user("zoe", Role::Member, PASSWORD, true);
    let cookie = session_cookie(&form_login(&app, "zoe", PASSWORD).await).unwrap();
    let html = page_200(&app, "/", &cookie).await;
    assert!(html.contains("You own no containers yet — ask an admin."), "{html}");
}

#[tokio::test]
async fn wrong_passwords_and_unapproved_accounts_get_a_readable_message_and_no_session() {
    let app = crate::helpers::spawn_app().await;
    app.user("alice", Role::Member, PASSWORD, true);
    app.user("newbie", Role::Member, PASSWORD, false);
    let wrong = form_login(&app, "alice", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(session_cookie(&wrong).is_none());
    assert!(wrong.text().await.unwrap().contains("Wrong username or password."));
    let pending = form_login(&app, "newbie", PASSWORD).await;
    assert_eq!(pending.status(), 403);
    assert!(session_cookie(&pending).is_none());
    assert!(pending.text().await.unwrap().contains("waiting for an admin"));
}

#[tokio::test]
async fn pages_need_a_session_and_send_to_the_login_page() {
    let app = crate::helpers::spawn_app().await;
    for path in ["/", "/containers/1"] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()[LOCATION], "/login", "{path}");
    }
}

#[tokio::test]
async fn a_hidden_container_is_the_same_404_page_as_a_missing_one() {
    let t = tree().await;
    let app = &t.app;
    let cookie = session_cookie(&form_login(app, "alice", PASSWORD).await).unwrap();
    let missing = page(app, "/containers/999999", &cookie).await;
    let hidden = page(app, &format!("/containers/{}", t.c), &cookie).await;
    assert_eq!(missing.0, 404);
    assert_eq!(hidden, missing, "bob's container looks exactly like a missing one");
    assert_eq!(page(app, &format!("/containers/{}/status", t.c), &cookie).await.0, 404);
    let html = page_200(app, &format!("/containers/{}", t.a), &cookie).await;
    assert!(html.contains("hx-post=\"/containers/") && html.contains("/restart\""), "{html}");
}

#[tokio::test]
async fn an_action_on_a_hidden_container_from_the_pages_is_the_404_page_and_audited_as_refused() {
    let t = tree().await;
    let app = &t.app;
    let signed_in = form_login(app, "alice", PASSWORD).await;
    let cookie = session_cookie(&signed_in).unwrap();
    let me: serde_json::Value =
        app.client.get(app.url("/me")).header("Cookie", &cookie).send().await.unwrap().json().await.unwrap();
    let csrf = me["csrf_token"].as_str().unwrap();
    let (_, missing_page) = page(app, "/containers/999999", &cookie).await;
    let answer = app
        .client
        .post(format!("{}/containers/{}/restart", app.address, t.c))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.text().await.unwrap(), missing_page, "the one 404 page");
    let rows: Vec<_> = app.audit_rows_of("container.restart").into_iter().collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].outcome.as_str(), rows[0].error_code.as_deref()), ("refused", Some("not_found")));
    assert_eq!(rows[0].object, format!("container:{}", t.c));
}

#[tokio::test]
async fn a_forged_action_without_the_csrf_token_is_refused_and_nothing_is_attempted() {
    let t = tree().await;
    let app = &t.app;
    let cookie = session_cookie(&form_login(app, "alice", PASSWORD).await).unwrap();
    let forged = app
        .client
        .post(format!("{}/containers/{}/restart", app.address, t.a))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let rows = app.audit_rows();
    let restarts: Vec<_> = rows.iter().filter(|row| row.action == "container.restart").collect();
    assert_eq!(restarts.len(), 1, "{rows:?}");
    assert_eq!((restarts[0].outcome.as_str(), restarts[0].error_code.as_deref()), ("refused", Some("csrf_failed")));
    assert!(rows.iter().all(|row| row.outcome != "started"), "nothing was sent to an agent: {rows:?}");
}

#[tokio::test]
async fn pages_carry_a_strict_csp_no_inline_script_and_the_assets_are_embedded() {
    let t = tree().await;
    let app = &t.app;
    let login = app.client.get(format!("{}/login", app.address)).send().await.unwrap();
    let csp = login.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    let cookie = session_cookie(&form_login(app, "alice", PASSWORD).await).unwrap();
    for path in ["/login", "/", &format!("/containers/{}", t.a)] {
        let (_, html) = page(app, path, &cookie).await;
        assert!(!html.contains("<script>") && !html.contains("style=") && !html.contains(" onclick"), "{path}: {html}");
        assert!(!html.contains(PASSWORD));
    }
    let htmx = app.client.get(format!("{}/assets/htmx.min.js", app.address)).send().await.unwrap();
    assert_eq!(htmx.status(), 200);
    assert!(htmx.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    let body = htmx.bytes().await.unwrap();
    let shipped = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/htmx.min.js")).unwrap();
    assert_eq!(body.as_ref(), shipped.as_slice(), "the embedded htmx is the one in assets/");
    let (status, _) = page(app, "/assets/nope.js", &cookie).await;
    assert_eq!(status, 404);
}
