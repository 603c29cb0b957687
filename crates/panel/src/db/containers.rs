//! The `containers` table: what the sync saw on each machine, and who owns it.
//!
//! The sync writes names, status, addresses and `synced_at`; admins write
//! `owner_id` and `parent_id`. A container that disappears from its machine
//! is marked gone (`gone_at`, status `gone`) and keeps its row and ownership;
//! a later instance with the same name on the same machine (LXD's
//! `created_at` differs) gets a row of its own and no owner.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use smp_proto::api::{ContainerEvent, ContainerStatus, ContainerSummary};

use super::DbConnection;
use super::machines::MachineId;
use super::schema::{containers, machines, users};

/// A container's id in the panel's database (the API's `id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ContainerId(pub i64);

impl std::fmt::Display for ContainerId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(formatter)
    }
}

/// The status of a container that is no longer on its machine.
pub const STATUS_GONE: &str = "gone";

/// How deep a parent chain is followed (a deeper one is cut there; the API
/// refuses to make one).
pub const MAX_DEPTH: usize = 16;

/// A container with its machine's name and its owner's username.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
pub struct Container {
    #[diesel(select_expression = containers::id)]
    pub id: i64,
    #[diesel(select_expression = containers::machine_id)]
    pub machine_id: i64,
    #[diesel(select_expression = machines::name)]
    pub machine: String,
    #[diesel(select_expression = containers::name)]
    pub name: String,
    #[diesel(select_expression = containers::owner_id)]
    pub owner_id: Option<i64>,
    #[diesel(select_expression = users::username.nullable())]
    pub owner: Option<String>,
    #[diesel(select_expression = containers::parent_id)]
    pub parent_id: Option<i64>,
    #[diesel(select_expression = containers::status)]
    pub status: String,
    /// JSON array of addresses, as the sync stored it.
    #[diesel(select_expression = containers::addresses)]
    pub addresses: String,
    #[diesel(select_expression = containers::synced_at)]
    pub synced_at: i64,
    #[diesel(select_expression = containers::gone_at)]
    pub gone_at: Option<i64>,
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

macro_rules! joined {
    () => {
        containers::table.inner_join(machines::table).left_join(users::table)
    };
}

/// One container by id, gone or not.
pub fn get(connection: &mut DbConnection, id: ContainerId) -> QueryResult<Option<Container>> {
    joined!().filter(containers::id.eq(id.0)).select(Container::as_select()).first(connection).optional()
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
    type Row = (i64, i64, String, Option<i64>, Option<i64>, String, String, i64, Option<i64>);
    let mut query = containers::table
        .select((
            containers::id,
            containers::machine_id,
            containers::name,
            containers::owner_id,
            containers::parent_id,
            containers::status,
            containers::addresses,
            containers::synced_at,
            containers::gone_at,
        ))
        .order(containers::id)
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(containers::id.eq_any(ids.to_vec()));
    }
    let rows: Vec<Row> = query.load(connection)?;
    let machine_names: HashMap<i64, String> =
        machines::table.select((machines::id, machines::name)).load(connection)?.into_iter().collect();
    let owner_ids: HashSet<i64> = rows.iter().filter_map(|row| row.3).collect();
    let owner_names: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(owner_ids.into_iter().collect::<Vec<_>>()))
        .select((users::id, users::username))
        .load(connection)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, machine_id, name, owner_id, parent_id, status, addresses, synced_at, gone_at)| Container {
            id,
            machine_id,
            machine: machine_names.get(&machine_id).cloned().unwrap_or_default(),
            name,
            owner_id,
            owner: owner_id.and_then(|owner| owner_names.get(&owner).cloned()),
            parent_id,
            status,
            addresses,
            synced_at,
            gone_at,
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
        .set((containers::status.eq(status), containers::synced_at.eq(now)))
        .execute(connection)
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
}

fn mark_gone(connection: &mut DbConnection, id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(containers::table.find(id))
        .set((containers::gone_at.eq(Some(now)), containers::status.eq(STATUS_GONE), containers::synced_at.eq(now)))
        .execute(connection)
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
        ))
        .execute(connection)
}

fn addresses_json(addresses: &[String]) -> String {
    serde_json::to_string(addresses).unwrap_or_else(|_| "[]".to_owned())
}

/// Makes the machine's live rows match `list` (its agent's `/containers`),
/// in one transaction: new names are added without owner, known ones take
/// the status and addresses, missing ones are marked gone. Rows that did not
/// change are not written.
pub fn apply_list(
    connection: &mut DbConnection,
    machine: MachineId,
    list: &[ContainerSummary],
    now: i64,
) -> QueryResult<SyncReport> {
    super::write_transaction(connection, |connection| {
        let live: Vec<LiveRow> = containers::table
            .filter(containers::machine_id.eq(machine.0).and(containers::gone_at.is_null()))
            .select((
                containers::id,
                containers::name,
                containers::status,
                containers::addresses,
                containers::lxd_created_at,
            ))
            .load(connection)?;
        let mut by_name: HashMap<&str, &LiveRow> = live.iter().map(|row| (row.name.as_str(), row)).collect();
        let mut report = SyncReport { total: list.len(), ..SyncReport::default() };
        for summary in list {
            match by_name.remove(summary.name.as_str()) {
                Some(row) if row.lxd_created_at.is_empty() || row.lxd_created_at == summary.created_at => {
                    let addresses = addresses_json(&summary.addresses);
                    if row.status != summary.status.as_str()
                        || row.addresses != addresses
                        || row.lxd_created_at != summary.created_at
                    {
                        diesel::update(containers::table.find(row.id))
                            .set((
                                containers::status.eq(summary.status.as_str()),
                                containers::addresses.eq(addresses),
                                containers::lxd_created_at.eq(&summary.created_at),
                                containers::synced_at.eq(now),
                            ))
                            .execute(connection)?;
                        report.updated += 1;
                    }
                }
                Some(row) => {
                    // Same name, another instance: the old one is gone.
                    mark_gone(connection, row.id, now)?;
                    insert(connection, machine, summary, now)?;
                    report.gone += 1;
                    report.added += 1;
                }
                None => {
                    insert(connection, machine, summary, now)?;
                    report.added += 1;
                }
            }
        }
        for row in by_name.values() {
            mark_gone(connection, row.id, now)?;
            report.gone += 1;
        }
        Ok(report)
    })
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
pub fn apply_event(
    connection: &mut DbConnection,
    machine: MachineId,
    event: &ContainerEvent,
    now: i64,
) -> QueryResult<EventOutcome> {
    let target = containers::table
        .filter(containers::machine_id.eq(machine.0))
        .filter(containers::name.eq(&event.name))
        .filter(containers::gone_at.is_null());
    let changed = if event.status == ContainerStatus::Deleted {
        diesel::update(target)
            .set((containers::gone_at.eq(Some(now)), containers::status.eq(STATUS_GONE), containers::synced_at.eq(now)))
            .execute(connection)?
    } else {
        diesel::update(target)
            .set((containers::status.eq(event.status.as_str()), containers::synced_at.eq(now)))
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
