//! The name rules (PROTOCOL.md "Names"; `smp_proto::names` and the
//! config module's image, profile and uuid rules) and the panel's
//! usernames. Invariants: an accepted name is the text given (a unit name
//! with `.service` added when it had no suffix), parses again to itself,
//! and cannot be read as a path, an option or more than one word: no `/`
//! in instance and unit names, no leading `-`, no whitespace or control
//! character; the documented character sets and lengths hold.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smp_panel::Username;
use smp_proto::ErrorCode;
use smp_proto::config_policy::{check_image_alias, check_profile_name};
use smp_proto::names::{InstanceName, UnitName};
use smp_proto::token::is_instance_uuid;

fn plain(text: &str) -> bool {
    !text.starts_with('-') && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match InstanceName::parse(text) {
        Ok(name) => {
            assert_eq!(name.as_str(), text);
            assert_eq!(InstanceName::parse(name.as_str()).ok(), Some(name.clone()));
            assert!((1..=63).contains(&text.len()) && plain(text) && !text.contains(['/', '.']), "{text:?}");
            assert!(text.starts_with(|c: char| c.is_ascii_alphabetic()) && !text.ends_with('-'), "{text:?}");
        }
        Err(refusal) => assert_eq!(refusal.code, ErrorCode::InvalidName),
    }
    match UnitName::parse(text) {
        Ok(unit) => {
            let full = unit.as_str();
            assert!(full.ends_with(".service") && full.len() <= 255, "{full:?}");
            assert!(full == text || full == format!("{text}.service"), "{text:?} became {full:?}");
            assert_eq!(UnitName::parse(full).ok(), Some(unit.clone()), "{full:?} does not parse to itself");
            assert!(plain(full) && !full.starts_with(['.', '@']) && !full.contains('/'), "{full:?}");
            assert!(full.matches('@').count() <= 1, "{full:?}");
        }
        Err(refusal) => assert_eq!(refusal.code, ErrorCode::InvalidName),
    }
    if check_image_alias(text).is_ok() {
        assert!((1..=255).contains(&text.len()) && plain(text) && !text.starts_with(['.', '/']), "{text:?}");
    }
    if check_profile_name(text).is_ok() {
        assert!(
            (1..=63).contains(&text.len()) && plain(text) && !text.starts_with('.') && !text.contains('/'),
            "{text:?}"
        );
    }
    if is_instance_uuid(text) {
        assert!(text.len() == 36 && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'), "{text:?}");
    }
    if let Ok(username) = Username::parse(text) {
        assert_eq!(username.as_str(), text);
        assert!((1..=32).contains(&text.chars().count()) && plain(text), "{text:?}");
        assert!(text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b)), "{text:?}");
        assert_eq!(Username::parse(username.as_str()).ok(), Some(username));
    }
});
