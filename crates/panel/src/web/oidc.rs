//! The pages of "Sign in with …" (`[oidc]`, `app::oidc`): `/auth/oidc/start`
//! sends the browser to the provider with the sign-in's `state` also in a
//! cookie of hers (`SameSite=Lax`, so that it comes back with the
//! provider's redirect, `HttpOnly`, ten minutes, only under `/auth/oidc`);
//! `/auth/oidc/callback` finishes the sign-in. Whatever goes wrong is the
//! login page with the reason in words (never a 500), and the state cookie
//! is cleared either way.
//!
//! The session cookie is `SameSite=Strict`, and a browser does not send it
//! on a redirect chain that began at the provider's site: so a successful
//! callback answers a small page that moves on by itself (`<meta
//! refresh>`, a navigation of the panel's own), not a redirect.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::Translate as _;
use super::pages::{after_sign_in, code_step, login_refused};
use super::{Page, html};
use crate::app::oidc::Callback;
use crate::app::sessions::{PasswordStep, SESSION_LIFETIME_S};
use crate::db::DbPool;
use crate::db::oidc_logins::LIFETIME_S;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::auth::session_cookie_for;
use crate::http::sign_in::{sign_in_with_provider, start_with_provider};

/// The cookie holding the state of her sign-in at the provider.
const STATE_COOKIE: &str = "smp_oidc_state";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/oidc/start").route(web::get().to(start))) // open (rate-limited per address; 404 without [oidc])
        .service(web::resource("/auth/oidc/callback").route(web::get().to(callback))); // open (state = her cookie, once; code + PKCE; the ID token verified)
}

fn state_cookie(state: Option<&str>, secure: bool) -> Cookie<'static> {
    let (value, max_age) = match state {
        Some(state) => (state.to_owned(), LIFETIME_S),
        None => (String::new(), 0),
    };
    Cookie::build(STATE_COOKIE, value)
        .path("/auth/oidc")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

/// `GET /auth/oidc/start`: to the provider.
async fn start(request: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>) -> Page {
    let Some(provider) = state.oidc.clone() else { return Err(AppError::not_found().into()) };
    match start_with_provider(&request, &pool, &state, &provider).await {
        Ok((url, oidc_state)) => Ok(HttpResponse::SeeOther()
            .cookie(state_cookie(Some(&oidc_state), state.secure_cookies))
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()),
        Err(error) => login_refused(&state, error, String::new(), None),
    }
}

#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedInPage {
    chrome: super::Chrome,
    next: &'static str,
}

/// `GET /auth/oidc/callback`: her session (then the dashboard), the code
/// step of TOTP, or the login page saying what went wrong.
async fn callback(
    request: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    query: web::Query<Callback>,
) -> Page {
    let Some(provider) = state.oidc.clone() else { return Err(AppError::not_found().into()) };
    let browser_state = request.cookie(STATE_COOKIE).map(|cookie| cookie.value().to_owned());
    let outcome = sign_in_with_provider(&request, &pool, &state, &provider, browser_state, query.into_inner()).await;
    let mut response = match outcome {
        Ok(PasswordStep::SignedIn(user, secret, _)) => {
            let next = after_sign_in(&state, &pool, &user).await?;
            let mut page = html(&SignedInPage { chrome: super::Chrome::default(), next })?;
            page.add_cookie(&session_cookie_for(Some(&secret), SESSION_LIFETIME_S, state.secure_cookies))
                .map_err(AppError::internal)?;
            page
        }
        Ok(PasswordStep::CodeNeeded(ticket)) => html(&code_step(&state, ticket))?,
        Err(error) => login_refused(&state, error, String::new(), None)?,
    };
    response.add_cookie(&state_cookie(None, state.secure_cookies)).map_err(AppError::internal)?;
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}
