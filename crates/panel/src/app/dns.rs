//! The names the DNS front end publishes, from the database: `records` reads
//! each live container's addresses (the ONE place that says which addresses
//! a name answers with), `publish` decides which names exist.
//!
//! A name answers (PANEL.md) with the container's addresses on its
//! machine's networks marked `public` (those the sync stored in
//! `containers.addresses` that lie in such a network's subnet; where an
//! admin set a static address on such a network, that one for its family
//! from the moment it is set, not from the next sync), else with
//! its machine's listen addresses (where its forwards are reached), else
//! with nothing (its names are NXDOMAIN): a private bridge address is never
//! published. Loopback, link-local and unspecified addresses never are.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::db::networks::{MachineNetwork, StaticAddress};
use crate::db::{self, DbPool};
use crate::domain::address::in_subnet;
use crate::error::AppError;

/// One live container and the addresses its names answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// The container's name (LXD's, as the panel stores it).
    pub name: String,
    /// Its machine's name.
    pub machine: String,
    pub ipv4s: Vec<Ipv4Addr>,
    pub ipv6s: Vec<Ipv6Addr>,
}

/// Every live container with the addresses it is published with, ordered
/// by machine and name (two reads of the same rows are equal).
pub async fn records(pool: &DbPool) -> Result<Vec<DnsRecord>, AppError> {
    let (rows, networks, statics) = db::run(pool, |connection| {
        let rows = db::dns::live_names(connection).map_err(AppError::from)?;
        let networks = db::networks::all_networks(connection).map_err(AppError::from)?;
        let statics = db::networks::all_addresses(connection).map_err(AppError::from)?;
        Ok::<_, AppError>((rows, networks, statics))
    })
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine: Vec<&MachineNetwork> =
                networks.iter().filter(|network| network.machine_id == row.machine_id).collect();
            let listed: Vec<String> = serde_json::from_str(&row.addresses).unwrap_or_default();
            let mut public: Vec<IpAddr> = Vec::new();
            for network in mine.iter().filter(|network| network.public) {
                let fixed = statics
                    .iter()
                    .find(|fixed| fixed.container_id == row.container_id && fixed.network == network.name);
                public.extend(public_addresses(network, &listed, fixed));
            }
            public.sort_unstable();
            public.dedup();
            let published = if public.is_empty() {
                let mut listen: Vec<IpAddr> = mine
                    .iter()
                    .filter_map(|network| network.listen_address.as_deref()?.parse::<IpAddr>().ok())
                    .collect();
                listen.sort_unstable();
                listen.dedup();
                listen
            } else {
                public
            };
            let (mut ipv4s, mut ipv6s) = (Vec::new(), Vec::new());
            for address in published {
                match address {
                    IpAddr::V4(v4) if !(v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()) => {
                        ipv4s.push(v4)
                    }
                    IpAddr::V6(v6) if !(v6.is_loopback() || v6.is_unicast_link_local() || v6.is_unspecified()) => {
                        ipv6s.push(v6)
                    }
                    _ => {}
                }
            }
            DnsRecord { name: row.container, machine: row.machine, ipv4s, ipv6s }
        })
        .collect())
}

/// The container's addresses on one public `network`: those the sync
/// listed that lie in its subnets, each family replaced by the static
/// address the panel holds for it there, if any.
fn public_addresses(network: &MachineNetwork, listed: &[String], fixed: Option<&StaticAddress>) -> Vec<IpAddr> {
    let families = [
        (network.ipv4_subnet.as_deref(), fixed.and_then(|fixed| fixed.ipv4).map(IpAddr::V4)),
        (network.ipv6_subnet.as_deref(), fixed.and_then(|fixed| fixed.ipv6).map(IpAddr::V6)),
    ];
    let mut addresses = Vec::new();
    for (subnet, fixed) in families {
        let Some(subnet) = subnet else { continue };
        match fixed {
            Some(fixed) => addresses.push(fixed),
            None => addresses.extend(
                listed
                    .iter()
                    .filter_map(|text| text.parse::<IpAddr>().ok())
                    .filter(|address| in_subnet(*address, subnet)),
            ),
        }
    }
    addresses
}

/// A name of the zone, relative to it (`c1` or `c1.m1`, lower case), and
/// its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub relative: String,
    pub ipv4s: Vec<Ipv4Addr>,
    pub ipv6s: Vec<Ipv6Addr>,
}

/// What the zone holds, and what it leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zone {
    /// Sorted by name, each once.
    pub names: Vec<Published>,
    /// `container.machine` of the containers skipped: a name that is not a
    /// DNS label (the front end logs each once).
    pub skipped: Vec<String>,
}

/// Whether `label` is a host name label (RFC 1123): 1–63 letters, digits
/// and hyphens, neither first nor last a hyphen.
pub fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The zone's names: `<container>.<machine>` for every container whose two
/// names are DNS labels, and `<container>` alone when no other machine has
/// a live container of that name (a name shared across machines is
/// published only with its machine). A container without an address has
/// no record (its names are NXDOMAIN). `reserved` (the NS host's label
/// when it lies in the zone) is never given to a container. Names compare
/// without case.
pub fn publish(records: &[DnsRecord], reserved: Option<&str>) -> Zone {
    let mut machines_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut valid = Vec::new();
    for record in records {
        if is_label(&record.name) && is_label(&record.machine) {
            let (name, machine) = (record.name.to_ascii_lowercase(), record.machine.to_ascii_lowercase());
            machines_of.entry(name.clone()).or_default().insert(machine.clone());
            valid.push((name, machine, record));
        } else {
            skipped.push(format!("{}.{}", record.name, record.machine));
        }
    }
    let mut names: BTreeMap<String, Published> = BTreeMap::new();
    for (name, machine, record) in valid {
        if record.ipv4s.is_empty() && record.ipv6s.is_empty() {
            continue;
        }
        let mut add = |relative: String| {
            let entry = names.entry(relative.clone()).or_insert_with(|| Published {
                relative,
                ipv4s: Vec::new(),
                ipv6s: Vec::new(),
            });
            entry.ipv4s.extend(&record.ipv4s);
            entry.ipv6s.extend(&record.ipv6s);
        };
        let unique = machines_of.get(&name).is_some_and(|machines| machines.len() == 1);
        if unique && reserved.is_none_or(|reserved| !reserved.eq_ignore_ascii_case(&name)) {
            add(name.clone());
        }
        add(format!("{name}.{machine}"));
    }
    let names = names
        .into_values()
        .map(|mut published| {
            published.ipv4s.sort();
            published.ipv4s.dedup();
            published.ipv6s.sort();
            published.ipv6s.dedup();
            published
        })
        .collect();
    Zone { names, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_static_address_replaces_the_synced_one_of_its_family_in_the_networks_subnet() {
        let network = MachineNetwork {
            machine_id: 1,
            machine: "m1".into(),
            name: "lxdbr0".into(),
            ipv4_subnet: Some("10.77.0.0/24".into()),
            ipv6_subnet: Some("fd42:77::/64".into()),
            public: true,
            listen_address: None,
            forward_ports: None,
            drift: None,
            updated_at: 0,
            leases: None,
        };
        let listed: Vec<String> = ["10.77.0.9", "fd42:77::9", "192.0.2.9"].map(String::from).to_vec();
        let synced = public_addresses(&network, &listed, None);
        assert_eq!(synced, ["10.77.0.9".parse::<IpAddr>().unwrap(), "fd42:77::9".parse().unwrap()]);
        let fixed = StaticAddress {
            container_id: 1,
            machine_id: 1,
            network: "lxdbr0".into(),
            ipv4: None,
            ipv6: Some("fd42:77::5".parse().unwrap()),
            updated_at: 0,
        };
        let published = public_addresses(&network, &listed, Some(&fixed));
        assert_eq!(published, ["10.77.0.9".parse::<IpAddr>().unwrap(), "fd42:77::5".parse().unwrap()]);
    }

    fn record(name: &str, machine: &str, addresses: &[&str]) -> DnsRecord {
        let parsed: Vec<IpAddr> = addresses.iter().map(|text| text.parse().unwrap()).collect();
        DnsRecord {
            name: name.to_owned(),
            machine: machine.to_owned(),
            ipv4s: parsed.iter().filter_map(|ip| if let IpAddr::V4(v4) = ip { Some(*v4) } else { None }).collect(),
            ipv6s: parsed.iter().filter_map(|ip| if let IpAddr::V6(v6) = ip { Some(*v6) } else { None }).collect(),
        }
    }

    fn relatives(zone: &Zone) -> Vec<&str> {
        zone.names.iter().map(|published| published.relative.as_str()).collect()
    }

    #[test]
    fn a_unique_name_is_published_alone_and_with_its_machine() {
        let zone = publish(&[record("c1", "m1", &["10.77.0.5", "fd42::5"])], None);
        assert_eq!(relatives(&zone), ["c1", "c1.m1"]);
        assert_eq!(zone.names[0].ipv4s, ["10.77.0.5".parse::<Ipv4Addr>().unwrap()]);
        assert_eq!(zone.names[0].ipv6s, ["fd42::5".parse::<Ipv6Addr>().unwrap()]);
    }

    #[test]
    fn a_name_on_two_machines_is_published_only_with_each_machine() {
        let zone = publish(&[record("web", "m1", &["10.0.0.1"]), record("web", "m2", &["10.0.0.2"])], None);
        assert_eq!(relatives(&zone), ["web.m1", "web.m2"]);
    }

    #[test]
    fn names_that_are_not_labels_are_skipped_and_reported_and_names_lose_their_case() {
        let zone = publish(
            &[
                record("bad_name", "m1", &["10.0.0.1"]),
                record("-x", "m1", &["10.0.0.2"]),
                record("Web", "M1", &["10.0.0.3"]),
            ],
            None,
        );
        assert_eq!(relatives(&zone), ["web", "web.m1"]);
        assert_eq!(zone.skipped, ["bad_name.m1", "-x.m1"]);
    }

    #[test]
    fn a_container_without_address_or_named_like_the_name_server_has_no_short_name() {
        let zone = publish(&[record("off", "m1", &[]), record("ns", "m1", &["10.0.0.9"])], Some("ns"));
        assert_eq!(relatives(&zone), ["ns.m1"]);
    }

    #[test]
    fn labels_follow_rfc_1123() {
        assert!(is_label("c1") && is_label("a-b") && is_label(&"a".repeat(63)));
        assert!(!is_label("") && !is_label("a_b") && !is_label("-a") && !is_label("a-") && !is_label(&"a".repeat(64)));
        assert!(!is_label("a.b") && !is_label("é"));
    }
}
