//! The `actions_in_flight` table: each audited agent call between its
//! `started` row and its outcome row, so that a call whose answer never came
//! (the panel killed, the agent gone mid-call, LXD past its timeout) is not
//! forgotten: once orphaned, the sync gives it its outcome from LXD's state
//! (`settle_orphans`).

use std::sync::OnceLock;

use diesel::prelude::*;
use rand::Rng as _;

use super::audit::{self, NewAuditRow, Outcome};
use super::containers::{STATUS_CREATING, STATUS_GONE};
use super::schema::{actions_in_flight, containers};
use super::{Backend, DbConnection, jobs};

/// This panel process: its rows in flight are its own until it dies. Made
/// once per process, so a restarted panel knows the old rows are not.
pub fn process_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| format!("{}-{:016x}", std::process::id(), rand::rng().random::<u64>()))
}

/// A new random id for a row in flight or a job: positive, and exact in
/// JavaScript numbers (53 bits).
pub fn random_id() -> i64 {
    (rand::rng().random::<u64>() >> 11) as i64
}

/// The audit `error_code` of an action whose answer was lost and whose
/// outcome LXD's state shows was not reached.
pub const ANSWER_LOST: &str = "answer_lost";

/// The `instance` of a row nobody waits for any more: its call lost its
/// answer, and LXD's state must tell the outcome.
pub const ORPHANED: &str = "";

/// One action in flight.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = actions_in_flight)]
pub struct InFlight {
    pub id: i64,
    /// The panel process that waits for its answer (`process_id`), or `ORPHANED`.
    pub instance: String,
    pub started_at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub machine: Option<String>,
    /// The page's job that waits for it, if a page started it.
    pub job_id: Option<i64>,
}

pub fn insert(connection: &mut DbConnection, row: &InFlight) -> QueryResult<()> {
    diesel::insert_into(actions_in_flight::table).values(row).execute(connection)?;
    Ok(())
}

/// The action ended and its outcome row is written (same transaction).
pub fn remove(connection: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(actions_in_flight::table.find(id)).execute(connection)?;
    Ok(())
}

/// Its answer was lost: LXD's state will tell the outcome.
pub fn orphan(connection: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(actions_in_flight::table.find(id))
        .set(actions_in_flight::instance.eq(ORPHANED))
        .execute(connection)?;
    Ok(())
}

/// Whether an action on `object` is still awaited by a live panel process.
pub fn awaited(connection: &mut DbConnection, object: &str) -> QueryResult<bool> {
    let count: i64 = actions_in_flight::table
        .filter(actions_in_flight::object.eq(object).and(actions_in_flight::instance.ne(ORPHANED)))
        .count()
        .get_result(connection)?;
    Ok(count > 0)
}

/// Whether an action on `object` may still reach LXD's state: awaited, or
/// orphaned less than `LONGEST_CALL_S` ago (LXD may still be doing it).
pub fn may_still_happen(connection: &mut DbConnection, object: &str, now: i64) -> QueryResult<bool> {
    let count: i64 = actions_in_flight::table
        .filter(actions_in_flight::object.eq(object))
        .filter(actions_in_flight::instance.ne(ORPHANED).or(actions_in_flight::started_at.gt(now - LONGEST_CALL_S)))
        .count()
        .get_result(connection)?;
    Ok(count > 0)
}

/// Declares orphaned the rows of dead panel processes: those started
/// before `stale_before` (older than any call lasts); and when a panel
/// starts on SQLite (`starting`), every row of another process, since one
/// SQLite file has one serving panel, and it has just restarted.
fn orphan_dead(connection: &mut DbConnection, starting: bool, stale_before: i64) -> QueryResult<usize> {
    let others = actions_in_flight::table
        .filter(actions_in_flight::instance.ne(process_id()).and(actions_in_flight::instance.ne(ORPHANED)));
    if starting && connection.backend() == Backend::Sqlite {
        diesel::update(others).set(actions_in_flight::instance.eq(ORPHANED)).execute(connection)
    } else {
        diesel::update(others.filter(actions_in_flight::started_at.lt(stale_before)))
            .set(actions_in_flight::instance.eq(ORPHANED))
            .execute(connection)
    }
}

/// The longest an agent call may be awaited (the panel's request timeout
/// to agents, and slack): with PostgreSQL a row older than this is a dead
/// process's.
pub const LONGEST_CALL_S: i64 = 720;

/// What a page's job says when its panel process died and no action of it
/// is left to settle.
const ABANDONED_JOB: &str =
    "the panel restarted during this action; the container's state and the audit log show what was done";

/// Orphans the rows and fails the abandoned jobs of dead panel processes
/// (`orphan_dead`, `jobs::fail_abandoned`): at the panel's start
/// (`starting`) and at each tick of the sync's leader.
pub fn orphan_the_dead(connection: &mut DbConnection, starting: bool, now: i64) -> QueryResult<usize> {
    super::write_transaction(connection, |connection| {
        let stale_before = now - LONGEST_CALL_S;
        let orphaned = orphan_dead(connection, starting, stale_before)?;
        jobs::fail_abandoned(connection, starting, stale_before, ABANDONED_JOB, now)?;
        Ok(orphaned)
    })
}

/// The orphaned rows of `machine`, oldest first.
pub fn orphaned_on(connection: &mut DbConnection, machine: &str) -> QueryResult<Vec<InFlight>> {
    actions_in_flight::table
        .filter(actions_in_flight::instance.eq(ORPHANED).and(actions_in_flight::machine.eq(machine)))
        .order(actions_in_flight::started_at)
        .select(InFlight::as_select())
        .load(connection)
}

/// What LXD's state (as the sync just stored it) says of an orphaned action:
/// `Ok` when it shows the action's result; `Err` and why once it cannot
/// any more (`LONGEST_CALL_S` after its start); `None` while LXD may still
/// be doing it. Only actions with a visible result are judged done; any
/// other orphan ends `failed` at once.
fn judged(connection: &mut DbConnection, row: &InFlight, now: i64) -> QueryResult<Option<Result<String, String>>> {
    let Some(id) = row.object.strip_prefix("container:").and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(Some(Err("its outcome cannot be read from LXD".into())));
    };
    let found: Option<(String, String, Option<i64>)> = containers::table
        .find(id)
        .select((containers::name, containers::status, containers::gone_at))
        .first(connection)
        .optional()?;
    let Some((name, status, gone_at)) = found else {
        return Ok(Some(Err("its container is not in the panel".into())));
    };
    let shows = format!("LXD shows {name} {status}");
    let reached = match row.action.as_str() {
        "container.start" | "container.restart" => status == "running",
        "container.stop" => status == "stopped",
        "container.create" => gone_at.is_none() && status != STATUS_CREATING,
        "container.delete" => gone_at.is_some() && status == STATUS_GONE,
        _ => return Ok(Some(Err(format!("its outcome cannot be read from LXD ({shows})")))),
    };
    Ok(if reached {
        Some(Ok(shows))
    } else if now - row.started_at < LONGEST_CALL_S {
        None // LXD may still be doing it: judged at a later pass.
    } else {
        Some(Err(shows))
    })
}

/// Gives each orphaned action of `machine` that `judged` can judge its
/// outcome from the container rows a sync pass has just refreshed from
/// LXD: its outcome row (`ok`, or
/// `failed` with `ANSWER_LOST`, and what LXD shows in `detail`), its page's
/// job ended, its row removed, each in one transaction. How many it settled.
pub fn settle_orphans(connection: &mut DbConnection, machine: &str, now: i64) -> QueryResult<usize> {
    let mut settled = 0;
    for row in &orphaned_on(connection, machine)? {
        settled += super::write_transaction(connection, |connection| {
            let Some(verdict) = judged(connection, row, now)? else { return Ok(0) };
            let (outcome, error_code, detail) = match &verdict {
                Ok(shows) => (Outcome::Ok, None, format!("answer lost; outcome read from LXD: {shows}")),
                Err(why) => {
                    (Outcome::Failed, Some(ANSWER_LOST), format!("answer lost; not done as far as LXD shows: {why}"))
                }
            };
            audit::append(
                connection,
                &NewAuditRow {
                    actor_id: row.actor_id,
                    actor: &row.actor,
                    action: &row.action,
                    object: &row.object,
                    machine: row.machine.as_deref(),
                    outcome,
                    error_code,
                    detail: Some(&detail),
                    count: 1,
                },
            )?;
            if let Some(job) = row.job_id {
                let (state, message) = match &verdict {
                    Ok(shows) => (jobs::DONE, format!("{shows} (read from LXD after the answer was lost).")),
                    Err(why) => (jobs::FAILED, format!("the answer was lost and {why}.")),
                };
                jobs::finish(connection, job, state, &message, now)?;
            }
            remove(connection, row.id)?;
            Ok::<_, diesel::result::Error>(1)
        })?;
    }
    Ok(settled)
}
