//! The member shell's use cases (`ssh smp@panel`, docs/ssh.md): each one the
//! web's own use case for the same thing, called as the SSH key's holder
//! (`SshUser::current`), so that the policy decides and the audit log
//! records exactly as for the pages and the API. Nothing is decided here:
//! a container or a service she may not act on is refused by the use case
//! it goes to, with the same 404 as a missing one.

use std::sync::Arc;

use smp_proto::api::{ContainerState, LifecycleAnswer, ServiceActionAnswer, ServiceState, StopRequest};

use crate::app::containers::{self, ContainerFilter};
use crate::app::services::{self, ServiceView};
use crate::app::snapshots::{self, NewSnapshotRequest, Snapshots};
use crate::app::ssh::SshUser;
use crate::app::terminals::rights;
use crate::app::terminals::{Attachment, CloseReason, Grant, TerminalKind, TicketTarget};
use crate::app::{AuthVia, Context, provisioning};
use crate::db::containers::{Container, ContainerId};
use crate::db::services::ServiceId;
use crate::db::snapshots::SnapshotRow;
use crate::db::users;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::policy::Action;

/// What the shell names: the containers and the services she may see, as
/// the dashboard lists them (every live container and every service for an
/// admin, as the policy lets her see them).
#[derive(Debug, Default)]
pub struct ShellObjects {
    pub containers: Vec<Container>,
    pub services: Vec<ServiceView>,
}

/// Her live containers and her services (`list_all_containers`, `list_services`).
pub async fn objects(pool: &DbPool, who: &SshUser) -> Result<ShellObjects, AppError> {
    let filter = ContainerFilter { live_only: true, ..ContainerFilter::default() };
    let containers = containers::list_all_containers(&who.current("request"), pool, &filter).await?;
    let services = services::list_services(who.current("request"), pool, None).await?;
    Ok(ShellObjects { containers: containers.into_iter().map(|view| view.into_container()).collect(), services })
}

/// A container's lifecycle action, as the shell names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Start,
    /// A clean shutdown.
    Stop,
    Restart,
    /// A forced restart (`StopRequest { force: true }`).
    Reset,
}

/// Start, stop, restart or reset the container (`containers::lifecycle`,
/// audited `container.start` / `.stop` / `.restart` like the API's).
pub async fn container_lifecycle(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
    lifecycle: Lifecycle,
) -> Result<LifecycleAnswer, AppError> {
    let (action, audit, force) = match lifecycle {
        Lifecycle::Start => (Action::ContainerStart, "container.start", false),
        Lifecycle::Stop => (Action::ContainerStop, "container.stop", false),
        Lifecycle::Restart => (Action::ContainerRestart, "container.restart", false),
        Lifecycle::Reset => (Action::ContainerRestart, "container.restart", true),
    };
    let request = StopRequest { force, ..StopRequest::default() };
    containers::lifecycle(who.current(audit), context, pool, id, action, move || Ok(request)).await
}

/// Sets whether the container starts with its machine (`provisioning::configure`,
/// audited `container.update`).
pub async fn set_autostart(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
    on: bool,
) -> Result<Container, AppError> {
    provisioning::configure(who.current("container.update"), context, pool, id, Some(on), None).await
}

/// The container's live state (`containers::state_of`, a read).
pub async fn container_state(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
) -> Result<ContainerState, AppError> {
    containers::state_of(who.current("request"), context, pool, id).await
}

/// The container's snapshots and schedule (`snapshots::list`, a read).
pub async fn snapshots(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
) -> Result<Snapshots, AppError> {
    snapshots::list(who.current("request"), context, pool, id).await
}

/// Takes a snapshot named `name` within her quota (`snapshots::take`,
/// audited `snapshot.create` like the API's).
pub async fn take_snapshot(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
    name: String,
) -> Result<SnapshotRow, AppError> {
    snapshots::take(who.current("snapshot.create"), context, pool, id, move || Ok(NewSnapshotRequest { name })).await
}

/// Restores the container to its snapshot `name` (`snapshots::restore`,
/// audited `snapshot.restore`).
pub async fn restore_snapshot(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
    name: String,
) -> Result<SnapshotRow, AppError> {
    snapshots::restore(who.current("snapshot.restore"), context, pool, id, name).await
}

/// Deletes the container's snapshot `name` (`snapshots::delete`, audited
/// `snapshot.delete`).
pub async fn delete_snapshot(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
    name: String,
) -> Result<(), AppError> {
    snapshots::delete(who.current("snapshot.delete"), context, pool, id, name).await
}

/// A service's action, as the shell names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceLifecycle {
    Start,
    Stop,
    Restart,
}

/// Start, stop or restart the service (`services::service_action`, audited
/// `service.start` / `.stop` / `.restart` like the API's).
pub async fn service_lifecycle(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ServiceId,
    lifecycle: ServiceLifecycle,
) -> Result<ServiceActionAnswer, AppError> {
    let (action, audit) = match lifecycle {
        ServiceLifecycle::Start => (Action::ServiceStart, "service.start"),
        ServiceLifecycle::Stop => (Action::ServiceStop, "service.stop"),
        ServiceLifecycle::Restart => (Action::ServiceRestart, "service.restart"),
    };
    services::service_action(who.current(audit), context, pool, id, action).await
}

/// The unit's live state (`services::state_of`, a read).
pub async fn service_state(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ServiceId,
) -> Result<ServiceState, AppError> {
    services::state_of(who.current("request"), context, pool, id).await
}

/// The container's console, a new private terminal session exactly as the
/// web console tab opens one (`terminals::open`, policy `ContainerTerminal`).
pub async fn open_console(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    id: ContainerId,
    cols: u16,
    rows: u16,
) -> Result<Attachment, (CloseReason, String)> {
    let grant = Grant {
        user_id: who.user.id.0,
        via: AuthVia::SshKey { key_id: who.key_id.0 },
        container_id: id,
        target: TicketTarget::New(TerminalKind::Console),
    };
    crate::app::terminals::open(context, pool, grant, cols, rows).await
}

/// `who` as she is now, before each command: her key still in her
/// profile, her account enabled and approved, and her role as it is now
/// (an admin made a member acts as a member from her next command);
/// `None` when her rights ended.
pub async fn refreshed(context: &Context, pool: &DbPool, who: &SshUser) -> Result<Option<SshUser>, AppError> {
    let (user_id, via) = (who.user.id.0, AuthVia::SshKey { key_id: who.key_id.0 });
    let required = context.require_totp_for_admins;
    let found = db::run(pool, move |connection| {
        if !rights::signed_in(connection, user_id, &via)? {
            return Ok::<_, AppError>(None);
        }
        let Some(user) = users::find(connection, users::UserId(user_id))? else { return Ok(None) };
        let admin_withheld = crate::app::totp::admin_withheld(connection, required, &user)?;
        Ok(Some((user, admin_withheld)))
    })
    .await?;
    Ok(found.map(|(user, admin_withheld)| SshUser {
        user,
        key_id: who.key_id,
        fingerprint: who.fingerprint.clone(),
        admin_withheld,
    }))
}
