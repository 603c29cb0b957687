//! The service routes: systemd units inside a container, driven with
//! `systemctl` and `journalctl` run through LXD exec (an argv, never a shell
//! string). The unit name was checked by `UnitName` (systemd's rules, never
//! starting with `-`) in the token extractor, before anything runs here, and
//! every argv puts it after `--` or as a `-u` value. Their output is read by
//! [`crate::systemd`].

use std::collections::BTreeMap;
use std::time::Instant;

use actix_web::web;
use smp_proto::api::{
    ExecAnswer, ExecRequest, ServiceActionAnswer, ServiceList, ServiceLogsAnswer, ServiceLogsQuery, ServiceState,
    journal_since,
};
use smp_proto::names::{InstanceName, UnitName};
use smp_proto::{Action, ErrorCode};

use crate::auth::Authorized;
use crate::error::AgentError;
use crate::startup::AgentState;
use crate::systemd;

/// How long a `systemctl` job may take (systemd's own start timeout is 90 s).
const JOB_TIMEOUT_S: u32 = 120;
/// How long a read (`list-units`, `show`, `journalctl`) may take.
const READ_TIMEOUT_S: u32 = 30;
/// systemctl's exit code for "no such unit" (LSB 5: program not installed).
const EXIT_NO_SUCH_UNIT: i32 = 5;

/// `GET /container/<id>/services` (`service.list`): the loaded `.service`
/// units, with their unit files' states (two execs).
pub async fn list(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ServiceList>, AgentError> {
    let container = auth.container()?;
    let argv = ["systemctl", "list-units", "--type=service", "--all", "--output=json", "--no-pager"];
    let units = run(&state, container, &argv, READ_TIMEOUT_S).await?;
    if units.exit_code != 0 {
        return Err(failed("systemctl list-units", &units));
    }
    let argv = ["systemctl", "list-unit-files", "--type=service", "--output=json", "--no-pager"];
    let files = run(&state, container, &argv, READ_TIMEOUT_S).await?;
    if files.exit_code != 0 {
        return Err(failed("systemctl list-unit-files", &files));
    }
    let list = systemd::parse_list_units(&units.stdout).map_err(unexpected)?;
    Ok(web::Json(systemd::add_unit_file_states(list, &files.stdout).map_err(unexpected)?))
}

/// `GET /container/<id>/service/<unit>/state` (`service.state`); 404
/// `unit_not_found` when systemd knows no such unit.
pub async fn state(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ServiceState>, AgentError> {
    Ok(web::Json(show(&state, auth.container()?, service(&auth)?).await?))
}

/// `POST /container/<id>/service/<unit>/{start,stop,restart}`
/// (`service.start`, `service.stop`, `service.restart`): the job the token's
/// action names, verified already by `Authorized` against the route's.
pub async fn action(
    auth: Authorized,
    state: web::Data<AgentState>,
) -> Result<web::Json<ServiceActionAnswer>, AgentError> {
    let verb = match auth.claims.act {
        Action::ServiceStart => "start",
        Action::ServiceStop => "stop",
        Action::ServiceRestart => "restart",
        _ => return Err(AgentError::new(ErrorCode::Internal, "a service action route without its action")),
    };
    job(&auth, &state, auth.claims.act, verb).await
}

/// `GET /container/<id>/service/<unit>/logs?lines=N&since=…` (`service.logs`):
/// the unit's last N journal entries (default 100, at most 10 000), newest
/// last. `since` is checked by `journal_since` before anything runs.
pub async fn logs(
    auth: Authorized,
    query: web::Query<ServiceLogsQuery>,
    state: web::Data<AgentState>,
) -> Result<web::Json<ServiceLogsAnswer>, AgentError> {
    let wanted = super::lines_wanted(query.lines)?;
    let since = query
        .since
        .as_deref()
        .map(journal_since)
        .transpose()
        .map_err(|message| AgentError::new(ErrorCode::InvalidRequest, message))?;
    let unit = service(&auth)?;
    let mut argv = vec![
        "journalctl".to_owned(),
        format!("--unit={unit}"),
        "--output=json".to_owned(),
        format!("--lines={wanted}"),
        "--no-pager".to_owned(),
        "--quiet".to_owned(),
    ];
    if let Some(since) = since {
        argv.push(format!("--since={since}"));
    }
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let answer = run(&state, auth.container()?, &argv, READ_TIMEOUT_S).await?;
    if answer.exit_code != 0 {
        return Err(failed("journalctl", &answer));
    }
    Ok(web::Json(systemd::parse_journal(unit.as_str(), &answer.stdout).map_err(unexpected)?))
}

async fn job(
    auth: &Authorized,
    state: &AgentState,
    action: Action,
    verb: &str,
) -> Result<web::Json<ServiceActionAnswer>, AgentError> {
    let began = Instant::now();
    let container = auth.container()?;
    let unit = service(auth)?;
    let answer =
        run(state, container, &["systemctl", verb, "--no-ask-password", "--", unit.as_str()], JOB_TIMEOUT_S).await?;
    if answer.exit_code == EXIT_NO_SUCH_UNIT || answer.stderr.contains("not found") {
        return Err(unit_not_found(unit));
    }
    let after = show(state, container, unit).await?;
    Ok(web::Json(ServiceActionAnswer {
        action,
        exit_code: answer.exit_code,
        message: short(answer.stderr.trim()).to_owned(),
        state: after,
        duration_ms: began.elapsed().as_millis() as u64,
    }))
}

async fn show(state: &AgentState, container: &InstanceName, unit: &UnitName) -> Result<ServiceState, AgentError> {
    let properties = format!("--property={}", systemd::SHOW_PROPERTIES);
    let argv = ["systemctl", "show", &properties, "--timestamp=unix", "--no-pager", "--", unit.as_str()];
    let answer = run(state, container, &argv, READ_TIMEOUT_S).await?;
    if answer.exit_code != 0 {
        return Err(failed("systemctl show", &answer));
    }
    let parsed = systemd::parse_show(&answer.stdout).map_err(unexpected)?;
    if parsed.load_state == "not-found" {
        return Err(unit_not_found(unit));
    }
    Ok(parsed)
}

/// Runs one argv in the container as root, with a plain environment;
/// `no_systemd` when the command is missing (exit 127) or systemd is not
/// the container's init.
async fn run(
    state: &AgentState,
    container: &InstanceName,
    argv: &[&str],
    timeout_s: u32,
) -> Result<ExecAnswer, AgentError> {
    let env = BTreeMap::from([
        ("PATH".to_owned(), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned()),
        ("LANG".to_owned(), "C.UTF-8".to_owned()),
        ("SYSTEMD_COLORS".to_owned(), "0".to_owned()),
        ("SYSTEMD_PAGER".to_owned(), String::new()),
    ]);
    let request = ExecRequest {
        command: argv.iter().map(|arg| (*arg).to_owned()).collect(),
        env,
        cwd: "/".to_owned(),
        user: 0,
        stdin: String::new(),
        timeout_s,
    };
    let answer = state.lxd.exec(container, &request, state.exec_output_cap_bytes).await?;
    if answer.exit_code == 127 || is_without_systemd(&answer.stderr) {
        return Err(AgentError::new(
            ErrorCode::NoSystemd,
            format!("{} cannot run in {container}: the container does not run systemd", argv[0]),
        ));
    }
    Ok(answer)
}

/// What systemctl and journalctl say when systemd is not the init.
fn is_without_systemd(stderr: &str) -> bool {
    stderr.contains("has not been booted with systemd") || stderr.contains("Failed to connect to bus")
}

fn service(auth: &Authorized) -> Result<&UnitName, AgentError> {
    auth.service.as_ref().ok_or_else(|| AgentError::new(ErrorCode::Internal, "route without a unit"))
}

fn unit_not_found(unit: &UnitName) -> AgentError {
    AgentError::new(ErrorCode::UnitNotFound, format!("systemd knows no unit {unit} in this container"))
}

fn failed(what: &str, answer: &ExecAnswer) -> AgentError {
    tracing::warn!(exit_code = answer.exit_code, stderr = %answer.stderr, "{what} failed");
    AgentError::new(
        ErrorCode::LxdError,
        format!("{what} failed (exit {}): {}", answer.exit_code, short(answer.stderr.trim())),
    )
}

fn unexpected(message: String) -> AgentError {
    tracing::warn!(%message, "unexpected output inside the container");
    AgentError::new(ErrorCode::LxdError, "the container's systemd answered something unexpected; see the agent's log")
}

fn short(text: &str) -> &str {
    match text.char_indices().nth(300) {
        Some((index, _)) => &text[..index],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::is_without_systemd;

    #[test]
    fn a_container_without_systemd_is_recognised_by_what_systemctl_says() {
        assert!(is_without_systemd("System has not been booted with systemd as init system (PID 1). Can't operate."));
        assert!(is_without_systemd("Failed to connect to bus: No such file or directory"));
        assert!(!is_without_systemd("Failed to restart x.service: Unit x.service not found."));
    }
}
