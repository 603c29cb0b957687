//! The request and answer bodies of the agent's routes, as both services see
//! them. Requests deny unknown fields so a typo is an error, not a default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::error::{ErrorCode, Rejection};

/// Whether the JSON text `body` is an object (its first character past
/// whitespace is `{`). Every request body is one; serde would also read a
/// struct from an array of its fields in order (`["c2","img"]`), a form no
/// route documents, so the parsers refuse anything but an object first.
pub fn is_json_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

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

/// Whether LXD answered the agent's last check (at most one every few
/// seconds, however many ask). It names no project: an unauthenticated
/// caller learns nothing of how the host is laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LxdHealth {
    pub reachable: bool,
    pub server_version: Option<String>,
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
    /// The snapshot, for `snapshot.create` (the body's `name`),
    /// `snapshot.restore` and `snapshot.delete` (the path's); the `snap` claim.
    #[serde(default)]
    pub snapshot: Option<String>,
    /// Seconds the token lives; at most the agent's `max_ttl_s`, default 30.
    #[serde(default)]
    pub ttl: Option<i64>,
    /// Who acts, for the agent's log; default `operator`.
    #[serde(default)]
    pub subject: Option<String>,
    /// Hex or base64url SHA-256 of the body the token will be used with.
    #[serde(default)]
    pub body_sha256: Option<String>,
    /// Mint an admin token (`adm: true`); a key holder may. There is no
    /// `host` field: the host tier is never minted over the network.
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContainerStatus {
    Running,
    Stopped,
    Frozen,
    Starting,
    Stopping,
    Error,
    Unknown,
    /// The instance no longer exists: `GET /events` reports it (after LXD's
    /// `instance-deleted`), and so does the answer of `delete`. LXD itself
    /// never has this status.
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
    /// LXD's `volatile.uuid` of the instance: it differs for an instance
    /// deleted and made again under the same name (the `uid` claim binds a
    /// token to it). Absent when LXD has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

/// Body of `stop` and `restart`; both fields optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(default))]
pub struct StopRequest {
    /// Stop at once instead of asking the instance to shut down.
    #[serde(default)]
    pub force: bool,
    /// Seconds to wait for a clean stop (at most 600).
    #[serde(default = "default_stop_timeout_s")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 600))]
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

/// Answer of `start`, `stop`, `restart`, `create` (201) and `delete`: the
/// instance's status once LXD is done (`deleted` after a delete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LifecycleAnswer {
    pub name: String,
    pub action: Action,
    pub status: ContainerStatus,
    pub duration_ms: u64,
    /// `create`: the new instance's `volatile.uuid` (for the `uid` claim of
    /// later tokens); absent from other answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

/// Body of `POST /containers` (`create`). Parse it with
/// [`crate::config_policy::parse_create_request`], which refuses a
/// `devices` or `source` field as `forbidden_config` and any other unknown
/// field as `invalid_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// The new instance's name ([`crate::names::InstanceName`]); the token's `ctr`.
    pub name: String,
    /// A local image alias of the agent's LXD project (`GET /images`).
    pub image: String,
    /// Profiles applied in order; default `["default"]`.
    #[serde(default = "default_profiles")]
    pub profiles: Vec<String>,
    /// Instance configuration; without `adm: true` only the member whitelist
    /// ([`crate::config_policy::MEMBER_CONFIG_KEYS`]).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Size of the root disk in MiB: the agent sets it on a local override
    /// of the profiles' root disk device. Absent: the profiles' size.
    #[serde(default)]
    pub disk_mb: Option<u64>,
    /// Start the instance once it is created.
    #[serde(default)]
    pub start: bool,
}

fn default_profiles() -> Vec<String> {
    vec!["default".to_owned()]
}

/// Body of `PATCH /container/<id>` (`update`): merged into the instance's
/// configuration; a key set to `""` is removed. Parse it with
/// [`crate::config_policy::parse_update_request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// New size of the root disk in MiB.
    #[serde(default)]
    pub disk_mb: Option<u64>,
}

/// Answer of `update`: the instance's configuration as LXD has it after the
/// change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateAnswer {
    pub name: String,
    /// The instance's own configuration keys (not its profiles'), without
    /// LXD's bookkeeping (`volatile.*`, `image.*`).
    pub config: BTreeMap<String, String>,
    /// The root disk's size in MiB (rounded up), when the instance's root
    /// disk has one; null when it takes the pool's default.
    pub disk_mb: Option<u64>,
    pub duration_ms: u64,
}

/// `GET /images` (`images`): the aliases a container may be created from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageList {
    pub items: Vec<ImageSummary>,
}

/// One image alias of the agent's LXD project (container images only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageSummary {
    /// What `create` takes as `image`.
    pub alias: String,
    /// The alias's description, or the image's `description` property when
    /// the alias has none.
    pub description: String,
    /// The image's SHA-256 fingerprint, 64 hex digits.
    pub fingerprint: String,
    /// e.g. `x86_64`.
    pub architecture: String,
    /// The image file's size.
    pub size_bytes: u64,
}

/// Body of `POST /container/<id>/snapshots` (`snapshot.create`); the
/// token's `snap` is its `name`. Parse it with [`SnapshotRequest::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotRequest {
    /// The new snapshot's name ([`crate::names::SnapshotName`]).
    pub name: String,
    /// Also save the running container's memory (LXD needs CRIU on the host for it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = false))]
    pub stateful: bool,
}

impl SnapshotRequest {
    /// Parses the body as the route does (and as the token check that
    /// compares its `name` with `snap` does): a JSON object, no unknown
    /// field, no field twice; anything else is `invalid_request`. The name
    /// itself is checked by the route ([`crate::names::SnapshotName`]).
    pub fn parse(body: &[u8]) -> Result<SnapshotRequest, Rejection> {
        let invalid = |message: String| Rejection::new(ErrorCode::InvalidRequest, message);
        if !is_json_object(body) {
            return Err(invalid("invalid JSON body: the body must be a JSON object".to_owned()));
        }
        serde_json::from_slice(body).map_err(|error| invalid(format!("invalid JSON body: {error}")))
    }
}

/// One snapshot of a container, as `GET /container/<id>/snapshots` lists it
/// (and `snapshot.create` answers it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    pub name: String,
    /// When it was taken, Unix seconds.
    pub created_at: i64,
    /// When LXD deletes it (from `snapshots.expiry`), Unix seconds; null: never.
    pub expires_at: Option<i64>,
    /// Whether it holds the container's memory too.
    pub stateful: bool,
    /// The space it takes in the pool; null when the pool's driver does not
    /// say (`dir` does not).
    pub size_bytes: Option<u64>,
}

/// `GET /container/<id>/snapshots` (`snapshot.list`), oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotList {
    pub items: Vec<Snapshot>,
}

/// Answer of `snapshot.restore` and `snapshot.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotAnswer {
    /// The container.
    pub name: String,
    pub snapshot: String,
    pub action: Action,
    /// The container's status once LXD is done: a restore of a running
    /// container stops it, puts its files back and starts it again.
    pub status: ContainerStatus,
    pub duration_ms: u64,
}

/// `1` MiB to 16 TiB: the range of `disk_mb`.
pub const MAX_DISK_MB: u64 = 16 * 1024 * 1024;

/// An LXD size (`300MiB`, `1GiB`, `500MB`, `1073741824`, …) in MiB, rounded
/// up; `None` when it is not a size LXD writes (or is zero).
pub fn size_in_mib(size: &str) -> Option<u64> {
    let digits = size.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 20 {
        return None;
    }
    let number: u128 = size[..digits].parse().ok()?;
    let unit: u128 = match &size[digits..] {
        "" | "B" => 1,
        "kB" => 1000,
        "MB" => 1000_u128.pow(2),
        "GB" => 1000_u128.pow(3),
        "TB" => 1000_u128.pow(4),
        "PB" => 1000_u128.pow(5),
        "EB" => 1000_u128.pow(6),
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "PiB" => 1 << 50,
        "EiB" => 1 << 60,
        _ => return None,
    };
    let bytes = number.checked_mul(unit)?;
    let mib = bytes.div_ceil(1 << 20);
    if mib == 0 { None } else { u64::try_from(mib).ok() }
}

/// Body of `exec`: an argv, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecRequest {
    /// The program and its arguments.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, example = json!(["uptime"])))]
    pub command: Vec<String>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory inside the container.
    #[serde(default = "default_cwd")]
    #[cfg_attr(feature = "openapi", schema(default = default_cwd))]
    pub cwd: String,
    /// Uid to run as.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = 0))]
    pub user: u32,
    /// Written to the program's standard input.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = ""))]
    pub stdin: String,
    /// Seconds before the program is killed (at most 600).
    #[serde(default = "default_exec_timeout_s")]
    #[cfg_attr(feature = "openapi", schema(default = default_exec_timeout_s, minimum = 1, maximum = 600))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecAnswer {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    /// True when stdout or stderr was cut at the agent's per-stream cap.
    pub truncated: bool,
    pub duration_ms: u64,
}

/// Smallest and largest terminal width or height (columns, rows); sizes
/// outside are clamped into this range, never refused.
pub const MIN_TERMINAL_SIZE: u16 = 1;
pub const MAX_TERMINAL_SIZE: u16 = 500;

/// A terminal width or height clamped to 1–500.
pub fn clamp_terminal_size(size: u32) -> u16 {
    u16::try_from(size.clamp(u32::from(MIN_TERMINAL_SIZE), u32::from(MAX_TERMINAL_SIZE))).unwrap_or(MAX_TERMINAL_SIZE)
}

/// Query of `GET /container/<id>/terminal` (`terminal`): the PTY's size and
/// the uid whose login shell runs (root when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalQuery {
    #[serde(default = "default_cols")]
    pub cols: u32,
    #[serde(default = "default_rows")]
    pub rows: u32,
    #[serde(default)]
    pub user: Option<u32>,
}

/// Query of `GET /container/<id>/console` (`console`): the console's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleQuery {
    #[serde(default = "default_cols")]
    pub cols: u32,
    #[serde(default = "default_rows")]
    pub rows: u32,
}

fn default_cols() -> u32 {
    80
}

fn default_rows() -> u32 {
    24
}

/// Highest signal number a client may send (Linux's `SIGRTMAX`).
pub const MAX_SIGNAL: u8 = 64;

/// A control message from the client of an interactive route, sent as a
/// WebSocket text frame (binary frames are the terminal's bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum TerminalControl {
    /// `{"type":"resize","cols":C,"rows":R}`: the PTY's new size.
    Resize { cols: u32, rows: u32 },
    /// `{"type":"signal","signal":N}`: a signal to the terminal's process.
    Signal { signal: u8 },
}

impl TerminalControl {
    /// Parses a text frame strictly (unknown types or fields, missing or
    /// negative numbers, a signal outside 1–64 are errors) and clamps the
    /// sizes of a resize to 1–500.
    pub fn parse(text: &str) -> Result<TerminalControl, String> {
        let control: TerminalControl =
            serde_json::from_str(text).map_err(|error| format!("invalid control message: {error}"))?;
        match control {
            TerminalControl::Resize { cols, rows } => Ok(TerminalControl::Resize {
                cols: u32::from(clamp_terminal_size(cols)),
                rows: u32::from(clamp_terminal_size(rows)),
            }),
            TerminalControl::Signal { signal } if (1..=MAX_SIGNAL).contains(&signal) => Ok(control),
            TerminalControl::Signal { signal } => Err(format!("signal {signal} is not between 1 and {MAX_SIGNAL}")),
        }
    }
}

/// A control message from the agent, as a text frame:
/// `{"type":"exit","code":N}` just before the close (1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum TerminalEvent {
    Exit { code: i32 },
}

/// Most arguments an exec's argv may have (`exec` and `exec.stream`).
pub const MAX_ARGV: usize = 4096;

/// Query of `GET /container/<id>/exec-stream` (`exec.stream`): the argv as
/// a JSON array of strings (URL-encoded in the query), the uid it runs as
/// (root when absent) and its working directory (the user's home when
/// absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecStreamQuery {
    pub command: String,
    #[serde(default)]
    pub user: Option<u32>,
    #[serde(default)]
    pub cwd: Option<String>,
}

impl ExecStreamQuery {
    /// The argv, checked: a JSON array of 1 to [`MAX_ARGV`] strings, the
    /// program not empty, no NUL byte anywhere; the error says what is wrong.
    pub fn argv(&self) -> Result<Vec<String>, String> {
        let argv: Vec<String> = serde_json::from_str(&self.command)
            .map_err(|error| format!("command must be a JSON array of strings (the argv): {error}"))?;
        match argv.first() {
            None => return Err("command is empty: give at least the program".to_owned()),
            Some(program) if program.is_empty() => return Err("command's program is an empty string".to_owned()),
            Some(_) => {}
        }
        if argv.len() > MAX_ARGV {
            return Err(format!("command has more than {MAX_ARGV} arguments"));
        }
        if argv.iter().any(|argument| argument.contains('\0')) {
            return Err("command contains a NUL byte".to_owned());
        }
        Ok(argv)
    }

    /// The working directory asked for, checked: an absolute path without
    /// a NUL or another control character.
    pub fn cwd(&self) -> Result<Option<&str>, String> {
        match self.cwd.as_deref() {
            None => Ok(None),
            Some(cwd) if cwd.starts_with('/') && !cwd.chars().any(char::is_control) => Ok(Some(cwd)),
            Some(_) => Err("cwd must be an absolute path without control characters".to_owned()),
        }
    }
}

/// The first byte of an `exec.stream` output frame: which stream the rest
/// of the frame's bytes come from.
pub const STREAM_STDOUT: u8 = 1;
pub const STREAM_STDERR: u8 = 2;

/// A control message from the client of `exec.stream` or `tunnel`, as a
/// text frame (binary frames are the bytes for the command's stdin or the
/// TCP connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum StreamControl {
    /// `{"type":"eof"}`: the input has ended (stdin closed; the TCP
    /// connection's sending side shut down).
    Eof,
    /// `{"type":"signal","signal":N}`: a signal to the command (exec.stream only).
    Signal { signal: u8 },
}

impl StreamControl {
    /// Parses a text frame strictly (unknown types or fields, a signal
    /// outside 1–64 are errors).
    pub fn parse(text: &str) -> Result<StreamControl, String> {
        let invalid = |error: serde_json::Error| format!("invalid control message: {error}");
        let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
        // serde lets a unit variant of an internally tagged enum carry any
        // field: `eof` is checked to have its tag only.
        if value.get("type").is_some_and(|tag| tag == "eof")
            && value.as_object().is_some_and(|fields| fields.len() != 1)
        {
            return Err("invalid control message: eof has no other field".to_owned());
        }
        let control: StreamControl = serde_json::from_value(value).map_err(invalid)?;
        match control {
            StreamControl::Signal { signal } if !(1..=MAX_SIGNAL).contains(&signal) => {
                Err(format!("signal {signal} is not between 1 and {MAX_SIGNAL}"))
            }
            _ => Ok(control),
        }
    }
}

/// Query of `GET /container/<id>/tunnel` (`tunnel`): the container's TCP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunnelQuery {
    pub port: u16,
}

impl TunnelQuery {
    /// The port, 1–65535 (0 is refused).
    pub fn port(&self) -> Result<u16, String> {
        if self.port == 0 { Err("port must be between 1 and 65535".to_owned()) } else { Ok(self.port) }
    }
}

/// `GET /container/<id>/state`: a documented subset of LXD's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemoryState {
    pub usage_bytes: i64,
    pub peak_bytes: i64,
    /// The instance's memory limit if it has one.
    pub limit_bytes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkInterface {
    pub name: String,
    pub hwaddr: String,
    pub state: String,
    pub addresses: Vec<NetworkAddress>,
    pub bytes_received: i64,
    pub bytes_sent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LogsQuery {
    /// `console` (default) or `lxc`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(inline))]
    pub source: LogSource,
    /// How many of the last lines (1-10000; default 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 10000))]
    pub lines: Option<u32>,
}

/// Answer of the logs routes: the last lines, newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogsAnswer {
    pub source: LogSource,
    pub lines: Vec<String>,
    /// True when older lines were left out to honour `lines`.
    pub truncated: bool,
}

/// One `.service` unit of `GET /container/<id>/services`, as `systemctl
/// list-units --type=service --all --output=json` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceSummary {
    /// The unit name, e.g. `cron.service`.
    pub unit: String,
    /// systemd's load state: `loaded`, `not-found`, `masked`, …
    pub load: String,
    /// systemd's active state: `active`, `inactive`, `failed`, `activating`, …
    pub active: String,
    /// The unit type's sub state: `running`, `dead`, `exited`, …
    pub sub: String,
    pub description: String,
    /// The unit file's state from `systemctl list-unit-files`: `enabled`,
    /// `disabled`, `static`, `masked`, `enabled-runtime`, …; an instance
    /// (`getty@tty1.service`) has its template's. Null without a unit file.
    pub enabled: Option<String>,
}

/// `GET /container/<id>/services` (`service.list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceList {
    pub items: Vec<ServiceSummary>,
}

/// `GET /container/<id>/service/<unit>/state` (`service.state`), from
/// `systemctl show <unit>` (the agent reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceState {
    pub unit: String,
    /// The unit's `Description=` (empty when it has none).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub description: String,
    pub load_state: String,
    pub active_state: String,
    pub sub_state: String,
    /// The main process's PID inside the container; null when none runs.
    pub main_pid: Option<u32>,
    /// When it last became active, Unix seconds (`ActiveEnterTimestamp`
    /// read with `--timestamp=unix`); null when never.
    pub active_since: Option<i64>,
    /// The unit's cgroup memory use; null when systemd does not account it.
    pub memory_bytes: Option<u64>,
}

/// Answer of `service.start`, `service.stop` and `service.restart`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceActionAnswer {
    pub action: Action,
    /// `systemctl`'s exit code: 0 when the job succeeded; otherwise the
    /// unit's state says what happened (e.g. `failed`) and `message` why.
    pub exit_code: i32,
    /// `systemctl`'s error output, empty on success.
    pub message: String,
    /// The unit's state after the job.
    pub state: ServiceState,
    pub duration_ms: u64,
}

/// Query of `GET …/service/<unit>/logs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ServiceLogsQuery {
    /// How many of the last entries (1-10000; default 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 10000))]
    pub lines: Option<u32>,
    /// Only entries since: RFC 3339 (`2026-11-23T08:00:00Z`) or `-N` followed by `s`, `min`, `h` or `d` (`-15min`).
    #[serde(default)]
    pub since: Option<String>,
}

/// One journal entry of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalLine {
    /// `__REALTIME_TIMESTAMP`: microseconds since the Unix epoch.
    pub at_us: u64,
    /// `MESSAGE` (invalid UTF-8 replaced).
    pub message: String,
}

/// Answer of `service.logs`: the unit's last journal entries, newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLogsAnswer {
    pub unit: String,
    pub lines: Vec<JournalLine>,
}

/// Checks `since` of the service logs route and returns the value to give
/// `journalctl --since=`. Two forms only, anything else is refused:
/// - RFC 3339 with a `Z` or `±HH:MM` offset (`2026-11-23T08:00:00Z`,
///   fractions of a second dropped), passed as `@<unix seconds>`;
/// - a relative past `-N<unit>` with N of 1 to 6 digits and unit `s`,
///   `min`, `h` or `d` (`-15min`), passed as it is.
pub fn journal_since(since: &str) -> Result<String, String> {
    const HELP: &str = "since must be RFC 3339 (2026-11-23T08:00:00Z) or -N followed by s, min, h or d (-15min)";
    if let Some(relative) = since.strip_prefix('-') {
        let digits = relative.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &relative[digits.len()..];
        let ok = (1..=6).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && matches!(unit, "s" | "min" | "h" | "d");
        return if ok { Ok(since.to_owned()) } else { Err(HELP.to_owned()) };
    }
    rfc3339_to_unix(since).map(|seconds| format!("@{seconds}")).ok_or_else(|| HELP.to_owned())
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` → Unix seconds; strict.
pub fn rfc3339_to_unix(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !text.is_ascii() {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    if bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let (h, m) = (number_of(&rest[1..3])?, number_of(&rest[4..6])?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month[(month - 1) as usize] {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

fn number_of(part: &str) -> Option<i64> {
    if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_request_takes_the_documented_defaults() {
        let request: CreateRequest = serde_json::from_str(r#"{"name":"c2","image":"smp-busybox"}"#).unwrap();
        assert_eq!(request.profiles, vec!["default"]);
        assert!(request.config.is_empty());
        assert_eq!((request.disk_mb, request.start), (None, false));
        assert!(serde_json::from_str::<CreateRequest>(r#"{"name":"c2"}"#).is_err(), "an image is required");
        let update: UpdateRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(update, UpdateRequest { config: BTreeMap::new(), disk_mb: None });
    }

    #[test]
    fn lxd_sizes_read_as_mib_rounded_up() {
        for (size, mib) in [
            ("300MiB", Some(300)),
            ("1GiB", Some(1024)),
            ("2TiB", Some(2 * 1024 * 1024)),
            ("1048576", Some(1)),
            ("1048577B", Some(2)),
            ("500MB", Some(477)),
            ("1kB", Some(1)),
            ("0MiB", None),
            ("", None),
            ("MiB", None),
            ("10 MiB", None),
            ("1.5GiB", None),
            ("5XB", None),
            ("99999999999999999999999EiB", None),
        ] {
            assert_eq!(size_in_mib(size), mib, "{size:?}");
        }
    }

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

    #[test]
    fn a_snapshot_request_defaults_to_a_stateless_snapshot_and_is_parsed_strictly() {
        let request = SnapshotRequest::parse(br#"{"name":"s0"}"#).unwrap();
        assert_eq!(request, SnapshotRequest { name: "s0".into(), stateful: false });
        assert!(SnapshotRequest::parse(br#" {"name":"s0","stateful":true}"#).unwrap().stateful);
        for body in [
            &br#"{"name":"s0","expires_at":"2030-01-01T00:00:00Z"}"#[..],
            br#"{"name":"s0","name":"s1"}"#,
            br#"{"name":"s0","n\u0061me":"s1"}"#,
            br#"{"stateful":false}"#,
            br#"{"name":0}"#,
            br#"["s0"]"#,
            b"",
            b"null",
        ] {
            let refused = SnapshotRequest::parse(body).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidRequest, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn since_accepts_rfc3339_and_relative_forms_only() {
        assert_eq!(journal_since("1970-01-01T00:00:00Z").unwrap(), "@0");
        assert_eq!(journal_since("2026-11-23T08:00:00Z").unwrap(), "@1795420800");
        assert_eq!(journal_since("2026-11-23T09:00:00.123+01:00").unwrap(), "@1795420800");
        assert_eq!(journal_since("2024-02-29T00:00:00-00:30").unwrap(), format!("@{}", 1_709_164_800 + 1800));
        assert_eq!(journal_since("-15min").unwrap(), "-15min");
        assert_eq!(journal_since("-2d").unwrap(), "-2d");
        for bad in [
            "",
            "yesterday",
            "today",
            "-1",
            "-min",
            "-1w",
            "--help",
            "-1234567s",
            "+5min",
            "2026-11-23",
            "2026-11-23 08:00:00",
            "2026-11-23T08:00:00",
            "2026-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-11-23T08:00:00Z; rm -rf /",
            "2026-11-23T08:00:00+1:00",
            "@0",
        ] {
            assert!(journal_since(bad).is_err(), "{bad:?}");
        }
    }
}

/// The `openapi` feature's schemas: `utoipa` takes only literals for limits
/// and defaults, so these hold them to the constants and to what serde fills in.
#[cfg(test)]
#[cfg(feature = "openapi")]
mod openapi_tests {
    use serde_json::{Value, json};
    use utoipa::{IntoParams, PartialSchema};

    use super::*;

    fn schema_of<T: PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    fn query_parameter<T: IntoParams>(name: &str) -> Value {
        let parameters = serde_json::to_value(T::into_params(|| None)).unwrap();
        let found = parameters.as_array().unwrap().iter().find(|parameter| parameter["name"] == name);
        found.unwrap_or_else(|| panic!("no parameter {name}: {parameters}")).clone()
    }

    #[test]
    fn the_documented_defaults_are_what_an_empty_body_reads_as() {
        let stop = schema_of::<StopRequest>();
        let empty: StopRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(stop["properties"]["force"]["default"], empty.force);
        assert_eq!(stop["properties"]["timeout_s"]["default"], empty.timeout_s);
        assert!(stop["required"].is_null(), "{stop}");
        let exec = schema_of::<ExecRequest>();
        let least: ExecRequest = serde_json::from_str(r#"{"command":["uptime"]}"#).unwrap();
        assert_eq!(exec["required"], json!(["command"]));
        assert_eq!(exec["properties"]["cwd"]["default"], least.cwd);
        assert_eq!(exec["properties"]["user"]["default"], least.user);
        assert_eq!(exec["properties"]["stdin"]["default"], least.stdin);
        assert_eq!(exec["properties"]["timeout_s"]["default"], least.timeout_s);
        let snapshot = schema_of::<SnapshotRequest>();
        let least = SnapshotRequest::parse(br#"{"name":"s0"}"#).unwrap();
        assert_eq!(snapshot["required"], json!(["name"]));
        assert_eq!(snapshot["properties"]["stateful"]["default"], least.stateful);
    }

    #[test]
    fn the_documented_limits_are_the_constants() {
        for schema in [schema_of::<StopRequest>(), schema_of::<ExecRequest>()] {
            assert_eq!(schema["properties"]["timeout_s"]["maximum"], MAX_TIMEOUT_S, "{schema}");
        }
        for lines in [query_parameter::<LogsQuery>("lines"), query_parameter::<ServiceLogsQuery>("lines")] {
            assert_eq!(lines["schema"]["maximum"], MAX_LOG_LINES, "{lines}");
            assert_eq!(lines["in"], "query");
        }
        let source = query_parameter::<LogsQuery>("source");
        assert_eq!(source["required"], false);
        assert_eq!(source["schema"]["enum"], json!(["console", "lxc"]));
    }

    #[test]
    fn an_action_is_documented_by_its_claim_string() {
        let values = schema_of::<Action>()["enum"].clone();
        let claims: Vec<&str> = Action::ALL.iter().map(|action| action.as_str()).collect();
        assert_eq!(values, json!(claims));
    }
}

#[cfg(test)]
mod terminal_tests {
    use super::*;

    #[test]
    fn resize_and_signal_parse_and_sizes_are_clamped() {
        assert_eq!(
            TerminalControl::parse(r#"{"type":"resize","cols":120,"rows":40}"#),
            Ok(TerminalControl::Resize { cols: 120, rows: 40 })
        );
        assert_eq!(
            TerminalControl::parse(r#"{"type":"resize","cols":0,"rows":100000}"#),
            Ok(TerminalControl::Resize { cols: 1, rows: 500 })
        );
        assert_eq!(
            TerminalControl::parse(r#"{"type":"signal","signal":2}"#),
            Ok(TerminalControl::Signal { signal: 2 })
        );
    }

    #[test]
    fn control_messages_are_parsed_strictly() {
        for text in [
            "",
            "resize",
            r#"{"type":"resize","cols":80}"#,
            r#"{"type":"resize","cols":-1,"rows":2}"#,
            r#"{"type":"resize","cols":80,"rows":24,"x":1}"#,
            r#"{"type":"signal","signal":0}"#,
            r#"{"type":"signal","signal":65}"#,
            r#"{"type":"signal","signal":"9"}"#,
            r#"{"type":"exit","code":0}"#,
            r#"{"cols":80,"rows":24}"#,
        ] {
            assert!(TerminalControl::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn the_exit_message_and_the_queries_have_their_documented_shape() {
        assert_eq!(serde_json::to_string(&TerminalEvent::Exit { code: 3 }).unwrap(), r#"{"type":"exit","code":3}"#);
        let query: TerminalQuery = serde_json::from_str(r#"{"cols":100,"rows":30,"user":1000}"#).unwrap();
        assert_eq!((query.cols, query.rows, query.user), (100, 30, Some(1000)));
        let query: TerminalQuery = serde_json::from_str("{}").unwrap();
        assert_eq!((query.cols, query.rows, query.user), (80, 24, None));
        assert!(serde_json::from_str::<ConsoleQuery>(r#"{"user":0}"#).is_err());
        assert_eq!(clamp_terminal_size(u32::MAX), 500);
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    fn exec_query(command: &str) -> ExecStreamQuery {
        ExecStreamQuery { command: command.to_owned(), user: None, cwd: None }
    }

    #[test]
    fn an_exec_stream_command_is_a_json_argv_checked_like_exec() {
        assert_eq!(exec_query(r#"["sh","-c","exit 7"]"#).argv().unwrap(), ["sh", "-c", "exit 7"]);
        for bad in
            ["", "ls -l", r#""ls""#, "[]", r#"[""]"#, r#"["ls",1]"#, r#"{"command":["ls"]}"#, "[\"ls\",\"a\\u0000b\"]"]
        {
            assert!(exec_query(bad).argv().is_err(), "{bad}");
        }
        let many = serde_json::to_string(&vec!["x"; MAX_ARGV + 1]).unwrap();
        assert!(exec_query(&many).argv().unwrap_err().contains("4096"));
    }

    #[test]
    fn an_exec_stream_cwd_is_absolute_without_control_characters() {
        let with_cwd = |cwd: &str| ExecStreamQuery { cwd: Some(cwd.to_owned()), ..exec_query(r#"["pwd"]"#) };
        assert_eq!(with_cwd("/srv/app").cwd(), Ok(Some("/srv/app")));
        assert_eq!(exec_query(r#"["pwd"]"#).cwd(), Ok(None));
        for bad in ["srv", "", "/tmp/a\nb", "/tmp/\0"] {
            assert!(with_cwd(bad).cwd().is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<ExecStreamQuery>(r#"{"command":"[]","env":"A=1"}"#).is_err());
    }

    #[test]
    fn stream_controls_are_eof_and_signal_parsed_strictly() {
        assert_eq!(StreamControl::parse(r#"{"type":"eof"}"#), Ok(StreamControl::Eof));
        assert_eq!(StreamControl::parse(r#"{"type":"signal","signal":15}"#), Ok(StreamControl::Signal { signal: 15 }));
        for text in [
            "",
            "eof",
            r#"{"type":"eof","now":true}"#,
            r#"{"type":"signal","signal":0}"#,
            r#"{"type":"signal","signal":65}"#,
            r#"{"type":"resize","cols":80,"rows":24}"#,
        ] {
            assert!(StreamControl::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_tunnel_port_is_1_to_65535() {
        assert_eq!(serde_json::from_str::<TunnelQuery>(r#"{"port":8080}"#).unwrap().port(), Ok(8080));
        assert!(serde_json::from_str::<TunnelQuery>(r#"{"port":0}"#).unwrap().port().is_err());
        assert!(serde_json::from_str::<TunnelQuery>(r#"{"port":65536}"#).is_err());
        assert!(serde_json::from_str::<TunnelQuery>(r#"{"port":22,"host":"10.0.0.1"}"#).is_err());
    }
}
