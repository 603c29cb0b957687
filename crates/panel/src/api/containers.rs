//! `/api/v1/containers`: the list and one container as the policy lets the
//! caller see them, owner and parent assignment (admins), and the actions
//! (start, stop, restart, exec, state, logs) sent to the machine's agent with
//! one token per call.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Deserializer, Serialize};
use smp_proto::api::{ContainerState, ExecAnswer, ExecRequest, LifecycleAnswer, LogsAnswer, LogsQuery, StopRequest};

use super::audited::{AuditEntry, audited, audited_call};
use super::auth::CurrentUser;
use crate::agents::{AgentClient, Caller};
use crate::db::containers::{self, Container, ContainerId, ListFilter};
use crate::db::machines::{self, MachineId};
use crate::db::users::{self, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::policy::{Action, Decision, Object};
use crate::startup::AppState;
use crate::username::Username;

/// A container as the API shows it (PANEL.md's fields, and more).
#[derive(Debug, Serialize)]
pub struct ContainerView {
    pub id: i64,
    pub name: String,
    pub machine: String,
    pub machine_id: i64,
    /// As last seen (`running`, `stopped`, …, `gone` once it left its machine).
    pub status: String,
    pub owner: Option<String>,
    pub parent: Option<i64>,
    pub addresses: Vec<String>,
    pub synced_at: i64,
    pub gone_at: Option<i64>,
}

impl From<&Container> for ContainerView {
    fn from(container: &Container) -> ContainerView {
        ContainerView {
            id: container.id,
            name: container.name.clone(),
            machine: container.machine.clone(),
            machine_id: container.machine_id,
            status: container.status.clone(),
            owner: container.owner.clone(),
            parent: container.parent_id,
            addresses: container.address_list(),
            synced_at: container.synced_at,
            gone_at: container.gone_at,
        }
    }
}

/// The container and the owners along its chain, loaded for one decision.
struct Loaded {
    container: Container,
    owners: Vec<Option<i64>>,
}

impl Loaded {
    fn load(connection: &mut DbConnection, id: ContainerId) -> Result<Option<Loaded>, AppError> {
        let Some(container) = containers::get(connection, id)? else { return Ok(None) };
        let owners = containers::owner_chain(connection, id)?;
        Ok(Some(Loaded { container, owners }))
    }

    fn object(loaded: &Option<Loaded>) -> Object<'_> {
        match loaded {
            Some(loaded) => Object::Container { owners: &loaded.owners },
            None => Object::Missing,
        }
    }
}

/// Loads the container and asks the policy; a hidden one is the same 404 as a missing one.
fn load_allowed(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ContainerId,
    action: Action,
) -> Result<Container, AppError> {
    let loaded = Loaded::load(connection, id)?;
    current.decide(action, &Loaded::object(&loaded))?;
    loaded.map(|loaded| loaded.container).ok_or_else(AppError::not_found)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    machine_id: Option<i64>,
    /// A username.
    owner: Option<String>,
    status: Option<String>,
    /// `false` leaves out containers that are gone (default: shown).
    gone: Option<bool>,
}

/// `GET /api/v1/containers`: every container the policy lets the caller
/// see. Admins' lists start from all rows, members' from the trees they
/// own (the policy shows a member nothing else); each row is then decided.
pub async fn list(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { machine_id, owner, status, gone } = query.into_inner();
    let items: Vec<ContainerView> = db::run(&pool, move |connection| {
        let owner_id = match owner {
            Some(name) => match Username::parse(&name).ok().map(|name| users::find_by_username(connection, &name)) {
                Some(found) => match found? {
                    Some(user) => Some(user.id.0),
                    None => return Ok(Vec::new()),
                },
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let filter = ListFilter { machine_id, owner_id, status, live_only: gone == Some(false) };
        let candidates = if current.user.role.is_admin() {
            None
        } else {
            Some(containers::tree_ids_of(connection, current.user.id.0)?)
        };
        let rows = containers::list(connection, candidates.as_deref(), &filter)?;
        let chains = containers::owner_chains(&rows);
        let actor = current.actor();
        Ok::<_, AppError>(
            rows.iter()
                .filter(|row| {
                    let owners = chains.get(&row.id).map_or(&[][..], Vec::as_slice);
                    crate::policy::decide(&actor, Action::ContainerView, &Object::Container { owners })
                        == Decision::Allow
                })
                .map(ContainerView::from)
                .collect(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/containers/{id}`.
pub async fn get(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = ContainerId(path.into_inner());
    let container =
        db::run(&pool, move |connection| load_allowed(connection, &current, id, Action::ContainerView)).await?;
    Ok(HttpResponse::Ok().json(ContainerView::from(&container)))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// A username, or null for no owner.
    #[serde(default, deserialize_with = "present")]
    owner: Option<Option<String>>,
    /// A container id, or null for none.
    #[serde(default, deserialize_with = "present")]
    parent: Option<Option<i64>>,
}

/// `PATCH /api/v1/containers/{id}` `{"owner":"alice"}`, `{"parent":12}` (admins).
pub async fn assign(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Json<Assign>,
) -> Result<HttpResponse, AppError> {
    let id = ContainerId(path.into_inner());
    let Assign { owner, parent } = body.into_inner();
    let updated = audited(&pool, current.audit(format!("container:{id}")), move |connection, entry| {
        let container = load_allowed(connection, &current, id, Action::ContainerAssign)?;
        entry.machine = Some(container.machine.clone());
        if owner.is_none() && parent.is_none() {
            return Err(AppError::invalid_input(
                "give \"owner\" (a username or null) and/or \"parent\" (an id or null)",
            ));
        }
        if let Some(owner) = owner {
            let owner_id = match owner {
                Some(name) => Some(user_named(connection, &name)?.0),
                None => None,
            };
            containers::set_owner(connection, id, owner_id)?;
        }
        if let Some(parent) = parent {
            if let Some(parent) = parent {
                check_parent(connection, id, ContainerId(parent))?;
            }
            containers::set_parent(connection, id, parent)?;
        }
        containers::get(connection, id)?.map(|row| ContainerView::from(&row)).ok_or_else(AppError::not_found)
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

fn user_named(connection: &mut DbConnection, name: &str) -> Result<UserId, AppError> {
    let unknown = || AppError::invalid_input(format!("owner: there is no user named {name:?}"));
    let username = Username::parse(name).map_err(|_| unknown())?;
    Ok(users::find_by_username(connection, &username)?.ok_or_else(unknown)?.id)
}

/// A parent must exist, not be gone, and not be the container or one of its descendants.
fn check_parent(connection: &mut DbConnection, id: ContainerId, parent: ContainerId) -> Result<(), AppError> {
    let row = containers::get(connection, parent)?
        .filter(|row| !row.is_gone())
        .ok_or_else(|| AppError::invalid_input(format!("parent: there is no live container with id {parent}")))?;
    let mut next = Some(row.id);
    let mut depth = 1;
    while let Some(current) = next {
        if current == id.0 {
            return Err(AppError::invalid_input("parent: a container cannot be its own ancestor"));
        }
        depth += 1;
        if depth > containers::MAX_DEPTH {
            return Err(AppError::invalid_input(format!(
                "parent: containers nest at most {} deep",
                containers::MAX_DEPTH
            )));
        }
        next = containers::get(connection, ContainerId(current))?.and_then(|row| row.parent_id);
    }
    Ok(())
}

/// What an action needs to reach the agent.
struct Target {
    client: AgentClient,
    name: String,
    caller: Caller,
}

/// Loads the container and its machine, asks the policy, and builds the
/// agent client. A gone container is a 409: there is nothing to act on.
fn target(
    connection: &mut DbConnection,
    state: &AppState,
    current: &CurrentUser,
    id: ContainerId,
    action: Action,
    entry: Option<&mut AuditEntry>,
) -> Result<Target, AppError> {
    let container = load_allowed(connection, current, id, action)?;
    if let Some(entry) = entry {
        entry.machine = Some(container.machine.clone());
    }
    if container.is_gone() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("container {} is gone from machine {}; nothing to act on", container.name, container.machine),
        ));
    }
    let machine = machines::get(connection, MachineId(container.machine_id))
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal("a container's machine row is missing"))?;
    let client = state.agents.client(&machine)?;
    let caller = Caller { username: current.user.username.to_string(), admin: current.user.role.is_admin() };
    Ok(Target { client, name: container.name, caller })
}

/// A start/stop/restart/exec: audited with a `started` row before the agent
/// is called and the outcome after; a lifecycle answer's status is stored
/// with the outcome row.
async fn act<R, A, Fut>(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    id: ContainerId,
    action: Action,
    call: A,
    status_of: fn(&R) -> Option<&'static str>,
) -> Result<R, AppError>
where
    A: FnOnce(Target) -> Fut,
    Fut: std::future::Future<Output = Result<R, AppError>>,
    R: Send + 'static,
{
    let entry = current.audit(format!("container:{id}"));
    audited_call(
        &pool,
        entry,
        move |connection, entry| target(connection, &state, &current, id, action, Some(entry)),
        call,
        move |connection, answer| {
            if let Some(status) = status_of(answer) {
                containers::set_status(connection, id, status, db::unix_now())?;
            }
            Ok(())
        },
    )
    .await
}

fn lifecycle_status(answer: &LifecycleAnswer) -> Option<&'static str> {
    Some(answer.status.as_str())
}

/// `POST /api/v1/containers/{id}/start`.
pub async fn start(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = ContainerId(path.into_inner());
    let answer = act(
        current,
        state,
        pool,
        id,
        Action::ContainerStart,
        |target| async move { Ok(target.client.start(&target.caller, &target.name).await?) },
        lifecycle_status,
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// An optional JSON body: empty is the default, anything else must parse.
fn optional_body<T: Default + serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|error| AppError::invalid_input(format!("invalid JSON body: {error}")))
}

/// `POST /api/v1/containers/{id}/stop` and `/restart`, body `{"force":false,"timeout_s":30}` or none.
pub async fn stop(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let request: StopRequest = optional_body(&body)?;
    let id = ContainerId(path.into_inner());
    let answer = act(
        current,
        state,
        pool,
        id,
        Action::ContainerStop,
        move |target| async move { Ok(target.client.stop(&target.caller, &target.name, &request).await?) },
        lifecycle_status,
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

pub async fn restart(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let request: StopRequest = optional_body(&body)?;
    let id = ContainerId(path.into_inner());
    let answer = act(
        current,
        state,
        pool,
        id,
        Action::ContainerRestart,
        move |target| async move { Ok(target.client.restart(&target.caller, &target.name, &request).await?) },
        lifecycle_status,
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/v1/containers/{id}/exec`, the agent's exec body (argv, never a shell string).
pub async fn exec(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Json<ExecRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    if request.command.is_empty() {
        return Err(AppError::invalid_input("command: give the program and its arguments, e.g. [\"uptime\"]"));
    }
    let id = ContainerId(path.into_inner());
    let answer: ExecAnswer = act(
        current,
        state,
        pool,
        id,
        Action::ContainerExec,
        move |target| async move { Ok(target.client.exec(&target.caller, &target.name, &request).await?) },
        |_| None,
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The target of a read (state, logs): decided, not audited.
async fn read_target(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ContainerId,
    action: Action,
) -> Result<Target, AppError> {
    db::run(pool, move |connection| target(connection, &state, &current, id, action, None)).await
}

/// `GET /api/v1/containers/{id}/state`.
pub async fn container_state(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let target = read_target(current, state, &pool, ContainerId(path.into_inner()), Action::ContainerState).await?;
    let answer: ContainerState = target.client.state(&target.caller, &target.name).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/v1/containers/{id}/logs?source=console|lxc&lines=N`.
pub async fn logs(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    query: web::Query<LogsQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    if query.lines.is_some_and(|lines| !(1..=smp_proto::api::MAX_LOG_LINES).contains(&lines)) {
        return Err(AppError::invalid_input(format!("lines must be 1-{}", smp_proto::api::MAX_LOG_LINES)));
    }
    let target = read_target(current, state, &pool, ContainerId(path.into_inner()), Action::ContainerLogs).await?;
    let answer: LogsAnswer = target.client.logs(&target.caller, &target.name, &query).await?;
    Ok(HttpResponse::Ok().json(answer))
}
