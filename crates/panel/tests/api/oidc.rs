//! Signing in with an OpenID Connect provider (issue 18) against the real
//! npm `oidc-provider` (`oidc_peer`, started per test on loopback, with
//! GitLab's `/api/v4/user/keys` beside it): a Chromium sign-in making an
//! unapproved account whose GitLab key opens the SSH gateway once approved;
//! a forged state, a missing state cookie, another issuer, a replayed code, an ID token for
//! another audience and one with a wrong nonce each refused with nothing
//! made; the provider's keys fetched again for an unknown `kid`; imported
//! keys following GitLab; usernames made unique and accounts found by `sub`;
//! an unreachable provider and a provider's refusal as readable pages.

use std::time::Duration;

use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;

use crate::browser::Browser;
use crate::helpers::{Session, TestApp, spawn_app_with};
use crate::oidc_peer::{OidcPeer, Tamper};
use crate::ssh_gateway::{keygen, run};

const CLIENT_SECRET: &str = "the panel's client secret for tests";
const ROOT_PASSWORD: &str = "the head admin passphrase";
const PAGE_WAIT: Duration = Duration::from_secs(20);

/// The peer and a panel whose `[oidc]` is it (GitLab preset, SSH gateway on).
struct Fixture {
    peer: OidcPeer,
    app: TestApp,
    _secret_dir: tempfile::TempDir,
}

/// `extra`: more lines of the `[oidc]` table (`auto_approve = true`).
async fn fixture(extra: &str) -> Fixture {
    let peer = OidcPeer::start();
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("oidc.secret");
    std::fs::write(&secret_file, format!("{CLIENT_SECRET}\n")).unwrap();
    let app = spawn_app_with(&format!(
        "[ssh]\nlisten = \"127.0.0.1:0\"\n[oidc]\nname = \"GitLab\"\nissuer = {:?}\nclient_id = \"smp\"\n\
         client_secret_file = {secret_file:?}\npreset = \"gitlab\"\n{extra}\n",
        peer.issuer()
    ))
    .await;
    peer.add_client("smp", CLIENT_SECRET, &format!("{}/auth/oidc/callback", app.address)).await;
    app.user("root", Role::HeadAdmin, ROOT_PASSWORD, true);
    Fixture { peer, app, _secret_dir: secret_dir }
}

/// What a browser holds of one sign-in: where the panel sent it and its state cookie.
struct Started {
    authorize_url: String,
    state_cookie: String,
}

fn cookie_named(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{name}=")))
        .map(|value| value.split(';').next().unwrap().to_owned())
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).unwrap().query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(key, old)| {
            let new = if key == name { value.to_owned() } else { old.into_owned() };
            (key.into_owned(), new)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

impl Fixture {
    /// `GET /auth/oidc/start` as a browser: to the provider, with the state cookie.
    async fn start(&self) -> Started {
        let response = self.app.client.get(format!("{}/auth/oidc/start", self.app.address)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{:?}", response.headers());
        let state_cookie = cookie_named(&response, "smp_oidc_state").expect("the state cookie");
        let set = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/auth/oidc"), "{set}");
        let authorize_url = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(authorize_url.starts_with(self.peer.issuer()), "{authorize_url}");
        for asked in ["code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "read_user"] {
            assert!(authorize_url.contains(asked), "{asked} in {authorize_url}");
        }
        Started { authorize_url, state_cookie }
    }

    /// The provider's callback URL after `login` signed in there.
    async fn provider_returns(&self, started: &Started, login: &str) -> String {
        let callback = self.peer.sign_in(&started.authorize_url, login).await;
        assert!(callback.starts_with(&format!("{}/auth/oidc/callback?", self.app.address)), "{callback}");
        callback
    }

    /// The panel's answer to `callback` with `cookie` (the state cookie, or none).
    async fn callback(&self, callback: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.app.client.get(callback);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// A whole sign-in as `login`: the callback's answer.
    async fn sign_in(&self, login: &str) -> reqwest::Response {
        let started = self.start().await;
        let callback = self.provider_returns(&started, login).await;
        self.callback(&callback, Some(&started.state_cookie)).await
    }

    /// A whole sign-in that must succeed: her session (with its CSRF token from `/me`).
    async fn signed_in(&self, login: &str) -> Session {
        let response = self.sign_in(login).await;
        let (status, cookie) = (response.status(), cookie_named(&response, "smp_session"));
        let page = response.text().await.unwrap();
        assert_eq!(status, 200, "{page}");
        let cookie = cookie.expect("a session cookie");
        assert!(page.contains("http-equiv=\"refresh\"") && page.contains("You are signed in"), "{page}");
        let me: Value = self
            .app
            .client
            .get(self.app.url("/me"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Session { cookie, csrf: me["csrf_token"].as_str().unwrap_or_default().to_owned() }
    }

    fn session_count(&self) -> i64 {
        use diesel::prelude::*;
        let mut connection = self.app.db.connect();
        smp_panel::db::schema::sessions::table.count().get_result(&mut connection).unwrap()
    }

    async fn users(&self) -> Value {
        let root = self.app.login("root", ROOT_PASSWORD).await;
        let response = self.app.with_session(Method::GET, "/users", &root).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn user(&self, name: &str) -> Value {
        let users = self.users().await;
        users["items"].as_array().unwrap().iter().find(|user| user["username"] == name).cloned().unwrap_or_else(|| {
            panic!("{name} in {users}");
        })
    }

    async fn approve(&self, name: &str) {
        let id = self.user(name).await["id"].as_i64().unwrap();
        let root = self.app.login("root", ROOT_PASSWORD).await;
        let response =
            self.app.send_json(Method::PATCH, &format!("/users/{id}"), &root, &json!({"approved": true})).await;
        assert_eq!(response.status(), 200);
    }

    async fn keys_of(&self, session: &Session) -> Vec<(String, bool)> {
        let response = self.app.with_session(Method::GET, "/me/ssh-keys", session).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let items = body.get("items").unwrap_or(&body).as_array().unwrap().clone();
        items.iter().map(|key| (key["public_key"].as_str().unwrap().to_owned(), key["imported"] == true)).collect()
    }
}

/// `public` without its comment, as the panel stores it.
fn canonical(public: &str) -> String {
    public.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chromium_sign_in_makes_an_unapproved_account_and_once_approved_her_gitlab_key_opens_the_ssh_gateway() {
    let fixture = fixture("").await;
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "ada-laptop");
    fixture.peer.set_account("ada-gl", "Ada").await;
    fixture.peer.set_keys("ada-gl", std::slice::from_ref(&public)).await;
    let panel = fixture.app.address.clone();

    let browser = Browser::start().await;
    let client = browser.client();
    client.goto(&format!("{panel}/login")).await.unwrap();
    assert_eq!(browser.text_of("#sign-in-with-provider").await, "Sign in with GitLab");
    browser.click(Locator::Css("#sign-in-with-provider")).await;
    client.wait().at_most(PAGE_WAIT).for_element(Locator::Css("#login")).await.expect("the provider's login page");
    browser.type_into("#login", "ada-gl").await;
    browser.click(Locator::Css("#sign-in")).await;
    browser.wait_for_text("p.error", "waiting for an admin's approval").await;
    let at = client.current_url().await.unwrap();
    assert!(at.as_str().starts_with(&format!("{panel}/auth/oidc/callback")), "back at the panel: {at}");

    let ada = fixture.user("ada").await;
    assert_eq!((ada["auth_method"].as_str(), ada["approved"].as_bool()), (Some("oidc"), Some(false)), "{ada}");
    let (code, _, _) = run(&fixture.app, &key, "smp", &["list"], b"").await;
    assert_ne!(code, 0, "no key of an unapproved account opens the gateway");

    fixture.approve("ada").await;
    // The provider remembers her: the button brings her straight back, signed in.
    client.goto(&format!("{panel}/login")).await.unwrap();
    browser.click(Locator::Css("#sign-in-with-provider")).await;
    browser.wait_for_dashboard(&panel, "signed in with GitLab, on the dashboard").await;
    browser.screenshot("oidc-signed-in").await;
    assert!(browser.text_of("header .who").await.contains("ada"));

    let (code, _, stderr) = run(&fixture.app, &key, "smp", &["list"], b"").await;
    assert_eq!(code, 0, "her imported GitLab key opens the member shell: {stderr}");
    let imports = fixture.app.audit_rows_of("ssh_key.import");
    assert_eq!(imports.len(), 1, "{imports:?}");
    assert_eq!((imports[0].actor.as_str(), imports[0].detail.as_deref()), ("ada", Some("added=1 removed=0 skipped=0")));
    let logins = fixture.app.audit_rows_of("session.login");
    assert!(logins.iter().any(|row| row.actor == "ada" && row.detail.as_deref() == Some("method=oidc totp=off")));
    let signups = fixture.app.audit_rows_of("user.signup");
    assert!(signups.iter().any(|row| row.detail.as_deref() == Some("method=oidc approved=false")), "{signups:?}");
}

#[tokio::test]
async fn a_forged_state_a_missing_cookie_a_replayed_code_another_audience_and_a_wrong_nonce_are_refused() {
    let fixture = fixture("auto_approve = true").await;
    let refused = |what: &'static str| {
        move |status: u16, page: &str, wanted: &str| {
            assert_eq!(status, 400, "{what}: {page}");
            assert!(page.contains(wanted), "{what}: {wanted:?} in {page}");
        }
    };

    // A state the panel never made, with her real code.
    let started = fixture.start().await;
    let callback = fixture.provider_returns(&started, "mia").await;
    let forged = with_param(&callback, "state", "forged-state");
    let response = fixture.callback(&forged, Some(&started.state_cookie)).await;
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    refused("forged state")(status, &page, "was not started in this browser");
    // Her real callback in a browser without her state cookie (a login CSRF).
    let response = fixture.callback(&callback, None).await;
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    refused("no cookie")(status, &page, "was not started in this browser");
    // The state was used up by those tries: even with her cookie it is gone now.
    let response = fixture.callback(&callback, Some(&started.state_cookie)).await;
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    refused("used state")(status, &page, "has expired or was used already");
    assert_eq!(fixture.session_count(), 0);

    // Her real answer, said to come from another issuer (RFC 9207's `iss`): a mix-up.
    let started = fixture.start().await;
    let callback = fixture.provider_returns(&started, "mia").await;
    assert!(query_param(&callback, "iss").is_some(), "the peer names itself: {callback}");
    let mixed_up = with_param(&callback, "iss", "https://another-provider.example");
    let response = fixture.callback(&mixed_up, Some(&started.state_cookie)).await;
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    refused("another issuer")(status, &page, "the answer came from another provider");

    // A code that signed in once, brought again with a fresh sign-in's state.
    let started = fixture.start().await;
    let callback = fixture.provider_returns(&started, "mia").await;
    let used_code = query_param(&callback, "code").unwrap();
    let response = fixture.callback(&callback, Some(&started.state_cookie)).await;
    assert_eq!(response.status(), 200, "the first use signs her in");
    assert_eq!(fixture.session_count(), 1);
    let fresh = fixture.start().await;
    let fresh_state = query_param(&fresh.authorize_url, "state").unwrap();
    let replay = format!("{}/auth/oidc/callback?code={used_code}&state={fresh_state}", fixture.app.address);
    let response = fixture.callback(&replay, Some(&fresh.state_cookie)).await;
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    refused("replayed code")(status, &page, "refused the authorization code");

    // ID tokens the provider signed for someone else, or with another nonce.
    for (tamper, what) in
        [(Tamper::Audience("someone-else".into()), "audience"), (Tamper::Nonce("forged".into()), "nonce")]
    {
        fixture.peer.tamper_next(tamper).await;
        let response = fixture.sign_in("mia").await;
        assert!(
            response
                .headers()
                .get_all("set-cookie")
                .iter()
                .all(|value| !value.to_str().unwrap().starts_with("smp_session="))
        );
        let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
        refused(what)(status, &page, "its ID token failed a check");
    }
    assert_eq!(fixture.session_count(), 1, "no refused callback made a session");

    // The provider's refusal is the login page in words, not a 500.
    let started = fixture.start().await;
    let state = query_param(&started.authorize_url, "state").unwrap();
    let denied = format!(
        "{}/auth/oidc/callback?error=access_denied&error_description=End-User+aborted&state={state}",
        fixture.app.address
    );
    let response = fixture.callback(&denied, Some(&started.state_cookie)).await;
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    refused("provider error")(status, &page, "GitLab said access_denied (End-User aborted)");
    assert!(page.contains("Sign in with GitLab"), "the login page again: {page}");

    fixture.app.flush_refusals().await;
    let logins = fixture.app.audit_rows_of("session.login");
    let refusals: i64 = logins
        .iter()
        .filter(|row| {
            row.error_code.as_deref() == Some("sign_in_failed")
                && row.detail.as_deref().is_some_and(|detail| detail.starts_with("method=oidc"))
        })
        .map(|row| row.count)
        .sum();
    assert_eq!(refusals, 8, "each refusal is audited: {logins:?}");
}

#[tokio::test]
async fn an_id_token_signed_with_a_rotated_key_is_accepted_after_one_fetch_of_the_providers_keys() {
    let fixture = fixture("auto_approve = true").await;
    fixture.signed_in("mia").await;
    let before = fixture.peer.stats().await;
    fixture.peer.tamper_next(Tamper::NewKey).await;
    fixture.signed_in("mia").await;
    let after = fixture.peer.stats().await;
    assert_eq!(after.jwks_requests, before.jwks_requests + 1, "one fetch of the JWKS for the unknown kid");
    fixture.signed_in("mia").await;
    assert_eq!(fixture.peer.stats().await.jwks_requests, after.jwks_requests, "then the keys are cached");
}

#[tokio::test]
async fn imported_keys_follow_gitlab_at_each_sign_in_and_her_own_keys_stay() {
    let fixture = fixture("auto_approve = true").await;
    let dir = tempfile::tempdir().unwrap();
    let [(one_key, one), (_, two), (_, own)] = ["one", "two", "own"].map(|name| keygen(dir.path(), name));
    fixture.peer.set_keys("mia", &[one.clone(), two.clone(), "ssh-dss AAAAB3NzaC1kc3MAAACBAP not a key".into()]).await;
    let session = fixture.signed_in("mia").await;
    let mut keys = fixture.keys_of(&session).await;
    keys.sort();
    let mut expected = vec![(canonical(&one), true), (canonical(&two), true)];
    expected.sort();
    assert_eq!(keys, expected, "both usable keys imported, the unusable one left out");
    let response = fixture
        .app
        .send_json(Method::POST, "/me/ssh-keys", &session, &json!({"name": "mine", "public_key": own}))
        .await;
    assert_eq!(response.status(), 201);

    fixture.peer.set_keys("mia", std::slice::from_ref(&two)).await;
    let session = fixture.signed_in("mia").await;
    let mut keys = fixture.keys_of(&session).await;
    keys.sort();
    let mut expected = vec![(canonical(&two), true), (canonical(&own), false)];
    expected.sort();
    assert_eq!(keys, expected, "the key removed at GitLab is gone; her own stays");
    let (code, _, _) = run(&fixture.app, &one_key, "smp", &["list"], b"").await;
    assert_ne!(code, 0, "the removed key no longer opens the gateway");
    let details: Vec<Option<String>> =
        fixture.app.audit_rows_of("ssh_key.import").into_iter().map(|row| row.detail).collect();
    assert_eq!(
        details,
        [Some("added=2 removed=0 skipped=0".to_owned()), Some("added=0 removed=1 skipped=0".to_owned())],
        "a sign-in that changes nothing writes no row"
    );
    fixture.signed_in("mia").await;
    assert_eq!(fixture.app.audit_rows_of("ssh_key.import").len(), 2);
}

#[tokio::test]
async fn a_new_account_is_named_uniquely_and_found_again_by_its_sub_never_by_its_name() {
    let fixture = fixture("auto_approve = true").await;
    fixture.app.user("mia", Role::Member, "mia's local passphrase", true);
    fixture.peer.set_account("mia-at-gitlab", "Mia").await;
    fixture.peer.set_account("another-mia", "mia").await;
    fixture.signed_in("mia-at-gitlab").await;
    fixture.signed_in("mia-at-gitlab").await;
    fixture.signed_in("another-mia").await;
    let users = fixture.users().await;
    let mut names: Vec<(String, String)> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| (user["username"].as_str().unwrap().to_owned(), user["auth_method"].as_str().unwrap().to_owned()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [("mia", "local"), ("mia-2", "oidc"), ("mia-3", "oidc"), ("root", "local")]
            .map(|(name, method)| (name.to_owned(), method.to_owned())),
        "the local mia is never taken over; one account per sub"
    );
    let local = fixture.app.login("mia", "mia's local passphrase").await;
    let me: Value = fixture.app.with_session(Method::GET, "/me", &local).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["auth_method"], "local", "{me}");
}

#[tokio::test]
async fn an_account_from_the_provider_makes_a_token_right_after_signing_in_and_has_no_password_to_change() {
    let fixture = fixture("auto_approve = true").await;
    let session = fixture.signed_in("mia").await;
    let account = fixture.app.client.get(format!("{}/account", fixture.app.address)).header("Cookie", &session.cookie);
    let page = account.send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You sign in with GitLab") && !page.contains("id=\"current_password\""), "{page}");
    assert!(!page.contains("id=\"token-password\""), "no password is asked for a token: {page}");
    let body = json!({"name": "ci", "password": "", "scope": "read"});
    let response = fixture.app.send_json(Method::POST, "/tokens", &session, &body).await;
    assert_eq!(response.status(), 201, "a fresh sign-in at the provider stands for the password");
    let change = json!({"current": "anything at all", "new": "a brand new passphrase"});
    let response = fixture.app.send_json(Method::PUT, "/me/password", &session, &change).await;
    let (status, answer) = (response.status(), response.text().await.unwrap());
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("has no password here"), "{answer}");
    let (status, _) = crate::helpers::error_code(fixture.app.login_response("mia", "").await).await;
    assert_eq!(status, 401, "no password signs into an account of the provider");
}

#[tokio::test]
async fn an_unreachable_provider_is_a_readable_503_page_and_local_accounts_still_sign_in() {
    let fixture = fixture("").await;
    let Fixture { peer, app, _secret_dir } = fixture;
    drop(peer);
    let response = app.client.get(format!("{}/auth/oidc/start", app.address)).send().await.unwrap();
    let (status, page) = (response.status().as_u16(), response.text().await.unwrap());
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("GitLab cannot be reached just now"), "{page}");
    app.login("root", ROOT_PASSWORD).await;
    let response = app.client.get(format!("{}/auth/oidc/callback?code=x&state=y", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 400, "a callback without its cookie is refused before the provider is asked");
}

#[tokio::test]
async fn without_an_oidc_table_there_is_no_button_and_no_route() {
    let app = spawn_app_with("").await;
    let page = app.client.get(format!("{}/login", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Sign in with"), "{page}");
    for path in ["/auth/oidc/start", "/auth/oidc/callback?code=x&state=y"] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn with_a_second_factor_on_no_gitlab_key_is_imported_before_her_code() {
    let fixture = fixture("auto_approve = true").await;
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "added-at-gitlab");
    let session = fixture.signed_in("mia").await;
    let now = crate::totp_api::early_in_a_step().await;
    crate::totp_api::enrolled(&fixture.app, &session, now).await;
    fixture.peer.set_keys("mia", &[public]).await;
    let response = fixture.sign_in("mia").await;
    assert!(cookie_named(&response, "smp_session").is_none(), "no session before the code");
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"login-code\""), "the code step: {page}");
    assert!(fixture.app.audit_rows_of("ssh_key.import").is_empty());
    let (code, _, _) = run(&fixture.app, &key, "smp", &["list"], b"").await;
    assert_ne!(code, 0, "a key added at GitLab does not open the gateway before her code");
}
