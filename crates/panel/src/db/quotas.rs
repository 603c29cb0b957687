//! The `quotas` and `machine_quotas` tables: the limits an admin sets for a
//! member, overall and per machine, and what her sub-containers use of them.
//!
//! A member without an overall row has the configured default quota
//! (`default_quota`, nothing unless an operator says so); a NULL column
//! means no limit. A machine row bounds her use of that machine on top of
//! the overall one. Usage is what her live `in_quota` containers reserve,
//! `creating` ones included; [`reserve_check`] reads it after locking her
//! user row, inside the transaction that then writes the reservation, so
//! concurrent creates cannot both take the last unit.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::containers::{ContainerId, Limits};
use super::machines::MachineId;
use super::schema::{containers, forwards, machine_quotas, machines, quotas, users};
use super::snapshots;
use super::users::UserId;
use super::{DbConnection, unix_now};

/// A quota row's limits: (containers, cpu, memory_mb, disk_mb, forwards, snapshots).
type QuotaColumns = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
/// A quota row keyed by a user or machine id.
type KeyedQuotaRow = (i64, QuotaColumns);
/// A container's (cpu, memory_mb, disk_mb) columns.
type LimitColumns = (Option<i64>, Option<i64>, Option<i64>);

/// A member's limits; `None` is unlimited.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, utoipa::ToSchema,
)]
#[diesel(table_name = quotas)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    #[schema(minimum = 0)]
    pub containers: Option<i64>,
    #[schema(minimum = 0)]
    pub cpu: Option<i64>,
    #[schema(minimum = 0)]
    pub memory_mb: Option<i64>,
    #[schema(minimum = 0)]
    pub disk_mb: Option<i64>,
    /// Ports of the host forwarded to her containers (issue 17). Left out
    /// of a body: 0 (a client that predates it gives no forwards); null: no limit.
    #[serde(default = "no_forwards")]
    #[schema(minimum = 0)]
    pub forwards: Option<i64>,
    /// Snapshots of her containers she takes, plus what her schedules keep
    /// (issue 22). Left out of a body: 3; null: no limit.
    #[serde(default = "three_snapshots")]
    #[schema(minimum = 0)]
    pub snapshots: Option<i64>,
}

/// A quota field below zero, named as the JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be 0 or more, or null for no limit")]
pub struct NegativeQuota {
    pub field: &'static str,
}

/// A quota that leaves `forwards` out allows none.
fn no_forwards() -> Option<i64> {
    Some(0)
}

/// A quota that leaves `snapshots` out allows three, as issue 22 asks.
pub fn three_snapshots() -> Option<i64> {
    Some(3)
}

impl Quota {
    fn from_columns((containers, cpu, memory_mb, disk_mb, forwards, snapshots): QuotaColumns) -> Quota {
        Quota { containers, cpu, memory_mb, disk_mb, forwards, snapshots }
    }

    /// A negative limit makes no sense: the first field below zero, else `Ok`.
    pub fn validate(&self) -> Result<(), NegativeQuota> {
        for (field, value) in [
            ("containers", self.containers),
            ("cpu", self.cpu),
            ("memory_mb", self.memory_mb),
            ("disk_mb", self.disk_mb),
            ("forwards", self.forwards),
            ("snapshots", self.snapshots),
        ] {
            if value.is_some_and(|value| value < 0) {
                return Err(NegativeQuota { field });
            }
        }
        Ok(())
    }
}

/// The user's overall quota as an admin set it, if one did.
pub fn stored(connection: &mut DbConnection, user: UserId) -> QueryResult<Option<Quota>> {
    quotas::table.find(user.0).select(Quota::as_select()).first(connection).optional()
}

/// The user's overall quota: hers, or `default` when none was set.
pub fn get(connection: &mut DbConnection, user: UserId, default: &Quota) -> QueryResult<Quota> {
    Ok(stored(connection, user)?.unwrap_or(*default))
}

/// Replaces the user's quota.
pub fn set(connection: &mut DbConnection, user: UserId, quota: &Quota) -> QueryResult<()> {
    connection.transaction(|connection| {
        diesel::delete(quotas::table.find(user.0)).execute(connection)?;
        diesel::insert_into(quotas::table)
            .values((
                quotas::user_id.eq(user.0),
                quotas::containers.eq(quota.containers),
                quotas::cpu.eq(quota.cpu),
                quotas::memory_mb.eq(quota.memory_mb),
                quotas::disk_mb.eq(quota.disk_mb),
                quotas::forwards.eq(quota.forwards),
                quotas::snapshots.eq(quota.snapshots),
                quotas::updated_at.eq(unix_now()),
            ))
            .execute(connection)?;
        Ok(())
    })
}

/// The user's quota on one machine, if an admin set one.
pub fn machine_quota(connection: &mut DbConnection, user: UserId, machine: MachineId) -> QueryResult<Option<Quota>> {
    // One row per machine at most: reading hers all is one indexed read.
    Ok(machine_quotas(connection, user)?.remove(&machine.0))
}

/// Every machine quota of the user, by machine id.
pub fn machine_quotas(connection: &mut DbConnection, user: UserId) -> QueryResult<BTreeMap<i64, Quota>> {
    let rows: Vec<KeyedQuotaRow> = machine_quotas::table
        .filter(machine_quotas::user_id.eq(user.0))
        .select((
            machine_quotas::machine_id,
            (
                machine_quotas::containers,
                machine_quotas::cpu,
                machine_quotas::memory_mb,
                machine_quotas::disk_mb,
                machine_quotas::forwards,
                machine_quotas::snapshots,
            ),
        ))
        .load(connection)?;
    Ok(rows.into_iter().map(|(machine, columns)| (machine, Quota::from_columns(columns))).collect())
}

/// Sets (`Some`) or removes (`None`) the user's quota on one machine.
pub fn set_machine_quota(
    connection: &mut DbConnection,
    user: UserId,
    machine: MachineId,
    quota: Option<&Quota>,
) -> QueryResult<()> {
    connection.transaction(|connection| {
        diesel::delete(machine_quotas::table.find((user.0, machine.0))).execute(connection)?;
        if let Some(quota) = quota {
            diesel::insert_into(machine_quotas::table)
                .values((
                    machine_quotas::user_id.eq(user.0),
                    machine_quotas::machine_id.eq(machine.0),
                    machine_quotas::containers.eq(quota.containers),
                    machine_quotas::cpu.eq(quota.cpu),
                    machine_quotas::memory_mb.eq(quota.memory_mb),
                    machine_quotas::disk_mb.eq(quota.disk_mb),
                    machine_quotas::forwards.eq(quota.forwards),
                    machine_quotas::snapshots.eq(quota.snapshots),
                    machine_quotas::updated_at.eq(unix_now()),
                ))
                .execute(connection)?;
        }
        Ok(())
    })
}

/// What a member's sub-containers take: how many, and the sum of their limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Usage {
    pub containers: i64,
    pub cpu: i64,
    pub memory_mb: i64,
    pub disk_mb: i64,
    /// Her forwards that count against her quota.
    pub forwards: i64,
    /// Her snapshots and what her schedules keep, as they count against her quota.
    pub snapshots: i64,
}

impl Usage {
    fn add(&mut self, limits: &Limits) {
        self.containers += 1;
        self.cpu += limits.cpu.unwrap_or(0);
        self.memory_mb += limits.memory_mb.unwrap_or(0);
        self.disk_mb += limits.disk_mb.unwrap_or(0);
    }
}

/// A member's usage overall and on each machine she uses (by machine id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageByMachine {
    pub overall: Usage,
    pub machines: BTreeMap<i64, Usage>,
}

/// What the user's live `in_quota` containers take, leaving out `except`
/// (a container whose limits are about to change).
pub fn usage(connection: &mut DbConnection, user: UserId, except: Option<ContainerId>) -> QueryResult<UsageByMachine> {
    let rows: Vec<(i64, i64, LimitColumns)> = containers::table
        .filter(containers::owner_id.eq(user.0))
        .filter(containers::in_quota.eq(true))
        .filter(containers::gone_at.is_null())
        .filter(containers::id.ne(except.map_or(-1, |id| id.0)))
        .select((containers::id, containers::machine_id, (containers::cpu, containers::memory_mb, containers::disk_mb)))
        .load(connection)?;
    let mut usage = UsageByMachine::default();
    for (_, machine, (cpu, memory_mb, disk_mb)) in rows {
        let limits = Limits { cpu, memory_mb, disk_mb };
        usage.overall.add(&limits);
        usage.machines.entry(machine).or_default().add(&limits);
    }
    for (machine, count) in forward_counts(connection, user)? {
        usage.overall.forwards += count;
        usage.machines.entry(machine).or_default().forwards += count;
    }
    for (machine, count) in snapshots::counts(connection, user, None)? {
        usage.overall.snapshots += count;
        usage.machines.entry(machine).or_default().snapshots += count;
    }
    Ok(usage)
}

/// Every member's usage, by user id (the admins' usage page).
pub fn usage_of_everyone(connection: &mut DbConnection) -> QueryResult<BTreeMap<i64, Usage>> {
    let rows: Vec<(Option<i64>, LimitColumns)> = containers::table
        .filter(containers::in_quota.eq(true))
        .filter(containers::gone_at.is_null())
        .select((containers::owner_id, (containers::cpu, containers::memory_mb, containers::disk_mb)))
        .load(connection)?;
    let mut usage: BTreeMap<i64, Usage> = BTreeMap::new();
    for (owner, (cpu, memory_mb, disk_mb)) in rows {
        if let Some(owner) = owner {
            usage.entry(owner).or_default().add(&Limits { cpu, memory_mb, disk_mb });
        }
    }
    let forwarders: Vec<Option<i64>> =
        forwards::table.filter(forwards::in_quota.eq(true)).select(forwards::user_id).load(connection)?;
    for user in forwarders.into_iter().flatten() {
        usage.entry(user).or_default().forwards += 1;
    }
    for (user, count) in snapshots::counts_of_everyone(connection)? {
        usage.entry(user).or_default().snapshots += count;
    }
    Ok(usage)
}

/// Every stored overall quota, by user id.
pub fn all_stored(connection: &mut DbConnection) -> QueryResult<BTreeMap<i64, Quota>> {
    let rows: Vec<KeyedQuotaRow> = quotas::table
        .select((
            quotas::user_id,
            (quotas::containers, quotas::cpu, quotas::memory_mb, quotas::disk_mb, quotas::forwards, quotas::snapshots),
        ))
        .load(connection)?;
    Ok(rows.into_iter().map(|(user, columns)| (user, Quota::from_columns(columns))).collect())
}

/// Which quota a request does not fit: her overall one, or hers on a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaScope {
    Overall,
    Machine(String),
}

/// What of a quota a request does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Containers,
    Cpu,
    MemoryMb,
    DiskMb,
    Forwards,
    Snapshots,
}

/// Why a request does not fit a quota: which one, what of it, its limit,
/// what she uses of it and what the request asks more (`app::quotas`
/// says it in words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub scope: QuotaScope,
    pub dimension: Dimension,
    pub limit: i64,
    pub used: i64,
    pub asked: i64,
}

impl Quota {
    /// Whether `used` plus one more container with `limits` (`count` 1) or
    /// only a change of limits (`count` 0) stays within this quota; `scope`
    /// says which quota this is.
    pub fn admits(&self, used: &Usage, count: i64, limits: &Limits, scope: &QuotaScope) -> Result<(), Exceeded> {
        let dimensions = [
            (Dimension::Containers, self.containers, used.containers, count),
            (Dimension::Cpu, self.cpu, used.cpu, limits.cpu.unwrap_or(0)),
            (Dimension::MemoryMb, self.memory_mb, used.memory_mb, limits.memory_mb.unwrap_or(0)),
            (Dimension::DiskMb, self.disk_mb, used.disk_mb, limits.disk_mb.unwrap_or(0)),
        ];
        for (dimension, limit, used, asked) in dimensions {
            if let Some(limit) = limit
                && asked > 0
                && used + asked > limit
            {
                return Err(Exceeded { scope: scope.clone(), dimension, limit, used, asked });
            }
        }
        Ok(())
    }
}

/// Locks the user's row until the transaction ends (PostgreSQL: a row lock
/// that a second reserving transaction waits for; SQLite: the write lock
/// `write_transaction` already holds), so the usage read next is the one
/// the reservation is checked against.
pub fn lock_user(connection: &mut DbConnection, user: UserId) -> QueryResult<()> {
    diesel::update(users::table.find(user.0)).set(users::id.eq(users::id)).execute(connection).map(|_| ())
}

/// Inside a write transaction: locks the user, then checks that one more
/// container (`count` 1) or a change of an existing one's limits (`count`
/// 0, `except` that container) with `limits` on `machine` fits her overall
/// quota (or `default`) and her quota on that machine.
pub fn reserve_check(
    connection: &mut DbConnection,
    user: UserId,
    machine: MachineId,
    count: i64,
    limits: &Limits,
    except: Option<ContainerId>,
    default: &Quota,
) -> QueryResult<Result<(), Exceeded>> {
    lock_user(connection, user)?;
    let usage = usage(connection, user, except)?;
    let overall = get(connection, user, default)?;
    if let Err(exceeded) = overall.admits(&usage.overall, count, limits, &QuotaScope::Overall) {
        return Ok(Err(exceeded));
    }
    if let Some(quota) = machine_quota(connection, user, machine)? {
        let machine_name: String =
            machines::table.find(machine.0).select(machines::name).first(connection).unwrap_or_default();
        let used = usage.machines.get(&machine.0).copied().unwrap_or_default();
        return Ok(quota.admits(&used, count, limits, &QuotaScope::Machine(machine_name)));
    }
    Ok(Ok(()))
}

/// How many of the user's forwards count against her quota, by machine id.
fn forward_counts(connection: &mut DbConnection, user: UserId) -> QueryResult<BTreeMap<i64, i64>> {
    let machines: Vec<i64> = forwards::table
        .filter(forwards::user_id.eq(user.0))
        .filter(forwards::in_quota.eq(true))
        .select(forwards::machine_id)
        .load(connection)?;
    let mut counts = BTreeMap::new();
    for machine in machines {
        *counts.entry(machine).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Inside a write transaction: locks the user, then checks that one more
/// forward on `machine` fits her overall `forwards` quota (or `default`'s)
/// and her quota on that machine.
pub fn forward_check(
    connection: &mut DbConnection,
    user: UserId,
    machine: MachineId,
    default: &Quota,
) -> QueryResult<Result<(), Exceeded>> {
    lock_user(connection, user)?;
    let counts = forward_counts(connection, user)?;
    count_check(connection, user, machine, default, Dimension::Forwards, &counts, 1)
}

/// Inside a write transaction: locks the user, then checks that `asked`
/// more snapshots on `machine` (one taken, or a schedule's `keep` in place
/// of `except`'s) fit her overall `snapshots` quota (or `default`'s) and
/// her quota on that machine.
pub fn snapshot_check(
    connection: &mut DbConnection,
    user: UserId,
    machine: MachineId,
    asked: i64,
    except: Option<ContainerId>,
    default: &Quota,
) -> QueryResult<Result<(), Exceeded>> {
    lock_user(connection, user)?;
    let counts = snapshots::counts(connection, user, except)?;
    count_check(connection, user, machine, default, Dimension::Snapshots, &counts, asked)
}

/// Whether `asked` more of a counted `dimension` (forwards, snapshots),
/// used as `counts` says by machine, fit her overall quota and hers on `machine`.
fn count_check(
    connection: &mut DbConnection,
    user: UserId,
    machine: MachineId,
    default: &Quota,
    dimension: Dimension,
    counts: &BTreeMap<i64, i64>,
    asked: i64,
) -> QueryResult<Result<(), Exceeded>> {
    let limit_of = |quota: &Quota| match dimension {
        Dimension::Forwards => quota.forwards,
        _ => quota.snapshots,
    };
    let exceeded = |scope: QuotaScope, limit: i64, used: i64| Exceeded { scope, dimension, limit, used, asked };
    let overall: i64 = counts.values().sum();
    if let Some(limit) = limit_of(&get(connection, user, default)?)
        && overall + asked > limit
    {
        return Ok(Err(exceeded(QuotaScope::Overall, limit, overall)));
    }
    if let Some(limit) = machine_quota(connection, user, machine)?.as_ref().and_then(limit_of) {
        let used = counts.get(&machine.0).copied().unwrap_or(0);
        if used + asked > limit {
            let machine_name: String =
                machines::table.find(machine.0).select(machines::name).first(connection).unwrap_or_default();
            return Ok(Err(exceeded(QuotaScope::Machine(machine_name), limit, used)));
        }
    }
    Ok(Ok(()))
}
