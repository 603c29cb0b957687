//! The audit log as each reader may read it (`search_as`, `search`), newest
//! first: admins every row, others their own actions and actions on what
//! they own (`policy::own_audit_rows`). The API and the audit page read here.

use crate::app::CurrentUser;
use crate::db::audit::{self, AuditQuery, AuditRow, Visible};
use crate::db::containers;
use crate::db::services::Candidates;
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;
use crate::policy;
use crate::texts;

/// Rows per page unless the reader asks otherwise.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The rows per page a reader asked for (`DEFAULT_LIMIT` if she did not), if
/// it is 1 to `MAX_LIMIT`.
pub fn page_limit(asked: Option<i64>) -> Result<i64, AppError> {
    let limit = asked.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid("error-services-audit-limit", &[("max", texts::text(MAX_LIMIT))]));
    }
    Ok(limit)
}

/// The rows of `query` that `current` may read, newest first: every row if
/// the policy lets her (`policy::sees_every_audit_row`), else her own
/// actions and actions on the containers of the trees she owns and on the
/// services she may see (hers and those on her containers), without the
/// `detail` of others' rows (`policy::shows_audit_detail`).
pub fn search_as(
    connection: &mut DbConnection,
    current: &CurrentUser,
    query: &AuditQuery,
) -> Result<Vec<AuditRow>, AppError> {
    let actor = current.actor();
    let visible = if policy::sees_every_audit_row(&actor) {
        Visible::All
    } else {
        let owned = containers::tree_ids_of(connection, actor.id)?;
        let candidates = Candidates::OwnedOrOn { owner: actor.id, containers: &owned };
        let services: Vec<i64> = crate::app::services::visible(connection, current, Some(candidates))?
            .iter()
            .map(|service| service.id)
            .collect();
        policy::own_audit_rows(actor.id, &owned, &services)
    };
    let mut rows = audit::search(connection, &visible, query)?;
    for row in rows.iter_mut().filter(|row| !policy::shows_audit_detail(&visible, row.actor_id)) {
        row.detail = None;
    }
    Ok(rows)
}

/// `search_as` on the blocking pool (the API and the audit page search here).
pub async fn search(pool: &DbPool, current: CurrentUser, query: AuditQuery) -> Result<Vec<AuditRow>, AppError> {
    db::run(pool, move |connection| search_as(connection, &current, &query)).await
}
