//! The `containers` table: what the sync saw on each machine, and who owns it.
//!
//! The sync writes names, status, addresses and `synced_at`; admins write
//! `owner_id` and `parent_id`. A container that disappears from its machine
//! is marked gone (`gone_at`, status `gone`) and keeps its row and ownership;
//! a later instance with the same name on the same machine (LXD's
//! `created_at` differs) gets a row of its own and no owner. Every write of
//! a row's status or liveness stamps `written_ms`, so that a sync's list
//! asked for before it does not undo it (`apply_list`).

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use smp_proto::api::{ContainerEvent, ContainerStatus, ContainerSummary};

use super::machines::MachineId;
use super::schema::{containers, machines, users};
use super::{DbConnection, inserted};

row_id! {
    /// A container's id in the panel's database (the API's `id`).
    ContainerId
}

/// The status of a container that is no longer on its machine.
pub const STATUS_GONE: &str = "gone";
/// A reservation: the panel is having the container made.
pub const STATUS_CREATING: &str = "creating";
/// A creation that failed (the row is gone; `error` says why).
pub const STATUS_FAILED: &str = "failed";

/// How deep a parent chain is followed (a deeper one is cut there; the API
/// refuses to make one).
pub const MAX_DEPTH: usize = 16;

/// A container's row, without the names of its machine and owner.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = containers)]
struct Row {
    id: i64,
    machine_id: i64,
    name: String,
    owner_id: Option<i64>,
    parent_id: Option<i64>,
    status: String,
    addresses: String,
    synced_at: i64,
    gone_at: Option<i64>,
    in_quota: bool,
    cpu: Option<i64>,
    memory_mb: Option<i64>,
    disk_mb: Option<i64>,
    autostart: Option<bool>,
    image: Option<String>,
    error: Option<String>,
    uuid: Option<String>,
}

/// A container with its machine's name and its owner's username. The API
/// shows it as it is (`app::containers::ContainerView`), but for `owner_id`
/// and `uuid`: its field docs are the API's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ContainerView, description = "A container as the API shows it (PANEL.md's fields, and more).")]
pub struct Container {
    pub id: i64,
    pub name: String,
    pub machine: String,
    pub machine_id: i64,
    /// As last seen (`running`, `stopped`, …, `gone` once it left its
    /// machine); `creating` while the panel has it made, `failed` if that failed.
    pub status: String,
    #[serde(skip)]
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    #[serde(rename = "parent")]
    pub parent_id: Option<i64>,
    /// The addresses the sync saw, e.g. `["10.77.0.23"]` (kept as the JSON the
    /// database holds: a list of 10 000 containers re-encodes none of them).
    #[serde(serialize_with = "raw_json")]
    #[schema(value_type = Vec<String>)]
    pub addresses: String,
    pub synced_at: i64,
    pub gone_at: Option<i64>,
    /// A member made it under her quota: it counts against its owner's
    /// quota, and she may resize and delete it.
    pub in_quota: bool,
    /// The limits the panel set (null fields: none set through the panel).
    // While `creating`: the limits reserved.
    pub limits: Limits,
    /// Whether it starts with its machine, as the panel last set it (null: unknown).
    // LXD's `boot.autostart`.
    pub autostart: Option<bool>,
    /// The image it was created from through the panel.
    pub image: Option<String>,
    /// Why its creation failed (status `failed`).
    pub error: Option<String>,
    /// LXD's `volatile.uuid` of the instance, once the panel has seen it:
    /// bound into every token for it (`uid`).
    #[serde(skip)]
    pub uuid: Option<String>,
}

/// Stored addresses as the JSON they are, not re-encoded; `[]` if they are not JSON.
fn raw_json<S: serde::Serializer>(addresses: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_str::<&serde_json::value::RawValue>(addresses) {
        Ok(raw) => serde::Serialize::serialize(raw, serializer),
        Err(error) => {
            tracing::warn!(%error, "a container's stored addresses are not JSON");
            serializer.collect_seq(std::iter::empty::<String>())
        }
    }
}

/// A limit outside its range: its field as the JSON names it, and the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be {min} to {max}, or left out")]
pub struct LimitOutOfRange {
    pub field: &'static str,
    pub min: i64,
    pub max: i64,
}

/// A container's resource limits as the panel records them; `None`: not set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// CPUs (`limits.cpu`).
    pub cpu: Option<i64>,
    /// Memory in MiB (`limits.memory`).
    pub memory_mb: Option<i64>,
    /// Root disk in MiB.
    pub disk_mb: Option<i64>,
}

impl Limits {
    /// The largest CPU count a limit may name.
    pub const MAX_CPU: i64 = 1024;
    /// Below this LXD's containers do not boot usefully.
    pub const MIN_MEMORY_MB: i64 = 16;

    /// Each given limit is in range; the first that is not, else `Ok`.
    pub fn validate(&self) -> Result<(), LimitOutOfRange> {
        let max_mb = smp_proto::api::MAX_DISK_MB as i64;
        let checks = [
            ("cpu", self.cpu, 1, Self::MAX_CPU),
            ("memory_mb", self.memory_mb, Self::MIN_MEMORY_MB, max_mb),
            ("disk_mb", self.disk_mb, 1, max_mb),
        ];
        for (field, value, min, max) in checks {
            if let Some(value) = value
                && !(min..=max).contains(&value)
            {
                return Err(LimitOutOfRange { field, min, max });
            }
        }
        Ok(())
    }

    /// These limits with each missing one taken from `fallback`.
    pub fn or(self, fallback: Limits) -> Limits {
        Limits {
            cpu: self.cpu.or(fallback.cpu),
            memory_mb: self.memory_mb.or(fallback.memory_mb),
            disk_mb: self.disk_mb.or(fallback.disk_mb),
        }
    }

    /// Whether any of these limits is above (or newly set beside) `before`'s.
    pub fn grows_from(&self, before: &Limits) -> bool {
        [(self.cpu, before.cpu), (self.memory_mb, before.memory_mb), (self.disk_mb, before.disk_mb)].into_iter().any(
            |(after, before)| match (after, before) {
                (Some(after), Some(before)) => after > before,
                (Some(_), None) => true,
                (None, _) => false,
            },
        )
    }

    /// The instance configuration keys of the CPU and memory limits (the
    /// disk is the agent's `disk_mb`).
    pub fn config(&self) -> std::collections::BTreeMap<String, String> {
        let mut config = std::collections::BTreeMap::new();
        if let Some(cpu) = self.cpu {
            config.insert("limits.cpu".to_owned(), cpu.to_string());
        }
        if let Some(memory_mb) = self.memory_mb {
            config.insert("limits.memory".to_owned(), format!("{memory_mb}MiB"));
        }
        config
    }
}

impl Container {
    pub fn id(&self) -> ContainerId {
        ContainerId(self.id)
    }

    pub fn is_gone(&self) -> bool {
        self.gone_at.is_some()
    }

    pub fn address_list(&self) -> Vec<String> {
        serde_json::from_str(&self.addresses).unwrap_or_default()
    }
}

/// Which containers a list shows (all filters optional, combined with AND),
/// applied after the policy has decided on each row.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub machine_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub status: Option<String>,
    /// Leave out containers that are gone.
    pub live_only: bool,
}

/// One container by id, gone or not.
pub fn get(connection: &mut DbConnection, id: ContainerId) -> QueryResult<Option<Container>> {
    Ok(list(connection, Some(&[id.0]))?.pop())
}

impl ListFilter {
    pub fn matches(&self, container: &Container) -> bool {
        self.machine_id.is_none_or(|id| container.machine_id == id)
            && self.owner_id.is_none_or(|id| container.owner_id == Some(id))
            && self.status.as_ref().is_none_or(|status| &container.status == status)
            && !(self.live_only && container.is_gone())
    }
}

/// The containers among `ids` (every container if `None`), by id. One
/// query for the rows and one each for their machines' and owners' names,
/// cheaper than joining them to every row of a long list.
pub fn list(connection: &mut DbConnection, ids: Option<&[i64]>) -> QueryResult<Vec<Container>> {
    let mut query = containers::table.select(Row::as_select()).order(containers::id).into_boxed();
    if let Some(ids) = ids {
        query = query.filter(containers::id.eq_any(ids.to_vec()));
    }
    let rows: Vec<Row> = query.load(connection)?;
    named(connection, rows)
}

/// `query` narrowed to what the `ListFilter` `filter` selects, in SQL (one
/// macro for the boxed queries of `page` and `ids_by_machine_and_name`,
/// whose types differ).
macro_rules! with_filter {
    ($query:expr, $filter:expr) => {{
        let (mut query, filter) = ($query, $filter);
        if let Some(machine_id) = filter.machine_id {
            query = query.filter(containers::machine_id.eq(machine_id));
        }
        if let Some(owner_id) = filter.owner_id {
            query = query.filter(containers::owner_id.eq(owner_id));
        }
        if let Some(status) = &filter.status {
            query = query.filter(containers::status.eq(status.clone()));
        }
        if filter.live_only {
            query = query.filter(containers::gone_at.is_null());
        }
        query
    }};
}

/// One page of a list: the containers among `ids` (every container if
/// `None`) that `filter` selects, with an id above `after`, by id, at most
/// `limit` of them; and whether more follow. The filter runs in the query,
/// so a page costs the same whatever the table's size.
pub fn page(
    connection: &mut DbConnection,
    ids: Option<&[i64]>,
    filter: &ListFilter,
    after: i64,
    limit: i64,
) -> QueryResult<(Vec<Container>, bool)> {
    let mut query = containers::table
        .select(Row::as_select())
        .filter(containers::id.gt(after))
        .order(containers::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(containers::id.eq_any(ids.to_vec()));
    }
    query = with_filter!(query, filter);
    let mut rows: Vec<Row> = query.load(connection)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    Ok((named(connection, rows)?, more))
}

/// The links (owner, parent) of the ancestors of `rows` that are not among
/// them: with `rows`, what `OwnerChains` needs for a page of a list.
pub fn ancestor_links(connection: &mut DbConnection, rows: &[Container]) -> QueryResult<OwnerChains> {
    let mut links: HashMap<i64, (Option<i64>, Option<i64>)> =
        rows.iter().map(|row| (row.id, (row.owner_id, row.parent_id))).collect();
    let mut wanted: Vec<i64> =
        rows.iter().filter_map(|row| row.parent_id).filter(|id| !links.contains_key(id)).collect();
    for _ in 0..MAX_DEPTH {
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let found: Vec<(i64, Option<i64>, Option<i64>)> = containers::table
            .filter(containers::id.eq_any(&wanted))
            .select((containers::id, containers::owner_id, containers::parent_id))
            .load(connection)?;
        wanted = found.iter().filter_map(|(_, _, parent)| *parent).filter(|id| !links.contains_key(id)).collect();
        links.extend(found.into_iter().map(|(id, owner, parent)| (id, (owner, parent))));
    }
    Ok(OwnerChains { links })
}

/// The ids of the containers `filter` selects, by machine name, name and
/// id: the admin's list of every container, whose page then loads only its
/// own rows (`list`).
pub fn ids_by_machine_and_name(connection: &mut DbConnection, filter: &ListFilter) -> QueryResult<Vec<i64>> {
    let mut query = containers::table
        .inner_join(machines::table)
        .select((containers::id, machines::name, containers::name))
        .order((machines::name, containers::name, containers::id))
        .into_boxed();
    query = with_filter!(query, filter);
    let rows: Vec<(i64, String, String)> = query.load(connection)?;
    Ok(rows.into_iter().map(|(id, _, _)| id).collect())
}

/// `rows` with their machines' and owners' names.
fn named(connection: &mut DbConnection, rows: Vec<Row>) -> QueryResult<Vec<Container>> {
    let machine_names: HashMap<i64, String> =
        machines::table.select((machines::id, machines::name)).load(connection)?.into_iter().collect();
    let owner_ids: HashSet<i64> = rows.iter().filter_map(|row| row.owner_id).collect();
    let owner_names: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(owner_ids.into_iter().collect::<Vec<_>>()))
        .select((users::id, users::username))
        .load(connection)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Container {
            id: row.id,
            machine_id: row.machine_id,
            machine: machine_names.get(&row.machine_id).cloned().unwrap_or_default(),
            name: row.name,
            owner_id: row.owner_id,
            owner: row.owner_id.and_then(|owner| owner_names.get(&owner).cloned()),
            parent_id: row.parent_id,
            status: row.status,
            addresses: row.addresses,
            synced_at: row.synced_at,
            gone_at: row.gone_at,
            in_quota: row.in_quota,
            limits: Limits { cpu: row.cpu, memory_mb: row.memory_mb, disk_mb: row.disk_mb },
            autostart: row.autostart,
            image: row.image,
            error: row.error,
            uuid: row.uuid,
        })
        .collect())
}

/// The ids of the containers `owner` owns and of all their descendants.
pub fn tree_ids_of(connection: &mut DbConnection, owner: i64) -> QueryResult<Vec<i64>> {
    let mut all: Vec<i64> =
        containers::table.filter(containers::owner_id.eq(owner)).select(containers::id).load(connection)?;
    let mut seen: HashSet<i64> = all.iter().copied().collect();
    let mut frontier = all.clone();
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let children: Vec<i64> =
            containers::table.filter(containers::parent_id.eq_any(frontier)).select(containers::id).load(connection)?;
        frontier = children.into_iter().filter(|id| seen.insert(*id)).collect();
        all.extend(&frontier);
    }
    Ok(all)
}

/// The owners along a container's chain: its own owner first, then each
/// ancestor's (what `policy::Object::Container` wants). Empty if there is no
/// such container.
pub fn owner_chain(connection: &mut DbConnection, id: ContainerId) -> QueryResult<Vec<Option<i64>>> {
    let mut chain = Vec::new();
    let mut next = Some(id.0);
    while let Some(current) = next
        && chain.len() < MAX_DEPTH
    {
        let row: Option<(Option<i64>, Option<i64>)> = containers::table
            .find(current)
            .select((containers::owner_id, containers::parent_id))
            .first(connection)
            .optional()?;
        let Some((owner, parent)) = row else { break };
        chain.push(owner);
        next = parent;
    }
    Ok(chain)
}

/// The owner chains of a list's rows, computed from the rows themselves (a
/// parent outside them ends a chain): for listing without one query per
/// row. Only rows with a parent need the links; the rest are their own
/// owner alone.
#[derive(Debug, Default)]
pub struct OwnerChains {
    links: HashMap<i64, (Option<i64>, Option<i64>)>,
}

impl OwnerChains {
    pub fn of(rows: &[Container]) -> OwnerChains {
        if rows.iter().all(|row| row.parent_id.is_none()) {
            return OwnerChains::default();
        }
        OwnerChains { links: rows.iter().map(|row| (row.id, (row.owner_id, row.parent_id))).collect() }
    }

    /// The owners along `row`'s chain, its own first (what
    /// `policy::Object::Container` wants).
    pub fn chain<'a>(&self, row: &'a Container) -> std::borrow::Cow<'a, [Option<i64>]> {
        if row.parent_id.is_none() {
            return std::borrow::Cow::Borrowed(std::slice::from_ref(&row.owner_id));
        }
        let mut chain = vec![row.owner_id];
        let mut next = row.parent_id;
        while let Some(current) = next
            && chain.len() < MAX_DEPTH
            && let Some(&(owner, parent)) = self.links.get(&current)
        {
            chain.push(owner);
            next = parent;
        }
        std::borrow::Cow::Owned(chain)
    }
}

/// Sets (or clears) the owner.
pub fn set_owner(connection: &mut DbConnection, id: ContainerId, owner: Option<i64>) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0)).set(containers::owner_id.eq(owner)).execute(connection)
}

/// Sets (or clears) the parent.
pub fn set_parent(connection: &mut DbConnection, id: ContainerId, parent: Option<i64>) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0)).set(containers::parent_id.eq(parent)).execute(connection)
}

/// Records a status the panel itself just saw (an action's answer).
pub fn set_status(connection: &mut DbConnection, id: ContainerId, status: &str, now: i64) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0).filter(containers::gone_at.is_null()))
        .set((containers::status.eq(status), containers::synced_at.eq(now), written_now()))
        .execute(connection)
}

/// A container the panel is about to have made.
#[derive(Debug, Clone)]
pub struct Reservation<'a> {
    pub machine: MachineId,
    pub name: &'a str,
    pub owner: Option<i64>,
    pub parent: Option<ContainerId>,
    pub in_quota: bool,
    pub limits: Limits,
    pub autostart: bool,
    pub image: &'a str,
}

/// Inserts the `creating` row of a reservation; `Ok(None)` when a live
/// container of that name is already on the machine.
pub fn reserve(
    connection: &mut DbConnection,
    reservation: &Reservation<'_>,
    now: i64,
) -> QueryResult<Option<ContainerId>> {
    let insert = diesel::insert_into(containers::table)
        .values((
            containers::machine_id.eq(reservation.machine.0),
            containers::name.eq(reservation.name),
            containers::owner_id.eq(reservation.owner),
            containers::parent_id.eq(reservation.parent.map(|parent| parent.0)),
            containers::status.eq(STATUS_CREATING),
            containers::synced_at.eq(now),
            written_now(),
            containers::in_quota.eq(reservation.in_quota),
            containers::cpu.eq(reservation.limits.cpu),
            containers::memory_mb.eq(reservation.limits.memory_mb),
            containers::disk_mb.eq(reservation.limits.disk_mb),
            containers::autostart.eq(Some(reservation.autostart)),
            containers::image.eq(Some(reservation.image)),
        ))
        .execute(connection);
    if !inserted(insert)? {
        return Ok(None);
    }
    containers::table
        .filter(containers::machine_id.eq(reservation.machine.0))
        .filter(containers::name.eq(reservation.name))
        .filter(containers::gone_at.is_null())
        .select(containers::id)
        .first(connection)
        .map(|id| Some(ContainerId(id)))
}

/// Records the LXD uuid a creation answered.
pub fn set_uuid(connection: &mut DbConnection, id: ContainerId, uuid: &str) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0)).set(containers::uuid.eq(Some(uuid))).execute(connection)
}

/// A creation failed: the row is gone (it no longer counts), and says why.
pub fn fail_creation(connection: &mut DbConnection, id: ContainerId, error: &str, now: i64) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0).filter(containers::gone_at.is_null()))
        .set((
            containers::gone_at.eq(Some(now)),
            containers::status.eq(STATUS_FAILED),
            containers::error.eq(Some(error)),
            containers::synced_at.eq(now),
            written_now(),
        ))
        .execute(connection)
}

/// Marks a container the panel deleted as gone.
pub fn mark_deleted(connection: &mut DbConnection, id: ContainerId, now: i64) -> QueryResult<usize> {
    mark_gone(connection, id.0, now)
}

/// The container's live children, (id, name) by name.
pub fn live_children(connection: &mut DbConnection, id: ContainerId) -> QueryResult<Vec<(i64, String)>> {
    containers::table
        .filter(containers::parent_id.eq(id.0))
        .filter(containers::gone_at.is_null())
        .select((containers::id, containers::name))
        .order((containers::name, containers::id))
        .load(connection)
}

/// The names of the machine's live containers.
pub fn live_names_of_machine(
    connection: &mut DbConnection,
    machine: crate::db::machines::MachineId,
) -> QueryResult<std::collections::BTreeSet<String>> {
    let names: Vec<String> = containers::table
        .filter(containers::machine_id.eq(machine.0))
        .filter(containers::gone_at.is_null())
        .select(containers::name)
        .load(connection)?;
    Ok(names.into_iter().collect())
}

/// Records the limits the panel set (or reserves, before it sets them).
pub fn set_limits(connection: &mut DbConnection, id: ContainerId, limits: &Limits) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0))
        .set((
            containers::cpu.eq(limits.cpu),
            containers::memory_mb.eq(limits.memory_mb),
            containers::disk_mb.eq(limits.disk_mb),
        ))
        .execute(connection)
}

/// Puts `before` back after a failed change to `after`, only while the row
/// still holds `after` (a change made meanwhile stays); how many rows changed.
pub fn restore_limits(
    connection: &mut DbConnection,
    id: ContainerId,
    after: &Limits,
    before: &Limits,
) -> QueryResult<usize> {
    super::write_transaction(connection, |connection| {
        let (cpu, memory_mb, disk_mb) = containers::table
            .find(id.0)
            .select((containers::cpu, containers::memory_mb, containers::disk_mb))
            .first::<(Option<i64>, Option<i64>, Option<i64>)>(connection)?;
        if (Limits { cpu, memory_mb, disk_mb }) != *after {
            return Ok(0);
        }
        set_limits(connection, id, before)
    })
}

pub fn set_autostart(connection: &mut DbConnection, id: ContainerId, autostart: bool) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0)).set(containers::autostart.eq(Some(autostart))).execute(connection)
}

/// Whether the container counts against its owner's quota (an adopted one may).
pub fn set_in_quota(connection: &mut DbConnection, id: ContainerId, in_quota: bool) -> QueryResult<usize> {
    diesel::update(containers::table.find(id.0)).set(containers::in_quota.eq(in_quota)).execute(connection)
}

/// How many live containers each machine has (machines without any are absent).
pub fn live_count_by_machine(connection: &mut DbConnection) -> QueryResult<HashMap<i64, i64>> {
    let machine_ids: Vec<i64> =
        containers::table.filter(containers::gone_at.is_null()).select(containers::machine_id).load(connection)?;
    let mut counts = HashMap::new();
    for machine in machine_ids {
        *counts.entry(machine).or_insert(0) += 1;
    }
    Ok(counts)
}

/// What one full sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub gone: usize,
    pub total: usize,
    /// Services whose status changed.
    pub services: usize,
}

#[derive(Queryable)]
struct LiveRow {
    id: i64,
    name: String,
    status: String,
    addresses: String,
    lxd_created_at: String,
    uuid: Option<String>,
    written_ms: i64,
}

impl LiveRow {
    /// Whether the row was written at or after `asked_ms`: a list asked for
    /// then may be older than it.
    fn written_since(&self, asked_ms: i64) -> bool {
        self.written_ms >= asked_ms
    }

    /// Whether `summary` is this row's instance: the same LXD uuid and
    /// creation time, where both sides know them.
    fn is_instance(&self, summary: &ContainerSummary) -> bool {
        let same_uuid = match (&self.uuid, &summary.uuid) {
            (Some(known), Some(listed)) => known == listed,
            _ => true,
        };
        same_uuid && (self.lxd_created_at.is_empty() || self.lxd_created_at == summary.created_at)
    }
}

fn mark_gone(connection: &mut DbConnection, id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(containers::table.find(id))
        .set((
            containers::gone_at.eq(Some(now)),
            containers::status.eq(STATUS_GONE),
            containers::synced_at.eq(now),
            written_now(),
        ))
        .execute(connection)
}

/// The stamp of every write of a row's status or liveness (`written_ms`).
fn written_now() -> diesel::dsl::Eq<containers::written_ms, i64> {
    containers::written_ms.eq(super::unix_now_ms())
}

fn insert(
    connection: &mut DbConnection,
    machine: MachineId,
    summary: &ContainerSummary,
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_into(containers::table)
        .values((
            containers::machine_id.eq(machine.0),
            containers::name.eq(&summary.name),
            containers::status.eq(summary.status.as_str()),
            containers::addresses.eq(addresses_json(&summary.addresses)),
            containers::synced_at.eq(now),
            containers::lxd_created_at.eq(&summary.created_at),
            containers::uuid.eq(&summary.uuid),
            written_now(),
        ))
        .execute(connection)
}

fn addresses_json(addresses: &[String]) -> String {
    serde_json::to_string(addresses).unwrap_or_else(|_| "[]".to_owned())
}

/// The `asked_ms` of a list newer than every row (a test's or a bench's).
pub const ASKED_AFTER_EVERY_WRITE: i64 = i64::MAX;

/// Makes the machine's live rows match `list` (its agent's `/containers`,
/// asked for at `asked_ms`, Unix milliseconds), in one transaction: new
/// names are added without owner, known ones take the status and
/// addresses, missing ones are marked gone. Rows that did not change are
/// not written.
///
/// A list may be older than a row: a creation, an action or a deletion
/// whose answer the panel wrote while the list was on its way. So a row
/// written (`written_ms`) at or after `asked_ms` keeps its status and stays
/// live, and a name whose row went gone then is not added again; the next
/// pass, asked for later, settles them.
pub fn apply_list(
    connection: &mut DbConnection,
    machine: MachineId,
    list: &[ContainerSummary],
    asked_ms: i64,
    now: i64,
) -> QueryResult<SyncReport> {
    super::write_transaction(connection, |connection| {
        // Two passes over one machine (the sync's and an admin's "sync now")
        // apply one after the other: SQLite's `BEGIN IMMEDIATE` does that, on
        // PostgreSQL the machine's row is locked (else both inserted a new
        // container and one failed on `containers_live_name`: a 500).
        if let DbConnection::Postgresql(postgresql) = connection {
            diesel::sql_query("SELECT id FROM machines WHERE id = $1 FOR UPDATE")
                .bind::<diesel::sql_types::BigInt, _>(machine.0)
                .execute(postgresql)?;
        }
        let live: Vec<LiveRow> = containers::table
            .filter(containers::machine_id.eq(machine.0).and(containers::gone_at.is_null()))
            .select((
                containers::id,
                containers::name,
                containers::status,
                containers::addresses,
                containers::lxd_created_at,
                containers::uuid,
                containers::written_ms,
            ))
            .load(connection)?;
        let mut by_name: HashMap<&str, &LiveRow> = live.iter().map(|row| (row.name.as_str(), row)).collect();
        let mut report = SyncReport { total: list.len(), ..SyncReport::default() };
        for summary in list {
            match by_name.remove(summary.name.as_str()) {
                Some(row) if row.is_instance(summary) => {
                    let addresses = addresses_json(&summary.addresses);
                    // A row written since the list was asked for keeps its
                    // status (its addresses are the sync's alone). A
                    // creation in flight ends with its own answer (a list
                    // may catch it created but not yet started); only one
                    // whose answer never comes takes the listed status.
                    let status = if row.written_since(asked_ms) {
                        row.status.as_str()
                    } else if row.status == STATUS_CREATING && creation_awaited(connection, row.id)? {
                        STATUS_CREATING
                    } else {
                        summary.status.as_str()
                    };
                    let uuid = summary.uuid.as_ref().or(row.uuid.as_ref());
                    if row.status != status
                        || row.addresses != addresses
                        || row.lxd_created_at != summary.created_at
                        || row.uuid.as_ref() != uuid
                    {
                        diesel::update(containers::table.find(row.id))
                            .set((
                                containers::status.eq(status),
                                containers::addresses.eq(addresses),
                                containers::lxd_created_at.eq(&summary.created_at),
                                containers::uuid.eq(uuid),
                                containers::synced_at.eq(now),
                                written_now(),
                            ))
                            .execute(connection)?;
                        report.updated += 1;
                    }
                }
                Some(row) if row.written_since(asked_ms) => {}
                Some(row) => {
                    // Same name, another instance (another uuid or creation
                    // time): the old one is gone, with its owner; the new
                    // one is nobody's until an admin says otherwise.
                    mark_gone(connection, row.id, now)?;
                    insert(connection, machine, summary, now)?;
                    report.gone += 1;
                    report.added += 1;
                }
                None if went_gone_since(connection, machine, &summary.name, asked_ms)? => {}
                None => {
                    insert(connection, machine, summary, now)?;
                    report.added += 1;
                }
            }
        }
        for row in by_name.values().filter(|row| !row.written_since(asked_ms)) {
            if row.status == STATUS_CREATING {
                // LXD has not made it yet; a creation that nobody awaits
                // and that LXD had all the time to make never finished.
                if super::in_flight::may_still_happen(connection, &format!("container:{}", row.id), now)? {
                    continue;
                }
                fail_creation(
                    connection,
                    ContainerId(row.id),
                    "the creation did not finish: its answer was lost and LXD does not have the container",
                    now,
                )?;
            } else {
                mark_gone(connection, row.id, now)?;
            }
            report.gone += 1;
        }
        Ok(report)
    })
}

/// Whether a row named `name` on `machine` went gone at or after
/// `asked_ms` (the panel deleted it, or its creation failed, meanwhile).
fn went_gone_since(connection: &mut DbConnection, machine: MachineId, name: &str, asked_ms: i64) -> QueryResult<bool> {
    let gone = containers::table
        .filter(containers::machine_id.eq(machine.0))
        .filter(containers::name.eq(name))
        .filter(containers::gone_at.is_not_null())
        .filter(containers::written_ms.ge(asked_ms));
    diesel::select(diesel::dsl::exists(gone)).get_result(connection)
}

/// Whether a panel process still awaits the creation of container `id`
/// (its call is in flight and not orphaned).
fn creation_awaited(connection: &mut DbConnection, id: i64) -> QueryResult<bool> {
    super::in_flight::awaited(connection, &format!("container:{id}"))
}

/// What an event did to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// A known container took the event's status (or was marked gone).
    Applied,
    /// The event names no live row (a new container): a full sync must
    /// fetch it, since events carry no addresses or creation time.
    Unknown,
}

/// Applies one `GET /events` change to the machine's live row of that name.
/// A row still `creating` is left as it is: its creation's answer decides
/// (the events of a creation that fails to start end in `deleted`, which
/// would otherwise hide why it failed).
pub fn apply_event(
    connection: &mut DbConnection,
    machine: MachineId,
    event: &ContainerEvent,
    now: i64,
) -> QueryResult<EventOutcome> {
    let live = containers::table
        .filter(containers::machine_id.eq(machine.0))
        .filter(containers::name.eq(&event.name))
        .filter(containers::gone_at.is_null());
    let creating = live.filter(containers::status.eq(STATUS_CREATING)).count().get_result::<i64>(connection)?;
    if creating > 0 {
        return Ok(EventOutcome::Applied);
    }
    let target = live;
    let changed = if event.status == ContainerStatus::Deleted {
        diesel::update(target)
            .set((
                containers::gone_at.eq(Some(now)),
                containers::status.eq(STATUS_GONE),
                containers::synced_at.eq(now),
                written_now(),
            ))
            .execute(connection)?
    } else {
        diesel::update(target)
            .set((containers::status.eq(event.status.as_str()), containers::synced_at.eq(now), written_now()))
            .execute(connection)?
    };
    Ok(if changed == 0 && event.status != ContainerStatus::Deleted {
        EventOutcome::Unknown
    } else {
        EventOutcome::Applied
    })
}

/// How many container rows a machine has, and how many of them have an owner.
pub fn count_for_machine(connection: &mut DbConnection, machine: MachineId) -> QueryResult<(i64, i64)> {
    let total = containers::table.filter(containers::machine_id.eq(machine.0)).count().get_result(connection)?;
    let owned = containers::table
        .filter(containers::machine_id.eq(machine.0))
        .filter(containers::owner_id.is_not_null())
        .count()
        .get_result(connection)?;
    Ok((total, owned))
}

/// Deletes every container row of a machine (when the machine is removed).
pub fn delete_for_machine(connection: &mut DbConnection, machine: MachineId) -> QueryResult<usize> {
    // Children first would be needed only across machines; clear parent links
    // that point into this machine before deleting its rows.
    let ids: Vec<i64> =
        containers::table.filter(containers::machine_id.eq(machine.0)).select(containers::id).load(connection)?;
    diesel::update(containers::table.filter(containers::parent_id.eq_any(ids.clone())))
        .set(containers::parent_id.eq(None::<i64>))
        .execute(connection)?;
    diesel::delete(containers::table.filter(containers::machine_id.eq(machine.0))).execute(connection)
}
