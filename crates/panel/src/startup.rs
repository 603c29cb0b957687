//! `Application::build` turns a `Config` into a bound server (port 0 works,
//! for tests) over a migrated database pool; `run_until_stopped` serves it.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use tokio::task::JoinHandle;

use crate::agents::Agents;
use crate::agents::call_limit::CallLimiter;
use crate::api;
use crate::app::Context;
use crate::app::login_limit::LoginLimiter;
use crate::app::networks::ForwardLocks;
use crate::app::terminals::{TerminalLimits, Terminals, rights};
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::domain::secrets::PanelKey;
use crate::error;
use crate::http::anonymous::AnonymousRefusals;
use crate::http::client_addr::client_of_service_request;
use crate::http::origin::PublicOrigin;
use crate::http::{AppState, MAX_JSON_BYTES};
use crate::sync::{Nudge, Supervisor};

/// A built panel: listening already, serving once `run_until_stopped` runs.
pub struct Application {
    server: Server,
    port: u16,
    sync: JoinHandle<()>,
    refusals: Arc<AnonymousRefusals>,
    flusher: JoinHandle<()>,
    /// The SSH gateway's port and task, when `[ssh]` is configured.
    ssh: Option<(u16, JoinHandle<()>)>,
    /// The DNS server's port and task, when `[dns]` is configured.
    dns: Option<crate::dns::Running>,
    /// The periodic check of directory accounts, when `[ldap]` is configured.
    directory_check: Option<JoinHandle<()>>,
}

impl Application {
    /// Connects to and migrates the database, binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let public_url = config.public_url()?;
        let trusted_proxies = config.trusted_proxies()?;
        let listener =
            TcpListener::bind(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
        let bound = listener.local_addr()?;
        let public_origin = PublicOrigin::new(public_url.as_ref(), bound);
        if public_url.is_none() && bound.ip().is_unspecified() {
            tracing::warn!(
                listen = %bound,
                "public_url is not set and the panel listens on every address: set public_url to the address \
                 browsers use, so that Origin checks and Secure cookies follow it"
            );
        }
        let url = config.database_url.expose_secret().to_owned();
        let pool: DbPool =
            web::block(move || db::connect_and_migrate(&url)).await.context("the database setup thread failed")??;
        // What a killed predecessor left in flight is settled by the sync
        // from LXD's state; its pages' jobs that wait for nothing end now.
        let orphaned = db::run(&pool, |connection| {
            Ok::<_, db::DbError>(db::in_flight::orphan_the_dead(connection, true, db::unix_now())?)
        })
        .await?;
        if orphaned > 0 {
            tracing::warn!(
                orphaned,
                "actions a stopped panel left in flight get their outcome from LXD at the next sync"
            );
        }
        let key_file = config.key_file();
        let key = web::block(move || PanelKey::load_or_create(&key_file))
            .await
            .context("the key thread failed")?
            .context("cannot load the panel key")?;
        let agents = Arc::new(Agents::new(pool.clone(), key, config.instance()));
        let sync_nudge = Nudge::default();
        let sync = Supervisor::new(
            agents.clone(),
            config.database_url.clone(),
            Duration::from_secs(config.sync_interval_s),
            &sync_nudge,
        )
        .spawn();
        let directory = match config.ldap.clone() {
            Some(ldap) => Some(Arc::new(crate::app::ldap::Directory::new(ldap).map_err(anyhow::Error::msg)?)),
            None => None,
        };
        let directory_check = directory
            .clone()
            .map(|directory| tokio::spawn(crate::app::ldap::run_directory_check(directory, pool.clone())));
        let oidc = match config.oidc.clone() {
            Some(_) if public_url.is_none() && bound.ip().is_unspecified() => {
                anyhow::bail!(
                    "[oidc] needs public_url: the provider sends browsers back to {{public_url}}{}",
                    crate::app::oidc::CALLBACK_PATH
                )
            }
            Some(oidc) => {
                Some(Arc::new(crate::app::oidc::Provider::new(oidc, public_origin.url()).map_err(anyhow::Error::msg)?))
            }
            None => None,
        };
        let refusals = Arc::new(AnonymousRefusals::new(pool.clone()));
        let flusher = tokio::spawn(refusals.clone().run_flusher());
        let pool = web::Data::new(pool);
        let log_proxies = trusted_proxies.clone();
        let context = Arc::new(Context {
            login_limiter: LoginLimiter::for_login(),
            agents,
            sync_nudge,
            allow_signup: config.allow_signup,
            require_totp_for_admins: config.require_totp_for_admins,
            pending_logins: Default::default(),
            default_quota: config.default_quota,
            default_limits: config.default_limits,
            agent_calls: CallLimiter::new(config.max_agent_calls_per_user),
            terminals: Terminals::new(terminal_limits(&config), rights::watch_audit_log(pool.get_ref().clone())),
            forward_locks: ForwardLocks::default(),
            directory: directory.clone(),
            oidc,
        });
        let ssh = match &config.ssh {
            Some(ssh) => Some(start_ssh(&config, ssh, context.clone(), pool.get_ref().clone(), refusals.clone())?),
            None => None,
        };
        let dns = match &config.dns {
            Some(dns) => {
                let settings = crate::dns::Settings::new(&dns.zone, &dns.ns_name(), dns.ttl_s)?;
                Some(crate::dns::start(dns.listen, settings, pool.get_ref().clone()).await?)
            }
            None => None,
        };
        let state = web::Data::new(AppState {
            app: context,
            secure_cookies: config.secure_cookies(),
            trusted_proxies,
            public_origin,
            refusals: refusals.clone(),
            // The bound port (`listen` may say 0).
            // The configured port, or the bound one for `listen = "…:0"`.
            ssh_listen: config.ssh.as_ref().zip(ssh.as_ref()).map(|(ssh, (port, _, _))| {
                if ssh.listen.port() == 0 { std::net::SocketAddr::new(ssh.listen.ip(), *port) } else { ssh.listen }
            }),
            ssh_host_fingerprint: ssh.as_ref().map(|(_, _, fingerprint)| fingerprint.clone()),
            dns_zone: config.dns.as_ref().map(|dns| dns.zone.trim_end_matches('.').to_ascii_lowercase()),
        });
        let port = bound.port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(pool.clone())
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(MAX_JSON_BYTES))
                .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
                .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
                // The client as the limiter and the audit count it (`client_addr`), then the peer;
                // the path without its query (an OpenID Connect callback's holds its code).
                .wrap(
                    middleware::Logger::new("%{client}xi (peer %a) \"%{request}xi\" %s %Dms")
                        .custom_request_replace("client", {
                            let proxies = log_proxies.clone();
                            move |request| {
                                client_of_service_request(request, &proxies)
                                    .map_or_else(|| "-".to_owned(), |client| client.to_string())
                            }
                        })
                        .custom_request_replace("request", |request| {
                            format!("{} {} {:?}", request.method(), request.path(), request.version())
                        }),
                )
                // Before `api::configure`: its `/api/v1` scope would shadow the docs and WebSocket routes.
                .configure(api::docs::configure)
                .configure(crate::ws::configure)
                .configure(api::configure)
                // Last: its scope takes every path the API did not.
                .configure(crate::web::configure)
                .default_service(web::to(api::not_found))
        })
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        tracing::info!(port, backend = config.backend().as_str(), "smp-panel listening");
        let ssh = ssh.map(|(port, task, _)| (port, task));
        Ok(Application { server, port, sync, refusals, flusher, ssh, dns, directory_check })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The SSH gateway's bound port, when `[ssh]` is configured.
    pub fn ssh_port(&self) -> Option<u16> {
        self.ssh.as_ref().map(|(port, _)| *port)
    }

    /// The DNS server's bound port (UDP and TCP), when `[dns]` is configured.
    pub fn dns_port(&self) -> Option<u16> {
        self.dns.as_ref().map(|dns| dns.port)
    }

    /// Stops the server from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The audit rows of anonymous refusals (tests flush them).
    pub fn refusals(&self) -> Arc<AnonymousRefusals> {
        self.refusals.clone()
    }

    /// Serves until stopped; the sync stops with the server, and the counts
    /// of anonymous refusals not yet written are written.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.sync.abort();
        self.flusher.abort();
        if let Some(check) = &self.directory_check {
            check.abort();
        }
        if let Some((_, gateway)) = &self.ssh {
            gateway.abort();
        }
        if let Some(dns) = &self.dns {
            dns.task.abort();
        }
        // Logged inside when it fails; the server's own outcome is the answer.
        let _ = self.refusals.flush_now().await;
        result
    }
}

/// The SSH host key's file: beside the panel key (`smp-panel.ssh_host_ed25519_key`).
pub fn ssh_host_key_file(config: &Config) -> std::path::PathBuf {
    config.key_file().with_file_name("smp-panel.ssh_host_ed25519_key")
}

/// Binds `listen` and starts the SSH gateway with the host key beside the
/// database (made the first time); its fingerprint is logged.
fn start_ssh(
    config: &Config,
    ssh: &crate::config::SshConfig,
    context: Arc<Context>,
    pool: DbPool,
    refusals: Arc<AnonymousRefusals>,
) -> anyhow::Result<(u16, JoinHandle<()>, String)> {
    let path = ssh_host_key_file(config);
    let key = crate::ssh::host_key(&path).map_err(anyhow::Error::msg)?;
    let listen = ssh.listen;
    let listener = TcpListener::bind(listen).with_context(|| format!("cannot listen for SSH on {listen}"))?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let fingerprint = crate::ssh::fingerprint(&key);
    tracing::info!(port, %fingerprint, host_key = %path.display(), "smp-panel SSH gateway listening");
    Ok((
        port,
        crate::ssh::Gateway::new(context, pool, refusals, Duration::from_secs(ssh.stall_timeout_s))
            .spawn(listener, key),
        fingerprint,
    ))
}

/// The limits of terminal sessions, from the configuration.
fn terminal_limits(config: &Config) -> TerminalLimits {
    TerminalLimits {
        ticket_ttl: Duration::from_secs(config.terminal_ticket_ttl_s),
        grace: Duration::from_secs(config.terminal_grace_s),
        lifetime: Duration::from_secs(config.terminal_lifetime_s),
        per_user: config.max_terminals_per_user,
        participants: config.max_terminal_participants,
    }
}
