//! `/api/v1/users/{id}/quota…` and `/usage`: the limits admins set for a
//! member, overall and per machine, and what her sub-containers use of them
//! (a member reads her own; admins read and set anyone's); the use cases are
//! `app::quotas`.

use actix_web::{HttpResponse, web};

use crate::api::params::{UserMachinePath, UserPath};
use crate::api::responses::{Allowed, AllowedChange, BodyTooLarge, Internal, NotFound};
use crate::api::{Answer, json};
use crate::app::quotas::{UsageView, change_machine_quota, quota_of_user, set_quota_of, usage_of_user};
use crate::db::quotas::Quota;
use crate::db::users::UserId;
use crate::error::{AppError, ErrorBody};
use crate::http::Acting;
use crate::http::body::Body;

/// A user's overall quota (admins, and a member for herself)
#[utoipa::path(get, path = "/api/v1/users/{id}/quota", params(UserPath), responses(
    (status = 200, description = "The quota (the configured default until an admin sets one); null fields are \
        unlimited.", body = Quota),
    (status = 404, description = "`not_found` (also someone else's, for a member).", body = ErrorBody),
    Allowed, Internal,
))]
pub async fn get_quota(acting: Acting, path: web::Path<UserPath>) -> Answer {
    json(quota_of_user(acting.current, &acting.context, &acting.pool, UserId(path.id)).await?)
}

/// Replace a user's overall quota (admins)
///
/// The body is `{"containers","cpu","memory_mb","disk_mb"}`; null is no limit.
#[utoipa::path(put, path = "/api/v1/users/{id}/quota", params(UserPath), request_body = Quota, responses(
    (status = 200, description = "The stored quota.", body = Quota),
    (status = 422, description = "`invalid_input`: a negative limit or a malformed body.", body = ErrorBody),
    AllowedChange, NotFound, BodyTooLarge, Internal,
))]
pub async fn set_quota(acting: Acting, path: web::Path<UserPath>, body: Body) -> Answer {
    json(set_quota_of(acting.current, &acting.pool, UserId(path.id), move || body.json()).await?)
}

/// Set a user's quota on one machine (admins)
#[utoipa::path(put, path = "/api/v1/users/{id}/quota/machines/{machine_id}", params(UserMachinePath),
    request_body = Quota, responses(
    (status = 200, description = "The stored quota.", body = Quota),
    (status = 404, description = "`not_found`: no such user or machine.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a negative limit or a malformed body.", body = ErrorBody),
    AllowedChange, BodyTooLarge, Internal,
))]
pub async fn set_machine_quota(acting: Acting, path: web::Path<UserMachinePath>, body: Body) -> Answer {
    let read = move || body.json::<Quota>();
    json(change_machine_quota(acting.current, &acting.pool, (path.id, path.machine_id), Some(read)).await?)
}

/// Remove a user's quota on one machine (admins)
#[utoipa::path(delete, path = "/api/v1/users/{id}/quota/machines/{machine_id}", params(UserMachinePath), responses(
    (status = 204, description = "Removed (or there was none): only the overall quota applies there."),
    (status = 404, description = "`not_found`: no such user or machine.", body = ErrorBody),
    AllowedChange, Internal,
))]
pub async fn delete_machine_quota(acting: Acting, path: web::Path<UserMachinePath>) -> Answer {
    let none = None::<fn() -> Result<Quota, AppError>>;
    change_machine_quota(acting.current, &acting.pool, (path.id, path.machine_id), none).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's quotas and what her sub-containers use (admins, and a member for herself)
#[utoipa::path(get, path = "/api/v1/users/{id}/usage", params(UserPath), responses(
    (status = 200, description = "Quotas and usage.", body = UsageView),
    (status = 404, description = "`not_found` (also someone else's, for a member).", body = ErrorBody),
    Allowed, Internal,
))]
pub async fn get_usage(acting: Acting, path: web::Path<UserPath>) -> Answer {
    json(usage_of_user(acting.current, &acting.context, &acting.pool, UserId(path.id)).await?)
}
