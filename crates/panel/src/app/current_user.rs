//! Who is acting: `CurrentUser`, the signed-in, enabled, approved user a
//! front end authenticated (the `http` extractor, the SSH gateway later), with
//! her policy `Actor`, her audit entries and her agent caller.

use crate::agents::Caller;
use crate::agents::call_limit::CallLimiter;
use crate::app::audited::AuditEntry;
use crate::db::users::User;
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Actor, Decision};

/// How the current request authenticated.
#[derive(Debug, Clone)]
pub enum AuthVia {
    /// The session cookie; `id_hash` names the session row.
    Session { id_hash: String, csrf_token: String },
    /// A bearer token; `hash` names its row.
    Token { hash: String },
    /// A profile SSH key, through the SSH gateway; `key_id` names its row.
    SshKey { key_id: i64 },
}

/// The authenticated, enabled, approved user making the request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub via: AuthVia,
    /// The route's audit action ("request" for routes that change nothing).
    pub action: &'static str,
    /// An admin without TOTP under `require_totp_for_admins`: she acts as a
    /// member (`actor`) until she enrols (`app::totp::admin_withheld`).
    pub admin_withheld: bool,
}

impl CurrentUser {
    /// Her policy actor: a member while her admin rights are withheld.
    pub fn actor(&self) -> Actor {
        policy::acting_as(Actor::from(&self.user), self.admin_withheld)
    }

    /// The audit entry for this user doing the route's action to `object`.
    pub fn audit(&self, object: impl Into<String>) -> AuditEntry {
        AuditEntry {
            actor_id: Some(self.user.id.0),
            actor: self.user.username.to_string(),
            action: self.action,
            object: object.into(),
            machine: None,
            detail: None,
            in_flight: None,
        }
    }

    /// The caller of this user's agent calls: the tier `policy::agent_tier`
    /// gives her, and one of her slots of calls in flight, held until the
    /// caller is dropped; all taken: 429 `limit_reached`, nothing sent.
    pub fn agent_caller(&self, limiter: &CallLimiter) -> Result<Caller, AppError> {
        let slot = limiter
            .try_acquire(self.user.id.0)
            .ok_or_else(|| AppError::said(ErrorCode::LimitReached, "error-account-too-many-actions", &[]))?;
        Ok(Caller::person(self.user.username.to_string(), policy::agent_tier(&self.actor()), slot))
    }

    /// Asks the policy (see `answer`).
    pub fn decide(&self, action: policy::Action, object: &policy::Object<'_>) -> Result<(), AppError> {
        answer(policy::decide(&self.actor(), action, object))
    }

    /// `found`, if the policy lets her do `action` to it (`object`: what it
    /// is to the policy). A missing one is asked about as `Object::Missing`,
    /// so that a hidden object is the same 404 as a missing one.
    pub fn decide_found<'o, T>(
        &self,
        action: policy::Action,
        found: Option<T>,
        object: impl FnOnce(&T) -> policy::Object<'o>,
    ) -> Result<T, AppError> {
        let decided = match &found {
            Some(found) => self.decide(action, &object(found)),
            None => self.decide(action, &policy::Object::Missing),
        };
        decided.and_then(|()| found.ok_or_else(AppError::not_found))
    }
}

/// What a decision answers: Forbid is 403, Hide is the same 404 as a missing object.
pub fn answer(decision: Decision) -> Result<(), AppError> {
    match decision {
        Decision::Allow => Ok(()),
        // Its English is `error::NOT_ALLOWED`, which pages recognize it by.
        Decision::Forbid => Err(AppError::said(ErrorCode::Forbidden, "error-account-not-allowed", &[])),
        Decision::Hide => Err(AppError::not_found()),
    }
}
