//! Signing in with an OpenID Connect provider (issue 18, `[oidc]`): the
//! table, its checks, the scopes asked for, the account key a provider's
//! `sub` is stored under, and the username a new account is given. The
//! exchange with the provider itself is in `app::oidc`.

use std::path::PathBuf;

use serde::Deserialize;

use crate::domain::username::{MAX_USERNAME_CHARS, Username};

/// The password hash stored for an account of a provider: no password
/// matches it, so such an account never signs in with a local password.
pub const NO_LOCAL_PASSWORD: &str = "!oidc";

/// A provider with more than OpenID Connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// GitLab: also asks for `read_user` and imports her SSH keys from
    /// `{issuer}/api/v4/user/keys` at each sign-in.
    Gitlab,
}

/// The `[oidc]` table (PANEL.md "Authentication beyond passwords").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The button says "Sign in with {name}".
    pub name: String,
    /// The provider's issuer URL; discovery is at
    /// `{issuer}/.well-known/openid-configuration`. `https://`, or
    /// `http://` on a loopback address only.
    pub issuer: String,
    pub client_id: String,
    /// The file holding the client secret (its first line).
    pub client_secret_file: PathBuf,
    #[serde(default)]
    pub preset: Option<Preset>,
    /// New accounts may sign in at once; unset, an admin approves each.
    #[serde(default)]
    pub auto_approve: bool,
    /// Seconds each call to the provider (discovery, keys, token, SSH keys)
    /// may take.
    #[serde(default = "OidcConfig::default_timeout_s")]
    pub timeout_s: u64,
}

impl OidcConfig {
    fn default_timeout_s() -> u64 {
        10
    }

    /// What is wrong with the table, if anything.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.chars().count() > 40 {
            return Err(format!("name = {:?} must be 1 to 40 characters (the button's text)", self.name));
        }
        let url = url::Url::parse(&self.issuer)
            .map_err(|error| format!("issuer = {:?} is not a URL ({error})", self.issuer))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(format!("issuer = {:?} must start with https:// (http:// only on loopback)", self.issuer)),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("issuer = {:?} must not have a query or a fragment", self.issuer));
        }
        if self.client_id.trim().is_empty() {
            return Err("client_id is empty".into());
        }
        if !(1..=60).contains(&self.timeout_s) {
            return Err(format!("timeout_s = {} must be between 1 and 60", self.timeout_s));
        }
        Ok(())
    }

    /// The scopes asked for besides `openid`.
    pub fn scopes(&self) -> &'static [&'static str] {
        match self.preset {
            Some(Preset::Gitlab) => &["profile", "email", "read_user"],
            None => &["profile", "email"],
        }
    }

    /// Where GitLab lists the signed-in user's SSH keys, with the preset.
    pub fn ssh_keys_url(&self) -> Option<String> {
        (self.preset == Some(Preset::Gitlab)).then(|| format!("{}/api/v4/user/keys", self.issuer.trim_end_matches('/')))
    }

    /// The `external_id` of the account of the provider's subject `sub`:
    /// a `sub` is unique only within its issuer, so both are stored.
    pub fn external_id(&self, sub: &str) -> String {
        format!("{} {sub}", self.issuer.trim_end_matches('/'))
    }
}

/// The username a new account from a provider is given, before it is made
/// unique: the provider's `preferred_username` (else the e-mail's local
/// part), lower-cased, other characters than `a-z 0-9 _ . -` dropped, a
/// letter first (`u` is put in front of anything else), cut to leave room
/// for a `-N` suffix; `user` when nothing is left.
pub fn username_base(preferred_username: Option<&str>, email: Option<&str>) -> Username {
    let source = preferred_username
        .filter(|name| !name.trim().is_empty())
        .or_else(|| email.and_then(|email| email.split('@').next()))
        .unwrap_or_default();
    let mut name: String = source
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(*c))
        .collect();
    if name.is_empty() {
        name = "user".into();
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert(0, 'u');
    }
    name.truncate(MAX_USERNAME_CHARS - 4);
    Username::parse(&name).unwrap_or_else(|_| Username::parse("user").unwrap_or_else(|_| unreachable!()))
}

/// The `n`-th candidate for `base` (1: `base` itself, then `base-2`, …).
pub fn username_candidate(base: &Username, n: u32) -> Option<Username> {
    if n <= 1 {
        return Some(base.clone());
    }
    Username::parse(&format!("{base}-{n}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(issuer: &str) -> OidcConfig {
        OidcConfig {
            name: "GitLab".into(),
            issuer: issuer.into(),
            client_id: "smp".into(),
            client_secret_file: "/etc/smp-panel/oidc.secret".into(),
            preset: Some(Preset::Gitlab),
            auto_approve: false,
            timeout_s: 10,
        }
    }

    #[test]
    fn an_issuer_is_https_or_plain_http_on_loopback_only() {
        assert!(config("https://gitlab.example.org").validate().is_ok());
        assert!(config("http://127.0.0.1:8080").validate().is_ok());
        assert!(config("http://[::1]:8080").validate().is_ok());
        assert!(config("http://localhost:8080").validate().is_ok());
        for bad in ["http://gitlab.example.org", "ftp://x", "not a url", "https://gitlab.example.org/?a=b"] {
            assert!(config(bad).validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_gitlab_preset_asks_for_read_user_and_names_its_keys_route() {
        let gitlab = config("https://gitlab.example.org/");
        assert!(gitlab.scopes().contains(&"read_user"));
        assert_eq!(gitlab.ssh_keys_url().unwrap(), "https://gitlab.example.org/api/v4/user/keys");
        let plain = OidcConfig { preset: None, ..gitlab };
        assert!(!plain.scopes().contains(&"read_user"));
        assert_eq!(plain.ssh_keys_url(), None);
    }

    #[test]
    fn a_sub_is_stored_with_its_issuer() {
        assert_eq!(config("https://a.example/").external_id("42"), "https://a.example 42");
        assert_ne!(config("https://a.example").external_id("42"), config("https://b.example").external_id("42"));
    }

    #[test]
    fn a_username_is_derived_from_what_the_provider_says_and_is_always_valid() {
        let base = |preferred: Option<&str>, email: Option<&str>| username_base(preferred, email).to_string();
        assert_eq!(base(Some("Ada.Lovelace"), None), "ada.lovelace");
        assert_eq!(base(Some("  "), Some("Mia+x@example.org")), "miax");
        assert_eq!(base(Some("42ada"), None), "u42ada");
        assert_eq!(base(Some("Żółw"), None), "w");
        assert_eq!(base(Some("日本"), None), "user");
        assert_eq!(base(None, None), "user");
        assert_eq!(base(Some(&"a".repeat(80)), None).len(), MAX_USERNAME_CHARS - 4);
        let long = username_base(Some(&"b".repeat(80)), None);
        assert!(username_candidate(&long, 999).is_some(), "the suffix always fits");
        assert_eq!(username_candidate(&long, 1).unwrap(), long);
        assert_eq!(username_candidate(&username_base(Some("mia"), None), 2).unwrap().as_str(), "mia-2");
    }
}
