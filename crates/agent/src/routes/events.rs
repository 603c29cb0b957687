//! `GET /events` (`events`): the instance changes of the agent's project as
//! server-sent events, one `event: instance` per change with a
//! `ContainerEvent` as its `data:`, and a `: keepalive` comment every 15 s
//! so proxies keep the connection open.
//!
//! The token is checked once, at connect. The stream ends after
//! `max_stream_s` (default 600 s), or as soon as LXD's events connection
//! drops: the client then reconnects with a fresh token and reconciles with
//! `GET /containers`, since changes between two streams are not replayed.
//! LXD's events websocket is owned by the response body: when the client
//! goes away actix drops the body and with it the connection to LXD.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use futures_util::{Stream, StreamExt as _, stream};
use smp_proto::api::ContainerEvent;

use crate::auth::Authorized;
use crate::error::AgentError;
use crate::lxd::LxdError;
use crate::startup::AgentState;

/// How often a comment line is sent while nothing happens.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

const KEEPALIVE: &[u8] = b": keepalive\n\n";

/// Opens LXD's events first, so a failure is the usual JSON error (503
/// `lxd_unavailable`, 502 `lxd_error`, 504 `timeout`), then streams.
pub async fn stream(auth: Authorized, state: web::Data<AgentState>) -> Result<HttpResponse, AgentError> {
    let events = state.lxd.events().await?;
    let max_stream = Duration::from_secs(state.max_stream_s);
    tracing::info!(sub = %auth.claims.sub, jti = %auth.claims.jti, max_stream_s = state.max_stream_s, "events stream opened");
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // nginx buffers responses unless told not to.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(sse_body(events, max_stream, KEEPALIVE_INTERVAL)))
}

/// The body: each event of `events` as an SSE message, a keepalive comment
/// every `keepalive` without one, ending after `max_stream` or with `events`.
pub(crate) fn sse_body<S>(
    events: S,
    max_stream: Duration,
    keepalive: Duration,
) -> impl Stream<Item = Result<Bytes, Infallible>> + 'static
where
    S: Stream<Item = Result<ContainerEvent, LxdError>> + 'static,
{
    let start = tokio::time::Instant::now();
    let mut ticks = tokio::time::interval_at(start + keepalive, keepalive);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let body = Body { events: Box::pin(events), ticks, end: Box::pin(tokio::time::sleep_until(start + max_stream)) };
    stream::unfold(body, |mut body| async move {
        loop {
            let chunk = tokio::select! {
                biased;
                () = &mut body.end => {
                    tracing::debug!("events stream reached max_stream_s; the client reconnects");
                    return None;
                }
                item = body.events.next() => match item {
                    Some(Ok(event)) => match sse_message(&event) {
                        Some(chunk) => chunk,
                        None => continue,
                    },
                    Some(Err(error)) => {
                        tracing::warn!(%error, "LXD's events stream failed; ending the client's stream");
                        return None;
                    }
                    None => {
                        tracing::warn!("LXD closed its events stream; ending the client's stream");
                        return None;
                    }
                },
                _ = body.ticks.tick() => Bytes::from_static(KEEPALIVE),
            };
            return Some((Ok(chunk), body));
        }
    })
}

struct Body<S> {
    events: std::pin::Pin<Box<S>>,
    ticks: tokio::time::Interval,
    end: std::pin::Pin<Box<tokio::time::Sleep>>,
}

/// `event: instance\ndata: {json}\n\n` (compact JSON has no newline).
fn sse_message(event: &ContainerEvent) -> Option<Bytes> {
    match serde_json::to_string(event) {
        Ok(json) => Some(Bytes::from(format!("event: instance\ndata: {json}\n\n"))),
        Err(error) => {
            tracing::warn!(%error, "an event could not be serialized; skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use smp_proto::api::ContainerStatus;
    use tokio::sync::mpsc;

    use super::*;

    fn event(name: &str) -> ContainerEvent {
        ContainerEvent {
            name: name.to_owned(),
            status: ContainerStatus::Running,
            action: "instance-started".to_owned(),
            at: "2026-11-23T05:56:33.253669288Z".to_owned(),
        }
    }

    /// Events sent on the channel, as the stream LXD's client returns.
    fn channel()
    -> (mpsc::UnboundedSender<Result<ContainerEvent, LxdError>>, impl Stream<Item = Result<ContainerEvent, LxdError>>)
    {
        let (sender, mut receiver) = mpsc::unbounded_channel();
        (sender, stream::poll_fn(move |cx| receiver.poll_recv(cx)))
    }

    async fn next(body: &mut (impl Stream<Item = Result<Bytes, Infallible>> + Unpin)) -> Option<String> {
        body.next().await.map(|chunk| String::from_utf8(chunk.unwrap().to_vec()).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn each_event_is_one_sse_message_with_compact_json() {
        let (sender, events) = channel();
        let mut body = Box::pin(sse_body(events, Duration::from_secs(600), KEEPALIVE_INTERVAL));
        sender.send(Ok(event("c1"))).unwrap();
        assert_eq!(
            next(&mut body).await.unwrap(),
            "event: instance\ndata: {\"name\":\"c1\",\"status\":\"running\",\"action\":\"instance-started\",\"at\":\"2026-11-23T05:56:33.253669288Z\"}\n\n"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_stream_sends_a_keepalive_comment_every_fifteen_seconds_and_ends_at_max_stream() {
        let (_sender, events) = channel();
        let start = tokio::time::Instant::now();
        let mut body = Box::pin(sse_body(events, Duration::from_secs(40), KEEPALIVE_INTERVAL));
        assert_eq!(next(&mut body).await.as_deref(), Some(": keepalive\n\n"));
        assert_eq!(start.elapsed(), Duration::from_secs(15));
        assert_eq!(next(&mut body).await.as_deref(), Some(": keepalive\n\n"));
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        assert_eq!(next(&mut body).await, None);
        assert_eq!(start.elapsed(), Duration::from_secs(40));
    }

    #[tokio::test(start_paused = true)]
    async fn the_stream_ends_when_lxd_closes_or_fails() {
        let (sender, events) = channel();
        let mut body = Box::pin(sse_body(events, Duration::from_secs(600), KEEPALIVE_INTERVAL));
        drop(sender);
        assert_eq!(next(&mut body).await, None);

        let (sender, events) = channel();
        let mut body = Box::pin(sse_body(events, Duration::from_secs(600), KEEPALIVE_INTERVAL));
        sender.send(Err(LxdError::Unavailable("gone".to_owned()))).unwrap();
        sender.send(Ok(event("c1"))).unwrap();
        assert_eq!(next(&mut body).await, None, "nothing after a failure");
    }
}
