//! The JSON bodies of the API, parsed as their routes parse them and put
//! through the checks the use cases make before any database or agent work,
//! for the `panel_bodies` fuzz target (fuzz/, `make fuzz`). Built only with
//! the `fuzzing` feature; each `assert!` is an invariant the fuzzer hunts a
//! counterexample to, so a failure here is a finding, never a user's error.

use serde::de::DeserializeOwned;
use serde_json::Value;
use smp_proto::api::{ExecRequest, StopRequest};
use smp_proto::config_policy::{FORBIDDEN_BODY_FIELDS, check_image_alias, check_profile_name};
use smp_proto::names::{InstanceName, UnitName};
use smp_proto::network::{AddressRequest, ForwardsRequest};

use crate::api::session::LoginRequest;
use crate::api::terminals::{NewSession, ParticipantBody};
use crate::app::containers::Assign;
use crate::app::machines::{AddMachine, RotateKey};
use crate::app::networks::NewForwardRequest;
use crate::app::password::PasswordChange;
use crate::app::provisioning::{ContainerPatch, NewContainer, parse_new_container};
use crate::app::services::{MAX_DESCRIPTION, NewServiceRequest, ServicePatch, checked_description};
use crate::app::ssh_keys::{AddSshKey, check_name};
use crate::app::terminals::TicketRequest;
use crate::app::tokens::{CreateToken, MAX_EXPIRES_IN_DAYS, check_request};
use crate::app::totp::TotpCode;
use crate::app::users::{CreateUser, SignUp, UpdateUser};
use crate::db::containers::Limits;
use crate::db::quotas::Quota;
use crate::domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Password};
use crate::domain::ssh_key::SshPublicKey;
use crate::domain::username::{MAX_USERNAME_CHARS, Username};
use crate::http::body::parse_json;

/// The body as `http::body::Body::json` reads it: `None` when the route would
/// answer `invalid_input`.
fn read<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    parse_json(body).ok()
}

/// Whether the body is a JSON object with the field `name`, and its value.
fn field<'a>(value: &'a Option<Value>, name: &str) -> Option<&'a Value> {
    value.as_ref().and_then(Value::as_object).and_then(|object| object.get(name))
}

/// Parses `body` as every request body of the API and checks each one that
/// parses as its use case would first; panics on a broken invariant.
pub fn check_json_bodies(body: &[u8]) {
    let value: Option<Value> = read(body);

    // POST /api/v1/containers: no `devices`, no `source`, whatever the rest.
    if let Some(value) = value.clone()
        && let Ok(new) = parse_new_container(value)
    {
        for (forbidden, _) in FORBIDDEN_BODY_FIELDS {
            assert!(
                body_has_field(body, forbidden).is_none_or(|has| !has),
                "a container body with `{forbidden}` was accepted"
            );
        }
        check_new_container(&new);
    }

    // PATCH /api/v1/containers/{id}, PATCH …/owner: `null` and absent differ.
    if let Some(patch) = read::<ContainerPatch>(body) {
        assert_present(&value, "owner", patch.owner.as_ref().map(Option::is_none));
        assert_present(&value, "parent", patch.parent.as_ref().map(Option::is_none));
        if let Some(limits) = patch.limits {
            check_limits(&limits);
        }
    }
    if let Some(assign) = read::<Assign>(body) {
        assert_present(&value, "owner", assign.owner.as_ref().map(Option::is_none));
        assert_present(&value, "parent", assign.parent.as_ref().map(Option::is_none));
    }

    // Services.
    if let Some(new) = read::<NewServiceRequest>(body) {
        if let Ok(unit) = UnitName::parse(&new.unit) {
            assert!(unit.as_str().ends_with(".service"), "{unit}");
        }
        if let Some(description) = &new.description {
            check_description(description);
        }
    }
    if let Some(patch) = read::<ServicePatch>(body) {
        assert_present(&value, "owner", patch.owner.as_ref().map(Option::is_none));
        if let Some(description) = &patch.description {
            check_description(description);
        }
    }

    // Accounts, passwords, tokens, keys.
    if let Some(CreateUser { username, password, .. }) = read::<CreateUser>(body) {
        check_username(&username);
        if let Some(password) = password {
            check_password(password);
        }
    }
    let _ = read::<UpdateUser>(body);
    if let Some(SignUp { username, password, .. }) = read::<SignUp>(body) {
        check_username(&username);
        check_password(password);
    }
    if let Some(PasswordChange { new, .. }) = read::<PasswordChange>(body) {
        check_password(new);
    }
    if let Some(request) = read::<CreateToken>(body)
        && let Ok((checked, _password)) = check_request(request)
    {
        assert_eq!(checked.name, checked.name.trim());
        assert!((1..=64).contains(&checked.name.chars().count()), "{:?}", checked.name);
        assert!((1..=MAX_EXPIRES_IN_DAYS).contains(&checked.expires_in_days));
    }
    if let Some(AddSshKey { name, public_key }) = read::<AddSshKey>(body) {
        if let Ok(name) = check_name(&name) {
            assert_eq!(name, name.trim());
            assert!((1..=64).contains(&name.chars().count()) && !name.chars().any(char::is_control), "{name:?}");
        }
        check_ssh_key(&public_key);
    }
    let _ = read::<TotpCode>(body);
    let _ = read::<LoginRequest>(body);

    // Machines, quotas, networks, terminals, actions.
    let _ = read::<AddMachine>(body);
    let _ = read::<RotateKey>(body);
    if let Some(quota) = read::<Quota>(body)
        && quota.validate().is_ok()
    {
        for limit in [quota.containers, quota.cpu, quota.memory_mb, quota.disk_mb, quota.forwards].into_iter().flatten()
        {
            assert!(limit >= 0, "{quota:?}");
        }
    }
    if let Some(limits) = read::<Limits>(body) {
        check_limits(&limits);
    }
    let _ = read::<NewForwardRequest>(body);
    if let Some(request) = read::<AddressRequest>(body)
        && request.check().is_ok()
    {
        assert!(request.ipv4.is_none_or(|ip| !ip.is_loopback() && !ip.is_unspecified()));
        assert!(request.ipv6.is_none_or(|ip| !ip.is_loopback() && !ip.is_unspecified()));
    }
    if let Some(request) = read::<ForwardsRequest>(body)
        && request.check().is_ok()
    {
        assert!(request.forwards.iter().all(|forward| forward.listen_port > 0 && forward.target_port > 0));
    }
    let _ = read::<TicketRequest>(body);
    let _ = read::<NewSession>(body);
    let _ = read::<ParticipantBody>(body);
    let _ = read::<StopRequest>(body);
    let _ = read::<ExecRequest>(body);
}

/// Whether the JSON object `body` names `field` (`None`: not an object).
fn body_has_field(body: &[u8], field: &str) -> Option<bool> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.as_object().map(|object| object.contains_key(field))
}

/// `Some(true)`: the field was read as `null`; `Some(false)`: as a value;
/// `None`: absent. What the body says must be what was read.
fn assert_present(value: &Option<Value>, name: &str, read_as_null: Option<bool>) {
    let sent = field(value, name).map(Value::is_null);
    assert_eq!(sent, read_as_null, "`{name}`: sent {sent:?}, read {read_as_null:?}");
}

/// What `app::provisioning::reserve` checks first of a new container.
fn check_new_container(new: &NewContainer) {
    if let Ok(name) = InstanceName::parse(&new.name) {
        assert_eq!(name.as_str(), new.name);
    }
    if check_image_alias(&new.image).is_ok() {
        assert!(!new.image.is_empty() && !new.image.starts_with(['.', '/', '-']), "{:?}", new.image);
    }
    for profile in new.profiles.iter().flatten() {
        if check_profile_name(profile).is_ok() {
            assert!(!profile.is_empty() && !profile.contains('/'), "{profile:?}");
        }
    }
    if let Some(limits) = &new.limits {
        check_limits(limits);
    }
}

/// Limits that validate are each within their documented range.
fn check_limits(limits: &Limits) {
    if limits.validate().is_ok() {
        let max_mb = smp_proto::api::MAX_DISK_MB as i64;
        assert!(limits.cpu.is_none_or(|cpu| (1..=Limits::MAX_CPU).contains(&cpu)), "{limits:?}");
        assert!(limits.memory_mb.is_none_or(|mb| (Limits::MIN_MEMORY_MB..=max_mb).contains(&mb)), "{limits:?}");
        assert!(limits.disk_mb.is_none_or(|mb| (1..=max_mb).contains(&mb)), "{limits:?}");
    }
}

fn check_description(description: &str) {
    if let Ok(checked) = checked_description(description) {
        assert_eq!(checked, checked.trim());
        assert!(checked.chars().count() <= MAX_DESCRIPTION && !checked.chars().any(char::is_control));
    }
}

/// A username that parses is itself, and parses again to itself.
fn check_username(text: &str) {
    if let Ok(username) = Username::parse(text) {
        assert_eq!(username.as_str(), text);
        assert!(text.chars().count() <= MAX_USERNAME_CHARS && text.starts_with(|c: char| c.is_ascii_lowercase()));
        assert!(text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b)), "{text:?}");
        assert_eq!(Username::parse(username.as_str()).ok(), Some(username));
    }
}

/// A password that parses has 12 to 1024 characters (never hashed here:
/// Argon2 would make each run seconds long).
fn check_password(text: String) {
    let chars = text.chars().count();
    let accepted = Password::parse(text).is_ok();
    assert_eq!(accepted, (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars), "{chars} characters");
}

/// A key that parses is canonical: its `TYPE BASE64` parses again to the
/// same key, algorithm and fingerprint.
fn check_ssh_key(text: &str) {
    if let Ok(key) = SshPublicKey::parse(text) {
        assert!(key.public_key().starts_with(key.algorithm()), "{}", key.public_key());
        assert!(key.fingerprint().starts_with("SHA256:"));
        match SshPublicKey::parse(key.public_key()) {
            Ok(again) => {
                assert_eq!(again.public_key(), key.public_key());
                assert_eq!(again.fingerprint(), key.fingerprint());
                assert_eq!(again.algorithm(), key.algorithm());
            }
            Err(error) => panic!("the canonical form of an accepted key is refused: {error}"),
        }
    }
}
