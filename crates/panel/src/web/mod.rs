//! The web UI on one screen: server-rendered pages (askama) with htmx for
//! the live parts, every route with what authorizes it.
//!
//! Pages authenticate with the same session cookie as the API (a login here
//! and `POST /api/v1/login` make the same session) through `CurrentUser`,
//! and decide with the same policy through the same functions as the API
//! (`app::containers::visible`, `load_allowed`, `lifecycle`,
//! `app::provisioning::*` and `app::quotas::*` for sub-containers and
//! quotas, and `app::services::*` for the service pages): a container or service a
//! member may not see is the same 404 page as a missing one. State-changing
//! requests send the session's CSRF token: htmx requests in the
//! `X-CSRF-Token` header (from `hx-headers` on `<body>`); the one plain form
//! is the login's. Every page carries a strict Content-Security-Policy (no
//! inline script or style; assets from the panel only); the terminal pages
//! add a style nonce of their own to it (see `terminals`).

mod account;
mod admin;
mod admin_lists;
mod assets;
pub(crate) mod i18n;
mod oidc;
mod pages;
mod panels;
mod provisioning;
mod security;
mod services;
mod snapshots;
mod ssh_keys;
mod terminals;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
#[allow(unused_imports)]
use i18n::Translate as _;
use serde::de::DeserializeOwned;

use crate::app::AuthVia;
use crate::app::CurrentUser;
use crate::db::DbPool;
use crate::error::{AppError, ErrorCode};
use crate::http::{AppState, AuditAction, page_language};
use crate::policy;

/// The policy every page answer carries.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The pages, in a scope of their own so that their security headers (the
/// strict CSP) do not reach the Swagger UI, which needs inline styles.
/// Register it after the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(actix_web::middleware::from_fn(crate::http::page_language::in_page_language))
            .wrap(security_headers())
            .configure(routes)
            .default_service(web::to(|| async { Err::<HttpResponse, _>(PageError(AppError::not_found())) })),
    );
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/assets/{file}").route(web::get().to(assets::serve))) // open (embedded files)
        .service(
            web::resource("/login")
                .route(web::get().to(pages::login_page)) // open
                .route(web::post().to(pages::login_submit)), // open (checks the password, rate-limited; TOTP: the code step)
        )
        .service(web::resource("/login/code").route(web::post().to(pages::login_code))) // open (the ticket of a right password + the TOTP code, rate-limited)
        .service(web::resource("/logout").app_data(AuditAction("session.logout")).route(web::post().to(pages::logout))) // CurrentUser (X-CSRF-Token)
        .service(web::resource("/").route(web::get().to(pages::dashboard))) // CurrentUser + policy ContainerView per row
        // `/containers/new…` before `/containers/{id}`, whose pattern would take "new" as an id.
        .service(
            web::resource("/containers/new")
                .app_data(AuditAction("container.create"))
                .route(web::get().to(provisioning::new_page)) // CurrentUser + policy ContainerCreate (on ?parent=, or Nothing)
                .route(web::post().to(provisioning::create)), // CurrentUser (X-CSRF-Token) + create_container: policy ContainerCreate (parent or Nothing), ContainerCreateAny (owner, any config), MachinePlace; quota
        )
        .service(web::resource("/containers/new/images").route(web::get().to(provisioning::images))) // CurrentUser + policy MachinePlace (images_of)
        .service(web::resource("/containers/{id}").route(web::get().to(pages::container))) // CurrentUser + policy ContainerView (controls: ContainerConfigure, ContainerResize, ContainerDelete, ContainerCreate)
        .service(web::resource("/containers/{id}/progress").route(web::get().to(provisioning::progress))) // CurrentUser + policy ContainerView
        .service(
            web::resource("/containers/{id}/autostart")
                .app_data(AuditAction("container.update"))
                .route(web::post().to(provisioning::autostart)), // CurrentUser (X-CSRF-Token) + configure: policy ContainerConfigure
        )
        .service(
            web::resource("/containers/{id}/limits")
                .app_data(AuditAction("container.update"))
                .route(web::post().to(provisioning::limits)), // CurrentUser (X-CSRF-Token) + configure: policy ContainerResize; quota
        )
        .service(
            web::resource("/containers/{id}/delete")
                .app_data(AuditAction("container.delete"))
                .route(web::post().to(provisioning::delete)), // CurrentUser (X-CSRF-Token) + delete_container: policy ContainerDelete; no live sub-containers
        )
        .service(web::resource("/containers/{id}/terminal").route(web::get().to(terminals::terminal_page))) // CurrentUser + policy ContainerTerminal (never a service owner); its own CSP (a style nonce)
        .service(
            web::resource("/containers/{id}/terminal-sessions")
                .app_data(AuditAction("terminal_session.create"))
                .route(web::post().to(terminals::start_shared)), // CurrentUser (X-CSRF-Token) + create_shared: policy ContainerTerminal
        )
        .service(
            web::resource("/containers/{id}/terminal-sessions/{session}/end")
                .app_data(AuditAction("terminal_session.end"))
                .route(web::post().to(terminals::end)), // CurrentUser (X-CSRF-Token) + end_session: policy TerminalSessionManage
        )
        .service(web::resource("/terminal-sessions/{id}").route(web::get().to(terminals::session_page))) // CurrentUser + policy TerminalSessionJoin (session_view); its own CSP (a style nonce)
        .service(web::resource("/containers/{id}/status").route(web::get().to(pages::container_status))) // CurrentUser + policy ContainerView
        .service(action("/containers/{id}/start", "container.start")) // CurrentUser (X-CSRF-Token) + policy ContainerStart
        .service(action("/containers/{id}/stop", "container.stop")) // CurrentUser (X-CSRF-Token) + policy ContainerStop
        .service(action("/containers/{id}/restart", "container.restart")) // CurrentUser (X-CSRF-Token) + policy ContainerRestart
        .service(web::resource("/jobs/{id}").route(web::get().to(pages::job))) // CurrentUser: the job's own user
        .service(web::resource("/services/{id}").route(web::get().to(services::service_page))) // CurrentUser + policy ServiceView
        .service(web::resource("/services/{id}/status").route(web::get().to(services::service_status))) // CurrentUser + policy ServiceView
        .service(service_action("/services/{id}/start", "service.start")) // CurrentUser (X-CSRF-Token) + policy ServiceStart
        .service(service_action("/services/{id}/stop", "service.stop")) // CurrentUser (X-CSRF-Token) + policy ServiceStop
        .service(service_action("/services/{id}/restart", "service.restart")) // CurrentUser (X-CSRF-Token) + policy ServiceRestart
        .service(web::resource("/services/{id}/state").route(web::get().to(services::state))) // CurrentUser + policy ServiceState
        .service(web::resource("/services/{id}/journal").route(web::get().to(services::journal))) // CurrentUser + policy ServiceLogs
        .service(
            web::resource("/services/{id}/update")
                .app_data(AuditAction("service.update"))
                .route(web::post().to(services::update)), // CurrentUser (X-CSRF-Token) + policy ServiceUpdate
        )
        .service(
            web::resource("/services/{id}/delete")
                .app_data(AuditAction("service.delete"))
                .route(web::post().to(services::delete)), // CurrentUser (X-CSRF-Token) + policy ServiceDelete
        )
        .service(web::resource("/containers/{id}/units").route(web::get().to(services::units))) // CurrentUser + policy ServiceCreate on the container
        .service(
            web::resource("/containers/{id}/services")
                .app_data(AuditAction("service.create"))
                .route(web::post().to(services::create)), // CurrentUser (X-CSRF-Token) + policy ServiceCreate on the container
        )
        .service(
            web::resource("/account/ssh-keys")
                .app_data(AuditAction("ssh_key.add"))
                .route(web::get().to(ssh_keys::ssh_keys_page)) // CurrentUser + policy SshKeyManage: self
                .route(web::post().to(ssh_keys::add)), // CurrentUser (X-CSRF-Token) + add_key: policy SshKeyManage, self, from a browser session
        )
        .service(
            web::resource("/account/ssh-keys/{id}/delete")
                .app_data(AuditAction("ssh_key.delete"))
                .route(web::post().to(ssh_keys::delete)), // CurrentUser (X-CSRF-Token) + delete_key: policy SshKeyManage, self (another's key: 404)
        )
        .configure(panels::routes) // the container page's state, logs and exec panels
        .configure(snapshots::routes) // the container page's Snapshots section
        .configure(account::routes) // sign-up, approval pending, the account page
        .configure(security::routes) // the account's TOTP second factor
        .configure(oidc::routes) // "Sign in with …" (OpenID Connect)
        .configure(admin::routes) // users (and their quotas) and machines
        .configure(admin_lists::routes); // all containers (filters, paging, owner and parent), the audit log
}

/// A container action's resource: POST, audited as `audit_action` (the same
/// actions as the API's).
fn action(path: &str, audit_action: &'static str) -> actix_web::Resource {
    web::resource(path).app_data(AuditAction(audit_action)).route(web::post().to(pages::container_action))
}

/// A service action's resource: POST, audited as `audit_action` (the same
/// actions as the API's).
fn service_action(path: &str, audit_action: &'static str) -> actix_web::Resource {
    web::resource(path).app_data(AuditAction(audit_action)).route(web::post().to(services::action))
}

/// The security headers of every page.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)))
        .add((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .add((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .add((header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
}

pub(crate) type Page = Result<HttpResponse, PageError>;

pub(crate) fn html(template: &impl Template) -> Page {
    let body = template.render().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
}

/// The signed-in user of a page: `CurrentUser`, refused as a page (the
/// login page, the 404 page) rather than as the API's JSON.
pub(crate) struct PageUser(pub CurrentUser);

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<PageUser, PageError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = CurrentUser::from_request(request, payload);
        Box::pin(async move { Ok(PageUser(current.await?)) })
    }
}

/// What a page's handler works with: the signed-in user (refused as a page,
/// as `PageUser` refuses), the shared state and the pool, in one extractor.
pub(crate) struct PageContext {
    pub current: CurrentUser,
    pub state: web::Data<AppState>,
    pub pool: web::Data<DbPool>,
}

impl FromRequest for PageContext {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<PageContext, PageError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = PageUser::from_request(request, payload);
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let pool = request.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let PageUser(current) = current.await?;
            match (state, pool) {
                (Some(state), Some(pool)) => Ok(PageContext { current, state, pool }),
                _ => Err(PageError(AppError::internal("the pages are mounted without the state or the pool"))),
            }
        })
    }
}

/// A submitted form, read (`read_form`) but not yet judged: a bad or too
/// large form is the handler's to answer in place.
pub(crate) struct PageForm<T>(pub Result<T, AppError>);

impl<T: DeserializeOwned + 'static> FromRequest for PageForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<PageForm<T>, actix_web::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(request, payload);
        Box::pin(async move { Ok(PageForm(read_form(form.await))) })
    }
}

/// What the layout shows of the signed-in user (nobody: the default).
#[derive(Default)]
pub(crate) struct Chrome {
    pub csrf: Option<String>,
    pub username: Option<String>,
    pub admin: bool,
}

impl Chrome {
    pub fn of(current: &CurrentUser) -> Chrome {
        let csrf = match &current.via {
            AuthVia::Session { csrf_token, .. } => Some(csrf_token.clone()),
            AuthVia::Token { .. } | AuthVia::SshKey { .. } => None,
        };
        Chrome {
            csrf,
            username: Some(current.user.username.to_string()),
            admin: policy::shows_admin_menu(&current.actor()),
        }
    }
}

/// `2026-11-23 07:40:12 UTC` for a unix time.
pub(crate) use crate::domain::moment::when;

/// A form as actix read it, or the refusal (`api::body::Body`'s for JSON):
/// over the size limit is `body_too_large`, anything else `invalid_input`.
pub(crate) fn read_form<T>(form: Result<web::Form<T>, actix_web::Error>) -> Result<T, AppError> {
    form.map(web::Form::into_inner).map_err(|error| match error.as_error::<actix_web::error::UrlencodedError>() {
        Some(actix_web::error::UrlencodedError::Overflow { .. }) => {
            AppError::new(ErrorCode::BodyTooLarge, "the form is too large; send less")
        }
        _ => AppError::invalid_input(format!("the form could not be read ({error}); reload the page and try again")),
    })
}

/// `message` with a capital first letter and a full stop.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => i18n::t("error-did-not-work"),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// An error's message as a sentence a member can act on, in the page's
/// language: `AppError`'s messages are written for her (agent errors say
/// what to do); an internal error's details stay in the log.
pub(crate) fn readable(error: &AppError) -> String {
    if matches!(error.code, ErrorCode::Internal) {
        return i18n::t("error-internal-in-place");
    }
    sentence(&error.message_in(page_language::current()))
}

/// Errors answered as their page (not signed in, a failed CSRF check, a
/// hidden or missing object, an account that cannot act), never in place.
pub(crate) fn is_page_error(error: &AppError) -> bool {
    matches!(
        error.code,
        ErrorCode::NotFound
            | ErrorCode::Unauthenticated
            | ErrorCode::CsrfFailed
            | ErrorCode::OriginMismatch
            | ErrorCode::AccountDisabled
            | ErrorCode::ApprovalPending
    )
}

/// What an htmx form's answer says when its request was refused: the
/// message in words, shown in place (answered 200, so that htmx swaps it
/// in), or the error's page (see `is_page_error`).
pub(crate) fn in_place(error: AppError) -> Result<String, PageError> {
    if is_page_error(&error) { Err(PageError(error)) } else { Ok(readable(&error)) }
}

/// An error of a page: the same `AppError` as the API's, answered as a
/// page. Not signed in: to the login page. Hidden or missing: the one 404
/// page, whatever the reason.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PageError(#[from] pub AppError);

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self.0.code, ErrorCode::Unauthenticated) {
            return HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish();
        }
        if matches!(self.0.code, ErrorCode::TotpRequired) {
            // An admin whose rights wait for a second factor (`web::admin`'s gate).
            return HttpResponse::SeeOther().insert_header((header::LOCATION, "/account/security")).finish();
        }
        let (title, message) = match self.0.code {
            ErrorCode::NotFound => (i18n::t("error-not-found"), i18n::t("error-not-found-message")),
            ErrorCode::Forbidden | ErrorCode::CsrfFailed | ErrorCode::OriginMismatch => {
                (i18n::t("error-not-allowed"), self.0.message_in(page_language::current()).into_owned())
            }
            ErrorCode::Internal => (i18n::t("error-internal"), i18n::t("error-internal-message")),
            _ => (i18n::t("error-did-not-work"), self.0.message_in(page_language::current()).into_owned()),
        };
        let page = ErrorPage { chrome: Chrome::default(), title: &title, message: &message };
        match page.render() {
            Ok(html) => HttpResponse::build(self.status_code()).content_type("text/html; charset=utf-8").body(html),
            Err(error) => {
                tracing::error!(%error, "cannot render the error page");
                HttpResponse::build(self.status_code()).body(message.to_owned())
            }
        }
    }
}
