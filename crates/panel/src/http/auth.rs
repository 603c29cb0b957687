//! Who is asking: the `CurrentUser` extractor every protected handler takes.
//!
//! A request authenticates with `Authorization: Bearer smp_…` (a personal
//! access token; no CSRF check) or with the `smp_session` cookie; a cookie
//! request whose method changes state must carry `X-CSRF-Token` equal to its
//! session's token and, if it has an `Origin` header, the panel's own origin
//! (`origin`). A token of scope `read` may not change state (`token_scope`).
//! Disabled and not-yet-approved users cannot act. A refused
//! state-changing request is audited here, with its route's `AuditAction`:
//! a known user's refusal one row each, a stranger's (no credential, or an
//! unknown one) aggregated per source by `AnonymousRefusals`.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use subtle::ConstantTimeEq as _;

use crate::app::audited::AuditEntry;
use crate::app::tokens::TOKEN_PREFIX;
use crate::app::{AuthVia, CurrentUser};
use crate::db::users;
use crate::db::{self, DbPool, sessions, tokens};
use crate::domain::credentials::hash_secret;
use crate::error::{AppError, ErrorCode};
use crate::http::AppState;
use crate::http::client_addr::client_of;
use crate::policy;

pub const SESSION_COOKIE: &str = "smp_session";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The audit action of a state-changing route (set in the route table).
#[derive(Debug, Clone, Copy)]
pub struct AuditAction(pub &'static str);

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// What the request presents, read before any database work.
enum Credential {
    Bearer(String),
    Cookie { secret: String, csrf_header: Option<String> },
    Nothing,
}

/// The value of the `smp_session` cookie, if the request sends one.
pub fn session_cookie(request: &HttpRequest) -> Option<String> {
    request.cookie(SESSION_COOKIE).map(|cookie| cookie.value().to_owned())
}

/// The session cookie for `secret` (`None`: a cookie that clears it).
pub fn session_cookie_for(secret: Option<&str>, max_age_s: i64, secure: bool) -> Cookie<'static> {
    let (value, max_age) = match secret {
        Some(secret) => (secret.to_owned(), max_age_s),
        None => (String::new(), 0),
    };
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

fn credential(request: &HttpRequest) -> Result<Credential, AppError> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| token.starts_with(TOKEN_PREFIX))
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "Authorization must be: Bearer smp_…"))?;
        return Ok(Credential::Bearer(token.to_owned()));
    }
    if let Some(secret) = session_cookie(request) {
        let csrf_header = request.headers().get(CSRF_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
        return Ok(Credential::Cookie { secret, csrf_header });
    }
    Ok(Credential::Nothing)
}

async fn authenticate(request: HttpRequest, action: &'static str) -> Result<CurrentUser, AppError> {
    let pool = request
        .app_data::<web::Data<DbPool>>()
        .ok_or_else(|| AppError::internal("the database pool is not registered"))?
        .clone();
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("the application state is not registered"))?
        .clone();
    let state_changing = changes_state(request.method());
    let path = request.path().to_owned();
    let client = client_of(&request, &state.trusted_proxies);
    // No credential at all: refused without touching the database, its row
    // aggregated per source (a stranger's flood writes one row a minute).
    let credential = match credential(&request) {
        Ok(Credential::Nothing) => Err(AppError::unauthenticated()),
        other => other,
    };
    let credential = match credential {
        Ok(credential) => credential,
        Err(error) if state_changing => {
            return Err(state.refusals.refuse(client, AuditEntry::anonymous(action, path), error).await);
        }
        Err(error) => return Err(error),
    };
    let origin = state.public_origin.check(&request);
    let refusals = state.refusals.clone();
    let require_totp = state.app.require_totp_for_admins;
    db::run(&pool, move |connection| {
        let mut entry = AuditEntry::anonymous(action, path);
        let result = (|| {
            let (user_id, via, csrf_header, read_only) = match credential {
                Credential::Bearer(token) => {
                    let hash = hash_secret(&token);
                    let (user_id, scope) = tokens::authenticate(connection, &hash)?.ok_or_else(|| {
                        AppError::new(ErrorCode::Unauthenticated, "the token is unknown, revoked or expired")
                    })?;
                    (user_id, AuthVia::Token { hash }, None, !policy::token_may_change_state(scope))
                }
                Credential::Cookie { secret, csrf_header } => {
                    let session = sessions::find_live(connection, &hash_secret(&secret))?.ok_or_else(|| {
                        AppError::new(ErrorCode::Unauthenticated, "the session has ended; sign in again")
                    })?;
                    let via = AuthVia::Session { id_hash: session.id_hash, csrf_token: session.csrf_token };
                    (session.user_id, via, csrf_header, false)
                }
                Credential::Nothing => return Err(AppError::unauthenticated()),
            };
            let user = users::find(connection, user_id)?.ok_or_else(AppError::unauthenticated)?;
            entry.actor_id = Some(user.id.0);
            entry.actor = user.username.to_string();
            if user.disabled {
                return Err(AppError::new(ErrorCode::AccountDisabled, "this account is disabled"));
            }
            if !user.approved {
                return Err(AppError::new(ErrorCode::ApprovalPending, "this account awaits an admin's approval"));
            }
            if read_only && state_changing {
                return Err(AppError::new(
                    ErrorCode::TokenScope,
                    "this token's scope is read: it may only make GET and HEAD requests; make a write token for this",
                ));
            }
            if let AuthVia::Session { csrf_token, .. } = &via
                && state_changing
            {
                // A browser names the page that sent the request: another site's is refused.
                origin?;
                if !csrf_header
                    .as_deref()
                    .is_some_and(|header| bool::from(header.as_bytes().ct_eq(csrf_token.as_bytes())))
                {
                    return Err(AppError::new(
                        ErrorCode::CsrfFailed,
                        "send the session's csrf_token (from login or /api/v1/me) in the X-CSRF-Token header",
                    ));
                }
            }
            let admin_withheld = crate::app::totp::admin_withheld(connection, require_totp, &user)?;
            Ok(CurrentUser { user, via, action, admin_withheld })
        })();
        if let Err(error) = &result
            && state_changing
        {
            match entry.actor_id {
                // An unknown or ended token or session: a stranger, aggregated.
                None => refusals.record(connection, client, &entry, error)?,
                // A known user: accountable, one row each.
                Some(_) => entry.append_error(connection, error)?,
            }
        }
        result
    })
    .await
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CurrentUser, AppError>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let action = request.app_data::<AuditAction>().map_or("request", |action| action.0);
        let authenticated = authenticate(request.clone(), action);
        Box::pin(async move {
            let current = authenticated.await?;
            // A page is in her own language from here on (the API is not).
            if let Some(language) = current.user.language {
                super::page_language::choose(language);
            }
            Ok(current)
        })
    }
}
