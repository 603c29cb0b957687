//! The agent's interactive routes (PROTOCOL.md, "Interactive routes"):
//! `AgentClient::open_interactive` upgrades `GET /container/<id>/terminal`,
//! `/console`, `/exec-stream` or `/tunnel` to a WebSocket with a fresh
//! operation token whose `bh` binds the query string it sends, over the
//! same pinned TLS as every other call (or plain TCP to a loopback
//! `http://` agent), and retries once on 401 `token_predates_agent` like
//! `send`.
//!
//! The socket's buffers are kept small (`socket_config`): a panel holds one
//! per open terminal, and tungstenite's defaults (128 KiB each way) would
//! be most of a terminal's memory.

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Error as WsError};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::client::{AgentCallError, AgentClient, Call, Caller, chain, unavailable};

/// An open interactive socket to an agent.
pub type AgentSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The largest frame read from an agent: the agent's own `max_frame_bytes` default.
pub const MAX_AGENT_FRAME_BYTES: usize = 64 * 1024;

/// Small buffers: output is relayed frame by frame, never accumulated.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_frame_size(Some(MAX_AGENT_FRAME_BYTES))
        .max_message_size(Some(MAX_AGENT_FRAME_BYTES))
}

impl AgentClient {
    /// Opens the interactive route of `call` (its action `terminal`,
    /// `console`, `exec.stream` or `tunnel`, its container, `query` as
    /// `cols=…&rows=…`, already URL-encoded): the socket, or the agent's
    /// refusal as a typed error (429 `limit_reached`, 409
    /// `instance_changed`, …), nothing left open. The token's `bh` is the
    /// hash of exactly that query (of the empty string without one), as
    /// the agent requires for `exec.stream` and `tunnel`.
    pub async fn open_interactive(&self, caller: &Caller, call: &Call<'_>) -> Result<AgentSocket, AgentCallError> {
        let (_, path) = call.route()?;
        let base = self.base_url.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
        let query = call.query.unwrap_or_default();
        let url = if query.is_empty() { format!("{base}{path}") } else { format!("{base}{path}?{query}") };
        let mut retried = false;
        loop {
            let token = self.mint(caller, call, Some(query.as_bytes()))?;
            let mut request =
                url.as_str().into_client_request().map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
            let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
            request.headers_mut().insert("Authorization", bearer);
            let connected = self.connect(request).await;
            match connected {
                Ok(socket) => return Ok(socket),
                Err(error) if error.predates_agent() && !retried => retried = true,
                Err(error) => return Err(error),
            }
        }
    }

    async fn connect(&self, request: tungstenite::handshake::client::Request) -> Result<AgentSocket, AgentCallError> {
        let host = request.uri().host().unwrap_or_default().trim_matches(['[', ']']).to_owned();
        let port = request.uri().port_u16().unwrap_or(if self.tls.is_some() { 443 } else { 80 });
        let connect = TcpStream::connect((host.as_str(), port));
        let stream = match tokio::time::timeout(super::CONNECT_TIMEOUT, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(self.transport_error(&error)),
            Err(_) => return Err(unavailable(self.machine(), "connecting timed out")),
        };
        let _ = stream.set_nodelay(true);
        let connector = match &self.tls {
            Some(config) => Connector::Rustls(config.clone()),
            None => Connector::Plain,
        };
        let handshake =
            tokio_tungstenite::client_async_tls_with_config(request, stream, Some(socket_config()), Some(connector));
        match tokio::time::timeout(super::CONNECT_TIMEOUT, handshake).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(WsError::Http(answer))) => {
                let status = answer.status().as_u16();
                Err(self.refusal(status, answer.body().as_deref().unwrap_or_default()))
            }
            Ok(Err(WsError::Io(error))) => Err(self.transport_error(&error)),
            Ok(Err(error)) => Err(unavailable(self.machine(), chain(&error))),
            Err(_) => Err(unavailable(self.machine(), "the WebSocket handshake timed out")),
        }
    }
}
