//! `POST/GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`: a user's own
//! personal access tokens (`app::tokens`). The token (`smp_` + 64 hex
//! digits) is answered once, at creation; only its SHA-256 is stored.

use actix_web::{HttpResponse, web};

use crate::api::params::TokenPath;
use crate::api::responses::{BodyTooLarge, Internal, SignedIn, SignedInChange, Unauthenticated};
use crate::api::{Answer, Items, created, json};
use crate::app::tokens::{self, CreateToken, CreatedToken};
use crate::db::tokens::TokenInfo;
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// The caller's live tokens (never the tokens themselves)
#[utoipa::path(get, path = "/api/v1/tokens", responses(
    (status = 200, description = "The caller's tokens that are neither revoked nor expired.", body = Items<TokenInfo>),
    SignedIn, Internal,
))]
pub async fn list_tokens(acting: Acting) -> Answer {
    json(Items { items: tokens::list_tokens(&acting.pool, &acting.current).await? })
}

/// Create a personal access token for the caller (shown once; from a browser session, with the password)
#[utoipa::path(post, path = "/api/v1/tokens", request_body = CreateToken, responses(
    (status = 201, description = "Created; `token` is shown this once.", body = CreatedToken),
    (status = 403, description = "`session_required` (a bearer token cannot make tokens), `wrong_password`, \
        `csrf_failed`, `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: bad name, scope or expiry, or no password.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: five wrong passwords in a quarter of an hour.", body = ErrorBody),
    Unauthenticated, BodyTooLarge, Internal,
))]
pub async fn create_token(acting: Acting, body: Body) -> Answer {
    created(tokens::create_token(&acting.context, &acting.pool, acting.current, move || body.json()).await?)
}

/// Revoke one of the caller's tokens
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(TokenPath), responses(
    (status = 204, description = "Revoked."),
    (status = 404, description = "`not_found` (also another user's token).", body = ErrorBody),
    SignedInChange, Internal,
))]
pub async fn revoke_token(acting: Acting, path: web::Path<TokenPath>) -> Answer {
    tokens::revoke_token(&acting.pool, acting.current, path.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
