//! Whether the rights behind an open terminal still hold, and the watch
//! that tells sessions to ask again.
//!
//! Every change of rights (a user disabled, a container given to someone
//! else, a sign-out, a password change, a token revoked) writes an audit
//! row, from the web, the API or the admin CLI in another process alike.
//! So one task polls the newest audit row id twice a second and, when it
//! moved, every session asks again: a disabled member's terminal closes
//! within a second, with one cheap query per half second for the whole panel.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::AuthVia;
use crate::db::containers::ContainerId;
use crate::db::{self, DbConnection, DbPool, audit, containers, sessions, ssh_keys, tokens, users};
use crate::error::AppError;
use crate::policy::{self, Action, Actor, Decision, Object};

/// How often the audit log's newest id is read.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Starts the watch; its value is the newest audit row id.
pub fn watch_audit_log(pool: DbPool) -> watch::Receiver<i64> {
    let (sender, receiver) = watch::channel(0);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if sender.is_closed() {
                return;
            }
            match db::run(&pool, |connection| audit::latest_id(connection).map_err(AppError::internal)).await {
                Ok(latest) => {
                    sender.send_if_modified(|seen| {
                        let moved = *seen != latest;
                        *seen = latest;
                        moved
                    });
                }
                Err(error) => tracing::warn!(%error, "cannot read the audit log's newest row"),
            }
        }
    });
    receiver
}

/// Whether `user_id` may still open a terminal on `container_id` (account
/// enabled and approved, the policy allows it, the container not gone).
pub fn owner_may_open(
    connection: &mut DbConnection,
    user_id: i64,
    container_id: ContainerId,
) -> Result<bool, AppError> {
    let Some(user) = users::find(connection, users::UserId(user_id))? else { return Ok(false) };
    let Some(container) = containers::get(connection, container_id)? else { return Ok(false) };
    if container.is_gone() {
        return Ok(false);
    }
    let owners = containers::owner_chain(connection, container_id)?;
    let object = Object::Container { owners: &owners, in_quota: container.in_quota };
    Ok(policy::decide(&Actor::from(&user), Action::ContainerTerminal, &object) == Decision::Allow)
}

/// Whether `user_id` is still signed in the way she was when she asked
/// for her ticket (that session or token still live, that SSH key still in
/// her profile) with an enabled,
/// approved account.
pub fn signed_in(connection: &mut DbConnection, user_id: i64, via: &AuthVia) -> Result<bool, AppError> {
    let Some(user) = users::find(connection, users::UserId(user_id))? else { return Ok(false) };
    if user.disabled || !user.approved {
        return Ok(false);
    }
    let holder = match via {
        AuthVia::Session { id_hash, .. } => sessions::find_live(connection, id_hash)?.map(|session| session.user_id),
        AuthVia::Token { hash } => tokens::authenticate(connection, hash)?.map(|(user_id, _)| user_id),
        // The key is still in her profile (deleted: the SSH session ends).
        AuthVia::SshKey { key_id } => ssh_keys::owner_of(connection, ssh_keys::SshKeyId(*key_id))?,
    };
    Ok(holder == Some(user.id))
}
