//! Exec streams: a command without a PTY whose stdin, stdout and stderr
//! stay apart (LXD exec, `interactive: false`, `wait-for-websocket: true`),
//! for `GET /container/<id>/exec-stream`.
//!
//! The operation's metadata holds four websocket secrets: `0` (stdin),
//! `1` (stdout), `2` (stderr) and `control` (`signal`), connected within
//! LXD's 5 s. LXD's side (LXD 5.0, `instance_exec.go` and
//! `shared.WebsocketRecvStream` / `WebsocketSendStream`):
//! - stdin: each binary message is written to the command's stdin pipe; a
//!   text message (the "barrier") or a close ends it, and LXD closes the
//!   pipe: the command reads EOF. Only binary frames carry data.
//! - stdout, stderr: binary messages of what the command wrote, then, once
//!   the pipe reaches EOF (the command and whatever inherited the pipe
//!   closed it), an empty text message: the stream's end.
//! - The operation finishes after the command has exited *and* both output
//!   streams have sent their end; its `metadata.return` is the exit code.
//!
//! Ending from the client's side ([`LxdClient::end_exec_stream`]): SIGHUP
//! on the control socket, stdin ended, the output sockets dropped (so LXD
//! never blocks writing to them), a short wait, then SIGKILL, the control
//! socket dropped (LXD kills the command on an abnormal close) and a
//! `DELETE` of the operation if it still runs.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::Method;
use smp_proto::api::{STREAM_STDERR, STREAM_STDOUT};
use smp_proto::names::InstanceName;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::LxdClient;
use super::error::LxdError;
use super::exec::{EXEC_CONNECT_TIMEOUT, Fds, exit_code};
use super::operations::{self, Operation};
use super::terminal::{Account, signal_process};
use super::transport::{WebSocket, encode};

/// How long the command gets to end after SIGHUP, and again after SIGKILL.
const END_GRACE: Duration = Duration::from_secs(2);

/// One running exec stream on LXD's side, in three parts a bridge can
/// drive at once: what goes in, what comes out, and the operation.
#[derive(Debug)]
pub struct ExecStream {
    pub input: ExecInput,
    pub output: ExecOutput,
    pub operation: ExecOperation,
}

/// The command's stdin and LXD's control socket (`signal`).
#[derive(Debug)]
pub struct ExecInput {
    /// `None` once ended ([`ExecInput::end_stdin`]).
    stdin: Option<WebSocket>,
    control: WebSocket,
}

impl ExecInput {
    /// Writes `bytes` to the command's stdin (one binary message). An
    /// error once stdin has ended, or when LXD no longer reads it.
    pub async fn write(&mut self, bytes: Bytes) -> Result<(), LxdError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| LxdError::Protocol("stdin has ended".to_owned()))?;
        stdin.send(Message::Binary(bytes)).await.map_err(|e| LxdError::Unavailable(format!("exec stdin: {e}")))
    }

    pub fn stdin_ended(&self) -> bool {
        self.stdin.is_none()
    }

    /// Ends the command's stdin: LXD's barrier (an empty text message),
    /// then a close. Ending it twice does nothing.
    pub async fn end_stdin(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = tokio::time::timeout(END_GRACE, async {
                let _ = stdin.send(Message::text("")).await;
                let _ = stdin.close(None).await;
            })
            .await;
        }
    }

    /// Sends signal `signal` to the command (LXD signals the process it
    /// started).
    pub async fn signal(&mut self, signal: u8) -> Result<(), LxdError> {
        signal_process(&mut self.control, signal).await
    }
}

/// The command's stdout and stderr.
#[derive(Debug)]
pub struct ExecOutput {
    /// Each `None` once LXD has sent its end.
    stdout: Option<WebSocket>,
    stderr: Option<WebSocket>,
}

impl ExecOutput {
    /// The next bytes of either stream, with the stream's number
    /// ([`STREAM_STDOUT`], [`STREAM_STDERR`]); `None` once both have ended
    /// (LXD's empty text message, a close, or a broken socket).
    pub async fn next(&mut self) -> Option<(u8, Bytes)> {
        loop {
            let (fd, message) = match (self.stdout.as_mut(), self.stderr.as_mut()) {
                (None, None) => return None,
                (Some(stdout), None) => (STREAM_STDOUT, stdout.next().await),
                (None, Some(stderr)) => (STREAM_STDERR, stderr.next().await),
                (Some(stdout), Some(stderr)) => tokio::select! {
                    message = stdout.next() => (STREAM_STDOUT, message),
                    message = stderr.next() => (STREAM_STDERR, message),
                },
            };
            match message {
                Some(Ok(Message::Binary(bytes))) if !bytes.is_empty() => return Some((fd, bytes)),
                Some(Ok(Message::Text(text))) if !text.is_empty() => return Some((fd, Bytes::from(text))),
                Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                // The barrier (an empty text message), a close, an error: the end.
                Some(Ok(Message::Text(_) | Message::Close(_)) | Err(_)) | None => {
                    if fd == STREAM_STDOUT {
                        self.stdout = None;
                    } else {
                        self.stderr = None;
                    }
                }
            }
        }
    }
}

/// The LXD operation of an exec stream.
#[derive(Debug)]
pub struct ExecOperation {
    id: String,
}

/// How an exec stream's command ended, once LXD finished its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecEnd {
    /// It exited with this code (128 + N when killed by signal N; 127 when
    /// the program was not found).
    Exited(i32),
    /// LXD finished the operation without an exit code: the reason.
    Failed(String),
}

impl LxdClient {
    /// Starts `argv` as `uid` (root when `None`), in `cwd` (the user's home
    /// when `None`), with its login environment, and connects its four
    /// websockets.
    pub async fn open_exec_stream(
        &self,
        name: &InstanceName,
        argv: &[String],
        uid: Option<u32>,
        cwd: Option<&str>,
    ) -> Result<ExecStream, LxdError> {
        let passwd = self.read_passwd(name).await;
        let account = Account::from_passwd(passwd.as_deref(), uid.unwrap_or(0));
        let body = exec_stream_body(&account, argv, cwd);
        let body = serde_json::to_vec(&body).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let operation: Operation = self
            .transport()
            .request_json(Method::POST, &self.instance_path(name, "/exec"), Some(body), self.request_deadline())
            .await?;
        let fds: Fds = operation.websocket_secrets("exec stream")?;
        let transport = self.transport();
        let what = "exec stream";
        let (stdin, stdout, stderr, control) = tokio::time::timeout(EXEC_CONNECT_TIMEOUT, async {
            tokio::try_join!(
                operation.connect(transport, &fds.stdin, what),
                operation.connect(transport, &fds.stdout, what),
                operation.connect(transport, &fds.stderr, what),
                operation.connect(transport, &fds.control, what),
            )
        })
        .await
        .map_err(|_| LxdError::Timeout("LXD did not accept the exec stream's websockets in time".to_owned()))??;
        Ok(ExecStream {
            input: ExecInput { stdin: Some(stdin), control },
            output: ExecOutput { stdout: Some(stdout), stderr: Some(stderr) },
            operation: ExecOperation { id: operation.id },
        })
    }

    /// Waits until LXD has finished the stream's operation (its command
    /// exited and both output streams ended), at most until `deadline`.
    pub async fn exec_stream_end(&self, operation: &ExecOperation, deadline: Instant) -> Result<ExecEnd, LxdError> {
        let finished =
            operations::wait(self.transport(), self.project(), &operation.id, deadline, "exec stream").await?;
        Ok(match exit_code(&finished) {
            Ok(code) => ExecEnd::Exited(code),
            Err(error) => ExecEnd::Failed(error.to_string()),
        })
    }

    /// Ends the stream from the agent's side: SIGHUP, stdin ended, the
    /// output sockets dropped, then SIGKILL, the control socket dropped
    /// and the operation cancelled if it still runs. Returns once LXD
    /// reports the operation ended (or the bounds are spent, which is
    /// logged).
    pub async fn end_exec_stream(&self, stream: ExecStream) {
        let what = "exec stream";
        let ExecStream { mut input, output, operation } = stream;
        let _ = tokio::time::timeout(END_GRACE, input.signal(1)).await;
        input.end_stdin().await;
        drop(output);
        let ExecInput { mut control, .. } = input;
        let operation_id = operation.id;
        if self.ended_within(&operation_id, END_GRACE).await {
            return;
        }
        let _ = tokio::time::timeout(END_GRACE, signal_process(&mut control, 9)).await;
        drop(control);
        if self.ended_within(&operation_id, END_GRACE).await {
            return;
        }
        let path = format!("/1.0/operations/{}?project={}", encode(&operation_id), encode(self.project()));
        if let Err(error) = self
            .transport()
            .request_json::<serde::de::IgnoredAny>(Method::DELETE, &path, None, self.request_deadline())
            .await
        {
            tracing::warn!(%error, "{what}: cannot cancel the operation");
        }
        if !self.ended_within(&operation_id, END_GRACE).await {
            tracing::warn!("{what}: the LXD operation {operation_id} still runs after SIGHUP, SIGKILL and a cancel");
        }
    }
}

/// The exec request of an exec stream: no PTY, the four websockets.
fn exec_stream_body(account: &Account, argv: &[String], cwd: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "command": argv,
        "environment": account.environment(),
        "cwd": cwd.unwrap_or(&account.home),
        "user": account.uid,
        "group": account.gid,
        "interactive": false,
        "wait-for-websocket": true,
        "record-output": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exec_body_has_no_pty_and_runs_in_the_users_home_with_her_groups_id() {
        let passwd = "alice:x:1000:1001:Alice:/home/alice:/bin/bash\n";
        let alice = Account::from_passwd(Some(passwd), 1000);
        let argv = vec!["sh".to_owned(), "-c".to_owned(), "exit 7".to_owned()];
        let body = exec_stream_body(&alice, &argv, None);
        assert_eq!(body["command"], serde_json::json!(["sh", "-c", "exit 7"]));
        assert_eq!((body["interactive"].as_bool(), body["wait-for-websocket"].as_bool()), (Some(false), Some(true)));
        assert_eq!((body["user"].as_u64(), body["group"].as_u64()), (Some(1000), Some(1001)));
        assert_eq!(body["cwd"], "/home/alice");
        assert_eq!(body["environment"]["USER"], "alice");
        assert!(body.get("width").is_none(), "no PTY size");
        assert_eq!(exec_stream_body(&alice, &argv, Some("/srv"))["cwd"], "/srv");
    }
}
