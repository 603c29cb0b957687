//! The snapshot routes: list, create, restore and delete the snapshots of
//! a container. The snapshot's name was checked by `SnapshotName` (the
//! instance name rules) in the path by the token extractor, or here in the
//! body of a create, before LXD is asked anything; the token's `snap` is
//! bound to it either way.

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use smp_proto::api::{SnapshotAnswer, SnapshotList, SnapshotRequest};
use smp_proto::names::{InstanceName, SnapshotName};
use smp_proto::{Action, ErrorCode};

use super::elapsed_ms;
use crate::auth::Authorized;
use crate::error::AgentError;
use crate::lxd::LxdError;
use crate::startup::AgentState;

/// How long a snapshot or a restore may take: on a `dir` pool each copies
/// the container's whole file tree.
const COPY_DEADLINE: Duration = Duration::from_secs(300);
/// How long the deletion of a snapshot may take.
const DELETE_DEADLINE: Duration = Duration::from_secs(120);

/// `GET /container/<id>/snapshots` (`snapshot.list`): oldest first.
pub async fn list(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<SnapshotList>, AgentError> {
    Ok(web::Json(SnapshotList { items: state.lxd.snapshots(auth.container()?).await? }))
}

/// `POST /container/<id>/snapshots` (`snapshot.create`, the token's `snap`
/// is the body's `name`), body `{"name":"s0","stateful":false}`: 201 with
/// the new snapshot as LXD lists it; 409 `already_exists` when the
/// container has one of that name.
pub async fn create(auth: Authorized, state: web::Data<AgentState>) -> Result<HttpResponse, AgentError> {
    let request = SnapshotRequest::parse(&auth.body)?;
    let snapshot = SnapshotName::parse(&request.name)?;
    let name = auth.container()?;
    state
        .lxd
        .create_snapshot(name, &snapshot, request.stateful, COPY_DEADLINE)
        .await
        .map_err(|error| snapshot_error(error, name, &snapshot))?;
    tracing::info!(%name, %snapshot, stateful = request.stateful, sub = %auth.claims.sub, "snapshot created");
    let created = state.lxd.snapshot(name, &snapshot).await.map_err(|error| snapshot_error(error, name, &snapshot))?;
    Ok(HttpResponse::Created().json(created))
}

/// `POST /container/<id>/snapshot/<name>/restore` (`snapshot.restore`):
/// LXD stops a running container, puts the snapshot back and starts it
/// again; the answer has the container's status after.
pub async fn restore(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<SnapshotAnswer>, AgentError> {
    let began = Instant::now();
    let (name, snapshot) = (auth.container()?, path_snapshot(&auth)?);
    state
        .lxd
        .restore_snapshot(name, snapshot, COPY_DEADLINE)
        .await
        .map_err(|error| snapshot_error(error, name, snapshot))?;
    tracing::info!(%name, %snapshot, sub = %auth.claims.sub, "snapshot restored");
    answer(&state, name, snapshot, Action::SnapshotRestore, began).await
}

/// `DELETE /container/<id>/snapshot/<name>` (`snapshot.delete`).
pub async fn delete(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<SnapshotAnswer>, AgentError> {
    let began = Instant::now();
    let (name, snapshot) = (auth.container()?, path_snapshot(&auth)?);
    state
        .lxd
        .delete_snapshot(name, snapshot, DELETE_DEADLINE)
        .await
        .map_err(|error| snapshot_error(error, name, snapshot))?;
    tracing::info!(%name, %snapshot, sub = %auth.claims.sub, "snapshot deleted");
    answer(&state, name, snapshot, Action::SnapshotDelete, began).await
}

async fn answer(
    state: &AgentState,
    name: &InstanceName,
    snapshot: &SnapshotName,
    action: Action,
    began: Instant,
) -> Result<web::Json<SnapshotAnswer>, AgentError> {
    Ok(web::Json(SnapshotAnswer {
        name: name.to_string(),
        snapshot: snapshot.to_string(),
        action,
        status: state.lxd.status(name).await?,
        duration_ms: elapsed_ms(began),
    }))
}

fn path_snapshot(auth: &Authorized) -> Result<&SnapshotName, AgentError> {
    auth.snapshot.as_ref().ok_or_else(|| AgentError::new(ErrorCode::Internal, "route without a snapshot"))
}

/// LXD's answers that name the snapshot rather than the container: one of
/// that name exists already, or none does (LXD's message then says
/// "snapshot"; a missing container is the usual `not_found`).
fn snapshot_error(error: LxdError, name: &InstanceName, snapshot: &SnapshotName) -> AgentError {
    match error {
        LxdError::AlreadyExists => {
            AgentError::new(ErrorCode::AlreadyExists, format!("{name} has a snapshot named {snapshot} already"))
        }
        LxdError::NotFound(message) if message.to_ascii_lowercase().contains("snapshot") => {
            AgentError::new(ErrorCode::NotFound, format!("{name} has no snapshot named {snapshot}"))
        }
        other => other.into(),
    }
}
