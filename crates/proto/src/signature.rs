//! Signed requests to `POST /token`: the canonical string, signing, and the
//! checks the agent applies (key id, signature, timestamp). The nonce's
//! single use is the agent's replay guard.
//!
//! The canonical string is six lines joined by `\n`, no trailing newline:
//! `SMP1`, timestamp, nonce, method, path, hex SHA-256 of the body — so
//! `openssl dgst -sha256 -hmac "$SECRET"` computes the same signature.

use hmac::Mac;
use sha2::{Digest, Sha256};

use crate::error::{ErrorCode, Rejection};
use crate::token::KeyRing;

/// How far a request's timestamp may be from the agent's clock.
pub const MAX_CLOCK_SKEW_S: i64 = 30;

/// The four headers of a signed request, as received.
#[derive(Debug, Clone, Copy)]
pub struct SignedHeaders<'a> {
    pub key_id: &'a str,
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
}

/// Until when a request's nonce must be remembered: the request stays
/// acceptable until its timestamp is 30 s in the past, whenever it arrived.
pub fn nonce_remembered_until(timestamp: i64) -> i64 {
    timestamp.saturating_add(MAX_CLOCK_SKEW_S + crate::token::LEEWAY_S)
}

/// The string that is signed.
pub fn canonical_request(timestamp: &str, nonce: &str, method: &str, path: &str, body: &[u8]) -> String {
    format!("SMP1\n{timestamp}\n{nonce}\n{method}\n{path}\n{}", hex::encode(Sha256::digest(body)))
}

/// Hex HMAC-SHA256 of the canonical string with the secret's UTF-8 bytes.
pub fn sign_request(secret: &str, timestamp: &str, nonce: &str, method: &str, path: &str, body: &[u8]) -> String {
    let key = crate::token::SharedKey::new("", secret);
    let mut mac = key.mac();
    mac.update(canonical_request(timestamp, nonce, method, path, body).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a signed request: nonce shape, key id known, signature (constant
/// time), then timestamp within ±30 s of `now`, and returns the timestamp.
/// The caller then consumes the nonce, remembering it until the timestamp
/// leaves the window (timestamp + 30 s), not merely 30 s after arrival.
pub fn verify_signed_request(
    keys: &KeyRing,
    headers: &SignedHeaders<'_>,
    method: &str,
    path: &str,
    body: &[u8],
    now: i64,
) -> Result<i64, Rejection> {
    let nonce_ok = (16..=64).contains(&headers.nonce.len())
        && headers.nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !nonce_ok {
        return Err(Rejection::new(
            ErrorCode::InvalidRequest,
            "X-SMP-Nonce must be 16-64 random characters of [A-Za-z0-9_-] (e.g. openssl rand -hex 16)",
        ));
    }
    let key = keys
        .get(headers.key_id)
        .ok_or_else(|| Rejection::new(ErrorCode::UnknownKey, "X-SMP-Key-Id names no key configured on this agent"))?;
    let invalid =
        || Rejection::new(ErrorCode::SignatureInvalid, "X-SMP-Signature is not the HMAC of the canonical request");
    let signature = hex::decode(headers.signature).map_err(|_| invalid())?;
    let mut mac = key.mac();
    mac.update(canonical_request(headers.timestamp, headers.nonce, method, path, body).as_bytes());
    mac.verify_slice(&signature).map_err(|_| invalid())?;
    let timestamp: i64 = headers
        .timestamp
        .parse()
        .map_err(|_| Rejection::new(ErrorCode::TimestampSkew, "X-SMP-Timestamp must be unix seconds"))?;
    // abs_diff: `(timestamp - now).abs()` overflows at the ends of i64.
    if timestamp.abs_diff(now) > MAX_CLOCK_SKEW_S.unsigned_abs() {
        return Err(Rejection::new(
            ErrorCode::TimestampSkew,
            "X-SMP-Timestamp is more than 30 s from the agent's clock; check both clocks",
        ));
    }
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::SharedKey;

    const SECRET: &str = "an-agent-secret-of-at-least-32-chars!!";
    const NOW: i64 = 1_764_000_000;
    const NONCE: &str = "0123456789abcdef0123";
    const BODY: &[u8] = br#"{"action":"restart","container":"c1"}"#;

    fn ring() -> KeyRing {
        KeyRing::new(vec![SharedKey::new("k1", SECRET)])
    }

    fn check(key_id: &str, timestamp: &str, nonce: &str, signature: &str, body: &[u8]) -> Result<i64, Rejection> {
        let headers = SignedHeaders { key_id, timestamp, nonce, signature };
        verify_signed_request(&ring(), &headers, "POST", "/token", body, NOW)
    }

    fn good_signature(timestamp: &str) -> String {
        sign_request(SECRET, timestamp, NONCE, "POST", "/token", BODY)
    }

    #[test]
    fn the_canonical_string_is_six_lines_without_a_trailing_newline() {
        let canonical = canonical_request("1764000000", "n", "POST", "/token", b"");
        assert_eq!(
            canonical,
            "SMP1\n1764000000\nn\nPOST\n/token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_signature_matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = SharedKey::new("", "Jefe");
        let mut mac = key.mac();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_correctly_signed_request_is_accepted() {
        let ts = (NOW + 12).to_string();
        assert_eq!(check("k1", &ts, NONCE, &good_signature(&ts), BODY), Ok(NOW + 12), "the timestamp comes back");
    }

    #[test]
    fn an_unknown_key_id_is_refused() {
        let ts = NOW.to_string();
        assert_eq!(check("k9", &ts, NONCE, &good_signature(&ts), BODY).unwrap_err().code, ErrorCode::UnknownKey);
    }

    #[test]
    fn a_signature_over_another_body_method_or_path_is_invalid() {
        let ts = NOW.to_string();
        let other_body = sign_request(SECRET, &ts, NONCE, "POST", "/token", b"{}");
        assert_eq!(check("k1", &ts, NONCE, &other_body, BODY).unwrap_err().code, ErrorCode::SignatureInvalid);
        let other_path = sign_request(SECRET, &ts, NONCE, "POST", "/tokens", BODY);
        assert_eq!(check("k1", &ts, NONCE, &other_path, BODY).unwrap_err().code, ErrorCode::SignatureInvalid);
        let other_secret = sign_request("another-secret-another-secret-12345", &ts, NONCE, "POST", "/token", BODY);
        assert_eq!(check("k1", &ts, NONCE, &other_secret, BODY).unwrap_err().code, ErrorCode::SignatureInvalid);
        assert_eq!(check("k1", &ts, NONCE, "not-hex", BODY).unwrap_err().code, ErrorCode::SignatureInvalid);
    }

    #[test]
    fn a_timestamp_at_30_s_skew_is_accepted_and_at_31_s_refused() {
        for skew in [-30, 30] {
            let ts = (NOW + skew).to_string();
            assert!(check("k1", &ts, NONCE, &good_signature(&ts), BODY).is_ok(), "{skew}");
        }
        for skew in [-31, 31] {
            let ts = (NOW + skew).to_string();
            assert_eq!(
                check("k1", &ts, NONCE, &good_signature(&ts), BODY).unwrap_err().code,
                ErrorCode::TimestampSkew,
                "{skew}"
            );
        }
    }

    #[test]
    fn a_timestamp_that_is_not_a_number_is_refused_as_skew() {
        let ts = "yesterday";
        assert_eq!(check("k1", ts, NONCE, &good_signature(ts), BODY).unwrap_err().code, ErrorCode::TimestampSkew);
    }

    #[test]
    fn a_signed_timestamp_at_the_ends_of_i64_is_refused_as_skew_not_accepted_or_a_panic() {
        // i64::MIN + NOW made `(timestamp - now).abs()` overflow: a panic with
        // overflow checks, and without them abs(i64::MIN) stayed negative,
        // inside the window, and the nonce was remembered until long ago.
        for ts in [i64::MIN, i64::MIN + NOW, i64::MIN + NOW + 1, i64::MAX] {
            let ts = ts.to_string();
            assert_eq!(check("k1", &ts, NONCE, &good_signature(&ts), BODY).unwrap_err().code, ErrorCode::TimestampSkew);
        }
        assert_eq!(nonce_remembered_until(i64::MAX), i64::MAX);
    }

    #[test]
    fn a_short_or_odd_nonce_is_an_invalid_request() {
        let ts = NOW.to_string();
        for nonce in ["short", "has spaces xxxxxxxxxxxx", &"a".repeat(65)] {
            let signature = sign_request(SECRET, &ts, nonce, "POST", "/token", BODY);
            assert_eq!(check("k1", &ts, nonce, &signature, BODY).unwrap_err().code, ErrorCode::InvalidRequest);
        }
    }
}
