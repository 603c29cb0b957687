//! Tokens minted by `smp-agent token` work once, against the real agent.

use std::time::Duration;

use crate::support::{AgentConfig, LxdProject, RunningAgent, run_with_deadline};

#[test]
fn a_token_from_the_cli_is_accepted_once_and_its_replay_is_refused_with_token_replayed() {
    let project = LxdProject::create("replay");
    project.launch_busybox("c1");
    let config = AgentConfig::new(&project.name, "127.0.0.1");
    let agent = RunningAgent::start(&config, "http");
    let client = RunningAgent::client();

    let finished = run_with_deadline(config.agent_command(&["token", "--action", "list"]), Duration::from_secs(10));
    assert!(finished.success(), "smp-agent token failed: {}", finished.stderr);
    let token = finished.stdout.trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT is three segments: {token}");

    let list = || client.get(format!("{}/containers", agent.url)).bearer_auth(&token).send().expect("GET /containers");

    let first = list();
    assert_eq!(first.status(), 200, "the fresh token was refused");
    let body: serde_json::Value = first.json().expect("JSON");
    let names: Vec<&str> =
        body["items"].as_array().expect("items").iter().filter_map(|item| item["name"].as_str()).collect();
    assert_eq!(names, ["c1"], "the agent lists exactly its project's containers: {body}");

    let replay = list();
    assert_eq!(replay.status(), 401, "the replayed token was not refused with 401");
    let body: serde_json::Value = replay.json().expect("the refusal is JSON");
    assert_eq!(body["error"]["code"], "token_replayed", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.contains(&token) && !message.contains(&config.secret), "the refusal echoes a secret: {message}");
}

/// Signs a `POST /token` request as docs/protocol.md describes.
fn sign_token_request(secret: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    use hmac::Mac as _;
    use sha2::Digest as _;
    let body_sha256 = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    let canonical = format!("SMP1\n{timestamp}\n{nonce}\nPOST\n/token\n{body_sha256}");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

/// A signed request whose timestamp is ahead of the agent's clock (allowed:
/// ±30 s) stays acceptable until timestamp + 30 s, so its nonce must be
/// remembered that long. The agent forgets it at arrival + 35 s.
#[test]
#[ignore = "agent bug (reported): /token nonces are remembered until arrival + 35 s, not timestamp + 30 s; takes 40 s"]
fn a_signed_token_request_cannot_be_replayed_while_its_timestamp_is_still_accepted() {
    let project = LxdProject::create("nonce");
    let config = AgentConfig::new(&project.name, "127.0.0.1");
    let agent = RunningAgent::start(&config, "http");
    let client = RunningAgent::client();

    let body = r#"{"action":"list"}"#;
    let timestamp = unix_now() + 28;
    let nonce = "e2e0123456789abcdef0123456789ab";
    let signature = sign_token_request(&config.secret, timestamp, nonce, body);
    let post = || {
        client
            .post(format!("{}/token", agent.url))
            .header("X-SMP-Key-Id", &config.key_id)
            .header("X-SMP-Timestamp", timestamp.to_string())
            .header("X-SMP-Nonce", nonce)
            .header("X-SMP-Signature", &signature)
            .body(body)
            .send()
            .expect("POST /token")
    };
    assert_eq!(post().status(), 201, "the signed request was refused");
    assert_eq!(post().status(), 401, "the immediate replay was accepted");

    std::thread::sleep(Duration::from_secs(37));
    assert!(unix_now() - timestamp <= 25, "the replay below must still be inside the ±30 s window");
    let replay = post();
    assert_eq!(replay.status(), 401, "the replay within the timestamp window was accepted: {:?}", replay.text());
}
