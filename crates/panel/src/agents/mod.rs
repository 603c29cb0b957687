//! Reaching agents: `AgentClient` (one single-use token per request, pinned
//! TLS, bounded answers), the pinning of their certificates, the URLs and
//! key ids they are reached with, the registry (`Agents`) the sync, the use
//! cases and the CLI share, and the slots that bound each user's calls in
//! flight; the interactive (WebSocket) routes.

pub mod call_limit;
mod client;
mod interactive;
pub mod pinning;
mod registry;
pub mod url;

pub use client::{
    AgentCallError, AgentClient, CONNECT_TIMEOUT, Call, Caller, EventStream, IdentityError, Instance, MAX_ANSWER_BYTES,
    MAX_EVENT_BYTES, REQUEST_TIMEOUT, TOKEN_TTL_S,
};
pub use interactive::{AgentSocket, MAX_AGENT_FRAME_BYTES};
pub use registry::Agents;
