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
