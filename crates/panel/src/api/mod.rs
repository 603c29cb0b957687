//! The panel's JSON API (`/api/v1`) on one screen: path, method, what
//! authorizes it, and the audit action of each state-changing route.
//!
//! "open" routes need nothing; every other handler takes the `CurrentUser`
//! extractor (session cookie, with `X-CSRF-Token` on state-changing
//! requests, or `Authorization: Bearer smp_…`) and then asks
//! `policy::decide`. State-changing routes carry their `AuditAction`, which
//! the extractor uses to audit a refused authentication and handlers use for
//! their own row.

mod audited;
mod auth;
mod session;
mod tokens;
mod users;

use actix_web::http::Method;
use actix_web::{Handler, HttpResponse, Resource, Responder, guard, web};

pub use audited::{AuditEntry, audited};
pub use auth::{AuditAction, AuthVia, CurrentUser, hash_secret};

use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/health", web::get().to(health)) // open
            .service(route(Method::POST, "/login", Some("session.login"), session::login)) // open (checks the password)
            .service(route(Method::POST, "/logout", Some("session.logout"), session::logout)) // CurrentUser
            .service(route(Method::GET, "/me", None, session::me)) // CurrentUser
            .service(route(Method::POST, "/tokens", Some("token.create"), tokens::create)) // CurrentUser: self
            .service(route(Method::GET, "/tokens", None, tokens::list)) // CurrentUser: self
            .service(route(Method::DELETE, "/tokens/{id}", Some("token.revoke"), tokens::revoke)) // CurrentUser: self
            .service(route(Method::GET, "/users", None, users::list)) // CurrentUser + policy UserView
            .service(route(Method::POST, "/users", Some("user.create"), users::create)) // CurrentUser + policy UserManage (+ UserAppointAdmin)
            .service(route(Method::PATCH, "/users/{id}", Some("user.update"), users::update)), // CurrentUser + policy UserManage (+ UserAppointAdmin)
    );
}

/// One route: `method path`, with its audit action when it changes state.
fn route<F, Args>(method: Method, path: &str, action: Option<&'static str>, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let resource = web::resource(path).guard(guard::Method(method.clone()));
    let resource = match action {
        Some(action) => resource.app_data(AuditAction(action)),
        None => resource,
    };
    resource.route(web::method(method).to(handler))
}

/// `GET /api/v1/health`: the panel answers.
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Any path or method outside the table.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::new(crate::error::ErrorCode::NotFound, "no such route; see docs/api.md"))
}
