//! What every HTTP front end (the JSON API, the pages, and the WebSocket
//! routes to come) shares: `AppState`, the `CurrentUser` extractor with its
//! CSRF and `Origin` checks (and `Acting`, which adds what the use cases
//! take), the client address, bounded JSON bodies, the language of the
//! page being answered, and the audit of refusals without a credential. Front ends import this and `app`,
//! never each other.

pub mod acting;
/// Moved to `app` (the SSH gateway counts its refusals there too); kept under this name.
pub use crate::app::anonymous;
pub mod auth;
pub mod body;
pub mod client_addr;
pub mod origin;
pub mod page_language;
pub mod sign_in;

use std::ops::Deref;
use std::sync::Arc;

pub use acting::Acting;
pub use auth::AuditAction;

use crate::app::Context;
use anonymous::AnonymousRefusals;
use client_addr::TrustedProxies;
use origin::PublicOrigin;

/// Largest JSON body accepted, in bytes; larger ones answer 413 `body_too_large`.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// What every request handler shares (besides the pool, its own `web::Data`):
/// the use cases' `Context`, and what only the HTTP edge needs.
#[derive(Debug)]
pub struct AppState {
    /// What the use cases need (agents, quotas, limits).
    pub app: Arc<Context>,
    /// Mark the session cookie `Secure`.
    pub secure_cookies: bool,
    /// Whose `X-Forwarded-For` names the client (`client_addr`).
    pub trusted_proxies: TrustedProxies,
    /// The panel's own origin, for the `Origin` checks.
    pub public_origin: PublicOrigin,
    /// The audit rows of refusals without a credential, aggregated per source.
    pub refusals: Arc<AnonymousRefusals>,
    /// Where the SSH gateway listens (`[ssh] listen`; the account page
    /// shows its port); `None`: SSH is not enabled on this panel.
    pub ssh_listen: Option<std::net::SocketAddr>,
    /// The SSH host key's `SHA256:…` fingerprint (the account page shows it).
    pub ssh_host_fingerprint: Option<String>,
    /// The zone the DNS server answers for (`[dns] zone`; container pages
    /// show their names in it); `None`: no DNS server on this panel.
    pub dns_zone: Option<String>,
}

impl Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.app
    }
}
