//! The `smp-agent` command line: `serve`, `keygen`, `token`, `check`,
//! `fingerprint` (PROTOCOL.md), each a small function over the config.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use smp_proto::Action;
use smp_proto::token::{TokenOrder, body_hash, mint_operation_token};

use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::lxd::LxdClient;
use crate::random::{new_jti, new_secret};
use crate::startup::{Agent, unix_now};
use crate::tls::TlsIdentity;

#[derive(Debug, Parser)]
#[command(name = "smp-agent", version, about = "SMP's per-host agent: single-use tokens in, LXD actions out")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the agent's HTTP(S) API.
    Serve {
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
    /// Print a new secret: 32 random bytes as base64url.
    Keygen,
    /// Print an operation token minted from the config's key, for curl.
    Token {
        #[arg(long)]
        action: Action,
        #[arg(long)]
        container: Option<String>,
        #[arg(long)]
        service: Option<String>,
        /// The exact body the token will be sent with (binds `bh`).
        #[arg(long)]
        body_file: Option<PathBuf>,
        /// Seconds the token lives (default 30, at most max_ttl_s).
        #[arg(long)]
        ttl: Option<i64>,
        /// Who acts, for the agent's log.
        #[arg(long, default_value = "operator")]
        subject: String,
        /// The key to sign with (default: the first configured).
        #[arg(long)]
        key_id: Option<String>,
        /// Mint an admin token (`adm: true`).
        #[arg(long)]
        admin: bool,
        /// Mint a host token (`host: true`, with `adm`): the host tier of
        /// instance configuration (privileged, raw.lxc, …), which the agent
        /// grants only when its config sets host_config = true.
        #[arg(long)]
        host: bool,
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
    /// Say whether the config is valid and LXD answers.
    Check {
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
    /// Print the SHA-256 fingerprint of the agent's TLS certificate (creating it if needed).
    Fingerprint {
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config } => Agent::build(Config::load(&config)?).await?.run_until_stopped().await?,
        Command::Keygen => println!("{}", new_secret()),
        Command::Token { action, container, service, body_file, ttl, subject, key_id, admin, host, config } => {
            let config = Config::load(&config)?;
            let body = body_file
                .map(|path| std::fs::read(&path).with_context(|| format!("cannot read {}", path.display())))
                .transpose()?;
            let request = OfflineToken { action, container, service, body, ttl, subject, key_id, admin, host };
            println!("{}", request.mint(&config, unix_now())?);
        }
        Command::Check { config } => check(&config).await?,
        Command::Fingerprint { config } => {
            let config = Config::load(&config)?;
            if !config.serves_https() {
                eprintln!("note: with this config the agent serves plain HTTP; the certificate is used only with TLS");
            }
            println!("{}", TlsIdentity::load_or_create(&config)?.fingerprint());
        }
    }
    Ok(())
}

/// What `smp-agent token` was asked for.
pub struct OfflineToken {
    pub action: Action,
    pub container: Option<String>,
    pub service: Option<String>,
    pub body: Option<Vec<u8>>,
    pub ttl: Option<i64>,
    pub subject: String,
    pub key_id: Option<String>,
    pub admin: bool,
    pub host: bool,
}

impl OfflineToken {
    pub fn mint(self, config: &Config, now: i64) -> anyhow::Result<String> {
        let keys = config.key_ring();
        let key = match &self.key_id {
            Some(id) => keys.get(id).with_context(|| format!("no key {id:?} in the config"))?,
            None => keys.first().context("no key in the config")?,
        };
        let order = TokenOrder {
            action: self.action,
            container: self.container.as_deref(),
            service: self.service.as_deref(),
            ttl_s: self.ttl,
            subject: &self.subject,
            // A host token is an admin's too: with host_config off it gets the admin tier.
            admin: self.admin || self.host,
            host: self.host,
            uid: None,
            body_hash: self.body.as_deref().map(body_hash),
        };
        let claims = order.claims("smp-agent-cli", &config.machine, config.max_ttl_s, now, new_jti())?;
        Ok(mint_operation_token(key, &claims)?)
    }
}

async fn check(path: &std::path::Path) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    println!(
        "config ok: machine {}, {} key(s), listen {} ({}), max_ttl_s {}",
        config.machine,
        config.keys.len(),
        config.listen,
        if config.serves_https() { "https" } else { "plain http" },
        config.max_ttl_s
    );
    let socket = LxdClient::discover_socket(config.lxd_socket.as_deref()).context("no LXD socket found")?;
    let lxd = LxdClient::new(socket.clone(), config.project.clone());
    let version = lxd.server_version().await.with_context(|| format!("LXD does not answer at {}", socket.display()))?;
    println!("lxd ok: version {version} at {} (project {})", socket.display(), config.project);
    Ok(())
}
