//! `FakeLxd`: a fault-injecting stand-in for LXD's unix socket, for what the
//! real LXD cannot be made to do: hang, answer garbage, drop connections,
//! answer one fixed reply to everything, or answer as a test's script says.
//! `FakeEvents`: a websocket-only stand-in that shows whether the agent's
//! connections to it are still open.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // test code: a failure is a panic

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// What the fake does with each connection.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Accepts and reads, never answers (a hung LXD).
    Hang,
    /// Answers every request `200 OK` with a body that is not JSON.
    Garbage,
    /// Accepts and closes at once, before any answer (a crashing LXD).
    Reset,
    /// Answers every request with this status and JSON body.
    Answer { status: u16, body: String },
    /// Answers each request with what the script says for it.
    Script(Script),
}

/// What a scripted fake answers to a request line (`PUT /1.0/…`) and its
/// body: a status and a JSON body.
pub type Answer = dyn Fn(&str, &str) -> (u16, String) + Send + Sync;

/// A test's script for the fake (see [`Answer`]).
#[derive(Clone)]
pub struct Script(pub Arc<Answer>);

impl std::fmt::Debug for Script {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Script")
    }
}

/// A fake LXD listening on `socket_path` (in its own temporary directory)
/// until dropped; the socket file goes with it.
pub struct FakeLxd {
    pub socket_path: PathBuf,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
    server: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl FakeLxd {
    /// Binds and serves in the background; call from a tokio runtime.
    pub async fn start(behaviour: Behaviour) -> FakeLxd {
        let dir = tempfile::tempdir().expect("temporary directory for the fake LXD");
        let socket_path = dir.path().join("unix.socket");
        let listener = UnixListener::bind(&socket_path).expect("bind the fake LXD socket");
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (counter, request_counter, recorder) = (Arc::clone(&connections), Arc::clone(&requests), Arc::clone(&seen));
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::Relaxed);
                let recorded = Recorded { count: Arc::clone(&request_counter), lines: Arc::clone(&recorder) };
                tokio::spawn(serve(stream, behaviour.clone(), recorded));
            }
        });
        FakeLxd { socket_path, connections, requests, seen, server, _dir: dir }
    }

    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Requests read so far (by the behaviours that answer requests).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Each request answered so far: its request line and body.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FakeLxd {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A path in a fresh directory where a socket file exists but nothing
/// listens (connections are refused). Keep the directory alive.
pub fn dead_socket() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("unix.socket");
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind a socket");
    drop(listener);
    (dir, path)
}

/// Where the answering behaviours count and record the requests they read.
struct Recorded {
    count: Arc<AtomicUsize>,
    lines: Arc<Mutex<Vec<String>>>,
}

async fn serve(mut stream: UnixStream, behaviour: Behaviour, recorded: Recorded) {
    match behaviour {
        Behaviour::Reset => drop(stream),
        Behaviour::Hang => {
            let mut sink = [0u8; 4096];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
        }
        Behaviour::Garbage => {
            answer_each_request(stream, &recorded, |_, _| (200, "this is not JSON {{{".to_owned())).await
        }
        Behaviour::Answer { status, body } => {
            answer_each_request(stream, &recorded, |_, _| (status, body.clone())).await
        }
        Behaviour::Script(Script(script)) => {
            answer_each_request(stream, &recorded, |line, body| script(line, body)).await
        }
    }
}

/// Reads requests (head and `Content-Length` body) and answers each one
/// with what `answer` gives for its request line and body, keeping the
/// connection alive like LXD does.
async fn answer_each_request(
    mut stream: UnixStream,
    recorded: &Recorded,
    answer: impl Fn(&str, &str) -> (u16, String),
) {
    let mut buffer = Vec::new();
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let body_length: usize = head
            .to_ascii_lowercase()
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + body_length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let line = head.lines().next().unwrap_or_default().trim_end_matches(" HTTP/1.1").to_owned();
        let request_body = String::from_utf8_lossy(&buffer[head_end..head_end + body_length]).into_owned();
        buffer.drain(..head_end + body_length);
        recorded.count.fetch_add(1, Ordering::Relaxed);
        let (status, body) = answer(&line, &request_body);
        recorded.lines.lock().unwrap().push(format!("{line} {request_body}").trim_end().to_owned());
        let reply = format!(
            "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// What `FakeEvents` does once it has sent its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterMessages {
    /// Keeps each connection open until the agent closes it.
    Hold,
    /// Closes the connection (LXD restarting).
    Close,
}

/// A fake LXD that accepts websockets on any path, sends `messages` on each,
/// then holds or closes it; it counts the connections still open.
pub struct FakeEvents {
    pub socket_path: PathBuf,
    open: watch::Receiver<usize>,
    paths: Arc<Mutex<Vec<String>>>,
    server: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl FakeEvents {
    pub async fn start(messages: Vec<String>, after: AfterMessages) -> FakeEvents {
        let dir = tempfile::tempdir().expect("temporary directory for the fake LXD");
        let socket_path = dir.path().join("unix.socket");
        let listener = UnixListener::bind(&socket_path).expect("bind the fake LXD socket");
        let (open_sender, open) = watch::channel(0usize);
        let open_sender = Arc::new(open_sender);
        let paths = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&paths);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (messages, open, seen) = (messages.clone(), Arc::clone(&open_sender), Arc::clone(&seen));
                tokio::spawn(async move {
                    #[allow(clippy::result_large_err)] // tungstenite's callback type, not ours
                    let record = |request: &Request, response: Response| {
                        seen.lock().unwrap().push(request.uri().to_string());
                        Ok(response)
                    };
                    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, record).await else { return };
                    open.send_modify(|count| *count += 1);
                    for message in messages {
                        if socket.send(Message::text(message)).await.is_err() {
                            break;
                        }
                    }
                    match after {
                        AfterMessages::Close => drop(socket.close(None).await),
                        AfterMessages::Hold => while let Some(Ok(_)) = socket.next().await {},
                    }
                    drop(socket);
                    open.send_modify(|count| *count -= 1);
                });
            }
        });
        FakeEvents { socket_path, open, paths, server, _dir: dir }
    }

    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// The path and query of every websocket request so far.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }

    /// Waits until exactly `count` connections are open.
    pub async fn wait_open(&self, count: usize) {
        let mut open = self.open.clone();
        open.wait_for(|open| *open == count).await.expect("the fake LXD is running");
    }
}

impl Drop for FakeEvents {
    fn drop(&mut self) {
        self.server.abort();
    }
}
