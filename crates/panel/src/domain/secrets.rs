//! The panel key and the encryption of machine secrets (issue 4, item 4).
//!
//! Agent secrets are stored encrypted so that a dump of the database alone
//! does not reveal them: XChaCha20-Poly1305 (the RustCrypto
//! `chacha20poly1305` crate, no hand-rolled crypto) under a 32-byte panel key
//! kept in a file outside the database, a random 24-byte nonce per
//! encryption, and the machine's name as associated data (a ciphertext copied
//! onto another machine's row does not decrypt).

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};

/// Bytes in the panel key.
pub const KEY_LEN: usize = 32;
/// Bytes in an XChaCha20 nonce.
pub const NONCE_LEN: usize = 24;
/// The key file's name when `key_file` is not configured.
pub const DEFAULT_KEY_FILE_NAME: &str = "smp-panel.key";

/// The panel key. `Debug` never shows it.
pub struct PanelKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for PanelKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("PanelKey(..)")
    }
}

/// A secret as stored: ciphertext (with its tag) and nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read the panel key file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot create the panel key file {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error(
        "the panel key file {path} is readable or writable by group or others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("the panel key file {path} holds {len} bytes, not {KEY_LEN}: it is not a panel key")]
    BadLength { path: PathBuf, len: usize },
    /// Wrong key, tampered ciphertext or nonce, or another machine's row.
    #[error(
        "cannot decrypt the secret of machine {machine:?}: wrong panel key, or the stored secret was altered or belongs to another machine"
    )]
    Decrypt { machine: String },
    #[error("the decrypted secret of machine {machine:?} is not UTF-8")]
    NotUtf8 { machine: String },
    #[error("cannot encrypt the secret of machine {machine:?}")]
    Encrypt { machine: String },
}

impl PanelKey {
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> PanelKey {
        PanelKey { cipher: XChaCha20Poly1305::new(bytes.into()) }
    }

    /// A fresh random key (tests, and `load_or_create`).
    pub fn generate_bytes() -> [u8; KEY_LEN] {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        bytes
    }

    /// Reads the key at `path`, creating it (mode 600, 32 random bytes) if
    /// it does not exist. A file readable or writable by group or others is
    /// refused, as is one of the wrong length.
    pub fn load_or_create(path: &Path) -> Result<PanelKey, SecretsError> {
        if !path.exists() {
            let bytes = Self::generate_bytes();
            let create = |source| SecretsError::Create { path: path.to_owned(), source };
            let mut file =
                fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(create)?;
            file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(create)?;
        }
        Self::load(path)
    }

    /// Reads an existing key file (see `load_or_create` for the checks).
    pub fn load(path: &Path) -> Result<PanelKey, SecretsError> {
        let read = |source| SecretsError::Read { path: path.to_owned(), source };
        let mode = fs::metadata(path).map_err(read)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(SecretsError::Permissions { path: path.to_owned(), mode: mode & 0o777 });
        }
        let bytes = fs::read(path).map_err(read)?;
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SecretsError::BadLength { path: path.to_owned(), len: bytes.len() })?;
        Ok(Self::from_bytes(&key))
    }

    /// Encrypts `secret` for the machine named `machine` with a fresh nonce.
    pub fn seal(&self, machine: &str, secret: &SecretString) -> Result<Sealed, SecretsError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: secret.expose_secret().as_bytes(), aad: machine.as_bytes() })
            .map_err(|_| SecretsError::Encrypt { machine: machine.to_owned() })?;
        Ok(Sealed { ciphertext, nonce: nonce.to_vec() })
    }

    /// Decrypts what `seal` made for the same machine name.
    pub fn open(&self, machine: &str, sealed: &Sealed) -> Result<SecretString, SecretsError> {
        let decrypt_error = || SecretsError::Decrypt { machine: machine.to_owned() };
        let nonce: [u8; NONCE_LEN] = sealed.nonce.as_slice().try_into().map_err(|_| decrypt_error())?;
        let plaintext = self
            .cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: &sealed.ciphertext, aad: machine.as_bytes() })
            .map_err(|_| decrypt_error())?;
        let text = String::from_utf8(plaintext).map_err(|_| SecretsError::NotUtf8 { machine: machine.to_owned() })?;
        Ok(SecretString::from(text))
    }
}

/// Where the key file is when `key_file` is not configured: next to the
/// SQLite database file, else `./smp-panel.key`.
pub fn default_key_file(database_url: &str) -> PathBuf {
    let sqlite_path = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"));
    match sqlite_path.map(Path::new).and_then(Path::parent) {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(DEFAULT_KEY_FILE_NAME),
        _ => PathBuf::from(".").join(DEFAULT_KEY_FILE_NAME),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("0123456789abcdef0123456789abcdef-agent")
    }

    #[test]
    fn a_sealed_secret_opens_with_the_same_key_and_name() {
        let key = PanelKey::from_bytes(&PanelKey::generate_bytes());
        let sealed = key.seal("m1", &secret()).unwrap();
        assert_eq!(sealed.nonce.len(), NONCE_LEN);
        assert!(!sealed.ciphertext.windows(16).any(|w| w == &b"0123456789abcdef"[..]));
        assert_eq!(key.open("m1", &sealed).unwrap().expose_secret(), secret().expose_secret());
        // A fresh nonce every time.
        assert_ne!(key.seal("m1", &secret()).unwrap(), sealed);
    }

    #[test]
    fn a_wrong_key_fails() {
        let sealed = PanelKey::from_bytes(&PanelKey::generate_bytes()).seal("m1", &secret()).unwrap();
        let other = PanelKey::from_bytes(&PanelKey::generate_bytes());
        assert!(matches!(other.open("m1", &sealed), Err(SecretsError::Decrypt { .. })));
    }

    #[test]
    fn a_tampered_ciphertext_or_nonce_fails() {
        let key = PanelKey::from_bytes(&PanelKey::generate_bytes());
        let sealed = key.seal("m1", &secret()).unwrap();
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(matches!(key.open("m1", &tampered), Err(SecretsError::Decrypt { .. })));
        let mut tampered = sealed.clone();
        tampered.nonce[3] ^= 1;
        assert!(key.open("m1", &tampered).is_err());
        let mut tampered = sealed;
        tampered.nonce.pop();
        assert!(key.open("m1", &tampered).is_err());
    }

    #[test]
    fn another_machines_name_as_associated_data_fails() {
        let key = PanelKey::from_bytes(&PanelKey::generate_bytes());
        let sealed = key.seal("m1", &secret()).unwrap();
        assert!(matches!(key.open("m2", &sealed), Err(SecretsError::Decrypt { .. })));
    }

    #[test]
    fn the_key_file_is_created_600_reused_and_refused_when_open_to_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let first = PanelKey::load_or_create(&path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&path).unwrap().len(), KEY_LEN);
        let sealed = first.seal("m1", &secret()).unwrap();
        let again = PanelKey::load_or_create(&path).unwrap();
        assert!(again.open("m1", &sealed).is_ok());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let error = PanelKey::load(&path).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, b"short").unwrap();
        assert!(matches!(PanelKey::load(&path), Err(SecretsError::BadLength { len: 5, .. })));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = PanelKey::from_bytes(&[7u8; KEY_LEN]);
        assert_eq!(format!("{key:?}"), "PanelKey(..)");
    }

    #[test]
    fn the_default_key_file_sits_next_to_the_sqlite_database() {
        assert_eq!(default_key_file("sqlite:///var/lib/smp/p.db"), Path::new("/var/lib/smp/smp-panel.key"));
        assert_eq!(default_key_file("sqlite://p.db"), Path::new("./smp-panel.key"));
        assert_eq!(default_key_file("postgres://u:p@h/d"), Path::new("./smp-panel.key"));
    }
}
