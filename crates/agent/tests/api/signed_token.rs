//! `POST /token`: a request signed with the key gets a working operation
//! token; a bad signature, a skewed clock or a reused nonce gets nothing.

use serde_json::json;
use smp_proto::signature::sign_request;

use crate::helpers::{Answer, TestAgent, now, running_c1};

async fn post_token(agent: &TestAgent, body: &[u8], timestamp: i64, nonce: &str, secret: &str) -> Answer {
    let timestamp = timestamp.to_string();
    let signature = sign_request(secret, &timestamp, nonce, "POST", "/token", body);
    let response = agent
        .http
        .post(format!("{}/token", agent.url))
        .header("X-SMP-Key-Id", "k1")
        .header("X-SMP-Timestamp", &timestamp)
        .header("X-SMP-Nonce", nonce)
        .header("X-SMP-Signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    Answer { status, body: response.json().await.unwrap() }
}

fn nonce() -> String {
    crate::helpers::fresh_jti()
}

#[tokio::test]
async fn a_signed_request_gets_a_token_that_really_restarts_the_container_once() {
    let (project, agent) = running_c1("tk-flow").await;
    let body =
        serde_json::to_vec(&json!({"action": "restart", "container": "c1", "ttl": 30, "subject": "ops-ann"})).unwrap();
    let answer = post_token(&agent, &body, now(), &nonce(), &agent.secret).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let token = answer.body["token"].as_str().unwrap().to_owned();
    assert!(answer.body["expires_at"].as_i64().unwrap() <= now() + 30);

    let before = project.init_pid("c1");
    let restarted = agent.send("POST", "/container/c1/restart", Some(&token), b"").await;
    assert_eq!(restarted.status, 200, "{}", restarted.body);
    assert_ne!(project.init_pid("c1"), before);
    let replayed = agent.send("POST", "/container/c1/restart", Some(&token), b"").await;
    assert_eq!(replayed.code(), "token_replayed");
}

#[tokio::test]
async fn a_request_signed_with_another_secret_is_refused_as_signature_invalid() {
    let agent = TestAgent::spawn_with("").await;
    let body = br#"{"action":"list"}"#;
    let answer = post_token(&agent, body, now(), &nonce(), &crate::helpers::random_secret()).await;
    assert_eq!((answer.status, answer.code()), (401, "signature_invalid"));
    assert!(answer.body.get("token").is_none());
}

#[tokio::test]
async fn a_request_31_seconds_off_the_clock_is_refused_as_timestamp_skew() {
    let agent = TestAgent::spawn_with("").await;
    let body = br#"{"action":"list"}"#;
    for skew in [-31, 31] {
        let answer = post_token(&agent, body, now() + skew, &nonce(), &agent.secret).await;
        assert_eq!((answer.status, answer.code()), (401, "timestamp_skew"), "{skew}");
    }
}

#[tokio::test]
async fn a_reused_nonce_is_refused_as_token_replayed() {
    let agent = TestAgent::spawn_with("").await;
    let body = br#"{"action":"list"}"#;
    let nonce = nonce();
    assert_eq!(post_token(&agent, body, now(), &nonce, &agent.secret).await.status, 201);
    let again = post_token(&agent, body, now(), &nonce, &agent.secret).await;
    assert_eq!((again.status, again.code()), (401, "token_replayed"));
}

#[tokio::test]
async fn a_token_request_with_a_ttl_over_max_ttl_or_a_bad_container_is_refused() {
    let agent = TestAgent::spawn_with("").await;
    let too_long = br#"{"action":"restart","container":"c1","ttl":61}"#;
    assert_eq!(post_token(&agent, too_long, now(), &nonce(), &agent.secret).await.code(), "invalid_request");
    let bad_name = br#"{"action":"restart","container":"../x"}"#;
    assert_eq!(post_token(&agent, bad_name, now(), &nonce(), &agent.secret).await.code(), "invalid_name");
    let missing = br#"{"action":"restart"}"#;
    assert_eq!(post_token(&agent, missing, now(), &nonce(), &agent.secret).await.code(), "invalid_request");
}

#[tokio::test]
async fn a_token_request_without_signature_headers_is_refused() {
    let agent = TestAgent::spawn_with("").await;
    let response = agent.http.post(format!("{}/token", agent.url)).body("{}").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "signature_invalid");
}
