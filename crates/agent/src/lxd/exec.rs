//! `exec`: runs an argv in an instance over LXD's exec websockets.
//!
//! Why websockets and not `record-output`: a `record-output` exec cannot be
//! cancelled (`DELETE /1.0/operations/<id>` answers "This operation can't
//! be cancelled" and the process runs on), takes no stdin, buffers all its
//! output in log files LXD never deletes, and costs two more requests to
//! fetch and two to delete them. With `wait-for-websocket: true` (not
//! interactive, no pty) the agent holds four websockets on the operation:
//! stdin (written, then closed: EOF), stdout and stderr (read up to the cap,
//! the rest read and dropped, so memory stays bounded and the command never
//! blocks on a full pipe), and control, on which a command still running at
//! its deadline is sent SIGKILL. Dropping the control socket also makes LXD
//! kill the command (LXD 5.0.2, tested), so an abandoned exec does not
//! outlive its request.
//! Nothing is written to disk: there are no `exec_*` files to clean up.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::Method;
use serde::Deserialize;
use smp_proto::api::{ExecAnswer, ExecRequest};
use smp_proto::names::InstanceName;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::LxdClient;
use super::error::{LxdError, classify};
use super::operations::{self, Operation};
use super::transport::WebSocket;

/// How long LXD waits for the exec websockets before it fails the
/// operation; the agent gives up connecting after the same time.
pub const EXEC_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to wait for LXD to report a killed command's end.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Size of the websocket messages stdin is sent in.
const STDIN_CHUNK: usize = 64 * 1024;

/// The websocket secrets in a new exec operation's metadata (`fds`).
#[derive(Debug, Deserialize)]
pub(super) struct Fds {
    #[serde(rename = "0")]
    pub stdin: String,
    #[serde(rename = "1")]
    pub stdout: String,
    #[serde(rename = "2")]
    pub stderr: String,
    pub control: String,
}

/// Aborts the stdin writer however `exec` returns.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl LxdClient {
    /// Runs `request.command` in the instance and returns its exit code and
    /// output, each stream cut at `output_cap` bytes (`truncated` set).
    ///
    /// A non-zero exit code, 127 for a missing command included, is an
    /// answer, not an error. A command still running after
    /// `request.timeout_s` is killed (SIGKILL to the command's process; what
    /// it started in the background and detached from it is not) and the
    /// call fails with `Timeout`. The command runs as uid and gid
    /// `request.user`, so a non-root user never gets group 0.
    pub async fn exec(
        &self,
        name: &InstanceName,
        request: &ExecRequest,
        output_cap: usize,
    ) -> Result<ExecAnswer, LxdError> {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(request.timeout_s.into());
        if request.command.is_empty() {
            return Err(LxdError::Api { status: 400, message: "the command is empty".to_owned() });
        }
        let body = serde_json::json!({
            "command": request.command,
            "environment": request.env,
            "cwd": request.cwd,
            "user": request.user,
            "group": request.user,
            "interactive": false,
            "wait-for-websocket": true,
            "record-output": false,
        });
        let body = serde_json::to_vec(&body).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let operation: Operation = self
            .transport()
            .request_json(
                Method::POST,
                &self.instance_path(name, "/exec"),
                Some(body),
                self.request_deadline().min(deadline),
            )
            .await?;
        let fds: Fds = operation.websocket_secrets("exec")?;

        let transport = self.transport();
        let connect_deadline = (Instant::now() + EXEC_CONNECT_TIMEOUT).min(deadline);
        let (stdin, stdout, stderr, mut control) = tokio::time::timeout_at(connect_deadline, async {
            tokio::try_join!(
                operation.connect(transport, &fds.stdin, "exec"),
                operation.connect(transport, &fds.stdout, "exec"),
                operation.connect(transport, &fds.stderr, "exec"),
                operation.connect(transport, &fds.control, "exec"),
            )
        })
        .await
        .map_err(|_| LxdError::Timeout("LXD did not accept the exec websockets in time".to_owned()))??;

        let _stdin_writer =
            AbortOnDrop(tokio::spawn(write_stdin(stdin, Bytes::from(request.stdin.clone().into_bytes()))));
        let what = format!("exec of {:?} in {name}", request.command[0]);
        let run = async {
            let ((stdout, stdout_cut), (stderr, stderr_cut)) =
                tokio::join!(read_capped(stdout, output_cap), read_capped(stderr, output_cap));
            let finished = operations::wait(self.transport(), self.project(), &operation.id, deadline, &what).await?;
            Ok::<_, LxdError>(((stdout, stdout_cut), (stderr, stderr_cut), finished))
        };
        let outcome =
            tokio::time::timeout_at(deadline, run).await.unwrap_or_else(|_| Err(LxdError::Timeout(String::new())));

        let ((stdout, stdout_cut), (stderr, stderr_cut), finished) = match outcome {
            Ok(done) => done,
            Err(LxdError::Timeout(_)) => {
                self.kill(&mut control, &operation.id, &what).await;
                return Err(LxdError::Timeout(format!(
                    "{what} did not finish within {} s and was killed",
                    request.timeout_s
                )));
            }
            Err(error) => return Err(error),
        };
        let exit_code = exit_code(&finished)?;
        Ok(ExecAnswer {
            exit_code,
            stdout: decode(stdout, stdout_cut),
            stderr: decode(stderr, stderr_cut),
            truncated: stdout_cut || stderr_cut,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Sends SIGKILL over the control socket and waits (briefly) for LXD to
    /// report the end, so the command is gone when `exec` returns.
    async fn kill(&self, control: &mut WebSocket, operation_id: &str, what: &str) {
        let signal = Message::text(r#"{"command":"signal","signal":9}"#);
        match tokio::time::timeout(KILL_GRACE, control.send(signal)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "{what}: cannot send SIGKILL on the control socket"),
            Err(_) => tracing::warn!("{what}: sending SIGKILL on the control socket timed out"),
        }
        let grace = Instant::now() + KILL_GRACE;
        if let Err(error) = operations::wait(self.transport(), self.project(), operation_id, grace, what).await {
            tracing::warn!(%error, "{what}: no end reported after SIGKILL");
        }
    }
}

/// Opens one exec websocket. Errors never show the URL: it holds the secret.
/// Writes stdin, then closes the socket: LXD closes the command's stdin.
/// Errors end the writing quietly: a command that exits without reading
/// its input is not a failure.
async fn write_stdin(mut socket: WebSocket, input: Bytes) {
    let mut offset = 0;
    while offset < input.len() {
        let end = (offset + STDIN_CHUNK).min(input.len());
        if socket.send(Message::Binary(input.slice(offset..end))).await.is_err() {
            return;
        }
        offset = end;
    }
    let _ = socket.close(None).await;
}

/// Reads one output stream to its end (an empty message, a close or a
/// dropped connection), keeping at most `cap` bytes.
async fn read_capped(mut socket: WebSocket, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut truncated = false;
    while let Some(message) = socket.next().await {
        let payload = match message {
            Ok(Message::Binary(bytes)) => bytes,
            Ok(Message::Text(text)) => Bytes::from(text),
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
            Ok(Message::Close(_)) | Err(_) => break,
        };
        if payload.is_empty() {
            break;
        }
        let room = cap.saturating_sub(kept.len());
        if payload.len() > room {
            kept.extend_from_slice(&payload[..room]);
            truncated = true;
        } else {
            kept.extend_from_slice(&payload);
        }
    }
    (kept, truncated)
}

/// The command's exit code from the finished operation. LXD fails the
/// operation for a missing command but still records `return: 127`; a
/// failure without an exit code is an error.
pub(super) fn exit_code(operation: &Operation) -> Result<i32, LxdError> {
    let code = operation
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get("return"))
        .and_then(serde_json::Value::as_i64)
        .and_then(|code| i32::try_from(code).ok())
        .filter(|code| *code >= 0);
    match code {
        Some(code) => Ok(code),
        None if operation.err.is_empty() => {
            Err(LxdError::Protocol(format!("the exec operation ended ({}) without an exit code", operation.status)))
        }
        None => Err(classify(operation.status_code, &operation.err)),
    }
}

/// Lossy UTF-8; when output was cut, a character cut in half at the end is
/// dropped rather than shown as a replacement character.
fn decode(mut bytes: Vec<u8>, truncated: bool) -> String {
    if truncated
        && let Err(error) = std::str::from_utf8(&bytes)
        && error.error_len().is_none()
    {
        bytes.truncate(error.valid_up_to());
    }
    String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(status_code: u16, err: &str, metadata: serde_json::Value) -> Operation {
        Operation {
            id: "op".to_owned(),
            status: if status_code == 200 { "Success" } else { "Failure" }.to_owned(),
            status_code,
            err: err.to_owned(),
            metadata: Some(metadata),
        }
    }

    #[test]
    fn a_missing_command_is_exit_code_127_not_an_error() {
        let operation = finished(400, "Command not found", serde_json::json!({"return": 127}));
        assert_eq!(exit_code(&operation).unwrap(), 127);
    }

    #[test]
    fn a_failed_exec_without_an_exit_code_is_an_error() {
        let operation = finished(400, "Timed out waiting for websockets to connect", serde_json::json!({"fds": {}}));
        assert!(matches!(exit_code(&operation), Err(LxdError::Api { status: 400, .. })));
        let operation = finished(400, "boom", serde_json::json!({"return": -1}));
        assert!(exit_code(&operation).is_err());
    }

    #[test]
    fn output_cut_inside_a_character_loses_only_that_character() {
        let mut bytes = "aé".as_bytes().to_vec();
        bytes.pop();
        assert_eq!(decode(bytes.clone(), true), "a");
        assert_eq!(decode(bytes, false), "a\u{fffd}");
    }
}
