//! The agent's randomness: new key secrets and token ids.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use smp_proto::token::jti_from_random;

/// A new secret: 32 random bytes, base64url without padding (43 characters).
pub fn new_secret() -> String {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    URL_SAFE_NO_PAD.encode(secret)
}

/// A new token id: 144 random bits.
pub fn new_jti() -> String {
    let mut random = [0u8; 18];
    rand::rng().fill_bytes(&mut random);
    jti_from_random(&random)
}
