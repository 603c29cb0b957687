//! The token extractor every guarded handler takes: each check of
//! PROTOCOL.md in order, the body read under its cap (an interactive
//! route's `bh` binds its query string instead), a session place for
//! the routes that hold one (429 `limit_reached` at once when none is
//! free), the `uid` binding checked against LXD's instance, and the `jti`
//! consumed last, only when everything else has passed.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use smp_proto::names::{InstanceName, SnapshotName, UnitName};
use smp_proto::token::{
    Claims, Expectations, LEEWAY_S, check_body_hash, check_created_container, check_created_snapshot,
    check_instance_uuid, check_query_hash, verify_operation_token,
};
use smp_proto::{Action, ErrorCode};

use crate::error::AgentError;
use crate::sessions::{SessionPermit, takes_a_session};
use crate::startup::{AgentState, unix_now};

/// The token action a route requires, attached to its resource in the route table.
#[derive(Debug, Clone, Copy)]
pub struct RequiredAction(pub Action);

/// A request whose token passed every check: its claims, the container,
/// service and snapshot of its path, and its body (which the token's `bh` matched). For
/// exec and state it holds a session place until the handler is done.
#[derive(Debug)]
pub struct Authorized {
    pub claims: Claims,
    pub container: Option<InstanceName>,
    pub service: Option<UnitName>,
    pub snapshot: Option<SnapshotName>,
    pub body: Bytes,
    _session: Option<SessionPermit>,
}

impl Authorized {
    /// The container of the path; every container route has one.
    pub fn container(&self) -> Result<&InstanceName, AgentError> {
        self.container.as_ref().ok_or_else(|| AgentError::new(ErrorCode::Internal, "route without a container"))
    }

    /// Takes the session place out, for a handler whose work outlives it
    /// (an interactive route holds it for the WebSocket's life).
    pub fn take_session(&mut self) -> Option<SessionPermit> {
        self._session.take()
    }
}

impl FromRequest for Authorized {
    type Error = AgentError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        // An interactive route's payload is its WebSocket stream, left for
        // the handler; its GET has no body, and the token's `bh` binds the
        // query string instead.
        let interactive =
            request.app_data::<RequiredAction>().is_some_and(|RequiredAction(action)| action.is_interactive());
        let payload = if interactive { Payload::None } else { payload.take() };
        Box::pin(async move {
            let result = authorize(&request, payload).await;
            if let Err(error) = &result {
                tracing::info!(path = request.path(), code = %error.code(), "request refused");
            }
            result
        })
    }
}

async fn authorize(request: &HttpRequest, payload: Payload) -> Result<Authorized, AgentError> {
    let internal = || AgentError::new(ErrorCode::Internal, "route misconfigured");
    let state = request.app_data::<web::Data<AgentState>>().ok_or_else(internal)?;
    let RequiredAction(action) = *request.app_data::<RequiredAction>().ok_or_else(internal)?;

    let token = bearer_token(request)?;
    let container = request.match_info().get("id").map(InstanceName::parse).transpose()?;
    let service = request.match_info().get("unit").map(UnitName::parse).transpose()?;
    let snapshot = request.match_info().get("snapshot").map(SnapshotName::parse).transpose()?;

    let now = unix_now();
    let expectations = Expectations {
        audience: &state.machine,
        max_ttl_s: state.max_ttl_s,
        agent_started_at: state.started_at,
        action,
        container: container.as_ref().map(InstanceName::as_str),
        service: service.as_ref().map(UnitName::as_str),
        snapshot: snapshot.as_ref().map(SnapshotName::as_str),
    };
    let claims = verify_operation_token(token, &state.keys, &expectations, now)?;
    let body = read_body(request, payload, state.max_body_bytes).await?;
    if action.is_interactive() {
        // The raw query as sent (percent-encoded), without the `?`.
        check_query_hash(&claims, request.query_string())?;
    } else {
        check_body_hash(&claims, &body)?;
    }
    check_created_container(&claims, &body)?;
    check_created_snapshot(&claims, &body)?;
    // Before LXD is asked anything: a request over the limits costs LXD nothing.
    let session = match (&container, takes_a_session(action)) {
        (Some(name), true) => Some(state.sessions.try_acquire(name.as_str())?),
        _ => None,
    };
    // The one check that asks LXD (one GET of the instance, ~2 ms), and only
    // for tokens bound to an instance: last before the token is spent, so a
    // token refused as `instance_changed` (or `not_found`) is not consumed.
    if let (Some(name), Some(_)) = (&container, &claims.uid) {
        check_instance_uuid(&claims, state.lxd.uuid(name).await?.as_deref())?;
    }
    state.tokens_seen.consume(&claims.jti, claims.exp.saturating_add(LEEWAY_S), now, ErrorCode::TokenReplayed)?;

    tracing::info!(
        sub = %claims.sub,
        iss = %claims.iss,
        act = %claims.act,
        ctr = claims.ctr.as_deref().unwrap_or("-"),
        svc = claims.svc.as_deref().unwrap_or("-"),
        snap = claims.snap.as_deref().unwrap_or("-"),
        adm = claims.adm,
        host = claims.host,
        uid = claims.uid.as_deref().unwrap_or("-"),
        jti = %claims.jti,
        "token accepted"
    );
    Ok(Authorized { claims, container, service, snapshot, body, _session: session })
}

fn bearer_token(request: &HttpRequest) -> Result<&str, AgentError> {
    let missing = || {
        AgentError::new(
            ErrorCode::TokenMissing,
            "send an operation token as `Authorization: Bearer <token>` (see `smp-agent token` or POST /token)",
        )
    };
    let value = request.headers().get(header::AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(missing()),
    }
}

/// Reads the whole body, refusing it as soon as it passes `cap` bytes.
pub async fn read_body(request: &HttpRequest, mut payload: Payload, cap: usize) -> Result<Bytes, AgentError> {
    let too_large = || AgentError::new(ErrorCode::BodyTooLarge, format!("the request body is larger than {cap} bytes"));
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > cap) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| AgentError::new(ErrorCode::InvalidRequest, "the request body could not be read"))?;
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses a JSON body, or the type's default when the body is empty.
pub fn json_or_default<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, AgentError> {
    if body.is_empty() {
        return Ok(T::default());
    }
    json(body)
}

/// Parses a JSON body; the error names what is wrong with it.
pub fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AgentError> {
    if !smp_proto::api::is_json_object(body) {
        return Err(AgentError::new(ErrorCode::InvalidRequest, "invalid JSON body: the body must be a JSON object"));
    }
    serde_json::from_slice(body)
        .map_err(|error| AgentError::new(ErrorCode::InvalidRequest, format!("invalid JSON body: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use smp_proto::api::StopRequest;

    #[test]
    fn a_body_that_is_not_a_json_object_is_an_invalid_request() {
        // serde reads a struct from an array of its fields in order (`[true, 5]` as a stop's
        // force and timeout), a form PROTOCOL.md does not document.
        for body in [&b"[true, 5]"[..], b" [true]", b"null", b"5"] {
            let refused = json::<StopRequest>(body).unwrap_err();
            assert_eq!(refused.code(), ErrorCode::InvalidRequest, "{}", String::from_utf8_lossy(body));
            assert!(refused.0.message.contains("JSON object"), "{}", refused.0.message);
            assert_eq!(json_or_default::<StopRequest>(body).unwrap_err().code(), ErrorCode::InvalidRequest);
        }
        let stop: StopRequest = json(b" {\"force\": true}").unwrap();
        assert!(stop.force);
        assert!(!json_or_default::<StopRequest>(b"").unwrap().force);
    }
}
