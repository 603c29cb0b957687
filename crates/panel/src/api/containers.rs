//! `/api/v1/containers`: the list and one container as the policy lets the
//! caller see them, and the actions (start, stop, restart, exec, state,
//! logs) sent to the machine's agent; the use cases are `app::containers`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use smp_proto::api::{ContainerState, ExecAnswer, ExecRequest, LifecycleAnswer, LogsAnswer, LogsQuery, StopRequest};
use utoipa::IntoParams;

use crate::api::Items;
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BadQuery, BodyTooLarge, ContainerGone, HiddenContainer, Internal,
    SignedIn,
};
use crate::app::CurrentUser;
use crate::app::containers::{
    ContainerFilter, ContainerView, exec_in, lifecycle, list_containers, logs_of, state_of, view_container,
};
use crate::db::DbPool;
use crate::db::containers::ContainerId;
use crate::error::{AppError, ErrorBody};
use crate::http::AppState;
use crate::http::body::Body;
use crate::policy::Action;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this machine's containers.
    machine_id: Option<i64>,
    /// A username.
    owner: Option<String>,
    /// As last seen, e.g. `running`.
    status: Option<String>,
    /// `false` leaves out containers that are gone (default: shown).
    gone: Option<bool>,
}

/// `GET /api/v1/containers`: every container the policy lets the caller
/// see. Admins' lists start from all rows, members' from the trees they
/// own (the policy shows a member nothing else); each row is then decided.
#[utoipa::path(
    get,
    path = "/api/v1/containers",
    operation_id = "list_containers",
    tag = "containers",
    summary = "The containers the caller may see",
    params(ListQuery),
    responses(
        (status = 200, description = "The containers.", body = Items<ContainerView>),
        SignedIn, BadQuery, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { machine_id, owner, status, gone } = query.into_inner();
    let filter = ContainerFilter { machine_id, owner, status, live_only: gone == Some(false) };
    let items = list_containers(current, &pool, filter).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// `GET /api/v1/containers/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/containers/{id}",
    operation_id = "get_container",
    tag = "containers",
    summary = "One container",
    params(("id" = i64, Path, description = "The container's id.")),
    responses(
        (status = 200, description = "The container.", body = ContainerView),
        Allowed, HiddenContainer, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn get(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let container = view_container(current, &pool, ContainerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ContainerView::from(container)))
}

/// `POST /api/v1/containers/{id}/start`.
#[utoipa::path(
    post,
    path = "/api/v1/containers/{id}/start",
    operation_id = "start_container",
    tag = "containers",
    summary = "Start the container (audited)",
    params(("id" = i64, Path, description = "The container's id.")),
    responses(
        (status = 200, description = "Its status once LXD is done.", body = LifecycleAnswer),
        (status = 422, description = "`invalid_input`: a malformed body, or the agent refused the request.",
            body = ErrorBody),
        AllowedChange, HiddenContainer, ContainerGone, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn start(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    lifecycle_answer(current, &state, &pool, path, Action::ContainerStart, || Ok(StopRequest::default())).await
}

/// `POST /api/v1/containers/{id}/stop` and `/restart`, body `{"force":false,"timeout_s":30}` or none.
#[utoipa::path(
    post,
    path = "/api/v1/containers/{id}/stop",
    operation_id = "stop_container",
    tag = "containers",
    summary = "Stop the container (audited)",
    params(("id" = i64, Path, description = "The container's id.")),
    request_body(content = StopRequest, description = "Optional: an empty body is the defaults."),
    responses(
        (status = 200, description = "Its status once LXD is done.", body = LifecycleAnswer),
        (status = 422, description = "`invalid_input`: a malformed body, or the agent refused the request.",
            body = ErrorBody),
        AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn stop(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    lifecycle_answer(current, &state, &pool, path, Action::ContainerStop, move || body.json_or_default()).await
}

#[utoipa::path(
    post,
    path = "/api/v1/containers/{id}/restart",
    operation_id = "restart_container",
    tag = "containers",
    summary = "Restart the container (audited)",
    params(("id" = i64, Path, description = "The container's id.")),
    request_body(content = StopRequest, description = "Optional: an empty body is the defaults."),
    responses(
        (status = 200, description = "Its status once LXD is done.", body = LifecycleAnswer),
        (status = 422, description = "`invalid_input`: a malformed body, or the agent refused the request.",
            body = ErrorBody),
        AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn restart(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    lifecycle_answer(current, &state, &pool, path, Action::ContainerRestart, move || body.json_or_default()).await
}

/// Start, stop and restart: the same use case, the same answer.
async fn lifecycle_answer(
    current: CurrentUser,
    state: &AppState,
    pool: &DbPool,
    path: web::Path<i64>,
    action: Action,
    request: impl FnOnce() -> Result<StopRequest, AppError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let answer = lifecycle(current, state.app.clone(), pool, ContainerId(path.into_inner()), action, request).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/v1/containers/{id}/exec`, the agent's exec body (argv, never a shell string).
#[utoipa::path(
    post,
    path = "/api/v1/containers/{id}/exec",
    operation_id = "exec_in_container",
    tag = "containers",
    summary = "Run a program in the container (audited)",
    params(("id" = i64, Path, description = "The container's id.")),
    request_body = ExecRequest,
    responses(
        (status = 200, description = "Its output; a non-zero exit code is still a 200.", body = ExecAnswer),
        (status = 422, description = "`invalid_input`: an empty command, a malformed body, or the agent refused it.",
            body = ErrorBody),
        AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn exec(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let id = ContainerId(path.into_inner());
    let answer = exec_in(current, state.app.clone(), &pool, id, move || body.json()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/v1/containers/{id}/state`.
#[utoipa::path(
    get,
    path = "/api/v1/containers/{id}/state",
    operation_id = "container_state",
    tag = "containers",
    summary = "The container's live state from its agent",
    params(("id" = i64, Path, description = "The container's id.")),
    responses(
        (status = 200, description = "A documented subset of LXD's state.", body = ContainerState),
        Allowed, HiddenContainer, ContainerGone, AgentCallFailures,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn container_state(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let answer = state_of(current, state.app.clone(), &pool, ContainerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/v1/containers/{id}/logs?source=console|lxc&lines=N`.
#[utoipa::path(
    get,
    path = "/api/v1/containers/{id}/logs",
    operation_id = "container_logs",
    tag = "containers",
    summary = "The container's last log lines from its agent",
    params(("id" = i64, Path, description = "The container's id."), LogsQuery),
    responses(
        (status = 200, description = "The last lines, newest last.", body = LogsAnswer),
        (status = 422, description = "`invalid_input`: a bad `lines` or `source`.", body = ErrorBody),
        Allowed, HiddenContainer, ContainerGone, AgentCallFailures,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn logs(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    query: web::Query<LogsQuery>,
) -> Result<HttpResponse, AppError> {
    let answer = logs_of(current, state.app.clone(), &pool, ContainerId(path.into_inner()), query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}
