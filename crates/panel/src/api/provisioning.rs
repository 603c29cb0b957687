//! Sub-containers: `POST /api/v1/containers` (members within their quota,
//! admins any container for anyone), `DELETE /api/v1/containers/{id}`,
//! `PATCH`'s owner, autostart and limits, and `GET /api/v1/machines/{id}/images`;
//! the use cases are `app::provisioning`.

use actix_web::{HttpResponse, web};
use smp_proto::api::ImageList;

use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BodyTooLarge, HiddenContainer, Internal, NotFound, Unauthenticated,
};
use crate::app::CurrentUser;
use crate::app::containers::ContainerView;
use crate::app::provisioning::{
    ContainerPatch, NewContainer, create_container, delete_container, images_of, parse_new_container, update_container,
};
use crate::db::DbPool;
use crate::db::containers::ContainerId;
use crate::db::machines::MachineId;
use crate::error::{AppError, ErrorBody};
use crate::http::AppState;
use crate::http::body::Body;

/// `POST /api/v1/containers`.
#[utoipa::path(
    post,
    path = "/api/v1/containers",
    operation_id = "create_container",
    tag = "containers",
    summary = "Create a container (members: a sub-container within their quota; admins: any)",
    request_body = NewContainer,
    responses(
        (status = 202, description = "Reserved: the container (status `creating`) is being made; \
            follow it with `GET /api/v1/containers/{id}` until its status is `running`, `stopped` \
            or `failed` (then `error` says why, and nothing counts against the quota).", body = ContainerView),
        (status = 403, description = "`forbidden` (e.g. `owner` from a member), `forbidden_config` (a key \
            outside the whitelist, a device), `csrf_failed`, `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        (status = 409, description = "`quota_exceeded` (the message says which limit), `already_exists`.",
            body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad name, image, limit, parent or machine.",
            body = ErrorBody),
        Unauthenticated, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn create(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let container =
        create_container(current, state.app.clone(), &pool, move || parse_new_container(body.json()?)).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/containers/{}", container.id)))
        .json(ContainerView::from(container)))
}

/// `DELETE /api/v1/containers/{id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/containers/{id}",
    operation_id = "delete_container",
    tag = "containers",
    summary = "Delete a container (members: their sub-containers; admins: any), after its sub-containers",
    params(("id" = i64, Path, description = "The container's id.")),
    responses(
        (status = 200, description = "Deleted from its machine: the container, now `gone`.", body = ContainerView),
        (status = 403, description = "`forbidden` (a member: a container an admin gave her), `csrf_failed`, \
            `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 409, description = "`has_children` (delete its sub-containers first), `conflict` (gone \
            already, or still being created).", body = ErrorBody),
        Unauthenticated, HiddenContainer, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn delete(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let container = delete_container(current, state.app.clone(), &pool, ContainerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ContainerView::from(container)))
}

/// `PATCH /api/v1/containers/{id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/containers/{id}",
    operation_id = "update_container",
    tag = "containers",
    summary = "Set a container's owner, parent or quota counting (admins), or its autostart and limits (owners)",
    params(("id" = i64, Path, description = "The container's id.")),
    request_body = ContainerPatch,
    responses(
        (status = 200, description = "The updated container.", body = ContainerView),
        (status = 409, description = "`quota_exceeded`, or `conflict` (gone, or still being created).",
            body = ErrorBody),
        (status = 422, description = "`invalid_input`: no field, both kinds of change, an unknown owner, \
            a bad parent or limit.", body = ErrorBody),
        AllowedChange, HiddenContainer, BodyTooLarge, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn update(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let patch = body.json::<ContainerPatch>();
    let updated = update_container(current, state.app.clone(), &pool, ContainerId(path.into_inner()), patch).await?;
    Ok(HttpResponse::Ok().json(ContainerView::from(updated)))
}

/// `GET /api/v1/machines/{id}/images`.
#[utoipa::path(
    get,
    path = "/api/v1/machines/{id}/images",
    operation_id = "machine_images",
    tag = "machines",
    summary = "The images a container may be created from on this machine (members: those offered to them)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 200, description = "The image aliases.", body = ImageList),
        Allowed, NotFound, AgentCallFailures,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn images(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let list = images_of(current, &state.app, &pool, MachineId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(list))
}
