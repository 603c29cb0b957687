//! The agent's whole HTTP API on one screen: path, method, and what
//! authorizes it. Guarded routes carry their token action (`RequiredAction`)
//! and their handlers take the `Authorized` extractor, which refuses the
//! request unless the token is valid for exactly that action and path.

mod bridge;
mod containers;
mod events;
mod exec;
mod exec_stream;
mod health;
mod images;
mod lifecycle;
mod networks;
mod provision;
mod services;
mod snapshots;
mod terminal;
mod token;
mod tunnel;

use actix_web::http::Method;
use actix_web::{Handler, HttpResponse, Resource, Responder, guard, web};
use smp_proto::{Action, ErrorCode};

use crate::auth::RequiredAction;
use crate::error::AgentError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::show)) // open: no token, nothing secret
        .route("/token", web::post().to(token::issue)) // signed with a key (X-SMP-Signature)
        .service(guarded(Method::GET, "/containers", Action::List, containers::list))
        .service(guarded(Method::POST, "/containers", Action::Create, provision::create)) // body checked by config_policy; ctr = its name
        .service(guarded(Method::PATCH, "/container/{id}", Action::Update, provision::update)) // body checked by config_policy
        .service(guarded(Method::DELETE, "/container/{id}", Action::Delete, provision::delete))
        .service(guarded(Method::GET, "/images", Action::Images, images::list))
        .service(guarded(Method::POST, "/container/{id}/start", Action::Start, lifecycle::start))
        .service(guarded(Method::POST, "/container/{id}/stop", Action::Stop, lifecycle::stop))
        .service(guarded(Method::POST, "/container/{id}/restart", Action::Restart, lifecycle::restart))
        .service(guarded(Method::POST, "/container/{id}/exec", Action::Exec, exec::run))
        .service(guarded(Method::GET, "/container/{id}/state", Action::State, containers::state))
        .service(guarded(Method::GET, "/container/{id}/logs", Action::Logs, containers::logs))
        .service(guarded(Method::GET, "/container/{id}/services", Action::ServiceList, services::list))
        .service(guarded(Method::POST, "/container/{id}/service/{unit}/start", Action::ServiceStart, services::action))
        .service(guarded(Method::POST, "/container/{id}/service/{unit}/stop", Action::ServiceStop, services::action))
        .service(guarded(
            Method::POST,
            "/container/{id}/service/{unit}/restart",
            Action::ServiceRestart,
            services::action,
        ))
        .service(guarded(Method::GET, "/container/{id}/service/{unit}/state", Action::ServiceState, services::state))
        .service(guarded(Method::GET, "/container/{id}/service/{unit}/logs", Action::ServiceLogs, services::logs))
        .service(guarded(Method::GET, "/container/{id}/snapshots", Action::SnapshotList, snapshots::list))
        .service(guarded(Method::POST, "/container/{id}/snapshots", Action::SnapshotCreate, snapshots::create)) // snap = the body's name
        .service(guarded(
            Method::POST,
            "/container/{id}/snapshot/{snapshot}/restore",
            Action::SnapshotRestore,
            snapshots::restore,
        )) // snap = the path's
        .service(guarded(
            Method::DELETE,
            "/container/{id}/snapshot/{snapshot}",
            Action::SnapshotDelete,
            snapshots::delete,
        )) // snap = the path's
        .service(guarded(Method::GET, "/container/{id}/terminal", Action::Terminal, terminal::terminal)) // WebSocket
        .service(guarded(Method::GET, "/container/{id}/console", Action::Console, terminal::console)) // WebSocket
        .service(guarded(Method::GET, "/container/{id}/exec-stream", Action::ExecStream, exec_stream::exec_stream)) // WebSocket; bh binds the query
        .service(guarded(Method::GET, "/container/{id}/tunnel", Action::Tunnel, tunnel::tunnel)) // WebSocket; bh binds the query
        .service(guarded(Method::GET, "/networks", Action::NetworkList, networks::list)) // only [[networks]]
        .service(guarded(Method::PUT, "/container/{id}/address", Action::Address, networks::address))
        .service(guarded(Method::GET, "/container/{id}/forwards", Action::ForwardList, networks::list_forwards))
        .service(guarded(Method::PUT, "/container/{id}/forwards", Action::ForwardSet, networks::set_forwards))
        .service(guarded(Method::GET, "/events", Action::Events, events::stream)); // server-sent events until max_stream_s
}

/// A route that needs an operation token for `action`.
fn guarded<F, Args>(method: Method, path: &str, action: Action, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .guard(guard::Method(method.clone()))
        .app_data(RequiredAction(action))
        .route(web::method(method).to(handler))
}

/// Any path or method outside the table.
pub async fn not_found() -> Result<HttpResponse, AgentError> {
    Err(AgentError::new(ErrorCode::NotFound, "no such route on this agent; see docs/protocol.md"))
}

/// Milliseconds since `began`, for the answers' `duration_ms`.
fn elapsed_ms(began: std::time::Instant) -> u64 {
    u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// How many of the last log lines a `lines` query asks for (default 100,
/// at most 10 000); outside that, 400 `invalid_request` before anything runs.
fn lines_wanted(asked: Option<u32>) -> Result<u32, AgentError> {
    let wanted = asked.unwrap_or(smp_proto::api::DEFAULT_LOG_LINES);
    if !(1..=smp_proto::api::MAX_LOG_LINES).contains(&wanted) {
        let max = smp_proto::api::MAX_LOG_LINES;
        return Err(AgentError::new(ErrorCode::InvalidRequest, format!("lines must be between 1 and {max}")));
    }
    Ok(wanted)
}
