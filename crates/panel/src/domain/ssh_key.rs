//! `SshPublicKey`: one OpenSSH public key line, as a member pastes it from
//! her `.pub` file (`TYPE BASE64 [COMMENT]`), checked for the SSH gateway.
//!
//! Accepted: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `-nistp384`, `-nistp521`,
//! and `ssh-rsa` with a modulus of 3072 to 16384 bits (RSA below 3072 bits is
//! under the 128-bit security NIST asks for after 2030, and 3072 is OpenSSH's
//! own default since 8.0; OpenSSH refuses more than 16384). Refused, each
//! with a sentence that says what to do instead: DSA (`ssh-dss`: 1024 bits,
//! dropped by OpenSSH), security keys (`sk-…@openssh.com`: the gateway would
//! have to verify their FIDO signatures, which nothing here can test without
//! the hardware, so not yet), certificates, a private key pasted by mistake,
//! an RFC 4716 (`---- BEGIN SSH2 PUBLIC KEY ----`) block, several lines, and
//! anything that does not decode as the key its type names. The comment is
//! dropped; what is kept is the canonical `TYPE BASE64` and the SHA-256
//! fingerprint exactly as `ssh-keygen -lf` prints it (`SHA256:…`).

use ssh_key::{HashAlg, PublicKey, public::KeyData};

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 3072;
/// The largest RSA modulus accepted, in bits (OpenSSH's own limit).
pub const MAX_RSA_BITS: usize = 16384;

/// The key types accepted, as their lines start.
pub const ACCEPTED_TYPES: [&str; 5] =
    ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

/// A checked public key: its type, its canonical line and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKey {
    algorithm: &'static str,
    public_key: String,
    fingerprint: String,
}

/// Why a pasted text is not a key the panel takes; `Display` is a sentence
/// for the member.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshKeyError {
    #[error("the public key is empty; paste the one line of your .pub file (e.g. ~/.ssh/id_ed25519.pub)")]
    Empty,
    #[error(
        "this is a private key; paste the .pub file (e.g. ~/.ssh/id_ed25519.pub) and keep the private key to yourself"
    )]
    PrivateKey,
    #[error(
        "this is an SSH2 (RFC 4716) public key; turn it into an OpenSSH line with `ssh-keygen -i -f KEY.pub` and paste that"
    )]
    Rfc4716,
    #[error("paste one key on one line, like `ssh-ed25519 AAAAC3Nz… you@laptop`; add several keys one by one")]
    SeveralLines,
    #[error("this is an SSH certificate; paste the plain public key (the .pub file without -cert)")]
    Certificate,
    #[error(
        "security-key (sk-…) keys are not accepted yet; use an ed25519 key (`ssh-keygen -t ed25519`), ecdsa, or rsa of 3072 bits or more"
    )]
    SecurityKey,
    #[error(
        "DSA (ssh-dss) keys are not accepted: they are weak and OpenSSH itself dropped them; make one with `ssh-keygen -t ed25519`"
    )]
    Dsa,
    #[error(
        "this RSA key has {0} bits; RSA keys need at least 3072 (`ssh-keygen -t rsa -b 3072`, or better `ssh-keygen -t ed25519`)"
    )]
    RsaTooShort(usize),
    #[error("this RSA key has {0} bits; at most 16384 are accepted")]
    RsaTooLong(usize),
    #[error("{0} keys are not accepted; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa (3072 bits or more)")]
    Unsupported(String),
    #[error(
        "this is not an OpenSSH public key: paste the one line of your .pub file, `TYPE BASE64 [COMMENT]`, like `ssh-ed25519 AAAAC3Nz… you@laptop`"
    )]
    Malformed,
}

impl SshPublicKey {
    /// Checks one pasted line (see the module note); surrounding whitespace
    /// is trimmed, the comment dropped.
    pub fn parse(text: &str) -> Result<SshPublicKey, SshKeyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SshKeyError::Empty);
        }
        if text.contains("PRIVATE KEY-----") || text.starts_with("PuTTY-User-Key-File-") {
            return Err(SshKeyError::PrivateKey);
        }
        if text.starts_with("---- BEGIN SSH2 PUBLIC KEY") {
            return Err(SshKeyError::Rfc4716);
        }
        if text.contains(['\n', '\r']) {
            return Err(SshKeyError::SeveralLines);
        }
        let mut fields = text.split_ascii_whitespace();
        let (Some(kind), Some(data)) = (fields.next(), fields.next()) else {
            return Err(SshKeyError::Malformed);
        };
        let algorithm = accepted_type(kind)?;
        let key = PublicKey::from_openssh(&format!("{kind} {data}")).map_err(|_| SshKeyError::Malformed)?;
        if let KeyData::Rsa(rsa) = key.key_data() {
            let bits = rsa.n().as_positive_bytes().map_or(0, bit_length);
            if bits < MIN_RSA_BITS {
                return Err(SshKeyError::RsaTooShort(bits));
            }
            if bits > MAX_RSA_BITS {
                return Err(SshKeyError::RsaTooLong(bits));
            }
        }
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let public_key = PublicKey::from(key.key_data().clone()).to_openssh().map_err(|_| SshKeyError::Malformed)?;
        Ok(SshPublicKey { algorithm, public_key, fingerprint })
    }

    /// `ssh-ed25519`, `ecdsa-sha2-nistp256` (`…384`, `…521`) or `ssh-rsa`.
    pub fn algorithm(&self) -> &'static str {
        self.algorithm
    }

    /// The canonical `TYPE BASE64`, without a comment.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// `SHA256:` and the unpadded base64 of the key blob's SHA-256, as
    /// `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// The accepted type `kind` names, or why it is refused.
fn accepted_type(kind: &str) -> Result<&'static str, SshKeyError> {
    if let Some(accepted) = ACCEPTED_TYPES.into_iter().find(|accepted| *accepted == kind) {
        return Ok(accepted);
    }
    if kind.ends_with("-cert-v01@openssh.com") {
        return Err(SshKeyError::Certificate);
    }
    if kind.starts_with("sk-") {
        return Err(SshKeyError::SecurityKey);
    }
    if kind == "ssh-dss" {
        return Err(SshKeyError::Dsa);
    }
    // Named back only when it looks like a key type: the message is shown
    // to her, and a pasted text is not echoed whole.
    let looks_like_a_type = kind.len() <= 64
        && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-@.".contains(c))
        && kind.contains('-');
    if looks_like_a_type { Err(SshKeyError::Unsupported(kind.to_owned())) } else { Err(SshKeyError::Malformed) }
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let Some(first) = bytes.iter().position(|byte| *byte != 0) else { return 0 };
    (bytes.len() - first) * 8 - bytes[first].leading_zeros() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_2048: &str = include_str!("../../tests/fixtures/ssh_keys/rsa2048.pub");
    const RSA_3072: &str = include_str!("../../tests/fixtures/ssh_keys/rsa3072.pub");
    const ED25519: &str = include_str!("../../tests/fixtures/ssh_keys/ed25519.pub");
    const ECDSA_256: &str = include_str!("../../tests/fixtures/ssh_keys/ecdsa256.pub");
    const ECDSA_384: &str = include_str!("../../tests/fixtures/ssh_keys/ecdsa384.pub");
    const ECDSA_521: &str = include_str!("../../tests/fixtures/ssh_keys/ecdsa521.pub");
    const DSA: &str = include_str!("../../tests/fixtures/ssh_keys/dsa.pub");
    const ED25519_CERT: &str = include_str!("../../tests/fixtures/ssh_keys/ed25519-cert.pub");
    /// `ssh-keygen -lf` of each, as generated (fingerprints.txt beside them).
    const FINGERPRINTS: &str = include_str!("../../tests/fixtures/ssh_keys/fingerprints.txt");

    /// What `ssh-keygen -lf` printed for the key file `file`: (bits, fingerprint).
    fn ssh_keygen_says(file: &str) -> (usize, &'static str) {
        let line = FINGERPRINTS.lines().find(|line| line.starts_with(&format!("{file} "))).unwrap();
        let fields: Vec<&str> = line.split(' ').collect();
        (fields[1].parse().unwrap(), fields[2])
    }

    #[test]
    fn every_accepted_kind_of_key_gets_the_fingerprint_ssh_keygen_prints_and_loses_its_comment() {
        let accepted = [
            (ED25519, "ed25519.pub", "ssh-ed25519"),
            (ECDSA_256, "ecdsa256.pub", "ecdsa-sha2-nistp256"),
            (ECDSA_384, "ecdsa384.pub", "ecdsa-sha2-nistp384"),
            (ECDSA_521, "ecdsa521.pub", "ecdsa-sha2-nistp521"),
            (RSA_3072, "rsa3072.pub", "ssh-rsa"),
        ];
        for (line, file, algorithm) in accepted {
            let key = SshPublicKey::parse(line).unwrap_or_else(|error| panic!("{file}: {error}"));
            assert_eq!(key.fingerprint(), ssh_keygen_says(file).1, "{file}");
            assert_eq!(key.algorithm(), algorithm);
            let without_comment = line.trim().rsplit_once(' ').unwrap().0;
            assert_eq!(
                key.public_key(),
                without_comment,
                "{file}: the canonical line is the pasted one, less its comment"
            );
        }
    }

    #[test]
    fn an_rsa_key_under_3072_bits_is_refused_naming_its_size() {
        assert_eq!(ssh_keygen_says("rsa2048.pub").0, 2048);
        let error = SshPublicKey::parse(RSA_2048).unwrap_err();
        assert_eq!(error, SshKeyError::RsaTooShort(2048));
        assert!(error.to_string().contains("2048 bits") && error.to_string().contains("3072"), "{error}");
    }

    #[test]
    fn the_rsa_size_is_counted_in_bits_not_bytes() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0xff]), 15);
        let mut modulus_3071 = vec![0xffu8; 384];
        modulus_3071[0] = 0x7f;
        assert_eq!(bit_length(&modulus_3071), 3071);
    }

    #[test]
    fn surrounding_whitespace_tabs_and_a_missing_comment_are_fine() {
        let bare = ED25519.trim().rsplit_once(' ').unwrap().0;
        let tabbed = bare.replacen(' ', "\t", 1);
        for text in [format!("  \n{ED25519}\n\n"), bare.to_owned(), tabbed, format!("{bare}   a comment with spaces  ")]
        {
            let key = SshPublicKey::parse(&text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
            assert_eq!(key.fingerprint(), ssh_keygen_says("ed25519.pub").1);
        }
    }

    #[test]
    fn dsa_security_keys_and_certificates_are_refused_with_what_to_use_instead() {
        assert_eq!(SshPublicKey::parse(DSA).unwrap_err(), SshKeyError::Dsa);
        assert_eq!(SshPublicKey::parse(ED25519_CERT).unwrap_err(), SshKeyError::Certificate);
        let security_key = ssh_key::public::SkEd25519::new(ssh_key::public::Ed25519PublicKey([7; 32]), "ssh:");
        let line = PublicKey::from(KeyData::SkEd25519(security_key)).to_openssh().unwrap();
        assert!(line.starts_with("sk-ssh-ed25519@openssh.com "), "{line}");
        let error = SshPublicKey::parse(&line).unwrap_err();
        assert_eq!(error, SshKeyError::SecurityKey);
        assert!(error.to_string().contains("ssh-keygen -t ed25519"), "{error}");
        let error = SshPublicKey::parse("ssh-xmss@openssh.com AAAA").unwrap_err();
        assert_eq!(error, SshKeyError::Unsupported("ssh-xmss@openssh.com".into()));
    }

    #[test]
    fn a_private_key_pasted_by_mistake_is_refused_with_a_clear_sentence() {
        let openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n";
        for text in [openssh, pem, putty] {
            let error = SshPublicKey::parse(text).unwrap_err();
            assert_eq!(error, SshKeyError::PrivateKey, "{text}");
            assert!(error.to_string().starts_with("this is a private key; paste the .pub file"), "{error}");
        }
    }

    #[test]
    fn several_lines_an_rfc4716_block_and_garbage_are_refused_readably() {
        let two = format!("{ED25519}{ECDSA_256}");
        assert_eq!(SshPublicKey::parse(&two).unwrap_err(), SshKeyError::SeveralLines);
        let rfc4716 = "---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5\n---- END SSH2 PUBLIC KEY ----";
        assert_eq!(SshPublicKey::parse(rfc4716).unwrap_err(), SshKeyError::Rfc4716);
        assert_eq!(SshPublicKey::parse(" \n\t").unwrap_err(), SshKeyError::Empty);
        let ed25519_data = ED25519.split(' ').nth(1).unwrap();
        for garbage in [
            "hello",
            "ssh-ed25519",
            "ssh-ed25519 not-base64!",
            "ssh-ed25519 AAAA",
            // The data of an ed25519 key under another type's name.
            &format!("ssh-rsa {ed25519_data}"),
            &format!("ecdsa-sha2-nistp256 {ed25519_data}"),
            // authorized_keys options are not part of a key.
            &format!("from=\"10.0.0.1\" {}", ED25519.trim()),
            "<script>alert(1)</script> AAAA",
        ] {
            assert_eq!(SshPublicKey::parse(garbage).unwrap_err(), SshKeyError::Malformed, "{garbage}");
        }
        assert!(SshKeyError::Malformed.to_string().contains("ssh-ed25519 AAAAC3Nz"));
    }
}
