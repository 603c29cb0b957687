//! `/api/v1/services`: systemd units inside containers as panel objects,
//! and `/api/v1/containers/{id}/units` to pick one; the use cases (who may
//! do what, the agent calls, the audit) are `app::services`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use smp_proto::api::{ServiceActionAnswer, ServiceList, ServiceLogsAnswer, ServiceLogsQuery, ServiceState};
use utoipa::IntoParams;

use crate::api::params::{ContainerPath, ServicePath};
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BadQuery, BodyTooLarge, HiddenContainer, HiddenService, Internal,
    ServiceGone, SignedIn,
};
use crate::api::{Answer, Items, created, json};
use crate::app::services::{self, NewServiceRequest, ServicePatch, ServiceView};
use crate::db::containers::ContainerId;
use crate::db::services::ServiceId;
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;
use crate::policy::Action;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the services on this container.
    container_id: Option<i64>,
}

/// The systemd services of a container (to pick one to manage)
///
/// As its agent lists them, for whoever may create services on it.
#[utoipa::path(get, path = "/api/v1/containers/{id}/units", params(ContainerPath), responses(
    (status = 200, description = "Unit, description, active and sub state, enabled.", body = ServiceList),
    (status = 409, description = "`conflict`: the container is gone or stopped, or runs no systemd.", body = ErrorBody),
    Allowed, HiddenContainer, AgentCallFailures,
))]
pub async fn container_units(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    json(services::units_of(acting.current, acting.context, &acting.pool, ContainerId(path.id)).await?)
}

/// The services the caller may see
#[utoipa::path(get, path = "/api/v1/services", params(ListQuery), responses(
    (status = 200, description = "The services.", body = Items<ServiceView>),
    SignedIn, BadQuery, Internal,
))]
pub async fn list_services(acting: Acting, query: web::Query<ListQuery>) -> Answer {
    let container = query.into_inner().container_id.map(ContainerId);
    json(Items { items: services::list_services(acting.current, &acting.pool, container).await? })
}

/// Manage a unit of a container as a service (audited)
///
/// Admins may, and container owners on their containers.
#[utoipa::path(post, path = "/api/v1/services", request_body = NewServiceRequest, responses(
    (status = 201, description = "The service.", body = ServiceView),
    (status = 404, description = "`not_found`: no such container (or one the caller may not see).", body = ErrorBody),
    (status = 409, description = "`conflict`: the container is gone, runs no systemd, or already has this \
        service.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a bad unit name, a unit the container does not have, an owner who \
        cannot be named (to members, unknown, unapproved, disabled and admin names answer alike).", body = ErrorBody),
    AllowedChange, BodyTooLarge, AgentCallFailures,
))]
pub async fn create_service(acting: Acting, body: Body) -> Answer {
    let service = services::create_service(acting.current, acting.context, &acting.pool, move || body.json()).await?;
    created(ServiceView::from(service))
}

/// One service
#[utoipa::path(get, path = "/api/v1/services/{id}", params(ServicePath), responses(
    (status = 200, description = "The service.", body = ServiceView),
    SignedIn, HiddenService, Internal,
))]
pub async fn get_service(acting: Acting, path: web::Path<ServicePath>) -> Answer {
    json(ServiceView::from(services::view_service(acting.current, &acting.pool, ServiceId(path.id)).await?))
}

/// Set a service's owner or description (audited)
///
/// E.g. `{"owner":"alice"}`, `{"description":"…"}`.
#[utoipa::path(patch, path = "/api/v1/services/{id}", params(ServicePath), request_body = ServicePatch, responses(
    (status = 200, description = "The service as it is now.", body = ServiceView),
    (status = 422, description = "`invalid_input`: an empty or malformed body, an owner who cannot be named (to \
        members, unknown, unapproved, disabled and admin names answer alike).", body = ErrorBody),
    AllowedChange, HiddenService, BodyTooLarge, Internal,
))]
pub async fn update_service(acting: Acting, path: web::Path<ServicePath>, body: Body) -> Answer {
    let read = move || body.json::<ServicePatch>();
    json(ServiceView::from(services::update_service(acting.current, &acting.pool, ServiceId(path.id), read).await?))
}

/// Stop managing a service; the unit stays in its container (audited)
#[utoipa::path(delete, path = "/api/v1/services/{id}", params(ServicePath), responses(
    (status = 204, description = "Deleted."),
    AllowedChange, HiddenService, Internal,
))]
pub async fn delete_service(acting: Acting, path: web::Path<ServicePath>) -> Answer {
    services::delete_service(acting.current, &acting.pool, ServiceId(path.id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/services/{id}/start`, `/stop`, `/restart`: one use case,
/// the agent's job answered as it ended.
macro_rules! service_action_route {
    ($name:ident, $verb:literal, $summary:literal, $action:expr) => {
        #[utoipa::path(
            post, path = concat!("/api/v1/services/{id}/", $verb), summary = $summary, params(ServicePath),
            responses(
                (status = 200, description = "The unit's state after the job; a failed job is still a 200 with its `exit_code` and `message`.",
                    body = ServiceActionAnswer),
                AllowedChange, HiddenService, ServiceGone, AgentCallFailures,
            ),
        )]
        pub async fn $name(acting: Acting, path: web::Path<ServicePath>) -> Answer {
            let id = ServiceId(path.id);
            json(services::service_action(acting.current, acting.context, &acting.pool, id, $action).await?)
        }
    };
}

service_action_route!(start_service, "start", "Start the service (audited)", Action::ServiceStart);
service_action_route!(stop_service, "stop", "Stop the service (audited)", Action::ServiceStop);
service_action_route!(restart_service, "restart", "Restart the service (audited)", Action::ServiceRestart);

/// The unit's live state from its agent
#[utoipa::path(get, path = "/api/v1/services/{id}/state", params(ServicePath), responses(
    (status = 200, description = "Active and sub state, main PID, since, memory.", body = ServiceState),
    SignedIn, HiddenService, ServiceGone, AgentCallFailures,
))]
pub async fn service_state(acting: Acting, path: web::Path<ServicePath>) -> Answer {
    json(services::state_of(acting.current, acting.context, &acting.pool, ServiceId(path.id)).await?)
}

/// The unit's journal from its agent, newest last
#[utoipa::path(get, path = "/api/v1/services/{id}/logs", params(ServicePath, ServiceLogsQuery), responses(
    (status = 200, description = "The unit's last journal entries, newest last.", body = ServiceLogsAnswer),
    (status = 409, description = "`conflict`: the container is gone or stopped.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a bad `lines` or `since`.", body = ErrorBody),
    SignedIn, HiddenService, AgentCallFailures,
))]
pub async fn service_logs(acting: Acting, path: web::Path<ServicePath>, query: web::Query<ServiceLogsQuery>) -> Answer {
    let id = ServiceId(path.id);
    json(services::logs_of(acting.current, acting.context, &acting.pool, id, query.into_inner()).await?)
}
