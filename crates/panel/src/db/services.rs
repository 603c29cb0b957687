//! The `services` table: systemd units inside containers that the panel
//! manages, each with an optional service owner, and their status as last seen.
//!
//! Admins and container owners create rows (the unit must exist in the
//! container); the sync and the actions' answers write `status`: systemd's
//! active state (`active`, `inactive`, `failed`, `activating`, …),
//! `not-found` when the unit left the container, `gone` when the container
//! did, `unknown` before it was first seen.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::containers::{ContainerId, STATUS_GONE};
use super::schema::{containers, machines, services, users};
use super::{DbConnection, inserted};

row_id! {
    /// A service's id in the panel's database (the API's `id`).
    ServiceId
}

/// The status of a unit the panel has not seen yet.
pub const STATUS_UNKNOWN: &str = "unknown";
/// The status of a unit that is no longer in its container.
pub const STATUS_NOT_FOUND: &str = "not-found";
/// The status of every unit of a container that is not running.
pub const STATUS_INACTIVE: &str = "inactive";

/// A service with its container's and machine's names and its owner's username.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
pub struct Service {
    #[diesel(select_expression = services::id)]
    pub id: i64,
    #[diesel(select_expression = services::container_id)]
    pub container_id: i64,
    #[diesel(select_expression = containers::name)]
    pub container: String,
    #[diesel(select_expression = containers::machine_id)]
    pub machine_id: i64,
    #[diesel(select_expression = machines::name)]
    pub machine: String,
    #[diesel(select_expression = services::unit)]
    pub unit: String,
    #[diesel(select_expression = services::owner_id)]
    pub owner_id: Option<i64>,
    #[diesel(select_expression = users::username.nullable())]
    pub owner: Option<String>,
    #[diesel(select_expression = services::description)]
    pub description: String,
    #[diesel(select_expression = services::status)]
    pub status: String,
    #[diesel(select_expression = services::synced_at)]
    pub synced_at: i64,
}

impl Service {
    pub fn id(&self) -> ServiceId {
        ServiceId(self.id)
    }

    pub fn container_id(&self) -> ContainerId {
        ContainerId(self.container_id)
    }
}

macro_rules! joined {
    () => {
        services::table
            .inner_join(containers::table.inner_join(machines::table))
            .left_join(users::table.on(services::owner_id.eq(users::id.nullable())))
    };
}

/// One service by id.
pub fn get(connection: &mut DbConnection, id: ServiceId) -> QueryResult<Option<Service>> {
    joined!().filter(services::id.eq(id.0)).select(Service::as_select()).first(connection).optional()
}

/// Which services a list starts from.
#[derive(Debug, Clone, Copy)]
pub enum Candidates<'a> {
    All,
    /// The services `owner` owns, and those on the containers `containers` names.
    OwnedOrOn {
        owner: i64,
        containers: &'a [i64],
    },
    /// The services on one container.
    OnContainer(ContainerId),
}

/// The services `candidates` names, by id.
pub fn list(connection: &mut DbConnection, candidates: Candidates<'_>) -> QueryResult<Vec<Service>> {
    let query = joined!().select(Service::as_select()).order(services::id).into_boxed();
    let query = match candidates {
        Candidates::All => query,
        Candidates::OwnedOrOn { owner, containers } => {
            query.filter(services::owner_id.eq(owner).or(services::container_id.eq_any(containers.to_vec())))
        }
        Candidates::OnContainer(container) => query.filter(services::container_id.eq(container.0)),
    };
    query.load(connection)
}

/// A service to create.
#[derive(Debug)]
pub struct NewService<'a> {
    pub container: ContainerId,
    pub unit: &'a str,
    pub owner_id: Option<i64>,
    pub description: &'a str,
    pub status: &'a str,
}

/// Why a service cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the container already has a service for this unit")]
    Duplicate,
    #[error(transparent)]
    Query(#[from] DieselError),
}

/// Inserts the service (call it in a transaction); its id. The unique
/// index decides a duplicate, so two concurrent creates cannot both win.
pub fn create(connection: &mut DbConnection, new: &NewService<'_>, now: i64) -> Result<ServiceId, ServiceError> {
    let insert = diesel::insert_into(services::table)
        .values((
            services::container_id.eq(new.container.0),
            services::unit.eq(new.unit),
            services::owner_id.eq(new.owner_id),
            services::description.eq(new.description),
            services::status.eq(new.status),
            services::synced_at.eq(now),
        ))
        .execute(connection);
    if !inserted(insert)? {
        return Err(ServiceError::Duplicate);
    }
    Ok(ServiceId(
        services::table
            .filter(services::container_id.eq(new.container.0))
            .filter(services::unit.eq(new.unit))
            .select(services::id)
            .first(connection)?,
    ))
}

/// Whether the container has a service row for `unit`.
pub fn exists(connection: &mut DbConnection, container: ContainerId, unit: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        services::table.filter(services::container_id.eq(container.0)).filter(services::unit.eq(unit)),
    ))
    .get_result(connection)
}

/// Sets (or clears) the service owner.
pub fn set_owner(connection: &mut DbConnection, id: ServiceId, owner: Option<i64>) -> QueryResult<usize> {
    diesel::update(services::table.find(id.0)).set(services::owner_id.eq(owner)).execute(connection)
}

pub fn set_description(connection: &mut DbConnection, id: ServiceId, description: &str) -> QueryResult<usize> {
    diesel::update(services::table.find(id.0)).set(services::description.eq(description)).execute(connection)
}

/// Records a status the panel just saw (an action's answer or the sync).
pub fn set_status(connection: &mut DbConnection, id: ServiceId, status: &str, now: i64) -> QueryResult<usize> {
    diesel::update(services::table.find(id.0))
        .set((services::status.eq(status), services::synced_at.eq(now)))
        .execute(connection)
}

/// Deletes the panel's row (the unit stays in its container).
pub fn delete(connection: &mut DbConnection, id: ServiceId) -> QueryResult<usize> {
    diesel::delete(services::table.find(id.0)).execute(connection)
}

/// How many services run on the machine's containers.
pub fn count_for_machine(connection: &mut DbConnection, machine: i64) -> QueryResult<i64> {
    services::table
        .inner_join(containers::table)
        .filter(containers::machine_id.eq(machine))
        .count()
        .get_result(connection)
}

/// A service as the sync sees it: the unit and where it runs.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SyncRow {
    pub id: i64,
    pub unit: String,
    pub status: String,
    pub container: String,
    pub container_status: String,
}

/// The services of the machine's containers, grouped by container name.
pub fn of_machine(connection: &mut DbConnection, machine: i64) -> QueryResult<HashMap<String, Vec<SyncRow>>> {
    let rows: Vec<SyncRow> = services::table
        .inner_join(containers::table)
        .filter(containers::machine_id.eq(machine))
        .select((services::id, services::unit, services::status, containers::name, containers::status))
        .order(services::id)
        .load(connection)?;
    let mut by_container: HashMap<String, Vec<SyncRow>> = HashMap::new();
    for row in rows {
        by_container.entry(row.container.clone()).or_default().push(row);
    }
    Ok(by_container)
}

/// The status a service has while its container is not running (`status`
/// is the container's), or `None` when the unit itself must be asked.
pub fn status_without_unit(container_status: &str) -> Option<&'static str> {
    match container_status {
        "running" => None,
        STATUS_GONE => Some(STATUS_GONE),
        _ => Some(STATUS_INACTIVE),
    }
}

/// Writes the statuses that changed, in one transaction; how many.
pub fn apply_statuses(connection: &mut DbConnection, seen: &[(i64, String)], now: i64) -> QueryResult<usize> {
    super::write_transaction(connection, |connection| {
        let mut changed = 0;
        for (id, status) in seen {
            changed += diesel::update(services::table.find(*id).filter(services::status.ne(status)))
                .set((services::status.eq(status), services::synced_at.eq(now)))
                .execute(connection)?;
        }
        Ok(changed)
    })
}

/// Gives the services on the machine's live container `name` the status
/// that `container_status` implies, if it implies one (a container that
/// stops takes its units with it); how many rows changed.
pub fn follow_container(
    connection: &mut DbConnection,
    machine: i64,
    name: &str,
    container_status: &str,
    now: i64,
) -> QueryResult<usize> {
    let Some(status) = status_without_unit(container_status) else { return Ok(0) };
    let container = containers::table
        .filter(containers::machine_id.eq(machine))
        .filter(containers::name.eq(name))
        .filter(containers::gone_at.is_null())
        .select(containers::id);
    diesel::update(services::table.filter(services::container_id.eq_any(container)).filter(services::status.ne(status)))
        .set((services::status.eq(status), services::synced_at.eq(now)))
        .execute(connection)
}
