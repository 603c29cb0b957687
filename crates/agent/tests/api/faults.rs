//! What LXD cannot be made to do, through the agent's HTTP API on a fake
//! LXD socket: a read LXD never answers is 503 `lxd_unavailable` (nothing
//! was done; a change past its deadline is 504 `timeout`, see
//! `lxd_client`), a missing socket 503
//! `lxd_unavailable`, garbage 502 `lxd_error`, and refused tokens never
//! reach LXD at all.

use std::time::{Duration, Instant};

use smp_proto::Action;

use crate::fake_lxd::{Behaviour, FakeLxd, dead_socket};
use crate::helpers::TestAgent;

async fn agent_on(socket: &std::path::Path) -> TestAgent {
    TestAgent::spawn_with(&format!("lxd_socket = \"{}\"\nlxd_timeout_s = 1", socket.display())).await
}

#[tokio::test]
async fn a_hanging_lxd_answers_a_read_503_lxd_unavailable_within_the_deadline() {
    let fake = FakeLxd::start(Behaviour::Hang).await;
    let agent = agent_on(fake.socket_path()).await;
    let started = Instant::now();
    let answer = agent.act(Action::State, "c1", b"").await;
    assert_eq!((answer.status, answer.code()), (503, "lxd_unavailable"), "{}", answer.body);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_missing_lxd_socket_answers_503_lxd_unavailable() {
    let (_dir, socket) = dead_socket();
    let agent = agent_on(&socket).await;
    let answer = agent.act(Action::State, "c1", b"").await;
    assert_eq!((answer.status, answer.code()), (503, "lxd_unavailable"), "{}", answer.body);
    let health = agent.send("GET", "/health", None, b"").await;
    assert_eq!((health.status, health.body["status"].as_str()), (200, Some("degraded")));
    assert_eq!(health.body["lxd"]["reachable"], false);
}

#[tokio::test]
async fn garbage_from_lxd_answers_502_lxd_error_without_echoing_it() {
    let fake = FakeLxd::start(Behaviour::Garbage).await;
    let agent = agent_on(fake.socket_path()).await;
    let answer = agent.act(Action::State, "c1", b"").await;
    assert_eq!((answer.status, answer.code()), (502, "lxd_error"), "{}", answer.body);
}

#[tokio::test]
async fn refused_tokens_never_reach_lxd() {
    let fake = FakeLxd::start(Behaviour::Garbage).await;
    let agent = agent_on(fake.socket_path()).await;
    let mut claims = agent.claims(Action::Restart, Some("c1"));
    claims.aud = "elsewhere".into();
    let refused = [
        agent.send("POST", "/container/c1/restart", None, b"").await,
        agent.send("POST", "/container/c1/restart", Some("garbage"), b"").await,
        agent.send("POST", "/container/c1/restart", Some(&agent.mint(&claims)), b"").await,
        agent.send("POST", "/container/c2/restart", Some(&agent.token(Action::Restart, Some("c1"), b"")), b"").await,
    ];
    assert!(refused.iter().all(|answer| answer.status == 401 || answer.status == 403));
    assert_eq!(fake.connections(), 0, "no refused request may open a connection to LXD");
}
