//! The agent's TLS identity: the configured certificate, or a self-signed one
//! generated once in `state_dir`; its SHA-256 fingerprint, which the panel pins.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// Certificate chain and private key the agent serves HTTPS with.
pub struct TlsIdentity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl TlsIdentity {
    /// The configured pair, or the generated one (created on first use).
    pub fn load_or_create(config: &Config) -> anyhow::Result<TlsIdentity> {
        let (cert, key) = match (&config.tls.cert, &config.tls.key) {
            (Some(cert), Some(key)) => (cert.clone(), key.clone()),
            _ => ensure_self_signed(&config.state_dir, &config.machine)?,
        };
        let chain = CertificateDer::pem_file_iter(&cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read the certificate {}", cert.display()))?;
        anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
        let key = PrivateKeyDer::from_pem_file(&key)
            .with_context(|| format!("cannot read the private key {}", key.display()))?;
        Ok(TlsIdentity { chain, key })
    }

    /// SHA-256 of the leaf certificate, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints).
    pub fn fingerprint(&self) -> String {
        fingerprint_of(&self.chain[0])
    }

    pub fn server_config(self) -> anyhow::Result<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .context("the TLS certificate and key do not match")
    }
}

pub fn fingerprint_of(certificate: &[u8]) -> String {
    Sha256::digest(certificate).iter().map(|byte| format!("{byte:02X}")).collect::<Vec<_>>().join(":")
}

/// Creates `cert.pem` and `key.pem` (mode 600) in `state_dir` unless both exist.
fn ensure_self_signed(state_dir: &Path, machine: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    let cert_path = state_dir.join("cert.pem");
    let key_path = state_dir.join("key.pem");
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(state_dir).with_context(|| format!("cannot create state_dir {}", state_dir.display()))?;
    let names = vec![machine.to_owned(), "localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let generated = rcgen::generate_simple_self_signed(names).context("cannot generate a certificate")?;
    write_private(&key_path, generated.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert_path, generated.cert.pem())
        .with_context(|| format!("cannot write {}", cert_path.display()))?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed TLS certificate");
    Ok((cert_path, key_path))
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents).with_context(|| format!("cannot write {}", path.display()))
}
