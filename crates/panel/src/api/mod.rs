//! The panel's JSON API (`/api/v1`) on one screen: path, method, what
//! authorizes it, and the audit action of each state-changing route.
//!
//! "open" routes need nothing; every other handler takes the `Acting`
//! extractor (the `CurrentUser` extractor: session cookie, with
//! `X-CSRF-Token` on state-changing requests, or `Authorization: Bearer
//! smp_…`; then the use cases' `Context` and the pool) and its use case asks
//! `policy::decide`. State-changing routes carry their `AuditAction`, which
//! the extractor uses to audit a refused authentication and handlers use for
//! their own row.

pub(crate) mod audit;
pub(crate) mod containers;
pub mod docs;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub(crate) mod machines;
pub(crate) mod networks;
pub(crate) mod params;
pub(crate) mod password;
pub(crate) mod provisioning;
pub(crate) mod quotas;
pub(crate) mod responses;
pub(crate) mod services;
pub(crate) mod session;
pub(crate) mod snapshots;
pub(crate) mod ssh_keys;
pub(crate) mod terminals;
pub(crate) mod tokens;
pub(crate) mod totp;
pub(crate) mod users;

use actix_web::http::Method;
use actix_web::{Handler, HttpResponse, Resource, Responder, guard, web};
use serde::Serialize;

use crate::error::AppError;
use crate::http::AuditAction;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let api = web::scope("/api/v1")
        .route("/health", web::get().to(health)) // open
        .service(route(Method::POST, "/login", "session.login", session::login)) // open (checks the password)
        .service(route(Method::POST, "/logout", "session.logout", session::logout)) // CurrentUser
        .service(route(Method::GET, "/me", None, session::me)) // CurrentUser
        .service(route(Method::PUT, "/me/password", "user.password", password::change_password)) // CurrentUser: self, knowing the current password
        .service(route(Method::GET, "/me/ssh-keys", None, ssh_keys::list_ssh_keys)) // CurrentUser + policy SshKeyManage: self
        .service(route(Method::POST, "/me/ssh-keys", "ssh_key.add", ssh_keys::add_ssh_key)) // CurrentUser + policy SshKeyManage: self, from a browser session
        .service(route(Method::DELETE, "/me/ssh-keys/{id}", "ssh_key.delete", ssh_keys::delete_ssh_key)) // CurrentUser + policy SshKeyManage: self (another's key: 404)
        .service(route(Method::POST, "/me/totp", "totp.enrol", totp::enrol)) // CurrentUser + policy may_manage_totp: self, from a browser session
        .service(route(Method::PUT, "/me/totp", "totp.activate", totp::activate)) // CurrentUser + policy may_manage_totp: self, with a first code (login rate limit)
        .service(route(Method::DELETE, "/me/totp", "totp.disable", totp::disable)) // CurrentUser + policy may_manage_totp: self, with a code (login rate limit)
        .service(route(Method::POST, "/tokens", "token.create", tokens::create_token)) // CurrentUser: self, from a browser session, with the password again
        .service(route(Method::GET, "/tokens", None, tokens::list_tokens)) // CurrentUser: self
        .service(route(Method::DELETE, "/tokens/{id}", "token.revoke", tokens::revoke_token)) // CurrentUser: self
        .service(route(Method::GET, "/users", None, users::list_users)) // CurrentUser + policy UserView
        .service(route(Method::POST, "/users", "user.create", users::create_user)) // CurrentUser + policy UserManage (+ UserAppointAdmin)
        .service(route(Method::PATCH, "/users/{id}", "user.update", users::update_user)) // CurrentUser + policy UserManage (+ UserAppointAdmin)
        .service(route(Method::GET, "/users/{id}/quota", None, quotas::get_quota)) // CurrentUser + policy UserView
        .service(route(Method::PUT, "/users/{id}/quota", "user.quota", quotas::set_quota)) // CurrentUser + policy UserManage
        .service(route(Method::PUT, "/users/{id}/quota/machines/{machine_id}", "user.quota", quotas::set_machine_quota)) // CurrentUser + policy UserManage
        .service(route(
            Method::DELETE,
            "/users/{id}/quota/machines/{machine_id}",
            "user.quota",
            quotas::delete_machine_quota,
        )) // CurrentUser + policy UserManage
        .service(route(Method::GET, "/users/{id}/usage", None, quotas::get_usage)) // CurrentUser + policy UserView
        .service(route(Method::GET, "/machines", None, machines::list_machines)) // CurrentUser + policy MachineView
        .service(route(Method::POST, "/machines", "machine.add", machines::add_machine)) // CurrentUser + policy MachineManage
        .service(route(Method::GET, "/machines/{id}", None, machines::get_machine)) // CurrentUser + policy MachineView
        .service(route(Method::DELETE, "/machines/{id}", "machine.delete", machines::delete_machine)) // CurrentUser + policy MachineManage
        .service(route(Method::POST, "/machines/{id}/sync", "machine.sync", machines::sync_machine)) // CurrentUser + policy MachineManage
        .service(route(Method::POST, "/machines/{id}/rotate-key", "machine.rotate_key", machines::rotate_machine_key)) // CurrentUser + policy MachineManage
        .service(route(Method::GET, "/machines/{id}/images", None, provisioning::machine_images)) // CurrentUser + policy MachinePlace
        .service(route(Method::GET, "/containers", None, containers::list_containers)) // CurrentUser + policy ContainerView per row
        .service(route(Method::POST, "/containers", "container.create", provisioning::create_container)) // CurrentUser + policy ContainerCreate (parent or Nothing), ContainerCreateAny, MachinePlace; quota
        .service(route(Method::GET, "/containers/{id}", None, containers::get_container)) // CurrentUser + policy ContainerView
        .service(route(Method::PATCH, "/containers/{id}", "container.update", provisioning::update_container)) // CurrentUser + policy ContainerAssign, or ContainerConfigure/ContainerResize; quota
        .service(route(Method::DELETE, "/containers/{id}", "container.delete", provisioning::delete_container)) // CurrentUser + policy ContainerDelete
        .service(route(Method::POST, "/containers/{id}/start", "container.start", containers::start_container)) // CurrentUser + policy ContainerStart
        .service(route(Method::POST, "/containers/{id}/stop", "container.stop", containers::stop_container)) // CurrentUser + policy ContainerStop
        .service(route(Method::POST, "/containers/{id}/restart", "container.restart", containers::restart_container)) // CurrentUser + policy ContainerRestart
        .service(route(Method::POST, "/containers/{id}/exec", "container.exec", containers::exec_in_container)) // CurrentUser + policy ContainerExec; audited `started`, then the outcome
        .service(route(Method::GET, "/containers/{id}/state", None, containers::container_state)) // CurrentUser + policy ContainerState
        .service(route(Method::GET, "/containers/{id}/logs", None, containers::container_logs)) // CurrentUser + policy ContainerLogs
        .service(route(Method::PUT, "/containers/{id}/address", "container.address", networks::set_address)) // CurrentUser + policy ContainerAddress (admins)
        .service(route(Method::GET, "/containers/{id}/forwards", None, networks::list_forwards)) // CurrentUser + policy ContainerForward
        .service(route(Method::POST, "/containers/{id}/forwards", "forward.create", networks::create_forward)) // CurrentUser + policy ContainerForward; quota `forwards`
        .service(route(Method::DELETE, "/containers/{id}/forwards/{fid}", "forward.delete", networks::delete_forward)) // CurrentUser + policy ContainerForward
        .service(route(Method::GET, "/containers/{id}/snapshots", None, snapshots::list_snapshots)) // CurrentUser + policy ContainerSnapshot
        .service(route(Method::POST, "/containers/{id}/snapshots", "snapshot.create", snapshots::take_snapshot)) // CurrentUser + policy ContainerSnapshot; quota `snapshots`
        .service(route(
            Method::PUT,
            "/containers/{id}/snapshots/schedule",
            "snapshot.schedule",
            snapshots::set_schedule,
        )) // CurrentUser + policy ContainerSnapshot; quota `snapshots`
        .service(route(
            Method::POST,
            "/containers/{id}/snapshots/{name}/restore",
            "snapshot.restore",
            snapshots::restore_snapshot,
        )) // CurrentUser + policy ContainerSnapshot
        .service(route(
            Method::DELETE,
            "/containers/{id}/snapshots/{name}",
            "snapshot.delete",
            snapshots::delete_snapshot,
        )) // CurrentUser + policy ContainerSnapshot
        .service(route(Method::GET, "/networks", None, networks::list_networks)) // CurrentUser + policy NetworkView
        .service(route(Method::GET, "/forwards", None, networks::list_every_forward)) // CurrentUser + policy NetworkView
        .service(route(Method::GET, "/containers/{id}/units", None, services::container_units)) // CurrentUser + policy ServiceCreate on the container
        .service(route(Method::POST, "/containers/{id}/terminal", "terminal.ticket", terminals::terminal_ticket)) // CurrentUser + policy ContainerTerminal (never a service owner)
        .service(route(Method::POST, "/terminal-sessions", "terminal_session.create", terminals::create_session)) // CurrentUser + policy ContainerTerminal
        .service(route(Method::GET, "/terminal-sessions", None, terminals::list_sessions)) // CurrentUser: those she owns or is invited to
        .service(route(Method::DELETE, "/terminal-sessions/{id}", "terminal_session.end", terminals::end_session)) // CurrentUser + policy TerminalSessionManage
        .service(route(
            Method::PUT,
            "/terminal-sessions/{id}/participants/{username}",
            "terminal_session.participant",
            terminals::set_participant,
        )) // CurrentUser + policy TerminalSessionManage, the owner only
        .service(route(
            Method::DELETE,
            "/terminal-sessions/{id}/participants/{username}",
            "terminal_session.remove",
            terminals::remove_participant,
        )) // CurrentUser + policy TerminalSessionManage, the owner only
        .service(route(Method::POST, "/terminal-sessions/{id}/ticket", "terminal.ticket", terminals::session_ticket)) // CurrentUser + policy TerminalSessionJoin
        .service(route(Method::GET, "/services", None, services::list_services)) // CurrentUser + policy ServiceView per row
        .service(route(Method::POST, "/services", "service.create", services::create_service)) // CurrentUser + policy ServiceCreate on the container
        .service(route(Method::GET, "/services/{id}", None, services::get_service)) // CurrentUser + policy ServiceView
        .service(route(Method::PATCH, "/services/{id}", "service.update", services::update_service)) // CurrentUser + policy ServiceUpdate
        .service(route(Method::DELETE, "/services/{id}", "service.delete", services::delete_service)) // CurrentUser + policy ServiceDelete
        .service(route(Method::POST, "/services/{id}/start", "service.start", services::start_service)) // CurrentUser + policy ServiceStart
        .service(route(Method::POST, "/services/{id}/stop", "service.stop", services::stop_service)) // CurrentUser + policy ServiceStop
        .service(route(Method::POST, "/services/{id}/restart", "service.restart", services::restart_service)) // CurrentUser + policy ServiceRestart
        .service(route(Method::GET, "/services/{id}/state", None, services::service_state)) // CurrentUser + policy ServiceState
        .service(route(Method::GET, "/services/{id}/logs", None, services::service_logs)) // CurrentUser + policy ServiceLogs
        .service(route(Method::GET, "/audit", None, audit::list_audit)); // CurrentUser + policy AuditViewAll (else own rows)
    cfg.service(api);
}

/// One route: `method path`, with its audit action when it changes state.
fn route<F, Args>(method: Method, path: &str, action: impl Into<Option<&'static str>>, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let resource = web::resource(path).guard(guard::Method(method.clone()));
    let resource = match action.into() {
        Some(action) => resource.app_data(AuditAction(action)),
        None => resource,
    };
    resource.route(web::method(method).to(handler))
}

/// What a handler answers: its response, or the `AppError` that answers
/// `{"error":{"code","message"}}`.
pub(crate) type Answer = Result<HttpResponse, AppError>;

/// `200 OK` with `value` as its JSON body.
pub(crate) fn json(value: impl Serialize) -> Answer {
    Ok(HttpResponse::Ok().json(value))
}

/// `201 Created` with `value` as its JSON body.
pub(crate) fn created(value: impl Serialize) -> Answer {
    Ok(HttpResponse::Created().json(value))
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

/// Whether the panel answers (open)
#[utoipa::path(get, path = "/api/v1/health", responses(
    (status = 200, description = "The panel answers.", body = Health),
))]
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Any path or method outside the table.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::new(crate::error::ErrorCode::NotFound, "no such route; see docs/api.md"))
}
