//! Issue 18, item 3, over HTTP: the TOTP second factor. A member enrols
//! (`POST /api/v1/me/totp`), confirms with a first code, and from then on
//! `POST /api/v1/login` answers 401 `totp_required` until the body has a
//! right code; each code is accepted once (the same code again, or two
//! concurrent logins with one code: one session only); a recovery code
//! works once; removing it needs a valid code; an admin without TOTP under
//! `require_totp_for_admins` acts as a member (403 on admin routes, the
//! login page sends her to enrol) until she enrols; the login page asks for
//! the code in a second form, opening no session before; admins see each
//! user's TOTP state; the audit log names the method and the TOTP outcome.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::domain::totp::TotpSecret;

use crate::containers_api::PASSWORD;
use crate::helpers::{Session, TestApp, error_code, session_cookie, spawn_app, spawn_app_with};
use crate::web_account::{form_login, page};

/// The unix time now.
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The unix time once at least 5 s of the current 30 s step remain (waits
/// at most 5 s), so that codes made now for the step before, this one and
/// the next stay valid while the test uses them.
pub(crate) async fn early_in_a_step() -> u64 {
    for _ in 0..60 {
        let now = unix_now();
        if now % 30 < 25 {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the clock did not reach the next step");
}

/// Enrols `session`'s account: the answer and the secret.
async fn enrol(app: &TestApp, session: &Session) -> (Value, TotpSecret) {
    let response = app.send_json(Method::POST, "/me/totp", session, &json!({})).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let secret = TotpSecret::from_base32(body["secret"].as_str().unwrap()).unwrap();
    (body, secret)
}

/// Enrols and activates with the code of the step before `now` (so that
/// the code of `now` is still unused): the secret and the recovery codes.
pub(crate) async fn enrolled(app: &TestApp, session: &Session, now: u64) -> (TotpSecret, Vec<String>) {
    let (body, secret) = enrol(app, session).await;
    let response = app.send_json(Method::PUT, "/me/totp", session, &json!({"code": secret.code_at(now - 30)})).await;
    assert_eq!(response.status(), 204);
    let codes = body["recovery_codes"].as_array().unwrap().iter().map(|code| code.as_str().unwrap().to_owned());
    (secret, codes.collect())
}

async fn login_with(app: &TestApp, username: &str, extra: Value) -> reqwest::Response {
    let mut body = json!({"username": username, "password": PASSWORD});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.client.post(app.url("/login")).json(&body).send().await.unwrap()
}

/// The details of the `session.login` audit rows, oldest first.
fn login_details(app: &TestApp) -> Vec<(String, Option<String>)> {
    app.audit_rows_of("session.login").into_iter().map(|row| (row.outcome, row.detail)).collect()
}

#[tokio::test]
async fn a_member_enrols_confirms_and_then_signs_in_only_with_a_code_each_code_once() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let session = app.login("mia", PASSWORD).await;
    let now = early_in_a_step().await;

    let (body, secret) = enrol(&app, &session).await;
    assert!(body["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/SMP:mia?"), "{body}");
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
    // The login's limit (5 at once per address and username) bounds what one test tries.
    let response = app.send_json(Method::PUT, "/me/totp", &session, &json!({"code": secret.code_at(now - 30)})).await;
    assert_eq!(response.status(), 204);

    assert_eq!(error_code(login_with(&app, "mia", json!({})).await).await, (401, "totp_required".to_owned()));
    let code = secret.code_at(now);
    let signed_in = login_with(&app, "mia", json!({"totp": code})).await;
    assert_eq!(signed_in.status(), 200);
    assert!(session_cookie(&signed_in).is_some());
    let again = login_with(&app, "mia", json!({"totp": code})).await;
    assert_eq!(error_code(again).await, (403, "totp_invalid".to_owned()), "a code is accepted once");

    let details = login_details(&app);
    let tail: Vec<_> =
        details.iter().rev().take(3).rev().map(|(outcome, detail)| (outcome.as_str(), detail.as_deref())).collect();
    assert_eq!(
        tail,
        [
            ("refused", Some("method=local totp=required")),
            ("ok", Some("method=local totp=ok")),
            ("refused", Some("method=local totp=wrong")),
        ]
    );
    // The secret is stored sealed, never as its base32 text or raw bytes.
    let mut connection = app.db.connect();
    let row = smp_panel::db::totp::find(&mut connection, smp_panel::db::users::UserId(1)).unwrap().unwrap();
    assert!(row.active);
    assert!(!row.sealed.ciphertext.windows(20).any(|window| window == secret.as_bytes()));
}

#[tokio::test]
async fn two_concurrent_logins_with_one_code_open_exactly_one_session() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let session = app.login("mia", PASSWORD).await;
    let now = early_in_a_step().await;
    let (secret, _) = enrolled(&app, &session, now).await;
    let code = secret.code_at(now);
    let (one, two) =
        tokio::join!(login_with(&app, "mia", json!({"totp": code})), login_with(&app, "mia", json!({"totp": code})));
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403], "exactly one login wins the code");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_is_refused_the_second_time() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let session = app.login("mia", PASSWORD).await;
    let (_, codes) = enrolled(&app, &session, early_in_a_step().await).await;
    let typed = codes[3].to_uppercase();
    assert_eq!(login_with(&app, "mia", json!({"recovery_code": typed})).await.status(), 200);
    let again = login_with(&app, "mia", json!({"recovery_code": codes[3]})).await;
    assert_eq!(error_code(again).await, (403, "totp_invalid".to_owned()));
    let details = login_details(&app);
    assert_eq!(details[details.len() - 2].1.as_deref(), Some("method=local totp=recovery_code"));
}

#[tokio::test]
async fn removing_the_second_factor_needs_a_valid_code_and_a_token_cannot_touch_it() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let session = app.login("mia", PASSWORD).await;
    let now = early_in_a_step().await;
    let (secret, _) = enrolled(&app, &session, now).await;
    let wrong = app.send_json(Method::DELETE, "/me/totp", &session, &json!({"code": "123456"})).await;
    assert_eq!(error_code(wrong).await, (403, "totp_invalid".to_owned()));
    let active = |app: &TestApp| smp_panel::db::totp::is_active(&mut app.db.connect(), smp_panel::db::users::UserId(1));
    assert!(active(&app).unwrap(), "still on");
    let body = json!({"name": "ci", "password": PASSWORD, "scope": "write"});
    let token: Value = app.send_json(Method::POST, "/tokens", &session, &body).await.json().await.unwrap();
    let with_token = app
        .client
        .delete(app.url("/me/totp"))
        .bearer_auth(token["token"].as_str().unwrap())
        .json(&json!({"code": secret.code_at(now)}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(with_token).await, (403, "session_required".to_owned()));
    let removed = app.send_json(Method::DELETE, "/me/totp", &session, &json!({"code": secret.code_at(now)})).await;
    assert_eq!(removed.status(), 204);
    assert_eq!(login_with(&app, "mia", json!({})).await.status(), 200, "off: the password alone signs in");
    let rows: Vec<_> = app.audit_rows_of("totp.disable").into_iter().map(|row| (row.outcome, row.error_code)).collect();
    assert_eq!(rows, [("refused".to_owned(), Some("totp_invalid".to_owned())), ("ok".to_owned(), None)]);
}

#[tokio::test]
async fn an_admin_without_totp_under_require_totp_for_admins_acts_as_a_member_until_she_enrols() {
    let app = spawn_app_with("require_totp_for_admins = true").await;
    app.user("ada", Role::Admin, PASSWORD, true);
    app.user("mia", Role::Member, PASSWORD, true);
    let session = app.login("ada", PASSWORD).await;
    let users = app.with_session(Method::GET, "/users", &session).send().await.unwrap();
    assert_eq!(error_code(users).await, (403, "forbidden".to_owned()), "her admin rights are withheld");
    // The login page sends her to enrol; the admin pages are not hers yet.
    let response = form_login(&app, "ada", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/account/security");
    let cookie = session_cookie(&response).unwrap();
    let (status, html) = page(&app, "/account/security", &cookie).await;
    assert_eq!(status, 200);
    assert!(html.contains("totp-required-for-admins"), "{html}");
    let users_page = app.client.get(format!("{}/admin/users", app.address)).header("Cookie", &cookie);
    let users_page = users_page.send().await.unwrap();
    assert_eq!(users_page.status(), 303, "the users page is not hers while her rights are withheld");
    assert_eq!(users_page.headers()[LOCATION], "/account/security", "she is sent to enrol");

    enrolled(&app, &session, early_in_a_step().await).await;
    let users = app.with_session(Method::GET, "/users", &session).send().await.unwrap();
    assert_eq!(users.status(), 200, "with TOTP on she acts as an admin again");
    let listed: Value = users.json().await.unwrap();
    let states: Vec<(&str, &str)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| (user["username"].as_str().unwrap(), user["totp"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("ada", "active"), ("mia", "off")], "admins see each user's TOTP state");
    let (status, html) = page(&app, "/admin/users", &cookie).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<td class="totp-state">active</td>"#), "{html}");
}

#[tokio::test]
async fn the_login_page_asks_for_the_code_in_a_second_form_and_opens_no_session_before() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let session = app.login("mia", PASSWORD).await;
    let now = early_in_a_step().await;
    let (secret, _) = enrolled(&app, &session, now).await;

    let response = form_login(&app, "mia", PASSWORD).await;
    assert_eq!(response.status(), 200);
    assert!(session_cookie(&response).is_none(), "no session before the code");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"action="/login/code""#), "{html}");
    let start = html.find(r#"name="ticket" value=""#).unwrap() + r#"name="ticket" value=""#.len();
    let ticket = html[start..].split('"').next().unwrap().to_owned();

    let code_form = |code: String| {
        let ticket = ticket.clone();
        let client = app.client.clone();
        let url = format!("{}/login/code", app.address);
        async move { client.post(url).form(&[("ticket", ticket), ("code", code)]).send().await.unwrap() }
    };
    let wrong = code_form("000000".to_owned()).await;
    assert_eq!(wrong.status(), 403);
    assert!(session_cookie(&wrong).is_none());
    assert!(wrong.text().await.unwrap().contains("That code is wrong"), "a readable error, the code asked again");
    let right = code_form(secret.code_at(now)).await;
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()[LOCATION], "/");
    let cookie = session_cookie(&right).expect("the session, once the code is right");
    assert_eq!(page(&app, "/", &cookie).await.0, 200);
    // The ticket is spent: it opens no second session.
    assert_eq!(code_form(secret.code_at(now + 30)).await.status(), 401);
}

#[tokio::test]
async fn the_security_page_enrols_with_a_qr_code_image_shows_the_recovery_codes_once_and_turns_it_on() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let browser = crate::web_account::signed_in(&app, "mia").await;
    let (status, html) = crate::web_account::htmx_post(&app, "/account/security/enrol", &browser, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"src="/account/security/qr.svg""#), "{html}");
    assert_eq!(html.matches("<li><code>").count(), 10, "ten recovery codes");
    let start = html.find(r#"<code id="totp-secret">"#).unwrap() + r#"<code id="totp-secret">"#.len();
    let secret = TotpSecret::from_base32(html[start..].split('<').next().unwrap()).unwrap();
    let qr = app.client.get(format!("{}/account/security/qr.svg", app.address)).header("Cookie", &browser.cookie);
    let qr = qr.send().await.unwrap();
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.headers()["content-security-policy"].to_str().unwrap().contains("default-src"));
    assert!(qr.text().await.unwrap().contains("<svg"));
    let (_, again) = page(&app, "/account/security", &browser.cookie).await;
    assert!(!again.contains("<li><code>"), "the recovery codes are shown only once");

    let code = secret.code_at(early_in_a_step().await);
    let (status, html) =
        crate::web_account::htmx_post(&app, "/account/security/activate", &browser, &[("code", &code)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Your second factor is on"), "{html}");
    let qr = app.client.get(format!("{}/account/security/qr.svg", app.address)).header("Cookie", &browser.cookie);
    assert_eq!(qr.send().await.unwrap().status(), 404, "no QR code once active");
}

/// In real Chromium: she sets up her second factor on the security page
/// (the QR code image renders under the strict CSP), turns it on with a
/// code, and the next sign-in takes the password, then the code, in two
/// forms.
#[tokio::test(flavor = "multi_thread")]
async fn in_chromium_she_enrols_on_the_security_page_and_then_signs_in_in_two_steps() {
    use fantoccini::Locator;

    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let browser = crate::browser::Browser::start().await;
    crate::browser::sign_in(&browser, &app.address, "mia", PASSWORD).await;
    browser.client().goto(&format!("{}/account/security", app.address)).await.unwrap();
    browser.wait_for_htmx().await;
    browser.click(Locator::Css("#totp button[type=submit]")).await;
    browser.wait_for_text("#totp", "Recovery codes").await;
    // The QR code is an image that really rendered (an SVG served under the CSP).
    let started = std::time::Instant::now();
    let probe = "const qr = document.getElementById('totp-qr'); return qr !== null && qr.complete && qr.naturalWidth";
    loop {
        let width = browser.client().execute(probe, vec![]).await.unwrap();
        if width.as_u64().is_some_and(|width| width > 0) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the QR code image never rendered: {width}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.screenshot("account-security").await;
    let secret = TotpSecret::from_base32(&browser.text_of("#totp-secret").await).unwrap();
    let now = early_in_a_step().await;
    browser.type_into("#activate_code", &secret.code_at(now - 30)).await;
    browser.click(Locator::Css("#activate_code ~ button")).await;
    browser.wait_for_text("#totp", "Your second factor is on").await;

    browser.client().delete_all_cookies().await.unwrap();
    browser.client().goto(&format!("{}/login", app.address)).await.unwrap();
    browser.type_into("#username", "mia").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click(Locator::Css("button[type=submit]")).await;
    browser.client().wait().for_element(Locator::Css("#code")).await.unwrap();
    browser.type_into("#code", &secret.code_at(now)).await;
    browser.click(Locator::Css("#login-code button[type=submit]")).await;
    browser.wait_for_dashboard(&app.address, "signed in with the password and the code").await;
}
