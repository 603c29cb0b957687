//! The OpenAPI document of the JSON API (`ApiDoc`, utoipa), served open at
//! `GET /api/v1/openapi.json`, and the Swagger UI that browses it at
//! `/api/v1/docs/` (its assets are compiled in: `utoipa-swagger-ui`'s
//! `vendored` feature, no download at build time).
//!
//! Every route of `api::configure` carries `#[utoipa::path]`; the document
//! lists them here. `smp-proto` stays free of utoipa: the agent's bodies the
//! panel passes through are described by the mirrors in [`proto`], which the
//! tests below hold to the real types. The document holds no data, so it needs
//! no sign-in.

use actix_web::{HttpResponse, http::header, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// Where the Swagger UI is served (`/api/v1/docs` redirects here).
pub const DOCS_PATH: &str = "/api/v1/docs/";

/// The panel's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "SMP panel API",
        version = env!("CARGO_PKG_VERSION"),
        description = "The JSON API of the SMP panel. Every error answers `{\"error\":{\"code\",\"message\"}}` \
            (`ErrorBody`). Sign in with `POST /api/v1/login` (session cookie `smp_session`; send the answered \
            `csrf_token` as `X-CSRF-Token` on every state-changing request) or send a personal access token as \
            `Authorization: Bearer smp_…`. docs/api.md is the reference.",
    ),
    paths(
        api::health,
        api::session::login,
        api::session::logout,
        api::session::me,
        api::password::change,
        api::tokens::create,
        api::tokens::list,
        api::tokens::revoke,
        api::users::list,
        api::users::create,
        api::users::update,
        api::quotas::quota,
        api::quotas::set_quota,
        api::quotas::set_machine_quota,
        api::quotas::delete_machine_quota,
        api::quotas::usage,
        api::machines::list,
        api::machines::add,
        api::machines::get,
        api::machines::delete,
        api::machines::sync,
        api::machines::rotate_key,
        api::provisioning::images,
        api::containers::list,
        api::provisioning::create,
        api::containers::get,
        api::provisioning::update,
        api::provisioning::delete,
        api::containers::start,
        api::containers::stop,
        api::containers::restart,
        api::containers::exec,
        api::containers::container_state,
        api::containers::logs,
        api::services::units,
        api::services::list,
        api::services::create,
        api::services::get,
        api::services::update,
        api::services::delete,
        api::services::start,
        api::services::stop,
        api::services::restart,
        api::services::service_state,
        api::services::logs,
        api::audit::list,
    ),
    components(schemas(ErrorBody, ErrorDetail, ErrorCode)),
    modifiers(&SecuritySchemes, &OptionalBodies),
    tags(
        (name = "health", description = "Whether the panel answers."),
        (name = "session", description = "Signing in and out; who am I."),
        (name = "tokens", description = "The caller's own personal access tokens."),
        (name = "users", description = "Accounts and quotas, as the policy allows."),
        (name = "machines", description = "The agents the panel reaches (admins read, the head admin manages)."),
        (name = "containers", description = "Containers the caller may see, and the actions sent to their agent."),
        (name = "audit", description = "The audit log, as the policy allows."),
    ),
)]
pub struct ApiDoc;

/// The security schemes the routes name: `session_cookie` (+ `csrf_token`
/// on state-changing requests) or `bearer_token`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "smp_session",
                "The browser session `POST /api/v1/login` sets (HttpOnly, SameSite=Strict). State-changing \
                 requests also need the `X-CSRF-Token` header (`csrf_token`).",
            ))),
        );
        components.add_security_scheme(
            "csrf_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's `csrf_token` (answered by `POST /api/v1/login` and `GET /api/v1/me`); required \
                 with the session cookie on POST, PUT, PATCH and DELETE, not with a bearer token.",
            ))),
        );
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("smp_…")
                    .description(Some(
                        "A personal access token (`smp_` and 64 hex digits) from `POST /api/v1/tokens`; \
                         no CSRF header needed.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The routes whose JSON body may be left out (`stop`, `restart`: an empty
/// body is the defaults). `#[utoipa::path]` would say so only through an
/// `Option`, which documents a `null` body the route refuses.
struct OptionalBodies;

/// The POST routes [`OptionalBodies`] marks.
const OPTIONAL_BODY_PATHS: [&str; 2] = ["/api/v1/containers/{id}/stop", "/api/v1/containers/{id}/restart"];

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for path in OPTIONAL_BODY_PATHS {
            let body = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.post.as_mut())
                .and_then(|operation| operation.request_body.as_mut());
            if let Some(utoipa::openapi::RefOr::T(body)) = body {
                body.required = Some(utoipa::openapi::Required::False);
            }
        }
    }
}

/// Every refusal and failure: `{"error":{"code","message"}}`.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The answers of every route that reaches an agent when the panel or the
/// agent fails (`responses(…, AgentCallFailures)` in a route's annotation).
#[derive(IntoResponses)]
pub enum AgentCallFailures {
    #[response(status = 500, description = "`internal`.")]
    Internal(ErrorBody),
    #[response(status = 502, description = "`agent_error`: the agent or its LXD failed.")]
    AgentError(ErrorBody),
    #[response(
        status = 429,
        description = "`limit_reached`: the caller's agent calls in flight (`max_agent_calls_per_user`), or the \
            agent's own limits, are all taken; nothing was done."
    )]
    LimitReached(ErrorBody),
    #[response(status = 503, description = "`agent_unavailable`: the agent cannot be reached.")]
    AgentUnavailable(ErrorBody),
    #[response(status = 504, description = "`agent_timeout`.")]
    AgentTimeout(ErrorBody),
}

/// What went wrong: a stable code for programs, a message for people.
#[derive(ToSchema)]
pub struct ErrorDetail {
    #[schema(value_type = ErrorCode)]
    pub code: String,
    /// What happened and what to do; never a secret. Its wording may change.
    #[schema(example = "not found")]
    pub message: String,
}

/// The `code` of an error (`crate::error::ErrorCode`); the status follows
/// from it (docs/api.md).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthenticated,
    InvalidCredentials,
    CsrfFailed,
    Forbidden,
    AccountDisabled,
    ApprovalPending,
    NotFound,
    Conflict,
    InvalidInput,
    BodyTooLarge,
    RateLimited,
    Internal,
    AgentError,
    AgentUnavailable,
    AgentTimeout,
    KeyRefused,
    KeyUnverified,
    QuotaExceeded,
    ForbiddenConfig,
    AlreadyExists,
    UnknownImage,
    UnknownProfile,
    HasChildren,
    LimitReached,
    InstanceChanged,
    SessionRequired,
    TokenScope,
    WrongPassword,
    /// A browser request (login, or a signed-in change) whose `Origin` is not the panel's `public_url`.
    OriginMismatch,
}

/// `GET /api/v1/health`'s answer.
#[derive(ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// A stored role (`crate::Role`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Role {
    HeadAdmin,
    Admin,
    Member,
}

/// A personal access token as listed: never the token itself.
#[derive(ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    /// Unix time.
    pub created_at: i64,
    /// Unix time when it stops working; every token expires (null never comes from a token made since
    /// the migration `token_scope`).
    pub expires_at: Option<i64>,
    /// Unix time, to the minute (written at most once a minute); null: never used.
    pub last_used_at: Option<i64>,
}

/// What a personal access token may do (`crate::db::tokens::TokenScope`):
/// `read` only GET and HEAD; `write` anything its owner may do.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    Write,
}

/// `GET /api/v1/tokens`: the caller's live tokens.
#[derive(ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenInfo>,
}

/// `GET /api/v1/users`.
#[derive(ToSchema)]
pub struct UserList {
    pub items: Vec<crate::app::users::UserView>,
}

/// `GET /api/v1/machines`.
#[derive(ToSchema)]
pub struct MachineList {
    pub items: Vec<crate::app::machines::MachineView>,
}

/// `GET /api/v1/containers`.
#[derive(ToSchema)]
pub struct ContainerList {
    pub items: Vec<api::containers::ContainerView>,
}

/// `GET /api/v1/services`.
#[derive(ToSchema)]
pub struct ServiceItems {
    pub items: Vec<api::services::ServiceView>,
}

/// `GET /api/v1/audit`: a page of rows, newest first.
#[derive(ToSchema)]
pub struct AuditPage {
    pub items: Vec<crate::db::audit::AuditRow>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}

/// Mirrors of the `smp-proto` bodies the panel passes to and from the agent
/// (smp-proto does not depend on utoipa); the tests compare them with the
/// real types.
pub mod proto {
    use std::collections::BTreeMap;

    use utoipa::{IntoParams, ToSchema};

    /// Body of `stop` and `restart`; both fields optional, and the body too.
    #[derive(ToSchema)]
    pub struct StopRequest {
        /// Stop at once instead of asking the instance to shut down.
        #[schema(required = false, default = false)]
        pub force: bool,
        /// Seconds to wait for a clean stop (at most 600).
        #[schema(required = false, default = 30, maximum = 600)]
        pub timeout_s: u32,
    }

    /// Body of `exec`: an argv, never a shell string.
    #[derive(ToSchema)]
    pub struct ExecRequest {
        /// The program and its arguments.
        #[schema(min_items = 1, example = json!(["uptime"]))]
        pub command: Vec<String>,
        /// Extra environment variables.
        #[schema(required = false)]
        pub env: BTreeMap<String, String>,
        /// Working directory inside the container.
        #[schema(required = false, default = "/")]
        pub cwd: String,
        /// Uid to run as.
        #[schema(required = false, default = 0)]
        pub user: u32,
        /// Written to the program's standard input.
        #[schema(required = false, default = "")]
        pub stdin: String,
        /// Seconds before the program is killed (at most 600).
        #[schema(required = false, default = 30, maximum = 600)]
        pub timeout_s: u32,
    }

    /// Answer of `exec`; a non-zero exit code is still a 200.
    #[derive(ToSchema)]
    pub struct ExecAnswer {
        pub exit_code: i32,
        pub stdout: String,
        pub stderr: String,
        /// True when stdout or stderr was cut at the agent's per-stream cap.
        pub truncated: bool,
        pub duration_ms: u64,
    }

    /// An instance's status as the agent reports it (LXD's, in lower case).
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ContainerStatus {
        Running,
        Stopped,
        Frozen,
        Starting,
        Stopping,
        Error,
        Unknown,
        Deleted,
    }

    /// The lifecycle action answered.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum LifecycleAction {
        Start,
        Stop,
        Restart,
        Create,
        Delete,
    }

    /// `GET /api/v1/machines/{id}/images`.
    #[derive(ToSchema)]
    pub struct ImageList {
        pub items: Vec<ImageSummary>,
    }

    /// One image alias of the machine's LXD project.
    #[derive(ToSchema)]
    pub struct ImageSummary {
        /// What a creation takes as `image`.
        pub alias: String,
        pub description: String,
        /// SHA-256, 64 hex digits.
        pub fingerprint: String,
        /// e.g. `x86_64`.
        pub architecture: String,
        pub size_bytes: u64,
    }

    /// Answer of `start`, `stop` and `restart`: the status once LXD is done.
    #[derive(ToSchema)]
    pub struct LifecycleAnswer {
        pub name: String,
        pub action: LifecycleAction,
        pub status: ContainerStatus,
        pub duration_ms: u64,
    }

    /// A documented subset of LXD's state.
    #[derive(ToSchema)]
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

    #[derive(ToSchema)]
    pub struct MemoryState {
        pub usage_bytes: i64,
        pub peak_bytes: i64,
        /// The instance's memory limit if it has one.
        pub limit_bytes: Option<i64>,
    }

    #[derive(ToSchema)]
    pub struct NetworkInterface {
        pub name: String,
        pub hwaddr: String,
        pub state: String,
        pub addresses: Vec<NetworkAddress>,
        pub bytes_received: i64,
        pub bytes_sent: i64,
    }

    #[derive(ToSchema)]
    pub struct NetworkAddress {
        /// `inet` or `inet6`.
        pub family: String,
        pub address: String,
        pub netmask: String,
        pub scope: String,
    }

    /// Where the logs come from.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum LogSource {
        /// The instance's console (default).
        Console,
        /// LXD's `lxc.log` for the instance (start/stop diagnostics).
        Lxc,
    }

    /// The query of `GET /api/v1/containers/{id}/logs`.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct LogsQuery {
        /// `console` (default) or `lxc`.
        #[param(inline, required = false)]
        pub source: LogSource,
        /// How many of the last lines (1-10000; default 100).
        #[param(minimum = 1, maximum = 10000)]
        pub lines: Option<u32>,
    }

    /// `GET /api/v1/containers/{id}/units`: the container's systemd services.
    #[derive(ToSchema)]
    pub struct ServiceList {
        pub items: Vec<ServiceSummary>,
    }

    /// One `.service` unit as `systemctl list-units` reports it.
    #[derive(ToSchema)]
    pub struct ServiceSummary {
        /// e.g. `cron.service`.
        pub unit: String,
        /// `loaded`, `not-found`, `masked`, …
        pub load: String,
        /// `active`, `inactive`, `failed`, `activating`, …
        pub active: String,
        /// `running`, `dead`, `exited`, …
        pub sub: String,
        pub description: String,
        /// The unit file's state (`enabled`, `disabled`, `static`, …); null without a unit file.
        pub enabled: Option<String>,
    }

    /// A unit's live state.
    #[derive(ToSchema)]
    pub struct ServiceState {
        pub unit: String,
        /// The unit's `Description=`.
        pub description: String,
        pub load_state: String,
        pub active_state: String,
        pub sub_state: String,
        /// The main process's PID inside the container; null when none runs.
        pub main_pid: Option<u32>,
        /// When it last became active, Unix seconds; null when never.
        pub active_since: Option<i64>,
        /// The unit's cgroup memory use; null when systemd does not account it.
        pub memory_bytes: Option<u64>,
    }

    /// The service action answered.
    #[derive(ToSchema)]
    pub enum ServiceAction {
        #[schema(rename = "service.start")]
        Start,
        #[schema(rename = "service.stop")]
        Stop,
        #[schema(rename = "service.restart")]
        Restart,
    }

    /// Answer of a service's start, stop and restart.
    #[derive(ToSchema)]
    pub struct ServiceActionAnswer {
        pub action: ServiceAction,
        /// `systemctl`'s exit code: 0 when the job succeeded.
        pub exit_code: i32,
        /// `systemctl`'s error output, empty on success.
        pub message: String,
        /// The unit's state after the job.
        pub state: ServiceState,
        pub duration_ms: u64,
    }

    /// The query of `GET /api/v1/services/{id}/logs`.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct ServiceLogsQuery {
        /// How many of the last entries (1-10000; default 100).
        #[param(minimum = 1, maximum = 10000)]
        pub lines: Option<u32>,
        /// Only entries since: RFC 3339 (`2026-11-23T08:00:00Z`) or `-N` followed by `s`, `min`, `h` or `d` (`-15min`).
        pub since: Option<String>,
    }

    /// One journal entry.
    #[derive(ToSchema)]
    pub struct JournalLine {
        /// Microseconds since the Unix epoch.
        pub at_us: u64,
        pub message: String,
    }

    /// Answer of a service's logs: its last journal entries, newest last.
    #[derive(ToSchema)]
    pub struct ServiceLogsAnswer {
        pub unit: String,
        pub lines: Vec<JournalLine>,
    }

    /// Answer of the logs route: the last lines, newest last.
    #[derive(ToSchema)]
    pub struct LogsAnswer {
        pub source: LogSource,
        pub lines: Vec<String>,
        /// True when older lines were left out to honour `lines`.
        pub truncated: bool,
    }
}

/// Mounts the document and the Swagger UI. Register before `api::configure`:
/// its `/api/v1` scope would otherwise answer these paths with 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // No online validator: the UI would send the document's URL to swagger.io.
    let ui = SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}"))
        .url(OPENAPI_PATH, ApiDoc::openapi())
        .config(Config::default().validator_url("none"));
    cfg.service(ui).service(web::resource(DOCS_PATH.trim_end_matches('/')).route(web::get().to(docs_redirect)));
}

/// `GET /api/v1/docs` → `/api/v1/docs/` (the UI's assets are relative).
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, DOCS_PATH)).finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;
    use smp_proto::api as real;

    use super::*;

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).unwrap()
    }

    fn schema(name: &str) -> Value {
        document()["components"]["schemas"][name].clone()
    }

    fn properties(name: &str) -> BTreeSet<String> {
        schema(name)["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has properties"))
            .keys()
            .cloned()
            .collect()
    }

    fn keys(value: &impl serde::Serialize) -> BTreeSet<String> {
        serde_json::to_value(value).unwrap().as_object().unwrap().keys().cloned().collect()
    }

    fn enum_values(name: &str) -> Vec<String> {
        schema(name)["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum"))
            .iter()
            .map(|value| value.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_proto_mirrors_have_the_fields_of_the_real_bodies() {
        let exec = real::ExecRequest {
            command: vec!["uptime".to_owned()],
            env: BTreeMap::new(),
            cwd: "/".to_owned(),
            user: 0,
            stdin: String::new(),
            timeout_s: 30,
        };
        assert_eq!(properties("ExecRequest"), keys(&exec));
        assert_eq!(properties("StopRequest"), keys(&real::StopRequest::default()));
        let answer = real::ExecAnswer {
            exit_code: 0,
            stdout: String::new(),
            stderr: String::new(),
            truncated: false,
            duration_ms: 1,
        };
        assert_eq!(properties("ExecAnswer"), keys(&answer));
        let lifecycle = real::LifecycleAnswer {
            name: "c1".to_owned(),
            action: smp_proto::action::Action::Start,
            status: real::ContainerStatus::Running,
            duration_ms: 1,
            uuid: None,
        };
        assert_eq!(properties("LifecycleAnswer"), keys(&lifecycle));
        let image = real::ImageSummary {
            alias: "smp-busybox".to_owned(),
            description: String::new(),
            fingerprint: "0".repeat(64),
            architecture: "x86_64".to_owned(),
            size_bytes: 1,
        };
        assert_eq!(properties("ImageSummary"), keys(&image));
        assert_eq!(properties("ImageList"), keys(&real::ImageList { items: vec![image] }));
        let memory = real::MemoryState { usage_bytes: 1, peak_bytes: 1, limit_bytes: None };
        assert_eq!(properties("MemoryState"), keys(&memory));
        let address = real::NetworkAddress {
            family: "inet".to_owned(),
            address: "10.0.0.2".to_owned(),
            netmask: "24".to_owned(),
            scope: "global".to_owned(),
        };
        assert_eq!(properties("NetworkAddress"), keys(&address));
        let interface = real::NetworkInterface {
            name: "eth0".to_owned(),
            hwaddr: "00:16:3e:00:00:01".to_owned(),
            state: "up".to_owned(),
            addresses: vec![address],
            bytes_received: 1,
            bytes_sent: 1,
        };
        assert_eq!(properties("NetworkInterface"), keys(&interface));
        let state = real::ContainerState {
            name: "c1".to_owned(),
            status: real::ContainerStatus::Running,
            pid: Some(1),
            processes: 1,
            cpu_usage_ns: 1,
            memory,
            network: vec![interface],
        };
        assert_eq!(properties("ContainerState"), keys(&state));
        let logs = real::LogsAnswer { source: real::LogSource::Console, lines: Vec::new(), truncated: false };
        assert_eq!(properties("LogsAnswer"), keys(&logs));
    }

    #[test]
    fn the_service_mirrors_have_the_fields_and_values_of_the_real_bodies() {
        let service_state = real::ServiceState {
            unit: "web.service".to_owned(),
            description: String::new(),
            load_state: "loaded".to_owned(),
            active_state: "active".to_owned(),
            sub_state: "running".to_owned(),
            main_pid: Some(1),
            active_since: Some(1),
            memory_bytes: Some(1),
        };
        assert_eq!(properties("ServiceState"), keys(&service_state));
        let answer = real::ServiceActionAnswer {
            action: smp_proto::action::Action::ServiceRestart,
            exit_code: 0,
            message: String::new(),
            state: service_state,
            duration_ms: 1,
        };
        assert_eq!(properties("ServiceActionAnswer"), keys(&answer));
        for action in enum_values("ServiceAction") {
            serde_json::from_value::<smp_proto::action::Action>(Value::String(action.clone()))
                .unwrap_or_else(|_| panic!("{action} is an Action"));
        }
        let summary = real::ServiceSummary {
            unit: "web.service".to_owned(),
            load: "loaded".to_owned(),
            active: "active".to_owned(),
            sub: "running".to_owned(),
            description: String::new(),
            enabled: None,
        };
        assert_eq!(properties("ServiceSummary"), keys(&summary));
        assert_eq!(properties("ServiceList"), keys(&real::ServiceList { items: vec![summary] }));
        let line = real::JournalLine { at_us: 1, message: String::new() };
        assert_eq!(properties("JournalLine"), keys(&line));
        let logs = real::ServiceLogsAnswer { unit: "web.service".to_owned(), lines: vec![line] };
        assert_eq!(properties("ServiceLogsAnswer"), keys(&logs));
    }

    #[test]
    fn the_proto_mirrors_have_the_values_and_limits_of_the_real_types() {
        for status in enum_values("ContainerStatus") {
            serde_json::from_value::<real::ContainerStatus>(Value::String(status.clone()))
                .unwrap_or_else(|_| panic!("{status} is a ContainerStatus"));
        }
        assert_eq!(enum_values("ContainerStatus").len(), 8);
        for source in enum_values("LogSource") {
            serde_json::from_value::<real::LogSource>(Value::String(source.clone()))
                .unwrap_or_else(|_| panic!("{source} is a LogSource"));
        }
        for action in enum_values("LifecycleAction") {
            serde_json::from_value::<smp_proto::action::Action>(Value::String(action.clone()))
                .unwrap_or_else(|_| panic!("{action} is an Action"));
        }
        let max = f64::from(real::MAX_TIMEOUT_S);
        assert_eq!(schema("ExecRequest")["properties"]["timeout_s"]["maximum"].as_f64(), Some(max));
        assert_eq!(schema("StopRequest")["properties"]["timeout_s"]["maximum"].as_f64(), Some(max));
        let defaults = real::StopRequest::default();
        assert_eq!(schema("StopRequest")["properties"]["timeout_s"]["default"], defaults.timeout_s);
        assert_eq!(schema("ExecRequest")["required"], serde_json::json!(["command"]));
        assert!(schema("StopRequest")["required"].is_null(), "{}", schema("StopRequest"));
        // An empty JSON object is a valid body for both: the defaults above hold.
        let empty: real::StopRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, defaults);
        let exec: real::ExecRequest = serde_json::from_str(r#"{"command":["uptime"]}"#).unwrap();
        assert_eq!((exec.cwd.as_str(), exec.user, exec.timeout_s), ("/", 0, 30));
    }

    #[test]
    fn the_panel_mirrors_match_the_real_types() {
        let info = crate::db::tokens::TokenInfo {
            id: 1,
            name: "ci".to_owned(),
            scope: crate::db::tokens::TokenScope::Read,
            created_at: 1,
            expires_at: None,
            last_used_at: None,
        };
        assert_eq!(properties("TokenInfo"), keys(&info));
        let roles: Vec<String> = crate::Role::ALL.iter().map(|role| role.as_str().to_owned()).collect();
        assert_eq!(enum_values("Role"), roles);
    }

    #[test]
    fn the_logs_query_mirror_matches_the_real_query() {
        let params = document()["paths"]["/api/v1/containers/{id}/logs"]["get"]["parameters"].clone();
        let names: BTreeSet<String> = params
            .as_array()
            .unwrap()
            .iter()
            .filter(|param| param["in"] == "query")
            .map(|param| param["name"].as_str().unwrap().to_owned())
            .collect();
        let query = real::LogsQuery { source: real::LogSource::Lxc, lines: Some(1) };
        assert_eq!(names, keys(&query));
    }

    #[test]
    fn every_error_code_is_documented() {
        use crate::error::ErrorCode as Code;
        let all = [
            Code::Unauthenticated,
            Code::InvalidCredentials,
            Code::CsrfFailed,
            Code::Forbidden,
            Code::AccountDisabled,
            Code::ApprovalPending,
            Code::NotFound,
            Code::Conflict,
            Code::InvalidInput,
            Code::BodyTooLarge,
            Code::RateLimited,
            Code::Internal,
            Code::AgentError,
            Code::AgentUnavailable,
            Code::AgentTimeout,
            Code::KeyRefused,
            Code::KeyUnverified,
            Code::QuotaExceeded,
            Code::ForbiddenConfig,
            Code::AlreadyExists,
            Code::UnknownImage,
            Code::UnknownProfile,
            Code::HasChildren,
            Code::LimitReached,
            Code::InstanceChanged,
            Code::SessionRequired,
            Code::TokenScope,
            Code::WrongPassword,
            Code::OriginMismatch,
        ];
        // A new code fails to compile here until it is added above (and to `ErrorCode` in this file).
        for code in all {
            match code {
                Code::Unauthenticated
                | Code::InvalidCredentials
                | Code::CsrfFailed
                | Code::Forbidden
                | Code::AccountDisabled
                | Code::ApprovalPending
                | Code::NotFound
                | Code::Conflict
                | Code::InvalidInput
                | Code::BodyTooLarge
                | Code::RateLimited
                | Code::Internal
                | Code::AgentError
                | Code::AgentUnavailable
                | Code::AgentTimeout
                | Code::KeyRefused
                | Code::KeyUnverified
                | Code::QuotaExceeded
                | Code::ForbiddenConfig
                | Code::AlreadyExists
                | Code::UnknownImage
                | Code::UnknownProfile
                | Code::HasChildren
                | Code::LimitReached
                | Code::InstanceChanged
                | Code::SessionRequired
                | Code::TokenScope
                | Code::WrongPassword
                | Code::OriginMismatch => {}
            }
        }
        let documented: Vec<String> = enum_values("ErrorCode");
        let actual: Vec<String> = all.iter().map(|code| code.as_str().to_owned()).collect();
        assert_eq!(documented, actual);
    }

    #[test]
    fn operation_ids_are_unique_and_the_stop_bodies_optional() {
        let document = document();
        let mut ids = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has an id"));
                assert!(ids.insert(id.to_owned()), "{id} is used twice");
            }
        }
        for path in OPTIONAL_BODY_PATHS {
            let body = &document["paths"][path]["post"]["requestBody"];
            assert_eq!(body["required"], false, "{path}");
            assert_eq!(body["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/StopRequest");
        }
    }

    #[test]
    fn every_security_scheme_a_route_names_exists() {
        let document = document();
        let schemes = document["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes["session_cookie"]["in"], "cookie");
        assert_eq!(schemes["session_cookie"]["name"], "smp_session");
        assert_eq!(schemes["csrf_token"]["name"], "X-CSRF-Token");
        assert_eq!(schemes["bearer_token"]["scheme"], "bearer");
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for requirement in operation["security"].as_array().into_iter().flatten() {
                    for name in requirement.as_object().unwrap().keys() {
                        assert!(schemes.contains_key(name), "{method} {path} names {name}");
                    }
                }
            }
        }
    }
}
