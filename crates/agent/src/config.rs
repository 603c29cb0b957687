//! The agent's configuration: TOML file, then `SMP_AGENT_…` environment
//! variables over it; validated before anything starts.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use smp_proto::config_policy::{check_image_alias, check_profile_name};
use smp_proto::names::InstanceName;
use smp_proto::network::PortRange;
use smp_proto::token::{KeyRing, MIN_SECRET_CHARS, SharedKey};

pub const DEFAULT_CONFIG_PATH: &str = "/etc/smp-agent/agent.toml";

/// Everything `smp-agent serve` needs; passed by value, never global.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The machine's name: the audience of every token this agent accepts.
    pub machine: String,
    pub listen: SocketAddr,
    pub lxd_socket: Option<PathBuf>,
    /// The one LXD project this agent serves.
    pub project: String,
    pub max_ttl_s: i64,
    /// Where the generated TLS certificate lives; nothing else is written.
    pub state_dir: PathBuf,
    /// Profiles a member token (neither `adm` nor `host`) may create
    /// containers with.
    pub member_profiles: Vec<String>,
    /// Image aliases a member token may create from (and sees in
    /// `GET /images`): an explicit list, empty by default (no image).
    pub member_images: Vec<String>,
    /// Whether `host` tokens get the host tier of instance configuration
    /// (`security.privileged`, `raw.lxc`, …: root on the host). Off by
    /// default: then no token at all may set those keys.
    pub host_config: bool,
    /// Execs and state reads (later: interactive sessions) running at once
    /// on the whole agent; beyond: 429 `limit_reached`.
    pub max_sessions: usize,
    /// The same per container.
    pub max_sessions_per_container: usize,
    pub keys: Vec<KeyConfig>,
    pub tls: TlsConfig,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Largest stdout and stderr kept per exec (each).
    pub exec_output_cap_bytes: usize,
    /// How long an events stream stays open before the client reconnects.
    pub max_stream_s: u64,
    /// Deadline of one plain LXD request (operations have their own).
    pub lxd_timeout_s: u64,
    /// An interactive session (terminal, console) with no frame either way
    /// for this long is closed.
    pub terminal_idle_s: u64,
    /// An interactive session is closed this long after it opened, however
    /// busy.
    pub terminal_lifetime_s: u64,
    /// Largest WebSocket message accepted from a client of an interactive
    /// route (and largest sent to it).
    pub max_frame_bytes: usize,
    /// The LXD networks the network routes may touch (`[[networks]]`);
    /// none by default: every network route then answers 403.
    #[serde(default)]
    pub networks: Vec<NetworkConfig>,
}

/// One `[[networks]]` entry: a managed LXD network the operator lets the
/// agent read, give static addresses on and forward ports to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// The LXD network's name (`lxdbr0`).
    pub name: String,
    /// The host's address that this network's forwards listen on; without
    /// it (and `forward_ports`) the network has no forwards.
    pub listen_address: Option<IpAddr>,
    /// The ports forwards may take on `listen_address` (`"20000-29999"`).
    pub forward_ports: Option<PortRange>,
    /// Whether the network's addresses are reachable from outside (the
    /// operator says so; the panel's DNS answers them then).
    #[serde(default)]
    pub public: bool,
}

impl NetworkConfig {
    /// The listen address and port range of a network with forwards.
    pub fn forwards(&self) -> Option<(IpAddr, PortRange)> {
        self.listen_address.zip(self.forward_ports)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub id: String,
    /// The secret itself, or (with `secret_file`) read from that file at load.
    #[serde(default = "no_secret")]
    pub secret: SecretString,
    /// A file (mode 600) holding the secret, one line: what the Debian
    /// package's first install writes with `smp-agent keygen`, and what
    /// `smp-panel machine add --secret-file` reads.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
}

fn no_secret() -> SecretString {
    SecretString::from(String::new())
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    #[serde(default)]
    pub disabled: bool,
}

/// Defaults of PROTOCOL.md, the bottom layer of the figment.
#[derive(Serialize)]
struct Defaults {
    listen: &'static str,
    project: &'static str,
    max_ttl_s: i64,
    state_dir: &'static str,
    member_profiles: [&'static str; 1],
    member_images: [&'static str; 0],
    host_config: bool,
    max_sessions: usize,
    max_sessions_per_container: usize,
    tls: TlsConfig,
    max_body_bytes: usize,
    exec_output_cap_bytes: usize,
    max_stream_s: u64,
    lxd_timeout_s: u64,
    terminal_idle_s: u64,
    terminal_lifetime_s: u64,
    max_frame_bytes: usize,
}

const DEFAULTS: Defaults = Defaults {
    listen: "0.0.0.0:8443",
    project: "default",
    max_ttl_s: smp_proto::token::DEFAULT_MAX_TTL_S,
    state_dir: "/var/lib/smp-agent",
    member_profiles: ["default"],
    member_images: [],
    host_config: false,
    max_sessions: 64,
    max_sessions_per_container: 8,
    tls: TlsConfig { cert: None, key: None, disabled: false },
    max_body_bytes: 1024 * 1024,
    exec_output_cap_bytes: 1024 * 1024,
    max_stream_s: 600,
    lxd_timeout_s: 10,
    terminal_idle_s: 30 * 60,
    terminal_lifetime_s: 12 * 3600,
    max_frame_bytes: 64 * 1024,
};

/// A configuration that cannot be used; the message says how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads `path` (which must exist and be private to its owner), applies
    /// `SMP_AGENT_…` variables over it, and validates the result.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        check_file_is_private(path, "the config file")?;
        Self::from_figment(
            Figment::from(Serialized::defaults(DEFAULTS))
                .merge(Toml::file_exact(path))
                .merge(Env::prefixed("SMP_AGENT_").split("__").map(|key| key.as_str().to_ascii_lowercase().into())),
        )
        .map_err(|ConfigError(message)| ConfigError(format!("{}: {message}", path.display())))
    }

    /// Parses and validates a TOML string on top of the defaults (no environment).
    pub fn from_toml(toml: &str) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Serialized::defaults(DEFAULTS)).merge(Toml::string(toml)))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let mut config: Config = figment.extract().map_err(|error| ConfigError(error.to_string()))?;
        config.read_secret_files()?;
        config.validate()?;
        Ok(config)
    }

    /// Fills the `secret` of each key that names a `secret_file` (which must
    /// be private to its owner); a key with both is refused.
    fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        for key in &mut self.keys {
            let Some(path) = &key.secret_file else { continue };
            if !key.secret.expose_secret().is_empty() {
                return Err(ConfigError(format!("key {:?} has both `secret` and `secret_file`; keep one", key.id)));
            }
            check_file_is_private(path, "the secret_file")?;
            let text = std::fs::read_to_string(path).map_err(|error| {
                ConfigError(format!("key {:?}: cannot read secret_file {}: {error}", key.id, path.display()))
            })?;
            let line = text.strip_suffix('\n').unwrap_or(&text);
            key.secret = SecretString::from(line.strip_suffix('\r').unwrap_or(line).to_owned());
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |message: String| Err(ConfigError(message));
        if InstanceName::parse(&self.machine).is_err() {
            return fail(format!(
                "machine = {:?} is not a valid machine name (1-63 letters, digits and '-', starting with a letter)",
                self.machine
            ));
        }
        if self.keys.is_empty() {
            return fail("no [[keys]] configured: add one with `id` and a `secret` from `smp-agent keygen`".into());
        }
        let mut seen = HashSet::new();
        for key in &self.keys {
            if key.id.is_empty()
                || key.id.len() > 64
                || !key.id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return fail(format!("key id {:?} must be 1-64 letters, digits, '-', '_' or '.'", key.id));
            }
            if !seen.insert(key.id.as_str()) {
                return fail(format!("key id {:?} is configured twice; key ids must be unique", key.id));
            }
            if key.secret.expose_secret().chars().count() < MIN_SECRET_CHARS {
                return fail(format!(
                    "the secret of key {:?} is shorter than {MIN_SECRET_CHARS} characters; generate one with `smp-agent keygen`",
                    key.id
                ));
            }
        }
        for profile in &self.member_profiles {
            if let Err(rejection) = check_profile_name(profile) {
                return fail(format!("member_profiles: {}", rejection.message));
            }
        }
        for alias in &self.member_images {
            if let Err(rejection) = check_image_alias(alias) {
                return fail(format!("member_images: {}", rejection.message));
            }
        }
        if !(1..=3600).contains(&self.max_ttl_s) {
            return fail(format!("max_ttl_s = {} must be between 1 and 3600", self.max_ttl_s));
        }
        if self.project.is_empty() || self.project.contains(['/', '?', '&', '#', ' ']) {
            return fail(format!("project = {:?} is not a valid LXD project name", self.project));
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return fail(
                "[tls] needs both `cert` and `key`, or neither (a self-signed certificate is generated)".into(),
            );
        }
        if !(1..=300).contains(&self.lxd_timeout_s) {
            return fail(format!("lxd_timeout_s = {} must be between 1 and 300", self.lxd_timeout_s));
        }
        if !(1..=100_000).contains(&self.max_sessions) || !(1..=100_000).contains(&self.max_sessions_per_container) {
            return fail(format!(
                "max_sessions = {} and max_sessions_per_container = {} must be between 1 and 100000",
                self.max_sessions, self.max_sessions_per_container
            ));
        }
        if self.max_body_bytes == 0 || self.exec_output_cap_bytes == 0 || self.max_stream_s == 0 {
            return fail("max_body_bytes, exec_output_cap_bytes and max_stream_s must be positive".into());
        }
        if self.terminal_idle_s == 0 || self.terminal_lifetime_s == 0 || self.terminal_lifetime_s > 7 * 24 * 3600 {
            return fail(format!(
                "terminal_idle_s = {} and terminal_lifetime_s = {} must be positive (the lifetime at most 604800, a week)",
                self.terminal_idle_s, self.terminal_lifetime_s
            ));
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.max_frame_bytes) {
            return fail(format!("max_frame_bytes = {} must be between 1024 and 16777216", self.max_frame_bytes));
        }
        self.validate_networks()
    }

    fn validate_networks(&self) -> Result<(), ConfigError> {
        let mut names = HashSet::new();
        let mut listen_addresses = HashSet::new();
        for network in &self.networks {
            let name = &network.name;
            if name.is_empty()
                || name.len() > 63
                || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                || name.starts_with(['-', '.'])
            {
                return Err(ConfigError(format!(
                    "[[networks]] name = {name:?} is not an LXD network name (1-63 letters, digits, '-', '_' or '.')"
                )));
            }
            if !names.insert(name.as_str()) {
                return Err(ConfigError(format!("[[networks]] {name:?} is listed twice; list each network once")));
            }
            match (network.listen_address, network.forward_ports) {
                (Some(address), Some(_)) => {
                    if address.is_unspecified() || address.is_multicast() || address.is_loopback() {
                        return Err(ConfigError(format!(
                            "[[networks]] {name:?}: listen_address = {address} cannot take forwards; give one of this host's own addresses"
                        )));
                    }
                    if !listen_addresses.insert(address) {
                        return Err(ConfigError(format!(
                            "[[networks]] {name:?}: listen_address = {address} is given to two networks; LXD forwards one address on one network"
                        )));
                    }
                }
                (None, None) => {}
                _ => {
                    return Err(ConfigError(format!(
                        "[[networks]] {name:?}: give both listen_address and forward_ports (forwards), or neither (no forwards)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The `[[networks]]` entry of `name`, if the operator listed it.
    pub fn network(&self, name: &str) -> Option<&NetworkConfig> {
        self.networks.iter().find(|network| network.name == name)
    }

    /// The keys as the token verifier wants them.
    pub fn key_ring(&self) -> KeyRing {
        KeyRing::new(self.keys.iter().map(|key| SharedKey::new(&key.id, key.secret.expose_secret())).collect())
    }

    /// Plain HTTP on loopback without `[tls]`, or when `tls.disabled`; HTTPS otherwise.
    pub fn serves_https(&self) -> bool {
        if self.tls.disabled {
            return false;
        }
        self.tls.cert.is_some() || !self.listen.ip().is_loopback()
    }
}

#[cfg(unix)]
fn check_file_is_private(path: &Path, what: &str) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path)
        .map_err(|error| ConfigError(format!("cannot read {what} {}: {error} (see docs/agent.md)", path.display())))?;
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(ConfigError(format!(
            "{} holds secrets but is readable or writable by group or others (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "[[keys]]\nid = \"k1\"\nsecret = \"0123456789abcdef0123456789abcdef\"\n";

    fn config(extra: &str) -> Result<Config, ConfigError> {
        Config::from_toml(&format!("machine = \"alita\"\n{extra}\n{KEY}"))
    }

    #[test]
    fn a_minimal_config_takes_the_documented_defaults() {
        let config = config("").unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:8443");
        assert_eq!(config.project, "default");
        assert_eq!(config.max_ttl_s, 60);
        assert_eq!(config.member_profiles, vec!["default"]);
        assert!(config.member_images.is_empty(), "members are offered no image until the operator lists some");
        assert!(!config.host_config, "no token gets the host tier unless the operator says so");
        assert_eq!((config.max_sessions, config.max_sessions_per_container), (64, 8));
        assert_eq!(config.state_dir, PathBuf::from("/var/lib/smp-agent"));
        assert!(config.serves_https());
    }

    #[test]
    fn member_images_are_none_unless_listed_and_names_are_checked() {
        assert!(config("").unwrap().member_images.is_empty());
        let listed = config("member_images = [\"smp-busybox\"]\nmember_profiles = [\"default\", \"small\"]").unwrap();
        assert_eq!(listed.member_images, vec!["smp-busybox".to_owned()]);
        assert_eq!(listed.member_profiles, vec!["default", "small"]);
        assert!(config("member_images = []").unwrap().member_images.is_empty());
        let error = config("member_images = [\"remote:alpine\"]").unwrap_err();
        assert!(error.to_string().contains("member_images"), "{error}");
        let error = config("member_profiles = [\"a/b\"]").unwrap_err();
        assert!(error.to_string().contains("member_profiles"), "{error}");
    }

    #[test]
    fn host_config_and_the_session_limits_are_read_and_checked() {
        let parsed = config("host_config = true\nmax_sessions = 3\nmax_sessions_per_container = 1").unwrap();
        assert!(parsed.host_config);
        assert_eq!((parsed.max_sessions, parsed.max_sessions_per_container), (3, 1));
        for bad in ["max_sessions = 0", "max_sessions_per_container = 0"] {
            assert!(config(bad).unwrap_err().to_string().contains("max_sessions"), "{bad}");
        }
    }

    #[test]
    fn the_terminal_limits_default_to_protocol_md_and_are_checked() {
        let defaults = config("").unwrap();
        assert_eq!((defaults.terminal_idle_s, defaults.terminal_lifetime_s), (1800, 43_200));
        assert_eq!(defaults.max_frame_bytes, 65_536);
        let set = config("terminal_idle_s = 60\nterminal_lifetime_s = 3600\nmax_frame_bytes = 4096").unwrap();
        assert_eq!((set.terminal_idle_s, set.terminal_lifetime_s, set.max_frame_bytes), (60, 3600, 4096));
        for bad in ["terminal_idle_s = 0", "terminal_lifetime_s = 0", "terminal_lifetime_s = 604801"] {
            assert!(config(bad).unwrap_err().to_string().contains("terminal_"), "{bad}");
        }
        for bad in ["max_frame_bytes = 10", "max_frame_bytes = 16777217"] {
            assert!(config(bad).unwrap_err().to_string().contains("max_frame_bytes"), "{bad}");
        }
    }

    #[test]
    fn a_secret_shorter_than_32_characters_is_refused() {
        let error = Config::from_toml("machine = \"alita\"\n[[keys]]\nid = \"k1\"\nsecret = \"short\"\n").unwrap_err();
        assert!(error.to_string().contains("shorter than 32"), "{error}");
        assert!(!error.to_string().contains("short\""), "the secret must not be echoed: {error}");
    }

    #[test]
    fn duplicate_key_ids_are_refused() {
        let error = config(KEY).unwrap_err();
        assert!(error.to_string().contains("configured twice"), "{error}");
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let error = config("lisen = \"127.0.0.1:1\"").unwrap_err();
        assert!(error.to_string().contains("lisen"), "{error}");
    }

    #[test]
    fn a_config_without_keys_or_machine_is_refused() {
        assert!(Config::from_toml("machine = \"alita\"\nkeys = []").unwrap_err().to_string().contains("no [[keys]]"));
        assert!(Config::from_toml(KEY).is_err());
        assert!(config("").is_ok());
        assert!(Config::from_toml(&format!("machine = \"bad name\"\n{KEY}")).is_err());
    }

    #[test]
    fn loopback_without_tls_is_plain_http_and_disabled_forces_it_elsewhere() {
        assert!(!config("listen = \"127.0.0.1:8443\"").unwrap().serves_https());
        assert!(!config("listen = \"[::1]:8443\"").unwrap().serves_https());
        assert!(
            config("listen = \"127.0.0.1:8443\"\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"").unwrap().serves_https()
        );
        assert!(!config("listen = \"0.0.0.0:8443\"\n[tls]\ndisabled = true").unwrap().serves_https());
    }

    #[test]
    fn a_secret_never_appears_in_debug_output() {
        let debug = format!("{:?}", config("").unwrap());
        assert!(!debug.contains("0123456789abcdef0123456789abcdef"), "{debug}");
    }

    #[test]
    fn a_secret_file_gives_its_key_the_secret_and_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("k1.secret");
        std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let toml =
            format!("machine = \"alita\"\n[[keys]]\nid = \"k1\"\nsecret_file = {:?}\n", secret.display().to_string());
        let config = Config::from_toml(&toml).unwrap();
        assert_eq!(
            config.keys[0].secret.expose_secret(),
            "0123456789abcdef0123456789abcdef",
            "the line ending is dropped"
        );

        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o640)).unwrap();
        let error = Config::from_toml(&toml).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");

        let both = format!("{toml}secret = \"0123456789abcdef0123456789abcdef\"\n");
        assert!(Config::from_toml(&both).unwrap_err().to_string().contains("both `secret` and `secret_file`"));
        let missing = toml.replace("k1.secret", "absent.secret");
        let error = Config::from_toml(&missing).unwrap_err().to_string();
        assert!(error.contains("cannot read the secret_file") && error.contains("absent.secret"), "{error}");
    }

    #[test]
    fn a_group_or_world_readable_file_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(&path, format!("machine = \"alita\"\n{KEY}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = Config::load(&path).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Config::load(&path).unwrap().machine, "alita");
    }

    #[test]
    fn networks_are_none_by_default_and_each_is_checked_at_start() {
        assert!(config("").unwrap().networks.is_empty(), "no network route may touch anything unlisted");
        let listed = config(
            "[[networks]]\nname = \"lxdbr0\"\nlisten_address = \"198.18.0.1\"\nforward_ports = \"20000-29999\"\n\
             [[networks]]\nname = \"public0\"\npublic = true",
        )
        .unwrap();
        let lxdbr0 = listed.network("lxdbr0").unwrap();
        assert!(!lxdbr0.public, "public is false unless said");
        assert_eq!(lxdbr0.forwards().unwrap().0.to_string(), "198.18.0.1");
        assert_eq!(lxdbr0.forwards().unwrap().1.to_string(), "20000-29999");
        assert!(listed.network("public0").unwrap().public && listed.network("public0").unwrap().forwards().is_none());
        assert!(listed.network("lxdbr1").is_none());
        for (bad, says) in [
            ("[[networks]]\nname = \"a/b\"", "not an LXD network name"),
            ("[[networks]]\nname = \"n\"\n[[networks]]\nname = \"n\"", "listed twice"),
            ("[[networks]]\nname = \"n\"\nlisten_address = \"198.18.0.1\"", "both listen_address and forward_ports"),
            ("[[networks]]\nname = \"n\"\nforward_ports = \"1-2\"", "both listen_address and forward_ports"),
            (
                "[[networks]]\nname = \"n\"\nlisten_address = \"0.0.0.0\"\nforward_ports = \"1-2\"",
                "cannot take forwards",
            ),
            ("[[networks]]\nname = \"n\"\nlisten_address = \"198.18.0.1\"\nforward_ports = \"9-1\"", "ends before"),
            ("[[networks]]\nname = \"n\"\nlisten_address = \"nope\"\nforward_ports = \"1-2\"", "listen_address"),
            ("[[networks]]\nname = \"n\"\nmtu = 1500", "mtu"),
        ] {
            let error = config(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn a_missing_file_is_a_clear_error() {
        let error = Config::load(Path::new("/nonexistent/agent.toml")).unwrap_err();
        assert!(error.to_string().contains("cannot read the config file"), "{error}");
    }
}
