//! What the secrets scan of `make test` reads (issue 19): with
//! `SMP_LEAK_DIR` set, every answer a test's panel sends (through a
//! recorder in front of it), the panel's log of the test binary, the
//! agents' and the panel processes' logs are kept there, beside the
//! secrets the tests used (passwords, agent secrets, the panel key);
//! `scripts/scan_secrets.py` then fails the run on any secret in them (the
//! session cookies and tokens it finds issued included). Unset, nothing is
//! kept and the panel is reached directly.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

pub const LEAK_DIR_ENV: &str = "SMP_LEAK_DIR";

/// The scan's folder, made if needed; `None` when the scan is off.
pub fn leak_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os(LEAK_DIR_ENV).filter(|dir| !dir.is_empty())?);
    std::fs::create_dir_all(&dir).expect("the secrets scan's folder");
    Some(dir)
}

fn append(file: &str, bytes: &[u8]) {
    let Some(dir) = leak_dir() else { return };
    let path = dir.join(format!("{file}-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("a capture file");
    file.write_all(bytes).expect("a capture written");
}

/// A secret the tests use: no capture may hold it.
pub fn record_secret(secret: &str) {
    if !secret.is_empty() && !secret.contains('\n') {
        append("secrets", format!("{secret}\n").as_bytes());
    }
}

/// The bytes of a secret file (the panel key), as the scan looks for them: raw, hex and base64.
pub fn record_secret_bytes(bytes: &[u8]) {
    append("secrets", format!("raw-hex:{}\n", hex::encode(bytes)).as_bytes());
}

/// Keeps a log (an agent's, a panel process's) for the scan.
pub fn keep_log(name: &str, log: &Path) {
    if let Ok(bytes) = std::fs::read(log) {
        append(&format!("log-{name}"), &bytes);
    }
}

/// Keeps a line of a log for the scan.
pub fn keep_log_line(name: &str, line: &str) {
    append(&format!("log-{name}"), format!("{line}\n").as_bytes());
}

/// The panel's own log in this test binary (every test's in-process panel),
/// at debug level for SMP's crates, kept for the scan. Once per process.
pub fn capture_panel_log() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Some(dir) = leak_dir() else { return };
        let path = dir.join(format!("log-panel-tests-{}", std::process::id()));
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("the panel log capture");
        let filter = tracing_subscriber::EnvFilter::new("info,smp_panel=debug,smp_agent=debug");
        let _ =
            tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).try_init();
    });
}

/// With the scan on: a recorder's port on loopback, bound before the panel
/// starts so that the panel's `public_url` can name it (`record`).
pub async fn recorder() -> Option<tokio::net::TcpListener> {
    leak_dir()?;
    Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("the recorder listens"))
}

/// Serves the recorder in front of the panel at `upstream`: it keeps a copy
/// of everything the panel answers. Each connection to the panel leaves
/// from the client's own loopback address, so the panel still sees who
/// the client is.
pub fn record(listener: tokio::net::TcpListener, upstream: SocketAddr) {
    tokio::spawn(async move {
        while let Ok((client, peer)) = listener.accept().await {
            tokio::spawn(relay(client, peer, upstream));
        }
    });
}

async fn relay(mut client: tokio::net::TcpStream, peer: SocketAddr, upstream: SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    if socket.bind(SocketAddr::new(peer.ip(), 0)).is_err() {
        return;
    }
    let Ok(mut server) = socket.connect(upstream).await else { return };
    let _ = server.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let requests = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    };
    // Written as it comes, to a file of this connection's own: a test's
    // runtime ends its tasks without warning when the test returns.
    static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
    let file = format!("answers-{}", CONNECTIONS.fetch_add(1, Ordering::Relaxed));
    let answers = async {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let read = match server_read.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            append(&file, &chunk[..read]);
            if client_write.write_all(&chunk[..read]).await.is_err() {
                break;
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(requests, answers);
}
