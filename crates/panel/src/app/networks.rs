//! Addresses and forwards (issue 17): admins give a container a static
//! address on a network of its machine; its owners forward ports of the
//! host to it within their `forwards` quota; admins see every network and
//! every forward.
//!
//! The database is the first line: an address or a port is a row, unique
//! per machine, taken in one transaction with the checks (and the quota
//! for a forward, like a container's reservation), audited `started`. The
//! agent is the second line: it is asked once the row is written, and on
//! its failure the row is put back as it was. A container's forwards go to
//! its agent as its whole set, read from the database under a lock per
//! container (`ForwardLocks`), so two changes of one container's
//! forwards cannot send sets that miss each other's port.

use std::net::IpAddr;
use std::sync::Arc;

use fluent_templates::fluent_bundle::FluentValue;
use serde::{Deserialize, Serialize};
use smp_proto::network::{
    AddressAnswer, AddressRequest, Forward, ForwardProtocol, ForwardsRequest, MAX_FORWARDS_PER_CONTAINER,
};
use utoipa::ToSchema;

use super::containers::{Target, load_allowed};
use crate::app::audited::{audited_finish, audited_start};
use crate::app::{Context, CurrentUser};
use crate::db::containers::{Container, ContainerId};
use crate::db::machines::MachineId;
use crate::db::networks::{self, ForwardId, ForwardRow, MachineNetwork, NewForward, StaticAddress};
use crate::db::quotas;
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Object};
use crate::texts;

/// How many locks the containers' forward changes share (by container id).
const FORWARD_LOCK_STRIPES: usize = 64;

/// One lock per stripe of container ids: a container's forward set is read
/// and sent to its agent by one change at a time. Bounded: a fixed number
/// of locks, whatever the number of containers.
#[derive(Debug)]
pub struct ForwardLocks {
    stripes: Vec<tokio::sync::Mutex<()>>,
}

impl Default for ForwardLocks {
    fn default() -> ForwardLocks {
        ForwardLocks { stripes: (0..FORWARD_LOCK_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect() }
    }
}

impl ForwardLocks {
    async fn lock(&self, container: ContainerId) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = container.0.rem_euclid(FORWARD_LOCK_STRIPES as i64) as usize;
        self.stripes[stripe].lock().await
    }
}

/// A forward as the API shows it: where it is reached from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ForwardView {
    #[serde(flatten)]
    pub row: ForwardRow,
    /// The host's address it listens on (the network's `listen_address`).
    pub listen_address: Option<String>,
    /// `listen_address:listen_port` (`[v6]:port`): where to reach it.
    pub reach: Option<String>,
}

/// `host:port`, with brackets around an IPv6 host.
fn reach(listen_address: &str, port: u16) -> String {
    match listen_address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
        _ => format!("{listen_address}:{port}"),
    }
}

/// The views of `rows`, with their networks' listen addresses.
fn views(connection: &mut DbConnection, rows: Vec<ForwardRow>) -> Result<Vec<ForwardView>, AppError> {
    let networks = networks::all_networks(connection)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let listen_address = networks
                .iter()
                .find(|network| network.machine_id == row.machine_id && network.name == row.network)
                .and_then(|network| network.listen_address.clone());
            let reach = listen_address.as_deref().map(|address| reach(address, row.listen_port));
            ForwardView { row, listen_address, reach }
        })
        .collect())
}

/// A container's static addresses and forwards, for its page and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reachability {
    pub addresses: Vec<StaticAddress>,
    pub forwards: Vec<ForwardView>,
}

/// The container's static addresses and forwards, if `current` may see
/// its forwards (its owners, admins).
pub async fn reachability(current: CurrentUser, pool: &DbPool, id: ContainerId) -> Result<Reachability, AppError> {
    db::run(pool, move |connection| {
        load_allowed(connection, &current, id, Action::ContainerForward)?;
        let addresses = networks::addresses_of(connection, id)?;
        let rows = networks::forwards_of(connection, id)?;
        Ok(Reachability { addresses, forwards: views(connection, rows)? })
    })
    .await
}

/// The container's forwards (its owners, admins).
pub async fn list_forwards(current: CurrentUser, pool: &DbPool, id: ContainerId) -> Result<Vec<ForwardView>, AppError> {
    Ok(reachability(current, pool, id).await?.forwards)
}

/// Every forward of every machine (admins).
pub async fn every_forward(current: CurrentUser, pool: &DbPool) -> Result<Vec<ForwardView>, AppError> {
    db::run(pool, move |connection| {
        current.decide(Action::NetworkView, &Object::Machine)?;
        let rows = networks::all_forwards(connection)?;
        views(connection, rows)
    })
    .await
}

/// Every machine's networks as their agents last listed them (admins).
pub async fn every_network(current: CurrentUser, pool: &DbPool) -> Result<Vec<MachineNetwork>, AppError> {
    db::run(pool, move |connection| {
        current.decide(Action::NetworkView, &Object::Machine)?;
        Ok(networks::all_networks(connection)?)
    })
    .await
}

/// `every_network`, with each network's leases as its agent lists them
/// now (one `network.list` per machine, one machine at a time; a machine
/// whose agent fails keeps `leases` null).
pub async fn every_network_with_leases(
    current: CurrentUser,
    context: &Context,
    pool: &DbPool,
) -> Result<Vec<MachineNetwork>, AppError> {
    let mut listed = every_network(current.clone(), pool).await?;
    let mut machines: Vec<i64> = listed.iter().map(|network| network.machine_id).collect();
    machines.dedup();
    for machine in machines {
        let row = db::run(pool, move |connection| {
            crate::db::machines::get(connection, MachineId(machine)).map_err(AppError::internal)
        })
        .await?;
        let Some(row) = row else { continue };
        let caller = current.agent_caller(&context.agent_calls)?;
        let answer = match context.agents.client(&row) {
            Ok(client) => client.networks(&caller).await,
            Err(error) => Err(error),
        };
        match answer {
            Ok(answer) => {
                for network in listed.iter_mut().filter(|network| network.machine_id == machine) {
                    network.leases =
                        answer.networks.iter().find(|view| view.name == network.name).map(|view| view.leases.clone());
                }
            }
            Err(error) => tracing::info!(%error, machine, "cannot read the machine's leases"),
        }
    }
    Ok(listed)
}

/// The network `name` of the container's machine, as its agent listed it.
fn machine_network(
    connection: &mut DbConnection,
    container: &Container,
    name: &str,
) -> Result<MachineNetwork, AppError> {
    let machine = MachineId(container.machine_id);
    if let Some(network) = networks::network(connection, machine, name)? {
        return Ok(network);
    }
    let known: Vec<String> = networks::networks_of(connection, machine)?.into_iter().map(|n| n.name).collect();
    let mut args = vec![("machine", texts::text(&container.machine)), ("name", texts::text(format!("{name:?}")))];
    let key = if known.is_empty() {
        "error-machines-network-not-allowed-none-listed"
    } else {
        args.push(("networks", texts::text(known.join(", "))));
        "error-machines-network-not-allowed"
    };
    Err(AppError::said(ErrorCode::NetworkNotAllowed, key, &args))
}

/// Whether `ip` is inside `subnet` (CIDR); an unreadable subnet holds nothing.
fn inside(subnet: &str, ip: IpAddr) -> bool {
    subnet.parse::<ipnet::IpNet>().is_ok_and(|net| net.contains(&ip))
}

/// Puts the container's address on `network` back as it was (`previous`,
/// or none), after its agent failed.
async fn put_back(pool: &DbPool, container: &Container, network: String, previous: Option<StaticAddress>) {
    let restored = previous.unwrap_or(StaticAddress {
        container_id: container.id,
        machine_id: container.machine_id,
        network,
        ipv4: None,
        ipv6: None,
        updated_at: db::unix_now(),
    });
    let id = container.id;
    let outcome =
        db::run(pool, move |connection| Ok::<_, AppError>(networks::put_address(connection, &restored)?)).await;
    if !matches!(outcome, Ok(true)) {
        tracing::error!(container = id, "the address of a failed change could not be put back");
    }
}

/// Sets (or, with neither family, clears) the container's static address on
/// a network (admins): the row first (unique per machine and network: a
/// second container's same address is 409 `address_taken` and nothing
/// changes), then its agent, which restarts it when it runs; on the
/// agent's failure the row is put back. Refused while the container has
/// forwards on that network (their target is the address).
pub async fn set_address(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    read: impl FnOnce() -> Result<AddressRequest, AppError> + Send + 'static,
) -> Result<AddressAnswer, AppError> {
    let entry = current.audit(format!("container:{id}"));
    let checking = context.clone();
    let started = audited_start(pool, entry, move |connection, entry| {
        let request = read()?;
        let container = load_allowed(connection, &current, id, Action::ContainerAddress)?;
        entry.machine = Some(container.machine.clone());
        entry.set_detail(format!(
            "{}: ipv4 {}, ipv6 {}",
            request.network,
            request.ipv4.map_or_else(|| "DHCP".to_owned(), |ip| ip.to_string()),
            request.ipv6.map_or_else(|| "DHCP".to_owned(), |ip| ip.to_string())
        ));
        request.check().map_err(AppError::invalid_input)?;
        Target::check_actionable(&container)?;
        let network = machine_network(connection, &container, &request.network)?;
        for (ip, subnet) in [
            (request.ipv4.map(IpAddr::V4), network.ipv4_subnet.as_deref()),
            (request.ipv6.map(IpAddr::V6), network.ipv6_subnet.as_deref()),
        ] {
            let Some(ip) = ip else { continue };
            match subnet {
                Some(subnet) if inside(subnet, ip) => {}
                Some(subnet) => {
                    return Err(AppError::invalid(
                        "error-machines-address-outside-subnet",
                        &[
                            ("ip", texts::text(ip)),
                            ("network", texts::text(&network.name)),
                            ("subnet", texts::text(subnet)),
                        ],
                    ));
                }
                None => {
                    let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
                    return Err(AppError::invalid(
                        "error-machines-network-no-subnet",
                        &[("network", texts::text(&network.name)), ("family", texts::text(family))],
                    ));
                }
            }
        }
        let previous =
            networks::addresses_of(connection, id)?.into_iter().find(|address| address.network == request.network);
        let unchanged =
            previous.as_ref().is_some_and(|previous| (previous.ipv4, previous.ipv6) == (request.ipv4, request.ipv6));
        let forwarded = networks::forwards_of(connection, id)?.iter().any(|row| row.network == request.network);
        if forwarded && !unchanged {
            return Err(AppError::said(
                ErrorCode::Conflict,
                "error-machines-address-has-forwards",
                &[("container", texts::text(&container.name)), ("network", texts::text(&request.network))],
            ));
        }
        let wanted = StaticAddress {
            container_id: id.0,
            machine_id: container.machine_id,
            network: request.network.clone(),
            ipv4: request.ipv4,
            ipv6: request.ipv6,
            updated_at: db::unix_now(),
        };
        if !networks::put_address(connection, &wanted)? {
            let taken = [request.ipv4.map(IpAddr::V4), request.ipv6.map(IpAddr::V6)].into_iter().flatten();
            let mut holders = Vec::new();
            for ip in taken {
                if let Some(holder) =
                    networks::address_holder(connection, MachineId(container.machine_id), &request.network, ip)?
                {
                    holders.push((ip, holder));
                }
            }
            let mut args =
                vec![("network", texts::text(&request.network)), ("machine", texts::text(&container.machine))];
            let key = match holders.as_slice() {
                [] => "error-machines-address-taken-unknown",
                [(ip, holder)] => {
                    args.extend([("ip", texts::text(ip)), ("holder", texts::text(holder))]);
                    "error-machines-address-taken"
                }
                [(ip, holder), (ip2, holder2), ..] => {
                    args.extend([
                        ("ip", texts::text(ip)),
                        ("holder", texts::text(holder)),
                        ("ip2", texts::text(ip2)),
                        ("holder2", texts::text(holder2)),
                    ]);
                    "error-machines-addresses-taken"
                }
            };
            return Err(AppError::said(ErrorCode::AddressTaken, key, &args));
        }
        let target = Target::of(connection, &checking, &current, &container)?;
        Ok((target, container, request, previous))
    })
    .await;
    let ((target, container, request, previous), entry) = started?;
    let result = target.client.set_address(&target.caller, target.instance(), &request).await.map_err(AppError::from);
    if result.is_err() {
        put_back(pool, &container, request.network.clone(), previous).await;
    }
    audited_finish(pool, entry, result, |_, _, answer| Ok(answer)).await
}

/// Body of `POST /api/v1/containers/{id}/forwards`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForwardRequest {
    pub protocol: ForwardProtocol,
    /// The container's port.
    #[schema(minimum = 1, maximum = 65535)]
    pub target_port: u16,
    /// A port of the host from the network's range; left out: the lowest free one.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 65535)]
    pub listen_port: Option<u16>,
    /// Which of the container's networks with a static address; left out:
    /// the first (by name) whose machine network has forwards.
    #[serde(default)]
    pub network: Option<String>,
}

/// What a forward change sends its agent.
struct ForwardChange {
    target: Option<Target>,
    container: ContainerId,
    network: String,
}

/// The container's whole set of forwards on `network`, leaving out `except`.
async fn forward_set(
    pool: &DbPool,
    container: ContainerId,
    network: String,
    except: Option<ForwardId>,
) -> Result<ForwardsRequest, AppError> {
    db::run(pool, move |connection| {
        let forwards: Vec<Forward> = networks::forwards_of(connection, container)?
            .into_iter()
            .filter(|row| row.network == network && Some(ForwardId(row.id)) != except)
            .map(|row| row.forward())
            .collect();
        Ok::<_, AppError>(ForwardsRequest { network, forwards })
    })
    .await
}

/// Sends the container's set (less `except`) to its agent, under the
/// container's lock; nothing when there is no agent to tell (a gone container).
async fn send_set(pool: &DbPool, change: &ForwardChange, except: Option<ForwardId>) -> Result<(), AppError> {
    let Some(target) = &change.target else { return Ok(()) };
    let set = forward_set(pool, change.container, change.network.clone(), except).await?;
    target.client.set_forwards(&target.caller, target.instance(), &set).await?;
    Ok(())
}

/// Checks a new forward and takes its port (see the module note), inside
/// the transaction of the `started` row.
fn reserve_forward(
    connection: &mut DbConnection,
    current: &CurrentUser,
    context: &Context,
    id: ContainerId,
    request: &NewForwardRequest,
) -> Result<(ForwardChange, ForwardId), AppError> {
    let container = load_allowed(connection, current, id, Action::ContainerForward)?;
    Target::check_actionable(&container)?;
    if request.target_port == 0 || request.listen_port == Some(0) {
        return Err(AppError::invalid("error-machines-port-range", &[]));
    }
    let machine = MachineId(container.machine_id);
    let addresses = networks::addresses_of(connection, id)?;
    let mut with_forwards = Vec::new();
    for address in &addresses {
        if request.network.as_ref().is_some_and(|wanted| *wanted != address.network) {
            continue;
        }
        let network = machine_network(connection, &container, &address.network)?;
        if let (Some(listen), Some(range)) = (network.listen_address.clone(), network.range()) {
            with_forwards.push((network, listen, range));
        }
    }
    let Some((network, _listen, range)) = with_forwards.into_iter().next() else {
        let mut args = vec![("container", texts::text(&container.name))];
        let key = if addresses.is_empty() {
            "error-machines-no-fixed-address"
        } else {
            args.push(("machine", texts::text(&container.machine)));
            match &request.network {
                Some(network) => {
                    args.push(("network", texts::text(network)));
                    "error-machines-no-address-with-forwards-on"
                }
                None => "error-machines-no-address-with-forwards",
            }
        };
        return Err(AppError::said(ErrorCode::NoAddress, key, &args));
    };
    let in_quota = !policy::exempt_from_quotas(&current.actor());
    if in_quota {
        quotas::forward_check(connection, current.user.id, machine, &context.default_quota)?.map_err(AppError::from)?;
    }
    let on_network =
        networks::forwards_of(connection, id)?.into_iter().filter(|row| row.network == network.name).count();
    if on_network >= MAX_FORWARDS_PER_CONTAINER {
        return Err(AppError::said(
            ErrorCode::Conflict,
            "error-machines-too-many-forwards",
            &[("max", FluentValue::from(MAX_FORWARDS_PER_CONTAINER))],
        ));
    }
    networks::lock_machine(connection, machine)?;
    let taken = networks::taken_ports(connection, machine, request.protocol)?;
    let protocol = request.protocol.as_str();
    let listen_port = match request.listen_port {
        Some(port) if !range.contains(port) => {
            return Err(AppError::said(
                ErrorCode::PortTaken,
                "error-machines-port-outside-range",
                &[("port", texts::text(port)), ("network", texts::text(&network.name)), ("range", texts::text(range))],
            ));
        }
        Some(port) if taken.binary_search(&port).is_ok() => {
            return Err(AppError::said(
                ErrorCode::PortTaken,
                "error-machines-port-taken-leave-out",
                &[
                    ("protocol", texts::text(protocol)),
                    ("port", texts::text(port)),
                    ("machine", texts::text(&container.machine)),
                ],
            ));
        }
        Some(port) => port,
        None => networks::lowest_free(range, &taken).ok_or_else(|| {
            AppError::said(
                ErrorCode::PortTaken,
                "error-machines-ports-all-taken",
                &[
                    ("protocol", texts::text(protocol)),
                    ("machine", texts::text(&container.machine)),
                    ("range", texts::text(range)),
                ],
            )
        })?,
    };
    let forward = Forward { protocol: request.protocol, listen_port, target_port: request.target_port };
    let new = NewForward {
        container: id,
        machine,
        network: &network.name,
        forward,
        user: Some(current.user.id.0),
        in_quota,
        now: db::unix_now(),
    };
    let fid = networks::insert_forward(connection, &new)?.ok_or_else(|| {
        AppError::said(
            ErrorCode::PortTaken,
            "error-machines-port-taken",
            &[
                ("protocol", texts::text(protocol)),
                ("port", texts::text(listen_port)),
                ("machine", texts::text(&container.machine)),
            ],
        )
    })?;
    let target = Target::of(connection, context, current, &container)?;
    Ok((ForwardChange { target: Some(target), container: id, network: network.name }, fid))
}

/// Forwards a port of the host to the container (its owners within their
/// `forwards` quota; admins outside it): the row in one transaction with
/// the quota check and the port's choice (see the module note), then the
/// container's whole set to its agent; on the agent's failure the row goes
/// again. Answers the forward with where to reach it.
pub async fn create_forward(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    read: impl FnOnce() -> Result<NewForwardRequest, AppError> + Send + 'static,
) -> Result<ForwardView, AppError> {
    let entry = current.audit(format!("container:{id}"));
    let checking = context.clone();
    let started = audited_start(pool, entry, move |connection, entry| {
        let request = read()?;
        entry.set_detail(format!(
            "{} {} -> {}",
            request.protocol.as_str(),
            request.listen_port.map_or_else(|| "any".to_owned(), |port| port.to_string()),
            request.target_port
        ));
        let reserved = reserve_forward(connection, &current, &checking, id, &request);
        if let Ok((change, _)) = &reserved
            && let Some(target) = &change.target
        {
            entry.machine = Some(target.client.machine().to_owned());
        }
        reserved
    })
    .await;
    let ((change, fid), entry) = started?;
    let result = {
        let _locked = context.forward_locks.lock(id).await;
        send_set(pool, &change, None).await
    };
    if result.is_err() {
        let removed =
            db::run(pool, move |connection| Ok::<_, AppError>(networks::delete_forward(connection, fid)?)).await;
        if removed.is_err() {
            tracing::error!(forward = fid.0, "the row of a forward its agent refused could not be removed");
        }
    }
    audited_finish(pool, entry, result, move |connection, _, ()| {
        let row = networks::forward(connection, fid)?.ok_or_else(AppError::not_found)?;
        views(connection, vec![row])?.pop().ok_or_else(AppError::not_found)
    })
    .await
}

/// Removes a forward of the container (its owners, admins): its agent gets
/// the set without it first, then the row goes (a gone container's row
/// goes at once: there is no agent to tell).
pub async fn delete_forward(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    fid: ForwardId,
) -> Result<(), AppError> {
    let entry = current.audit(format!("container:{id}"));
    let checking = context.clone();
    let started = audited_start(pool, entry, move |connection, entry| {
        let container = load_allowed(connection, &current, id, Action::ContainerForward)?;
        entry.machine = Some(container.machine.clone());
        let row = networks::forward(connection, fid)?
            .filter(|row| row.container_id == id.0)
            .ok_or_else(AppError::not_found)?;
        entry.set_detail(format!("{} {} -> {}", row.protocol.as_str(), row.listen_port, row.target_port));
        let target =
            if container.is_gone() { None } else { Some(Target::of(connection, &checking, &current, &container)?) };
        Ok(ForwardChange { target, container: id, network: row.network })
    })
    .await;
    let (change, entry) = started?;
    let result = {
        let _locked = context.forward_locks.lock(id).await;
        send_set(pool, &change, Some(fid)).await
    };
    audited_finish(pool, entry, result, move |connection, _, ()| {
        networks::delete_forward(connection, fid)?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn a_forward_is_reached_at_host_colon_port_with_brackets_for_ipv6() {
        assert_eq!(reach("203.0.113.7", 20022), "203.0.113.7:20022");
        assert_eq!(reach("2001:db8::7", 20022), "[2001:db8::7]:20022");
    }

    #[test]
    fn an_address_is_inside_its_subnet_only() {
        assert!(inside("10.77.0.0/24", IpAddr::V4(Ipv4Addr::new(10, 77, 0, 50))));
        assert!(!inside("10.77.0.0/24", IpAddr::V4(Ipv4Addr::new(10, 78, 0, 50))));
        assert!(inside("fd42:77::/64", IpAddr::V6("fd42:77::50".parse::<Ipv6Addr>().unwrap())));
        assert!(!inside("garbage", IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }
}
