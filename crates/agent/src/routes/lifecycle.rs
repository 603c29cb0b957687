//! `start`, `stop` and `restart`: each answers once LXD's operation has
//! succeeded, with the status that success implies (no extra LXD call).

use std::time::{Duration, Instant};

use actix_web::web;
use smp_proto::api::{ContainerStatus, LifecycleAnswer, MAX_TIMEOUT_S, StopRequest};
use smp_proto::{Action, ErrorCode};

use crate::auth::{Authorized, json_or_default};
use crate::error::AgentError;
use crate::startup::AgentState;

/// How long a start may take before the agent answers `timeout`.
pub(crate) const START_DEADLINE: Duration = Duration::from_secs(60);

/// `POST /container/<id>/start` (`start`); 409 `already_running` if it runs.
pub async fn start(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<LifecycleAnswer>, AgentError> {
    let began = Instant::now();
    let name = auth.container()?;
    state.lxd.start(name, START_DEADLINE).await?;
    answer(&auth, Action::Start, ContainerStatus::Running, began)
}

/// `POST /container/<id>/stop` (`stop`), body `{"force":false,"timeout_s":30}`
/// optional; 409 `already_stopped` if it is stopped.
pub async fn stop(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<LifecycleAnswer>, AgentError> {
    let began = Instant::now();
    let request = stop_request(&auth)?;
    state.lxd.stop(auth.container()?, request.force, request.timeout_s).await?;
    answer(&auth, Action::Stop, ContainerStatus::Stopped, began)
}

/// `POST /container/<id>/restart` (`restart`), same body as stop.
pub async fn restart(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<LifecycleAnswer>, AgentError> {
    let began = Instant::now();
    let request = stop_request(&auth)?;
    state.lxd.restart(auth.container()?, request.force, request.timeout_s).await?;
    answer(&auth, Action::Restart, ContainerStatus::Running, began)
}

fn stop_request(auth: &Authorized) -> Result<StopRequest, AgentError> {
    let request: StopRequest = json_or_default(&auth.body)?;
    if !(1..=MAX_TIMEOUT_S).contains(&request.timeout_s) {
        return Err(AgentError::new(
            ErrorCode::InvalidRequest,
            format!("timeout_s must be between 1 and {MAX_TIMEOUT_S}"),
        ));
    }
    Ok(request)
}

fn answer(
    auth: &Authorized,
    action: Action,
    status: ContainerStatus,
    began: Instant,
) -> Result<web::Json<LifecycleAnswer>, AgentError> {
    Ok(web::Json(LifecycleAnswer {
        name: auth.container()?.to_string(),
        action,
        status,
        duration_ms: began.elapsed().as_millis() as u64,
        uuid: None,
    }))
}
