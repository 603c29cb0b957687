//! `GET/POST /api/v1/users`, `PATCH /api/v1/users/{id}`: accounts, as the
//! policy allows (admins manage members; only a head admin makes admins; a
//! member gets 404 for anyone else's account).

use actix_web::{HttpResponse, web};

use crate::api::Items;
use crate::api::responses::{AllowedChange, BodyTooLarge, Internal, NotFound, Unauthenticated};
use crate::app::CurrentUser;
use crate::app::users::{CreateUser, CreatedUser, UpdateUser, UserView, create_user, list_users, update_user};
use crate::db::DbPool;
use crate::db::users::UserId;
use crate::error::{AppError, ErrorBody};
use crate::http::body::Body;

#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "list_users",
    tag = "users",
    summary = "Every account (admins)",
    responses(
        (status = 200, description = "The accounts.", body = Items<UserView>),
        (status = 403, description = "`forbidden` (members), `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        Unauthenticated, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let items = list_users(&pool, &current).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "create_user",
    tag = "users",
    summary = "Create an account (admins; only the head admin makes admins)",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created, approved.", body = CreatedUser),
        (status = 409, description = "`conflict`: the username is taken.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad username, role or password.", body = ErrorBody),
        AllowedChange, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn create(current: CurrentUser, pool: web::Data<DbPool>, body: Body) -> Result<HttpResponse, AppError> {
    let created = create_user(&pool, current, move || body.json()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    operation_id = "update_user",
    tag = "users",
    summary = "Change an account's role, approval or disabled flag (admins)",
    params(("id" = i64, Path, description = "The user's id.")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The updated account. Disabling or unapproving it also ends every session \
            and token of hers, for good.", body = UserView),
        (status = 403, description = "`forbidden` (also for locking yourself out), `csrf_failed`, \
            `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`.", body = ErrorBody),
        Unauthenticated, NotFound, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn update(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let updated = update_user(&pool, current, UserId(path.into_inner()), move || body.json()).await?;
    Ok(HttpResponse::Ok().json(updated))
}
