//! `tunnel` on the real LXD, to servers inside a busybox container: an
//! HTTP request gets httpd's page and the agent closes normally when
//! httpd closes; random bytes go through an echo server both ways and
//! `eof` half-closes so the peer still answers; a client that goes closes
//! the connection; an idle tunnel is closed; a closed port, a stopped
//! container and a token that does not bind the port are refused before
//! the upgrade; an address root in the container claims is never dialled.

use futures_util::{SinkExt, StreamExt};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use smp_proto::Action;
use tokio::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{MEMBER_IMAGES, TestAgent, running_c1, stopped_c1};
use crate::lxd_fixture::TestProject;
use crate::terminal::{Client, WAIT, open, running_c1_with};

/// Opens a tunnel to `port` of c1 with a token bound to its query.
async fn open_tunnel(agent: &TestAgent, port: u16) -> Result<Client, (u16, serde_json::Value)> {
    open_tunnel_to(agent, "c1", port).await
}

/// Opens a tunnel to `port` of `container` with a token bound to its query.
async fn open_tunnel_to(agent: &TestAgent, container: &str, port: u16) -> Result<Client, (u16, serde_json::Value)> {
    let query = format!("port={port}");
    let token = agent.token(Action::Tunnel, Some(container), query.as_bytes());
    open(agent, &format!("/container/{container}/tunnel?{query}"), &token).await
}

/// Opens a tunnel to `port` of c1 once it has its address and something
/// listens there (409 and 502 are retried, within [`WAIT`]).
async fn open_when_listening(agent: &TestAgent, port: u16) -> Client {
    open_when_listening_in(agent, "c1", port).await
}

/// [`open_when_listening`] to `container`.
async fn open_when_listening_in(agent: &TestAgent, container: &str, port: u16) -> Client {
    let deadline = Instant::now() + WAIT;
    loop {
        match open_tunnel_to(agent, container, port).await {
            Ok(socket) => return socket,
            Err((409 | 502, _)) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(refused) => panic!("the tunnel to {port} was refused: {refused:?}"),
        }
    }
}

/// Starts `command` in the background in c1, detached from the exec.
fn serve(project: &TestProject, command: &str) {
    serve_in(project, "c1", command);
}

/// Starts `command` in the background in `container`, detached from the exec.
fn serve_in(project: &TestProject, container: &str, command: &str) {
    let detached = format!("{command} </dev/null >/dev/null 2>&1 &");
    assert_eq!(project.exec_status(container, &["sh", "-c", &detached]), 0, "{command}");
}

/// What a tunnel carried until the agent closed it.
#[derive(Debug, Default)]
struct Carried {
    bytes: Vec<u8>,
    code: Option<CloseCode>,
    reason: String,
}

/// Sends `input` in 32 KiB frames then `{"type":"eof"}`, while reading
/// until the agent's close.
async fn exchange(socket: Client, input: &[u8]) -> Carried {
    let (mut sink, mut stream) = socket.split();
    let send = async {
        for chunk in input.chunks(32 * 1024) {
            sink.send(Message::binary(chunk.to_vec())).await.unwrap();
        }
        sink.send(Message::text(r#"{"type":"eof"}"#)).await.unwrap();
        sink
    };
    let read = async {
        let mut carried = Carried::default();
        while let Some(message) = stream.next().await {
            match message.unwrap() {
                Message::Binary(bytes) => carried.bytes.extend_from_slice(&bytes),
                Message::Text(text) => panic!("a text frame from a tunnel: {text}"),
                Message::Close(frame) => {
                    if let Some(frame) = frame {
                        carried.code = Some(frame.code);
                        carried.reason = frame.reason.to_string();
                    }
                    break;
                }
                _ => {}
            }
        }
        carried
    };
    let (_sink, carried) = tokio::time::timeout(WAIT, async { tokio::join!(send, read) }).await.expect("in time");
    carried
}

#[tokio::test]
async fn an_http_request_through_the_tunnel_gets_httpds_page_and_a_normal_close() {
    let (project, agent) = running_c1("tun-http").await;
    let page = "mkdir -p /www && echo hello-from-c1 > /www/index.html";
    assert_eq!(project.exec_status("c1", &["sh", "-c", page]), 0);
    serve(&project, "httpd -f -p 8080 -h /www");
    let socket = open_when_listening(&agent, 8080).await;
    let carried = exchange(socket, b"GET /index.html HTTP/1.0\r\n\r\n").await;
    let answer = String::from_utf8_lossy(&carried.bytes);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("hello-from-c1\n"), "{answer}");
    assert_eq!(carried.code, Some(CloseCode::Normal), "{}", carried.reason);
}

#[tokio::test]
async fn random_bytes_go_both_ways_and_eof_lets_the_peer_answer_before_it_closes() {
    let (project, agent) = running_c1("tun-echo").await;
    serve(&project, "nc -ll -p 9000 -e cat");
    let mut input = vec![0u8; 2 * 1024 * 1024];
    rand::rng().fill_bytes(&mut input);
    let socket = open_when_listening(&agent, 9000).await;
    let carried = exchange(socket, &input).await;
    assert_eq!(carried.bytes.len(), input.len(), "{}", carried.reason);
    assert_eq!(Sha256::digest(&carried.bytes), Sha256::digest(&input), "the bytes differ");
    assert_eq!(carried.code, Some(CloseCode::Normal), "{}", carried.reason);
}

/// `container`'s IPv4 address on eth0 with its prefix, as `ip` prints it.
fn ipv4_of(project: &TestProject, container: &str) -> String {
    let shown = project.exec_stdout(container, &["ip", "-4", "-o", "addr", "show", "dev", "eth0"]);
    let mut words = shown.split_whitespace().skip_while(|word| *word != "inet");
    words.nth(1).unwrap_or_else(|| panic!("no IPv4 address on eth0 of {container}: {shown}")).to_owned()
}

#[tokio::test]
async fn a_neighbours_address_claimed_inside_the_container_is_not_where_its_tunnel_goes() {
    let project = TestProject::new("tun-claim");
    project.launch("c1", "smp-busybox");
    project.launch("c2", "smp-busybox");
    let agent = TestAgent::spawn_with(&format!("project = \"{}\"\n{MEMBER_IMAGES}", project.name())).await;
    let secret = "mkdir -p /www && echo the-neighbours-page > /www/index.html";
    assert_eq!(project.exec_status("c2", &["sh", "-c", secret]), 0);
    serve_in(&project, "c2", "httpd -f -p 8080 -h /www");
    // The neighbour's server answers its own tunnel (and the host knows its MAC).
    let carried = exchange(open_when_listening_in(&agent, "c2", 8080).await, b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(String::from_utf8_lossy(&carried.bytes).ends_with("the-neighbours-page\n"));
    // Root in c1 gives up its leased address and claims c2's.
    let leased = || project.exec_stdout("c1", &["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).contains(" inet ");
    assert!(TestProject::wait_until(WAIT, leased), "c1 got no lease");
    let claimed = ipv4_of(&project, "c2");
    let claim = format!("ip addr flush dev eth0 && ip addr add {claimed} dev eth0");
    assert_eq!(project.exec_status("c1", &["sh", "-c", &claim]), 0);
    assert_eq!(ipv4_of(&project, "c1"), claimed, "LXD's state of c1 now shows the neighbour's address");
    // c1's tunnel dials the address leased to c1's own MAC, where nothing answers now.
    let Err((status, body)) = open_tunnel(&agent, 8080).await else { panic!("the tunnel reached the neighbour") };
    assert_eq!((status, body["error"]["code"].as_str()), (502, Some("port_unreachable")), "{body}");
}

#[tokio::test]
async fn a_closed_port_is_refused_before_the_upgrade_with_a_readable_502() {
    let (_project, agent) = running_c1("tun-closed").await;
    // Until c1 has its address the answer is 409 no_address.
    let deadline = Instant::now() + WAIT;
    let (status, body) = loop {
        match open_tunnel(&agent, 8081).await {
            Err((409, _)) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(refused) => break refused,
            Ok(_) => panic!("a tunnel to a closed port opened"),
        }
    };
    assert_eq!((status, body["error"]["code"].as_str()), (502, Some("port_unreachable")), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("8081") && message.contains("refused"), "{message}");
}

/// The number of established TCP connections on `port` in c1.
fn established(project: &TestProject, port: u16) -> usize {
    let local = format!(":{port:04X} ");
    let tables = project.exec_stdout("c1", &["cat", "/proc/net/tcp", "/proc/net/tcp6"]);
    tables
        .lines()
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3 && format!("{} ", fields[1]).ends_with(&local) && fields[3] == "01"
        })
        .count()
}

#[tokio::test]
async fn closing_the_client_closes_the_connection_in_the_container() {
    let (project, agent) = running_c1("tun-close").await;
    serve(&project, "nc -ll -p 9001 -e cat");
    let mut socket = open_when_listening(&agent, 9001).await;
    socket.send(Message::binary(b"ping\n".to_vec())).await.unwrap();
    let echoed = tokio::time::timeout(WAIT, socket.next()).await.expect("an echo in time");
    assert!(matches!(echoed, Some(Ok(Message::Binary(ref bytes))) if bytes.as_ref() == b"ping\n"), "{echoed:?}");
    assert_eq!(established(&project, 9001), 1);
    socket.close(None).await.unwrap();
    drop(socket);
    let closed = TestProject::wait_until(WAIT, || established(&project, 9001) == 0);
    assert!(closed, "the connection outlived the socket");
}

#[tokio::test]
async fn an_idle_tunnel_is_closed_as_going_away() {
    let (project, agent) = running_c1_with("tun-idle", "terminal_idle_s = 1").await;
    serve(&project, "nc -ll -p 9002 -e cat");
    let mut socket = open_when_listening(&agent, 9002).await;
    let idle_from = Instant::now();
    let frame = tokio::time::timeout(WAIT, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("the socket ended without a close: {other:?}"),
            }
        }
    })
    .await
    .expect("the idle tunnel is closed");
    let frame = frame.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Away, "{}", frame.reason);
    assert!(frame.reason.contains("terminal_idle_s"), "{}", frame.reason);
    assert!(idle_from.elapsed() < Duration::from_secs(5), "closed only after {:?}", idle_from.elapsed());
    let closed = TestProject::wait_until(WAIT, || established(&project, 9002) == 0);
    assert!(closed, "the connection outlived the socket");
}

#[tokio::test]
async fn a_stopped_container_has_no_address_and_is_refused_with_409() {
    let (_project, _config, agent) = stopped_c1("tun-stopped").await;
    let (status, body) = open_tunnel(&agent, 22).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("no_address")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("not running"), "{body}");
}

#[tokio::test]
async fn a_tunnel_token_must_bind_its_port() {
    let (_project, _config, agent) = stopped_c1("tun-token").await;
    let unbound = agent.token(Action::Tunnel, Some("c1"), b"");
    let (status, body) = open(&agent, "/container/c1/tunnel?port=22", &unbound).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_body_mismatch")), "{body}");
    let for_another_port = agent.token(Action::Tunnel, Some("c1"), b"port=80");
    let (status, body) = open(&agent, "/container/c1/tunnel?port=22", &for_another_port).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("token_body_mismatch")), "{body}");
    let port_zero = agent.token(Action::Tunnel, Some("c1"), b"port=0");
    let (status, body) = open(&agent, "/container/c1/tunnel?port=0", &port_zero).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_request")), "{body}");
}
