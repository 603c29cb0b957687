//! The TOTP second factor's rules (issue 18): RFC 6238 codes with the
//! `totp-rs` crate (SHA-1, 6 digits, 30-second steps, one step of skew
//! either way), a 160-bit random secret, its `otpauth://` URI and QR code
//! (an SVG from the `qrcode` crate), and the recovery codes (80 random bits
//! each, stored as their SHA-256 like session secrets). A secret or a code is
//! never logged: `TotpSecret`'s `Debug` hides it.

use qrcode::QrCode;
use qrcode::render::svg;
use rand::Rng as _;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::domain::credentials::hash_secret;

/// Bytes in a TOTP secret (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;
/// Seconds in a time step.
pub const STEP_S: u64 = 30;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "SMP";

/// A TOTP secret (the raw bytes). `Debug` never shows it.
#[derive(Clone)]
pub struct TotpSecret([u8; SECRET_LEN]);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("TotpSecret(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the stored TOTP secret is not {SECRET_LEN} bytes")]
    BadSecret,
    #[error("cannot make the otpauth URI or its QR code: {0}")]
    Uri(String),
}

impl TotpSecret {
    /// 20 fresh random bytes.
    pub fn generate() -> TotpSecret {
        let mut bytes = [0u8; SECRET_LEN];
        rand::rng().fill(&mut bytes);
        TotpSecret(bytes)
    }

    /// The secret of `bytes` (as `as_bytes` gave them).
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret, TotpError> {
        Ok(TotpSecret(bytes.try_into().map_err(|_| TotpError::BadSecret)?))
    }

    /// The secret of its base32 text (as `base32` gives it), if it is one.
    pub fn from_base32(text: &str) -> Result<TotpSecret, TotpError> {
        let secret = Secret::try_from_base32(text).map_err(|_| TotpError::BadSecret)?;
        TotpSecret::from_bytes(secret.as_bytes())
    }

    /// The raw bytes, to seal with the panel key.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as authenticator apps take it.
    pub fn base32(&self) -> String {
        Secret::new_stack(self.0).to_base32()
    }

    fn totp(&self, account: &str) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(STEP_S)
            .with_secret(Secret::new_stack(self.0))
            .with_account_name(account.replace(':', "_"))
            .with_issuer(Some(ISSUER))
            .build_noncompliant()
    }

    /// The time step `code` is valid for at unix time `now` (the current
    /// step or one either side), if any. Anything but six digits is no code.
    pub fn check(&self, code: &str, now: u64) -> Option<i64> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        self.totp("").check(code, now).and_then(|step| i64::try_from(step).ok())
    }

    /// The code of unix time `now` (tests, benches).
    pub fn code_at(&self, now: u64) -> String {
        self.totp("").generate(now).to_string()
    }

    /// `otpauth://totp/SMP:<account>?secret=…&issuer=SMP…` for `account`.
    pub fn otpauth_uri(&self, account: &str) -> Result<String, TotpError> {
        self.totp(account).to_url().map_err(|error| TotpError::Uri(error.to_string()))
    }

    /// The QR code of the otpauth URI, as an SVG document.
    pub fn qr_svg(&self, account: &str) -> Result<String, TotpError> {
        let uri = self.otpauth_uri(account)?;
        let code = QrCode::new(uri.as_bytes()).map_err(|error| TotpError::Uri(error.to_string()))?;
        Ok(code.render::<svg::Color<'_>>().min_dimensions(240, 240).build())
    }
}

/// Ten fresh recovery codes, `xxxxx-xxxxx-xxxxx-xxxxx` (20 hex digits, 80 bits).
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rng().fill(&mut bytes);
            let hex = hex::encode(bytes);
            [&hex[0..5], &hex[5..10], &hex[10..15], &hex[15..20]].join("-")
        })
        .collect()
}

/// What is stored of a recovery code (and looked up for a typed one):
/// SHA-256 of its digits, so that case, dashes and spaces do not matter.
pub fn recovery_code_hash(code: &str) -> String {
    let digits: String =
        code.chars().filter(|c| !matches!(c, '-' | ' ')).flat_map(char::to_lowercase).take(64).collect();
    hash_secret(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_valid_in_its_step_and_one_either_side_only() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let step = (now / STEP_S) as i64;
        assert_eq!(secret.check(&secret.code_at(now), now), Some(step));
        assert_eq!(secret.check(&secret.code_at(now - 30), now), Some(step - 1));
        assert_eq!(secret.check(&secret.code_at(now + 30), now), Some(step + 1));
        assert_eq!(secret.check(&secret.code_at(now - 90), now), None);
        assert_eq!(secret.check("12345", now), None);
        assert_eq!(secret.check("abcdef", now), None);
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_base32_secret() {
        let secret = TotpSecret::from_bytes(&[7u8; SECRET_LEN]).unwrap();
        let uri = secret.otpauth_uri("mia").unwrap();
        assert!(uri.starts_with("otpauth://totp/SMP:mia?"), "{uri}");
        assert!(uri.contains(&format!("secret={}", secret.base32())), "{uri}");
        let svg = secret.qr_svg("mia").unwrap();
        assert!(svg.contains("<svg") && !svg.contains("style"), "{svg}");
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
        assert_eq!(TotpSecret::from_base32(&secret.base32()).unwrap().as_bytes(), secret.as_bytes());
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_hash_alike_however_typed() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), RECOVERY_CODES);
        assert_eq!(recovery_code_hash(&codes[0]), recovery_code_hash(&codes[0].to_uppercase().replace('-', " ")));
        assert_ne!(recovery_code_hash(&codes[0]), recovery_code_hash(&codes[1]));
    }
}
