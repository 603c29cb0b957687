//! `create`, `update` and `delete` of containers. Each body is parsed and
//! checked by smp-proto's `config_policy` (the token's tier: member, admin,
//! or host where this agent's `host_config` is on) before LXD is asked
//! anything; the LXD requests are built here from the checked fields,
//! never passed through.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use smp_proto::api::{ContainerStatus, LifecycleAnswer, UpdateAnswer, size_in_mib};
use smp_proto::config_policy::{Grant, check_create, check_update, parse_create_request, parse_update_request};
use smp_proto::names::InstanceName;
use smp_proto::{Action, ErrorCode};

use super::elapsed_ms;
use crate::auth::Authorized;
use crate::error::AgentError;
use crate::lxd::{Device, LxdError, NewInstance, root_disk, sized_root_disk};
use crate::startup::AgentState;

/// How long LXD may take to create an instance (unpacking its image).
const CREATE_DEADLINE: Duration = Duration::from_secs(300);
/// How long a start after a creation may take.
const START_DEADLINE: Duration = Duration::from_secs(60);
/// How long a forced stop and a deletion may take together.
const DELETE_DEADLINE: Duration = Duration::from_secs(120);
/// How often the deletion of a container that failed to start is retried
/// while LXD still holds it.
const ROLLBACK_RETRY: Duration = Duration::from_millis(250);

/// `POST /containers` (`create`, the token's `ctr` is the body's `name`):
/// 201 `LifecycleAnswer` once LXD has created the container (and started
/// it, with `start: true`), with its new `volatile.uuid`.
///
/// In order: the body (`invalid_request`; `devices` or `source`:
/// `forbidden_config`; a key named twice: `invalid_request`), the name
/// (`invalid_name`), the token's tier (`forbidden_config`), value shapes
/// (`invalid_request`); then LXD: the
/// name is free (409 `already_exists`), the alias exists and is a container
/// image (422 `unknown_image`), each profile exists (422
/// `unknown_profile`); creation; the start. A start that fails deletes the
/// new container again, so a failed create leaves nothing behind.
pub async fn create(auth: Authorized, state: web::Data<AgentState>) -> Result<HttpResponse, AgentError> {
    let began = Instant::now();
    let request = parse_create_request(&auth.body)?;
    let grant = Grant::of_token(&auth.claims, state.host_config);
    let name = check_create(&request, grant, &state.member_offer())?;

    if state.lxd.exists(&name).await? {
        return Err(already_exists(&name));
    }
    match state.lxd.image_alias(&request.image).await? {
        Some(alias) if alias.image_type == "container" => {}
        _ => {
            return Err(AgentError::new(
                ErrorCode::UnknownImage,
                format!("no container image alias {:?} on this machine; GET /images lists them", request.image),
            ));
        }
    }
    let mut profile_devices: HashMap<String, Device> = HashMap::new();
    for profile_name in &request.profiles {
        let Some(profile) = state.lxd.profile(profile_name).await? else {
            return Err(AgentError::new(
                ErrorCode::UnknownProfile,
                format!("no profile {profile_name:?} on this machine"),
            ));
        };
        // Later profiles override earlier ones' devices of the same name, as in LXD.
        profile_devices.extend(profile.devices);
    }
    let devices = match request.disk_mb {
        None => HashMap::new(),
        Some(disk_mb) => {
            let (device_name, device) = root_disk(&profile_devices).ok_or_else(|| {
                AgentError::new(ErrorCode::InvalidRequest, "the profiles give no root disk to size; disk_mb needs one")
            })?;
            sized_root_disk(device_name, device, disk_mb)
        }
    };

    let new = NewInstance {
        name: &name,
        image: &request.image,
        profiles: &request.profiles,
        config: &request.config,
        devices,
    };
    state.lxd.create(&new, CREATE_DEADLINE).await.map_err(|error| match error {
        LxdError::AlreadyExists => already_exists(&name),
        other => AgentError::from(other),
    })?;
    let mut status = ContainerStatus::Stopped;
    if request.start {
        if let Err(error) = state.lxd.start(&name, START_DEADLINE).await {
            tracing::warn!(%name, %error, "the new container did not start; deleting it again");
            delete_after_failed_start(&state, &name).await;
            return Err(error.into());
        }
        status = ContainerStatus::Running;
    }
    // The uuid the panel binds later tokens to (`uid`); an answer without it
    // is still a success: the container exists.
    let uuid = match state.lxd.uuid(&name).await {
        Ok(uuid) => uuid,
        Err(error) => {
            tracing::warn!(%name, %error, "cannot read the new container's uuid");
            None
        }
    };
    tracing::info!(%name, image = %request.image, tier = %grant.tier, sub = %auth.claims.sub, "container created");
    Ok(HttpResponse::Created().json(LifecycleAnswer {
        name: name.to_string(),
        action: Action::Create,
        status,
        duration_ms: elapsed_ms(began),
        uuid,
    }))
}

/// `PATCH /container/<id>` (`update`): merges `config` into the instance's
/// own (`""` removes a key) and sets the root disk's size (`disk_mb`);
/// answers the configuration after the change.
pub async fn update(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<UpdateAnswer>, AgentError> {
    let began = Instant::now();
    let request = parse_update_request(&auth.body)?;
    let grant = Grant::of_token(&auth.claims, state.host_config);
    check_update(&request, grant)?;
    let name = auth.container()?;
    let devices = match request.disk_mb {
        None => HashMap::new(),
        Some(disk_mb) => {
            let instance = state.lxd.instance(name).await?;
            let (device_name, device) = root_disk(&instance.expanded_devices)
                .ok_or_else(|| AgentError::new(ErrorCode::InvalidRequest, "the container has no root disk to size"))?;
            sized_root_disk(device_name, device, disk_mb)
        }
    };
    state.lxd.update(name, &request.config, &devices).await?;
    let instance = state.lxd.instance(name).await?;
    tracing::info!(%name, tier = %grant.tier, sub = %auth.claims.sub, "container updated");
    let disk_mb = root_disk(&instance.expanded_devices)
        .and_then(|(_, device)| device.get("size"))
        .and_then(|size| size_in_mib(size));
    Ok(web::Json(UpdateAnswer {
        name: name.to_string(),
        config: own_config(instance.config),
        disk_mb,
        duration_ms: elapsed_ms(began),
    }))
}

/// `DELETE /container/<id>` (`delete`): a running container is stopped at
/// once (forced), then removed; the answer's status is `deleted`.
pub async fn delete(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<LifecycleAnswer>, AgentError> {
    let began = Instant::now();
    let name = auth.container()?;
    let was_running = state.lxd.delete(name, DELETE_DEADLINE).await?;
    tracing::info!(%name, was_running, sub = %auth.claims.sub, "container deleted");
    Ok(web::Json(LifecycleAnswer {
        name: name.to_string(),
        action: Action::Delete,
        status: ContainerStatus::Deleted,
        duration_ms: elapsed_ms(began),
        uuid: None,
    }))
}

/// Deletes a container whose start just failed. LXD holds the instance for
/// a moment after a failed start (its stop hook runs: "busy running a stop
/// operation", 0.8 s here), visible only as that refusal and as no
/// operation one could wait for, so a busy answer is retried every
/// [`ROLLBACK_RETRY`] for at most [`DELETE_DEADLINE`]. A failure is logged:
/// the caller gets the start's error either way.
async fn delete_after_failed_start(state: &AgentState, name: &InstanceName) {
    let deadline = Instant::now() + DELETE_DEADLINE;
    loop {
        match state.lxd.delete(name, DELETE_DEADLINE).await {
            Ok(_) => return,
            Err(LxdError::Busy(_)) if Instant::now() + ROLLBACK_RETRY < deadline => {
                tokio::time::sleep(ROLLBACK_RETRY).await;
            }
            Err(error) => {
                tracing::warn!(%name, %error, "cannot delete the container that did not start; delete it by hand");
                return;
            }
        }
    }
}

fn already_exists(name: &InstanceName) -> AgentError {
    AgentError::new(ErrorCode::AlreadyExists, format!("a container named {name} already exists on this machine"))
}

/// The instance's own configuration without LXD's bookkeeping.
fn own_config(config: HashMap<String, String>) -> BTreeMap<String, String> {
    config.into_iter().filter(|(key, _)| !key.starts_with("volatile.") && !key.starts_with("image.")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answered_config_leaves_out_lxds_bookkeeping() {
        let config = HashMap::from([
            ("limits.memory".to_owned(), "256MiB".to_owned()),
            ("volatile.idmap.next".to_owned(), "[]".to_owned()),
            ("image.os".to_owned(), "busybox".to_owned()),
            ("user.note".to_owned(), "x".to_owned()),
        ]);
        let own: Vec<String> = own_config(config).into_keys().collect();
        assert_eq!(own, ["limits.memory", "user.note"]);
    }
}
