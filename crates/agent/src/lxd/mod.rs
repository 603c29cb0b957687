//! The LXD client over the unix socket: every call the agent makes to LXD,
//! scoped to one project, each with a deadline, answering `smp-proto` types.
//!
//! Costs are LXD's (ARCHITECTURE.md "Costs"): one LXD request per call on
//! the hot paths (`status` and `state`; lifecycle is the action plus its
//! wait; exec adds its websockets), a pooled connection, `recursion=1`
//! lists and never a state call per instance. `events` holds one websocket
//! per open stream and nothing else. Creation (`provision`) reads the name,
//! the alias and each profile first (a few ms each) to answer precise errors.
//! Snapshots are one `recursion=1` list, or an operation and its wait.

mod cgroup;
mod error;
mod events;
mod exec;
mod exec_stream;
mod images;
mod instances;
mod model;
mod networks;
mod operations;
mod provision;
mod snapshots;
mod terminal;
mod transport;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

pub use error::LxdError;
pub use exec::EXEC_CONNECT_TIMEOUT;
pub use exec_stream::{ExecEnd, ExecInput, ExecOperation, ExecOutput, ExecStream};
pub use instances::{LIFECYCLE_MARGIN, LOG_TAIL_BYTES};
pub(crate) use model::{Device, root_disk, sized_root_disk};
pub use networks::{ForwardPort, NetworkForward, NetworkInfo, Nic, held_by_another};
pub use provision::NewInstance;
pub use terminal::{Interactive, resize as resize_terminal};

use transport::{Transport, encode};

/// Where LXD (deb, snap) and Incus put their socket, in the order tried.
pub const SOCKET_CANDIDATES: [&str; 3] =
    ["/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket", "/var/lib/incus/unix.socket"];

/// Deadline of a plain request (a GET, or the request that starts an
/// operation); waiting for an operation has the caller's deadline.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The LXD client: cheap to clone (one shared, pooled HTTP client).
#[derive(Debug, Clone)]
pub struct LxdClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    project: String,
    request_timeout: Duration,
}

impl LxdClient {
    /// A client of the LXD listening on `socket`, confined to `project`.
    /// Nothing is connected until the first call.
    pub fn new(socket: PathBuf, project: String) -> Self {
        LxdClient {
            inner: Arc::new(Inner {
                transport: Transport::new(socket),
                project,
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
            }),
        }
    }

    /// The same client with another deadline for plain requests (tests use a
    /// short one against a socket that never answers).
    pub fn with_request_timeout(self, request_timeout: Duration) -> Self {
        LxdClient {
            inner: Arc::new(Inner {
                transport: Transport::new(self.inner.transport.socket().to_path_buf()),
                project: self.inner.project.clone(),
                request_timeout,
            }),
        }
    }

    pub fn project(&self) -> &str {
        &self.inner.project
    }

    pub fn socket(&self) -> &Path {
        self.inner.transport.socket()
    }

    /// The configured socket if there is one (whether or not it exists yet:
    /// LXD may start after the agent), else the first of
    /// [`SOCKET_CANDIDATES`] that exists.
    pub fn discover_socket(configured: Option<&Path>) -> Result<PathBuf, LxdError> {
        match configured {
            Some(path) => Ok(path.to_path_buf()),
            None => first_existing(SOCKET_CANDIDATES.iter().map(Path::new)).ok_or_else(|| {
                LxdError::Unavailable(format!(
                    "no LXD socket found (looked for {}); is LXD installed and running? Set lxd_socket in the config otherwise",
                    SOCKET_CANDIDATES.join(", ")
                ))
            }),
        }
    }

    /// LXD's version (`GET /1.0` → `environment.server_version`).
    pub async fn server_version(&self) -> Result<String, LxdError> {
        #[derive(Deserialize)]
        struct Server {
            environment: Environment,
        }
        #[derive(Deserialize)]
        struct Environment {
            server_version: String,
        }
        let server: Server = self.get(&self.path("/1.0", &[])).await?;
        Ok(server.environment.server_version)
    }

    /// `path?<extra>&project=<project>`, every value percent-encoded.
    fn path(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut query = String::new();
        for (key, value) in extra {
            query.push_str(key);
            query.push('=');
            query.push_str(&encode(value));
            query.push('&');
        }
        format!("{path}?{query}project={}", encode(&self.inner.project))
    }

    fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    fn request_deadline(&self) -> Instant {
        Instant::now() + self.inner.request_timeout
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path_and_query: &str) -> Result<T, LxdError> {
        self.transport().request_json(hyper::Method::GET, path_and_query, None, self.request_deadline()).await
    }
}

fn first_existing<'a>(candidates: impl IntoIterator<Item = &'a Path>) -> Option<PathBuf> {
    candidates.into_iter().find(|path| path.exists()).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_takes_the_first_socket_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.socket");
        let second = dir.path().join("second.socket");
        let third = dir.path().join("third.socket");
        std::fs::write(&second, b"").unwrap();
        std::fs::write(&third, b"").unwrap();
        let found = first_existing([missing.as_path(), second.as_path(), third.as_path()]);
        assert_eq!(found, Some(second));
        assert_eq!(first_existing([missing.as_path()]), None);
    }

    #[test]
    fn a_configured_socket_is_used_as_it_is() {
        let configured = Path::new("/nowhere/lxd.socket");
        assert_eq!(LxdClient::discover_socket(Some(configured)).unwrap(), configured.to_path_buf());
    }

    #[test]
    fn every_path_names_the_project_percent_encoded() {
        let client = LxdClient::new(PathBuf::from("/x.socket"), "p 1".to_owned());
        assert_eq!(client.path("/1.0", &[]), "/1.0?project=p%201");
        assert_eq!(client.path("/1.0/instances", &[("recursion", "1")]), "/1.0/instances?recursion=1&project=p%201");
    }
}
