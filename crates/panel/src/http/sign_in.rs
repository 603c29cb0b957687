//! Signing in and signing up over HTTP (the login page, `POST /api/v1/login`,
//! the sign-up page, the OpenID Connect provider's pages): what the use cases of `app::sessions` and `app::users`
//! do not see of the request (its client address, its `Origin`), and the
//! aggregated audit rows (`anonymous`) of what they refuse before any work.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::app::oidc::{Callback, Provider};
use crate::app::sessions::{self, AnonymousRefusal, PasswordStep};
use crate::app::totp::SecondFactor;
use crate::app::users::{self, SignUp};
use crate::db::DbPool;
use crate::db::users::User;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::client_addr::client_of;

/// Signs in (`app::sessions::sign_in`) unless the request's `Origin` is
/// foreign: the user, the session's secret (the cookie) and its CSRF token.
pub async fn sign_in(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    username: String,
    password: String,
    second: SecondFactor,
) -> Result<(User, String, String), AppError> {
    let client = client_of(request, &state.trusted_proxies);
    let outcome = match state.public_origin.check(request) {
        Ok(()) => sessions::sign_in(&state.app, pool, client, username, password, second).await,
        Err(error) => Err(AnonymousRefusal::BeforeWork { entry: sessions::login_entry(&username), error }),
    };
    settle(state, client, outcome).await
}

/// The web's password step (`app::sessions::sign_in_or_ask`) unless the
/// request's `Origin` is foreign.
pub async fn sign_in_or_ask(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    username: String,
    password: String,
) -> Result<PasswordStep, AppError> {
    let client = client_of(request, &state.trusted_proxies);
    let outcome = match state.public_origin.check(request) {
        Ok(()) => sessions::sign_in_or_ask(&state.app, pool, client, username, password).await,
        Err(error) => Err(AnonymousRefusal::BeforeWork { entry: sessions::login_entry(&username), error }),
    };
    settle(state, client, outcome).await
}

/// The web's code step (`app::sessions::sign_in_with_code`) unless the
/// request's `Origin` is foreign.
pub async fn sign_in_with_code(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    ticket: String,
    second: SecondFactor,
) -> Result<(User, String, String), AppError> {
    let client = client_of(request, &state.trusted_proxies);
    let outcome = match state.public_origin.check(request) {
        Ok(()) => sessions::sign_in_with_code(&state.app, pool, client, ticket, second).await,
        Err(error) => Err(AnonymousRefusal::BeforeWork { entry: sessions::login_entry("?"), error }),
    };
    settle(state, client, outcome).await
}

/// Signs up (`app::users::sign_up`): the new member's username.
pub async fn sign_up(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    submitted: Result<SignUp, AppError>,
) -> Result<String, AppError> {
    let client = client_of(request, &state.trusted_proxies);
    settle(state, client, users::sign_up(&state.app, pool, client, submitted).await).await
}

/// The error of a refusal, its row written: at once if it has its own, else
/// aggregated per source with the other anonymous refusals of `client`.
async fn settle<T>(
    state: &AppState,
    client: Option<IpAddr>,
    outcome: Result<T, AnonymousRefusal>,
) -> Result<T, AppError> {
    match outcome {
        Ok(value) => Ok(value),
        Err(AnonymousRefusal::BeforeWork { entry, error }) => Err(state.refusals.refuse(client, entry, error).await),
        Err(AnonymousRefusal::Audited(error)) => Err(error),
    }
}

/// The OpenID Connect provider's callback (`app::oidc::Provider::finish`):
/// no `Origin` check (the provider's redirect is a navigation from its
/// site); the browser's state cookie binds the callback to her sign-in.
pub async fn sign_in_with_provider(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    provider: &Provider,
    browser_state: Option<String>,
    callback: Callback,
) -> Result<PasswordStep, AppError> {
    let client = client_of(request, &state.trusted_proxies);
    settle(state, client, provider.finish(&state.app, pool, client, browser_state, callback).await).await
}

/// The first half of an OpenID Connect sign-in (`app::oidc::Provider::start`):
/// the provider's URL and the state for the browser's cookie.
pub async fn start_with_provider(
    request: &HttpRequest,
    pool: &DbPool,
    state: &AppState,
    provider: &Provider,
) -> Result<(String, String), AppError> {
    provider.start(pool, client_of(request, &state.trusted_proxies)).await
}
