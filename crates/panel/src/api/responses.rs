//! The refusals and failures many routes share, as named sets for the
//! `responses(…)` of their `#[utoipa::path]`: e.g. `responses((status = 200, …),
//! AllowedChange, HiddenContainer, ContainerGone, AgentCallFailures)`. Every
//! answer of a set has the body `ErrorBody`; a route whose refusal says
//! something of its own writes its own `(status = …)` line instead.

use std::collections::BTreeMap;

use utoipa::openapi::content::Content;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoResponses, ToSchema};

use crate::error::ErrorBody;

/// Declares each set: a unit struct whose `IntoResponses` lists its
/// `(status, description)` pairs.
macro_rules! error_answers {
    ($($(#[doc = $doc:literal])+ $name:ident: [$($answer:expr),+ $(,)?];)+) => {
        $(
            $(#[doc = $doc])+
            pub struct $name;

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    error_responses(&[$($answer),+])
                }
            }
        )+
    };
}

const UNAUTHENTICATED: (u16, &str) = (401, "`unauthenticated`.");
const INTERNAL: (u16, &str) = (500, "`internal`.");

error_answers! {
    /// No credentials, or none that are valid (401) alone: for a route that
    /// words its own 403.
    Unauthenticated: [UNAUTHENTICATED];
    /// A read any signed-in account may make.
    SignedIn: [UNAUTHENTICATED, (403, "`account_disabled` or `approval_pending`.")];
    /// A read the policy decides.
    Allowed: [UNAUTHENTICATED, (403, "`forbidden`, `account_disabled` or `approval_pending`.")];
    /// A change any signed-in account may make to what is hers.
    SignedInChange: [UNAUTHENTICATED, (403, "`csrf_failed`, `account_disabled` or `approval_pending`.")];
    /// A change the policy decides.
    AllowedChange: [
        UNAUTHENTICATED,
        (403, "`forbidden`, `csrf_failed`, `account_disabled` or `approval_pending`."),
    ];
    /// A route that reads a JSON body.
    BodyTooLarge: [(413, "`body_too_large`.")];
    /// A list whose query is checked.
    BadQuery: [(422, "`invalid_input`: a malformed or unknown query parameter.")];
    /// An object named by its id.
    NotFound: [(404, "`not_found`.")];
    /// A container named by its id, answered alike when it exists but the
    /// caller may not see it.
    HiddenContainer: [(404, "`not_found` (also a container the caller may not see).")];
    /// A service named by its id, answered alike when it exists but the
    /// caller may not see it.
    HiddenService: [(404, "`not_found` (also a service the caller may not see).")];
    /// A call to the agent about a container the panel knows.
    ContainerGone: [(409, "`conflict`: the container is gone (from the panel's list or its machine).")];
    /// A call to the agent about a service's unit.
    ServiceGone: [(409, "`conflict`: the container is gone or stopped, or the unit left it.")];
    /// A route that reaches no agent and fails.
    Internal: [INTERNAL];
    /// A route that reaches an agent, when the panel or the agent fails.
    AgentCallFailures: [
        INTERNAL,
        (502, "`agent_error`: the agent or its LXD failed."),
        (
            429,
            "`limit_reached`: the caller's agent calls in flight (`max_agent_calls_per_user`), or the agent's own \
             limits, are all taken; nothing was done.",
        ),
        (503, "`agent_unavailable`: the agent cannot be reached."),
        (504, "`agent_timeout`."),
    ];
}

/// Each `(status, description)` as an answer with the body `ErrorBody`.
fn error_responses(answers: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    let body = Content::new(Some(Ref::from_schema_name(ErrorBody::name())));
    answers
        .iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new().description(*description).content("application/json", body.clone());
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_of_a_set_is_an_error_body() {
        let answers = AgentCallFailures::responses();
        let statuses: Vec<&str> = answers.keys().map(String::as_str).collect();
        assert_eq!(statuses, ["429", "500", "502", "503", "504"]);
        let json = serde_json::to_value(&answers["502"]).unwrap();
        assert_eq!(json["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        assert_eq!(json["description"], "`agent_error`: the agent or its LXD failed.");
    }
}
