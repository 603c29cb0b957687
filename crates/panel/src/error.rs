//! `AppError`, the one error type at the panel's HTTP edge.
//!
//! Handlers and extractors return it; `ResponseError` turns it into PANEL.md's
//! body `{"error":{"code","message"}}` with the status that `ErrorCode::status`
//! (the one match that decides every status) gives. Internal errors say little
//! to the caller and log everything. The `*_error_handler` functions make
//! actix's own refusals of bad paths and queries answer in the same shape;
//! bodies are read by `api::body::Body` and parsed inside the audited work
//! (malformed JSON, unknown fields, wrong types, oversize: 4xx, never a 500).

use std::borrow::Cow;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Serialize;
use utoipa::ToSchema;

use smp_proto::error::ErrorCode as AgentCode;

use crate::agents::AgentCallError;
use crate::db::DbError;
use crate::db::machines::MachineError;
use crate::db::users::UserError;
use crate::domain::language::Language;
use crate::texts;

/// The `code` of an error: every code the panel answers with. `as_str` is
/// what clients see; the status follows from it (`status`, docs/api.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthenticated,
    InvalidCredentials,
    CsrfFailed,
    Forbidden,
    AccountDisabled,
    ApprovalPending,
    NotFound,
    Conflict,
    InvalidInput,
    BodyTooLarge,
    RateLimited,
    Internal,
    AgentError,
    AgentUnavailable,
    AgentTimeout,
    /// A machine's agent refused the key a rotation wanted to switch to.
    KeyRefused,
    /// A rotation could not confirm the new key (agent unreachable or failing).
    KeyUnverified,
    /// A create or resize does not fit the member's quota.
    QuotaExceeded,
    /// Configuration the caller may not set (PROTOCOL.md's whitelist).
    ForbiddenConfig,
    /// A container of that name is already on the machine.
    AlreadyExists,
    /// The machine has no image of that alias.
    UnknownImage,
    /// The machine's LXD has no profile of that name.
    UnknownProfile,
    /// A container with live sub-containers is not deleted.
    HasChildren,
    /// Too many calls at once: the user's agent calls in flight
    /// (`max_agent_calls_per_user`) or the agent's own limits.
    LimitReached,
    /// The container of that name on its machine is no longer the one the
    /// panel knows (deleted and made again): nothing was done.
    InstanceChanged,
    /// Only a signed-in browser session may do this (make a token), not a token.
    SessionRequired,
    /// A `read` token was used for a request that changes state.
    TokenScope,
    /// The password typed again (to make a token, to change it) is not the account's.
    WrongPassword,
    /// A browser request whose `Origin` is not the panel's (`origin`).
    OriginMismatch,
    /// The listen port asked for is taken, or every port of the range is.
    PortTaken,
    /// Another container of the machine has that address on that network.
    AddressTaken,
    /// A forward needs the container's static address: an admin sets one first.
    NoAddress,
    /// The machine's agent may not touch that network.
    NetworkNotAllowed,
    /// The LDAP directory could not be reached or did not answer in time
    /// (a sign-in of a directory account or of an unknown username).
    DirectoryUnavailable,
    /// The account has TOTP on: the login needs `totp` (or `recovery_code`) too.
    TotpRequired,
    /// A TOTP code or recovery code that is wrong, used already, or from
    /// outside its time window.
    TotpInvalid,
    /// An OpenID Connect sign-in that cannot be accepted: the provider said
    /// no, or its answer failed a check (state, code, ID token, nonce).
    SignInFailed,
    /// The OpenID Connect provider could not be reached or did not answer in time.
    ProviderUnavailable,
    /// The panel's own database cannot be reached, is restarting, or stayed
    /// locked by another process past the busy timeout: nothing was done.
    DatabaseUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::ApprovalPending => "approval_pending",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::AgentError => "agent_error",
            ErrorCode::AgentUnavailable => "agent_unavailable",
            ErrorCode::AgentTimeout => "agent_timeout",
            ErrorCode::KeyRefused => "key_refused",
            ErrorCode::KeyUnverified => "key_unverified",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::ForbiddenConfig => "forbidden_config",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::UnknownImage => "unknown_image",
            ErrorCode::UnknownProfile => "unknown_profile",
            ErrorCode::HasChildren => "has_children",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::InstanceChanged => "instance_changed",
            ErrorCode::SessionRequired => "session_required",
            ErrorCode::TokenScope => "token_scope",
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::OriginMismatch => "origin_mismatch",
            ErrorCode::PortTaken => "port_taken",
            ErrorCode::AddressTaken => "address_taken",
            ErrorCode::NoAddress => "no_address",
            ErrorCode::NetworkNotAllowed => "network_not_allowed",
            ErrorCode::DirectoryUnavailable => "directory_unavailable",
            ErrorCode::TotpRequired => "totp_required",
            ErrorCode::TotpInvalid => "totp_invalid",
            ErrorCode::SignInFailed => "sign_in_failed",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
        }
    }

    /// The one place a status is chosen.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials | ErrorCode::TotpRequired => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::CsrfFailed
            | ErrorCode::Forbidden
            | ErrorCode::AccountDisabled
            | ErrorCode::ApprovalPending
            | ErrorCode::ForbiddenConfig
            | ErrorCode::SessionRequired
            | ErrorCode::TokenScope
            | ErrorCode::WrongPassword
            | ErrorCode::OriginMismatch
            | ErrorCode::NetworkNotAllowed
            | ErrorCode::TotpInvalid => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict
            | ErrorCode::KeyRefused
            | ErrorCode::QuotaExceeded
            | ErrorCode::AlreadyExists
            | ErrorCode::HasChildren
            | ErrorCode::InstanceChanged
            | ErrorCode::PortTaken
            | ErrorCode::AddressTaken
            | ErrorCode::NoAddress => StatusCode::CONFLICT,
            ErrorCode::SignInFailed => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidInput | ErrorCode::UnknownImage | ErrorCode::UnknownProfile => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited | ErrorCode::LimitReached => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::AgentError => StatusCode::BAD_GATEWAY,
            ErrorCode::AgentUnavailable
            | ErrorCode::KeyUnverified
            | ErrorCode::DirectoryUnavailable
            | ErrorCode::ProviderUnavailable
            | ErrorCode::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::AgentTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }
}

/// The message of the policy's 403 (`CurrentUser::decide`); pages that
/// explain a refusal in their own words recognize it by this.
pub const NOT_ALLOWED: &str = "you are not allowed to do this";

/// An answer that is not a success.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct AppError {
    pub code: ErrorCode,
    /// What the API answers, in English.
    pub message: Cow<'static, str>,
    /// An agent call whose outcome is unknown: sent, but its answer lost or
    /// LXD past its timeout. Its outcome row comes from LXD's state later
    /// (`app::audited`), and a page's job waits for it.
    pub outcome_unknown: bool,
    /// The message as a key of the Fluent files, for a page to say it in
    /// its reader's language (`message_in`); `None`: a message with words
    /// of someone else's (LXD's, a provider's), shown as it is.
    pub text: Option<Text>,
}

/// A message of the Fluent files (`locales/*/errors-*.ftl`): its key and
/// its arguments.
#[derive(Debug, Clone)]
pub struct Text {
    pub key: &'static str,
    pub args: Vec<(&'static str, FluentValue<'static>)>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> AppError {
        AppError { code, message: message.into(), outcome_unknown: false, text: None }
    }

    /// An error whose message is `key` of the Fluent files with `args`
    /// (`texts::text(value)` for words and numbers to be written as they
    /// are, a number for a plural): the API answers its English text, a page
    /// its reader's language.
    pub fn said(code: ErrorCode, key: &'static str, args: &[(&'static str, FluentValue<'static>)]) -> AppError {
        let message = texts::lookup(Language::English, key, args);
        AppError { text: Some(Text { key, args: args.to_vec() }), ..AppError::new(code, message) }
    }

    /// `said` with `invalid_input`.
    pub fn invalid(key: &'static str, args: &[(&'static str, FluentValue<'static>)]) -> AppError {
        AppError::said(ErrorCode::InvalidInput, key, args)
    }

    /// The message in `language` when it has a text, else as the API says it.
    pub fn message_in(&self, language: Language) -> Cow<'_, str> {
        match &self.text {
            Some(text) => Cow::Owned(texts::lookup(language, text.key, &text.args)),
            None => Cow::Borrowed(&self.message),
        }
    }

    /// Logs `detail` in full and tells the caller only that something failed.
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        tracing::error!(%detail, "internal error");
        AppError::new(ErrorCode::Internal, "internal error; the panel's log has the details")
    }

    pub fn not_found() -> AppError {
        AppError::new(ErrorCode::NotFound, "not found")
    }

    pub fn unauthenticated() -> AppError {
        AppError::new(ErrorCode::Unauthenticated, "sign in first (session cookie or Authorization: Bearer token)")
    }

    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> AppError {
        AppError::new(ErrorCode::InvalidInput, message)
    }
}

/// Every refusal and failure: `{"error":{"code","message"}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

/// What went wrong: a stable code for programs, a message for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail<'a> {
    #[schema(value_type = ErrorCode)]
    code: &'static str,
    /// What happened and what to do; never a secret. Its wording may change.
    #[schema(example = "not found")]
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .json(ErrorBody { error: ErrorDetail { code: self.code.as_str(), message: &self.message } })
    }
}

impl AppError {
    /// The answer while the database cannot serve (`DbError::is_unavailable`):
    /// logged in full, told to the caller without the driver's words.
    fn database_unavailable(detail: impl std::fmt::Display) -> AppError {
        tracing::warn!(%detail, "the database is unavailable");
        AppError::said(ErrorCode::DatabaseUnavailable, "error-database-unavailable", &[])
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> AppError {
        if error.is_unavailable() { AppError::database_unavailable(error) } else { AppError::internal(error) }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        AppError::from(DbError::Query(error))
    }
}

impl From<UserError> for AppError {
    fn from(error: UserError) -> AppError {
        match error {
            UserError::UsernameTaken(name) => AppError::said(
                ErrorCode::Conflict,
                "error-username-taken",
                &[("name", texts::text(format!("{name:?}")))],
            ),
            UserError::Database(error) => AppError::from(error),
            other => AppError::internal(other),
        }
    }
}

impl From<MachineError> for AppError {
    fn from(error: MachineError) -> AppError {
        match error {
            MachineError::NameTaken(name) => AppError::said(
                ErrorCode::Conflict,
                "error-machine-name-taken",
                &[("name", texts::text(format!("{name:?}")))],
            ),
            MachineError::NotFound(_) => AppError::not_found(),
            MachineError::Database(error) => AppError::from(error),
            other => AppError::internal(other),
        }
    }
}

impl From<AgentCallError> for AppError {
    /// What a member reads when her machine's agent (or its LXD) fails: what
    /// happened and what to do, never a token or a secret. The agent's own
    /// message is kept where it is about her request or LXD's refusal.
    fn from(error: AgentCallError) -> AppError {
        let code = match &error {
            AgentCallError::Unavailable { .. } | AgentCallError::AnswerLost { .. } => ErrorCode::AgentUnavailable,
            AgentCallError::Agent { code: AgentCode::ForbiddenConfig, .. } => ErrorCode::ForbiddenConfig,
            AgentCallError::Agent { code: AgentCode::AlreadyExists, .. } => ErrorCode::AlreadyExists,
            AgentCallError::Agent { code: AgentCode::UnknownImage, .. } => ErrorCode::UnknownImage,
            AgentCallError::Agent { code: AgentCode::UnknownProfile, .. } => ErrorCode::UnknownProfile,
            AgentCallError::Agent { status: 429, .. } => ErrorCode::LimitReached,
            AgentCallError::Agent { code: AgentCode::InstanceChanged, .. } => ErrorCode::InstanceChanged,
            AgentCallError::Agent { code: AgentCode::PortTaken, .. } => ErrorCode::PortTaken,
            AgentCallError::Agent { code: AgentCode::AddressTaken, .. } => ErrorCode::AddressTaken,
            AgentCallError::Agent { code: AgentCode::NoAddress, .. } => ErrorCode::NoAddress,
            AgentCallError::Agent { code: AgentCode::NetworkNotAllowed, .. } => ErrorCode::NetworkNotAllowed,
            AgentCallError::Agent { status: 503, .. } => ErrorCode::AgentUnavailable,
            AgentCallError::Agent { status: 504, .. } => ErrorCode::AgentTimeout,
            AgentCallError::Agent { status: 404, .. } | AgentCallError::Agent { status: 409, .. } => {
                ErrorCode::Conflict
            }
            AgentCallError::Agent { status: 400 | 413 | 422, .. } => ErrorCode::InvalidInput,
            AgentCallError::InvalidCall(_) | AgentCallError::Secret(_) => return AppError::internal(error),
            _ => ErrorCode::AgentError,
        };
        let on = |key, machine: &dyn std::fmt::Display| AppError::said(code, key, &[("machine", texts::text(machine))]);
        let answer = match &error {
            AgentCallError::Unavailable { machine, .. } => on("error-agent-unreachable", machine),
            AgentCallError::AnswerLost { machine, .. } => on("error-agent-answer-lost", machine),
            AgentCallError::FingerprintMismatch { machine, .. } => on("error-agent-fingerprint", machine),
            // The unit left the container, or the container runs no systemd;
            // the request's configuration, name, image or profile: the
            // agent's message says which, in its words.
            AgentCallError::Agent {
                code:
                    AgentCode::UnitNotFound
                    | AgentCode::NoSystemd
                    | AgentCode::ForbiddenConfig
                    | AgentCode::AlreadyExists
                    | AgentCode::UnknownImage
                    | AgentCode::UnknownProfile
                    | AgentCode::PortTaken
                    | AgentCode::AddressTaken
                    | AgentCode::NoAddress
                    | AgentCode::NetworkNotAllowed,
                message,
                ..
            } => AppError::new(code, message.clone()),
            AgentCallError::Agent { machine, status: 429, .. } => on("error-agent-busy", machine),
            AgentCallError::Agent { machine, status: 401 | 403, .. } => on("error-agent-credentials", machine),
            AgentCallError::Agent { machine, code: AgentCode::InstanceChanged, .. } => {
                on("error-agent-instance-changed", machine)
            }
            AgentCallError::Agent { machine, status: 404, .. } => on("error-agent-container-gone", machine),
            AgentCallError::Agent { machine, status: 503, .. } => on("error-agent-lxd-unavailable", machine),
            AgentCallError::Agent { machine, status: 504, .. } => on("error-agent-lxd-timeout", machine),
            AgentCallError::Agent { machine, status: 502, message, .. } => AppError::said(
                code,
                "error-agent-lxd-failed",
                &[("machine", texts::text(machine)), ("detail", texts::text(message))],
            ),
            AgentCallError::Agent { message, .. } => AppError::new(code, message.clone()),
            AgentCallError::BadAnswer { machine, .. } => on("error-agent-bad-answer", machine),
            AgentCallError::InvalidCall(_) | AgentCallError::Secret(_) => AppError::new(code, String::new()),
        };
        tracing::warn!(%error, "agent call failed");
        AppError { outcome_unknown: error.outcome_unknown(), ..answer }
    }
}

pub fn query_error_handler(error: QueryPayloadError, _request: &HttpRequest) -> actix_web::Error {
    AppError::invalid_input(format!("invalid query: {error}")).into()
}

/// A path segment of the wrong type (`/users/abc`) names nothing: 404.
pub fn path_error_handler(_error: PathError, _request: &HttpRequest) -> actix_web::Error {
    AppError::not_found().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_documented_status() {
        let table = [
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::InvalidCredentials, 401),
            (ErrorCode::CsrfFailed, 403),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::AccountDisabled, 403),
            (ErrorCode::ApprovalPending, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::BodyTooLarge, 413),
            (ErrorCode::InvalidInput, 422),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::Internal, 500),
            (ErrorCode::AgentError, 502),
            (ErrorCode::AgentUnavailable, 503),
            (ErrorCode::AgentTimeout, 504),
            (ErrorCode::KeyRefused, 409),
            (ErrorCode::KeyUnverified, 503),
            (ErrorCode::QuotaExceeded, 409),
            (ErrorCode::ForbiddenConfig, 403),
            (ErrorCode::AlreadyExists, 409),
            (ErrorCode::UnknownImage, 422),
            (ErrorCode::UnknownProfile, 422),
            (ErrorCode::HasChildren, 409),
            (ErrorCode::LimitReached, 429),
            (ErrorCode::InstanceChanged, 409),
            (ErrorCode::SessionRequired, 403),
            (ErrorCode::TokenScope, 403),
            (ErrorCode::WrongPassword, 403),
            (ErrorCode::OriginMismatch, 403),
            (ErrorCode::PortTaken, 409),
            (ErrorCode::AddressTaken, 409),
            (ErrorCode::NoAddress, 409),
            (ErrorCode::NetworkNotAllowed, 403),
            (ErrorCode::DirectoryUnavailable, 503),
            (ErrorCode::TotpRequired, 401),
            (ErrorCode::TotpInvalid, 403),
            (ErrorCode::SignInFailed, 400),
            (ErrorCode::ProviderUnavailable, 503),
            (ErrorCode::DatabaseUnavailable, 503),
        ];
        for (code, status) in table {
            assert_eq!(code.status().as_u16(), status, "{}", code.as_str());
        }
    }

    #[test]
    fn an_internal_error_says_nothing_of_its_cause() {
        let error = AppError::internal("password authentication failed for user smp at 10.0.0.5");
        assert_eq!(error.code, ErrorCode::Internal);
        assert!(!error.message.contains("10.0.0.5"));
    }
}
