//! `HealthCheck`: whether LXD answers, asked at most once per
//! [`HEALTH_CACHE_TTL`] however many `GET /health` arrive, concurrent ones
//! included. `/health` needs no token, so without this anyone could make
//! the agent call LXD as fast as they can send requests.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::lxd::LxdClient;

/// How long one answer of LXD stands for every health request.
pub const HEALTH_CACHE_TTL: Duration = Duration::from_secs(5);
/// How long the check waits for LXD before calling it unreachable.
pub const HEALTH_LXD_TIMEOUT: Duration = Duration::from_secs(2);

/// The last LXD check: when, and LXD's version (`None`: it did not answer).
#[derive(Debug, Default)]
pub struct HealthCheck {
    last: Mutex<Option<(Instant, Option<String>)>>,
}

impl HealthCheck {
    /// LXD's version, or `None` when it did not answer within
    /// [`HEALTH_LXD_TIMEOUT`]; from the last check when that is younger
    /// than [`HEALTH_CACHE_TTL`]. The lock is held across the LXD call, so
    /// requests that arrive meanwhile wait for that one call (single
    /// flight) instead of making their own.
    pub async fn server_version(&self, lxd: &LxdClient) -> Option<String> {
        let mut last = self.last.lock().await;
        if let Some((at, version)) = last.as_ref()
            && at.elapsed() < HEALTH_CACHE_TTL
        {
            return version.clone();
        }
        let version = tokio::time::timeout(HEALTH_LXD_TIMEOUT, lxd.server_version()).await.ok().and_then(Result::ok);
        *last = Some((Instant::now(), version.clone()));
        version
    }
}
