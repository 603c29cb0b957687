//! `AgentClient` against tiny local fake agents (plain HTTP on loopback):
//! the token per request, the one retry on `token_predates_agent`, and the
//! mapping of answers and failures to `AgentCallError`.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use smp_panel::agents::{AgentCallError, AgentClient, Caller};
use smp_proto::config_policy::Tier;
use smp_proto::error::ErrorCode;
use smp_proto::token::SharedKey;

const SECRET: &str = "fake-agent-secret-0123456789abcdef0123";

/// A fake agent: answers request number `n` (from 0) with `answer(n)`
/// (status and body); counts the requests and keeps their heads.
struct Fake {
    url: String,
    count: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

fn fake(answer: impl Fn(usize) -> (u16, String) + Send + 'static) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (thread_count, thread_heads) = (count.clone(), heads.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let n = thread_count.fetch_add(1, Ordering::SeqCst);
            thread_heads.lock().unwrap().push(head);
            let (status, text) = answer(n);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    Fake { url, count, heads }
}

fn client(url: &str) -> AgentClient {
    AgentClient::new("m1", url, SharedKey::new("panel", SECRET), None, "test").unwrap()
}

fn caller() -> Caller {
    Caller::new("alice", Tier::Member)
}

const PREDATES: &str = r#"{"error":{"code":"token_predates_agent","message":"minted before the agent started"}}"#;
const LIST: &str = r#"{"items":[]}"#;

fn bearer(head: &str) -> String {
    head.lines()
        .find_map(|line| {
            line.strip_prefix("authorization: Bearer ").or_else(|| line.strip_prefix("Authorization: Bearer "))
        })
        .expect("a bearer token")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn token_predates_agent_once_is_retried_once_with_a_fresh_token() {
    let agent = fake(|n| if n == 0 { (401, PREDATES.into()) } else { (200, LIST.into()) });
    let list = client(&agent.url).list(&caller()).await.unwrap();
    assert!(list.items.is_empty());
    assert_eq!(agent.count.load(Ordering::SeqCst), 2);
    let heads = agent.heads.lock().unwrap();
    assert!(heads[0].starts_with("GET /containers "), "{}", heads[0]);
    assert_ne!(bearer(&heads[0]), bearer(&heads[1]), "a fresh token for the retry");
}

#[tokio::test]
async fn token_predates_agent_twice_is_an_error_after_exactly_two_requests() {
    let agent = fake(|_| (401, PREDATES.into()));
    let error = client(&agent.url).list(&caller()).await.unwrap_err();
    assert!(matches!(error, AgentCallError::Agent { status: 401, code: ErrorCode::TokenPredatesAgent, .. }), "{error}");
    assert_eq!(error.code(), "token_predates_agent");
    assert_eq!(agent.count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn other_errors_are_not_retried_and_keep_their_status_and_code() {
    for (status, code) in [(404, "not_found"), (502, "lxd_error"), (503, "lxd_unavailable"), (504, "timeout")] {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        let agent = fake(move |_| (status, body.clone()));
        let error = client(&agent.url)
            .stop_or_restart(&caller(), smp_proto::action::Action::Restart, "c1", &Default::default())
            .await
            .unwrap_err();
        assert_eq!((error.agent_status(), error.code()), (Some(status), code), "{error}");
        assert_eq!(agent.count.load(Ordering::SeqCst), 1);
        assert!(agent.heads.lock().unwrap()[0].starts_with("POST /container/c1/restart "));
    }
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let error = client(&format!("http://127.0.0.1:{port}")).list(&caller()).await.unwrap_err();
    assert!(matches!(error, AgentCallError::Unavailable { .. }), "{error}");
    assert_eq!(error.code(), "unavailable");
}

#[tokio::test]
async fn a_non_json_answer_is_a_bad_answer() {
    let agent = fake(|_| (500, "oops".into()));
    let error = client(&agent.url).list(&caller()).await.unwrap_err();
    assert!(matches!(error, AgentCallError::BadAnswer { status: 500, .. }), "{error}");
}

#[test]
fn http_to_a_non_loopback_host_or_https_without_a_pin_is_refused() {
    let key = || SharedKey::new("panel", SECRET);
    assert!(AgentClient::new("m1", "http://10.0.0.5:8443", key(), None, "t").is_err());
    assert!(AgentClient::new("m1", "https://10.0.0.5:8443", key(), None, "t").is_err());
}

#[tokio::test]
async fn an_answer_or_an_event_too_large_to_be_honest_is_a_bad_answer_not_a_full_memory() {
    let huge = format!("{{\"containers\":\"{}\"}}", "x".repeat(smp_panel::agents::MAX_ANSWER_BYTES));
    let agent = fake(move |_| (200, huge.clone()));
    let error = client(&agent.url).list(&caller()).await.unwrap_err();
    assert!(matches!(&error, AgentCallError::BadAnswer { message, .. } if message.contains("larger than")), "{error}");

    let endless = format!("event: instance\ndata: {}", "x".repeat(smp_panel::agents::MAX_EVENT_BYTES * 2));
    let agent = fake(move |_| (200, endless.clone()));
    let mut events = client(&agent.url).events(&caller()).await.unwrap();
    let error = events.next().await.unwrap_err();
    assert!(matches!(&error, AgentCallError::BadAnswer { message, .. } if message.contains("larger than")), "{error}");
}
