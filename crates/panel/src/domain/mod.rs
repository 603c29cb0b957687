//! The panel's own rules with no I/O beyond files they are given: passwords
//! (Argon2id), usernames, roles, the panel key and sealed secrets, the
//! random credentials of sessions and tokens, SSH public keys, the
//! TOTP second factor, the `[ldap]` and `[oidc]` sign-in tables, the
//! languages of the pages, and moments as people read them.

pub mod address;
pub mod credentials;
pub mod language;
pub mod ldap;
pub mod moment;
pub mod oidc;
pub mod password;
pub mod roles;
pub mod secrets;
pub mod ssh_key;
pub mod totp;
pub mod username;
