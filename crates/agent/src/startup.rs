//! `Agent::build` turns a `Config` into a bound server (port 0 works, for
//! tests) with its shared `AgentState`; `run_until_stopped` serves it.

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use smp_proto::ErrorCode;
use smp_proto::config_policy::MemberOffer;
use smp_proto::token::KeyRing;

use crate::config::{Config, NetworkConfig};
use crate::error::AgentError;
use crate::health::HealthCheck;
use crate::lxd::LxdClient;
use crate::replay::ReplayGuard;
use crate::routes;
use crate::sessions::SessionLimits;
use crate::tls::TlsIdentity;

/// Token ids and nonces remembered at once; far above what one host sees
/// within a minute, small enough (a few MiB) to never matter.
const REPLAY_CAPACITY: usize = 200_000;

/// What every request handler shares.
pub struct AgentState {
    pub machine: String,
    pub keys: KeyRing,
    pub max_ttl_s: i64,
    /// Unix seconds of the start; tokens must be issued after it.
    pub started_at: i64,
    pub lxd: LxdClient,
    pub tokens_seen: ReplayGuard,
    pub nonces_seen: ReplayGuard,
    pub max_body_bytes: usize,
    pub exec_output_cap_bytes: usize,
    pub member_profiles: Vec<String>,
    /// Empty: members are offered no image.
    pub member_images: Vec<String>,
    /// Whether `host` tokens get the host tier (`config_policy::Tier`).
    pub host_config: bool,
    pub max_stream_s: u64,
    /// Interactive sessions: idle timeout, lifetime, largest frame.
    pub terminal_idle: Duration,
    pub terminal_lifetime: Duration,
    pub max_frame_bytes: usize,
    /// Execs, state reads and interactive sessions running now (`max_sessions`, per container).
    pub sessions: SessionLimits,
    /// LXD's answer for `GET /health`, at most one LXD call per 5 s.
    pub health: HealthCheck,
    /// The networks the network routes may touch (`[[networks]]`).
    pub networks: Vec<NetworkConfig>,
    /// One lock per listed network: address and forward changes of a
    /// network run one at a time (a forward is one LXD object for all).
    pub network_locks: HashMap<String, tokio::sync::Mutex<()>>,
}

impl AgentState {
    /// What member tokens may create with.
    pub fn member_offer(&self) -> MemberOffer<'_> {
        MemberOffer { profiles: &self.member_profiles, images: &self.member_images }
    }

    /// The `[[networks]]` entry of `name` and its lock; 403
    /// `network_not_allowed` for a network the operator did not list.
    pub fn network(&self, name: &str) -> Result<(&NetworkConfig, &tokio::sync::Mutex<()>), AgentError> {
        let config = self.networks.iter().find(|network| network.name == name);
        match (config, self.network_locks.get(name)) {
            (Some(config), Some(lock)) => Ok((config, lock)),
            _ => Err(AgentError::new(
                ErrorCode::NetworkNotAllowed,
                format!("network {name:?} is not one this agent may touch; its operator lists them in [[networks]]"),
            )),
        }
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs() as i64).unwrap_or(0)
}

/// A built agent: listening already, serving once `run_until_stopped` runs.
pub struct Agent {
    server: Server,
    port: u16,
    https: bool,
    fingerprint: Option<String>,
}

impl Agent {
    pub async fn build(config: Config) -> anyhow::Result<Agent> {
        let socket = LxdClient::discover_socket(config.lxd_socket.as_deref())
            .context("no LXD socket found; set lxd_socket in the config")?;
        let lxd = LxdClient::new(socket, config.project.clone())
            .with_request_timeout(Duration::from_secs(config.lxd_timeout_s));
        let https = config.serves_https();
        if config.tls.disabled && !config.listen.ip().is_loopback() {
            tracing::warn!(listen = %config.listen, "tls.disabled: serving plain HTTP on a non-loopback address; put a TLS proxy in front");
        }
        let tls = if https { Some(TlsIdentity::load_or_create(&config)?) } else { None };
        let fingerprint = tls.as_ref().map(TlsIdentity::fingerprint);

        // Tokens must be issued strictly after the start second. Opening the
        // port only once that second is over means a caller who saw the port
        // open never mints a token this agent refuses as predating it.
        let started_at = unix_now();
        let next_second = UNIX_EPOCH + Duration::from_secs((started_at + 1) as u64);
        if let Ok(wait) = next_second.duration_since(SystemTime::now()) {
            tokio::time::sleep(wait).await;
        }

        let state = web::Data::new(AgentState {
            machine: config.machine.clone(),
            keys: config.key_ring(),
            max_ttl_s: config.max_ttl_s,
            started_at,
            lxd,
            tokens_seen: ReplayGuard::new(REPLAY_CAPACITY),
            nonces_seen: ReplayGuard::new(REPLAY_CAPACITY),
            max_body_bytes: config.max_body_bytes,
            exec_output_cap_bytes: config.exec_output_cap_bytes,
            member_profiles: config.member_profiles.clone(),
            member_images: config.member_images.clone(),
            host_config: config.host_config,
            max_stream_s: config.max_stream_s,
            terminal_idle: Duration::from_secs(config.terminal_idle_s),
            terminal_lifetime: Duration::from_secs(config.terminal_lifetime_s),
            max_frame_bytes: config.max_frame_bytes,
            sessions: SessionLimits::new(config.max_sessions, config.max_sessions_per_container),
            health: HealthCheck::default(),
            network_locks: config
                .networks
                .iter()
                .map(|network| (network.name.clone(), tokio::sync::Mutex::new(())))
                .collect(),
            networks: config.networks.clone(),
        });
        let listener =
            TcpListener::bind(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|error, _| {
                    AgentError::new(ErrorCode::InvalidRequest, format!("invalid query: {error}")).into()
                }))
                .wrap(middleware::Logger::new("%a \"%r\" %s %Dms"))
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        // A client's EOF ends its connection at once, dropping whatever its
        // handler holds: the LXD events websocket of a `/events` stream (else
        // kept until a keepalive write fails, up to 30 s later) or an exec's
        // websockets. No HTTP client we serve half-closes after its request.
        .h1_allow_half_closed(false)
        .shutdown_timeout(5);
        let server = match tls {
            Some(identity) => server.listen_rustls_0_23(listener, identity.server_config()?)?,
            None => server.listen(listener)?,
        }
        .run();
        if config.host_config {
            tracing::warn!(
                "host_config = true: head admins' host tokens may set privileged and raw configuration (root on this host)"
            );
        }
        tracing::info!(machine = %config.machine, port, https, project = %config.project, "smp-agent listening");
        Ok(Agent { server, port, https, fingerprint })
    }

    /// Stops the server from elsewhere (tests stop their agents on drop).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn https(&self) -> bool {
        self.https
    }

    /// SHA-256 fingerprint of the certificate served, when serving HTTPS.
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
