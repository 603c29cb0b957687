//! The panel's one integration test binary. Every test gets a fresh database
//! from `helpers::spawn_db`: a new SQLite file, or a new PostgreSQL database
//! when `SMP_TEST_DATABASE_URL` is set (`make test` runs the suite both ways).

// Test code states its expectations with unwrap/expect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account_security;
mod accounts;
mod agents;
// The longest test (3 minutes at 3 at once): its name sorts it near the front
// of libtest's order, so it starts first instead of running alone at the end.
mod api_schemathesis;
mod audit_api;
mod backups;
mod browser;
mod browser_languages;
mod browser_terminal;
mod cli;
mod containers_api;
mod dns;
mod floods;
mod foreign_keys;
mod forwards_api;
mod helpers;
mod jobs;
mod layers;
// keep_log_line serves the fault suite's panel processes.
mod ldap;
#[allow(dead_code)]
mod leaks;
mod machine_cli;
mod machines;
mod machines_api;
mod migrations;
mod oidc;
mod oidc_peer;
mod openapi;
mod panel_agent;
mod panel_forward_traffic;
mod panel_forwards;
mod panel_provisioning;
mod panel_services;
mod panel_snapshots;
mod provisioning_api;
mod real_agent;
// Shared with the fault suite, which alone kills and restarts agents.
#[allow(dead_code)]
mod real_lxd;
mod rotation;
mod services_api;
mod slapd;
mod ssh_files;
mod ssh_gateway;
mod ssh_keys_api;
mod ssh_member_shell;
mod sync_lock;
mod terminal_shared;
mod terminal_ws;
mod totp_api;
mod upgrades;
mod users;
mod web_account;
mod web_admin;
mod web_admin_lists;
mod web_languages;
mod web_pages;
mod web_panels;
mod web_provisioning;
mod web_services;
mod web_ssh_keys;
mod web_terminal;
