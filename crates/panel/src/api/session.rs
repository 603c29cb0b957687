//! `POST /api/v1/login`, `POST /api/v1/logout`, `GET /api/v1/me`: browser
//! sessions. A login answers the user and the session's `csrf_token` and
//! sets the `smp_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure
//! when configured); the session row stores only the cookie's SHA-256.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::responses::{BodyTooLarge, Internal, SignedIn, SignedInChange};
use crate::api::{Answer, json};
use crate::app::AuthVia;
use crate::app::sessions::{SESSION_LIFETIME_S, login_entry, sign_out};
use crate::app::totp::SecondFactor;
use crate::app::users::UserView;
use crate::db::DbPool;
use crate::error::ErrorBody;
use crate::http::auth::session_cookie_for;
use crate::http::body::Body;
use crate::http::client_addr::client_of;
use crate::http::sign_in::sign_in;
use crate::http::{Acting, AppState};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    #[schema(format = Password)]
    password: String,
    /// The six-digit code of her authenticator app, for an account with TOTP.
    #[serde(default)]
    totp: Option<String>,
    /// Instead of `totp`: one of her recovery codes (each works once).
    #[serde(default)]
    #[schema(format = Password)]
    recovery_code: Option<String>,
}

/// The user, plus the CSRF token when the request came with a session.
#[derive(Serialize, ToSchema)]
pub struct SessionAnswer {
    #[serde(flatten)]
    user: UserView,
    /// Send it as `X-CSRF-Token` on every state-changing request of this
    /// session; absent when the caller used a bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

/// Sign in (open): sets the session cookie, answers the CSRF token
#[utoipa::path(post, path = "/api/v1/login", request_body = LoginRequest, responses(
    (status = 200, description = "Signed in; `Set-Cookie: smp_session=…` (HttpOnly, SameSite=Strict).",
        body = SessionAnswer, headers(("Set-Cookie" = String, description = "The `smp_session` cookie."))),
    (status = 401, description = "`invalid_credentials`: unknown username or wrong password; `totp_required`: the \
        password is right and the account has TOTP: send `totp` (or `recovery_code`) too.", body = ErrorBody),
    (status = 403, description = "`account_disabled`, `approval_pending`, `totp_invalid` (a wrong, used or too old \
        code or recovery code), or `origin_mismatch` (an `Origin` header that is not the panel's `public_url`); \
        `forbidden`: a directory (LDAP) account in no mapped group.",
        body = ErrorBody),
    (status = 422, description = "`invalid_input`: malformed body.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: too many attempts from this address or for this \
        username.", body = ErrorBody),
    (status = 503, description = "`directory_unavailable`: the LDAP directory (`[ldap]`) cannot be reached, for \
        a directory account or an unknown username.", body = ErrorBody),
    BodyTooLarge, Internal,
))]
pub async fn login(request: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>, body: Body) -> Answer {
    let LoginRequest { username, password, totp, recovery_code } = match body.json() {
        Ok(request) => request,
        Err(error) => {
            let client = client_of(&request, &state.trusted_proxies);
            return Err(state.refusals.refuse(client, login_entry("?"), error).await);
        }
    };
    let (user, secret, csrf_token) =
        sign_in(&request, &pool, &state, username, password, SecondFactor { totp, recovery_code }).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie_for(Some(&secret), SESSION_LIFETIME_S, state.secure_cookies))
        .json(SessionAnswer { user: UserView::from(&user), csrf_token: Some(csrf_token) }))
}

/// End the caller's session and clear its cookie
#[utoipa::path(post, path = "/api/v1/logout", responses(
    (status = 204, description = "Signed out; the cookie is cleared."),
    (status = 422, description = "`invalid_input`: a bearer token has no session (revoke it \
        instead).", body = ErrorBody),
    SignedInChange, Internal,
))]
pub async fn logout(acting: Acting, state: web::Data<AppState>) -> Answer {
    sign_out(acting.current, &acting.pool).await?;
    Ok(HttpResponse::NoContent().cookie(session_cookie_for(None, 0, state.secure_cookies)).finish())
}

/// The caller, and the session's CSRF token
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, description = "The caller (with `csrf_token` when signed in with a session).", body = SessionAnswer),
    SignedIn, Internal,
))]
pub async fn me(acting: Acting) -> Answer {
    let csrf_token = match &acting.current.via {
        AuthVia::Session { csrf_token, .. } => Some(csrf_token.clone()),
        AuthVia::Token { .. } | AuthVia::SshKey { .. } => None,
    };
    json(SessionAnswer { user: UserView::from(&acting.current.user), csrf_token })
}
