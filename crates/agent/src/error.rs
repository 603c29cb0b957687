//! `AgentError`, the one error type at the agent's HTTP edge.
//!
//! Use it in handlers and extractors: a `Rejection` (from proto's checks) or
//! an `LxdError` converts into it, and `ResponseError` turns it into the JSON
//! body `{"error":{"code","message"}}` with the status `ErrorCode::http_status`
//! decides. Library code below the edge (`lxd`, `replay`) keeps its own
//! thiserror types; `anyhow` is only for startup and the CLI.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use smp_proto::{ErrorBody, ErrorCode, Rejection};

use crate::lxd::LxdError;

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct AgentError(#[from] pub Rejection);

impl AgentError {
    pub fn new(code: ErrorCode, message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        AgentError(Rejection::new(code, message))
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
}

impl From<LxdError> for AgentError {
    fn from(error: LxdError) -> Self {
        // The full error goes to the log; the answer says what the caller can act on.
        tracing::warn!(%error, "LXD call failed");
        let (code, message): (ErrorCode, String) = match error {
            LxdError::Unavailable(_) => {
                (ErrorCode::LxdUnavailable, "LXD does not answer on this machine; ask its admin to check LXD".into())
            }
            LxdError::Timeout(what) => (ErrorCode::Timeout, format!("LXD did not finish in time: {what}")),
            LxdError::NotFound(_) => (ErrorCode::NotFound, "no such container on this machine".into()),
            LxdError::AlreadyRunning => (ErrorCode::AlreadyRunning, "the container is already running".into()),
            LxdError::AlreadyStopped => (ErrorCode::AlreadyStopped, "the container is already stopped".into()),
            LxdError::AlreadyExists => {
                (ErrorCode::AlreadyExists, "a container of that name already exists on this machine".into())
            }
            LxdError::InvalidConfig(message) => {
                (ErrorCode::InvalidRequest, format!("LXD refused the configuration: {}", truncate(&message)))
            }
            LxdError::Busy(what) => (ErrorCode::Busy, format!("the container is busy: {what}; retry shortly")),
            LxdError::Api { message, .. } => (ErrorCode::LxdError, format!("LXD refused: {}", truncate(&message))),
            LxdError::Protocol(_) => {
                (ErrorCode::LxdError, "LXD answered something unexpected; see the agent's log".into())
            }
        };
        AgentError::new(code, message)
    }
}

fn truncate(message: &str) -> &str {
    match message.char_indices().nth(300) {
        Some((index, _)) => &message[..index],
        None => message,
    }
}

impl ResponseError for AgentError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(ErrorBody::from(&self.0))
    }
}
