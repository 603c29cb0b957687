//! The authoritative DNS front end (docs/dns.md): hickory-server's `Server`
//! on UDP and TCP over one `Catalog` with an in-memory zone for `[dns] zone`.
//!
//! The zone is built from `app::dns::records` (its names from
//! `app::dns::publish`): SOA and NS at the apex, A/AAAA for each published
//! name. One task reads the records every `REFRESH` and, when they differ
//! from the last read, builds a new `Catalog` and swaps it in whole; a query
//! takes the current one (an `Arc` clone) and never waits for a rebuild
//! (built on a blocking thread), and a rebuild never happens because of a
//! query. The `Catalog` answers NXDOMAIN with the SOA for a name of the zone
//! it does not hold, REFUSED for every other zone (there is no recursion),
//! and sets `aa` on its answers.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hickory_proto::rr::rdata::{A, AAAA, NS, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record};
use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use tokio::task::JoinHandle;

use crate::app::dns::{self as names, Zone};
use crate::db::DbPool;

/// How often the records are read to see whether the zone changed: a
/// rename, a deletion or a new address is answered within this (plus one
/// rebuild), well within PANEL.md's second.
pub const REFRESH: Duration = Duration::from_millis(250);

/// How long a TCP connection may wait between two queries.
const TCP_IDLE: Duration = Duration::from_secs(5);

/// Responses queued per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// The SOA's refresh, retry and expire (for secondaries, if any are set up).
const SOA_REFRESH_S: i32 = 3600;
const SOA_RETRY_S: i32 = 600;
const SOA_EXPIRE_S: i32 = 7 * 24 * 3600;

/// What `[dns]` says, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The zone's apex, fully qualified.
    origin: Name,
    /// The NS host, fully qualified.
    ns: Name,
    /// The NS host's label when it is `<label>.<zone>`: no container takes it.
    reserved: Option<String>,
    ttl_s: u32,
}

/// A `[dns]` setting that cannot be used; the message says which.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("[dns] {0}")]
    Setting(String),
    #[error("cannot listen for DNS on {listen}: {source}")]
    Listen { listen: SocketAddr, source: std::io::Error },
    #[error("cannot read the zone's records: {0}")]
    Records(String),
}

/// A fully qualified name from `text` (a trailing dot or not), each label
/// a host name label.
fn fqdn(key: &str, text: &str) -> Result<Name, DnsError> {
    let trimmed = text.trim_end_matches('.');
    if trimmed.is_empty() || !trimmed.split('.').all(names::is_label) || trimmed.len() > 253 {
        return Err(DnsError::Setting(format!(
            "{key} = {text:?} is not a domain name (labels of letters, digits, hyphens)"
        )));
    }
    Name::from_ascii(format!("{trimmed}.")).map_err(|error| DnsError::Setting(format!("{key} = {text:?}: {error}")))
}

impl Settings {
    /// Checks the zone and NS names.
    pub fn new(zone: &str, ns: &str, ttl_s: u32) -> Result<Settings, DnsError> {
        let origin = fqdn("zone", zone)?;
        let ns = fqdn("ns", ns)?;
        let reserved = (ns.num_labels() == origin.num_labels() + 1 && origin.zone_of(&ns))
            .then(|| ns.iter().next().map(|label| String::from_utf8_lossy(label).to_ascii_lowercase()))
            .flatten();
        Ok(Settings { origin, ns, reserved, ttl_s })
    }

    /// The SOA and NS at the apex, and each published name's A and AAAA.
    pub fn catalog(&self, zone: &Zone, serial: u32) -> Result<Catalog, String> {
        let origin = &self.origin;
        let ttl = self.ttl_s;
        let mut handler =
            InMemoryZoneHandler::<TokioRuntimeProvider>::empty(origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
        let hostmaster = Name::from_ascii("hostmaster")
            .and_then(|name| name.append_domain(origin))
            .map_err(|error| error.to_string())?;
        let soa = SOA::new(self.ns.clone(), hostmaster, serial, SOA_REFRESH_S, SOA_RETRY_S, SOA_EXPIRE_S, ttl);
        handler.upsert_mut(Record::from_rdata(origin.clone(), ttl, RData::SOA(soa)), serial);
        handler.upsert_mut(Record::from_rdata(origin.clone(), ttl, RData::NS(NS(self.ns.clone()))), serial);
        for published in &zone.names {
            let name = Name::from_ascii(&published.relative)
                .and_then(|name| name.append_domain(origin))
                .map_err(|error| format!("{}: {error}", published.relative))?;
            for v4 in &published.ipv4s {
                handler.upsert_mut(Record::from_rdata(name.clone(), ttl, RData::A(A(*v4))), serial);
            }
            for v6 in &published.ipv6s {
                handler.upsert_mut(Record::from_rdata(name.clone(), ttl, RData::AAAA(AAAA(*v6))), serial);
            }
        }
        let mut catalog = Catalog::new();
        catalog.upsert(LowerName::new(origin), vec![Arc::new(handler)]);
        Ok(catalog)
    }
}

/// The current `Catalog`, swapped whole by the refresher.
#[derive(Clone)]
pub struct Zones(Arc<RwLock<Arc<Catalog>>>);

impl Zones {
    fn new(catalog: Catalog) -> Zones {
        Zones(Arc::new(RwLock::new(Arc::new(catalog))))
    }

    fn current(&self) -> Arc<Catalog> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn swap(&self, catalog: Catalog) {
        let catalog = Arc::new(catalog);
        match self.0.write() {
            Ok(mut guard) => *guard = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }
}

/// Each query is answered by the `Catalog` current when it arrived.
#[async_trait::async_trait]
impl RequestHandler for Zones {
    async fn handle_request<R: ResponseHandler, T: Time>(&self, request: &Request, response_handle: R) -> ResponseInfo {
        let catalog = self.current();
        catalog.handle_request::<R, T>(request, response_handle).await
    }
}

/// The running server: its bound port (UDP and TCP) and its task.
#[derive(Debug)]
pub struct Running {
    pub port: u16,
    pub task: JoinHandle<()>,
}

/// Builds the zone from the database, binds UDP and TCP on `listen` (port
/// 0: a free port, the same for both), and serves until the task is
/// aborted; the refresher runs in the same task.
pub async fn start(listen: SocketAddr, settings: Settings, pool: DbPool) -> Result<Running, DnsError> {
    let records = names::records(&pool).await.map_err(|error| DnsError::Records(error.to_string()))?;
    let mut logged = HashSet::new();
    let zone = publish_logged(&records, &settings, &mut logged);
    let serial = next_serial(0);
    let catalog = settings.catalog(&zone, serial).map_err(DnsError::Records)?;
    let zones = Zones::new(catalog);
    let (udp, tcp) = bind(listen)?;
    let port = udp.local_addr().map_err(|source| DnsError::Listen { listen, source })?.port();
    let mut server = Server::new(zones.clone());
    server.register_socket(udp);
    server.register_listener(tcp, TCP_IDLE, TCP_RESPONSE_BUFFER);
    tracing::info!(port, zone = %settings.origin, names = zone.names.len(), "smp-panel DNS server listening (UDP and TCP)");
    let task = tokio::spawn(async move {
        tokio::select! {
            outcome = server.block_until_done() => {
                if let Err(error) = outcome {
                    tracing::error!(%error, "dns: the server stopped");
                }
            }
            () = refresh(zones, settings, pool, records, serial, logged) => {}
        }
    });
    Ok(Running { port, task })
}

/// Reads the records every `REFRESH`; when they changed, swaps in a new
/// `Catalog` with the next serial. Never returns.
async fn refresh(
    zones: Zones,
    settings: Settings,
    pool: DbPool,
    mut last: Vec<names::DnsRecord>,
    mut serial: u32,
    mut logged: HashSet<String>,
) {
    let mut tick = tokio::time::interval(REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let records = match names::records(&pool).await {
            Ok(records) => records,
            Err(error) => {
                tracing::warn!(%error, "dns: cannot read the records; the zone stays as it was");
                continue;
            }
        };
        if records == last {
            continue;
        }
        // Built on a blocking thread: a zone of 10 000 names takes the CPU
        // for a while (seconds in a debug build), during which the queries,
        // served by tasks of this runtime, would wait.
        let next = next_serial(serial);
        let build = {
            let settings = settings.clone();
            move || {
                let zone = publish_logged(&records, &settings, &mut logged);
                let catalog = settings.catalog(&zone, next);
                (catalog, zone.names.len(), records, logged)
            }
        };
        let (catalog, names, records) = match tokio::task::spawn_blocking(build).await {
            Ok((catalog, names, records, kept)) => {
                logged = kept;
                (catalog, names, records)
            }
            Err(error) => {
                tracing::error!(%error, "dns: building the zone failed; it stays as it was");
                logged = HashSet::new();
                continue;
            }
        };
        match catalog {
            Ok(catalog) => {
                zones.swap(catalog);
                tracing::debug!(names, serial = next, "dns: zone rebuilt");
                serial = next;
                last = records;
            }
            Err(error) => tracing::warn!(%error, "dns: cannot build the zone; it stays as it was"),
        }
    }
}

/// `app::dns::publish`, logging each skipped name the first time only.
fn publish_logged(records: &[names::DnsRecord], settings: &Settings, logged: &mut HashSet<String>) -> Zone {
    let zone = names::publish(records, settings.reserved.as_deref());
    for skipped in &zone.skipped {
        if logged.insert(skipped.clone()) {
            tracing::warn!(container = %skipped, "dns: a container name that is not a DNS label is not published");
        }
    }
    zone
}

/// The SOA serial of a new zone: the current Unix time, or one more than
/// the last when that is not greater.
fn next_serial(last: u32) -> u32 {
    let now = u32::try_from(crate::db::unix_now()).unwrap_or(u32::MAX);
    now.max(last.wrapping_add(1))
}

/// UDP and TCP sockets on `listen`; with port 0 the TCP listener takes the
/// port the UDP socket got (tried a few times should it be taken).
fn bind(listen: SocketAddr) -> Result<(tokio::net::UdpSocket, tokio::net::TcpListener), DnsError> {
    let error = |source| DnsError::Listen { listen, source };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let udp = std::net::UdpSocket::bind(listen).map_err(error)?;
        let bound = udp.local_addr().map_err(error)?;
        match std::net::TcpListener::bind(bound) {
            Ok(tcp) => {
                udp.set_nonblocking(true).map_err(error)?;
                tcp.set_nonblocking(true).map_err(error)?;
                let udp = tokio::net::UdpSocket::from_std(udp).map_err(error)?;
                let tcp = tokio::net::TcpListener::from_std(tcp).map_err(error)?;
                return Ok((udp, tcp));
            }
            Err(source) if listen.port() != 0 || attempts >= 5 => return Err(error(source)),
            Err(_) => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_and_ns_must_be_domain_names_and_an_ns_inside_the_zone_reserves_its_label() {
        let settings = Settings::new("ct.example.org.", "ns.ct.example.org", 60).unwrap();
        assert_eq!(settings.origin.to_ascii(), "ct.example.org.");
        assert_eq!(settings.reserved.as_deref(), Some("ns"));
        let outside = Settings::new("ct.example.org", "panel.example.org", 60).unwrap();
        assert_eq!(outside.reserved, None, "an NS outside the zone takes no container's name");
        let deeper = Settings::new("ct.example.org", "a.ns.ct.example.org", 60).unwrap();
        assert_eq!(deeper.reserved, None);
        for bad in ["", ".", "ct..example", "ct_example.org", "-ct.example.org"] {
            let error = Settings::new(bad, "ns.example.org", 60).unwrap_err();
            assert!(error.to_string().contains("zone"), "{bad:?}: {error}");
        }
        assert!(Settings::new("ct.example.org", "ns example", 60).unwrap_err().to_string().contains("ns"));
    }

    #[test]
    fn serials_grow_even_within_one_second() {
        let first = next_serial(0);
        assert!(first > 1_700_000_000);
        assert_eq!(next_serial(first + 5), first + 6);
    }
}
