//! Network calls (issue 17): a managed network's subnets, its leases, a
//! container's NIC on it with a static address, and the network forwards
//! that carry ports of the host to containers.
//!
//! A forward is one LXD object per (network, listen address) holding the
//! ports of every container; the agent rewrites only the entries whose
//! `target_address` is the container's, read-modify-write with the ETag
//! (the route serialises it per network too).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use hyper::Method;
use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use smp_proto::names::InstanceName;
use smp_proto::network::{Forward, ForwardProtocol, LeaseView};

use super::LxdClient;
use super::error::LxdError;
use super::model::{Device, Instance, Lease};
use super::transport::encode;

/// A managed network as the agent reads it (`GET /1.0/networks/<n>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInfo {
    pub name: String,
    /// The host's address and prefix on the network (`10.77.0.1/24`).
    pub ipv4: Option<Ipv4Net>,
    pub ipv6: Option<Ipv6Net>,
    /// `ipv6.dhcp.stateful=true`: LXD gives static IPv6 addresses only then.
    pub ipv6_stateful: bool,
}

impl NetworkInfo {
    /// Reads LXD's `ipv4.address` / `ipv6.address` (`none`, empty or absent:
    /// no such family) and `ipv6.dhcp.stateful`.
    pub(crate) fn from_config(name: &str, config: &HashMap<String, String>) -> NetworkInfo {
        let address = |key: &str| config.get(key).map(String::as_str).filter(|value| !value.is_empty());
        NetworkInfo {
            name: name.to_owned(),
            ipv4: address("ipv4.address").and_then(|value| value.parse().ok()),
            ipv6: address("ipv6.address").and_then(|value| value.parse().ok()),
            ipv6_stateful: config.get("ipv6.dhcp.stateful").is_some_and(|value| value == "true"),
        }
    }

    /// Why `address` cannot be a container's on this network, if it cannot:
    /// outside the subnet, the gateway, or the subnet's network or
    /// broadcast address.
    pub fn refuse_ipv4(&self, address: Ipv4Addr) -> Option<String> {
        let Some(net) = self.ipv4 else {
            return Some(format!("network {} has no IPv4 subnet", self.name));
        };
        if !net.trunc().contains(&address) {
            return Some(format!("{address} is outside the subnet {} of network {}", net.trunc(), self.name));
        }
        if address == net.addr() {
            return Some(format!("{address} is the gateway of network {}", self.name));
        }
        if net.prefix_len() < 31 && (address == net.network() || address == net.broadcast()) {
            return Some(format!("{address} is the network or broadcast address of {}", net.trunc()));
        }
        None
    }

    /// The same for IPv6 (the subnet's first address is its anycast
    /// router address), and it needs stateful DHCPv6.
    pub fn refuse_ipv6(&self, address: Ipv6Addr) -> Option<String> {
        let Some(net) = self.ipv6 else {
            return Some(format!("network {} has no IPv6 subnet", self.name));
        };
        if !net.trunc().contains(&address) {
            return Some(format!("{address} is outside the subnet {} of network {}", net.trunc(), self.name));
        }
        if address == net.addr() {
            return Some(format!("{address} is the gateway of network {}", self.name));
        }
        if address == net.network() {
            return Some(format!("{address} is the subnet-router address of {}", net.trunc()));
        }
        if !self.ipv6_stateful {
            return Some(format!(
                "network {} has no stateful DHCPv6: LXD gives static IPv6 addresses only with ipv6.dhcp.stateful=true",
                self.name
            ));
        }
        None
    }
}

/// `GET /1.0/networks/<n>`: the fields the agent reads.
#[derive(Debug, Deserialize)]
struct LxdNetwork {
    #[serde(default)]
    config: HashMap<String, String>,
}

/// A container's NIC on a network: its device name and whole entry (from
/// `expanded_devices`, so a profile's NIC included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub device: String,
    pub entry: Device,
}

impl Nic {
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        self.entry.get("ipv4.address").and_then(|value| value.parse().ok())
    }

    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        self.entry.get("ipv6.address").and_then(|value| value.parse().ok())
    }

    /// The static address of `family`'s kind of `like`.
    pub fn address_like(&self, like: IpAddr) -> Option<IpAddr> {
        match like {
            IpAddr::V4(_) => self.ipv4().map(IpAddr::V4),
            IpAddr::V6(_) => self.ipv6().map(IpAddr::V6),
        }
    }

    /// The same entry with these static addresses (`None`: the key removed,
    /// back to DHCP).
    pub fn with_addresses(&self, ipv4: Option<Ipv4Addr>, ipv6: Option<Ipv6Addr>) -> Device {
        let mut entry = self.entry.clone();
        for (key, value) in
            [("ipv4.address", ipv4.map(|a| a.to_string())), ("ipv6.address", ipv6.map(|a| a.to_string()))]
        {
            match value {
                Some(value) => entry.insert(key.to_owned(), value),
                None => entry.remove(key),
            };
        }
        entry
    }
}

impl Instance {
    /// Its NIC on `network` (`network=<n>`, or `nictype=bridged,
    /// parent=<n>`), the lowest device name if it has several.
    pub(crate) fn nic_on(&self, network: &str) -> Option<Nic> {
        self.expanded_devices
            .iter()
            .filter(|(_, device)| {
                device.get("type").map(String::as_str) == Some("nic")
                    && (device.get("network").map(String::as_str) == Some(network)
                        || (device.get("network").is_none()
                            && device.get("nictype").map(String::as_str) == Some("bridged")
                            && device.get("parent").map(String::as_str) == Some(network)))
            })
            .min_by_key(|(name, _)| name.as_str())
            .map(|(name, entry)| Nic { device: name.clone(), entry: entry.clone() })
    }

    /// The MAC address of its NIC `device` (set on the device, or LXD's
    /// `volatile.<dev>.hwaddr`), lower case.
    pub(crate) fn hwaddr_of(&self, nic: &Nic) -> Option<String> {
        nic.entry
            .get("hwaddr")
            .or_else(|| self.expanded_config.get(&format!("volatile.{}.hwaddr", nic.device)))
            .map(|mac| mac.to_ascii_lowercase())
    }
}

/// Whether `address` is leased or allocated to a NIC other than the one
/// with MAC `own_hwaddr` (the gateway's entry counts as another's).
pub fn held_by_another(leases: &[LeaseView], address: IpAddr, own_hwaddr: Option<&str>) -> Option<String> {
    leases
        .iter()
        .filter(|lease| lease.address.parse::<IpAddr>().ok() == Some(address))
        .find(|lease| lease.kind == "gateway" || own_hwaddr != Some(lease.hwaddr.to_ascii_lowercase().as_str()))
        .map(|lease| if lease.hostname.is_empty() { lease.hwaddr.clone() } else { lease.hostname.clone() })
}

/// A network forward as LXD holds it: the agent keeps every field it does
/// not change as it came (other containers' ports above all).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NetworkForward {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub config: HashMap<String, String>,
    #[serde(default)]
    pub ports: Vec<ForwardPort>,
}

/// One port entry of a forward; LXD writes ports as lists and ranges
/// (`"20000,20002-20004"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardPort {
    #[serde(default)]
    pub description: String,
    pub protocol: String,
    pub listen_port: String,
    #[serde(default)]
    pub target_port: String,
    pub target_address: String,
}

/// The ports of a port specification (`"80"`, `"80,81-90"`); `None` when
/// it is not one.
fn ports_of(spec: &str) -> Option<Vec<u16>> {
    let mut ports = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let (first, last) = match part.split_once('-') {
            Some((first, last)) => (first.trim().parse::<u16>().ok()?, last.trim().parse::<u16>().ok()?),
            None => (part.parse::<u16>().ok()?, part.parse::<u16>().ok()?),
        };
        if first > last {
            return None;
        }
        ports.extend(first..=last);
    }
    Some(ports)
}

impl ForwardPort {
    fn targets(&self, address: IpAddr) -> bool {
        self.target_address.parse::<IpAddr>().ok() == Some(address)
    }

    /// Whether this entry holds `protocol`'s `port` (an unreadable entry
    /// holds nothing the agent can tell; LXD would refuse a clash anyway).
    fn holds(&self, protocol: ForwardProtocol, port: u16) -> bool {
        self.protocol == protocol.as_str() && ports_of(&self.listen_port).is_some_and(|ports| ports.contains(&port))
    }

    /// The single forwards of this entry: listen ports matched to target
    /// ports one to one, or all to the one target port (or to the same
    /// port when the target is empty).
    fn forwards(&self) -> Vec<Forward> {
        let Ok(protocol) = self.protocol.parse::<ForwardProtocol>() else { return Vec::new() };
        let Some(listen) = ports_of(&self.listen_port) else { return Vec::new() };
        let targets = if self.target_port.is_empty() { Some(listen.clone()) } else { ports_of(&self.target_port) };
        let Some(targets) = targets else { return Vec::new() };
        let target_of = |index: usize| match targets.len() {
            1 => Some(targets[0]),
            n if n == listen.len() => Some(targets[index]),
            _ => None,
        };
        listen
            .iter()
            .enumerate()
            .filter_map(|(index, &listen_port)| {
                target_of(index).map(|target_port| Forward { protocol, listen_port, target_port })
            })
            .collect()
    }
}

impl NetworkForward {
    /// The forwards to `address` (one container's), sorted.
    pub fn forwards_to(&self, address: IpAddr) -> Vec<Forward> {
        let mut forwards: Vec<Forward> =
            self.ports.iter().filter(|port| port.targets(address)).flat_map(ForwardPort::forwards).collect();
        forwards.sort_by_key(|forward| (forward.protocol, forward.listen_port));
        forwards
    }

    /// This forward with the ports to `address` replaced by `wanted`;
    /// `Err` with the first wanted (protocol, port) another entry holds.
    pub fn replacing(&self, address: IpAddr, wanted: &[Forward]) -> Result<NetworkForward, Forward> {
        let others: Vec<ForwardPort> = self.ports.iter().filter(|port| !port.targets(address)).cloned().collect();
        if let Some(taken) =
            wanted.iter().find(|forward| others.iter().any(|port| port.holds(forward.protocol, forward.listen_port)))
        {
            return Err(*taken);
        }
        let mut ports = others;
        ports.extend(wanted.iter().map(|forward| ForwardPort {
            description: String::new(),
            protocol: forward.protocol.as_str().to_owned(),
            listen_port: forward.listen_port.to_string(),
            target_port: forward.target_port.to_string(),
            target_address: address.to_string(),
        }));
        Ok(NetworkForward { description: self.description.clone(), config: self.config.clone(), ports })
    }
}

impl NetworkForward {
    /// This forward with the ports to `from` carried to `to` (a container's
    /// new static address), or dropped when `to` is `None` (no static
    /// address: no forward); `None` when no port goes to `from`.
    pub fn retargeting(&self, from: IpAddr, to: Option<IpAddr>) -> Option<NetworkForward> {
        if !self.ports.iter().any(|port| port.targets(from)) {
            return None;
        }
        let ports = self
            .ports
            .iter()
            .filter_map(|port| match (port.targets(from), to) {
                (false, _) => Some(port.clone()),
                (true, Some(to)) => Some(ForwardPort { target_address: to.to_string(), ..port.clone() }),
                (true, None) => None,
            })
            .collect();
        Some(NetworkForward { ports, ..self.clone() })
    }
}

/// `POST /1.0/networks/<n>/forwards`.
#[derive(Serialize)]
struct NewForward<'a> {
    listen_address: String,
    #[serde(flatten)]
    forward: &'a NetworkForward,
}

impl LxdClient {
    /// The managed network `name`, or `None` when LXD has none of that name.
    pub async fn network(&self, name: &str) -> Result<Option<NetworkInfo>, LxdError> {
        let path = self.path(&format!("/1.0/networks/{}", encode(name)), &[]);
        match self.get::<LxdNetwork>(&path).await {
            Ok(network) => Ok(Some(NetworkInfo::from_config(name, &network.config))),
            Err(LxdError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The leases and static allocations of `network` that LXD shows this
    /// project (its instances' and the gateway's).
    pub async fn network_leases(&self, network: &str) -> Result<Vec<LeaseView>, LxdError> {
        let path = self.path(&format!("/1.0/networks/{}/leases", encode(network)), &[]);
        let leases: Vec<Lease> = self.get(&path).await?;
        Ok(leases
            .into_iter()
            .map(|lease| LeaseView {
                hostname: lease.hostname,
                hwaddr: lease.hwaddr,
                address: lease.address,
                kind: lease.kind,
            })
            .collect())
    }

    /// Replaces the instance's own device `device` by `entry` (PATCH
    /// replaces a device whole; one named like a profile's overrides it).
    pub async fn set_device(&self, name: &InstanceName, device: &str, entry: &Device) -> Result<(), LxdError> {
        let body = serde_json::json!({ "devices": { device: entry } });
        let body = serde_json::to_vec(&body).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let _: serde::de::IgnoredAny = self
            .transport()
            .request_json(Method::PATCH, &self.instance_path(name, ""), Some(body), self.request_deadline())
            .await?;
        Ok(())
    }

    fn forward_path(&self, network: &str, listen_address: Option<IpAddr>) -> String {
        let tail = listen_address.map(|address| format!("/{}", encode(&address.to_string()))).unwrap_or_default();
        self.path(&format!("/1.0/networks/{}/forwards{tail}", encode(network)), &[])
    }

    /// A lock on `network`'s forwards shared by every agent of this host
    /// (each serves its own project, all share the host's networks): an
    /// advisory `flock` on LXD's directory of the network (next to LXD's
    /// socket; LXD's own directory when the network has none), released
    /// when the file is dropped. Needed because LXD 5.0.2 ignores
    /// `If-Match` on a forward's PUT. `None` (logged) when the directory
    /// cannot be opened or locked: the agent's own lock still holds.
    pub async fn lock_forwards(&self, network: &str, within: Duration) -> Result<Option<std::fs::File>, LxdError> {
        let Some(lxd_dir) = self.socket().parent() else { return Ok(None) };
        let network_dir = lxd_dir.join("networks").join(network);
        let path = if network_dir.is_dir() { network_dir } else { lxd_dir.to_path_buf() };
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot open LXD's directory to lock a forward host-wide");
                return Ok(None);
            }
        };
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(file)),
                Err(std::fs::TryLockError::WouldBlock) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(LxdError::Timeout(format!(
                        "another agent of this host held the forwards of {network} for {} s",
                        within.as_secs()
                    )));
                }
                Err(std::fs::TryLockError::Error(error)) => {
                    tracing::warn!(path = %path.display(), %error, "cannot lock a forward host-wide");
                    return Ok(None);
                }
            }
        }
    }

    /// The forward of `network` on `listen_address` with its ETag, or `None`.
    pub async fn forward(
        &self,
        network: &str,
        listen_address: IpAddr,
    ) -> Result<Option<(NetworkForward, Option<String>)>, LxdError> {
        let path = self.forward_path(network, Some(listen_address));
        match self.transport().request_json_etag(Method::GET, &path, None, None, self.request_deadline()).await {
            Ok(found) => Ok(Some(found)),
            Err(LxdError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates the forward of `network` on `listen_address`.
    pub async fn create_forward(
        &self,
        network: &str,
        listen_address: IpAddr,
        forward: &NetworkForward,
    ) -> Result<(), LxdError> {
        let body = NewForward { listen_address: listen_address.to_string(), forward };
        let body = serde_json::to_vec(&body).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let path = self.forward_path(network, None);
        let _: serde::de::IgnoredAny =
            self.transport().request_json(Method::POST, &path, Some(body), self.request_deadline()).await?;
        Ok(())
    }

    /// Replaces the forward, only if it is still the one of `etag` (LXD
    /// answers 412 otherwise, an `Api` error of status 412).
    pub async fn put_forward(
        &self,
        network: &str,
        listen_address: IpAddr,
        forward: &NetworkForward,
        etag: Option<&str>,
    ) -> Result<(), LxdError> {
        let body = serde_json::to_vec(forward).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let path = self.forward_path(network, Some(listen_address));
        let _: (serde::de::IgnoredAny, _) =
            self.transport().request_json_etag(Method::PUT, &path, Some(body), etag, self.request_deadline()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lxdbr0(stateful: bool) -> NetworkInfo {
        let config = HashMap::from([
            ("ipv4.address".to_owned(), "10.77.0.1/24".to_owned()),
            ("ipv6.address".to_owned(), "fd42:77::1/64".to_owned()),
            ("ipv6.dhcp.stateful".to_owned(), stateful.to_string()),
        ]);
        NetworkInfo::from_config("lxdbr0", &config)
    }

    #[test]
    fn a_networks_subnets_and_gateways_come_from_its_addresses() {
        let network = lxdbr0(true);
        let ipv4 = network.ipv4.unwrap();
        assert_eq!((ipv4.addr().to_string(), ipv4.trunc().to_string()), ("10.77.0.1".into(), "10.77.0.0/24".into()));
        assert_eq!(network.ipv6.unwrap().trunc().to_string(), "fd42:77::/64");
        let none = NetworkInfo::from_config(
            "n",
            &HashMap::from([("ipv4.address".into(), "none".into()), ("ipv6.address".into(), "".into())]),
        );
        assert_eq!((none.ipv4, none.ipv6, none.ipv6_stateful), (None, None, false));
    }

    #[test]
    fn an_address_outside_the_subnet_the_gateway_and_the_edges_are_refused() {
        let network = lxdbr0(true);
        assert_eq!(network.refuse_ipv4("10.77.0.50".parse().unwrap()), None);
        for bad in ["10.77.1.5", "10.77.0.1", "10.77.0.0", "10.77.0.255"] {
            assert!(network.refuse_ipv4(bad.parse().unwrap()).is_some(), "{bad}");
        }
        assert_eq!(network.refuse_ipv6("fd42:77::50".parse().unwrap()), None);
        for bad in ["fd42:78::50", "fd42:77::1", "fd42:77::"] {
            assert!(network.refuse_ipv6(bad.parse().unwrap()).is_some(), "{bad}");
        }
        let stateless = lxdbr0(false).refuse_ipv6("fd42:77::50".parse().unwrap()).unwrap();
        assert!(stateless.contains("ipv6.dhcp.stateful=true"), "{stateless}");
    }

    fn instance(devices: serde_json::Value) -> Instance {
        serde_json::from_value(serde_json::json!({"name":"c1","status":"Running","expanded_devices":devices,
            "expanded_config":{"volatile.eth0.hwaddr":"00:16:3E:00:00:01"}}))
        .unwrap()
    }

    #[test]
    fn the_nic_on_a_network_is_found_in_both_forms_and_its_override_keeps_every_key() {
        let c1 = instance(serde_json::json!({"eth0":{"type":"nic","network":"lxdbr0","name":"eth0"},
            "eth1":{"type":"nic","nictype":"bridged","parent":"br1"},"root":{"type":"disk","path":"/"}}));
        let nic = c1.nic_on("lxdbr0").unwrap();
        assert_eq!(nic.device, "eth0");
        assert_eq!(c1.hwaddr_of(&nic).as_deref(), Some("00:16:3e:00:00:01"));
        assert_eq!(c1.nic_on("br1").unwrap().device, "eth1");
        assert!(c1.nic_on("other").is_none());
        let fixed = nic.with_addresses(Some("10.77.0.50".parse().unwrap()), None);
        assert_eq!(fixed["ipv4.address"], "10.77.0.50");
        assert_eq!((fixed["network"].as_str(), fixed["name"].as_str()), ("lxdbr0", "eth0"));
        let back = Nic { device: "eth0".into(), entry: fixed }.with_addresses(None, None);
        assert!(!back.contains_key("ipv4.address") && back["network"] == "lxdbr0");
    }

    fn lease(hostname: &str, hwaddr: &str, address: &str, kind: &str) -> LeaseView {
        LeaseView { hostname: hostname.into(), hwaddr: hwaddr.into(), address: address.into(), kind: kind.into() }
    }

    #[test]
    fn an_address_is_held_by_another_unless_leased_to_the_nics_own_mac() {
        let leases = [
            lease("lxdbr0.gw", "", "10.77.0.1", "gateway"),
            lease("c1", "00:16:3e:00:00:01", "10.77.0.5", "dynamic"),
            lease("c2", "00:16:3e:00:00:02", "10.77.0.6", "static"),
        ];
        let own = Some("00:16:3e:00:00:01");
        assert_eq!(held_by_another(&leases, "10.77.0.5".parse().unwrap(), own), None);
        assert_eq!(held_by_another(&leases, "10.77.0.6".parse().unwrap(), own).as_deref(), Some("c2"));
        assert!(held_by_another(&leases, "10.77.0.1".parse().unwrap(), own).is_some());
        assert_eq!(held_by_another(&leases, "10.77.0.7".parse().unwrap(), own), None);
    }

    fn port(protocol: &str, listen: &str, target: &str, address: &str) -> ForwardPort {
        ForwardPort {
            description: "kept".into(),
            protocol: protocol.into(),
            listen_port: listen.into(),
            target_port: target.into(),
            target_address: address.into(),
        }
    }

    #[test]
    fn a_containers_forwards_are_read_from_ranges_and_replaced_without_touching_others() {
        let mine: IpAddr = "10.77.0.5".parse().unwrap();
        let forward = NetworkForward {
            description: "d".into(),
            config: HashMap::new(),
            ports: vec![
                port("tcp", "20000-20001", "80-81", "10.77.0.5"),
                port("udp", "20002", "", "10.77.0.5"),
                port("tcp", "20010,20012-20013", "22", "10.77.0.6"),
            ],
        };
        let tcp = |listen_port, target_port| Forward { protocol: ForwardProtocol::Tcp, listen_port, target_port };
        let udp = Forward { protocol: ForwardProtocol::Udp, listen_port: 20002, target_port: 20002 };
        assert_eq!(forward.forwards_to(mine), vec![tcp(20000, 80), tcp(20001, 81), udp]);
        assert_eq!(forward.forwards_to("10.77.0.6".parse().unwrap()).len(), 3);

        let replaced = forward.replacing(mine, &[tcp(20011, 8080)]).unwrap();
        assert_eq!(replaced.forwards_to(mine), vec![tcp(20011, 8080)]);
        assert_eq!(replaced.ports[0], forward.ports[2], "the other container's entry is kept as it was");
        assert_eq!(forward.replacing(mine, &[tcp(20012, 1)]).unwrap_err(), tcp(20012, 1));
        let udp_beside = Forward { protocol: ForwardProtocol::Udp, listen_port: 20012, target_port: 1 };
        assert!(forward.replacing(mine, &[udp_beside]).is_ok(), "udp and tcp ports are distinct");
        assert!(forward.replacing(mine, &[]).unwrap().forwards_to(mine).is_empty());

        let moved_to: IpAddr = "10.77.0.7".parse().unwrap();
        let moved = forward.retargeting(mine, Some(moved_to)).unwrap();
        assert_eq!(moved.forwards_to(moved_to), forward.forwards_to(mine), "the same ports, to the new address");
        assert!(moved.forwards_to(mine).is_empty());
        assert_eq!(moved.ports[2], forward.ports[2]);
        let dropped = forward.retargeting(mine, None).unwrap();
        assert_eq!(dropped.ports, vec![forward.ports[2].clone()]);
        assert!(forward.retargeting("10.77.0.9".parse().unwrap(), None).is_none(), "nothing to carry");
    }
}
