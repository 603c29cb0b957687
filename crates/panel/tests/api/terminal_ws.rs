//! The browser terminal through the panel on the real agent and LXD, with
//! a WebSocket client: a ticket from `POST …/terminal`, the socket at
//! `/api/v1/terminal`, a shell that computes and exits with its code.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Session, TestApp};
use crate::panel_agent::World;
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
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    if status == 200 {
        assert_eq!(body["expires_in"], 30);
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

/// Connects and sends `ticket` as the first message.
pub(crate) async fn open_with(app: &TestApp, ticket: &str) -> Socket {
    let mut socket = connect(app, None).await.expect("the socket opens");
    let auth = json!({"type": "auth", "ticket": ticket, "cols": 100, "rows": 30}).to_string();
    socket.send(Message::Text(auth.into())).await.unwrap();
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

#[tokio::test(flavor = "multi_thread")]
async fn a_member_computes_in_her_terminal_and_its_exit_code_arrives_before_a_normal_close() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;

    let ticket = ticket(&world.app, &alice, id, json!({"mode": "shell"})).await.unwrap();
    let mut socket = open_with(&world.app, &ticket).await;
    type_line(&mut socket, "echo $((6*7))").await;
    read_until(&mut socket, "42").await;
    type_line(&mut socket, "exit 3").await;
    let (texts, close) = read_to_close(&mut socket).await;
    assert!(texts.iter().any(|text| *text == json!({"type": "exit", "code": 3})), "{texts:?}");
    assert_eq!(close.map(|(code, _)| code), Some(CloseCode::Normal));

    let opened = world.app.audit_rows_of("terminal.open");
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!((opened[0].actor.as_str(), opened[0].object.as_str()), ("alice", format!("container:{id}").as_str()));
}
