//! `exec-stream` on the real LXD, with a WebSocket client that writes and
//! reads at once: 10 MB of random bytes through `cat` come back identical,
//! stdin then eof reaches `wc -c`, stderr arrives apart from stdout, exit
//! code 7 arrives before a normal close (127 for a missing program), a
//! signal reaches the command, the login environment and `user`/`cwd`
//! apply, a client that goes (or breaks the protocol) leaves nothing
//! running, an open stream holds a session place; the token must bind the
//! exact query, and a refusal opens nothing.

use futures_util::{SinkExt, StreamExt};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use smp_proto::Action;
use smp_proto::token::body_hash;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{TestAgent, running_c1};
use crate::lxd_fixture::TestProject;
use crate::terminal::{Client, WAIT, assert_no_operation_runs, open, running_c1_with};

/// The query of an exec stream of `argv` and `extra` pairs, URL-encoded
/// as a client sends it.
fn exec_query(argv: &[&str], extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://agent/").unwrap();
    url.query_pairs_mut().append_pair("command", &serde_json::to_string(argv).unwrap());
    for (key, value) in extra {
        url.query_pairs_mut().append_pair(key, value);
    }
    url.query().unwrap().to_owned()
}

/// Opens an exec stream of `argv` in c1 with a token bound to its query.
async fn open_exec(agent: &TestAgent, argv: &[&str], extra: &[(&str, &str)]) -> Client {
    let query = exec_query(argv, extra);
    let token = agent.token(Action::ExecStream, Some("c1"), query.as_bytes());
    open(agent, &format!("/container/c1/exec-stream?{query}"), &token).await.expect("the exec stream opens")
}

/// What an exec stream carried until the agent closed it.
#[derive(Debug, Default)]
struct Ran {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// The text frames, in order.
    texts: Vec<String>,
    code: Option<CloseCode>,
    reason: String,
}

impl Ran {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn exited(&self, code: i32) -> bool {
        self.texts == [format!(r#"{{"type":"exit","code":{code}}}"#)] && self.code == Some(CloseCode::Normal)
    }
}

/// Sends `input` in 32 KiB frames, then `{"type":"eof"}` when `eof`, while
/// reading every frame until the agent's close.
async fn run(socket: Client, input: &[u8], eof: bool) -> Ran {
    let (mut sink, mut stream) = socket.split();
    let send = async {
        for chunk in input.chunks(32 * 1024) {
            sink.send(Message::binary(chunk.to_vec())).await.unwrap();
        }
        if eof {
            sink.send(Message::text(r#"{"type":"eof"}"#)).await.unwrap();
        }
        sink
    };
    let read = async {
        let mut ran = Ran::default();
        while let Some(message) = stream.next().await {
            match message.unwrap() {
                Message::Binary(bytes) => match bytes.first() {
                    Some(1) => ran.stdout.extend_from_slice(&bytes[1..]),
                    Some(2) => ran.stderr.extend_from_slice(&bytes[1..]),
                    other => panic!("a frame of stream {other:?}"),
                },
                Message::Text(text) => ran.texts.push(text.to_string()),
                Message::Close(frame) => {
                    if let Some(frame) = frame {
                        ran.code = Some(frame.code);
                        ran.reason = frame.reason.to_string();
                    }
                    break;
                }
                _ => {}
            }
        }
        ran
    };
    let (_sink, ran) = tokio::time::timeout(WAIT, async { tokio::join!(send, read) }).await.expect("it ends in time");
    ran
}

/// Waits until `ps` in c1 shows `command`.
fn wait_for_process(project: &TestProject, command: &str) {
    let started = TestProject::wait_until(WAIT, || project.exec_stdout("c1", &["ps"]).contains(command));
    assert!(started, "{command} did not start: {}", project.exec_stdout("c1", &["ps"]));
}

/// Asserts that `command` is gone from c1 soon and that LXD runs no operation.
fn assert_gone(project: &TestProject, command: &str) {
    let gone = TestProject::wait_until(WAIT, || !project.exec_stdout("c1", &["ps"]).contains(command));
    assert!(gone, "{command} outlived the socket: {}", project.exec_stdout("c1", &["ps"]));
    let ended = TestProject::wait_until(WAIT, || {
        let operations = project.query("/1.0/operations");
        operations.get("running").is_none_or(|running| running.as_array().is_none_or(Vec::is_empty))
    });
    assert!(ended, "an LXD operation still runs: {}", project.query("/1.0/operations"));
}

#[tokio::test]
async fn ten_megabytes_of_random_bytes_pass_through_cat_unchanged() {
    let (_project, agent) = running_c1("xs-cat").await;
    let mut input = vec![0u8; 10 * 1024 * 1024];
    rand::rng().fill_bytes(&mut input);
    let socket = open_exec(&agent, &["cat"], &[]).await;
    let ran = run(socket, &input, true).await;
    assert_eq!(ran.stdout.len(), input.len(), "{} {:?}", ran.reason, ran.texts);
    assert_eq!(Sha256::digest(&ran.stdout), Sha256::digest(&input), "the bytes differ");
    assert!(ran.stderr.is_empty(), "{:?}", String::from_utf8_lossy(&ran.stderr));
    assert!(ran.exited(0), "{ran:?}");
}

#[tokio::test]
async fn stdin_then_eof_reaches_wc_which_counts_every_byte() {
    let (_project, agent) = running_c1("xs-wc").await;
    // Every byte value, NUL and newline included, 400 times.
    let input: Vec<u8> = (0..=255u8).cycle().take(256 * 400).collect();
    let socket = open_exec(&agent, &["wc", "-c"], &[]).await;
    let ran = run(socket, &input, true).await;
    assert_eq!(ran.stdout().trim(), "102400");
    assert!(ran.exited(0), "{ran:?}");
}

#[tokio::test]
async fn stderr_arrives_apart_from_stdout() {
    let (_project, agent) = running_c1("xs-stderr").await;
    let socket = open_exec(&agent, &["sh", "-c", "echo out; echo err >&2; echo more"], &[]).await;
    let ran = run(socket, b"", false).await;
    assert_eq!(ran.stdout(), "out\nmore\n");
    assert_eq!(String::from_utf8_lossy(&ran.stderr), "err\n");
    assert!(ran.exited(0), "{ran:?}");
}

#[tokio::test]
async fn exit_code_7_arrives_before_a_normal_close() {
    let (_project, agent) = running_c1("xs-exit").await;
    let socket = open_exec(&agent, &["sh", "-c", "exit 7"], &[]).await;
    let ran = run(socket, b"", true).await;
    assert!(ran.exited(7), "{ran:?}");
    assert!(ran.stdout.is_empty() && ran.stderr.is_empty());
}

#[tokio::test]
async fn the_command_gets_the_login_environment_of_its_user_in_its_home_or_cwd() {
    let (_project, agent) = running_c1("xs-env").await;
    let script = r#"echo "$HOME|$USER|$LOGNAME|$LANG|$PATH|$(pwd)|$(id -u):$(id -g)""#;
    let ran = run(open_exec(&agent, &["sh", "-c", script], &[]).await, b"", true).await;
    let root_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    assert_eq!(ran.stdout(), format!("/root|root|root|C.UTF-8|{root_path}|/root|0:0\n"), "{ran:?}");
    // busybox's nobody has /nonexistent as home: the command runs in `cwd`.
    let extra = [("user", "65534"), ("cwd", "/tmp")];
    let ran = run(open_exec(&agent, &["sh", "-c", script], &extra).await, b"", true).await;
    let user_path = "/usr/local/bin:/usr/bin:/bin";
    assert_eq!(ran.stdout(), format!("/nonexistent|nobody|nobody|C.UTF-8|{user_path}|/tmp|65534:65534\n"), "{ran:?}");
    assert!(ran.exited(0), "{ran:?}");
}

#[tokio::test]
async fn a_missing_program_exits_127_and_a_missing_cwd_runs_the_command_in_slash() {
    let (project, agent) = running_c1("xs-missing").await;
    let ran = run(open_exec(&agent, &["/no/such/program"], &[]).await, b"", true).await;
    assert!(ran.exited(127), "{ran:?}");
    // LXD falls back to `/`, as ssh does when the home directory is missing.
    let ran = run(open_exec(&agent, &["pwd"], &[("cwd", "/no/such/dir")]).await, b"", true).await;
    assert_eq!(ran.stdout(), "/\n");
    assert!(ran.exited(0), "{ran:?}");
    assert_no_operation_runs(&project);
}

#[tokio::test]
async fn signal_15_ends_the_command_with_code_143() {
    let (project, agent) = running_c1("xs-signal").await;
    let mut socket = open_exec(&agent, &["sleep", "1001"], &[]).await;
    wait_for_process(&project, "sleep 1001");
    socket.send(Message::text(r#"{"type":"signal","signal":15}"#)).await.unwrap();
    let ran = run(socket, b"", false).await;
    assert!(ran.exited(143), "{ran:?}");
}

#[tokio::test]
async fn closing_the_client_ends_the_command_and_its_operation() {
    let (project, agent) = running_c1("xs-close").await;
    let mut socket = open_exec(&agent, &["sleep", "1002"], &[]).await;
    wait_for_process(&project, "sleep 1002");
    socket.close(None).await.unwrap();
    drop(socket);
    assert_gone(&project, "sleep 1002");
}

#[tokio::test]
async fn data_after_eof_closes_with_1008_and_ends_the_command() {
    let (project, agent) = running_c1("xs-aftereof").await;
    let socket = open_exec(&agent, &["sleep", "1003"], &[]).await;
    wait_for_process(&project, "sleep 1003");
    let (mut sink, stream) = socket.split();
    sink.send(Message::text(r#"{"type":"eof"}"#)).await.unwrap();
    sink.send(Message::binary(b"late".to_vec())).await.unwrap();
    let ran = run(sink.reunite(stream).unwrap(), b"", false).await;
    assert_eq!(ran.code, Some(CloseCode::Policy), "{ran:?}");
    assert!(ran.reason.contains("after eof"), "{}", ran.reason);
    assert_gone(&project, "sleep 1003");
}

#[tokio::test]
async fn an_open_exec_stream_holds_a_session_place_so_the_next_is_refused_with_429() {
    let (project, agent) = running_c1_with("xs-limit", "max_sessions_per_container = 1").await;
    let socket = open_exec(&agent, &["cat"], &[]).await;
    let query = exec_query(&["true"], &[]);
    let token = agent.token(Action::ExecStream, Some("c1"), query.as_bytes());
    let (status, body) = open(&agent, &format!("/container/c1/exec-stream?{query}"), &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("limit_reached")));
    let token = agent.token(Action::Tunnel, Some("c1"), b"port=22");
    let (status, body) = open(&agent, "/container/c1/tunnel?port=22", &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("limit_reached")));
    // Once cat has ended (and the agent has ended its side), the place is free again.
    assert!(run(socket, b"done", true).await.exited(0));
    let again = exec_query(&["echo", "again"], &[]);
    let deadline = tokio::time::Instant::now() + WAIT;
    let socket = loop {
        let token = agent.token(Action::ExecStream, Some("c1"), again.as_bytes());
        match open(&agent, &format!("/container/c1/exec-stream?{again}"), &token).await {
            Ok(socket) => break socket,
            Err((429, _)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(refused) => panic!("{refused:?}"),
        }
    };
    assert_eq!(run(socket, b"", true).await.stdout(), "again\n");
    assert_no_operation_runs(&project);
}

#[tokio::test]
async fn an_exec_stream_token_must_bind_its_exact_query_and_a_refusal_opens_nothing() {
    let (project, agent) = running_c1("xs-token").await;
    let query = exec_query(&["touch", "/tmp/ran"], &[]);
    let path = format!("/container/c1/exec-stream?{query}");
    // No bh: the command would not be bound.
    let unbound = agent.token(Action::ExecStream, Some("c1"), b"");
    let (status, body) = open(&agent, &path, &unbound).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_body_mismatch")));
    // Bound to another command.
    let other = agent.token(Action::ExecStream, Some("c1"), exec_query(&["true"], &[]).as_bytes());
    let (status, body) = open(&agent, &path, &other).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_body_mismatch")));
    // A terminal token, even bound to this query.
    let mut terminal = agent.claims(Action::Terminal, Some("c1"));
    terminal.bh = Some(body_hash(query.as_bytes()));
    let (status, body) = open(&agent, &path, &agent.mint(&terminal)).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_wrong_action")));
    // A shell string instead of an argv: refused before LXD is asked.
    let shell = "command=touch+%2Ftmp%2Fran";
    let token = agent.token(Action::ExecStream, Some("c1"), shell.as_bytes());
    let (status, body) = open(&agent, &format!("/container/c1/exec-stream?{shell}"), &token).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_request")));
    assert_no_operation_runs(&project);
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/ran"]), 0, "a refused command ran");
}
