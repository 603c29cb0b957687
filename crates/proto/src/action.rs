//! The actions a token can authorize, one per agent route (the `act` claim).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One action of PROTOCOL.md's route table; its string form is the `act` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    #[serde(rename = "list")]
    List,
    #[serde(rename = "start")]
    Start,
    #[serde(rename = "stop")]
    Stop,
    #[serde(rename = "restart")]
    Restart,
    #[serde(rename = "exec")]
    Exec,
    #[serde(rename = "state")]
    State,
    #[serde(rename = "logs")]
    Logs,
    #[serde(rename = "service.list")]
    ServiceList,
    #[serde(rename = "service.start")]
    ServiceStart,
    #[serde(rename = "service.stop")]
    ServiceStop,
    #[serde(rename = "service.restart")]
    ServiceRestart,
    #[serde(rename = "service.state")]
    ServiceState,
    #[serde(rename = "service.logs")]
    ServiceLogs,
    #[serde(rename = "create")]
    Create,
    #[serde(rename = "delete")]
    Delete,
    #[serde(rename = "update")]
    Update,
    #[serde(rename = "images")]
    Images,
    #[serde(rename = "events")]
    Events,
    /// A login shell on a PTY, over a WebSocket.
    #[serde(rename = "terminal")]
    Terminal,
    /// The container's text console, over a WebSocket.
    #[serde(rename = "console")]
    Console,
    /// A command without a PTY, its stdin, stdout and stderr kept apart,
    /// over a WebSocket (`GET /container/<id>/exec-stream`).
    #[serde(rename = "exec.stream")]
    ExecStream,
    /// A TCP byte stream to a port of the container, over a WebSocket.
    #[serde(rename = "tunnel")]
    Tunnel,
    /// The networks the agent may touch, with their leases (`GET /networks`).
    #[serde(rename = "network.list")]
    NetworkList,
    /// A container's static address on a network (`PUT /container/<id>/address`).
    #[serde(rename = "address")]
    Address,
    /// The host ports forwarded to a container (`GET /container/<id>/forwards`).
    #[serde(rename = "forward.list")]
    ForwardList,
    /// A container's whole set of forwards (`PUT /container/<id>/forwards`).
    #[serde(rename = "forward.set")]
    ForwardSet,
    /// A container's snapshots (`GET /container/<id>/snapshots`).
    #[serde(rename = "snapshot.list")]
    SnapshotList,
    /// A new snapshot, named by the body (`POST /container/<id>/snapshots`).
    #[serde(rename = "snapshot.create")]
    SnapshotCreate,
    /// The container back to a snapshot (`POST /container/<id>/snapshot/<name>/restore`).
    #[serde(rename = "snapshot.restore")]
    SnapshotRestore,
    /// A snapshot removed (`DELETE /container/<id>/snapshot/<name>`).
    #[serde(rename = "snapshot.delete")]
    SnapshotDelete,
}

impl Action {
    pub const ALL: [Action; 30] = [
        Action::List,
        Action::Start,
        Action::Stop,
        Action::Restart,
        Action::Exec,
        Action::State,
        Action::Logs,
        Action::ServiceList,
        Action::ServiceStart,
        Action::ServiceStop,
        Action::ServiceRestart,
        Action::ServiceState,
        Action::ServiceLogs,
        Action::Create,
        Action::Delete,
        Action::Update,
        Action::Images,
        Action::Events,
        Action::Terminal,
        Action::Console,
        Action::ExecStream,
        Action::Tunnel,
        Action::NetworkList,
        Action::Address,
        Action::ForwardList,
        Action::ForwardSet,
        Action::SnapshotList,
        Action::SnapshotCreate,
        Action::SnapshotRestore,
        Action::SnapshotDelete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::List => "list",
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Restart => "restart",
            Action::Exec => "exec",
            Action::State => "state",
            Action::Logs => "logs",
            Action::ServiceList => "service.list",
            Action::ServiceStart => "service.start",
            Action::ServiceStop => "service.stop",
            Action::ServiceRestart => "service.restart",
            Action::ServiceState => "service.state",
            Action::ServiceLogs => "service.logs",
            Action::Create => "create",
            Action::Delete => "delete",
            Action::Update => "update",
            Action::Images => "images",
            Action::Events => "events",
            Action::Terminal => "terminal",
            Action::Console => "console",
            Action::ExecStream => "exec.stream",
            Action::Tunnel => "tunnel",
            Action::NetworkList => "network.list",
            Action::Address => "address",
            Action::ForwardList => "forward.list",
            Action::ForwardSet => "forward.set",
            Action::SnapshotList => "snapshot.list",
            Action::SnapshotCreate => "snapshot.create",
            Action::SnapshotRestore => "snapshot.restore",
            Action::SnapshotDelete => "snapshot.delete",
        }
    }

    /// Whether a token for this action must name a container (`ctr`).
    pub fn needs_container(self) -> bool {
        !matches!(self, Action::List | Action::Images | Action::Events | Action::NetworkList)
    }

    /// Whether the token's container (`ctr`) is the `name` of the request
    /// body rather than the path's `<id>`: `create`, whose path
    /// (`POST /containers`) names no container yet.
    pub fn container_in_body(self) -> bool {
        matches!(self, Action::Create)
    }

    /// Whether the action acts on an existing container named in the path
    /// (every container action but `create`): the actions a `uid` may bind.
    pub fn container_in_path(self) -> bool {
        self.needs_container() && !self.container_in_body()
    }

    /// Whether the action's route is upgraded to a WebSocket (PROTOCOL.md
    /// "Interactive routes"): a `GET` without a body whose session lasts
    /// as long as the socket.
    pub fn is_interactive(self) -> bool {
        matches!(self, Action::Terminal | Action::Console | Action::ExecStream | Action::Tunnel)
    }

    /// Whether a token for this interactive action must bind its query
    /// string (`bh` = the query's hash, see `token::check_query_hash`):
    /// `exec.stream` and `tunnel`, whose query is the command or the port.
    /// Other interactive routes check `bh` against the query when present.
    pub fn must_bind_query(self) -> bool {
        matches!(self, Action::ExecStream | Action::Tunnel)
    }

    /// Whether a token for this action must name a service unit (`svc`).
    pub fn needs_service(self) -> bool {
        matches!(
            self,
            Action::ServiceStart
                | Action::ServiceStop
                | Action::ServiceRestart
                | Action::ServiceState
                | Action::ServiceLogs
        )
    }

    /// Whether a token for this action must name a snapshot (`snap`).
    pub fn needs_snapshot(self) -> bool {
        matches!(self, Action::SnapshotCreate | Action::SnapshotRestore | Action::SnapshotDelete)
    }

    /// Whether the token's snapshot (`snap`) is the `name` of the request
    /// body rather than the path's `<name>`: `snapshot.create`, whose path
    /// (`POST /container/<id>/snapshots`) names no snapshot yet.
    pub fn snapshot_in_body(self) -> bool {
        matches!(self, Action::SnapshotCreate)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The string is not one of the actions of the route table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}`")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL.into_iter().find(|action| action.as_str() == s).ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_string_and_serde() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
        }
    }

    #[test]
    fn an_unknown_action_string_is_an_error() {
        assert!("reboot".parse::<Action>().is_err());
        assert!("Start".parse::<Action>().is_err());
    }

    #[test]
    fn service_actions_need_a_container_and_a_service() {
        assert!(Action::ServiceRestart.needs_container());
        assert!(Action::ServiceRestart.needs_service());
        assert!(!Action::ServiceList.needs_service());
        assert!(!Action::List.needs_container());
        assert!(Action::Restart.needs_container());
        assert!(!Action::Restart.needs_service());
    }

    #[test]
    fn terminal_and_console_are_interactive_and_bind_a_container_in_the_path() {
        for action in [Action::Terminal, Action::Console] {
            assert!(action.is_interactive(), "{action}");
            assert!(action.needs_container() && action.container_in_path(), "{action}");
            assert!(!action.needs_service(), "{action}");
        }
        assert_eq!("terminal".parse::<Action>(), Ok(Action::Terminal));
        assert_eq!("console".parse::<Action>(), Ok(Action::Console));
        assert!(!Action::Exec.is_interactive() && !Action::Events.is_interactive());
    }

    #[test]
    fn exec_stream_and_tunnel_are_interactive_and_must_bind_their_query() {
        assert_eq!("exec.stream".parse::<Action>(), Ok(Action::ExecStream));
        assert_eq!("tunnel".parse::<Action>(), Ok(Action::Tunnel));
        assert_eq!(serde_json::to_string(&Action::ExecStream).unwrap(), r#""exec.stream""#);
        for action in [Action::ExecStream, Action::Tunnel] {
            assert!(action.is_interactive() && action.must_bind_query(), "{action}");
            assert!(action.needs_container() && action.container_in_path(), "{action}");
            assert!(!action.needs_service(), "{action}");
        }
        for action in Action::ALL.into_iter().filter(|action| !matches!(action, Action::ExecStream | Action::Tunnel)) {
            assert!(!action.must_bind_query(), "{action}");
        }
        assert!("exec-stream".parse::<Action>().is_err(), "the claim is exec.stream, the path exec-stream");
    }

    #[test]
    fn snapshot_actions_act_on_a_container_in_the_path_and_all_but_list_name_a_snapshot() {
        for (text, action) in [
            ("snapshot.list", Action::SnapshotList),
            ("snapshot.create", Action::SnapshotCreate),
            ("snapshot.restore", Action::SnapshotRestore),
            ("snapshot.delete", Action::SnapshotDelete),
        ] {
            assert_eq!(text.parse::<Action>(), Ok(action));
            assert!(action.needs_container() && action.container_in_path(), "{action}");
            assert!(!action.needs_service() && !action.is_interactive(), "{action}");
            assert_eq!(action.needs_snapshot(), action != Action::SnapshotList, "{action}");
        }
        for action in Action::ALL {
            assert_eq!(action.snapshot_in_body(), action == Action::SnapshotCreate, "{action}");
            if !action.as_str().starts_with("snapshot.") {
                assert!(!action.needs_snapshot(), "{action}");
            }
        }
    }

    #[test]
    fn only_create_names_its_container_in_the_body() {
        for action in Action::ALL {
            assert_eq!(action.container_in_body(), action == Action::Create, "{action}");
        }
        assert!(Action::Create.needs_container(), "create tokens carry ctr = the new name");
        assert!(!Action::Images.needs_container());
    }
}
