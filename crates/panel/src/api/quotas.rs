//! `/api/v1/users/{id}/quota…` and `/usage`: the limits admins set for a
//! member, overall and per machine, and what her sub-containers use of them
//! (a member reads her own; admins read and set anyone's).

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::responses::{Allowed, AllowedChange, BodyTooLarge, Internal, NotFound};
use crate::app::CurrentUser;
use crate::app::audited::audited;
use crate::db::machines::{self, MachineId};
use crate::db::quotas::{self, Quota, Usage};
use crate::db::users::{self, User, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorBody};
use crate::http::AppState;
use crate::http::body::Body;
use crate::policy::{Action, Object};

/// The user a quota route names, decided for `action` (a member reads her own).
pub(crate) fn quota_owner(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: UserId,
    action: Action,
) -> Result<User, AppError> {
    let user = users::find(connection, id)?;
    let object = match &user {
        Some(user) => Object::User { id: user.id.0, role: user.role },
        None => Object::Missing,
    };
    current.decide(action, &object)?;
    user.ok_or_else(AppError::not_found)
}

/// A member's quotas and what her sub-containers take of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UsageView {
    pub user_id: i64,
    pub username: String,
    /// Her overall quota (the configured `default_quota` until an admin sets hers).
    pub quota: Quota,
    /// Whether `quota` is the configured default.
    pub default: bool,
    pub used: Usage,
    /// Every machine, with her quota there (if any) and what she uses there.
    pub machines: Vec<MachineUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MachineUsage {
    pub machine_id: i64,
    pub machine: String,
    /// Her quota on this machine, beside the overall one; null: only the overall one applies.
    pub quota: Option<Quota>,
    pub used: Usage,
}

/// The usage view of `user`.
pub(crate) fn usage_of(connection: &mut DbConnection, user: &User, default: &Quota) -> Result<UsageView, AppError> {
    let stored = quotas::stored(connection, user.id)?;
    let usage = quotas::usage(connection, user.id, None)?;
    let mut machine_quotas = quotas::machine_quotas(connection, user.id)?;
    let machines = machines::list(connection)?
        .into_iter()
        .map(|machine| MachineUsage {
            machine_id: machine.id.0,
            quota: machine_quotas.remove(&machine.id.0),
            used: usage.machines.get(&machine.id.0).copied().unwrap_or_default(),
            machine: machine.name.to_string(),
        })
        .collect();
    Ok(UsageView {
        user_id: user.id.0,
        username: user.username.to_string(),
        quota: stored.unwrap_or(*default),
        default: stored.is_none(),
        used: usage.overall,
        machines,
    })
}

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
    let id = UserId(path.into_inner());
    let default = state.default_quota;
    let quota = db::run(&pool, move |connection| {
        quota_owner(connection, &current, id, Action::UserView)?;
        Ok::<_, AppError>(quotas::get(connection, id, &default)?)
    })
    .await?;
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

/// Replaces `id`'s overall quota with what `read` gives (read once the
/// policy, `UserManage`, allowed it), audited with the route's action
/// (`user.quota`). The API and the admin users page set quotas here.
pub(crate) async fn set_quota_of(
    current: CurrentUser,
    pool: &DbPool,
    id: UserId,
    read: impl FnOnce() -> Result<Quota, AppError> + Send + 'static,
) -> Result<Quota, AppError> {
    audited(pool, current.audit(format!("user:{id}")), move |connection, _| {
        quota_owner(connection, &current, id, Action::UserManage)?;
        let quota = read()?;
        quota.validate().map_err(AppError::invalid_input)?;
        quotas::set(connection, id, &quota)?;
        Ok(quota)
    })
    .await
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
    let stored = change_machine_quota(current, &pool, path.into_inner(), Some(body)).await?;
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
    change_machine_quota(current, &pool, path.into_inner(), None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets (a body) or removes (none) a machine quota, audited `user.quota`.
pub(crate) async fn change_machine_quota(
    current: CurrentUser,
    pool: &DbPool,
    (user, machine): (i64, i64),
    body: Option<Body>,
) -> Result<Option<Quota>, AppError> {
    let (user, machine) = (UserId(user), MachineId(machine));
    audited(pool, current.audit(format!("user:{user}")), move |connection, entry| {
        quota_owner(connection, &current, user, Action::UserManage)?;
        let machine = machines::get(connection, machine)?.ok_or_else(AppError::not_found)?;
        entry.machine = Some(machine.name.to_string());
        let quota = body.map(|body| body.json::<Quota>()).transpose()?;
        if let Some(quota) = &quota {
            quota.validate().map_err(AppError::invalid_input)?;
        }
        quotas::set_machine_quota(connection, user, machine.id, quota.as_ref())?;
        Ok(quota)
    })
    .await
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
    let id = UserId(path.into_inner());
    let default = state.default_quota;
    let view = db::run(&pool, move |connection| {
        let user = quota_owner(connection, &current, id, Action::UserView)?;
        usage_of(connection, &user, &default)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
