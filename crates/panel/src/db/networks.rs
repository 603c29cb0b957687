//! The `machine_networks`, `container_addresses` and `forwards` tables
//! (issue 17): the networks each agent may touch as it last listed them,
//! the static addresses admins set, and the host ports forwarded to
//! containers.
//!
//! The database is the first line against two containers getting the same
//! address or two forwards the same port: `container_addresses` is unique
//! on (machine, network, ipv4) and (machine, network, ipv6), `forwards` on
//! (machine, protocol, listen port). A free port is picked after
//! [`lock_machine`], in the transaction that inserts it, so concurrent
//! requests for the last port cannot both see it free; the unique index
//! holds even so.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use diesel::prelude::*;
use serde::Serialize;
use smp_proto::network::{ForwardProtocol, NetworkView, PortRange};

use super::containers::ContainerId;
use super::machines::MachineId;
use super::schema::{container_addresses, containers, forwards, machine_networks, machines, users};
use super::{DbConnection, inserted};

row_id!(
    /// A `forwards` row's id.
    ForwardId
);

/// A network of a machine as its agent last listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MachineNetwork {
    pub machine_id: i64,
    pub machine: String,
    pub name: String,
    pub ipv4_subnet: Option<String>,
    pub ipv6_subnet: Option<String>,
    /// Its addresses are reachable from outside (the agent's operator says so).
    pub public: bool,
    /// The host's address forwards listen on; null: no forwards on this network.
    pub listen_address: Option<String>,
    /// The ports forwards take on `listen_address`, e.g. `20000-29999`.
    pub forward_ports: Option<String>,
    /// What the last sync found different between LXD's forwards on this
    /// network and the panel's (null: nothing). The sync never deletes.
    pub drift: Option<String>,
    pub updated_at: i64,
    /// Its DHCP leases and static allocations as the agent lists them now
    /// (`GET /api/v1/networks` asks each machine); null when not asked or
    /// the agent could not answer.
    pub leases: Option<Vec<smp_proto::network::LeaseView>>,
}

impl MachineNetwork {
    /// The forward range, when the network has forwards.
    pub fn range(&self) -> Option<PortRange> {
        self.forward_ports.as_deref().and_then(|text| text.parse().ok())
    }
}

type NetworkRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

fn network_from_row(row: NetworkRow) -> MachineNetwork {
    let (machine_id, machine, name, ipv4_subnet, ipv6_subnet, public, listen_address, first, last, drift, updated_at) =
        row;
    let forward_ports = match (first, last) {
        (Some(first), Some(last)) => Some(if first == last { first.to_string() } else { format!("{first}-{last}") }),
        _ => None,
    };
    MachineNetwork {
        machine_id,
        machine,
        name,
        ipv4_subnet,
        ipv6_subnet,
        public,
        listen_address,
        forward_ports,
        drift,
        updated_at,
        leases: None,
    }
}

fn load_networks(connection: &mut DbConnection, machine: Option<MachineId>) -> QueryResult<Vec<MachineNetwork>> {
    let mut query = machine_networks::table
        .inner_join(machines::table)
        .select((
            machine_networks::machine_id,
            machines::name,
            machine_networks::name,
            machine_networks::ipv4_subnet,
            machine_networks::ipv6_subnet,
            machine_networks::public,
            machine_networks::listen_address,
            machine_networks::forward_first,
            machine_networks::forward_last,
            machine_networks::drift,
            machine_networks::updated_at,
        ))
        .order((machine_networks::machine_id, machine_networks::name))
        .into_boxed();
    if let Some(machine) = machine {
        query = query.filter(machine_networks::machine_id.eq(machine.0));
    }
    Ok(query.load::<NetworkRow>(connection)?.into_iter().map(network_from_row).collect())
}

/// Every machine's networks, by machine then name.
pub fn all_networks(connection: &mut DbConnection) -> QueryResult<Vec<MachineNetwork>> {
    load_networks(connection, None)
}

/// The networks of one machine, by name.
pub fn networks_of(connection: &mut DbConnection, machine: MachineId) -> QueryResult<Vec<MachineNetwork>> {
    load_networks(connection, Some(machine))
}

/// One network of a machine.
pub fn network(connection: &mut DbConnection, machine: MachineId, name: &str) -> QueryResult<Option<MachineNetwork>> {
    Ok(networks_of(connection, machine)?.into_iter().find(|network| network.name == name))
}

/// Replaces what the panel knows of the machine's networks with what its
/// agent just listed.
pub fn replace_networks(
    connection: &mut DbConnection,
    machine: MachineId,
    listed: &[NetworkView],
    now: i64,
) -> QueryResult<()> {
    super::write_transaction(connection, |connection| {
        diesel::delete(machine_networks::table.filter(machine_networks::machine_id.eq(machine.0)))
            .execute(connection)?;
        for network in listed {
            diesel::insert_into(machine_networks::table)
                .values((
                    machine_networks::machine_id.eq(machine.0),
                    machine_networks::name.eq(&network.name),
                    machine_networks::ipv4_subnet.eq(&network.ipv4_subnet),
                    machine_networks::ipv6_subnet.eq(&network.ipv6_subnet),
                    machine_networks::public.eq(network.public),
                    machine_networks::listen_address.eq(network.listen_address.map(|address| address.to_string())),
                    machine_networks::forward_first.eq(network.forward_ports.map(|range| i64::from(range.first))),
                    machine_networks::forward_last.eq(network.forward_ports.map(|range| i64::from(range.last))),
                    machine_networks::updated_at.eq(now),
                ))
                .execute(connection)?;
        }
        Ok(())
    })
}

/// Records what the sync found different on a network of the machine (`None`: nothing).
pub fn set_drift(
    connection: &mut DbConnection,
    machine: MachineId,
    network: &str,
    drift: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        machine_networks::table
            .filter(machine_networks::machine_id.eq(machine.0))
            .filter(machine_networks::name.eq(network)),
    )
    .set(machine_networks::drift.eq(drift))
    .execute(connection)
}

/// A container's static address on one network, as an admin set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StaticAddress {
    pub container_id: i64,
    pub machine_id: i64,
    pub network: String,
    #[schema(value_type = Option<String>)]
    pub ipv4: Option<Ipv4Addr>,
    #[schema(value_type = Option<String>)]
    pub ipv6: Option<Ipv6Addr>,
    pub updated_at: i64,
}

type AddressRow = (i64, i64, String, Option<String>, Option<String>, i64);

fn address_from_row((container_id, machine_id, network, ipv4, ipv6, updated_at): AddressRow) -> StaticAddress {
    StaticAddress {
        container_id,
        machine_id,
        network,
        ipv4: ipv4.and_then(|text| text.parse().ok()),
        ipv6: ipv6.and_then(|text| text.parse().ok()),
        updated_at,
    }
}

const ADDRESS_COLUMNS: (
    container_addresses::container_id,
    container_addresses::machine_id,
    container_addresses::network,
    container_addresses::ipv4,
    container_addresses::ipv6,
    container_addresses::updated_at,
) = (
    container_addresses::container_id,
    container_addresses::machine_id,
    container_addresses::network,
    container_addresses::ipv4,
    container_addresses::ipv6,
    container_addresses::updated_at,
);

/// The container's static addresses, by network.
pub fn addresses_of(connection: &mut DbConnection, container: ContainerId) -> QueryResult<Vec<StaticAddress>> {
    let rows: Vec<AddressRow> = container_addresses::table
        .filter(container_addresses::container_id.eq(container.0))
        .order(container_addresses::network)
        .select(ADDRESS_COLUMNS)
        .load(connection)?;
    Ok(rows.into_iter().map(address_from_row).collect())
}

/// Every static address the panel holds.
pub fn all_addresses(connection: &mut DbConnection) -> QueryResult<Vec<StaticAddress>> {
    let rows: Vec<AddressRow> = container_addresses::table
        .order((container_addresses::container_id, container_addresses::network))
        .select(ADDRESS_COLUMNS)
        .load(connection)?;
    Ok(rows.into_iter().map(address_from_row).collect())
}

/// Every static address of a machine's containers.
pub fn addresses_of_machine(connection: &mut DbConnection, machine: MachineId) -> QueryResult<Vec<StaticAddress>> {
    let rows: Vec<AddressRow> = container_addresses::table
        .filter(container_addresses::machine_id.eq(machine.0))
        .order((container_addresses::container_id, container_addresses::network))
        .select(ADDRESS_COLUMNS)
        .load(connection)?;
    Ok(rows.into_iter().map(address_from_row).collect())
}

/// Writes (replacing the one on the same network) or, with neither
/// family, removes the container's static address on `network`.
/// `Ok(false)`: another container of the machine holds one of these
/// addresses on that network, and nothing was written.
pub fn put_address(connection: &mut DbConnection, address: &StaticAddress) -> QueryResult<bool> {
    super::write_transaction(connection, |connection| {
        diesel::delete(
            container_addresses::table
                .filter(container_addresses::container_id.eq(address.container_id))
                .filter(container_addresses::network.eq(&address.network)),
        )
        .execute(connection)?;
        if address.ipv4.is_none() && address.ipv6.is_none() {
            return Ok(true);
        }
        // A savepoint: a refused insert must not abort PostgreSQL's
        // transaction around it (the audit row is written in it).
        let outcome = connection.transaction(|connection| {
            diesel::insert_into(container_addresses::table)
                .values((
                    container_addresses::container_id.eq(address.container_id),
                    container_addresses::machine_id.eq(address.machine_id),
                    container_addresses::network.eq(&address.network),
                    container_addresses::ipv4.eq(address.ipv4.map(|ip| ip.to_string())),
                    container_addresses::ipv6.eq(address.ipv6.map(|ip| ip.to_string())),
                    container_addresses::updated_at.eq(address.updated_at),
                ))
                .execute(connection)
        });
        let written = inserted(outcome)?;
        if !written {
            // Put back what was deleted: the caller's transaction rolls back
            // only on an error, and a refusal is an answer.
            return Err(diesel::result::Error::RollbackTransaction);
        }
        Ok(true)
    })
    .or_else(|error| match error {
        diesel::result::Error::RollbackTransaction => Ok(false),
        error => Err(error),
    })
}

/// The static addresses of a machine's live containers, each with its
/// container's name: (name, network, address), one row per family set.
pub fn named_addresses_of_machine(
    connection: &mut DbConnection,
    machine: MachineId,
) -> QueryResult<Vec<(String, String, IpAddr)>> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = container_addresses::table
        .inner_join(containers::table)
        .filter(container_addresses::machine_id.eq(machine.0))
        .filter(containers::gone_at.is_null())
        .select((containers::name, container_addresses::network, container_addresses::ipv4, container_addresses::ipv6))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .flat_map(|(name, network, ipv4, ipv6)| {
            [ipv4, ipv6]
                .into_iter()
                .flatten()
                .filter_map(|text| text.parse::<IpAddr>().ok())
                .map(move |address| (name.clone(), network.clone(), address))
                .collect::<Vec<_>>()
        })
        .collect())
}

/// Who holds `ip` on `network` of `machine`, if anyone: the container's name.
pub fn address_holder(
    connection: &mut DbConnection,
    machine: MachineId,
    network: &str,
    ip: IpAddr,
) -> QueryResult<Option<String>> {
    let text = Some(ip.to_string());
    let on_network = container_addresses::table
        .inner_join(containers::table)
        .filter(container_addresses::machine_id.eq(machine.0))
        .filter(container_addresses::network.eq(network))
        .select(containers::name);
    match ip {
        IpAddr::V4(_) => on_network.filter(container_addresses::ipv4.eq(text)).first(connection).optional(),
        IpAddr::V6(_) => on_network.filter(container_addresses::ipv6.eq(text)).first(connection).optional(),
    }
}

/// A port of the host forwarded to a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ForwardRow {
    pub id: i64,
    pub container_id: i64,
    pub container: String,
    pub machine_id: i64,
    pub machine: String,
    pub network: String,
    #[schema(value_type = String, example = "tcp")]
    pub protocol: ForwardProtocol,
    pub listen_port: u16,
    pub target_port: u16,
    /// Who asked for it (null: her account is gone from the record).
    pub owner: Option<String>,
    #[serde(skip)]
    pub user_id: Option<i64>,
    /// It counts against `owner`'s `forwards` quota.
    pub in_quota: bool,
    pub created_at: i64,
}

impl ForwardRow {
    pub fn forward(&self) -> smp_proto::network::Forward {
        smp_proto::network::Forward {
            protocol: self.protocol,
            listen_port: self.listen_port,
            target_port: self.target_port,
        }
    }
}

type ForwardColumns = (i64, i64, String, i64, String, String, String, i64, i64, Option<String>, Option<i64>, bool, i64);

fn forward_from_row(row: ForwardColumns) -> Option<ForwardRow> {
    let (
        id,
        container_id,
        container,
        machine_id,
        machine,
        network,
        protocol,
        listen,
        target,
        owner,
        user_id,
        in_quota,
        created_at,
    ) = row;
    Some(ForwardRow {
        id,
        container_id,
        container,
        machine_id,
        machine,
        network,
        protocol: protocol.parse().ok()?,
        listen_port: u16::try_from(listen).ok()?,
        target_port: u16::try_from(target).ok()?,
        owner,
        user_id,
        in_quota,
        created_at,
    })
}

/// The forwards that `filter` selects, by machine, protocol and port.
fn load_forwards(
    connection: &mut DbConnection,
    container: Option<ContainerId>,
    id: Option<ForwardId>,
    machine: Option<MachineId>,
) -> QueryResult<Vec<ForwardRow>> {
    let mut query = forwards::table
        .inner_join(containers::table)
        .inner_join(machines::table.on(machines::id.eq(forwards::machine_id)))
        .left_join(users::table.on(users::id.nullable().eq(forwards::user_id)))
        .select((
            forwards::id,
            forwards::container_id,
            containers::name,
            forwards::machine_id,
            machines::name,
            forwards::network,
            forwards::protocol,
            forwards::listen_port,
            forwards::target_port,
            users::username.nullable(),
            forwards::user_id,
            forwards::in_quota,
            forwards::created_at,
        ))
        .order((forwards::machine_id, forwards::protocol, forwards::listen_port))
        .into_boxed();
    if let Some(container) = container {
        query = query.filter(forwards::container_id.eq(container.0));
    }
    if let Some(id) = id {
        query = query.filter(forwards::id.eq(id.0));
    }
    if let Some(machine) = machine {
        query = query.filter(forwards::machine_id.eq(machine.0));
    }
    let rows: Vec<ForwardColumns> = query.load(connection)?;
    Ok(rows.into_iter().filter_map(forward_from_row).collect())
}

/// Every forward of every machine.
pub fn all_forwards(connection: &mut DbConnection) -> QueryResult<Vec<ForwardRow>> {
    load_forwards(connection, None, None, None)
}

/// The forwards of one machine.
pub fn forwards_of_machine(connection: &mut DbConnection, machine: MachineId) -> QueryResult<Vec<ForwardRow>> {
    load_forwards(connection, None, None, Some(machine))
}

/// The container's forwards.
pub fn forwards_of(connection: &mut DbConnection, container: ContainerId) -> QueryResult<Vec<ForwardRow>> {
    load_forwards(connection, Some(container), None, None)
}

/// One forward.
pub fn forward(connection: &mut DbConnection, id: ForwardId) -> QueryResult<Option<ForwardRow>> {
    Ok(load_forwards(connection, None, Some(id), None)?.into_iter().next())
}

/// Locks the machine's row until the transaction ends (PostgreSQL: a row
/// lock a second allocating transaction waits for; SQLite: the write lock
/// `write_transaction` already holds), so the ports read next are the ones
/// the new forward is checked against.
pub fn lock_machine(connection: &mut DbConnection, machine: MachineId) -> QueryResult<()> {
    diesel::update(machines::table.find(machine.0)).set(machines::id.eq(machines::id)).execute(connection).map(|_| ())
}

/// The listen ports of `protocol` taken on `machine`, sorted.
pub fn taken_ports(
    connection: &mut DbConnection,
    machine: MachineId,
    protocol: ForwardProtocol,
) -> QueryResult<Vec<u16>> {
    let ports: Vec<i64> = forwards::table
        .filter(forwards::machine_id.eq(machine.0))
        .filter(forwards::protocol.eq(protocol.as_str()))
        .select(forwards::listen_port)
        .order(forwards::listen_port)
        .load(connection)?;
    Ok(ports.into_iter().filter_map(|port| u16::try_from(port).ok()).collect())
}

/// The lowest port of `range` not in `taken` (sorted).
pub fn lowest_free(range: PortRange, taken: &[u16]) -> Option<u16> {
    let mut candidate = range.first;
    for port in taken.iter().copied().filter(|port| range.contains(*port)) {
        if port > candidate {
            break;
        }
        if port == candidate {
            candidate = candidate.checked_add(1)?;
        }
    }
    range.contains(candidate).then_some(candidate)
}

/// What a new forward is.
#[derive(Debug, Clone)]
pub struct NewForward<'a> {
    pub container: ContainerId,
    pub machine: MachineId,
    pub network: &'a str,
    pub forward: smp_proto::network::Forward,
    pub user: Option<i64>,
    pub in_quota: bool,
    pub now: i64,
}

/// Inserts a forward; `Ok(None)` when its (machine, protocol, listen port)
/// is taken (nothing written; a savepoint keeps the caller's transaction usable).
pub fn insert_forward(connection: &mut DbConnection, new: &NewForward<'_>) -> QueryResult<Option<ForwardId>> {
    let outcome = connection.transaction(|connection| {
        diesel::insert_into(forwards::table)
            .values((
                forwards::container_id.eq(new.container.0),
                forwards::machine_id.eq(new.machine.0),
                forwards::network.eq(new.network),
                forwards::protocol.eq(new.forward.protocol.as_str()),
                forwards::listen_port.eq(i64::from(new.forward.listen_port)),
                forwards::target_port.eq(i64::from(new.forward.target_port)),
                forwards::user_id.eq(new.user),
                forwards::in_quota.eq(new.in_quota),
                forwards::created_at.eq(new.now),
            ))
            .execute(connection)
    });
    if !inserted(outcome)? {
        return Ok(None);
    }
    let id: i64 = forwards::table
        .filter(forwards::machine_id.eq(new.machine.0))
        .filter(forwards::protocol.eq(new.forward.protocol.as_str()))
        .filter(forwards::listen_port.eq(i64::from(new.forward.listen_port)))
        .select(forwards::id)
        .first(connection)?;
    Ok(Some(ForwardId(id)))
}

/// Deletes a forward; how many rows went (0 or 1).
pub fn delete_forward(connection: &mut DbConnection, id: ForwardId) -> QueryResult<usize> {
    diesel::delete(forwards::table.find(id.0)).execute(connection)
}

/// Deletes the container's forwards and static addresses (it left its machine).
pub fn forget_container(connection: &mut DbConnection, container: ContainerId) -> QueryResult<usize> {
    let forwards =
        diesel::delete(forwards::table.filter(forwards::container_id.eq(container.0))).execute(connection)?;
    let addresses =
        diesel::delete(container_addresses::table.filter(container_addresses::container_id.eq(container.0)))
            .execute(connection)?;
    Ok(forwards + addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_free_port_skips_the_taken_ones_and_there_is_none_when_all_are() {
        let range: PortRange = "20000-20003".parse().unwrap();
        assert_eq!(lowest_free(range, &[]), Some(20000));
        assert_eq!(lowest_free(range, &[20000, 20001, 20003]), Some(20002));
        assert_eq!(lowest_free(range, &[80, 20000, 30000]), Some(20001), "ports outside the range do not count");
        assert_eq!(lowest_free(range, &[20000, 20001, 20002, 20003]), None);
        let top: PortRange = "65535".parse().unwrap();
        assert_eq!(lowest_free(top, &[65535]), None);
    }
}
