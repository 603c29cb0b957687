//! Operation tokens (PROTOCOL.md "Operation tokens"): each input is tried
//! as a whole token, and as the claims of a token signed with the agent's
//! key, so the fuzzer reaches the claim checks behind the signature.
//! Invariants: a token that verifies carries an HMAC-SHA256 of its first two
//! segments under the key its `kid` names (computed here independently);
//! its claims meet every expectation of the route; re-minted, they verify
//! to the same claims; one flipped signature bit, or the other key's secret
//! under the same `kid`, is refused; the body-hash checks accept exactly
//! the bound body.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use smp_proto::token::{
    Expectations, KeyRing, LEEWAY_S, SharedKey, body_hash, check_body_hash, mint_operation_token,
    normalize_body_sha256, verify_operation_token,
};
use smp_proto::{Action, ErrorCode};

const SECRET_1: &str = "fuzz-agent-secret-one-of-at-least-32-chars";
const SECRET_2: &str = "fuzz-agent-secret-two-of-at-least-32-chars";
const NOW: i64 = 1_764_000_000;
const STARTED: i64 = NOW - 100;
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#;

fn ring() -> KeyRing {
    KeyRing::new(vec![SharedKey::new("k1", SECRET_1), SharedKey::new("k2", SECRET_2)])
}

fn secret_of(kid: &str) -> Option<&'static str> {
    match kid {
        "k1" => Some(SECRET_1),
        "k2" => Some(SECRET_2),
        _ => None,
    }
}

/// The routes a token is tried against: a container action, a service
/// action, a snapshot action, `create` (container in the body) and one
/// without a container.
fn routes() -> [Expectations<'static>; 5] {
    let base = Expectations {
        audience: "alita",
        max_ttl_s: 60,
        agent_started_at: STARTED,
        action: Action::Restart,
        container: Some("c1"),
        service: None,
        snapshot: None,
    };
    [
        base,
        Expectations { action: Action::ServiceRestart, service: Some("web.service"), ..base },
        Expectations { action: Action::SnapshotRestore, snapshot: Some("s0"), ..base },
        Expectations { action: Action::Create, container: None, ..base },
        Expectations { action: Action::List, container: None, ..base },
    ]
}

fn hmac(secret: &str, text: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().and_then(|h| URL_SAFE_NO_PAD.decode(h).ok()).expect("a verified header");
    let header: serde_json::Value = serde_json::from_slice(&header).expect("a verified header is JSON");
    header["kid"].as_str().expect("a verified header has a kid").to_owned()
}

fn check(token: &str, body: &[u8]) {
    for expect in routes() {
        let Ok(claims) = verify_operation_token(token, &ring(), &expect, NOW) else { continue };
        // It came from the key its kid names.
        let kid = kid_of(token);
        let secret = secret_of(&kid).expect("a verified token names a configured key");
        let (signed, signature) = token.rsplit_once('.').expect("three segments");
        assert_eq!(URL_SAFE_NO_PAD.decode(signature).ok(), Some(hmac(secret, signed)), "signature not from {kid}");
        // Its claims meet the route's expectations.
        assert!(NOW <= claims.exp.saturating_add(LEEWAY_S) && claims.iat <= NOW + LEEWAY_S, "{claims:?}");
        assert!(claims.iat > expect.agent_started_at && claims.exp > claims.iat, "{claims:?}");
        assert!(claims.exp - claims.iat <= expect.max_ttl_s, "{claims:?}");
        assert_eq!((claims.aud.as_str(), claims.act), (expect.audience, expect.action));
        if expect.action.container_in_body() {
            assert!(claims.ctr.is_some());
        } else {
            assert_eq!(claims.ctr.as_deref(), expect.container);
        }
        assert_eq!(claims.svc.as_deref(), expect.service);
        assert!((22..=64).contains(&claims.jti.len()), "{}", claims.jti);
        for text in [&claims.iss, &claims.sub, &claims.aud] {
            assert!(!text.is_empty() && !text.chars().any(char::is_control), "{text:?}");
        }
        // Re-minted, the claims verify to themselves.
        let again = mint_operation_token(&SharedKey::new(kid.clone(), secret), &claims).expect("mint");
        assert_eq!(verify_operation_token(&again, &ring(), &expect, NOW).as_ref().ok(), Some(&claims));
        // Another secret under the same kid, or one flipped bit, is refused.
        let other = KeyRing::new(vec![SharedKey::new(kid.clone(), "a-different-secret-of-32-characters-xx")]);
        assert_eq!(
            verify_operation_token(token, &other, &expect, NOW).map_err(|r| r.code).err(),
            Some(ErrorCode::TokenSignature)
        );
        let mut raw = URL_SAFE_NO_PAD.decode(signature).expect("decoded above");
        raw[0] ^= 1;
        let flipped = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(raw));
        assert_eq!(
            verify_operation_token(&flipped, &ring(), &expect, NOW).map_err(|r| r.code).err(),
            Some(ErrorCode::TokenSignature)
        );
        // The body hash binds exactly one body.
        let bound = match &claims.bh {
            Some(bh) => *bh == body_hash(body),
            None => body.is_empty(),
        };
        assert_eq!(check_body_hash(&claims, body).is_ok(), bound);
        if let Some(bh) = &claims.bh {
            let _ = normalize_body_sha256(bh);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // As a whole token, as received in `Authorization: Bearer`.
    if let Ok(token) = std::str::from_utf8(data) {
        check(token, data);
        // `body_sha256` of `POST /token`: hex or base64url, always to the bh form.
        if let Ok(bh) = normalize_body_sha256(token) {
            assert_eq!(URL_SAFE_NO_PAD.decode(&bh).map(|b| b.len()).ok(), Some(32));
            assert_eq!(normalize_body_sha256(&bh).ok().as_deref(), Some(bh.as_str()));
        }
    }
    // As the claims of a token signed with k1: the claim checks.
    let header = URL_SAFE_NO_PAD.encode(HEADER);
    let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(data));
    let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(hmac(SECRET_1, &signed)));
    check(&token, b"");
    check(&token, br#"{"force":true}"#);
});
