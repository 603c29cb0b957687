//! The SSH front end (issue 16, docs/ssh.md): one port for everyone, public
//! keys of the profile only, the SSH user naming the target.
//!
//! Authentication is decided in both of russh's hooks (the key offered and
//! the signature verified): the key's fingerprint must open an enabled,
//! approved account AND the SSH user must name a target she may use
//! (`app::ssh::authorize`); anything else is the same "Permission denied
//! (publickey)". Each refusal spends one attempt of its address in the
//! login limiter shared with the web login (an accepted key spends none, so
//! that scripts may connect often); an address whose allowance ran out is
//! shut out, the right key included, for `SHUT_OUT` after its last refused
//! attempt (`ShutOut`). Refusals are audited as anonymous refusals,
//! aggregated per address.
//!
//! A session channel runs a PTY shell through `app::terminals` (the same
//! sessions as the web terminal), or a command through the agent's
//! `exec-stream` route (with or without a pty-req: a command never gets a
//! PTY), and the `sftp` subsystem as the container's own `sftp-server`
//! command; `direct-tcpip` (`ssh -L`) goes to the container's port through
//! the agent's `tunnel` route. Remote forwards, agent forwarding, X11 and
//! other subsystems are refused. Flow control is russh's windows and the
//! bounded channels between the tasks: nothing is queued without bound.
//!
//! russh (0.65) opens a client's window again as soon as data arrives, and
//! when a channel's queue (`channel_buffer_size` messages) is full it stops
//! reading the whole connection, window adjustments included. So a client
//! that keeps sending input the command does not read while it does not
//! read the command's output would hang for ever: the command waits for the
//! client, the client's adjustments wait behind its input. Such a channel
//! is ended once neither side moved for `[ssh] stall_timeout_s`
//! (`write_unless_stalled`), with a message and the audit reason `stalled`.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Server, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelMsg, MethodKind, MethodSet};
use smp_proto::api::{STREAM_STDERR, STREAM_STDOUT, TerminalControl, clamp_terminal_size};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

mod member_shell;

use crate::app::Context;
use crate::app::anonymous::AnonymousRefusals;
use crate::app::ssh::{self as use_cases, Outcome, SshTarget, SshUser, StreamKind};
use crate::app::terminals::{CloseReason, Outbound};
use crate::db::DbPool;
use crate::domain::address::limit_key;

/// The `sftp` subsystem (`sftp`, and `scp` in its default SFTP mode): the
/// container's own `sftp-server`, run like a command, where it has one.
const SFTP_SERVER: &str = "for server in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server \
     /usr/lib/sftp-server /usr/libexec/sftp-server; do [ -x \"$server\" ] && exec \"$server\"; done; \
     echo 'smp: this container has no sftp-server (install openssh-sftp-server, or use scp -O or rsync)' >&2; exit 127";

/// Authentication attempts per connection.
pub const MAX_AUTH_ATTEMPTS: usize = 3;
/// Every refusal takes this long, whatever was refused.
pub const AUTH_REJECTION_TIME: Duration = Duration::from_secs(1);
/// A connection with no traffic for this long is closed.
pub const INACTIVITY_TIMEOUT: Duration = Duration::from_secs(3600);
/// Keepalives to the client (a dead one is dropped after 3 unanswered).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);

/// The host key: read from `path`, or made (ed25519) and written there
/// (0600, OpenSSH format) the first time.
pub fn host_key(path: &Path) -> Result<PrivateKey, String> {
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        return PrivateKey::from_openssh(text.as_bytes())
            .map_err(|error| format!("{} is no OpenSSH private key: {error}", path.display()));
    }
    let seed: [u8; 32] = rand::random();
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let text = key.to_openssh(LineEnding::LF).map_err(|error| format!("cannot encode the host key: {error}"))?;
    write_private(path, text.as_bytes()).map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The host key's `SHA256:…` fingerprint, as `ssh-keygen -lf` prints it.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

/// How long an address over its allowance stays shut out after its last
/// refused attempt: the login limiter's refill period.
pub const SHUT_OUT: Duration = Duration::from_secs(12);
/// Addresses remembered at once (the oldest ones are forgotten beyond).
const MAX_SHUT_OUT: usize = 10_000;

/// The addresses whose allowance ran out, until when they are shut out.
#[derive(Default)]
struct ShutOut(std::sync::Mutex<std::collections::HashMap<IpAddr, Instant>>);

impl ShutOut {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<IpAddr, Instant>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn contains(&self, address: IpAddr) -> bool {
        self.map().get(&limit_key(address)).is_some_and(|until| *until > Instant::now())
    }

    fn insert(&self, address: IpAddr) {
        let now = Instant::now();
        let mut map = self.map();
        if map.len() >= MAX_SHUT_OUT {
            map.retain(|_, until| *until > now);
        }
        if map.len() < MAX_SHUT_OUT {
            map.insert(limit_key(address), now + SHUT_OUT);
        }
    }
}

/// What every connection shares.
#[derive(Clone)]
pub struct Gateway {
    context: Arc<Context>,
    pool: DbPool,
    refusals: Arc<AnonymousRefusals>,
    shut_out: Arc<ShutOut>,
    /// `[ssh] stall_timeout_s`.
    stall_timeout: Duration,
}

impl Gateway {
    pub fn new(
        context: Arc<Context>,
        pool: DbPool,
        refusals: Arc<AnonymousRefusals>,
        stall_timeout: Duration,
    ) -> Gateway {
        Gateway { context, pool, refusals, shut_out: Arc::default(), stall_timeout }
    }

    /// Serves `listener` until the task is aborted.
    pub fn spawn(mut self, listener: TcpListener, key: PrivateKey) -> tokio::task::JoinHandle<()> {
        let config = russh::server::Config {
            server_id: russh::SshId::Standard("SSH-2.0-smp".into()),
            methods: MethodSet::from(&[MethodKind::PublicKey][..]),
            auth_rejection_time: AUTH_REJECTION_TIME,
            // OpenSSH clients open with a "none" request to learn the
            // methods: answered at once (the same for every user and key,
            // it tells nothing), or every ssh, scp and rsync would wait a
            // second before its key is even offered. Refusals of a key
            // still take AUTH_REJECTION_TIME.
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![key],
            max_auth_attempts: MAX_AUTH_ATTEMPTS,
            inactivity_timeout: Some(INACTIVITY_TIMEOUT),
            keepalive_interval: Some(KEEPALIVE_INTERVAL),
            keepalive_max: 3,
            nodelay: true,
            ..Default::default()
        };
        let config = Arc::new(config);
        tokio::spawn(async move {
            if let Err(error) = self.run_on_socket(config, &listener).await {
                tracing::error!(%error, "the SSH gateway stopped");
            }
        })
    }
}

impl Server for Gateway {
    type Handler = Connection;

    fn new_client(&mut self, peer: Option<std::net::SocketAddr>) -> Connection {
        Connection { gateway: self.clone(), peer: peer.map(|peer| peer.ip()), who: None }
    }
}

/// One SSH connection.
pub struct Connection {
    gateway: Gateway,
    peer: Option<IpAddr>,
    /// Once a signature verified: who, what the SSH user names, and that name.
    who: Option<(SshUser, SshTarget, String)>,
}

impl Connection {
    /// Whether `key` opens a target named `user` (see the module note).
    async fn decide(&mut self, user: &str, key: &russh::keys::PublicKey) -> Option<(SshUser, SshTarget)> {
        if self.peer.is_some_and(|peer| self.gateway.shut_out.contains(peer)) {
            use_cases::audit_refusal(&self.gateway.refusals, self.peer, user, true).await;
            return None;
        }
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        match use_cases::authorize(&self.gateway.context, &self.gateway.pool, &fingerprint, user).await {
            Ok(Some(found)) => Some(found),
            Ok(None) => {
                if !self.gateway.context.login_limiter.allow_address(self.peer)
                    && let Some(peer) = self.peer
                {
                    self.gateway.shut_out.insert(peer);
                }
                use_cases::audit_refusal(&self.gateway.refusals, self.peer, user, false).await;
                None
            }
            Err(error) => {
                tracing::warn!(%error, "cannot decide an SSH authentication");
                None
            }
        }
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        Ok(if self.decide(user, offer.public_key).await.is_some() { Auth::Accept } else { Auth::reject() })
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        let Some((who, target)) = self.decide(user, key.public_key).await else { return Ok(Auth::reject()) };
        if let Err(error) = crate::app::ssh_keys::record_use(&self.gateway.pool, who.key_id).await {
            tracing::warn!(%error, "cannot record an SSH key's use");
        }
        self.who = Some((who, target, user.to_owned()));
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some((who, target, ssh_user)) = self.who.clone() else { return Ok(()) };
        reply.accept().await;
        let gateway = self.gateway.clone();
        tokio::spawn(session_channel(gateway, who, target, ssh_user, channel));
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host: &str,
        port: u32,
        _: &str,
        _: u32,
        reply: ChannelOpenHandle,
        _: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping `reply` refuses the channel ("administratively prohibited").
        let Some((who, target, ssh_user)) = self.who.clone() else { return Ok(()) };
        let SshTarget::Container { name, .. } = &target else { return Ok(()) };
        let local = matches!(host, "localhost" | "127.0.0.1" | "::1") || host == name;
        let Some(port) = u16::try_from(port).ok().filter(|port| *port != 0 && local) else { return Ok(()) };
        let gateway = self.gateway.clone();
        let Ok(stream) =
            use_cases::open_stream(gateway.context.clone(), &gateway.pool, &who, &target, StreamKind::Tunnel(port))
                .await
        else {
            return Ok(());
        };
        reply.accept().await;
        tokio::spawn(async move {
            let started = Instant::now();
            let mut outcome = relay_stream(&gateway, &who, &target, stream.socket, channel, false).await;
            outcome.seconds = started.elapsed().as_secs();
            use_cases::audit_close(&gateway.pool, &who, &ssh_user, &target, &outcome).await;
        });
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _: &str,
        _: u32,
        _: u32,
        _: u32,
        _: u32,
        _: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if std::str::from_utf8(data).is_ok() {
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        }
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if name == "sftp" { session.channel_success(channel) } else { session.channel_failure(channel) }
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _: bool,
        _: &str,
        _: &str,
        _: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }
}

/// A session channel: waits for its shell or exec request, then relays.
async fn session_channel(
    gateway: Gateway,
    who: SshUser,
    target: SshTarget,
    ssh_user: String,
    mut channel: Channel<Msg>,
) {
    let mut pty: Option<(u16, u16)> = None;
    let mut sftp = false;
    let command = loop {
        match channel.wait().await {
            Some(ChannelMsg::RequestPty { col_width, row_height, .. }) => {
                pty = Some(pty_size(col_width, row_height));
            }
            Some(ChannelMsg::RequestShell { .. }) => break None,
            Some(ChannelMsg::Exec { command, .. }) => match String::from_utf8(command) {
                Ok(command) => break Some(command),
                Err(_) => return,
            },
            Some(ChannelMsg::RequestSubsystem { name, .. }) if name == "sftp" => {
                sftp = true;
                break Some(SFTP_SERVER.to_owned());
            }
            Some(ChannelMsg::RequestSubsystem { .. } | ChannelMsg::RequestX11 { .. }) => {}
            Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return,
            Some(_) => {}
        }
    };
    let refuse = |message: String| async {
        let _ = channel.extended_data_bytes(1, Bytes::from(message)).await;
        let _ = channel.exit_status(1).await;
        let _ = channel.eof().await;
        let _ = channel.close().await;
    };
    match &target {
        SshTarget::Ambiguous { name, machines } => {
            let choices: Vec<String> = machines.iter().map(|machine| format!("{name}.{machine}")).collect();
            refuse(format!(
                "smp: you have several containers named {name}; use <container>.<machine> as the SSH user: {}\r\n",
                choices.join(", ")
            ))
            .await;
            return;
        }
        SshTarget::MemberShell if sftp => {
            refuse("smp: the member shell has no files; sftp <container>@… for a container's\r\n".into()).await;
            return;
        }
        SshTarget::MemberShell => {
            member_shell::run(gateway, who, ssh_user, channel, command, pty).await;
            return;
        }
        SshTarget::Container { .. } | SshTarget::Join { .. } => {}
    }
    let started = Instant::now();
    let mut outcome = match command {
        Some(command) => {
            if matches!(target, SshTarget::Join { .. }) {
                refuse("smp: a shared session takes no command; ssh -t join-<session>@…\r\n".into()).await;
                return;
            }
            match use_cases::open_stream(
                gateway.context.clone(),
                &gateway.pool,
                &who,
                &target,
                StreamKind::Exec(command),
            )
            .await
            {
                Ok(stream) => relay_stream(&gateway, &who, &target, stream.socket, channel, true).await,
                Err(error) => {
                    refuse(format!("smp: {}\r\n", error.message)).await;
                    return;
                }
            }
        }
        None => {
            let what = if matches!(target, SshTarget::Join { .. }) { "join" } else { "shell" };
            use_cases::audit_open(&gateway.pool, &who, &ssh_user, &target, what).await;
            let (cols, rows) = pty.unwrap_or((80, 24));
            relay_terminal(&gateway, &who, &target, channel, cols, rows).await
        }
    };
    outcome.seconds = started.elapsed().as_secs();
    use_cases::audit_close(&gateway.pool, &who, &ssh_user, &target, &outcome).await;
}

/// A PTY shell or a shared session, relayed until either side ends.
async fn relay_terminal(
    gateway: &Gateway,
    who: &SshUser,
    target: &SshTarget,
    channel: Channel<Msg>,
    cols: u16,
    rows: u16,
) -> Outcome {
    let mut outcome = Outcome { reason: "exited", ..Outcome::default() };
    let opened = use_cases::open_terminal(gateway.context.clone(), &gateway.pool, who, target, cols, rows).await;
    let (mut reader, writer) = channel.split();
    let mut attachment = match opened {
        Ok(attachment) => attachment,
        Err((reason, message)) => {
            let _ = writer.extended_data_bytes(1, Bytes::from(format!("smp: {message}\r\n"))).await;
            let _ = writer.exit_status(255).await;
            let _ = writer.eof().await;
            let _ = writer.close().await;
            outcome.reason = reason.as_str();
            return outcome;
        }
    };
    let private = matches!(target, SshTarget::Container { .. });
    let mut typing: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> = None;
    let typing_since = Waiting::default();
    let mut stalled = false;
    // After the client's EOF (a piped script ended) the shell runs on: its
    // output and exit status still come.
    let mut input_open = true;
    let ended = loop {
        tokio::select! {
            () = async { if let Some(typed) = typing.as_mut() { typed.await } }, if typing.is_some() => {
                typing = None;
                typing_since.stop();
            }
            message = reader.wait(), if typing.is_none() => match message {
                Some(ChannelMsg::Data { data }) if input_open => {
                    outcome.bytes_in += data.len() as u64;
                    typing = Some(Box::pin(attachment.input(data)));
                    typing_since.start();
                }
                Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                    let (cols, rows) = pty_size(col_width, row_height);
                    let (cols, rows) = (u32::from(cols), u32::from(rows));
                    attachment.control(TerminalControl::Resize { cols, rows }).await;
                }
                Some(ChannelMsg::Eof) => input_open = false,
                Some(ChannelMsg::Close) | None => break None,
                Some(_) => {}
            },
            outbound = attachment.next() => match outbound {
                Ok(Outbound::Output(bytes)) => {
                    outcome.bytes_out += bytes.len() as u64;
                    match write_unless_stalled(writer.data_bytes(bytes), &typing_since, gateway.stall_timeout).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => break None,
                        Err(Stalled) => {
                            stalled = true;
                            break None;
                        }
                    }
                }
                Ok(Outbound::Control(text)) => {
                    if let Some(code) = exit_code(&text) {
                        outcome.exit = Some(code);
                    }
                }
                Err(reason) => break Some(reason),
            },
        }
    };
    // Whatever the client still sends is no longer read: russh's loop must
    // not wait for it while the last words below wait for its window.
    drop(typing);
    drop(reader);
    let last_words = match ended {
        _ if stalled => {
            outcome.reason = "stalled";
            Some(stalled_message(gateway.stall_timeout))
        }
        None => {
            outcome.reason = "client_closed";
            None
        }
        Some(CloseReason::Exited) => None,
        Some(reason) => {
            outcome.reason = reason.as_str();
            Some(format!("\r\nsmp: {}\r\n", reason.message()))
        }
    };
    if let Some(words) = last_words {
        let _ = tokio::time::timeout(LAST_WORDS_WAIT, writer.data_bytes(Bytes::from(words))).await;
    }
    // Her own private shell ends with her connection (no grace period: ssh has no reload).
    if private && let Some(hub) = gateway.context.terminals.get(&attachment.session) {
        drop(attachment);
        hub.end(CloseReason::Ended).await;
    }
    let status = outcome.exit.unwrap_or(255);
    let _ = writer.exit_status(status).await;
    let _ = writer.eof().await;
    let _ = writer.close().await;
    outcome
}

/// How long the last words to a client (why its session ended) may wait for its window.
const LAST_WORDS_WAIT: Duration = Duration::from_secs(10);

/// How often a write waiting for the client's window looks for a stall.
const STALL_CHECK_EVERY: Duration = Duration::from_millis(500);

/// Since when one side of a channel waits to hand its input on (to the
/// agent's socket or the terminal); nobody waits: `None`.
#[derive(Default)]
struct Waiting(std::sync::Mutex<Option<Instant>>);

impl Waiting {
    fn since(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn start(&self) {
        *self.since() = Some(Instant::now());
    }

    fn stop(&self) {
        *self.since() = None;
    }

    fn longer_than(&self, limit: Duration) -> bool {
        self.since().is_some_and(|since| since.elapsed() >= limit)
    }
}

/// A channel on which neither side moved for `[ssh] stall_timeout_s` (see the module note).
#[derive(Debug)]
struct Stalled;

/// Awaits `write` (to the client, waiting for its window), unless it has
/// waited `limit` while the client's input has waited as long to be taken
/// (`input`): the channel then stalled for good (see the module note).
async fn write_unless_stalled<T>(
    write: impl std::future::Future<Output = T>,
    input: &Waiting,
    limit: Duration,
) -> Result<T, Stalled> {
    let started = Instant::now();
    let mut write = std::pin::pin!(write);
    loop {
        match tokio::time::timeout(STALL_CHECK_EVERY, &mut write).await {
            Ok(written) => return Ok(written),
            Err(_) if started.elapsed() >= limit && input.longer_than(limit) => return Err(Stalled),
            Err(_) => {}
        }
    }
}

fn stalled_message(limit: Duration) -> String {
    format!(
        "\r\nsmp: this session stalled and was ended: for {} s the client kept sending input the command did not \
         read, while it did not read the command's output (see \"Flow control\" in docs/ssh.md)\r\n",
        limit.as_secs()
    )
}

/// A PTY's size from the client: 0 means unknown (`ssh -tt` from a pipe), taken as 80×24.
fn pty_size(cols: u32, rows: u32) -> (u16, u16) {
    let or = |size: u32, default: u32| clamp_terminal_size(if size == 0 { default } else { size });
    (or(cols, 80), or(rows, 24))
}

/// `{"type":"exit","code":N}`'s code.
fn exit_code(text: &str) -> Option<u32> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    if value.get("type")? != "exit" {
        return None;
    }
    let code = value.get("code")?.as_i64()?;
    Some(u32::try_from(code).unwrap_or(255))
}

/// Bytes per frame to the agent (below its 64 KiB frames).
const MAX_FRAME_TO_AGENT: usize = 32 * 1024;

/// How often a stream's rights are asked again without a change of the audit log.
const STREAM_RIGHTS_EVERY: Duration = Duration::from_secs(60);

/// A command (`exec`: frames prefixed by their stream) or a tunnel, relayed
/// both ways until the agent closes, or until her rights end (her key
/// deleted, her account disabled, the container no longer hers: asked
/// again whenever the audit log moves, as terminals do); its exit status
/// to the channel.
async fn relay_stream(
    gateway: &Gateway,
    who: &SshUser,
    target: &SshTarget,
    socket: use_cases::AgentSocket,
    channel: Channel<Msg>,
    exec: bool,
) -> Outcome {
    let mut outcome = Outcome { reason: "exited", ..Outcome::default() };
    let (mut sink, mut stream) = socket.split();
    let (mut reader, writer) = channel.split();
    let (counted_in, mut counted_in_receiver) = tokio::sync::watch::channel(0u64);
    let sending_since = Arc::new(Waiting::default());
    let sending = sending_since.clone();
    // The channel's bytes to the agent: one bounded step at a time (the
    // socket's buffer), so a slow command slows the client through russh.
    let inbound = tokio::spawn(async move {
        let mut total = 0u64;
        loop {
            match reader.wait().await {
                Some(ChannelMsg::Data { data }) => {
                    total += data.len() as u64;
                    counted_in.send_replace(total);
                    sending.start();
                    for chunk in data.chunks(MAX_FRAME_TO_AGENT) {
                        if sink.send(Message::Binary(Bytes::copy_from_slice(chunk))).await.is_err() {
                            return;
                        }
                    }
                    sending.stop();
                }
                Some(ChannelMsg::Eof) => {
                    let _ = sink.send(Message::Text(r#"{"type":"eof"}"#.into())).await;
                }
                Some(ChannelMsg::Close) | None => {
                    let _ = sink.send(Message::Close(None)).await;
                    return;
                }
                Some(_) => {}
            }
        }
    });
    let mut rights = gateway.context.terminals.rights_changes();
    rights.mark_unchanged();
    let mut rights_open = true;
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + STREAM_RIGHTS_EVERY, STREAM_RIGHTS_EVERY);
    loop {
        let ask = tokio::select! {
            frame = stream.next() => Err(frame),
            changed = rights.changed(), if rights_open => {
                rights_open = changed.is_ok();
                Ok(())
            }
            _ = recheck.tick() => Ok(()),
        };
        let frame = match ask {
            Err(frame) => frame,
            Ok(()) if use_cases::stream_still_allowed(&gateway.pool, who, target).await => continue,
            Ok(()) => {
                outcome.reason = "rights_ended";
                let told = format!("\r\nsmp: {}\r\n", CloseReason::RightsEnded.message());
                let _ = writer.extended_data_bytes(1, Bytes::from(told)).await;
                break;
            }
        };
        let Some(frame) = frame else { break };
        let stall = gateway.stall_timeout;
        let sent = match frame {
            Ok(Message::Binary(bytes)) if exec => match bytes.first() {
                Some(&STREAM_STDOUT) => {
                    outcome.bytes_out += bytes.len() as u64 - 1;
                    write_unless_stalled(writer.data_bytes(bytes.slice(1..)), &sending_since, stall).await
                }
                Some(&STREAM_STDERR) => {
                    outcome.bytes_out += bytes.len() as u64 - 1;
                    write_unless_stalled(writer.extended_data_bytes(1, bytes.slice(1..)), &sending_since, stall).await
                }
                _ => Ok(Ok(())),
            },
            Ok(Message::Binary(bytes)) => {
                outcome.bytes_out += bytes.len() as u64;
                write_unless_stalled(writer.data_bytes(bytes), &sending_since, stall).await
            }
            Ok(Message::Text(text)) => {
                if let Some(code) = exit_code(&text) {
                    outcome.exit = Some(code);
                }
                Ok(Ok(()))
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => Ok(Ok(())),
        };
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                outcome.reason = "client_closed";
                break;
            }
            Err(Stalled) => {
                outcome.reason = "stalled";
                break;
            }
        }
    }
    // Dropping the channel's reader lets russh's loop go on (see the module note).
    inbound.abort();
    let _ = inbound.await;
    if outcome.reason == "stalled" {
        let words = Bytes::from(stalled_message(gateway.stall_timeout));
        let _ = tokio::time::timeout(LAST_WORDS_WAIT, writer.extended_data_bytes(1, words)).await;
    }
    outcome.bytes_in = *counted_in_receiver.borrow_and_update();
    if exec {
        let _ = writer.exit_status(outcome.exit.unwrap_or(255)).await;
    }
    let _ = writer.eof().await;
    let _ = writer.close().await;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn the_host_key_is_made_once_private_to_the_panel_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smp-panel.ssh_host_ed25519_key");
        let made = host_key(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        let again = host_key(&path).unwrap();
        assert_eq!(fingerprint(&made), fingerprint(&again), "a restart keeps the key");
        assert!(fingerprint(&made).starts_with("SHA256:"));
    }

    #[test]
    fn a_pty_of_unknown_size_is_80_by_24_and_an_exit_message_gives_its_code() {
        assert_eq!(pty_size(0, 0), (80, 24));
        assert_eq!(pty_size(132, 43), (132, 43));
        assert_eq!(exit_code(r#"{"type":"exit","code":7}"#), Some(7));
        assert_eq!(exit_code(r#"{"type":"size","cols":80,"rows":24}"#), None);
    }
}
