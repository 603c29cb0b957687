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
//! answer changes in the database.

use std::future::Future;

use crate::db::audit::{self, NewAuditRow, Outcome};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;

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

    /// Appends the row of a refused (4xx) or failed (5xx) request.
    pub fn append_error(&self, connection: &mut DbConnection, error: &AppError) -> Result<(), AppError> {
        let outcome = if error.code.status().is_server_error() { Outcome::Failed } else { Outcome::Refused };
        self.append(connection, outcome, Some(error.code.as_str())).map_err(AppError::internal)
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
    db::run(pool, move |connection| {
        let mut entry = entry;
        let target = in_transaction(connection, &mut entry, Outcome::Started, check)?;
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
        match result {
            Ok(value) => in_transaction(connection, &mut entry, Outcome::Ok, |connection, entry| {
                finish(connection, entry, value)
            }),
            Err(error) => {
                entry.append_error(connection, &error)?;
                Err(error)
            }
        }
    })
    .await
}
