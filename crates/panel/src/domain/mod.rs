//! The panel's own rules with no I/O beyond files they are given: passwords
//! (Argon2id), usernames, roles, the panel key and sealed secrets, and the
//! random credentials of sessions and tokens.

pub mod address;
pub mod credentials;
pub mod password;
pub mod roles;
pub mod secrets;
pub mod username;
