//! The interactive routes on the real LXD, with a WebSocket client:
//! a shell that computes, exits with its code, resizes, never takes a text
//! frame as input, and leaves no process behind (with bash, not even a
//! background job), whether the client closes, the idle timeout or the
//! lifetime is reached; signal 2 stops the command in the foreground,
//! others reach the shell; a message over `max_frame_bytes` or a signal
//! out of range closes the socket before the shell sees anything; `user=`
//! on Debian is a bash login as that user; refusals before the upgrade
//! (a token whose `bh` binds another query string among them); the
//! console's boot output.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use smp_proto::Action;
use smp_proto::token::body_hash;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{MEMBER_IMAGES, TestAgent, running_c1};
use crate::lxd_fixture::TestProject;

pub(crate) type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any one expected thing may take.
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// Opens `path` with `token`: the socket, or the refusal's status and JSON.
pub(crate) async fn open(agent: &TestAgent, path: &str, token: &str) -> Result<Client, (u16, serde_json::Value)> {
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

/// A fresh project with the busybox `c1` running, and an agent serving it
/// with `config` (TOML lines) added.
pub(crate) async fn running_c1_with(prefix: &str, config: &str) -> (TestProject, TestAgent) {
    let project = TestProject::new(prefix);
    project.launch("c1", "smp-busybox");
    let agent = TestAgent::spawn_with(&format!("project = \"{}\"\n{MEMBER_IMAGES}\n{config}", project.name())).await;
    (project, agent)
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

/// What a socket carried until the agent closed it.
struct Closed {
    /// The text frames, in order.
    texts: Vec<String>,
    /// The binary output, decoded lossily.
    output: String,
    /// The close frame's code (`None`: no close frame).
    code: Option<CloseCode>,
    /// The close frame's reason.
    reason: String,
}

/// Reads to the close.
async fn read_to_close(socket: &mut Client) -> Closed {
    let mut closed = Closed { texts: Vec::new(), output: String::new(), code: None, reason: String::new() };
    let read = async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Text(text)) => closed.texts.push(text.to_string()),
                Ok(Message::Binary(bytes)) => closed.output.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Message::Close(frame)) => {
                    if let Some(frame) = frame {
                        closed.code = Some(frame.code);
                        closed.reason = frame.reason.to_string();
                    }
                    return;
                }
                Ok(_) => {}
                Err(error) => panic!("socket error before the close: {error}"),
            }
        }
    };
    tokio::time::timeout(WAIT, read).await.expect("the agent closes in time");
    closed
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
    let closed = read_to_close(&mut socket).await;
    assert_eq!(closed.texts, vec![r#"{"type":"exit","code":3}"#.to_owned()]);
    assert_eq!(closed.code, Some(CloseCode::Normal));
}

/// Asks `stty size` until it says `expected` ("rows cols"), for up to
/// `WAIT`: a resize reaches the PTY through LXD's control socket, which
/// nothing orders with the keys on its data socket, so the first `stty`
/// typed after a resize may still run at the old size.
async fn until_pty_size(socket: &mut Client, expected: &str) {
    let started = Instant::now();
    for asked in 0.. {
        // Numbered, so that neither the typed line's echo nor an older answer is read as this one.
        let marker = format!("size{asked}=");
        type_line(socket, &format!("echo {marker}$(stty size):")).await;
        let answer = |seen: &str| {
            seen.match_indices(&marker).find_map(|(at, _)| {
                let (size, _) = seen[at + marker.len()..].split_once(':')?;
                size.starts_with(|c: char| c.is_ascii_digit()).then(|| size.to_owned())
            })
        };
        let seen = read_until_with(socket, |seen| answer(seen).is_some()).await;
        let size = answer(&seen).unwrap_or_default();
        if size == expected {
            return;
        }
        assert!(started.elapsed() < WAIT, "the PTY stayed at {size}, not {expected}");
    }
}

#[tokio::test]
async fn a_resize_changes_the_pty_size() {
    let (_project, agent) = running_c1("term-resize").await;
    let mut socket = open_terminal(&agent, "cols=90&rows=20").await;
    type_line(&mut socket, "stty size").await;
    read_until(&mut socket, "20 90").await;
    socket.send(Message::text(r#"{"type":"resize","cols":123,"rows":45}"#)).await.unwrap();
    until_pty_size(&mut socket, "45 123").await;
    // Clamped to 500 (busybox reports a width or height of 1 as its default).
    socket.send(Message::text(r#"{"type":"resize","cols":9999,"rows":30}"#)).await.unwrap();
    until_pty_size(&mut socket, "30 500").await;
}

#[tokio::test]
async fn a_text_frame_never_reaches_the_shell_and_closes_the_socket_as_a_policy_violation() {
    let (project, agent) = running_c1("term-text").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "echo ready").await;
    read_until(&mut socket, "ready").await;
    socket.send(Message::text("touch /tmp/x\n")).await.unwrap();
    assert_eq!(read_to_close(&mut socket).await.code, Some(CloseCode::Policy));
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/x"]), 0, "the text frame was typed");
}

/// The PID of the terminal's shell, as the shell itself prints it.
async fn shell_pid(socket: &mut Client) -> String {
    printed_pid(socket, "$$").await
}

/// The PID `variable` holds in the shell (`$$`, `$!`).
async fn printed_pid(socket: &mut Client, variable: &str) -> String {
    type_line(socket, &format!("echo PID={variable}")).await;
    // The typed line echoes `PID=$$`; the answer is `PID=` and digits
    // ending a line.
    let answer = |seen: &str| {
        seen.match_indices("PID=").find_map(|(at, _)| {
            let (pid, _) = seen[at + 4..].split_once("\r\n")?;
            (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then(|| pid.to_owned())
        })
    };
    let output = read_until_with(socket, |seen| answer(seen).is_some()).await;
    answer(&output).unwrap()
}

/// Asserts that the shell `pid` and any process whose `ps` line contains
/// `child` end soon (LXD ends them in its own time after the close).
fn assert_session_gone(project: &TestProject, pid: &str, child: Option<&str>) {
    let gone = TestProject::wait_until(WAIT, || {
        project.exec_status("c1", &["test", "-d", &format!("/proc/{pid}")]) != 0
            && child.is_none_or(|child| !project.exec_stdout("c1", &["ps"]).contains(child))
    });
    assert!(gone, "the shell {pid} or its {child:?} outlived the socket: {}", project.exec_stdout("c1", &["ps"]));
}

/// Asserts that LXD runs no operation in the project (nothing was opened).
pub(crate) fn assert_no_operation_runs(project: &TestProject) {
    let operations = project.query("/1.0/operations");
    assert!(
        operations.get("running").is_none_or(|running| running.as_array().is_none_or(Vec::is_empty)),
        "{operations}"
    );
}

#[tokio::test]
async fn closing_the_client_leaves_no_process_of_the_session() {
    let (project, agent) = running_c1("term-close").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    let pid = shell_pid(&mut socket).await;
    // A child in the foreground too: it must go with the shell.
    type_line(&mut socket, "sleep 1000").await;
    assert_eq!(project.exec_status("c1", &["test", "-d", &format!("/proc/{pid}")]), 0, "the shell runs");
    socket.close(None).await.unwrap();
    drop(socket);
    assert_session_gone(&project, &pid, Some("sleep 1000"));
}

#[tokio::test]
async fn an_exec_token_is_refused_on_the_terminal_route_and_nothing_opens() {
    let (project, agent) = running_c1("term-wrong").await;
    let token = agent.token(Action::Exec, Some("c1"), b"");
    let (status, body) = open(&agent, "/container/c1/terminal?cols=80&rows=24", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_wrong_action")));
    assert_no_operation_runs(&project);
}

#[tokio::test]
async fn a_terminal_token_with_bh_opens_only_the_query_it_binds() {
    let (project, agent) = running_c1("term-bh").await;
    let mut claims = agent.claims(Action::Terminal, Some("c1"));
    claims.bh = Some(body_hash(b"cols=80&rows=24"));
    let token = agent.mint(&claims);
    let (status, body) = open(&agent, "/container/c1/terminal?cols=80&rows=24&user=0", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_body_mismatch")));
    assert_no_operation_runs(&project);
    // Refused before it was consumed: the same token opens the query it binds.
    let mut socket = open(&agent, "/container/c1/terminal?cols=80&rows=24", &token).await.expect("the terminal opens");
    type_line(&mut socket, "echo bound-$((6*7))").await;
    read_until(&mut socket, "bound-42").await;
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

/// The numbers of the whole `tick N` lines in `output`, in order.
fn ticks(output: &str) -> Vec<u64> {
    output.split(['\r', '\n']).filter_map(|line| line.strip_prefix("tick ")?.parse().ok()).collect()
}

#[tokio::test]
async fn a_console_opened_while_the_container_writes_to_it_loses_no_line_between_its_log_and_the_live_output() {
    let (project, agent) = running_c1("term-console-gap").await;
    // A line to the console every 2 ms, in the background of an exec that returns at once.
    let ticker = "i=0; while [ $i -lt 20000 ]; do echo \"tick $i\" > /dev/console; i=$((i+1)); usleep 2000; done";
    project.lxc(&[
        "exec",
        "c1",
        "--project",
        project.name(),
        "--",
        "sh",
        "-c",
        &format!("({ticker}) >/dev/null 2>&1 &"),
    ]);
    let token = agent.token(Action::Console, Some("c1"), b"");
    let mut socket = open(&agent, "/container/c1/console?cols=80&rows=24", &token).await.expect("the console opens");
    // The replay (the log) and then the live console, 300 lines past the first one shown.
    let seen = read_until_with(&mut socket, |seen| ticks(seen).len() > 300).await;
    let ticks = ticks(&seen);
    // A line may arrive twice (written between the attach and the log's read); none may be missing.
    let gaps: Vec<(u64, u64)> =
        ticks.windows(2).filter(|pair| pair[1] > pair[0] + 1).map(|pair| (pair[0], pair[1])).collect();
    assert!(gaps.is_empty(), "lines missing between these ticks: {gaps:?} (all: {ticks:?})");
}

#[tokio::test]
async fn an_idle_terminal_is_closed_as_going_away_and_leaves_no_process() {
    let (project, agent) = running_c1_with("term-idle", "terminal_idle_s = 1").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    let pid = shell_pid(&mut socket).await;
    // A command in the foreground that prints nothing: it must go too.
    type_line(&mut socket, "sleep 1000").await;
    let idle_from = Instant::now();
    let closed = read_to_close(&mut socket).await;
    assert_eq!(closed.code, Some(CloseCode::Away), "{}", closed.reason);
    assert!(closed.reason.contains("terminal_idle_s"), "{}", closed.reason);
    assert!(idle_from.elapsed() < Duration::from_secs(5), "closed only after {:?}", idle_from.elapsed());
    assert_session_gone(&project, &pid, Some("sleep 1000"));
}

#[tokio::test]
async fn keepalive_pings_do_not_hold_an_idle_terminal_open() {
    // The agent's own pings are answered by every client's pongs: if those
    // counted as activity, no terminal would ever be idle.
    let (_project, agent) = running_c1_with("term-ping", "terminal_idle_s = 1").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "echo ready").await;
    read_until(&mut socket, "ready").await;
    let mut pings = tokio::time::interval(Duration::from_millis(200));
    let closed = async {
        loop {
            tokio::select! {
                _ = pings.tick() => socket.send(Message::Ping(Vec::new().into())).await.unwrap(),
                message = socket.next() => match message {
                    Some(Ok(Message::Close(frame))) => return frame.map(|frame| frame.code),
                    Some(Ok(_)) => {}
                    other => panic!("the socket ended without a close: {other:?}"),
                },
            }
        }
    };
    let code = tokio::time::timeout(WAIT, closed).await.expect("the idle terminal is closed although pinged");
    assert_eq!(code, Some(CloseCode::Away));
}

#[tokio::test]
async fn the_lifetime_closes_a_terminal_in_use_and_leaves_no_process() {
    // Idle after 1 s, but typed into every 200 ms: only the lifetime ends it.
    let (project, agent) = running_c1_with("term-life", "terminal_idle_s = 1\nterminal_lifetime_s = 2").await;
    let before_open = Instant::now();
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    let opened = Instant::now();
    let pid = shell_pid(&mut socket).await;
    let mut typing = tokio::time::interval(Duration::from_millis(200));
    let mut ticks = 0;
    let mut output = String::new();
    let closed = async {
        loop {
            tokio::select! {
                _ = typing.tick() => {
                    ticks += 1;
                    type_line(&mut socket, &format!("echo tick-$(({ticks}*1000))")).await;
                }
                message = socket.next() => match message {
                    Some(Ok(Message::Binary(bytes))) => output.push_str(&String::from_utf8_lossy(&bytes)),
                    Some(Ok(Message::Close(frame))) => return frame.unwrap(),
                    Some(Ok(_)) => {}
                    other => panic!("the socket ended without a close: {other:?}"),
                },
            }
        }
    };
    let frame = tokio::time::timeout(WAIT, closed).await.expect("the lifetime closes the terminal");
    assert_eq!(frame.code, CloseCode::Away, "{}", frame.reason);
    assert!(frame.reason.contains("terminal_lifetime_s"), "{}", frame.reason);
    assert!(before_open.elapsed() >= Duration::from_secs(2), "closed after {:?}", before_open.elapsed());
    assert!(opened.elapsed() < Duration::from_secs(4), "closed only after {:?}", opened.elapsed());
    // The shell ran the typed lines until then.
    assert!(output.contains("tick-3000"), "the shell was not in use: {output:?}");
    assert_session_gone(&project, &pid, None);
}

/// A line that creates `/tmp/big` when it reaches the shell, padded with a
/// comment to `len` bytes.
fn oversized_line(len: usize) -> Vec<u8> {
    let mut line = b"touch /tmp/big #".to_vec();
    line.resize(len - 1, b'x');
    line.push(b'\n');
    line
}

#[tokio::test]
async fn a_frame_larger_than_max_frame_bytes_closes_with_1009_and_never_reaches_the_shell() {
    let (project, agent) = running_c1_with("term-bigframe", "max_frame_bytes = 1024").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    // A message of exactly the limit is typed.
    let mut fits = b"touch /tmp/fits #".to_vec();
    fits.resize(1023, b'x');
    fits.push(b'\n');
    socket.send(Message::binary(fits)).await.unwrap();
    type_line(&mut socket, "test -e /tmp/fits && echo fits-$((2*21))").await;
    read_until(&mut socket, "fits-42").await;
    socket.send(Message::binary(oversized_line(1025))).await.unwrap();
    let closed = read_to_close(&mut socket).await;
    assert_eq!(closed.code, Some(CloseCode::Size), "{}", closed.reason);
    assert!(!closed.output.contains("touch /tmp/big"), "the PTY echoed the frame: {:?}", closed.output);
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/big"]), 0, "the oversized frame was typed");
}

#[tokio::test]
async fn a_message_in_fragments_larger_than_max_frame_bytes_closes_with_1009_and_never_reaches_the_shell() {
    let (project, agent) = running_c1_with("term-bigmsg", "max_frame_bytes = 1024").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "echo ready").await;
    read_until(&mut socket, "ready").await;
    // Two fragments of 800 bytes: each fits, the message does not.
    let line = oversized_line(1600);
    let (first, last) = line.split_at(800);
    let fragment = |opcode, fin, bytes: &[u8]| Message::Frame(Frame::message(bytes.to_vec(), opcode, fin));
    socket.send(fragment(OpCode::Data(Data::Binary), false, first)).await.unwrap();
    socket.send(fragment(OpCode::Data(Data::Continue), true, last)).await.unwrap();
    let closed = read_to_close(&mut socket).await;
    assert_eq!(closed.code, Some(CloseCode::Size), "{}", closed.reason);
    assert!(!closed.output.contains("touch /tmp/big"), "the PTY echoed the message: {:?}", closed.output);
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/big"]), 0, "the oversized message was typed");
}

#[tokio::test]
async fn signal_2_interrupts_the_running_command_and_the_shell_goes_on() {
    let (project, agent) = running_c1("term-sigint").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "sleep 100").await;
    let started = TestProject::wait_until(WAIT, || project.exec_stdout("c1", &["ps"]).contains("sleep 100"));
    assert!(started, "sleep 100 did not start: {}", project.exec_stdout("c1", &["ps"]));
    socket.send(Message::text(r#"{"type":"signal","signal":2}"#)).await.unwrap();
    // Typed while sleep still runs, it runs once sleep is interrupted.
    type_line(&mut socket, "echo after-$((6*7))").await;
    read_until(&mut socket, "after-42").await;
    assert!(!project.exec_stdout("c1", &["ps"]).contains("sleep 100"), "sleep outlived the signal");
}

#[tokio::test]
async fn signal_9_goes_to_the_shell_which_dies_of_it() {
    let (_project, agent) = running_c1("term-sigkill").await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, "echo ready").await;
    read_until(&mut socket, "ready").await;
    socket.send(Message::text(r#"{"type":"signal","signal":9}"#)).await.unwrap();
    let closed = read_to_close(&mut socket).await;
    assert_eq!(closed.texts, vec![r#"{"type":"exit","code":137}"#.to_owned()]);
    assert_eq!(closed.code, Some(CloseCode::Normal));
}

#[tokio::test]
async fn a_signal_outside_1_to_64_closes_the_socket_as_a_policy_violation() {
    for signal in [0, 65] {
        let (_project, agent) = running_c1("term-badsig").await;
        let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
        type_line(&mut socket, "echo ready").await;
        read_until(&mut socket, "ready").await;
        socket.send(Message::text(format!(r#"{{"type":"signal","signal":{signal}}}"#))).await.unwrap();
        let closed = read_to_close(&mut socket).await;
        assert_eq!(closed.code, Some(CloseCode::Policy), "signal {signal}: {}", closed.reason);
    }
}

#[tokio::test]
async fn user_1000_on_debian_gets_a_bash_login_shell_as_that_user_and_root_gets_bash_too() {
    let project = TestProject::new("term-user");
    project.launch("c1", "smp-debian");
    assert_eq!(project.exec_status("c1", &["useradd", "-m", "-u", "1000", "-s", "/bin/bash", "alice"]), 0);
    let agent = TestAgent::spawn(project.name()).await;

    let mut socket = open_terminal(&agent, "cols=80&rows=24&user=1000").await;
    type_line(&mut socket, r#"echo "U=$(id -u):$(id -g) D=$PWD B=${BASH_VERSION%%.*}""#).await;
    read_until(&mut socket, "U=1000:1000 D=/home/alice B=5").await;
    type_line(&mut socket, r#"echo "E=$HOME $USER $LOGNAME $TERM $LANG""#).await;
    read_until(&mut socket, "E=/home/alice alice alice xterm-256color C.UTF-8").await;
    type_line(&mut socket, "exit 0").await;
    assert_eq!(read_to_close(&mut socket).await.code, Some(CloseCode::Normal));

    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    type_line(&mut socket, r#"echo "U=$(id -u) D=$PWD B=${BASH_VERSION%%.*} E=$HOME $USER""#).await;
    read_until(&mut socket, "U=0 D=/root B=5 E=/root root").await;
}

#[tokio::test]
async fn the_console_refuses_a_user_before_the_upgrade_and_nothing_opens() {
    let (project, agent) = running_c1("term-con-user").await;
    let token = agent.token(Action::Console, Some("c1"), b"");
    let (status, body) = open(&agent, "/container/c1/console?cols=80&rows=24&user=0", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_request")));
    assert_no_operation_runs(&project);
}

#[tokio::test]
async fn a_terminal_token_is_refused_on_the_console_route_and_nothing_opens() {
    let (project, agent) = running_c1("term-con-wrong").await;
    let token = agent.token(Action::Terminal, Some("c1"), b"");
    let (status, body) = open(&agent, "/container/c1/console?cols=80&rows=24", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_wrong_action")));
    assert_no_operation_runs(&project);
}

#[tokio::test]
async fn closing_the_client_ends_bash_and_its_background_job() {
    // bash hangs up its jobs when it gets SIGHUP (busybox's ash does not:
    // a job put in the background there is the user's).
    let project = TestProject::new("term-bg");
    project.launch("c1", "smp-debian");
    let agent = TestAgent::spawn(project.name()).await;
    let mut socket = open_terminal(&agent, "cols=80&rows=24").await;
    let shell = shell_pid(&mut socket).await;
    type_line(&mut socket, "sleep 1000 &").await;
    let job = printed_pid(&mut socket, "$!").await;
    assert_ne!(shell, job);
    socket.close(None).await.unwrap();
    drop(socket);
    let alive = |pid: &str| project.exec_status("c1", &["test", "-d", &format!("/proc/{pid}")]) == 0;
    let gone = TestProject::wait_until(WAIT, || !alive(&shell) && !alive(&job));
    assert!(gone, "bash {shell} alive: {}, its job {job} alive: {}", alive(&shell), alive(&job));
}
