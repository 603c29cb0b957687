//! The network routes (PROTOCOL.md "Network routes", issue 17): the listed
//! networks with their leases, a container's static address, and the ports
//! of the host forwarded to it. Only networks of `[[networks]]`; any other
//! is 403 `network_not_allowed`. Changes of one network run one at a time
//! (its lock), and a forward is rewritten with LXD's ETag besides.

use std::net::IpAddr;
use std::time::Duration;

use actix_web::web;
use futures_util::future::try_join_all;
use smp_proto::ErrorCode;
use smp_proto::api::{ContainerStatus, StopRequest};
use smp_proto::network::{
    AddressAnswer, AddressRequest, Forward, ForwardsAnswer, ForwardsList, ForwardsRequest, NetworkList, NetworkView,
};

use crate::auth::{Authorized, json};
use crate::error::AgentError;
use crate::lxd::{LxdError, NetworkForward, NetworkInfo, held_by_another};
use crate::routes::lifecycle::START_DEADLINE;
use crate::startup::AgentState;

/// How often a forward write that lost the ETag race is tried again.
const FORWARD_ATTEMPTS: usize = 5;
/// Longest wait for another agent of this host to finish with a forward.
const HOST_LOCK_WAIT: Duration = Duration::from_secs(10);

/// `GET /networks` (`network.list`): each listed network LXD has, with its
/// subnets, gateways and the leases LXD shows this project.
pub async fn list(_auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<NetworkList>, AgentError> {
    let views = try_join_all(state.networks.iter().map(|config| {
        let state = state.clone();
        async move {
            let Some(network) = state.lxd.network(&config.name).await? else {
                tracing::warn!(network = %config.name, "a network of [[networks]] does not exist in LXD; left out");
                return Ok::<_, AgentError>(None);
            };
            let leases = state.lxd.network_leases(&config.name).await?;
            Ok(Some(NetworkView {
                name: config.name.clone(),
                ipv4_subnet: network.ipv4.map(|net| net.trunc().to_string()),
                ipv4_gateway: network.ipv4.map(|net| net.addr()),
                ipv6_subnet: network.ipv6.map(|net| net.trunc().to_string()),
                ipv6_gateway: network.ipv6.map(|net| net.addr()),
                public: config.public,
                listen_address: config.listen_address,
                forward_ports: config.forward_ports,
                leases,
            }))
        }
    }))
    .await?;
    Ok(web::Json(NetworkList { networks: views.into_iter().flatten().collect() }))
}

/// The network LXD has of that name, else 404.
async fn lxd_network(state: &AgentState, name: &str) -> Result<NetworkInfo, AgentError> {
    state.lxd.network(name).await?.ok_or_else(|| {
        AgentError::new(ErrorCode::NotFound, format!("LXD has no network {name:?}; ask the machine's admin"))
    })
}

fn invalid(message: String) -> AgentError {
    AgentError::new(ErrorCode::InvalidRequest, message)
}

/// `PUT /container/<id>/address` (`address`): static addresses on the
/// container's NIC on that network (null: back to DHCP) by overriding the
/// whole NIC entry, then a restart when it runs (stop, then start).
pub async fn address(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<AddressAnswer>, AgentError> {
    let request: AddressRequest = json(&auth.body)?;
    request.check().map_err(invalid)?;
    let container = auth.container()?;
    let (config, lock) = state.network(&request.network)?;
    let network = lxd_network(&state, &request.network).await?;
    if let Some(why) = request.ipv4.and_then(|address| network.refuse_ipv4(address)) {
        return Err(invalid(why));
    }
    if let Some(why) = request.ipv6.and_then(|address| network.refuse_ipv6(address)) {
        return Err(invalid(why));
    }

    let running = {
        // Checked and written under the network's lock: two requests for
        // one address never both pass the check.
        let _held = lock.lock().await;
        let instance = state.lxd.instance(container).await?;
        let nic = instance.nic_on(&request.network).ok_or_else(|| {
            AgentError::new(
                ErrorCode::NoAddress,
                format!("{container} has no NIC on network {}; give it one first", request.network),
            )
        })?;
        if nic.ipv4() == request.ipv4 && nic.ipv6() == request.ipv6 {
            return Ok(web::Json(AddressAnswer {
                network: request.network,
                ipv4: request.ipv4,
                ipv6: request.ipv6,
                restarted: false,
            }));
        }
        let hwaddr = instance.hwaddr_of(&nic);
        let leases = state.lxd.network_leases(&request.network).await?;
        let wanted = request.ipv4.map(IpAddr::V4).into_iter().chain(request.ipv6.map(IpAddr::V6));
        for address in wanted {
            if let Some(holder) = held_by_another(&leases, address, hwaddr.as_deref()) {
                return Err(AgentError::new(
                    ErrorCode::AddressTaken,
                    format!("{address} is held by {holder} on network {}; choose another", request.network),
                ));
            }
        }
        let entry = nic.with_addresses(request.ipv4, request.ipv6);
        state.lxd.set_device(container, &nic.device, &entry).await.map_err(|error| match error {
            // LXD's own check, across projects: another NIC has it statically
            // ("IP address … already defined on another NIC", LXD 5.0.2).
            LxdError::Api { message, .. } | LxdError::InvalidConfig(message)
                if message.contains("already defined on another NIC") =>
            {
                AgentError::new(
                    ErrorCode::AddressTaken,
                    format!("LXD says the address is taken on network {}: {message}", request.network),
                )
            }
            other => other.into(),
        })?;
        // The container's forwards follow its address (none without one),
        // once LXD took the new address; if they cannot, the NIC goes back
        // as it was, so no forward ever points at an address it lacks.
        if let Some((listen_address, _)) = config.forwards()
            && let Some(old) = nic.address_like(listen_address)
        {
            let new = match listen_address {
                IpAddr::V4(_) => request.ipv4.map(IpAddr::V4),
                IpAddr::V6(_) => request.ipv6.map(IpAddr::V6),
            };
            if new != Some(old) {
                let retarget = |current: &NetworkForward| Ok(current.retargeting(old, new));
                if let Err(error) = rewrite_forward(&state, &request.network, listen_address, retarget).await {
                    if let Err(undo) = state.lxd.set_device(container, &nic.device, &nic.entry).await {
                        tracing::error!(%container, %undo, "cannot put the NIC back after its forwards failed to follow");
                    }
                    return Err(error);
                }
                tracing::info!(%container, %old, ?new, "the container's forwards follow its address");
            }
        }
        ContainerStatus::from_lxd(&instance.status) == ContainerStatus::Running
    };
    if running {
        let stop = StopRequest::default();
        match state.lxd.stop(container, stop.force, stop.timeout_s).await {
            Ok(()) | Err(LxdError::AlreadyStopped) => {}
            Err(error) => return Err(error.into()),
        }
        state.lxd.start(container, START_DEADLINE).await?;
    }
    Ok(web::Json(AddressAnswer {
        network: request.network,
        ipv4: request.ipv4,
        ipv6: request.ipv6,
        restarted: running,
    }))
}

/// `GET /container/<id>/forwards` (`forward.list`): its forwards on every
/// listed network with forwards that it has a NIC on (none without a
/// static address there).
pub async fn list_forwards(
    auth: Authorized,
    state: web::Data<AgentState>,
) -> Result<web::Json<ForwardsList>, AgentError> {
    let instance = state.lxd.instance(auth.container()?).await?;
    let mut items = Vec::new();
    for config in &state.networks {
        let (Some((listen_address, _)), Some(nic)) = (config.forwards(), instance.nic_on(&config.name)) else {
            continue;
        };
        let forwards = match nic.address_like(listen_address) {
            Some(address) => state
                .lxd
                .forward(&config.name, listen_address)
                .await?
                .map(|(forward, _)| forward.forwards_to(address))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        items.push(ForwardsAnswer { network: config.name.clone(), listen_address, forwards });
    }
    Ok(web::Json(ForwardsList { items }))
}

/// `PUT /container/<id>/forwards` (`forward.set`): the container's whole
/// set on the network's forward, other containers' ports untouched.
pub async fn set_forwards(
    auth: Authorized,
    state: web::Data<AgentState>,
) -> Result<web::Json<ForwardsAnswer>, AgentError> {
    let request: ForwardsRequest = json(&auth.body)?;
    let container = auth.container()?;
    let (config, lock) = state.network(&request.network)?;
    let (listen_address, range) = config.forwards().ok_or_else(|| {
        invalid(format!(
            "network {} has no forwards: its [[networks]] entry has no listen_address and forward_ports",
            request.network
        ))
    })?;
    request.check().map_err(invalid)?;
    if let Some(outside) = request.outside(range) {
        return Err(AgentError::new(
            ErrorCode::PortTaken,
            format!(
                "{} port {} is outside this network's forward ports {range}",
                outside.protocol.as_str(),
                outside.listen_port
            ),
        ));
    }
    let mut wanted: Vec<Forward> = request.forwards.clone();
    wanted.sort_by_key(|forward| (forward.protocol, forward.listen_port));

    let _held = lock.lock().await;
    let instance = state.lxd.instance(container).await?;
    let address = instance.nic_on(&request.network).and_then(|nic| nic.address_like(listen_address)).ok_or_else(|| {
        AgentError::new(
            ErrorCode::NoAddress,
            format!(
                "{container} has no fixed {} address on network {}: a forward needs one, give it a fixed address first",
                if listen_address.is_ipv4() { "IPv4" } else { "IPv6" },
                request.network
            ),
        )
    })?;
    let change = |current: &NetworkForward| {
        if current.forwards_to(address) == wanted {
            return Ok(None);
        }
        current.replacing(address, &wanted).map(Some).map_err(port_taken)
    };
    rewrite_forward(&state, &request.network, listen_address, change).await?;
    Ok(web::Json(ForwardsAnswer { network: request.network, listen_address, forwards: wanted }))
}

/// Rewrites the forward of `network` on `listen_address` as `change` says
/// (given the forward LXD has, or an empty one when it has none; `None`:
/// nothing to write): read, change, write with the ETag, and read again
/// when another writer came first. The caller holds the network's lock;
/// this takes the host-wide one too (other agents of this host).
async fn rewrite_forward(
    state: &AgentState,
    network: &str,
    listen_address: IpAddr,
    change: impl Fn(&NetworkForward) -> Result<Option<NetworkForward>, AgentError>,
) -> Result<(), AgentError> {
    let _host_wide = state.lxd.lock_forwards(network, HOST_LOCK_WAIT).await?;
    for attempt in 1..=FORWARD_ATTEMPTS {
        let (written, creating) = match state.lxd.forward(network, listen_address).await? {
            None => match change(&NetworkForward::default())? {
                Some(fresh) => (state.lxd.create_forward(network, listen_address, &fresh).await, true),
                None => (Ok(()), false),
            },
            Some((current, etag)) => match change(&current)? {
                Some(next) => (state.lxd.put_forward(network, listen_address, &next, etag.as_deref()).await, false),
                None => (Ok(()), false),
            },
        };
        match written {
            Ok(()) => return Ok(()),
            // Someone changed it since we read it (412), or made it first (a
            // creation LXD refuses: "already exists", a UNIQUE constraint,
            // "overlaps"): read it again; a refusal that stays is reported.
            Err(LxdError::Api { status: 412, .. }) if attempt < FORWARD_ATTEMPTS => {
                tracing::info!(%network, attempt, "the forward changed under us; reading it again");
            }
            Err(LxdError::AlreadyExists | LxdError::Api { .. }) if creating && attempt < FORWARD_ATTEMPTS => {
                tracing::info!(%network, attempt, "the forward's creation was refused; reading it again");
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(AgentError::new(ErrorCode::Busy, "the network's forward keeps changing; retry shortly"))
}

fn port_taken(taken: Forward) -> AgentError {
    AgentError::new(
        ErrorCode::PortTaken,
        format!(
            "{} port {} is forwarded to another container; choose another",
            taken.protocol.as_str(),
            taken.listen_port
        ),
    )
}
