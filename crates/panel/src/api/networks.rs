//! `GET /api/v1/networks`, `GET /api/v1/forwards` (admins),
//! `PUT /api/v1/containers/{id}/address` (admins) and
//! `GET/POST /api/v1/containers/{id}/forwards`,
//! `DELETE /api/v1/containers/{id}/forwards/{fid}` (owners within their
//! `forwards` quota, admins); the use cases are `app::networks`.

use actix_web::{HttpResponse, web};
use smp_proto::network::{AddressAnswer, AddressRequest};

use crate::api::params::{ContainerPath, ForwardPath};
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BodyTooLarge, HiddenContainer, Internal, Unauthenticated,
};
use crate::api::{Answer, Items, created, json};
use crate::app::networks::{self, ForwardView, NewForwardRequest};
use crate::db::containers::ContainerId;
use crate::db::networks::{ForwardId, MachineNetwork};
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// Every machine's networks as their agents last listed them (admins)
#[utoipa::path(get, path = "/api/v1/networks", responses(
    (status = 200, description = "The networks each agent may touch: subnets, whether public, where forwards \
        listen and their port range, the drift the last sync found, and the leases each agent lists now (null \
        where it could not answer).", body = Items<MachineNetwork>),
    (status = 429, description = "`limit_reached`: the caller's agent calls in flight are all taken.", body = ErrorBody),
    Allowed, Internal,
))]
pub async fn list_networks(acting: Acting) -> Answer {
    json(Items { items: networks::every_network_with_leases(acting.current, &acting.context, &acting.pool).await? })
}

/// Every forward of every machine (admins)
#[utoipa::path(get, path = "/api/v1/forwards", responses(
    (status = 200, description = "Every forward, by machine, protocol and port.", body = Items<ForwardView>),
    Allowed, Internal,
))]
pub async fn list_every_forward(acting: Acting) -> Answer {
    json(Items { items: networks::every_forward(acting.current, &acting.pool).await? })
}

/// Give a container a static address on a network of its machine (admins)
///
/// The body is `{"network","ipv4"?,"ipv6"?}`; a family left out or null goes back to DHCP. The container is
/// restarted when it runs.
#[utoipa::path(put, path = "/api/v1/containers/{id}/address", params(ContainerPath), request_body = AddressRequest,
    responses(
    (status = 200, description = "The addresses its NIC now has, and whether it was restarted.", body = AddressAnswer),
    (status = 403, description = "`forbidden` (not an admin), `network_not_allowed` (the agent may not touch that \
        network), `csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`address_taken`: another container of the machine has it (nothing was \
        changed); `conflict`: the container is gone, or has forwards on that network (delete them first).",
        body = ErrorBody),
    (status = 422, description = "`invalid_input`: not an address a container can have, outside the subnet, or \
        a malformed body.", body = ErrorBody),
    HiddenContainer, Unauthenticated, BodyTooLarge, AgentCallFailures,
))]
pub async fn set_address(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let read = move || body.json::<AddressRequest>();
    json(networks::set_address(acting.current, acting.context, &acting.pool, ContainerId(path.id), read).await?)
}

/// The ports of the host forwarded to a container (its owners, admins)
#[utoipa::path(get, path = "/api/v1/containers/{id}/forwards", params(ContainerPath), responses(
    (status = 200, description = "Its forwards, each with where to reach it (`reach`).", body = Items<ForwardView>),
    HiddenContainer, Allowed, Internal,
))]
pub async fn list_forwards(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    json(Items { items: networks::list_forwards(acting.current, &acting.pool, ContainerId(path.id)).await? })
}

/// Forward a port of the host to a container (its owners within their `forwards` quota, admins)
///
/// The body is `{"protocol":"tcp"|"udp","target_port"}`, with an optional `listen_port` from the network's range
/// (left out: the lowest free one) and `network`. The container needs a static address first.
#[utoipa::path(post, path = "/api/v1/containers/{id}/forwards", params(ContainerPath),
    request_body = NewForwardRequest, responses(
    (status = 201, description = "The forward, with the allocated `listen_port` on the machine's listen address \
        (`reach`).", body = ForwardView),
    (status = 409, description = "`quota_exceeded` (her `forwards` quota is used up), `port_taken` (the port asked \
        for is taken, or every port of the range is), `no_address` (the container has no static address on a network \
        with forwards: an admin sets one first), `conflict` (the container is gone).", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a port outside 1-65535 or the range, a malformed body.",
        body = ErrorBody),
    HiddenContainer, AllowedChange, BodyTooLarge, AgentCallFailures,
))]
pub async fn create_forward(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let read = move || body.json::<NewForwardRequest>();
    created(networks::create_forward(acting.current, acting.context, &acting.pool, ContainerId(path.id), read).await?)
}

/// Remove a forward of a container (its owners, admins)
#[utoipa::path(delete, path = "/api/v1/containers/{id}/forwards/{fid}", params(ForwardPath), responses(
    (status = 204, description = "Removed from the agent, then from the panel."),
    (status = 404, description = "`not_found` (also a container the caller may not see, or a forward of another \
        container).", body = ErrorBody),
    AllowedChange, AgentCallFailures,
))]
pub async fn delete_forward(acting: Acting, path: web::Path<ForwardPath>) -> Answer {
    let (id, fid) = (ContainerId(path.id), ForwardId(path.fid));
    networks::delete_forward(acting.current, acting.context, &acting.pool, id, fid).await?;
    Ok(HttpResponse::NoContent().finish())
}
