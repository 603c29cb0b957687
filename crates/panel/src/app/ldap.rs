//! Signing in with an LDAP directory or Active Directory (issue 18,
//! `[ldap]`): `Directory` is the client (search with the service account,
//! each mapped group tested on its own entry, then a bind as the user with
//! her password), `sign_in_with_directory` the part of `sessions::sign_in`
//! for directory accounts and unknown usernames, and `run_directory_check`
//! the periodic check that ends the sessions of whoever left the directory
//! or every mapped group.
//!
//! No directory call holds a database connection: the account is read
//! first, its connection given back, then the directory asked, then the
//! answer written. Every directory call is bounded (`connect_timeout_s`,
//! `operation_timeout_s`, and the whole exchange by their sum); an outage is
//! `directory_unavailable` (503) for directory accounts only.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use secrecy::{ExposeSecret as _, SecretString};

use crate::app::audited::{AuditEntry, audited};
use crate::db::users::{self, DirectoryAccount, User, UserError, UserId};
use crate::db::{self, DbPool, sessions, tokens};
use crate::domain::ldap::{AuthMethod, LdapConfig};
use crate::domain::roles::Role;
use crate::domain::username::Username;
use crate::error::{AppError, ErrorCode};

/// LDAP's result code for a wrong password (or an unknown bind DN).
const INVALID_CREDENTIALS: u32 = 49;
/// LDAP's result code for a base that does not exist (a mapped group deleted).
const NO_SUCH_OBJECT: u32 = 32;

/// The `reason=` of the audit row of an account that lost its access.
const GONE: &str = "gone from the directory";
const NO_GROUP: &str = "in no mapped group";

/// What the directory says of a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No entry matches the user filter (or more than one: ambiguous, refused).
    NoAccount,
    /// Her entry: the role of the first mapped group she is in (`None`:
    /// none), and whether the password was hers (`false` when not tried).
    Found { dn: String, role: Option<Role>, password_ok: bool },
}

/// The directory client, built once at start-up from `[ldap]`.
pub struct Directory {
    config: LdapConfig,
    bind_password: SecretString,
    /// The TLS client settings with `ca_file`'s CAs; `None`: ldap3's own
    /// (the system's CAs).
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Directory").field("url", &self.config.url).finish_non_exhaustive()
    }
}

/// The error of an unreachable or failing directory (its cause goes to the log only).
fn unavailable(cause: impl std::fmt::Display) -> AppError {
    tracing::warn!("LDAP directory unavailable: {cause}");
    AppError::said(ErrorCode::DirectoryUnavailable, "error-services-ldap-unavailable", &[])
}

impl Directory {
    /// Reads the service account's password (`bind_password_file`, first
    /// line) and the CA file; the message says which file is wrong.
    pub fn new(config: LdapConfig) -> Result<Directory, String> {
        let text = std::fs::read_to_string(&config.bind_password_file)
            .map_err(|error| format!("[ldap] bind_password_file {}: {error}", config.bind_password_file.display()))?;
        let password = text.lines().next().unwrap_or_default().to_owned();
        if password.is_empty() {
            return Err(format!("[ldap] bind_password_file {} is empty", config.bind_password_file.display()));
        }
        let tls = match &config.ca_file {
            Some(path) => Some(Arc::new(tls_with_ca(path)?)),
            None => None,
        };
        Ok(Directory { config, bind_password: SecretString::from(password), tls })
    }

    pub fn config(&self) -> &LdapConfig {
        &self.config
    }

    fn operation_timeout(&self) -> Duration {
        Duration::from_secs(self.config.operation_timeout_s)
    }

    /// A bound for a whole exchange: the connection and a few operations.
    fn exchange_timeout(&self) -> Duration {
        Duration::from_secs(self.config.connect_timeout_s + 4 * self.config.operation_timeout_s)
    }

    /// A connection bound as the service account.
    async fn connect(&self) -> Result<Ldap, AppError> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(self.config.connect_timeout_s))
            .set_starttls(self.config.starttls);
        if let Some(tls) = &self.tls {
            settings = settings.set_config(tls.clone());
        }
        let (connection, mut ldap) =
            LdapConnAsync::with_settings(settings, &self.config.url).await.map_err(unavailable)?;
        tokio::spawn(async move {
            if let Err(error) = connection.drive().await {
                tracing::debug!("LDAP connection ended: {error}");
            }
        });
        let bound = ldap
            .with_timeout(self.operation_timeout())
            .simple_bind(&self.config.bind_dn, self.bind_password.expose_secret())
            .await
            .map_err(unavailable)?;
        if bound.rc != 0 {
            return Err(unavailable(format_args!(
                "the service account {} cannot bind (result code {}): check bind_dn and bind_password_file",
                self.config.bind_dn, bound.rc
            )));
        }
        Ok(ldap)
    }

    /// Her entry's DN and the role of her groups, with the service account.
    async fn find(&self, ldap: &mut Ldap, username: &str) -> Result<Option<(String, Option<Role>)>, AppError> {
        let filter = self.config.user_filter_for(username);
        let (entries, _) = ldap
            .with_timeout(self.operation_timeout())
            .search(&self.config.user_base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(unavailable)?
            .success()
            .map_err(unavailable)?;
        if entries.len() != 1 {
            return Ok(None);
        }
        let Some(entry) = entries.into_iter().next() else { return Ok(None) };
        let dn = SearchEntry::construct(entry).dn;
        for (group, role) in self.config.groups_in_order() {
            if self.is_member(ldap, group, &dn).await? {
                return Ok(Some((dn, Some(role))));
            }
        }
        Ok(Some((dn, None)))
    }

    /// Whether `dn` is in `group`: `group_filter` tested on the group's own
    /// entry (a base search), so AD's nested-membership rule works as a filter.
    async fn is_member(&self, ldap: &mut Ldap, group: &str, dn: &str) -> Result<bool, AppError> {
        let filter = self.config.group_filter_for(dn);
        let ldap3::SearchResult(entries, result) = ldap
            .with_timeout(self.operation_timeout())
            .search(group, Scope::Base, &filter, vec!["1.1"])
            .await
            .map_err(unavailable)?;
        match result.rc {
            0 => Ok(!entries.is_empty()),
            NO_SUCH_OBJECT => Ok(false),
            _ => Err(unavailable(result)),
        }
    }

    /// Searches `username`, tests her groups, then binds as her with
    /// `password` (never with an empty one: that would be an anonymous bind).
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Verdict, AppError> {
        let exchange = async {
            let mut ldap = self.connect().await?;
            let Some((dn, role)) = self.find(&mut ldap, username).await? else {
                drop(ldap.unbind().await);
                return Ok(Verdict::NoAccount);
            };
            let password_ok = !password.is_empty() && {
                let bound = ldap
                    .with_timeout(self.operation_timeout())
                    .simple_bind(&dn, password)
                    .await
                    .map_err(unavailable)?;
                match bound.rc {
                    0 => true,
                    INVALID_CREDENTIALS => false,
                    _ => return Err(unavailable(bound)),
                }
            };
            drop(ldap.unbind().await);
            Ok(Verdict::Found { dn, role, password_ok })
        };
        tokio::time::timeout(self.exchange_timeout(), exchange).await.map_err(|_| unavailable("timed out"))?
    }

    /// What the directory says of `username` now, without her password
    /// (the periodic check).
    pub async fn look_up(&self, username: &str) -> Result<Verdict, AppError> {
        let exchange = async {
            let mut ldap = self.connect().await?;
            let found = self.find(&mut ldap, username).await?;
            drop(ldap.unbind().await);
            Ok(match found {
                Some((dn, role)) => Verdict::Found { dn, role, password_ok: false },
                None => Verdict::NoAccount,
            })
        };
        tokio::time::timeout(self.exchange_timeout(), exchange).await.map_err(|_| unavailable("timed out"))?
    }
}

/// TLS client settings trusting only the CAs of the PEM file at `path`.
fn tls_with_ca(path: &std::path::Path) -> Result<rustls::ClientConfig, String> {
    let bad = |why: String| format!("[ldap] ca_file {}: {why}", path.display());
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(|error| bad(error.to_string()))? {
        let certificate = certificate.map_err(|error| bad(error.to_string()))?;
        roots.add(certificate).map_err(|error| bad(error.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| bad(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn invalid_credentials() -> AppError {
    AppError::said(ErrorCode::InvalidCredentials, "error-services-ldap-credentials", &[])
}

fn no_mapped_group() -> AppError {
    AppError::said(ErrorCode::Forbidden, "error-services-ldap-no-group", &[])
}

/// The directory's part of a sign-in: `account` is what the panel has under
/// that name (`None`: unknown), read before and its connection given back.
/// Her password right and a mapped group: her account, created at the
/// first sign-in and given her groups' role at each (and enabled again if
/// the directory had disabled her). Gone from the directory or from every
/// mapped group: an account she had is disabled and loses its sessions and
/// tokens, whatever password was typed.
pub(crate) async fn sign_in_with_directory(
    directory: &Directory,
    pool: &DbPool,
    account: Option<User>,
    username: &str,
    password: &str,
) -> Result<User, AppError> {
    let Ok(name) = Username::parse(username) else { return Err(invalid_credentials()) };
    let verdict = directory.authenticate(name.as_str(), password).await?;
    let had = account.filter(|user| user.auth_method == AuthMethod::Ldap).map(|user| user.id);
    match verdict {
        Verdict::Found { dn, role: Some(role), password_ok: true } => {
            db::run(pool, move |connection| {
                match users::upsert_from_directory(connection, &DirectoryAccount { username: &name, dn: &dn, role }) {
                    Ok(user) => Ok(user),
                    // A local account took the name meanwhile: the directory never signs into it.
                    Err(UserError::UsernameTaken(_)) => Err(invalid_credentials()),
                    Err(other) => Err(AppError::from(other)),
                }
            })
            .await
        }
        Verdict::Found { password_ok: false, role: Some(_), .. } => Err(invalid_credentials()),
        Verdict::Found { role: None, password_ok, .. } => {
            if let Some(id) = had {
                end_access(pool, id, NO_GROUP).await?;
            }
            Err(if password_ok { no_mapped_group() } else { invalid_credentials() })
        }
        Verdict::NoAccount => {
            if let Some(id) = had {
                end_access(pool, id, GONE).await?;
            }
            Err(invalid_credentials())
        }
    }
}

/// Disables a directory account that lost its access (her next good
/// sign-in enables her again) and ends every session and token of hers,
/// audited `session.revoke` (actor `directory`, detail `method=ldap
/// reason=…`): SSH refuses a disabled account, and her terminals close on
/// the new audit row (`terminals::rights`).
async fn end_access(pool: &DbPool, id: UserId, reason: &str) -> Result<(), AppError> {
    let mut entry = AuditEntry::anonymous("session.revoke", format!("user:{id}"));
    entry.actor = "directory".into();
    entry.set_detail(format!("method=ldap reason={reason}"));
    audited(pool, entry, move |connection, _| {
        users::disable_from_directory(connection, id)?;
        sessions::revoke_all_but(connection, id, None)?;
        tokens::revoke_all(connection, id)?;
        Ok(())
    })
    .await
}

/// Checks every enabled directory account, one after the other, every
/// `recheck_interval_s`: gone from the directory or from every mapped
/// group, she is disabled and her sessions and tokens end (audited `session.revoke`,
/// detail `method=ldap reason=…`); a changed group changes her role. An
/// outage skips the round (nothing is ended because the directory is down).
pub async fn run_directory_check(directory: Arc<Directory>, pool: DbPool) {
    let mut ticks = tokio::time::interval(Duration::from_secs(directory.config.recheck_interval_s));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(error) = check_round(&directory, &pool).await {
            tracing::warn!("directory check: {}", error.message);
        }
    }
}

async fn check_round(directory: &Directory, pool: &DbPool) -> Result<(), AppError> {
    let accounts =
        db::run(pool, |connection| Ok::<_, AppError>(users::directory_accounts_enabled(connection)?)).await?;
    for (id, username) in accounts {
        let verdict = directory.look_up(username.as_str()).await?;
        let reason = match verdict {
            Verdict::NoAccount => GONE,
            Verdict::Found { role: None, .. } => NO_GROUP,
            Verdict::Found { role: Some(role), .. } => {
                db::run(pool, move |connection| Ok::<_, AppError>(users::set_directory_role(connection, id, role)?))
                    .await?;
                continue;
            }
        };
        end_access(pool, id, reason).await?;
    }
    Ok(())
}
