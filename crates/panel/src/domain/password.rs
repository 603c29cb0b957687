//! Passwords: the rules a new one must meet, generation, and hashing with
//! Argon2id (the `argon2` crate's default parameters: 19 MiB, 2 passes)
//! into a PHC string. A password or its hash is never logged or printed,
//! except a generated password, printed once to the admin who asked for it.
//!
//! Hashes and checks run one at a time (`with_memory`), each in a working
//! area of its own (19 MiB) that is given back to the system after it. A
//! plain 19 MiB vector stayed in glibc's arena of every thread that ever
//! hashed (two sign-ins tripled the panel's resident memory; kept as one
//! shared area, it stayed for good: 20 of the panel's 66 MB), because glibc
//! raises its mmap threshold to the size of each large block freed. Above
//! 32 MiB it never does (mallopt(3)), so each area asks for more capacity
//! than that: its own mapping, unmapped when freed, whose pages beyond the
//! 19 MiB used are never touched and so never resident. One at a time also
//! keeps a burst of sign-ins on one core, the rest of the panel on the
//! others; each takes about 17 ms.

use std::sync::{Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng as _;
use rand::distr::Alphanumeric;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// Generated passwords: 24 alphanumeric characters, about 142 bits.
pub const GENERATED_PASSWORD_CHARS: usize = 24;

/// A password that meets the rules; its `Debug` hides it.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Password(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password is too short: at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("the password is too long: at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

impl Password {
    pub fn parse(text: String) -> Result<Password, PasswordError> {
        let chars = text.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(Password(text))
    }

    /// A new random password (always valid).
    pub fn generate() -> Password {
        Password(rand::rng().sample_iter(&Alphanumeric).take(GENERATED_PASSWORD_CHARS).map(char::from).collect())
    }

    /// The plain text: only to show a generated password once, or to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) to store.
    pub fn hash(&self) -> Result<String, PasswordError> {
        let failed = |error: &dyn std::fmt::Display| PasswordError::Hash(error.to_string());
        let mut salt = [0u8; 16];
        rand::rng().fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|error| failed(&error))?;
        let params = Params::default();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let mut raw_salt = [0u8; 64];
        let raw_salt = salt.decode_b64(&mut raw_salt).map_err(|error| failed(&error))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        with_memory(params.block_count(), |memory| {
            argon2.hash_password_into_with_memory(self.0.as_bytes(), raw_salt, &mut out, memory)
        })
        .map_err(|error| failed(&error))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: (&params).try_into().map_err(|error| failed(&error))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|error| failed(&error))?),
        };
        Ok(phc.to_string())
    }
}

/// The most memory a stored hash may ask of `verify_password` (64 MiB, in
/// 1 KiB blocks): a row with more never verifies.
const MAX_BLOCKS: usize = 64 * 1024;

/// Held by the one hash or check running (see the module note).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The capacity each working area asks for, in 1 KiB blocks: above glibc's
/// largest mmap threshold (32 MiB on 64-bit; see the module note).
const AREA_CAPACITY: usize = 33 * 1024;

/// Runs `work` with a working area of `blocks` blocks, given back after it,
/// one caller at a time (call it off the async runtime: it may wait).
fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut area = Vec::with_capacity(blocks.max(AREA_CAPACITY));
    area.resize(blocks, Block::default());
    work(&mut area)
}

/// Whether `candidate` is the password of the stored PHC string (its own
/// algorithm, version and parameters; the outputs compared in constant
/// time). A stored value that is not a valid Argon2 PHC string never verifies.
pub fn verify_password(candidate: &str, stored_hash: &str) -> bool {
    let Ok(stored) = PasswordHash::new(stored_hash) else { return false };
    let (Ok(algorithm), Some(salt), Some(expected)) = (Algorithm::try_from(stored.algorithm), stored.salt, stored.hash)
    else {
        return false;
    };
    let version = match stored.version {
        Some(version) => Version::try_from(version),
        None => Ok(Version::default()),
    };
    let (Ok(version), Ok(params)) = (version, Params::try_from(&stored)) else { return false };
    if params.block_count() > MAX_BLOCKS {
        return false;
    }
    let mut raw_salt = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut raw_salt) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let hashed = with_memory(params.block_count(), |memory| {
        argon2.hash_password_into_with_memory(candidate.as_bytes(), raw_salt, &mut out, memory)
    });
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_shorter_than_twelve_characters_is_refused() {
        assert_eq!(Password::parse("elevenchars".into()).unwrap_err(), PasswordError::TooShort);
        assert!(Password::parse("twelve chars".into()).is_ok());
        assert_eq!(Password::parse("x".repeat(1025)).unwrap_err(), PasswordError::TooLong);
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_that_verifies_only_the_password() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a phc string"));
    }

    #[test]
    fn a_hash_made_by_the_argon2_crates_own_hasher_verifies_and_ours_verifies_there() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = Argon2::default().hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_password("correct horse battery", &theirs));
        assert!(!verify_password("correct horse batterx", &theirs));
        let ours = Password::parse("correct horse battery".into()).unwrap().hash().unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        // Other parameters, stored with the hash, are the ones checked.
        let light = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 3, 1, None).unwrap());
        let light = light.hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_password("correct horse battery", &light));
        let huge = theirs.replace("m=19456", "m=1048576");
        assert!(!verify_password("correct horse battery", &huge), "more memory than a row may ask");
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        assert_ne!(password.hash().unwrap(), password.hash().unwrap());
    }

    #[test]
    fn generated_passwords_are_long_random_and_valid() {
        let (one, two) = (Password::generate(), Password::generate());
        assert_eq!(one.expose().len(), GENERATED_PASSWORD_CHARS);
        assert!(one.expose().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(one.expose(), two.expose());
        assert!(Password::parse(one.expose().to_owned()).is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let debug = format!("{:?}", Password::parse("correct horse battery".into()).unwrap());
        assert!(!debug.contains("horse"), "{debug}");
    }
}
