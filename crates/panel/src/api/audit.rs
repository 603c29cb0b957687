//! `GET /api/v1/audit`: the audit log, newest first, as the policy allows
//! (`app::audit`): admins every row, others their own actions and actions on
//! what they own.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::responses::{Internal, SignedIn};
use crate::api::{Answer, json};
use crate::app::audit::{page_limit, search};
use crate::db::audit::{AuditQuery, AuditRow};
use crate::error::ErrorBody;
use crate::http::Acting;

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

/// The audit log, newest first (admins: every row; others: their own and their containers' and services')
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), responses(
    (status = 200, description = "One page; `next_before` fetches the next.", body = AuditPage),
    (status = 422, description = "`invalid_input`: a bad `limit` or an unknown parameter.", body = ErrorBody),
    SignedIn, Internal,
))]
pub async fn list_audit(acting: Acting, params: web::Query<AuditParams>) -> Answer {
    let params = params.into_inner();
    let limit = page_limit(params.limit)?;
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
    let rows = search(&acting.pool, acting.current, query).await?;
    let next_before = (rows.len() as i64 == limit).then(|| rows.last().map(|row| row.id)).flatten();
    json(AuditPage { items: rows, next_before })
}

/// `GET /api/v1/audit`: a page of rows, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}
