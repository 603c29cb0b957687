//! TLS to agents, pinned by fingerprint (PROTOCOL.md): the SHA-256 of the
//! agent's end-entity certificate is the agent's identity.
//!
//! Agents serve self-signed certificates, so there is no CA to check a chain
//! against, and the hostname is not checked either: the panel reaches an agent
//! by whatever address the admin typed (an IP, a name in /etc/hosts), which
//! need not be in the certificate. A certificate whose SHA-256 matches the pin
//! byte for byte can only come from the holder of that certificate's key, so
//! the pin alone authenticates the agent; the handshake's signature checks
//! (done below with rustls's own code) prove the peer holds the key.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest as _, Sha256};

use super::client::chain;

/// The message a pin mismatch carries through rustls, so callers can tell it
/// from other TLS failures.
pub const MISMATCH_MARKER: &str = "fingerprint_mismatch";

/// A SHA-256 certificate fingerprint. Parsed from `AB:CD:…` (what
/// `smp-agent fingerprint` and `openssl x509 -fingerprint -sha256` print) or
/// plain hex, in either case; shown as `AB:CD:…`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

#[derive(Debug, thiserror::Error)]
#[error(
    "invalid SHA-256 fingerprint {0:?}: expected 64 hex digits, optionally in pairs separated by ':' (as `smp-agent fingerprint` prints)"
)]
pub struct FingerprintError(String);

impl Fingerprint {
    pub fn parse(text: &str) -> Result<Fingerprint, FingerprintError> {
        let text = text.trim();
        let text = text.strip_prefix("sha256:").or_else(|| text.strip_prefix("SHA256:")).unwrap_or(text);
        let invalid = || FingerprintError(text.to_owned());
        let hex_digits: String = if text.contains(':') {
            let pairs: Vec<&str> = text.split(':').collect();
            if pairs.len() != 32 || pairs.iter().any(|pair| pair.len() != 2) {
                return Err(invalid());
            }
            pairs.concat()
        } else {
            text.to_owned()
        };
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&hex_digits, &mut bytes).map_err(|_| invalid())?;
        Ok(Fingerprint(bytes))
    }

    /// The fingerprint of a DER certificate.
    pub fn of(certificate_der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(certificate_der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: Vec<String> = self.0.iter().map(|byte| format!("{byte:02X}")).collect();
        formatter.write_str(&text.join(":"))
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Fingerprint({self})")
    }
}

/// The crypto provider every agent connection uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts exactly the end-entity certificate whose SHA-256 is the pin (no
/// chain, no hostname: see the module note); `pin: None` accepts any
/// certificate and records its fingerprint (trust on first use, only for
/// `machine add --trust-on-first-use`).
#[derive(Debug)]
pub struct PinnedVerifier {
    pin: Option<Fingerprint>,
    seen: Mutex<Option<Fingerprint>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    pub fn new(pin: Option<Fingerprint>) -> PinnedVerifier {
        PinnedVerifier { pin, seen: Mutex::new(None), algorithms: provider().signature_verification_algorithms }
    }

    /// The fingerprint of the last certificate presented.
    pub fn seen(&self) -> Option<Fingerprint> {
        self.seen.lock().map(|seen| *seen).unwrap_or(None)
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Fingerprint::of(end_entity.as_ref());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(presented);
        }
        match self.pin {
            Some(pin) if pin != presented => Err(rustls::Error::General(format!(
                "{MISMATCH_MARKER}: the agent presented a certificate with fingerprint {presented}, not the pinned {pin}"
            ))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rustls client config that trusts only `verifier`.
pub fn client_config(verifier: Arc<PinnedVerifier>) -> Result<rustls::ClientConfig, rustls::Error> {
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Why `fetch_fingerprint` found no certificate. Each message says its
/// cause in turn (`a: b: c`), the causes not chained as a `source`, so that
/// `{:#}` does not print them twice.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Tls(String),
    #[error("invalid host name: {0}")]
    HostName(String),
    #[error("cannot resolve {address}: {cause}")]
    Resolve { address: String, cause: String },
    #[error("cannot connect to {address} within 10 s")]
    Connect { address: String },
    #[error("{0}")]
    Socket(String),
    #[error("TLS handshake with {address} failed: {cause}")]
    Handshake { address: String, cause: String },
    #[error("{address} presented no certificate")]
    NoCertificate { address: String },
}

/// Connects to `host:port`, completes a TLS handshake accepting any
/// certificate, and returns that certificate's fingerprint (for
/// `--trust-on-first-use`; the admin is shown it to compare).
pub fn fetch_fingerprint(host: &str, port: u16) -> Result<Fingerprint, FetchError> {
    let address = format!("{host}:{port}");
    let tls_error = |error: rustls::Error| FetchError::Tls(chain(&error));
    let socket_error = |error: std::io::Error| FetchError::Socket(chain(&error));
    let handshake = |error: std::io::Error| FetchError::Handshake { address: address.clone(), cause: chain(&error) };
    let verifier = Arc::new(PinnedVerifier::new(None));
    let config = Arc::new(client_config(verifier.clone()).map_err(tls_error)?);
    let server_name = ServerName::try_from(host.to_owned()).map_err(|error| FetchError::HostName(chain(&error)))?;
    let mut connection = rustls::ClientConnection::new(config, server_name).map_err(tls_error)?;
    // Each address with a bounded connect: a host that drops packets does not
    // hold the caller (and the machine's `started` row) for the OS's minutes.
    let addresses: Vec<std::net::SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|error| FetchError::Resolve { address: address.clone(), cause: chain(&error) })?
        .collect();
    let mut socket = addresses
        .iter()
        .find_map(|address| TcpStream::connect_timeout(address, Duration::from_secs(10)).ok())
        .ok_or_else(|| FetchError::Connect { address: address.clone() })?;
    socket.set_read_timeout(Some(Duration::from_secs(10))).map_err(socket_error)?;
    socket.set_write_timeout(Some(Duration::from_secs(10))).map_err(socket_error)?;
    let mut tls = rustls::Stream::new(&mut connection, &mut socket);
    // Writing forces the handshake; nothing meaningful is sent.
    tls.flush().map_err(handshake)?;
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(tls.sock).map_err(handshake)?;
    }
    let _ = tls.read(&mut [0u8; 0]);
    verifier.seen().ok_or(FetchError::NoCertificate { address })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLONS: &str =
        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    #[test]
    fn colon_and_plain_hex_in_any_case_parse_to_the_same_pin() {
        let a = Fingerprint::parse(COLONS).unwrap();
        assert_eq!(Fingerprint::parse(&COLONS.to_lowercase()).unwrap(), a);
        assert_eq!(Fingerprint::parse(&COLONS.replace(':', "")).unwrap(), a);
        assert_eq!(Fingerprint::parse(&COLONS.replace(':', "").to_lowercase()).unwrap(), a);
        assert_eq!(a.to_string(), COLONS);
    }

    #[test]
    fn a_malformed_fingerprint_is_refused() {
        for bad in ["", "AB:CD", &COLONS[3..], &COLONS.replace("AB", "ZZ"), "ABC:D", &"A".repeat(63)] {
            assert!(Fingerprint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_fingerprint_of_a_certificate_is_its_sha256() {
        let fingerprint = Fingerprint::of(b"abc");
        assert!(fingerprint.to_string().starts_with("BA:78:16:BF"), "{fingerprint}");
    }
}
