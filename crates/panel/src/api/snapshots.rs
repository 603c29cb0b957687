//! `GET/POST /api/v1/containers/{id}/snapshots`,
//! `POST /api/v1/containers/{id}/snapshots/{name}/restore`,
//! `DELETE /api/v1/containers/{id}/snapshots/{name}` and
//! `PUT /api/v1/containers/{id}/snapshots/schedule` (owners within their
//! `snapshots` quota, admins); the use cases are `app::snapshots`.

use actix_web::{HttpResponse, web};

use crate::api::params::{ContainerPath, SnapshotPath};
use crate::api::responses::{AgentCallFailures, Allowed, AllowedChange, BodyTooLarge, HiddenContainer, Internal};
use crate::api::{Answer, created, json};
use crate::app::snapshots::{self, NewSnapshotRequest, ScheduleRequest, Snapshots};
use crate::db::containers::ContainerId;
use crate::db::snapshots::{Schedule, SnapshotRow};
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// A container's snapshots and schedule (its owners, admins)
///
/// Read from its agent and written back to the panel; when the agent cannot be asked, the snapshots as last
/// synced, with `fresh` false.
#[utoipa::path(get, path = "/api/v1/containers/{id}/snapshots", params(ContainerPath), responses(
    (status = 200, description = "Its snapshots, oldest first, and its schedule.", body = Snapshots),
    (status = 409, description = "`conflict`: the container is gone or still being created.", body = ErrorBody),
    (status = 429, description = "`limit_reached`: the caller's agent calls in flight are all taken.", body = ErrorBody),
    HiddenContainer, Allowed, Internal,
))]
pub async fn list_snapshots(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    json(snapshots::list(acting.current, acting.context, &acting.pool, ContainerId(path.id)).await?)
}

/// Take a snapshot of a container (its owners within their `snapshots` quota, admins)
///
/// The body is `{"name"}`: 1-63 letters, digits and `-`, starting with a letter; `auto-<n>` names are the
/// schedule's.
#[utoipa::path(post, path = "/api/v1/containers/{id}/snapshots", params(ContainerPath),
    request_body = NewSnapshotRequest, responses(
    (status = 201, description = "The snapshot, as LXD took it.", body = SnapshotRow),
    (status = 409, description = "`quota_exceeded` (her `snapshots` quota is used up: nothing was taken), \
        `conflict` (the container has a snapshot of that name, or is gone).", body = ErrorBody),
    (status = 422, description = "`invalid_input`: not a snapshot name, a schedule's name, a malformed body.",
        body = ErrorBody),
    HiddenContainer, AllowedChange, BodyTooLarge, AgentCallFailures,
))]
pub async fn take_snapshot(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let read = move || body.json::<NewSnapshotRequest>();
    created(snapshots::take(acting.current, acting.context, &acting.pool, ContainerId(path.id), read).await?)
}

/// Restore a container to one of its snapshots (its owners, admins)
///
/// What changed in the container since the snapshot is lost; a running container is stopped and started again.
/// The snapshot stays.
#[utoipa::path(post, path = "/api/v1/containers/{id}/snapshots/{name}/restore", params(SnapshotPath), responses(
    (status = 200, description = "The snapshot it was restored to.", body = SnapshotRow),
    (status = 404, description = "`not_found` (also a container the caller may not see, or a snapshot it does \
        not have).", body = ErrorBody),
    (status = 409, description = "`conflict`: the container is gone or still being created.", body = ErrorBody),
    AllowedChange, AgentCallFailures,
))]
pub async fn restore_snapshot(acting: Acting, path: web::Path<SnapshotPath>) -> Answer {
    let SnapshotPath { id, name } = path.into_inner();
    json(snapshots::restore(acting.current, acting.context, &acting.pool, ContainerId(id), name).await?)
}

/// Delete a snapshot of a container (its owners, admins)
#[utoipa::path(delete, path = "/api/v1/containers/{id}/snapshots/{name}", params(SnapshotPath), responses(
    (status = 204, description = "Deleted from LXD, then from the panel (its unit of quota is free again)."),
    (status = 404, description = "`not_found` (also a container the caller may not see, or a snapshot it does \
        not have).", body = ErrorBody),
    (status = 409, description = "`conflict`: the container is gone or still being created.", body = ErrorBody),
    AllowedChange, AgentCallFailures,
))]
pub async fn delete_snapshot(acting: Acting, path: web::Path<SnapshotPath>) -> Answer {
    let SnapshotPath { id, name } = path.into_inner();
    snapshots::delete(acting.current, acting.context, &acting.pool, ContainerId(id), name).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set or remove a container's snapshot schedule (its owners within their `snapshots` quota, admins)
///
/// The body is `{"schedule":"hourly"|"daily"|"weekly","keep":N}`; `{"schedule":null}` removes it. LXD takes the
/// snapshots (named `auto-<n>`) and deletes each after `keep` periods; `keep` counts against her quota.
#[utoipa::path(put, path = "/api/v1/containers/{id}/snapshots/schedule", params(ContainerPath),
    request_body = ScheduleRequest, responses(
    (status = 200, description = "The schedule now set (null: none).", body = Option<Schedule>),
    (status = 409, description = "`quota_exceeded` (`keep` does not fit her `snapshots` quota: nothing changed), \
        `conflict` (the container is gone).", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a period other than hourly, daily or weekly, `keep` outside \
        1-100, a malformed body.", body = ErrorBody),
    HiddenContainer, AllowedChange, BodyTooLarge, AgentCallFailures,
))]
pub async fn set_schedule(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let read = move || body.json::<ScheduleRequest>();
    json(snapshots::set_schedule(acting.current, acting.context, &acting.pool, ContainerId(path.id), read).await?)
}
