//! Sub-containers: `POST /api/v1/containers` (members within their quota,
//! admins any container for anyone), `DELETE /api/v1/containers/{id}`,
//! `PATCH`'s owner, autostart and limits, and `GET /api/v1/machines/{id}/images`;
//! the use cases are `app::provisioning`.

use actix_web::{HttpResponse, web};
use smp_proto::api::ImageList;

use crate::api::params::{ContainerPath, MachinePath};
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BodyTooLarge, HiddenContainer, Internal, NotFound, Unauthenticated,
};
use crate::api::{Answer, json};
use crate::app::containers::ContainerView;
use crate::app::provisioning::{self, ContainerPatch, NewContainer, parse_new_container};
use crate::db::containers::ContainerId;
use crate::db::machines::MachineId;
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// The images a container may be created from on this machine (members: those offered to them)
#[utoipa::path(get, path = "/api/v1/machines/{id}/images", params(MachinePath), responses(
    (status = 200, description = "The image aliases.", body = ImageList),
    Allowed, NotFound, AgentCallFailures,
))]
pub async fn machine_images(acting: Acting, path: web::Path<MachinePath>) -> Answer {
    json(provisioning::images_of(acting.current, &acting.context, &acting.pool, MachineId(path.id)).await?)
}

/// Create a container (members: a sub-container within their quota; admins: any)
#[utoipa::path(post, path = "/api/v1/containers", request_body = NewContainer, responses(
    (status = 202, description = "Reserved: the container (status `creating`) is being made; follow it with `GET \
        /api/v1/containers/{id}` until its status is `running`, `stopped` or `failed` (then `error` says why, and \
        nothing counts against the quota).", body = ContainerView),
    (status = 403, description = "`forbidden` (e.g. `owner` from a member), `forbidden_config` (a key outside the \
        whitelist, a device), `csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`quota_exceeded` (the message says which limit), \
        `already_exists`.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a bad name, image, limit, parent or machine.", body = ErrorBody),
    Unauthenticated, BodyTooLarge, Internal,
))]
pub async fn create_container(acting: Acting, body: Body) -> Answer {
    let read = move || parse_new_container(body.json()?);
    let container = provisioning::create_container(acting.current, acting.context, &acting.pool, read).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/containers/{}", container.id)))
        .json(ContainerView::from(container)))
}

/// Set a container's owner, parent or quota counting (admins), or its autostart and limits (owners)
#[utoipa::path(patch, path = "/api/v1/containers/{id}", params(ContainerPath), request_body = ContainerPatch, responses(
    (status = 200, description = "The updated container.", body = ContainerView),
    (status = 409, description = "`quota_exceeded`, or `conflict` (gone, or still being created).", body = ErrorBody),
    (status = 422, description = "`invalid_input`: no field, both kinds of change, an unknown owner, a bad parent or \
        limit.", body = ErrorBody),
    AllowedChange, HiddenContainer, BodyTooLarge, AgentCallFailures,
))]
pub async fn update_container(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let (id, patch) = (ContainerId(path.id), body.json::<ContainerPatch>());
    let updated = provisioning::update_container(acting.current, acting.context, &acting.pool, id, patch).await?;
    json(ContainerView::from(updated))
}

/// Delete a container (members: their sub-containers; admins: any), after its sub-containers
#[utoipa::path(delete, path = "/api/v1/containers/{id}", params(ContainerPath), responses(
    (status = 200, description = "Deleted from its machine: the container, now `gone`.", body = ContainerView),
    (status = 403, description = "`forbidden` (a member: a container an admin gave her), `csrf_failed`, \
        `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`has_children` (delete its sub-containers first), `conflict` (gone already, or still \
        being created).", body = ErrorBody),
    Unauthenticated, HiddenContainer, AgentCallFailures,
))]
pub async fn delete_container(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    let id = ContainerId(path.id);
    json(ContainerView::from(provisioning::delete_container(acting.current, acting.context, &acting.pool, id).await?))
}
