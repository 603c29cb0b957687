//! Operation tokens: the claims, `mint_operation_token`, and
//! `verify_operation_token`, which applies PROTOCOL.md's checks in order and
//! stops at the first failure.
//!
//! The last two checks need the agent: the body hash (`check_body_hash`, once
//! the body is read) and single use of the `jti` (the agent's replay guard).
//! A token is consumed only after every check here has passed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::action::Action;
use crate::error::{ErrorCode, Rejection};
use crate::names::{InstanceName, SnapshotName, UnitName};

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock leeway for `exp` and `iat`, in seconds.
pub const LEEWAY_S: i64 = 5;
/// Default upper bound of `exp - iat`.
pub const DEFAULT_MAX_TTL_S: i64 = 60;
/// Shortest secret an agent accepts (PROTOCOL.md: at least 32 characters).
pub const MIN_SECRET_CHARS: usize = 32;
/// A `jti` carries at least 128 bits: 22 base64url characters.
const MIN_JTI_CHARS: usize = 22;
const MAX_JTI_CHARS: usize = 64;
const MAX_TEXT_CLAIM_CHARS: usize = 256;

/// One pre-shared key: its id (the JWT `kid`) and secret (the HMAC key).
#[derive(Clone)]
pub struct SharedKey {
    id: String,
    mac: Hmac<Sha256>,
    encoding: jsonwebtoken::EncodingKey,
}

impl SharedKey {
    /// The secret's UTF-8 bytes are the HMAC key. Length rules are the
    /// configuration's business; this accepts any secret so tests can forge.
    pub fn new(id: impl Into<String>, secret: &str) -> Self {
        // HMAC takes keys of any length; this cannot fail.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        SharedKey { id: id.into(), mac, encoding: jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()) }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// A fresh HMAC-SHA256 keyed with this secret.
    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        self.mac.clone()
    }
}

impl fmt::Debug for SharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedKey").field("id", &self.id).field("secret", &"[redacted]").finish()
    }
}

/// The keys an agent accepts; several during a rotation.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<SharedKey>,
}

impl KeyRing {
    pub fn new(keys: Vec<SharedKey>) -> Self {
        KeyRing { keys }
    }

    pub fn get(&self, id: &str) -> Option<&SharedKey> {
        self.keys.iter().find(|key| key.id == id)
    }

    pub fn first(&self) -> Option<&SharedKey> {
        self.keys.first()
    }
}

/// The claims of an operation token (PROTOCOL.md's claim table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub act: Action,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adm: bool,
    /// Asks for the host tier of instance configuration, which the agent
    /// grants only where its own `host_config` is on (`config_policy::Tier`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctr: Option<String>,
    /// The instance's LXD `volatile.uuid` (see [`check_instance_uuid`]): the
    /// token acts only on that instance, never on another one made later
    /// under the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svc: Option<String>,
    /// The snapshot of a snapshot action (see [`check_created_snapshot`]
    /// for `snapshot.create`, whose path names none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snap: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bh: Option<String>,
}

/// Turns ≥ 16 random bytes (the caller's randomness) into a `jti`.
pub fn jti_from_random(random: &[u8; 18]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// base64url(SHA-256(body)): the `bh` claim for a body.
pub fn body_hash(body: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(body))
}

/// The token could not be minted (the claims could not be serialized).
#[derive(Debug, thiserror::Error)]
#[error("could not mint the operation token: {0}")]
pub struct MintError(#[from] jsonwebtoken::errors::Error);

/// Signs `claims` with `key` as an HS256 JWT whose `kid` is the key's id.
pub fn mint_operation_token(key: &SharedKey, claims: &Claims) -> Result<String, MintError> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(key.id.clone());
    Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
}

/// Lifetime of a token when the caller names none (bounded by `max_ttl_s`).
pub const DEFAULT_TTL_S: i64 = 30;

/// What a caller holding a key asks a token for (`smp-agent token`,
/// `POST /token`): checked here once, then turned into claims.
#[derive(Debug, Clone)]
pub struct TokenOrder<'a> {
    pub action: Action,
    pub container: Option<&'a str>,
    pub service: Option<&'a str>,
    /// `snap`: the snapshot of `snapshot.create`, `.restore` and `.delete`.
    pub snapshot: Option<&'a str>,
    pub ttl_s: Option<i64>,
    pub subject: &'a str,
    pub admin: bool,
    /// `host`: asks for the host tier (never granted over the network: only
    /// `smp-agent token --host` and the panel for head admins set it).
    pub host: bool,
    /// `uid`: the instance's LXD `volatile.uuid`, for container actions.
    pub uid: Option<String>,
    /// `bh`, already in base64url form.
    pub body_hash: Option<String>,
}

impl TokenOrder<'_> {
    /// Claims for this order: the container, service and snapshot must be
    /// present exactly when the action needs them and follow the name rules, the
    /// ttl must be within `max_ttl_s`, the subject printable.
    pub fn claims(
        &self,
        issuer: &str,
        audience: &str,
        max_ttl_s: i64,
        now: i64,
        jti: String,
    ) -> Result<Claims, Rejection> {
        let action = self.action;
        let invalid = |message: String| Rejection::new(ErrorCode::InvalidRequest, message);
        let ctr = match (self.container, action.needs_container()) {
            (Some(name), true) => Some(InstanceName::parse(name)?.to_string()),
            (None, true) => return Err(invalid(format!("the action {action} needs a container"))),
            (Some(_), false) => return Err(invalid(format!("the action {action} takes no container"))),
            (None, false) => None,
        };
        let svc = match (self.service, action.needs_service()) {
            (Some(unit), true) => Some(UnitName::parse(unit)?.to_string()),
            (None, true) => return Err(invalid(format!("the action {action} needs a service"))),
            (Some(_), false) => return Err(invalid(format!("the action {action} takes no service"))),
            (None, false) => None,
        };
        let snap = match (self.snapshot, action.needs_snapshot()) {
            (Some(name), true) => Some(SnapshotName::parse(name)?.to_string()),
            (None, true) => return Err(invalid(format!("the action {action} needs a snapshot"))),
            (Some(_), false) => return Err(invalid(format!("the action {action} takes no snapshot"))),
            (None, false) => None,
        };
        if let Some(uid) = &self.uid {
            if !action.container_in_path() {
                return Err(invalid(format!("the action {action} takes no instance uuid (uid)")));
            }
            if !is_instance_uuid(uid) {
                return Err(invalid("uid must be an LXD volatile.uuid: 36 characters, hex digits and dashes".into()));
            }
        }
        let ttl = self.ttl_s.unwrap_or(DEFAULT_TTL_S.min(max_ttl_s));
        if !(1..=max_ttl_s).contains(&ttl) {
            return Err(invalid(format!("ttl must be between 1 and this agent's max_ttl_s ({max_ttl_s})")));
        }
        if self.subject.is_empty()
            || self.subject.chars().count() > MAX_TEXT_CLAIM_CHARS
            || self.subject.chars().any(char::is_control)
        {
            return Err(invalid("subject must be 1-256 characters without control characters".into()));
        }
        Ok(Claims {
            iss: issuer.to_owned(),
            sub: self.subject.to_owned(),
            aud: audience.to_owned(),
            iat: now,
            exp: now + ttl,
            jti,
            act: action,
            adm: self.admin,
            host: self.host,
            ctr,
            uid: self.uid.clone(),
            svc,
            snap,
            bh: self.body_hash.clone(),
        })
    }
}

/// What the route being called expects of a token.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// The agent's machine name.
    pub audience: &'a str,
    pub max_ttl_s: i64,
    /// Unix seconds at which the agent process started; `iat` must be later.
    pub agent_started_at: i64,
    pub action: Action,
    /// The `<id>` of the path, for container actions.
    pub container: Option<&'a str>,
    /// The unit of the path (suffix applied), for service actions.
    pub service: Option<&'a str>,
    /// The `<name>` of the path, for `snapshot.restore` and `snapshot.delete`.
    pub snapshot: Option<&'a str>,
}

/// The only header fields accepted: anything else (`jku`, `x5u`, `jwk`,
/// `crit`, `x5c`, `cty`, …) makes the token malformed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictHeader {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

/// Claims as received: every field optional so a missing one is named.
#[derive(Deserialize)]
struct ReceivedClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<String>,
    iat: Option<i64>,
    exp: Option<i64>,
    jti: Option<String>,
    act: Option<String>,
    #[serde(default)]
    adm: Option<bool>,
    #[serde(default)]
    host: Option<bool>,
    #[serde(default)]
    ctr: Option<String>,
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    svc: Option<String>,
    #[serde(default)]
    snap: Option<String>,
    #[serde(default)]
    bh: Option<String>,
}

fn malformed(message: impl Into<std::borrow::Cow<'static, str>>) -> Rejection {
    Rejection::new(ErrorCode::TokenMalformed, message)
}

/// Applies every check of PROTOCOL.md up to the path bindings, in order:
/// header and algorithm, key id, signature, `exp`, `iat`, ttl, agent start,
/// `aud`, `act`, `ctr`, `svc`, `snap`. The body hash and the `jti` come after.
pub fn verify_operation_token(
    token: &str,
    keys: &KeyRing,
    expect: &Expectations<'_>,
    now: i64,
) -> Result<Claims, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed("the token is larger than 8 KiB"));
    }
    let mut segments = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return Err(malformed("a token is three base64url segments separated by '.'"));
    };
    if header_b64.is_empty() || payload_b64.is_empty() {
        return Err(malformed("a token is three base64url segments separated by '.'"));
    };

    // 1. Header and algorithm, before any signature work.
    let header: StrictHeader = URL_SAFE_NO_PAD
        .decode(header_b64)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| malformed("the token header is not the JSON object {alg, typ, kid}"))?;
    if header.alg != "HS256" {
        return Err(malformed("only HS256 tokens are accepted"));
    }
    if header.typ.as_deref().is_some_and(|typ| typ != "JWT") {
        return Err(malformed("the token header's typ must be JWT"));
    }
    let Some(kid) = header.kid else {
        return Err(malformed("the token header has no kid"));
    };

    // 2. Key id known.
    let key = keys
        .get(&kid)
        .ok_or_else(|| Rejection::new(ErrorCode::UnknownKey, "the token's key id is not configured on this agent"))?;

    // 3. Signature, in constant time.
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| Rejection::new(ErrorCode::TokenSignature, "the token signature is not valid"))?;
    let mut mac = key.mac();
    mac.update(header_b64.as_bytes());
    mac.update(b".");
    mac.update(payload_b64.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| Rejection::new(ErrorCode::TokenSignature, "the token signature is not valid"))?;

    let claims = parse_claims(payload_b64)?;

    // 4.–7. Time, saturating: a signed claim may be at the ends of i64.
    if now > claims.exp.saturating_add(LEEWAY_S) {
        return Err(Rejection::new(ErrorCode::TokenExpired, "the token has expired; mint a new one"));
    }
    if claims.iat > now.saturating_add(LEEWAY_S) {
        return Err(Rejection::new(
            ErrorCode::TokenNotYetValid,
            "the token was issued in the future; check the clocks of both machines",
        ));
    }
    if claims.exp.saturating_sub(claims.iat) > expect.max_ttl_s {
        return Err(Rejection::new(
            ErrorCode::TokenTtlTooLong,
            format!("the token lives longer than this agent's max_ttl_s ({})", expect.max_ttl_s),
        ));
    }
    if claims.iat <= expect.agent_started_at {
        return Err(Rejection::new(
            ErrorCode::TokenPredatesAgent,
            "the token was issued before the agent started; mint a new one",
        ));
    }

    // 8.–11. Bindings.
    if claims.aud != expect.audience {
        return Err(Rejection::new(ErrorCode::TokenWrongAudience, "the token is for another machine"));
    }
    if claims.act != expect.action {
        return Err(Rejection::new(
            ErrorCode::TokenWrongAction,
            format!("the token is for the action `{}`, not `{}`", claims.act, expect.action),
        ));
    }
    // `create` has no container in its path: its `ctr` must be there, and is
    // compared with the body's `name` once the body is read
    // (`check_created_container`).
    let container_matches = if expect.action.container_in_body() {
        expect.container.is_none() && claims.ctr.is_some()
    } else {
        claims.ctr.as_deref() == expect.container
    };
    if !container_matches {
        return Err(Rejection::new(ErrorCode::TokenWrongContainer, "the token is for another container"));
    }
    if claims.svc.as_deref() != expect.service {
        return Err(Rejection::new(ErrorCode::TokenWrongService, "the token is for another service"));
    }
    // `snapshot.create` has no snapshot in its path, as `create` has no
    // container: `snap` must be there, and is compared with the body's
    // `name` once the body is read (`check_created_snapshot`).
    let snapshot_matches = if expect.action.snapshot_in_body() {
        expect.snapshot.is_none() && claims.snap.is_some()
    } else {
        claims.snap.as_deref() == expect.snapshot
    };
    if !snapshot_matches {
        return Err(Rejection::new(ErrorCode::TokenWrongSnapshot, "the token is for another snapshot"));
    }
    Ok(claims)
}

fn parse_claims(payload_b64: &str) -> Result<Claims, Rejection> {
    let received: ReceivedClaims = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| malformed("the token claims are not a JSON object of the documented types"))?;
    let missing = |name: &'static str| malformed(format!("the token lacks the required claim `{name}`"));
    let iss = received.iss.ok_or_else(|| missing("iss"))?;
    let sub = received.sub.ok_or_else(|| missing("sub"))?;
    let aud = received.aud.ok_or_else(|| missing("aud"))?;
    let iat = received.iat.ok_or_else(|| missing("iat"))?;
    let exp = received.exp.ok_or_else(|| missing("exp"))?;
    let jti = received.jti.ok_or_else(|| missing("jti"))?;
    let act = received.act.ok_or_else(|| missing("act"))?;

    for (name, value) in [("iss", &iss), ("sub", &sub), ("aud", &aud)] {
        if value.is_empty() || value.chars().count() > MAX_TEXT_CLAIM_CHARS || value.chars().any(char::is_control) {
            return Err(malformed(format!(
                "the claim `{name}` must be 1-{MAX_TEXT_CLAIM_CHARS} characters without control characters"
            )));
        }
    }
    if !(MIN_JTI_CHARS..=MAX_JTI_CHARS).contains(&jti.len())
        || !jti.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(malformed("the claim `jti` must be 22-64 base64url characters (at least 128 random bits)"));
    }
    if exp <= iat {
        return Err(malformed("the claim `exp` must be after `iat`"));
    }
    let act = act.parse::<Action>().map_err(|_| {
        Rejection::new(ErrorCode::TokenWrongAction, "the token is for an action this agent does not know")
    })?;
    if let Some(uid) = &received.uid {
        if !is_instance_uuid(uid) {
            return Err(malformed(
                "the claim `uid` must be an LXD volatile.uuid (36 characters, hex digits and dashes)",
            ));
        }
        if !act.container_in_path() {
            return Err(malformed("the claim `uid` binds an action on an existing container; this action has none"));
        }
    }
    Ok(Claims {
        iss,
        sub,
        aud,
        iat,
        exp,
        jti,
        act,
        adm: received.adm.unwrap_or(false),
        host: received.host.unwrap_or(false),
        ctr: received.ctr,
        uid: received.uid,
        svc: received.svc,
        snap: received.snap,
        bh: received.bh,
    })
}

/// The `bh` check: a token with `bh` is bound to exactly that body; a token
/// without it is bound to an empty body.
pub fn check_body_hash(claims: &Claims, body: &[u8]) -> Result<(), Rejection> {
    let matches = match &claims.bh {
        Some(expected) => *expected == body_hash(body),
        None => body.is_empty(),
    };
    if matches {
        Ok(())
    } else {
        Err(Rejection::new(ErrorCode::TokenBodyMismatch, "the request body is not the one the token was minted for"))
    }
}

/// The `bh` check of an interactive route (a `GET` upgraded to a
/// WebSocket, which has no body): `bh` binds the raw query string instead,
/// the exact bytes after the `?` as sent (percent-encoding and all; empty
/// when there is none). A token with `bh` is bound to exactly that query;
/// a token without it passes, except for the actions that must bind their
/// query (`exec.stream`'s command, `tunnel`'s port), where it is refused.
pub fn check_query_hash(claims: &Claims, query: &str) -> Result<(), Rejection> {
    match &claims.bh {
        Some(expected) if *expected == body_hash(query.as_bytes()) => Ok(()),
        Some(_) => Err(Rejection::new(
            ErrorCode::TokenBodyMismatch,
            "the query string is not the one the token was minted for (its `bh` binds the exact query, without the `?`)",
        )),
        None if claims.act.must_bind_query() => Err(Rejection::new(
            ErrorCode::TokenBodyMismatch,
            format!(
                "a token for `{}` must bind the query string: set `bh` to base64url(SHA-256(the exact query, without the `?`))",
                claims.act
            ),
        )),
        None => Ok(()),
    }
}

/// For `create`, whose container is named in the body: the body, parsed
/// exactly as the route parses it (`config_policy::parse_create_request`,
/// which also refuses duplicate keys), must name the token's `ctr`.
/// Checked after `check_body_hash`, before the token is consumed, and fails
/// closed: a body that does not parse is refused here with the parse's
/// error, so no token is spent on it and no other reading of the body than
/// the route's is ever compared with `ctr`.
pub fn check_created_container(claims: &Claims, body: &[u8]) -> Result<(), Rejection> {
    if !claims.act.container_in_body() {
        return Ok(());
    }
    let request = crate::config_policy::parse_create_request(body)?;
    if Some(request.name.as_str()) != claims.ctr.as_deref() {
        return Err(Rejection::new(
            ErrorCode::TokenWrongContainer,
            "the token is for creating another container than the body's name",
        ));
    }
    Ok(())
}

/// For `snapshot.create`, whose snapshot is named in the body: the body,
/// parsed exactly as the route parses it ([`SnapshotRequest::parse`]), must
/// name the token's `snap`. Like [`check_created_container`]: after
/// `check_body_hash`, before the token is consumed, failing closed with the
/// parse's error.
///
/// [`SnapshotRequest::parse`]: crate::api::SnapshotRequest::parse
pub fn check_created_snapshot(claims: &Claims, body: &[u8]) -> Result<(), Rejection> {
    if !claims.act.snapshot_in_body() {
        return Ok(());
    }
    let request = crate::api::SnapshotRequest::parse(body)?;
    if Some(request.name.as_str()) != claims.snap.as_deref() {
        return Err(Rejection::new(
            ErrorCode::TokenWrongSnapshot,
            "the token is for creating another snapshot than the body's name",
        ));
    }
    Ok(())
}

/// Whether `text` has the shape of LXD's `volatile.uuid`: 36 characters,
/// lower- or upper-case hex digits in groups of 8-4-4-4-12 joined by `-`.
pub fn is_instance_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    text.len() == 36
        && groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|group| group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `uid` check, once the agent has read the instance's `volatile.uuid`
/// (`actual`; `None` when LXD gave none): a token with `uid` acts only on
/// that very instance. Checked after every other check of the token and
/// before it is consumed, so a token refused here was not spent; a token
/// without `uid` passes (the panel sets it whenever it knows the uuid).
pub fn check_instance_uuid(claims: &Claims, actual: Option<&str>) -> Result<(), Rejection> {
    match &claims.uid {
        Some(expected) if Some(expected.to_ascii_lowercase()) != actual.map(str::to_ascii_lowercase) => {
            Err(Rejection::new(
                ErrorCode::InstanceChanged,
                "the container of that name is not the one the token was minted for (it was deleted and made again); reload and retry",
            ))
        }
        _ => Ok(()),
    }
}

/// Accepts a body hash as 64 hex digits or 43 base64url characters and
/// returns the `bh` form (base64url).
pub fn normalize_body_sha256(value: &str) -> Result<String, Rejection> {
    let bytes = if value.len() == 64 { hex::decode(value).ok() } else { URL_SAFE_NO_PAD.decode(value).ok() };
    match bytes {
        Some(bytes) if bytes.len() == 32 => Ok(URL_SAFE_NO_PAD.encode(bytes)),
        _ => Err(Rejection::new(
            ErrorCode::InvalidRequest,
            "body_sha256 must be a SHA-256 as 64 hex digits or 43 base64url characters",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const SECRET: &str = "an-agent-secret-of-at-least-32-chars!!";
    const NOW: i64 = 1_764_000_000;
    const STARTED: i64 = NOW - 100;

    fn ring() -> KeyRing {
        KeyRing::new(vec![SharedKey::new("k1", SECRET), SharedKey::new("k2", "the-second-key-during-a-rotation-xx")])
    }

    fn expect() -> Expectations<'static> {
        Expectations {
            audience: "alita",
            max_ttl_s: 60,
            agent_started_at: STARTED,
            action: Action::Restart,
            container: Some("c1"),
            service: None,
            snapshot: None,
        }
    }

    fn claims() -> Claims {
        Claims {
            iss: "smp-panel:test".into(),
            sub: "ann".into(),
            aud: "alita".into(),
            iat: NOW,
            exp: NOW + 30,
            jti: jti_from_random(&[7; 18]),
            act: Action::Restart,
            adm: false,
            host: false,
            ctr: Some("c1".into()),
            uid: None,
            svc: None,
            snap: None,
            bh: None,
        }
    }

    fn mint(claims: &Claims) -> String {
        mint_operation_token(&SharedKey::new("k1", SECRET), claims).unwrap()
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    /// Signs any header and payload with HS256, to build hostile tokens.
    fn forge(header: &Value, payload: &Value, secret: &str) -> String {
        let signing_input = format!("{}.{}", b64(header), b64(payload));
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    fn hs256_header() -> Value {
        json!({"alg": "HS256", "typ": "JWT", "kid": "k1"})
    }

    fn claims_json() -> Value {
        serde_json::to_value(claims()).unwrap()
    }

    fn verify(token: &str) -> Result<Claims, Rejection> {
        verify_operation_token(token, &ring(), &expect(), NOW)
    }

    fn code_of(token: &str) -> ErrorCode {
        verify(token).unwrap_err().code
    }

    #[test]
    fn a_minted_token_verifies_and_returns_its_claims() {
        assert_eq!(verify(&mint(&claims())).unwrap(), claims());
    }

    #[test]
    fn a_forged_token_with_the_right_secret_verifies_so_forge_is_a_fair_baseline() {
        assert!(verify(&forge(&hs256_header(), &claims_json(), SECRET)).is_ok());
    }

    #[test]
    fn a_token_signed_with_the_second_key_verifies_during_a_rotation() {
        let token =
            mint_operation_token(&SharedKey::new("k2", "the-second-key-during-a-rotation-xx"), &claims()).unwrap();
        assert!(verify(&token).is_ok());
    }

    #[test]
    fn a_token_larger_than_8_kib_is_malformed() {
        let mut big = claims_json();
        big["pad"] = json!("x".repeat(MAX_TOKEN_BYTES));
        let token = forge(&hs256_header(), &big, SECRET);
        assert!(token.len() > MAX_TOKEN_BYTES);
        assert_eq!(code_of(&token), ErrorCode::TokenMalformed);
    }

    #[test]
    fn a_token_that_is_not_three_segments_is_malformed() {
        let token = mint(&claims());
        let parts: Vec<&str> = token.split('.').collect();
        for bad in [
            String::new(),
            "garbage".to_owned(),
            format!("{}.{}", parts[0], parts[1]),
            format!("{token}.extra"),
            format!("{}..{}", parts[0], parts[2]),
        ] {
            assert_eq!(code_of(&bad), ErrorCode::TokenMalformed, "{bad}");
        }
    }

    #[test]
    fn a_jwe_with_five_segments_is_malformed() {
        let jwe = format!("{}.a2V5.aXY.Y2lwaGVy.dGFn", b64(&json!({"alg": "dir", "enc": "A256GCM", "kid": "k1"})));
        assert_eq!(code_of(&jwe), ErrorCode::TokenMalformed);
    }

    #[test]
    fn alg_none_in_any_spelling_is_malformed_even_without_a_signature() {
        for alg in ["none", "None", "NONE", "nOnE"] {
            let header = json!({"alg": alg, "typ": "JWT", "kid": "k1"});
            let unsigned = format!("{}.{}.", b64(&header), b64(&claims_json()));
            assert_eq!(code_of(&unsigned), ErrorCode::TokenMalformed, "{alg}");
            let signed = forge(&header, &claims_json(), SECRET);
            assert_eq!(code_of(&signed), ErrorCode::TokenMalformed, "{alg}");
        }
    }

    #[test]
    fn other_algorithms_are_malformed_even_when_the_hmac_is_right() {
        for alg in ["HS384", "HS512", "RS256", "ES256", "PS256", "EdDSA", "hs256"] {
            let header = json!({"alg": alg, "typ": "JWT", "kid": "k1"});
            assert_eq!(code_of(&forge(&header, &claims_json(), SECRET)), ErrorCode::TokenMalformed, "{alg}");
        }
    }

    #[test]
    fn key_reference_headers_jku_x5u_jwk_crit_are_malformed() {
        for (field, value) in [
            ("jku", json!("https://evil.example/keys")),
            ("x5u", json!("https://evil.example/cert")),
            ("jwk", json!({"kty": "oct", "k": "AAAA"})),
            ("crit", json!(["exp"])),
            ("x5c", json!(["MIIB"])),
        ] {
            let mut header = hs256_header();
            header[field] = value;
            assert_eq!(code_of(&forge(&header, &claims_json(), SECRET)), ErrorCode::TokenMalformed, "{field}");
        }
    }

    #[test]
    fn a_header_that_is_not_json_or_lacks_kid_or_has_another_typ_is_malformed() {
        let payload = b64(&claims_json());
        assert_eq!(code_of(&format!("%%%.{payload}.sig")), ErrorCode::TokenMalformed);
        assert_eq!(code_of(&format!("{}.{payload}.sig", URL_SAFE_NO_PAD.encode("[1]"))), ErrorCode::TokenMalformed);
        let no_kid = json!({"alg": "HS256", "typ": "JWT"});
        assert_eq!(code_of(&forge(&no_kid, &claims_json(), SECRET)), ErrorCode::TokenMalformed);
        let other_typ = json!({"alg": "HS256", "typ": "at+jwt", "kid": "k1"});
        assert_eq!(code_of(&forge(&other_typ, &claims_json(), SECRET)), ErrorCode::TokenMalformed);
    }

    #[test]
    fn an_unknown_key_id_is_refused_as_unknown_key() {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": "k9"});
        assert_eq!(code_of(&forge(&header, &claims_json(), SECRET)), ErrorCode::UnknownKey);
    }

    #[test]
    fn a_token_signed_with_another_secret_fails_the_signature_check() {
        let token = forge(&hs256_header(), &claims_json(), "someone-elses-secret-of-32-chars-long");
        assert_eq!(code_of(&token), ErrorCode::TokenSignature);
    }

    #[test]
    fn a_token_signed_with_another_configured_key_but_naming_k1_fails_the_signature_check() {
        let token = forge(&hs256_header(), &claims_json(), "the-second-key-during-a-rotation-xx");
        assert_eq!(code_of(&token), ErrorCode::TokenSignature);
    }

    #[test]
    fn a_tampered_payload_fails_the_signature_check() {
        let token = mint(&claims());
        let parts: Vec<&str> = token.split('.').collect();
        let mut evil = claims_json();
        evil["ctr"] = json!("someone-elses");
        let tampered = format!("{}.{}.{}", parts[0], b64(&evil), parts[2]);
        assert_eq!(code_of(&tampered), ErrorCode::TokenSignature);
        let truncated_signature = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..10]);
        assert_eq!(code_of(&truncated_signature), ErrorCode::TokenSignature);
        let not_base64 = format!("{}.{}.{}", parts[0], parts[1], "!!!");
        assert_eq!(code_of(&not_base64), ErrorCode::TokenSignature);
    }

    #[test]
    fn exp_is_accepted_exactly_at_the_leeway_and_refused_one_second_past_it() {
        let mut c = claims();
        c.iat = NOW - 40;
        c.exp = NOW - LEEWAY_S;
        assert!(verify(&mint(&c)).is_ok());
        c.exp = NOW - LEEWAY_S - 1;
        c.jti = jti_from_random(&[8; 18]);
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenExpired);
    }

    #[test]
    fn iat_is_accepted_exactly_at_the_leeway_and_refused_one_second_past_it() {
        let mut c = claims();
        c.iat = NOW + LEEWAY_S;
        c.exp = c.iat + 30;
        assert!(verify(&mint(&c)).is_ok());
        c.iat = NOW + LEEWAY_S + 1;
        c.exp = c.iat + 30;
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenNotYetValid);
    }

    #[test]
    fn a_lifetime_of_max_ttl_is_accepted_and_one_second_more_is_refused() {
        let mut c = claims();
        c.exp = c.iat + 60;
        assert!(verify(&mint(&c)).is_ok());
        c.exp = c.iat + 61;
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenTtlTooLong);
    }

    #[test]
    fn a_token_issued_in_the_second_the_agent_started_or_before_predates_it() {
        let far_expect = Expectations { agent_started_at: NOW, ..expect() };
        let mut d = claims();
        d.iat = NOW;
        assert_eq!(
            verify_operation_token(&mint(&d), &ring(), &far_expect, NOW).unwrap_err().code,
            ErrorCode::TokenPredatesAgent
        );
        d.iat = NOW - 1;
        assert_eq!(
            verify_operation_token(&mint(&d), &ring(), &far_expect, NOW).unwrap_err().code,
            ErrorCode::TokenPredatesAgent
        );
        let just_after = Expectations { agent_started_at: NOW - 1, ..expect() };
        d.iat = NOW;
        assert!(verify_operation_token(&mint(&d), &ring(), &just_after, NOW).is_ok());
    }

    #[test]
    fn a_token_for_another_machine_is_refused_as_wrong_audience() {
        let mut c = claims();
        c.aud = "other-host".into();
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenWrongAudience);
    }

    #[test]
    fn a_token_for_another_action_is_refused_as_wrong_action() {
        let mut c = claims();
        c.act = Action::Exec;
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenWrongAction);
        let mut unknown = claims_json();
        unknown["act"] = json!("reboot-host");
        assert_eq!(code_of(&forge(&hs256_header(), &unknown, SECRET)), ErrorCode::TokenWrongAction);
    }

    #[test]
    fn a_token_for_another_or_no_container_is_refused_as_wrong_container() {
        for ctr in [Some("c2".to_owned()), None, Some("C1".to_owned())] {
            let mut c = claims();
            c.ctr = ctr;
            assert_eq!(code_of(&mint(&c)), ErrorCode::TokenWrongContainer);
        }
        let mut list = claims();
        list.act = Action::List;
        let list_expect = Expectations { action: Action::List, container: None, ..expect() };
        assert_eq!(
            verify_operation_token(&mint(&list), &ring(), &list_expect, NOW).unwrap_err().code,
            ErrorCode::TokenWrongContainer,
            "a list token must not carry a container"
        );
    }

    #[test]
    fn a_create_token_needs_a_container_but_the_path_has_none() {
        let create_expect = Expectations { action: Action::Create, container: None, ..expect() };
        let mut c = claims();
        c.act = Action::Create;
        c.ctr = Some("c2".into());
        assert!(verify_operation_token(&mint(&c), &ring(), &create_expect, NOW).is_ok());
        c.ctr = None;
        assert_eq!(
            verify_operation_token(&mint(&c), &ring(), &create_expect, NOW).unwrap_err().code,
            ErrorCode::TokenWrongContainer,
            "a create token names the container it creates"
        );
    }

    fn create_claims(ctr: &str) -> Claims {
        Claims { act: Action::Create, ctr: Some(ctr.into()), ..claims() }
    }

    #[test]
    fn a_create_body_must_name_the_tokens_container() {
        let c = create_claims("c2");
        assert!(check_created_container(&c, br#"{"name":"c2","image":"x"}"#).is_ok());
        assert_eq!(
            check_created_container(&c, br#"{"name":"c3","image":"x"}"#).unwrap_err().code,
            ErrorCode::TokenWrongContainer
        );
        // Other actions have their container in the path.
        assert!(check_created_container(&claims(), br#"{"name":"other"}"#).is_ok());
    }

    #[test]
    fn a_create_body_that_the_route_would_not_parse_fails_the_check_closed_with_the_parse_error() {
        let c = create_claims("c2");
        for body in [
            &b"not json"[..],
            br#"{"image":"x"}"#,
            br#"{"name":3,"image":"x"}"#,
            b"",
            br#"{"name":"c2","image":"x","ephemeral":true}"#,
        ] {
            assert_eq!(
                check_created_container(&c, body).unwrap_err().code,
                ErrorCode::InvalidRequest,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let devices = br#"{"name":"c2","image":"x","devices":{"d":{"type":"disk","source":"/"}}}"#;
        assert_eq!(check_created_container(&c, devices).unwrap_err().code, ErrorCode::ForbiddenConfig);
    }

    #[test]
    fn a_create_body_with_two_names_is_refused_whichever_name_the_token_has() {
        for (ctr, body) in [
            ("c2", &br#"{"name":"c2","image":"x","name":"victim"}"#[..]),
            ("victim", br#"{"name":"c2","image":"x","name":"victim"}"#),
            ("c2", br#"{"name":"c2","image":"x","n\u0061me":"victim"}"#),
            ("c2", br#"{"name":"c2","image":"x","config":{"user.a":"1","user.a":"2"}}"#),
        ] {
            assert_eq!(
                check_created_container(&create_claims(ctr), body).unwrap_err().code,
                ErrorCode::InvalidRequest,
                "{ctr}: {}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn the_uid_claim_must_look_like_an_lxd_uuid_and_bind_a_container_in_the_path() {
        let uuid = "3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3a";
        let mut good = claims_json();
        good["uid"] = json!(uuid);
        assert_eq!(verify(&forge(&hs256_header(), &good, SECRET)).unwrap().uid.as_deref(), Some(uuid));
        for bad in [
            json!("3f1c2b9e58d44a8e9a510c2f7d1e6b3a"),
            json!("3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3"),
            json!("3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3g"),
            json!("3f1c2b9e-58d4-4a8e-9a510-c2f7d1e6b3a"),
            json!("../../../../../../../../../etc/x.y.z"),
            json!(""),
            json!(7),
        ] {
            let mut payload = claims_json();
            payload["uid"] = bad.clone();
            assert_eq!(code_of(&forge(&hs256_header(), &payload, SECRET)), ErrorCode::TokenMalformed, "{bad}");
        }
        let mut create = serde_json::to_value(create_claims("c2")).unwrap();
        create["uid"] = json!(uuid);
        let create_expect = Expectations { action: Action::Create, container: None, ..expect() };
        assert_eq!(
            verify_operation_token(&forge(&hs256_header(), &create, SECRET), &ring(), &create_expect, NOW)
                .unwrap_err()
                .code,
            ErrorCode::TokenMalformed,
            "a uid names an existing instance; a create has none"
        );
    }

    #[test]
    fn a_token_bound_to_an_instance_uuid_acts_only_on_that_instance() {
        let uuid = "3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3a";
        let bound = Claims { uid: Some(uuid.into()), ..claims() };
        assert!(check_instance_uuid(&bound, Some(uuid)).is_ok());
        assert!(check_instance_uuid(&bound, Some(&uuid.to_ascii_uppercase())).is_ok());
        for other in [Some("9e0a7c55-1d2b-4c3d-8e4f-5a6b7c8d9e0f"), None] {
            assert_eq!(check_instance_uuid(&bound, other).unwrap_err().code, ErrorCode::InstanceChanged);
        }
        assert!(check_instance_uuid(&claims(), Some(uuid)).is_ok(), "a token without uid is not bound");
    }

    #[test]
    fn host_and_uid_are_left_out_of_a_token_that_does_not_use_them() {
        let payload = claims_json();
        assert!(payload.get("host").is_none() && payload.get("uid").is_none(), "{payload}");
        let verified = verify(&mint(&claims())).unwrap();
        assert!(!verified.host && verified.uid.is_none());
        let host = Claims { host: true, adm: true, ..claims() };
        assert!(verify(&mint(&host)).unwrap().host);
    }

    #[test]
    fn a_token_for_another_or_no_service_is_refused_as_wrong_service() {
        let service_expect = Expectations { action: Action::ServiceRestart, service: Some("web.service"), ..expect() };
        let mut c = claims();
        c.act = Action::ServiceRestart;
        c.svc = Some("web.service".into());
        assert!(verify_operation_token(&mint(&c), &ring(), &service_expect, NOW).is_ok());
        for svc in [Some("db.service".to_owned()), None] {
            c.svc = svc;
            assert_eq!(
                verify_operation_token(&mint(&c), &ring(), &service_expect, NOW).unwrap_err().code,
                ErrorCode::TokenWrongService
            );
        }
    }

    fn snapshot_expect(action: Action, snapshot: Option<&'static str>) -> Expectations<'static> {
        Expectations { action, snapshot, ..expect() }
    }

    fn snapshot_claims(act: Action, snap: Option<&str>) -> Claims {
        Claims { act, snap: snap.map(str::to_owned), ..claims() }
    }

    #[test]
    fn a_restore_or_delete_token_for_another_or_no_snapshot_is_refused_as_wrong_snapshot() {
        for action in [Action::SnapshotRestore, Action::SnapshotDelete] {
            let expect = snapshot_expect(action, Some("s0"));
            assert!(verify_operation_token(&mint(&snapshot_claims(action, Some("s0"))), &ring(), &expect, NOW).is_ok());
            for snap in [Some("s1"), Some("S0"), None] {
                assert_eq!(
                    verify_operation_token(&mint(&snapshot_claims(action, snap)), &ring(), &expect, NOW)
                        .unwrap_err()
                        .code,
                    ErrorCode::TokenWrongSnapshot,
                    "{action} {snap:?}"
                );
            }
        }
    }

    #[test]
    fn a_snapshot_claim_on_a_route_without_a_snapshot_is_refused_as_wrong_snapshot() {
        for action in [Action::Restart, Action::SnapshotList] {
            let expect = snapshot_expect(action, None);
            assert!(verify_operation_token(&mint(&snapshot_claims(action, None)), &ring(), &expect, NOW).is_ok());
            assert_eq!(
                verify_operation_token(&mint(&snapshot_claims(action, Some("s0"))), &ring(), &expect, NOW)
                    .unwrap_err()
                    .code,
                ErrorCode::TokenWrongSnapshot,
                "{action}"
            );
        }
    }

    #[test]
    fn a_snapshot_create_token_needs_snap_which_must_be_the_bodys_name() {
        let expect = snapshot_expect(Action::SnapshotCreate, None);
        let create = snapshot_claims(Action::SnapshotCreate, Some("s0"));
        assert!(verify_operation_token(&mint(&create), &ring(), &expect, NOW).is_ok());
        let without = snapshot_claims(Action::SnapshotCreate, None);
        assert_eq!(
            verify_operation_token(&mint(&without), &ring(), &expect, NOW).unwrap_err().code,
            ErrorCode::TokenWrongSnapshot
        );
        assert!(check_created_snapshot(&create, br#"{"name":"s0","stateful":false}"#).is_ok());
        for body in [&br#"{"name":"s1"}"#[..], br#"{"name":"S0"}"#] {
            assert_eq!(check_created_snapshot(&create, body).unwrap_err().code, ErrorCode::TokenWrongSnapshot);
        }
        for body in [&br#"{"name":"s0","name":"s1"}"#[..], br#"{"name":"s0","expiry":"1d"}"#, b"", b"[]"] {
            assert_eq!(
                check_created_snapshot(&create, body).unwrap_err().code,
                ErrorCode::InvalidRequest,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // Other actions have their snapshot, if any, in the path.
        assert!(check_created_snapshot(&snapshot_claims(Action::SnapshotRestore, Some("s0")), b"x").is_ok());
    }

    #[test]
    fn the_snapshot_is_checked_after_the_service() {
        let mut c = snapshot_claims(Action::SnapshotDelete, Some("s1"));
        c.svc = Some("web.service".into());
        let expect = snapshot_expect(Action::SnapshotDelete, Some("s0"));
        assert_eq!(
            verify_operation_token(&mint(&c), &ring(), &expect, NOW).unwrap_err().code,
            ErrorCode::TokenWrongService
        );
        assert!(claims_json().get("snap").is_none(), "snap is left out of a token without it");
    }

    #[test]
    fn a_token_order_names_a_snapshot_exactly_for_the_actions_that_need_one() {
        let claims = |o: TokenOrder<'static>| o.claims("i", "alita", 60, NOW, "j".repeat(22));
        let with = |action, snapshot| TokenOrder { snapshot, ..order(action, Some("c1"), None) };
        for action in [Action::SnapshotCreate, Action::SnapshotRestore, Action::SnapshotDelete] {
            assert_eq!(claims(with(action, Some("s0"))).unwrap().snap.as_deref(), Some("s0"), "{action}");
            assert_eq!(claims(with(action, None)).unwrap_err().code, ErrorCode::InvalidRequest, "{action}");
            assert_eq!(claims(with(action, Some("s_0"))).unwrap_err().code, ErrorCode::InvalidName, "{action}");
        }
        for action in [Action::SnapshotList, Action::Restart] {
            assert_eq!(claims(with(action, None)).unwrap().snap, None, "{action}");
            assert_eq!(claims(with(action, Some("s0"))).unwrap_err().code, ErrorCode::InvalidRequest, "{action}");
        }
    }

    #[test]
    fn each_missing_required_claim_is_malformed_and_named() {
        for name in ["iss", "sub", "aud", "iat", "exp", "jti", "act"] {
            let mut payload = claims_json();
            payload.as_object_mut().unwrap().remove(name);
            let rejection = verify(&forge(&hs256_header(), &payload, SECRET)).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::TokenMalformed, "{name}");
            assert!(rejection.message.contains(&format!("`{name}`")), "{name}: {}", rejection.message);
        }
    }

    #[test]
    fn claims_of_the_wrong_type_are_malformed() {
        for (name, value) in [("iat", json!(1.5)), ("exp", json!("soon")), ("adm", json!("yes")), ("ctr", json!(1))] {
            let mut payload = claims_json();
            payload[name] = value;
            assert_eq!(code_of(&forge(&hs256_header(), &payload, SECRET)), ErrorCode::TokenMalformed, "{name}");
        }
    }

    #[test]
    fn a_weak_or_odd_jti_is_malformed() {
        for jti in ["short", &"a".repeat(65), "has spaces in it xxxxxxxxxx", "has/slash+plus=padding=xx"] {
            let mut c = claims();
            c.jti = jti.to_owned();
            assert_eq!(code_of(&mint(&c)), ErrorCode::TokenMalformed, "{jti}");
        }
    }

    #[test]
    fn a_subject_with_control_characters_is_malformed_so_it_cannot_forge_log_lines() {
        let mut c = claims();
        c.sub = "ann\nINFO fake log line".into();
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenMalformed);
    }

    #[test]
    fn claims_at_the_ends_of_i64_are_refused_not_a_panic() {
        // `exp + LEEWAY_S` and `exp - iat` overflowed on such claims of a
        // correctly signed token: a panic with overflow checks.
        for (iat, exp, code) in [
            (NOW - 10, i64::MAX, ErrorCode::TokenTtlTooLong),
            (i64::MIN, NOW + 10, ErrorCode::TokenTtlTooLong),
            (i64::MIN, i64::MAX, ErrorCode::TokenTtlTooLong),
            (i64::MAX - 1, i64::MAX, ErrorCode::TokenNotYetValid),
        ] {
            let mut payload = claims_json();
            payload["iat"] = json!(iat);
            payload["exp"] = json!(exp);
            assert_eq!(code_of(&forge(&hs256_header(), &payload, SECRET)), code, "iat {iat}, exp {exp}");
        }
    }

    #[test]
    fn exp_before_iat_is_malformed() {
        let mut c = claims();
        c.exp = c.iat;
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenMalformed);
    }

    #[test]
    fn checks_run_in_order_and_the_first_failure_wins() {
        // Expired and for another machine: time comes before audience.
        let mut c = claims();
        c.iat = NOW - 100;
        c.exp = NOW - 50;
        c.aud = "elsewhere".into();
        assert_eq!(code_of(&mint(&c)), ErrorCode::TokenExpired);
        // Wrong secret and expired: the signature comes before time.
        assert_eq!(
            code_of(&forge(&hs256_header(), &serde_json::to_value(&c).unwrap(), "wrong-secret-wrong-secret-wrong-sec")),
            ErrorCode::TokenSignature
        );
        // Unknown key and bad algorithm: the header comes first.
        let header = json!({"alg": "HS512", "kid": "k9"});
        assert_eq!(code_of(&forge(&header, &claims_json(), SECRET)), ErrorCode::TokenMalformed);
        // Wrong action and wrong container: the action comes first.
        let mut d = claims();
        d.act = Action::Exec;
        d.ctr = Some("c2".into());
        assert_eq!(code_of(&mint(&d)), ErrorCode::TokenWrongAction);
    }

    #[test]
    fn a_token_with_a_body_hash_is_bound_to_exactly_that_body() {
        let mut c = claims();
        c.bh = Some(body_hash(br#"{"force":true}"#));
        assert!(check_body_hash(&c, br#"{"force":true}"#).is_ok());
        assert_eq!(check_body_hash(&c, br#"{"force":false}"#).unwrap_err().code, ErrorCode::TokenBodyMismatch);
        assert_eq!(check_body_hash(&c, b"").unwrap_err().code, ErrorCode::TokenBodyMismatch);
    }

    #[test]
    fn a_token_without_a_body_hash_is_bound_to_an_empty_body() {
        assert!(check_body_hash(&claims(), b"").is_ok());
        assert_eq!(check_body_hash(&claims(), b"{}").unwrap_err().code, ErrorCode::TokenBodyMismatch);
    }

    #[test]
    fn an_interactive_token_with_bh_is_bound_to_exactly_that_query_string() {
        let query = "cols=80&rows=24";
        let mut c = Claims { act: Action::Terminal, ..claims() };
        c.bh = Some(body_hash(query.as_bytes()));
        assert!(check_query_hash(&c, query).is_ok());
        for other in ["cols=80&rows=25", "rows=24&cols=80", "cols=80&rows=24&user=0", ""] {
            assert_eq!(check_query_hash(&c, other).unwrap_err().code, ErrorCode::TokenBodyMismatch, "{other}");
        }
        c.bh = Some(body_hash(b""));
        assert!(check_query_hash(&c, "").is_ok(), "no query binds the empty string");
        assert!(check_query_hash(&Claims { act: Action::Terminal, ..claims() }, query).is_ok(), "bh is optional there");
    }

    #[test]
    fn exec_stream_and_tunnel_tokens_must_bind_their_query() {
        let query = "command=%5B%22id%22%5D";
        for act in [Action::ExecStream, Action::Tunnel] {
            let refused = check_query_hash(&Claims { act, ..claims() }, query).unwrap_err();
            assert_eq!(refused.code, ErrorCode::TokenBodyMismatch, "{act}");
            assert!(refused.message.contains("must bind the query"), "{}", refused.message);
            let bound = Claims { act, bh: Some(body_hash(query.as_bytes())), ..claims() };
            assert!(check_query_hash(&bound, query).is_ok(), "{act}");
            // The hash is of the bytes as sent: a decoded or re-encoded query differs.
            assert!(check_query_hash(&bound, r#"command=["id"]"#).is_err(), "{act}");
        }
    }

    #[test]
    fn a_body_sha256_in_hex_or_base64url_normalizes_to_bh() {
        let bh = body_hash(b"hello");
        let hex_form = hex::encode(Sha256::digest(b"hello"));
        assert_eq!(normalize_body_sha256(&hex_form).unwrap(), bh);
        assert_eq!(normalize_body_sha256(&bh).unwrap(), bh);
        assert_eq!(normalize_body_sha256("abc").unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn the_minted_header_names_hs256_jwt_and_the_key_id_only() {
        let token = mint(&claims());
        let header = URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
        let header: Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header, json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}));
    }

    fn order(action: Action, container: Option<&'static str>, service: Option<&'static str>) -> TokenOrder<'static> {
        TokenOrder {
            action,
            container,
            service,
            snapshot: None,
            ttl_s: None,
            subject: "ops",
            admin: false,
            host: false,
            uid: None,
            body_hash: None,
        }
    }

    #[test]
    fn a_token_order_becomes_claims_that_verify() {
        let claims = order(Action::Restart, Some("c1"), None)
            .claims("smp-agent-cli", "alita", 60, NOW, jti_from_random(&[1; 18]))
            .unwrap();
        assert_eq!((claims.exp - claims.iat, claims.ctr.as_deref()), (DEFAULT_TTL_S, Some("c1")));
        assert!(verify(&mint(&claims)).is_ok());
    }

    #[test]
    fn a_token_order_applies_the_suffix_and_bounds_the_ttl_to_max_ttl() {
        let claims = order(Action::ServiceRestart, Some("c1"), Some("web"))
            .claims("i", "alita", 10, NOW, "j".repeat(22))
            .unwrap();
        assert_eq!((claims.svc.as_deref(), claims.exp - claims.iat), (Some("web.service"), 10));
        let too_long = TokenOrder { ttl_s: Some(11), ..order(Action::List, None, None) };
        assert_eq!(too_long.claims("i", "a", 10, NOW, "j".repeat(22)).unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn a_token_order_with_a_missing_extra_or_invalid_target_is_refused() {
        let claims =
            |o: TokenOrder<'static>| o.claims("i", "alita", 60, NOW, "j".repeat(22)).map(|_| ()).unwrap_err().code;
        assert_eq!(claims(order(Action::Restart, None, None)), ErrorCode::InvalidRequest);
        assert_eq!(claims(order(Action::List, Some("c1"), None)), ErrorCode::InvalidRequest);
        assert_eq!(claims(order(Action::Restart, Some("c1"), Some("web"))), ErrorCode::InvalidRequest);
        assert_eq!(claims(order(Action::ServiceStart, Some("c1"), None)), ErrorCode::InvalidRequest);
        assert_eq!(claims(order(Action::Restart, Some("../x"), None)), ErrorCode::InvalidName);
        assert_eq!(claims(order(Action::ServiceStart, Some("c1"), Some("a;b"))), ErrorCode::InvalidName);
        assert_eq!(
            claims(TokenOrder { subject: "a\nb", ..order(Action::List, None, None) }),
            ErrorCode::InvalidRequest
        );
        let uuid = Some("3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3a".to_owned());
        assert_eq!(
            claims(TokenOrder { uid: uuid.clone(), ..order(Action::List, None, None) }),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            claims(TokenOrder { uid: Some("not-a-uuid".into()), ..order(Action::Restart, Some("c1"), None) }),
            ErrorCode::InvalidRequest
        );
        let bound = TokenOrder { uid: uuid.clone(), host: true, ..order(Action::Restart, Some("c1"), None) }
            .claims("i", "alita", 60, NOW, "j".repeat(22))
            .unwrap();
        assert_eq!((bound.uid, bound.host), (uuid, true));
    }

    #[test]
    fn a_key_never_shows_its_secret_in_debug_output() {
        let debug = format!("{:?}", SharedKey::new("k1", SECRET));
        assert!(!debug.contains(SECRET));
        assert!(debug.contains("k1"));
    }

    #[test]
    fn jtis_from_random_bytes_are_24_base64url_characters() {
        let jti = jti_from_random(&[0xff; 18]);
        assert_eq!(jti.len(), 24);
        assert!(jti.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
