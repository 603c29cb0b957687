//! `smp-panel container list`: every container the panel knows, for the
//! operator on the panel's host, read a page of 1000 at a time
//! (`db::containers::page`, the same pages as `GET /api/v1/containers`), so
//! that 10 000 rows never sit in memory at once.

use anyhow::Context as _;
use clap::Args;

use crate::config::Config;
use crate::db::containers::{self, ListFilter};
use crate::db::{machines, users};
use crate::domain::username::Username;

/// Rows read at once.
const PAGE: i64 = 1000;

#[derive(Debug, Args)]
pub struct ListContainers {
    /// Only this machine's (its name, as `machine list` shows it).
    #[arg(long)]
    pub machine: Option<String>,
    /// Only this user's (a username).
    #[arg(long)]
    pub owner: Option<String>,
    /// Only those with this status, as last seen (e.g. running).
    #[arg(long)]
    pub status: Option<String>,
    /// Leave out containers that are gone.
    #[arg(long)]
    pub live: bool,
}

pub fn list(config: &Config, request: ListContainers) -> anyhow::Result<()> {
    let mut connection = super::connect(config)?;
    let machine_id = match &request.machine {
        Some(name) => Some(
            machines::list(&mut connection)?
                .into_iter()
                .find(|machine| machine.name.as_str() == name)
                .with_context(|| format!("--machine {name:?}: no machine of that name (see `machine list`)"))?
                .id
                .0,
        ),
        None => None,
    };
    let owner_id = match &request.owner {
        Some(name) => {
            let username = Username::parse(name).with_context(|| format!("--owner {name:?}"))?;
            let user = users::find_by_username(&mut connection, &username)?;
            Some(user.with_context(|| format!("--owner {name:?}: no user of that name"))?.id.0)
        }
        None => None,
    };
    let filter = ListFilter { machine_id, owner_id, status: request.status, live_only: request.live };
    let mut out = std::io::stdout().lock();
    use std::io::Write as _;
    writeln!(out, "ID\tMACHINE\tNAME\tSTATUS\tOWNER\tPARENT\tADDRESSES")?;
    let mut after = 0;
    loop {
        let (rows, more) = containers::page(&mut connection, None, &filter, after, PAGE)?;
        for row in &rows {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                row.id,
                row.machine,
                row.name,
                row.status,
                row.owner.as_deref().unwrap_or("-"),
                row.parent_id.map_or_else(|| "-".to_owned(), |parent| parent.to_string()),
                row.address_list().join(",")
            )?;
        }
        match rows.last() {
            Some(last) if more => after = last.id,
            _ => return Ok(()),
        }
    }
}
