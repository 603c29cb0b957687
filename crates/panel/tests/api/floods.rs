//! Issue 13, items 3, 4 and the panel's half of 10: what strangers can make
//! the panel write (audit rows aggregated per source, texts cut), the login
//! limit per client address behind trusted proxies and per username, and the
//! panel's own origin (`Origin` checks, `Secure` cookies from `public_url`).
//! Every client is on loopback: 127.0.0.0/8 gives many source addresses.

use std::net::IpAddr;

use diesel::RunQueryDsl as _;
use reqwest::Method;
use serde_json::json;
use smp_panel::Role;

use crate::helpers::{TestApp, error_code, session_cookie, spawn_app, spawn_app_signed_in, spawn_app_with};

const PASSWORD: &str = "a long enough passphrase";
const EVIL: &str = "http://evil.example";

/// A client whose requests leave from `source` (a loopback address).
fn client_from(source: &str) -> reqwest::Client {
    let source: IpAddr = source.parse().unwrap();
    reqwest::Client::builder().local_address(source).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> u16 {
    let mut request = client.post(app.url("/login")).json(&json!({"username": username, "password": password}));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("X-Forwarded-For", forwarded_for);
    }
    request.send().await.unwrap().status().as_u16()
}

fn count_rows(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<Count> =
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(&mut app.db.connect()).unwrap();
    rows[0].n
}

// ---------------------------------------------------------------- item 3: audit rows from strangers

#[tokio::test]
async fn five_hundred_anonymous_writes_with_4_kib_paths_from_one_source_write_two_rows_that_count_all() {
    let app = spawn_app().await;
    // 4 KiB of leading zeros: still container 1 to the route, so the request
    // reaches authentication (and its audit) with the whole path.
    let long = format!("/containers/{}1/start", "0".repeat(4096));
    let from_one = client_from("127.0.0.1");
    for n in 0..500 {
        let mut request = from_one.post(app.url(&long));
        // Some with a session or token the panel does not know: strangers too.
        request = match n % 3 {
            0 => request,
            1 => request.header("Cookie", "smp_session=not-a-session"),
            _ => request.header("Authorization", "Bearer smp_not_a_token"),
        };
        let response = request.send().await.unwrap();
        assert_eq!(error_code(response).await, (401, "unauthenticated".into()));
    }
    assert_eq!(app.audit_rows().len(), 1, "the first refusal of the minute is written at once, the rest counted");
    app.flush_refusals().await;
    let rows = app.audit_rows();
    assert!(rows.len() <= 2, "{} rows", rows.len());
    for row in &rows {
        assert_eq!((row.actor.as_str(), row.actor_id, row.action.as_str()), ("anonymous", None, "container.start"));
        assert_eq!((row.outcome.as_str(), row.error_code.as_deref()), ("refused", Some("unauthenticated")));
        assert!(row.object.chars().count() <= 256, "{} characters", row.object.chars().count());
        assert!(row.object.starts_with("/api/v1/containers/000") && row.object.ends_with("…[cut]"), "{}", row.object);
    }
    assert_eq!(rows.iter().map(|row| row.count).sum::<i64>(), 500);

    // Another source has its own window: its first refusal is written at once.
    let response = client_from("127.0.0.2").post(app.url(&long)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let rows = app.audit_rows();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.last().unwrap().count, 1);
}

#[tokio::test]
async fn a_signed_in_users_refusals_stay_one_row_each() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    let before = app.audit_rows().len();
    for _ in 0..3 {
        // Her cookie without the CSRF header: refused, and she is named.
        let response = app.client.post(app.url("/logout")).header("Cookie", &mia.cookie).send().await.unwrap();
        assert_eq!(error_code(response).await, (403, "csrf_failed".into()));
    }
    let rows = app.audit_rows();
    assert_eq!(rows.len(), before + 3);
    assert!(rows[before..].iter().all(|row| row.actor == "mia" && row.count == 1));
}

#[tokio::test]
async fn a_flood_of_logins_over_the_limit_is_counted_not_written_row_by_row() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(login_from(&app, &app.client, None, "nobody", "wrong password, surely").await, 401);
    }
    for _ in 0..100 {
        assert_eq!(login_from(&app, &app.client, None, "nobody", "wrong password, surely").await, 429);
    }
    let limited = |app: &TestApp| -> Vec<i64> {
        app.audit_rows()
            .into_iter()
            .filter(|row| row.error_code.as_deref() == Some("rate_limited"))
            .map(|row| row.count)
            .collect()
    };
    assert_eq!(limited(&app), [1], "the wrong passwords have their rows, the 429s one so far");
    app.flush_refusals().await;
    assert_eq!(limited(&app), [1, 99]);
    assert_eq!(app.audit_rows().len(), 5 + 2);
}

// ---------------------------------------------------------------- item 4: the login limiter

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_gets_its_own_five_attempts() {
    let app = spawn_app_with("trusted_proxies = [\"127.0.0.1/32\"]").await;
    let proxy = client_from("127.0.0.1");
    for client in ["198.51.100.1", "198.51.100.2"] {
        // The client's own claim comes first; the proxy appended the real address.
        let forwarded = format!("203.0.113.66, {client}");
        for n in 0..5 {
            let status = login_from(&app, &proxy, Some(&forwarded), &format!("{client}-user{n}"), "wrong").await;
            assert_eq!(status, 401, "{client} attempt {n}");
        }
        assert_eq!(login_from(&app, &proxy, Some(&forwarded), "someone-else", "wrong").await, 429, "{client}");
    }
}

#[tokio::test]
async fn from_an_untrusted_peer_a_spoofed_x_forwarded_for_does_not_reset_the_limit() {
    let app = spawn_app().await;
    for n in 0..5 {
        let forwarded = format!("198.51.100.{n}");
        assert_eq!(login_from(&app, &app.client, Some(&forwarded), &format!("user{n}"), "wrong").await, 401);
    }
    assert_eq!(login_from(&app, &app.client, Some("198.51.100.99"), "user99", "wrong").await, 429);
    // A trusted proxy list that does not name this peer changes nothing either.
    let app = spawn_app_with("trusted_proxies = [\"10.0.0.0/8\"]").await;
    for n in 0..5 {
        let forwarded = format!("198.51.100.{n}");
        assert_eq!(login_from(&app, &app.client, Some(&forwarded), &format!("user{n}"), "wrong").await, 401);
    }
    assert_eq!(login_from(&app, &app.client, Some("198.51.100.99"), "user99", "wrong").await, 429);
}

#[tokio::test]
async fn one_username_attacked_from_many_addresses_is_limited_and_others_are_not() {
    let app = spawn_app().await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    for n in 1..=5 {
        let attacker = client_from(&format!("127.0.0.{}", 10 + n));
        assert_eq!(login_from(&app, &attacker, None, "root", "guess number one").await, 401, "address {n}");
    }
    // A sixth address, and a differently cased name: the username is spent.
    let sixth = client_from("127.0.0.16");
    assert_eq!(login_from(&app, &sixth, None, "ROOT", "guess number six").await, 429);
    assert_eq!(login_from(&app, &client_from("127.0.0.17"), None, "root", PASSWORD).await, 429, "even the right one");
    // The same address may still try another username.
    app.user("mia", Role::Member, PASSWORD, true);
    assert_eq!(login_from(&app, &sixth, None, "mia", PASSWORD).await, 200);
}

#[tokio::test]
async fn two_ipv6_addresses_of_one_64_share_a_bucket() {
    let app = spawn_app_with("trusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]").await;
    let proxy = client_from("127.0.0.1");
    for (n, client) in
        ["2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1::1", "2001:db8:0:1:ffff::9", "2001:db8:0:1::3"]
            .into_iter()
            .enumerate()
    {
        assert_eq!(login_from(&app, &proxy, Some(client), &format!("user{n}"), "wrong").await, 401, "{client}");
    }
    assert_eq!(login_from(&app, &proxy, Some("2001:db8:0:1::abcd"), "user9", "wrong").await, 429);
    assert_eq!(login_from(&app, &proxy, Some("2001:db8:0:2::1"), "user10", "wrong").await, 401, "the next /64");
}

// ---------------------------------------------------------------- item 10: the panel's origin

/// root's sign-in through the API, sent with `Origin: origin`.
async fn api_login_from(app: &TestApp, origin: &str) -> reqwest::Response {
    let request = app.client.post(app.url("/login")).header("Origin", origin);
    request.json(&json!({"username": "root", "password": PASSWORD})).send().await.unwrap()
}

/// root's sign-in through the login form, sent with `Origin: origin`.
async fn form_login_from(app: &TestApp, origin: &str) -> reqwest::Response {
    let request = app.client.post(format!("{}/login", app.address)).header("Origin", origin);
    request.form(&[("username", "root"), ("password", PASSWORD)]).send().await.unwrap()
}

#[tokio::test]
async fn a_foreign_origin_on_the_api_login_and_the_login_form_is_refused_and_opens_no_session() {
    let app = spawn_app().await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let api = api_login_from(&app, EVIL).await;
    assert!(session_cookie(&api).is_none());
    assert_eq!(error_code(api).await, (403, "origin_mismatch".into()));
    let form = form_login_from(&app, EVIL).await;
    assert!(session_cookie(&form).is_none());
    assert_eq!(form.status(), 403);
    assert!(form.text().await.unwrap().contains("another site"));
    assert_eq!(count_rows(&app, "sessions"), 0, "no session was opened");
    let row = app.audit_rows().pop().unwrap();
    assert_eq!((row.action.as_str(), row.error_code.as_deref()), ("session.login", Some("origin_mismatch")));

    // The panel's own origin (and none at all, for scripts) signs in.
    let own = api_login_from(&app, &app.address).await;
    assert_eq!(own.status(), 200);
    let localhost = app.address.replace("127.0.0.1", "localhost");
    let form = form_login_from(&app, &localhost).await;
    assert_eq!(form.status(), 303, "localhost is the loopback panel's own name");
}

#[tokio::test]
async fn a_cookie_write_with_a_foreign_origin_is_refused_and_changes_nothing() {
    let (app, root) = spawn_app_signed_in("root", Role::HeadAdmin, PASSWORD).await;
    let users_before = count_rows(&app, "users");
    let response = app
        .with_session(Method::POST, "/users", &root)
        .header("Origin", EVIL)
        .json(&json!({"username": "planted", "role": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, (403, "origin_mismatch".into()));
    assert_eq!(count_rows(&app, "users"), users_before, "nobody was created");
    let row = app.audit_rows().pop().unwrap();
    assert_eq!((row.actor.as_str(), row.action.as_str()), ("root", "user.create"));
    assert_eq!((row.outcome.as_str(), row.error_code.as_deref()), ("refused", Some("origin_mismatch")));

    // A page's write (sign out) from another site leaves the session alive.
    let response = app
        .client
        .post(format!("{}/logout", app.address))
        .header("Cookie", &root.cookie)
        .header("X-CSRF-Token", &root.csrf)
        .header("Origin", EVIL)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let me = app.client.get(app.url("/me")).header("Cookie", &root.cookie).send().await.unwrap();
    assert_eq!(me.status(), 200, "the session was not ended");

    // The panel's own origin, or none (a script with the cookie and the CSRF header), works.
    for origin in [Some(app.address.as_str()), None] {
        let name = if origin.is_some() { "with-origin" } else { "without-origin" };
        let mut request = app.with_session(Method::POST, "/users", &root);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request.json(&json!({"username": name, "role": "member"})).send().await.unwrap();
        assert_eq!(response.status(), 201, "{name}");
    }
}

#[tokio::test]
async fn an_https_public_url_gives_secure_cookies_on_the_login_page_and_the_api_login() {
    let app = spawn_app_with("public_url = \"https://panel.example.org\"").await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let set_cookie = |response: &reqwest::Response| -> String {
        response.headers().get("set-cookie").expect("a cookie").to_str().unwrap().to_owned()
    };
    let api = app.login_response("root", PASSWORD).await;
    assert_eq!(api.status(), 200);
    assert!(set_cookie(&api).contains("Secure"), "{}", set_cookie(&api));
    let form = form_login_from(&app, "https://panel.example.org").await;
    assert_eq!(form.status(), 303);
    assert!(set_cookie(&form).contains("Secure"), "{}", set_cookie(&form));
    // Behind the proxy, the loopback address is not the origin browsers use.
    let direct = api_login_from(&app, &app.address).await;
    assert_eq!(error_code(direct).await, (403, "origin_mismatch".into()));
}

#[tokio::test]
async fn the_counts_not_yet_written_are_written_when_the_panel_stops() {
    let mut app = spawn_app().await;
    for _ in 0..3 {
        let response = app.client.post(app.url("/logout")).send().await.unwrap();
        assert_eq!(response.status(), 401);
    }
    app.stop().await;
    let rows = app.audit_rows();
    assert_eq!(rows.iter().map(|row| row.count).collect::<Vec<_>>(), [1, 2]);
}
