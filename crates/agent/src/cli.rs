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
        /// The snapshot of snapshot.create (the body's name), .restore and .delete.
        #[arg(long)]
        snapshot: Option<String>,
        /// The exact body the token will be sent with (binds `bh`).
        #[arg(long, conflicts_with = "query")]
        body_file: Option<PathBuf>,
        /// The exact query string (URL-encoded, without the `?`) of the
        /// interactive route the token will open (binds `bh`; required by
        /// exec.stream and tunnel).
        #[arg(long)]
        query: Option<String>,
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
        Command::Serve { config } => {
            let agent = Agent::build(Config::load(&config)?).await?;
            let stopping = crate::notify::stopping_on_signal();
            crate::notify::ready();
            let served = agent.run_until_stopped().await;
            stopping.abort();
            crate::notify::stopping();
            served?
        }
        Command::Keygen => println!("{}", new_secret()),
        Command::Token {
            action,
            container,
            service,
            snapshot,
            body_file,
            query,
            ttl,
            subject,
            key_id,
            admin,
            host,
            config,
        } => {
            let config = Config::load(&config)?;
            let body = body_file
                .map(|path| std::fs::read(&path).with_context(|| format!("cannot read {}", path.display())))
                .transpose()?;
            // An interactive route's `bh` is the hash of its query's bytes.
            let body = body.or(query.map(String::into_bytes));
            let request =
                OfflineToken { action, container, service, snapshot, body, ttl, subject, key_id, admin, host };
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
    pub snapshot: Option<String>,
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
            snapshot: self.snapshot.as_deref(),
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

/// `smp-agent check`: one line "ok: …" (the config, LXD, each listed
/// network), or the first problem as the error (`main` prints it, one line,
/// and exits 1). Changes nothing.
async fn check(path: &std::path::Path) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    let mut parts = vec![format!(
        "machine {}, {} key(s), listen {} ({}), max_ttl_s {}",
        config.machine,
        config.keys.len(),
        config.listen,
        if config.serves_https() { "https" } else { "plain http" },
        config.max_ttl_s
    )];
    let socket = LxdClient::discover_socket(config.lxd_socket.as_deref()).context("no LXD socket found")?;
    let lxd = LxdClient::new(socket.clone(), config.project.clone());
    let version = lxd.server_version().await.with_context(|| format!("LXD does not answer at {}", socket.display()))?;
    parts.push(format!("lxd {version} at {} (project {})", socket.display(), config.project));
    for listed in &config.networks {
        let Some(network) =
            lxd.network(&listed.name).await.with_context(|| format!("reading network {}", listed.name))?
        else {
            anyhow::bail!(
                "[[networks]] {:?}: LXD has no such network (in project {}); `lxc network list` shows those it has",
                listed.name,
                config.project
            );
        };
        let ipv6 = match network.ipv6 {
            Some(net) if network.ipv6_stateful => format!("{} (static IPv6 addresses possible)", net.trunc()),
            Some(net) => format!("{} (no static IPv6: set ipv6.dhcp.stateful=true)", net.trunc()),
            None => "no IPv6".to_owned(),
        };
        let forwards = match listed.forwards() {
            Some((address, ports)) => format!("forwards on {address} ports {ports}"),
            None => "no forwards".to_owned(),
        };
        let ipv4 = network.ipv4.map_or("no IPv4".to_owned(), |net| net.trunc().to_string());
        parts.push(format!("network {}: {ipv4}, {ipv6}, {forwards}, public {}", listed.name, listed.public));
    }
    println!("ok: {}", parts.join("; "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use smp_proto::token::{KeyRing, SharedKey};

    #[test]
    fn token_query_binds_bh_to_the_query_and_excludes_a_body_file() {
        let cli = Cli::try_parse_from([
            "smp-agent",
            "token",
            "--action",
            "tunnel",
            "--container",
            "c1",
            "--query",
            "port=22",
        ])
        .unwrap();
        let Command::Token { query, body_file, .. } = cli.command else { panic!("not the token command") };
        assert_eq!((query.as_deref(), body_file), (Some("port=22"), None));
        let both = ["smp-agent", "token", "--action", "tunnel", "--query", "port=22", "--body-file", "b.json"];
        assert!(Cli::try_parse_from(both).is_err(), "a token binds a body or a query, not both");
    }

    #[test]
    fn an_offline_token_for_a_query_carries_its_hash_as_bh() {
        let secret = "an-agent-secret-of-at-least-32-chars!!";
        let config =
            Config::from_toml(&format!("machine = \"alita\"\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"")).unwrap();
        let token = OfflineToken {
            action: Action::Tunnel,
            container: Some("c1".to_owned()),
            service: None,
            snapshot: None,
            body: Some(b"port=22".to_vec()),
            ttl: None,
            subject: "ops".to_owned(),
            key_id: None,
            admin: false,
            host: false,
        }
        .mint(&config, unix_now())
        .unwrap();
        let keys = KeyRing::new(vec![SharedKey::new("k1", secret)]);
        let expect = smp_proto::token::Expectations {
            audience: "alita",
            max_ttl_s: 60,
            agent_started_at: 0,
            action: Action::Tunnel,
            container: Some("c1"),
            service: None,
            snapshot: None,
        };
        let claims = smp_proto::token::verify_operation_token(&token, &keys, &expect, unix_now()).unwrap();
        assert!(smp_proto::token::check_query_hash(&claims, "port=22").is_ok());
        assert!(smp_proto::token::check_query_hash(&claims, "port=23").is_err());
    }
}
