//! Calling agents (issue 4, item 6): `AgentClient` talks to one machine's
//! agent, minting one operation token per request (PROTOCOL.md) bound to the
//! action, container, service and body, and retrying exactly once with a
//! fresh token when the agent answers 401 `token_predates_agent` (a token
//! minted in the second the agent started).
//!
//! TLS is pinned by the SHA-256 fingerprint of the agent's certificate (see
//! `pinning`: no CA, no hostname check, the fingerprint is the identity);
//! plain HTTP only for loopback `http://` URLs, which `machine add` enforces.

use std::sync::Arc;
use std::time::Duration;

use rand::RngCore as _;
use reqwest::Method;
use secrecy::ExposeSecret as _;
use serde::de::DeserializeOwned;
use smp_proto::action::Action;
use smp_proto::api::{
    ContainerEvent, ContainerList, ContainerState, CreateRequest, ExecAnswer, ExecRequest, Health, ImageList,
    LifecycleAnswer, LogSource, LogsAnswer, LogsQuery, ServiceActionAnswer, ServiceList, ServiceLogsAnswer,
    ServiceLogsQuery, ServiceState, Snapshot, SnapshotAnswer, SnapshotList, SnapshotRequest, StopRequest, UpdateAnswer,
    UpdateRequest,
};
use smp_proto::config_policy::Tier;
use smp_proto::error::{ErrorBody, ErrorCode};
use smp_proto::network::{AddressAnswer, AddressRequest, ForwardsAnswer, ForwardsList, ForwardsRequest, NetworkList};
use smp_proto::token::{Claims, SharedKey, TokenOrder, body_hash, jti_from_random, mint_operation_token};

use crate::agents::call_limit::CallPermit;
use crate::agents::pinning::{self, Fingerprint, PinnedVerifier};
use crate::agents::url::AgentUrl;
use crate::db::machines::Machine;
use crate::domain::secrets::{PanelKey, SecretsError};

/// Lifetime of every token the panel mints.
pub const TOKEN_TTL_S: i64 = 30;
/// How long one request may take (exec and stop have their own timeouts on
/// the agent, at most 600 s, plus some slack).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(660);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from an agent (an exec's two capped streams,
/// JSON-escaped, fit many times over).
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;
/// The largest server-sent event read from an agent's `/events`.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// Who is acting: the token's `sub`, and the tier its claims ask for
/// (`policy::agent_tier` decides it for people). A person's caller holds one
/// of her slots of calls in flight (`CallLimiter`) until it is dropped.
#[derive(Debug)]
pub struct Caller {
    pub username: String,
    pub tier: Tier,
    _slot: Option<CallPermit>,
}

impl Caller {
    /// A caller that holds no slot: the panel itself, and tests.
    pub fn new(subject: &str, tier: Tier) -> Caller {
        Caller { username: subject.to_owned(), tier, _slot: None }
    }

    /// The panel itself (the sync, a key rotation's check): member tier, no slot.
    pub fn system(subject: &str) -> Caller {
        Caller::new(subject, Tier::Member)
    }

    /// A person acting with `tier`, holding `slot` for as long as the caller lives.
    pub fn person(username: String, tier: Tier, slot: CallPermit) -> Caller {
        Caller { username, tier, _slot: Some(slot) }
    }
}

/// Why a call to an agent failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentCallError {
    /// The agent could not be reached (refused, reset, timed out, DNS).
    #[error("unavailable: the agent of machine {machine:?} cannot be reached: {message}")]
    Unavailable { machine: String, message: String },
    /// The request was sent but its answer never came whole (the agent died,
    /// the connection broke, the panel's timeout passed): it may have been
    /// done, and only LXD's state can tell.
    #[error("answer_lost: the agent of machine {machine:?} took the request but its answer was lost: {message}")]
    AnswerLost { machine: String, message: String },
    /// The agent presented a certificate other than the pinned one; nothing was sent.
    #[error("fingerprint_mismatch: machine {machine:?}: {message}")]
    FingerprintMismatch { machine: String, message: String },
    /// The agent answered with its error JSON; `status` kept as it came
    /// (4xx: the request; 502: LXD failed; 503: LXD unreachable; 504: timeout).
    #[error("agent of machine {machine:?} answered {status} {code}: {message}")]
    Agent { machine: String, status: u16, code: ErrorCode, message: String },
    /// The agent answered something that is not what the protocol says.
    #[error("agent of machine {machine:?} answered {status} with an unexpected body: {message}")]
    BadAnswer { machine: String, status: u16, message: String },
    /// The call could not be made into a token (bad name, wrong action shape).
    #[error("invalid call: {0}")]
    InvalidCall(String),
    #[error(transparent)]
    Secret(#[from] SecretsError),
}

impl AgentCallError {
    /// The stable code for the panel's own answers and audit log.
    pub fn code(&self) -> &str {
        match self {
            AgentCallError::Unavailable { .. } => "unavailable",
            AgentCallError::AnswerLost { .. } => "answer_lost",
            AgentCallError::FingerprintMismatch { .. } => "fingerprint_mismatch",
            AgentCallError::Agent { code, .. } => code.as_str(),
            AgentCallError::BadAnswer { .. } => "bad_agent_answer",
            AgentCallError::InvalidCall(_) => "invalid_request",
            AgentCallError::Secret(_) => "internal",
        }
    }

    /// 401 `token_predates_agent`: the token was minted in the second the
    /// agent started; one retry with a fresh token is due.
    pub fn predates_agent(&self) -> bool {
        matches!(self, AgentCallError::Agent { status: 401, code: ErrorCode::TokenPredatesAgent, .. })
    }

    /// Whether the call may have been done although it failed: sent with its
    /// answer lost, or LXD past its timeout (504; LXD may still finish).
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, AgentCallError::AnswerLost { .. } | AgentCallError::Agent { status: 504, .. })
    }

    /// The HTTP status the agent answered, if it answered.
    pub fn agent_status(&self) -> Option<u16> {
        match self {
            AgentCallError::Agent { status, .. } | AgentCallError::BadAnswer { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A client for one machine's agent.
pub struct AgentClient {
    machine: String,
    pub(super) base_url: String,
    issuer: String,
    key: SharedKey,
    http: reqwest::Client,
    /// The pinned TLS configuration of an `https://` agent (the WebSocket
    /// routes connect with it); `None` for a loopback `http://` one.
    pub(super) tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for AgentClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AgentClient")
            .field("machine", &self.machine)
            .field("base_url", &self.base_url)
            .field("issuer", &self.issuer)
            .field("key_id", &self.key.id())
            .finish_non_exhaustive()
    }
}

pub(super) fn unavailable(machine: &str, message: impl Into<String>) -> AgentCallError {
    AgentCallError::Unavailable { machine: machine.to_owned(), message: message.into() }
}

/// The whole chain of an error (`a: b: c`), for matching the pin marker and
/// for messages.
pub(super) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl AgentClient {
    /// A client for `machine`, its current key decrypted with the panel key;
    /// `instance` is this panel's instance id (`Config::instance`).
    pub fn for_machine(machine: &Machine, key: &PanelKey, instance: &str) -> Result<AgentClient, AgentCallError> {
        let secret = machine.decrypt_secret(key)?;
        let pin = match machine.fingerprint.as_deref() {
            Some(text) => {
                Some(Fingerprint::parse(text).map_err(|error| AgentCallError::InvalidCall(error.to_string()))?)
            }
            None => None,
        };
        AgentClient::new(
            machine.name.as_str(),
            &machine.url,
            SharedKey::new(machine.key_id.clone(), secret.expose_secret()),
            pin,
            instance,
        )
    }

    /// A client for the agent at `url`: `https://` needs `pin`; `http://`
    /// must be a loopback host (checked again here, not only at `machine add`).
    pub fn new(
        machine: &str,
        url: &str,
        key: SharedKey,
        pin: Option<Fingerprint>,
        instance: &str,
    ) -> Result<AgentClient, AgentCallError> {
        let parsed = AgentUrl::parse(url).map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
        let builder = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT).timeout(REQUEST_TIMEOUT);
        let tls = if parsed.https {
            let pin = pin.ok_or_else(|| {
                AgentCallError::InvalidCall(format!(
                    "machine {machine:?} has an https:// URL but no pinned fingerprint"
                ))
            })?;
            let config = pinning::client_config(Arc::new(PinnedVerifier::new(Some(pin))))
                .map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
            Some(Arc::new(config))
        } else {
            None
        };
        let builder = match &tls {
            Some(config) => builder.use_preconfigured_tls(rustls::ClientConfig::clone(config)),
            None => builder,
        };
        let http = builder.build().map_err(|error| AgentCallError::InvalidCall(chain(&error)))?;
        Ok(AgentClient {
            machine: machine.to_owned(),
            base_url: url.trim_end_matches('/').to_owned(),
            issuer: format!("smp-panel:{instance}"),
            key,
            http,
            tls,
        })
    }

    pub fn machine(&self) -> &str {
        &self.machine
    }

    /// A fresh token for one request.
    pub(super) fn mint(&self, caller: &Caller, call: &Call<'_>, body: Option<&[u8]>) -> Result<String, AgentCallError> {
        let order = TokenOrder {
            action: call.action,
            container: call.container,
            service: call.service,
            snapshot: call.snapshot,
            ttl_s: Some(TOKEN_TTL_S),
            subject: &caller.username,
            admin: caller.tier >= Tier::Admin,
            // Only the actions that carry configuration ask for the host tier.
            host: caller.tier == Tier::Host && matches!(call.action, Action::Create | Action::Update),
            uid: call.uid.map(str::to_owned),
            body_hash: body.map(body_hash),
        };
        let mut random = [0u8; 18];
        rand::rng().fill_bytes(&mut random);
        let claims: Claims = order
            .claims(&self.issuer, &self.machine, TOKEN_TTL_S, crate::db::unix_now(), jti_from_random(&random))
            .map_err(|rejection| AgentCallError::InvalidCall(rejection.to_string()))?;
        mint_operation_token(&self.key, &claims).map_err(|error| AgentCallError::InvalidCall(error.to_string()))
    }

    /// Sends one authorized request: a fresh token per attempt, one retry
    /// with a fresh token on 401 `token_predates_agent`. A 2xx answer is
    /// returned unread (the event stream reads it as it comes); anything
    /// else becomes a typed error.
    async fn send(&self, caller: &Caller, call: &Call<'_>) -> Result<reqwest::Response, AgentCallError> {
        let (method, path) = call.route()?;
        let body = call
            .body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
        let mut url = format!("{}{path}", self.base_url);
        if let Some(query) = call.query {
            url.push('?');
            url.push_str(query);
        }
        let mut retried = false;
        loop {
            let token = self.mint(caller, call, body.as_deref())?;
            let mut request =
                self.http.request(method.clone(), &url).bearer_auth(token).header("X-SMP-Key-Id", self.key.id());
            if let Some(body) = &body {
                request = request.header("content-type", "application/json").body(body.clone());
            }
            let answer = request.send().await.map_err(|error| self.send_error(&error))?;
            let status = answer.status().as_u16();
            if (200..300).contains(&status) {
                return Ok(answer);
            }
            let bytes = self.read_bounded(answer, status).await?;
            let error = self.refusal(status, &bytes);
            if error.predates_agent() && !retried {
                retried = true;
                continue;
            }
            return Err(error);
        }
    }

    /// The typed error of a non-2xx answer: the agent's error JSON, or a bad answer.
    pub(super) fn refusal(&self, status: u16, bytes: &[u8]) -> AgentCallError {
        match serde_json::from_slice::<ErrorBody>(bytes) {
            Ok(body) => AgentCallError::Agent {
                machine: self.machine.clone(),
                status,
                code: body.error.code,
                message: body.error.message,
            },
            Err(_) => AgentCallError::BadAnswer {
                machine: self.machine.clone(),
                status,
                message: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
            },
        }
    }

    /// One authorized call (see `send`), its JSON answer parsed as `T`.
    pub async fn call<T: DeserializeOwned>(&self, caller: &Caller, call: &Call<'_>) -> Result<T, AgentCallError> {
        let answer = self.send(caller, call).await?;
        let status = answer.status().as_u16();
        let bytes = self.read_bounded(answer, status).await?;
        serde_json::from_slice(&bytes).map_err(|error| AgentCallError::BadAnswer {
            machine: self.machine.clone(),
            status,
            message: error.to_string(),
        })
    }

    /// `call` with `request` as its JSON body.
    async fn call_with_body<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        call: Call<'_>,
        request: &impl serde::Serialize,
    ) -> Result<T, AgentCallError> {
        let body = serde_json::to_value(request).map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
        self.call(caller, &call.body(&body)).await
    }

    /// The whole body of `answer`, refused past `MAX_ANSWER_BYTES`: a
    /// compromised host cannot make the panel, which serves every machine,
    /// run out of memory.
    async fn read_bounded(&self, mut answer: reqwest::Response, status: u16) -> Result<Vec<u8>, AgentCallError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|error| self.lost(&error))? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(AgentCallError::BadAnswer {
                    machine: self.machine.clone(),
                    status,
                    message: format!("an answer larger than {MAX_ANSWER_BYTES} bytes"),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// A request that failed: not sent when no connection was made (or the
    /// pin refused the agent), else sent with its answer lost.
    fn send_error(&self, error: &reqwest::Error) -> AgentCallError {
        if error.is_connect() { self.transport_error(error) } else { self.lost(error) }
    }

    fn lost(&self, error: &(dyn std::error::Error + 'static)) -> AgentCallError {
        AgentCallError::AnswerLost { machine: self.machine.clone(), message: chain(error) }
    }

    pub(super) fn transport_error(&self, error: &(dyn std::error::Error + 'static)) -> AgentCallError {
        let text = chain(error);
        if text.contains(pinning::MISMATCH_MARKER) {
            AgentCallError::FingerprintMismatch { machine: self.machine.clone(), message: text }
        } else {
            unavailable(&self.machine, text)
        }
    }

    /// `GET /events`, open: read it with `EventStream::next`.
    pub async fn events(&self, caller: &Caller) -> Result<EventStream, AgentCallError> {
        let response = self.send(caller, &Call::new(Action::Events)).await?;
        Ok(EventStream { response, buffer: Vec::new(), machine: self.machine.clone() })
    }

    /// `GET /health` (no token).
    pub async fn health(&self) -> Result<Health, AgentCallError> {
        let answer = self
            .http
            .get(format!("{}/health", self.base_url))
            .send()
            .await
            .map_err(|error| self.transport_error(&error))?;
        let status = answer.status().as_u16();
        answer.json().await.map_err(|error| AgentCallError::BadAnswer {
            machine: self.machine.clone(),
            status,
            message: chain(&error),
        })
    }

    pub async fn list(&self, caller: &Caller) -> Result<ContainerList, AgentCallError> {
        self.call(caller, &Call::new(Action::List)).await
    }

    pub async fn start(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
    ) -> Result<LifecycleAnswer, AgentCallError> {
        self.call(caller, &Call::new(Action::Start).container(container)).await
    }

    /// `stop` or `restart` (`action`), with the stop request as the body.
    pub async fn stop_or_restart(
        &self,
        caller: &Caller,
        action: Action,
        container: impl Into<Instance<'_>>,
        request: &StopRequest,
    ) -> Result<LifecycleAnswer, AgentCallError> {
        self.call_with_body(caller, Call::new(action).container(container), request).await
    }

    pub async fn state(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
    ) -> Result<ContainerState, AgentCallError> {
        self.call(caller, &Call::new(Action::State).container(container)).await
    }

    pub async fn exec(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        request: &ExecRequest,
    ) -> Result<ExecAnswer, AgentCallError> {
        self.call_with_body(caller, Call::new(Action::Exec).container(container), request).await
    }

    pub async fn logs(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        query: &LogsQuery,
    ) -> Result<LogsAnswer, AgentCallError> {
        let source = match query.source {
            LogSource::Console => "console",
            LogSource::Lxc => "lxc",
        };
        let mut text = format!("source={source}");
        if let Some(lines) = query.lines {
            text.push_str(&format!("&lines={lines}"));
        }
        self.call(caller, &Call::new(Action::Logs).container(container).query(&text)).await
    }
}

impl AgentClient {
    /// `create` (and start, if asked): the token's `ctr` is the new name.
    pub async fn create(&self, caller: &Caller, request: &CreateRequest) -> Result<LifecycleAnswer, AgentCallError> {
        self.call_with_body(caller, Call::new(Action::Create).container(&request.name), request).await
    }

    /// `update`: configuration keys merged in (`""` removes one), and the root disk's size.
    pub async fn update(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        request: &UpdateRequest,
    ) -> Result<UpdateAnswer, AgentCallError> {
        self.call_with_body(caller, Call::new(Action::Update).container(container), request).await
    }

    /// `delete`, stopping the container first if it runs.
    pub async fn delete(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
    ) -> Result<LifecycleAnswer, AgentCallError> {
        self.call(caller, &Call::new(Action::Delete).container(container)).await
    }

    /// `images`: the aliases the caller may create from (members: the agent's `member_images`).
    pub async fn images(&self, caller: &Caller) -> Result<ImageList, AgentCallError> {
        self.call(caller, &Call::new(Action::Images)).await
    }
}

impl AgentClient {
    /// `network.list`: the networks the agent may touch, with their leases.
    pub async fn networks(&self, caller: &Caller) -> Result<NetworkList, AgentCallError> {
        self.call(caller, &Call::new(Action::NetworkList)).await
    }

    /// `address`: the container's static address on a network (null: back to DHCP).
    pub async fn set_address(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        request: &AddressRequest,
    ) -> Result<AddressAnswer, AgentCallError> {
        self.call_with_body(caller, Call::new(Action::Address).container(container), request).await
    }

    /// `forward.list`: the host ports forwarded to the container, per network.
    pub async fn forwards(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
    ) -> Result<ForwardsList, AgentCallError> {
        self.call(caller, &Call::new(Action::ForwardList).container(container)).await
    }

    /// `forward.set`: the container's whole set of forwards on a network.
    pub async fn set_forwards(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        request: &ForwardsRequest,
    ) -> Result<ForwardsAnswer, AgentCallError> {
        self.call_with_body(caller, Call::new(Action::ForwardSet).container(container), request).await
    }
}

impl AgentClient {
    /// `snapshot.list`: the container's snapshots, oldest first.
    pub async fn snapshots(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
    ) -> Result<SnapshotList, AgentCallError> {
        self.call(caller, &Call::new(Action::SnapshotList).container(container)).await
    }

    /// `snapshot.create`: the token's `snap` is the new snapshot's name.
    pub async fn take_snapshot(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        request: &SnapshotRequest,
    ) -> Result<Snapshot, AgentCallError> {
        let call = Call::new(Action::SnapshotCreate).container(container).snapshot(&request.name);
        self.call_with_body(caller, call, request).await
    }

    /// `snapshot.restore`: the container back to `snapshot` (a running one is stopped and started again).
    pub async fn restore_snapshot(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        snapshot: &str,
    ) -> Result<SnapshotAnswer, AgentCallError> {
        self.call(caller, &Call::new(Action::SnapshotRestore).container(container).snapshot(snapshot)).await
    }

    /// `snapshot.delete`.
    pub async fn delete_snapshot(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        snapshot: &str,
    ) -> Result<SnapshotAnswer, AgentCallError> {
        self.call(caller, &Call::new(Action::SnapshotDelete).container(container).snapshot(snapshot)).await
    }
}

impl AgentClient {
    /// The container's systemd services (`service.list`).
    pub async fn services(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
    ) -> Result<ServiceList, AgentCallError> {
        self.call(caller, &Call::new(Action::ServiceList).container(container)).await
    }

    /// `service.start`, `service.stop` or `service.restart` (`action`) of `unit`.
    pub async fn service_action(
        &self,
        caller: &Caller,
        action: Action,
        container: impl Into<Instance<'_>>,
        unit: &str,
    ) -> Result<ServiceActionAnswer, AgentCallError> {
        self.call(caller, &Call::new(action).container(container).service(unit)).await
    }

    pub async fn service_state(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        unit: &str,
    ) -> Result<ServiceState, AgentCallError> {
        self.call(caller, &Call::new(Action::ServiceState).container(container).service(unit)).await
    }

    pub async fn service_logs(
        &self,
        caller: &Caller,
        container: impl Into<Instance<'_>>,
        unit: &str,
        query: &ServiceLogsQuery,
    ) -> Result<ServiceLogsAnswer, AgentCallError> {
        let mut text = url::form_urlencoded::Serializer::new(String::new());
        if let Some(lines) = query.lines {
            text.append_pair("lines", &lines.to_string());
        }
        if let Some(since) = &query.since {
            text.append_pair("since", since);
        }
        let text = text.finish();
        let call = Call::new(Action::ServiceLogs).container(container).service(unit);
        self.call(caller, &if text.is_empty() { call } else { call.query(&text) }).await
    }
}

/// Why a new machine's agent is not the one it claims to be.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "the agent at {url} is machine {found:?} (its config's `machine`); add it under that name, since the agent refuses tokens for any other"
    )]
    OtherName { url: String, found: String },
    #[error(
        "the agent at {url} presented a certificate with another fingerprint; check it with `smp-agent fingerprint` on the machine"
    )]
    OtherCertificate { url: String },
}

impl AgentClient {
    /// Asks the agent's `/health` whether it is machine `self.machine()`:
    /// tokens carry the machine name as their audience, so an agent
    /// configured with another name would refuse every one. An agent that
    /// cannot be reached now passes (the sync reports it later).
    pub async fn confirm_identity(&self) -> Result<(), IdentityError> {
        match self.health().await {
            Ok(health) if health.machine != self.machine => {
                Err(IdentityError::OtherName { url: self.base_url.clone(), found: health.machine })
            }
            Err(AgentCallError::FingerprintMismatch { .. }) => {
                Err(IdentityError::OtherCertificate { url: self.base_url.clone() })
            }
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::warn!(%error, machine = %self.machine, "cannot ask the new machine's agent who it is; adding it anyway");
                Ok(())
            }
        }
    }
}

/// A container as a call names it: its LXD name and, once the panel knows
/// it, its LXD `volatile.uuid`, which the token binds (`uid`) so that it
/// never acts on another container made under the same name.
#[derive(Debug, Clone, Copy)]
pub struct Instance<'a> {
    pub name: &'a str,
    pub uuid: Option<&'a str>,
}

impl<'a> From<&'a str> for Instance<'a> {
    /// A container known by its name only (the sync, tests).
    fn from(name: &'a str) -> Instance<'a> {
        Instance { name, uuid: None }
    }
}

impl<'a> From<&'a String> for Instance<'a> {
    fn from(name: &'a String) -> Instance<'a> {
        Instance::from(name.as_str())
    }
}

/// One request to an agent: the action, what it is bound to, and its query
/// and body (the token binds the body's hash).
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub action: Action,
    pub container: Option<&'a str>,
    /// The container's `volatile.uuid`, when known (the `uid` claim).
    pub uid: Option<&'a str>,
    pub service: Option<&'a str>,
    /// The snapshot of `snapshot.create` (the body's name), `.restore` and `.delete`.
    pub snapshot: Option<&'a str>,
    /// Appended as is (`lines=10`).
    pub query: Option<&'a str>,
    pub body: Option<&'a serde_json::Value>,
}

impl<'a> Call<'a> {
    pub fn new(action: Action) -> Call<'a> {
        Call { action, container: None, uid: None, service: None, snapshot: None, query: None, body: None }
    }

    pub fn container(self, container: impl Into<Instance<'a>>) -> Call<'a> {
        let Instance { name, uuid } = container.into();
        Call { container: Some(name), uid: uuid, ..self }
    }

    pub fn service(self, service: &'a str) -> Call<'a> {
        Call { service: Some(service), ..self }
    }

    pub fn snapshot(self, snapshot: &'a str) -> Call<'a> {
        Call { snapshot: Some(snapshot), ..self }
    }

    pub fn query(self, query: &'a str) -> Call<'a> {
        Call { query: Some(query), ..self }
    }

    pub fn body(self, body: &'a serde_json::Value) -> Call<'a> {
        Call { body: Some(body), ..self }
    }

    /// The method and path of the action (PROTOCOL.md's route table).
    pub(super) fn route(&self) -> Result<(Method, String), AgentCallError> {
        let action = self.action;
        let ctr = || {
            self.container.ok_or_else(|| AgentCallError::InvalidCall(format!("the action {action} needs a container")))
        };
        let svc =
            || self.service.ok_or_else(|| AgentCallError::InvalidCall(format!("the action {action} needs a service")));
        let snap = || {
            self.snapshot.ok_or_else(|| AgentCallError::InvalidCall(format!("the action {action} needs a snapshot")))
        };
        Ok(match action {
            Action::List => (Method::GET, "/containers".to_owned()),
            Action::Create => (Method::POST, "/containers".to_owned()),
            Action::Images => (Method::GET, "/images".to_owned()),
            Action::Events => (Method::GET, "/events".to_owned()),
            Action::Start | Action::Stop | Action::Restart | Action::Exec => {
                (Method::POST, format!("/container/{}/{action}", ctr()?))
            }
            // Terminal, console and tunnel are WebSocket upgrades of these GETs.
            Action::State | Action::Logs | Action::Terminal | Action::Console | Action::Tunnel => {
                (Method::GET, format!("/container/{}/{action}", ctr()?))
            }
            Action::ExecStream => (Method::GET, format!("/container/{}/exec-stream", ctr()?)),
            Action::NetworkList => (Method::GET, "/networks".to_owned()),
            Action::Address => (Method::PUT, format!("/container/{}/address", ctr()?)),
            Action::ForwardList => (Method::GET, format!("/container/{}/forwards", ctr()?)),
            Action::ForwardSet => (Method::PUT, format!("/container/{}/forwards", ctr()?)),
            Action::Delete => (Method::DELETE, format!("/container/{}", ctr()?)),
            Action::Update => (Method::PATCH, format!("/container/{}", ctr()?)),
            Action::ServiceList => (Method::GET, format!("/container/{}/services", ctr()?)),
            Action::ServiceStart | Action::ServiceStop | Action::ServiceRestart => {
                let verb = action.as_str().trim_start_matches("service.");
                (Method::POST, format!("/container/{}/service/{}/{verb}", ctr()?, svc()?))
            }
            Action::ServiceState | Action::ServiceLogs => {
                let verb = action.as_str().trim_start_matches("service.");
                (Method::GET, format!("/container/{}/service/{}/{verb}", ctr()?, svc()?))
            }
            Action::SnapshotList => (Method::GET, format!("/container/{}/snapshots", ctr()?)),
            Action::SnapshotCreate => (Method::POST, format!("/container/{}/snapshots", ctr()?)),
            Action::SnapshotRestore => (Method::POST, format!("/container/{}/snapshot/{}/restore", ctr()?, snap()?)),
            Action::SnapshotDelete => (Method::DELETE, format!("/container/{}/snapshot/{}", ctr()?, snap()?)),
        })
    }
}

/// An open `GET /events` stream of one agent.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
    machine: String,
}

impl EventStream {
    /// The next change, or `None` when the agent ended the stream (it does
    /// after `max_stream_s`, or when LXD's event connection drops).
    pub async fn next(&mut self) -> Result<Option<ContainerEvent>, AgentCallError> {
        loop {
            if let Some(message) = take_sse_message(&mut self.buffer) {
                match sse_event(&message) {
                    Some(Ok(event)) => return Ok(Some(event)),
                    Some(Err(error)) => {
                        return Err(AgentCallError::BadAnswer {
                            machine: self.machine.clone(),
                            status: 200,
                            message: format!("an event that is not a ContainerEvent: {error}"),
                        });
                    }
                    None => continue,
                }
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => {
                    self.buffer.extend_from_slice(&chunk);
                    // Whole events are taken off above; what stays is one
                    // unfinished event, which may not grow without bound.
                    let unfinished = !self.buffer.windows(2).any(|pair| pair == b"\n\n");
                    if unfinished && self.buffer.len() > MAX_EVENT_BYTES {
                        return Err(AgentCallError::BadAnswer {
                            machine: self.machine.clone(),
                            status: 200,
                            message: format!("an event larger than {MAX_EVENT_BYTES} bytes"),
                        });
                    }
                }
                Ok(None) => return Ok(None),
                Err(error) => return Err(unavailable(&self.machine, chain(&error))),
            }
        }
    }
}

/// Cuts the first complete server-sent-events message (up to a blank line) off `buffer`.
fn take_sse_message(buffer: &mut Vec<u8>) -> Option<String> {
    let end = buffer.windows(2).position(|pair| pair == b"\n\n")?;
    let message: Vec<u8> = buffer.drain(..end + 2).collect();
    Some(String::from_utf8_lossy(&message[..end]).into_owned())
}

/// The `ContainerEvent` of an `event: instance` message; `None` for comments
/// (keepalives) and other event types.
fn sse_event(message: &str) -> Option<Result<ContainerEvent, serde_json::Error>> {
    let mut kind = "message";
    let mut data = String::new();
    for line in message.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            kind = value.trim();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    (kind == "instance" && !data.is_empty()).then(|| serde_json::from_str(&data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_messages_are_cut_at_blank_lines_and_keepalives_are_skipped() {
        let mut buffer = b": keepalive\n\nevent: instance\ndata: {\"name\":\"c1\",\"status\":\"stopped\",\"action\":\"instance-stopped\",\"at\":\"t\"}\n\nevent: inst".to_vec();
        let first = take_sse_message(&mut buffer).unwrap();
        assert!(sse_event(&first).is_none(), "a keepalive is no event");
        let second = take_sse_message(&mut buffer).unwrap();
        let event = sse_event(&second).unwrap().unwrap();
        assert_eq!((event.name.as_str(), event.status), ("c1", smp_proto::api::ContainerStatus::Stopped));
        assert!(take_sse_message(&mut buffer).is_none(), "an incomplete message waits for more bytes");
        assert_eq!(buffer, b"event: inst");
    }

    #[test]
    fn snapshot_calls_go_to_the_agents_snapshot_routes_and_name_their_snapshot() {
        let route = |call: Call<'_>| call.route().map(|(method, path)| (method.to_string(), path));
        let on_c1 = |action| Call::new(action).container("c1");
        assert_eq!(route(on_c1(Action::SnapshotList)).unwrap(), ("GET".into(), "/container/c1/snapshots".into()));
        assert_eq!(route(on_c1(Action::SnapshotCreate)).unwrap(), ("POST".into(), "/container/c1/snapshots".into()));
        assert_eq!(
            route(on_c1(Action::SnapshotRestore).snapshot("s0")).unwrap(),
            ("POST".into(), "/container/c1/snapshot/s0/restore".into())
        );
        assert_eq!(
            route(on_c1(Action::SnapshotDelete).snapshot("s0")).unwrap(),
            ("DELETE".into(), "/container/c1/snapshot/s0".into())
        );
        assert!(route(on_c1(Action::SnapshotRestore)).is_err(), "a restore needs a snapshot");
    }

    #[test]
    fn a_garbled_event_is_an_error_not_a_skip() {
        assert!(sse_event("event: instance\ndata: {nope").unwrap().is_err());
        assert!(sse_event("event: other\ndata: {}").is_none());
    }
}
