//! Signing in with an LDAP directory (issue 18) against a real OpenLDAP
//! `slapd` that each test starts in its own directory on a loopback port and
//! seeds with `ldapadd` (people, a service account, two groups): accounts
//! made at the first sign-in with their group's role, wrong passwords and
//! filter injection refused, a member taken out of her group losing her
//! session, the head admin signing in while the directory is down, LDAPS
//! with a CA made by the test. `scripts/setup-ldap.sh` installs slapd.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use smp_panel::Role;
use smp_panel::app::ldap::{Directory, Verdict};
use smp_panel::domain::ldap::LdapConfig;

use crate::helpers::{TestApp, error_code, session_cookie, spawn_app_with};
use crate::slapd::{ADMINS, MEMBERS, PASSWORD, SUFFIX, Slapd};
use crate::web_account::form_login;

async fn panel_with(slapd: &Slapd, extra: &str) -> TestApp {
    spawn_app_with(&slapd.panel_settings(extra)).await
}

/// The users as the head admin's `GET /users` lists them: name → (role, auth_method).
async fn users_seen_by_admin(app: &TestApp) -> serde_json::Value {
    let session = app.login("root", "the head admin passphrase").await;
    let response = app.with_session(reqwest::Method::GET, "/users", &session).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn find<'a>(users: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == name)
        .unwrap_or_else(|| panic!("{name}: {users}"))
}

#[tokio::test]
async fn a_directory_user_signs_in_and_gets_an_approved_account_with_her_groups_role() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    app.user("root", Role::HeadAdmin, "the head admin passphrase", true);
    let started = Instant::now();
    app.login("ada", PASSWORD).await;
    app.login("mia", PASSWORD).await;
    eprintln!("two first LDAP sign-ins took {:?}", started.elapsed());
    let users = users_seen_by_admin(&app).await;
    let (ada, mia, root) = (find(&users, "ada"), find(&users, "mia"), find(&users, "root"));
    assert_eq!(
        (ada["role"].as_str(), ada["auth_method"].as_str(), ada["approved"].as_bool()),
        (Some("admin"), Some("ldap"), Some(true))
    );
    assert_eq!((mia["role"].as_str(), mia["auth_method"].as_str()), (Some("member"), Some("ldap")));
    assert_eq!(root["auth_method"], "local");
    // Moved to the admins' group, she is an admin at her next sign-in.
    slapd.ldif(
        "ldapmodify",
        &format!("dn: {ADMINS}\nchangetype: modify\nadd: member\nmember: uid=mia,ou=people,{SUFFIX}\n"),
    );
    app.login("mia", PASSWORD).await;
    assert_eq!(find(&users_seen_by_admin(&app).await, "mia")["role"], "admin");
    let logins = app.audit_rows_of("session.login");
    let ok_ldap = logins.iter().filter(|row| row.detail.as_deref() == Some("method=ldap totp=off")).count();
    assert!(ok_ldap >= 3, "each directory sign-in is audited with its method: {logins:?}");
    assert!(logins.iter().any(|row| row.actor == "root" && row.detail.as_deref() == Some("method=local totp=off")));
}

#[tokio::test]
async fn a_wrong_password_an_empty_one_and_a_filter_injection_in_the_username_are_refused() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    for (username, password) in [("mia", "not her passphrase"), ("mia", ""), ("*)(uid=*", PASSWORD), ("*", PASSWORD)] {
        let (status, code) = error_code(app.login_response(username, password).await).await;
        assert_eq!((status, code.as_str()), (401, "invalid_credentials"), "{username:?} / {password:?}");
    }
    // The directory client itself escapes: the injection matches nobody in the real directory.
    let config: LdapConfig = smp_panel::Config::from_toml(&slapd.panel_settings("")).unwrap().ldap.unwrap();
    let directory = Directory::new(config).unwrap();
    for username in ["*)(uid=*", "*", "mia)(|(uid=*"] {
        assert_eq!(directory.authenticate(username, PASSWORD).await.unwrap(), Verdict::NoAccount, "{username}");
    }
    // Her password is the directory's: the panel does not change it.
    let session = app.login("mia", PASSWORD).await;
    let change = app
        .with_session(reqwest::Method::PUT, "/me/password", &session)
        .json(&serde_json::json!({"current": PASSWORD, "new": "another long passphrase"}))
        .send()
        .await
        .unwrap();
    let (status, body) = (change.status().as_u16(), change.text().await.unwrap());
    assert!(status == 422 && body.contains("change its password there"), "{status} {body}");
    let Verdict::Found { role, password_ok, .. } = directory.authenticate("mia", PASSWORD).await.unwrap() else {
        panic!("mia is in the directory")
    };
    assert_eq!((role, password_ok), (Some(Role::Member), true));
    assert_eq!(app.audit_rows_of("session.login").iter().filter(|row| row.outcome.as_str() == "refused").count(), 4);
}

#[tokio::test]
async fn a_member_taken_out_of_her_group_loses_her_session_and_cannot_sign_in_again() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "recheck_interval_s = 1").await;
    let session = app.login("bob", PASSWORD).await;
    let me = || app.with_session(reqwest::Method::GET, "/me", &session).send();
    assert_eq!(me().await.unwrap().status(), 200);
    slapd.ldif(
        "ldapmodify",
        &format!("dn: {MEMBERS}\nchangetype: modify\ndelete: member\nmember: uid=bob,ou=people,{SUFFIX}\n"),
    );
    // The periodic check (every second here) ends her session.
    let deadline = Instant::now() + Duration::from_secs(15);
    while me().await.unwrap().status() == 200 {
        assert!(Instant::now() < deadline, "her session still works 15 s after she left every mapped group");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(me().await.unwrap().status(), 401);
    let (status, code) = error_code(app.login_response("bob", PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"), "right password, no mapped group");
    let form = form_login(&app, "bob", PASSWORD).await;
    assert_eq!(form.status(), 403);
    let page = form.text().await.unwrap();
    assert!(page.contains("in no group that may use this panel"), "the login page says why: {page}");
    let name = smp_panel::Username::parse("bob").unwrap();
    let bob = smp_panel::db::users::find_by_username(&mut app.db.connect(), &name).unwrap().unwrap();
    assert!(bob.disabled, "disabled by the directory: SSH and terminals refuse her too");
    // Back in the group, she signs in again: the directory's disable was the directory's.
    slapd.ldif(
        "ldapmodify",
        &format!("dn: {MEMBERS}\nchangetype: modify\nadd: member\nmember: uid=bob,ou=people,{SUFFIX}\n"),
    );
    app.login("bob", PASSWORD).await;
    let revokes = app.audit_rows_of("session.revoke");
    assert!(
        revokes.iter().any(|row| row.detail.as_deref() == Some("method=ldap reason=in no mapped group")),
        "{revokes:?}"
    );
}

#[tokio::test]
async fn a_user_deleted_from_the_directory_loses_her_sessions_at_the_next_sign_in_attempt() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    let session = app.login("mia", PASSWORD).await;
    slapd.ldif("ldapmodify", &format!("dn: uid=mia,ou=people,{SUFFIX}\nchangetype: delete\n"));
    let (status, code) = error_code(app.login_response("mia", PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (401, "invalid_credentials"));
    let response = app.with_session(reqwest::Method::GET, "/me", &session).send().await.unwrap();
    assert_eq!(response.status(), 401, "her session ended with her directory entry");
    let revokes = app.audit_rows_of("session.revoke");
    assert!(
        revokes.iter().any(|row| row.actor == "directory"
            && row.detail.as_deref() == Some("method=ldap reason=gone from the directory")),
        "{revokes:?}"
    );
}

#[tokio::test]
async fn the_head_admin_signs_in_while_the_directory_is_down_and_directory_users_get_a_readable_error() {
    let mut slapd = Slapd::start(false);
    let app = panel_with(&slapd, "connect_timeout_s = 2\noperation_timeout_s = 2").await;
    app.user("root", Role::HeadAdmin, "the head admin passphrase", true);
    let signed_in = form_login(&app, "mia", PASSWORD).await;
    assert_eq!(signed_in.status(), 303, "the login form signs a directory user in");
    assert!(session_cookie(&signed_in).is_some());
    slapd.stop();
    // Five attempts in all from this address: the login limit's burst.
    assert_eq!(form_login(&app, "root", "the head admin passphrase").await.status(), 303);
    let form = form_login(&app, "mia", PASSWORD).await;
    assert_eq!(form.status(), 503);
    let page = form.text().await.unwrap();
    assert!(page.contains("directory (LDAP) cannot be reached"), "a readable page: {page}");
    for username in ["mia", "newcomer"] {
        let started = Instant::now();
        let response = app.login_response(username, PASSWORD).await;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("directory_unavailable")), "{username}");
        assert!(body["error"]["message"].as_str().unwrap().contains("directory"), "{body}");
        assert!(started.elapsed() < Duration::from_secs(10), "bounded by the timeouts: {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn ldaps_and_starttls_with_the_configured_test_ca_sign_in_and_without_it_the_directory_is_unavailable() {
    let slapd = Slapd::start(true);
    let (tls_port, ca) = slapd.tls.clone().unwrap();
    let settings = slapd
        .panel_settings(&format!("ca_file = {ca:?}"))
        .replace(&slapd.url(), &format!("ldaps://127.0.0.1:{tls_port}"));
    let app = spawn_app_with(&settings).await;
    app.login("ada", PASSWORD).await;
    // StartTLS on the plain port, with the same CA.
    let starttls = slapd.panel_settings(&format!("starttls = true\nca_file = {ca:?}"));
    let app = spawn_app_with(&starttls).await;
    app.login("mia", PASSWORD).await;
    // Without the CA the certificate is not trusted: no sign-in over an unverified channel.
    let untrusted = slapd.panel_settings("").replace(&slapd.url(), &format!("ldaps://127.0.0.1:{tls_port}"));
    let app = spawn_app_with(&untrusted).await;
    let (status, code) = error_code(app.login_response("ada", PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (503, "directory_unavailable"));
}

/// A "directory" that takes connections and never answers: each sign-in
/// that asks it waits for `operation_timeout_s`.
/// Its port, its task and how many connections it holds.
async fn silent_directory() -> (u16, tokio::task::JoinHandle<()>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, task, accepted)
}

#[tokio::test]
async fn sixteen_sign_ins_waiting_on_a_silent_directory_hold_no_database_connection_and_local_sign_ins_go_on() {
    let slapd = Slapd::start(false);
    let (port, _silent, accepted) = silent_directory().await;
    let settings = slapd
        .panel_settings("connect_timeout_s = 2\noperation_timeout_s = 3")
        .replace(&slapd.url(), &format!("ldap://127.0.0.1:{port}"));
    let app = spawn_app_with(&format!("trusted_proxies = [\"127.0.0.1/32\"]\n{settings}")).await;
    app.user("root", Role::HeadAdmin, "the head admin passphrase", true);
    // Twice the pool's 8 connections, each from its own address (the login limit is per address).
    let waiting: Vec<_> = (0..16)
        .map(|index| {
            let request = app
                .client
                .post(app.url("/login"))
                .header("X-Forwarded-For", format!("10.8.0.{}", index + 1))
                .json(&serde_json::json!({"username": format!("stranger{index}"), "password": PASSWORD}));
            tokio::spawn(request.send())
        })
        .collect();
    // Once all 16 wait on the directory, sign in locally.
    let deadline = Instant::now() + Duration::from_secs(2);
    while accepted.load(Ordering::SeqCst) < 16 {
        assert!(Instant::now() < deadline, "only {} sign-ins reached the directory", accepted.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let local = app
        .client
        .post(app.url("/login"))
        .header("X-Forwarded-For", "10.8.1.1")
        .json(&serde_json::json!({"username": "root", "password": "the head admin passphrase"}))
        .send()
        .await
        .unwrap();
    let local_took = started.elapsed();
    assert_eq!(local.status(), 200);
    assert!(waiting.iter().all(|task| !task.is_finished()), "the directory sign-ins were still waiting");
    assert!(local_took < Duration::from_secs(2), "a local sign-in took {local_took:?} beside 16 waiting on LDAP");
    for task in waiting {
        let (status, code) = error_code(task.await.unwrap().unwrap()).await;
        assert_eq!((status, code.as_str()), (503, "directory_unavailable"));
    }
}

#[tokio::test]
async fn a_directory_user_makes_a_token_with_her_directory_password_and_a_wrong_one_is_refused() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    let session = app.login("mia", PASSWORD).await;
    let asked = |password: &str| serde_json::json!({"name": "ci", "password": password});
    let response = app.send_json(reqwest::Method::POST, "/tokens", &session, &asked("not her passphrase")).await;
    let (status, code) = error_code(response).await;
    assert_eq!((status, code.as_str()), (403, "wrong_password"));
    let response = app.send_json(reqwest::Method::POST, "/tokens", &session, &asked(PASSWORD)).await;
    assert_eq!(response.status(), 201, "the directory confirms her password");
    let token: serde_json::Value = response.json().await.unwrap();
    let me = app.client.get(app.url("/me")).bearer_auth(token["token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(me.status(), 200, "the token works");
    // Taken out of every mapped group, she cannot make another one.
    slapd.ldif(
        "ldapmodify",
        &format!("dn: {MEMBERS}\nchangetype: modify\ndelete: member\nmember: uid=mia,ou=people,{SUFFIX}\n"),
    );
    let response = app.send_json(reqwest::Method::POST, "/tokens", &session, &asked(PASSWORD)).await;
    assert_eq!(response.status(), 403);
}
