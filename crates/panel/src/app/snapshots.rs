//! Snapshots (issue 22): a container's owners take, list, restore and
//! delete its snapshots and set its schedule within their `snapshots`
//! quota; admins do all of it to any container, outside quotas.
//!
//! As for forwards, the database is the first line: a snapshot being taken
//! is a row written in the transaction that checks the quota (so twenty
//! requests at quota − 1 take exactly one), audited `started`, before its
//! agent is asked; on the agent's refusal the row goes again. A schedule is
//! a row whose `keep` the quota counts, then the three `snapshots.*` keys
//! on the instance; on the agent's refusal the row is put back. Lists are
//! read from the agent and written back (`db::snapshots::reconcile`), so
//! LXD's scheduled snapshots and ones taken outside the panel show too.

use std::sync::Arc;

use fluent_templates::fluent_bundle::FluentValue;
use serde::{Deserialize, Serialize};
use smp_proto::api::{SnapshotRequest, UpdateRequest};
use smp_proto::names::SnapshotName;
use utoipa::ToSchema;

use super::containers::{Target, load_allowed, read_target};
use crate::app::audited::{audited_finish, audited_start};
use crate::app::{Context, CurrentUser};
use crate::db::containers::{Container, ContainerId};
use crate::db::machines::MachineId;
use crate::db::snapshots::{self, NewSnapshot, Period, SCHEDULED_PATTERN, Schedule, SnapshotRow};
use crate::db::{self, DbConnection, DbPool, quotas};
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action};
use crate::texts;

/// The most snapshots a schedule may keep, whatever the quota.
pub const MAX_KEEP: i64 = 100;

/// A container's snapshots and schedule, as its page and the API show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Snapshots {
    /// Oldest first.
    pub items: Vec<SnapshotRow>,
    /// Its schedule, if one is set through the panel.
    pub schedule: Option<Schedule>,
    /// False when its agent could not be asked: `items` are as last synced.
    pub fresh: bool,
}

/// Body of `POST /api/v1/containers/{id}/snapshots`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSnapshotRequest {
    /// 1-63 letters, digits and `-`, starting with a letter; `auto-<n>` is
    /// the schedule's.
    pub name: String,
}

/// Body of `PUT /api/v1/containers/{id}/snapshots/schedule`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// `hourly`, `daily` or `weekly`; null removes the schedule.
    pub schedule: Option<Period>,
    /// How many of its snapshots LXD keeps (1 to 100; within her quota).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub keep: Option<i64>,
}

/// The container's snapshots (its owners, admins), read from its agent and
/// written back; when the agent cannot be asked, the last synced rows with
/// `fresh` false.
pub async fn list(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<Snapshots, AppError> {
    let target = read_target(current, context, pool, id, Action::ContainerSnapshot).await?;
    let asked_at = db::unix_now();
    let listed = target.client.snapshots(&target.caller, target.instance()).await;
    let fresh = match listed {
        Ok(listed) => {
            refresh(pool, id, listed.items, asked_at).await?;
            true
        }
        Err(error) => {
            tracing::info!(%error, container = id.0, "cannot list the container's snapshots; showing the last synced");
            false
        }
    };
    db::run(pool, move |connection| {
        Ok(Snapshots {
            items: snapshots::of_container(connection, id)?,
            schedule: snapshots::schedule_of(connection, id)?,
            fresh,
        })
    })
    .await
}

/// Writes what the agent listed (asked for at second `asked_at`) of the
/// container's snapshots back.
async fn refresh(
    pool: &DbPool,
    id: ContainerId,
    listed: Vec<smp_proto::api::Snapshot>,
    asked_at: i64,
) -> Result<(), AppError> {
    db::run(pool, move |connection| {
        let machine = machine_of(connection, id)?;
        Ok::<_, AppError>(snapshots::reconcile(connection, id, machine, &listed, asked_at, db::unix_now())?)
    })
    .await
}

fn machine_of(connection: &mut DbConnection, id: ContainerId) -> Result<MachineId, AppError> {
    let container = crate::db::containers::get(connection, id)?.ok_or_else(AppError::not_found)?;
    Ok(MachineId(container.machine_id))
}

/// The container an action on its snapshots is about: allowed, actionable.
fn snapshot_target(
    connection: &mut DbConnection,
    context: &Context,
    current: &CurrentUser,
    id: ContainerId,
    entry: &mut crate::app::audited::AuditEntry,
) -> Result<(Container, Target), AppError> {
    let container = load_allowed(connection, current, id, Action::ContainerSnapshot)?;
    entry.machine = Some(container.machine.clone());
    let target = Target::of(connection, context, current, &container)?;
    Ok((container, target))
}

/// A snapshot name as the panel takes it: valid for LXD, not the schedule's.
fn checked_name(name: &str) -> Result<SnapshotName, AppError> {
    let parsed = SnapshotName::parse(name)?;
    if snapshots::is_scheduled_name(name) {
        return Err(AppError::invalid("error-snapshots-name-scheduled", &[("name", texts::text(name))]));
    }
    Ok(parsed)
}

/// Takes a snapshot of the container (its owners within their `snapshots`
/// quota, admins outside it): the row in one transaction with the quota
/// check (see the module note), then its agent; on the agent's failure the
/// row goes again. Answers the snapshot as LXD took it.
pub async fn take(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    read: impl FnOnce() -> Result<NewSnapshotRequest, AppError> + Send + 'static,
) -> Result<SnapshotRow, AppError> {
    let entry = current.audit(format!("container:{id}"));
    let checking = context.clone();
    let started = audited_start(pool, entry, move |connection, entry| {
        let request = read()?;
        entry.set_detail(request.name.clone());
        let (container, target) = snapshot_target(connection, &checking, &current, id, entry)?;
        let name = checked_name(&request.name)?;
        let machine = MachineId(container.machine_id);
        let in_quota = !policy::exempt_from_quotas(&current.actor());
        if in_quota {
            quotas::snapshot_check(connection, current.user.id, machine, 1, None, &checking.default_quota)?
                .map_err(AppError::from)?;
        }
        let new = NewSnapshot {
            container: id,
            machine,
            name: name.as_str(),
            stateful: false,
            user: Some(current.user.id.0),
            in_quota,
            now: db::unix_now(),
        };
        if !snapshots::reserve(connection, &new)? {
            return Err(AppError::said(
                ErrorCode::Conflict,
                "error-snapshots-name-taken",
                &[("name", texts::text(name.as_str())), ("container", texts::text(&container.name))],
            ));
        }
        Ok((target, name))
    })
    .await;
    let ((target, name), entry) = started?;
    let request = SnapshotRequest { name: name.as_str().to_owned(), stateful: false };
    let result = target.client.take_snapshot(&target.caller, target.instance(), &request).await.map_err(AppError::from);
    if result.is_err() {
        let forgotten = name.as_str().to_owned();
        let removed =
            db::run(pool, move |connection| Ok::<_, AppError>(snapshots::delete(connection, id, &forgotten)?)).await;
        if removed.is_err() {
            tracing::error!(container = id.0, "the row of a snapshot its agent refused could not be removed");
        }
    }
    audited_finish(pool, entry, result, move |connection, _, taken| {
        snapshots::mark_taken(connection, id, &taken, db::unix_now())?;
        snapshots::named(connection, id, &taken.name)?.ok_or_else(AppError::not_found)
    })
    .await
}

/// The container's snapshot `name` the panel knows, taken, or a 404.
fn known_snapshot(connection: &mut DbConnection, id: ContainerId, name: &str) -> Result<SnapshotRow, AppError> {
    snapshots::named(connection, id, name)?.filter(|row| row.taken).ok_or_else(AppError::not_found)
}

/// Restores the container to its snapshot `name` (its owners, admins): what
/// changed since is lost; a running container is stopped and started again
/// (LXD does it). The snapshot stays.
pub async fn restore(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    name: String,
) -> Result<SnapshotRow, AppError> {
    let entry = current.audit(format!("container:{id}"));
    let started = audited_start(pool, entry, move |connection, entry| {
        entry.set_detail(name.clone());
        let (_, target) = snapshot_target(connection, &context, &current, id, entry)?;
        let row = known_snapshot(connection, id, &name)?;
        Ok((target, row))
    })
    .await;
    let ((target, row), entry) = started?;
    let result =
        target.client.restore_snapshot(&target.caller, target.instance(), &row.name).await.map_err(AppError::from);
    audited_finish(pool, entry, result, move |connection, _, answer| {
        // A running container runs again, a stopped one stays stopped: as the agent saw it after.
        crate::db::containers::set_status(connection, id, answer.status.as_str(), db::unix_now())?;
        Ok(row)
    })
    .await
}

/// Deletes the container's snapshot `name` (its owners, admins): from LXD
/// first, then its row, which gives its unit of quota back.
pub async fn delete(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    name: String,
) -> Result<(), AppError> {
    let entry = current.audit(format!("container:{id}"));
    let started = audited_start(pool, entry, move |connection, entry| {
        entry.set_detail(name.clone());
        let (_, target) = snapshot_target(connection, &context, &current, id, entry)?;
        let row = known_snapshot(connection, id, &name)?;
        Ok((target, row.name))
    })
    .await;
    let ((target, name), entry) = started?;
    let result = target.client.delete_snapshot(&target.caller, target.instance(), &name).await.map_err(AppError::from);
    audited_finish(pool, entry, result, move |connection, _, _| {
        snapshots::delete(connection, id, &name)?;
        Ok(())
    })
    .await
}

/// The instance configuration that makes LXD keep `schedule` (none: the
/// three keys removed).
fn schedule_config(schedule: Option<&Schedule>) -> std::collections::BTreeMap<String, String> {
    let (when, expiry, pattern) = match schedule {
        Some(schedule) => (
            schedule.period.lxd_schedule().to_owned(),
            schedule.period.lxd_expiry(schedule.keep),
            SCHEDULED_PATTERN.to_owned(),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    [("snapshots.schedule", when), ("snapshots.expiry", expiry), ("snapshots.pattern", pattern)]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// Sets or removes the container's snapshot schedule (its owners within
/// their `snapshots` quota: its `keep` counts; admins outside it): the row
/// with the quota check, then the `snapshots.*` keys on the instance; on
/// the agent's failure the row is put back as it was.
pub async fn set_schedule(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    read: impl FnOnce() -> Result<ScheduleRequest, AppError> + Send + 'static,
) -> Result<Option<Schedule>, AppError> {
    let entry = current.audit(format!("container:{id}"));
    let checking = context.clone();
    let started = audited_start(pool, entry, move |connection, entry| {
        let request = read()?;
        let (container, target) = snapshot_target(connection, &checking, &current, id, entry)?;
        let in_quota = !policy::exempt_from_quotas(&current.actor());
        let wanted = match (request.schedule, request.keep) {
            (None, _) => None,
            (Some(period), Some(keep)) if (1..=MAX_KEEP).contains(&keep) => {
                Some(Schedule { period, keep, in_quota, user_id: Some(current.user.id.0) })
            }
            (Some(_), _) => {
                return Err(AppError::invalid("error-snapshots-keep-range", &[("max", FluentValue::from(MAX_KEEP))]));
            }
        };
        entry.set_detail(
            wanted.map_or_else(|| "none".to_owned(), |s| format!("{}, keep {}", s.period.as_str(), s.keep)),
        );
        if let Some(schedule) = &wanted
            && in_quota
        {
            let machine = MachineId(container.machine_id);
            quotas::snapshot_check(
                connection,
                current.user.id,
                machine,
                schedule.keep,
                Some(id),
                &checking.default_quota,
            )?
            .map_err(AppError::from)?;
        }
        let previous = snapshots::schedule_of(connection, id)?;
        snapshots::set_schedule(connection, id, wanted.as_ref(), db::unix_now())?;
        Ok((target, wanted, previous))
    })
    .await;
    let ((target, wanted, previous), entry) = started?;
    let request = UpdateRequest { config: schedule_config(wanted.as_ref()), disk_mb: None };
    let result = target.client.update(&target.caller, target.instance(), &request).await.map_err(AppError::from);
    if result.is_err() {
        let put_back = db::run(pool, move |connection| {
            Ok::<_, AppError>(snapshots::set_schedule(connection, id, previous.as_ref(), db::unix_now())?)
        })
        .await;
        if put_back.is_err() {
            tracing::error!(container = id.0, "the schedule of a refused change could not be put back");
        }
    }
    audited_finish(pool, entry, result, move |_, _, _| Ok(wanted)).await
}
