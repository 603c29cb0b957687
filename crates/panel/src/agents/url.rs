//! What the panel accepts to reach an agent: its base URL (`AgentUrl`), the
//! id of the key it signs with (`KeyId`) and the least length of that key's
//! secret. Every front end checks them here; the messages name no front
//! end's field or flag: the CLI says `--url …`, the API `url …`.

/// The shortest agent secret accepted (PROTOCOL.md: at least 32 characters).
pub const MIN_SECRET_CHARS: usize = smp_proto::token::MIN_SECRET_CHARS;

/// An agent URL the panel accepts: http or https, a host, nothing after the
/// path; `http://` only for a loopback host (anything else must use TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentUrl {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
    pub https: bool,
}

/// Why a URL is not one the panel reaches an agent at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentUrlError {
    /// The parser's reason is said in the message, not chained as a
    /// `source`, so that `{:#}` does not print it twice.
    #[error("{text:?} is not a URL: {reason}")]
    NotAUrl { text: String, reason: url::ParseError },
    #[error("{text:?}: scheme {scheme:?} is not supported; use https://HOST:PORT")]
    Scheme { text: String, scheme: String },
    #[error("{text:?} has no host")]
    NoHost { text: String },
    #[error(
        "{text:?}: http:// is only allowed for a loopback host (127.0.0.1, ::1, localhost); use https:// and pin the agent's certificate by its fingerprint"
    )]
    PlainHttpBeyondLoopback { text: String },
    #[error("{text:?}: give only scheme, host, port and path")]
    MoreThanAnAddress { text: String },
}

fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(address) => address.is_loopback(),
        url::Host::Ipv6(address) => address.is_loopback(),
    }
}

impl AgentUrl {
    /// Checks an agent URL (see the type).
    pub fn parse(text: &str) -> Result<AgentUrl, AgentUrlError> {
        let url = url::Url::parse(text).map_err(|reason| AgentUrlError::NotAUrl { text: text.to_owned(), reason })?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(AgentUrlError::Scheme { text: text.to_owned(), scheme: other.to_owned() }),
        };
        let host = url.host().ok_or_else(|| AgentUrlError::NoHost { text: text.to_owned() })?;
        if !https && !is_loopback_host(&host) {
            return Err(AgentUrlError::PlainHttpBeyondLoopback { text: text.to_owned() });
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
            return Err(AgentUrlError::MoreThanAnAddress { text: text.to_owned() });
        }
        let host = match host {
            url::Host::Ipv6(address) => address.to_string(),
            other => other.to_string(),
        };
        let port = url.port_or_known_default().unwrap_or(if https { 443 } else { 80 });
        Ok(AgentUrl { url, host, port, https })
    }

    /// The base URL as stored: without a trailing `/`.
    pub fn base(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_owned()
    }
}

/// The id of an agent key as agents accept it: 1-64 letters, digits, '-',
/// '_' or '.'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?}: use 1-64 letters, digits, '-', '_' or '.'")]
pub struct KeyIdError(String);

impl KeyId {
    pub fn parse(text: &str) -> Result<KeyId, KeyIdError> {
        let plain = !text.is_empty()
            && text.len() <= 64
            && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if plain { Ok(KeyId(text.to_owned())) } else { Err(KeyIdError(text.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        let url = AgentUrl::parse("https://10.0.0.5:8443").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.https), ("10.0.0.5", 8443, true));
        assert_eq!(AgentUrl::parse("https://agent.example").unwrap().port, 443);
        for loopback in ["http://127.0.0.1:8443", "http://localhost:1", "http://[::1]:2", "http://127.1.2.3:3"] {
            assert!(AgentUrl::parse(loopback).is_ok(), "{loopback}");
        }
        let error = AgentUrl::parse("http://10.0.0.5:8443").unwrap_err().to_string();
        assert!(error.contains("use https://"), "{error}");
        assert!(AgentUrl::parse("ftp://10.0.0.5").is_err());
        assert!(AgentUrl::parse("not a url").is_err());
        assert!(AgentUrl::parse("https://u:p@h:1").is_err());
        assert_eq!(AgentUrl::parse("http://[::1]:2").unwrap().host, "::1");
    }

    #[test]
    fn the_messages_name_no_flag_and_no_field() {
        for bad in ["http://10.0.0.5:8443", "ftp://10.0.0.5", "not a url", "https://u:p@h:1"] {
            let error = AgentUrl::parse(bad).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{bad:?}")) && !error.contains("--"), "{error}");
        }
        assert_eq!(KeyId::parse("a b").unwrap_err().to_string(), "\"a b\": use 1-64 letters, digits, '-', '_' or '.'");
    }

    #[test]
    fn the_base_url_loses_its_trailing_slash() {
        assert_eq!(AgentUrl::parse("https://10.0.0.5:8443/").unwrap().base(), "https://10.0.0.5:8443");
    }

    #[test]
    fn key_ids_are_short_plain_names() {
        assert_eq!(KeyId::parse("panel-2026.1_a").unwrap().as_str(), "panel-2026.1_a");
        for bad in ["", "a b", "é", &"k".repeat(65)] {
            assert!(KeyId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
