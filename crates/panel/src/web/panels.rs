//! The container page's panels: live state (CPU, memory, processes,
//! addresses), logs and exec, each a fragment the page fetches with htmx.
//!
//! Each asks the agent through the same use cases as the API
//! (`app::containers::{state_of, logs_of, exec_in}`), so the policy decides
//! exactly as there and exec is audited exactly as there (`started`, then the
//! outcome). A hidden or missing container is the 404 page; anything else
//! that goes wrong (the agent is down, a bad form) is answered 200 with a
//! fragment saying what to do, since htmx 2 swaps no 4xx/5xx answer.

use actix_web::web;
use askama::Template;

use serde::Deserialize;
use smp_proto::api::{ContainerState, ExecAnswer, ExecRequest, LogSource, LogsAnswer, LogsQuery};

use super::i18n::Translate as _;
use super::{Page, PageContext, PageForm, html, in_place, when};
use crate::app::containers::{exec_in, logs_of, state_of};
use crate::db;
use crate::db::containers::ContainerId;
use crate::error::AppError;
use crate::http::AuditAction;
use crate::texts;
// The agent refuses a longer exec.
use smp_proto::api::MAX_TIMEOUT_S as MAX_EXEC_TIMEOUT_S;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/containers/{id}/state").route(web::get().to(state))) // CurrentUser + policy ContainerState
        .service(web::resource("/containers/{id}/logs").route(web::get().to(logs))) // CurrentUser + policy ContainerLogs
        .service(
            web::resource("/containers/{id}/exec").app_data(AuditAction("container.exec")).route(web::post().to(exec)), // CurrentUser (X-CSRF-Token) + policy ContainerExec
        );
}

#[derive(Template)]
#[template(path = "panel_error.html")]
pub(super) struct ErrorFragment {
    pub(super) message: String,
}

/// `error` in place (200, so that htmx swaps it), or as its page.
pub(super) fn error_fragment(error: AppError) -> Page {
    html(&ErrorFragment { message: in_place(error)? })
}

/// `1.5 GiB` for a byte count.
pub(super) fn bytes(count: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `4 min 12 s` for CPU nanoseconds.
fn cpu_time(nanoseconds: i64) -> String {
    let seconds = nanoseconds as f64 / 1e9;
    if seconds < 60.0 {
        return format!("{seconds:.2} s");
    }
    let whole = seconds as i64;
    let (days, hours, minutes) = (whole / 86_400, whole % 86_400 / 3600, whole % 3600 / 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else {
        format!("{minutes} min {} s", whole % 60)
    }
}

/// One network interface as the state panel shows it.
struct Interface {
    name: String,
    state: String,
    addresses: String,
    traffic: String,
}

#[derive(Template)]
#[template(path = "panel_state.html")]
struct StateFragment {
    status: String,
    processes: i64,
    cpu: String,
    memory_usage: String,
    memory_peak: String,
    memory_limit: String,
    interfaces: Vec<Interface>,
    read_at: String,
}

impl StateFragment {
    fn of(state: ContainerState, now: i64) -> StateFragment {
        let interfaces = state
            .network
            .into_iter()
            .filter(|interface| interface.name != "lo")
            .map(|interface| {
                let list: Vec<String> = interface
                    .addresses
                    .iter()
                    .map(|address| format!("{}/{}", address.address, address.netmask))
                    .collect();
                Interface {
                    addresses: if list.is_empty() { "no address".to_owned() } else { list.join(", ") },
                    traffic: format!(
                        "received {}, sent {}",
                        bytes(interface.bytes_received),
                        bytes(interface.bytes_sent)
                    ),
                    name: interface.name,
                    state: interface.state,
                }
            })
            .collect();
        StateFragment {
            status: state.status.as_str().to_owned(),
            processes: state.processes,
            cpu: cpu_time(state.cpu_usage_ns),
            memory_usage: bytes(state.memory.usage_bytes),
            memory_peak: bytes(state.memory.peak_bytes),
            memory_limit: state.memory.limit_bytes.map_or_else(|| "none".to_owned(), bytes),
            interfaces,
            read_at: when(now),
        }
    }
}

/// `GET /containers/{id}/state`: the state panel, read from the agent.
pub async fn state(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    match state_of(current, state.app.clone(), &pool, ContainerId(path.into_inner())).await {
        Ok(state) => html(&StateFragment::of(state, db::unix_now())),
        Err(error) => error_fragment(error),
    }
}

/// The logs form as sent: strings, so that a bad value is answered in place.
#[derive(Debug, Deserialize)]
pub struct LogsParams {
    source: Option<String>,
    lines: Option<String>,
}

impl LogsParams {
    fn query(&self) -> Result<LogsQuery, AppError> {
        let source = match self.source.as_deref().map(str::trim) {
            None | Some("" | "console") => LogSource::Console,
            Some("lxc") => LogSource::Lxc,
            Some(_) => return Err(AppError::invalid("error-containers-log-source", &[])),
        };
        let lines = match self.lines.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<u32>().map_err(|_| {
                let max = texts::text(smp_proto::api::MAX_LOG_LINES);
                AppError::invalid("error-containers-log-lines-number", &[("max", max)])
            })?),
        };
        Ok(LogsQuery { source, lines })
    }
}

#[derive(Template)]
#[template(path = "panel_logs.html")]
struct LogsFragment {
    console: bool,
    text: String,
    truncated: bool,
    read_at: String,
}

impl LogsFragment {
    fn of(answer: LogsAnswer, now: i64) -> LogsFragment {
        LogsFragment {
            console: answer.source == LogSource::Console,
            text: answer.lines.join("\n"),
            truncated: answer.truncated,
            read_at: when(now),
        }
    }
}

/// `GET /containers/{id}/logs?source=console|lxc&lines=N`: the last lines, newest last.
pub async fn logs(page: PageContext, path: web::Path<i64>, params: web::Query<LogsParams>) -> Page {
    let PageContext { current, state, pool } = page;
    let query = match params.query() {
        Ok(query) => query,
        Err(error) => return error_fragment(error),
    };
    match logs_of(current, state.app.clone(), &pool, ContainerId(path.into_inner()), query).await {
        Ok(answer) => html(&LogsFragment::of(answer, db::unix_now())),
        Err(error) => error_fragment(error),
    }
}

/// The exec form: the command one argument per line, the timeout optional.
#[derive(Debug, Deserialize)]
pub struct ExecForm {
    #[serde(default)]
    command: String,
    #[serde(default)]
    timeout_s: String,
}

/// The argv of the command box: each line that is not blank is one
/// argument, exactly as typed (no shell: quotes and `$` are plain text).
fn argv(command: &str) -> Vec<String> {
    command
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

impl ExecForm {
    /// The agent's exec request, with the protocol's defaults (cwd `/`,
    /// timeout 30 s) for what the form leaves out.
    fn request(&self) -> Result<ExecRequest, AppError> {
        let command = argv(&self.command);
        if command.is_empty() {
            return Err(AppError::invalid("error-containers-exec-command-form", &[]));
        }
        let mut request: ExecRequest =
            serde_json::from_value(serde_json::json!({ "command": command })).map_err(AppError::internal)?;
        let timeout = self.timeout_s.trim();
        if !timeout.is_empty() {
            request.timeout_s =
                timeout.parse::<u32>().ok().filter(|seconds| (1..=MAX_EXEC_TIMEOUT_S).contains(seconds)).ok_or_else(
                    || AppError::invalid("error-containers-exec-timeout", &[("max", texts::text(MAX_EXEC_TIMEOUT_S))]),
                )?;
        }
        Ok(request)
    }
}

#[derive(Template)]
#[template(path = "panel_exec.html")]
struct ExecFragment {
    exit_code: i32,
    stdout: String,
    stderr: String,
    truncated: bool,
    took: String,
}

impl From<ExecAnswer> for ExecFragment {
    fn from(answer: ExecAnswer) -> ExecFragment {
        ExecFragment {
            exit_code: answer.exit_code,
            stdout: answer.stdout,
            stderr: answer.stderr,
            truncated: answer.truncated,
            took: format!("{:.1} s", answer.duration_ms as f64 / 1000.0),
        }
    }
}

/// `POST /containers/{id}/exec` (htmx, form `command`, `timeout_s`): runs it
/// through the agent, audited like the API's; the form is read once the
/// policy allowed it, so a bad form is a refused row like the API's bad body.
pub async fn exec(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<ExecForm>) -> Page {
    let PageContext { current, state, pool } = page;
    match exec_in(current, state.app.clone(), &pool, ContainerId(path.into_inner()), move || form?.request()).await {
        Ok(answer) => html(&ExecFragment::from(answer)),
        Err(error) => error_fragment(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::web::readable;

    #[test]
    fn sizes_and_cpu_times_read_in_human_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
        assert_eq!(cpu_time(1_250_000_000), "1.25 s");
        assert_eq!(cpu_time(252_000_000_000), "4 min 12 s");
        assert_eq!(cpu_time(3 * 3_600_000_000_000 + 120_000_000_000), "3 h 2 min");
        assert_eq!(cpu_time(50 * 3_600_000_000_000), "2 d 2 h");
    }

    #[test]
    fn each_non_blank_line_is_one_argument_exactly_as_typed() {
        assert_eq!(argv("ls\r\n-l\r\n\r\n/var/log dir\n  \n"), ["ls", "-l", "/var/log dir"]);
        assert_eq!(argv("sh\n-c\necho \"$HOME\" | wc"), ["sh", "-c", "echo \"$HOME\" | wc"]);
        assert!(argv("\n \r\n").is_empty());
    }

    #[test]
    fn the_exec_form_becomes_the_protocols_request_or_a_readable_refusal() {
        let form = |command: &str, timeout: &str| ExecForm { command: command.into(), timeout_s: timeout.into() };
        let request = form("uptime\n", "").request().unwrap();
        assert_eq!(
            (request.command.as_slice(), request.cwd.as_str(), request.timeout_s),
            (&["uptime".to_owned()][..], "/", 30)
        );
        assert_eq!(form("uptime", " 5 ").request().unwrap().timeout_s, 5);
        for timeout in ["0", "601", "ten", "-1"] {
            let error = form("uptime", timeout).request().unwrap_err();
            assert!(readable(&error).starts_with("Timeout: give a whole number"), "{timeout}: {error}");
        }
        let empty = form("\r\n\r\n", "").request().unwrap_err();
        assert_eq!(empty.code, ErrorCode::InvalidInput);
        assert!(readable(&empty).starts_with("Give the command"));
    }

    #[test]
    fn the_exec_answer_shows_both_streams_and_says_when_output_was_cut() {
        let answer = ExecAnswer {
            exit_code: 2,
            stdout: "<b>out</b>".into(),
            stderr: String::new(),
            truncated: true,
            duration_ms: 1500,
        };
        let html = ExecFragment::from(answer).render().unwrap();
        assert!(html.contains("&#60;b&#62;out&#60;/b&#62;"), "escaped: {html}");
        assert!(html.contains("output was truncated"), "{html}");
        assert!(html.contains(">2<"), "{html}");
    }

    #[test]
    fn internal_errors_keep_their_details_in_the_log() {
        let error = AppError::new(ErrorCode::Internal, "database exploded at row 12");
        assert!(!readable(&error).contains("exploded"));
        let agent = AppError::new(ErrorCode::AgentUnavailable, "machine m1 cannot be reached right now");
        assert_eq!(readable(&agent), "Machine m1 cannot be reached right now.");
    }
}
