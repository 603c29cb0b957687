//! The WebSocket front end: `GET /api/v1/terminal`, a browser's terminal.
//!
//! Before the upgrade only the `Origin` is checked (present: it must be the
//! panel's own, so another site's page cannot open a socket with the
//! member's cookies). The socket then authenticates with its first message,
//! `{"type":"auth","ticket":"…","cols":C,"rows":R}`, within `AUTH_TIMEOUT`:
//! the ticket never appears in a URL or a log. After that it relays:
//! binary frames are keystrokes, text frames are `resize` and `signal`
//! control messages (PROTOCOL.md's), and the session (`app::terminals`)
//! sends output, control messages (`attached`, `size`, `mode`,
//! `participants`, `exit`) and the close with its reason.
//!
//! Frames from the browser are at most `MAX_FRAME_BYTES`, and so are
//! messages sent in fragments; a larger one, or a text frame that is no
//! control message, closes the socket with 1009 or 1008.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason as WsCloseReason, Session};
use bytes::Bytes;
use futures_util::StreamExt as _;
use serde::Deserialize;
use smp_proto::api::{TerminalControl, clamp_terminal_size};

use crate::app::Context;
use crate::app::terminals::{self, Attachment, CloseReason, Outbound};
use crate::db::DbPool;
use crate::error::AppError;
use crate::http::AppState;
use crate::texts;

/// The largest frame a browser may send.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// How long the socket may wait for its ticket.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one frame to the browser may wait for room before she is dropped.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the browser is pinged (proxies close silent sockets).
pub const PING_INTERVAL: Duration = Duration::from_secs(20);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/terminal", web::get().to(terminal)); // Origin, then a ticket as the first message (app::terminals::redeem)
}

/// The first message.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum Hello {
    Auth {
        ticket: String,
        #[serde(default = "default_cols")]
        cols: u32,
        #[serde(default = "default_rows")]
        rows: u32,
    },
}

fn default_cols() -> u32 {
    80
}

fn default_rows() -> u32 {
    24
}

async fn terminal(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    state.public_origin.check(&request)?;
    let (response, session, stream) = actix_ws::handle(&request, payload)
        .map_err(|error| AppError::invalid("error-services-websocket-expected", &[("detail", texts::text(error))]))?;
    let stream =
        stream.max_frame_size(MAX_FRAME_BYTES).aggregate_continuations().max_continuation_size(MAX_FRAME_BYTES);
    let context = state.app.clone();
    let pool = pool.get_ref().clone();
    actix_web::rt::spawn(async move {
        let reason = relay(context, pool, session.clone(), stream).await;
        close(session, reason.0, reason.1).await;
    });
    Ok(response)
}

/// The most bytes of a close frame's reason (RFC 6455: 125 with the code).
const MAX_CLOSE_REASON_BYTES: usize = 123;

async fn close(session: Session, reason: CloseReason, description: String) {
    let code = CloseCode::from(reason.code());
    let description = Some(fit_close_reason(description));
    let closing = session.close(Some(WsCloseReason { code, description }));
    let _ = tokio::time::timeout(SEND_TIMEOUT, closing).await;
}

/// `text` cut to fit a close frame (ending with `…` when cut): a longer
/// reason, such as an agent's refusal naming a long machine name, is a
/// protocol error that browsers answer by dropping the reason and the code.
fn fit_close_reason(mut text: String) -> String {
    if text.len() <= MAX_CLOSE_REASON_BYTES {
        return text;
    }
    let mut end = MAX_CLOSE_REASON_BYTES - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

/// Authenticates the socket, then relays until one side ends; the reason
/// to close with.
async fn relay(
    context: Arc<Context>,
    pool: DbPool,
    mut session: Session,
    mut stream: actix_ws::AggregatedMessageStream,
) -> (CloseReason, String) {
    let refused = |reason: CloseReason| (reason, reason.message().to_owned());
    let hello = match tokio::time::timeout(AUTH_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(AggregatedMessage::Text(text)))) => serde_json::from_str::<Hello>(&text),
        Ok(_) | Err(_) => return refused(CloseReason::NoTicket),
    };
    let Ok(Hello::Auth { ticket, cols, rows }) = hello else { return refused(CloseReason::NoTicket) };
    let size = (clamp_terminal_size(cols), clamp_terminal_size(rows));
    let mut attachment = match terminals::redeem(context, &pool, &ticket, size.0, size.1).await {
        Ok(attachment) => attachment,
        Err(refusal) => return refusal,
    };
    drop(ticket);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_INTERVAL, PING_INTERVAL);
    // Keystrokes waiting for the input rate: no more frames are read
    // meanwhile (the browser waits), but output keeps flowing to her.
    let mut typing: Option<Pin<Box<dyn Future<Output = ()> + Send>>> = None;
    loop {
        tokio::select! {
            () = async { if let Some(typed) = typing.as_mut() { typed.await } }, if typing.is_some() => typing = None,
            message = stream.next(), if typing.is_none() => {
                match from_browser(&mut session, &attachment, message).await {
                    Browser::Typed(bytes) => typing = Some(Box::pin(attachment.input(bytes))),
                    Browser::Handled => {}
                    Browser::Close(reason) => return refused(reason),
                }
            }
            outbound = attachment.next() => {
                let sending = async {
                    match outbound {
                        Ok(Outbound::Output(bytes)) => Ok(session.binary(bytes).await),
                        Ok(Outbound::Control(text)) => Ok(session.text(text).await),
                        Err(reason) => Err(reason),
                    }
                };
                // A browser that takes nothing for this long is gone (or
                // holding the connection open): it is dropped, not waited on.
                match tokio::time::timeout(SEND_TIMEOUT, sending).await {
                    Ok(Ok(Ok(()))) => {}
                    Ok(Err(reason)) => return refused(reason),
                    Ok(Ok(Err(_))) => return refused(CloseReason::Exited),
                    Err(_) => return refused(CloseReason::TooSlow),
                }
            }
            _ = ping.tick() => {
                if session.ping(b"").await.is_err() {
                    return refused(CloseReason::Exited);
                }
            }
        }
    }
}

/// What actix-ws 0.3's aggregated stream says (as an I/O error) when a
/// message's fragments add up to more than `max_continuation_size`.
const CONTINUATION_TOO_BIG: &str = "Exceeded maximum continuation size";

/// What a message from the browser asks.
enum Browser {
    /// Keystrokes, to be typed at the input rate.
    Typed(Bytes),
    /// A control message or a ping, done.
    Handled,
    /// The socket must close.
    Close(CloseReason),
}

/// One message from the browser.
async fn from_browser(
    session: &mut Session,
    attachment: &Attachment,
    message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
) -> Browser {
    match message {
        Some(Ok(AggregatedMessage::Binary(bytes))) => Browser::Typed(bytes),
        Some(Ok(AggregatedMessage::Text(text))) => match TerminalControl::parse(&text) {
            Ok(control) => {
                attachment.control(control).await;
                Browser::Handled
            }
            Err(_) => Browser::Close(CloseReason::BadFrame),
        },
        Some(Ok(AggregatedMessage::Ping(bytes))) => match session.pong(&bytes).await {
            Ok(()) => Browser::Handled,
            Err(_) => Browser::Close(CloseReason::Exited),
        },
        Some(Ok(AggregatedMessage::Pong(_))) => Browser::Handled,
        // The browser went away: the session stays for its grace period.
        Some(Ok(AggregatedMessage::Close(_))) | None => Browser::Close(CloseReason::Exited),
        Some(Err(actix_ws::ProtocolError::Overflow)) => Browser::Close(CloseReason::FrameTooLarge),
        Some(Err(actix_ws::ProtocolError::Io(error))) if error.to_string() == CONTINUATION_TOO_BIG => {
            Browser::Close(CloseReason::FrameTooLarge)
        }
        Some(Err(_)) => Browser::Close(CloseReason::BadFrame),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_reason_is_cut_to_fit_a_control_frame_at_a_character_boundary() {
        assert_eq!(fit_close_reason("short".into()), "short");
        let fits = "x".repeat(MAX_CLOSE_REASON_BYTES);
        assert_eq!(fit_close_reason(fits.clone()), fits);
        let cut = fit_close_reason(format!("{}é{}", "x".repeat(119), "y".repeat(50)));
        assert!(cut.len() <= MAX_CLOSE_REASON_BYTES && cut.ends_with('…'), "{cut:?} {}", cut.len());
        assert!(cut.starts_with(&"x".repeat(119)));
    }
}
