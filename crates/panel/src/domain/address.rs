//! Client addresses as limits and audit counts see them: an IPv4-mapped
//! IPv6 address is its IPv4 address, and an IPv6 host is its /64.

use std::net::{IpAddr, Ipv6Addr};

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// What limits and aggregation count by: an IPv4 address itself, an IPv6
/// address's /64 (a host gets a /64 and picks any address in it at will).
pub fn limit_key(address: IpAddr) -> IpAddr {
    match canonical(address) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// Whether `address` lies in `subnet`, written `10.77.0.0/24` or
/// `fd42:77::/64`; false for another family or a subnet that does not parse.
pub fn in_subnet(address: IpAddr, subnet: &str) -> bool {
    subnet.parse::<ipnet::IpNet>().is_ok_and(|subnet| subnet.contains(&address))
}

/// An address written out (the tests of what counts by address).
#[cfg(test)]
pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_in_a_subnet_of_its_own_family_by_its_prefix() {
        assert!(in_subnet(ip("10.77.0.50"), "10.77.0.0/24"));
        assert!(in_subnet(ip("10.77.0.50"), "10.77.0.1/24"), "a gateway's form of the subnet");
        assert!(!in_subnet(ip("10.77.1.50"), "10.77.0.0/24"));
        assert!(in_subnet(ip("203.0.113.9"), "0.0.0.0/0"));
        assert!(in_subnet(ip("fd42:77::50"), "fd42:77::/64"));
        assert!(!in_subnet(ip("fd42:78::50"), "fd42:77::/64"));
        assert!(!in_subnet(ip("10.77.0.50"), "fd42:77::/64"), "another family");
        for broken in ["10.77.0.0", "10.77.0.0/33", "nonsense/24", ""] {
            assert!(!in_subnet(ip("10.77.0.50"), broken), "{broken}");
        }
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_key_and_ipv4_keys_are_the_address() {
        assert_eq!(limit_key(ip("2001:db8:1:2::1")), limit_key(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(limit_key(ip("2001:db8:1:2::1")), limit_key(ip("2001:db8:1:3::1")));
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
