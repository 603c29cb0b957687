//! The tiers of instance configuration (PROTOCOL.md "Instance
//! configuration tiers"): each input is a `create` and an `update` body,
//! parsed as the agent's routes parse them and checked for each tier.
//! Invariants: no body with `devices` or `source` parses, nor one naming a
//! key twice; what a tier accepts every higher tier accepts; every key a
//! tier accepts needs at most that tier, and a key under `raw.`,
//! `security.` (but nesting and protection), `linux.` or `volatile.` is
//! never accepted below the host tier; a member's values are of their
//! key's shape, at most 64 KiB, without control characters; `create`
//! answers the body's own name.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use smp_proto::config_policy::{
    Grant, MAX_MEMBER_VALUE_BYTES, MemberOffer, Tier, check_create, check_update, member_may_set, parse_create_request,
    parse_update_request, required_tier,
};
use smp_proto::names::InstanceName;

const GRANTS: [Grant; 4] = [
    Grant { tier: Tier::Member, host_config_off: false },
    Grant { tier: Tier::Admin, host_config_off: false },
    Grant { tier: Tier::Admin, host_config_off: true },
    Grant { tier: Tier::Host, host_config_off: false },
];

/// Keys that reach the host: only ever for the host tier, whatever the tables say.
fn reaches_the_host(key: &str) -> bool {
    let security =
        key.starts_with("security.") && key != "security.nesting" && !key.starts_with("security.protection.");
    key.starts_with("raw.") || security || key.starts_with("linux.") || key.starts_with("volatile.")
}

fn check_accepted(config: &BTreeMap<String, String>, grant: Grant) {
    for (key, value) in config {
        assert!(required_tier(key) <= grant.tier, "{key} accepted for {}", grant.tier);
        if grant.tier < Tier::Host {
            assert!(!reaches_the_host(key), "{key} accepted for {}", grant.tier);
            assert!(!value.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{key}={value:?}");
        }
        if grant.tier == Tier::Member {
            assert!(!value.chars().any(char::is_control), "{key}={value:?}");
            assert!(value.len() <= MAX_MEMBER_VALUE_BYTES);
            let allowed = member_may_set(key).expect("a member key");
            assert!(value.is_empty() || allowed.shape.accepts(value), "{key}={value:?}");
        }
    }
}

fn has_field(body: &[u8], name: &str) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.as_object().map(|object| object.contains_key(name)))
        .unwrap_or(false)
}

fuzz_target!(|data: &[u8]| {
    let profiles = ["default".to_owned()];
    let images = ["smp-busybox".to_owned()];
    let offer = MemberOffer { profiles: &profiles, images: &images };
    for forbidden in ["devices", "source"] {
        if has_field(data, forbidden) {
            assert!(parse_create_request(data).is_err() && parse_update_request(data).is_err());
        }
    }
    if let Ok(request) = parse_create_request(data) {
        // serde_json keeps the last of two equal keys: a body that parses
        // reads the same as a plain parse, so nothing else reads it otherwise.
        let plain: serde_json::Value = serde_json::from_slice(data).expect("it parsed");
        assert_eq!(plain["name"].as_str(), Some(request.name.as_str()));
        let mut accepted_below = false;
        for grant in GRANTS {
            match check_create(&request, grant, &offer) {
                Ok(name) => {
                    assert_eq!(name.as_str(), request.name);
                    assert_eq!(InstanceName::parse(name.as_str()).ok(), Some(name));
                    check_accepted(&request.config, grant);
                    accepted_below = true;
                }
                Err(refusal) => assert!(
                    !accepted_below || grant.host_config_off,
                    "refused to {grant:?} after a lower tier: {refusal:?}"
                ),
            }
        }
    }
    if let Ok(request) = parse_update_request(data) {
        let mut accepted_below = false;
        for grant in GRANTS {
            match check_update(&request, grant) {
                Ok(()) => {
                    check_accepted(&request.config, grant);
                    accepted_below = true;
                }
                Err(refusal) => assert!(
                    !accepted_below || grant.host_config_off,
                    "refused to {grant:?} after a lower tier: {refusal:?}"
                ),
            }
        }
    }
});
