//! LXD background operations: starting one and waiting for it until a
//! deadline.
//!
//! `GET /1.0/operations/<id>/wait?timeout=N` answers 200 whether the
//! operation succeeded, failed (message in `err`) or is still running after
//! N seconds, so the status is read from the body, never from the HTTP code.

use hyper::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::LxdClient;
use super::error::{LxdError, classify};
use super::transport::{Transport, WebSocket, encode};

/// LXD's status code for a successful operation; below 200 it still runs,
/// above it failed (400) or was cancelled (401).
const STATUS_SUCCESS: u16 = 200;

/// Longest single `wait` request; longer waits loop.
const MAX_WAIT_S: u128 = 60;

/// An operation as LXD describes it (the fields the agent reads).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Operation {
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_code: u16,
    #[serde(default)]
    pub err: String,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

impl Operation {
    /// The websocket secrets (`metadata.fds`) of an operation started with
    /// `wait-for-websocket` (an exec, a console), in `F`'s names.
    pub(crate) fn websocket_secrets<F: DeserializeOwned>(&self, what: &str) -> Result<F, LxdError> {
        self.metadata
            .as_ref()
            .and_then(|metadata| metadata.get("fds"))
            .and_then(|fds| F::deserialize(fds).ok())
            .ok_or_else(|| LxdError::Protocol(format!("the {what} operation has no websocket secrets")))
    }

    /// Connects this operation's websocket of `secret`.
    pub(crate) async fn connect(&self, transport: &Transport, secret: &str, what: &str) -> Result<WebSocket, LxdError> {
        let path = format!("/1.0/operations/{}/websocket?secret={}", encode(&self.id), encode(secret));
        transport.websocket(&path, &format!("{what} websocket")).await
    }

    pub(crate) fn is_running(&self) -> bool {
        self.status_code < STATUS_SUCCESS
    }

    /// The finished operation, or its failure as an `LxdError`.
    pub(crate) fn into_result(self) -> Result<Operation, LxdError> {
        if self.status_code == STATUS_SUCCESS {
            Ok(self)
        } else if self.err.is_empty() {
            Err(classify(self.status_code, &format!("operation ended with status {}", self.status)))
        } else {
            Err(classify(self.status_code, &self.err))
        }
    }
}

impl LxdClient {
    /// Sends a request that starts an operation (`body` as JSON), then waits
    /// for the operation until `deadline`: its failure is the error (named
    /// by [`classify`]), a deadline passed is `Timeout` naming `what`. The
    /// request itself has the plain request deadline, or `deadline` if sooner.
    pub(super) async fn run_operation(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
        deadline: Instant,
        what: &str,
    ) -> Result<Operation, LxdError> {
        let body = body.map(serde_json::to_vec).transpose().map_err(|e| LxdError::Protocol(e.to_string()))?;
        let operation: Operation =
            self.transport().request_json(method, path_and_query, body, deadline.min(self.request_deadline())).await?;
        wait(self.transport(), self.project(), &operation.id, deadline, what).await?.into_result()
    }
}

/// Waits until operation `id` has finished (successfully or not) or the
/// deadline passes (`Timeout`, naming `what`).
pub(crate) async fn wait(
    transport: &Transport,
    project: &str,
    id: &str,
    deadline: Instant,
    what: &str,
) -> Result<Operation, LxdError> {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(LxdError::Timeout(format!("{what} was still running at its deadline")));
        }
        let wait_s = (deadline - now).as_millis().div_ceil(1000).clamp(1, MAX_WAIT_S);
        let path = format!("/1.0/operations/{}/wait?timeout={wait_s}&project={}", encode(id), encode(project));
        let operation: Operation = match transport.request_json(hyper::Method::GET, &path, None, deadline).await {
            Err(LxdError::Timeout(_)) => {
                return Err(LxdError::Timeout(format!("{what} was still running at its deadline")));
            }
            other => other?,
        };
        if !operation.is_running() {
            return Ok(operation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(status: &str, status_code: u16, err: &str) -> Operation {
        Operation { id: "op".to_owned(), status: status.to_owned(), status_code, err: err.to_owned(), metadata: None }
    }

    #[test]
    fn an_operation_below_status_200_is_still_running() {
        assert!(operation("Running", 103, "").is_running());
        assert!(!operation("Success", 200, "").is_running());
        assert!(!operation("Failure", 400, "boom").is_running());
    }

    #[test]
    fn a_failed_operation_becomes_the_error_its_message_names() {
        assert!(operation("Success", 200, "").into_result().is_ok());
        assert!(matches!(
            operation("Failure", 400, "The instance is already stopped").into_result(),
            Err(LxdError::AlreadyStopped)
        ));
        assert!(matches!(
            operation("Cancelled", 401, "").into_result(),
            Err(LxdError::Api { status: 401, ref message }) if message.contains("Cancelled")
        ));
    }
}
