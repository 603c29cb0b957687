//! Who is on the other end: the client address that the login limiter, the
//! aggregation of anonymous refusals and the access log all use.
//!
//! The client is the TCP peer, unless the peer is one of `trusted_proxies`:
//! then it is the right-most address of `X-Forwarded-For` that is not itself
//! a trusted proxy (the left part of the header is whatever the client
//! wrote, so only what our own proxies appended is believed). A header that
//! does not parse falls back to the peer. `domain::address::limit_key` folds an IPv6 address
//! to its /64, since one host usually holds a whole /64.

use crate::domain::address::canonical;
use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The header a reverse proxy appends the client's address to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed (config `trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs (`"10.0.0.0/8"`, `"::1/128"`) or single addresses; the
    /// error names the entry that is neither.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        let networks = entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry.parse::<IpNet>().or_else(|_| entry.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                    format!("{entry:?} is not a CIDR (e.g. \"127.0.0.1/32\" or \"fd00::/8\") nor an IP address")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies(networks))
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|network| network.contains(&address))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client of a request from `peer` with these headers (see the module note).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.contains(peer) {
            return Some(peer);
        }
        let mut chain = Vec::new();
        for value in headers.get_all(FORWARDED_FOR) {
            let Ok(text) = value.to_str() else { return Some(peer) };
            for part in text.split(',') {
                match parse_forwarded(part) {
                    Some(address) => chain.push(canonical(address)),
                    None => return Some(peer),
                }
            }
        }
        // Right to left: the first address our proxies did not add is the client;
        // if every hop is a trusted proxy, the left-most one is.
        let client = chain.iter().rev().find(|address| !self.contains(**address)).or(chain.first()).copied();
        Some(client.unwrap_or(peer))
    }
}

/// One entry of `X-Forwarded-For`: an address, possibly with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`) as some proxies write it.
fn parse_forwarded(part: &str) -> Option<IpAddr> {
    let part = part.trim();
    if let Ok(address) = part.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = part.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    part.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).and_then(|inner| inner.parse().ok())
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is the IPv4 address.
/// The client address of a request the handler sees (see the module note).
pub fn client_of(request: &HttpRequest, proxies: &TrustedProxies) -> Option<IpAddr> {
    proxies.client(request.peer_addr().map(|peer| peer.ip()), request.headers())
}

/// The same for the access log, which sees the request before any handler.
pub fn client_of_service_request(request: &ServiceRequest, proxies: &TrustedProxies) -> Option<IpAddr> {
    proxies.client(request.peer_addr().map(|peer| peer.ip()), request.headers())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(HeaderName::from_static(FORWARDED_FOR), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse(&["127.0.0.1/32".into(), "10.0.0.0/8".into(), "::1".into()]).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let client = proxies().client(Some(ip("192.0.2.7")), &headers(&["198.51.100.1"]));
        assert_eq!(client, Some(ip("192.0.2.7")));
        assert_eq!(
            TrustedProxies::default().client(Some(ip("127.0.0.1")), &headers(&["1.2.3.4"])),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        // The client wrote "6.6.6.6" itself; our proxies appended the rest.
        let forwarded = headers(&["6.6.6.6, 198.51.100.9", "10.1.2.3"]);
        assert_eq!(proxies().client(Some(ip("127.0.0.1")), &forwarded), Some(ip("198.51.100.9")));
        assert_eq!(proxies().client(Some(ip("::ffff:127.0.0.1")), &forwarded), Some(ip("198.51.100.9")));
        let with_ports = headers(&["198.51.100.9:4711", "[2001:db8::5]:80"]);
        assert_eq!(proxies().client(Some(ip("::1")), &with_ports), Some(ip("2001:db8::5")));
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_is_the_client() {
        assert_eq!(proxies().client(Some(ip("127.0.0.1")), &headers(&[])), Some(ip("127.0.0.1")));
        assert_eq!(proxies().client(Some(ip("127.0.0.1")), &headers(&["not-an-address"])), Some(ip("127.0.0.1")));
        assert_eq!(proxies().client(Some(ip("127.0.0.1")), &headers(&["1.2.3.4, "])), Some(ip("127.0.0.1")));
        assert_eq!(proxies().client(Some(ip("127.0.0.1")), &headers(&["10.0.0.5"])), Some(ip("10.0.0.5")));
        assert_eq!(proxies().client(None, &headers(&["1.2.3.4"])), None);
    }

    #[test]
    fn a_bad_entry_is_refused_by_name() {
        let error = TrustedProxies::parse(&["127.0.0.1/33".into()]).unwrap_err();
        assert!(error.contains("127.0.0.1/33"), "{error}");
        assert!(TrustedProxies::parse(&["proxy.example.org".into()]).is_err());
    }
}
