//! The `snapshots` and `snapshot_schedules` tables (issue 22): each
//! container's snapshots as LXD last listed them, the ones being taken, and
//! the schedule its owner set.
//!
//! A snapshot taken through the panel is a row before LXD is asked
//! (`taken_at` NULL), written in the transaction that checks the
//! `snapshots` quota, so concurrent requests cannot both take the last one;
//! it is marked taken when LXD has it, deleted when LXD refused it. LXD's
//! scheduled snapshots (named by the panel's pattern, `auto-<n>`) are rows
//! from its lists and never count: a schedule reserves its `keep` instead.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use super::containers::ContainerId;
use super::machines::MachineId;
use super::schema::{containers, snapshot_schedules, snapshots, users};
use super::users::UserId;
use super::{DbConnection, inserted};

/// What LXD's scheduler names the snapshots of a schedule set through the
/// panel (`snapshots.pattern`); a name of that form cannot be asked for.
pub const SCHEDULED_PATTERN: &str = "auto-%d";

/// Whether `name` is one LXD's scheduler gives (`auto-<digits>`).
pub fn is_scheduled_name(name: &str) -> bool {
    name.strip_prefix("auto-").is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// A snapshot of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SnapshotRow {
    pub id: i64,
    pub container_id: i64,
    pub name: String,
    /// When LXD took it (unix seconds); for one being taken, when it was asked for.
    pub created_at: i64,
    /// When LXD deletes it (its schedule's expiry), if ever.
    pub expires_at: Option<i64>,
    pub stateful: bool,
    /// Its size on the storage pool; null where the pool does not say.
    pub size_bytes: Option<i64>,
    /// Taken by LXD's scheduler (it counts in its schedule's `keep`).
    pub scheduled: bool,
    /// Who took it through the panel (null: LXD's scheduler, or before the panel knew it).
    pub owner: Option<String>,
    /// It counts against `owner`'s `snapshots` quota.
    pub in_quota: bool,
    /// False while LXD is still taking it.
    pub taken: bool,
}

type SnapshotColumns = (i64, i64, String, i64, Option<i64>, bool, Option<i64>, bool, Option<String>, bool, Option<i64>);

fn from_columns(
    (id, container_id, name, created_at, expires_at, stateful, size_bytes, scheduled, owner, in_quota, taken_at): SnapshotColumns,
) -> SnapshotRow {
    SnapshotRow {
        id,
        container_id,
        name,
        created_at,
        expires_at,
        stateful,
        size_bytes,
        scheduled,
        owner,
        in_quota,
        taken: taken_at.is_some(),
    }
}

/// The container's snapshots, oldest first.
pub fn of_container(connection: &mut DbConnection, container: ContainerId) -> QueryResult<Vec<SnapshotRow>> {
    rows(connection, container, None)
}

/// The container's snapshot `name`, if the panel knows it.
pub fn named(connection: &mut DbConnection, container: ContainerId, name: &str) -> QueryResult<Option<SnapshotRow>> {
    Ok(rows(connection, container, Some(name))?.into_iter().next())
}

/// The container's snapshots (only `name`, if given), oldest first.
fn rows(connection: &mut DbConnection, container: ContainerId, name: Option<&str>) -> QueryResult<Vec<SnapshotRow>> {
    let mut query = snapshots::table
        .left_join(users::table.on(users::id.nullable().eq(snapshots::user_id)))
        .filter(snapshots::container_id.eq(container.0))
        .select((
            snapshots::id,
            snapshots::container_id,
            snapshots::name,
            snapshots::created_at,
            snapshots::expires_at,
            snapshots::stateful,
            snapshots::size_bytes,
            snapshots::scheduled,
            users::username.nullable(),
            snapshots::in_quota,
            snapshots::taken_at,
        ))
        .order((snapshots::created_at, snapshots::id))
        .into_boxed();
    if let Some(name) = name {
        query = query.filter(snapshots::name.eq(name.to_owned()));
    }
    let rows: Vec<SnapshotColumns> = query.load(connection)?;
    Ok(rows.into_iter().map(from_columns).collect())
}

/// A snapshot about to be asked of LXD.
#[derive(Debug, Clone)]
pub struct NewSnapshot<'a> {
    pub container: ContainerId,
    pub machine: MachineId,
    pub name: &'a str,
    pub stateful: bool,
    pub user: Option<i64>,
    pub in_quota: bool,
    pub now: i64,
}

/// Writes the row of a snapshot being taken; `false` when the container
/// already has one of that name (nothing written; a savepoint keeps the
/// caller's transaction usable).
pub fn reserve(connection: &mut DbConnection, new: &NewSnapshot<'_>) -> QueryResult<bool> {
    let outcome = connection.transaction(|connection| {
        diesel::insert_into(snapshots::table)
            .values((
                snapshots::container_id.eq(new.container.0),
                snapshots::machine_id.eq(new.machine.0),
                snapshots::name.eq(new.name),
                snapshots::created_at.eq(new.now),
                snapshots::stateful.eq(new.stateful),
                snapshots::scheduled.eq(false),
                snapshots::user_id.eq(new.user),
                snapshots::in_quota.eq(new.in_quota),
                snapshots::synced_at.eq(new.now),
            ))
            .execute(connection)
    });
    inserted(outcome)
}

/// Marks the snapshot taken, with what LXD says of it.
pub fn mark_taken(
    connection: &mut DbConnection,
    container: ContainerId,
    listed: &smp_proto::api::Snapshot,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        snapshots::table.filter(snapshots::container_id.eq(container.0)).filter(snapshots::name.eq(&listed.name)),
    )
    .set((
        snapshots::created_at.eq(listed.created_at),
        snapshots::expires_at.eq(listed.expires_at),
        snapshots::size_bytes.eq(size(listed)),
        snapshots::taken_at.eq(now),
        snapshots::synced_at.eq(now),
    ))
    .execute(connection)
}

/// Deletes the container's snapshot row `name`; how many rows went.
pub fn delete(connection: &mut DbConnection, container: ContainerId, name: &str) -> QueryResult<usize> {
    diesel::delete(snapshots::table.filter(snapshots::container_id.eq(container.0)).filter(snapshots::name.eq(name)))
        .execute(connection)
}

fn size(listed: &smp_proto::api::Snapshot) -> Option<i64> {
    listed.size_bytes.and_then(|bytes| i64::try_from(bytes).ok())
}

/// Makes the container's rows what LXD listed (asked for at second
/// `asked_at`): new ones are added (LXD's scheduler's, or taken outside the
/// panel: in no quota), known ones refreshed, taken ones LXD no longer has
/// deleted. Rows being taken stay while their request may be in flight
/// (asked for less than `in_flight::LONGEST_CALL_S` ago); older ones LXD
/// never had go (their panel died before LXD's answer). The list may be
/// older than a take answered meanwhile: a row taken at or after `asked_at`
/// stays (else its quota were freed and the next list brought it back in
/// no quota).
pub fn reconcile(
    connection: &mut DbConnection,
    container: ContainerId,
    machine: MachineId,
    listed: &[smp_proto::api::Snapshot],
    asked_at: i64,
    now: i64,
) -> QueryResult<()> {
    let stale_before = now - super::in_flight::LONGEST_CALL_S;
    let known: BTreeMap<String, (Option<i64>, i64)> = snapshots::table
        .filter(snapshots::container_id.eq(container.0))
        .select((snapshots::name, (snapshots::taken_at, snapshots::created_at)))
        .load::<(String, (Option<i64>, i64))>(connection)?
        .into_iter()
        .collect();
    for snapshot in listed {
        if known.contains_key(&snapshot.name) {
            diesel::update(
                snapshots::table
                    .filter(snapshots::container_id.eq(container.0))
                    .filter(snapshots::name.eq(&snapshot.name)),
            )
            .set((
                snapshots::created_at.eq(snapshot.created_at),
                snapshots::expires_at.eq(snapshot.expires_at),
                snapshots::size_bytes.eq(size(snapshot)),
                // Listed by LXD: taken, whether or not its request has ended.
                snapshots::taken_at.eq(now),
                snapshots::synced_at.eq(now),
            ))
            .execute(connection)?;
        } else {
            diesel::insert_into(snapshots::table)
                .values((
                    snapshots::container_id.eq(container.0),
                    snapshots::machine_id.eq(machine.0),
                    snapshots::name.eq(&snapshot.name),
                    snapshots::created_at.eq(snapshot.created_at),
                    snapshots::expires_at.eq(snapshot.expires_at),
                    snapshots::stateful.eq(snapshot.stateful),
                    snapshots::size_bytes.eq(size(snapshot)),
                    snapshots::scheduled.eq(is_scheduled_name(&snapshot.name)),
                    snapshots::in_quota.eq(false),
                    snapshots::taken_at.eq(now),
                    snapshots::synced_at.eq(now),
                ))
                .execute(connection)?;
        }
    }
    let gone: Vec<&String> = known
        .iter()
        .filter(|(name, (taken_at, reserved_at))| {
            let settled = match taken_at {
                Some(taken_at) => *taken_at < asked_at,
                None => *reserved_at < stale_before,
            };
            settled && !listed.iter().any(|snapshot| &snapshot.name == *name)
        })
        .map(|(name, _)| name)
        .collect();
    if !gone.is_empty() {
        diesel::delete(
            snapshots::table.filter(snapshots::container_id.eq(container.0)).filter(snapshots::name.eq_any(gone)),
        )
        .execute(connection)?;
    }
    Ok(())
}

/// The live containers of `machine` with a schedule or snapshot rows (id,
/// LXD name): the ones the sync lists the snapshots of.
pub fn containers_with_snapshots(
    connection: &mut DbConnection,
    machine: MachineId,
) -> QueryResult<Vec<(ContainerId, String)>> {
    let scheduled = snapshot_schedules::table.select(snapshot_schedules::container_id);
    let snapshotted = snapshots::table.select(snapshots::container_id);
    let rows: Vec<(i64, String)> = containers::table
        .filter(containers::machine_id.eq(machine.0))
        .filter(containers::gone_at.is_null())
        .filter(containers::id.eq_any(scheduled).or(containers::id.eq_any(snapshotted)))
        .select((containers::id, containers::name))
        .order(containers::id)
        .load(connection)?;
    Ok(rows.into_iter().map(|(id, name)| (ContainerId(id), name)).collect())
}

/// How often a schedule set through the panel takes a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Hourly,
    Daily,
    Weekly,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hourly => "hourly",
            Period::Daily => "daily",
            Period::Weekly => "weekly",
        }
    }

    fn parse(text: &str) -> Option<Period> {
        [Period::Hourly, Period::Daily, Period::Weekly].into_iter().find(|period| period.as_str() == text)
    }

    /// LXD's `snapshots.schedule` for it.
    pub fn lxd_schedule(self) -> &'static str {
        match self {
            Period::Hourly => "@hourly",
            Period::Daily => "@daily",
            Period::Weekly => "@weekly",
        }
    }

    /// LXD's `snapshots.expiry` that keeps `keep` snapshots of it.
    pub fn lxd_expiry(self, keep: i64) -> String {
        let unit = match self {
            Period::Hourly => 'H',
            Period::Daily => 'd',
            Period::Weekly => 'w',
        };
        format!("{keep}{unit}")
    }
}

/// A container's snapshot schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Schedule {
    pub period: Period,
    /// How many of its snapshots LXD keeps.
    pub keep: i64,
    /// Its `keep` counts against the quota of the member who set it.
    pub in_quota: bool,
    /// Who set it.
    #[serde(skip)]
    pub user_id: Option<i64>,
}

/// The container's schedule, if one is set.
pub fn schedule_of(connection: &mut DbConnection, container: ContainerId) -> QueryResult<Option<Schedule>> {
    let row: Option<(String, i64, bool, Option<i64>)> = snapshot_schedules::table
        .find(container.0)
        .select((
            snapshot_schedules::period,
            snapshot_schedules::keep,
            snapshot_schedules::in_quota,
            snapshot_schedules::user_id,
        ))
        .first(connection)
        .optional()?;
    Ok(row.and_then(|(period, keep, in_quota, user_id)| {
        Some(Schedule { period: Period::parse(&period)?, keep, in_quota, user_id })
    }))
}

/// Sets (`Some`) or removes (`None`) the container's schedule.
pub fn set_schedule(
    connection: &mut DbConnection,
    container: ContainerId,
    schedule: Option<&Schedule>,
    now: i64,
) -> QueryResult<()> {
    diesel::delete(snapshot_schedules::table.find(container.0)).execute(connection)?;
    if let Some(schedule) = schedule {
        diesel::insert_into(snapshot_schedules::table)
            .values((
                snapshot_schedules::container_id.eq(container.0),
                snapshot_schedules::period.eq(schedule.period.as_str()),
                snapshot_schedules::keep.eq(schedule.keep),
                snapshot_schedules::user_id.eq(schedule.user_id),
                snapshot_schedules::in_quota.eq(schedule.in_quota),
                snapshot_schedules::updated_at.eq(now),
            ))
            .execute(connection)?;
    }
    Ok(())
}

/// What of the user's `snapshots` quota is taken, by machine id: her
/// snapshots in quota (those being taken included) and the `keep` of her
/// schedules in quota, leaving out the schedule of `except` (about to change).
pub fn counts(
    connection: &mut DbConnection,
    user: UserId,
    except: Option<ContainerId>,
) -> QueryResult<BTreeMap<i64, i64>> {
    let taken: Vec<i64> = snapshots::table
        .filter(snapshots::user_id.eq(user.0))
        .filter(snapshots::in_quota.eq(true))
        .select(snapshots::machine_id)
        .load(connection)?;
    let kept: Vec<(i64, i64)> = snapshot_schedules::table
        .inner_join(containers::table)
        .filter(snapshot_schedules::user_id.eq(user.0))
        .filter(snapshot_schedules::in_quota.eq(true))
        .filter(snapshot_schedules::container_id.ne(except.map_or(-1, |id| id.0)))
        .select((containers::machine_id, snapshot_schedules::keep))
        .load(connection)?;
    let mut counts = BTreeMap::new();
    for machine in taken {
        *counts.entry(machine).or_insert(0) += 1;
    }
    for (machine, keep) in kept {
        *counts.entry(machine).or_insert(0) += keep;
    }
    Ok(counts)
}

/// Every member's snapshots quota use, by user id (the admins' usage page).
pub fn counts_of_everyone(connection: &mut DbConnection) -> QueryResult<BTreeMap<i64, i64>> {
    let taken: Vec<Option<i64>> =
        snapshots::table.filter(snapshots::in_quota.eq(true)).select(snapshots::user_id).load(connection)?;
    let kept: Vec<(Option<i64>, i64)> = snapshot_schedules::table
        .filter(snapshot_schedules::in_quota.eq(true))
        .select((snapshot_schedules::user_id, snapshot_schedules::keep))
        .load(connection)?;
    let mut counts = BTreeMap::new();
    for user in taken.into_iter().flatten() {
        *counts.entry(user).or_insert(0) += 1;
    }
    for (user, keep) in kept {
        if let Some(user) = user {
            *counts.entry(user).or_insert(0) += keep;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_auto_and_digits_is_a_scheduled_name() {
        assert!(is_scheduled_name("auto-0") && is_scheduled_name("auto-12"));
        for name in ["auto-", "auto-x", "auto-1a", "autumn-1", "snap0", "before-upgrade"] {
            assert!(!is_scheduled_name(name), "{name}");
        }
    }

    #[test]
    fn a_period_keeps_its_count_in_lxd_s_expiry_units() {
        assert_eq!((Period::Hourly.lxd_schedule(), Period::Hourly.lxd_expiry(24)), ("@hourly", "24H".to_owned()));
        assert_eq!((Period::Daily.lxd_schedule(), Period::Daily.lxd_expiry(7)), ("@daily", "7d".to_owned()));
        assert_eq!((Period::Weekly.lxd_schedule(), Period::Weekly.lxd_expiry(4)), ("@weekly", "4w".to_owned()));
        assert_eq!(Period::parse("daily"), Some(Period::Daily));
        assert_eq!(Period::parse("minutely"), None);
    }
}
