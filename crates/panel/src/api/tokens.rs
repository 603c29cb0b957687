//! `POST/GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`: a user's own
//! personal access tokens (`app::tokens`). The token (`smp_` + 64 hex
//! digits) is answered once, at creation; only its SHA-256 is stored.

use actix_web::{HttpResponse, web};

use crate::api::Items;
use crate::api::responses::{BodyTooLarge, Internal, SignedIn, SignedInChange, Unauthenticated};
use crate::app::CurrentUser;
use crate::app::tokens::{CreateToken, CreatedToken, create_token, list_tokens, revoke_token};
use crate::db::DbPool;
use crate::db::tokens::TokenInfo;
use crate::error::{AppError, ErrorBody};
use crate::http::body::Body;

#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "create_token",
    tag = "tokens",
    summary = "Create a personal access token for the caller (shown once; from a browser session, with the password)",
    request_body = CreateToken,
    responses(
        (status = 201, description = "Created; `token` is shown this once.", body = CreatedToken),
        (status = 403, description = "`session_required` (a bearer token cannot make tokens), `wrong_password`, \
            `csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad name, scope or expiry, or no password.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: five wrong passwords in a quarter of an hour.", body = ErrorBody),
        Unauthenticated, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = [])),
)]
pub async fn create(current: CurrentUser, pool: web::Data<DbPool>, body: Body) -> Result<HttpResponse, AppError> {
    let created = create_token(&pool, current, move || body.json()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    operation_id = "list_tokens",
    tag = "tokens",
    summary = "The caller's live tokens (never the tokens themselves)",
    responses(
        (status = 200, description = "The caller's tokens that are neither revoked nor expired.",
            body = Items<TokenInfo>),
        SignedIn, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let items = list_tokens(&pool, &current).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    operation_id = "revoke_token",
    tag = "tokens",
    summary = "Revoke one of the caller's tokens",
    params(("id" = i64, Path, description = "The token's id.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "`not_found` (also another user's token).", body = ErrorBody),
        SignedInChange, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn revoke(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    revoke_token(&pool, current, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
