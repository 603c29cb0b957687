//! The `smp-panel` command line (PANEL.md): `serve`, `migrate`, `check`,
//! `user create`, `machine …`, `container list`, `backup`, `restore`;
//! `--config` and `--database-url` work on every subcommand.

pub mod backup;
pub mod containers;
pub mod machines;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use secrecy::ExposeSecret as _;

use crate::config::Config;
use crate::db::{self, users};
use crate::domain::password::Password;
use crate::domain::roles::Role;
use crate::domain::username::Username;

/// The exit code of a subcommand that is not built yet.
pub const EXIT_NOT_IMPLEMENTED: u8 = 2;

#[derive(Debug, Parser)]
#[command(name = "smp-panel", version, about = "SMP's panel: accounts, roles, machines, containers, audit")]
pub struct Cli {
    /// TOML config file (optional; SMP_PANEL_… variables override it).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB; overrides the
    /// config file and SMP_PANEL_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the JSON API (migrates the database first).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Say what is wrong with the config, one line each (exit 1), or one
    /// line "ok …" (exit 0): it parses, the database answers, the key file
    /// is there, private and 32 bytes. Changes nothing.
    Check,
    /// Manage accounts without the web UI.
    #[command(subcommand)]
    User(UserCommand),
    /// Register and list the agents the panel talks to.
    #[command(subcommand)]
    Machine(machines::MachineCommand),
    /// Read the containers the panel knows.
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Write a consistent backup of the database to one file while the panel
    /// runs (never the panel key: keep key_file separately).
    Backup(backup::BackupArgs),
    /// Restore a backup into the database (an empty one, or any with --force);
    /// an older backup is migrated.
    Restore(backup::RestoreArgs),
}

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Every container, a page at a time (tab-separated, by id).
    List(containers::ListContainers),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an approved account; prints a generated password unless
    /// --password-stdin is given.
    Create(CreateUser),
}

#[derive(Debug, Args)]
pub struct CreateUser {
    #[arg(long)]
    pub username: String,
    /// head_admin, admin or member.
    #[arg(long)]
    pub role: String,
    /// Read the password from the first line of standard input (at least 12 characters).
    #[arg(long)]
    pub password_stdin: bool,
}

/// What `main` turns into the exit code.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    NotImplemented,
    /// A check found problems (each already printed): exit 1.
    Failed,
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let config = Config::load(cli.config.as_deref(), cli.database_url.as_deref())?;
    match cli.command {
        Command::Serve => serve(config)?,
        Command::Migrate => migrate(&config)?,
        Command::Check => return Ok(check(&config, cli.config.as_deref())),
        Command::User(UserCommand::Create(request)) => create_user(&config, request)?,
        Command::Machine(command) => machines::run(&config, command)?,
        Command::Container(ContainerCommand::List(request)) => containers::list(&config, request)?,
        Command::Backup(request) => backup::backup(&config, request)?,
        Command::Restore(request) => backup::restore(&config, request)?,
    }
    Ok(Outcome::Done)
}

/// Logs to standard error (`RUST_LOG` filters; `info` by default), migrates,
/// and serves until stopped.
fn serve(config: Config) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let application = crate::startup::Application::build(config).await?;
        let stopping = crate::notify::stopping_on_signal();
        crate::notify::ready();
        let served = application.run_until_stopped().await;
        stopping.abort();
        crate::notify::stopping();
        served.context("the server stopped with an error")
    })
}

pub(crate) fn connect(config: &Config) -> anyhow::Result<db::DbConnection> {
    let mut connection = db::establish(config.database_url.expose_secret())?;
    db::run_migrations(&mut connection)?;
    Ok(connection)
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let mut connection = db::establish(config.database_url.expose_secret())?;
    let applied = db::run_migrations(&mut connection)?;
    println!("{} database migrated: {applied} migration(s) applied", config.backend().as_str());
    Ok(())
}

/// `smp-panel check`: the config has parsed already (else `run` failed with
/// its one line); the database and the key file are tried, read only.
fn check(config: &Config, path: Option<&std::path::Path>) -> Outcome {
    let mut problems = Vec::new();
    let database = match check_database(config) {
        Ok(state) => state,
        Err(problem) => {
            problems.push(problem);
            String::new()
        }
    };
    let key_file = config.key_file();
    let key = if !key_file.exists() {
        problems.push(format!(
            "key file {} does not exist: `serve` creates it on first start; if machines were added before, restore it from your backup",
            key_file.display()
        ));
        String::new()
    } else {
        match crate::domain::secrets::PanelKey::load(&key_file) {
            Ok(_) => format!("key file {} ok", key_file.display()),
            Err(error) => {
                problems.push(format!("key file: {error}"));
                String::new()
            }
        }
    };
    if problems.is_empty() {
        let source = path.map_or_else(|| "defaults and environment".to_owned(), |path| path.display().to_string());
        println!("ok: config {source}, listen {}, {database}, {key}", config.listen);
        Outcome::Done
    } else {
        for problem in problems {
            // One line each, whatever the driver's message held.
            eprintln!("smp-panel check: {}", problem.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        Outcome::Failed
    }
}

/// What the database says, or what is wrong with it, in one line.
fn check_database(config: &Config) -> Result<String, String> {
    let url = config.database_url.expose_secret();
    let backend = config.backend();
    if let Ok((db::Backend::Sqlite, file)) = db::Backend::from_url(url) {
        let file = std::path::Path::new(file);
        if !file.exists() {
            let directory =
                file.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            return if directory.is_dir() {
                Ok(format!("SQLite database {} not created yet (serve or migrate creates it)", file.display()))
            } else {
                Err(format!("database: the directory {} of the SQLite file does not exist", directory.display()))
            };
        }
    }
    let mut connection = db::establish(url).map_err(|error| format!("database: {error}"))?;
    let pending = db::pending_migrations(&mut connection).map_err(|error| format!("database: {error}"))?;
    Ok(format!("{} database answers ({pending} migration(s) pending)", backend.as_str()))
}

fn create_user(config: &Config, request: CreateUser) -> anyhow::Result<()> {
    // Check everything the user typed before touching the database.
    let username = Username::parse(&request.username).with_context(|| format!("--username {:?}", request.username))?;
    let role: Role = request.role.parse().context("--role")?;
    let (password, generated) = if request.password_stdin {
        (read_password_line(std::io::stdin().lock())?, false)
    } else {
        (Password::generate(), true)
    };
    let password_hash = password.hash()?;

    let mut connection = connect(config)?;
    let new = users::NewUser { username: &username, password_hash: &password_hash, role, approved: true };
    let user = users::create(&mut connection, &new)?;
    println!("created user {} (id {}, role {}, approved)", user.username, user.id, user.role);
    if generated {
        println!("password: {}", password.expose());
    }
    Ok(())
}

/// The first line of `input` without its line ending, as a valid password.
pub fn read_password_line(mut input: impl std::io::BufRead) -> anyhow::Result<Password> {
    let mut line = String::new();
    let read = input.read_line(&mut line).context("cannot read the password from standard input")?;
    anyhow::ensure!(read > 0, "--password-stdin: standard input is empty; pipe the password in, one line");
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Password::parse(trimmed.to_owned()).context("--password-stdin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_line_loses_its_line_ending_and_nothing_else() {
        let password = read_password_line(&b"  a passphrase  \r\nsecond line\n"[..]).unwrap();
        assert_eq!(password.expose(), "  a passphrase  ");
        assert_eq!(read_password_line(&b"no newline at all"[..]).unwrap().expose(), "no newline at all");
    }

    #[test]
    fn an_empty_or_short_password_line_is_refused_clearly() {
        let error = format!("{:#}", read_password_line(&b""[..]).unwrap_err());
        assert!(error.contains("standard input is empty"), "{error}");
        let error = format!("{:#}", read_password_line(&b"short\n"[..]).unwrap_err());
        assert!(error.contains("at least 12 characters"), "{error}");
    }

    #[test]
    fn database_url_is_accepted_before_and_after_the_subcommand() {
        let cli = Cli::try_parse_from(["smp-panel", "--database-url", "sqlite://a.db", "migrate"]).unwrap();
        assert_eq!(cli.database_url.as_deref(), Some("sqlite://a.db"));
        let cli = Cli::try_parse_from([
            "smp-panel",
            "user",
            "create",
            "--username",
            "a",
            "--role",
            "admin",
            "--database-url",
            "sqlite://b.db",
        ])
        .unwrap();
        assert_eq!(cli.database_url.as_deref(), Some("sqlite://b.db"));
    }
}
