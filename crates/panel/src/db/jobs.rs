//! The `jobs` table: the actions a page started, which it polls until their
//! outcome is known. In the database, so that every panel instance behind a
//! load balancer answers the poll and a job outlives the panel process that
//! ran it (`in_flight::settle_orphans` ends it from LXD's state). Each is visible
//! only to its owner, and is forgotten an hour after it ended or once its
//! owner has `KEPT_PER_OWNER` newer finished jobs.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::jobs;

/// How long a finished job can still be read, in seconds.
pub const KEPT_FOR_S: i64 = 3600;
/// How many finished jobs of one user are kept at most (the newest).
pub const KEPT_PER_OWNER: i64 = 32;

pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// A job as its owner reads it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub owner_id: i64,
    pub label: String,
    /// `RUNNING`, `DONE` or `FAILED`.
    pub state: String,
    /// The outcome in words, once it ended.
    pub message: Option<String>,
}

/// Records a running job of `owner` started by panel process `instance`.
pub fn insert(
    connection: &mut DbConnection,
    id: i64,
    owner: i64,
    label: &str,
    instance: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::delete(jobs::table.filter(jobs::ended_at.lt(now - KEPT_FOR_S))).execute(connection)?;
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::owner_id.eq(owner),
            jobs::label.eq(label),
            jobs::state.eq(RUNNING),
            jobs::instance.eq(instance),
            jobs::started_at.eq(now),
        ))
        .execute(connection)?;
    Ok(())
}

/// Ends a running job with `state` and its `message` (a job that already
/// ended keeps its first outcome), then forgets its owner's oldest finished
/// jobs beyond `KEPT_PER_OWNER`.
pub fn finish(connection: &mut DbConnection, id: i64, state: &str, message: &str, now: i64) -> QueryResult<()> {
    let ended = diesel::update(jobs::table.find(id).filter(jobs::state.eq(RUNNING)))
        .set((jobs::state.eq(state), jobs::message.eq(message), jobs::ended_at.eq(now)))
        .execute(connection)?;
    if ended == 0 {
        return Ok(());
    }
    let owner: i64 = jobs::table.find(id).select(jobs::owner_id).first(connection)?;
    let kept: Vec<i64> = jobs::table
        .filter(jobs::owner_id.eq(owner).and(jobs::ended_at.is_not_null()))
        .order((jobs::ended_at.desc(), jobs::id.desc()))
        .limit(KEPT_PER_OWNER)
        .select(jobs::id)
        .load(connection)?;
    diesel::delete(
        jobs::table.filter(jobs::owner_id.eq(owner).and(jobs::ended_at.is_not_null()).and(jobs::id.ne_all(kept))),
    )
    .execute(connection)?;
    Ok(())
}

/// Job `id` if `owner` started it.
pub fn get(connection: &mut DbConnection, id: i64, owner: i64) -> QueryResult<Option<Job>> {
    jobs::table.find(id).filter(jobs::owner_id.eq(owner)).select(Job::as_select()).first(connection).optional()
}

/// Ends, as failed with `message`, the running jobs of dead panel processes
/// that no action in flight will end (a process that died before its
/// action wrote its `started` row, or after its outcome row): those started
/// before `stale_before`, and when a panel starts on SQLite (`starting`),
/// every other process's (see `in_flight::orphan_the_dead`).
pub fn fail_abandoned(
    connection: &mut DbConnection,
    starting: bool,
    stale_before: i64,
    message: &str,
    now: i64,
) -> QueryResult<usize> {
    use super::schema::actions_in_flight;
    let awaited = actions_in_flight::table
        .filter(actions_in_flight::job_id.is_not_null())
        .select(actions_in_flight::job_id.assume_not_null());
    let abandoned = jobs::table
        .filter(jobs::state.eq(RUNNING).and(jobs::instance.ne(super::in_flight::process_id())))
        .filter(jobs::id.ne_all(awaited));
    let set = (jobs::state.eq(FAILED), jobs::message.eq(message), jobs::ended_at.eq(now));
    if starting && connection.backend() == super::Backend::Sqlite {
        diesel::update(abandoned).set(set).execute(connection)
    } else {
        diesel::update(abandoned.filter(jobs::started_at.lt(stale_before))).set(set).execute(connection)
    }
}
