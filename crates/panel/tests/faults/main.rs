//! The fault suite (`make test-faults`, which `make test` runs after every
//! other test, alone and one test at a time: these tests freeze and restart
//! LXD and PostgreSQL, which the other tests share). Each fault is made on
//! the real parts, and each test asserts what a user relies on: a clear
//! answer (503/504 with its code within the configured timeout, never a
//! hang, never a panic), nothing done twice, nothing done unaudited, and
//! the panel's view equal to LXD's afterwards.
//!
//! `SMP_TEST_POSTGRES_URL` names the PostgreSQL server of the tests that
//! need one (`make test-faults` sets it; without it they fail, never skip).

// Test code states its expectations with unwrap/expect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../api/leaks.rs"]
#[allow(dead_code)]
mod leaks;
#[path = "../api/real_lxd.rs"]
#[allow(dead_code)]
mod real_lxd;

mod agent_killed;
mod database;
mod lxd;
mod panel_killed;
mod support;
mod two_panels;
