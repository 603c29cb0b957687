//! `/api/v1/machines`: the agents the panel reaches (`app::machines`).
//! Admins read them, the head admin adds, deletes and syncs them; a secret
//! goes in once and never comes out.

use actix_web::{HttpResponse, web};

use crate::api::params::MachinePath;
use crate::api::responses::{AgentCallFailures, Allowed, AllowedChange, BodyTooLarge, Internal, NotFound};
use crate::api::{Answer, Items, created, json};
use crate::app::machines::{self, AddMachine, MachineView, RotateKey, SyncAnswer};
use crate::db::machines::MachineId;
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// Every machine (admins)
#[utoipa::path(get, path = "/api/v1/machines", responses(
    (status = 200, description = "The machines; never a secret.", body = Items<MachineView>),
    Allowed, Internal,
))]
pub async fn list_machines(acting: Acting) -> Answer {
    json(Items { items: machines::list_machines(&acting.pool, &acting.current).await? })
}

/// One machine (admins)
#[utoipa::path(get, path = "/api/v1/machines/{id}", params(MachinePath), responses(
    (status = 200, description = "The machine.", body = MachineView),
    Allowed, NotFound, Internal,
))]
pub async fn get_machine(acting: Acting, path: web::Path<MachinePath>) -> Answer {
    json(machines::get_machine(&acting.pool, acting.current, MachineId(path.id)).await?)
}

/// Add a machine (head admin)
///
/// The same checks as `smp-panel machine add`.
#[utoipa::path(post, path = "/api/v1/machines", request_body = AddMachine, responses(
    (status = 201, description = "Added; a sync follows.", body = MachineView),
    (status = 409, description = "`conflict`: the name is taken.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: bad name, URL, key id, secret or fingerprint.", body = ErrorBody),
    (status = 503, description = "`agent_unavailable`: trust_on_first_use could not fetch the \
        certificate.", body = ErrorBody),
    AllowedChange, BodyTooLarge, Internal,
))]
pub async fn add_machine(acting: Acting, body: Body) -> Answer {
    created(machines::add_machine(&acting.context, &acting.pool, acting.current, move || body.json()).await?)
}

/// Delete a machine and its container rows (head admin)
///
/// Refused while any of its containers has an owner.
#[utoipa::path(delete, path = "/api/v1/machines/{id}", params(MachinePath), responses(
    (status = 204, description = "Deleted."),
    (status = 409, description = "`conflict`: some of its containers still have an owner.", body = ErrorBody),
    AllowedChange, NotFound, Internal,
))]
pub async fn delete_machine(acting: Acting, path: web::Path<MachinePath>) -> Answer {
    machines::delete_machine(&acting.context, &acting.pool, acting.current, MachineId(path.id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sync the machine's containers now (head admin)
///
/// One full pass, answered when done.
#[utoipa::path(post, path = "/api/v1/machines/{id}/sync", params(MachinePath), responses(
    (status = 200, description = "The machine after the pass, and what changed.", body = SyncAnswer),
    (status = 409, description = "`conflict`.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: the agent refused the request.", body = ErrorBody),
    AllowedChange, NotFound, AgentCallFailures,
))]
pub async fn sync_machine(acting: Acting, path: web::Path<MachinePath>) -> Answer {
    json(machines::sync_machine(&acting.context, &acting.pool, acting.current, MachineId(path.id)).await?)
}

/// Switch the machine to a new agent key once the agent accepts it (head admin)
#[utoipa::path(post, path = "/api/v1/machines/{id}/rotate-key", params(MachinePath),
    request_body = RotateKey, responses(
    (status = 200, description = "Switched; the machine with its new `key_id`.", body = MachineView),
    (status = 409, description = "`key_refused`: the agent refused the new key; or `conflict`.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: bad key id or a secret too short.", body = ErrorBody),
    (status = 503, description = "`key_unverified`: the agent could not confirm the new key.", body = ErrorBody),
    AllowedChange, NotFound, BodyTooLarge, Internal,
))]
pub async fn rotate_machine_key(acting: Acting, path: web::Path<MachinePath>, body: Body) -> Answer {
    let (id, read) = (MachineId(path.id), move || body.json());
    json(machines::rotate_machine_key(&acting.context, &acting.pool, acting.current, id, read).await?)
}
