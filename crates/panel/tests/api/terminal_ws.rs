//! The browser terminal through the panel on the real agent and LXD, with
//! a WebSocket client: a ticket from `POST …/terminal`, the socket at
//! `/api/v1/terminal`; what reaches the shell and what never does, the
//! tickets it refuses, the rights that close it, a reload within the grace
//! and the audit of it all. Shared sessions are in `terminal_shared`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Session, TestApp, error_code, spawn_app, spawn_app_with};
use crate::panel_agent::{PASSWORD, World, until};
use crate::real_agent::LxdProject;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any one expected thing may take.
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// A ticket for a terminal on `container` (`body` as the request's), or the refusal's status and code.
pub(crate) async fn ticket(
    app: &TestApp,
    session: &Session,
    container: i64,
    body: Value,
) -> Result<String, (u16, String)> {
    let response = app.send_json(Method::POST, &format!("/containers/{container}/terminal"), session, &body).await;
    ticket_of(response).await
}

/// A ticket to join terminal session `id`, or the refusal's status and code.
pub(crate) async fn session_ticket(app: &TestApp, session: &Session, id: &str) -> Result<String, (u16, String)> {
    ticket_of(app.send_json(Method::POST, &format!("/terminal-sessions/{id}/ticket"), session, &json!({})).await).await
}

async fn ticket_of(response: reqwest::Response) -> Result<String, (u16, String)> {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    if status == 200 {
        assert!(body["expires_in"].as_u64().is_some_and(|seconds| seconds > 0), "{body}");
        Ok(body["ticket"].as_str().unwrap().to_owned())
    } else {
        Err((status, body["error"]["code"].as_str().unwrap_or_default().to_owned()))
    }
}

/// Opens `/api/v1/terminal` (with `origin` when given): the socket, or the
/// refusal's status and body.
pub(crate) async fn connect(app: &TestApp, origin: Option<&str>) -> Result<Socket, (u16, Value)> {
    let url = app.url("/terminal").replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(answer)) => {
            let body = answer.body().as_deref().unwrap_or_default();
            Err((answer.status().as_u16(), serde_json::from_slice(body).unwrap_or_default()))
        }
        Err(error) => panic!("websocket handshake failed: {error}"),
    }
}

/// The auth message with `ticket` (a 100×30 window).
pub(crate) fn auth(ticket: &str) -> Message {
    auth_sized(ticket, 100, 30)
}

/// The auth message with `ticket` from a `cols`×`rows` window.
pub(crate) fn auth_sized(ticket: &str, cols: u16, rows: u16) -> Message {
    Message::Text(json!({"type": "auth", "ticket": ticket, "cols": cols, "rows": rows}).to_string().into())
}

/// Connects and sends `ticket` as the first message.
pub(crate) async fn open_with(app: &TestApp, ticket: &str) -> Socket {
    let mut socket = connect(app, None).await.expect("the socket opens");
    socket.send(auth(ticket)).await.unwrap();
    socket
}

/// Reads until the output contains `wanted`; all output and control texts seen.
pub(crate) async fn read_until(socket: &mut Socket, wanted: &str) -> String {
    let mut seen = String::new();
    let read = async {
        while let Some(message) = socket.next().await {
            match message.unwrap() {
                Message::Binary(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
                Message::Close(frame) => panic!("closed ({frame:?}) before {wanted:?}; output: {seen:?}"),
                _ => {}
            }
            if seen.contains(wanted) {
                return;
            }
        }
        panic!("the socket ended before {wanted:?}");
    };
    tokio::time::timeout(WAIT, read).await.unwrap_or_else(|_| panic!("no {wanted:?} in time; output: {seen:?}"));
    seen
}

/// Reads to the close: the control texts seen and the close code and reason.
pub(crate) async fn read_to_close(socket: &mut Socket) -> (Vec<Value>, Option<(CloseCode, String)>) {
    let mut texts = Vec::new();
    let read = async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Text(text)) => texts.push(serde_json::from_str(&text).unwrap()),
                Ok(Message::Close(frame)) => return frame.map(|frame| (frame.code, frame.reason.to_string())),
                Ok(_) => {}
                Err(error) => panic!("socket error before the close: {error}"),
            }
        }
        None
    };
    let close = tokio::time::timeout(WAIT, read).await.expect("the socket closes in time");
    (texts, close)
}

pub(crate) async fn type_line(socket: &mut Socket, line: &str) {
    socket.send(Message::Binary(format!("{line}\n").into_bytes().into())).await.unwrap();
}

/// Output kept by a `Term` at most (a flood keeps only its tail).
const KEPT_OUTPUT: usize = 1 << 20;

/// A terminal socket and what it has shown so far.
pub(crate) struct Term {
    pub socket: Socket,
    /// The output since the last match of `until_output` (its tail when long).
    pub output: String,
    /// The control messages, in order.
    pub texts: Vec<Value>,
    /// Output bytes received in all.
    pub bytes: usize,
}

impl Term {
    /// Opens a socket with `ticket` and reads to the screen snapshot that
    /// follows `attached` and `size` (panics on a close).
    pub(crate) async fn open(app: &TestApp, ticket: &str) -> Term {
        Term::open_sized(app, ticket, 100, 30).await
    }

    /// `open` from a `cols`×`rows` window.
    pub(crate) async fn open_sized(app: &TestApp, ticket: &str, cols: u16, rows: u16) -> Term {
        let mut socket = connect(app, None).await.expect("the socket opens");
        socket.send(auth_sized(ticket, cols, rows)).await.unwrap();
        let mut term = Term::with(socket);
        term.next_output().await;
        assert_eq!(term.texts.first().map(|text| text["type"].clone()), Some(json!("attached")), "{:?}", term.texts);
        term
    }

    pub(crate) fn with(socket: Socket) -> Term {
        Term { socket, output: String::new(), texts: Vec::new(), bytes: 0 }
    }

    /// The `attached` message.
    pub(crate) fn attached(&self) -> &Value {
        &self.texts[0]
    }

    /// The session id from `attached`.
    pub(crate) fn session(&self) -> String {
        self.attached()["session"].as_str().unwrap().to_owned()
    }

    /// Reads one message; false at a close (kept as a text `{"type":"close","code":N}`).
    async fn read_one(&mut self) -> bool {
        let message = tokio::time::timeout(WAIT, self.socket.next()).await;
        let message = message.unwrap_or_else(|_| panic!("nothing within {WAIT:?}; texts {:?}", self.texts));
        match message {
            Some(Ok(Message::Binary(bytes))) => {
                self.bytes += bytes.len();
                self.output.push_str(&String::from_utf8_lossy(&bytes));
                if self.output.len() > KEPT_OUTPUT {
                    let mut cut = self.output.len() - KEPT_OUTPUT / 2;
                    while !self.output.is_char_boundary(cut) {
                        cut += 1;
                    }
                    self.output.drain(..cut);
                }
                true
            }
            Some(Ok(Message::Text(text))) => {
                self.texts.push(serde_json::from_str(&text).unwrap());
                true
            }
            Some(Ok(Message::Close(frame))) => {
                let code = frame.as_ref().map(|frame| u16::from(frame.code));
                let reason = frame.map(|frame| frame.reason.to_string());
                self.texts.push(json!({"type": "close", "code": code, "reason": reason}));
                false
            }
            Some(Ok(_)) => true,
            Some(Err(error)) => panic!("socket error: {error}; texts {:?}", self.texts),
            None => {
                self.texts.push(json!({"type": "close", "code": null}));
                false
            }
        }
    }

    /// Reads until the next binary frame.
    async fn next_output(&mut self) {
        let before = self.bytes;
        while self.bytes == before {
            assert!(self.read_one().await, "closed before any output: {:?}", self.texts);
        }
    }

    /// Reads until the output contains `wanted`; the output up to it, which
    /// is consumed (the same text can be waited for again).
    pub(crate) async fn until_output(&mut self, wanted: &str) -> String {
        loop {
            if let Some(at) = self.output.find(wanted) {
                return self.output.drain(..at + wanted.len()).collect();
            }
            let open = self.read_one().await;
            assert!(open, "closed before {wanted:?}: {:?}; output: {:?}", self.texts.last(), self.tail());
        }
    }

    /// Reads until `find` finds something in the output (which is then consumed).
    pub(crate) async fn until_found<T>(&mut self, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        loop {
            if let Some(found) = find(&self.output) {
                self.output.clear();
                return found;
            }
            let open = self.read_one().await;
            assert!(open, "closed before {what}: {:?}; output: {:?}", self.texts.last(), self.tail());
        }
    }

    /// Reads until a control message `keep` keeps arrives (those already read count).
    pub(crate) async fn until_text(&mut self, what: &str, keep: impl Fn(&Value) -> bool) -> Value {
        let mut from = 0;
        loop {
            if let Some(text) = self.texts[from..].iter().find(|text| keep(text)) {
                return text.clone();
            }
            from = self.texts.len();
            let open = self.read_one().await;
            assert!(open || self.texts.last().is_some_and(&keep), "closed before {what}: {:?}", self.texts);
        }
    }

    /// Reads to the close: its code, and the time it took.
    pub(crate) async fn closed(&mut self) -> (Option<u16>, Duration) {
        let started = Instant::now();
        while self.read_one().await {}
        let code = self.texts.last().and_then(|text| text["code"].as_u64()).map(|code| code as u16);
        (code, started.elapsed())
    }

    pub(crate) async fn type_line(&mut self, line: &str) {
        type_line(&mut self.socket, line).await;
    }

    /// The last output, for messages.
    fn tail(&self) -> &str {
        let mut cut = self.output.len().saturating_sub(400);
        while !self.output.is_char_boundary(cut) {
            cut += 1;
        }
        &self.output[cut..]
    }
}

/// A `participants` message as (username, mode, attached) triples.
pub(crate) fn participants_of(text: &Value) -> Vec<(String, String, bool)> {
    text["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let name = item["username"].as_str().unwrap().to_owned();
            (name, item["mode"].as_str().unwrap().to_owned(), item["attached"].as_bool().unwrap())
        })
        .collect()
}

/// The pids of the processes in `container` (but `ps` itself).
pub(crate) fn pids(project: &LxdProject, container: &str) -> BTreeSet<String> {
    let (status, listing) = project.exec(container, &["ps"]);
    assert_eq!(status, 0, "{listing}");
    listing
        .lines()
        .skip(1)
        .filter(|line| line.split_whitespace().nth(2) != Some("ps"))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The shell's pid, asked with `echo PID=$$:`.
pub(crate) async fn shell_pid(term: &mut Term) -> String {
    term.type_line("echo PID=$$:").await;
    // The typed line echoes `PID=$$:`; the answer starts a line with the digits.
    term.until_found("the shell's pid", |output| {
        let (_, rest) = output.split_once("\nPID=")?;
        let (digits, _) = rest.split_once(':')?;
        (!digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())).then(|| digits.to_owned())
    })
    .await
}

/// Whether a file exists in `container`.
pub(crate) fn exists(project: &LxdProject, container: &str, path: &str) -> bool {
    project.exec(container, &["test", "-e", path]).0 == 0
}

/// A member `name`, signed in: her id and session.
pub(crate) async fn member_with_id(world: &World, name: &str) -> (i64, Session) {
    let id = world.app.user(name, Role::Member, PASSWORD, true);
    (id, world.app.login(name, PASSWORD).await)
}

/// The sessions `session` sees.
pub(crate) async fn sessions_of(world: &World, session: &Session) -> Vec<Value> {
    let response = world.get("/terminal-sessions", session).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

/// The detail's `key=value` number.
pub(crate) fn detail_number(detail: &str, key: &str) -> Option<u64> {
    detail
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_computes_in_her_terminal_its_exit_code_arrives_before_a_normal_close_and_it_is_audited() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;

    let response = world.post(&format!("/containers/{id}/terminal"), &alice, json!({"mode": "shell"})).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["expires_in"], 30, "the default time to use a ticket");
    let mut socket = open_with(&world.app, answer["ticket"].as_str().unwrap()).await;
    type_line(&mut socket, "echo $((6*7))").await;
    read_until(&mut socket, "42").await;
    type_line(&mut socket, "exit 3").await;
    let (texts, close) = read_to_close(&mut socket).await;
    assert!(texts.iter().any(|text| *text == json!({"type": "exit", "code": 3})), "{texts:?}");
    assert_eq!(close.map(|(code, _)| code), Some(CloseCode::Normal));

    // The ticket, the open and the close: who, on what, how long, bytes each way.
    let object = format!("container:{id}");
    let tickets = world.app.audit_rows_of("terminal.ticket");
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let row = &tickets[0];
    assert_eq!((row.actor.as_str(), row.object.as_str(), row.outcome.as_str()), ("alice", object.as_str(), "ok"));
    assert_eq!((row.machine.as_deref(), row.detail.as_deref()), (Some("m1"), Some("kind=shell")));
    assert!(!format!("{tickets:?}").contains(answer["ticket"].as_str().unwrap()), "the ticket is never written down");
    let opened = world.app.audit_rows_of("terminal.open");
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!((opened[0].actor.as_str(), opened[0].object.as_str()), ("alice", object.as_str()));
    let (closed, _) =
        until(WAIT, "the terminal.close row", || async { world.app.audit_rows_of("terminal.close").pop() }).await;
    assert_eq!(
        (closed.actor.as_str(), closed.object.as_str(), closed.outcome.as_str()),
        ("alice", object.as_str(), "ok")
    );
    let detail = closed.detail.unwrap();
    let session = detail.split_whitespace().next().unwrap();
    assert!(opened[0].detail.as_deref().unwrap().starts_with(session), "one session: {detail} / {opened:?}");
    assert!(detail.contains("kind=shell") && detail.contains("reason=exited"), "{detail}");
    assert!(detail_number(&detail, "seconds").is_some(), "{detail}");
    let typed = "echo $((6*7))\nexit 3\n".len() as u64;
    assert_eq!(detail_number(&detail, "bytes_in"), Some(typed), "{detail}");
    assert!(detail_number(&detail, "bytes_out").is_some_and(|bytes| bytes > 2), "{detail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_frame_never_reaches_the_shell_and_a_frame_over_16_kib_closes_the_socket() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let new = || async { ticket(&world.app, &alice, id, json!({"mode": "shell"})).await.unwrap() };

    // Plain text, and JSON that is no control message: 1008, nothing typed.
    for (frame, marker) in [("touch /tmp/plain\n", "/tmp/plain"), (r#"{"type":"bogus","x":"touch /tmp/json"}"#, "")] {
        let mut term = Term::open(&world.app, &new().await).await;
        term.type_line("echo ready-$((1+1))").await;
        term.until_output("ready-2").await;
        term.socket.send(Message::Text(frame.into())).await.unwrap();
        assert_eq!(term.closed().await.0, Some(1008), "{frame}: {:?}", term.texts);
        if !marker.is_empty() {
            assert!(!exists(&project, "c1", marker), "the text frame was typed");
        }
    }
    // The same line as keystrokes does run: the check above can fail.
    let mut term = Term::open(&world.app, &new().await).await;
    term.type_line("touch /tmp/typed; echo done-$((2+2))").await;
    term.until_output("done-4").await;
    assert!(exists(&project, "c1", "/tmp/typed"));
    assert!(!exists(&project, "c1", "/tmp/plain"), "still not typed");

    // 16 KiB is the most (short lines: a shell's line is shorter); one byte
    // more closes with 1009, and none of it is typed.
    let mut paste = b"true\n".repeat(16 * 1024 / 5);
    paste.resize(16 * 1024, b'\n');
    term.socket.send(Message::Binary(paste.into())).await.unwrap();
    term.type_line("echo fits-$((3+3))").await;
    term.until_output("fits-6").await;
    let mut big = b"touch /tmp/big; ".to_vec();
    big.resize(16 * 1024 + 1, b' ');
    big[16 * 1024] = b'\n';
    term.socket.send(Message::Binary(big.into())).await.unwrap();
    assert_eq!(term.closed().await.0, Some(1009), "{:?}", term.texts);
    assert!(!exists(&project, "c1", "/tmp/big"), "the oversized frame was typed");

    // A message in fragments is held to the same 16 KiB: two that fit, one that does not.
    let mut term = Term::open(&world.app, &new().await).await;
    let fragment = |opcode, fin, bytes: &[u8]| Message::Frame(Frame::message(bytes.to_vec(), opcode, fin));
    let small = b"touch /tmp/fragments; echo parts-$((5*3))\n";
    let (first, last) = small.split_at(10);
    term.socket.send(fragment(OpCode::Data(Data::Binary), false, first)).await.unwrap();
    term.socket.send(fragment(OpCode::Data(Data::Continue), true, last)).await.unwrap();
    term.until_output("parts-15").await;
    let mut line = b"touch /tmp/fragmented; ".to_vec();
    line.resize(20 * 1024, b' ');
    line.push(b'\n');
    let (first, last) = line.split_at(10 * 1024);
    term.socket.send(fragment(OpCode::Data(Data::Binary), false, first)).await.unwrap();
    term.socket.send(fragment(OpCode::Data(Data::Continue), true, last)).await.unwrap();
    assert_eq!(term.closed().await.0, Some(1009), "{:?}", term.texts);
    assert!(exists(&project, "c1", "/tmp/fragments"));
    assert!(!exists(&project, "c1", "/tmp/fragmented"), "the oversized message was typed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_opens_its_own_container_once_and_is_refused_used_again_expired_or_from_another_site() {
    let project = LxdProject::with_busyboxes(&["c1", "c2"]);
    let (_agent, world, _) = World::with_m1_on(spawn_app_with("terminal_ticket_ttl_s = 2").await, &project).await;
    let c1 = world.synced("m1", "c1").await;
    let c2 = world.synced("m1", "c2").await;
    let alice = world.member_owning("alice", c1).await;
    world.give(c2, "alice").await;
    let shell = json!({"mode": "shell"});

    // A ticket lands on the container it was asked for, whatever else she owns.
    let first = ticket(&world.app, &alice, c1, shell.clone()).await.unwrap();
    let mut on_c1 = Term::open(&world.app, &first).await;
    on_c1.type_line("echo host-$(hostname)").await;
    on_c1.until_output("host-c1").await;
    let mut on_c2 = Term::open(&world.app, &ticket(&world.app, &alice, c2, shell.clone()).await.unwrap()).await;
    on_c2.type_line("echo host-$(hostname)").await;
    on_c2.until_output("host-c2").await;
    assert_eq!(sessions_of(&world, &alice).await.len(), 2);
    // c1's session cannot be taken back through c2.
    let through_c2 = ticket(&world.app, &alice, c2, json!({"mode": "shell", "session": on_c1.session()})).await;
    assert_eq!(through_c2, Err((404, "not_found".to_owned())));

    // Asked without the session's CSRF token (another site's form): refused.
    let forged = world.app.client.post(world.app.url(&format!("/containers/{c1}/terminal")));
    let forged = forged.header("Cookie", &alice.cookie).json(&shell).send().await.unwrap();
    assert_eq!(error_code(forged).await, (403, "csrf_failed".to_owned()));

    // Used again: 4401, nothing opened.
    let mut again = Term::with(open_with(&world.app, &first).await);
    assert_eq!(again.closed().await.0, Some(4401), "{:?}", again.texts);
    assert!(again.texts.iter().all(|text| text["type"] != "attached"));
    // Expired: its 2 s have to pass, nothing else can show it.
    let late = ticket(&world.app, &alice, c1, shell.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut expired = Term::with(open_with(&world.app, &late).await);
    assert_eq!(expired.closed().await.0, Some(4401), "{:?}", expired.texts);
    // Unknown: the same.
    let mut unknown = Term::with(open_with(&world.app, "0123456789abcdef0123456789abcdef").await);
    assert_eq!(unknown.closed().await.0, Some(4401));
    assert_eq!(sessions_of(&world, &alice).await.len(), 2, "nothing more was opened");

    // Another site's page: 403 before the upgrade; the panel's own origin is fine.
    let refused = connect(&world.app, Some("https://evil.example")).await.expect_err("refused");
    assert_eq!((refused.0, refused.1["error"]["code"].as_str()), (403, Some("origin_mismatch")), "{refused:?}");
    let mut own = connect(&world.app, Some(&world.app.address)).await.expect("the panel's own origin");
    own.send(auth(&ticket(&world.app, &alice, c1, shell).await.unwrap())).await.unwrap();
    let mut own = Term::with(own);
    own.until_text("attached", |text| text["type"] == "attached").await;
    assert_eq!(sessions_of(&world, &alice).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bystander_and_a_service_owner_are_told_not_found_and_get_no_ticket() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let _alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let (sam_id, sam) = member_with_id(&world, "sam").await;
    let mut connection = world.app.db.connect();
    let service = smp_panel::db::services::NewService {
        container: smp_panel::db::containers::ContainerId(id),
        unit: "bot.service",
        owner_id: Some(sam_id),
        description: "",
        status: "active",
    };
    smp_panel::db::services::create(&mut connection, &service, smp_panel::db::unix_now()).unwrap();

    for (name, session) in [("bob", &bob), ("sam", &sam)] {
        for body in [json!({"mode": "shell"}), json!({"mode": "console"})] {
            assert_eq!(ticket(&world.app, session, id, body).await, Err((404, "not_found".to_owned())), "{name}");
        }
        let shared = world.post("/terminal-sessions", session, json!({"container_id": id})).await;
        assert_eq!(error_code(shared).await, (404, "not_found".to_owned()), "{name}");
    }
    let rows = world.app.audit_rows_of("terminal.ticket");
    assert_eq!(rows.len(), 4, "{rows:?}");
    for row in &rows {
        assert_eq!((row.outcome.as_str(), row.error_code.as_deref()), ("refused", Some("not_found")), "{row:?}");
        assert_eq!(row.object, format!("container:{id}"));
    }
    assert!(sessions_of(&world, &world.admin).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_whose_first_message_is_no_ticket_or_comes_too_late_is_closed_with_4408() {
    let app = spawn_app().await;
    for first in [Message::Binary(b"ls\n".to_vec().into()), Message::Text("ls".into())] {
        let mut term = Term::with(connect(&app, None).await.unwrap());
        term.socket.send(first.clone()).await.unwrap();
        let (code, took) = term.closed().await;
        assert_eq!(code, Some(4408), "{first:?}: {:?}", term.texts);
        assert!(took < Duration::from_secs(2), "at once: {took:?}");
    }
    // Nothing at all: closed after the 10 s the socket waits.
    let mut silent = Term::with(connect(&app, None).await.unwrap());
    let (code, took) = silent.closed().await;
    assert_eq!(code, Some(4408), "{:?}", silent.texts);
    assert!((Duration::from_secs(9)..Duration::from_secs(13)).contains(&took), "{took:?}");
}

/// Opens a terminal of `session` on `container` and waits for its prompt to compute.
async fn ready(world: &World, session: &Session, container: i64) -> Term {
    let mut term = Term::open(&world.app, &ticket(&world.app, session, container, json!({})).await.unwrap()).await;
    term.type_line("echo up-$((5*5))").await;
    term.until_output("up-25").await;
    term
}

#[tokio::test(flavor = "multi_thread")]
async fn her_terminal_closes_when_she_is_signed_out_loses_the_container_or_is_disabled() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let (alice_id, alice) = member_with_id(&world, "alice").await;
    world.give(id, "alice").await;
    world.member("bob").await;

    // Signed out: the socket opened with that sign-in closes.
    let mut term = ready(&world, &alice, id).await;
    let logout = world.post("/logout", &alice, json!({})).await;
    assert_eq!(logout.status(), 204);
    let (code, took) = term.closed().await;
    assert_eq!(code, Some(4003), "{:?}", term.texts);
    eprintln!("sign-out → close: {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Her container given to bob: the session ends.
    let alice = world.app.login("alice", PASSWORD).await;
    let mut term = ready(&world, &alice, id).await;
    let pid = shell_pid(&mut term).await;
    world.give(id, "bob").await;
    let (code, took) = term.closed().await;
    assert_eq!(code, Some(4003), "{:?}", term.texts);
    eprintln!("container given away → close: {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    until(WAIT, "the shell of a taken container ends", || async {
        (!exists(&project, "c1", &format!("/proc/{pid}"))).then_some(())
    })
    .await;

    // Disabled: closed within 2 s, and the shell ends with it.
    world.give(id, "alice").await;
    let mut term = ready(&world, &alice, id).await;
    let pid = shell_pid(&mut term).await;
    let disabled = json!({"disabled": true});
    let disable = world.app.send_json(Method::PATCH, &format!("/users/{alice_id}"), &world.admin, &disabled).await;
    assert_eq!(disable.status(), 200);
    let (code, took) = term.closed().await;
    assert_eq!(code, Some(4003), "{:?}", term.texts);
    eprintln!("disabled → close: {took:?}");
    assert!(took < Duration::from_secs(2), "closed within 2 s, not {took:?}");
    until(WAIT, "a disabled member's shell ends", || async {
        (!exists(&project, "c1", &format!("/proc/{pid}"))).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_takes_the_session_back_within_the_grace_and_after_it_no_process_is_left() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1_on(spawn_app_with("terminal_grace_s = 2").await, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let before = pids(&project, "c1");

    let mut term = ready(&world, &alice, id).await;
    let session = term.session();
    let pid = shell_pid(&mut term).await;
    term.type_line("kept=still-$((6*6)); echo before-$((7*7))").await;
    term.until_output("before-49").await;
    term.socket.close(None).await.unwrap();
    drop(term);

    // Back within the grace: the same shell, its screen first.
    let back = json!({"mode": "shell", "session": session});
    let mut term = Term::open(&world.app, &ticket(&world.app, &alice, id, back.clone()).await.unwrap()).await;
    assert_eq!(term.session(), session);
    assert!(term.output.contains("before-49"), "the screen snapshot: {:?}", term.output);
    term.type_line("echo $kept").await;
    term.until_output("still-36").await;
    assert_eq!(shell_pid(&mut term).await, pid);

    // Another window of hers takes it over: the older socket is told so.
    let mut other = Term::open(&world.app, &ticket(&world.app, &alice, id, back.clone()).await.unwrap()).await;
    assert_eq!(term.closed().await.0, Some(4002), "{:?}", term.texts);
    other.type_line("echo $kept-again").await;
    other.until_output("still-36-again").await;
    other.socket.close(None).await.unwrap();
    drop(other);

    // After the grace: gone, with every process it started.
    let (_, took) = until(WAIT, "the abandoned session ends", || async {
        sessions_of(&world, &alice).await.is_empty().then_some(())
    })
    .await;
    eprintln!("closed → session gone: {took:?} (grace 2 s)");
    assert_eq!(ticket(&world.app, &alice, id, back).await, Err((404, "not_found".to_owned())));
    let (left, _) = until(WAIT, "no process of the session is left", || async {
        let now = pids(&project, "c1");
        now.is_subset(&before).then_some(now)
    })
    .await;
    assert!(!left.contains(&pid), "{left:?}");
    let (closed, _) = until(WAIT, "the close row", || async {
        world
            .app
            .audit_rows_of("terminal.close")
            .into_iter()
            .find(|row| row.detail.as_deref().is_some_and(|d| d.contains("reason=closed")))
    })
    .await;
    assert!(closed.detail.unwrap().contains(&format!("session={session}")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_paste_is_typed_whole_at_the_input_rate_while_its_echo_keeps_flowing() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let mut term = ready(&world, &alice, id).await;
    term.type_line("cat > /tmp/paste").await;

    // 768 KiB in 16 KiB frames, sent at once, read all along: three times
    // the input rate's burst, so most of it waits for the rate.
    let line = format!("{}\n", "p".repeat(63));
    let paste = line.repeat(768 * 1024 / line.len());
    let (mut sink, stream) = futures_util::StreamExt::split(term.socket);
    let sending = async {
        for frame in paste.as_bytes().chunks(16 * 1024) {
            sink.send(Message::Binary(frame.to_vec().into())).await.unwrap();
        }
        sink.send(Message::Binary(b"\x04".to_vec().into())).await.unwrap();
        sink.send(Message::Binary(b"wc -c < /tmp/paste | sed 's/^/size-/'\n".to_vec().into())).await.unwrap();
        sink
    };
    let reading = async {
        let mut stream = stream;
        let mut seen = String::new();
        let started = Instant::now();
        while let Some(message) = tokio::time::timeout(WAIT, stream.next()).await.expect("output in time") {
            match message.unwrap() {
                Message::Binary(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
                Message::Close(frame) => panic!("closed during the paste: {frame:?}"),
                _ => {}
            }
            if let Some((_, size)) = seen.rsplit_once("\nsize-")
                && let Some((size, _)) = size.split_once('\r')
            {
                return (size.trim().to_owned(), started.elapsed());
            }
            if seen.len() > 4096 {
                seen.drain(..seen.len() - 2048);
            }
        }
        panic!("the socket ended during the paste");
    };
    let (_, (size, took)) = tokio::join!(sending, reading);
    eprintln!("768 KiB pasted and echoed in {took:?}");
    assert_eq!(size, paste.len().to_string(), "every byte was typed");
    // 64 KiB at once, then 256 KiB/s.
    assert!(took > Duration::from_millis(2500), "the input rate holds: {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_machine_that_cannot_open_the_terminal_is_a_readable_close_even_with_a_long_message() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let machine = "a-machine-whose-name-is-long-but-allowed";
    let agent = crate::real_agent::Agent::start_named(machine, &project.name, &[("k1", crate::real_agent::SECRET)]);
    let world = World::with_app(spawn_app().await).await;
    world.add_machine(machine, &agent).await;
    let id = world.synced(machine, "c1").await;
    let alice = world.member_owning("alice", id).await;

    let ticket = ticket(&world.app, &alice, id, json!({"mode": "shell"})).await.unwrap();
    drop(agent);
    let mut term = Term::with(open_with(&world.app, &ticket).await);
    let (code, _) = term.closed().await;
    assert_eq!(code, Some(4502), "{:?}", term.texts);
    let reason = term.texts.last().unwrap()["reason"].as_str().unwrap().to_owned();
    assert!(reason.starts_with(&format!("machine {machine} cannot be reached")), "{reason:?}");
    assert!(reason.len() <= 123, "a close frame's reason has at most 123 bytes: {}", reason.len());
    assert!(sessions_of(&world, &alice).await.is_empty(), "nothing is left open");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_big_output_reaches_its_owner_whole_at_her_pace_rather_than_closing_her_terminal() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let mut term = ready(&world, &alice, id).await;
    // About 8 MB of output, read by a slow connection (a pause after each
    // frame): far past her 256 KiB queue, so the session must wait for her
    // rather than drop her (4008) mid-way.
    term.type_line("head -c 6000000 /dev/zero | base64; echo big-$((40+2))").await;
    let mut shown = 0;
    let mut tail = String::new();
    let read = async {
        while let Some(message) = term.socket.next().await {
            match message.unwrap() {
                Message::Binary(bytes) => {
                    shown += bytes.len();
                    tail.push_str(&String::from_utf8_lossy(&bytes));
                    if tail.contains("big-42") {
                        return;
                    }
                    let keep = tail.len().saturating_sub(64);
                    tail.drain(..keep);
                    // The connection's pace, not a wait for something.
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                Message::Close(frame) => panic!("closed after {shown} bytes: {frame:?}"),
                _ => {}
            }
        }
        panic!("the socket ended after {shown} bytes");
    };
    tokio::time::timeout(Duration::from_secs(120), read).await.expect("all of it in time");
    assert!(shown > 8_000_000, "all of it arrived: {shown} bytes");
    term.type_line("echo still-$((6*7))").await;
    term.until_output("still-42").await;
}
