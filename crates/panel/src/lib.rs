//! `smp-panel`: the central web application of SMP, in layers that import one
//! way (docs/architecture.md): front ends (`api`, `web`, `ws` over `http`; `ssh`, `dns`) and the
//! use cases of `app`, which ask `policy` and act through `db` and `agents`;
//! `domain` holds the rules with no I/O; `sync` keeps the database in step
//! with the machines; `cli` is the admin command line; `startup` builds it all.

pub mod agents;
pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod dns;
pub mod domain;
pub mod error;
pub mod http;
pub mod notify;
pub mod policy;
pub mod ssh;
pub mod startup;
pub mod sync;
pub mod texts;
pub mod web;
pub mod ws;

pub use config::Config;
pub use domain::roles::Role;
pub use domain::username::Username;
pub use startup::Application;
