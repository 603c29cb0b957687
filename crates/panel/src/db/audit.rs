//! The `audit_log` table: append-only. This module can insert and read rows;
//! there is deliberately no function that updates or deletes one.

use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, unix_now};

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Refused,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// One row to append; `at` is taken when it is written.
#[derive(Debug, Clone)]
pub struct NewAuditRow<'a> {
    pub actor_id: Option<i64>,
    /// The actor's username, or "anonymous".
    pub actor: &'a str,
    /// What was attempted, e.g. `user.create`.
    pub action: &'a str,
    /// What it was done to, e.g. `user:12`.
    pub object: &'a str,
    pub machine: Option<&'a str>,
    pub outcome: Outcome,
    pub error_code: Option<&'a str>,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub machine: Option<String>,
    pub outcome: String,
    pub error_code: Option<String>,
}

/// Appends one row.
pub fn append(connection: &mut DbConnection, row: &NewAuditRow<'_>) -> Result<(), diesel::result::Error> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(unix_now()),
            audit_log::actor_id.eq(row.actor_id),
            audit_log::actor.eq(row.actor),
            audit_log::action.eq(row.action),
            audit_log::object.eq(row.object),
            audit_log::machine.eq(row.machine),
            audit_log::outcome.eq(row.outcome.as_str()),
            audit_log::error_code.eq(row.error_code),
        ))
        .execute(connection)?;
    Ok(())
}

/// Every row, oldest first.
pub fn list(connection: &mut DbConnection) -> Result<Vec<AuditRow>, diesel::result::Error> {
    audit_log::table.order(audit_log::id).select(AuditRow::as_select()).load(connection)
}
