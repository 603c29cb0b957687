//! The request and answer bodies of the agent's routes, as both services see
//! them. Requests deny unknown fields so a typo is an error, not a default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::action::Action;

/// Default and highest number of log lines a logs route returns.
pub const DEFAULT_LOG_LINES: u32 = 100;
pub const MAX_LOG_LINES: u32 = 10_000;
/// Longest wait an exec, stop or restart may ask for.
pub const MAX_TIMEOUT_S: u32 = 600;

/// `GET /health`: no token needed, nothing secret in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when LXD answers, `degraded` when it does not.
    pub status: String,
    pub version: String,
    pub machine: String,
    pub lxd: LxdHealth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LxdHealth {
    pub reachable: bool,
    pub server_version: Option<String>,
    pub project: String,
}

/// `POST /token` body: what the operation token will authorize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub action: Action,
    #[serde(default)]
    pub container: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    /// Seconds the token lives; at most the agent's `max_ttl_s`, default 30.
    #[serde(default)]
    pub ttl: Option<i64>,
    /// Who acts, for the agent's log; default `operator`.
    #[serde(default)]
    pub subject: Option<String>,
    /// Hex or base64url SHA-256 of the body the token will be used with.
    #[serde(default)]
    pub body_sha256: Option<String>,
    /// Mint an admin token (`adm: true`); a key holder may.
    #[serde(default)]
    pub admin: bool,
}

/// `POST /token` answer (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAnswer {
    pub token: String,
    pub jti: String,
    pub expires_at: i64,
}

/// An instance's status as the agent reports it (LXD's, in lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerStatus {
    Running,
    Stopped,
    Frozen,
    Starting,
    Stopping,
    Error,
    Unknown,
    /// The instance no longer exists. Only `GET /events` reports it (after
    /// LXD's `instance-deleted`); LXD itself never has this status.
    Deleted,
}

impl ContainerStatus {
    /// Maps LXD's `status` string (`Running`, `Stopped`, …).
    pub fn from_lxd(status: &str) -> Self {
        match status {
            "Running" => ContainerStatus::Running,
            "Stopped" => ContainerStatus::Stopped,
            "Frozen" => ContainerStatus::Frozen,
            "Starting" => ContainerStatus::Starting,
            "Stopping" | "Aborting" => ContainerStatus::Stopping,
            "Error" => ContainerStatus::Error,
            _ => ContainerStatus::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Running => "running",
            ContainerStatus::Stopped => "stopped",
            ContainerStatus::Frozen => "frozen",
            ContainerStatus::Starting => "starting",
            ContainerStatus::Stopping => "stopping",
            ContainerStatus::Error => "error",
            ContainerStatus::Unknown => "unknown",
            ContainerStatus::Deleted => "deleted",
        }
    }
}

/// `GET /containers`: every instance of the agent's project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerList {
    pub items: Vec<ContainerSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSummary {
    pub name: String,
    pub status: ContainerStatus,
    /// IPv4 and IPv6 addresses known to LXD's managed networks (DHCP leases
    /// and static assignments); empty when stopped.
    pub addresses: Vec<String>,
    /// `container` or `virtual-machine`.
    #[serde(rename = "type")]
    pub instance_type: String,
    pub created_at: String,
}

/// Body of `stop` and `restart`; both fields optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRequest {
    #[serde(default)]
    pub force: bool,
    #[serde(default = "default_stop_timeout_s")]
    pub timeout_s: u32,
}

fn default_stop_timeout_s() -> u32 {
    30
}

impl Default for StopRequest {
    fn default() -> Self {
        StopRequest { force: false, timeout_s: default_stop_timeout_s() }
    }
}

/// Answer of `start`, `stop` and `restart`: the instance's status once LXD is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleAnswer {
    pub name: String,
    pub action: Action,
    pub status: ContainerStatus,
    pub duration_ms: u64,
}

/// Body of `exec`: an argv, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecRequest {
    pub command: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default = "default_cwd")]
    pub cwd: String,
    #[serde(default)]
    pub user: u32,
    #[serde(default)]
    pub stdin: String,
    #[serde(default = "default_exec_timeout_s")]
    pub timeout_s: u32,
}

fn default_cwd() -> String {
    "/".to_owned()
}

fn default_exec_timeout_s() -> u32 {
    30
}

/// Answer of `exec`; a non-zero exit code is still a 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecAnswer {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    /// True when stdout or stderr was cut at the agent's per-stream cap.
    pub truncated: bool,
    pub duration_ms: u64,
}

/// `GET /container/<id>/state`: a documented subset of LXD's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerState {
    pub name: String,
    pub status: ContainerStatus,
    /// PID of the instance's init on the host; null when stopped.
    pub pid: Option<i64>,
    pub processes: i64,
    pub cpu_usage_ns: i64,
    pub memory: MemoryState,
    pub network: Vec<NetworkInterface>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryState {
    pub usage_bytes: i64,
    pub peak_bytes: i64,
    /// The instance's memory limit if it has one.
    pub limit_bytes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterface {
    pub name: String,
    pub hwaddr: String,
    pub state: String,
    pub addresses: Vec<NetworkAddress>,
    pub bytes_received: i64,
    pub bytes_sent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAddress {
    /// `inet` or `inet6`.
    pub family: String,
    pub address: String,
    pub netmask: String,
    pub scope: String,
}

/// One change of an instance, as `GET /events` streams it (the `data:` of
/// an `event: instance` message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerEvent {
    /// The instance's name.
    pub name: String,
    /// The status the change implies ([`status_after_lifecycle`]): `running`,
    /// `stopped`, `frozen` or `deleted`. A hint, not a reading: reconcile
    /// with `GET /containers` after reconnecting.
    pub status: ContainerStatus,
    /// LXD's lifecycle action, e.g. `instance-started`.
    pub action: String,
    /// When LXD emitted it: LXD's RFC 3339 timestamp, as LXD wrote it.
    pub at: String,
}

/// The status an LXD lifecycle action leaves its instance in, or `None`
/// for an action that says nothing about it (`instance-exec`,
/// `instance-updated`, snapshots, …), which `GET /events` leaves out.
///
/// A new instance (`instance-created`) is stopped until its start event;
/// `instance-shutdown` is a clean stop (or a poweroff inside, or init
/// dying), `instance-stopped` a forced one.
pub fn status_after_lifecycle(action: &str) -> Option<ContainerStatus> {
    match action {
        "instance-started" | "instance-restarted" | "instance-resumed" => Some(ContainerStatus::Running),
        "instance-shutdown" | "instance-stopped" | "instance-created" => Some(ContainerStatus::Stopped),
        "instance-paused" => Some(ContainerStatus::Frozen),
        "instance-deleted" => Some(ContainerStatus::Deleted),
        _ => None,
    }
}

/// Where `GET /container/<id>/logs` reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogSource {
    /// The instance's console: what it wrote since the last read while it
    /// runs (LXD consumes its console buffer on read), the saved console log
    /// once it has stopped.
    #[default]
    Console,
    /// LXD's `lxc.log` for the instance (start/stop diagnostics).
    Lxc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsQuery {
    #[serde(default)]
    pub source: LogSource,
    #[serde(default)]
    pub lines: Option<u32>,
}

/// Answer of the logs routes: the last lines, newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogsAnswer {
    pub source: LogSource,
    pub lines: Vec<String>,
    /// True when older lines were left out to honour `lines`.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exec_request_takes_the_documented_defaults() {
        let request: ExecRequest = serde_json::from_str(r#"{"command":["echo","hi"]}"#).unwrap();
        assert_eq!(request.cwd, "/");
        assert_eq!(request.user, 0);
        assert_eq!(request.timeout_s, 30);
        assert!(request.env.is_empty());
        assert!(request.stdin.is_empty());
    }

    #[test]
    fn an_exec_request_with_a_shell_string_or_unknown_field_is_refused() {
        assert!(serde_json::from_str::<ExecRequest>(r#"{"command":"rm -rf /"}"#).is_err());
        assert!(serde_json::from_str::<ExecRequest>(r#"{"command":["id"],"shell":true}"#).is_err());
    }

    #[test]
    fn a_stop_request_defaults_to_a_clean_stop_of_thirty_seconds() {
        let request: StopRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(request, StopRequest { force: false, timeout_s: 30 });
    }

    #[test]
    fn lxd_statuses_map_to_lower_case_statuses() {
        assert_eq!(ContainerStatus::from_lxd("Running"), ContainerStatus::Running);
        assert_eq!(ContainerStatus::from_lxd("Stopped"), ContainerStatus::Stopped);
        assert_eq!(ContainerStatus::from_lxd("Weird"), ContainerStatus::Unknown);
        assert_eq!(serde_json::to_string(&ContainerStatus::Running).unwrap(), "\"running\"");
    }

    #[test]
    fn a_container_event_is_flat_json_with_a_lower_case_status() {
        let event = ContainerEvent {
            name: "c1".to_owned(),
            status: ContainerStatus::Stopped,
            action: "instance-stopped".to_owned(),
            at: "2026-11-23T05:56:33.253669288Z".to_owned(),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "c1",
                "status": "stopped",
                "action": "instance-stopped",
                "at": "2026-11-23T05:56:33.253669288Z",
            })
        );
        assert_eq!(serde_json::from_value::<ContainerEvent>(json).unwrap(), event);
    }

    #[test]
    fn a_deleted_instance_has_the_status_deleted() {
        assert_eq!(serde_json::to_string(&ContainerStatus::Deleted).unwrap(), "\"deleted\"");
        assert_eq!(ContainerStatus::Deleted.as_str(), "deleted");
        assert_eq!(ContainerStatus::from_lxd("Deleted"), ContainerStatus::Unknown, "LXD never reports it");
    }

    #[test]
    fn lifecycle_actions_map_to_the_status_they_leave_behind() {
        let cases = [
            ("instance-started", ContainerStatus::Running),
            ("instance-restarted", ContainerStatus::Running),
            ("instance-resumed", ContainerStatus::Running),
            ("instance-shutdown", ContainerStatus::Stopped),
            ("instance-stopped", ContainerStatus::Stopped),
            ("instance-created", ContainerStatus::Stopped),
            ("instance-paused", ContainerStatus::Frozen),
            ("instance-deleted", ContainerStatus::Deleted),
        ];
        for (action, status) in cases {
            assert_eq!(status_after_lifecycle(action), Some(status), "{action}");
        }
    }

    #[test]
    fn lifecycle_actions_that_say_nothing_about_the_status_are_skipped() {
        for action in [
            "instance-exec",
            "instance-updated",
            "instance-snapshot-created",
            "instance-renamed",
            "",
            "Instance-Started",
        ] {
            assert_eq!(status_after_lifecycle(action), None, "{action}");
        }
    }

    #[test]
    fn a_token_request_names_its_action_by_the_claim_string() {
        let request: TokenRequest =
            serde_json::from_str(r#"{"action":"service.restart","container":"c1","service":"web"}"#).unwrap();
        assert_eq!(request.action, Action::ServiceRestart);
        assert!(serde_json::from_str::<TokenRequest>(r#"{"action":"reboot"}"#).is_err());
    }
}
