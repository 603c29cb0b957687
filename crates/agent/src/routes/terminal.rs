//! `GET /container/<id>/terminal` and `GET /container/<id>/console`: the
//! interactive routes, upgraded to WebSockets and bridged to LXD.
//!
//! Everything is checked before the upgrade (the token by `Authorized`, the
//! session limits, the query) and the LXD side is opened before it too, so
//! any refusal is a plain JSON error and nothing is left open. The session
//! permit is then held by the bridge task for the socket's life.
//!
//! The bridge: client binary frames → LXD's fd 0 as binary frames (never a
//! text frame: LXD reads one as the end of input); fd 0 → client binary
//! frames, cut at `max_frame_bytes`; client text frames are control JSON:
//! `resize` → LXD's control socket, `signal` → the foreground command or
//! the shell ([`Interactive::signal`]). A text frame that is not a
//! valid control message closes the socket with 1008 (policy violation):
//! a client that mixes keystrokes into text frames is broken, and guessing
//! would either type them or drop them silently. When the process ends the
//! client gets `{"type":"exit","code":N}` (terminal only) and a 1000
//! close; when the client goes first (or the idle timeout or the lifetime
//! is reached) the shell gets SIGHUP and the LXD operation is ended.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use futures_util::{SinkExt as _, StreamExt as _};
use smp_proto::ErrorCode;
use smp_proto::api::{ConsoleQuery, TerminalControl, TerminalEvent, TerminalQuery, clamp_terminal_size};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as LxdMessage;

use crate::auth::Authorized;
use crate::error::AgentError;
use crate::lxd::{Interactive, LxdClient, resize_terminal};
use crate::sessions::SessionPermit;
use crate::startup::AgentState;

/// How often the agent pings the client.
pub const PING_INTERVAL: Duration = Duration::from_secs(20);

/// How long output still in flight is forwarded once the process ended.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// `terminal`: a login shell of `user` (root by default) on a PTY.
pub async fn terminal(
    mut auth: Authorized,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AgentState>,
) -> Result<HttpResponse, AgentError> {
    let query: TerminalQuery = query(&request)?;
    let name = auth.container()?.clone();
    let (cols, rows) = (clamp_terminal_size(query.cols), clamp_terminal_size(query.rows));
    let session = state.lxd.open_terminal(&name, query.user, cols, rows).await?;
    upgrade(&request, payload, &state, session, auth.take_session())
}

/// `console`: the instance's text console, its log replayed first.
pub async fn console(
    mut auth: Authorized,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AgentState>,
) -> Result<HttpResponse, AgentError> {
    let query: ConsoleQuery = query(&request)?;
    let name = auth.container()?.clone();
    let (cols, rows) = (clamp_terminal_size(query.cols), clamp_terminal_size(query.rows));
    let session = state.lxd.open_console(&name, cols, rows).await?;
    upgrade(&request, payload, &state, session, auth.take_session())
}

pub(super) fn query<T: serde::de::DeserializeOwned>(request: &HttpRequest) -> Result<T, AgentError> {
    web::Query::<T>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| AgentError::new(ErrorCode::InvalidRequest, format!("invalid query: {error}")))
}

/// Answers the upgrade and leaves the bridge running; on a failed
/// handshake the LXD side is ended before the error is answered.
fn upgrade(
    request: &HttpRequest,
    payload: web::Payload,
    state: &web::Data<AgentState>,
    session: Interactive,
    permit: Option<SessionPermit>,
) -> Result<HttpResponse, AgentError> {
    let lxd = state.lxd.clone();
    let (response, client, stream) = match actix_ws::handle(request, payload) {
        Ok(parts) => parts,
        Err(error) => {
            actix_web::rt::spawn(async move { lxd.end_interactive(session).await });
            return Err(AgentError::new(ErrorCode::InvalidRequest, format!("not a WebSocket upgrade: {error}")));
        }
    };
    let limits = Limits::of(state);
    let stream = stream.max_frame_size(limits.frame).aggregate_continuations().max_continuation_size(limits.frame);
    actix_web::rt::spawn(async move {
        let _permit = permit;
        bridge(lxd, session, client, stream, limits).await;
    });
    Ok(response)
}

/// The limits of one interactive session (the agent's `terminal_idle_s`,
/// `terminal_lifetime_s` and `max_frame_bytes`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub idle: Duration,
    pub lifetime: Duration,
    pub frame: usize,
}

impl Limits {
    pub(super) fn of(state: &AgentState) -> Limits {
        Limits { idle: state.terminal_idle, lifetime: state.terminal_lifetime, frame: state.max_frame_bytes }
    }
}

/// How the bridge ended.
enum End {
    /// The PTY closed: the process ended (or the console went away).
    Process,
    /// The client closed, vanished, or must be closed with this reason.
    Client(Option<CloseReason>),
}

/// What actix-ws 0.3's aggregated stream says (as an I/O error) when a
/// message's fragments add up to more than `max_continuation_size`.
const CONTINUATION_TOO_BIG: &str = "Exceeded maximum continuation size";

/// The close code for an error of the client's stream: 1009 (message too
/// big) for a frame, or a message in fragments, over `max_frame_bytes`;
/// 1002 (protocol error) for anything else.
pub(super) fn close_code(error: &ProtocolError) -> CloseCode {
    match error {
        ProtocolError::Overflow => CloseCode::Size,
        ProtocolError::Io(error) if error.to_string() == CONTINUATION_TOO_BIG => CloseCode::Size,
        _ => CloseCode::Protocol,
    }
}

async fn bridge(
    lxd: LxdClient,
    mut session: Interactive,
    mut client: Session,
    mut stream: actix_ws::AggregatedMessageStream,
    limits: Limits,
) {
    let started = Instant::now();
    let lifetime_end = started + limits.lifetime;
    let mut last_activity = Instant::now();
    let mut ping = tokio::time::interval_at(started + PING_INTERVAL, PING_INTERVAL);
    let mut control_open = true;

    let end = 'bridge: {
        if !session.replay.is_empty() {
            for chunk in session.replay.clone().chunks(limits.frame) {
                if client.binary(bytes::Bytes::copy_from_slice(chunk)).await.is_err() {
                    break 'bridge End::Client(None);
                }
            }
        }
        loop {
            let idle_end = last_activity + limits.idle;
            tokio::select! {
                message = stream.next() => {
                    // Only data counts as activity: pings and pongs are
                    // keepalives, and every client answers the agent's pings.
                    match message {
                        Some(Ok(AggregatedMessage::Binary(bytes))) => {
                            last_activity = Instant::now();
                            if session.data.send(LxdMessage::Binary(bytes)).await.is_err() {
                                break End::Process;
                            }
                        }
                        Some(Ok(AggregatedMessage::Text(text))) => match TerminalControl::parse(&text) {
                            Ok(control) => {
                                last_activity = Instant::now();
                                let sent = match control {
                                    TerminalControl::Resize { cols, rows } => {
                                        resize_terminal(&mut session.control, clamp_terminal_size(cols), clamp_terminal_size(rows)).await
                                    }
                                    TerminalControl::Signal { signal } => session.signal(signal).await,
                                };
                                if let Err(error) = sent {
                                    tracing::info!(%error, "control message not delivered");
                                }
                            }
                            Err(message) => break End::Client(Some(CloseReason { code: CloseCode::Policy, description: Some(message) })),
                        },
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            if client.pong(&bytes).await.is_err() {
                                break End::Client(None);
                            }
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => {}
                        Some(Ok(AggregatedMessage::Close(_))) | None => break End::Client(None),
                        Some(Err(error)) => {
                            break End::Client(Some(CloseReason { code: close_code(&error), description: Some(error.to_string()) }));
                        }
                    }
                }
                message = session.data.next() => {
                    let bytes = match message {
                        Some(Ok(LxdMessage::Binary(bytes))) => bytes,
                        Some(Ok(LxdMessage::Text(text))) => bytes::Bytes::from(text),
                        Some(Ok(LxdMessage::Ping(_) | LxdMessage::Pong(_) | LxdMessage::Frame(_))) => continue,
                        Some(Ok(LxdMessage::Close(_)) | Err(_)) | None => break End::Process,
                    };
                    last_activity = Instant::now();
                    for chunk in bytes.chunks(limits.frame) {
                        if client.binary(bytes.slice_ref(chunk)).await.is_err() {
                            break 'bridge End::Client(None);
                        }
                    }
                }
                message = session.control.next(), if control_open => {
                    // LXD closes the control socket when the process has
                    // ended, then waits for the client to end fd 0 before
                    // it finishes the operation (LXD 5.0's exec finisher).
                    if matches!(message, None | Some(Err(_)) | Some(Ok(LxdMessage::Close(_)))) {
                        control_open = false;
                        if session.is_terminal() {
                            break End::Process;
                        }
                    }
                }
                _ = ping.tick() => {
                    if client.ping(b"").await.is_err() {
                        break End::Client(None);
                    }
                }
                () = tokio::time::sleep_until(idle_end) => {
                    break End::Client(Some(CloseReason { code: CloseCode::Away, description: Some("idle timeout (terminal_idle_s)".to_owned()) }));
                }
                () = tokio::time::sleep_until(lifetime_end) => {
                    break End::Client(Some(CloseReason { code: CloseCode::Away, description: Some("session lifetime reached (terminal_lifetime_s)".to_owned()) }));
                }
            }
        }
    };

    match end {
        End::Process => {
            // End fd 0, then forward the output still in flight until LXD's close.
            let _ = session.data.close(None).await;
            let drain = async {
                while let Some(Ok(message)) = session.data.next().await {
                    if let LxdMessage::Binary(bytes) = message {
                        for chunk in bytes.chunks(limits.frame) {
                            if client.binary(bytes.slice_ref(chunk)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            };
            let _ = tokio::time::timeout(DRAIN_GRACE, drain).await;
            if let Some(code) = lxd.exit_code(&session).await {
                let exit = serde_json::to_string(&TerminalEvent::Exit { code }).unwrap_or_default();
                let _ = client.text(exit).await;
            }
            let _ = client.close(Some(CloseCode::Normal.into())).await;
            lxd.end_interactive(session).await;
        }
        End::Client(reason) => {
            let _ = client.close(reason).await;
            lxd.end_interactive(session).await;
        }
    }
}
