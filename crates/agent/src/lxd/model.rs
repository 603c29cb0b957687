//! LXD's JSON (the fields the agent reads) and its mapping to `smp-proto`'s
//! documented types: instance summaries with lease addresses, and state.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use serde::Deserialize;
use smp_proto::api::{
    ContainerState, ContainerStatus, ContainerSummary, MemoryState, NetworkAddress, NetworkInterface,
};

/// An instance from `GET /1.0/instances?recursion=1` or `/1.0/instances/<n>`.
#[derive(Debug, Deserialize)]
pub(crate) struct Instance {
    pub name: String,
    pub status: String,
    #[serde(rename = "type", default)]
    pub instance_type: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub expanded_config: HashMap<String, String>,
    #[serde(default)]
    pub expanded_devices: HashMap<String, HashMap<String, String>>,
    /// The instance's own configuration (without its profiles').
    #[serde(default)]
    pub config: HashMap<String, String>,
}

/// The configuration key of the instance's LXD uuid (new for every
/// instance, so a re-made instance of the same name has another one).
pub(crate) const UUID_KEY: &str = "volatile.uuid";

impl Instance {
    /// The instance's `volatile.uuid`, if LXD gave one.
    pub(crate) fn uuid(&self) -> Option<String> {
        self.config.get(UUID_KEY).or_else(|| self.expanded_config.get(UUID_KEY)).cloned()
    }
}

/// A device as LXD describes it: its keys (`type`, `path`, `pool`, …).
pub(crate) type Device = HashMap<String, String>;

/// The root disk among `devices`: the disk mounted at `/`, with its name.
pub(crate) fn root_disk(devices: &HashMap<String, Device>) -> Option<(&str, &Device)> {
    // LXD refuses an instance with two root disks, so there is one; the
    // lowest name all the same, so the choice never depends on hash order.
    devices
        .iter()
        .filter(|(_, device)| {
            device.get("type").map(String::as_str) == Some("disk")
                && device.get("path").map(String::as_str) == Some("/")
        })
        .min_by_key(|(name, _)| name.as_str())
        .map(|(name, device)| (name.as_str(), device))
}

/// The root disk with its size set to `disk_mb` MiB, under the same device
/// name so it overrides the profile's (an instance has one root disk).
pub(crate) fn sized_root_disk(name: &str, device: &Device, disk_mb: u64) -> HashMap<String, Device> {
    let mut sized = device.clone();
    sized.insert("size".to_owned(), format!("{disk_mb}MiB"));
    HashMap::from([(name.to_owned(), sized)])
}

impl Instance {
    /// Managed networks this instance's NICs sit on: `network=<n>`, or the
    /// older `nictype=bridged, parent=<bridge>` form.
    pub(crate) fn networks(&self) -> impl Iterator<Item = &str> {
        self.expanded_devices.values().filter_map(|device| {
            if device.get("type").map(String::as_str) != Some("nic") {
                return None;
            }
            match (device.get("network"), device.get("nictype"), device.get("parent")) {
                (Some(network), _, _) => Some(network.as_str()),
                (None, Some(nictype), Some(parent)) if nictype == "bridged" => Some(parent.as_str()),
                _ => None,
            }
        })
    }

    /// MAC addresses of its NICs (`volatile.<dev>.hwaddr`, or `hwaddr` set
    /// on the device), lower case.
    fn hwaddrs(&self) -> HashSet<String> {
        let volatile = self
            .expanded_config
            .iter()
            .filter(|(key, _)| key.starts_with("volatile.") && key.ends_with(".hwaddr"))
            .map(|(_, value)| value);
        let configured = self.expanded_devices.values().filter_map(|device| device.get("hwaddr"));
        volatile.chain(configured).map(|mac| mac.to_ascii_lowercase()).collect()
    }
}

/// A managed network's DHCP lease or static allocation.
#[derive(Debug, Deserialize)]
pub(crate) struct Lease {
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub hwaddr: String,
    #[serde(default)]
    pub address: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// `GET /1.0/instances/<n>/state`.
#[derive(Debug, Deserialize)]
pub(crate) struct InstanceState {
    pub status: String,
    #[serde(default)]
    pub pid: i64,
    #[serde(default)]
    pub processes: i64,
    #[serde(default)]
    pub cpu: Cpu,
    #[serde(default)]
    pub memory: Memory,
    #[serde(default)]
    pub network: Option<BTreeMap<String, Interface>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Cpu {
    #[serde(default)]
    pub usage: i64,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Memory {
    #[serde(default)]
    pub usage: i64,
    #[serde(default)]
    pub usage_peak: i64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Interface {
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub counters: Counters,
    #[serde(default)]
    pub hwaddr: String,
    #[serde(default)]
    pub state: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Address {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub netmask: String,
    #[serde(default)]
    pub scope: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Counters {
    #[serde(default)]
    pub bytes_received: i64,
    #[serde(default)]
    pub bytes_sent: i64,
}

/// One summary per instance; addresses come from the leases of the managed
/// networks, matched by lease hostname (LXD names it after the instance) or
/// MAC address, and only for running instances (leases outlive a stop).
pub(crate) fn summaries(instances: Vec<Instance>, leases: &[Lease]) -> Vec<ContainerSummary> {
    instances
        .into_iter()
        .map(|instance| {
            let status = ContainerStatus::from_lxd(&instance.status);
            let uuid = instance.uuid();
            let mut addresses: Vec<String> = Vec::new();
            if status == ContainerStatus::Running {
                let hwaddrs = instance.hwaddrs();
                for lease in leases {
                    let ours = lease.hostname == instance.name
                        || (!lease.hwaddr.is_empty() && hwaddrs.contains(&lease.hwaddr.to_ascii_lowercase()));
                    if ours
                        && lease.kind != "gateway"
                        && !lease.address.is_empty()
                        && !addresses.contains(&lease.address)
                    {
                        addresses.push(lease.address.clone());
                    }
                }
                // IPv4 first, each family in LXD's order.
                addresses.sort_by_key(|address| address.contains(':'));
            }
            ContainerSummary {
                name: instance.name,
                status,
                addresses,
                uuid,
                instance_type: instance.instance_type,
                created_at: instance.created_at,
            }
        })
        .collect()
}

/// The address a tunnel to `instance` connects to: an address its managed
/// networks leased or allocated to one of its own MAC addresses (those LXD
/// gave its NICs, `volatile.<dev>.hwaddr`, or an admin set), IPv4 before
/// IPv6, each family in LXD's order. Never what the instance reports of
/// itself: root in the container may claim any address, a neighbour's or
/// the host's bridge address, and the agent dials from the host. A lease's
/// hostname is the DHCP client's claim too, so only the MAC counts. `None`
/// for an instance that does not run or has no such lease yet.
pub(crate) fn tunnel_address(instance: &Instance, leases: &[Lease]) -> Option<IpAddr> {
    if ContainerStatus::from_lxd(&instance.status) != ContainerStatus::Running {
        return None;
    }
    let hwaddrs = instance.hwaddrs();
    let leased = || {
        leases
            .iter()
            .filter(|lease| lease.kind != "gateway" && hwaddrs.contains(&lease.hwaddr.to_ascii_lowercase()))
            .filter_map(|lease| lease.address.parse::<IpAddr>().ok())
            .filter(|address| !address.is_loopback() && !address.is_unspecified() && !address.is_multicast())
    };
    leased().find(IpAddr::is_ipv4).or_else(|| leased().find(IpAddr::is_ipv6))
}

/// The documented subset of an instance's state.
pub(crate) fn container_state(name: &str, state: InstanceState, limit_bytes: Option<i64>) -> ContainerState {
    let network = state
        .network
        .unwrap_or_default()
        .into_iter()
        .map(|(name, interface)| NetworkInterface {
            name,
            hwaddr: interface.hwaddr,
            state: interface.state,
            addresses: interface
                .addresses
                .into_iter()
                .map(|address| NetworkAddress {
                    family: address.family,
                    address: address.address,
                    netmask: address.netmask,
                    scope: address.scope,
                })
                .collect(),
            bytes_received: interface.counters.bytes_received,
            bytes_sent: interface.counters.bytes_sent,
        })
        .collect();
    ContainerState {
        name: name.to_owned(),
        status: ContainerStatus::from_lxd(&state.status),
        pid: (state.pid > 0).then_some(state.pid),
        processes: state.processes.max(0),
        cpu_usage_ns: state.cpu.usage.max(0),
        memory: MemoryState {
            usage_bytes: state.memory.usage.max(0),
            peak_bytes: state.memory.usage_peak.max(0),
            limit_bytes,
        },
        network,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(json: serde_json::Value) -> Instance {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn running_instances_get_their_lease_addresses_and_stopped_ones_none() {
        let instances = vec![
            instance(serde_json::json!({"name":"c1","status":"Running","type":"container","created_at":"t",
                "expanded_config":{"volatile.eth0.hwaddr":"00:16:3E:00:00:01"}})),
            instance(serde_json::json!({"name":"c2","status":"Running","type":"container","created_at":"t",
                "config":{"volatile.uuid":"3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3a"}})),
            instance(serde_json::json!({"name":"c3","status":"Stopped","type":"container","created_at":"t"})),
        ];
        let leases: Vec<Lease> = serde_json::from_value(serde_json::json!([
            {"hostname":"lxdbr0.gw","address":"10.0.0.1","type":"gateway"},
            {"hostname":"other","hwaddr":"00:16:3e:00:00:01","address":"fd00::5","type":"dynamic"},
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:01","address":"10.0.0.5","type":"dynamic"},
            {"hostname":"c2","address":"10.0.0.6","type":"static"},
            {"hostname":"c3","address":"10.0.0.7","type":"dynamic"}
        ]))
        .unwrap();
        let list = summaries(instances, &leases);
        assert_eq!(list[0].addresses, vec!["10.0.0.5", "fd00::5"]);
        assert_eq!(list[1].addresses, vec!["10.0.0.6"]);
        assert!(list[2].addresses.is_empty());
        assert_eq!(list[0].uuid, None, "no volatile.uuid: none");
        assert_eq!(list[1].uuid.as_deref(), Some("3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3a"));
        assert_eq!(list[2].status, ContainerStatus::Stopped);
        assert_eq!(list[0].instance_type, "container");
    }

    #[test]
    fn an_instance_sits_on_the_networks_its_nics_name() {
        let instance = instance(serde_json::json!({"name":"c1","status":"Running","expanded_devices":{
            "eth0":{"type":"nic","network":"lxdbr0"},
            "eth1":{"type":"nic","nictype":"bridged","parent":"br1"},
            "eth2":{"type":"nic","nictype":"macvlan","parent":"enp1s0"},
            "root":{"type":"disk","path":"/","pool":"default"}}}));
        let mut networks: Vec<&str> = instance.networks().collect();
        networks.sort_unstable();
        assert_eq!(networks, vec!["br1", "lxdbr0"]);
    }

    #[test]
    fn the_root_disk_is_the_disk_at_slash_and_its_override_keeps_its_keys() {
        let devices: HashMap<String, Device> = serde_json::from_value(serde_json::json!({
            "eth0": {"type": "nic", "network": "lxdbr0"},
            "data": {"type": "disk", "path": "/data", "pool": "default", "source": "vol"},
            "rootfs": {"type": "disk", "path": "/", "pool": "fast", "limits.read": "100MB"}
        }))
        .unwrap();
        let (name, device) = root_disk(&devices).unwrap();
        assert_eq!((name, device["pool"].as_str()), ("rootfs", "fast"));
        let sized = sized_root_disk(name, device, 300);
        assert_eq!(sized.len(), 1);
        assert_eq!(sized["rootfs"]["size"], "300MiB");
        assert_eq!(sized["rootfs"]["limits.read"], "100MB");
        assert_eq!(sized["rootfs"]["path"], "/");
        assert!(root_disk(&HashMap::new()).is_none());
    }

    fn leases(json: serde_json::Value) -> Vec<Lease> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_tunnel_goes_to_an_address_leased_to_the_instances_own_mac_ipv4_first() {
        let c1 = instance(serde_json::json!({"name":"c1","status":"Running",
            "expanded_config":{"volatile.eth0.hwaddr":"00:16:3E:00:00:01"}}));
        let both = leases(serde_json::json!([
            {"hostname":"lxdbr0.gw","hwaddr":"","address":"10.77.0.1","type":"gateway"},
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:01","address":"fd42::10","type":"dynamic"},
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:01","address":"10.77.0.10","type":"dynamic"},
        ]));
        assert_eq!(tunnel_address(&c1, &both), Some("10.77.0.10".parse().unwrap()));
        assert_eq!(tunnel_address(&c1, &both[..2]), Some("fd42::10".parse().unwrap()));
        let configured = instance(serde_json::json!({"name":"c1","status":"Running",
            "expanded_devices":{"eth0":{"type":"nic","network":"lxdbr0","hwaddr":"00:16:3e:00:00:09"}}}));
        let allocated = leases(serde_json::json!([
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:09","address":"10.77.0.9","type":"static"}]));
        assert_eq!(tunnel_address(&configured, &allocated), Some("10.77.0.9".parse().unwrap()));
    }

    #[test]
    fn a_lease_of_another_mac_is_never_a_tunnels_address_even_under_the_instances_hostname() {
        let c1 = instance(serde_json::json!({"name":"c1","status":"Running",
            "expanded_config":{"volatile.eth0.hwaddr":"00:16:3e:00:00:01"}}));
        let claimed = leases(serde_json::json!([
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:02","address":"10.77.0.20","type":"dynamic"},
            {"hostname":"lxdbr0.gw","hwaddr":"00:16:3e:00:00:01","address":"10.77.0.1","type":"gateway"},
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:01","address":"127.0.0.1","type":"dynamic"},
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:01","address":"not an address","type":"dynamic"},
        ]));
        assert_eq!(tunnel_address(&c1, &claimed), None);
    }

    #[test]
    fn a_stopped_instance_has_no_tunnel_address_though_its_lease_outlives_the_stop() {
        let c1 = instance(serde_json::json!({"name":"c1","status":"Stopped",
            "expanded_config":{"volatile.eth0.hwaddr":"00:16:3e:00:00:01"}}));
        let kept = leases(serde_json::json!([
            {"hostname":"c1","hwaddr":"00:16:3e:00:00:01","address":"10.77.0.10","type":"dynamic"}]));
        assert_eq!(tunnel_address(&c1, &kept), None);
    }

    #[test]
    fn a_stopped_state_has_no_pid_and_no_network() {
        let state: InstanceState = serde_json::from_value(serde_json::json!({
            "status":"Stopped","pid":0,"processes":-1,"cpu":{"usage":0},"memory":{"usage":0,"usage_peak":0},"network":null
        }))
        .unwrap();
        let mapped = container_state("c1", state, Some(1024));
        assert_eq!(mapped.pid, None);
        assert_eq!(mapped.processes, 0);
        assert_eq!(mapped.status, ContainerStatus::Stopped);
        assert!(mapped.network.is_empty());
        assert_eq!(mapped.memory.limit_bytes, Some(1024));
    }
}
