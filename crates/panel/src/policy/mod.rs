//! Authorization, pure: `decide` (the one function every use case asks),
//! and what follows from it. The caller loads the facts and passes them in.

mod decide;
mod visibility;

pub use decide::{
    Action, Actor, ActorId, Decision, Object, agent_tier, decide, may_make_tokens, may_name_service_owner,
    token_may_change_state,
};
pub use visibility::{
    ListCandidates, container_candidates, exempt_from_quotas, sees_every_account, service_candidates,
};
