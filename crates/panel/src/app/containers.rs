//! Containers as the policy lets the caller see them (one, or a list),
//! owner and parent assignment, and the actions sent to the machine's agent
//! with one token per call: start, stop, restart and exec (audited), state
//! and logs (reads). The JSON API and the pages call these alike.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use smp_proto::action::Action as AgentAction;
use smp_proto::api::{ContainerState, ExecAnswer, ExecRequest, LifecycleAnswer, LogsAnswer, LogsQuery, StopRequest};
use utoipa::ToSchema;

use crate::agents::{AgentClient, Caller, Instance};
use crate::app::audited::{AuditEntry, audited, audited_call};
use crate::app::{Context, CurrentUser};
use crate::db::containers::{self, Container, ContainerId, ListFilter};
use crate::db::machines::{self, MachineId};
use crate::db::users::{self, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Decision, ListCandidates, Object};
use crate::texts;

/// A container as the API shows it: the row itself, which serializes to
/// PANEL.md's fields (and more) and carries their schema (`Container`).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ContainerView(Container);

impl ContainerView {
    /// The row itself (the SSH member shell reads its fields).
    pub fn into_container(self) -> Container {
        self.0
    }
}

impl From<Container> for ContainerView {
    fn from(container: Container) -> ContainerView {
        ContainerView(container)
    }
}

impl utoipa::PartialSchema for ContainerView {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        Container::schema()
    }
}

impl ToSchema for ContainerView {
    fn name() -> std::borrow::Cow<'static, str> {
        Container::name()
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        Container::schemas(schemas);
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
pub fn load_allowed(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ContainerId,
    action: Action,
) -> Result<Container, AppError> {
    load_allowed_for(connection, current, id, &[action])
}

/// `load_allowed` for every one of `actions` (none: the container is loaded
/// and decided for nothing, so a missing one is still a 404).
pub fn load_allowed_for(
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

/// One container, if the policy lets `current` view it (a hidden one is the
/// same 404 as a missing one). The API and the pages show it from here.
pub async fn view_container(current: CurrentUser, pool: &DbPool, id: ContainerId) -> Result<Container, AppError> {
    db::run(pool, move |connection| load_allowed(connection, &current, id, Action::ContainerView)).await
}

/// What a list of containers is narrowed to; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct ContainerFilter {
    /// Only this machine's containers.
    pub machine_id: Option<i64>,
    /// Only this user's (a username; one nobody has selects nothing).
    pub owner: Option<String>,
    /// Only those with this status, as last seen.
    pub status: Option<String>,
    /// Leave out the containers that are gone.
    pub live_only: bool,
}

/// The most containers one page of a list holds, and how many when the
/// caller does not say.
pub const MAX_PAGE: u32 = 1000;
pub const DEFAULT_PAGE: u32 = 100;

/// Which page of a list: those after the id `after` (the previous page's
/// `next`), `limit` of them at most.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRequest {
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A page of containers the policy lets `current` see that `filter`
/// selects, by id, and the `next` page's `after` when more follow. Only the
/// page's rows (and their ancestors, for the owner chains the policy
/// decides on) are read, so the first page of 10 000 costs what any page does.
pub async fn list_containers(
    current: CurrentUser,
    pool: &DbPool,
    filter: ContainerFilter,
    page: PageRequest,
) -> Result<(Vec<ContainerView>, Option<i64>), AppError> {
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid("error-containers-page-limit", &[("max", texts::text(MAX_PAGE))]));
    }
    let ContainerFilter { machine_id, owner, status, live_only } = filter;
    db::run(pool, move |connection| {
        let owner_id = match owner {
            Some(name) => match Username::parse(&name).ok().map(|name| users::find_by_username(connection, &name)) {
                Some(found) => match found? {
                    Some(user) => Some(user.id.0),
                    None => return Ok((Vec::new(), None)),
                },
                None => return Ok((Vec::new(), None)),
            },
            None => None,
        };
        let filter = ListFilter { machine_id, owner_id, status, live_only };
        let candidates = match policy::container_candidates(&current.actor()) {
            ListCandidates::All => None,
            ListCandidates::TreesOf(owner) => Some(containers::tree_ids_of(connection, owner)?),
        };
        let after = page.after.unwrap_or(0);
        let (rows, more) = containers::page(connection, candidates.as_deref(), &filter, after, i64::from(limit))?;
        let next = if more { rows.last().map(|row| row.id) } else { None };
        let chains = containers::ancestor_links(connection, &rows)?;
        let items = viewable(&current, rows, &chains).map(ContainerView::from).collect();
        Ok::<_, AppError>((items, next))
    })
    .await
}

/// Every page of `list_containers`, followed to the end (the member
/// shell's `list`; the admin CLI's `container list`).
pub async fn list_all_containers(
    current: &CurrentUser,
    pool: &DbPool,
    filter: &ContainerFilter,
) -> Result<Vec<ContainerView>, AppError> {
    let mut all = Vec::new();
    let mut page = PageRequest { after: None, limit: Some(MAX_PAGE) };
    loop {
        let (items, next) = list_containers(current.clone(), pool, filter.clone(), page).await?;
        all.extend(items);
        match next {
            Some(after) => page.after = Some(after),
            None => return Ok(all),
        }
    }
}

/// Every container `current` may see that `filter` selects, by id. The
/// policy names the candidates (`policy::container_candidates`: all rows for
/// admins, the trees she owns for a member); it then decides on each row,
/// with owner chains from every candidate, and the filter applies last (it
/// must not cut the chain that makes a row visible).
pub fn visible(
    connection: &mut DbConnection,
    current: &CurrentUser,
    filter: &ListFilter,
) -> Result<Vec<Container>, AppError> {
    let candidates = match policy::container_candidates(&current.actor()) {
        ListCandidates::All => None,
        ListCandidates::TreesOf(owner) => Some(containers::tree_ids_of(connection, owner)?),
    };
    visible_among(connection, current, candidates.as_deref(), filter)
}

/// `visible`, starting from the containers `candidates` names (every
/// container if `None`) instead of the policy's candidates: the dashboard
/// starts from the trees the user owns, whatever her role.
pub fn visible_among(
    connection: &mut DbConnection,
    current: &CurrentUser,
    candidates: Option<&[i64]>,
    filter: &ListFilter,
) -> Result<Vec<Container>, AppError> {
    let rows = containers::list(connection, candidates)?;
    let chains = containers::OwnerChains::of(&rows);
    Ok(viewable(current, rows, &chains).filter(|row| filter.matches(row)).collect())
}

/// The `rows` the policy lets `current` view, each decided on its owner
/// chain (`chains` knows the links of the rows and of their ancestors).
fn viewable<'a>(
    current: &CurrentUser,
    rows: Vec<Container>,
    chains: &'a containers::OwnerChains,
) -> impl Iterator<Item = Container> + 'a {
    let actor = current.actor();
    rows.into_iter().filter(move |row| {
        let owners = chains.chain(row);
        policy::decide(&actor, Action::ContainerView, &Object::Container { owners: &owners, in_quota: row.in_quota })
            == Decision::Allow
    })
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
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
pub async fn assign_container(
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
            return Err(AppError::invalid("error-containers-assign-nothing", &[]));
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

/// The account named `name`, for a container's owner.
pub fn user_named(connection: &mut DbConnection, name: &str) -> Result<UserId, AppError> {
    let unknown = || AppError::invalid("error-containers-owner-unknown", &[("name", texts::text(format!("{name:?}")))]);
    let username = Username::parse(name).map_err(|_| unknown())?;
    Ok(users::find_by_username(connection, &username)?.ok_or_else(unknown)?.id)
}

/// A parent must exist, not be gone, and not be the container or one of its descendants.
fn check_parent(connection: &mut DbConnection, id: ContainerId, parent: ContainerId) -> Result<(), AppError> {
    let row = containers::get(connection, parent)?
        .filter(|row| !row.is_gone())
        .ok_or_else(|| AppError::invalid("error-containers-parent-not-live", &[("id", texts::text(parent))]))?;
    let mut next = Some(row.id);
    let mut depth = 1;
    while let Some(current) = next {
        if current == id.0 {
            return Err(AppError::invalid("error-containers-own-ancestor", &[]));
        }
        depth += 1;
        if depth > containers::MAX_DEPTH {
            return Err(AppError::invalid(
                "error-containers-too-deep",
                &[("depth", texts::text(containers::MAX_DEPTH))],
            ));
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
        context: &Context,
        current: &CurrentUser,
        container: &Container,
    ) -> Result<Target, AppError> {
        Target::check_actionable(container)?;
        let machine = machines::get(connection, MachineId(container.machine_id))
            .map_err(AppError::internal)?
            .ok_or_else(|| AppError::internal("a container's machine row is missing"))?;
        let client = context.agents.client(&machine)?;
        let caller = current.agent_caller(&context.agent_calls)?;
        Ok(Target { client, name: container.name.clone(), uuid: container.uuid.clone(), caller })
    }

    /// A container that can be acted on: not gone, not still being created.
    pub(crate) fn check_actionable(container: &Container) -> Result<(), AppError> {
        if container.is_gone() {
            return Err(AppError::said(
                ErrorCode::Conflict,
                "error-containers-gone-from-machine",
                &[("name", texts::text(&container.name)), ("machine", texts::text(&container.machine))],
            ));
        }
        if container.status == containers::STATUS_CREATING {
            return Err(AppError::said(
                ErrorCode::Conflict,
                "error-containers-creating-try-later",
                &[("name", texts::text(&container.name))],
            ));
        }
        Ok(())
    }

    /// Its LXD uuid, once known.
    pub(crate) fn uuid(&self) -> Option<&str> {
        self.uuid.as_deref()
    }

    /// The container as the token names it: LXD name and uuid.
    pub(crate) fn instance(&self) -> Instance<'_> {
        Instance { name: &self.name, uuid: self.uuid.as_deref() }
    }
}

/// Loads the container, asks the policy, and builds the agent client.
fn target(
    connection: &mut DbConnection,
    context: &Context,
    current: &CurrentUser,
    id: ContainerId,
    action: Action,
    entry: Option<&mut AuditEntry>,
) -> Result<Target, AppError> {
    let container = load_allowed(connection, current, id, action)?;
    if let Some(entry) = entry {
        entry.machine = Some(container.machine.clone());
    }
    Target::of(connection, context, current, &container)
}

/// The target of a read (state, logs, a container's units): decided for
/// `action`, not audited.
pub(crate) async fn read_target(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    action: Action,
) -> Result<Target, AppError> {
    db::run(pool, move |connection| target(connection, &context, &current, id, action, None)).await
}

/// A start/stop/restart/exec: audited with a `started` row before the agent
/// is called and the outcome after; a lifecycle answer's status is stored
/// with the outcome row. `request` reads the body after the policy has
/// allowed the action (a bad body is then refused and audited like the rest).
#[allow(clippy::too_many_arguments)]
async fn act<Q, R, P, A, Fut>(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
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
        pool,
        entry,
        move |connection, entry| {
            let target = target(connection, &context, &current, id, action, Some(&mut *entry))?;
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

/// Start, stop or restart (`action`) through the agent, audited; `request`
/// reads the stop request once the policy allowed it (ignored by start).
/// The API and the web pages act here.
pub async fn lifecycle(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    action: Action,
    request: impl FnOnce() -> Result<StopRequest, AppError> + Send + 'static,
) -> Result<LifecycleAnswer, AppError> {
    act(
        current,
        context,
        pool,
        id,
        action,
        |_| request(),
        move |target, request| async move {
            let client = &target.client;
            let answer = match action {
                Action::ContainerStart => client.start(&target.caller, target.instance()).await?,
                _ => {
                    let stop_or_restart =
                        if action == Action::ContainerStop { AgentAction::Stop } else { AgentAction::Restart };
                    client.stop_or_restart(&target.caller, stop_or_restart, target.instance(), &request).await?
                }
            };
            Ok(answer)
        },
        lifecycle_status,
    )
    .await
}

/// Runs a program in the container through the agent, audited (`started`,
/// then the outcome); `read` reads the request once the policy
/// (`ContainerExec`) allowed it, and an empty command is refused. The API
/// and the web pages exec here.
pub async fn exec_in(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    read: impl FnOnce() -> Result<ExecRequest, AppError> + Send + 'static,
) -> Result<ExecAnswer, AppError> {
    act(
        current,
        context,
        pool,
        id,
        Action::ContainerExec,
        move |entry| {
            let request = read()?;
            if request.command.is_empty() {
                return Err(AppError::invalid("error-containers-exec-command", &[]));
            }
            entry.set_detail(serde_json::to_string(&request.command).map_err(AppError::internal)?);
            Ok(request)
        },
        |target, request| async move { Ok(target.client.exec(&target.caller, target.instance(), &request).await?) },
        |_| None,
    )
    .await
}

/// The container's live state from its agent (policy `ContainerState`; a
/// read, not audited). The API and the web pages read it here.
pub async fn state_of(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<ContainerState, AppError> {
    let target = read_target(current, context, pool, id, Action::ContainerState).await?;
    Ok(target.client.state(&target.caller, target.instance()).await?)
}

/// Refuses a count of log lines outside 1 to `MAX_LOG_LINES`, before an agent is asked.
pub(crate) fn check_log_lines(lines: Option<u32>) -> Result<(), AppError> {
    if lines.is_some_and(|lines| !(1..=smp_proto::api::MAX_LOG_LINES).contains(&lines)) {
        let max = texts::text(smp_proto::api::MAX_LOG_LINES);
        return Err(AppError::invalid("error-containers-log-lines", &[("max", max)]));
    }
    Ok(())
}

/// The container's last log lines from its agent (policy `ContainerLogs`;
/// a read, not audited); a bad `lines` is refused first. The API and the
/// web pages read them here.
pub async fn logs_of(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    query: LogsQuery,
) -> Result<LogsAnswer, AppError> {
    check_log_lines(query.lines)?;
    let target = read_target(current, context, pool, id, Action::ContainerLogs).await?;
    Ok(target.client.logs(&target.caller, target.instance(), &query).await?)
}
