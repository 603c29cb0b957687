//! The network routes' bodies (PROTOCOL.md "Network routes", issue 17): the
//! networks an agent may touch, a container's static address, and the
//! ports of the host forwarded to it; with the checks both sides make.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An inclusive range of ports, written `20000-29999` (or one port, `20022`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn contains(self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }

    /// How many ports the range holds.
    pub fn len(self) -> u32 {
        u32::from(self.last) - u32::from(self.first) + 1
    }

    /// Never: a range holds at least one port.
    pub fn is_empty(self) -> bool {
        false
    }
}

impl FromStr for PortRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let port = |text: &str| {
            text.trim()
                .parse::<u16>()
                .ok()
                .filter(|port| *port != 0)
                .ok_or_else(|| format!("{text:?} is not a port (1-65535)"))
        };
        let (first, last) = match text.split_once('-') {
            Some((first, last)) => (port(first)?, port(last)?),
            None => (port(text)?, port(text)?),
        };
        if first > last {
            return Err(format!("the range {text:?} ends before it starts"));
        }
        Ok(PortRange { first, last })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last { write!(f, "{}", self.first) } else { write!(f, "{}-{}", self.first, self.last) }
    }
}

impl Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A DHCP lease or static allocation of a network, as LXD lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseView {
    pub hostname: String,
    pub hwaddr: String,
    pub address: String,
    /// `dynamic`, `static` or `gateway`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One network of `GET /networks` (`network.list`): only those the agent's
/// operator listed in its `[[networks]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkView {
    pub name: String,
    /// The IPv4 subnet in CIDR form (`10.77.0.0/24`), if the network has one.
    pub ipv4_subnet: Option<String>,
    /// The gateway's IPv4 address (the host's address on the network).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ipv4_gateway: Option<Ipv4Addr>,
    pub ipv6_subnet: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ipv6_gateway: Option<Ipv6Addr>,
    /// Whether its addresses are reachable from outside (the operator says so).
    pub public: bool,
    /// The host's address that forwards listen on; `None`: no forwards on this network.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub listen_address: Option<IpAddr>,
    /// The ports forwards may take on `listen_address`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "20000-29999"))]
    pub forward_ports: Option<PortRange>,
    pub leases: Vec<LeaseView>,
}

/// `GET /networks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkList {
    pub networks: Vec<NetworkView>,
}

/// `PUT /container/<id>/address` (`address`): a static address on
/// `network` for each family given; `null` (or absent) returns that family
/// to DHCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressRequest {
    pub network: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ipv4: Option<Ipv4Addr>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ipv6: Option<Ipv6Addr>,
}

impl AddressRequest {
    /// Refuses what no network could hold: an unspecified, loopback,
    /// multicast, broadcast or link-local address.
    pub fn check(&self) -> Result<(), String> {
        if let Some(ipv4) = self.ipv4
            && (ipv4.is_unspecified()
                || ipv4.is_loopback()
                || ipv4.is_multicast()
                || ipv4.is_broadcast()
                || ipv4.is_link_local())
        {
            return Err(format!("ipv4: {ipv4} cannot be a container's address"));
        }
        if let Some(ipv6) = self.ipv6
            && (ipv6.is_unspecified() || ipv6.is_loopback() || ipv6.is_multicast() || ipv6.is_unicast_link_local())
        {
            return Err(format!("ipv6: {ipv6} cannot be a container's address"));
        }
        Ok(())
    }
}

/// The answer of `PUT /container/<id>/address`: the static addresses the
/// container's NIC on `network` now has, and whether it was restarted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressAnswer {
    pub network: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ipv4: Option<Ipv4Addr>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ipv6: Option<Ipv6Addr>,
    pub restarted: bool,
}

/// A forward's transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ForwardProtocol {
    Tcp,
    Udp,
}

impl ForwardProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardProtocol::Tcp => "tcp",
            ForwardProtocol::Udp => "udp",
        }
    }
}

impl FromStr for ForwardProtocol {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "tcp" => Ok(ForwardProtocol::Tcp),
            "udp" => Ok(ForwardProtocol::Udp),
            _ => Err(format!("protocol must be tcp or udp, not {text:?}")),
        }
    }
}

/// One port of the host forwarded to a port of the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forward {
    pub protocol: ForwardProtocol,
    pub listen_port: u16,
    pub target_port: u16,
}

/// The most forwards one container may have on one network.
pub const MAX_FORWARDS_PER_CONTAINER: usize = 64;

/// `PUT /container/<id>/forwards` (`forward.set`): the container's whole
/// set of forwards on `network` (empty: none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardsRequest {
    pub network: String,
    pub forwards: Vec<Forward>,
}

impl ForwardsRequest {
    /// Refuses a set that is not one (`invalid_request`): a port 0, the
    /// same (protocol, listen port) twice, more than
    /// [`MAX_FORWARDS_PER_CONTAINER`].
    pub fn check(&self) -> Result<(), String> {
        if self.forwards.len() > MAX_FORWARDS_PER_CONTAINER {
            return Err(format!("at most {MAX_FORWARDS_PER_CONTAINER} forwards per container"));
        }
        let mut seen = HashSet::new();
        for forward in &self.forwards {
            if forward.listen_port == 0 || forward.target_port == 0 {
                return Err("ports must be between 1 and 65535".to_owned());
            }
            if !seen.insert((forward.protocol, forward.listen_port)) {
                return Err(format!("{} port {} is given twice", forward.protocol.as_str(), forward.listen_port));
            }
        }
        Ok(())
    }

    /// The first forward whose listen port is outside `range`: a port the
    /// network cannot give (PROTOCOL.md: 409 `port_taken`).
    pub fn outside(&self, range: PortRange) -> Option<Forward> {
        self.forwards.iter().copied().find(|forward| !range.contains(forward.listen_port))
    }
}

/// `GET`/`PUT /container/<id>/forwards`: the container's forwards on
/// `network`, reached at `listen_address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardsAnswer {
    pub network: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub listen_address: IpAddr,
    pub forwards: Vec<Forward>,
}

/// `GET /container/<id>/forwards` (`forward.list`): its forwards on every
/// network of the agent's list that has forwards (`listen_address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardsList {
    pub items: Vec<ForwardsAnswer>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_range_reads_as_written_and_refuses_zero_reversed_and_garbage() {
        let range: PortRange = "20000-29999".parse().unwrap();
        assert_eq!((range.first, range.last, range.len()), (20000, 29999, 10000));
        assert!(range.contains(20000) && range.contains(29999) && !range.contains(30000));
        assert_eq!(range.to_string(), "20000-29999");
        assert_eq!("20022".parse::<PortRange>().unwrap().len(), 1);
        for bad in ["0-10", "30000-20000", "1-70000", "a-b", "", "-5"] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
        let json: PortRange = serde_json::from_str("\"100-200\"").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"100-200\"");
    }

    #[test]
    fn an_address_request_refuses_what_no_container_can_hold_and_unknown_fields() {
        let ok: AddressRequest =
            serde_json::from_str(r#"{"network":"lxdbr0","ipv4":"10.77.0.50","ipv6":"fd42::50"}"#).unwrap();
        assert!(ok.check().is_ok());
        let dhcp: AddressRequest = serde_json::from_str(r#"{"network":"lxdbr0","ipv4":null}"#).unwrap();
        assert_eq!((dhcp.ipv4, dhcp.ipv6), (None, None));
        for bad in [r#""ipv4":"127.0.0.1""#, r#""ipv4":"0.0.0.0""#, r#""ipv4":"224.0.0.1""#, r#""ipv6":"fe80::1""#] {
            let request: AddressRequest = serde_json::from_str(&format!(r#"{{"network":"n",{bad}}}"#)).unwrap();
            assert!(request.check().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<AddressRequest>(r#"{"network":"n","ipv4":"10.0.0.300"}"#).is_err());
        assert!(serde_json::from_str::<AddressRequest>(r#"{"network":"n","mac":"x"}"#).is_err());
    }

    #[test]
    fn a_forward_set_has_no_repeats_zero_ports_or_excess_and_says_which_port_is_outside_the_range() {
        let range: PortRange = "20000-20009".parse().unwrap();
        let set = |forwards: &str| -> ForwardsRequest {
            serde_json::from_str(&format!(r#"{{"network":"lxdbr0","forwards":[{forwards}]}}"#)).unwrap()
        };
        let tcp = r#"{"protocol":"tcp","listen_port":20000,"target_port":22}"#;
        let udp_same_port = r#"{"protocol":"udp","listen_port":20000,"target_port":53}"#;
        assert!(set(&format!("{tcp},{udp_same_port}")).check().is_ok(), "tcp and udp may share a port");
        assert_eq!(set(&format!("{tcp},{udp_same_port}")).outside(range), None);
        assert!(set(&format!("{tcp},{tcp}")).check().unwrap_err().contains("twice"));
        let far = set(r#"{"protocol":"tcp","listen_port":30000,"target_port":22}"#);
        assert!(far.check().is_ok());
        assert_eq!(far.outside(range).map(|forward| forward.listen_port), Some(30000));
        assert!(set(r#"{"protocol":"tcp","listen_port":20001,"target_port":0}"#).check().is_err());
        assert!(set("").check().is_ok(), "an empty set removes them all");
        assert!(
            serde_json::from_str::<ForwardsRequest>(
                r#"{"network":"n","forwards":[{"protocol":"sctp","listen_port":1,"target_port":1}]}"#
            )
            .is_err()
        );
        let many: Vec<String> = (0..=MAX_FORWARDS_PER_CONTAINER)
            .map(|n| format!(r#"{{"protocol":"tcp","listen_port":{},"target_port":1}}"#, 20000 + n))
            .collect();
        assert!(set(&many.join(",")).check().is_err());
    }
}
