//! Instance calls: list, status, state, start/stop/restart and logs.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use futures_util::future::join_all;
use hyper::Method;
use smp_proto::api::{ContainerState, ContainerStatus, ContainerSummary, LogSource};
use smp_proto::names::InstanceName;
use tokio::time::Instant;

use super::LxdClient;
use super::cgroup;
use super::error::LxdError;
use super::model::{self, Instance, InstanceState, Lease};
use super::transport::encode;

/// Time a stop or restart may take beyond the clean-stop timeout it asks
/// LXD for (a forced stop of busybox takes 0.6 s, a start 0.15 s).
pub const LIFECYCLE_MARGIN: Duration = Duration::from_secs(15);

/// How often a start that found the instance busy with a stop asks again.
pub const BUSY_POLL: Duration = Duration::from_millis(100);

/// Most of a log the agent reads (its tail); the routes cut it to lines.
pub const LOG_TAIL_BYTES: usize = 4 * 1024 * 1024;

impl LxdClient {
    /// Every instance of the project with its status and addresses.
    ///
    /// One `recursion=1` list (never `recursion=2`, never a state call per
    /// instance), then the leases of the managed networks the running
    /// instances' NICs name, fetched in parallel. The networks are read off
    /// the instances' devices, which saves a `GET /1.0/networks`. Addresses
    /// are best effort: a network whose leases cannot be read is logged and
    /// skipped.
    pub async fn list(&self) -> Result<Vec<ContainerSummary>, LxdError> {
        let instances: Vec<Instance> = self.get(&self.path("/1.0/instances", &[("recursion", "1")])).await?;
        let networks: BTreeSet<&str> = instances
            .iter()
            .filter(|instance| ContainerStatus::from_lxd(&instance.status) == ContainerStatus::Running)
            .flat_map(Instance::networks)
            .collect();
        let leases = self.leases(networks).await;
        Ok(model::summaries(instances, &leases))
    }

    /// The instance's status (`GET /1.0/instances/<n>`, ~2 ms).
    pub async fn status(&self, name: &InstanceName) -> Result<ContainerStatus, LxdError> {
        /// Only the status: the rest of the instance is not even parsed.
        #[derive(serde::Deserialize)]
        struct Status {
            status: String,
        }
        let instance: Status = self.get(&self.instance_path(name, "")).await?;
        Ok(ContainerStatus::from_lxd(&instance.status))
    }

    /// The instance's LXD `volatile.uuid` (`GET /1.0/instances/<n>`, ~2 ms),
    /// `None` when LXD has none; `NotFound` when there is no instance.
    pub async fn uuid(&self, name: &InstanceName) -> Result<Option<String>, LxdError> {
        /// Only the instance's own configuration.
        #[derive(serde::Deserialize)]
        struct Own {
            #[serde(default)]
            config: std::collections::HashMap<String, String>,
        }
        let instance: Own = self.get(&self.instance_path(name, "")).await?;
        Ok(instance.config.get(model::UUID_KEY).cloned())
    }

    /// The instance's state as `smp-proto` documents it: one
    /// `GET …/state` (the expensive call, tens of ms on a running instance).
    ///
    /// The memory limit is the instance's cgroup's hard limit, read on the
    /// host (see `cgroup.rs`) rather than asked of LXD: `null` when it is
    /// stopped or has no hard limit.
    pub async fn state(&self, name: &InstanceName) -> Result<ContainerState, LxdError> {
        let mut state: InstanceState = self.get(&self.instance_path(name, "/state")).await?;
        let limit = (state.pid > 0).then(|| cgroup::memory_limit(state.pid)).flatten();
        if state.pid > 0 && state.memory.usage == 0 {
            // LXD's own cgroup read failed (see `cgroup.rs`).
            state.memory.usage = cgroup::memory_usage(state.pid).unwrap_or(0);
        }
        Ok(model::container_state(name.as_str(), state, limit))
    }

    /// Where a tunnel to the instance connects: its status and an address
    /// its networks leased to its own MAC (`model::tunnel_address`), from
    /// one `GET /1.0/instances/<n>` and the leases of its networks.
    pub async fn tunnel_address(&self, name: &InstanceName) -> Result<(ContainerStatus, Option<IpAddr>), LxdError> {
        let instance: Instance = self.get(&self.instance_path(name, "")).await?;
        let status = ContainerStatus::from_lxd(&instance.status);
        if status != ContainerStatus::Running {
            return Ok((status, None));
        }
        let leases = self.leases(instance.networks().collect()).await;
        Ok((status, model::tunnel_address(&instance, &leases)))
    }

    /// The leases and allocations of `networks`, fetched in parallel; best
    /// effort: a network whose leases cannot be read is logged and skipped.
    async fn leases(&self, networks: BTreeSet<&str>) -> Vec<Lease> {
        let lease_lists = join_all(networks.iter().map(|network| async move {
            let path = self.path(&format!("/1.0/networks/{}/leases", encode(network)), &[]);
            (network, self.get::<Vec<Lease>>(&path).await)
        }))
        .await;
        let mut leases = Vec::new();
        for (network, answer) in lease_lists {
            match answer {
                Ok(list) => leases.extend(list),
                // Debug, not warn: lists run often, and a network without
                // leases (a managed macvlan) would say so every time.
                Err(error) => {
                    tracing::debug!(%network, %error, "cannot read the leases of a network; its addresses are left out")
                }
            }
        }
        leases
    }

    /// Starts the instance and waits until it runs, at most `deadline`.
    /// A running instance gives `AlreadyRunning`.
    ///
    /// LXD may still hold a stop's lock for a moment after the instance
    /// reads `Stopped` (seen: a start sent 57 ms after a clean stop had
    /// answered was refused, "Instance is busy running a "stop" operation"):
    /// such a refusal created nothing, so the start is asked again every
    /// [`BUSY_POLL`] until the stop lets go, within `deadline`.
    pub async fn start(&self, name: &InstanceName, deadline: Duration) -> Result<(), LxdError> {
        let until = Instant::now() + deadline;
        let deadline_s = u32::try_from(deadline.as_secs()).unwrap_or(u32::MAX);
        loop {
            match self.change_state(name, "start", deadline_s, false, until).await {
                Err(LxdError::Busy(message)) if message.contains("\"stop\"") && Instant::now() + BUSY_POLL < until => {
                    tokio::time::sleep(BUSY_POLL).await;
                }
                answer => return answer,
            }
        }
    }

    /// Stops the instance: cleanly within `timeout_s` (LXD then gives up:
    /// `Timeout`), or at once with `force` (or when `timeout_s` is 0, as LXD
    /// does). A stopped instance gives `AlreadyStopped`.
    pub async fn stop(&self, name: &InstanceName, force: bool, timeout_s: u32) -> Result<(), LxdError> {
        let clean_until = Instant::now() + Duration::from_secs(timeout_s.into());
        let answer = self.change_state(name, "stop", timeout_s, force, clean_until + LIFECYCLE_MARGIN).await;
        if self.stopped_although_lxd_gave_up(name, &answer, clean_until).await {
            return Ok(());
        }
        answer
    }

    /// Restarts the instance (a stop as in [`LxdClient::stop`], then a start).
    /// A stopped instance gives `AlreadyStopped`.
    pub async fn restart(&self, name: &InstanceName, force: bool, timeout_s: u32) -> Result<(), LxdError> {
        let clean_until = Instant::now() + Duration::from_secs(timeout_s.into());
        let deadline = clean_until + LIFECYCLE_MARGIN;
        let answer = self.change_state(name, "restart", timeout_s, force, deadline).await;
        if !self.stopped_although_lxd_gave_up(name, &answer, clean_until).await {
            return answer;
        }
        tracing::warn!(instance = %name, "LXD gave up on the restart's clean stop at once, but the instance stopped: starting it");
        match self.start(name, deadline.saturating_duration_since(Instant::now())).await {
            Err(LxdError::AlreadyRunning) => Ok(()),
            started => started,
        }
    }

    /// Whether a clean stop that LXD answered with a timeout *before* its
    /// timeout ran out still stopped the instance, by `clean_until`.
    ///
    /// Seen under load on LXD 5.0.2: the halt signal reached the instance's
    /// init, which powered off, yet LXD answered "Failed shutting down
    /// instance … shutting down the container failed" within 0.2 s of a
    /// 30 s timeout (liblxc's wait for the STOPPED state ended early). A
    /// restart then left the instance stopped. The agent watches the status
    /// for the rest of the timeout instead of believing the early answer.
    async fn stopped_although_lxd_gave_up(
        &self,
        name: &InstanceName,
        answer: &Result<(), LxdError>,
        clean_until: Instant,
    ) -> bool {
        const POLL: Duration = Duration::from_millis(100);
        if !matches!(answer, Err(LxdError::Timeout(_))) || Instant::now() >= clean_until {
            return false;
        }
        let watch = async {
            loop {
                match self.status(name).await {
                    Ok(ContainerStatus::Stopped) => return true,
                    Ok(_) => tokio::time::sleep(POLL).await,
                    Err(_) => return false,
                }
            }
        };
        tokio::time::timeout_at(clean_until, watch).await.unwrap_or(false)
    }

    /// PUTs `action` to the instance's state and waits for its operation.
    pub(super) async fn change_state(
        &self,
        name: &InstanceName,
        action: &str,
        timeout_s: u32,
        force: bool,
        deadline: Instant,
    ) -> Result<(), LxdError> {
        let body = serde_json::json!({ "action": action, "timeout": timeout_s, "force": force });
        let what = format!("{action} of {name}");
        self.run_operation(Method::PUT, &self.instance_path(name, "/state"), Some(&body), deadline, &what)
            .await
            .map(drop)
    }

    /// The instance's console or `lxc.log`, as text (its last
    /// [`LOG_TAIL_BYTES`] at most).
    ///
    /// The console of a running instance is what it wrote since the last
    /// read (LXD consumes its buffer) and LXD answers 500 when there is
    /// nothing new: that is an empty log, not an error. A stopped instance's
    /// console is its saved console log.
    pub async fn logs(&self, name: &InstanceName, source: LogSource) -> Result<String, LxdError> {
        let path = match source {
            LogSource::Console => self.instance_path(name, "/console"),
            LogSource::Lxc => self.instance_path(name, "/logs/lxc.log"),
        };
        let answer = self.transport().raw_tail(&path, LOG_TAIL_BYTES, self.request_deadline()).await;
        let bytes = match (source, answer) {
            (_, Ok(bytes)) => bytes,
            (LogSource::Console, Err(LxdError::Api { status: 500, message }))
                if message.contains("no such file or directory") =>
            {
                return Ok(String::new());
            }
            (_, Err(error)) => return Err(error),
        };
        Ok(lossy_tail(&bytes, bytes.len() == LOG_TAIL_BYTES))
    }

    /// `/1.0/instances/<name><suffix>?project=…`
    pub(crate) fn instance_path(&self, name: &InstanceName, suffix: &str) -> String {
        self.path(&format!("/1.0/instances/{}{suffix}", encode(name.as_str())), &[])
    }
}

/// Decodes bytes as UTF-8, lossily; when they are a tail cut from a longer
/// text, a character cut in half at the start is dropped.
fn lossy_tail(bytes: &[u8], cut: bool) -> String {
    let start =
        if cut { bytes.iter().take(3).take_while(|byte| (**byte & 0b1100_0000) == 0b1000_0000).count() } else { 0 };
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_cut_inside_a_character_drops_the_half_character() {
        let text = "é and more".as_bytes();
        assert_eq!(lossy_tail(&text[1..], true), " and more");
        assert_eq!(lossy_tail(text, false), "é and more");
    }
}
