//! The interactive routes on the real LXD, with a WebSocket client:
//! a shell that computes, exits with its code, resizes, never takes a text
//! frame as input, and leaves no process behind; refusals before the
//! upgrade; the console's boot output.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use smp_proto::Action;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{MEMBER_IMAGES, TestAgent, running_c1};
use crate::lxd_fixture::TestProject;

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any one expected thing may take.
const WAIT: Duration = Duration::from_secs(15);

/// Opens `path` with `token`: the socket, or the refusal's status and JSON.
async fn open(agent: &TestAgent, path: &str, token: &str) -> Result<Client, (u16, serde_json::Value)> {
    let url = format!("{}{path}", agent.url.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(answer)) => {
            let body = answer.body().as_deref().unwrap_or_default();
            Err((answer.status().as_u16(), serde_json::from_slice(body).unwrap_or_default()))
        }
        Err(error) => panic!("websocket handshake failed: {error}"),
    }
}

async fn open_terminal(agent: &TestAgent, query: &str) -> Client {
    let token = agent.token(Action::Terminal, Some("c1"), b"");
    open(agent, &format!("/container/c1/terminal?{query}"), &token).await.expect("the terminal opens")
}

/// Reads binary output until it contains `wanted`; returns all of it.
async fn read_until(socket: &mut Client, wanted: &str) -> String {
    read_until_with(socket, |seen| seen.contains(wanted)).await
}

/// Reads binary output until `done` holds of all of it; returns it.
async fn read_until_with(socket: &mut Client, done: impl Fn(&str) -> bool) -> String {
    let wanted = "the expected output";
    let mut seen = String::new();
    let read = async {
        while let Some(message) = socket.next().await {
            match message.unwrap() {
                Message::Binary(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
                Message::Close(frame) => panic!("closed ({frame:?}) before {wanted:?}; output: {seen:?}"),
                _ => {}
            }
            if done(&seen) {
                return;
            }
        }
        panic!("the socket ended before {wanted:?}");
    };
    tokio::time::timeout(WAIT, read).await.unwrap_or_else(|_| panic!("no {wanted:?} in time; output: {seen:?}"));
    seen
}

/// Reads to the close, returning the text frames seen and the close code.
async fn read_to_close(socket: &mut Client) -> (Vec<String>, Option<CloseCode>) {
    let mut texts = Vec::new();
    let read = async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Text(text)) => texts.push(text.to_string()),
                Ok(Message::Close(frame)) => return frame.map(|frame| frame.code),
                Ok(_) => {}
                Err(error) => panic!("socket error before the close: {error}"),
            }
        }
        None
    };
    let code = tokio::time::timeout(WAIT, read).await.expect("the agent closes in time");
    (texts, code)
}

async fn type_line(socket: &mut Client, line: &str) {
    socket.send(Message::binary(format!("{line}\n").into_bytes())).await.unwrap();
}

#[tokio::test]
async fn a_shell_computes_and_its_exit_code_arrives_before_a_normal_close() {
    let (_project, agent) = running_c1("term-exit").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "echo $((6*7))").await;
    read_until(&mut socket, "42").await;
    type_line(&mut socket, "echo \"$TERM $HOME $USER $LANG\"").await;
    read_until(&mut socket, "xterm-256color /root root C.UTF-8").await;
    type_line(&mut socket, "exit 3").await;
    let (texts, code) = read_to_close(&mut socket).await;
    assert_eq!(texts, vec![r#"{"type":"exit","code":3}"#.to_owned()]);
    assert_eq!(code, Some(CloseCode::Normal));
}

#[tokio::test]
async fn a_resize_changes_the_pty_size() {
    let (_project, agent) = running_c1("term-resize").await;
    let mut socket = open_terminal(&agent, "cols=90&rows=20").await;
    type_line(&mut socket, "stty size").await;
    read_until(&mut socket, "20 90").await;
    socket.send(Message::text(r#"{"type":"resize","cols":123,"rows":45}"#)).await.unwrap();
    type_line(&mut socket, "stty size").await;
    read_until(&mut socket, "45 123").await;
    // Clamped to 500 (busybox reports a width or height of 1 as its default).
    socket.send(Message::text(r#"{"type":"resize","cols":9999,"rows":30}"#)).await.unwrap();
    type_line(&mut socket, "stty size").await;
    read_until(&mut socket, "30 500").await;
}

#[tokio::test]
async fn a_text_frame_never_reaches_the_shell_and_closes_the_socket_as_a_policy_violation() {
    let (project, agent) = running_c1("term-text").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "echo ready").await;
    read_until(&mut socket, "ready").await;
    socket.send(Message::text("touch /tmp/x\n")).await.unwrap();
    let (_, code) = read_to_close(&mut socket).await;
    assert_eq!(code, Some(CloseCode::Policy));
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/x"]), 0, "the text frame was typed");
}

#[tokio::test]
async fn closing_the_client_leaves_no_process_of_the_session() {
    let (project, agent) = running_c1("term-close").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    // A child in the foreground too: it must go with the shell.
    // The typed line echoes `PID=$$`; the answer line starts with the digits.
    type_line(&mut socket, "echo PID=$$").await;
    let answer = |seen: &str| {
        seen.split_once("\r\nPID=").and_then(|(_, rest)| rest.split_once("\r\n")).map(|(pid, _)| pid.to_owned())
    };
    let output = read_until_with(&mut socket, |seen| answer(seen).is_some()).await;
    let pid = answer(&output).unwrap();
    assert!(!pid.is_empty(), "no pid in {output:?}");
    type_line(&mut socket, "sleep 1000").await;
    assert_eq!(project.exec_status("c1", &["test", "-d", &format!("/proc/{pid}")]), 0, "the shell runs");
    socket.close(None).await.unwrap();
    drop(socket);
    let gone = TestProject::wait_until(WAIT, || {
        project.exec_status("c1", &["test", "-d", &format!("/proc/{pid}")]) != 0
            && !project.exec_stdout("c1", &["ps"]).contains("sleep 1000")
    });
    assert!(gone, "the shell {pid} or its sleep outlived the socket: {}", project.exec_stdout("c1", &["ps"]));
}

#[tokio::test]
async fn an_exec_token_is_refused_on_the_terminal_route_and_nothing_opens() {
    let (project, agent) = running_c1("term-wrong").await;
    let token = agent.token(Action::Exec, Some("c1"), b"");
    let (status, body) = open(&agent, "/container/c1/terminal?cols=80&rows=24", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_wrong_action")));
    let operations = project.query("/1.0/operations");
    assert!(
        operations.get("running").is_none_or(|running| running.as_array().is_none_or(Vec::is_empty)),
        "{operations}"
    );
}

#[tokio::test]
async fn the_per_container_limit_answers_429_before_the_upgrade() {
    let project = TestProject::new("term-limit");
    project.launch("c1", "smp-busybox");
    let agent = TestAgent::spawn_with(&format!(
        "project = \"{}\"\n{MEMBER_IMAGES}\nmax_sessions_per_container = 1",
        project.name()
    ))
    .await;
    let mut first = open_terminal(&agent, "cols=80&rows=24").await;
    let token = agent.token(Action::Terminal, Some("c1"), b"");
    let (status, body) = open(&agent, "/container/c1/terminal?cols=80&rows=24", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("limit_reached")));
    // The first still works, and once it is closed the place is free again.
    type_line(&mut first, "echo still-here").await;
    read_until(&mut first, "still-here").await;
    type_line(&mut first, "exit 0").await;
    read_to_close(&mut first).await;
    let freed = async {
        loop {
            let token = agent.token(Action::Terminal, Some("c1"), b"");
            if open(&agent, "/container/c1/terminal", &token).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(WAIT, freed).await.expect("the place is freed when the terminal ends");
}

#[tokio::test]
async fn the_console_of_a_busybox_container_shows_its_boot_output() {
    let (_project, agent) = running_c1("term-console").await;
    let token = agent.token(Action::Console, Some("c1"), b"");
    let mut socket = open(&agent, "/container/c1/console?cols=80&rows=24", &token).await.expect("the console opens");
    read_until(&mut socket, "smp-init: up").await;
}
