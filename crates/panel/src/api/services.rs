//! `/api/v1/services`: systemd units inside containers as panel objects,
//! and `/api/v1/containers/{id}/units` to pick one; the use cases (who may
//! do what, the agent calls, the audit) are `app::services`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use smp_proto::api::{ServiceActionAnswer, ServiceList, ServiceLogsAnswer, ServiceLogsQuery, ServiceState};
use utoipa::IntoParams;

use crate::api::Items;
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BadQuery, BodyTooLarge, HiddenContainer, HiddenService, Internal,
    ServiceGone, SignedIn,
};
use crate::app::CurrentUser;
use crate::app::services::{
    NewServiceRequest, ServicePatch, ServiceView, create_service, delete_service, list_services, logs_of,
    service_action, state_of, units_of, update_service, view_service,
};
use crate::db::DbPool;
use crate::db::containers::ContainerId;
use crate::db::services::ServiceId;
use crate::error::{AppError, ErrorBody};
use crate::http::AppState;
use crate::http::body::Body;
use crate::policy::Action;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the services on this container.
    container_id: Option<i64>,
}

/// `GET /api/v1/services`: every service the policy lets the caller see.
#[utoipa::path(
    get,
    path = "/api/v1/services",
    operation_id = "list_services",
    tag = "services",
    summary = "The services the caller may see",
    params(ListQuery),
    responses(
        (status = 200, description = "The services.", body = Items<ServiceView>),
        SignedIn, BadQuery, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let items = list_services(current, &pool, query.into_inner().container_id.map(ContainerId)).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// `GET /api/v1/services/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}",
    operation_id = "get_service",
    tag = "services",
    summary = "One service",
    params(("id" = i64, Path, description = "The service's id.")),
    responses(
        (status = 200, description = "The service.", body = ServiceView),
        SignedIn, HiddenService, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn get(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let service = view_service(current, &pool, ServiceId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ServiceView::from(service)))
}

/// `POST /api/v1/services` (admins, and container owners on their containers).
#[utoipa::path(
    post,
    path = "/api/v1/services",
    operation_id = "create_service",
    tag = "services",
    summary = "Manage a unit of a container as a service (audited)",
    request_body = NewServiceRequest,
    responses(
        (status = 201, description = "The service.", body = ServiceView),
        (status = 404, description = "`not_found`: no such container (or one the caller may not see).",
            body = ErrorBody),
        (status = 409, description = "`conflict`: the container is gone, runs no systemd, or already has this service.",
            body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad unit name, a unit the container does not have, an owner who \
            cannot be named (to members, unknown, unapproved, disabled and admin names answer alike).",
            body = ErrorBody),
        AllowedChange, BodyTooLarge, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn create(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let service = create_service(current, state.app.clone(), &pool, move || body.json()).await?;
    Ok(HttpResponse::Created().json(ServiceView::from(service)))
}

/// `PATCH /api/v1/services/{id}` `{"owner":"alice"}`, `{"description":"…"}`.
#[utoipa::path(
    patch,
    path = "/api/v1/services/{id}",
    operation_id = "update_service",
    tag = "services",
    summary = "Set a service's owner or description (audited)",
    params(("id" = i64, Path, description = "The service's id.")),
    request_body = ServicePatch,
    responses(
        (status = 200, description = "The service as it is now.", body = ServiceView),
        (status = 422, description = "`invalid_input`: an empty or malformed body, an owner who cannot be named \
            (to members, unknown, unapproved, disabled and admin names answer alike).", body = ErrorBody),
        AllowedChange, HiddenService, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn update(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let id = ServiceId(path.into_inner());
    let service = update_service(current, &pool, id, move || body.json::<ServicePatch>()).await?;
    Ok(HttpResponse::Ok().json(ServiceView::from(service)))
}

/// `DELETE /api/v1/services/{id}`: the panel stops managing the unit (the unit stays).
#[utoipa::path(
    delete,
    path = "/api/v1/services/{id}",
    operation_id = "delete_service",
    tag = "services",
    summary = "Stop managing a service; the unit stays in its container (audited)",
    params(("id" = i64, Path, description = "The service's id.")),
    responses(
        (status = 204, description = "Deleted."),
        AllowedChange, HiddenService, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn delete(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    delete_service(current, &pool, ServiceId(path.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

macro_rules! service_action_route {
    ($name:ident, $verb:literal, $operation:literal, $summary:literal, $action:expr) => {
        #[utoipa::path(
            post,
            path = concat!("/api/v1/services/{id}/", $verb),
            operation_id = $operation,
            tag = "services",
            summary = $summary,
            params(("id" = i64, Path, description = "The service's id.")),
            responses(
                (status = 200, description = "The unit's state after the job; a failed job is still a 200 with its `exit_code` and `message`.",
                    body = ServiceActionAnswer),
                AllowedChange, HiddenService, ServiceGone, AgentCallFailures,
            ),
            security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
        )]
        pub async fn $name(
            current: CurrentUser,
            state: web::Data<AppState>,
            pool: web::Data<DbPool>,
            path: web::Path<i64>,
        ) -> Result<HttpResponse, AppError> {
            let answer = service_action(current, state.app.clone(), &pool, ServiceId(path.into_inner()), $action).await?;
            Ok(HttpResponse::Ok().json(answer))
        }
    };
}

service_action_route!(start, "start", "start_service", "Start the service (audited)", Action::ServiceStart);
service_action_route!(stop, "stop", "stop_service", "Stop the service (audited)", Action::ServiceStop);
service_action_route!(restart, "restart", "restart_service", "Restart the service (audited)", Action::ServiceRestart);

/// `GET /api/v1/services/{id}/state`.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/state",
    operation_id = "service_state",
    tag = "services",
    summary = "The unit's live state from its agent",
    params(("id" = i64, Path, description = "The service's id.")),
    responses(
        (status = 200, description = "Active and sub state, main PID, since, memory.", body = ServiceState),
        SignedIn, HiddenService, ServiceGone, AgentCallFailures,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn service_state(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let answer = state_of(current, state.app.clone(), &pool, ServiceId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/v1/services/{id}/logs?lines=N&since=…`.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/logs",
    operation_id = "service_logs",
    tag = "services",
    summary = "The unit's journal from its agent, newest last",
    params(("id" = i64, Path, description = "The service's id."), ServiceLogsQuery),
    responses(
        (status = 200, description = "The unit's last journal entries, newest last.", body = ServiceLogsAnswer),
        (status = 409, description = "`conflict`: the container is gone or stopped.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad `lines` or `since`.", body = ErrorBody),
        SignedIn, HiddenService, AgentCallFailures,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn logs(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    query: web::Query<ServiceLogsQuery>,
) -> Result<HttpResponse, AppError> {
    let answer = logs_of(current, state.app.clone(), &pool, ServiceId(path.into_inner()), query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/v1/containers/{id}/units`: the container's systemd services as
/// its agent lists them, for whoever may create services on it.
#[utoipa::path(
    get,
    path = "/api/v1/containers/{id}/units",
    operation_id = "container_units",
    tag = "services",
    summary = "The systemd services of a container (to pick one to manage)",
    params(("id" = i64, Path, description = "The container's id.")),
    responses(
        (status = 200, description = "Unit, description, active and sub state, enabled.", body = ServiceList),
        (status = 409, description = "`conflict`: the container is gone or stopped, or runs no systemd.",
            body = ErrorBody),
        Allowed, HiddenContainer, AgentCallFailures,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn units(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let answer = units_of(current, state.app.clone(), &pool, ContainerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}
