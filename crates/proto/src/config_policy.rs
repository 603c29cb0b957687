//! The member whitelist of instance configuration: what a token without
//! `adm: true` may ask of `create` and `update`, as two tables (the keys a
//! member may set, and the keys known to be dangerous with why), and the
//! checks of those bodies the agent makes before LXD is asked.
//!
//! It is a whitelist: a member may set exactly the keys of
//! [`MEMBER_CONFIG_KEYS`], with values of their shape; every other key is
//! `forbidden_config`. [`REFUSED_CONFIG_KEYS`] only explains the refusal of
//! the keys people are likely to try (and lets tests try each). Admin tokens
//! may set any key, but their bodies are parsed the same way: no body takes
//! devices or an image source, whoever sends it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::api::{CreateRequest, MAX_DISK_MB, UpdateRequest, size_in_mib};
use crate::error::{ErrorCode, Rejection};
use crate::names::InstanceName;

/// A configuration key, or every key under a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPattern {
    /// Exactly this key.
    Exact(&'static str),
    /// Every key that starts with this prefix and has more after it
    /// (`user.` matches `user.note`, not `user.`).
    Prefix(&'static str),
}

impl KeyPattern {
    pub fn matches(self, key: &str) -> bool {
        match self {
            KeyPattern::Exact(exact) => key == exact,
            KeyPattern::Prefix(prefix) => key.len() > prefix.len() && key.starts_with(prefix),
        }
    }

    /// As the docs write it: `boot.autostart`, `user.*`.
    pub fn text(self) -> String {
        match self {
            KeyPattern::Exact(exact) => exact.to_owned(),
            KeyPattern::Prefix(prefix) => format!("{prefix}*"),
        }
    }

    /// A key this pattern matches, for tests and examples.
    pub fn example(self) -> String {
        match self {
            KeyPattern::Exact(exact) => exact.to_owned(),
            KeyPattern::Prefix(prefix) => format!("{prefix}example"),
        }
    }
}

/// The values a whitelisted key takes from a member. The empty string is
/// always accepted: it removes the key (LXD's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    /// `true` or `false`.
    Boolean,
    /// A size (`512MiB`, `1GiB`, `500MB`, bytes) or a share of the host's
    /// memory (`1%` to `100%`).
    MemoryLimit,
    /// A number of CPUs (`1` to `4096`) or a set of CPUs to run on (`0-1`,
    /// `0,2`, `1-1`; each CPU 0 to 4095).
    CpuLimit,
    /// A whole number from 1.
    Count,
    /// Any text (without control characters, like every member value).
    Text,
}

impl ValueShape {
    /// Whether `value` has this shape (`""` is checked by the caller).
    pub fn accepts(self, value: &str) -> bool {
        match self {
            ValueShape::Boolean => matches!(value, "true" | "false"),
            ValueShape::MemoryLimit => match value.strip_suffix('%') {
                Some(percent) => is_number_in(percent, 1, 100),
                None => value.len() <= 24 && size_in_mib(value).is_some(),
            },
            ValueShape::CpuLimit => {
                if value.bytes().all(|b| b.is_ascii_digit()) {
                    return is_number_in(value, 1, 4096);
                }
                value.len() <= 256
                    && value.split(',').all(|part| match part.split_once('-') {
                        Some((first, last)) => {
                            is_number_in(first, 0, 4095)
                                && is_number_in(last, 0, 4095)
                                && first.parse::<u32>().ok() <= last.parse::<u32>().ok()
                        }
                        None => is_number_in(part, 0, 4095),
                    })
            }
            ValueShape::Count => is_number_in(value, 1, u64::from(u32::MAX)),
            ValueShape::Text => true,
        }
    }

    /// What the docs and error messages say it takes.
    pub fn describe(self) -> &'static str {
        match self {
            ValueShape::Boolean => "`true` or `false`",
            ValueShape::MemoryLimit => "a size (`512MiB`, `1GiB`, `500MB`) or a share of the host's memory (`50%`)",
            ValueShape::CpuLimit => "a number of CPUs (`2`) or the CPUs to run on (`0-1`, `0,2`)",
            ValueShape::Count => "a whole number from 1",
            ValueShape::Text => "any text",
        }
    }
}

/// `text` is 1-10 ASCII digits and a number from `min` to `max`.
fn is_number_in(text: &str, min: u64, max: u64) -> bool {
    !text.is_empty()
        && text.len() <= 10
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u64>().is_ok_and(|number| (min..=max).contains(&number))
}

/// A key a member may set, and the values it takes.
#[derive(Debug, Clone, Copy)]
pub struct AllowedKey {
    pub pattern: KeyPattern,
    pub shape: ValueShape,
    pub meaning: &'static str,
}

/// The whitelist: everything a token without `adm: true` may set.
pub const MEMBER_CONFIG_KEYS: [AllowedKey; 5] = [
    AllowedKey {
        pattern: KeyPattern::Exact("boot.autostart"),
        shape: ValueShape::Boolean,
        meaning: "start the container when the host boots",
    },
    AllowedKey {
        pattern: KeyPattern::Exact("limits.cpu"),
        shape: ValueShape::CpuLimit,
        meaning: "the CPUs the container sees",
    },
    AllowedKey {
        pattern: KeyPattern::Exact("limits.memory"),
        shape: ValueShape::MemoryLimit,
        meaning: "the container's memory limit (a hard limit: members cannot make it soft)",
    },
    AllowedKey {
        pattern: KeyPattern::Exact("limits.processes"),
        shape: ValueShape::Count,
        meaning: "the most processes the container may run at once",
    },
    AllowedKey {
        pattern: KeyPattern::Prefix("user."),
        shape: ValueShape::Text,
        meaning: "free-form keys for people and tools (cloud-init inside the container reads `user.user-data` and its kin)",
    },
];

/// A key a member may not set, and why.
#[derive(Debug, Clone, Copy)]
pub struct RefusedKey {
    pub pattern: KeyPattern,
    pub reason: &'static str,
}

/// Keys a member is likely to try, each with why it is refused. The first
/// entry that matches a key gives the reason, so specific entries come
/// before the prefixes that would also match them. Keys that match nothing
/// here are refused all the same (it is a whitelist), with a generic reason.
pub const REFUSED_CONFIG_KEYS: [RefusedKey; 30] = [
    RefusedKey {
        pattern: KeyPattern::Exact("security.privileged"),
        reason: "runs the container without a user namespace: its root is the host's root",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("security.nesting"),
        reason: "lets the container run containers of its own, with fewer restrictions on /proc and /sys",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("security.idmap."),
        reason: "chooses which host uids and gids the container's ids map to (the host's, or another container's)",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("security.syscalls."),
        reason: "changes the container's seccomp filter (system call deny and allow lists, mknod, mount, bpf and setxattr interception)",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("security."),
        reason: "every security key changes the container's isolation from the host or its protection",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("raw.lxc"),
        reason: "raw LXC configuration: mounts of host paths, capabilities, cgroup and AppArmor settings, anything",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("raw.idmap"),
        reason: "maps host uids and gids straight into the container",
    },
    RefusedKey { pattern: KeyPattern::Exact("raw.apparmor"), reason: "adds rules to the container's AppArmor profile" },
    RefusedKey { pattern: KeyPattern::Exact("raw.seccomp"), reason: "replaces the container's seccomp policy" },
    RefusedKey { pattern: KeyPattern::Exact("raw.qemu"), reason: "raw QEMU arguments (virtual machines)" },
    RefusedKey { pattern: KeyPattern::Exact("raw.qemu.conf"), reason: "raw QEMU configuration (virtual machines)" },
    RefusedKey {
        pattern: KeyPattern::Prefix("raw."),
        reason: "raw.* keys hand their text straight to LXC, QEMU or the kernel",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("linux.kernel_modules"),
        reason: "loads kernel modules into the host's kernel when the container starts",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("linux."),
        reason: "linux.* keys set kernel parameters and modules for the container",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("volatile."),
        reason: "LXD's own state of the instance (id maps, MAC addresses, last state): rewriting it can map the container onto host ids",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("boot.host_shutdown_timeout"),
        reason: "how long the host waits for this container when it shuts down: it delays the host's shutdown",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("boot.autostart.delay"),
        reason: "delays the autostart of every container after this one when the host boots",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("boot.autostart.priority"),
        reason: "reorders the autostart of every member's containers when the host boots",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("boot.stop.priority"),
        reason: "reorders the stop of every member's containers when the host shuts down",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("limits.cpu."),
        reason: "CPU scheduling beyond limits.cpu (priority over other members' containers, allowance, NUMA nodes)",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("limits.memory.enforce"),
        reason: "`soft` lets the container use more memory than limits.memory whenever the host has some free",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("limits.memory."),
        reason: "memory beyond limits.memory: swap, its priority, huge pages",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("limits.kernel."),
        reason: "kernel resource limits (prlimits) such as locked memory or open files, above the host's defaults",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("limits."),
        reason: "other limits change the container's share of the host's disks, network and huge pages against other members'",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("nvidia."),
        reason: "passes the host's NVIDIA driver and GPUs into the container",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("snapshots."),
        reason: "scheduled snapshots fill the host's storage pool",
    },
    RefusedKey { pattern: KeyPattern::Prefix("migration."), reason: "live-migration settings are the host's business" },
    RefusedKey {
        pattern: KeyPattern::Prefix("environment."),
        reason: "sets the environment of every exec into the container, the agent's own systemctl and journalctl included",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("image."),
        reason: "describes the image the container came from; LXD writes these",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("cloud-init."),
        reason: "not in the member whitelist; members use user.user-data and its kin",
    },
];

/// Fields of LXD's instance request that no body of this API takes, from
/// anyone, and why: answered `forbidden_config` rather than a plain unknown
/// field, since they are what an attempt to reach the host looks like.
pub const FORBIDDEN_BODY_FIELDS: [(&str, &str); 2] = [
    (
        "devices",
        "no route takes devices (disks with a host path, unix-char and unix-block, gpu, usb, pci, proxy, nics with a parent, …); the root disk's size is disk_mb",
    ),
    ("source", "the image is `image`, a local alias of this machine; no other source is taken"),
];

/// Longest value a member may give a key.
pub const MAX_MEMBER_VALUE_BYTES: usize = 64 * 1024;
/// Longest configuration key.
pub const MAX_KEY_CHARS: usize = 256;
/// Longest image alias and profile name.
const MAX_IMAGE_ALIAS_CHARS: usize = 255;
const MAX_PROFILE_NAME_CHARS: usize = 63;

/// The entry of the whitelist that lets a member set `key`, if any.
pub fn member_may_set(key: &str) -> Option<&'static AllowedKey> {
    MEMBER_CONFIG_KEYS.iter().find(|allowed| allowed.pattern.matches(key))
}

/// Why a member may not set `key` (which is not whitelisted).
pub fn refusal_reason(key: &str) -> &'static str {
    REFUSED_CONFIG_KEYS
        .iter()
        .find(|refused| refused.pattern.matches(key))
        .map_or("not in the member whitelist", |refused| refused.reason)
}

/// What the agent offers tokens without `adm: true`: its config's
/// `member_profiles` and `member_images` (`None`: every local alias).
#[derive(Debug, Clone, Copy)]
pub struct MemberOffer<'a> {
    pub profiles: &'a [String],
    pub images: Option<&'a [String]>,
}

impl MemberOffer<'_> {
    /// Whether a member may use the image alias `alias` (if it exists).
    pub fn offers_image(&self, alias: &str) -> bool {
        self.images.is_none_or(|images| images.iter().any(|offered| offered == alias))
    }
}

fn forbidden(message: String) -> Rejection {
    Rejection::new(ErrorCode::ForbiddenConfig, message)
}

fn invalid(message: String) -> Rejection {
    Rejection::new(ErrorCode::InvalidRequest, message)
}

/// Parses the body of `create`: `devices` and `source` are
/// `forbidden_config`, any other unknown field or a wrong type `invalid_request`.
pub fn parse_create_request(body: &[u8]) -> Result<CreateRequest, Rejection> {
    parse_body(body)
}

/// Parses the body of `update`, like [`parse_create_request`].
pub fn parse_update_request(body: &[u8]) -> Result<UpdateRequest, Rejection> {
    parse_body(body)
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Rejection> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| invalid(format!("invalid JSON body: {error}")))?;
    if let Some(object) = value.as_object() {
        for (field, reason) in FORBIDDEN_BODY_FIELDS {
            if object.contains_key(field) {
                return Err(forbidden(format!("the body may not have a `{field}` field: {reason}")));
            }
        }
    }
    serde_json::from_value(value).map_err(|error| invalid(format!("invalid JSON body: {error}")))
}

/// Checks a `create` body for a token with `adm` = `admin`, before LXD is
/// asked, and returns the new instance's name:
/// 1. the name (`invalid_name`), the image alias and profile names, one
///    profile at least and none twice, `disk_mb` (`invalid_request`);
/// 2. without `adm`: the profiles are in `member_profiles` and the image is
///    offered (`forbidden_config`);
/// 3. the configuration ([`check_config`]).
pub fn check_create(request: &CreateRequest, admin: bool, offer: &MemberOffer<'_>) -> Result<InstanceName, Rejection> {
    let name = InstanceName::parse(&request.name)?;
    check_image_alias(&request.image)?;
    if request.profiles.is_empty() {
        return Err(invalid("profiles must name at least one profile (it gives the root disk and network)".into()));
    }
    let mut seen = BTreeSet::new();
    for profile in &request.profiles {
        check_profile_name(profile)?;
        if !seen.insert(profile.as_str()) {
            return Err(invalid(format!("the profile {profile:?} is named twice")));
        }
    }
    check_disk_mb(request.disk_mb)?;
    if !admin {
        if let Some(profile) = request.profiles.iter().find(|profile| !offer.profiles.contains(profile)) {
            return Err(forbidden(format!(
                "the profile {profile:?} is not one members may use (member_profiles: {}); an admin may",
                offer.profiles.join(", ")
            )));
        }
        if !offer.offers_image(&request.image) {
            return Err(forbidden(format!(
                "the image {:?} is not one members may use (GET /images lists them); an admin may",
                request.image
            )));
        }
    }
    check_config(&request.config, admin)?;
    Ok(name)
}

/// Checks an `update` body: something to change, `disk_mb`, the configuration.
pub fn check_update(request: &UpdateRequest, admin: bool) -> Result<(), Rejection> {
    if request.config.is_empty() && request.disk_mb.is_none() {
        return Err(invalid("nothing to change: give config, disk_mb or both".into()));
    }
    check_disk_mb(request.disk_mb)?;
    check_config(&request.config, admin)
}

/// Checks instance configuration for a token with `adm` = `admin`:
/// 1. `forbidden_config`: a value with a control character (admins may
///    use newline and tab, for multi-line `raw.lxc`); without `adm`, a key
///    outside [`MEMBER_CONFIG_KEYS`] (the reason from [`REFUSED_CONFIG_KEYS`]);
/// 2. `invalid_request`: a key that is not 1-256 letters, digits, `.`, `_`,
///    `-`; without `adm`, a value longer than 64 KiB or not of its key's
///    shape (`""` removes a key and is always accepted).
///
/// Every key is checked for 1 before any for 2, so a forbidden key is
/// always answered as such.
pub fn check_config(config: &BTreeMap<String, String>, admin: bool) -> Result<(), Rejection> {
    for (key, value) in config {
        let allowed_control = |c: char| admin && matches!(c, '\n' | '\t');
        if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
            return Err(forbidden(format!(
                "the value of {} contains a control character{}",
                printable(key),
                if admin { " other than newline or tab" } else { "" }
            )));
        }
        if !admin && member_may_set(key).is_none() {
            return Err(forbidden(format!(
                "members may not set {}: {}; members may set {} (an admin may set any key)",
                printable(key),
                refusal_reason(key),
                whitelist_text()
            )));
        }
    }
    for (key, value) in config {
        check_key(key)?;
        if admin || value.is_empty() {
            continue;
        }
        if value.len() > MAX_MEMBER_VALUE_BYTES {
            return Err(invalid(format!("the value of {key} is longer than {MAX_MEMBER_VALUE_BYTES} bytes")));
        }
        if let Some(allowed) = member_may_set(key)
            && !allowed.shape.accepts(value)
        {
            return Err(invalid(format!(
                "{key} = {value:?} is not valid: it takes {} (or \"\" to remove it)",
                allowed.shape.describe()
            )));
        }
    }
    Ok(())
}

/// `boot.autostart, limits.cpu, limits.memory, limits.processes, user.*`
fn whitelist_text() -> String {
    MEMBER_CONFIG_KEYS.iter().map(|allowed| allowed.pattern.text()).collect::<Vec<_>>().join(", ")
}

/// A key as it can be shown in a message: quoted and escaped, cut at 80 characters.
fn printable(key: &str) -> String {
    let short: String = key.chars().take(80).collect();
    format!("{short:?}")
}

fn check_key(key: &str) -> Result<(), Rejection> {
    let ok = !key.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !key.starts_with('.')
        && !key.ends_with('.')
        && !key.contains("..");
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "the config key {} is not 1-{MAX_KEY_CHARS} letters, digits, '.', '_' and '-'",
            printable(key)
        )))
    }
}

/// An image alias: 1-255 letters, digits, `-`, `_`, `.`, `/`, not starting
/// with `.`, `/` or `-`. (No `:`: it is never a remote's image.)
pub fn check_image_alias(alias: &str) -> Result<(), Rejection> {
    let ok = !alias.is_empty()
        && alias.len() <= MAX_IMAGE_ALIAS_CHARS
        && alias.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !alias.starts_with(['.', '/', '-']);
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "the image {} is not an image alias (1-{MAX_IMAGE_ALIAS_CHARS} letters, digits, '-', '_', '.', '/')",
            printable(alias)
        )))
    }
}

/// A profile name: 1-63 letters, digits, `-`, `_`, `.`, not starting with `.` or `-`.
pub fn check_profile_name(profile: &str) -> Result<(), Rejection> {
    let ok = !profile.is_empty()
        && profile.len() <= MAX_PROFILE_NAME_CHARS
        && profile.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !profile.starts_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "the profile {} is not a profile name (1-{MAX_PROFILE_NAME_CHARS} letters, digits, '-', '_', '.')",
            printable(profile)
        )))
    }
}

fn check_disk_mb(disk_mb: Option<u64>) -> Result<(), Rejection> {
    match disk_mb {
        Some(mb) if !(1..=MAX_DISK_MB).contains(&mb) => {
            Err(invalid(format!("disk_mb must be between 1 and {MAX_DISK_MB} (MiB)")))
        }
        _ => Ok(()),
    }
}

/// The two tables of docs/protocol.md's member whitelist, as Markdown.
pub fn whitelist_markdown() -> String {
    let mut text = String::from("| a member may set | values | meaning |\n| --- | --- | --- |\n");
    for allowed in &MEMBER_CONFIG_KEYS {
        let _ = writeln!(text, "| `{}` | {} | {} |", allowed.pattern.text(), allowed.shape.describe(), allowed.meaning);
    }
    text.push_str("\n| refused | because it |\n| --- | --- |\n");
    for refused in &REFUSED_CONFIG_KEYS {
        let _ = writeln!(text, "| `{}` (members) | {} |", refused.pattern.text(), refused.reason);
    }
    text.push_str("| any other key (members) | is not in the whitelist |\n");
    for (field, reason) in FORBIDDEN_BODY_FIELDS {
        let _ = writeln!(text, "| a `{field}` field (anyone, admins too) | {reason} |");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    fn code(result: Result<(), Rejection>) -> Option<ErrorCode> {
        result.err().map(|rejection| rejection.code)
    }

    /// A value of the shape each whitelisted key takes.
    fn good_value(shape: ValueShape) -> &'static str {
        match shape {
            ValueShape::Boolean => "true",
            ValueShape::MemoryLimit => "512MiB",
            ValueShape::CpuLimit => "2",
            ValueShape::Count => "100",
            ValueShape::Text => "ann's test box",
        }
    }

    #[test]
    fn every_whitelisted_key_is_accepted_from_a_member_with_a_value_of_its_shape_or_empty() {
        for allowed in &MEMBER_CONFIG_KEYS {
            let key = allowed.pattern.example();
            for value in [good_value(allowed.shape), ""] {
                assert_eq!(code(check_config(&config(&[(&key, value)]), false)), None, "{key} = {value:?}");
            }
        }
    }

    #[test]
    fn every_whitelisted_key_with_a_control_character_is_forbidden_for_members() {
        for allowed in &MEMBER_CONFIG_KEYS {
            let key = allowed.pattern.example();
            for value in ["true\n", "1\0", "a\u{1b}[31m", "x\r", "\u{7f}", "t\u{85}"] {
                assert_eq!(
                    code(check_config(&config(&[(&key, value)]), false)),
                    Some(ErrorCode::ForbiddenConfig),
                    "{key} = {value:?}"
                );
            }
        }
    }

    #[test]
    fn boot_autostart_takes_true_or_false_only() {
        for value in ["true", "false"] {
            assert!(ValueShape::Boolean.accepts(value), "{value}");
        }
        for value in ["1", "yes", "True", "on", " true", "truee"] {
            assert!(!ValueShape::Boolean.accepts(value), "{value}");
        }
    }

    #[test]
    fn limits_memory_takes_sizes_and_percentages() {
        for value in ["512MiB", "1GiB", "500MB", "268435456", "1TiB", "1%", "50%", "100%"] {
            assert!(ValueShape::MemoryLimit.accepts(value), "{value}");
        }
        for value in ["", "lots", "0MiB", "0", "0%", "101%", "-1GiB", "1.5GiB", "1 GiB", "1gib", "50 %", "%", "1G"] {
            assert!(!ValueShape::MemoryLimit.accepts(value), "{value}");
        }
    }

    #[test]
    fn limits_cpu_takes_a_count_or_a_cpu_set() {
        for value in ["1", "2", "4096", "0-1", "1-1", "0,2", "0-1,4,6-7"] {
            assert!(ValueShape::CpuLimit.accepts(value), "{value}");
        }
        for value in ["", "0", "4097", "-1", "1-0", "0-", "-3", "0,,1", "a", "1.5", "0-4096", "0 - 1", "50%"] {
            assert!(!ValueShape::CpuLimit.accepts(value), "{value}");
        }
    }

    #[test]
    fn limits_processes_takes_a_whole_number_from_one() {
        for value in ["1", "500", "4294967295"] {
            assert!(ValueShape::Count.accepts(value), "{value}");
        }
        for value in ["", "0", "-1", "4294967296", "1e3", "12a", "99999999999"] {
            assert!(!ValueShape::Count.accepts(value), "{value}");
        }
    }

    #[test]
    fn a_member_value_of_the_wrong_shape_is_an_invalid_request_naming_the_shape() {
        let rejection = check_config(&config(&[("limits.memory", "lots")]), false).unwrap_err();
        assert_eq!(rejection.code, ErrorCode::InvalidRequest);
        assert!(rejection.message.contains("512MiB"), "{}", rejection.message);
        let long = "x".repeat(MAX_MEMBER_VALUE_BYTES + 1);
        assert_eq!(code(check_config(&config(&[("user.note", &long)]), false)), Some(ErrorCode::InvalidRequest));
    }

    #[test]
    fn every_refused_key_is_forbidden_for_members_with_its_own_reason_and_allowed_for_admins() {
        for refused in &REFUSED_CONFIG_KEYS {
            let key = refused.pattern.example();
            assert!(member_may_set(&key).is_none(), "{key} is both allowed and refused");
            assert_eq!(refusal_reason(&key), refused.reason, "an earlier entry shadows {}", refused.pattern.text());
            let rejection = check_config(&config(&[(&key, "true")]), false).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{key}");
            assert!(rejection.message.contains(refused.reason), "{key}: {}", rejection.message);
            assert_eq!(code(check_config(&config(&[(&key, "true")]), true)), None, "admins may set {key}");
        }
    }

    #[test]
    fn the_keys_of_the_issue_are_refused_for_members() {
        for key in [
            "security.privileged",
            "security.nesting",
            "raw.lxc",
            "raw.idmap",
            "raw.apparmor",
            "raw.seccomp",
            "raw.qemu",
            "security.idmap.isolated",
            "security.idmap.base",
            "security.idmap.size",
            "linux.kernel_modules",
            "volatile.idmap.next",
            "volatile.last_state.idmap",
            "security.syscalls.intercept.mknod",
            "security.syscalls.deny_default",
            "boot.host_shutdown_timeout",
            "limits.memory.enforce",
            "limits.memory.swap",
            "limits.cpu.priority",
            "limits.kernel.memlock",
            "environment.LD_PRELOAD",
            "nvidia.runtime",
            "security.devlxd.images",
        ] {
            assert_eq!(code(check_config(&config(&[(key, "1")]), false)), Some(ErrorCode::ForbiddenConfig), "{key}");
        }
    }

    #[test]
    fn keys_that_only_look_like_whitelisted_ones_are_forbidden_for_members() {
        for key in ["user.", "user", "User.note", "Boot.Autostart", "boot.autostart ", "limits.memoryx", "limits", "x"]
        {
            let rejection = check_config(&config(&[(key, "1")]), false).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{key:?}");
        }
        assert_eq!(refusal_reason("no.such.key"), "not in the member whitelist");
    }

    #[test]
    fn a_forbidden_key_wins_over_a_badly_shaped_one() {
        let body = config(&[("limits.memory", "lots"), ("security.privileged", "true")]);
        assert_eq!(code(check_config(&body, false)), Some(ErrorCode::ForbiddenConfig));
    }

    #[test]
    fn admins_may_set_any_well_formed_key_and_multi_line_values_but_no_other_control_characters() {
        let raw = config(&[("raw.lxc", "lxc.signal.halt=SIGUSR2\n\tlxc.apparmor.profile=unconfined\n")]);
        assert_eq!(code(check_config(&raw, true)), None);
        assert_eq!(code(check_config(&config(&[("limits.memory", "whatever LXD says")]), true)), None);
        assert_eq!(code(check_config(&config(&[("raw.lxc", "a\0b")]), true)), Some(ErrorCode::ForbiddenConfig));
        assert_eq!(code(check_config(&config(&[("raw.lxc", "a\rb")]), true)), Some(ErrorCode::ForbiddenConfig));
        for key in ["", "a b", "a..b", ".a", "a.", "a/b", "ключ", &"k".repeat(MAX_KEY_CHARS + 1)] {
            assert_eq!(code(check_config(&config(&[(key, "1")]), true)), Some(ErrorCode::InvalidRequest), "{key:?}");
        }
        // A member's user key with a bad suffix matches the whitelist's prefix but not the key grammar.
        assert_eq!(code(check_config(&config(&[("user.a b", "1")]), false)), Some(ErrorCode::InvalidRequest));
    }

    #[test]
    fn every_forbidden_body_field_is_forbidden_config_for_create_and_update() {
        let devices = [
            r#"{"root":{"type":"disk","path":"/","pool":"default"}}"#,
            r#"{"host":{"type":"disk","source":"/","path":"/mnt/host"}}"#,
            r#"{"kmsg":{"type":"unix-char","path":"/dev/kmsg"}}"#,
            r#"{"sda":{"type":"unix-block","path":"/dev/sda"}}"#,
            r#"{"gpu":{"type":"gpu"}}"#,
            r#"{"usb":{"type":"usb","vendorid":"1d6b"}}"#,
            r#"{"pci":{"type":"pci","address":"0000:00:02.0"}}"#,
            r#"{"ssh":{"type":"proxy","listen":"tcp:0.0.0.0:22","connect":"tcp:127.0.0.1:22"}}"#,
            r#"{"eth1":{"type":"nic","nictype":"macvlan","parent":"eth0"}}"#,
            "{}",
        ];
        for device in devices {
            let create = format!(r#"{{"name":"c2","image":"smp-busybox","devices":{device}}}"#);
            assert_eq!(parse_create_request(create.as_bytes()).unwrap_err().code, ErrorCode::ForbiddenConfig);
            let update = format!(r#"{{"config":{{}},"devices":{device}}}"#);
            assert_eq!(parse_update_request(update.as_bytes()).unwrap_err().code, ErrorCode::ForbiddenConfig);
        }
        for (field, _) in FORBIDDEN_BODY_FIELDS {
            let body = format!(r#"{{"name":"c2","image":"smp-busybox","{field}":null}}"#);
            let rejection = parse_create_request(body.as_bytes()).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{field}");
            assert!(rejection.message.contains(field), "{}", rejection.message);
        }
    }

    #[test]
    fn other_unknown_fields_and_bad_json_are_invalid_requests() {
        for body in [
            &br#"{"name":"c2","image":"x","ephemeral":true}"#[..],
            br#"{"name":"c2","image":"x","type":"virtual-machine"}"#,
            br#"{"name":"c2","image":"x","config":{"limits.cpu":2}}"#,
            br#"{"name":"c2","image":"x","disk_mb":-1}"#,
            br#"["c2"]"#,
            b"not json",
            b"",
        ] {
            let rejection = parse_create_request(body).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::InvalidRequest, "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(
            parse_update_request(br#"{"config":{},"profiles":["x"]}"#).unwrap_err().code,
            ErrorCode::InvalidRequest
        );
    }

    fn create(json: &str) -> CreateRequest {
        parse_create_request(json.as_bytes()).unwrap()
    }

    fn offer<'a>(profiles: &'a [String], images: Option<&'a [String]>) -> MemberOffer<'a> {
        MemberOffer { profiles, images }
    }

    #[test]
    fn a_member_creates_with_member_profiles_and_offered_images_only() {
        let profiles = vec!["default".to_owned(), "small".to_owned()];
        let images = vec!["smp-busybox".to_owned()];
        let everything = offer(&profiles, None);
        let listed = offer(&profiles, Some(&images));
        let request = create(
            r#"{"name":"c2","image":"smp-busybox","profiles":["default","small"],"config":{"limits.memory":"256MiB"},"disk_mb":300,"start":true}"#,
        );
        assert_eq!(check_create(&request, false, &listed).unwrap().as_str(), "c2");
        let other_image = create(r#"{"name":"c2","image":"smp-debian"}"#);
        assert!(check_create(&other_image, false, &everything).is_ok(), "no member_images: every local alias");
        assert_eq!(check_create(&other_image, false, &listed).unwrap_err().code, ErrorCode::ForbiddenConfig);
        assert!(check_create(&other_image, true, &listed).is_ok(), "admins may use any alias");
        let other_profile = create(r#"{"name":"c2","image":"smp-busybox","profiles":["default","privileged"]}"#);
        assert_eq!(check_create(&other_profile, false, &everything).unwrap_err().code, ErrorCode::ForbiddenConfig);
        let nothing: Vec<String> = Vec::new();
        assert!(check_create(&other_profile, true, &offer(&nothing, Some(&nothing))).is_ok(), "admins: any profile");
    }

    #[test]
    fn a_create_body_is_checked_name_first_then_its_shape() {
        let profiles = vec!["default".to_owned()];
        let offer = offer(&profiles, None);
        for (body, expected) in [
            (r#"{"name":"-bad","image":"smp-busybox"}"#, ErrorCode::InvalidName),
            (r#"{"name":"c2","image":"remote:alpine"}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"../x"}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":""}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"smp-busybox","profiles":[]}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"smp-busybox","profiles":["default","default"]}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"smp-busybox","profiles":["a/b"]}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"smp-busybox","disk_mb":0}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"smp-busybox","disk_mb":16777217}"#, ErrorCode::InvalidRequest),
            (r#"{"name":"c2","image":"smp-busybox","config":{"security.nesting":"true"}}"#, ErrorCode::ForbiddenConfig),
        ] {
            assert_eq!(check_create(&create(body), false, &offer).unwrap_err().code, expected, "{body}");
        }
    }

    #[test]
    fn an_update_needs_something_to_change_and_follows_the_same_whitelist() {
        let update = |json: &str| parse_update_request(json.as_bytes()).unwrap();
        assert!(check_update(&update(r#"{"config":{"boot.autostart":"true"}}"#), false).is_ok());
        assert!(check_update(&update(r#"{"disk_mb":512}"#), false).is_ok());
        assert_eq!(check_update(&update("{}"), false).unwrap_err().code, ErrorCode::InvalidRequest);
        assert_eq!(check_update(&update(r#"{"disk_mb":0}"#), true).unwrap_err().code, ErrorCode::InvalidRequest);
        let nesting = update(r#"{"config":{"security.nesting":"true"}}"#);
        assert_eq!(check_update(&nesting, false).unwrap_err().code, ErrorCode::ForbiddenConfig);
        assert!(check_update(&nesting, true).is_ok());
    }

    #[test]
    fn the_tables_in_docs_protocol_md_are_the_ones_generated_here() {
        let page = include_str!("../../../docs/protocol.md");
        let tables = whitelist_markdown();
        assert!(
            page.contains(&tables),
            "docs/protocol.md must hold the member whitelist exactly as config_policy::whitelist_markdown() renders it:\n{tables}"
        );
    }
}
