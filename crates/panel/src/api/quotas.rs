//! `/api/v1/users/{id}/quota…` and `/usage`: the limits admins set for a
//! member, overall and per machine, and what her sub-containers use of them
//! (a member reads her own; admins read and set anyone's); the use cases are
//! `app::quotas`.

use actix_web::{HttpResponse, web};

use crate::api::responses::{Allowed, AllowedChange, BodyTooLarge, Internal, NotFound};
use crate::app::CurrentUser;
use crate::app::quotas::{UsageView, change_machine_quota, quota_of_user, set_quota_of, usage_of_user};
use crate::db::DbPool;
use crate::db::quotas::Quota;
use crate::db::users::UserId;
use crate::error::{AppError, ErrorBody};
use crate::http::AppState;
use crate::http::body::Body;

/// `GET /api/v1/users/{id}/quota`: admins, and a member for herself.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/quota",
    operation_id = "get_quota",
    tag = "users",
    summary = "A user's overall quota (admins, and a member for herself)",
    params(("id" = i64, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The quota (the configured default until an admin sets one); null fields are unlimited.", body = Quota),
        (status = 404, description = "`not_found` (also someone else's, for a member).", body = ErrorBody),
        Allowed, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn quota(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let quota = quota_of_user(current, &state.app, &pool, UserId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(quota))
}

/// `PUT /api/v1/users/{id}/quota` `{"containers","cpu","memory_mb","disk_mb"}` (null: no limit).
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/quota",
    operation_id = "set_quota",
    tag = "users",
    summary = "Replace a user's overall quota (admins)",
    params(("id" = i64, Path, description = "The user's id.")),
    request_body = Quota,
    responses(
        (status = 200, description = "The stored quota.", body = Quota),
        (status = 422, description = "`invalid_input`: a negative limit or a malformed body.", body = ErrorBody),
        AllowedChange, NotFound, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn set_quota(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let stored = set_quota_of(current, &pool, UserId(path.into_inner()), move || body.json()).await?;
    Ok(HttpResponse::Ok().json(stored))
}

/// `PUT /api/v1/users/{id}/quota/machines/{machine_id}` (a quota on one
/// machine) and `DELETE` (none there: only the overall quota applies).
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/quota/machines/{machine_id}",
    operation_id = "set_machine_quota",
    tag = "users",
    summary = "Set a user's quota on one machine (admins)",
    params(
        ("id" = i64, Path, description = "The user's id."),
        ("machine_id" = i64, Path, description = "The machine's id."),
    ),
    request_body = Quota,
    responses(
        (status = 200, description = "The stored quota.", body = Quota),
        (status = 404, description = "`not_found`: no such user or machine.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a negative limit or a malformed body.", body = ErrorBody),
        AllowedChange, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn set_machine_quota(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let stored = change_machine_quota(current, &pool, path.into_inner(), Some(move || body.json::<Quota>())).await?;
    Ok(HttpResponse::Ok().json(stored))
}

#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/quota/machines/{machine_id}",
    operation_id = "delete_machine_quota",
    tag = "users",
    summary = "Remove a user's quota on one machine (admins)",
    params(
        ("id" = i64, Path, description = "The user's id."),
        ("machine_id" = i64, Path, description = "The machine's id."),
    ),
    responses(
        (status = 204, description = "Removed (or there was none): only the overall quota applies there."),
        (status = 404, description = "`not_found`: no such user or machine.", body = ErrorBody),
        AllowedChange, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn delete_machine_quota(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    change_machine_quota(current, &pool, path.into_inner(), None::<fn() -> Result<Quota, AppError>>).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/users/{id}/usage`: her quotas and what she uses, overall and per machine.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/usage",
    operation_id = "get_usage",
    tag = "users",
    summary = "A user's quotas and what her sub-containers use (admins, and a member for herself)",
    params(("id" = i64, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "Quotas and usage.", body = UsageView),
        (status = 404, description = "`not_found` (also someone else's, for a member).", body = ErrorBody),
        Allowed, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn usage(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let view = usage_of_user(current, &state.app, &pool, UserId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(view))
}
