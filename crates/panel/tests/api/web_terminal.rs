//! The terminal pages over HTTP, with the agent down (the browser tests run
//! them in Chromium on the real LXD): the per-answer style nonce in their
//! CSP, the one 404 page for who may not use the terminal, the container
//! page's Terminal section, a shared session's page for its owner and those
//! she invited only, the dashboard's list of shared sessions, and End.

use reqwest::Method;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::web::CONTENT_SECURITY_POLICY as PAGES_POLICY;

use crate::containers_api::{PASSWORD, tree};
use crate::services_api::service;
use crate::web_account::{forged_post, htmx_post, page, page_200, signed_in};

/// The nonce a terminal page's CSP allows, and that page's body.
async fn nonce_and_page(app: &crate::helpers::TestApp, path: &str, cookie: &str) -> (String, String) {
    let response = app.client.get(format!("{}{path}", app.address)).header("Cookie", cookie).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store", "a nonce is good for one answer");
    let csp = response.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_owned();
    assert_eq!(csp.replace(&format!(" 'nonce-{nonce}'"), ""), PAGES_POLICY, "only style-src changes");
    assert!(csp.contains(&format!("style-src 'self' 'nonce-{nonce}';")), "{csp}");
    (nonce, response.text().await.unwrap())
}

#[tokio::test]
async fn the_terminal_page_allows_styles_with_a_nonce_fresh_for_each_answer_and_no_inline_script() {
    let t = tree().await;
    let app = &t.app;
    let alice = signed_in(app, "alice").await;
    let path = format!("/containers/{}/terminal", t.a);
    let (first, html) = nonce_and_page(app, &path, &alice.cookie).await;
    let (second, _) = nonce_and_page(app, &path, &alice.cookie).await;
    assert_ne!(first, second, "a fresh nonce per answer");
    assert_eq!(first.len(), 32, "128 bits in hex");
    // The nonce is on the page's own script only; the page has no inline script or style.
    assert_eq!(html.matches(&first).count(), 1, "{html}");
    assert!(html.contains(&format!("<script src=\"/assets/terminal.js\" defer nonce=\"{first}\"></script>")), "{html}");
    assert!(!html.contains("<script>") && !html.contains("style=") && !html.contains("<style"), "{html}");
    assert!(html.contains(&format!("data-container=\"{}\" data-kind=\"shell\"", t.a)), "{html}");
    assert!(html.contains("id=\"terminal-reconnect\"") && html.contains("id=\"terminal-status\""), "{html}");
    assert!(html.contains(&format!("href=\"/containers/{}\"", t.a)), "a link back to the container: {html}");
    let console = page_200(app, &format!("{path}?mode=console"), &alice.cookie).await;
    assert!(console.contains("data-kind=\"console\""), "{console}");
    // Every other page keeps the policy without a nonce.
    let other = app.client.get(format!("{}/containers/{}", app.address, t.a)).header("Cookie", &alice.cookie);
    let other = other.send().await.unwrap();
    assert_eq!(other.headers()[CONTENT_SECURITY_POLICY], PAGES_POLICY);
}

#[tokio::test]
async fn xterm_and_the_terminal_script_are_embedded_and_served_with_their_types() {
    let t = tree().await;
    let app = &t.app;
    for (file, kind) in [
        ("xterm.js", "text/javascript"),
        ("addon-fit.js", "text/javascript"),
        ("terminal.js", "text/javascript"),
        ("xterm.css", "text/css"),
    ] {
        let answer = app.client.get(format!("{}/assets/{file}", app.address)).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{file}");
        assert!(answer.headers()[CONTENT_TYPE].to_str().unwrap().starts_with(kind), "{file}");
        let body = answer.bytes().await.unwrap();
        let shipped = std::fs::read(format!("{}/assets/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert_eq!(body.as_ref(), shipped.as_slice(), "{file} is the one in assets/");
    }
}

#[tokio::test]
async fn the_terminal_page_is_the_404_page_for_a_service_owner_a_bystander_and_a_missing_container() {
    let t = tree().await;
    let app = &t.app;
    let carol = app.user("carol", Role::Member, PASSWORD, true);
    service(app, t.d, "web.service", Some(carol));
    let alice = signed_in(app, "alice").await;
    let (missing_status, missing) = page(app, "/containers/999999/terminal", &alice.cookie).await;
    assert_eq!(missing_status, 404);
    assert_eq!(page(app, &format!("/containers/{}/terminal", t.c), &alice.cookie).await, (404, missing.clone()));
    let carol = signed_in(app, "carol").await;
    assert_eq!(page(app, &format!("/containers/{}/terminal", t.d), &carol.cookie).await, (404, missing));
    // Her own container's page offers the terminal; an admin's too.
    let html = page_200(app, &format!("/containers/{}", t.a), &alice.cookie).await;
    assert!(html.contains(&format!("href=\"/containers/{}/terminal\"", t.a)), "{html}");
    assert!(html.contains("Start a shared session"), "{html}");
    let admin = signed_in(app, "root").await;
    let html = page_200(app, &format!("/containers/{}", t.d), &admin.cookie).await;
    assert!(html.contains(&format!("href=\"/containers/{}/terminal\"", t.d)), "{html}");
}

#[tokio::test]
async fn a_shared_sessions_page_is_for_its_owner_and_those_she_invited_and_she_ends_it_from_the_container_page() {
    let t = tree().await;
    let app = &t.app;
    let alice = signed_in(app, "alice").await;
    let bob = signed_in(app, "bob").await;

    // Forged without the CSRF token: refused, nothing started.
    let start = format!("/containers/{}/terminal-sessions", t.a);
    assert_eq!(forged_post(app, &start, &alice.cookie, &[]).await, 403);
    let started = crate::web_account::htmx_send(app, &start, &alice, &[]).await;
    assert_eq!(started.status(), 200);
    let to = started.headers()["HX-Redirect"].to_str().unwrap().to_owned();
    let id = to.strip_prefix("/terminal-sessions/").expect("to the session's page").to_owned();

    let (_, html) = nonce_and_page(app, &to, &alice.cookie).await;
    assert!(html.contains(&format!("data-session=\"{id}\" data-owner=\"true\"")), "{html}");
    assert!(html.contains("id=\"invite-form\"") && html.contains("id=\"end-session\""), "her controls: {html}");

    // Bob is not invited: the 404 page of an unknown session.
    let (_, unknown) = page(app, "/terminal-sessions/000000000000", &bob.cookie).await;
    assert_eq!(page(app, &to, &bob.cookie).await, (404, unknown));
    // An admin who was not invited may know it exists (she may end it), not watch it.
    let admin = signed_in(app, "root").await;
    assert_eq!(page(app, &to, &admin.cookie).await.0, 403);
    assert!(!page_200(app, "/", &bob.cookie).await.contains(&to), "not on his dashboard");

    // Invited (through the API, as the page's script does), he joins without her controls.
    let path = format!("/terminal-sessions/{id}/participants/bob");
    let cookie_session = app.login("alice", PASSWORD).await;
    let invited = app.send_json(Method::PUT, &path, &cookie_session, &json!({"mode": "read"})).await;
    assert_eq!(invited.status(), 200, "{:?}", invited.json::<Value>().await);
    let (_, html) = nonce_and_page(app, &to, &bob.cookie).await;
    assert!(html.contains("data-owner=\"false\"") && !html.contains("id=\"invite-form\""), "{html}");
    assert!(html.contains("data-username=\"bob\""), "he is listed: {html}");
    let dashboard = page_200(app, "/", &bob.cookie).await;
    assert!(
        dashboard.contains(&format!("href=\"{to}\"")) && dashboard.contains("Join the session on a"),
        "{dashboard}"
    );

    // Her container page lists it with End; ending it takes it off the list.
    let container = page_200(app, &format!("/containers/{}", t.a), &alice.cookie).await;
    let end = format!("/containers/{}/terminal-sessions/{id}/end", t.a);
    assert!(container.contains(&format!("hx-post=\"{end}\"")), "{container}");
    assert!(container.contains("alice (owner), bob (read)"), "{container}");
    assert_eq!(forged_post(app, &end, &alice.cookie, &[]).await, 403);
    let (status, fragment) = htmx_post(app, &end, &bob, &[]).await;
    assert_eq!(status, 200);
    assert!(fragment.contains("You are not allowed to do this."), "only its owner ends it: {fragment}");
    let (status, fragment) = htmx_post(app, &end, &alice, &[]).await;
    assert_eq!(status, 200);
    assert!(fragment.contains("No open terminal sessions."), "{fragment}");
    let ended: Vec<_> = app.audit_rows_of("terminal_session.end").into_iter().map(|row| row.outcome).collect();
    assert_eq!(ended, ["refused", "refused", "ok"], "the forged one, bob's, hers");
}
