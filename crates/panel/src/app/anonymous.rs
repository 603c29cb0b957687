//! `AnonymousRefusals`: the audit rows of requests refused without a valid
//! credential (no cookie or token, an unknown or ended one, a login over
//! its rate or with a foreign `Origin`), aggregated per source and minute so
//! that a flood from strangers cannot grow the database or hold SQLite's
//! write lock once per request.
//!
//! The first such refusal from a source (its client address, an IPv6
//! address by its /64; see `client_addr`) in a window of `WINDOW_S` seconds
//! writes its row at once. Later ones in that window are only counted in
//! memory, with the last one's action, object and code; their row, with
//! `count` = how many, is written when the source's next window starts, by
//! the periodic flush (`run_flusher`), or on shutdown (`flush_now`). The
//! map of sources is bounded: beyond `MAX_SOURCES` busy sources, new ones
//! are counted together under one "other sources" entry, so nothing is lost
//! and memory stays bounded. Refusals of signed-in users are not aggregated:
//! they are accountable and written one row each, as before.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::app::audited::AuditEntry;
use crate::db::audit::{self, NewAuditRow, Outcome};
use crate::db::{self, DbConnection, DbPool, unix_now};
use crate::domain::address::limit_key;
use crate::error::AppError;

/// Seconds one source's window lasts.
pub const WINDOW_S: i64 = 60;
/// Sources remembered at once (see the module note).
pub const MAX_SOURCES: usize = 10_000;
/// How often the flusher writes the counts of windows that ended.
const FLUSH_EVERY: Duration = Duration::from_secs(10);

/// Where refusals are counted: a client address (key), or everyone beyond
/// `MAX_SOURCES`, or requests without a peer address (never over TCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Address(IpAddr),
    Other,
}

/// A refusal as its row will say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub action: &'static str,
    /// Already cut to what the table stores.
    pub object: String,
    pub outcome: Outcome,
    pub error_code: &'static str,
    /// The entry's detail (`method=oidc` of a provider's sign-in), if any.
    pub detail: Option<String>,
}

/// A row to write: a refusal and how many requests it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRow {
    pub refusal: Refusal,
    pub count: i64,
}

#[derive(Debug)]
struct Window {
    started: i64,
    /// Refusals after the first, not yet written.
    suppressed: i64,
    /// The last of them, whose row stands for all.
    last: Option<Refusal>,
}

impl Window {
    fn take(&mut self) -> Option<PendingRow> {
        let count = std::mem::take(&mut self.suppressed);
        let refusal = self.last.take()?;
        (count > 0).then_some(PendingRow { refusal, count })
    }
}

/// The windows of every source: pure bookkeeping, the time passed in.
#[derive(Debug, Default)]
pub struct Windows {
    sources: HashMap<Source, Window>,
}

impl Windows {
    /// Counts one refusal from `client` at `now`; answers the rows to write
    /// now (none, this one, and/or the count of the source's window before).
    pub fn note(&mut self, client: Option<IpAddr>, refusal: Refusal, now: i64) -> Vec<PendingRow> {
        let mut source = client.map_or(Source::Other, |client| Source::Address(limit_key(client)));
        if !self.sources.contains_key(&source) && self.sources.len() >= MAX_SOURCES {
            self.prune(now);
            if self.sources.len() >= MAX_SOURCES {
                source = Source::Other;
            }
        }
        let mut rows = Vec::new();
        let window = self.sources.entry(source).or_insert(Window { started: i64::MIN, suppressed: 0, last: None });
        if now.saturating_sub(window.started) >= WINDOW_S || now < window.started {
            rows.extend(window.take());
            *window = Window { started: now, suppressed: 0, last: None };
            rows.push(PendingRow { refusal, count: 1 });
        } else {
            window.suppressed += 1;
            window.last = Some(refusal);
        }
        rows
    }

    /// The counts of windows that ended by `now`; forgets those sources.
    pub fn due(&mut self, now: i64) -> Vec<PendingRow> {
        let mut rows = Vec::new();
        self.sources.retain(|_, window| {
            if now.saturating_sub(window.started) < WINDOW_S && now >= window.started {
                return true;
            }
            rows.extend(window.take());
            false
        });
        rows
    }

    /// Every count not yet written, ended or not (shutdown, tests).
    pub fn drain(&mut self) -> Vec<PendingRow> {
        self.sources.values_mut().filter_map(Window::take).collect()
    }

    /// Forgets sources whose window ended with nothing pending.
    fn prune(&mut self, now: i64) {
        self.sources.retain(|_, window| now.saturating_sub(window.started) < WINDOW_S || window.suppressed > 0);
    }

    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

/// The windows and the pool their rows go to.
#[derive(Debug)]
pub struct AnonymousRefusals {
    windows: Mutex<Windows>,
    pool: DbPool,
}

impl AnonymousRefusals {
    pub fn new(pool: DbPool) -> AnonymousRefusals {
        AnonymousRefusals { windows: Mutex::new(Windows::default()), pool }
    }

    fn windows(&self) -> MutexGuard<'_, Windows> {
        // The bookkeeping is valid after any panic of another holder.
        self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts the refusal of `entry` with `error` from `client`; the rows to write now.
    pub fn note(&self, client: Option<IpAddr>, entry: &AuditEntry, error: &AppError) -> Vec<PendingRow> {
        let outcome = if error.code.status().is_server_error() { Outcome::Failed } else { Outcome::Refused };
        let refusal = Refusal {
            action: entry.action,
            object: audit::bounded(&entry.object).into_owned(),
            outcome,
            error_code: error.code.as_str(),
            detail: entry.detail.clone(),
        };
        self.windows().note(client, refusal, unix_now())
    }

    /// Counts the refusal and writes what is due on `connection`.
    pub fn record(
        &self,
        connection: &mut DbConnection,
        client: Option<IpAddr>,
        entry: &AuditEntry,
        error: &AppError,
    ) -> Result<(), AppError> {
        write(connection, &self.note(client, entry, error)).map_err(AppError::from)
    }

    /// Counts the refusal and returns its error; touches the database only
    /// when a row is due (the first refusal of a window).
    pub async fn refuse(&self, client: Option<IpAddr>, entry: AuditEntry, error: AppError) -> AppError {
        let rows = self.note(client, &entry, &error);
        if rows.is_empty() {
            return error;
        }
        let written = db::run(&self.pool, move |connection| write(connection, &rows).map_err(AppError::from)).await;
        match written {
            Ok(()) => error,
            Err(failure) => failure,
        }
    }

    /// Writes every count not yet written (on shutdown; tests call it too).
    pub async fn flush_now(&self) -> Result<(), AppError> {
        let rows = self.windows().drain();
        self.write_rows(rows).await
    }

    async fn write_rows(&self, rows: Vec<PendingRow>) -> Result<(), AppError> {
        if rows.is_empty() {
            return Ok(());
        }
        let total: i64 = rows.iter().map(|row| row.count).sum();
        let written = db::run(&self.pool, move |connection| write(connection, &rows).map_err(AppError::from)).await;
        if let Err(error) = &written {
            tracing::error!(%error, lost = total, "cannot write the counts of anonymous refusals");
        }
        written
    }

    /// Writes the counts of ended windows every few seconds, until aborted.
    pub async fn run_flusher(self: std::sync::Arc<Self>) {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        loop {
            ticks.tick().await;
            let rows = self.windows().due(unix_now());
            // A failure is logged in write_rows; the next windows go on.
            let _ = self.write_rows(rows).await;
        }
    }
}

/// Appends `rows`, anonymous, in one transaction.
fn write(connection: &mut DbConnection, rows: &[PendingRow]) -> Result<(), diesel::result::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    db::write_transaction(connection, |connection| {
        for row in rows {
            audit::append(
                connection,
                &NewAuditRow {
                    actor_id: None,
                    actor: "anonymous",
                    action: row.refusal.action,
                    object: &row.refusal.object,
                    machine: None,
                    outcome: row.refusal.outcome,
                    error_code: Some(row.refusal.error_code),
                    detail: row.refusal.detail.as_deref(),
                    count: row.count,
                },
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(object: &str) -> Refusal {
        Refusal {
            action: "container.start",
            object: object.to_owned(),
            outcome: Outcome::Refused,
            error_code: "unauthenticated",
            detail: None,
        }
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_first_refusal_of_a_minute_is_written_at_once_and_the_rest_only_counted() {
        let mut windows = Windows::default();
        assert_eq!(
            windows.note(ip("192.0.2.1"), refusal("/a"), 1000),
            vec![PendingRow { refusal: refusal("/a"), count: 1 }]
        );
        for n in 0..499 {
            assert!(windows.note(ip("192.0.2.1"), refusal(&format!("/b{n}")), 1000 + n % 60).is_empty());
        }
        // The next minute: the count of the last one, then its own first row.
        let rows = windows.note(ip("192.0.2.1"), refusal("/c"), 1060);
        assert_eq!(
            rows,
            vec![PendingRow { refusal: refusal("/b498"), count: 499 }, PendingRow { refusal: refusal("/c"), count: 1 }]
        );
    }

    #[test]
    fn each_source_has_its_own_window_and_ipv6_counts_by_its_64() {
        let mut windows = Windows::default();
        assert_eq!(windows.note(ip("192.0.2.1"), refusal("/a"), 0).len(), 1);
        assert_eq!(windows.note(ip("192.0.2.2"), refusal("/a"), 0).len(), 1);
        assert_eq!(windows.note(ip("2001:db8::1"), refusal("/a"), 0).len(), 1);
        assert!(windows.note(ip("2001:db8::2"), refusal("/a"), 0).is_empty());
        assert_eq!(windows.len(), 3);
    }

    #[test]
    fn the_flush_writes_ended_windows_and_forgets_their_sources() {
        let mut windows = Windows::default();
        windows.note(ip("192.0.2.1"), refusal("/a"), 0);
        windows.note(ip("192.0.2.1"), refusal("/a"), 1);
        windows.note(ip("192.0.2.2"), refusal("/a"), 30);
        assert!(windows.due(59).is_empty(), "no window has ended");
        assert_eq!(windows.due(60), vec![PendingRow { refusal: refusal("/a"), count: 1 }]);
        assert_eq!(windows.len(), 1, "192.0.2.1 is forgotten");
        assert!(windows.due(90).is_empty(), "192.0.2.2 had nothing pending");
        assert!(windows.is_empty());
    }

    #[test]
    fn drain_writes_what_is_pending_without_waiting() {
        let mut windows = Windows::default();
        for _ in 0..3 {
            windows.note(ip("192.0.2.1"), refusal("/a"), 0);
        }
        assert_eq!(windows.drain(), vec![PendingRow { refusal: refusal("/a"), count: 2 }]);
        assert!(windows.drain().is_empty(), "written once");
        assert!(windows.note(ip("192.0.2.1"), refusal("/a"), 1).is_empty(), "still the same window");
    }

    #[test]
    fn beyond_the_bound_new_sources_share_one_entry_and_nothing_is_lost() {
        let mut windows = Windows::default();
        let mut written = 0;
        for n in 0..(MAX_SOURCES as u32 + 100) {
            let client = Some(IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n)));
            written += windows.note(client, refusal("/a"), 0).iter().map(|row| row.count).sum::<i64>();
            written += windows.note(client, refusal("/a"), 0).iter().map(|row| row.count).sum::<i64>();
        }
        assert!(windows.len() <= MAX_SOURCES + 1);
        written += windows.drain().iter().map(|row| row.count).sum::<i64>();
        assert_eq!(written, 2 * (i64::from(MAX_SOURCES as u32) + 100));
    }
}
