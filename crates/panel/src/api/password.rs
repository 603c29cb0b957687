//! `PUT /api/v1/me/password` `{"current","new"}`: the caller changes her own
//! password (`app::password::change_password`, the account page's form's
//! use case too): every token of hers is revoked and every session but the
//! one making the change ends, for good.

use actix_web::{HttpResponse, web};

use crate::api::responses::{BodyTooLarge, Internal, Unauthenticated};
use crate::app::CurrentUser;
use crate::app::password::{PasswordChange, PasswordChanged, change_password};
use crate::db::DbPool;
use crate::error::{AppError, ErrorBody};
use crate::http::body::Body;

#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    operation_id = "change_password",
    tag = "session",
    summary = "Change the caller's password: every token and every other session ends",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; every token of the caller is revoked and every session but this \
            one has ended.", body = PasswordChanged),
        (status = 403, description = "`wrong_password` (nothing changed), `token_scope` (a read token), \
            `csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a malformed body, or a new password against the rules.",
            body = ErrorBody),
        (status = 429, description = "`rate_limited`: five wrong passwords in a quarter of an hour.",
            body = ErrorBody),
        Unauthenticated, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn change(current: CurrentUser, pool: web::Data<DbPool>, body: Body) -> Result<HttpResponse, AppError> {
    let changed = change_password(&pool, current, move || body.json()).await?;
    Ok(HttpResponse::Ok().json(changed))
}
