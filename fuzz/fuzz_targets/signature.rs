//! `POST /token` (PROTOCOL.md "Signed requests"): the signature check and
//! the token it mints. Each input is read as the four headers and the body
//! (lines: key id, timestamp, nonce, signature, then the body) and checked
//! as sent, then signed with the real secret and checked again.
//! Invariants: a request accepted as sent carries the HMAC of its canonical
//! string under the key its id names, a well-formed nonce and a timestamp
//! within 30 s; a request signed with the key is accepted exactly when its
//! nonce and timestamp are good, and refused once its body changes by one
//! byte; the nonce is remembered at least as long as the request is
//! acceptable; a token request the agent grants mints a token that the
//! route it names accepts, with the claims it minted.

#![no_main]

use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use smp_proto::ErrorCode;
use smp_proto::api::TokenRequest;
use smp_proto::signature::{
    MAX_CLOCK_SKEW_S, SignedHeaders, canonical_request, nonce_remembered_until, sign_request, verify_signed_request,
};
use smp_proto::token::{
    Expectations, KeyRing, SharedKey, TokenOrder, mint_operation_token, normalize_body_sha256, verify_operation_token,
};

const SECRET: &str = "fuzz-agent-secret-one-of-at-least-32-chars";
const NOW: i64 = 1_764_000_000;
const MAX_TTL_S: i64 = 60;

fn ring() -> KeyRing {
    KeyRing::new(vec![SharedKey::new("k1", SECRET)])
}

fn nonce_ok(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn within_skew(timestamp: &str) -> bool {
    timestamp.parse::<i64>().is_ok_and(|t| (i128::from(t) - i128::from(NOW)).abs() <= i128::from(MAX_CLOCK_SKEW_S))
}

fn check_accepted(headers: &SignedHeaders<'_>, body: &[u8], timestamp: i64) {
    assert_eq!(headers.key_id, "k1");
    assert!(nonce_ok(headers.nonce), "{:?}", headers.nonce);
    assert_eq!(headers.timestamp.parse::<i64>().ok(), Some(timestamp));
    assert!((timestamp - NOW).abs() <= MAX_CLOCK_SKEW_S);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(canonical_request(headers.timestamp, headers.nonce, "POST", "/token", body).as_bytes());
    assert_eq!(hex::decode(headers.signature).ok(), Some(mac.finalize().into_bytes().to_vec()));
    // Remembered while the request is acceptable, whenever it arrived.
    assert!(nonce_remembered_until(timestamp) >= timestamp + MAX_CLOCK_SKEW_S);
}

/// What the route does next with the body: mint and check the token.
fn mint_from(body: &[u8]) {
    let Ok(wanted) = serde_json::from_slice::<TokenRequest>(body) else { return };
    let Ok(body_hash) = wanted.body_sha256.as_deref().map(normalize_body_sha256).transpose() else { return };
    let order = TokenOrder {
        action: wanted.action,
        container: wanted.container.as_deref(),
        service: wanted.service.as_deref(),
        snapshot: wanted.snapshot.as_deref(),
        ttl_s: wanted.ttl,
        subject: wanted.subject.as_deref().unwrap_or("operator"),
        admin: wanted.admin,
        host: false,
        uid: None,
        body_hash,
    };
    let Ok(claims) = order.claims("smp-agent:/token", "alita", MAX_TTL_S, NOW, "j".repeat(24)) else { return };
    assert!(!claims.host, "the host tier is never minted over the network");
    assert!(claims.exp > claims.iat && claims.exp - claims.iat <= MAX_TTL_S, "{claims:?}");
    let token = mint_operation_token(&SharedKey::new("k1", SECRET), &claims).expect("mint");
    let expect = Expectations {
        audience: "alita",
        max_ttl_s: MAX_TTL_S,
        agent_started_at: NOW - 100,
        action: claims.act,
        container: if claims.act.container_in_body() { None } else { claims.ctr.as_deref() },
        service: claims.svc.as_deref(),
        snapshot: if claims.act.snapshot_in_body() { None } else { claims.snap.as_deref() },
    };
    match verify_operation_token(&token, &ring(), &expect, NOW) {
        Ok(verified) => assert_eq!(verified, claims),
        Err(refusal) => panic!("a token the agent minted is refused by its route: {refusal:?} ({claims:?})"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.splitn(5, '\n');
    let (Some(key_id), Some(timestamp), Some(nonce), Some(signature)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return;
    };
    let body = lines.next().unwrap_or("").as_bytes();

    // As sent.
    let sent = SignedHeaders { key_id, timestamp, nonce, signature };
    if let Ok(at) = verify_signed_request(&ring(), &sent, "POST", "/token", body, NOW) {
        check_accepted(&sent, body, at);
    }

    // Signed with the key: accepted exactly when nonce and timestamp are good.
    let good = sign_request(SECRET, timestamp, nonce, "POST", "/token", body);
    let signed = SignedHeaders { key_id: "k1", timestamp, nonce, signature: &good };
    let verdict = verify_signed_request(&ring(), &signed, "POST", "/token", body, NOW);
    assert_eq!(verdict.is_ok(), nonce_ok(nonce) && within_skew(timestamp), "{verdict:?}");
    if let Ok(at) = verdict {
        check_accepted(&signed, body, at);
        let mut other = body.to_vec();
        other.push(b' ');
        let refused = verify_signed_request(&ring(), &signed, "POST", "/token", &other, NOW);
        assert_eq!(refused.map_err(|r| r.code).err(), Some(ErrorCode::SignatureInvalid));
        for (method, path) in [("GET", "/token"), ("POST", "/token/")] {
            assert!(verify_signed_request(&ring(), &signed, method, path, body, NOW).is_err());
        }
    }
    mint_from(body);
});
