//! `audited`: runs a state-changing piece of work in one transaction with
//! its audit row. Success: the `ok` row is written in the same transaction as
//! the change (if it cannot be written, nothing is done). Error: the change
//! is rolled back, then a `refused` (4xx) or `failed` (5xx) row with the
//! error's code is written before the answer.

use diesel::Connection as _;

use crate::db::audit::{self, NewAuditRow, Outcome};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;

/// Who does what to which object; the work may fill in the object (or the
/// actor, for a login) once it knows it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: &'static str,
    pub object: String,
}

impl AuditEntry {
    pub fn anonymous(action: &'static str, object: impl Into<String>) -> AuditEntry {
        AuditEntry { actor_id: None, actor: "anonymous".into(), action, object: object.into() }
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
                machine: None,
                outcome,
                error_code,
            },
        )
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
        let result = connection.transaction::<T, AppError, _>(|connection| {
            let value = work(connection, &mut entry)?;
            entry.append(connection, Outcome::Ok, None)?;
            Ok(value)
        });
        match result {
            Ok(value) => Ok(value),
            Err(error) => {
                let outcome = if error.code.status().is_server_error() { Outcome::Failed } else { Outcome::Refused };
                entry.append(connection, outcome, Some(error.code.as_str())).map_err(AppError::internal)?;
                Err(error)
            }
        }
    })
    .await
}
