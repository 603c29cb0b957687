//! `PublicOrigin`: the origin browsers see the panel at (`public_url`), and
//! the `Origin` check of the login (page and API) and of every
//! cookie-authenticated state-changing request.
//!
//! A present `Origin` that is not the panel's own is refused 403
//! `origin_mismatch`. An absent one is let through: browsers send `Origin`
//! on every POST, PUT, PATCH and DELETE (also same-origin ones), so only
//! non-browser clients omit it, and those cannot ride on a victim's cookie;
//! the CSRF token still guards cookie requests. Bearer-token requests are
//! not checked (a browser never sends a token by itself).
//!
//! Without `public_url` the origin is `http://` + the bound address (the
//! port a test bound, not 0); on a loopback address `http://localhost:PORT`
//! is the same panel and is accepted too (so it is for a `public_url` on a
//! loopback IPv4 address). On an unspecified address
//! (`0.0.0.0`, `::`) without `public_url` the panel cannot know its name:
//! it accepts an `Origin` whose host is the request's own `Host` (which a
//! foreign page cannot set), and warns at start that `public_url` should be set.

use std::net::SocketAddr;

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::{AppError, ErrorCode};

#[derive(Debug, Clone)]
pub struct PublicOrigin {
    /// `public_url` as configured, or the default's.
    url: String,
    /// Every origin accepted (ASCII serialization, lower case).
    origins: Vec<String>,
    /// No `public_url` and an unspecified listen address: compare with `Host`.
    from_host: bool,
}

impl PublicOrigin {
    /// From `public_url` (already validated: `http` or `https` with a host)
    /// or, when it is absent, the address the panel is bound to.
    pub fn new(public_url: Option<&url::Url>, bound: SocketAddr) -> PublicOrigin {
        if let Some(url) = public_url {
            let mut origins = vec![url.origin().ascii_serialization().to_ascii_lowercase()];
            if let (Some(url::Host::Ipv4(ip)), Some(port)) = (url.host(), url.port_or_known_default())
                && ip.is_loopback()
            {
                origins.push(format!("{}://localhost:{port}", url.scheme()));
            }
            return PublicOrigin { url: url.as_str().trim_end_matches('/').to_owned(), origins, from_host: false };
        }
        let url = format!("http://{bound}");
        let mut origins = vec![url.clone()];
        if bound.ip().is_loopback() {
            origins.push(format!("http://localhost:{}", bound.port()));
        }
        PublicOrigin { url, origins, from_host: bound.ip().is_unspecified() }
    }

    /// The panel's public URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether cookies should be `Secure` by this origin alone.
    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }

    /// Whether `origin` (an `Origin` header's value) is this panel's.
    pub fn accepts(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim();
        if self.origins.iter().any(|own| own.eq_ignore_ascii_case(origin)) {
            return true;
        }
        self.from_host
            && host.is_some_and(|host| {
                ["http://", "https://"].iter().any(|scheme| {
                    origin.len() == scheme.len() + host.len()
                        && origin[..scheme.len()].eq_ignore_ascii_case(scheme)
                        && origin[scheme.len()..].eq_ignore_ascii_case(host)
                })
            })
    }

    /// Refuses a request whose `Origin` is present and not the panel's.
    pub fn check(&self, request: &HttpRequest) -> Result<(), AppError> {
        let Some(origin) = request.headers().get(header::ORIGIN) else { return Ok(()) };
        let host = request.headers().get(header::HOST).and_then(|host| host.to_str().ok());
        match origin.to_str() {
            Ok(origin) if self.accepts(origin, host) => Ok(()),
            _ => Err(AppError::new(
                ErrorCode::OriginMismatch,
                format!("this request comes from a page of another site; open the panel at {} and try again", self.url),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The origin of a panel with this `public_url`, listening on `bound`.
    fn panel_origin(public_url: Option<&str>, bound: &str) -> PublicOrigin {
        let url = public_url.map(|url| url::Url::parse(url).unwrap());
        PublicOrigin::new(url.as_ref(), bound.parse().unwrap())
    }

    #[test]
    fn a_public_url_is_the_one_origin_accepted() {
        let origin = panel_origin(Some("https://Panel.Example.org/"), "127.0.0.1:8080");
        assert_eq!(origin.url(), "https://panel.example.org");
        assert!(origin.is_https());
        assert!(origin.accepts("https://panel.example.org", None));
        assert!(!origin.accepts("http://panel.example.org", None));
        assert!(!origin.accepts("https://panel.example.org.evil.example", None));
        assert!(!origin.accepts("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!origin.accepts("null", None));
    }

    #[test]
    fn without_a_public_url_the_bound_address_is_the_origin_and_localhost_is_its_alias() {
        let origin = panel_origin(None, "127.0.0.1:41234");
        assert_eq!(origin.url(), "http://127.0.0.1:41234");
        assert!(!origin.is_https());
        assert!(origin.accepts("http://127.0.0.1:41234", None));
        assert!(origin.accepts("http://localhost:41234", None));
        assert!(!origin.accepts("http://127.0.0.1:41235", None));
        assert!(!origin.accepts("http://evil.example", Some("evil.example")));
    }

    #[test]
    fn a_loopback_public_url_has_localhost_for_alias_too() {
        let origin = panel_origin(Some("http://127.0.0.1:5000"), "127.0.0.1:41234");
        assert!(origin.accepts("http://127.0.0.1:5000", None));
        assert!(origin.accepts("http://localhost:5000", None));
        assert!(!origin.accepts("http://127.0.0.1:41234", None), "the public URL, not the bound address");
        assert!(!origin.accepts("http://localhost:41234", None));
    }

    #[test]
    fn on_an_unspecified_address_the_origin_must_name_the_requests_own_host() {
        let origin = panel_origin(None, "0.0.0.0:8080");
        assert!(origin.accepts("http://panel.lan:8080", Some("panel.lan:8080")));
        assert!(origin.accepts("https://panel.lan", Some("panel.lan")));
        assert!(!origin.accepts("http://evil.example", Some("panel.lan:8080")));
        assert!(!origin.accepts("http://panel.lan:8080", None));
    }
}
