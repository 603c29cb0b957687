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
use smp_proto::api::{ContainerList, ContainerState, ExecAnswer, ExecRequest, Health, LifecycleAnswer, LogsAnswer};
use smp_proto::error::{ErrorBody, ErrorCode};
use smp_proto::token::{Claims, SharedKey, TokenOrder, body_hash, jti_from_random, mint_operation_token};

use crate::db::machines::Machine;
use crate::pinning::{self, Fingerprint, PinnedVerifier};
use crate::secrets::{PanelKey, SecretsError};

/// Lifetime of every token the panel mints.
pub const TOKEN_TTL_S: i64 = 30;
/// How long one request may take (exec and stop have their own timeouts on
/// the agent, at most 600 s, plus some slack).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(660);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Who is acting: the token's `sub`, and `adm` for admins.
#[derive(Debug, Clone)]
pub struct Caller {
    pub username: String,
    pub admin: bool,
}

/// Why a call to an agent failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentCallError {
    /// The agent could not be reached (refused, reset, timed out, DNS).
    #[error("unavailable: the agent of machine {machine:?} cannot be reached: {message}")]
    Unavailable { machine: String, message: String },
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
            AgentCallError::FingerprintMismatch { .. } => "fingerprint_mismatch",
            AgentCallError::Agent { code, .. } => code.as_str(),
            AgentCallError::BadAnswer { .. } => "bad_agent_answer",
            AgentCallError::InvalidCall(_) => "invalid_request",
            AgentCallError::Secret(_) => "internal",
        }
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
    base_url: String,
    issuer: String,
    key: SharedKey,
    http: reqwest::Client,
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

fn unavailable(machine: &str, message: impl Into<String>) -> AgentCallError {
    AgentCallError::Unavailable { machine: machine.to_owned(), message: message.into() }
}

/// The whole chain of an error, for matching the pin marker and for messages.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
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
        let parsed = crate::machine_cli::parse_agent_url(url)
            .map_err(|error| AgentCallError::InvalidCall(format!("{error:#}")))?;
        let builder = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT).timeout(REQUEST_TIMEOUT);
        let builder = if parsed.https {
            let pin = pin.ok_or_else(|| {
                AgentCallError::InvalidCall(format!(
                    "machine {machine:?} has an https:// URL but no pinned fingerprint"
                ))
            })?;
            let config = pinning::client_config(Arc::new(PinnedVerifier::new(Some(pin))))
                .map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
            builder.use_preconfigured_tls(config)
        } else {
            builder
        };
        let http = builder.build().map_err(|error| AgentCallError::InvalidCall(chain(&error)))?;
        Ok(AgentClient {
            machine: machine.to_owned(),
            base_url: url.trim_end_matches('/').to_owned(),
            issuer: format!("smp-panel:{instance}"),
            key,
            http,
        })
    }

    pub fn machine(&self) -> &str {
        &self.machine
    }

    /// A fresh token for one request.
    fn mint(
        &self,
        caller: &Caller,
        action: Action,
        container: Option<&str>,
        service: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<String, AgentCallError> {
        let order = TokenOrder {
            action,
            container,
            service,
            ttl_s: Some(TOKEN_TTL_S),
            subject: &caller.username,
            admin: caller.admin,
            body_hash: body.map(body_hash),
        };
        let mut random = [0u8; 18];
        rand::rng().fill_bytes(&mut random);
        let claims: Claims = order
            .claims(&self.issuer, &self.machine, TOKEN_TTL_S, crate::db::unix_now(), jti_from_random(&random))
            .map_err(|rejection| AgentCallError::InvalidCall(rejection.to_string()))?;
        mint_operation_token(&self.key, &claims).map_err(|error| AgentCallError::InvalidCall(error.to_string()))
    }

    /// The method and path of an action (PROTOCOL.md's route table).
    fn route(
        action: Action,
        container: Option<&str>,
        service: Option<&str>,
    ) -> Result<(Method, String), AgentCallError> {
        let ctr =
            || container.ok_or_else(|| AgentCallError::InvalidCall(format!("the action {action} needs a container")));
        let svc = || service.ok_or_else(|| AgentCallError::InvalidCall(format!("the action {action} needs a service")));
        Ok(match action {
            Action::List => (Method::GET, "/containers".to_owned()),
            Action::Create => (Method::POST, "/containers".to_owned()),
            Action::Images => (Method::GET, "/images".to_owned()),
            Action::Events => (Method::GET, "/events".to_owned()),
            Action::Start | Action::Stop | Action::Restart | Action::Exec => {
                (Method::POST, format!("/container/{}/{action}", ctr()?))
            }
            Action::State | Action::Logs => (Method::GET, format!("/container/{}/{action}", ctr()?)),
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
        })
    }

    /// One authorized call: a fresh token per request, one retry with a
    /// fresh token on 401 `token_predates_agent`, the agent's JSON answer on
    /// 2xx, a typed error otherwise. `query` is appended as is (`lines=10`).
    pub async fn call(
        &self,
        caller: &Caller,
        action: Action,
        container: Option<&str>,
        service: Option<&str>,
        query: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, AgentCallError> {
        let (method, path) = Self::route(action, container, service)?;
        let body =
            body.map(serde_json::to_vec).transpose().map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
        let mut url = format!("{}{path}", self.base_url);
        if let Some(query) = query {
            url.push('?');
            url.push_str(query);
        }
        let mut retried = false;
        loop {
            let token = self.mint(caller, action, container, service, body.as_deref())?;
            let mut request =
                self.http.request(method.clone(), &url).bearer_auth(token).header("X-SMP-Key-Id", self.key.id());
            if let Some(body) = &body {
                request = request.header("content-type", "application/json").body(body.clone());
            }
            let answer = request.send().await.map_err(|error| self.transport_error(&error))?;
            let status = answer.status().as_u16();
            let bytes = answer.bytes().await.map_err(|error| self.transport_error(&error))?;
            if (200..300).contains(&status) {
                return serde_json::from_slice(&bytes).map_err(|error| AgentCallError::BadAnswer {
                    machine: self.machine.clone(),
                    status,
                    message: error.to_string(),
                });
            }
            let error = match serde_json::from_slice::<ErrorBody>(&bytes) {
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
            };
            let predates =
                matches!(&error, AgentCallError::Agent { status: 401, code: ErrorCode::TokenPredatesAgent, .. });
            if predates && !retried {
                retried = true;
                continue;
            }
            return Err(error);
        }
    }

    fn transport_error(&self, error: &reqwest::Error) -> AgentCallError {
        let text = chain(error);
        if text.contains(pinning::MISMATCH_MARKER) {
            AgentCallError::FingerprintMismatch { machine: self.machine.clone(), message: text }
        } else {
            unavailable(&self.machine, text)
        }
    }

    /// `call` with the answer parsed as `T`.
    pub async fn call_typed<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        action: Action,
        container: Option<&str>,
        service: Option<&str>,
        query: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<T, AgentCallError> {
        let value = self.call(caller, action, container, service, query, body).await?;
        serde_json::from_value(value).map_err(|error| AgentCallError::BadAnswer {
            machine: self.machine.clone(),
            status: 200,
            message: error.to_string(),
        })
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
        self.call_typed(caller, Action::List, None, None, None, None).await
    }

    pub async fn start(&self, caller: &Caller, container: &str) -> Result<LifecycleAnswer, AgentCallError> {
        self.call_typed(caller, Action::Start, Some(container), None, None, None).await
    }

    pub async fn stop(&self, caller: &Caller, container: &str) -> Result<LifecycleAnswer, AgentCallError> {
        self.call_typed(caller, Action::Stop, Some(container), None, None, None).await
    }

    pub async fn restart(&self, caller: &Caller, container: &str) -> Result<LifecycleAnswer, AgentCallError> {
        self.call_typed(caller, Action::Restart, Some(container), None, None, None).await
    }

    pub async fn state(&self, caller: &Caller, container: &str) -> Result<ContainerState, AgentCallError> {
        self.call_typed(caller, Action::State, Some(container), None, None, None).await
    }

    pub async fn exec(
        &self,
        caller: &Caller,
        container: &str,
        request: &ExecRequest,
    ) -> Result<ExecAnswer, AgentCallError> {
        let body = serde_json::to_value(request).map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
        self.call_typed(caller, Action::Exec, Some(container), None, None, Some(&body)).await
    }

    pub async fn logs(&self, caller: &Caller, container: &str, lines: u32) -> Result<LogsAnswer, AgentCallError> {
        let query = format!("lines={lines}");
        self.call_typed(caller, Action::Logs, Some(container), None, Some(&query), None).await
    }
}
