//! `GET /api/v1/audit`: the audit log, newest first, as the policy allows:
//! admins every row, others their own actions and actions on what they own.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::responses::{Internal, SignedIn};
use crate::app::CurrentUser;
use crate::db::audit::{self, AuditQuery, AuditRow, Visible};
use crate::db::containers;
use crate::db::services::Candidates;
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorBody};
use crate::policy::{Action, Decision, Object};

/// Rows per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// A username.
    actor: Option<String>,
    /// e.g. `container.restart`.
    action: Option<String>,
    /// e.g. `container:12`.
    object: Option<String>,
    /// A machine name.
    machine: Option<String>,
    /// `ok`, `refused`, `failed` or `started`.
    outcome: Option<String>,
    /// Only rows at or after this unix time.
    since: Option<i64>,
    /// Only rows with a smaller id (the next page: the last id you got).
    before: Option<i64>,
    /// Rows per page, 1-1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit",
    tag = "audit",
    summary = "The audit log, newest first (admins: every row; others: their own and their containers' and services')",
    params(AuditParams),
    responses(
        (status = 200, description = "One page; `next_before` fetches the next.", body = AuditPage),
        (status = 422, description = "`invalid_input`: a bad `limit` or an unknown parameter.", body = ErrorBody),
        SignedIn, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid_input(format!("limit must be 1-{MAX_LIMIT}")));
    }
    let query = AuditQuery {
        actor: params.actor,
        action: params.action,
        object: params.object,
        machine: params.machine,
        outcome: params.outcome,
        since: params.since,
        before: params.before,
        limit,
    };
    let rows = db::run(&pool, move |connection| search_as(connection, &current, &query)).await?;
    let next_before = (rows.len() as i64 == limit).then(|| rows.last().map(|row| row.id)).flatten();
    Ok(HttpResponse::Ok().json(AuditPage { items: rows, next_before }))
}

/// `GET /api/v1/audit`: a page of rows, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}

/// The rows of `query` that `current` may read, newest first: every row if
/// the policy allows `AuditViewAll`, else her own actions and actions on the
/// containers of the trees she owns and on the services she may see (hers
/// and those on her containers), without the `detail` of others' rows. The
/// API and the web pages search here.
pub(crate) fn search_as(
    connection: &mut DbConnection,
    current: &CurrentUser,
    query: &AuditQuery,
) -> Result<Vec<AuditRow>, AppError> {
    let visible = match crate::policy::decide(&current.actor(), Action::AuditViewAll, &Object::Nothing) {
        Decision::Allow => Visible::All,
        _ => {
            let owned = containers::tree_ids_of(connection, current.user.id.0)?;
            let candidates = Candidates::OwnedOrOn { owner: current.user.id.0, containers: &owned };
            let services = crate::app::services::visible(connection, current, Some(candidates))?;
            let objects = owned
                .iter()
                .map(|id| format!("container:{id}"))
                .chain(services.iter().map(|service| format!("service:{}", service.id)))
                .collect();
            Visible::ActorOrObjects { actor_id: current.user.id.0, objects }
        }
    };
    let mut rows = audit::search(connection, &visible, query)?;
    if let Visible::ActorOrObjects { actor_id, .. } = visible {
        // What others ran in her containers (an argv may hold their secrets,
        // and the container may have been someone else's then) stays theirs:
        // she reads that they acted, not what they ran.
        for row in rows.iter_mut().filter(|row| row.actor_id != Some(actor_id)) {
            row.detail = None;
        }
    }
    Ok(rows)
}
