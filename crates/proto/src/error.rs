//! The stable error codes of the protocol, their HTTP status, and the JSON
//! error body `{"error":{"code":…,"message":…}}` both services answer with.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config_policy::ConfigProblem;
use crate::names::{InstanceNameProblem, UnitNameProblem};

/// Every error code of PROTOCOL.md. The string form is stable: scripts match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidName,
    /// `create`: the image alias is not one of this agent's LXD project.
    UnknownImage,
    /// `create`: a profile does not exist in this agent's LXD project.
    UnknownProfile,
    BodyTooLarge,
    TokenMissing,
    TokenMalformed,
    UnknownKey,
    TokenSignature,
    TokenExpired,
    TokenNotYetValid,
    TokenTtlTooLong,
    TokenPredatesAgent,
    TokenReplayed,
    SignatureInvalid,
    TimestampSkew,
    TokenWrongAudience,
    TokenWrongAction,
    TokenWrongContainer,
    TokenWrongService,
    /// The token's `snap` is not the snapshot of the path (or, for
    /// `snapshot.create`, of the body).
    TokenWrongSnapshot,
    TokenBodyMismatch,
    ForbiddenConfig,
    NotFound,
    UnitNotFound,
    MethodNotAllowed,
    AlreadyRunning,
    AlreadyStopped,
    /// `create`: an instance of that name exists already.
    AlreadyExists,
    Busy,
    NoSystemd,
    /// A token bound to an instance (`uid`) met another instance of the
    /// same name: the one it was minted for was deleted and re-made.
    InstanceChanged,
    /// `tunnel`: the container has no address to connect to (stopped, or
    /// no address leased to its own MAC yet).
    NoAddress,
    /// `tunnel`: nothing accepted a TCP connection on that port of the
    /// container (refused, unreachable, or no answer in time).
    PortUnreachable,
    /// `forward.set`: a listen port another container's forward holds.
    PortTaken,
    /// `address`: an address another instance holds (leased or static).
    AddressTaken,
    /// A network the agent's operator did not list in `[[networks]]`.
    NetworkNotAllowed,
    /// The agent's concurrency limits (`max_sessions`,
    /// `max_sessions_per_container`) are reached: retry later.
    LimitReached,
    LxdError,
    LxdUnavailable,
    Timeout,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 42] = [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidName,
        ErrorCode::UnknownImage,
        ErrorCode::UnknownProfile,
        ErrorCode::BodyTooLarge,
        ErrorCode::TokenMissing,
        ErrorCode::TokenMalformed,
        ErrorCode::UnknownKey,
        ErrorCode::TokenSignature,
        ErrorCode::TokenExpired,
        ErrorCode::TokenNotYetValid,
        ErrorCode::TokenTtlTooLong,
        ErrorCode::TokenPredatesAgent,
        ErrorCode::TokenReplayed,
        ErrorCode::SignatureInvalid,
        ErrorCode::TimestampSkew,
        ErrorCode::TokenWrongAudience,
        ErrorCode::TokenWrongAction,
        ErrorCode::TokenWrongContainer,
        ErrorCode::TokenWrongService,
        ErrorCode::TokenWrongSnapshot,
        ErrorCode::TokenBodyMismatch,
        ErrorCode::ForbiddenConfig,
        ErrorCode::NotFound,
        ErrorCode::UnitNotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::AlreadyRunning,
        ErrorCode::AlreadyStopped,
        ErrorCode::AlreadyExists,
        ErrorCode::Busy,
        ErrorCode::NoSystemd,
        ErrorCode::InstanceChanged,
        ErrorCode::NoAddress,
        ErrorCode::PortUnreachable,
        ErrorCode::PortTaken,
        ErrorCode::AddressTaken,
        ErrorCode::NetworkNotAllowed,
        ErrorCode::LimitReached,
        ErrorCode::LxdError,
        ErrorCode::LxdUnavailable,
        ErrorCode::Timeout,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::UnknownImage => "unknown_image",
            ErrorCode::UnknownProfile => "unknown_profile",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::TokenMissing => "token_missing",
            ErrorCode::TokenMalformed => "token_malformed",
            ErrorCode::UnknownKey => "unknown_key",
            ErrorCode::TokenSignature => "token_signature",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenNotYetValid => "token_not_yet_valid",
            ErrorCode::TokenTtlTooLong => "token_ttl_too_long",
            ErrorCode::TokenPredatesAgent => "token_predates_agent",
            ErrorCode::TokenReplayed => "token_replayed",
            ErrorCode::SignatureInvalid => "signature_invalid",
            ErrorCode::TimestampSkew => "timestamp_skew",
            ErrorCode::TokenWrongAudience => "token_wrong_audience",
            ErrorCode::TokenWrongAction => "token_wrong_action",
            ErrorCode::TokenWrongContainer => "token_wrong_container",
            ErrorCode::TokenWrongService => "token_wrong_service",
            ErrorCode::TokenWrongSnapshot => "token_wrong_snapshot",
            ErrorCode::TokenBodyMismatch => "token_body_mismatch",
            ErrorCode::ForbiddenConfig => "forbidden_config",
            ErrorCode::NotFound => "not_found",
            ErrorCode::UnitNotFound => "unit_not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::AlreadyRunning => "already_running",
            ErrorCode::AlreadyStopped => "already_stopped",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::Busy => "busy",
            ErrorCode::NoSystemd => "no_systemd",
            ErrorCode::InstanceChanged => "instance_changed",
            ErrorCode::NoAddress => "no_address",
            ErrorCode::PortUnreachable => "port_unreachable",
            ErrorCode::PortTaken => "port_taken",
            ErrorCode::AddressTaken => "address_taken",
            ErrorCode::NetworkNotAllowed => "network_not_allowed",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::LxdError => "lxd_error",
            ErrorCode::LxdUnavailable => "lxd_unavailable",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Internal => "internal",
        }
    }

    /// The one place that decides the HTTP status of each code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest | ErrorCode::BodyTooLarge => 400,
            ErrorCode::InvalidName | ErrorCode::UnknownImage | ErrorCode::UnknownProfile => 422,
            ErrorCode::TokenMissing
            | ErrorCode::TokenMalformed
            | ErrorCode::UnknownKey
            | ErrorCode::TokenSignature
            | ErrorCode::TokenExpired
            | ErrorCode::TokenNotYetValid
            | ErrorCode::TokenTtlTooLong
            | ErrorCode::TokenPredatesAgent
            | ErrorCode::TokenReplayed
            | ErrorCode::SignatureInvalid
            | ErrorCode::TimestampSkew => 401,
            ErrorCode::TokenWrongAudience
            | ErrorCode::TokenWrongAction
            | ErrorCode::TokenWrongContainer
            | ErrorCode::TokenWrongService
            | ErrorCode::TokenWrongSnapshot
            | ErrorCode::TokenBodyMismatch
            | ErrorCode::ForbiddenConfig
            | ErrorCode::NetworkNotAllowed => 403,
            ErrorCode::NotFound | ErrorCode::UnitNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::AlreadyRunning
            | ErrorCode::AlreadyStopped
            | ErrorCode::AlreadyExists
            | ErrorCode::Busy
            | ErrorCode::NoSystemd
            | ErrorCode::InstanceChanged
            | ErrorCode::NoAddress
            | ErrorCode::PortTaken
            | ErrorCode::AddressTaken => 409,
            ErrorCode::LimitReached => 429,
            ErrorCode::Internal => 500,
            ErrorCode::LxdError | ErrorCode::PortUnreachable => 502,
            ErrorCode::LxdUnavailable => 503,
            ErrorCode::Timeout => 504,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused request: a stable code and a message that says what to do.
/// Messages never contain a secret or the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// What the message says, as data, for the refusals a caller may say
    /// in its own words (the panel's pages, in their reader's language);
    /// `None` for the others.
    pub reason: Option<Reason>,
}

impl Rejection {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Rejection { code, message: message.into(), reason: None }
    }

    /// A refusal whose message is `reason`'s.
    pub fn because(code: ErrorCode, reason: Reason) -> Self {
        Rejection { code, message: reason.to_string().into(), reason: Some(reason) }
    }
}

/// Why a name or a configuration was refused, as data; its `Display` is
/// the refusal's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    InstanceName(InstanceNameProblem),
    /// A snapshot name, under the instance rules.
    SnapshotName(InstanceNameProblem),
    UnitName(UnitNameProblem),
    Config(ConfigProblem),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::InstanceName(problem) => problem.fmt(f),
            Reason::SnapshotName(problem) => f.write_str(&problem.message("snapshot")),
            Reason::UnitName(problem) => problem.fmt(f),
            Reason::Config(problem) => problem.fmt(f),
        }
    }
}

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&Rejection> for ErrorBody {
    fn from(rejection: &Rejection) -> Self {
        ErrorBody { error: ErrorDetail { code: rejection.code, message: rejection.message.to_string() } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serializes_to_its_stable_string() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn token_failures_are_401_and_binding_failures_are_403() {
        assert_eq!(ErrorCode::TokenReplayed.http_status(), 401);
        assert_eq!(ErrorCode::TokenPredatesAgent.http_status(), 401);
        assert_eq!(ErrorCode::TokenWrongContainer.http_status(), 403);
        assert_eq!(ErrorCode::ForbiddenConfig.http_status(), 403);
        assert_eq!(ErrorCode::AlreadyRunning.http_status(), 409);
        assert_eq!(ErrorCode::LxdError.http_status(), 502);
        assert_eq!(ErrorCode::LxdUnavailable.http_status(), 503);
        assert_eq!(ErrorCode::Timeout.http_status(), 504);
    }

    #[test]
    fn service_codes_are_stable_with_their_status() {
        assert_eq!((ErrorCode::NoSystemd.as_str(), ErrorCode::NoSystemd.http_status()), ("no_systemd", 409));
        assert_eq!((ErrorCode::UnitNotFound.as_str(), ErrorCode::UnitNotFound.http_status()), ("unit_not_found", 404));
    }

    #[test]
    fn create_codes_are_stable_with_their_status() {
        assert_eq!(
            (ErrorCode::AlreadyExists.as_str(), ErrorCode::AlreadyExists.http_status()),
            ("already_exists", 409)
        );
        assert_eq!((ErrorCode::UnknownImage.as_str(), ErrorCode::UnknownImage.http_status()), ("unknown_image", 422));
        assert_eq!(
            (ErrorCode::UnknownProfile.as_str(), ErrorCode::UnknownProfile.http_status()),
            ("unknown_profile", 422)
        );
    }

    #[test]
    fn the_codes_of_the_security_pass_are_stable_with_their_status() {
        assert_eq!(
            (ErrorCode::InstanceChanged.as_str(), ErrorCode::InstanceChanged.http_status()),
            ("instance_changed", 409)
        );
        assert_eq!((ErrorCode::LimitReached.as_str(), ErrorCode::LimitReached.http_status()), ("limit_reached", 429));
    }

    #[test]
    fn the_tunnel_codes_are_stable_with_their_status() {
        assert_eq!((ErrorCode::NoAddress.as_str(), ErrorCode::NoAddress.http_status()), ("no_address", 409));
        assert_eq!(
            (ErrorCode::PortUnreachable.as_str(), ErrorCode::PortUnreachable.http_status()),
            ("port_unreachable", 502)
        );
    }

    #[test]
    fn the_snapshot_binding_code_is_stable_and_a_403_like_the_other_bindings() {
        assert_eq!(
            (ErrorCode::TokenWrongSnapshot.as_str(), ErrorCode::TokenWrongSnapshot.http_status()),
            ("token_wrong_snapshot", 403)
        );
    }

    #[test]
    fn the_error_body_has_the_documented_shape() {
        let body = ErrorBody::from(&Rejection::new(ErrorCode::TokenReplayed, "mint a new token"));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": "token_replayed", "message": "mint a new token"}})
        );
    }
}
