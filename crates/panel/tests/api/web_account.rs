//! The sign-up and account pages over HTTP: sign-up makes an unapproved
//! member who signs in once an admin approved her on the users page (and the
//! page is the 404 page when sign-up is off); the account page changes the
//! password (the old one and the other sessions stop working) and makes a
//! token shown once that works as a Bearer token until the page revokes it;
//! every action is audited with the API's action name. Also the helpers
//! `web_admin` reuses.

use diesel::RunQueryDsl as _;
use reqwest::header::LOCATION;
use smp_panel::Role;
use smp_panel::db::audit::AuditRow;
use smp_panel::db::users;

use crate::containers_api::{PASSWORD, Tree, tree};
use crate::helpers::{TestApp, session_cookie, spawn_app, spawn_app_with};

pub(crate) const NEW_PASSWORD: &str = "another long enough passphrase";

/// A browser signed in through the login form: its cookie and CSRF token.
pub(crate) struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub(crate) async fn form_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/login", app.address))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// GET `path` with `cookie`: status and body.
pub(crate) async fn page(app: &TestApp, path: &str, cookie: &str) -> (u16, String) {
    let response = app.client.get(format!("{}{path}", app.address)).header("Cookie", cookie).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// `page`, which must answer 200: its body.
pub(crate) async fn page_200(app: &TestApp, path: &str, cookie: &str) -> String {
    let (status, html) = page(app, path, cookie).await;
    assert_eq!(status, 200, "{path}");
    html
}

/// The CSRF token a page puts in `hx-headers` on its `<body>`.
pub(crate) fn csrf_of(html: &str) -> String {
    let start =
        html.find(r#"{"X-CSRF-Token":""#).expect("hx-headers with the CSRF token") + r#"{"X-CSRF-Token":""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Signs in with the login form and reads the CSRF token from the dashboard.
pub(crate) async fn browser(app: &TestApp, username: &str, password: &str) -> Browser {
    let response = form_login(app, username, password).await;
    assert_eq!(response.status(), 303, "{username} signs in");
    let cookie = session_cookie(&response).expect("a session cookie");
    let html = page_200(app, "/", &cookie).await;
    Browser { csrf: csrf_of(&html), cookie }
}

/// `browser` with the test password.
pub(crate) async fn signed_in(app: &TestApp, username: &str) -> Browser {
    browser(app, username, PASSWORD).await
}

/// `containers_api`'s tree, with `username` signed in in a browser.
pub(crate) async fn tree_signed_in(username: &str) -> (Tree, Browser) {
    let tree = tree().await;
    let browser = signed_in(&tree.app, username).await;
    (tree, browser)
}

/// An htmx POST of `form` to `path`, with the session's CSRF header.
pub(crate) async fn htmx_send(app: &TestApp, path: &str, who: &Browser, form: &[(&str, &str)]) -> reqwest::Response {
    let request = app.client.post(format!("{}{path}", app.address)).header("Cookie", &who.cookie);
    request.header("X-CSRF-Token", &who.csrf).header("HX-Request", "true").form(form).send().await.unwrap()
}

/// `htmx_send`: status and body.
pub(crate) async fn htmx_post(app: &TestApp, path: &str, who: &Browser, form: &[(&str, &str)]) -> (u16, String) {
    let response = htmx_send(app, path, who, form).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A POST of `form` with the session `cookie` but without the CSRF header, as
/// a forged cross-site form would send it: its status.
pub(crate) async fn forged_post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> u16 {
    let response = app.client.post(format!("{}{path}", app.address)).header("Cookie", cookie).form(form).send();
    response.await.unwrap().status().as_u16()
}

/// (actor, outcome, error code) of a row.
pub(crate) fn summary(row: &AuditRow) -> (&str, &str, Option<&str>) {
    (row.actor.as_str(), row.outcome.as_str(), row.error_code.as_deref())
}

fn signup_form<'a>(username: &'a str, password: &'a str, again: &'a str) -> [(&'static str, &'a str); 3] {
    [("username", username), ("password", password), ("password_again", again)]
}

async fn signup(app: &TestApp, form: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(format!("{}/signup", app.address)).form(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn user(app: &TestApp, name: &str) -> Option<users::User> {
    users::find_by_username(&mut app.db.connect(), &smp_panel::Username::parse(name).unwrap()).unwrap()
}

#[tokio::test]
async fn signup_makes_an_unapproved_member_who_signs_in_once_an_admin_approves_her_on_the_users_page() {
    let app = spawn_app().await;
    app.user("ada", Role::Admin, PASSWORD, true);
    let form = app.client.get(format!("{}/signup", app.address)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    for field in ["name=\"username\"", "name=\"password\"", "name=\"password_again\"", "<label for=\"password_again\""]
    {
        assert!(html.contains(field), "{field}: {html}");
    }

    let (status, html) = signup(&app, &signup_form("newbie", PASSWORD, "not the same passphrase")).await;
    assert_eq!(status, 422);
    assert!(html.contains("The two passwords differ") && html.contains("value=\"newbie\""), "{html}");
    assert!(!html.contains(PASSWORD));
    assert!(user(&app, "newbie").is_none(), "nothing was created");

    let (status, html) = signup(&app, &signup_form("newbie", PASSWORD, PASSWORD)).await;
    assert_eq!(status, 200);
    assert!(html.contains("your account is made and waits for an admin&#39;s approval"), "{html}");
    let newbie = user(&app, "newbie").expect("the account exists");
    assert_eq!((newbie.role, newbie.approved, newbie.disabled), (Role::Member, false, false));
    let rows = app.audit_rows_of("user.signup");
    let seen: Vec<_> = rows.iter().map(|row| (summary(row), row.object.as_str())).collect();
    assert_eq!(
        seen,
        [
            (("anonymous", "refused", Some("invalid_input")), "username:newbie"),
            (("anonymous", "ok", None), "username:newbie"),
        ]
    );

    let pending = form_login(&app, "newbie", PASSWORD).await;
    assert_eq!(pending.status(), 403);
    assert!(session_cookie(&pending).is_none());

    let ada = browser(&app, "ada", PASSWORD).await;
    let html = page_200(&app, "/admin/users", &ada.cookie).await;
    assert!(html.contains("Approve newbie"), "{html}");
    let (status, html) = htmx_post(&app, &format!("/admin/users/{}", newbie.id), &ada, &[("approved", "true")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("newbie is now member, approved and enabled."), "{html}");
    let row = app.audit_rows_of("user.update").pop().unwrap();
    assert_eq!((summary(&row), row.object.clone()), (("ada", "ok", None), format!("user:{}", newbie.id)));

    assert_eq!(form_login(&app, "newbie", PASSWORD).await.status(), 303, "approved: she signs in");
}

#[tokio::test]
async fn a_taken_username_gets_the_pending_page_and_its_account_is_untouched() {
    let app = spawn_app().await;
    app.user("alice", Role::Member, PASSWORD, true);
    let (status, html) = signup(&app, &signup_form("alice", PASSWORD, PASSWORD)).await;
    assert_eq!(status, 200);
    assert!(html.contains("If the name <strong>alice</strong> was free"), "{html}");
    let row = app.audit_rows_of("user.signup").pop().unwrap();
    assert_eq!((summary(&row), row.object.as_str()), (("anonymous", "refused", Some("conflict")), "username:alice"));
    assert!(user(&app, "alice").unwrap().approved, "the existing account is untouched");
}

#[tokio::test]
async fn signup_is_rate_limited_like_the_login() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for n in 0..7 {
        let name = format!("user{n}");
        statuses.push(signup(&app, &signup_form(&name, "short", "short")).await.0);
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429, 429]);
    let limited = |app: &TestApp| -> Vec<i64> {
        let rows = app.audit_rows_of("user.signup").into_iter();
        rows.filter(|row| row.error_code.as_deref() == Some("rate_limited")).map(|row| row.count).collect()
    };
    // Refusals for the rate are audited too, aggregated per source: the
    // first at once, the count of the rest when the minute's row is written.
    assert_eq!(limited(&app), [1]);
    app.flush_refusals().await;
    assert_eq!(limited(&app), [1, 1]);
}

#[tokio::test]
async fn signup_is_the_404_page_when_it_is_switched_off() {
    let app = spawn_app_with("allow_signup = false").await;
    let (client, address) = (&app.client, &app.address);
    let missing = client.get(format!("{address}/nope")).send().await.unwrap();
    let (missing_status, missing_html) = (missing.status(), missing.text().await.unwrap());
    assert_eq!(missing_status, 404);
    let form = client.get(format!("{address}/signup")).send().await.unwrap();
    assert_eq!((form.status(), form.text().await.unwrap()), (missing_status, missing_html.clone()));
    let sent =
        client.post(format!("{address}/signup")).form(&signup_form("newbie", PASSWORD, PASSWORD)).send().await.unwrap();
    assert_eq!((sent.status(), sent.text().await.unwrap()), (missing_status, missing_html));
    assert_eq!(users::count(&mut app.db.connect()).unwrap(), 0, "nobody was created");
    let rows = app.audit_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].action.as_str(), summary(&rows[0])),
        ("user.signup", ("anonymous", "refused", Some("not_found")))
    );
}

#[tokio::test]
async fn the_account_page_changes_the_password_and_the_old_one_and_other_sessions_stop_working() {
    let app = spawn_app().await;
    app.user("alice", Role::Member, PASSWORD, true);
    let alice = browser(&app, "alice", PASSWORD).await;
    let other = browser(&app, "alice", PASSWORD).await;
    let html = page_200(&app, "/account", &alice.cookie).await;
    for label in ["<label for=\"current_password\"", "<label for=\"new_password\"", "<label for=\"new_password_again\""]
    {
        assert!(html.contains(label), "{label}: {html}");
    }
    assert!(html.contains("hx-post=\"/account/password\"") && !html.contains("style="), "{html}");

    let wrong = [
        ("current_password", "not the password at all"),
        ("new_password", NEW_PASSWORD),
        ("new_password_again", NEW_PASSWORD),
    ];
    let (status, html) = htmx_post(&app, "/account/password", &alice, &wrong).await;
    assert_eq!(status, 200, "htmx swaps the message in");
    assert!(html.contains("class=\"error\"") && html.contains("The current password is wrong"), "{html}");
    let short = [("current_password", PASSWORD), ("new_password", "short"), ("new_password_again", "short")];
    let (_, html) = htmx_post(&app, "/account/password", &alice, &short).await;
    assert!(html.contains("The password is too short: at least 12 characters."), "{html}");
    assert_eq!(form_login(&app, "alice", PASSWORD).await.status(), 303, "nothing changed yet");

    let right = [("current_password", PASSWORD), ("new_password", NEW_PASSWORD), ("new_password_again", NEW_PASSWORD)];
    let (status, html) = htmx_post(&app, "/account/password", &alice, &right).await;
    assert_eq!(status, 200);
    assert!(html.contains("Your password is changed."), "{html}");
    assert!(!html.contains(NEW_PASSWORD) && !html.contains(PASSWORD));

    assert_eq!(form_login(&app, "alice", PASSWORD).await.status(), 401, "the old password stops working");
    assert_eq!(form_login(&app, "alice", NEW_PASSWORD).await.status(), 303);
    assert_eq!(page(&app, "/account", &alice.cookie).await.0, 200, "this session stays");
    assert_eq!(page(&app, "/account", &other.cookie).await.0, 303, "the other session ended: to the login page");

    let rows = app.audit_rows_of("user.password");
    let seen: Vec<_> = rows.iter().map(summary).collect();
    assert_eq!(
        seen,
        [
            ("alice", "refused", Some("wrong_password")),
            ("alice", "refused", Some("invalid_input")),
            ("alice", "ok", None)
        ]
    );
    assert!(rows.iter().all(|row| row.object == format!("user:{}", user(&app, "alice").unwrap().id)));
    assert!(!format!("{:?}", app.audit_rows()).contains(NEW_PASSWORD));

    let forged = forged_post(&app, "/account/password", &alice.cookie, &right).await;
    assert_eq!(forged, 403, "no CSRF header: refused");
    let row = app.audit_rows_of("user.password").pop().unwrap();
    assert_eq!(summary(&row), ("alice", "refused", Some("csrf_failed")));
}

#[tokio::test]
async fn a_token_made_on_the_account_page_is_shown_once_works_as_bearer_and_is_revoked_from_the_page() {
    let app = spawn_app().await;
    app.user("alice", Role::Member, PASSWORD, true);
    app.user("bob", Role::Member, PASSWORD, true);
    let alice = browser(&app, "alice", PASSWORD).await;
    let html = page_200(&app, "/account", &alice.cookie).await;
    assert!(html.contains("You have no tokens."), "{html}");

    for label in ["<label for=\"token-password\"", "<label for=\"token-scope\"", "<label for=\"token-days\""] {
        assert!(html.contains(label), "{label}: {html}");
    }
    let form = [("name", "ci"), ("password", PASSWORD), ("expires_in_days", "x")];
    let (status, html) = htmx_post(&app, "/account/tokens", &alice, &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("Expires in days: a whole number from 1 to 365"), "{html}");
    let form = [("name", "ci"), ("password", "not her password"), ("scope", "write"), ("expires_in_days", "30")];
    let (status, html) = htmx_post(&app, "/account/tokens", &alice, &form).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("The password is wrong; no token was made.") && html.contains("You have no tokens."),
        "{html}"
    );
    let form = [("name", "ci"), ("password", PASSWORD), ("scope", "write"), ("expires_in_days", "30")];
    let (status, html) = htmx_post(&app, "/account/tokens", &alice, &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("it is shown this once"), "{html}");
    assert!(html.contains("<td>ci</td>\n      <td>write</td>"), "{html}");
    let start = html.find("value=\"smp_").expect("the token in the answer") + "value=\"".len();
    let token = html[start..].split('"').next().unwrap().to_owned();
    assert_eq!(token.len(), 4 + 64, "{token}");

    let me = app.client.get(app.url("/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.json().await.unwrap();
    assert_eq!(body["username"], "alice");

    let (_, html) = page(&app, "/account", &alice.cookie).await;
    assert!(!html.contains(&token), "shown once: never again");
    assert!(html.contains("<td>ci</td>") && html.contains("hx-confirm=\"Revoke the token"), "{html}");
    let start = html.find("/account/tokens/").unwrap() + "/account/tokens/".len();
    let id: i64 = html[start..].split('/').next().unwrap().parse().unwrap();

    // Bob guesses alice's token: the same 404 as a missing one, nothing revoked.
    let bob = browser(&app, "bob", PASSWORD).await;
    let (bob_status, bob_html) = htmx_post(&app, &format!("/account/tokens/{id}/revoke"), &bob, &[]).await;
    let missing = htmx_post(&app, "/account/tokens/999999/revoke", &bob, &[]).await;
    assert_eq!((bob_status, bob_html), missing);
    assert_eq!(missing.0, 404);
    assert_eq!(app.client.get(app.url("/me")).bearer_auth(&token).send().await.unwrap().status(), 200);

    let (status, html) = htmx_post(&app, &format!("/account/tokens/{id}/revoke"), &alice, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("The token is revoked.") && html.contains("You have no tokens."), "{html}");
    let me = app.client.get(app.url("/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 401, "revoked from the page");

    let created_rows = app.audit_rows_of("token.create");
    let created: Vec<_> = created_rows.iter().map(|row| (summary(row), row.object.clone())).collect();
    assert_eq!(
        created,
        [
            (("alice", "refused", Some("invalid_input")), "token:new".to_owned()),
            (("alice", "refused", Some("wrong_password")), "token:new".to_owned()),
            (("alice", "ok", None), format!("token:{id}"))
        ]
    );
    let revoked: Vec<_> = app.audit_rows_of("token.revoke").iter().map(|row| summary(row).1.to_owned()).collect();
    assert_eq!(revoked, ["refused", "refused", "ok"]);
    let hashes: Vec<String> = {
        #[derive(diesel::QueryableByName)]
        struct Hash {
            #[diesel(sql_type = diesel::sql_types::Text)]
            token_hash: String,
        }
        let rows: Vec<Hash> =
            diesel::sql_query("SELECT token_hash FROM personal_access_tokens").load(&mut app.db.connect()).unwrap();
        rows.into_iter().map(|row| row.token_hash).collect()
    };
    assert!(hashes.iter().all(|hash| !hash.contains(&token)), "only the hash is stored");
}

#[tokio::test]
async fn the_account_pages_need_a_session() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/account", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/login");
}
