//! `POST /api/v1/login`, `POST /api/v1/logout`, `GET /api/v1/me`: browser
//! sessions. A login answers the user and the session's `csrf_token` and
//! sets the `smp_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure
//! when configured); the session row stores only the cookie's SHA-256.

use std::sync::OnceLock;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::UserView;
use crate::api::responses::{BodyTooLarge, Internal, SignedIn, SignedInChange};
use crate::app::audited::{AuditEntry, audited};
use crate::app::{AuthVia, CurrentUser};
use crate::db::users::User;
use crate::db::{self, DbConnection, DbPool, sessions, users};
use crate::domain::credentials::{hash_secret, random_secret};
use crate::domain::password::{Password, verify_password};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::http::AppState;
use crate::http::auth::session_cookie_for;
use crate::http::body::Body;
use crate::http::client_addr::client_of;

/// How long a session lasts, in seconds (12 hours).
pub const SESSION_LIFETIME_S: i64 = 12 * 60 * 60;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    #[schema(format = Password)]
    password: String,
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

/// A valid hash that no password matches, verified against when the user is
/// unknown so that both failures take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| Password::generate().hash().unwrap_or_default())
}

fn invalid_credentials() -> AppError {
    AppError::new(ErrorCode::InvalidCredentials, "unknown username or wrong password")
}

#[utoipa::path(
    post,
    path = "/api/v1/login",
    operation_id = "login",
    tag = "session",
    summary = "Sign in (open): sets the session cookie, answers the CSRF token",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie: smp_session=…` (HttpOnly, SameSite=Strict).",
            body = SessionAnswer, headers(("Set-Cookie" = String, description = "The `smp_session` cookie."))),
        (status = 401, description = "`invalid_credentials`: unknown username or wrong password.", body = ErrorBody),
        (status = 403, description = "`account_disabled`, `approval_pending`, or `origin_mismatch` (an `Origin` \
            header that is not the panel's `public_url`).", body = ErrorBody),
        (status = 422, description = "`invalid_input`: malformed body.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many attempts from this address or for this username.",
            body = ErrorBody),
        BodyTooLarge, Internal,
    ),
)]
pub async fn login(
    request: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let LoginRequest { username, password } = match body.json() {
        Ok(request) => request,
        Err(error) => {
            let client = client_of(&request, &state.trusted_proxies);
            return Err(state
                .refusals
                .refuse(client, AuditEntry::anonymous("session.login", "username:?"), error)
                .await);
        }
    };
    let (user, secret, csrf_token) = sign_in(&request, &pool, &state, username, password).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie_for(Some(&secret), SESSION_LIFETIME_S, state.secure_cookies))
        .json(SessionAnswer { user: UserView::from(&user), csrf_token: Some(csrf_token) }))
}

/// Checks a password and opens a session, audited: the user, the
/// session's secret (the cookie) and its CSRF token. The login page and
/// `POST /api/v1/login` both sign in here.
///
/// In order: a foreign `Origin` is refused (`origin`); the attempt counts
/// against the client address and the username (`LoginLimiter`); the
/// account is loaded and its connection given back; Argon2 runs on the
/// blocking pool holding no connection (so a burst of logins cannot starve
/// the pool); then the session is written with its audit row. Refusals
/// before the password is checked are anonymous and aggregated per source
/// (`AnonymousRefusals`); a wrong password writes its own row (at most as
/// many as the limiter lets through).
pub(crate) async fn sign_in(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    username: String,
    password: String,
) -> Result<(User, String, String), AppError> {
    let mut entry =
        AuditEntry::anonymous("session.login", format!("username:{}", username.chars().take(64).collect::<String>()));
    let client = client_of(request, &state.trusted_proxies);
    if let Err(error) = state.public_origin.check(request) {
        return Err(state.refusals.refuse(client, entry, error).await);
    }
    if !state.login_limiter.allow_login(client, &username) {
        let error = AppError::new(ErrorCode::RateLimited, "too many login attempts; wait a minute");
        return Err(state.refusals.refuse(client, entry, error).await);
    }
    let account = db::run(pool, move |connection| load_account(connection, &username)).await?;
    let verdict = web::block(move || check_password(account, &password))
        .await
        .map_err(AppError::internal)
        .and_then(|verdict| verdict)
        .and_then(|user| admit(&mut entry, user));
    // The account is read again under its row's lock: a password change or
    // a disable that committed while Argon2 ran wins, and no session is made.
    audited(pool, entry, move |connection, _| {
        let user = verdict?;
        super::password::still_as_verified(connection, user.id, &user.password_hash, None)?;
        let (secret, csrf_token) = (random_secret(), random_secret());
        sessions::create(connection, &hash_secret(&secret), user.id, &csrf_token, SESSION_LIFETIME_S)?;
        Ok((user, secret, csrf_token))
    })
    .await
}

/// The account a login names, if the name is one at all.
fn load_account(connection: &mut DbConnection, username: &str) -> Result<Option<User>, AppError> {
    match Username::parse(username) {
        Ok(name) => Ok(users::find_by_username(connection, &name)?),
        Err(_) => Ok(None),
    }
}

/// The account if `password` is its password (Argon2: call it off the
/// async runtime and without a database connection). An unknown account is
/// checked against a dummy hash, so both failures take as long.
pub(crate) fn check_password(account: Option<User>, password: &str) -> Result<User, AppError> {
    let Some(user) = account else {
        verify_password(password, dummy_hash());
        return Err(invalid_credentials());
    };
    if !verify_password(password, &user.password_hash) {
        return Err(invalid_credentials());
    }
    Ok(user)
}

/// The user whose password was right, if she may sign in; names her in the
/// audit entry.
fn admit(entry: &mut AuditEntry, user: User) -> Result<User, AppError> {
    entry.actor_id = Some(user.id.0);
    entry.actor = user.username.to_string();
    entry.object = format!("user:{}", user.id);
    if user.disabled {
        return Err(AppError::new(ErrorCode::AccountDisabled, "this account is disabled"));
    }
    if !user.approved {
        return Err(AppError::new(ErrorCode::ApprovalPending, "this account awaits an admin's approval"));
    }
    Ok(user)
}

#[utoipa::path(
    post,
    path = "/api/v1/logout",
    operation_id = "logout",
    tag = "session",
    summary = "End the caller's session and clear its cookie",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared."),
        (status = 422, description = "`invalid_input`: a bearer token has no session (revoke it instead).",
            body = ErrorBody),
        SignedInChange, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn logout(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    sign_out(current, &pool).await?;
    Ok(HttpResponse::NoContent().cookie(session_cookie_for(None, 0, state.secure_cookies)).finish())
}

/// Revokes the caller's session, audited (the page and the API sign out here).
pub(crate) async fn sign_out(current: CurrentUser, pool: &DbPool) -> Result<(), AppError> {
    let session = match &current.via {
        AuthVia::Session { id_hash, .. } => Some(id_hash.clone()),
        AuthVia::Token => None,
    };
    let entry = current.audit(format!("user:{}", current.user.id));
    audited(pool, entry, move |connection, _| match session {
        Some(id_hash) => Ok(sessions::revoke(connection, &id_hash)?),
        None => {
            Err(AppError::invalid_input("a token has no session to end; revoke it with DELETE /api/v1/tokens/{id}"))
        }
    })
    .await?;
    Ok(())
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "session",
    summary = "The caller, and the session's CSRF token",
    responses(
        (status = 200, description = "The caller (with `csrf_token` when signed in with a session).",
            body = SessionAnswer),
        SignedIn, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn me(current: CurrentUser) -> HttpResponse {
    let csrf_token = match &current.via {
        AuthVia::Session { csrf_token, .. } => Some(csrf_token.clone()),
        AuthVia::Token => None,
    };
    HttpResponse::Ok().json(SessionAnswer { user: UserView::from(&current.user), csrf_token })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::UserId;
    use crate::domain::roles::Role;

    fn account(password: &str) -> User {
        User {
            id: UserId(7),
            username: Username::parse("mia").unwrap(),
            password_hash: Password::parse(password.to_owned()).unwrap().hash().unwrap(),
            role: Role::Member,
            approved: true,
            disabled: false,
            created_at: 0,
        }
    }

    /// Argon2 runs here, and this function is given no connection: the
    /// login hashes only after the account's connection went back to the pool.
    #[test]
    fn the_password_check_needs_no_connection_and_answers_unknown_and_wrong_alike() {
        let right = "a long enough passphrase";
        assert_eq!(check_password(Some(account(right)), right).unwrap().id, UserId(7));
        let wrong = check_password(Some(account(right)), "another long passphrase").unwrap_err();
        let unknown = check_password(None, right).unwrap_err();
        assert_eq!((wrong.code, wrong.message), (unknown.code, unknown.message));
    }
}
