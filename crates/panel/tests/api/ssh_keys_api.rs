//! Issue 16, item 1, over HTTP: the SSH keys of one's own profile at
//! `/api/v1/me/ssh-keys`. A member adds keys (from her session, never with
//! a token), lists and deletes them, each change audited with the key's
//! fingerprint; a refused key says why in words and stores nothing; a key
//! already on any account is a conflict that never says whose; 32 keys at
//! most; nobody, not even the head admin, touches another's keys; and the
//! gateway's `authenticate` finds a key's owner only while she may sign in.

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::app::ssh_keys::{authenticate, record_use};
use smp_panel::db::{self, ssh_keys::SshKeyId, users};

use crate::containers_api::PASSWORD;
use crate::helpers::{Session, TestApp, error_code, spawn_app, spawn_app_signed_in};

pub(crate) const ED25519: &str = include_str!("../fixtures/ssh_keys/ed25519.pub");
pub(crate) const ECDSA_256: &str = include_str!("../fixtures/ssh_keys/ecdsa256.pub");
pub(crate) const RSA_3072: &str = include_str!("../fixtures/ssh_keys/rsa3072.pub");
pub(crate) const RSA_2048: &str = include_str!("../fixtures/ssh_keys/rsa2048.pub");
const DSA: &str = include_str!("../fixtures/ssh_keys/dsa.pub");
const ED25519_CERT: &str = include_str!("../fixtures/ssh_keys/ed25519-cert.pub");
/// `ssh-keygen -lf` of ed25519.pub, ecdsa256.pub and rsa3072.pub (fixtures/ssh_keys/fingerprints.txt).
pub(crate) const ED25519_FINGERPRINT: &str = "SHA256:WYprxGmFjy/vFOoV66CFoKRTnV3T4LYPdArturgb7C8";
const ECDSA_256_FINGERPRINT: &str = "SHA256:3Ts0cg0yXlelbcxZT+94TcCjPpEqaebyMnwXKLoiJW0";
const RSA_3072_FINGERPRINT: &str = "SHA256:Z4tQxOVgQAOyDtSlSxM/Ck/vRgdeqVkF0BeLAzfmhjA";

/// A distinct, well-formed ed25519 public key line for each `n`.
fn nth_ed25519(n: u8) -> String {
    use ssh_key::public::{Ed25519PublicKey, KeyData};
    ssh_key::PublicKey::from(KeyData::Ed25519(Ed25519PublicKey([n; 32]))).to_openssh().unwrap()
}

async fn add(app: &TestApp, session: &Session, name: &str, public_key: &str) -> reqwest::Response {
    app.send_json(Method::POST, "/me/ssh-keys", session, &json!({"name": name, "public_key": public_key})).await
}

/// `add`, which must answer 201: the key.
async fn added(app: &TestApp, session: &Session, name: &str, public_key: &str) -> Value {
    let response = add(app, session, name, public_key).await;
    assert_eq!(response.status(), 201, "{name}");
    response.json().await.unwrap()
}

/// The caller's keys as listed.
async fn listed(app: &TestApp, session: &Session) -> Vec<Value> {
    let response = app.with_session(Method::GET, "/me/ssh-keys", session).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

fn fingerprints(keys: &[Value]) -> Vec<&str> {
    keys.iter().map(|key| key["fingerprint"].as_str().unwrap()).collect()
}

/// (outcome, object, error code, detail) of each audit row of `action`.
fn rows(app: &TestApp, action: &str) -> Vec<(String, String, Option<String>, Option<String>)> {
    app.audit_rows_of(action).into_iter().map(|row| (row.outcome, row.object, row.error_code, row.detail)).collect()
}

#[tokio::test]
async fn a_member_adds_lists_and_deletes_her_keys_each_audited_with_its_fingerprint() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    let laptop = added(&app, &mia, "  laptop  ", ED25519).await;
    assert_eq!(laptop["name"], "laptop", "the name is trimmed");
    assert_eq!(laptop["algorithm"], "ssh-ed25519");
    assert_eq!(laptop["fingerprint"], ED25519_FINGERPRINT, "as ssh-keygen -lf prints it");
    let without_comment = ED25519.trim().rsplit_once(' ').unwrap().0;
    assert_eq!(laptop["public_key"], without_comment, "the comment is dropped");
    assert_eq!(laptop["last_used_at"], Value::Null);
    assert!(laptop["created_at"].as_i64().unwrap() > 0);
    let desktop = added(&app, &mia, "desktop", ECDSA_256).await;
    assert_eq!(desktop["algorithm"], "ecdsa-sha2-nistp256");
    let server = added(&app, &mia, "server", RSA_3072).await;
    assert_eq!(
        (server["algorithm"].as_str(), server["fingerprint"].as_str()),
        (Some("ssh-rsa"), Some(RSA_3072_FINGERPRINT))
    );

    let keys = listed(&app, &mia).await;
    assert_eq!(fingerprints(&keys), [ED25519_FINGERPRINT, ECDSA_256_FINGERPRINT, RSA_3072_FINGERPRINT], "oldest first");
    assert_eq!(keys[0], laptop, "listed as answered");

    let path = format!("/me/ssh-keys/{}", laptop["id"]);
    let response = app.with_session(Method::DELETE, &path, &mia).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(fingerprints(&listed(&app, &mia).await), [ECDSA_256_FINGERPRINT, RSA_3072_FINGERPRINT]);
    let response = app.with_session(Method::DELETE, &path, &mia).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".to_owned()), "deleted once");

    let object = |key: &Value| format!("ssh_key:{}", key["id"]);
    let ok = |key: &Value, fingerprint: &str| ("ok".to_owned(), object(key), None, Some(fingerprint.to_owned()));
    assert_eq!(
        rows(&app, "ssh_key.add"),
        [ok(&laptop, ED25519_FINGERPRINT), ok(&desktop, ECDSA_256_FINGERPRINT), ok(&server, RSA_3072_FINGERPRINT)]
    );
    assert_eq!(
        rows(&app, "ssh_key.delete"),
        [ok(&laptop, ED25519_FINGERPRINT), ("refused".to_owned(), object(&laptop), Some("not_found".to_owned()), None)]
    );
    assert!(app.audit_rows().iter().all(|row| row.actor == "mia"));
}

#[tokio::test]
async fn every_refused_key_is_a_422_saying_why_in_words_and_nothing_is_stored() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    let private =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----\n";
    let two_lines = format!("{ED25519}{ECDSA_256}");
    let long_name = "x".repeat(65);
    let refused = [
        ("laptop", RSA_2048, "this RSA key has 2048 bits; RSA keys need at least 3072"),
        ("laptop", DSA, "DSA (ssh-dss) keys are not accepted"),
        ("laptop", ED25519_CERT, "this is an SSH certificate"),
        ("laptop", private, "this is a private key; paste the .pub file"),
        ("laptop", two_lines.as_str(), "paste one key on one line"),
        ("laptop", "ssh-ed25519 bm90IGEga2V5", "this is not an OpenSSH public key"),
        ("laptop", "", "the public key is empty"),
        ("   ", ED25519, "name: 1 to 64 characters"),
        (long_name.as_str(), ED25519, "name: 1 to 64 characters"),
        ("tab\there", ED25519, "no control characters"),
    ];
    for (name, public_key, words) in refused {
        let response = add(&app, &mia, name, public_key).await;
        assert_eq!(response.status(), 422, "{words}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message:?} should say {words:?}");
    }
    let response = app.send_body(Method::POST, "/me/ssh-keys", &mia, r#"{"name":"x","key":"y"}"#.into()).await;
    assert_eq!(error_code(response).await, (422, "invalid_input".to_owned()), "an unknown field");
    assert!(listed(&app, &mia).await.is_empty(), "nothing was stored");
    let codes: Vec<_> =
        rows(&app, "ssh_key.add").into_iter().map(|(outcome, object, code, _)| (outcome, object, code)).collect();
    let refusal = ("refused".to_owned(), "ssh_key:new".to_owned(), Some("invalid_input".to_owned()));
    assert_eq!(codes, vec![refusal; refused.len() + 1], "every refusal is audited");
}

#[tokio::test]
async fn a_key_already_on_any_account_is_a_conflict_that_never_says_whose() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    app.user("bob", Role::Member, PASSWORD, true);
    let bob = app.login("bob", PASSWORD).await;
    added(&app, &mia, "laptop", ED25519).await;

    // The same key with another comment and spacing is the same key.
    let same_key = format!("  {}   bob@elsewhere\n", ED25519.trim().rsplit_once(' ').unwrap().0);
    let response = add(&app, &bob, "mine", &same_key).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("another account") && !message.contains("mia"), "{message}");
    assert!(listed(&app, &bob).await.is_empty());

    let response = add(&app, &mia, "again", ED25519).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("already in your profile, as \"laptop\""), "{body}");
    assert_eq!(listed(&app, &mia).await.len(), 1);

    let refused: Vec<_> = app
        .audit_rows_of("ssh_key.add")
        .into_iter()
        .filter(|row| row.outcome == "refused")
        .map(|row| (row.actor, row.error_code, row.detail))
        .collect();
    let conflict = |actor: &str| (actor.to_owned(), Some("conflict".to_owned()), Some(ED25519_FINGERPRINT.to_owned()));
    assert_eq!(refused, [conflict("bob"), conflict("mia")]);
}

#[tokio::test]
async fn nobody_sees_or_deletes_another_accounts_key_not_even_the_head_admin() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    let root = app.login("root", PASSWORD).await;
    let hers = added(&app, &mia, "laptop", ED25519).await;
    let path = format!("/me/ssh-keys/{}", hers["id"]);
    let response = app.with_session(Method::DELETE, &path, &root).send().await.unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".to_owned()));
    assert!(listed(&app, &root).await.is_empty(), "the head admin lists her own keys only");
    assert_eq!(listed(&app, &mia).await, [hers]);
    let own = added(&app, &root, "admin laptop", ECDSA_256).await;
    assert_eq!(fingerprints(&listed(&app, &root).await), [ECDSA_256_FINGERPRINT]);
    let response = app.with_session(Method::DELETE, &format!("/me/ssh-keys/{}", own["id"]), &root).send().await;
    assert_eq!(response.unwrap().status(), 204, "her own she deletes");
}

#[tokio::test]
async fn a_token_lists_and_deletes_keys_but_never_adds_one() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    let body = json!({"name": "script", "password": PASSWORD, "scope": "write"});
    let response = app.send_json(Method::POST, "/tokens", &mia, &body).await;
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let bearer = |method: Method, path: &str| app.client.request(method, app.url(path)).bearer_auth(&token);

    let response = bearer(Method::POST, "/me/ssh-keys").json(&json!({"name": "planted", "public_key": ED25519}));
    assert_eq!(error_code(response.send().await.unwrap()).await, (403, "session_required".to_owned()));
    assert!(listed(&app, &mia).await.is_empty());
    let refused = rows(&app, "ssh_key.add");
    assert_eq!(refused, [("refused".into(), "ssh_key:new".into(), Some("session_required".into()), None)]);

    let key = added(&app, &mia, "laptop", ED25519).await;
    let response = bearer(Method::GET, "/me/ssh-keys").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        fingerprints(response.json::<Value>().await.unwrap()["items"].as_array().unwrap()),
        [ED25519_FINGERPRINT]
    );
    let response = bearer(Method::DELETE, &format!("/me/ssh-keys/{}", key["id"])).send().await.unwrap();
    assert_eq!(response.status(), 204, "a write token may take a key away");
    assert!(listed(&app, &mia).await.is_empty());
}

#[tokio::test]
async fn the_thirty_third_key_is_refused_with_limit_reached_until_one_is_deleted() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    let mut first = Value::Null;
    for n in 0..32 {
        let key = added(&app, &mia, &format!("key {n}"), &nth_ed25519(n)).await;
        if n == 0 {
            first = key;
        }
    }
    let response = add(&app, &mia, "one more", &nth_ed25519(32)).await;
    assert_eq!(response.status(), 429);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "limit_reached");
    assert!(body["error"]["message"].as_str().unwrap().contains("32 SSH keys"), "{body}");
    assert_eq!(listed(&app, &mia).await.len(), 32);

    let response = app.with_session(Method::DELETE, &format!("/me/ssh-keys/{}", first["id"]), &mia).send().await;
    assert_eq!(response.unwrap().status(), 204);
    added(&app, &mia, "one more", &nth_ed25519(32)).await;
}

#[tokio::test]
async fn the_gateway_finds_a_keys_owner_only_while_she_may_sign_in_and_records_its_use_once_a_minute() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    let key = added(&app, &mia, "laptop", ED25519).await;
    let key_id = SshKeyId(key["id"].as_i64().unwrap());
    let pool = db::connect_and_migrate(&app.db.url).unwrap();

    assert!(authenticate(&pool, ECDSA_256_FINGERPRINT).await.unwrap().is_none(), "an unknown key");
    let (user, id) = authenticate(&pool, ED25519_FINGERPRINT).await.unwrap().expect("her key");
    assert_eq!((user.username.as_str(), id), ("mia", key_id));

    record_use(&pool, key_id).await.unwrap();
    let used = listed(&app, &mia).await[0]["last_used_at"].as_i64().expect("recorded");
    assert!((db::unix_now() - used).abs() < 5, "{used}");
    let mut connection = app.db.connect();
    assert!(!db::ssh_keys::touch(&mut connection, key_id).unwrap(), "not written again within the minute");

    let disable = users::UserChanges { disabled: Some(true), ..Default::default() };
    users::update(&mut connection, user.id, disable).unwrap();
    assert!(authenticate(&pool, ED25519_FINGERPRINT).await.unwrap().is_none(), "a disabled account");
    let enable_unapproved = users::UserChanges { disabled: Some(false), approved: Some(false), ..Default::default() };
    users::update(&mut connection, user.id, enable_unapproved).unwrap();
    assert!(authenticate(&pool, ED25519_FINGERPRINT).await.unwrap().is_none(), "an unapproved account");
}

#[tokio::test]
async fn deleting_an_account_deletes_its_keys() {
    let app = spawn_app().await;
    let id = app.user("mia", Role::Member, PASSWORD, true);
    let mia = app.login("mia", PASSWORD).await;
    added(&app, &mia, "laptop", ED25519).await;
    let mut connection = app.db.connect();
    use diesel::prelude::*;
    use smp_panel::db::schema::{ssh_keys, users as users_table};
    diesel::delete(users_table::table.find(id)).execute(&mut connection).unwrap();
    let left: i64 = ssh_keys::table.count().get_result(&mut connection).unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn two_accounts_adding_one_key_at_once_get_one_201_and_one_409_never_a_500() {
    let (app, mia) = spawn_app_signed_in("mia", Role::Member, PASSWORD).await;
    app.user("bob", Role::Member, PASSWORD, true);
    let bob = app.login("bob", PASSWORD).await;
    for n in 0..5 {
        let key = nth_ed25519(100 + n);
        let (hers, his) = tokio::join!(add(&app, &mia, "race", &key), add(&app, &bob, "race", &key));
        let mut statuses = [hers.status().as_u16(), his.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {n}");
    }
    let mut fingerprints = fingerprints(&listed(&app, &mia).await).into_iter().map(str::to_owned).collect::<Vec<_>>();
    fingerprints.extend(self::fingerprints(&listed(&app, &bob).await).into_iter().map(str::to_owned));
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 5, "each key is on one account");
}
