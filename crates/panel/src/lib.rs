//! `smp-panel`: the central web application of SMP. So far: configuration,
//! the database (SQLite or PostgreSQL, migrated at start), accounts with
//! Argon2id passwords, the one authorization policy, and the admin CLI.
//! `startup` serves the JSON API of `api` (accounts: login, sessions with
//! CSRF, tokens, users), every error through `error::AppError`.

pub mod agents;
pub mod call_limit;
pub mod cli;
pub mod client_addr;
pub mod config;
pub mod db;
pub mod machine_cli;
pub mod password;
pub mod pinning;
pub mod policy;
pub mod roles;
pub mod rotation;
pub mod secrets;
pub mod username;

pub use config::Config;
pub use roles::Role;
pub use username::Username;
pub mod api;
pub mod error;
pub mod openapi;
pub mod origin;
pub mod startup;

pub use startup::Application;
pub mod rate_limit;
pub mod sync;
pub mod web;
