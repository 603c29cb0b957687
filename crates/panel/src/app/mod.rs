//! The use cases: what a member, an owner or an admin can do, each decided by
//! `policy`, done through `db` and `agents`, and written to the audit log.
//! Every front end (the JSON API, the pages, the WebSocket, the SSH gateway
//! and the DNS server) calls these and nothing below them; nothing here knows
//! which front end asked.

pub mod anonymous;
pub mod audit;
pub mod audited;
pub mod blocking;
pub mod containers;
pub mod current_user;
pub mod dns;
pub mod jobs;
pub mod ldap;
pub mod login_limit;
pub mod machines;
pub mod member_shell;
pub mod networks;
pub mod oidc;
pub mod password;
pub mod provisioning;
pub mod quotas;
pub mod refusals;
pub mod services;
pub mod sessions;
pub mod snapshots;
pub mod ssh;
pub mod ssh_keys;
pub mod terminals;
pub mod tokens;
pub mod totp;
pub mod users;

use std::sync::Arc;

pub use current_user::{AuthVia, CurrentUser};

use crate::agents::Agents;
use crate::agents::call_limit::CallLimiter;
use crate::db::containers::Limits;
use crate::db::quotas::Quota;
use crate::sync::Nudge;
use login_limit::LoginLimiter;

/// What the use cases share, built once by `startup`.
#[derive(Debug)]
pub struct Context {
    /// Login attempts per client address and per username.
    pub login_limiter: LoginLimiter,
    /// Reaching agents (the panel key, this instance's id).
    pub agents: Arc<Agents>,
    /// Wakes the sync supervisor when machines change.
    pub sync_nudge: Nudge,
    /// `Config::allow_signup`.
    pub allow_signup: bool,
    /// `Config::require_totp_for_admins`: an admin without TOTP acts as a member.
    pub require_totp_for_admins: bool,
    /// The web's logins whose password was right, awaiting their code.
    pub pending_logins: totp::PendingLogins,
    /// `Config::default_quota`: a member's quota until an admin sets hers.
    pub default_quota: Quota,
    /// `Config::default_limits`: a sub-container's limits its creator left out.
    pub default_limits: Limits,
    /// `Config::max_agent_calls_per_user`: each user's agent calls in flight.
    pub agent_calls: CallLimiter,
    /// Open terminal sessions and their unused tickets.
    pub terminals: terminals::Terminals,
    /// One change of a container's forwards at a time reaches its agent.
    pub forward_locks: networks::ForwardLocks,
    /// The LDAP directory of `[ldap]`, if any: sign-ins try it for its
    /// accounts and for unknown usernames.
    pub directory: Option<Arc<ldap::Directory>>,
    /// The OpenID Connect provider of `[oidc]`, if any ("Sign in with …").
    pub oidc: Option<Arc<oidc::Provider>>,
}
