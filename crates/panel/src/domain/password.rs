//! Passwords: the rules a new one must meet, generation, and hashing with
//! Argon2id (the `argon2` crate's default parameters) into a PHC string.
//! A password or its hash is never logged or printed, except a generated
//! password, printed once to the admin who asked for it.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
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
        let mut salt = [0u8; 16];
        rand::rng().fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|error| PasswordError::Hash(error.to_string()))?;
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| PasswordError::Hash(error.to_string()))
    }
}

/// Whether `candidate` is the password of the stored PHC string. A stored
/// value that is not a valid PHC string never verifies.
pub fn verify_password(candidate: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(hash) => Argon2::default().verify_password(candidate.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
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
