//! Audited work: every state-changing request writes its row before the answer.
//!
//! `audited` runs database work in one transaction with its row. Success:
//! the `ok` row is written in the same transaction as the change (if it
//! cannot be written, nothing is done). Error: the change is rolled back,
//! then a `refused` (4xx) or `failed` (5xx) row with the error's code is
//! written before the answer.
//!
//! `audited_call` is for work outside the database (an agent call), which
//! no transaction can undo: the check runs as in `audited` but its row says
//! `started`, so nothing is sent to an agent unless that row is written;
//! then the call; then the outcome row, in one transaction with what the
//! answer changes in the database. Between the two, the call is in
//! `actions_in_flight` (written and removed in the same transactions as the
//! rows). A call whose outcome is unknown (its answer lost, LXD past its
//! timeout: `AppError::outcome_unknown`) writes no outcome row: its row is
//! orphaned, and the sync writes the outcome from LXD's state
//! (`db::in_flight::settle_orphans`), as it does for the calls of a panel
//! process that was killed.

use std::future::Future;

use crate::db::audit::{self, NewAuditRow, Outcome};
use crate::db::in_flight::{self, InFlight, process_id, random_id};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;

tokio::task_local! {
    /// The page's job (`db::jobs`) the current task runs, if a page started
    /// it: its action's row in flight names it, so that whoever gives the
    /// action its outcome ends the job too.
    pub static CURRENT_JOB: i64;
}

/// Who does what to which object on which machine; the work may fill in the
/// object and machine (or the actor, for a login) once it knows them.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: &'static str,
    pub object: String,
    pub machine: Option<String>,
    /// What exactly was asked where the action alone does not say it (an
    /// exec's argv); stored cut to `audit::MAX_DETAIL_BYTES`.
    pub detail: Option<String>,
    /// Its row in `actions_in_flight` once `audited_start` wrote `started`.
    pub in_flight: Option<i64>,
}

impl AuditEntry {
    pub fn anonymous(action: &'static str, object: impl Into<String>) -> AuditEntry {
        AuditEntry {
            actor_id: None,
            actor: "anonymous".into(),
            action,
            object: object.into(),
            machine: None,
            detail: None,
            in_flight: None,
        }
    }

    /// Records what exactly was asked (the row cuts it to fit).
    pub fn set_detail(&mut self, detail: String) {
        self.detail = Some(detail);
    }

    /// Appends this entry with `outcome`.
    pub fn append(
        &self,
        connection: &mut DbConnection,
        outcome: Outcome,
        error_code: Option<&str>,
    ) -> Result<(), diesel::result::Error> {
        audit::append(
            connection,
            &NewAuditRow {
                actor_id: self.actor_id,
                actor: &self.actor,
                action: self.action,
                object: &self.object,
                machine: self.machine.as_deref(),
                outcome,
                error_code,
                detail: self.detail.as_deref(),
                count: 1,
            },
        )
    }

    /// Appends the row of a refused (4xx) or failed (5xx) request; none
    /// while the database is unavailable (the write would wait as long
    /// again and fail too: nothing was done, and the request log has it).
    pub fn append_error(&self, connection: &mut DbConnection, error: &AppError) -> Result<(), AppError> {
        if error.code == crate::error::ErrorCode::DatabaseUnavailable {
            tracing::warn!(action = self.action, object = %self.object, "not audited: the database is unavailable");
            return Ok(());
        }
        let outcome = if error.code.status().is_server_error() { Outcome::Failed } else { Outcome::Refused };
        self.append(connection, outcome, Some(error.code.as_str())).map_err(AppError::from)
    }
}

/// `work` and its row in one transaction; `outcome` on success.
fn in_transaction<T>(
    connection: &mut DbConnection,
    entry: &mut AuditEntry,
    outcome: Outcome,
    work: impl FnOnce(&mut DbConnection, &mut AuditEntry) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let result = db::write_transaction::<T, AppError, _>(connection, |connection| {
        let value = work(connection, entry)?;
        entry.append(connection, outcome, None)?;
        Ok(value)
    });
    if let Err(error) = &result {
        entry.append_error(connection, error)?;
    }
    result
}

/// Writes the row of a request refused before any work, and returns its error.
pub async fn refused(pool: &DbPool, entry: AuditEntry, error: AppError) -> AppError {
    let written = db::run(pool, move |connection| {
        entry.append_error(connection, &error)?;
        Ok::<_, AppError>(error)
    })
    .await;
    match written {
        Ok(error) | Err(error) => error,
    }
}

/// Runs `work` (see the module note) on the blocking pool.
pub async fn audited<T, F>(pool: &DbPool, entry: AuditEntry, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection, &mut AuditEntry) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    db::run(pool, move |connection| {
        let mut entry = entry;
        in_transaction(connection, &mut entry, Outcome::Ok, work)
    })
    .await
}

/// `check` (database, row `started`), then `call`, then `finish` with the
/// call's value in one transaction with the outcome row (see the module
/// note). An error of `call` or `finish` writes its `refused`/`failed` row.
pub async fn audited_call<T, R, V, C, A, Fut, F>(
    pool: &DbPool,
    entry: AuditEntry,
    check: C,
    call: A,
    finish: F,
) -> Result<V, AppError>
where
    C: FnOnce(&mut DbConnection, &mut AuditEntry) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
    A: FnOnce(T) -> Fut,
    Fut: Future<Output = Result<R, AppError>>,
    F: FnOnce(&mut DbConnection, &mut AuditEntry, R) -> Result<V, AppError> + Send + 'static,
    R: Send + 'static,
    V: Send + 'static,
{
    let (target, entry) = audited_start(pool, entry, check).await?;
    let result = call(target).await;
    audited_finish(pool, entry, result, finish).await
}

/// The first half of `audited_call`: `check` and its `started` row in one
/// transaction (or the refusal's row). Returns the entry for `audited_finish`.
pub async fn audited_start<T, C>(pool: &DbPool, entry: AuditEntry, check: C) -> Result<(T, AuditEntry), AppError>
where
    C: FnOnce(&mut DbConnection, &mut AuditEntry) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    // Read here: the work below runs on a thread of the blocking pool.
    let job_id = CURRENT_JOB.try_with(|job| *job).ok();
    db::run(pool, move |connection| {
        let mut entry = entry;
        let id = random_id();
        let target = in_transaction(connection, &mut entry, Outcome::Started, |connection, entry| {
            let target = check(connection, entry)?;
            in_flight::insert(
                connection,
                &InFlight {
                    id,
                    instance: process_id().to_owned(),
                    started_at: db::unix_now(),
                    actor_id: entry.actor_id,
                    actor: audit::bounded(&entry.actor).into_owned(),
                    action: entry.action.to_owned(),
                    object: audit::bounded(&entry.object).into_owned(),
                    machine: entry.machine.as_deref().map(|machine| audit::bounded(machine).into_owned()),
                    job_id,
                },
            )?;
            Ok(target)
        })?;
        entry.in_flight = Some(id);
        Ok::<_, AppError>((target, entry))
    })
    .await
}

/// The second half of `audited_call`: the outcome of the work done outside
/// the database; `finish` and the `ok` row in one transaction, or the
/// error's row.
pub async fn audited_finish<R, V, F>(
    pool: &DbPool,
    entry: AuditEntry,
    result: Result<R, AppError>,
    finish: F,
) -> Result<V, AppError>
where
    F: FnOnce(&mut DbConnection, &mut AuditEntry, R) -> Result<V, AppError> + Send + 'static,
    R: Send + 'static,
    V: Send + 'static,
{
    db::run(pool, move |connection| {
        let mut entry = entry;
        let in_flight = entry.in_flight;
        match result {
            Ok(value) => in_transaction(connection, &mut entry, Outcome::Ok, |connection, entry| {
                let value = finish(connection, entry, value)?;
                if let Some(id) = in_flight {
                    in_flight::remove(connection, id)?;
                }
                Ok(value)
            }),
            Err(error) if error.outcome_unknown && in_flight.is_some() => {
                // No outcome row: the sync reads it from LXD's state.
                if let Some(id) = in_flight {
                    in_flight::orphan(connection, id)?;
                }
                Err(error)
            }
            Err(error) => {
                db::write_transaction::<_, AppError, _>(connection, |connection| {
                    entry.append_error(connection, &error)?;
                    if let Some(id) = in_flight {
                        in_flight::remove(connection, id)?;
                    }
                    Ok(())
                })?;
                Err(error)
            }
        }
    })
    .await
}
