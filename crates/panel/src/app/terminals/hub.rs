//! One terminal session: a task that owns the upstream socket to the agent
//! and fans its output out to every participant attached to it.
//!
//! - The upstream opens at the first attach (with the owner's size when she
//!   is the one attaching) and stays open while anyone is attached, then
//!   for the grace period (a reload takes the session back), at most for
//!   the lifetime.
//! - Output feeds a copy of the screen (`screen`): whoever attaches later
//!   first gets that screen, not a blank terminal. After `REST_AFTER`
//!   without output the copy keeps only what redraws it, not its grid.
//! - Each participant has a queue bounded in bytes. The owner paces the
//!   terminal: while her queue is nearly full the session reads no more
//!   output from the agent (LXD and the process wait, as they would for a
//!   slow terminal), so a `cat` of a big file runs at her speed. A guest
//!   who falls behind is dropped, never slowing the others.
//! - Only the owner's size drives the PTY; only `write` participants type.
//! - Rights are asked again every `RECHECK_INTERVAL` and whenever the audit
//!   log moves (`rights`): a participant whose account or sign-in ended is
//!   dropped, and the whole session ends when the owner may no longer open
//!   a terminal on the container.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use smp_proto::api::{TerminalControl, clamp_terminal_size};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::screen::Screen;
use super::{CloseReason, ParticipantMode, SessionId, TerminalKind};
use crate::agents::{AgentClient, AgentSocket, Call, Caller, Instance, MAX_AGENT_FRAME_BYTES};
use crate::app::AuthVia;
use crate::app::audited::AuditEntry;
use crate::db::audit::Outcome;
use crate::db::containers::ContainerId;
use crate::db::{self, DbPool};
use crate::error::{AppError, ErrorCode};

/// How often every participant's rights are asked again without a change.
pub const RECHECK_INTERVAL: Duration = Duration::from_secs(60);
/// The most output bytes queued for one participant before she is dropped.
pub const MAX_QUEUED_BYTES: usize = 256 * 1024;
/// The most messages queued for one participant (the byte bound usually comes first).
const MAX_QUEUED_MESSAGES: usize = 1024;
/// The owner is behind when fewer message places than this are left in her queue.
const PACING_MESSAGES: usize = 64;
/// How long the agent may take to accept one frame of keystrokes.
const UPSTREAM_SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Commands waiting for the session's task.
const COMMAND_QUEUE: usize = 64;
/// Typing rate: bytes per second a participant may send, and the burst.
const INPUT_BYTES_PER_SECOND: u32 = 256 * 1024;
const INPUT_BURST_BYTES: u32 = 64 * 1024;
/// How long a terminal is without output before its screen copy rests.
const REST_AFTER: Duration = Duration::from_secs(1);

/// What the session needs to open its upstream.
#[derive(Debug)]
pub struct Upstream {
    pub client: AgentClient,
    pub caller: Caller,
    pub name: String,
    pub uuid: Option<String>,
}

/// What the use cases and listings read of a session without asking its task.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Participant {
    pub user_id: i64,
    pub username: String,
    pub mode: ParticipantMode,
    pub owner: bool,
    /// Whether she has a socket attached now.
    pub attached: bool,
}

#[derive(Debug, Default)]
struct Shared {
    /// The owner first, then whoever she invited, each with her mode.
    participants: BTreeMap<i64, Participant>,
    ended: bool,
}

/// A session as the registry holds it: its facts and the way to its task.
#[derive(Debug)]
pub struct Hub {
    pub id: SessionId,
    pub owner_id: i64,
    pub owner_name: String,
    pub container_id: ContainerId,
    pub container_name: String,
    pub machine: String,
    pub kind: TerminalKind,
    pub shared: bool,
    /// Unix seconds.
    pub created_at: i64,
    commands: mpsc::Sender<Command>,
    shared_state: Mutex<Shared>,
}

impl Hub {
    fn state(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared_state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The owner and the invited, attached or not.
    pub fn participants(&self) -> Vec<Participant> {
        let mut list: Vec<Participant> = self.state().participants.values().cloned().collect();
        list.sort_by_key(|participant| (!participant.owner, participant.username.clone()));
        list
    }

    /// `user_id`'s mode in this session, if she is its owner or invited.
    pub fn mode_of(&self, user_id: i64) -> Option<ParticipantMode> {
        self.state().participants.get(&user_id).map(|participant| participant.mode)
    }

    pub fn is_ended(&self) -> bool {
        self.state().ended
    }

    /// Invites `user_id` with `mode`, or changes her mode (applied at once
    /// to her open socket); false when the session is full.
    pub async fn set_participant(&self, user_id: i64, username: String, mode: ParticipantMode, max: usize) -> bool {
        {
            let mut state = self.state();
            let known = state.participants.contains_key(&user_id);
            if !known && state.participants.len() >= max {
                return false;
            }
            let entry = state.participants.entry(user_id).or_insert(Participant {
                user_id,
                username,
                mode,
                owner: false,
                attached: false,
            });
            entry.mode = mode;
        }
        self.command(Command::Refresh).await;
        true
    }

    /// Removes `user_id` from the session; her socket closes at once.
    pub async fn remove_participant(&self, user_id: i64) -> bool {
        let removed = self.state().participants.remove(&user_id).is_some();
        if removed {
            self.command(Command::Refresh).await;
        }
        removed
    }

    /// Ends the session for everyone: gone at once for the registry (not
    /// listed, no ticket, no join) while its task closes the sockets and
    /// the upstream.
    pub async fn end(&self, reason: CloseReason) {
        self.state().ended = true;
        self.command(Command::End(reason)).await;
    }

    /// Attaches a socket of `user_id` (the owner or an invited participant).
    pub async fn attach(&self, request: AttachRequest) -> Result<Attachment, AppError> {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(Command::Attach(request, reply)).await.is_err() {
            return Err(session_gone());
        }
        answer.await.map_err(|_| session_gone())?
    }

    async fn command(&self, command: Command) {
        // A task that is gone has nothing left to change.
        let _ = self.commands.send(command).await;
    }
}

fn session_gone() -> AppError {
    AppError::said(ErrorCode::NotFound, "error-services-session-ended", &[])
}

/// Who attaches, how, and at what size.
#[derive(Debug)]
pub struct AttachRequest {
    pub user_id: i64,
    pub username: String,
    pub via: AuthVia,
    pub cols: u16,
    pub rows: u16,
}

/// What the session sends a participant's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// Terminal output (a binary frame).
    Output(Bytes),
    /// A control message (a text frame of JSON).
    Control(String),
}

/// A participant's end of the session, held by her socket.
#[derive(Debug)]
pub struct Attachment {
    pub id: u64,
    pub session: SessionId,
    commands: mpsc::Sender<Command>,
    outbound: mpsc::Receiver<Outbound>,
    queued: Arc<AtomicUsize>,
    close: watch::Receiver<Option<CloseReason>>,
    limiter: Arc<DefaultDirectRateLimiter>,
    /// The owner's socket wakes the session when it took output (it paces
    /// the upstream); `None` for guests.
    drained: Option<Arc<Notify>>,
}

impl Attachment {
    /// The next thing to send her, or why her socket must close: at once
    /// (removed, too slow, rights ended, …), or once what is queued is sent
    /// when the process ended (its exit code is the last message).
    pub async fn next(&mut self) -> Result<Outbound, CloseReason> {
        loop {
            let closing = *self.close.borrow_and_update();
            if let Some(reason) = closing.filter(|reason| *reason != CloseReason::Exited) {
                return Err(reason);
            }
            tokio::select! {
                biased;
                changed = self.close.changed(), if closing.is_none() => {
                    if changed.is_err() {
                        // Dropped without a reason: what is queued, then the end.
                        let message = self.outbound.recv().await;
                        return self.took(message, CloseReason::Ended);
                    }
                }
                message = self.outbound.recv() => return self.took(message, closing.unwrap_or(CloseReason::Ended)),
            }
        }
    }

    fn took(&self, message: Option<Outbound>, otherwise: CloseReason) -> Result<Outbound, CloseReason> {
        let message = message.ok_or(otherwise)?;
        if let Outbound::Output(bytes) = &message {
            self.queued.fetch_sub(bytes.len(), Ordering::Relaxed);
        }
        if let Some(drained) = &self.drained {
            drained.notify_one();
        }
        Ok(message)
    }

    /// Types `bytes`: a future that waits for the input rate (a flood
    /// waits, it is not dropped), then hands them to the session. It
    /// borrows nothing, so the socket keeps sending output while it waits
    /// (reading no more keystrokes meanwhile).
    pub fn input(&self, bytes: Bytes) -> impl Future<Output = ()> + Send + 'static {
        let (id, commands, limiter) = (self.id, self.commands.clone(), self.limiter.clone());
        async move {
            for chunk in bytes.chunks(INPUT_BURST_BYTES as usize) {
                if let Some(cells) = u32::try_from(chunk.len()).ok().and_then(NonZeroU32::new) {
                    let _ = limiter.until_n_ready(cells).await;
                }
            }
            let _ = commands.send(Command::Input(id, bytes)).await;
        }
    }

    /// A resize or a signal.
    pub async fn control(&self, control: TerminalControl) {
        let _ = self.commands.send(Command::Control(self.id, control)).await;
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        let commands = self.commands.clone();
        let id = self.id;
        if let Err(mpsc::error::TrySendError::Full(command)) = commands.try_send(Command::Detach(id)) {
            tokio::spawn(async move {
                let _ = commands.send(command).await;
            });
        }
    }
}

#[derive(Debug)]
enum Command {
    Attach(AttachRequest, oneshot::Sender<Result<Attachment, AppError>>),
    Detach(u64),
    Input(u64, Bytes),
    Control(u64, TerminalControl),
    /// The participants or their modes changed.
    Refresh,
    End(CloseReason),
}

/// An attached socket, as the task sees it.
#[derive(Debug)]
struct Socket {
    id: u64,
    user_id: i64,
    username: String,
    via: AuthVia,
    owner: bool,
    /// The mode she was last told (`attached`, then `mode` messages).
    mode: ParticipantMode,
    outbound: mpsc::Sender<Outbound>,
    queued: Arc<AtomicUsize>,
    close: watch::Sender<Option<CloseReason>>,
    opened: Instant,
    bytes_in: u64,
    bytes_out: u64,
}

/// What became of a message offered to a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Offered {
    Queued,
    /// Her queue is full: she is too far behind.
    TooFar,
    /// Her socket is gone (its detach is on its way).
    Gone,
}

impl Socket {
    /// Whether the session should wait for her before reading more output:
    /// the owner paces the terminal (a `cat` of a big file runs at her
    /// speed, as on any terminal), so her queue never reaches its bound.
    fn is_behind(&self) -> bool {
        self.owner
            && (self.queued.load(Ordering::Relaxed) + MAX_AGENT_FRAME_BYTES > MAX_QUEUED_BYTES
                || self.outbound.capacity() < PACING_MESSAGES)
    }

    /// Queues `message` if it fits in her bound.
    fn offer(&mut self, message: Outbound) -> Offered {
        let size = match &message {
            Outbound::Output(bytes) => bytes.len(),
            Outbound::Control(_) => 0,
        };
        // Counted before it is sent: her socket subtracts it when it takes it.
        let queued = self.queued.fetch_add(size, Ordering::Relaxed);
        let offered = if queued + size > MAX_QUEUED_BYTES {
            Offered::TooFar
        } else {
            match self.outbound.try_send(message) {
                Ok(()) => {
                    self.bytes_out += size as u64;
                    return Offered::Queued;
                }
                Err(mpsc::error::TrySendError::Full(_)) => Offered::TooFar,
                Err(mpsc::error::TrySendError::Closed(_)) => Offered::Gone,
            }
        };
        self.queued.fetch_sub(size, Ordering::Relaxed);
        offered
    }
}

/// What the task needs besides the hub.
pub struct HubTask {
    pub hub: Arc<Hub>,
    pub upstream: Upstream,
    pub pool: DbPool,
    pub rights: watch::Receiver<i64>,
    pub grace: Duration,
    pub lifetime: Duration,
    /// Removes the session from the registry when it ends.
    pub on_end: Box<dyn FnOnce(&SessionId) + Send>,
}

impl Hub {
    /// A new session and its task (spawned); `owner` is its first participant.
    pub fn spawn(facts: HubFacts, owner: (i64, String), build: impl FnOnce(Arc<Hub>) -> HubTask) -> Arc<Hub> {
        let (commands, receiver) = mpsc::channel(COMMAND_QUEUE);
        let mut participants = BTreeMap::new();
        participants.insert(
            owner.0,
            Participant {
                user_id: owner.0,
                username: owner.1.clone(),
                mode: ParticipantMode::Write,
                owner: true,
                attached: false,
            },
        );
        let hub = Arc::new(Hub {
            id: facts.id,
            owner_id: owner.0,
            owner_name: owner.1,
            container_id: facts.container_id,
            container_name: facts.container_name,
            machine: facts.machine,
            kind: facts.kind,
            shared: facts.shared,
            created_at: db::unix_now(),
            commands,
            shared_state: Mutex::new(Shared { participants, ended: false }),
        });
        let task = build(hub.clone());
        tokio::spawn(task.run(receiver));
        hub
    }
}

/// The facts a new session is made of.
#[derive(Debug)]
pub struct HubFacts {
    pub id: SessionId,
    pub container_id: ContainerId,
    pub container_name: String,
    pub machine: String,
    pub kind: TerminalKind,
    pub shared: bool,
}

/// The task's own state.
struct Running {
    task_hub: Arc<Hub>,
    pool: DbPool,
    sockets: Vec<Socket>,
    next_id: u64,
    upstream: Option<AgentSocket>,
    screen: Screen,
    /// When the screen copy rests, unless more output comes first.
    rest_at: Option<Instant>,
    /// The PTY's size (the owner's).
    size: (u16, u16),
    /// Who is attached, or someone's mode, changed since it was last published.
    changed: bool,
    /// Woken by the owner's socket when it took output.
    drained: Arc<Notify>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ControlMessage<'a> {
    Attached { session: &'a str, kind: TerminalKind, mode: ParticipantMode, owner: bool, shared: bool },
    Participants { items: &'a [Participant] },
    Size { cols: u16, rows: u16 },
    Mode { mode: ParticipantMode },
}

fn control_text(message: &ControlMessage<'_>) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

impl HubTask {
    async fn run(self, mut commands: mpsc::Receiver<Command>) {
        let HubTask { hub, upstream: spec, pool, mut rights, grace, lifetime, on_end } = self;
        let started = Instant::now();
        let mut running = Running {
            task_hub: hub.clone(),
            pool,
            sockets: Vec::new(),
            next_id: 1,
            upstream: None,
            screen: Screen::new(24, 80),
            rest_at: None,
            size: (80, 24),
            changed: false,
            drained: Arc::new(Notify::new()),
        };
        let drained = running.drained.clone();
        let mut recheck = tokio::time::interval_at(started + RECHECK_INTERVAL, RECHECK_INTERVAL);
        let mut alone_since = None;
        let mut rights_open = true;
        let lifetime_end = started + lifetime;
        let reason = loop {
            running.publish();
            // The grace period runs from the moment nobody is attached, however they went.
            if running.sockets.is_empty() {
                alone_since.get_or_insert_with(Instant::now);
            } else {
                alone_since = None;
            }
            let grace_end = alone_since.map(|since| since + grace);
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { break CloseReason::Ended };
                    match command {
                        Command::Attach(request, reply) => {
                            let answer = running.attach(&spec, &hub.commands, request).await;
                            let opened = answer.is_ok();
                            let _ = reply.send(answer);
                            if !opened && running.upstream.is_none() && !hub.shared {
                                // A private terminal that never opened is nothing to keep.
                                break CloseReason::AgentFailed;
                            }
                        }
                        Command::Detach(id) => running.detach(id, None),
                        Command::Input(id, bytes) => {
                            if let Err(reason) = running.input(id, bytes).await {
                                break reason;
                            }
                        }
                        Command::Control(id, control) => {
                            if let Err(reason) = running.control(id, control).await {
                                break reason;
                            }
                        }
                        Command::Refresh => running.changed = true,
                        Command::End(reason) => break reason,
                    }
                }
                frame = next_frame(&mut running.upstream), if !running.owner_is_behind() => {
                    if let Some(reason) = running.relay(frame) {
                        break reason;
                    }
                }
                () = drained.notified(), if running.owner_is_behind() => {}
                _ = tokio::time::sleep_until(lifetime_end) => break CloseReason::Lifetime,
                _ = sleep_until_opt(grace_end) => break CloseReason::Abandoned,
                _ = sleep_until_opt(running.rest_at) => {
                    running.screen.rest();
                    running.rest_at = None;
                }
                _ = recheck.tick() => {
                    if let Err(reason) = running.recheck().await {
                        break reason;
                    }
                }
                changed = rights.changed(), if rights_open => {
                    // A watcher that is gone (the panel stops) leaves the 60 s checks.
                    rights_open = changed.is_ok();
                    if let Err(reason) = running.recheck().await {
                        break reason;
                    }
                }
            }
        };
        // Ended before the goodbyes, which may wait up to 5 s for the agent.
        hub.state().ended = true;
        running.end(reason).await;
        on_end(&hub.id);
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The upstream's next frame; never, while there is none.
async fn next_frame(
    upstream: &mut Option<AgentSocket>,
) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
    match upstream {
        Some(socket) => socket.next().await,
        None => std::future::pending().await,
    }
}

impl Running {
    fn hub(&self) -> &Hub {
        &self.task_hub
    }

    fn owner_is_behind(&self) -> bool {
        self.sockets.iter().any(Socket::is_behind)
    }

    async fn attach(
        &mut self,
        spec: &Upstream,
        commands: &mpsc::Sender<Command>,
        request: AttachRequest,
    ) -> Result<Attachment, AppError> {
        let Some(mode) = self.hub().mode_of(request.user_id) else {
            return Err(AppError::not_found());
        };
        let owner = request.user_id == self.hub().owner_id;
        if self.upstream.is_none() {
            let size = if owner { (request.cols, request.rows) } else { self.size };
            self.open_upstream(spec, size).await?;
        } else if owner && self.resize(request.cols, request.rows).await.is_err() {
            // Her window sizes the terminal whenever she attaches (after a
            // guest opened it, or a reload from another window).
            return Err(session_gone());
        }
        if owner {
            // Her new socket takes the session back from an older one (a reload, another tab).
            let older: Vec<u64> = self.sockets.iter().filter(|socket| socket.owner).map(|socket| socket.id).collect();
            for id in older {
                self.detach(id, Some(CloseReason::Replaced));
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let (outbound, receiver) = mpsc::channel(MAX_QUEUED_MESSAGES);
        let (close, close_receiver) = watch::channel(None);
        let queued = Arc::new(AtomicUsize::new(0));
        let socket = Socket {
            id,
            user_id: request.user_id,
            username: request.username,
            via: request.via,
            owner,
            mode,
            outbound,
            queued: queued.clone(),
            close,
            opened: Instant::now(),
            bytes_in: 0,
            bytes_out: 0,
        };
        let hub = self.hub();
        let attached = ControlMessage::Attached { session: &hub.id.0, kind: hub.kind, mode, owner, shared: hub.shared };
        let first = [
            Outbound::Control(control_text(&attached)),
            Outbound::Control(control_text(&ControlMessage::Size { cols: self.size.0, rows: self.size.1 })),
            Outbound::Output(self.screen.snapshot()),
        ];
        let mut socket = socket;
        for message in first {
            socket.offer(message);
        }
        self.audit(&socket, if owner { "terminal.open" } else { "terminal.join" }, format!("mode={mode}"));
        self.sockets.push(socket);
        self.changed = true;
        let limiter = Arc::new(RateLimiter::direct(
            Quota::per_second(NonZeroU32::new(INPUT_BYTES_PER_SECOND).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(INPUT_BURST_BYTES).unwrap_or(NonZeroU32::MIN)),
        ));
        Ok(Attachment {
            id,
            session: self.hub().id.clone(),
            commands: commands.clone(),
            outbound: receiver,
            queued,
            close: close_receiver,
            limiter,
            drained: owner.then(|| self.drained.clone()),
        })
    }

    async fn open_upstream(&mut self, spec: &Upstream, (cols, rows): (u16, u16)) -> Result<(), AppError> {
        let query = format!("cols={cols}&rows={rows}");
        let action = self.hub().kind.agent_action();
        let call = Call::new(action).container(Instance { name: &spec.name, uuid: spec.uuid.as_deref() }).query(&query);
        let socket = spec.client.open_interactive(&spec.caller, &call).await?;
        self.upstream = Some(socket);
        self.size = (cols, rows);
        self.screen = Screen::new(rows, cols);
        Ok(())
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.sockets.iter().position(|socket| socket.id == id)
    }

    /// Removes socket `id`; `reason`: close it with that now (else its end
    /// of the channel is simply gone).
    fn detach(&mut self, id: u64, reason: Option<CloseReason>) {
        let Some(index) = self.position(id) else { return };
        let socket = self.sockets.remove(index);
        if let Some(reason) = reason {
            let _ = socket.close.send(Some(reason));
        }
        let detail = format!(
            "seconds={} bytes_in={} bytes_out={} reason={}",
            socket.opened.elapsed().as_secs(),
            socket.bytes_in,
            socket.bytes_out,
            reason.map_or("closed", CloseReason::as_str)
        );
        self.audit(&socket, if socket.owner { "terminal.close" } else { "terminal.leave" }, detail);
        self.changed = true;
    }

    async fn input(&mut self, id: u64, bytes: Bytes) -> Result<(), CloseReason> {
        let Some(index) = self.position(id) else { return Ok(()) };
        let socket = &mut self.sockets[index];
        socket.bytes_in += bytes.len() as u64;
        // Read-only keystrokes stop here, whatever the browser does.
        if self.task_hub.mode_of(socket.user_id) != Some(ParticipantMode::Write) {
            return Ok(());
        }
        self.send_upstream(Message::Binary(bytes)).await
    }

    async fn control(&mut self, id: u64, control: TerminalControl) -> Result<(), CloseReason> {
        let Some(index) = self.position(id) else { return Ok(()) };
        let socket = &self.sockets[index];
        match control {
            TerminalControl::Resize { cols, rows } if socket.owner => {
                self.resize(clamp_terminal_size(cols), clamp_terminal_size(rows)).await
            }
            TerminalControl::Signal { .. } if self.task_hub.mode_of(socket.user_id) == Some(ParticipantMode::Write) => {
                self.send_upstream(Message::Text(control_json(&control).into())).await
            }
            // A guest's size or a reader's signal changes nothing.
            _ => Ok(()),
        }
    }

    /// Sizes the PTY (the owner's window), and tells everyone.
    async fn resize(&mut self, cols: u16, rows: u16) -> Result<(), CloseReason> {
        if (cols, rows) == self.size {
            return Ok(());
        }
        self.size = (cols, rows);
        self.screen.set_size(rows, cols);
        self.broadcast(&Outbound::Control(control_text(&ControlMessage::Size { cols, rows })));
        let resize = TerminalControl::Resize { cols: u32::from(cols), rows: u32::from(rows) };
        self.send_upstream(Message::Text(control_json(&resize).into())).await
    }

    /// Sends to the agent; an agent that takes nothing for
    /// `UPSTREAM_SEND_TIMEOUT` ends the session rather than freezing it.
    async fn send_upstream(&mut self, message: Message) -> Result<(), CloseReason> {
        let Some(upstream) = &mut self.upstream else { return Ok(()) };
        match tokio::time::timeout(UPSTREAM_SEND_TIMEOUT, upstream.send(message)).await {
            Ok(sent) => sent.map_err(|_| CloseReason::Exited),
            Err(_) => Err(CloseReason::AgentFailed),
        }
    }

    /// One frame from the agent: output fanned out, the exit relayed.
    fn relay(&mut self, frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Option<CloseReason> {
        match frame {
            Some(Ok(Message::Binary(bytes))) => {
                self.screen.process(&bytes);
                self.rest_at = Some(Instant::now() + REST_AFTER);
                self.broadcast(&Outbound::Output(bytes));
                None
            }
            Some(Ok(Message::Text(text))) => {
                // `{"type":"exit","code":N}`: the agent closes right after.
                self.broadcast(&Outbound::Control(text.to_string()));
                None
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => None,
            Some(Ok(Message::Close(_)) | Err(_)) | None => Some(CloseReason::Exited),
        }
    }

    /// Queues `message` for socket `id`: dropped (and closed) if she is too
    /// far behind, forgotten if her socket is gone.
    fn deliver(&mut self, id: u64, message: Outbound) {
        let Some(index) = self.position(id) else { return };
        match self.sockets[index].offer(message) {
            Offered::Queued => {}
            Offered::TooFar => self.detach(id, Some(CloseReason::TooSlow)),
            Offered::Gone => self.detach(id, None),
        }
    }

    /// Queues `message` for everyone attached. By id, not by index: a
    /// delivery may drop a socket and shift the others.
    fn broadcast(&mut self, message: &Outbound) {
        for id in self.socket_ids() {
            self.deliver(id, message.clone());
        }
    }

    fn socket_ids(&self) -> Vec<u64> {
        self.sockets.iter().map(|socket| socket.id).collect()
    }

    /// When who is attached or someone's mode changed: drops the sockets of
    /// removed participants, tells each one whose mode changed, and sends
    /// everyone the participants (again, until no delivery drops anyone, so
    /// the last list everyone got is the true one).
    fn publish(&mut self) {
        while self.changed {
            let hub = self.task_hub.clone();
            for id in self.socket_ids() {
                let removed = self.position(id).is_some_and(|index| hub.mode_of(self.sockets[index].user_id).is_none());
                if removed {
                    self.detach(id, Some(CloseReason::Removed));
                }
            }
            self.changed = false;
            let items = {
                let mut state = hub.state();
                for participant in state.participants.values_mut() {
                    participant.attached = self.sockets.iter().any(|socket| socket.user_id == participant.user_id);
                }
                drop(state);
                hub.participants()
            };
            if !hub.shared {
                continue;
            }
            let list = Outbound::Control(control_text(&ControlMessage::Participants { items: &items }));
            for id in self.socket_ids() {
                let Some(index) = self.position(id) else { continue };
                let socket = &mut self.sockets[index];
                if let Some(mode) = hub.mode_of(socket.user_id).filter(|mode| *mode != socket.mode) {
                    socket.mode = mode;
                    self.deliver(id, Outbound::Control(control_text(&ControlMessage::Mode { mode })));
                }
                self.deliver(id, list.clone());
            }
        }
    }

    /// Asks everyone's rights again.
    async fn recheck(&mut self) -> Result<(), CloseReason> {
        let hub = self.task_hub.clone();
        let sockets: Vec<(u64, i64, AuthVia)> =
            self.sockets.iter().map(|socket| (socket.id, socket.user_id, socket.via.clone())).collect();
        let checked = db::run(&self.pool, move |connection| {
            let owner_may = super::rights::owner_may_open(connection, hub.owner_id, hub.container_id)?;
            let mut lost = Vec::new();
            for (id, user_id, via) in sockets {
                if !super::rights::signed_in(connection, user_id, &via)? {
                    lost.push(id);
                }
            }
            Ok::<_, AppError>((owner_may, lost))
        })
        .await;
        let (owner_may, lost) = match checked {
            Ok(checked) => checked,
            Err(error) => {
                // A database that does not answer takes no one's terminal away.
                tracing::warn!(%error, "terminal rights could not be checked; trying again later");
                return Ok(());
            }
        };
        if !owner_may {
            return Err(CloseReason::RightsEnded);
        }
        for id in lost {
            self.detach(id, Some(CloseReason::RightsEnded));
        }
        Ok(())
    }

    async fn end(&mut self, reason: CloseReason) {
        for id in self.sockets.iter().map(|socket| socket.id).collect::<Vec<_>>() {
            self.detach(id, Some(reason));
        }
        if let Some(mut upstream) = self.upstream.take() {
            // The agent answers a close with SIGHUP and ends the operation.
            let _ = tokio::time::timeout(Duration::from_secs(5), upstream.close(None)).await;
        }
    }

    /// Writes an audit row of this session for `socket` (spawned: the
    /// session does not wait for the database).
    fn audit(&self, socket: &Socket, action: &'static str, detail: String) {
        let hub = self.hub();
        let entry = AuditEntry {
            actor_id: Some(socket.user_id),
            actor: socket.username.clone(),
            action,
            object: format!("container:{}", hub.container_id),
            machine: Some(hub.machine.clone()),
            detail: Some(format!("session={} kind={} {detail}", hub.id.0, hub.kind)),
            in_flight: None,
        };
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let written = db::run(&pool, move |connection| {
                entry.append(connection, Outcome::Ok, None).map_err(AppError::internal)
            })
            .await;
            if let Err(error) = written {
                tracing::error!(%error, "a terminal audit row could not be written");
            }
        });
    }
}

fn control_json(control: &TerminalControl) -> String {
    serde_json::to_string(control).unwrap_or_default()
}
