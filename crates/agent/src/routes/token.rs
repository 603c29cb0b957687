//! `POST /token`: a request signed with a key (HMAC over the canonical
//! request) is answered with an operation token, for operators with curl.

use actix_web::{HttpRequest, HttpResponse, web};
use rand::RngCore as _;
use smp_proto::ErrorCode;
use smp_proto::api::{TokenAnswer, TokenRequest};
use smp_proto::names::{InstanceName, UnitName};
use smp_proto::signature::{SignedHeaders, nonce_remembered_until, verify_signed_request};
use smp_proto::token::{Claims, jti_from_random, mint_operation_token, normalize_body_sha256};

use crate::auth::{json, read_body};
use crate::error::AgentError;
use crate::startup::{AgentState, unix_now};

/// Largest `/token` body; a token request is a few hundred bytes.
const MAX_TOKEN_REQUEST_BYTES: usize = 16 * 1024;
const DEFAULT_TTL_S: i64 = 30;

/// Checks the signature (key id, HMAC, timestamp, then the nonce's single
/// use), then mints a token for what the body asks: 201 `{token, jti, expires_at}`.
pub async fn issue(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AgentState>,
) -> Result<HttpResponse, AgentError> {
    let header = |name: &'static str| {
        request.headers().get(name).and_then(|value| value.to_str().ok()).ok_or_else(|| {
            AgentError::new(ErrorCode::SignatureInvalid, format!("the {name} header is missing; see docs/protocol.md"))
        })
    };
    let headers = SignedHeaders {
        key_id: header("X-SMP-Key-Id")?,
        timestamp: header("X-SMP-Timestamp")?,
        nonce: header("X-SMP-Nonce")?,
        signature: header("X-SMP-Signature")?,
    };
    let body = read_body(&request, payload.into_inner(), MAX_TOKEN_REQUEST_BYTES).await?;
    let now = unix_now();
    let timestamp = verify_signed_request(&state.keys, &headers, "POST", "/token", &body, now)?;
    state.nonces_seen.consume(
        &format!("{}:{}", headers.key_id, headers.nonce),
        nonce_remembered_until(timestamp),
        now,
        ErrorCode::TokenReplayed,
    )?;

    let wanted: TokenRequest = json(&body)?;
    let claims = claims_for(&wanted, &state, now)?;
    let key = state.keys.get(headers.key_id).ok_or_else(|| AgentError::new(ErrorCode::UnknownKey, "unknown key"))?;
    let token = mint_operation_token(key, &claims)
        .map_err(|_| AgentError::new(ErrorCode::Internal, "could not mint the token"))?;
    tracing::info!(sub = %claims.sub, act = %claims.act, jti = %claims.jti, key = key.id(), "token issued via /token");
    Ok(HttpResponse::Created().json(TokenAnswer { token, jti: claims.jti, expires_at: claims.exp }))
}

fn claims_for(wanted: &TokenRequest, state: &AgentState, now: i64) -> Result<Claims, AgentError> {
    let invalid = |message: String| AgentError::new(ErrorCode::InvalidRequest, message);
    let action = wanted.action;
    let ctr = match (&wanted.container, action.needs_container()) {
        (Some(name), true) => Some(InstanceName::parse(name)?.to_string()),
        (None, true) => return Err(invalid(format!("the action {action} needs a container"))),
        (Some(_), false) => return Err(invalid(format!("the action {action} takes no container"))),
        (None, false) => None,
    };
    let svc = match (&wanted.service, action.needs_service()) {
        (Some(unit), true) => Some(UnitName::parse(unit)?.to_string()),
        (None, true) => return Err(invalid(format!("the action {action} needs a service"))),
        (Some(_), false) => return Err(invalid(format!("the action {action} takes no service"))),
        (None, false) => None,
    };
    let ttl = wanted.ttl.unwrap_or(DEFAULT_TTL_S.min(state.max_ttl_s));
    if !(1..=state.max_ttl_s).contains(&ttl) {
        return Err(invalid(format!("ttl must be between 1 and this agent's max_ttl_s ({})", state.max_ttl_s)));
    }
    let subject = wanted.subject.clone().unwrap_or_else(|| "operator".to_owned());
    if subject.is_empty() || subject.chars().count() > 256 || subject.chars().any(char::is_control) {
        return Err(invalid("subject must be 1-256 characters without control characters".into()));
    }
    let bh = wanted.body_sha256.as_deref().map(normalize_body_sha256).transpose()?;
    let mut random = [0u8; 18];
    rand::rng().fill_bytes(&mut random);
    Ok(Claims {
        iss: "smp-agent:/token".to_owned(),
        sub: subject,
        aud: state.machine.clone(),
        iat: now,
        exp: now + ttl,
        jti: jti_from_random(&random),
        act: action,
        adm: wanted.admin,
        ctr,
        svc,
        bh,
    })
}
