//! Signing in with an LDAP directory or Active Directory (issue 18): the
//! `[ldap]` table, the filters built from it (every value escaped), the
//! mapping of groups to roles, and `AuthMethod`, how an account signs in.
//! The directory calls themselves are in `app::ldap`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Deserialize;

use crate::domain::roles::Role;

/// How an account signs in: with its own password, or with the directory's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Local,
    Ldap,
    /// An OpenID Connect provider's (`[oidc]`, `domain::oidc`).
    Oidc,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Local => "local",
            AuthMethod::Ldap => "ldap",
            AuthMethod::Oidc => "oidc",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = String;

    fn from_str(text: &str) -> Result<AuthMethod, String> {
        match text {
            "local" => Ok(AuthMethod::Local),
            "ldap" => Ok(AuthMethod::Ldap),
            "oidc" => Ok(AuthMethod::Oidc),
            other => Err(format!("unknown sign-in method {other:?}")),
        }
    }
}

/// The password hash stored for an account of the directory: no password
/// matches it (it is not a PHC string), so a directory account never signs
/// in with a local password.
pub const NO_LOCAL_PASSWORD: &str = "!ldap";

/// A role a directory group gives: PANEL.md's `"admin"` or `"member"` (a
/// head admin is never made by the directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    Admin,
    Member,
}

impl GroupRole {
    pub fn role(self) -> Role {
        match self {
            GroupRole::Admin => Role::Admin,
            GroupRole::Member => Role::Member,
        }
    }
}

/// The `[ldap]` table (PANEL.md "Authentication beyond passwords").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before anything is sent.
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of the CA (or CAs) that signed the directory's certificate.
    /// Unset: the system's trusted CAs.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The service account that searches for users and their groups.
    pub bind_dn: String,
    /// The file holding the service account's password (its first line).
    pub bind_password_file: PathBuf,
    /// Where users are searched (the whole subtree).
    pub user_base: String,
    /// The user search filter; `{username}` is replaced by the escaped username.
    #[serde(default = "LdapConfig::default_user_filter")]
    pub user_filter: String,
    /// The membership test, run on each mapped group's own entry (a base
    /// search); `{dn}` is replaced by the user's escaped DN. AD's nested
    /// groups: `"(member:1.2.840.113556.1.4.1941:={dn})"`.
    #[serde(default = "LdapConfig::default_group_filter")]
    pub group_filter: String,
    /// Group DN → `"admin"` or `"member"`, tried in the order of the file
    /// (`group_order`): the first group she is in gives her role; none: no
    /// access.
    #[serde(default)]
    pub group_roles: BTreeMap<String, GroupRole>,
    /// The DNs of `group_roles` in the order the file lists them (figment
    /// keeps tables sorted, so `Config` reads the order from the TOML text;
    /// a group it did not see there comes after, by name).
    #[serde(skip)]
    pub group_order: Vec<String>,
    /// Seconds to open a connection (TCP and TLS) before the directory
    /// counts as unreachable.
    #[serde(default = "LdapConfig::default_connect_timeout_s")]
    pub connect_timeout_s: u64,
    /// Seconds one LDAP operation (a bind, a search) may take.
    #[serde(default = "LdapConfig::default_operation_timeout_s")]
    pub operation_timeout_s: u64,
    /// Seconds between two checks of every directory account that has a
    /// live session: one gone from the directory or from every mapped group
    /// loses her sessions and tokens, a changed group changes her role.
    #[serde(default = "LdapConfig::default_recheck_interval_s")]
    pub recheck_interval_s: u64,
}

impl LdapConfig {
    fn default_user_filter() -> String {
        "(uid={username})".to_owned()
    }

    fn default_group_filter() -> String {
        "(member={dn})".to_owned()
    }

    fn default_connect_timeout_s() -> u64 {
        5
    }

    fn default_operation_timeout_s() -> u64 {
        5
    }

    fn default_recheck_interval_s() -> u64 {
        300
    }

    /// What is wrong with the table, if anything.
    pub fn validate(&self) -> Result<(), String> {
        let scheme = self.url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("ldap") => {}
            Some("ldaps") if !self.starttls => {}
            Some("ldaps") => return Err("starttls = true goes with an ldap:// url, not ldaps://".into()),
            _ => return Err(format!("url = {:?} must start with ldap:// or ldaps://", self.url)),
        }
        if !self.user_filter.contains("{username}") {
            return Err(format!("user_filter = {:?} must contain {{username}}", self.user_filter));
        }
        if !self.group_filter.contains("{dn}") {
            return Err(format!("group_filter = {:?} must contain {{dn}}", self.group_filter));
        }
        if self.group_roles.is_empty() {
            return Err("[ldap.group_roles] maps no group to a role: nobody could sign in".into());
        }
        for (key, value) in
            [("connect_timeout_s", self.connect_timeout_s), ("operation_timeout_s", self.operation_timeout_s)]
        {
            if !(1..=60).contains(&value) {
                return Err(format!("{key} = {value} must be between 1 and 60"));
            }
        }
        if !(1..=86_400).contains(&self.recheck_interval_s) {
            return Err(format!("recheck_interval_s = {} must be between 1 and 86400", self.recheck_interval_s));
        }
        Ok(())
    }

    /// The user search filter for `username`, escaped (RFC 4515): a
    /// username such as `*)(uid=*` matches nobody.
    pub fn user_filter_for(&self, username: &str) -> String {
        self.user_filter.replace("{username}", &ldap3::ldap_escape(username))
    }

    /// The membership filter for the user `dn`, escaped.
    pub fn group_filter_for(&self, dn: &str) -> String {
        self.group_filter.replace("{dn}", &ldap3::ldap_escape(dn))
    }

    /// The groups to test, in the order of the file (first match wins).
    pub fn groups_in_order(&self) -> Vec<(&str, Role)> {
        let mut groups: Vec<(&str, Role)> =
            self.group_roles.iter().map(|(dn, role)| (dn.as_str(), role.role())).collect();
        let position = |dn: &str| self.group_order.iter().position(|listed| listed == dn).unwrap_or(usize::MAX);
        groups.sort_by_key(|(dn, _)| position(dn));
        groups
    }
}

/// The keys of `[ldap.group_roles]` in the order `toml_text` lists them
/// (none when it has no such table or does not parse).
pub fn group_order(toml_text: &str) -> Vec<String> {
    let Ok(table) = toml_text.parse::<toml::Table>() else { return Vec::new() };
    table
        .get("ldap")
        .and_then(|ldap| ldap.get("group_roles"))
        .and_then(toml::Value::as_table)
        .map(|roles| roles.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> LdapConfig {
        let mut group_roles = BTreeMap::new();
        group_roles.insert("cn=a-members,dc=x".to_owned(), GroupRole::Member);
        group_roles.insert("cn=z-admins,dc=x".to_owned(), GroupRole::Admin);
        LdapConfig {
            url: "ldap://127.0.0.1:389".into(),
            starttls: false,
            ca_file: None,
            bind_dn: "cn=smp,dc=x".into(),
            bind_password_file: "/dev/null".into(),
            user_base: "ou=people,dc=x".into(),
            user_filter: LdapConfig::default_user_filter(),
            group_filter: LdapConfig::default_group_filter(),
            group_roles,
            group_order: Vec::new(),
            connect_timeout_s: 5,
            operation_timeout_s: 5,
            recheck_interval_s: 300,
        }
    }

    #[test]
    fn a_username_with_filter_syntax_is_escaped_into_a_literal() {
        let config = config();
        assert_eq!(config.user_filter_for("mia"), "(uid=mia)");
        assert_eq!(config.user_filter_for("*)(uid=*"), "(uid=\\2a\\29\\28uid=\\2a)");
        assert_eq!(config.group_filter_for("uid=o(k)*,dc=x"), "(member=uid=o\\28k\\29\\2a,dc=x)");
    }

    #[test]
    fn active_directory_nested_groups_use_the_in_chain_rule_with_the_dn_escaped() {
        let mut config = config();
        config.user_filter = "(sAMAccountName={username})".into();
        config.group_filter = "(member:1.2.840.113556.1.4.1941:={dn})".into();
        assert!(config.validate().is_ok());
        assert_eq!(config.user_filter_for("mia"), "(sAMAccountName=mia)");
        assert_eq!(
            config.group_filter_for("CN=Mia (IT),OU=People,DC=corp"),
            "(member:1.2.840.113556.1.4.1941:=CN=Mia \\28IT\\29,OU=People,DC=corp)"
        );
    }

    #[test]
    fn groups_are_tried_in_the_order_of_the_file_whatever_their_names() {
        let text = "[ldap.group_roles]\n\"cn=z-admins,dc=x\" = \"admin\"\n\"cn=a-members,dc=x\" = \"member\"\n";
        let mut config = config();
        config.group_order = group_order(text);
        assert_eq!(config.group_order, ["cn=z-admins,dc=x", "cn=a-members,dc=x"]);
        let order: Vec<&str> = config.groups_in_order().into_iter().map(|(dn, _)| dn).collect();
        assert_eq!(order, ["cn=z-admins,dc=x", "cn=a-members,dc=x"]);
        config.group_order =
            group_order(&text.replace("z-admins", "q").replace("a-members", "z-admins").replace("q", "a-members"));
        let order: Vec<&str> = config.groups_in_order().into_iter().map(|(dn, _)| dn).collect();
        assert_eq!(order, ["cn=a-members,dc=x", "cn=z-admins,dc=x"], "member first when the file says so");
    }

    #[test]
    fn a_bad_url_filter_or_empty_mapping_is_refused_with_its_key() {
        assert!(config().validate().is_ok());
        let mut bad = config();
        bad.url = "http://x".into();
        assert!(bad.validate().unwrap_err().contains("url"));
        let mut bad = config();
        bad.user_filter = "(uid=mia)".into();
        assert!(bad.validate().unwrap_err().contains("{username}"));
        let mut bad = config();
        bad.group_roles.clear();
        assert!(bad.validate().unwrap_err().contains("group_roles"));
        let mut bad = config();
        bad.url = "ldaps://x".into();
        bad.starttls = true;
        assert!(bad.validate().unwrap_err().contains("starttls"));
    }
}
