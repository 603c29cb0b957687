//! `GET /container/<id>/tunnel?port=P` (`tunnel`): a TCP byte stream to
//! port P of the container's own address over a WebSocket, for `ssh -L`
//! and the panel's proxies.
//!
//! The agent connects from the host to an address the container's managed
//! networks leased to its own MAC (`lxd::model::tunnel_address`; never
//! what root in the container claims; IPv4 before IPv6) *before* the
//! upgrade, so a container without an address (409 `no_address`) or a
//! port nobody listens on (502 `port_unreachable`) is a plain JSON error
//! and nothing is left open. The token's `bh` must bind the query (the
//! port). The path names the container and only its own address is ever
//! dialled: the caller chooses a port, never a host.
//!
//! Frames: binary both ways carry the stream's bytes (the agent's cut at
//! `max_frame_bytes`). From the client, the text `{"type":"eof"}` shuts
//! the connection's sending side down (the peer reads EOF, and may still
//! answer); any other text frame closes with 1008. When the peer ends the
//! connection (EOF) the agent closes the socket with 1000 once all it sent
//! is forwarded (1011 when the connection failed); when the client closes
//! first, or after the idle timeout or the lifetime, the connection is
//! closed.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessageStream, CloseCode, Session};
use bytes::Bytes;
use smp_proto::ErrorCode;
use smp_proto::api::{ContainerStatus, StreamControl, TunnelQuery};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::bridge::{Activity, ClientFrame, Gone, Outcome, next_client_frame, reason, send_frames, supervise, upgrade};
use super::terminal::{Limits, query};
use crate::auth::Authorized;
use crate::error::AgentError;
use crate::startup::AgentState;

/// How long the TCP connect to the container may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `tunnel`: finds the container's address, connects, then upgrades.
pub async fn tunnel(
    mut auth: Authorized,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AgentState>,
) -> Result<HttpResponse, AgentError> {
    let query: TunnelQuery = query(&request)?;
    let port = query.port().map_err(|message| AgentError::new(ErrorCode::InvalidRequest, message))?;
    let name = auth.container()?.clone();
    let (status, address) = state.lxd.tunnel_address(&name).await?;
    let Some(address) = address else {
        let message = if status == ContainerStatus::Running {
            format!("{name} has no address leased to it on a managed network yet (no DHCP lease?); retry in a moment")
        } else {
            format!("{name} is not running, so it has no address; start it first")
        };
        return Err(AgentError::new(ErrorCode::NoAddress, message));
    };
    let connection = connect(address, port).await.map_err(|message| {
        tracing::info!(instance = %name, %address, port, %message, "tunnel refused");
        AgentError::new(ErrorCode::PortUnreachable, format!("port {port} of {name}: {message}"))
    })?;
    let limits = Limits::of(&state);
    let run = move |connection, client, messages| bridge(connection, client, messages, limits);
    upgrade(
        &request,
        payload,
        limits,
        auth.take_session(),
        connection,
        run,
        |connection| async move { drop(connection) },
    )
}

/// Connects to `address`:`port`; the error says why not, readably.
async fn connect(address: IpAddr, port: u16) -> Result<TcpStream, String> {
    let connected = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(SocketAddr::new(address, port))).await;
    match connected {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err("connection refused (nothing listens there)".to_owned())
        }
        Ok(Err(error)) => Err(format!("cannot connect: {error}")),
        Err(_) => Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

async fn bridge(connection: TcpStream, client: Session, mut messages: AggregatedMessageStream, limits: Limits) {
    let (mut from_peer, mut to_peer) = connection.into_split();
    let activity = Activity::new();
    let mut pinger = client.clone();
    let input = pump_input(&mut messages, &mut to_peer, client.clone(), &activity);
    let output = pump_output(&mut from_peer, client.clone(), &activity, limits.frame);
    let outcome = supervise(input, output, &mut pinger, &activity, limits).await;
    let close = match outcome {
        Outcome::Done(Ok(())) => Some(CloseCode::Normal.into()),
        Outcome::Done(Err(error)) => Some(reason(CloseCode::Error, &format!("the connection failed: {error}"))),
        Outcome::Client(why) => why,
    };
    let _ = client.close(close).await;
    // Dropping both halves closes the connection.
}

/// The client's frames to the peer, until the client goes (`None`) or must
/// be closed (the reason).
async fn pump_input(
    messages: &mut AggregatedMessageStream,
    to_peer: &mut OwnedWriteHalf,
    mut client: Session,
    activity: &Activity,
) -> Option<actix_ws::CloseReason> {
    let mut shut = false;
    loop {
        match next_client_frame(messages, &mut client).await {
            Ok(ClientFrame::Data(bytes)) => {
                activity.touch();
                if shut {
                    return Some(reason(CloseCode::Policy, "data after eof: the sending side is shut down"));
                }
                if let Err(error) = to_peer.write_all(&bytes).await {
                    return Some(reason(CloseCode::Error, &format!("the connection failed: {error}")));
                }
            }
            Ok(ClientFrame::Control(StreamControl::Eof)) => {
                activity.touch();
                shut = true;
                let _ = to_peer.shutdown().await;
            }
            Ok(ClientFrame::Control(StreamControl::Signal { .. })) => {
                return Some(reason(CloseCode::Policy, "a tunnel takes no signal"));
            }
            Err(closed) => return closed,
        }
    }
}

/// The peer's bytes to the client until its EOF (`Ok`), or the read error.
async fn pump_output(
    from_peer: &mut OwnedReadHalf,
    mut client: Session,
    activity: &Activity,
    frame: usize,
) -> Result<Result<(), std::io::Error>, Gone> {
    let mut buffer = vec![0; frame];
    loop {
        match from_peer.read(&mut buffer).await {
            Ok(0) => return Ok(Ok(())),
            Ok(read) => {
                activity.touch();
                let bytes = Bytes::copy_from_slice(&buffer[..read]);
                send_frames(&mut client, None, &bytes, frame).await?;
            }
            Err(error) => return Ok(Err(error)),
        }
    }
}
