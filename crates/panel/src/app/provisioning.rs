//! Sub-containers: creating a container (members within their quota, admins
//! any container for anyone), deleting one, changing its autostart and
//! limits (or, through `containers::assign_container`, who it belongs to),
//! and the images a machine offers.
//!
//! A creation is a reservation first: in one transaction the member's user
//! row is locked, her usage read and checked against her quotas, and a
//! `creating` row written with the limits it takes, beside the audit row
//! `started`. The answer goes out then; the agent's `create` runs in the
//! background, and its outcome becomes the row's status, or `failed` with
//! the reason (the row is then gone and no longer counts).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use smp_proto::api::{CreateRequest, ImageList, UpdateRequest};
use smp_proto::config_policy::{self, FORBIDDEN_BODY_FIELDS};
use smp_proto::names::InstanceName;
use utoipa::ToSchema;

use super::containers::{Assign, Target, assign_container, load_allowed, load_allowed_for, user_named};
use crate::agents::{AgentCallError, Caller};
use crate::app::audited::{AuditEntry, audited_call, audited_finish, audited_start, refused};
use crate::app::{Context, CurrentUser};
use crate::db::containers::{self, Container, ContainerId, Limits, Reservation};
use crate::db::machines::{self, Machine, MachineId};
use crate::db::networks;
use crate::db::quotas;
use crate::db::services;
use crate::db::users::UserId;
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Object};
use crate::texts;

/// Body of `POST /api/v1/containers`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContainer {
    /// The LXD name: 1-63 letters, digits and `-`, starting with a letter, not ending with `-`.
    #[schema(pattern = "^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    pub name: String,
    /// Where to create it. Left out: the parent's machine, else the machine
    /// with the fewest containers among those where it fits the quota.
    #[serde(default)]
    pub machine_id: Option<i64>,
    /// An image alias of the machine (`GET /api/v1/machines/{id}/images`):
    /// 1-255 letters, digits, `-`, `_`, `.`, `/`, not starting with `.`, `/` or `-`.
    #[schema(pattern = "^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$")]
    pub image: String,
    /// Members: each left out takes the panel's `default_limits`; the
    /// limits count against the creator's quota.
    #[serde(default)]
    pub limits: Option<Limits>,
    /// The container it belongs to (the caller must own its tree).
    #[serde(default)]
    pub parent: Option<i64>,
    /// Start it with its machine (`boot.autostart`); default false.
    #[serde(default)]
    pub autostart: bool,
    /// Start it once made; default true.
    #[serde(default = "yes")]
    pub start: bool,
    /// Admins: whose it is (default: the creator's). Not counted against a quota.
    #[serde(default)]
    pub owner: Option<String>,
    /// LXD profiles; default `["default"]` (members: the agent's `member_profiles`).
    #[serde(default)]
    pub profiles: Option<Vec<String>>,
    /// Instance configuration: members only the agent's whitelist, less the
    /// keys `limits` and `autostart` set; admins any key.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// Keys a member sets through `limits` and `autostart` only, so that what
/// she takes is what her quota counts.
const BUDGETED_KEYS: [(&str, &str); 3] =
    [("limits.cpu", "limits.cpu"), ("limits.memory", "limits.memory_mb"), ("boot.autostart", "autostart")];

/// Reads a creation from its JSON body: a `devices` or `source` field is
/// `forbidden_config` (what an attempt to reach the host looks like), any
/// other unknown field `invalid_input`.
pub fn parse_new_container(value: serde_json::Value) -> Result<NewContainer, AppError> {
    if let Some(object) = value.as_object() {
        for (field, reason) in FORBIDDEN_BODY_FIELDS {
            if object.contains_key(field) {
                return Err(AppError::said(
                    ErrorCode::ForbiddenConfig,
                    "error-containers-body-field-forbidden",
                    &[("field", texts::text(field)), ("reason", texts::text(reason))],
                ));
            }
        }
    }
    serde_json::from_value(value)
        .map_err(|error| AppError::invalid("error-containers-invalid-json", &[("detail", texts::text(error))]))
}

/// What the background creation needs.
struct Planned {
    id: ContainerId,
    machine: Machine,
    request: CreateRequest,
    caller: Caller,
}

/// Checks a creation and reserves it (see the module note), inside the
/// transaction of the `started` row.
fn reserve(
    connection: &mut DbConnection,
    entry: &mut AuditEntry,
    current: &CurrentUser,
    context: &Context,
    new: NewContainer,
) -> Result<Planned, AppError> {
    let actor = current.actor();
    let any = policy::exempt_from_quotas(&actor);
    let name = InstanceName::parse(&new.name)?;
    config_policy::check_image_alias(&new.image)?;
    let parent = match new.parent {
        Some(parent) => Some(parent_row(connection, current, ContainerId(parent))?),
        None => {
            current.decide(Action::ContainerCreate, &Object::Nothing)?;
            None
        }
    };
    let owner = match &new.owner {
        Some(owner) if *owner != current.user.username.as_str() => {
            current.decide(Action::ContainerCreateAny, &Object::Nothing)?;
            user_named(connection, owner)?
        }
        _ => current.user.id,
    };
    let tier = policy::agent_tier(&actor);
    config_policy::check_config(&new.config, config_policy::Grant::tier(tier))?;
    if !any && let Some((key, field)) = BUDGETED_KEYS.iter().find(|(key, _)| new.config.contains_key(*key)) {
        return Err(AppError::said(
            ErrorCode::ForbiddenConfig,
            "error-containers-budgeted-key",
            &[("key", texts::text(key)), ("field", texts::text(field))],
        ));
    }
    if !any && let Some(key) = new.config.keys().find(|key| key.starts_with("snapshots.")) {
        return Err(AppError::said(
            ErrorCode::ForbiddenConfig,
            "error-snapshots-key-by-schedule",
            &[("key", texts::text(key))],
        ));
    }
    let limits = new.limits.unwrap_or_default();
    limits.validate()?;
    for (key, _) in BUDGETED_KEYS {
        let from_field = match key {
            "limits.cpu" => limits.cpu.is_some(),
            "limits.memory" => limits.memory_mb.is_some(),
            _ => false,
        };
        if from_field && new.config.contains_key(key) {
            return Err(AppError::invalid("error-containers-key-given-twice", &[("key", texts::text(key))]));
        }
    }
    // Members' sub-containers always carry every limit, so all they take is counted.
    let limits = if any { limits } else { limits.or(context.default_limits) };
    let machine = place(connection, current, context, &new, parent.as_ref(), owner, any, &limits)?;
    entry.machine = Some(machine.name.to_string());
    let reservation = Reservation {
        machine: machine.id,
        name: name.as_str(),
        owner: Some(owner.0),
        parent: parent.as_ref().map(Container::id),
        in_quota: !any,
        limits,
        autostart: new.autostart,
        image: &new.image,
    };
    let id = containers::reserve(connection, &reservation, db::unix_now())?.ok_or_else(|| {
        AppError::said(
            ErrorCode::AlreadyExists,
            "error-containers-name-taken-on-machine",
            &[("name", texts::text(name.as_str())), ("machine", texts::text(&machine.name))],
        )
    })?;
    entry.object = format!("container:{id}");
    let mut config = new.config;
    config.extend(limits.config());
    config.insert("boot.autostart".to_owned(), new.autostart.to_string());
    let request = CreateRequest {
        name: name.as_str().to_owned(),
        image: new.image,
        profiles: new.profiles.unwrap_or_else(|| vec!["default".to_owned()]),
        config,
        disk_mb: limits.disk_mb.map(|mb| mb as u64),
        start: new.start,
    };
    let caller = current.agent_caller(&context.agent_calls)?;
    Ok(Planned { id, machine, request, caller })
}

/// The parent of a new container: live, and one the caller may create
/// under (a parent she may not see is the same error as a missing one).
fn parent_row(connection: &mut DbConnection, current: &CurrentUser, id: ContainerId) -> Result<Container, AppError> {
    let missing = || AppError::invalid("error-containers-parent-missing", &[("id", texts::text(id))]);
    let row = match load_allowed(connection, current, id, Action::ContainerCreate) {
        Ok(row) => row,
        Err(error) if error.code == ErrorCode::NotFound => return Err(missing()),
        Err(error) => return Err(error),
    };
    if row.is_gone() {
        return Err(AppError::invalid("error-containers-parent-gone", &[("name", texts::text(&row.name))]));
    }
    Ok(row)
}

/// The machine of a new container, checked against the quota of `owner`
/// when it counts (`!any`): the one asked for, else the parent's, else the
/// machine with the fewest live containers among those where it fits.
#[allow(clippy::too_many_arguments)]
fn place(
    connection: &mut DbConnection,
    current: &CurrentUser,
    context: &Context,
    new: &NewContainer,
    parent: Option<&Container>,
    owner: UserId,
    any: bool,
    limits: &Limits,
) -> Result<Machine, AppError> {
    let fits = |connection: &mut DbConnection, machine: &Machine| -> Result<Result<(), AppError>, AppError> {
        if any {
            return Ok(Ok(()));
        }
        let checked = quotas::reserve_check(connection, owner, machine.id, 1, limits, None, &context.default_quota)?;
        Ok(checked.map_err(AppError::from))
    };
    let chosen = new.machine_id.map(MachineId).or(parent.map(|parent| MachineId(parent.machine_id)));
    if let Some(id) = chosen {
        let machine = machines::get(connection, id)
            .map_err(AppError::internal)?
            .ok_or_else(|| AppError::invalid("error-containers-machine-missing", &[("id", texts::text(id))]))?;
        current.decide(Action::MachinePlace, &Object::Machine)?;
        fits(connection, &machine)??;
        return Ok(machine);
    }
    current.decide(Action::MachinePlace, &Object::Machine)?;
    let counts = containers::live_count_by_machine(connection)?;
    let mut candidates = machines::list(connection).map_err(AppError::internal)?;
    if candidates.is_empty() {
        return Err(AppError::invalid("error-containers-no-machine", &[]));
    }
    candidates.sort_by_key(|machine| {
        (machine.status != machines::STATUS_ONLINE, counts.get(&machine.id.0).copied().unwrap_or(0), machine.id.0)
    });
    let mut first_refusal = None;
    for machine in candidates {
        match fits(connection, &machine)? {
            Ok(()) => return Ok(machine),
            Err(refusal) => {
                first_refusal.get_or_insert(refusal);
            }
        }
    }
    Err(first_refusal.unwrap_or_else(|| AppError::internal("no candidate machine and no refusal")))
}

/// Reserves a container (audited `started`) and has its agent make it in
/// the background; answers the reserved row. The API and the web pages
/// create here.
pub async fn create_container(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    read: impl FnOnce() -> Result<NewContainer, AppError> + Send + 'static,
) -> Result<Container, AppError> {
    let entry = current.audit("container:new");
    let reserving = context.clone();
    let (planned, entry) = audited_start(pool, entry, move |connection, entry| {
        let new = read()?;
        reserve(connection, entry, &current, &reserving, new)
    })
    .await?;
    let id = planned.id;
    let reserved = db::run(pool, move |connection| Ok::<_, AppError>(containers::get(connection, id)?))
        .await?
        .ok_or_else(|| AppError::internal(format!("the reserved container {id} vanished")))?;
    tokio::task::spawn_local(make(context, pool.clone(), entry, planned));
    Ok(reserved)
}

/// The background half of a creation: the agent's `create`, then the
/// row's status (or `failed` and why) with the audit outcome; then a sync
/// of the machine for the new container's addresses.
async fn make(context: Arc<Context>, pool: DbPool, entry: AuditEntry, planned: Planned) {
    let Planned { id, machine, request, caller } = planned;
    let result = match context.agents.client(&machine) {
        Ok(client) => client.create(&caller, &request).await.map_err(AppError::from),
        Err(error) => Err(AppError::from(error)),
    };
    let created = result.is_ok();
    let outcome_unknown = result.as_ref().is_err_and(|error| error.outcome_unknown);
    let recorded = audited_finish(&pool, entry, result, move |connection, _, answer| {
        if let Some(uuid) = &answer.uuid {
            containers::set_uuid(connection, id, uuid)?;
        }
        containers::set_status(connection, id, answer.status.as_str(), db::unix_now())?;
        Ok(())
    })
    .await;
    if outcome_unknown {
        // LXD may have made it: the row stays `creating` until the sync
        // reads LXD's list (`db::in_flight::settle_orphans`).
        return;
    }
    if let Err(error) = recorded {
        // The reservation is given back: the row is gone and says why.
        let reason = error.message.to_string();
        let failed = db::run(&pool, move |connection| {
            Ok::<_, AppError>(containers::fail_creation(connection, id, &reason, db::unix_now())?)
        })
        .await;
        if let Err(error) = failed {
            tracing::error!(%error, container = id.0, "a failed creation could not be recorded");
        }
    }
    if created && let Err(error) = context.agents.sync_machine_once(machine.id).await {
        tracing::warn!(%error, machine = %machine.name, "the sync after a creation failed");
    }
}

/// Deletes a container through its agent, audited; refused while it has
/// live children or is still being created. LXD no longer having it counts
/// as deleted. Its services follow it (`gone`). The API and the web pages delete here.
pub async fn delete_container(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<Container, AppError> {
    audited_call(
        pool,
        current.audit(format!("container:{id}")),
        move |connection, entry| {
            let container = load_allowed(connection, &current, id, Action::ContainerDelete)?;
            entry.machine = Some(container.machine.clone());
            if container.status == containers::STATUS_CREATING {
                return Err(AppError::said(
                    ErrorCode::Conflict,
                    "error-containers-delete-while-creating",
                    &[("name", texts::text(&container.name))],
                ));
            }
            let children = containers::live_children(connection, id)?;
            if !children.is_empty() {
                let children = children.into_iter().map(|(_, name)| name).collect::<Vec<_>>().join(", ");
                return Err(AppError::said(
                    ErrorCode::HasChildren,
                    "error-containers-has-children",
                    &[("name", texts::text(&container.name)), ("children", texts::text(children))],
                ));
            }
            let forwarded: std::collections::BTreeSet<String> =
                networks::forwards_of(connection, id)?.into_iter().map(|row| row.network).collect();
            Ok((Target::of(connection, &context, &current, &container)?, forwarded))
        },
        |(target, forwarded)| async move {
            // Its forwards first: LXD keeps a network forward to an address
            // whose instance is gone, and a later container may get it.
            for network in forwarded {
                let empty = smp_proto::network::ForwardsRequest { network, forwards: Vec::new() };
                if let Err(error) = target.client.set_forwards(&target.caller, target.instance(), &empty).await {
                    tracing::warn!(%error, container = id.0, "the forwards of a container being deleted stay in LXD");
                }
            }
            match target.client.delete(&target.caller, target.instance()).await {
                Ok(_) => Ok(()),
                Err(AgentCallError::Agent { status: 404, .. }) => Ok(()),
                Err(error) => Err(AppError::from(error)),
            }
        },
        move |connection, _, ()| {
            let now = db::unix_now();
            let container = containers::get(connection, id)?.ok_or_else(AppError::not_found)?;
            containers::mark_deleted(connection, id, now)?;
            // Its ports and addresses are free again (LXD's forwards to it
            // are the agent's to remove with the instance).
            networks::forget_container(connection, id)?;
            services::follow_container(
                connection,
                container.machine_id,
                &container.name,
                containers::STATUS_GONE,
                now,
            )?;
            containers::get(connection, id)?.ok_or_else(AppError::not_found)
        },
    )
    .await
}

/// Body of `PATCH /api/v1/containers/{id}`: who it belongs to (admins), or
/// its autostart and limits (its owners; limits of a sub-container within
/// the quota). One kind of change per request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerPatch {
    /// Admins: a username, or null for no owner.
    #[serde(default, deserialize_with = "super::containers::present")]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Option<String>>,
    /// Admins: a container id, or null for none.
    #[serde(default, deserialize_with = "super::containers::present")]
    #[schema(value_type = Option<i64>)]
    pub parent: Option<Option<i64>>,
    /// Admins: whether it counts against its owner's quota as her
    /// sub-container (adopting a container made outside SMP).
    #[serde(default)]
    pub in_quota: Option<bool>,
    /// Start it with its machine.
    #[serde(default)]
    pub autostart: Option<bool>,
    /// New limits; each left out stays as it is.
    #[serde(default)]
    pub limits: Option<Limits>,
}

/// Applies one kind of change of `patch` (as read: a request that could not
/// be read is audited refused): who the container belongs to
/// (`assign_container`), or its autostart and limits (`configure`); both
/// at once are refused, audited.
pub async fn update_container(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    patch: Result<ContainerPatch, AppError>,
) -> Result<Container, AppError> {
    let patch = match patch {
        Ok(patch) => patch,
        Err(error) => return Err(refused(pool, current.audit(format!("container:{id}")), error).await),
    };
    let ContainerPatch { owner, parent, in_quota, autostart, limits } = patch;
    let assigns = owner.is_some() || parent.is_some() || in_quota.is_some();
    let configures = autostart.is_some() || limits.is_some();
    match (assigns, configures) {
        (true, true) => {
            let error = AppError::invalid("error-containers-assign-apart", &[]);
            Err(refused(pool, current.audit(format!("container:{id}")), error).await)
        }
        (false, true) => configure(current, context, pool, id, autostart, limits).await,
        _ => assign_container(current, pool, id, move || Ok(Assign { owner, parent, in_quota })).await,
    }
}

/// Sets autostart and/or limits through the agent, audited
/// `container.update`. New limits of a member's sub-container that grow
/// are checked against its owner's quota and recorded before the agent is
/// asked (so that two changes cannot both take the last unit), and put
/// back if the agent fails. The API and the web pages configure here.
pub async fn configure(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    autostart: Option<bool>,
    limits: Option<Limits>,
) -> Result<Container, AppError> {
    let mut entry = current.audit(format!("container:{id}"));
    entry.action = "container.update";
    let default_quota = context.default_quota;
    let checked = audited_start(pool, entry, move |connection, entry| {
        let actions: Vec<Action> =
            [(autostart.is_some(), Action::ContainerConfigure), (limits.is_some(), Action::ContainerResize)]
                .into_iter()
                .filter_map(|(asked, action)| asked.then_some(action))
                .collect();
        let loaded = load_allowed_for(connection, &current, id, &actions)?;
        entry.machine = Some(loaded.machine.clone());
        if loaded.status == containers::STATUS_CREATING {
            return Err(AppError::said(ErrorCode::Conflict, "error-containers-still-creating", &[]));
        }
        let before = loaded.limits;
        let asked = limits.unwrap_or_default();
        asked.validate()?;
        let after = asked.or(before);
        // Who creates outside quotas also changes limits outside them.
        let counted = loaded.in_quota && !policy::exempt_from_quotas(&current.actor());
        if counted
            && after.grows_from(&before)
            && let Some(owner) = loaded.owner_id
        {
            let machine = MachineId(loaded.machine_id);
            quotas::reserve_check(connection, UserId(owner), machine, 0, &after, Some(id), &default_quota)?
                .map_err(AppError::from)?;
        }
        containers::set_limits(connection, id, &after)?;
        let target = Target::of(connection, &context, &current, &loaded)?;
        Ok((target, (before, after)))
    })
    .await;
    let ((target, (before, after)), entry) = checked?;
    let mut config = limits.unwrap_or_default().config();
    if let Some(autostart) = autostart {
        config.insert("boot.autostart".to_owned(), autostart.to_string());
    }
    let request = UpdateRequest { config, disk_mb: limits.and_then(|limits| limits.disk_mb).map(|mb| mb as u64) };
    let result = target.client.update(&target.caller, target.instance(), &request).await.map_err(AppError::from);
    let failed = result.is_err();
    let finished = audited_finish(pool, entry, result, move |connection, _, _| {
        if let Some(autostart) = autostart {
            containers::set_autostart(connection, id, autostart)?;
        }
        containers::get(connection, id)?.ok_or_else(AppError::not_found)
    })
    .await;
    if failed {
        // Only if the row still holds this change's limits: another change
        // made meanwhile (checked against these) is not undone.
        let restored = db::run(pool, move |connection| {
            Ok::<_, AppError>(containers::restore_limits(connection, id, &after, &before)?)
        })
        .await;
        if let Err(error) = restored {
            tracing::error!(%error, container = id.0, "the limits of a failed change could not be put back");
        }
    }
    finished
}

/// The images the caller may create from on `machine` (policy `MachinePlace`).
pub async fn images_of(
    current: CurrentUser,
    context: &Context,
    pool: &DbPool,
    machine: MachineId,
) -> Result<ImageList, AppError> {
    let caller = current.agent_caller(&context.agent_calls)?;
    let machine = db::run(pool, move |connection| {
        let machine = machines::get(connection, machine).map_err(AppError::internal)?;
        current.decide_found(Action::MachinePlace, machine, |_| Object::Machine)
    })
    .await?;
    let client = context.agents.client(&machine)?;
    Ok(client.images(&caller).await?)
}
