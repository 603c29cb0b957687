//! The contract between `smp-panel`, `smp-agent` and operators (PROTOCOL.md v1):
//! token claims, minting and verification, `/token` request signatures, name
//! rules, error codes and the request/answer types of every route.
//!
//! Pure by design: no I/O, no clock, no randomness. Keys, `now` and random
//! bytes are arguments, so every rule is a plain unit test.

pub mod action;
pub mod api;
pub mod config_policy;
pub mod error;
pub mod names;
pub mod network;
pub mod signature;
pub mod token;

pub use action::Action;
pub use error::{ErrorBody, ErrorCode, Rejection};
