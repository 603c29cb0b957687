//! The panel's configuration: defaults, then an optional TOML file
//! (`--config`), then `SMP_PANEL_…` environment variables (`__` nests), then
//! the command line's `--database-url`; validated before anything starts.

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::db::Backend;
use crate::db::containers::Limits;
use crate::db::quotas::Quota;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./smp-panel.db";
pub const ENV_PREFIX: &str = "SMP_PANEL_";

/// Everything the panel needs; passed by value, never global.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`; secret because it may hold a password.
    pub database_url: SecretString,
    pub listen: SocketAddr,
    /// Seconds between two full syncs of a machine's container list.
    pub sync_interval_s: u64,
    /// The origin browsers see the panel at, e.g. `https://panel.example.org`
    /// behind a TLS proxy. Unset: `http://` + the bound `listen` address.
    /// Cookies are `Secure` when it is `https://`; the `Origin` of logins and
    /// cookie-authenticated writes must be its origin (see `origin`).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Mark the session cookie `Secure` (the panel is reached over https):
    /// an explicit override. Unset: true when `public_url` is `https://`;
    /// without `public_url`, true unless `listen` is a loopback address.
    #[serde(default)]
    pub secure_cookies: Option<bool>,
    /// Reverse proxies (CIDRs or addresses) whose `X-Forwarded-For` names
    /// the client (see `client_addr`). Default: none, the TCP peer is the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// The panel key file that encrypts machine secrets (see `secrets`).
    /// Unset: `smp-panel.key` next to the SQLite database, else `./smp-panel.key`.
    #[serde(default)]
    pub key_file: Option<std::path::PathBuf>,
    /// Whether people may create their own (unapproved) accounts at `/signup`.
    pub allow_signup: bool,
    /// Admins without an active TOTP second factor act as members (issue 18).
    #[serde(default)]
    pub require_totp_for_admins: bool,
    /// This panel's instance id: tokens it mints say `iss = smp-panel:<instance>`.
    /// Unset: the host name, else `panel`.
    #[serde(default)]
    pub instance: Option<String>,
    /// The quota of a member an admin gave none of her own. Default: no
    /// sub-containers at all (every field 0).
    pub default_quota: Quota,
    /// The limits of a sub-container whose creator gives none.
    pub default_limits: Limits,
    /// How many calls to agents one user may have in flight at once (an
    /// exec, a creation, a state read, …); one more is refused with 429
    /// `limit_reached` at once.
    pub max_agent_calls_per_user: usize,
    /// Seconds a terminal ticket waits for its socket (single use).
    pub terminal_ticket_ttl_s: u64,
    /// Seconds a terminal session outlives its last socket (a reload takes it back).
    pub terminal_grace_s: u64,
    /// Seconds a terminal session lives at most.
    pub terminal_lifetime_s: u64,
    /// Terminal sessions one user may own at once.
    pub max_terminals_per_user: usize,
    /// Participants of one shared terminal session, its owner included.
    pub max_terminal_participants: usize,
    /// The SSH gateway (docs/ssh.md); the account page shows its port in
    /// the `~/.ssh/config` block. Unset (no `[ssh]` table): SSH is not
    /// enabled on this panel.
    #[serde(default)]
    pub ssh: Option<SshConfig>,
    /// The authoritative DNS server for container names (docs/dns.md).
    /// Unset (no `[dns]` table): the panel answers no DNS.
    #[serde(default)]
    pub dns: Option<DnsConfig>,
    /// Signing in with an LDAP directory or Active Directory (docs/configuration.md).
    /// Unset (no `[ldap]` table): local passwords only.
    #[serde(default)]
    pub ldap: Option<crate::domain::ldap::LdapConfig>,
    /// Signing in with an OpenID Connect provider (docs/configuration.md).
    /// Unset (no `[oidc]` table): no "Sign in with …" button.
    #[serde(default)]
    pub oidc: Option<crate::domain::oidc::OidcConfig>,
}

/// The `[dns]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsConfig {
    /// The address and port answered on, UDP and TCP; `0.0.0.0:53` when the
    /// table leaves it out.
    #[serde(default = "DnsConfig::default_listen")]
    pub listen: SocketAddr,
    /// The zone the panel is authoritative for, e.g. `ct.example.org`.
    pub zone: String,
    /// The name of the zone's name server (its NS and the SOA's MNAME);
    /// `ns.<zone>` when left out.
    #[serde(default)]
    pub ns: Option<String>,
    /// The TTL of every answer, and the SOA's minimum (negative answers).
    #[serde(default = "DnsConfig::default_ttl_s")]
    pub ttl_s: u32,
}

impl DnsConfig {
    /// Port 53 on every address.
    pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 53);

    fn default_listen() -> SocketAddr {
        DnsConfig::DEFAULT_LISTEN
    }

    fn default_ttl_s() -> u32 {
        60
    }

    /// `ns`, else `ns.<zone>`.
    pub fn ns_name(&self) -> String {
        self.ns.clone().unwrap_or_else(|| format!("ns.{}", self.zone.trim_end_matches('.')))
    }
}

/// The `[ssh]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshConfig {
    /// The address and port of the SSH gateway; `0.0.0.0:2222` when the
    /// table leaves it out.
    #[serde(default = "SshConfig::default_listen")]
    pub listen: SocketAddr,
    /// Seconds a channel may go without progress while its client sends
    /// input the command does not read and does not read the command's
    /// output, before it is ended (`ssh::write_unless_stalled`).
    #[serde(default = "SshConfig::default_stall_timeout_s")]
    pub stall_timeout_s: u64,
}

impl SshConfig {
    /// The port members' `ssh` uses unless told: 2222 on every address.
    pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 2222);

    fn default_listen() -> SocketAddr {
        SshConfig::DEFAULT_LISTEN
    }

    fn default_stall_timeout_s() -> u64 {
        60
    }
}

/// The bottom layer of the figment (PANEL.md's defaults).
#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    listen: &'static str,
    sync_interval_s: u64,
    allow_signup: bool,
    default_quota: Quota,
    default_limits: Limits,
    max_agent_calls_per_user: usize,
    terminal_ticket_ttl_s: u64,
    terminal_grace_s: u64,
    terminal_lifetime_s: u64,
    max_terminals_per_user: usize,
    max_terminal_participants: usize,
}

const DEFAULTS: Defaults = Defaults {
    database_url: DEFAULT_DATABASE_URL,
    listen: "127.0.0.1:8080",
    sync_interval_s: 30,
    allow_signup: true,
    default_quota: Quota {
        containers: Some(0),
        cpu: Some(0),
        memory_mb: Some(0),
        disk_mb: Some(0),
        forwards: Some(0),
        snapshots: Some(3),
    },
    default_limits: Limits { cpu: Some(1), memory_mb: Some(512), disk_mb: Some(2048) },
    max_agent_calls_per_user: 8,
    terminal_ticket_ttl_s: 30,
    terminal_grace_s: 60,
    terminal_lifetime_s: 12 * 3600,
    max_terminals_per_user: 8,
    max_terminal_participants: 10,
};

/// A configuration that cannot be used; the message says how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Defaults, then `path` if given (it must exist), then the environment,
    /// then `database_url` if given (the command line's `--database-url`).
    pub fn load(path: Option<&Path>, database_url: Option<&str>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(DEFAULTS));
        let mut text = String::new();
        if let Some(path) = path {
            if !path.is_file() {
                return Err(ConfigError(format!("cannot read the config file {}: no such file", path.display())));
            }
            figment = figment.merge(Toml::file_exact(path));
            text = std::fs::read_to_string(path).unwrap_or_default();
        }
        figment =
            figment.merge(Env::prefixed(ENV_PREFIX).split("__").map(|key| key.as_str().to_ascii_lowercase().into()));
        if let Some(url) = database_url {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        Self::from_figment(figment, &text).map_err(|ConfigError(message)| match path {
            Some(path) => ConfigError(format!("{}: {message}", path.display())),
            None => ConfigError(message),
        })
    }

    /// Parses and validates a TOML string on top of the defaults (no environment).
    pub fn from_toml(toml: &str) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Serialized::defaults(DEFAULTS)).merge(Toml::string(toml)), toml)
    }

    /// `toml_text`: the file's text, for what figment does not keep (the
    /// order of `[ldap.group_roles]`).
    fn from_figment(figment: Figment, toml_text: &str) -> Result<Config, ConfigError> {
        let mut config: Config = figment.extract().map_err(|error| ConfigError(error.to_string()))?;
        if let Some(ldap) = &mut config.ldap {
            ldap.group_order = crate::domain::ldap::group_order(toml_text);
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        Backend::from_url(self.database_url.expose_secret())
            .map_err(|error| ConfigError(format!("database_url: {error}")))?;
        if !(1..=3600).contains(&self.sync_interval_s) {
            return Err(ConfigError(format!("sync_interval_s = {} must be between 1 and 3600", self.sync_interval_s)));
        }
        self.default_quota.validate().map_err(|message| ConfigError(format!("default_quota: {message}")))?;
        self.default_limits.validate().map_err(|message| ConfigError(format!("default_limits: {message}")))?;
        if [self.default_limits.cpu, self.default_limits.memory_mb, self.default_limits.disk_mb].contains(&None) {
            return Err(ConfigError("default_limits: give cpu, memory_mb and disk_mb".into()));
        }
        if !(1..=1024).contains(&self.max_agent_calls_per_user) {
            return Err(ConfigError(format!(
                "max_agent_calls_per_user = {} must be between 1 and 1024",
                self.max_agent_calls_per_user
            )));
        }
        let ranges: [(&str, u64, u64, u64); 5] = [
            ("terminal_ticket_ttl_s", self.terminal_ticket_ttl_s, 1, 300),
            ("terminal_grace_s", self.terminal_grace_s, 1, 3600),
            ("terminal_lifetime_s", self.terminal_lifetime_s, 10, 7 * 24 * 3600),
            ("max_terminals_per_user", self.max_terminals_per_user as u64, 1, 256),
            ("max_terminal_participants", self.max_terminal_participants as u64, 1, 100),
        ];
        for (key, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                return Err(ConfigError(format!("{key} = {value} must be between {low} and {high}")));
            }
        }
        self.public_url()?;
        self.trusted_proxies()?;
        if let Some(ldap) = &self.ldap {
            ldap.validate().map_err(|message| ConfigError(format!("[ldap]: {message}")))?;
        }
        if let Some(oidc) = &self.oidc {
            oidc.validate().map_err(|message| ConfigError(format!("[oidc]: {message}")))?;
        }
        Ok(())
    }

    /// `public_url` parsed: an `http://` or `https://` URL with a host (and
    /// nothing after the path: no query, fragment or credentials).
    pub fn public_url(&self) -> Result<Option<url::Url>, ConfigError> {
        let Some(text) = &self.public_url else { return Ok(None) };
        let bad = |why: &str| {
            ConfigError(format!(
                "public_url = {text:?} {why}; give the origin browsers use, e.g. \"https://panel.example.org\""
            ))
        };
        let url = url::Url::parse(text.trim()).map_err(|error| bad(&format!("is not a URL ({error})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must start with http:// or https://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not have a query, a fragment or credentials"));
        }
        Ok(Some(url))
    }

    /// `trusted_proxies` parsed (see `client_addr`).
    pub fn trusted_proxies(&self) -> Result<crate::http::client_addr::TrustedProxies, ConfigError> {
        crate::http::client_addr::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|error| ConfigError(format!("trusted_proxies: {error}")))
    }

    /// Whether the session cookie carries `Secure` (see `secure_cookies`).
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| match self.public_url() {
            Ok(Some(url)) => url.scheme() == "https",
            _ => !self.listen.ip().is_loopback(),
        })
    }

    /// Where the panel key is (see `key_file`).
    pub fn key_file(&self) -> std::path::PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| crate::domain::secrets::default_key_file(self.database_url.expose_secret()))
    }

    /// The instance id (see `instance`).
    pub fn instance(&self) -> String {
        self.instance.clone().filter(|name| !name.trim().is_empty()).unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "panel".to_owned())
        })
    }

    pub fn backend(&self) -> Backend {
        // validate() has accepted the URL, so this is never the fallback.
        Backend::from_url(self.database_url.expose_secret()).map_or(Backend::Sqlite, |(backend, _)| backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_config_takes_the_documented_defaults() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.database_url.expose_secret(), "sqlite://./smp-panel.db");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.sync_interval_s, 30);
        assert_eq!(config.backend(), Backend::Sqlite);
        let nothing = Quota {
            containers: Some(0),
            cpu: Some(0),
            memory_mb: Some(0),
            disk_mb: Some(0),
            forwards: Some(0),
            snapshots: Some(3),
        };
        assert_eq!(config.default_quota, nothing);
        assert_eq!(config.default_limits, Limits { cpu: Some(1), memory_mb: Some(512), disk_mb: Some(2048) });
        assert!(config.ssh.is_none(), "SSH is off unless [ssh] is there");
    }

    #[test]
    fn an_ssh_table_enables_ssh_on_2222_unless_it_says_where_and_refuses_unknown_keys() {
        let config = Config::from_toml("[ssh]").unwrap();
        let ssh = config.ssh.unwrap();
        assert_eq!((ssh.listen.to_string(), ssh.stall_timeout_s), ("0.0.0.0:2222".to_owned(), 60));
        let config = Config::from_toml("[ssh]\nlisten = \"127.0.0.1:2200\"").unwrap();
        assert_eq!(config.ssh.unwrap().listen.to_string(), "127.0.0.1:2200");
        let error = Config::from_toml("[ssh]\nport = 22").unwrap_err();
        assert!(error.to_string().contains("port"), "{error}");
        assert!(Config::from_toml("[ssh]\nlisten = \"2222\"").is_err(), "an address and a port");
    }

    #[test]
    fn a_dns_table_needs_a_zone_and_defaults_to_port_53_ns_dot_zone_and_a_minute() {
        assert!(Config::from_toml("").unwrap().dns.is_none(), "DNS is off unless [dns] is there");
        let error = Config::from_toml("[dns]").unwrap_err();
        assert!(error.to_string().contains("zone"), "{error}");
        let dns = Config::from_toml("[dns]\nzone = \"ct.example.org\"").unwrap().dns.unwrap();
        assert_eq!(
            (dns.listen.to_string(), dns.ns_name(), dns.ttl_s),
            ("0.0.0.0:53".to_owned(), "ns.ct.example.org".to_owned(), 60)
        );
        let dns =
            Config::from_toml("[dns]\nzone = \"ct.test\"\nns = \"ns1.example.org\"\nttl_s = 5").unwrap().dns.unwrap();
        assert_eq!((dns.ns_name(), dns.ttl_s), ("ns1.example.org".to_owned(), 5));
        assert!(Config::from_toml("[dns]\nzone = \"ct.test\"\nrecursion = true").is_err(), "unknown keys");
    }

    #[test]
    fn an_ldap_table_takes_panel_md_keys_with_bounded_default_timeouts_and_refuses_a_bad_url() {
        assert!(Config::from_toml("").unwrap().ldap.is_none(), "LDAP is off unless [ldap] is there");
        let table = "[ldap]\nurl = \"ldaps://ldap.example.org\"\nbind_dn = \"cn=smp,dc=example,dc=org\"\n\
            bind_password_file = \"/etc/smp-panel/ldap.secret\"\nuser_base = \"ou=people,dc=example,dc=org\"\n\
            user_filter = \"(uid={username})\"\n[ldap.group_roles]\n\
            \"cn=smp-admins,ou=groups,dc=example,dc=org\" = \"admin\"\n\
            \"cn=smp-members,ou=groups,dc=example,dc=org\" = \"member\"\n";
        let ldap = Config::from_toml(table).unwrap().ldap.unwrap();
        assert_eq!((ldap.connect_timeout_s, ldap.operation_timeout_s, ldap.starttls), (5, 5, false));
        assert_eq!(ldap.group_roles.len(), 2);
        let error = Config::from_toml(&table.replace("ldaps://", "https://")).unwrap_err().to_string();
        assert!(error.contains("[ldap]") && error.contains("ldap://"), "{error}");
        assert!(Config::from_toml(&table.replace("\"member\"", "\"head_admin\"")).is_err(), "only admin or member");
    }

    #[test]
    fn a_default_quota_field_left_out_stays_zero_and_bad_limits_are_refused() {
        let config = Config::from_toml("[default_quota]\ncontainers = 2\ncpu = 2").unwrap();
        assert_eq!(config.default_quota.containers, Some(2));
        assert_eq!(config.default_quota.memory_mb, Some(0));
        assert!(Config::from_toml("[default_quota]\ncontainers = -1").is_err());
        assert!(Config::from_toml("[default_limits]\ncpu = 0").is_err());
        assert!(Config::from_toml("[default_limits]\nmemory_mb = 1").is_err());
    }

    #[test]
    fn a_postgres_url_selects_postgresql() {
        let config = Config::from_toml("database_url = \"postgres://u:p@127.0.0.1/db\"").unwrap();
        assert_eq!(config.backend(), Backend::Postgresql);
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let error = Config::from_toml("lisen = \"127.0.0.1:1\"").unwrap_err();
        assert!(error.to_string().contains("lisen"), "{error}");
    }

    #[test]
    fn an_unknown_database_scheme_or_a_bad_interval_is_refused() {
        let error = Config::from_toml("database_url = \"mysql://x\"").unwrap_err();
        assert!(error.to_string().contains("unknown database URL scheme"), "{error}");
        assert!(Config::from_toml("sync_interval_s = 0").is_err());
        assert!(Config::load(None, Some("redis://x")).is_err());
    }

    #[test]
    fn the_database_url_never_appears_in_debug_output() {
        let config = Config::from_toml("database_url = \"postgres://u:hunter2hunter2@h/db\"").unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn cookies_are_secure_by_default_only_off_loopback_and_the_setting_wins() {
        assert!(!Config::from_toml("").unwrap().secure_cookies());
        assert!(Config::from_toml("listen = \"0.0.0.0:8080\"").unwrap().secure_cookies());
        assert!(!Config::from_toml("listen = \"0.0.0.0:8080\"\nsecure_cookies = false").unwrap().secure_cookies());
        assert!(Config::from_toml("secure_cookies = true").unwrap().secure_cookies());
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure_on_loopback_and_the_setting_still_wins() {
        let behind_tls = Config::from_toml("public_url = \"https://panel.example.org\"").unwrap();
        assert!(behind_tls.secure_cookies(), "loopback behind a TLS proxy: Secure");
        assert_eq!(behind_tls.public_url().unwrap().unwrap().as_str(), "https://panel.example.org/");
        let plain = "public_url = \"http://panel.lan:8080\"\nlisten = \"0.0.0.0:8080\"";
        assert!(!Config::from_toml(plain).unwrap().secure_cookies(), "an http:// origin cannot keep Secure cookies");
        let forced = "public_url = \"https://panel.example.org\"\nsecure_cookies = false";
        assert!(!Config::from_toml(forced).unwrap().secure_cookies());
    }

    #[test]
    fn a_bad_public_url_or_trusted_proxy_is_refused_with_what_to_write() {
        for bad in
            ["panel.example.org", "ftp://panel.example.org", "https://panel.example.org/?x=1", "https://u:p@panel"]
        {
            let error = Config::from_toml(&format!("public_url = {bad:?}")).unwrap_err().to_string();
            assert!(error.contains("public_url") && error.contains("https://panel.example.org"), "{bad}: {error}");
        }
        let error = Config::from_toml("trusted_proxies = [\"127.0.0.1/32\", \"10.0.0.0/40\"]").unwrap_err();
        assert!(error.to_string().contains("trusted_proxies") && error.to_string().contains("10.0.0.0/40"), "{error}");
        let config = Config::from_toml("trusted_proxies = [\"127.0.0.1/32\", \"::1\"]").unwrap();
        assert!(config.trusted_proxies().unwrap().contains("::1".parse().unwrap()));
        assert!(Config::from_toml("").unwrap().trusted_proxies().unwrap().is_empty());
    }

    #[test]
    fn the_key_file_defaults_next_to_the_database_and_the_instance_is_never_empty() {
        let config = Config::from_toml("database_url = \"sqlite:///var/lib/smp/p.db\"").unwrap();
        assert_eq!(config.key_file(), std::path::Path::new("/var/lib/smp/smp-panel.key"));
        assert!(!config.instance().is_empty());
        let config = Config::from_toml("key_file = \"/etc/smp/k\"\ninstance = \"eu1\"").unwrap();
        assert_eq!(config.key_file(), std::path::Path::new("/etc/smp/k"));
        assert_eq!(config.instance(), "eu1");
    }

    const EXAMPLE: &str = include_str!("../../../deploy/panel.toml.example");

    #[test]
    fn the_deploy_example_parses_as_written_with_the_documented_values() {
        let config = Config::from_toml(EXAMPLE).unwrap();
        assert_eq!(config.database_url.expose_secret(), "sqlite:///var/lib/smp-panel/smp-panel.db");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.sync_interval_s, 30);
        assert_eq!(config.secure_cookies, None);
        assert!(!config.secure_cookies());
        assert_eq!(config.key_file, None);
        assert_eq!(config.key_file(), Path::new("/var/lib/smp-panel/smp-panel.key"));
        assert_eq!(config.instance, None);
    }

    #[test]
    fn every_commented_key_of_the_deploy_example_is_a_valid_setting_and_every_key_is_documented() {
        let mut documented = Vec::new();
        for line in EXAMPLE.lines() {
            let setting = line.strip_prefix("# ").unwrap_or(line);
            let Some((key, _)) = setting.split_once(" = ") else { continue };
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.') {
                continue;
            }
            // `[dns]` needs its zone: the other dns keys are tried beside it.
            let setting = if key.starts_with("dns.") && key != "dns.zone" {
                format!("{setting}\ndns.zone = \"ct.example.org\"")
            } else {
                setting.to_owned()
            };
            Config::from_toml(&setting).unwrap_or_else(|error| panic!("{setting:?}: {error}"));
            documented.push(key.to_owned());
        }
        for key in [
            "database_url",
            "listen",
            "sync_interval_s",
            "allow_signup",
            "require_totp_for_admins",
            "secure_cookies",
            "public_url",
            "trusted_proxies",
            "key_file",
            "instance",
            "default_quota.containers",
            "default_quota.cpu",
            "default_quota.memory_mb",
            "default_quota.disk_mb",
            "default_quota.forwards",
            "default_limits.cpu",
            "default_limits.memory_mb",
            "default_limits.disk_mb",
            "max_agent_calls_per_user",
            "terminal_ticket_ttl_s",
            "terminal_grace_s",
            "terminal_lifetime_s",
            "max_terminals_per_user",
            "max_terminal_participants",
            "ssh.listen",
            "ssh.stall_timeout_s",
            "dns.listen",
            "dns.zone",
            "dns.ns",
            "dns.ttl_s",
        ] {
            assert!(documented.iter().any(|documented| documented == key), "{key} is not in the example");
        }
    }

    #[test]
    fn a_missing_config_file_is_a_clear_error() {
        let error = Config::load(Some(Path::new("/nonexistent/panel.toml")), None).unwrap_err();
        assert!(error.to_string().contains("cannot read the config file"), "{error}");
    }
}
