//! `events`: LXD's lifecycle events of the client's project, as
//! `ContainerEvent`s.
//!
//! One websocket per stream (`GET /1.0/events?type=lifecycle&project=…`),
//! owned by the stream: dropping the stream closes the connection, so no
//! task or connection outlives the caller. LXD already filters by project;
//! each message is checked again (its `project`, else its `source`'s
//! `?project=`, else `default`) so nothing of another project ever passes.
//! Actions that imply no status (`instance-exec`, `instance-updated`,
//! snapshots, …) and sources that are not an instance are skipped.

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _, stream};
use serde::Deserialize;
use smp_proto::api::{ContainerEvent, status_after_lifecycle};
use smp_proto::names::InstanceName;
use tokio_tungstenite::tungstenite::Message;

use super::LxdClient;
use super::error::LxdError;
use super::transport::{WebSocket, decode, error_chain};

/// Where LXD's lifecycle `source` of an instance starts.
const INSTANCES_PREFIX: &str = "/1.0/instances/";

/// One message of LXD's events websocket; only what the agent reads.
#[derive(Debug, Deserialize)]
struct RawEvent {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    timestamp: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    metadata: Option<Lifecycle>,
}

#[derive(Debug, Deserialize)]
struct Lifecycle {
    #[serde(default)]
    action: String,
    #[serde(default)]
    source: String,
}

impl LxdClient {
    /// Opens LXD's lifecycle events of this client's project (within the
    /// request deadline) and streams each instance change until LXD closes
    /// the connection. A lost connection or a message that is not JSON is
    /// one final error item; the stream ends after it.
    pub async fn events(
        &self,
    ) -> Result<impl Stream<Item = Result<ContainerEvent, LxdError>> + Send + 'static, LxdError> {
        let path = self.path("/1.0/events", &[("type", "lifecycle")]);
        let socket = tokio::time::timeout_at(self.request_deadline(), self.transport().websocket(&path, "events"))
            .await
            .map_err(|_| LxdError::Timeout("LXD did not open its events stream in time".to_owned()))??;
        let project = self.project().to_owned();
        Ok(stream::unfold(Some(socket), move |socket| {
            let project = project.clone();
            async move {
                let mut socket = socket?;
                let item = next_event(&mut socket, &project).await?;
                let keep = item.is_ok().then_some(socket);
                Some((item, keep))
            }
        }))
    }
}

/// The next event of `project` on the socket; `None` once LXD closed it.
async fn next_event(socket: &mut WebSocket, project: &str) -> Option<Result<ContainerEvent, LxdError>> {
    loop {
        let message = match socket.next().await? {
            Ok(Message::Text(text)) => Bytes::from(text),
            Ok(Message::Binary(bytes)) => bytes,
            Ok(Message::Close(_)) => return None,
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
            Err(error) => {
                return Some(Err(LxdError::Unavailable(format!(
                    "the events connection was lost: {}",
                    error_chain(&error)
                ))));
            }
        };
        match parse_event(&message, project) {
            Ok(Some(event)) => return Some(Ok(event)),
            Ok(None) => continue,
            Err(error) => return Some(Err(error)),
        }
    }
}

/// One LXD event message: the instance change it reports for `project`,
/// `None` when it reports none (another type, project or action, or a
/// source that is not an instance), an error when it is not JSON.
fn parse_event(message: &[u8], project: &str) -> Result<Option<ContainerEvent>, LxdError> {
    let raw: RawEvent = serde_json::from_slice(message)
        .map_err(|error| LxdError::Protocol(format!("an LXD event is not the expected JSON: {error}")))?;
    let Some(lifecycle) = raw.metadata.filter(|_| raw.kind == "lifecycle") else { return Ok(None) };
    let Some(status) = status_after_lifecycle(&lifecycle.action) else { return Ok(None) };
    let Some((name, source_project)) = instance_of_source(&lifecycle.source) else { return Ok(None) };
    if source_project != project || !(raw.project.is_empty() || raw.project == project) {
        return Ok(None);
    }
    Ok(Some(ContainerEvent { name, status, action: lifecycle.action, at: raw.timestamp }))
}

/// The instance name and project of a lifecycle `source` such as
/// `/1.0/instances/c1?project=p` (no query: the `default` project);
/// `None` for anything else (`/1.0/instances/c1/snapshots/s0`, a broken
/// escape, a name LXD would not allow).
fn instance_of_source(source: &str) -> Option<(String, String)> {
    let (path, query) = source.split_once('?').unwrap_or((source, ""));
    let name = path.strip_prefix(INSTANCES_PREFIX).filter(|name| !name.contains('/'))?;
    let name = InstanceName::parse(&decode(name)?).ok()?;
    let project = match query.split('&').find_map(|pair| pair.strip_prefix("project=")) {
        Some(project) => decode(project)?,
        None => "default".to_owned(),
    };
    Some((name.as_str().to_owned(), project))
}

#[cfg(test)]
mod tests {
    use smp_proto::api::ContainerStatus;

    use super::*;

    /// A message as LXD 5.0.2 sends it (`lxc monitor --format json`).
    fn lxd_message(action: &str, source: &str, project: &str) -> String {
        serde_json::json!({
            "location": "none",
            "metadata": {
                "action": action,
                "requestor": {"address": "@", "protocol": "unix", "username": "root"},
                "source": source,
            },
            "project": project,
            "timestamp": "2026-11-23T05:56:33.253669288Z",
            "type": "lifecycle",
        })
        .to_string()
    }

    #[test]
    fn a_forced_stop_is_a_stopped_event_with_lxds_action_and_timestamp() {
        let text = lxd_message("instance-stopped", "/1.0/instances/c1?project=p1", "p1");
        let event = parse_event(text.as_bytes(), "p1").unwrap().unwrap();
        assert_eq!(
            event,
            ContainerEvent {
                name: "c1".to_owned(),
                status: ContainerStatus::Stopped,
                action: "instance-stopped".to_owned(),
                at: "2026-11-23T05:56:33.253669288Z".to_owned(),
            }
        );
    }

    #[test]
    fn events_of_another_project_are_skipped_whichever_field_names_it() {
        let other = lxd_message("instance-started", "/1.0/instances/c1?project=p2", "p2");
        assert_eq!(parse_event(other.as_bytes(), "p1").unwrap(), None);
        let mixed = lxd_message("instance-started", "/1.0/instances/c1?project=p1", "p2");
        assert_eq!(parse_event(mixed.as_bytes(), "p1").unwrap(), None);
        let mixed = lxd_message("instance-started", "/1.0/instances/c1?project=p2", "p1");
        assert_eq!(parse_event(mixed.as_bytes(), "p1").unwrap(), None);
        let default_project = lxd_message("instance-started", "/1.0/instances/c1", "");
        assert_eq!(parse_event(default_project.as_bytes(), "p1").unwrap(), None);
        assert!(parse_event(default_project.as_bytes(), "default").unwrap().is_some());
    }

    #[test]
    fn actions_without_a_status_and_other_event_types_are_skipped() {
        for action in ["instance-exec", "instance-updated", "instance-snapshot-created"] {
            let text = lxd_message(action, "/1.0/instances/c1?project=p1", "p1");
            assert_eq!(parse_event(text.as_bytes(), "p1").unwrap(), None, "{action}");
        }
        let operation = r#"{"type":"operation","metadata":{"id":"x"},"project":"p1","timestamp":"t"}"#;
        assert_eq!(parse_event(operation.as_bytes(), "p1").unwrap(), None);
    }

    #[test]
    fn a_message_that_is_not_json_is_a_protocol_error() {
        assert!(matches!(parse_event(b"garbage", "p1"), Err(LxdError::Protocol(_))));
    }

    #[test]
    fn the_source_names_the_instance_url_decoded_and_its_project() {
        assert_eq!(instance_of_source("/1.0/instances/c1?project=p1"), Some(("c1".into(), "p1".into())));
        assert_eq!(instance_of_source("/1.0/instances/web%2D1?project=a%20b"), Some(("web-1".into(), "a b".into())));
        assert_eq!(instance_of_source("/1.0/instances/c1"), Some(("c1".into(), "default".into())));
        assert_eq!(instance_of_source("/1.0/instances/c1/snapshots/s0?project=p1"), None);
        assert_eq!(instance_of_source("/1.0/instances/c%2F1?project=p1"), None, "not an instance name");
        assert_eq!(instance_of_source("/1.0/instances/?project=p1"), None);
        assert_eq!(instance_of_source("/1.0/networks/lxdbr0"), None);
        assert_eq!(instance_of_source("/1.0/instances/c1?project=%zz"), None);
    }
}
