//! `POST/GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`: a user's own
//! personal access tokens. The token (`smp_` + 64 hex digits) is answered once,
//! at creation; only its SHA-256 is stored.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audited::audited;
use super::auth::{CurrentUser, TOKEN_PREFIX, hash_secret, random_secret};
use super::body::Body;
use crate::db::tokens::{self, TokenInfo};
use crate::db::{self, DbPool, unix_now};
use crate::error::AppError;
use crate::openapi::{ErrorBody, TokenList};

const MAX_NAME_CHARS: usize = 64;
const MAX_EXPIRES_IN_DAYS: u32 = 3650;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// 1 to 64 characters.
    pub(crate) name: String,
    /// 1 to 3650; leave out for a token that does not expire.
    #[schema(minimum = 1, maximum = 3650)]
    pub(crate) expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedToken {
    #[serde(flatten)]
    #[schema(value_type = crate::openapi::TokenInfo)]
    pub(crate) info: TokenInfo,
    /// Shown this once.
    pub(crate) token: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "create_token",
    tag = "tokens",
    summary = "Create a personal access token for the caller (shown once)",
    request_body = CreateToken,
    responses(
        (status = 201, description = "Created; `token` is shown this once.", body = CreatedToken),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad name or expiry.", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn create(current: CurrentUser, pool: web::Data<DbPool>, body: Body) -> Result<HttpResponse, AppError> {
    let created = create_token(&pool, current, move || body.json()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Makes a token for the caller, audited (`token:new`, then `token:ID`):
/// `request` is read inside the audited work, so that a bad request is
/// audited too. The API and the account page create tokens here.
pub(crate) async fn create_token(
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<CreateToken, AppError> + Send + 'static,
) -> Result<CreatedToken, AppError> {
    let user_id = current.user.id;
    audited(pool, current.audit("token:new"), move |connection, entry| {
        let CreateToken { name, expires_in_days } = request()?;
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(AppError::invalid_input(format!("name: 1 to {MAX_NAME_CHARS} characters")));
        }
        if expires_in_days.is_some_and(|days| !(1..=MAX_EXPIRES_IN_DAYS).contains(&days)) {
            return Err(AppError::invalid_input(format!("expires_in_days: 1 to {MAX_EXPIRES_IN_DAYS}")));
        }
        let expires_at = expires_in_days.map(|days| unix_now() + i64::from(days) * 86_400);
        let token = format!("{TOKEN_PREFIX}{}", random_secret());
        let info = tokens::create(connection, user_id, &name, &hash_secret(&token), expires_at)?;
        entry.object = format!("token:{}", info.id);
        Ok(CreatedToken { info, token })
    })
    .await
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    operation_id = "list_tokens",
    tag = "tokens",
    summary = "The caller's live tokens (never the tokens themselves)",
    responses(
        (status = 200, description = "The caller's tokens that are neither revoked nor expired.", body = TokenList),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let items = list_tokens(&pool, &current).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// The caller's live tokens (the API and the account page list them here).
pub(crate) async fn list_tokens(pool: &DbPool, current: &CurrentUser) -> Result<Vec<TokenInfo>, AppError> {
    let user_id = current.user.id;
    db::run(pool, move |connection| Ok::<_, AppError>(tokens::list_live(connection, user_id)?)).await
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
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 404, description = "`not_found` (also another user's token).", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
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

/// Revokes the caller's token `id`, audited; another user's token is the
/// same 404 as a missing one (the API and the account page revoke here).
pub(crate) async fn revoke_token(pool: &DbPool, current: CurrentUser, id: i64) -> Result<(), AppError> {
    let user_id = current.user.id;
    audited(pool, current.audit(format!("token:{id}")), move |connection, _| {
        if tokens::revoke(connection, user_id, id)? { Ok(()) } else { Err(AppError::not_found()) }
    })
    .await
}
