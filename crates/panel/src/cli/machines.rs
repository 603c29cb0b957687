//! `smp-panel machine add`, `machine list` and `machine rotate-key`
//! (PANEL.md): register an agent from the shell, its secret sealed with the
//! panel key, and change its key without downtime (`app::machines::rotate_key`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret as _, SecretString};
use smp_proto::names::InstanceName;

use crate::agents::pinning::{self, Fingerprint};
use crate::agents::url::{AgentUrl, KeyId, MIN_SECRET_CHARS};
use crate::config::Config;
use crate::db::{self, machines};
use crate::domain::secrets::PanelKey;

#[derive(Debug, Subcommand)]
pub enum MachineCommand {
    /// Register an agent: its URL, key id and shared secret, and for https://
    /// the SHA-256 fingerprint of its certificate.
    Add(AddMachine),
    /// List the registered machines (never their secrets).
    List,
    /// Switch a machine to another of its agent's keys: the agent must
    /// already have the new key in its [[keys]]; the panel checks that the
    /// agent accepts it before using it.
    RotateKey(RotateKey),
}

#[derive(Debug, Args)]
pub struct RotateKey {
    /// The machine's name, as `machine list` shows it.
    #[arg(long)]
    pub name: String,
    /// The id of the new key in the agent's config.
    #[arg(long)]
    pub key_id: String,
    /// A file holding the new key's secret (at least 32 characters; a trailing newline is ignored).
    #[arg(long)]
    pub secret_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct AddMachine {
    /// The machine's name (1-63 letters, digits and '-', starting with a letter).
    #[arg(long)]
    pub name: String,
    /// The agent's base URL: https://HOST:PORT, or http:// for a loopback host only.
    #[arg(long)]
    pub url: String,
    /// The id of the shared key in the agent's config.
    #[arg(long)]
    pub key_id: String,
    /// A file holding the shared secret (at least 32 characters; a trailing newline is ignored).
    #[arg(long)]
    pub secret_file: PathBuf,
    /// The SHA-256 fingerprint of the agent's certificate (`smp-agent fingerprint` prints it).
    #[arg(long)]
    pub fingerprint: Option<String>,
    /// Fetch the agent's certificate now, print its fingerprint and pin it
    /// (compare it with `smp-agent fingerprint` on the machine).
    #[arg(long)]
    pub trust_on_first_use: bool,
}

pub fn run(config: &Config, command: MachineCommand) -> anyhow::Result<()> {
    match command {
        MachineCommand::Add(request) => add(config, request),
        MachineCommand::List => list(config),
        MachineCommand::RotateKey(request) => rotate_key(config, request),
    }
}

/// The URL as the command line says it was wrong (`--url …`).
fn flagged_url(text: &str) -> anyhow::Result<AgentUrl> {
    AgentUrl::parse(text).map_err(|error| anyhow::anyhow!("--url {error}"))
}

/// The key id as the command line says it was wrong (`--key-id …`).
fn flagged_key_id(text: &str) -> anyhow::Result<KeyId> {
    KeyId::parse(text).map_err(|error| anyhow::anyhow!("--key-id {error}"))
}

/// The secret in `path`, trailing line ending removed, at least 32 characters.
pub fn read_secret_file(path: &Path) -> anyhow::Result<SecretString> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--secret-file: cannot read {} as UTF-8 text", path.display()))?;
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    let chars = trimmed.chars().count();
    anyhow::ensure!(
        chars >= MIN_SECRET_CHARS,
        "--secret-file {}: the secret has {chars} characters; it needs at least {MIN_SECRET_CHARS} (e.g. `openssl rand -hex 32`)",
        path.display()
    );
    Ok(SecretString::from(trimmed.to_owned()))
}

fn add(config: &Config, request: AddMachine) -> anyhow::Result<()> {
    // Check everything the user typed before touching the key or the database.
    let name = InstanceName::parse(&request.name).with_context(|| format!("--name {:?}", request.name))?;
    let url = flagged_url(&request.url)?;
    let key_id = flagged_key_id(&request.key_id)?;
    let secret = read_secret_file(&request.secret_file)?;
    let fingerprint = match (url.https, request.fingerprint.as_deref(), request.trust_on_first_use) {
        (false, None, false) => None,
        (false, _, _) => anyhow::bail!("--fingerprint and --trust-on-first-use apply only to https:// URLs"),
        (true, Some(_), true) => anyhow::bail!("give either --fingerprint or --trust-on-first-use, not both"),
        (true, Some(text), false) => Some(Fingerprint::parse(text).context("--fingerprint")?),
        (true, None, true) => {
            let fetched = pinning::fetch_fingerprint(&url.host, url.port)
                .with_context(|| format!("--trust-on-first-use: cannot fetch the certificate of {}", request.url))?;
            println!("the agent at {} presented a certificate with SHA-256 fingerprint", request.url);
            println!("  {fetched}");
            println!("compare it with `smp-agent fingerprint` on the machine; it is now pinned");
            Some(fetched)
        }
        (true, None, false) => anyhow::bail!(
            "an https:// agent needs --fingerprint SHA256 (run `smp-agent fingerprint --config …` on the machine) or --trust-on-first-use"
        ),
    };

    let base_url = url.base();
    let client = crate::agents::AgentClient::new(
        name.as_str(),
        &base_url,
        smp_proto::token::SharedKey::new(key_id.as_str(), secret.expose_secret()),
        fingerprint,
        &config.instance(),
    )?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(client.confirm_identity())?;

    let key_file = config.key_file();
    let key = PanelKey::load_or_create(&key_file)?;
    let sealed = key.seal(name.as_str(), &secret)?;
    let fingerprint_text = fingerprint.map(|fingerprint| fingerprint.to_string());
    let mut connection = super::connect(config)?;
    let new = machines::NewMachine {
        name: &name,
        url: &base_url,
        key_id: key_id.as_str(),
        secret: &sealed,
        fingerprint: fingerprint_text.as_deref(),
    };
    let machine = machines::insert(&mut connection, &new)?;
    println!(
        "added machine {} (id {}, {}, key id {}, fingerprint {}); its secret is encrypted with the panel key {}",
        machine.name,
        machine.id,
        machine.url,
        machine.key_id,
        machine.fingerprint.as_deref().unwrap_or("none: plain http on loopback"),
        key_file.display()
    );
    Ok(())
}

fn rotate_key(config: &Config, request: RotateKey) -> anyhow::Result<()> {
    // Check everything the user typed before touching the key or the database.
    let name = InstanceName::parse(&request.name).with_context(|| format!("--name {:?}", request.name))?;
    let key_id = flagged_key_id(&request.key_id)?;
    let secret = read_secret_file(&request.secret_file)?;

    let key = PanelKey::load_or_create(&config.key_file())?;
    let pool = db::connect_and_migrate(config.database_url.expose_secret())?;
    let machine = machines::find_by_name(&mut *pool.get()?, &name)?
        .with_context(|| format!("--name {:?}: no such machine; `smp-panel machine list` shows them", request.name))?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let instance = config.instance();
    let rotated = runtime.block_on(crate::app::machines::rotate_key(
        &pool,
        &key,
        &instance,
        machine.id,
        key_id.as_str(),
        secret,
    ))?;
    if rotated.key_id == machine.key_id {
        println!(
            "machine {} (id {}) now uses the new secret of key {}; the agent accepted it",
            rotated.name, rotated.id, rotated.key_id
        );
    } else {
        println!(
            "machine {} (id {}) now uses key {}; the agent accepted it. You can now remove the old key {} from the agent's config ([[keys]]) and restart the agent",
            rotated.name, rotated.id, rotated.key_id, machine.key_id
        );
    }
    Ok(())
}

fn list(config: &Config) -> anyhow::Result<()> {
    let mut connection = super::connect(config)?;
    let all = machines::list(&mut connection)?;
    if all.is_empty() {
        println!("no machines; add one with `smp-panel machine add`");
        return Ok(());
    }
    println!("ID\tNAME\tURL\tKEY_ID\tSTATUS\tLAST_SYNC_AT\tFINGERPRINT");
    for machine in all {
        let key_id = match machine.next_key_id() {
            Some(next) => format!("{} (next: {next})", machine.key_id),
            None => machine.key_id.clone(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            machine.id,
            machine.name,
            machine.url,
            key_id,
            machine.status,
            machine.last_sync_at.map_or_else(|| "never".to_owned(), |at| at.to_string()),
            machine.fingerprint.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_file_loses_its_trailing_newline_and_must_be_long() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, format!("{}\r\n", "x".repeat(32))).unwrap();
        assert_eq!(read_secret_file(&path).unwrap().expose_secret(), "x".repeat(32));
        std::fs::write(&path, format!("{}\n", "x".repeat(31))).unwrap();
        let error = format!("{:#}", read_secret_file(&path).unwrap_err());
        assert!(error.contains("31 characters") && error.contains("at least 32"), "{error}");
        assert!(read_secret_file(&dir.path().join("missing")).is_err());
    }
}
