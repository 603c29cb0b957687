//! The panel's JSON API (`/api/v1`) on one screen: path, method, what
//! authorizes it, and the audit action of each state-changing route.
//!
//! "open" routes need nothing; every other handler takes the `CurrentUser`
//! extractor (session cookie, with `X-CSRF-Token` on state-changing
//! requests, or `Authorization: Bearer smp_…`) and then asks
//! `policy::decide`. State-changing routes carry their `AuditAction`, which
//! the extractor uses to audit a refused authentication and handlers use for
//! their own row.

pub(crate) mod audit;
pub(crate) mod containers;
pub mod docs;
pub(crate) mod machines;
pub(crate) mod password;
pub(crate) mod provisioning;
pub(crate) mod quotas;
pub(crate) mod responses;
pub(crate) mod services;
pub(crate) mod session;
pub(crate) mod tokens;
pub(crate) mod users;

use actix_web::http::Method;
use actix_web::{Handler, HttpResponse, Resource, Responder, guard, web};

use crate::http::AuditAction;

use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/health", web::get().to(health)) // open
            .service(route(Method::POST, "/login", Some("session.login"), session::login)) // open (checks the password)
            .service(route(Method::POST, "/logout", Some("session.logout"), session::logout)) // CurrentUser
            .service(route(Method::GET, "/me", None, session::me)) // CurrentUser
            .service(route(Method::PUT, "/me/password", Some("user.password"), password::change)) // CurrentUser: self, knowing the current password
            .service(route(Method::POST, "/tokens", Some("token.create"), tokens::create)) // CurrentUser: self, from a browser session, with the password again
            .service(route(Method::GET, "/tokens", None, tokens::list)) // CurrentUser: self
            .service(route(Method::DELETE, "/tokens/{id}", Some("token.revoke"), tokens::revoke)) // CurrentUser: self
            .service(route(Method::GET, "/users", None, users::list)) // CurrentUser + policy UserView
            .service(route(Method::POST, "/users", Some("user.create"), users::create)) // CurrentUser + policy UserManage (+ UserAppointAdmin)
            .service(route(Method::PATCH, "/users/{id}", Some("user.update"), users::update)) // CurrentUser + policy UserManage (+ UserAppointAdmin)
            .service(route(Method::GET, "/users/{id}/quota", None, quotas::quota)) // CurrentUser + policy UserView
            .service(route(Method::PUT, "/users/{id}/quota", Some("user.quota"), quotas::set_quota)) // CurrentUser + policy UserManage
            .service(route(
                Method::PUT,
                "/users/{id}/quota/machines/{machine_id}",
                Some("user.quota"),
                quotas::set_machine_quota,
            )) // CurrentUser + policy UserManage
            .service(route(
                Method::DELETE,
                "/users/{id}/quota/machines/{machine_id}",
                Some("user.quota"),
                quotas::delete_machine_quota,
            )) // CurrentUser + policy UserManage
            .service(route(Method::GET, "/users/{id}/usage", None, quotas::usage)) // CurrentUser + policy UserView
            .service(route(Method::GET, "/machines", None, machines::list)) // CurrentUser + policy MachineView
            .service(route(Method::POST, "/machines", Some("machine.add"), machines::add)) // CurrentUser + policy MachineManage
            .service(route(Method::GET, "/machines/{id}", None, machines::get)) // CurrentUser + policy MachineView
            .service(route(Method::DELETE, "/machines/{id}", Some("machine.delete"), machines::delete)) // CurrentUser + policy MachineManage
            .service(route(Method::POST, "/machines/{id}/sync", Some("machine.sync"), machines::sync)) // CurrentUser + policy MachineManage
            .service(route(Method::POST, "/machines/{id}/rotate-key", Some("machine.rotate_key"), machines::rotate_key)) // CurrentUser + policy MachineManage
            .service(route(Method::GET, "/machines/{id}/images", None, provisioning::images)) // CurrentUser + policy MachinePlace
            .service(route(Method::GET, "/containers", None, containers::list)) // CurrentUser + policy ContainerView per row
            .service(route(Method::POST, "/containers", Some("container.create"), provisioning::create)) // CurrentUser + policy ContainerCreate (parent or Nothing), ContainerCreateAny, MachinePlace; quota
            .service(route(Method::GET, "/containers/{id}", None, containers::get)) // CurrentUser + policy ContainerView
            .service(route(Method::PATCH, "/containers/{id}", Some("container.update"), provisioning::update)) // CurrentUser + policy ContainerAssign, or ContainerConfigure/ContainerResize; quota
            .service(route(Method::DELETE, "/containers/{id}", Some("container.delete"), provisioning::delete)) // CurrentUser + policy ContainerDelete
            .service(route(Method::POST, "/containers/{id}/start", Some("container.start"), containers::start)) // CurrentUser + policy ContainerStart
            .service(route(Method::POST, "/containers/{id}/stop", Some("container.stop"), containers::stop)) // CurrentUser + policy ContainerStop
            .service(route(Method::POST, "/containers/{id}/restart", Some("container.restart"), containers::restart)) // CurrentUser + policy ContainerRestart
            .service(route(Method::POST, "/containers/{id}/exec", Some("container.exec"), containers::exec)) // CurrentUser + policy ContainerExec
            .service(route(Method::GET, "/containers/{id}/state", None, containers::container_state)) // CurrentUser + policy ContainerState
            .service(route(Method::GET, "/containers/{id}/logs", None, containers::logs)) // CurrentUser + policy ContainerLogs
            .service(route(Method::GET, "/containers/{id}/units", None, services::units)) // CurrentUser + policy ServiceCreate on the container
            .service(route(Method::GET, "/services", None, services::list)) // CurrentUser + policy ServiceView per row
            .service(route(Method::POST, "/services", Some("service.create"), services::create)) // CurrentUser + policy ServiceCreate on the container
            .service(route(Method::GET, "/services/{id}", None, services::get)) // CurrentUser + policy ServiceView
            .service(route(Method::PATCH, "/services/{id}", Some("service.update"), services::update)) // CurrentUser + policy ServiceUpdate
            .service(route(Method::DELETE, "/services/{id}", Some("service.delete"), services::delete)) // CurrentUser + policy ServiceDelete
            .service(route(Method::POST, "/services/{id}/start", Some("service.start"), services::start)) // CurrentUser + policy ServiceStart
            .service(route(Method::POST, "/services/{id}/stop", Some("service.stop"), services::stop)) // CurrentUser + policy ServiceStop
            .service(route(Method::POST, "/services/{id}/restart", Some("service.restart"), services::restart)) // CurrentUser + policy ServiceRestart
            .service(route(Method::GET, "/services/{id}/state", None, services::service_state)) // CurrentUser + policy ServiceState
            .service(route(Method::GET, "/services/{id}/logs", None, services::logs)) // CurrentUser + policy ServiceLogs
            .service(route(Method::GET, "/audit", None, audit::list)), // CurrentUser + policy AuditViewAll (else own rows)
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

/// PANEL.md's list shape `{"items":[…]}`, serialized straight from the rows.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// `GET /api/v1/health`'s answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// `GET /api/v1/health`: the panel answers.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    tag = "health",
    summary = "Whether the panel answers (open)",
    responses((status = 200, description = "The panel answers.", body = Health)),
)]
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Any path or method outside the table.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::new(crate::error::ErrorCode::NotFound, "no such route; see docs/api.md"))
}
