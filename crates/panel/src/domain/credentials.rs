//! The random secrets of sessions and personal access tokens, and the
//! SHA-256 under which the database keeps them.

use rand::Rng as _;
use sha2::{Digest as _, Sha256};

/// SHA-256 of a secret, hex: what sessions and tokens store.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// 32 random bytes, hex.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}
