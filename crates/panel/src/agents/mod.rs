//! Reaching agents: `AgentClient` (one single-use token per request, pinned
//! TLS, bounded answers), the pinning of their certificates, and the slots
//! that bound each user's calls in flight.

pub mod call_limit;
mod client;
pub mod pinning;

pub use client::{
    AgentCallError, AgentClient, CONNECT_TIMEOUT, Call, Caller, EventStream, IdentityError, Instance, MAX_ANSWER_BYTES,
    MAX_EVENT_BYTES, REQUEST_TIMEOUT, TOKEN_TTL_S,
};
