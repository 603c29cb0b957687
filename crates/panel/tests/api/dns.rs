//! The panel's authoritative DNS server, asked by the real `dig` (bind9-dnsutils,
//! which `make setup` installs) over UDP and TCP on loopback: container names
//! answered with the `aa` flag and their addresses on a public network (else
//! their machine's listen address, never a private one), NXDOMAIN with the
//! SOA for unknown names, REFUSED for other zones, the apex's SOA and NS, and
//! a deletion or an address change answered without a restart. How soon (the
//! 1 s of PANEL.md) is a figure of `make bench`, not of these tests: a loaded
//! CI machine may take longer, and the tests wait for the outcome.

use std::process::Command;
use std::time::{Duration, Instant};

use smp_proto::api::{ContainerStatus, ContainerSummary};

use smp_panel::db::machines::MachineId;
use smp_panel::db::networks;
use smp_proto::network::NetworkView;

use crate::containers_api::{CREATED, add_machine, apply};
use crate::helpers::{TestApp, spawn_app_with};

/// What `dig` printed: the status, the header's flags, and the answer and
/// authority sections' records as (name, type, data).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: String,
    pub(crate) flags: Vec<String>,
    answer: Vec<(String, String, String)>,
    authority: Vec<(String, String, String)>,
}

impl Answer {
    pub(crate) fn data(&self, kind: &str) -> Vec<String> {
        let mut data: Vec<String> =
            self.answer.iter().filter(|(_, record, _)| record == kind).map(|(_, _, data)| data.clone()).collect();
        data.sort();
        data
    }
}

/// Whether `dig` is there; under CI it must be (`make setup` installs it).
pub(crate) fn dig_available() -> bool {
    let found = Command::new("dig").arg("-v").output().is_ok_and(|output| output.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "dig is missing: run `make setup` (bind9-dnsutils)");
        eprintln!("skipped: dig is missing (make setup installs bind9-dnsutils)");
    }
    found
}

/// `dig @127.0.0.1 -p PORT NAME TYPE +norec` (and `extra`): three tries of
/// two seconds, so that a loaded machine's slow answer is not a failure.
pub(crate) fn dig(port: u16, name: &str, kind: &str, extra: &[&str]) -> Answer {
    let output = Command::new("dig")
        .args(["@127.0.0.1", "-p", &port.to_string(), name, kind, "+norec", "+time=2", "+tries=3"])
        .args(["+noall", "+comments", "+answer", "+authority"])
        .args(extra)
        .output()
        .expect("dig runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "dig failed: {text}{}", String::from_utf8_lossy(&output.stderr));
    let status = text
        .split("status: ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no status in {text}"))
        .to_owned();
    let flags = text
        .split(";; flags: ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no flags in {text}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let (mut answer, mut authority) = (Vec::new(), Vec::new());
    let mut section = "";
    for line in text.lines() {
        if line.starts_with(";; ANSWER SECTION") {
            section = "answer";
        } else if line.starts_with(";; AUTHORITY SECTION") {
            section = "authority";
        } else if line.starts_with(";;") || line.trim().is_empty() {
            if line.trim().is_empty() {
                section = "";
            }
        } else if !line.starts_with(';') {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() >= 5 {
                let record = (fields[0].to_owned(), fields[3].to_owned(), fields[4..].join(" "));
                match section {
                    "answer" => answer.push(record),
                    "authority" => authority.push(record),
                    _ => {}
                }
            }
        }
    }
    Answer { status, flags, answer, authority }
}

fn listed(name: &str, addresses: &[&str]) -> ContainerSummary {
    ContainerSummary {
        name: name.to_owned(),
        status: ContainerStatus::Running,
        addresses: addresses.iter().map(|address| (*address).to_owned()).collect(),
        instance_type: "container".to_owned(),
        created_at: CREATED.to_owned(),
        uuid: None,
    }
}

/// A network of the agent's list as the sync stores it.
fn network(name: &str, subnets: (&str, Option<&str>), public: bool, listen_address: Option<&str>) -> NetworkView {
    NetworkView {
        name: name.to_owned(),
        ipv4_subnet: Some(subnets.0.to_owned()),
        ipv4_gateway: None,
        ipv6_subnet: subnets.1.map(str::to_owned),
        ipv6_gateway: None,
        public,
        listen_address: listen_address.map(|address| address.parse().unwrap()),
        forward_ports: listen_address.map(|_| "20000-20099".parse().unwrap()),
        leases: Vec::new(),
    }
}

/// A panel answering `ct.test` on a loopback port, with machines `m1` (its
/// network `pub` marked public: its containers' own addresses are
/// published) and `m2` (a private bridge with forwards on 198.51.100.7:
/// its containers answer with that address), whose containers the sync's
/// own path stored: `c1` (an IPv4 and an IPv6), `web` on both machines,
/// `bad_name` (not a DNS label) and `lan` (an address on no public network)
/// on `m1`; once the server answers with all of them.
async fn panel_with_zone() -> (TestApp, u16, i64) {
    let app = spawn_app_with("[dns]\nlisten = \"127.0.0.1:0\"\nzone = \"ct.test\"\nttl_s = 30").await;
    let port = app.dns_port.expect("[dns] starts the DNS server");
    let m1 = add_machine(&app, "m1");
    let m2 = add_machine(&app, "m2");
    let now = smp_panel::db::unix_now();
    let public = network("pub", ("10.77.0.0/24", Some("fd42:77::/64")), true, None);
    networks::replace_networks(&mut app.db.connect(), MachineId(m1), &[public], now).unwrap();
    let private = network("lxdbr0", ("10.78.0.0/24", None), false, Some("198.51.100.7"));
    networks::replace_networks(&mut app.db.connect(), MachineId(m2), &[private], now).unwrap();
    apply(
        &app,
        m1,
        &[
            listed("c1", &["10.77.0.23", "fd42:77::23"]),
            listed("web", &["10.77.0.30"]),
            listed("bad_name", &["10.77.0.31"]),
            listed("lan", &["192.168.5.5"]),
        ],
    );
    apply(&app, m2, &[listed("web", &["10.78.0.30"])]);
    // The rows were written after the first build: wait until the refresher
    // publishes the last of them (it may have read the first machine's
    // alone, when `web` was still on one machine and published bare).
    tokio::task::spawn_blocking(move || {
        until(|| dig(port, "web.m2.ct.test", "A", &[]), |answer| answer.data("A") == ["198.51.100.7"])
    })
    .await
    .unwrap();
    (app, port, m1)
}

/// Asks until `done` holds for the answer: the server reads the records
/// every 250 ms, so 20 s is a server that never publishes the change.
fn until(mut ask: impl FnMut() -> Answer, done: impl Fn(&Answer) -> bool) {
    let bound = Duration::from_secs(20);
    let start = Instant::now();
    loop {
        let answer = ask();
        if done(&answer) {
            return;
        }
        assert!(start.elapsed() < bound, "not answered within {bound:?}; last answer: {answer:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dig_gets_a_container_s_addresses_with_the_aa_flag_over_udp_and_tcp() {
    if !dig_available() {
        return;
    }
    let (_app, port, _) = panel_with_zone().await;
    tokio::task::spawn_blocking(move || {
        let a = dig(port, "c1.ct.test", "A", &[]);
        assert_eq!(a.status, "NOERROR", "{a:?}");
        assert!(a.flags.contains(&"aa".to_owned()), "authoritative: {a:?}");
        assert!(!a.flags.contains(&"ra".to_owned()), "no recursion offered: {a:?}");
        assert_eq!(a.data("A"), ["10.77.0.23"]);
        assert_eq!(a.answer[0].0, "c1.ct.test.");
        assert_eq!(dig(port, "c1.ct.test", "AAAA", &[]).data("AAAA"), ["fd42:77::23"]);
        assert_eq!(dig(port, "C1.M1.ct.test", "A", &[]).data("A"), ["10.77.0.23"], "with its machine, any case");
        let tcp = dig(port, "c1.m1.ct.test", "AAAA", &["+tcp"]);
        assert!(tcp.flags.contains(&"aa".to_owned()), "{tcp:?}");
        assert_eq!(tcp.data("AAAA"), ["fd42:77::23"], "over TCP too");
        // A name on two machines is published only with its machine.
        assert_eq!(dig(port, "web.ct.test", "A", &[]).status, "NXDOMAIN");
        assert_eq!(dig(port, "web.m1.ct.test", "A", &[]).data("A"), ["10.77.0.30"]);
        // A machine without a public network: its listen address, never the private one.
        assert_eq!(dig(port, "web.m2.ct.test", "A", &["+tcp"]).data("A"), ["198.51.100.7"]);
        // An address on no public network of a machine that forwards nothing: no name.
        assert_eq!(dig(port, "lan.ct.test", "A", &[]).status, "NXDOMAIN");
        // A name that is not a DNS label is not published (bad_name.m1 would be asked as is).
        assert_eq!(dig(port, "bad_name.m1.ct.test", "A", &[]).status, "NXDOMAIN");
        // An IPv4-only name has no AAAA: NOERROR, no answer, the SOA.
        let none = dig(port, "web.m1.ct.test", "AAAA", &[]);
        assert_eq!((none.status.as_str(), none.answer.len()), ("NOERROR", 0), "{none:?}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_names_are_nxdomain_with_the_soa_other_zones_refused_and_the_apex_has_soa_and_ns() {
    if !dig_available() {
        return;
    }
    let (_app, port, _) = panel_with_zone().await;
    tokio::task::spawn_blocking(move || {
        let unknown = dig(port, "nobody.ct.test", "A", &[]);
        assert_eq!(unknown.status, "NXDOMAIN", "{unknown:?}");
        assert!(unknown.flags.contains(&"aa".to_owned()), "{unknown:?}");
        assert!(unknown.answer.is_empty());
        let soa: Vec<_> = unknown.authority.iter().filter(|(_, kind, _)| kind == "SOA").collect();
        assert_eq!(soa.len(), 1, "the SOA in the authority section: {unknown:?}");
        assert_eq!(soa[0].0, "ct.test.");
        assert!(soa[0].2.starts_with("ns.ct.test. hostmaster.ct.test. "), "{soa:?}");
        assert!(soa[0].2.ends_with(" 30"), "the SOA's minimum is ttl_s: {soa:?}");

        let other = dig(port, "example.com", "A", &[]);
        assert_eq!(other.status, "REFUSED", "no recursion: {other:?}");
        assert!(other.answer.is_empty());
        assert_eq!(dig(port, "example.com", "A", &["+tcp"]).status, "REFUSED");

        let apex = dig(port, "ct.test", "SOA", &[]);
        assert!(apex.flags.contains(&"aa".to_owned()), "{apex:?}");
        assert_eq!(apex.answer.len(), 1, "{apex:?}");
        assert!(apex.answer[0].2.starts_with("ns.ct.test. hostmaster.ct.test. "), "{apex:?}");
        assert_eq!(dig(port, "ct.test", "NS", &["+tcp"]).data("NS"), ["ns.ct.test."]);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_container_becomes_nxdomain_and_a_new_address_is_answered_without_a_restart() {
    if !dig_available() {
        return;
    }
    let (app, port, m1) = panel_with_zone().await;

    // The sync sees c1 with another address.
    apply(&app, m1, &[listed("c1", &["10.77.0.99"]), listed("web", &["10.77.0.30"])]);
    tokio::task::spawn_blocking(move || {
        until(|| dig(port, "c1.ct.test", "A", &[]), |answer| answer.data("A") == ["10.77.0.99"])
    })
    .await
    .unwrap();

    // The sync no longer sees c1: its row is marked gone.
    apply(&app, m1, &[listed("web", &["10.77.0.30"])]);
    tokio::task::spawn_blocking(move || {
        until(|| dig(port, "c1.ct.test", "A", &["+tcp"]), |answer| answer.status == "NXDOMAIN")
    })
    .await
    .unwrap();
    tokio::task::spawn_blocking(move || {
        assert_eq!(dig(port, "c1.m1.ct.test", "A", &[]).status, "NXDOMAIN");
        assert_eq!(dig(port, "web.m1.ct.test", "A", &[]).data("A"), ["10.77.0.30"], "the others stay");
    })
    .await
    .unwrap();
}
