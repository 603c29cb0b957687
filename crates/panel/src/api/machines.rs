//! `/api/v1/machines`: the agents the panel reaches (`app::machines`).
//! Admins read them, the head admin adds, deletes and syncs them; a secret
//! goes in once and never comes out.

use actix_web::{HttpResponse, web};

use crate::api::Items;
use crate::api::responses::{AgentCallFailures, Allowed, AllowedChange, BodyTooLarge, Internal, NotFound};
use crate::app::CurrentUser;
use crate::app::machines::{
    AddMachine, MachineView, RotateKey, SyncAnswer, add_machine, delete_machine, get_machine, list_machines,
    rotate_machine_key, sync_machine,
};
use crate::db::DbPool;
use crate::db::machines::MachineId;
use crate::error::{AppError, ErrorBody};
use crate::http::AppState;
use crate::http::body::Body;

/// `GET /api/v1/machines`.
#[utoipa::path(
    get,
    path = "/api/v1/machines",
    operation_id = "list_machines",
    tag = "machines",
    summary = "Every machine (admins)",
    responses(
        (status = 200, description = "The machines; never a secret.", body = Items<MachineView>),
        Allowed, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let items = list_machines(&pool, &current).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// `GET /api/v1/machines/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/machines/{id}",
    operation_id = "get_machine",
    tag = "machines",
    summary = "One machine (admins)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 200, description = "The machine.", body = MachineView),
        Allowed, NotFound, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn get(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let machine = get_machine(&pool, current, MachineId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(machine))
}

/// `POST /api/v1/machines` (head admin): the same checks as `smp-panel machine add`.
#[utoipa::path(
    post,
    path = "/api/v1/machines",
    operation_id = "add_machine",
    tag = "machines",
    summary = "Add a machine (head admin)",
    request_body = AddMachine,
    responses(
        (status = 201, description = "Added; a sync follows.", body = MachineView),
        (status = 409, description = "`conflict`: the name is taken.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad name, URL, key id, secret or fingerprint.",
            body = ErrorBody),
        (status = 503, description = "`agent_unavailable`: trust_on_first_use could not fetch the certificate.",
            body = ErrorBody),
        AllowedChange, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn add(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let machine = add_machine(&state.app, &pool, current, move || body.json()).await?;
    Ok(HttpResponse::Created().json(machine))
}

/// `DELETE /api/v1/machines/{id}` (head admin): the machine and its
/// container rows go; refused while any of its containers has an owner.
#[utoipa::path(
    delete,
    path = "/api/v1/machines/{id}",
    operation_id = "delete_machine",
    tag = "machines",
    summary = "Delete a machine and its container rows (head admin)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "`conflict`: some of its containers still have an owner.", body = ErrorBody),
        AllowedChange, NotFound, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn delete(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    delete_machine(&state.app, &pool, current, MachineId(path.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/machines/{id}/sync` (head admin): one full pass, answered when done.
#[utoipa::path(
    post,
    path = "/api/v1/machines/{id}/sync",
    operation_id = "sync_machine",
    tag = "machines",
    summary = "Sync the machine's containers now (head admin)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 200, description = "The machine after the pass, and what changed.", body = SyncAnswer),
        (status = 409, description = "`conflict`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: the agent refused the request.", body = ErrorBody),
        AllowedChange, NotFound, AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn sync(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let answer = sync_machine(&state.app, &pool, current, MachineId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/v1/machines/{id}/rotate-key` `{"key_id","secret"}` (head
/// admin): switches to the new key once the agent has accepted it.
#[utoipa::path(
    post,
    path = "/api/v1/machines/{id}/rotate-key",
    operation_id = "rotate_machine_key",
    tag = "machines",
    summary = "Switch the machine to a new agent key once the agent accepts it (head admin)",
    params(("id" = i64, Path, description = "The machine's id.")),
    request_body = RotateKey,
    responses(
        (status = 200, description = "Switched; the machine with its new `key_id`.", body = MachineView),
        (status = 409, description = "`key_refused`: the agent refused the new key; or `conflict`.",
            body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad key id or a secret too short.", body = ErrorBody),
        (status = 503, description = "`key_unverified`: the agent could not confirm the new key.",
            body = ErrorBody),
        AllowedChange, NotFound, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn rotate_key(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let machine =
        rotate_machine_key(&state.app, &pool, current, MachineId(path.into_inner()), move || body.json()).await?;
    Ok(HttpResponse::Ok().json(machine))
}
