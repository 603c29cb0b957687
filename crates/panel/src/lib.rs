//! `smp-panel`: the central web application of SMP. So far: configuration,
//! the database (SQLite or PostgreSQL, migrated at start), accounts with
//! Argon2id passwords, the one authorization policy, and the admin CLI.

pub mod cli;
pub mod config;
pub mod db;
pub mod password;
pub mod policy;
pub mod roles;
pub mod username;

pub use config::Config;
pub use roles::Role;
pub use username::Username;
