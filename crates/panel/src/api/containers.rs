//! `/api/v1/containers`: the list and one container as the policy lets the
//! caller see them, owner and parent assignment (admins), and the actions
//! (start, stop, restart, exec, state, logs) sent to the machine's agent with
//! one token per call.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use smp_proto::action::Action as AgentAction;
use smp_proto::api::{ContainerState, ExecAnswer, ExecRequest, LifecycleAnswer, LogsAnswer, LogsQuery, StopRequest};
use utoipa::{IntoParams, ToSchema};

use crate::agents::{AgentClient, Caller, Instance};
use crate::api::Items;
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BadQuery, BodyTooLarge, ContainerGone, HiddenContainer, Internal,
    SignedIn,
};
use crate::app::CurrentUser;
use crate::app::audited::{AuditEntry, audited, audited_call};
use crate::db::containers::{self, Container, ContainerId, Limits, ListFilter};
use crate::db::machines::{self, MachineId};
use crate::db::users::{self, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::http::AppState;
use crate::http::body::Body;
use crate::policy::{Action, Decision, Object};

/// A container as the API shows it (PANEL.md's fields, and more).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerView {
    pub id: i64,
    pub name: String,
    pub machine: String,
    pub machine_id: i64,
    /// As last seen (`running`, `stopped`, …, `gone` once it left its
    /// machine); `creating` while the panel has it made, `failed` if that failed.
    pub status: String,
    pub owner: Option<String>,
    pub parent: Option<i64>,
    /// The addresses the sync saw, e.g. `["10.77.0.23"]` (kept as the JSON the
    /// database holds: a list of 10 000 containers re-encodes none of them).
    #[schema(value_type = Vec<String>)]
    pub addresses: Box<RawValue>,
    pub synced_at: i64,
    pub gone_at: Option<i64>,
    /// A member made it under her quota: it counts against its owner's
    /// quota, and she may resize and delete it.
    pub in_quota: bool,
    /// The limits the panel set (null fields: none set through the panel).
    pub limits: Limits,
    /// Whether it starts with its machine, as the panel last set it (null: unknown).
    pub autostart: Option<bool>,
    /// The image it was created from through the panel.
    pub image: Option<String>,
    /// Why its creation failed (status `failed`).
    pub error: Option<String>,
}

impl From<Container> for ContainerView {
    fn from(container: Container) -> ContainerView {
        let addresses = RawValue::from_string(container.addresses).unwrap_or_else(|error| {
            tracing::warn!(id = container.id, %error, "a container's stored addresses are not JSON");
            RawValue::from_string("[]".to_owned()).unwrap_or_default()
        });
        ContainerView {
            id: container.id,
            name: container.name,
            machine: container.machine,
            machine_id: container.machine_id,
            status: container.status,
            owner: container.owner,
            parent: container.parent_id,
            addresses,
            synced_at: container.synced_at,
            gone_at: container.gone_at,
            in_quota: container.in_quota,
            limits: container.limits,
            autostart: container.autostart,
            image: container.image,
            error: container.error,
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
            Some(loaded) => Object::Container { owners: &loaded.owners, in_quota: loaded.container.in_quota },
            None => Object::Missing,
        }
    }
}

/// Loads the container and asks the policy; a hidden one is the same 404 as a missing one.
pub(crate) fn load_allowed(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ContainerId,
    action: Action,
) -> Result<Container, AppError> {
    load_allowed_for(connection, current, id, &[action])
}

/// `load_allowed` for every one of `actions` (none: the container is loaded
/// and decided for nothing, so a missing one is still a 404).
pub(crate) fn load_allowed_for(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ContainerId,
    actions: &[Action],
) -> Result<Container, AppError> {
    let loaded = Loaded::load(connection, id)?;
    for action in actions {
        current.decide(*action, &Loaded::object(&loaded))?;
    }
    loaded.map(|loaded| loaded.container).ok_or_else(AppError::not_found)
}

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
        Ok::<_, AppError>(visible(connection, &current, &filter)?.into_iter().map(ContainerView::from).collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// Every container `current` may see that `filter` selects, by id. Admins'
/// candidates are all rows, members' the trees they own (the policy shows a
/// member nothing else); the policy then decides on each row, with owner
/// chains from every candidate, and the filter applies last (it must not
/// cut the chain that makes a row visible).
pub(crate) fn visible(
    connection: &mut DbConnection,
    current: &CurrentUser,
    filter: &ListFilter,
) -> Result<Vec<Container>, AppError> {
    let candidates =
        if current.user.role.is_admin() { None } else { Some(containers::tree_ids_of(connection, current.user.id.0)?) };
    visible_among(connection, current, candidates.as_deref(), filter)
}

/// `visible`, starting from the containers `candidates` names (every
/// container if `None`) instead of the caller's role: the dashboard starts
/// from the trees the user owns, whatever her role.
pub(crate) fn visible_among(
    connection: &mut DbConnection,
    current: &CurrentUser,
    candidates: Option<&[i64]>,
    filter: &ListFilter,
) -> Result<Vec<Container>, AppError> {
    let rows = containers::list(connection, candidates)?;
    let chains = containers::OwnerChains::of(&rows);
    let actor = current.actor();
    Ok(rows
        .into_iter()
        .filter(|row| {
            let owners = chains.chain(row);
            crate::policy::decide(
                &actor,
                Action::ContainerView,
                &Object::Container { owners: &owners, in_quota: row.in_quota },
            ) == Decision::Allow
        })
        .filter(|row| filter.matches(row))
        .collect())
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
    let id = ContainerId(path.into_inner());
    let container =
        db::run(&pool, move |connection| load_allowed(connection, &current, id, Action::ContainerView)).await?;
    Ok(HttpResponse::Ok().json(ContainerView::from(container)))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// A username, or null for no owner.
    #[serde(default, deserialize_with = "present")]
    pub(crate) owner: Option<Option<String>>,
    /// A container id, or null for none.
    #[serde(default, deserialize_with = "present")]
    pub(crate) parent: Option<Option<i64>>,
    /// Whether it counts against its owner's quota as her sub-container.
    #[serde(default)]
    pub(crate) in_quota: Option<bool>,
}

/// Sets a container's owner, parent and/or quota counting, audited `container.assign`; `read` reads what to
/// set once the policy (`ContainerAssign`) allowed it, so that a bad request
/// is refused and audited like the rest. The API and the web pages assign here.
pub(crate) async fn assign_container(
    current: CurrentUser,
    pool: &DbPool,
    id: ContainerId,
    read: impl FnOnce() -> Result<Assign, AppError> + Send + 'static,
) -> Result<Container, AppError> {
    let mut entry = current.audit(format!("container:{id}"));
    entry.action = "container.assign";
    audited(pool, entry, move |connection, entry| {
        let container = load_allowed(connection, &current, id, Action::ContainerAssign)?;
        entry.machine = Some(container.machine.clone());
        let Assign { owner, parent, in_quota } = read()?;
        if owner.is_none() && parent.is_none() && in_quota.is_none() {
            return Err(AppError::invalid_input(
                "give \"owner\" (a username or null), \"parent\" (an id or null), \"in_quota\", \"autostart\" or \"limits\"",
            ));
        }
        if let Some(in_quota) = in_quota {
            containers::set_in_quota(connection, id, in_quota)?;
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
        containers::get(connection, id)?.ok_or_else(AppError::not_found)
    })
    .await
}

pub(crate) fn user_named(connection: &mut DbConnection, name: &str) -> Result<UserId, AppError> {
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
pub(crate) struct Target {
    pub(crate) client: AgentClient,
    /// The container's LXD name.
    pub(crate) name: String,
    /// Its LXD uuid, once known: the token's `uid`.
    uuid: Option<String>,
    pub(crate) caller: Caller,
}

impl Target {
    /// The agent of `container`'s machine, for `current` to act on it (the
    /// caller has asked the policy). A gone container is a 409: there is
    /// nothing to act on; so is one still being created, which is not yet
    /// the instance it will be (its uuid is not known until it is made).
    pub(crate) fn of(
        connection: &mut DbConnection,
        state: &AppState,
        current: &CurrentUser,
        container: &Container,
    ) -> Result<Target, AppError> {
        if container.is_gone() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("container {} is gone from machine {}; nothing to act on", container.name, container.machine),
            ));
        }
        if container.status == containers::STATUS_CREATING {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("container {} is still being created; try again once it is running", container.name),
            ));
        }
        let machine = machines::get(connection, MachineId(container.machine_id))
            .map_err(AppError::internal)?
            .ok_or_else(|| AppError::internal("a container's machine row is missing"))?;
        let client = state.agents.client(&machine)?;
        let caller = current.agent_caller(&state.agent_calls)?;
        Ok(Target { client, name: container.name.clone(), uuid: container.uuid.clone(), caller })
    }

    /// The container as the token names it: LXD name and uuid.
    pub(crate) fn instance(&self) -> Instance<'_> {
        Instance { name: &self.name, uuid: self.uuid.as_deref() }
    }
}

/// Loads the container, asks the policy, and builds the agent client.
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
    Target::of(connection, state, current, &container)
}

/// A start/stop/restart/exec: audited with a `started` row before the agent
/// is called and the outcome after; a lifecycle answer's status is stored
/// with the outcome row. `request` reads the body after the policy has
/// allowed the action (a bad body is then refused and audited like the rest).
#[allow(clippy::too_many_arguments)]
async fn act<Q, R, P, A, Fut>(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    id: ContainerId,
    action: Action,
    request: P,
    call: A,
    status_of: fn(&R) -> Option<&'static str>,
) -> Result<R, AppError>
where
    P: FnOnce(&mut AuditEntry) -> Result<Q, AppError> + Send + 'static,
    Q: Send + 'static,
    A: FnOnce(Target, Q) -> Fut,
    Fut: std::future::Future<Output = Result<R, AppError>>,
    R: Send + 'static,
{
    let entry = current.audit(format!("container:{id}"));
    audited_call(
        &pool,
        entry,
        move |connection, entry| {
            let target = target(connection, &state, &current, id, action, Some(&mut *entry))?;
            Ok((target, request(entry)?))
        },
        |(target, request)| call(target, request),
        move |connection, _, answer| {
            if let Some(status) = status_of(&answer) {
                containers::set_status(connection, id, status, db::unix_now())?;
            }
            Ok(answer)
        },
    )
    .await
}

fn lifecycle_status(answer: &LifecycleAnswer) -> Option<&'static str> {
    Some(answer.status.as_str())
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
    let id = ContainerId(path.into_inner());
    let answer = lifecycle(current, state, pool, id, Action::ContainerStart, || Ok(StopRequest::default())).await?;
    Ok(HttpResponse::Ok().json(answer))
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
    stop_or_restart(current, state, pool, ContainerId(path.into_inner()), body, Action::ContainerStop).await
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
    stop_or_restart(current, state, pool, ContainerId(path.into_inner()), body, Action::ContainerRestart).await
}

/// Stop and restart: the same body, the same answer.
async fn stop_or_restart(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    id: ContainerId,
    body: Body,
    action: Action,
) -> Result<HttpResponse, AppError> {
    let answer = lifecycle(current, state, pool, id, action, move || body.json_or_default::<StopRequest>()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Start, stop or restart (`action`) through the agent, audited; `request`
/// reads the stop request once the policy allowed it (ignored by start).
/// The API and the web pages act here.
pub(crate) async fn lifecycle(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    id: ContainerId,
    action: Action,
    request: impl FnOnce() -> Result<StopRequest, AppError> + Send + 'static,
) -> Result<LifecycleAnswer, AppError> {
    act(
        current,
        state,
        pool,
        id,
        action,
        |_| request(),
        move |target, request| async move {
            let answer = match action {
                Action::ContainerStart => target.client.start(&target.caller, target.instance()).await?,
                Action::ContainerStop => {
                    target
                        .client
                        .stop_or_restart(&target.caller, AgentAction::Stop, target.instance(), &request)
                        .await?
                }
                _ => {
                    target
                        .client
                        .stop_or_restart(&target.caller, AgentAction::Restart, target.instance(), &request)
                        .await?
                }
            };
            Ok(answer)
        },
        lifecycle_status,
    )
    .await
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
    let answer = exec_in(current, state, pool, id, move || body.json()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Runs a program in the container through the agent, audited (`started`,
/// then the outcome); `read` reads the request once the policy
/// (`ContainerExec`) allowed it, and an empty command is refused. The API
/// and the web pages exec here.
pub(crate) async fn exec_in(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    id: ContainerId,
    read: impl FnOnce() -> Result<ExecRequest, AppError> + Send + 'static,
) -> Result<ExecAnswer, AppError> {
    act(
        current,
        state,
        pool,
        id,
        Action::ContainerExec,
        move |entry| {
            let request = read()?;
            if request.command.is_empty() {
                return Err(AppError::invalid_input("command: give the program and its arguments, e.g. [\"uptime\"]"));
            }
            entry.set_detail(serde_json::to_string(&request.command).map_err(AppError::internal)?);
            Ok(request)
        },
        |target, request| async move { Ok(target.client.exec(&target.caller, target.instance(), &request).await?) },
        |_| None,
    )
    .await
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
    let answer = state_of(current, state, &pool, ContainerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The container's live state from its agent (policy `ContainerState`; a
/// read, not audited). The API and the web pages read it here.
pub(crate) async fn state_of(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<ContainerState, AppError> {
    let target = read_target(current, state, pool, id, Action::ContainerState).await?;
    Ok(target.client.state(&target.caller, target.instance()).await?)
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
    let answer = logs_of(current, state, &pool, ContainerId(path.into_inner()), query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The container's last log lines from its agent (policy `ContainerLogs`;
/// a read, not audited); a bad `lines` is refused first. The API and the
/// web pages read them here.
pub(crate) async fn logs_of(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ContainerId,
    query: LogsQuery,
) -> Result<LogsAnswer, AppError> {
    if query.lines.is_some_and(|lines| !(1..=smp_proto::api::MAX_LOG_LINES).contains(&lines)) {
        return Err(AppError::invalid_input(format!("lines must be 1-{}", smp_proto::api::MAX_LOG_LINES)));
    }
    let target = read_target(current, state, pool, id, Action::ContainerLogs).await?;
    Ok(target.client.logs(&target.caller, target.instance(), &query).await?)
}
