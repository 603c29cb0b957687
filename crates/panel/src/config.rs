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
}

/// The bottom layer of the figment (PANEL.md's defaults).
#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    listen: &'static str,
    sync_interval_s: u64,
}

const DEFAULTS: Defaults =
    Defaults { database_url: DEFAULT_DATABASE_URL, listen: "127.0.0.1:8080", sync_interval_s: 30 };

/// A configuration that cannot be used; the message says how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Defaults, then `path` if given (it must exist), then the environment,
    /// then `database_url` if given (the command line's `--database-url`).
    pub fn load(path: Option<&Path>, database_url: Option<&str>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(DEFAULTS));
        if let Some(path) = path {
            if !path.is_file() {
                return Err(ConfigError(format!("cannot read the config file {}: no such file", path.display())));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment =
            figment.merge(Env::prefixed(ENV_PREFIX).split("__").map(|key| key.as_str().to_ascii_lowercase().into()));
        if let Some(url) = database_url {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        Self::from_figment(figment).map_err(|ConfigError(message)| match path {
            Some(path) => ConfigError(format!("{}: {message}", path.display())),
            None => ConfigError(message),
        })
    }

    /// Parses and validates a TOML string on top of the defaults (no environment).
    pub fn from_toml(toml: &str) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Serialized::defaults(DEFAULTS)).merge(Toml::string(toml)))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(|error| ConfigError(error.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        Backend::from_url(self.database_url.expose_secret())
            .map_err(|error| ConfigError(format!("database_url: {error}")))?;
        if !(1..=3600).contains(&self.sync_interval_s) {
            return Err(ConfigError(format!("sync_interval_s = {} must be between 1 and 3600", self.sync_interval_s)));
        }
        Ok(())
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
    fn a_missing_config_file_is_a_clear_error() {
        let error = Config::load(Some(Path::new("/nonexistent/panel.toml")), None).unwrap_err();
        assert!(error.to_string().contains("cannot read the config file"), "{error}");
    }
}
