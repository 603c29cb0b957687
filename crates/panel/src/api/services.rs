//! `/api/v1/services`: systemd units inside containers as panel objects.
//! Admins and container owners create them (the unit must exist in the
//! container, asked of its agent), give them a service owner, and delete
//! them; service owners, the container's owners and admins start, stop and
//! restart them and read their state and journal, each call sent to the
//! machine's agent with one token bound to the container and the unit.
//!
//! A service owner sees her service and the name of the container it runs
//! on, nothing else of that container: every decision here is
//! `policy::Object::Service`, never the container's.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use smp_proto::action::Action as AgentAction;
use smp_proto::api::{ServiceActionAnswer, ServiceList, ServiceLogsAnswer, ServiceLogsQuery, ServiceState};
use smp_proto::error::ErrorCode as AgentCode;
use smp_proto::names::UnitName;
use utoipa::{IntoParams, ToSchema};

use super::containers::{Target, present};
use crate::agents::AgentCallError;
use crate::api::Items;
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BadQuery, BodyTooLarge, HiddenContainer, HiddenService, Internal,
    ServiceGone, SignedIn,
};
use crate::app::CurrentUser;
use crate::app::audited::{audited, audited_call};
use crate::db::containers::{self, ContainerId};
use crate::db::services::{self, Candidates, NewService, Service, ServiceError, ServiceId};
use crate::db::users::{self, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::http::AppState;
use crate::http::body::Body;
use crate::policy::{self, Action, Actor, Decision, Object};

/// The longest description a service may have.
pub const MAX_DESCRIPTION: usize = 200;

/// A service as the API shows it (PANEL.md's fields, and more).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: i64,
    /// The systemd unit, e.g. `minecraft.service`.
    pub unit: String,
    pub container_id: i64,
    /// The name of the container it runs on (all a service owner learns of it).
    pub container: String,
    pub machine: String,
    /// The service owner's username, or null.
    pub owner: Option<String>,
    pub description: String,
    /// systemd's active state as last seen (`active`, `inactive`, `failed`,
    /// …), `not-found` once the unit left its container, `gone` once the
    /// container left its machine, `unknown` before it was seen.
    pub status: String,
    pub synced_at: i64,
}

impl From<Service> for ServiceView {
    fn from(service: Service) -> ServiceView {
        ServiceView {
            id: service.id,
            unit: service.unit,
            container_id: service.container_id,
            container: service.container,
            machine: service.machine,
            owner: service.owner,
            description: service.description,
            status: service.status,
            synced_at: service.synced_at,
        }
    }
}

/// Loads the service and asks the policy; a hidden one is the same 404 as a missing one.
pub(crate) fn load_allowed(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ServiceId,
    action: Action,
) -> Result<Service, AppError> {
    let service = services::get(connection, id)?;
    let container_owners = match &service {
        Some(service) => containers::owner_chain(connection, service.container_id())?,
        None => Vec::new(),
    };
    let object = match &service {
        Some(service) => Object::Service { owner: service.owner_id, container_owners: &container_owners },
        None => Object::Missing,
    };
    current.decide(action, &object)?;
    service.ok_or_else(AppError::not_found)
}

/// Every service `current` may see among `candidates`, by id. Admins'
/// candidates are all services, members' those they own and those on the
/// container trees they own (the policy shows a member nothing else); the
/// policy then decides on each row.
pub(crate) fn visible(
    connection: &mut DbConnection,
    current: &CurrentUser,
    candidates: Option<Candidates<'_>>,
) -> Result<Vec<Service>, AppError> {
    let rows = match candidates {
        Some(candidates) => services::list(connection, candidates)?,
        None if current.user.role.is_admin() => services::list(connection, Candidates::All)?,
        None => {
            let trees = containers::tree_ids_of(connection, current.user.id.0)?;
            services::list(connection, Candidates::OwnedOrOn { owner: current.user.id.0, containers: &trees })?
        }
    };
    let actor = current.actor();
    let mut chains: HashMap<i64, Vec<Option<i64>>> = HashMap::new();
    let mut shown = Vec::with_capacity(rows.len());
    for row in rows {
        let container_owners = match chains.entry(row.container_id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(containers::owner_chain(connection, row.container_id())?),
        };
        let object = Object::Service { owner: row.owner_id, container_owners };
        if crate::policy::decide(&actor, Action::ServiceView, &object) == Decision::Allow {
            shown.push(row);
        }
    }
    Ok(shown)
}

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
    let container = query.into_inner().container_id.map(ContainerId);
    let items: Vec<ServiceView> = db::run(&pool, move |connection| {
        let candidates = container.map(Candidates::OnContainer);
        Ok::<_, AppError>(visible(connection, &current, candidates)?.into_iter().map(ServiceView::from).collect())
    })
    .await?;
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
    let id = ServiceId(path.into_inner());
    let service = db::run(&pool, move |connection| load_allowed(connection, &current, id, Action::ServiceView)).await?;
    Ok(HttpResponse::Ok().json(ServiceView::from(service)))
}

/// Body of `POST /api/v1/services`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceRequest {
    /// The container the unit runs in.
    pub container_id: i64,
    /// The systemd unit; `.service` is appended when no suffix is given.
    pub unit: String,
    /// The service owner's username (default: none; the container's owners
    /// and admins manage it anyway).
    #[serde(default)]
    pub owner: Option<String>,
    /// Default: the unit's own `Description=`.
    #[serde(default)]
    pub description: Option<String>,
}

/// A description must be short and printable.
fn checked_description(description: &str) -> Result<&str, AppError> {
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION || description.chars().any(char::is_control) {
        return Err(AppError::invalid_input(format!(
            "description: at most {MAX_DESCRIPTION} characters, without control characters"
        )));
    }
    Ok(description)
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
    let service = create_service(current, state, &pool, move || body.json()).await?;
    Ok(HttpResponse::Created().json(ServiceView::from(service)))
}

/// Creates a service, audited: the policy (`ServiceCreate` on the
/// container), the name and the owner are checked first, then the agent is
/// asked whether the unit exists, then the row is written. `read` reads the
/// request inside the audited work. The API and the web pages create here.
pub(crate) async fn create_service(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    read: impl FnOnce() -> Result<NewServiceRequest, AppError> + Send + 'static,
) -> Result<Service, AppError> {
    struct Checked {
        target: Target,
        container: ContainerId,
        unit: UnitName,
        owner_id: Option<i64>,
        description: Option<String>,
    }
    audited_call(
        pool,
        current.audit("service:new"),
        move |connection, entry| {
            let request = read()?;
            let container = ContainerId(request.container_id);
            entry.object = format!("container:{container}");
            let row = super::containers::load_allowed(connection, &current, container, Action::ServiceCreate)?;
            entry.machine = Some(row.machine.clone());
            let unit =
                UnitName::parse(request.unit.trim()).map_err(|rejection| AppError::invalid_input(rejection.message))?;
            let owner_id = match &request.owner {
                Some(name) => Some(service_owner_named(connection, &current, name)?.0),
                None => None,
            };
            let description = request.description.as_deref().map(checked_description).transpose()?.map(str::to_owned);
            if services::exists(connection, container, unit.as_str())? {
                return Err(duplicate(&unit, &row.name));
            }
            let target = Target::of(connection, &state, &current, &row)?;
            Ok(Checked { target, container, unit, owner_id, description })
        },
        |checked| async move {
            let Checked { target, unit, .. } = &checked;
            let state = target.client.service_state(&target.caller, target.instance(), unit.as_str()).await;
            match state {
                Ok(state) if state.load_state != "not-found" => Ok((checked, state)),
                Ok(_) | Err(AgentCallError::Agent { code: AgentCode::UnitNotFound, .. }) => {
                    Err(AppError::invalid_input(format!("container {} has no unit {unit}", target.name)))
                }
                Err(error) => Err(error.into()),
            }
        },
        |connection, entry, (checked, state)| {
            // The unit's own description, fitted to the rules a person's must follow.
            let description = checked.description.clone().unwrap_or_else(|| {
                state.description.chars().filter(|c| !c.is_control()).take(MAX_DESCRIPTION).collect()
            });
            let new = NewService {
                container: checked.container,
                unit: checked.unit.as_str(),
                owner_id: checked.owner_id,
                description: description.trim(),
                status: &state.active_state,
            };
            let id = services::create(connection, &new, db::unix_now()).map_err(|error| match error {
                ServiceError::Duplicate => duplicate(&checked.unit, &checked.target.name),
                ServiceError::Query(error) => AppError::internal(error),
            })?;
            entry.object = format!("service:{id}");
            services::get(connection, id)?.ok_or_else(AppError::not_found)
        },
    )
    .await
}

/// The account named `name`, if the caller may make it a service owner
/// (`policy::may_name_service_owner`). To a caller who may not list the
/// accounts, a name nobody has, a malformed one, an unapproved or disabled
/// account and an admin all get this same answer, word for word, so that
/// the field cannot tell her which usernames exist; an admin hears which
/// name is unknown.
fn service_owner_named(connection: &mut DbConnection, current: &CurrentUser, name: &str) -> Result<UserId, AppError> {
    let caller = current.actor();
    let found = match Username::parse(name) {
        Ok(username) => users::find_by_username(connection, &username)?,
        Err(_) => None,
    };
    if let Some(user) = found {
        let candidate = Actor { id: user.id.0, role: user.role, approved: user.approved, disabled: user.disabled };
        if policy::may_name_service_owner(&caller, &candidate) == Decision::Allow {
            return Ok(user.id);
        }
    }
    if policy::decide(&caller, Action::UserView, &Object::Nothing) == Decision::Allow {
        return Err(AppError::invalid_input(format!("owner: there is no user named {name:?}")));
    }
    Err(AppError::invalid_input("owner: name an approved member of this panel; that name cannot own a service"))
}

fn duplicate(unit: &UnitName, container: &str) -> AppError {
    AppError::new(ErrorCode::Conflict, format!("container {container} already has the service {unit}"))
}

/// Body of `PATCH /api/v1/services/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    /// A username, or null for no service owner.
    #[serde(default, deserialize_with = "present")]
    pub(crate) owner: Option<Option<String>>,
    #[serde(default)]
    pub(crate) description: Option<String>,
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
    let service = update_service(current, &pool, id, move || body.json()).await?;
    Ok(HttpResponse::Ok().json(ServiceView::from(service)))
}

/// Sets a service's owner and/or description, audited (`ServiceUpdate`).
/// The API and the web pages update here.
pub(crate) async fn update_service(
    current: CurrentUser,
    pool: &DbPool,
    id: ServiceId,
    read: impl FnOnce() -> Result<ServicePatch, AppError> + Send + 'static,
) -> Result<Service, AppError> {
    audited(pool, current.audit(format!("service:{id}")), move |connection, entry| {
        let service = load_allowed(connection, &current, id, Action::ServiceUpdate)?;
        entry.machine = Some(service.machine.clone());
        let ServicePatch { owner, description } = read()?;
        if owner.is_none() && description.is_none() {
            return Err(AppError::invalid_input("give \"owner\" (a username or null) and/or \"description\""));
        }
        if let Some(owner) = owner {
            let owner_id = match owner {
                Some(name) => Some(service_owner_named(connection, &current, &name)?.0),
                None => None,
            };
            services::set_owner(connection, id, owner_id)?;
        }
        if let Some(description) = description {
            services::set_description(connection, id, checked_description(&description)?)?;
        }
        services::get(connection, id)?.ok_or_else(AppError::not_found)
    })
    .await
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

/// Deletes the service row, audited (`ServiceDelete`). The API and the web pages delete here.
pub(crate) async fn delete_service(current: CurrentUser, pool: &DbPool, id: ServiceId) -> Result<(), AppError> {
    audited(pool, current.audit(format!("service:{id}")), move |connection, entry| {
        let service = load_allowed(connection, &current, id, Action::ServiceDelete)?;
        entry.machine = Some(service.machine.clone());
        services::delete(connection, id)?;
        Ok(())
    })
    .await
}

/// The service's agent, unit and container, once the policy allowed `action`.
fn service_target(
    connection: &mut DbConnection,
    state: &AppState,
    current: &CurrentUser,
    id: ServiceId,
    action: Action,
) -> Result<(Target, Service), AppError> {
    let service = load_allowed(connection, current, id, action)?;
    let container = containers::get(connection, service.container_id())?
        .ok_or_else(|| AppError::internal("a service's container row is missing"))?;
    Ok((Target::of(connection, state, current, &container)?, service))
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
            let answer = service_action(current, state, &pool, ServiceId(path.into_inner()), $action).await?;
            Ok(HttpResponse::Ok().json(answer))
        }
    };
}

service_action_route!(start, "start", "start_service", "Start the service (audited)", Action::ServiceStart);
service_action_route!(stop, "stop", "stop_service", "Stop the service (audited)", Action::ServiceStop);
service_action_route!(restart, "restart", "restart_service", "Restart the service (audited)", Action::ServiceRestart);

/// Start, stop or restart (`action`) the service through its agent, audited
/// with a `started` row before the call and the outcome (with the unit's new
/// status) after. The API and the web pages act here.
pub(crate) async fn service_action(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ServiceId,
    action: Action,
) -> Result<ServiceActionAnswer, AppError> {
    let agent_action = match action {
        Action::ServiceStart => AgentAction::ServiceStart,
        Action::ServiceStop => AgentAction::ServiceStop,
        Action::ServiceRestart => AgentAction::ServiceRestart,
        other => return Err(AppError::internal(format!("{other:?} is not a service action"))),
    };
    audited_call(
        pool,
        current.audit(format!("service:{id}")),
        move |connection, entry| {
            let (target, service) = service_target(connection, &state, &current, id, action)?;
            entry.machine = Some(service.machine);
            Ok((target, service.unit))
        },
        |(target, unit)| async move {
            Ok(target.client.service_action(&target.caller, agent_action, target.instance(), &unit).await?)
        },
        move |connection, _, answer: ServiceActionAnswer| {
            services::set_status(connection, id, &answer.state.active_state, db::unix_now())?;
            Ok(answer)
        },
    )
    .await
}

/// The target of a read (state, logs): decided, not audited.
async fn read_target(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ServiceId,
    action: Action,
) -> Result<(Target, Service), AppError> {
    db::run(pool, move |connection| service_target(connection, &state, &current, id, action)).await
}

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
    let answer = state_of(current, state, &pool, ServiceId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The unit's live state (policy `ServiceState`; a read, not audited). The
/// API and the web pages read it here.
pub(crate) async fn state_of(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ServiceId,
) -> Result<ServiceState, AppError> {
    let (target, service) = read_target(current, state, pool, id, Action::ServiceState).await?;
    Ok(target.client.service_state(&target.caller, target.instance(), &service.unit).await?)
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
    let answer = logs_of(current, state, &pool, ServiceId(path.into_inner()), query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The unit's journal (policy `ServiceLogs`; a read, not audited); a bad
/// `lines` or `since` is refused before the agent is asked. The API and
/// the web pages read it here.
pub(crate) async fn logs_of(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ServiceId,
    query: ServiceLogsQuery,
) -> Result<ServiceLogsAnswer, AppError> {
    if query.lines.is_some_and(|lines| !(1..=smp_proto::api::MAX_LOG_LINES).contains(&lines)) {
        return Err(AppError::invalid_input(format!("lines must be 1-{}", smp_proto::api::MAX_LOG_LINES)));
    }
    if let Some(since) = &query.since {
        smp_proto::api::journal_since(since).map_err(AppError::invalid_input)?;
    }
    let (target, service) = read_target(current, state, pool, id, Action::ServiceLogs).await?;
    Ok(target.client.service_logs(&target.caller, target.instance(), &service.unit, &query).await?)
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
    let answer = units_of(current, state, &pool, ContainerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The container's units (policy `ServiceCreate` on the container: who may
/// manage its units may list them). The API and the web pages list them here.
pub(crate) async fn units_of(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<ServiceList, AppError> {
    let target = db::run(pool, move |connection| {
        let container = super::containers::load_allowed(connection, &current, id, Action::ServiceCreate)?;
        Target::of(connection, &state, &current, &container)
    })
    .await?;
    Ok(target.client.services(&target.caller, target.instance()).await?)
}
