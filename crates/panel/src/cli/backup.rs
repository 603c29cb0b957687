//! `smp-panel backup` and `smp-panel restore` (issue 20; docs/operations.md).
//!
//! A backup is one file, a tar holding `manifest.json` first (format and
//! schema version, time, backend, the panel's version, the data's size and
//! SHA-256) and then the data: `data.sqlite3`, a consistent copy made by
//! SQLite's `VACUUM INTO` while the panel runs, or `data.pgdump`, what
//! `pg_dump --format=custom` writes (one snapshot). It is written under a
//! temporary name next to its destination, mode 600, then renamed.
//!
//! The panel key (`key_file`) is never in it: machine secrets in the
//! database are encrypted with that key, which is kept separately.
//!
//! A restore checks the manifest (the backend, a schema this binary knows),
//! refuses a database with rows unless `--force`, checks the data against
//! its size and hash, and replaces the database as a whole or not at all:
//! SQLite through a migrated temporary file renamed over the target;
//! PostgreSQL by `psql --single-transaction` running the drop of the
//! schema's tables followed by `pg_restore`'s script. A backup older than
//! this binary is migrated as part of the restore.

use std::fs::File;
use std::io::{BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use diesel::RunQueryDsl as _;
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::config::Config;
use crate::db::{self, Backend};
use crate::domain::moment;

/// The `format` of every manifest.
pub const FORMAT: &str = "smp-panel-backup";
/// Bumped when the file's layout changes; a restore refuses others.
pub const FORMAT_VERSION: u32 = 1;
/// The first member of the tar.
pub const MANIFEST: &str = "manifest.json";
const SQLITE_DATA: &str = "data.sqlite3";
const POSTGRESQL_DATA: &str = "data.pgdump";
/// What `--to-dir` names backups: `smp-panel-backup-20261206T083000Z.tar`.
const DIR_PREFIX: &str = "smp-panel-backup-";
const DIR_SUFFIX: &str = ".tar";
/// A manifest is a few hundred bytes; more is not a manifest.
const MANIFEST_MAX_BYTES: u64 = 64 * 1024;
/// What every manifest says about the key.
pub const KEY_NOTE: &str = "The panel key file (key_file) is not in this backup. Machine secrets in the database \
     are encrypted with it: a panel restored without it cannot talk to its agents. Keep a copy of the key file \
     separately from the backups (docs/operations.md).";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["to", "to_dir"])))]
pub struct BackupArgs {
    /// Write the backup to FILE (under a temporary name first, then renamed; mode 600).
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Write the backup into DIR as smp-panel-backup-<UTC time>.tar (what the nightly timer does).
    #[arg(long, value_name = "DIR")]
    pub to_dir: Option<PathBuf>,
    /// With --to-dir: keep the N newest smp-panel-backup-*.tar files in DIR, delete the older ones.
    #[arg(long, value_name = "N", conflicts_with = "to", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file `smp-panel backup` wrote.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Replace a database that has rows (everything in it is lost).
    #[arg(long)]
    pub force: bool,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The version of the last migration applied to the backed-up database.
    pub schema_version: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub created_unix: i64,
    /// `sqlite` or `postgresql`.
    pub backend: String,
    /// The version of the `smp-panel` that wrote it.
    pub panel_version: String,
    /// The tar member holding the data, and its size and SHA-256 (hex).
    pub data: String,
    pub data_bytes: u64,
    pub data_sha256: String,
    /// Always false: see `key_note`.
    pub key_file_included: bool,
    pub key_note: String,
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgresql => "postgresql",
    }
}

/// `smp-panel backup`.
pub fn backup(config: &Config, args: BackupArgs) -> anyhow::Result<()> {
    let url = config.database_url.expose_secret();
    let (backend, target) = Backend::from_url(url)?;
    let now = db::unix_now();
    let destination = match (&args.to, &args.to_dir) {
        (Some(_), _) if args.keep.is_some() => bail!("--keep goes with --to-dir DIR, not --to FILE"),
        (Some(file), _) => file.clone(),
        (None, Some(dir)) => {
            anyhow::ensure!(dir.is_dir(), "--to-dir {}: no such directory", dir.display());
            dir.join(format!("{DIR_PREFIX}{}{DIR_SUFFIX}", moment::compact(now)))
        }
        (None, None) => bail!("give --to FILE or --to-dir DIR"),
    };
    let parent = parent_of(&destination);
    // The data is made next to the destination: same file system, and a
    // writable place under systemd's ProtectSystem=strict.
    let work = tempfile::Builder::new()
        .prefix(".smp-panel-backup-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write into {}", parent.display()))?;
    let (data_name, data_path, schema_version) = match backend {
        Backend::Sqlite => {
            let path = work.path().join(SQLITE_DATA);
            let version = dump_sqlite(url, target, &path)?;
            (SQLITE_DATA, path, version)
        }
        Backend::Postgresql => {
            let path = work.path().join(POSTGRESQL_DATA);
            let version = dump_postgresql(url, &path)?;
            (POSTGRESQL_DATA, path, version)
        }
    };
    let (data_bytes, data_sha256) = hash_file(&data_path)?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        schema_version,
        created_at: moment::rfc3339(now),
        created_unix: now,
        backend: backend_name(backend).to_owned(),
        panel_version: env!("CARGO_PKG_VERSION").to_owned(),
        data: data_name.to_owned(),
        data_bytes,
        data_sha256,
        key_file_included: false,
        key_note: KEY_NOTE.to_owned(),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".smp-panel-backup-")
        .suffix(".partial")
        .tempfile_in(&parent)
        .with_context(|| format!("cannot write into {}", parent.display()))?;
    write_archive(file.as_file_mut(), &manifest, &data_path)
        .with_context(|| format!("cannot write the backup into {}", parent.display()))?;
    file.as_file().sync_all().context("cannot flush the backup to disk")?;
    file.persist(&destination)
        .map_err(|error| anyhow!("cannot rename the backup to {}: {}", destination.display(), error.error))?;
    sync_dir(&parent);
    drop(work);
    println!(
        "backup of the {} database (schema {}, {} bytes of data) written to {}",
        backend.as_str(),
        manifest.schema_version,
        manifest.data_bytes,
        destination.display()
    );
    println!("the panel key is not in it: keep {} separately", config.key_file().display());
    if let (Some(dir), Some(keep)) = (&args.to_dir, args.keep) {
        for removed in prune(dir, keep as usize)? {
            println!("removed the older backup {}", removed.display());
        }
    }
    Ok(())
}

/// `VACUUM INTO` a fresh file: one read transaction, so a consistent copy
/// while the panel writes. The copy gets rollback journaling (one
/// self-contained file); its last migration is the schema version.
fn dump_sqlite(url: &str, target: &str, out: &Path) -> anyhow::Result<String> {
    anyhow::ensure!(Path::new(target).is_file(), "no SQLite database at {target}");
    let mut connection = db::establish(url)?;
    let db::DbConnection::Sqlite(inner) = &mut connection else { bail!("not a SQLite connection") };
    let out_text = out.to_str().ok_or_else(|| anyhow!("the backup's directory is not UTF-8: {}", out.display()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(out_text)
        .execute(inner)
        .context("SQLite could not copy the database (VACUUM INTO)")?;
    drop(connection);
    let mut copy = db::establish(&format!("sqlite://{out_text}"))?;
    let version = db::latest_applied_version(&mut copy)
        .context("the database has no migrations table: is it a panel's database?")?
        .ok_or_else(|| anyhow!("the database has no migration applied: nothing to back up"))?;
    let db::DbConnection::Sqlite(inner) = &mut copy else { bail!("not a SQLite connection") };
    diesel::sql_query("PRAGMA journal_mode = DELETE").execute(inner).context("cannot finish the SQLite copy")?;
    Ok(version)
}

/// `pg_dump --format=custom` of the database: one snapshot.
fn dump_postgresql(url: &str, out: &Path) -> anyhow::Result<String> {
    let pg_dump = find_tool("pg_dump")?;
    let version = {
        let mut connection = db::establish(url)?;
        db::latest_applied_version(&mut connection)
            .context("the database has no migrations table: is it a panel's database?")?
            .ok_or_else(|| anyhow!("the database has no migration applied: nothing to back up"))?
    };
    let target = PgTarget::parse(url)?;
    let mut command = Command::new(&pg_dump);
    command.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(out);
    let output = target.run(command, "pg_dump")?;
    if !output.status.success() {
        bail!("pg_dump failed ({}): {}", output.status, one_line(&output.stderr));
    }
    Ok(version)
}

/// The tar: the manifest, then the data, each mode 600.
fn write_archive(file: &mut File, manifest: &Manifest, data: &Path) -> anyhow::Result<()> {
    let mut builder = tar::Builder::new(std::io::BufWriter::new(file));
    let json = serde_json::to_vec_pretty(manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(manifest.created_unix.max(0) as u64);
    builder.append_data(&mut header, MANIFEST, json.as_slice())?;
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.data_bytes);
    header.set_mode(0o600);
    header.set_mtime(manifest.created_unix.max(0) as u64);
    builder.append_data(&mut header, &manifest.data, File::open(data)?)?;
    builder.into_inner()?.flush()?;
    Ok(())
}

fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// Deletes all but the `keep` newest `smp-panel-backup-<time>.tar` in `dir`
/// (their names sort by time); nothing else in it is touched.
fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let mut ours: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| is_dir_backup_name(name))
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for name in ours.into_iter().take(excess) {
        let path = dir.join(name);
        std::fs::remove_file(&path).with_context(|| format!("cannot remove the older backup {}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

/// `smp-panel-backup-YYYYMMDDTHHMMSSZ.tar` exactly.
fn is_dir_backup_name(name: &str) -> bool {
    let Some(time) = name.strip_prefix(DIR_PREFIX).and_then(|rest| rest.strip_suffix(DIR_SUFFIX)) else {
        return false;
    };
    let bytes = time.as_bytes();
    bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8].iter().chain(&bytes[9..15]).all(u8::is_ascii_digit)
}

/// `smp-panel restore`.
pub fn restore(config: &Config, args: RestoreArgs) -> anyhow::Result<()> {
    let url = config.database_url.expose_secret();
    let (backend, target) = Backend::from_url(url)?;
    let from = &args.from;
    let file = File::open(from).with_context(|| format!("cannot open the backup {}", from.display()))?;
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut entries = archive.entries().with_context(|| corrupt(from))?;
    let manifest = read_manifest(&mut entries).with_context(|| corrupt(from))?;
    check_manifest(&manifest, backend, from)?;

    // Nothing is written before the target is known to be empty (or --force).
    let found = match backend {
        Backend::Sqlite if !Path::new(target).exists() => Vec::new(),
        _ => {
            let mut connection = db::establish(url)?;
            db::tables_with_rows(&mut connection).context("cannot read what the target database holds")?
        }
    };
    if !found.is_empty() && !args.force {
        let listed: Vec<String> = found
            .iter()
            .map(|(table, rows)| format!("{table} ({rows} {})", if *rows == 1 { "row" } else { "rows" }))
            .collect();
        bail!(
            "the target {} database is not empty: it holds {}; nothing was changed. Restore into an empty \
             database, or pass --force to replace everything in it (take a backup of it first)",
            backend.as_str(),
            listed.join(", ")
        );
    }

    let mut data = entries
        .next()
        .ok_or_else(|| anyhow!("no data after the manifest"))
        .and_then(|entry| entry.map_err(anyhow::Error::from))
        .with_context(|| corrupt(from))?;
    let name = data.path().map(|path| path.to_string_lossy().into_owned()).unwrap_or_default();
    if name != manifest.data {
        bail!("{}: its second member is {name:?}, not {:?}", corrupt(from), manifest.data);
    }
    let applied = match backend {
        Backend::Sqlite => restore_sqlite(target, &mut data, &manifest, from)?,
        Backend::Postgresql => restore_postgresql(url, &mut data, &manifest, from)?,
    };
    println!(
        "restored {} (schema {}, made {} by smp-panel {}) into the {} database; {applied} migration(s) applied",
        from.display(),
        manifest.schema_version,
        manifest.created_at,
        manifest.panel_version,
        backend.as_str()
    );
    println!(
        "the panel key is not in backups: put the key file the backed-up panel used at {} before starting it",
        config.key_file().display()
    );
    Ok(())
}

fn corrupt(from: &Path) -> String {
    format!("{} is not a complete smp-panel backup (truncated or corrupt?); nothing was changed", from.display())
}

fn read_manifest<R: std::io::Read>(entries: &mut tar::Entries<'_, R>) -> anyhow::Result<Manifest> {
    let mut entry = entries.next().ok_or_else(|| anyhow!("the file is empty"))??;
    let name = entry.path()?.to_string_lossy().into_owned();
    anyhow::ensure!(name == MANIFEST, "its first member is {name:?}, not {MANIFEST}");
    anyhow::ensure!(entry.size() <= MANIFEST_MAX_BYTES, "its manifest is {} bytes", entry.size());
    let mut json = Vec::new();
    entry.read_to_end(&mut json)?;
    let manifest: Manifest = serde_json::from_slice(&json).context("its manifest is not valid")?;
    anyhow::ensure!(manifest.format == FORMAT, "its manifest's format is {:?}", manifest.format);
    Ok(manifest)
}

fn check_manifest(manifest: &Manifest, backend: Backend, from: &Path) -> anyhow::Result<()> {
    if manifest.format_version != FORMAT_VERSION {
        bail!(
            "{} has backup format {}; this smp-panel {} reads format {FORMAT_VERSION}; nothing was changed",
            from.display(),
            manifest.format_version,
            env!("CARGO_PKG_VERSION")
        );
    }
    if manifest.backend != backend_name(backend) {
        bail!(
            "{} is a backup of a {} database, and the database to restore into is {}: restore it into a {} \
             database (--database-url); nothing was changed",
            from.display(),
            manifest.backend,
            backend.as_str(),
            manifest.backend
        );
    }
    let known = db::latest_known_version(backend)?;
    if db::version_order(&manifest.schema_version, &known).is_gt() {
        bail!(
            "{} has schema {}, newer than this smp-panel {} knows (up to {known}): it was made by smp-panel {}; \
             restore it with that version or newer; nothing was changed",
            from.display(),
            manifest.schema_version,
            env!("CARGO_PKG_VERSION"),
            manifest.panel_version
        );
    }
    Ok(())
}

/// Copies the data member into `file`, checking its size and SHA-256 against the manifest.
fn extract_checked(
    data: &mut impl std::io::Read,
    file: &mut File,
    manifest: &Manifest,
    from: &Path,
) -> anyhow::Result<()> {
    let mut hasher = sha2::Sha256::new();
    let mut writer = std::io::BufWriter::new(file);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = data.read(&mut buffer).with_context(|| corrupt(from))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        writer.write_all(&buffer[..read]).context("cannot write the restored data")?;
        bytes += read as u64;
    }
    writer.flush().context("cannot write the restored data")?;
    let hash = hex::encode(hasher.finalize());
    if bytes != manifest.data_bytes || hash != manifest.data_sha256 {
        bail!(
            "{}: its data is {bytes} bytes with SHA-256 {hash}, the manifest says {} bytes with {}",
            corrupt(from),
            manifest.data_bytes,
            manifest.data_sha256
        );
    }
    Ok(())
}

/// The data into a temporary file beside the target, checked, migrated,
/// then renamed over the target: the target is the old file or the whole
/// restored one, never a mix.
fn restore_sqlite(
    target: &str,
    data: &mut impl std::io::Read,
    manifest: &Manifest,
    from: &Path,
) -> anyhow::Result<usize> {
    let target_path = Path::new(target);
    let parent = parent_of(target_path);
    let mut temp = tempfile::Builder::new()
        .prefix(".smp-panel-restore-")
        .tempfile_in(&parent)
        .with_context(|| format!("cannot write into {}", parent.display()))?;
    extract_checked(data, temp.as_file_mut(), manifest, from)?;
    temp.as_file().sync_all().context("cannot flush the restored database to disk")?;
    let temp_text = temp.path().to_str().ok_or_else(|| anyhow!("the target's directory is not UTF-8"))?.to_owned();
    let applied = {
        let mut connection = db::establish(&format!("sqlite://{temp_text}"))?;
        let db::DbConnection::Sqlite(inner) = &mut connection else { bail!("not a SQLite connection") };
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(inner)
            .map_err(|error| anyhow!("{}: SQLite cannot read its data: {error}", corrupt(from)))?;
        if checks.first().map(|check| check.integrity_check.as_str()) != Some("ok") {
            bail!("{}: SQLite's integrity check fails", corrupt(from));
        }
        let version = db::latest_applied_version(&mut connection).with_context(|| corrupt(from))?;
        if version.as_deref() != Some(manifest.schema_version.as_str()) {
            bail!("{}: its data has schema {version:?}, its manifest says {}", corrupt(from), manifest.schema_version);
        }
        let applied = db::run_migrations(&mut connection)
            .context("the backup could not be migrated to this binary's schema; nothing was changed")?;
        let db::DbConnection::Sqlite(inner) = &mut connection else { bail!("not a SQLite connection") };
        diesel::sql_query("PRAGMA journal_mode = DELETE")
            .execute(inner)
            .context("cannot finish the restored database")?;
        applied
    };
    if target_path.exists() {
        // What a stopped panel left in its write-ahead log goes into the old
        // file first, so no stale log is later applied to the new one.
        let mut old = db::establish(&format!("sqlite://{target}"))?;
        if let db::DbConnection::Sqlite(inner) = &mut old {
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(inner)
                .context("cannot checkpoint the target database: is a panel still running on it? Stop it first")?;
        }
        drop(old);
        // The last connection to close removes the -wal and -shm files: if
        // they stay, another process (a running panel) has the file open
        // and would go on writing to the replaced one.
        if [format!("{target}-wal"), format!("{target}-shm")].iter().any(|file| Path::new(file).exists()) {
            bail!(
                "the SQLite database {target} is in use by another process (a running panel?): stop it first \
                 (systemctl stop smp-panel); nothing was changed"
            );
        }
    }
    keep_owner(temp.path(), target_path, &parent);
    temp.persist(target_path).map_err(|error| {
        anyhow!("cannot rename the restored database to {target}: {}; nothing was changed", error.error)
    })?;
    sync_dir(&parent);
    Ok(applied)
}

/// Gives the restored file the owner of the file it replaces (else of its
/// directory), so that a restore run as root leaves a database the panel's
/// own user can still open. Without the right to (not root), the file stays
/// the running user's.
fn keep_owner(file: &Path, target: &Path, parent: &Path) {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(owner) = std::fs::metadata(target).or_else(|_| std::fs::metadata(parent)) else { return };
    let Ok(current) = std::fs::metadata(file) else { return };
    if (current.uid(), current.gid()) != (owner.uid(), owner.gid()) {
        let _ = std::os::unix::fs::chown(file, Some(owner.uid()), Some(owner.gid()));
    }
}

/// The data into a temporary file, checked; `pg_restore` makes it a SQL
/// script; `psql --single-transaction` runs the drop of every table,
/// view and sequence of the schema, then that script: all or nothing.
fn restore_postgresql(
    url: &str,
    data: &mut impl std::io::Read,
    manifest: &Manifest,
    from: &Path,
) -> anyhow::Result<usize> {
    let pg_restore = find_tool("pg_restore")?;
    let psql = find_tool("psql")?;
    let work =
        tempfile::Builder::new().prefix("smp-panel-restore-").tempdir().context("cannot make a temporary directory")?;
    let dump = work.path().join(POSTGRESQL_DATA);
    let mut file = File::create(&dump).context("cannot write a temporary file")?;
    extract_checked(data, &mut file, manifest, from)?;
    drop(file);
    let script = work.path().join("restore.sql");
    let output = Command::new(&pg_restore)
        .args(["--no-owner", "--no-privileges", "--file"])
        .arg(&script)
        .arg(&dump)
        .stdin(Stdio::null())
        .output()
        .context("cannot run pg_restore")?;
    if !output.status.success() {
        bail!("{}: pg_restore cannot read its data: {}", corrupt(from), one_line(&output.stderr));
    }
    let drop_all = work.path().join("drop.sql");
    std::fs::write(&drop_all, DROP_SCHEMA_OBJECTS).context("cannot write a temporary file")?;
    let target = PgTarget::parse(url)?;
    let mut command = Command::new(&psql);
    command
        .args(["--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1", "--file"])
        .arg(&drop_all)
        .arg("--file")
        .arg(&script);
    let output = target.run(command, "psql")?;
    if !output.status.success() {
        bail!("the restore failed and was rolled back, the database is as it was: {}", one_line(&output.stderr));
    }
    let mut connection = db::establish(url)?;
    let version =
        db::latest_applied_version(&mut connection).context("the restored database has no migrations table")?;
    if version.as_deref() != Some(manifest.schema_version.as_str()) {
        bail!("the restored database has schema {version:?}, the manifest says {}", manifest.schema_version);
    }
    db::run_migrations(&mut connection)
        .context("the backup was restored but could not be migrated to this binary's schema")
}

/// Run first in psql's transaction: every table (with what depends on
/// it), view and sequence of the current schema goes.
const DROP_SCHEMA_OBJECTS: &str = "SET client_min_messages = warning;
DO $smp$
DECLARE item record;
BEGIN
  FOR item IN SELECT viewname AS name FROM pg_views WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP VIEW IF EXISTS %I CASCADE', item.name);
  END LOOP;
  FOR item IN SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.name);
  END LOOP;
  FOR item IN SELECT sequencename AS name FROM pg_sequences WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', item.name);
  END LOOP;
END
$smp$;
";

/// A PostgreSQL URL split for libpq's tools: the URL without its password
/// (`--dbname`, visible in `ps`) and the password (PGPASSWORD, not visible).
struct PgTarget {
    url: String,
    password: Option<String>,
}

impl PgTarget {
    fn parse(url: &str) -> anyhow::Result<PgTarget> {
        let mut parsed = url::Url::parse(url).map_err(|_| anyhow!("the PostgreSQL database URL cannot be parsed"))?;
        let password = parsed
            .password()
            .map(|password| percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned());
        parsed.set_password(None).map_err(|()| anyhow!("the PostgreSQL database URL cannot be parsed"))?;
        Ok(PgTarget { url: parsed.to_string(), password })
    }

    fn run(&self, mut command: Command, tool: &str) -> anyhow::Result<std::process::Output> {
        command.arg("--dbname").arg(&self.url).stdin(Stdio::null());
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        command.output().with_context(|| format!("cannot run {tool}"))
    }
}

/// `name` in a directory of PATH, or the one-line error that says so.
fn find_tool(name: &str) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
        .ok_or_else(|| {
            anyhow!(
                "{name} is not on PATH: install PostgreSQL's client programs of the server's major version or \
                 newer (Debian: apt install postgresql-client)"
            )
        })
}

/// A tool's standard error as one line.
fn one_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let joined: Vec<&str> = text.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    if joined.is_empty() { "(no message)".to_owned() } else { joined.join(" / ") }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename in `dir` durable (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_named_like_the_timer_s_backups_are_pruned() {
        assert!(is_dir_backup_name("smp-panel-backup-20261206T091000Z.tar"));
        for other in [
            "smp-panel-backup-20261206T091000Z.tar.partial",
            ".smp-panel-backup-abc.partial",
            "smp-panel-backup-latest.tar",
            "notes.txt",
            "smp-panel-backup-2026120XT091000Z.tar",
        ] {
            assert!(!is_dir_backup_name(other), "{other}");
        }
    }

    #[test]
    fn the_password_of_a_postgresql_url_leaves_the_url_for_pgpassword() {
        let target = PgTarget::parse("postgres://smp:p%40ss@127.0.0.1:5432/panel?gssencmode=disable").unwrap();
        assert_eq!(target.url, "postgres://smp@127.0.0.1:5432/panel?gssencmode=disable");
        assert_eq!(target.password.as_deref(), Some("p@ss"));
    }
}
