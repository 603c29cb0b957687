//! Terminals in containers (issue 15): tickets, sessions (private or
//! shared), and the rights that keep them open. The JSON API asks for
//! tickets and manages shared sessions here; the WebSocket front end
//! redeems a ticket here and relays what `Attachment` gives it.
//!
//! Every terminal is a session (`hub`) with an owner: a private one has
//! only her, a shared one also the members she invited as `read` or
//! `write`. A session outlives its sockets by the grace period, so that a
//! reload takes it back; it ends when its process ends, when its owner
//! ends it, at its lifetime, or when its owner's rights end.

pub mod hub;
pub mod rights;
pub mod screen;
pub mod tickets;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fluent_templates::fluent_bundle::FluentValue;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::agents::Caller;
use crate::app::containers::{Target, load_allowed};
use crate::app::{Context, CurrentUser, audited::audited};
use crate::db::containers::ContainerId;
use crate::db::{self, DbPool, users};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Object};
use crate::texts;
use hub::{AttachRequest, Hub, HubFacts, HubTask, Upstream};
pub use hub::{Attachment, Outbound, Participant};
/// What `open` opens, for whom: a redeemed ticket, or the SSH gateway's own.
pub use tickets::Ticket as Grant;
pub use tickets::TicketTarget;
use tickets::{Ticket, TicketBook, TicketRefused};

/// What a terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TerminalKind {
    /// A login shell (the agent's `terminal` route).
    Shell,
    /// The container's text console (the agent's `console` route).
    Console,
}

impl TerminalKind {
    pub fn agent_action(self) -> smp_proto::Action {
        match self {
            TerminalKind::Shell => smp_proto::Action::Terminal,
            TerminalKind::Console => smp_proto::Action::Console,
        }
    }
}

impl std::fmt::Display for TerminalKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            TerminalKind::Shell => "shell",
            TerminalKind::Console => "console",
        })
    }
}

/// What a participant of a session may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantMode {
    /// Sees the screen; her keystrokes are dropped by the panel.
    Read,
    /// Types too.
    Write,
}

impl std::fmt::Display for ParticipantMode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            ParticipantMode::Read => "read",
            ParticipantMode::Write => "write",
        })
    }
}

/// A session's id: 12 random lowercase hex digits (48 bits; a session is
/// reached only with a ticket, the id only names it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(pub String);

impl SessionId {
    fn random() -> SessionId {
        let bytes: [u8; 6] = rand::rng().random();
        SessionId(hex::encode(bytes))
    }

    /// A well-formed id, or `None` (answered like an unknown one).
    pub fn parse(text: &str) -> Option<SessionId> {
        (text.len() == 12 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| SessionId(text.to_owned()))
    }
}

/// Why a terminal socket is closed: its WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The process ended (its exit code was sent just before).
    Exited,
    /// The owner (or an admin) ended the session.
    Ended,
    /// The owner removed this participant.
    Removed,
    /// The owner opened the session on another socket (a reload, another tab).
    Replaced,
    /// The account, the sign-in or the right to the container ended.
    RightsEnded,
    /// This participant fell too far behind the output.
    TooSlow,
    /// The session reached its lifetime.
    Lifetime,
    /// Nobody came back within the grace period.
    Abandoned,
    /// The agent refused or could not open the terminal.
    AgentFailed,
    /// The first message was not a valid ticket.
    TicketRefused,
    /// No ticket came in time.
    NoTicket,
    /// A text frame that is no control message.
    BadFrame,
    /// A frame larger than the front end takes.
    FrameTooLarge,
}

impl CloseReason {
    /// The WebSocket close code: 1000 for a normal end, 1008 for a bad
    /// frame, the 4000s for the panel's own reasons (docs/terminal.md).
    pub fn code(self) -> u16 {
        match self {
            CloseReason::Exited => 1000,
            CloseReason::BadFrame => 1008,
            CloseReason::FrameTooLarge => 1009,
            CloseReason::Ended => 4000,
            CloseReason::Removed => 4001,
            CloseReason::Replaced => 4002,
            CloseReason::RightsEnded => 4003,
            CloseReason::TooSlow => 4008,
            CloseReason::Lifetime => 4009,
            CloseReason::Abandoned => 4010,
            CloseReason::TicketRefused => 4401,
            CloseReason::NoTicket => 4408,
            CloseReason::AgentFailed => 4502,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Exited => "exited",
            CloseReason::Ended => "ended",
            CloseReason::Removed => "removed",
            CloseReason::Replaced => "replaced",
            CloseReason::RightsEnded => "rights_ended",
            CloseReason::TooSlow => "too_slow",
            CloseReason::Lifetime => "lifetime",
            CloseReason::Abandoned => "abandoned",
            CloseReason::AgentFailed => "agent_failed",
            CloseReason::TicketRefused => "ticket_refused",
            CloseReason::NoTicket => "no_ticket",
            CloseReason::BadFrame => "bad_frame",
            CloseReason::FrameTooLarge => "frame_too_large",
        }
    }

    /// What the person is told.
    pub fn message(self) -> &'static str {
        match self {
            CloseReason::Exited => "the shell ended",
            CloseReason::Ended => "the session was ended by its owner",
            CloseReason::Removed => "the owner removed you from this session",
            CloseReason::Replaced => "this terminal was opened in another window",
            CloseReason::RightsEnded => {
                "you may no longer use this terminal (signed out, account or container changed)"
            }
            CloseReason::TooSlow => "your connection fell too far behind the output; reconnect",
            CloseReason::Lifetime => "the session reached its maximum lifetime",
            CloseReason::Abandoned => "nobody was attached to the session",
            CloseReason::AgentFailed => "the machine's agent could not open the terminal",
            CloseReason::TicketRefused => "the ticket is unknown, already used or expired; ask for a new one",
            CloseReason::NoTicket => "send {\"type\":\"auth\",\"ticket\":…} as the first message",
            CloseReason::BadFrame => {
                "text frames must be JSON control messages (resize, signal); keystrokes go in binary frames"
            }
            CloseReason::FrameTooLarge => "a frame was larger than 16 KiB",
        }
    }
}

/// The limits of terminals (from `Config`).
#[derive(Debug, Clone, Copy)]
pub struct TerminalLimits {
    /// How long a ticket waits for its socket.
    pub ticket_ttl: Duration,
    /// How long a session outlives its last socket.
    pub grace: Duration,
    pub lifetime: Duration,
    /// Sessions one user may own at once.
    pub per_user: usize,
    /// Participants of one session, its owner included.
    pub participants: usize,
}

/// Every open session, and the unused tickets.
#[derive(Debug)]
pub struct Terminals {
    tickets: TicketBook,
    hubs: Arc<Mutex<HashMap<SessionId, Arc<Hub>>>>,
    limits: TerminalLimits,
    rights: watch::Receiver<i64>,
}

impl Terminals {
    /// `rights`: `rights::watch_audit_log`'s receiver.
    pub fn new(limits: TerminalLimits, rights: watch::Receiver<i64>) -> Terminals {
        Terminals { tickets: TicketBook::new(limits.ticket_ttl), hubs: Arc::default(), limits, rights }
    }

    fn hubs(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Arc<Hub>>> {
        self.hubs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open session `id`, if any.
    pub fn get(&self, id: &SessionId) -> Option<Arc<Hub>> {
        self.hubs().get(id).filter(|hub| !hub.is_ended()).cloned()
    }

    /// The watch of the audit log's newest row: it moves whenever rights
    /// may have changed (the SSH gateway's streams ask again then too).
    pub fn rights_changes(&self) -> watch::Receiver<i64> {
        self.rights.clone()
    }

    /// How many sessions are open (for the bench and the health of the panel).
    pub fn open_sessions(&self) -> usize {
        self.hubs().len()
    }

    /// Whether `current` may own one more session (`per_user`), else 429.
    fn check_room(&self, current: &CurrentUser) -> Result<(), AppError> {
        let owned = self.hubs().values().filter(|hub| hub.owner_id == current.user.id.0 && !hub.is_ended()).count();
        if owned >= self.limits.per_user {
            return Err(AppError::said(
                ErrorCode::LimitReached,
                "error-services-terminal-sessions-full",
                &[("count", FluentValue::from(owned))],
            ));
        }
        Ok(())
    }

    /// Starts a session of `current` on `target`'s container.
    fn start(
        &self,
        pool: &DbPool,
        current: &CurrentUser,
        target: Target,
        facts: (ContainerId, String, String),
        kind: TerminalKind,
        shared: bool,
    ) -> Result<Arc<Hub>, AppError> {
        self.check_room(current)?;
        let (container_id, container_name, machine) = facts;
        let facts = HubFacts { id: SessionId::random(), container_id, container_name, machine, kind, shared };
        // A terminal holds no slot of calls in flight for its hours of life;
        // `per_user` bounds them instead.
        let caller = Caller::new(&target.caller.username, target.caller.tier);
        let uuid = target.uuid().map(str::to_owned);
        let upstream = Upstream { client: target.client, caller, name: target.name, uuid };
        let hubs = self.hubs.clone();
        let (pool, rights, limits) = (pool.clone(), self.rights.clone(), self.limits);
        let hub = Hub::spawn(facts, (current.user.id.0, current.user.username.to_string()), move |hub| HubTask {
            hub,
            upstream,
            pool,
            rights,
            grace: limits.grace,
            lifetime: limits.lifetime,
            on_end: Box::new(move |id| {
                hubs.lock().unwrap_or_else(PoisonError::into_inner).remove(id);
            }),
        });
        self.hubs().insert(hub.id.clone(), hub.clone());
        Ok(hub)
    }
}

/// `POST /api/v1/containers/{id}/terminal`'s body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    #[serde(default = "default_kind")]
    pub mode: TerminalKind,
    /// Take back this session of one's own (after a reload) instead of opening a new one.
    #[serde(default)]
    pub session: Option<String>,
}

fn default_kind() -> TerminalKind {
    TerminalKind::Shell
}

/// A ticket: send it as `{"type":"auth","ticket":…}`, the first message on `/api/v1/terminal`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketAnswer {
    pub ticket: String,
    /// Seconds the ticket stays valid.
    pub expires_in: u64,
}

/// A session as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    pub container_id: i64,
    pub container: String,
    pub machine: String,
    pub owner: String,
    pub kind: TerminalKind,
    pub shared: bool,
    /// Unix seconds.
    pub created_at: i64,
    pub participants: Vec<Participant>,
}

impl SessionView {
    fn of(hub: &Hub) -> SessionView {
        SessionView {
            id: hub.id.0.clone(),
            container_id: hub.container_id.0,
            container: hub.container_name.clone(),
            machine: hub.machine.clone(),
            owner: hub.owner_name.clone(),
            kind: hub.kind,
            shared: hub.shared,
            created_at: hub.created_at,
            participants: hub.participants(),
        }
    }
}

fn ticket_for(current: &CurrentUser, container_id: ContainerId, target: TicketTarget) -> Ticket {
    Ticket { user_id: current.user.id.0, via: current.via.clone(), container_id, target }
}

fn issue(context: &Context, ticket: Ticket) -> Result<TicketAnswer, AppError> {
    let secret =
        context.terminals.tickets.issue(ticket, tokio::time::Instant::now().into_std()).map_err(|refused| {
            let key = match refused {
                TicketRefused::Invalid => "error-services-ticket-invalid",
                TicketRefused::TooMany => "error-services-ticket-too-many",
            };
            AppError::said(ErrorCode::LimitReached, key, &[])
        })?;
    Ok(TicketAnswer { ticket: secret, expires_in: context.terminals.limits.ticket_ttl.as_secs() })
}

/// A ticket for a terminal on container `id` (policy `ContainerTerminal`:
/// its owners and admins, never a service owner): a new one, or one's own
/// session again (`request.session`). Audited.
pub async fn request_ticket(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
    request: TicketRequest,
) -> Result<TicketAnswer, AppError> {
    let entry = current.audit(format!("container:{id}"));
    audited(pool, entry, move |connection, entry| {
        let container = load_allowed(connection, &current, id, Action::ContainerTerminal)?;
        entry.machine = Some(container.machine.clone());
        // Checked now, so that a ticket never names what cannot be opened.
        Target::check_actionable(&container)?;
        let resumed = request.session.as_deref().map(|text| own_session(&context, &current, id, text)).transpose()?;
        let target = match resumed {
            Some(hub) => {
                entry.set_detail(format!("session={}", hub.id.0));
                TicketTarget::Session(hub.id.clone())
            }
            None => {
                entry.set_detail(format!("kind={}", request.mode));
                // Refused now rather than as a closed socket (checked again when it opens).
                context.terminals.check_room(&current)?;
                TicketTarget::New(request.mode)
            }
        };
        issue(&context, ticket_for(&current, id, target))
    })
    .await
}

/// `current`'s own open session `text` on container `id`, else 404.
fn own_session(context: &Context, current: &CurrentUser, id: ContainerId, text: &str) -> Result<Arc<Hub>, AppError> {
    SessionId::parse(text)
        .and_then(|session| context.terminals.get(&session))
        .filter(|hub| hub.owner_id == current.user.id.0 && hub.container_id == id)
        .ok_or_else(|| AppError::said(ErrorCode::NotFound, "error-services-terminal-not-yours", &[]))
}

/// A shared session on container `id` (policy `ContainerTerminal`), its
/// shell opened when its first socket attaches. Audited.
pub async fn create_shared(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    id: ContainerId,
) -> Result<SessionView, AppError> {
    let entry = current.audit(format!("container:{id}"));
    let pool_for_hub = pool.clone();
    audited(pool, entry, move |connection, entry| {
        let container = load_allowed(connection, &current, id, Action::ContainerTerminal)?;
        entry.machine = Some(container.machine.clone());
        let target = Target::of(connection, &context, &current, &container)?;
        let facts = (id, container.name.clone(), container.machine.clone());
        let hub = context.terminals.start(&pool_for_hub, &current, target, facts, TerminalKind::Shell, true)?;
        entry.set_detail(format!("session={}", hub.id.0));
        Ok(SessionView::of(&hub))
    })
    .await
}

/// The sessions `current` owns or is invited to (`container`: only those on it).
pub fn list_sessions(current: &CurrentUser, context: &Context, container: Option<ContainerId>) -> Vec<SessionView> {
    let me = current.user.id.0;
    let mut list: Vec<SessionView> = context
        .terminals
        .hubs()
        .values()
        .filter(|hub| !hub.is_ended() && container.is_none_or(|id| hub.container_id == id))
        .filter(|hub| hub.mode_of(me).is_some()) // the owner is a participant too
        .map(|hub| SessionView::of(hub))
        .collect();
    list.sort_by_key(|view| view.created_at);
    list
}

/// Session `text` as its owner or an invited participant sees it (policy
/// `TerminalSessionJoin`: anyone else gets the 404 of an unknown session,
/// an admin who was not invited a 403): the shared session's page shows it.
pub fn session_view(current: &CurrentUser, context: &Context, text: &str) -> Result<SessionView, AppError> {
    let hub = session_for(current, context, text, Action::TerminalSessionJoin)?;
    Ok(SessionView::of(&hub))
}

/// Session `text` as `current` may see it for `action`: hidden ones are
/// the same 404 as unknown ones.
fn session_for(current: &CurrentUser, context: &Context, text: &str, action: Action) -> Result<Arc<Hub>, AppError> {
    let hub = SessionId::parse(text).and_then(|id| context.terminals.get(&id));
    let object = |hub: &Arc<Hub>| Object::TerminalSession {
        owner: hub.owner_id,
        invited: hub.owner_id != current.user.id.0 && hub.mode_of(current.user.id.0).is_some(),
    };
    current.decide_found(action, hub, object)
}

/// Ends session `text` for everyone (its owner; an admin). Audited.
pub async fn end_session(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    text: String,
) -> Result<(), AppError> {
    let entry = current.audit(format!("terminal_session:{text}"));
    let hub = audited(pool, entry, move |_, entry| {
        let hub = session_for(&current, &context, &text, Action::TerminalSessionManage)?;
        entry.object = format!("container:{}", hub.container_id);
        entry.machine = Some(hub.machine.clone());
        entry.set_detail(format!("session={}", hub.id.0));
        Ok(hub)
    })
    .await?;
    hub.end(CloseReason::Ended).await;
    Ok(())
}

/// Invites `username` to session `text` as `mode`, or changes her mode
/// (the session's owner; at most `participants` people). Audited.
pub async fn set_participant(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    text: String,
    username: String,
    mode: ParticipantMode,
) -> Result<Participant, AppError> {
    let entry = current.audit(format!("terminal_session:{text}"));
    let max = context.terminals.limits.participants;
    let (hub, user_id, name) = audited(pool, entry, move |connection, entry| {
        let hub = owned_shared_session(&current, &context, &text)?;
        entry.object = format!("container:{}", hub.container_id);
        entry.machine = Some(hub.machine.clone());
        entry.set_detail(format!("session={} participant={username} mode={mode}", hub.id.0));
        let nobody =
            || AppError::invalid("error-services-invite-nobody", &[("name", texts::text(format!("{username:?}")))]);
        let name = Username::parse(&username).map_err(|_| nobody())?;
        let user = users::find_by_username(connection, &name)?.filter(|user| !user.disabled && user.approved);
        let user = user.ok_or_else(nobody)?;
        if user.id == current.user.id {
            return Err(AppError::invalid("error-services-invite-owner", &[]));
        }
        let known = hub.mode_of(user.id.0).is_some();
        if !known && hub.participants().len() >= max {
            return Err(AppError::said(
                ErrorCode::LimitReached,
                "error-services-session-full",
                &[("max", FluentValue::from(max))],
            ));
        }
        Ok((hub, user.id.0, user.username.to_string()))
    })
    .await?;
    if !hub.set_participant(user_id, name.clone(), mode, max).await {
        return Err(AppError::said(ErrorCode::LimitReached, "error-services-session-filled-up", &[]));
    }
    Ok(Participant { user_id, username: name, mode, owner: false, attached: false })
}

/// Removes `username` from session `text`; her socket closes at once (the owner). Audited.
pub async fn remove_participant(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    text: String,
    username: String,
) -> Result<(), AppError> {
    let entry = current.audit(format!("terminal_session:{text}"));
    let (hub, user_id) = audited(pool, entry, move |_, entry| {
        let hub = owned_shared_session(&current, &context, &text)?;
        entry.object = format!("container:{}", hub.container_id);
        entry.machine = Some(hub.machine.clone());
        entry.set_detail(format!("session={} participant={username}", hub.id.0));
        let user_id = hub
            .participants()
            .into_iter()
            .find(|participant| !participant.owner && participant.username == username)
            .map(|participant| participant.user_id)
            .ok_or_else(|| {
                let name = texts::text(format!("{username:?}"));
                AppError::said(ErrorCode::NotFound, "error-services-not-a-participant", &[("name", name)])
            })?;
        Ok((hub, user_id))
    })
    .await?;
    hub.remove_participant(user_id).await;
    Ok(())
}

/// A shared session `current` owns (policy `TerminalSessionManage`, and
/// only its owner changes who is in it).
fn owned_shared_session(current: &CurrentUser, context: &Context, text: &str) -> Result<Arc<Hub>, AppError> {
    let hub = session_for(current, context, text, Action::TerminalSessionManage)?;
    if hub.owner_id != current.user.id.0 {
        return Err(AppError::said(ErrorCode::Forbidden, "error-services-session-owner-only", &[]));
    }
    if !hub.shared {
        return Err(AppError::said(ErrorCode::Conflict, "error-services-session-not-shared", &[]));
    }
    Ok(hub)
}

/// A ticket to join session `text` (its owner and those she invited). Audited.
pub async fn session_ticket(
    current: CurrentUser,
    context: Arc<Context>,
    pool: &DbPool,
    text: String,
) -> Result<TicketAnswer, AppError> {
    let entry = current.audit(format!("terminal_session:{text}"));
    audited(pool, entry, move |_, entry| {
        let hub = session_for(&current, &context, &text, Action::TerminalSessionJoin)?;
        entry.object = format!("container:{}", hub.container_id);
        entry.machine = Some(hub.machine.clone());
        entry.set_detail(format!("session={}", hub.id.0));
        issue(&context, ticket_for(&current, hub.container_id, TicketTarget::Session(hub.id.clone())))
    })
    .await
}

/// Redeems a ticket (the socket's first message) and attaches the socket
/// (`open` with the ticket's grant).
pub async fn redeem(
    context: Arc<Context>,
    pool: &DbPool,
    secret: &str,
    cols: u16,
    rows: u16,
) -> Result<Attachment, (CloseReason, String)> {
    let refused = |reason: CloseReason| (reason, reason.message().to_owned());
    let ticket = context
        .terminals
        .tickets
        .take(secret, tokio::time::Instant::now().into_std())
        .map_err(|_: TicketRefused| refused(CloseReason::TicketRefused))?;
    open(context, pool, ticket, cols, rows).await
}

/// Opens what `grant` names for its user and attaches her: the rights
/// behind it are asked again first (they may have ended since it was
/// granted), then a new session is started or the named one joined. The
/// WebSocket front end comes here with a redeemed ticket, the SSH gateway
/// with the grant of a verified profile key (`AuthVia::SshKey`).
pub async fn open(
    context: Arc<Context>,
    pool: &DbPool,
    ticket: Grant,
    cols: u16,
    rows: u16,
) -> Result<Attachment, (CloseReason, String)> {
    let refused = |reason: CloseReason| (reason, reason.message().to_owned());
    let hub = match &ticket.target {
        TicketTarget::Session(id) => Some(context.terminals.get(id).ok_or_else(|| refused(CloseReason::Ended))?),
        TicketTarget::New(_) => None,
    };
    let checked = {
        let (context, pool_for_hub, ticket) = (context.clone(), pool.clone(), ticket.clone());
        db::run(pool, move |connection| {
            if !rights::signed_in(connection, ticket.user_id, &ticket.via)? {
                return Ok(Err(CloseReason::RightsEnded));
            }
            let user = users::find(connection, users::UserId(ticket.user_id))?.ok_or_else(AppError::not_found)?;
            let admin_withheld = crate::app::totp::admin_withheld(connection, context.require_totp_for_admins, &user)?;
            let current = CurrentUser { user, via: ticket.via.clone(), action: "terminal.open", admin_withheld };
            let hub = match (hub, ticket.target) {
                (Some(hub), _) => {
                    let invited = hub.owner_id != ticket.user_id && hub.mode_of(ticket.user_id).is_some();
                    let object = Object::TerminalSession { owner: hub.owner_id, invited };
                    if policy::decide(&current.actor(), Action::TerminalSessionJoin, &object) != policy::Decision::Allow
                    {
                        return Ok(Err(CloseReason::RightsEnded));
                    }
                    hub
                }
                (None, TicketTarget::New(kind)) => {
                    let container =
                        match load_allowed(connection, &current, ticket.container_id, Action::ContainerTerminal) {
                            Ok(container) => container,
                            Err(_) => return Ok(Err(CloseReason::RightsEnded)),
                        };
                    let target = Target::of(connection, &context, &current, &container)?;
                    let facts = (container.id(), container.name.clone(), container.machine.clone());
                    context.terminals.start(&pool_for_hub, &current, target, facts, kind, false)?
                }
                (None, TicketTarget::Session(_)) => return Ok(Err(CloseReason::Ended)),
            };
            Ok::<_, AppError>(Ok((hub, current.user.username.to_string())))
        })
        .await
    };
    let (hub, username) = match checked {
        Ok(Ok(found)) => found,
        Ok(Err(reason)) => return Err(refused(reason)),
        Err(error) => return Err((CloseReason::AgentFailed, error.message.into_owned())),
    };
    let request = AttachRequest { user_id: ticket.user_id, username, via: ticket.via, cols, rows };
    hub.attach(request).await.map_err(|error| (CloseReason::AgentFailed, error.message.into_owned()))
}
