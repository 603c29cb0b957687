//! The integration tests of `smp-agent`: one binary, real LXD, one project per test.

// Test code states its expectations with unwrap/expect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod events;
mod exec_stream;
mod fake_lxd;
mod faults;
mod helpers;
mod lxd_client;
mod lxd_fixture;
mod network;
mod provision;
mod routes;
mod security_pass;
mod services;
mod signed_token;
mod snapshots;
mod terminal;
mod token_checks;
mod tunnel;
