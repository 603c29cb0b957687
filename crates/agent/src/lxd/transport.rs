//! HTTP over LXD's unix socket: one pooled hyper client, a deadline on every
//! request (body included), capped answers, and LXD's JSON envelope decoded
//! with its errors mapped to `LxdError`; and the websockets (exec, events),
//! each on its own connection.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::UnixStream;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;

use super::error::{LxdError, classify};

/// Largest JSON answer accepted (a `recursion=1` list of 1000 instances is
/// a few MiB); anything larger is a protocol error, not an allocation.
pub(crate) const MAX_JSON_BYTES: usize = 32 * 1024 * 1024;

/// A websocket to LXD over its own unix socket connection.
pub(crate) type WebSocket = WebSocketStream<LxdStream>;

/// A connection to LXD whose writes, once LXD has closed its end, are
/// dropped instead of failing.
///
/// Why: LXD 5.0.2 pings each exec websocket ("keepalive") and closes it
/// as soon as the command has exited and its output is sent. tungstenite
/// answers a ping with a pong on the next read; when that pong meets the
/// closed end (EPIPE), the read returns the error and the frames LXD sent
/// before closing (the command's last output, the end of the stream) are
/// never read. On a busy host, four `echo`s at once lost their output
/// about one time in twenty, `lxc exec` alike. What LXD sent stays
/// readable; what the agent would still write (a pong, stdin, a signal)
/// is moot once LXD has closed, and the read side reports the end.
#[derive(Debug)]
pub struct LxdStream(UnixStream);

impl LxdStream {
    /// Whether `error` says that LXD has closed its end.
    fn peer_closed(error: &std::io::Error) -> bool {
        matches!(error.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset)
    }
}

impl AsyncRead for LxdStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for LxdStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.get_mut().0).poll_write(cx, buf) {
            Poll::Ready(Err(error)) if Self::peer_closed(&error) => Poll::Ready(Ok(buf.len())),
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.get_mut().0).poll_flush(cx) {
            Poll::Ready(Err(error)) if Self::peer_closed(&error) => Poll::Ready(Ok(())),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.get_mut().0).poll_shutdown(cx) {
            Poll::Ready(Err(error)) if Self::peer_closed(&error) => Poll::Ready(Ok(())),
            other => other,
        }
    }
}

/// The pooled HTTP client bound to one socket.
#[derive(Debug)]
pub(crate) struct Transport {
    socket: PathBuf,
    /// The socket path, hex-encoded as the URI host (hyperlocal's scheme).
    host: String,
    http: Client<UnixConnector, Full<Bytes>>,
}

/// LXD's answer envelope; `metadata` is typed by the caller.
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    error_code: u16,
    #[serde(default)]
    error: String,
    metadata: Option<T>,
}

impl Transport {
    pub(crate) fn new(socket: PathBuf) -> Self {
        let host = hex::encode(socket.as_os_str().as_encoded_bytes());
        // No idle pool: LXD 5.0.2 peeks at the first bytes of each connection
        // inside its accept loop, so a connection that is open but has not
        // sent a request (hyper parks the loser of a connect race in its pool)
        // stalls every other LXD client until it closes. A fresh connection per
        // request costs tens of microseconds and always writes at once.
        let http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(UnixConnector);
        Transport { socket, host, http }
    }

    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// Sends one request and returns the answer's head; the body is read by
    /// the caller, inside the same deadline.
    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        if_match: Option<&str>,
    ) -> Result<Response<Incoming>, LxdError> {
        let uri: Uri = format!("unix://{}:0{}", self.host, path_and_query)
            .parse()
            .map_err(|e| LxdError::Protocol(format!("invalid request path {path_and_query}: {e}")))?;
        let mut builder = Request::builder().method(method.clone()).uri(uri);
        if body.is_some() {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        if let Some(etag) = if_match {
            builder = builder.header(hyper::header::IF_MATCH, etag);
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| LxdError::Protocol(format!("cannot build {method} {path_and_query}: {e}")))?;
        self.http.request(request).await.map_err(|e| {
            LxdError::Unavailable(format!(
                "{method} {path_and_query} over {}: {}",
                self.socket.display(),
                error_chain(&e)
            ))
        })
    }

    /// A request answered with LXD's JSON envelope (sync, or async with an
    /// operation): returns its `metadata`.
    pub(crate) async fn request_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        deadline: Instant,
    ) -> Result<T, LxdError> {
        Ok(self.request_json_etag(method, path_and_query, body, None, deadline).await?.0)
    }

    /// [`Transport::request_json`] sending `If-Match: <if_match>` when given
    /// (LXD answers 412 when the object changed since), and returning the
    /// answer's `ETag` with its metadata.
    pub(crate) async fn request_json_etag<T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        if_match: Option<&str>,
        deadline: Instant,
    ) -> Result<(T, Option<String>), LxdError> {
        let (status, etag, bytes) = self
            .with_deadline(deadline, &method, path_and_query, async {
                let answer = self.send(method.clone(), path_and_query, body, if_match).await?;
                let status = answer.status();
                let etag =
                    answer.headers().get(hyper::header::ETAG).and_then(|value| value.to_str().ok()).map(str::to_owned);
                let bytes = read_capped(answer.into_body(), MAX_JSON_BYTES, &method, path_and_query).await?;
                Ok((status, etag, bytes))
            })
            .await?;
        Ok((decode_sync(status, &bytes, &method, path_and_query)?, etag))
    }

    /// A request whose answer is raw bytes (log files, the console): returns
    /// the status and at most the last `cap` bytes; an error answer is
    /// decoded and mapped like any other.
    pub(crate) async fn raw_tail(
        &self,
        path_and_query: &str,
        cap: usize,
        deadline: Instant,
    ) -> Result<Bytes, LxdError> {
        let method = Method::GET;
        let (status, bytes) = self
            .with_deadline(deadline, &method, path_and_query, async {
                let answer = self.send(Method::GET, path_and_query, None, None).await?;
                let status = answer.status();
                let bytes = if status.is_success() {
                    read_tail(answer.into_body(), cap, &method, path_and_query).await?
                } else {
                    read_capped(answer.into_body(), MAX_JSON_BYTES, &method, path_and_query).await?
                };
                Ok((status, bytes))
            })
            .await?;
        if status.is_success() { Ok(bytes) } else { Err(decode_error(status, &bytes, &method, path_and_query)) }
    }

    /// Opens a websocket on `path_and_query`: connects and writes the
    /// upgrade request at once (LXD 5.0.2 stalls behind a connection that
    /// sends nothing, see [`Transport::new`]). `what` names it in errors,
    /// which never show the path: exec paths hold their secret. A refused
    /// upgrade with LXD's error JSON is classified like any error answer.
    /// The caller bounds the time; dropping the socket closes the connection.
    pub(crate) async fn websocket(&self, path_and_query: &str, what: &str) -> Result<WebSocket, LxdError> {
        use tokio_tungstenite::tungstenite::Error as WsError;
        let stream = UnixStream::connect(&self.socket)
            .await
            .map_err(|e| LxdError::Unavailable(format!("{what}: cannot connect to {}: {e}", self.socket.display())))?;
        let url = format!("ws://lxd{path_and_query}");
        match tokio_tungstenite::client_async(url, LxdStream(stream)).await {
            Ok((websocket, _)) => Ok(websocket),
            Err(WsError::Http(answer)) => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
                let body = answer.body().as_deref().unwrap_or_default();
                Err(decode_error(status, body, &Method::GET, what))
            }
            Err(error @ (WsError::Io(_) | WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                Err(LxdError::Unavailable(format!("{what}: the websocket handshake failed: {}", error_chain(&error))))
            }
            Err(error) => {
                Err(LxdError::Protocol(format!("{what}: the websocket handshake failed: {}", error_chain(&error))))
            }
        }
    }

    async fn with_deadline<T>(
        &self,
        deadline: Instant,
        method: &Method,
        path_and_query: &str,
        work: impl Future<Output = Result<T, LxdError>>,
    ) -> Result<T, LxdError> {
        tokio::time::timeout_at(deadline, work).await.map_err(|_| {
            let path = path_without_query(path_and_query);
            let what = format!("LXD did not answer {method} {path} in time");
            // A read that LXD never answered changed nothing: LXD is not
            // answering (503). A change, or the wait on the operation of
            // one, may have been made (504).
            if *method == Method::GET && !path.ends_with("/wait") {
                LxdError::Unavailable(what)
            } else {
                LxdError::Timeout(what)
            }
        })?
    }
}

/// Decodes a sync answer (or an error answer) into its metadata.
fn decode_sync<T: DeserializeOwned>(
    status: StatusCode,
    bytes: &[u8],
    method: &Method,
    path_and_query: &str,
) -> Result<T, LxdError> {
    if !status.is_success() {
        return Err(decode_error(status, bytes, method, path_and_query));
    }
    let envelope: Envelope<T> = serde_json::from_slice(bytes).map_err(|e| {
        LxdError::Protocol(format!(
            "{method} {}: answer is not the expected JSON: {e}",
            path_without_query(path_and_query)
        ))
    })?;
    if envelope.kind == "error" {
        return Err(classify(envelope.error_code, &envelope.error));
    }
    match envelope.metadata {
        Some(metadata) => Ok(metadata),
        // LXD answers a creation or an update with `"metadata": null`: fine
        // for a caller that ignores it (`IgnoredAny`), an error otherwise.
        None => T::deserialize(serde_json::Value::Null).map_err(|_| {
            LxdError::Protocol(format!("{method} {}: answer has no metadata", path_without_query(path_and_query)))
        }),
    }
}

/// Maps a non-2xx answer to an error, from LXD's error JSON when it is one.
fn decode_error(status: StatusCode, bytes: &[u8], method: &Method, path_and_query: &str) -> LxdError {
    match serde_json::from_slice::<Envelope<IgnoredAny>>(bytes) {
        Ok(envelope) if !envelope.error.is_empty() => {
            let code = if envelope.error_code != 0 { envelope.error_code } else { status.as_u16() };
            classify(code, &envelope.error)
        }
        _ => LxdError::Protocol(format!(
            "{method} {}: HTTP {} without LXD's error JSON",
            path_without_query(path_and_query),
            status.as_u16()
        )),
    }
}

/// Reads a whole body, failing past `cap` bytes.
async fn read_capped(mut body: Incoming, cap: usize, method: &Method, path_and_query: &str) -> Result<Bytes, LxdError> {
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| body_error(&e, method, path_and_query))?;
        if let Ok(data) = frame.into_data() {
            if buffer.len() + data.len() > cap {
                return Err(LxdError::Protocol(format!(
                    "{method} {}: answer larger than {cap} bytes",
                    path_without_query(path_and_query)
                )));
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok(buffer.freeze())
}

/// Reads a whole body keeping only its last `cap` bytes, in bounded memory.
async fn read_tail(mut body: Incoming, cap: usize, method: &Method, path_and_query: &str) -> Result<Bytes, LxdError> {
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| body_error(&e, method, path_and_query))?;
        if let Ok(data) = frame.into_data() {
            buffer.extend_from_slice(&data);
            if buffer.len() > cap.saturating_mul(2).max(64 * 1024) {
                let excess = buffer.len() - cap;
                let _ = buffer.split_to(excess);
            }
        }
    }
    if buffer.len() > cap {
        let excess = buffer.len() - cap;
        let _ = buffer.split_to(excess);
    }
    Ok(buffer.freeze())
}

fn body_error(error: &hyper::Error, method: &Method, path_and_query: &str) -> LxdError {
    LxdError::Unavailable(format!(
        "{method} {}: connection lost while reading the answer: {}",
        path_without_query(path_and_query),
        error_chain(error)
    ))
}

/// The path without its query, for messages (queries may be long).
pub(crate) fn path_without_query(path_and_query: &str) -> &str {
    path_and_query.split('?').next().unwrap_or(path_and_query)
}

/// An error and its sources, joined: hyper's top-level messages alone
/// ("client error (Connect)") say too little.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            let _ = write!(text, ": {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// Decodes a percent-encoded path segment or query value; `None` when it
/// is not valid percent-encoding of UTF-8.
pub(crate) fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3).filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))?;
            decoded.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Percent-encodes a query value or path segment (RFC 3986 unreserved
/// characters pass as they are).
pub(crate) fn encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;

    /// LXD's side of an exec output socket at a quick command's end: a
    /// keepalive ping, the output, the end of the stream, then the
    /// connection closed before anything is read.
    async fn ping_output_and_close(server: UnixStream) {
        let mut socket = tokio_tungstenite::accept_async(server).await.unwrap();
        socket.send(Message::Ping("keepalive".into())).await.unwrap();
        socket.send(Message::binary(&b"hi\n"[..])).await.unwrap();
        socket.send(Message::text("")).await.unwrap();
        drop(socket);
    }

    /// The frames read on `client` after `ping_output_and_close`, until the first error or the end.
    async fn read_all<S>(client: S) -> (Vec<Message>, Option<String>)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let (mut socket, _) = tokio_tungstenite::client_async("ws://lxd/exec", client).await.unwrap();
        let mut frames = Vec::new();
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(frame) => frames.push(frame),
                Err(error) => return (frames, Some(error.to_string())),
            }
        }
        (frames, None)
    }

    #[tokio::test]
    async fn output_lxd_sent_before_closing_is_read_though_the_answer_to_its_ping_cannot_be_written() {
        // A bare connection: the pong meets the closed end and the output is lost.
        let (client, server) = UnixStream::pair().unwrap();
        let (_, (frames, error)) = tokio::join!(ping_output_and_close(server), read_all(client));
        assert_eq!(frames, [Message::Ping("keepalive".into())], "this is what LXD's keepalive did to the output");
        assert!(error.is_some_and(|error| error.contains("Broken pipe")));

        let (client, server) = UnixStream::pair().unwrap();
        let (_, (frames, _)) = tokio::join!(ping_output_and_close(server), read_all(LxdStream(client)));
        assert_eq!(
            frames,
            [Message::Ping("keepalive".into()), Message::binary(&b"hi\n"[..]), Message::text("")],
            "the output and the end of the stream arrive"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("default"), "default");
        assert_eq!(encode("p 1&x=y/é"), "p%201%26x%3Dy%2F%C3%A9");
    }

    #[test]
    fn percent_decoding_undoes_encoding_and_refuses_broken_escapes() {
        for value in ["default", "p 1&x=y/é", "c1"] {
            assert_eq!(decode(&encode(value)).as_deref(), Some(value));
        }
        assert_eq!(decode("a%2"), None);
        assert_eq!(decode("a%zz"), None);
        assert_eq!(decode("%FF"), None, "not UTF-8");
        assert_eq!(decode("%+1"), None);
    }

    #[test]
    fn an_error_chain_joins_the_causes_once() {
        let inner = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let outer = std::io::Error::other(inner);
        assert_eq!(error_chain(&outer), "no such file");
    }

    #[test]
    fn an_lxd_error_answer_is_classified_and_a_foreign_one_is_a_protocol_error() {
        let body = br#"{"type":"error","error_code":404,"error":"Instance not found","metadata":null}"#;
        assert!(matches!(
            decode_error(StatusCode::NOT_FOUND, body, &Method::GET, "/1.0/instances/x?project=p"),
            LxdError::NotFound(_)
        ));
        assert!(matches!(
            decode_error(StatusCode::BAD_GATEWAY, b"<html>", &Method::GET, "/1.0?project=p"),
            LxdError::Protocol(_)
        ));
    }

    #[test]
    fn a_sync_answer_yields_its_metadata() {
        let body = br#"{"type":"sync","status":"Success","metadata":{"a":1}}"#;
        let value: serde_json::Value = decode_sync(StatusCode::OK, body, &Method::GET, "/1.0").unwrap();
        assert_eq!(value["a"], 1);
        assert!(matches!(
            decode_sync::<serde_json::Value>(StatusCode::OK, b"garbage", &Method::GET, "/1.0"),
            Err(LxdError::Protocol(_))
        ));
    }
}
