//! `POST/GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`: a user's own
//! personal access tokens. The token (`smp_` + 64 hex digits) is answered once,
//! at creation; only its SHA-256 is stored.
//!
//! A token is made only from a signed-in browser session, with the password
//! typed again: a stolen token or an unattended session alone cannot mint a
//! longer-lived credential. Every token expires (90 days unless asked, a
//! year at most) and has a scope: `read` (the default) may only GET and
//! HEAD, `write` anything its owner may do.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::Items;
use crate::api::responses::{BodyTooLarge, Internal, SignedIn, SignedInChange, Unauthenticated};
use crate::app::audited::audited;
use crate::app::{AuthVia, CurrentUser};
use crate::db::tokens::{self, NewToken, TokenInfo, TokenScope};
use crate::db::{self, DbPool, unix_now};
use crate::domain::credentials::{hash_secret, random_secret};
use crate::domain::password::verify_password;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::http::auth::TOKEN_PREFIX;
use crate::http::body::Body;

const MAX_NAME_CHARS: usize = 64;
/// A token lives this long unless asked otherwise.
pub const DEFAULT_EXPIRES_IN_DAYS: u32 = 90;
/// And never longer than this.
pub const MAX_EXPIRES_IN_DAYS: u32 = 365;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// 1 to 64 characters.
    pub(crate) name: String,
    /// The caller's password, typed again.
    #[schema(format = Password)]
    pub(crate) password: String,
    /// `read` (the default: GET and HEAD only) or `write`.
    #[serde(default)]
    pub(crate) scope: Option<TokenScope>,
    /// 1 to 365; 90 when left out.
    #[schema(minimum = 1, maximum = 365)]
    pub(crate) expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedToken {
    #[serde(flatten)]
    pub(crate) info: TokenInfo,
    /// Shown this once.
    pub(crate) token: String,
}

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

/// A token request that passed every check but the password's.
struct Checked {
    name: String,
    scope: TokenScope,
    expires_in_days: u32,
}

fn check_request(request: CreateToken) -> Result<(Checked, String), AppError> {
    let CreateToken { name, password, scope, expires_in_days } = request;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid_input(format!("name: 1 to {MAX_NAME_CHARS} characters")));
    }
    let expires_in_days = expires_in_days.unwrap_or(DEFAULT_EXPIRES_IN_DAYS);
    if !(1..=MAX_EXPIRES_IN_DAYS).contains(&expires_in_days) {
        return Err(AppError::invalid_input(format!("expires_in_days: 1 to {MAX_EXPIRES_IN_DAYS}")));
    }
    Ok((Checked { name, scope: scope.unwrap_or_default(), expires_in_days }, password))
}

/// Makes a token for the caller, audited (`token:new`, then `token:ID`).
/// Refused unless the caller came with a browser session (`session_required`)
/// and typed her password again (`wrong_password`). `request` is read first,
/// so that a bad request is audited too; the password is verified on the
/// blocking pool without holding a database connection, then the token is
/// written with its row. The API and the account page create tokens here.
pub(crate) async fn create_token(
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<CreateToken, AppError> + Send + 'static,
) -> Result<CreatedToken, AppError> {
    let user_id = current.user.id;
    let may_make_tokens = crate::policy::may_make_tokens(matches!(current.via, AuthVia::Session { .. }));
    let stored_hash = current.user.password_hash.clone();
    let verified_hash = stored_hash.clone();
    let session = match &current.via {
        AuthVia::Session { id_hash, .. } => Some(id_hash.clone()),
        AuthVia::Token => None,
    };
    let may_retype = super::password::may_retype_password(pool, &current).await;
    let verdict = web::block(move || {
        if !may_make_tokens {
            return Err(AppError::new(
                ErrorCode::SessionRequired,
                "tokens are made from a signed-in browser session (the account page or POST /api/v1/tokens with \
                 the session cookie), not with a token",
            ));
        }
        let (checked, password) = check_request(request()?)?;
        may_retype?;
        if !verify_password(&password, &stored_hash) {
            return Err(wrong_password());
        }
        Ok(checked)
    })
    .await
    .map_err(AppError::internal)
    .and_then(|verdict| verdict);
    audited(pool, current.audit("token:new"), move |connection, entry| {
        let Checked { name, scope, expires_in_days } = verdict?;
        super::password::still_as_verified(connection, user_id, &verified_hash, session.as_deref())?;
        let token = format!("{TOKEN_PREFIX}{}", random_secret());
        let expires_at = unix_now() + i64::from(expires_in_days) * 86_400;
        let new = NewToken { user_id, name: &name, token_hash: &hash_secret(&token), scope, expires_at };
        let info = tokens::create(connection, &new)?;
        entry.object = format!("token:{}", info.id);
        Ok(CreatedToken { info, token })
    })
    .await
}

/// The answer to a password typed again that is not the account's.
pub(crate) fn wrong_password() -> AppError {
    AppError::new(ErrorCode::WrongPassword, "the password is wrong; nothing was changed")
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

/// Revokes the caller's token `id`, audited; another user's token is the
/// same 404 as a missing one (the API and the account page revoke here).
pub(crate) async fn revoke_token(pool: &DbPool, current: CurrentUser, id: i64) -> Result<(), AppError> {
    let user_id = current.user.id;
    audited(pool, current.audit(format!("token:{id}")), move |connection, _| {
        if tokens::revoke(connection, user_id, id)? { Ok(()) } else { Err(AppError::not_found()) }
    })
    .await
}
