//! `smp-agent`: the per-host daemon that verifies single-use operation tokens
//! and forwards each allowed action to the local LXD over its unix socket.

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod health;
pub mod lxd;
pub mod notify;
pub mod random;
pub mod replay;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod systemd;
pub mod tls;

pub use config::Config;
pub use startup::Agent;
