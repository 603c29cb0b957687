//! `POST /container/<id>/exec`: runs an argv (never a shell string built
//! here) and answers its exit code and capped output.

use actix_web::web;
use smp_proto::ErrorCode;
use smp_proto::api::{ExecAnswer, ExecRequest, MAX_TIMEOUT_S};

use crate::auth::{Authorized, json};
use crate::error::AgentError;
use crate::startup::AgentState;

const MAX_ARGS: usize = 4096;

/// Runs the command; a non-zero exit is still 200. `timeout` (504) when it
/// outlives `timeout_s`, after which it is killed.
pub async fn run(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ExecAnswer>, AgentError> {
    let request: ExecRequest = json(&auth.body)?;
    validate(&request)?;
    Ok(web::Json(state.lxd.exec(auth.container()?, &request, state.exec_output_cap_bytes).await?))
}

fn validate(request: &ExecRequest) -> Result<(), AgentError> {
    let invalid = |message: &str| Err(AgentError::new(ErrorCode::InvalidRequest, message.to_owned()));
    if request.command.is_empty() || request.command[0].is_empty() {
        return invalid("command must be a non-empty argv array, e.g. [\"uptime\"]");
    }
    if request.command.len() > MAX_ARGS {
        return invalid("command has too many arguments");
    }
    let has_nul = |text: &String| text.contains('\0');
    if request.command.iter().any(has_nul) || request.env.values().any(has_nul) || has_nul(&request.cwd) {
        return invalid("command, env and cwd must not contain NUL characters");
    }
    if request.env.keys().any(|key| key.is_empty() || key.contains(['=', '\0'])) {
        return invalid("env names must be non-empty and contain neither '=' nor NUL");
    }
    if !request.cwd.starts_with('/') {
        return invalid("cwd must be an absolute path");
    }
    if !(1..=MAX_TIMEOUT_S).contains(&request.timeout_s) {
        return invalid("timeout_s must be between 1 and 600");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> ExecRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_plain_argv_is_valid() {
        assert!(validate(&request(r#"{"command":["echo","hi"],"env":{"A":"1"},"cwd":"/tmp"}"#)).is_ok());
    }

    #[test]
    fn an_empty_command_relative_cwd_bad_env_or_timeout_is_invalid() {
        for body in [
            r#"{"command":[]}"#,
            r#"{"command":[""]}"#,
            r#"{"command":["ls"],"cwd":"tmp"}"#,
            r#"{"command":["ls"],"env":{"A=B":"1"}}"#,
            r#"{"command":["ls"],"timeout_s":0}"#,
            r#"{"command":["ls"],"timeout_s":601}"#,
            r#"{"command":["l\u0000s"]}"#,
        ] {
            assert_eq!(validate(&request(body)).unwrap_err().code(), ErrorCode::InvalidRequest, "{body}");
        }
    }
}
