//! `GET /health`: version, machine name and whether LXD answers. No token.

use std::time::Duration;

use actix_web::web;
use smp_proto::api::{Health, LxdHealth};

use crate::startup::AgentState;

/// Answers 200 while the agent runs; `status` is `degraded` when LXD does not answer within 2 s.
pub async fn show(state: web::Data<AgentState>) -> web::Json<Health> {
    let server_version =
        tokio::time::timeout(Duration::from_secs(2), state.lxd.server_version()).await.ok().and_then(Result::ok);
    let reachable = server_version.is_some();
    web::Json(Health {
        status: if reachable { "ok" } else { "degraded" }.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        machine: state.machine.clone(),
        lxd: LxdHealth { reachable, server_version, project: state.lxd.project().to_owned() },
    })
}
