//! End-to-end tests: the real `smp-agent` binary (built by `make build`, or
//! `$SMP_AGENT_BIN`) against the real LXD of this machine (`make setup`).
//!
//! Every test that touches LXD works in its own LXD project (`smp-e2e-…`),
//! created for it and deleted when it ends, even when it fails; the agents
//! it starts are killed when it ends. `make clean-lxd` removes projects left
//! by a run that was killed outright.

// The whole crate is test code: a failed expectation is a failed test, with its message.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test binary: a panic is the failure report")]

mod support;

mod cli;
mod docs_examples;
mod panel_docs_examples;
mod tokens;
mod transport;
