//! Services: systemd units inside containers as panel objects. Admins and
//! container owners create them (the unit must exist in the container,
//! asked of its agent), give them a service owner, and delete them; service
//! owners, the container's owners and admins start, stop and restart them
//! and read their state and journal, each call sent to the machine's agent
//! with one token bound to the container and the unit.
//!
//! A service owner sees her service and the name of the container it runs
//! on, nothing else of that container: every decision here is
//! `policy::Object::Service`, never the container's.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smp_proto::action::Action as AgentAction;
use smp_proto::api::{ServiceActionAnswer, ServiceList, ServiceLogsAnswer, ServiceLogsQuery, ServiceState};
use smp_proto::error::ErrorCode as AgentCode;
use smp_proto::names::UnitName;
use utoipa::ToSchema;

use super::containers::{Target, check_log_lines, present, read_target};
use crate::agents::AgentCallError;
use crate::app::audited::{audited, audited_call};
use crate::app::{Context, CurrentUser};
use crate::db::containers::{self, ContainerId};
use crate::db::services::{self, Candidates, NewService, Service, ServiceError, ServiceId};
use crate::db::users::{self, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Actor, Decision, ListCandidates, Object};
use crate::texts;

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
pub fn load_allowed(
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
    current.decide_found(action, service, |service| Object::Service {
        owner: service.owner_id,
        container_owners: &container_owners,
    })
}

/// One service, if the policy lets `current` view it (a hidden one is the
/// same 404 as a missing one). The API and the pages show it from here.
pub async fn view_service(current: CurrentUser, pool: &DbPool, id: ServiceId) -> Result<Service, AppError> {
    db::run(pool, move |connection| load_allowed(connection, &current, id, Action::ServiceView)).await
}

/// Every service `current` may see among `candidates`, by id. Without
/// candidates the policy names them (`policy::service_candidates`: all
/// services for admins; for a member those she owns and those on the
/// container trees she owns); the policy then decides on each row.
pub fn visible(
    connection: &mut DbConnection,
    current: &CurrentUser,
    candidates: Option<Candidates<'_>>,
) -> Result<Vec<Service>, AppError> {
    let rows = match candidates {
        Some(candidates) => services::list(connection, candidates)?,
        None => match policy::service_candidates(&current.actor()) {
            ListCandidates::All => services::list(connection, Candidates::All)?,
            ListCandidates::TreesOf(owner) => {
                let trees = containers::tree_ids_of(connection, owner)?;
                services::list(connection, Candidates::OwnedOrOn { owner, containers: &trees })?
            }
        },
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
        if policy::decide(&actor, Action::ServiceView, &object) == Decision::Allow {
            shown.push(row);
        }
    }
    Ok(shown)
}

/// Every service `current` may see (on `container` only, if given), by id.
pub async fn list_services(
    current: CurrentUser,
    pool: &DbPool,
    container: Option<ContainerId>,
) -> Result<Vec<ServiceView>, AppError> {
    db::run(pool, move |connection| {
        let candidates = container.map(Candidates::OnContainer);
        Ok::<_, AppError>(visible(connection, &current, candidates)?.into_iter().map(ServiceView::from).collect())
    })
    .await
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
pub(crate) fn checked_description(description: &str) -> Result<&str, AppError> {
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION || description.chars().any(char::is_control) {
        return Err(AppError::invalid("error-services-description-invalid", &[("max", texts::text(MAX_DESCRIPTION))]));
    }
    Ok(description)
}

/// Creates a service, audited: the policy (`ServiceCreate` on the
/// container), the name and the owner are checked first, then the agent is
/// asked whether the unit exists, then the row is written. `read` reads the
/// request inside the audited work. The API and the web pages create here.
pub async fn create_service(
    current: CurrentUser,
    context: Arc<Context>,
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
            let unit = UnitName::parse(request.unit.trim())?;
            let owner_id = match &request.owner {
                Some(name) => Some(service_owner_named(connection, &current, name)?.0),
                None => None,
            };
            let description = request.description.as_deref().map(checked_description).transpose()?.map(str::to_owned);
            if services::exists(connection, container, unit.as_str())? {
                return Err(duplicate(&unit, &row.name));
            }
            let target = Target::of(connection, &context, &current, &row)?;
            Ok(Checked { target, container, unit, owner_id, description })
        },
        |checked| async move {
            let Checked { target, unit, .. } = &checked;
            let state = target.client.service_state(&target.caller, target.instance(), unit.as_str()).await;
            match state {
                Ok(state) if state.load_state != "not-found" => Ok((checked, state)),
                Ok(_) | Err(AgentCallError::Agent { code: AgentCode::UnitNotFound, .. }) => {
                    let args = [("container", texts::text(&target.name)), ("unit", texts::text(unit))];
                    Err(AppError::invalid("error-services-no-such-unit", &args))
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
                ServiceError::Query(error) => AppError::from(error),
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
    if let Some(user) = found
        && policy::may_name_service_owner(&caller, &Actor::from(&user)) == Decision::Allow
    {
        return Ok(user.id);
    }
    if policy::sees_every_account(&caller) {
        return Err(AppError::invalid("error-services-owner-unknown", &[("name", texts::text(format!("{name:?}")))]));
    }
    Err(AppError::invalid("error-services-owner-not-allowed", &[]))
}

fn duplicate(unit: &UnitName, container: &str) -> AppError {
    let args = [("container", texts::text(container)), ("unit", texts::text(unit))];
    AppError::said(ErrorCode::Conflict, "error-services-duplicate", &args)
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

/// Sets a service's owner and/or description, audited (`ServiceUpdate`).
/// The API and the web pages update here.
pub async fn update_service(
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
            return Err(AppError::invalid("error-services-patch-empty", &[]));
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

/// Deletes the service row, audited (`ServiceDelete`). The API and the web pages delete here.
pub async fn delete_service(current: CurrentUser, pool: &DbPool, id: ServiceId) -> Result<(), AppError> {
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
    context: &Context,
    current: &CurrentUser,
    id: ServiceId,
    action: Action,
) -> Result<(Target, Service), AppError> {
    let service = load_allowed(connection, current, id, action)?;
    let container = containers::get(connection, service.container_id())?
        .ok_or_else(|| AppError::internal("a service's container row is missing"))?;
    Ok((Target::of(connection, context, current, &container)?, service))
}

/// Start, stop or restart (`action`) the service through its agent, audited
/// with a `started` row before the call and the outcome (with the unit's new
/// status) after. The API and the web pages act here.
pub async fn service_action(
    current: CurrentUser,
    context: Arc<Context>,
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
            let (target, service) = service_target(connection, &context, &current, id, action)?;
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
async fn read_service_target(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ServiceId,
    action: Action,
) -> Result<(Target, Service), AppError> {
    db::run(pool, move |connection| service_target(connection, &context, &current, id, action)).await
}

/// The unit's live state (policy `ServiceState`; a read, not audited). The
/// API and the web pages read it here.
pub async fn state_of(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ServiceId,
) -> Result<ServiceState, AppError> {
    let (target, service) = read_service_target(current, context, pool, id, Action::ServiceState).await?;
    Ok(target.client.service_state(&target.caller, target.instance(), &service.unit).await?)
}

/// The unit's journal (policy `ServiceLogs`; a read, not audited); a bad
/// `lines` or `since` is refused before the agent is asked. The API and
/// the web pages read it here.
pub async fn logs_of(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ServiceId,
    query: ServiceLogsQuery,
) -> Result<ServiceLogsAnswer, AppError> {
    check_log_lines(query.lines)?;
    if let Some(since) = &query.since {
        smp_proto::api::journal_since(since).map_err(AppError::invalid_input)?;
    }
    let (target, service) = read_service_target(current, context, pool, id, Action::ServiceLogs).await?;
    Ok(target.client.service_logs(&target.caller, target.instance(), &service.unit, &query).await?)
}

/// The container's units (policy `ServiceCreate` on the container: who may
/// manage its units may list them). The API and the web pages list them here.
pub async fn units_of(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<ServiceList, AppError> {
    let target = read_target(current, context, pool, id, Action::ServiceCreate).await?;
    Ok(target.client.services(&target.caller, target.instance()).await?)
}
