//! `GET /health`: version, machine name and whether LXD answers. No token.

use actix_web::web;
use smp_proto::api::{Health, LxdHealth};

use crate::startup::AgentState;

/// Answers 200 while the agent runs; `status` is `degraded` when LXD did
/// not answer within 2 s. LXD is asked at most once per 5 s (`HealthCheck`),
/// and the answer says nothing a caller without a token should not know
/// (no project).
pub async fn show(state: web::Data<AgentState>) -> web::Json<Health> {
    let server_version = state.health.server_version(&state.lxd).await;
    let reachable = server_version.is_some();
    web::Json(Health {
        status: if reachable { "ok" } else { "degraded" }.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        machine: state.machine.clone(),
        lxd: LxdHealth { reachable, server_version },
    })
}
