//! The SSH gateway's use cases: who a verified profile key opens and what
//! the SSH user (the target) names for her (`authorize`), a PTY shell or a
//! shared session through `terminals::open`, a command through the agent's
//! `exec-stream` route and a `-L` forward through its `tunnel` route
//! (`open_stream`), and the audit rows `ssh.open` / `ssh.close`.
//!
//! A target she may not use is refused exactly like one that does not
//! exist: `authorize` answers `None` for both (and for an unknown key), so
//! the front end answers every one "Permission denied (publickey)".

use std::sync::Arc;

pub use crate::agents::AgentSocket;
use crate::agents::Caller;
use crate::app::audited::{AuditEntry, audited};
use crate::app::containers::{Target, load_allowed, visible};
use crate::app::terminals::rights;
use crate::app::terminals::{Attachment, CloseReason, Grant, SessionId, TerminalKind, TicketTarget};
use crate::app::{AuthVia, Context, CurrentUser};
use crate::db::containers::{ContainerId, ListFilter};
use crate::db::ssh_keys::SshKeyId;
use crate::db::users::User;
use crate::db::{self, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Object};

/// The SSH user of the member shell (issue 16's next part).
pub const MEMBER_SHELL: &str = "smp";
/// The prefix of a shared session's SSH user: `join-<session>`.
pub const JOIN_PREFIX: &str = "join-";

/// Who a verified key opens.
#[derive(Debug, Clone)]
pub struct SshUser {
    pub user: User,
    pub key_id: SshKeyId,
    pub fingerprint: String,
    /// `require_totp_for_admins` and no active TOTP: she acts as a member.
    pub admin_withheld: bool,
}

impl SshUser {
    /// As the use cases see her: signed in with that key.
    pub fn current(&self, action: &'static str) -> CurrentUser {
        CurrentUser {
            user: self.user.clone(),
            via: AuthVia::SshKey { key_id: self.key_id.0 },
            action,
            admin_withheld: self.admin_withheld,
        }
    }
}

/// What the SSH user names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshTarget {
    /// One of her containers (policy `ContainerTerminal`).
    Container { id: ContainerId, name: String, machine: String },
    /// A name that several of her containers have: she must add the machine.
    Ambiguous { name: String, machines: Vec<String> },
    /// A shared session she owns or is invited to.
    Join { session: SessionId, container_id: ContainerId, machine: String },
    /// The member shell.
    MemberShell,
}

impl SshTarget {
    /// The audit row's object.
    pub fn object(&self) -> String {
        match self {
            SshTarget::Container { id, .. } => format!("container:{id}"),
            SshTarget::Join { container_id, .. } => format!("container:{container_id}"),
            SshTarget::Ambiguous { .. } | SshTarget::MemberShell => "ssh".to_owned(),
        }
    }

    fn machine(&self) -> Option<String> {
        match self {
            SshTarget::Container { machine, .. } | SshTarget::Join { machine, .. } => Some(machine.clone()),
            SshTarget::Ambiguous { .. } | SshTarget::MemberShell => None,
        }
    }
}

/// The account `fingerprint` opens and the target `ssh_user` names for
/// her, or `None` when either is refused (an unknown key, a disabled
/// account, a container or session she may not use or that does not exist
/// alike). Reads only.
pub async fn authorize(
    context: &Arc<Context>,
    pool: &DbPool,
    fingerprint: &str,
    ssh_user: &str,
) -> Result<Option<(SshUser, SshTarget)>, AppError> {
    let Some((user, key_id)) = crate::app::ssh_keys::authenticate(pool, fingerprint).await? else {
        return Ok(None);
    };
    let admin_withheld = crate::app::totp::withheld(context, pool, &user).await?;
    let who = SshUser { user, key_id, fingerprint: fingerprint.to_owned(), admin_withheld };
    if ssh_user == MEMBER_SHELL {
        return Ok(Some((who, SshTarget::MemberShell)));
    }
    if let Some(text) = ssh_user.strip_prefix(JOIN_PREFIX) {
        let Some(hub) = SessionId::parse(text).and_then(|id| context.terminals.get(&id)) else { return Ok(None) };
        let me = who.user.id.0;
        let invited = hub.owner_id != me && hub.mode_of(me).is_some();
        let object = Object::TerminalSession { owner: hub.owner_id, invited };
        if policy::decide(&who.current("terminal.join").actor(), Action::TerminalSessionJoin, &object)
            != policy::Decision::Allow
        {
            return Ok(None);
        }
        let target =
            SshTarget::Join { session: hub.id.clone(), container_id: hub.container_id, machine: hub.machine.clone() };
        return Ok(Some((who, target)));
    }
    let (name, machine) = match ssh_user.split_once('.') {
        Some((name, machine)) => (name.to_owned(), Some(machine.to_owned())),
        None => (ssh_user.to_owned(), None),
    };
    let current = who.current("ssh.open");
    let target = db::run(pool, move |connection| {
        let filter = ListFilter { live_only: true, ..ListFilter::default() };
        let mut found = Vec::new();
        for row in visible(connection, &current, &filter)? {
            if row.name != name || machine.as_ref().is_some_and(|machine| *machine != row.machine) {
                continue;
            }
            if load_allowed(connection, &current, row.id(), Action::ContainerTerminal).is_ok() {
                found.push(row);
            }
        }
        Ok::<_, AppError>(match found.len() {
            0 => None,
            1 => found.pop().map(|row| SshTarget::Container { id: row.id(), name: row.name, machine: row.machine }),
            _ => Some(SshTarget::Ambiguous { name, machines: found.into_iter().map(|row| row.machine).collect() }),
        })
    })
    .await?;
    Ok(target.map(|target| (who, target)))
}

/// A PTY shell on the container (a new private session) or the shared
/// session `target` names, at `cols`×`rows`, exactly as the web terminal
/// opens one (the hub writes `terminal.open` / `terminal.close`).
pub async fn open_terminal(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    target: &SshTarget,
    cols: u16,
    rows: u16,
) -> Result<Attachment, (CloseReason, String)> {
    let (container_id, target) = match target {
        SshTarget::Container { id, .. } => (*id, TicketTarget::New(TerminalKind::Shell)),
        SshTarget::Join { session, container_id, .. } => (*container_id, TicketTarget::Session(session.clone())),
        SshTarget::Ambiguous { .. } | SshTarget::MemberShell => {
            return Err((CloseReason::RightsEnded, "this target has no terminal".to_owned()));
        }
    };
    let grant = Grant { user_id: who.user.id.0, via: AuthVia::SshKey { key_id: who.key_id.0 }, container_id, target };
    crate::app::terminals::open(context, pool, grant, cols, rows).await
}

/// Whether the stream of `who` on container `target` may go on: her key
/// still in her profile, her account enabled and approved, the container
/// still hers to use (`ContainerTerminal`). An error reads as yes (asked
/// again at the next change), as the terminals do.
pub async fn stream_still_allowed(pool: &DbPool, who: &SshUser, target: &SshTarget) -> bool {
    let SshTarget::Container { id, .. } = target else { return false };
    let (id, user_id, via) = (*id, who.user.id.0, AuthVia::SshKey { key_id: who.key_id.0 });
    let checked = db::run(pool, move |connection| {
        Ok::<_, AppError>(
            rights::signed_in(connection, user_id, &via)? && rights::owner_may_open(connection, user_id, id)?,
        )
    })
    .await;
    checked.unwrap_or_else(|error| {
        tracing::warn!(%error, "the rights of an SSH stream could not be checked; trying again later");
        true
    })
}

/// What a stream runs.
#[derive(Debug, Clone)]
pub enum StreamKind {
    /// `/bin/sh -c COMMAND` (`exec-stream`, policy `ContainerExec`).
    Exec(String),
    /// A TCP connection to the container's port (`tunnel`, policy `ContainerTerminal`).
    Tunnel(u16),
}

/// An open stream and the audit entry its `ssh.close` row completes.
#[derive(Debug)]
pub struct Stream {
    pub socket: AgentSocket,
    pub entry: AuditEntry,
}

/// Opens a command or a tunnel on the container of `target`, audited
/// (`ssh.open`, the key's fingerprint and what runs as detail; a refusal
/// is its row with the error's code).
pub async fn open_stream(
    context: Arc<Context>,
    pool: &DbPool,
    who: &SshUser,
    target: &SshTarget,
    kind: StreamKind,
) -> Result<Stream, AppError> {
    let SshTarget::Container { id, .. } = target else {
        return Err(AppError::said(ErrorCode::Conflict, "error-services-ssh-not-a-container", &[]));
    };
    let id = *id;
    let current = who.current("ssh.open");
    let mut entry = current.audit(format!("container:{id}"));
    entry.set_detail(detail(who, &kind));
    let (target, entry) = {
        let kind = kind.clone();
        let context = context.clone();
        audited(pool, entry, move |connection, entry| {
            let action = match kind {
                StreamKind::Exec(_) => Action::ContainerExec,
                StreamKind::Tunnel(_) => Action::ContainerTerminal,
            };
            let container = load_allowed(connection, &current, id, action)?;
            entry.machine = Some(container.machine.clone());
            Ok((Target::of(connection, &context, &current, &container)?, entry.clone()))
        })
        .await?
    };
    // A stream may last hours: it holds no slot of calls in flight.
    let caller = Caller::new(&target.caller.username, target.caller.tier);
    let (action, query) = match &kind {
        StreamKind::Exec(command) => {
            let argv = serde_json::to_string(&["/bin/sh", "-c", command.as_str()]).map_err(AppError::internal)?;
            (
                smp_proto::Action::ExecStream,
                url::form_urlencoded::Serializer::new(String::new()).append_pair("command", &argv).finish(),
            )
        }
        StreamKind::Tunnel(port) => (smp_proto::Action::Tunnel, format!("port={port}")),
    };
    let call = crate::agents::Call::new(action).container(target.instance()).query(&query);
    let socket = target.client.open_interactive(&caller, &call).await.map_err(AppError::from)?;
    Ok(Stream { socket, entry })
}

fn detail(who: &SshUser, kind: &StreamKind) -> String {
    match kind {
        StreamKind::Exec(command) => format!("key={} exec={command:?}", who.fingerprint),
        StreamKind::Tunnel(port) => format!("key={} tunnel=port {port}", who.fingerprint),
    }
}

/// What an SSH channel did, for its `ssh.close` row.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The exit status (commands and shells), if one came.
    pub exit: Option<u32>,
    pub seconds: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Why it ended, in a word.
    pub reason: &'static str,
}

/// The `ssh.open` row of a terminal (the stream's is written by `open_stream`).
pub async fn audit_open(pool: &DbPool, who: &SshUser, ssh_user: &str, target: &SshTarget, what: &str) {
    let mut entry = who.current("ssh.open").audit(target.object());
    entry.machine = target.machine();
    entry.set_detail(format!("target={ssh_user} key={} {what}", who.fingerprint));
    if let Err(error) = audited(pool, entry, |_, _| Ok(())).await {
        tracing::warn!(%error, "cannot write an ssh.open row");
    }
}

/// The `ssh.close` row of a channel.
pub async fn audit_close(pool: &DbPool, who: &SshUser, ssh_user: &str, target: &SshTarget, outcome: &Outcome) {
    let mut entry = who.current("ssh.close").audit(target.object());
    entry.machine = target.machine();
    let exit = outcome.exit.map_or_else(|| "-".to_owned(), |code| code.to_string());
    entry.set_detail(format!(
        "target={ssh_user} key={} exit={exit} seconds={} bytes_in={} bytes_out={} reason={}",
        who.fingerprint, outcome.seconds, outcome.bytes_in, outcome.bytes_out, outcome.reason
    ));
    if let Err(error) = audited(pool, entry, |_, _| Ok(())).await {
        tracing::warn!(%error, "cannot write an ssh.close row");
    }
}

/// A refused authentication: a stranger's (no key of hers verified) are
/// counted per address like anonymous web refusals.
pub async fn audit_refusal(
    refusals: &crate::app::anonymous::AnonymousRefusals,
    client: Option<std::net::IpAddr>,
    ssh_user: &str,
    rate_limited: bool,
) {
    let mut entry = AuditEntry::anonymous("ssh.auth", "ssh");
    entry.set_detail(format!("target={}", ssh_user.chars().take(64).collect::<String>()));
    let error = if rate_limited {
        AppError::said(ErrorCode::RateLimited, "error-services-ssh-too-many-attempts", &[])
    } else {
        AppError::said(ErrorCode::InvalidCredentials, "error-services-ssh-no-key", &[])
    };
    let _ = refusals.refuse(client, entry, error).await;
}
