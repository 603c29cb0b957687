//! What the byte-stream routes (`exec-stream`, `tunnel`) share: the
//! upgrade, the client's frames read as data or control messages, and a
//! supervisor that runs a bridge's two directions at once.
//!
//! The two directions run concurrently, never one after the other in one
//! loop: a command that echoes its input (`cat`) or a TCP peer that answers
//! while it still reads would otherwise deadlock once the agent waits to
//! write its input while the output it does not read fills every buffer.
//! Each direction is bounded by the other side's backpressure (one frame
//! in hand, actix-ws' 32-message queue to the client), never by an
//! unbounded buffer.
//!
//! The supervisor pings the client every 20 s and closes it with 1001
//! after `terminal_idle_s` without data either way (pings and pongs are
//! keepalives, not activity) or at `terminal_lifetime_s`, like a terminal.

use std::cell::Cell;
use std::future::Future;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use bytes::{BufMut as _, Bytes, BytesMut};
use smp_proto::ErrorCode;
use tokio::time::Instant;

use futures_util::StreamExt as _;
use smp_proto::api::StreamControl;

use super::terminal::{Limits, PING_INTERVAL, close_code};
use crate::error::AgentError;
use crate::sessions::SessionPermit;

/// When data last went either way.
pub(super) struct Activity(Cell<Instant>);

impl Activity {
    pub(super) fn new() -> Activity {
        Activity(Cell::new(Instant::now()))
    }

    pub(super) fn touch(&self) {
        self.0.set(Instant::now());
    }

    fn idle_end(&self, idle: std::time::Duration) -> Instant {
        self.0.get() + idle
    }
}

/// The client went away (a send to it failed).
#[derive(Debug)]
pub(super) struct Gone;

/// How a bridge ended.
pub(super) enum Outcome<T> {
    /// The far side's work ended with this.
    Done(T),
    /// The client closed, vanished, or must be closed with this reason.
    Client(Option<CloseReason>),
}

/// Runs `input` (the client's frames to the far side; it returns when the
/// client is gone or must be closed) and `work` (the far side to the
/// client and whatever follows; it returns how that ended) at once, with
/// pings, the idle timeout and the lifetime, until one of them decides.
pub(super) async fn supervise<T>(
    input: impl Future<Output = Option<CloseReason>>,
    work: impl Future<Output = Result<T, Gone>>,
    pinger: &mut Session,
    activity: &Activity,
    limits: Limits,
) -> Outcome<T> {
    let started = Instant::now();
    let lifetime_end = started + limits.lifetime;
    let mut ping = tokio::time::interval_at(started + PING_INTERVAL, PING_INTERVAL);
    let mut input = std::pin::pin!(input);
    let mut work = std::pin::pin!(work);
    loop {
        let idle_end = activity.idle_end(limits.idle);
        tokio::select! {
            reason = &mut input => return Outcome::Client(reason),
            done = &mut work => return match done {
                Ok(done) => Outcome::Done(done),
                Err(Gone) => Outcome::Client(None),
            },
            _ = ping.tick() => {
                if pinger.ping(b"").await.is_err() {
                    return Outcome::Client(None);
                }
            }
            () = tokio::time::sleep_until(idle_end) => {
                // Data moved meanwhile: the loop sleeps again until the new end.
                if activity.idle_end(limits.idle) <= Instant::now() {
                    return Outcome::Client(Some(reason(CloseCode::Away, "idle timeout (terminal_idle_s)")));
                }
            }
            () = tokio::time::sleep_until(lifetime_end) => {
                return Outcome::Client(Some(reason(CloseCode::Away, "session lifetime reached (terminal_lifetime_s)")));
            }
        }
    }
}

/// What the client of a byte stream sends: bytes, or a control message.
pub(super) enum ClientFrame {
    Data(Bytes),
    Control(StreamControl),
}

/// The client's next data or control frame, pings answered on the way;
/// `Err(None)` once the client went, `Err(Some(reason))` when it must be
/// closed (a text frame that is no control message, a protocol error).
pub(super) async fn next_client_frame(
    messages: &mut AggregatedMessageStream,
    client: &mut Session,
) -> Result<ClientFrame, Option<CloseReason>> {
    loop {
        match messages.next().await {
            Some(Ok(AggregatedMessage::Binary(bytes))) => return Ok(ClientFrame::Data(bytes)),
            Some(Ok(AggregatedMessage::Text(text))) => {
                return StreamControl::parse(&text)
                    .map(ClientFrame::Control)
                    .map_err(|message| Some(reason(CloseCode::Policy, &message)));
            }
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                if client.pong(&bytes).await.is_err() {
                    return Err(None);
                }
            }
            Some(Ok(AggregatedMessage::Pong(_))) => {}
            Some(Ok(AggregatedMessage::Close(_))) | None => return Err(None),
            Some(Err(error)) => return Err(Some(reason(close_code(&error), &error.to_string()))),
        }
    }
}

/// A close reason, its description cut to what a close frame holds (123
/// bytes), at a character boundary.
pub(super) fn reason(code: CloseCode, description: &str) -> CloseReason {
    let mut end = description.len().min(123);
    while !description.is_char_boundary(end) {
        end -= 1;
    }
    CloseReason { code, description: Some(description[..end].to_owned()) }
}

/// Sends `bytes` to the client in binary frames of at most `frame` bytes,
/// each led by `prefix` when there is one (counted in the frame).
pub(super) async fn send_frames(
    client: &mut Session,
    prefix: Option<u8>,
    bytes: &Bytes,
    frame: usize,
) -> Result<(), Gone> {
    let room = frame.saturating_sub(usize::from(prefix.is_some())).max(1);
    for chunk in bytes.chunks(room) {
        let message = match prefix {
            Some(prefix) => {
                let mut framed = BytesMut::with_capacity(chunk.len() + 1);
                framed.put_u8(prefix);
                framed.extend_from_slice(chunk);
                framed.freeze()
            }
            None => bytes.slice_ref(chunk),
        };
        client.binary(message).await.map_err(|_| Gone)?;
    }
    Ok(())
}

/// Answers the upgrade and leaves `run` going with `far` (the far side,
/// opened before the upgrade), the client's socket and its frames (capped
/// at `limits.frame`, fragments included) for the socket's life, the
/// session place held meanwhile. On a failed handshake `far` is handed to
/// `cleanup` (run in the background) before the error is answered.
pub(super) fn upgrade<Far, Run, Work, Cleanup, Cleaned>(
    request: &HttpRequest,
    payload: web::Payload,
    limits: Limits,
    permit: Option<SessionPermit>,
    far: Far,
    run: Run,
    cleanup: Cleanup,
) -> Result<HttpResponse, AgentError>
where
    Run: FnOnce(Far, Session, AggregatedMessageStream) -> Work,
    Work: Future<Output = ()> + 'static,
    Cleanup: FnOnce(Far) -> Cleaned,
    Cleaned: Future<Output = ()> + 'static,
{
    let (response, client, stream) = match actix_ws::handle(request, payload) {
        Ok(parts) => parts,
        Err(error) => {
            actix_web::rt::spawn(cleanup(far));
            return Err(AgentError::new(ErrorCode::InvalidRequest, format!("not a WebSocket upgrade: {error}")));
        }
    };
    let stream = stream.max_frame_size(limits.frame).aggregate_continuations().max_continuation_size(limits.frame);
    let work = run(far, client, stream);
    actix_web::rt::spawn(async move {
        let _permit = permit;
        work.await;
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_reason_is_cut_to_123_bytes_at_a_character_boundary() {
        let long = "é".repeat(100);
        let cut = reason(CloseCode::Policy, &long).description.unwrap();
        assert!(cut.len() <= 123 && long.starts_with(&cut), "{}", cut.len());
        assert_eq!(reason(CloseCode::Away, "short").description.as_deref(), Some("short"));
    }
}
