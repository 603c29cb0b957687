//! `POST /token`: a request signed with a key (HMAC over the canonical
//! request) is answered with an operation token, for operators with curl.

use actix_web::{HttpRequest, HttpResponse, web};
use smp_proto::ErrorCode;
use smp_proto::api::{TokenAnswer, TokenRequest};
use smp_proto::signature::{SignedHeaders, nonce_remembered_until, verify_signed_request};
use smp_proto::token::{TokenOrder, mint_operation_token, normalize_body_sha256};

use crate::auth::{json, read_body};
use crate::error::AgentError;
use crate::random::new_jti;
use crate::startup::{AgentState, unix_now};

/// Largest `/token` body; a token request is a few hundred bytes.
const MAX_TOKEN_REQUEST_BYTES: usize = 16 * 1024;

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
    let order = TokenOrder {
        action: wanted.action,
        container: wanted.container.as_deref(),
        service: wanted.service.as_deref(),
        snapshot: wanted.snapshot.as_deref(),
        ttl_s: wanted.ttl,
        subject: wanted.subject.as_deref().unwrap_or("operator"),
        admin: wanted.admin,
        // Never over the network: the host tier is minted on the host
        // (`smp-agent token --host`) or by the panel for head admins.
        host: false,
        uid: None,
        body_hash: wanted.body_sha256.as_deref().map(normalize_body_sha256).transpose()?,
    };
    let claims = order.claims("smp-agent:/token", &state.machine, state.max_ttl_s, now, new_jti())?;
    let key = state.keys.get(headers.key_id).ok_or_else(|| AgentError::new(ErrorCode::UnknownKey, "unknown key"))?;
    let token = mint_operation_token(key, &claims)
        .map_err(|_| AgentError::new(ErrorCode::Internal, "could not mint the token"))?;
    tracing::info!(sub = %claims.sub, act = %claims.act, jti = %claims.jti, key = key.id(), "token issued via /token");
    Ok(HttpResponse::Created().json(TokenAnswer { token, jti: claims.jti, expires_at: claims.exp }))
}
