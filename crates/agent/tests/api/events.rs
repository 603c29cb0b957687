//! `GET /events`: on the real LXD, changes made from outside arrive as
//! server-sent events, only of the agent's project, and the stream ends by
//! itself after `max_stream_s`; the token is checked like any other. On a
//! fake LXD: a failure at connect is the usual JSON error, a dropped LXD
//! connection ends the stream, and a client that goes away closes the
//! agent's connection to LXD.

use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use serde_json::{Value, json};
use smp_proto::Action;

use crate::fake_lxd::{AfterMessages, Behaviour, FakeEvents, FakeLxd, dead_socket};
use crate::helpers::TestAgent;
use crate::lxd_fixture::TestProject;

/// Longest wait for one event or the end of a stream.
const WAIT: Duration = Duration::from_secs(5);

/// The server-sent events of one open `/events` response.
struct EventStream {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    buffer: String,
}

impl EventStream {
    /// Opens `/events` with `token`; asserts a 200 `text/event-stream`.
    async fn open(agent: &TestAgent, token: &str) -> EventStream {
        let response = agent.http.get(format!("{}/events", agent.url)).bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").map(|value| value.to_str().unwrap().to_owned());
        if status != 200 {
            panic!("GET /events answered {status}: {}", response.text().await.unwrap());
        }
        assert_eq!(content_type.as_deref(), Some("text/event-stream"));
        EventStream { body: Box::pin(response.bytes_stream()), buffer: String::new() }
    }

    /// The next message (the text before a blank line); `None` at the end.
    async fn next_message(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let message = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(message);
            }
            match self.body.next().await {
                Some(chunk) => self.buffer.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap()),
                None => {
                    assert!(self.buffer.is_empty(), "the stream ended inside a message: {:?}", self.buffer);
                    return None;
                }
            }
        }
    }

    /// The `data` of the next `event: instance` message, comments skipped;
    /// `None` at the end. Panics after `WAIT`.
    async fn next_event(&mut self) -> Option<Value> {
        tokio::time::timeout(WAIT, async {
            loop {
                let message = self.next_message().await?;
                if message.starts_with(':') {
                    continue;
                }
                let data = message
                    .strip_prefix("event: instance\ndata: ")
                    .unwrap_or_else(|| panic!("not an `event: instance` message with one data line: {message:?}"));
                return Some(serde_json::from_str(data).unwrap());
            }
        })
        .await
        .expect("no event or end of stream in time")
    }

    /// Skips events until one of `name` arrives; returns it.
    async fn event_of(&mut self, name: &str) -> Value {
        loop {
            let event = self.next_event().await.unwrap_or_else(|| panic!("the stream ended before an event of {name}"));
            if event["name"] == name {
                return event;
            }
        }
    }
}

async fn scene(prefix: &str, extra_toml: &str) -> (TestProject, TestAgent) {
    let project = TestProject::new(prefix);
    project.launch("c1", "smp-busybox");
    let agent = TestAgent::spawn_with(&format!("project = \"{}\"\n{extra_toml}", project.name())).await;
    (project, agent)
}

#[tokio::test]
async fn a_forced_stop_and_a_start_from_outside_arrive_as_events() {
    let (project, agent) = scene("ev-stop-start", "").await;
    let mut events = EventStream::open(&agent, &agent.token(Action::Events, None, b"")).await;

    project.lxc(&["stop", "--force", "c1"]);
    let stopped = events.event_of("c1").await;
    assert_eq!(stopped["status"], "stopped", "{stopped}");
    assert_eq!(stopped["action"], "instance-stopped", "{stopped}");
    assert!(stopped["at"].as_str().is_some_and(|at| at.contains('T')), "an RFC 3339 time: {stopped}");

    project.lxc(&["start", "c1"]);
    let started = events.event_of("c1").await;
    assert_eq!(started["status"], "running", "{started}");
    assert_eq!(started["action"], "instance-started", "{started}");
}

#[tokio::test]
async fn the_stream_closes_by_itself_after_max_stream_s() {
    let (_project, agent) = scene("ev-max", "max_stream_s = 2").await;
    let opened = Instant::now();
    let mut events = EventStream::open(&agent, &agent.token(Action::Events, None, b"")).await;
    assert_eq!(events.next_event().await, None, "nothing happened, then the stream ended");
    assert!(opened.elapsed() >= Duration::from_secs(2), "ended after {:?}", opened.elapsed());
}

#[tokio::test]
async fn a_replayed_events_token_is_refused_with_token_replayed() {
    let (_project, agent) = scene("ev-replay", "").await;
    let token = agent.token(Action::Events, None, b"");
    let _first = EventStream::open(&agent, &token).await;
    let again = agent.send("GET", "/events", Some(&token), b"").await;
    assert_eq!((again.status, again.code()), (401, "token_replayed"), "{}", again.body);
}

#[tokio::test]
async fn a_token_for_another_action_is_refused_with_403_and_an_events_token_opens_nothing_else() {
    let (_project, agent) = scene("ev-action", "").await;
    let list_token = agent.token(Action::List, None, b"");
    let answer = agent.send("GET", "/events", Some(&list_token), b"").await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_action"), "{}", answer.body);
    let events_token = agent.token(Action::Events, None, b"");
    let answer = agent.send("GET", "/containers", Some(&events_token), b"").await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_action"), "{}", answer.body);
    let answer = agent.send("GET", "/events", None, b"").await;
    assert_eq!((answer.status, answer.code()), (401, "token_missing"), "{}", answer.body);
}

#[tokio::test]
async fn the_events_of_another_projects_agent_never_show_this_projects_containers() {
    let (project, _agent) = scene("ev-mine", "").await;
    let other = TestProject::new("ev-theirs");
    other.launch("marker", "smp-busybox");
    let other_agent = TestAgent::spawn(other.name()).await;
    let mut events = EventStream::open(&other_agent, &other_agent.token(Action::Events, None, b"")).await;

    project.lxc(&["stop", "--force", "c1"]);
    project.lxc(&["start", "c1"]);
    // LXD delivers events in order: anything of c1 would come before this.
    other.lxc(&["stop", "--force", "marker"]);
    loop {
        let event = events.next_event().await.expect("the stream ended before the marker's event");
        assert_ne!(event["name"], "c1", "an event of another project leaked: {event}");
        if event["name"] == "marker" {
            assert_eq!(event["status"], "stopped", "{event}");
            break;
        }
    }
}

/// An agent on the fake socket, in the `default` project.
async fn agent_on(socket: &std::path::Path) -> TestAgent {
    TestAgent::spawn_with(&format!("lxd_socket = \"{}\"\nlxd_timeout_s = 1", socket.display())).await
}

/// A lifecycle message as LXD 5.0.2 sends it for the `default` project.
fn lxd_event(action: &str, name: &str) -> String {
    json!({
        "location": "none",
        "metadata": {"action": action, "source": format!("/1.0/instances/{name}")},
        "project": "default",
        "timestamp": "2026-11-23T05:56:33.253669288Z",
        "type": "lifecycle",
    })
    .to_string()
}

#[tokio::test]
async fn an_lxd_that_cannot_open_its_events_answers_the_usual_json_errors() {
    let (_dir, socket) = dead_socket();
    let agent = agent_on(&socket).await;
    let answer = agent.send("GET", "/events", Some(&agent.token(Action::Events, None, b"")), b"").await;
    assert_eq!((answer.status, answer.code()), (503, "lxd_unavailable"), "{}", answer.body);

    let garbage = FakeLxd::start(Behaviour::Garbage).await;
    let agent = agent_on(garbage.socket_path()).await;
    let answer = agent.send("GET", "/events", Some(&agent.token(Action::Events, None, b"")), b"").await;
    assert_eq!((answer.status, answer.code()), (502, "lxd_error"), "{}", answer.body);

    let refusing = FakeLxd::start(Behaviour::Answer {
        status: 403,
        body: r#"{"type":"error","error_code":403,"error":"not authorized"}"#.to_owned(),
    })
    .await;
    let agent = agent_on(refusing.socket_path()).await;
    let answer = agent.send("GET", "/events", Some(&agent.token(Action::Events, None, b"")), b"").await;
    assert_eq!((answer.status, answer.code()), (502, "lxd_error"), "{}", answer.body);

    let hanging = FakeLxd::start(Behaviour::Hang).await;
    let agent = agent_on(hanging.socket_path()).await;
    let started = Instant::now();
    let answer = agent.send("GET", "/events", Some(&agent.token(Action::Events, None, b"")), b"").await;
    assert_eq!((answer.status, answer.code()), (504, "timeout"), "{}", answer.body);
    assert!(started.elapsed() < WAIT, "took {:?}", started.elapsed());
}

#[tokio::test]
async fn the_agent_asks_lxd_for_its_projects_lifecycle_events_and_skips_what_implies_no_status() {
    let messages = vec![
        lxd_event("instance-exec", "c1"),
        r#"{"type":"operation","metadata":{"id":"x"},"project":"default","timestamp":"t"}"#.to_owned(),
        lxd_event("instance-started", "c1").replace("/1.0/instances/c1", "/1.0/instances/c1?project=other"),
        lxd_event("instance-paused", "c2"),
    ];
    let fake = FakeEvents::start(messages, AfterMessages::Hold).await;
    let agent = agent_on(fake.socket_path()).await;
    let mut events = EventStream::open(&agent, &agent.token(Action::Events, None, b"")).await;
    let event = events.next_event().await.unwrap();
    assert_eq!(
        event,
        json!({"name":"c2","status":"frozen","action":"instance-paused","at":"2026-11-23T05:56:33.253669288Z"})
    );
    assert_eq!(fake.paths(), vec!["/1.0/events?type=lifecycle&project=default".to_owned()]);
}

#[tokio::test]
async fn the_stream_ends_when_lxd_drops_its_events_connection() {
    let fake = FakeEvents::start(vec![lxd_event("instance-deleted", "c1")], AfterMessages::Close).await;
    let agent = agent_on(fake.socket_path()).await;
    let mut events = EventStream::open(&agent, &agent.token(Action::Events, None, b"")).await;
    let deleted = events.next_event().await.unwrap();
    assert_eq!((deleted["name"].as_str(), deleted["status"].as_str()), (Some("c1"), Some("deleted")));
    assert_eq!(events.next_event().await, None);
}

#[tokio::test]
async fn a_client_that_goes_away_closes_the_agents_connection_to_lxd() {
    let fake = FakeEvents::start(vec![lxd_event("instance-started", "c1")], AfterMessages::Hold).await;
    let agent = agent_on(fake.socket_path()).await;
    let mut events = EventStream::open(&agent, &agent.token(Action::Events, None, b"")).await;
    assert_eq!(events.next_event().await.unwrap()["status"], "running");
    tokio::time::timeout(WAIT, fake.wait_open(1)).await.expect("the agent holds one connection to LXD");

    drop(events);
    tokio::time::timeout(WAIT, fake.wait_open(0)).await.expect("the agent closed its connection to LXD");
}
