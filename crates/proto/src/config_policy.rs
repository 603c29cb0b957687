//! The three tiers of instance configuration (PROTOCOL.md "Instance
//! configuration tiers") and the checks of `create` and `update` bodies the
//! agent makes with them before LXD is asked.
//!
//! A token's tier comes from one function, [`Tier::of_token`]: `host: true`
//! on an agent whose own `host_config` is on gives [`Tier::Host`]; `adm` or
//! `host` otherwise [`Tier::Admin`]; anything else [`Tier::Member`]. Each
//! tier is a whitelist:
//! - member: exactly the keys of [`MEMBER_CONFIG_KEYS`], with values of their
//!   shape, the profiles of `member_profiles` and the images of
//!   `member_images`; of the `snapshots.*` keys only `snapshots.schedule`,
//!   `snapshots.expiry` and `snapshots.pattern`, each value checked (a
//!   schedule alias or five cron fields, one expiry term, a plain name with
//!   `%d`: never one of LXD's pongo2 templates);
//! - admin: also the keys of [`ADMIN_CONFIG_KEYS`], everything that cannot
//!   reach the host, any profile and image of the project;
//! - host: any well-formed key, values with newlines and tabs (multi-line
//!   `raw.lxc`).
//!
//! Every other key is `forbidden_config`, naming the tier it needs.
//! [`REFUSED_CONFIG_KEYS`] only explains the refusal of the keys people are
//! likely to try (and lets tests try each). Whatever the tier, bodies are
//! parsed the same way: no body takes devices or an image source, and no
//! body may name a key twice.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use crate::api::{CreateRequest, MAX_DISK_MB, UpdateRequest, size_in_mib};
use crate::error::{ErrorCode, Reason, Rejection};
use crate::names::InstanceName;
use crate::token::Claims;

/// What a token may configure, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// No `adm`, no `host`: the member whitelist.
    Member,
    /// `adm: true` (or a `host` token on an agent without `host_config`):
    /// everything that cannot reach the host.
    Admin,
    /// `host: true` on an agent whose config sets `host_config = true`:
    /// anything, root on the host included.
    Host,
}

impl Tier {
    /// The one decision of a token's tier on an agent whose `host_config`
    /// is `host_config`.
    pub fn of_token(claims: &Claims, host_config: bool) -> Tier {
        if claims.host && host_config {
            Tier::Host
        } else if claims.adm || claims.host {
            Tier::Admin
        } else {
            Tier::Member
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Member => "member",
            Tier::Admin => "admin",
            Tier::Host => "host",
        }
    }

    /// Who holds this tier, for error messages.
    fn holders(self) -> &'static str {
        match self {
            Tier::Member => "members",
            Tier::Admin => "admins",
            Tier::Host => "host tokens",
        }
    }

    /// How a caller gets this tier, for error messages.
    fn how_to_get(self) -> &'static str {
        match self {
            Tier::Member => "any token",
            Tier::Admin => "an admin's token (`adm`)",
            Tier::Host => {
                "a head admin's `host` token (or `smp-agent token --host`) on an agent whose config sets host_config = true"
            }
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one token may configure on this agent: its tier, and whether it
/// asked for the host tier that the agent's `host_config` keeps off (then
/// a refusal says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub tier: Tier,
    pub host_config_off: bool,
}

impl Grant {
    /// The grant of a token's claims on an agent with `host_config`.
    pub fn of_token(claims: &Claims, host_config: bool) -> Grant {
        Grant { tier: Tier::of_token(claims, host_config), host_config_off: claims.host && !host_config }
    }

    /// Exactly `tier` (the panel's own checks, tests).
    pub fn tier(tier: Tier) -> Grant {
        Grant { tier, host_config_off: false }
    }
}

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
    /// When LXD takes scheduled snapshots: `@hourly`, `@daily`, `@weekly`,
    /// `@monthly`, or a cron expression of five fields, each of digits,
    /// `*`, `,`, `-` and `/` only (at most 64 characters; LXD checks the
    /// numbers).
    SnapshotSchedule,
    /// How long LXD keeps a snapshot: one term, 1-9999 and a unit of
    /// LXD's (`M` minutes, `H` hours, `d` days, `w` weeks, `m` months, `y`
    /// years), e.g. `7d`.
    SnapshotExpiry,
    /// How LXD names scheduled snapshots: a lower-case letter, up to 30
    /// lower-case letters, digits and `-`, then exactly `%d` (LXD's
    /// counter), e.g. `auto-%d`. No pongo2 template: the name is a valid
    /// snapshot name whatever the counter.
    SnapshotPattern,
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
            ValueShape::SnapshotSchedule => {
                matches!(value, "@hourly" | "@daily" | "@weekly" | "@monthly")
                    || (value.len() <= MAX_SCHEDULE_CHARS
                        && value.split(' ').count() == 5
                        && value.split(' ').all(|field| {
                            !field.is_empty()
                                && field.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'*' | b',' | b'-' | b'/'))
                        }))
            }
            ValueShape::SnapshotExpiry => {
                let Some(unit) = value.chars().last() else { return false };
                matches!(unit, 'M' | 'H' | 'd' | 'w' | 'm' | 'y')
                    && !value.starts_with('0')
                    && is_number_in(&value[..value.len() - 1], 1, MAX_EXPIRY_COUNT)
            }
            ValueShape::SnapshotPattern => value.strip_suffix("%d").is_some_and(|stem| {
                stem.starts_with(|c: char| c.is_ascii_lowercase())
                    && stem.len() <= 31
                    && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            }),
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
            ValueShape::SnapshotSchedule => {
                "`@hourly`, `@daily`, `@weekly`, `@monthly` or five cron fields of digits, `*`, `,`, `-`, `/` (`0 3 * * *`)"
            }
            ValueShape::SnapshotExpiry => {
                "1-9999 and a unit: `M` minutes, `H` hours, `d` days, `w` weeks, `m` months, `y` years (`7d`)"
            }
            ValueShape::SnapshotPattern => {
                "a lower-case letter, up to 30 lower-case letters, digits and `-`, then `%d` (`auto-%d`)"
            }
            ValueShape::Text => "any text",
        }
    }
}

/// Longest `snapshots.schedule` a member may give.
const MAX_SCHEDULE_CHARS: usize = 64;
/// Most units of a `snapshots.expiry` term (`9999d`).
const MAX_EXPIRY_COUNT: u64 = 9999;

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

/// The member tier: everything a token with neither `adm` nor `host` may set.
pub const MEMBER_CONFIG_KEYS: [AllowedKey; 8] = [
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
        pattern: KeyPattern::Exact("snapshots.schedule"),
        shape: ValueShape::SnapshotSchedule,
        meaning: "when LXD takes a snapshot of the container by itself",
    },
    AllowedKey {
        pattern: KeyPattern::Exact("snapshots.expiry"),
        shape: ValueShape::SnapshotExpiry,
        meaning: "how long LXD keeps each snapshot it takes (from then on, also those taken through the API)",
    },
    AllowedKey {
        pattern: KeyPattern::Exact("snapshots.pattern"),
        shape: ValueShape::SnapshotPattern,
        meaning: "how LXD names the snapshots it takes by schedule (`%d` counts up)",
    },
    AllowedKey {
        pattern: KeyPattern::Prefix("user."),
        shape: ValueShape::Text,
        meaning: "free-form keys for people and tools (cloud-init inside the container reads `user.user-data` and its kin)",
    },
];

/// A key the admin tier adds to the member's, and why it cannot reach the
/// host. Admins' values are not shaped here (LXD checks them, and refuses
/// a bad one with its reason: 400 `invalid_request`).
#[derive(Debug, Clone, Copy)]
pub struct AdminKey {
    pub pattern: KeyPattern,
    pub why_not_the_host: &'static str,
}

/// What the admin tier adds to [`MEMBER_CONFIG_KEYS`]: what changes the
/// container itself and its share of the host, never the host.
pub const ADMIN_CONFIG_KEYS: [AdminKey; 8] = [
    AdminKey {
        pattern: KeyPattern::Prefix("limits."),
        why_not_the_host: "the container's own limits (CPU priority and allowance, memory enforcement and swap, disk and network priority, huge pages, prlimits): they share the host out differently, inside the container's cgroup and user namespace",
    },
    AdminKey {
        pattern: KeyPattern::Prefix("boot."),
        why_not_the_host: "when and in which order the container starts and stops with the host; at worst a long host_shutdown_timeout delays the host's shutdown",
    },
    AdminKey {
        pattern: KeyPattern::Prefix("snapshots."),
        why_not_the_host: "scheduled snapshots of the container's own disk, in the project's pool: they take space, nothing else",
    },
    AdminKey {
        pattern: KeyPattern::Exact("security.nesting"),
        why_not_the_host: "containers inside the container: they stay in its unprivileged user namespace (LXD only lets it mount its own /proc and /sys again)",
    },
    AdminKey {
        pattern: KeyPattern::Prefix("security.protection."),
        why_not_the_host: "protects the container against deletion or a shift of its files: it only makes the container harder to remove",
    },
    AdminKey {
        pattern: KeyPattern::Prefix("migration."),
        why_not_the_host: "how the container would move to another LXD host (no route moves it)",
    },
    AdminKey {
        pattern: KeyPattern::Prefix("environment."),
        why_not_the_host: "the environment of the container's init and of every exec into it: processes of the container only",
    },
    AdminKey {
        pattern: KeyPattern::Prefix("cloud-init."),
        why_not_the_host: "data that cloud-init reads inside the container",
    },
];

/// A key some tier may not set, and why.
#[derive(Debug, Clone, Copy)]
pub struct RefusedKey {
    pub pattern: KeyPattern,
    pub reason: &'static str,
}

/// Keys people are likely to try, each with why it is refused to the tiers
/// below the one it needs ([`required_tier`]). The first entry that matches
/// a key gives the reason, so specific entries come before the prefixes
/// that would also match them. Keys that match nothing here are refused all
/// the same (it is a whitelist), with a generic reason.
pub const REFUSED_CONFIG_KEYS: [RefusedKey; 34] = [
    RefusedKey {
        pattern: KeyPattern::Exact("security.privileged"),
        reason: "runs the container without a user namespace: its root is the host's root",
    },
    RefusedKey {
        pattern: KeyPattern::Exact("security.nesting"),
        reason: "lets the container run containers of its own, with fewer restrictions on /proc and /sys",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("security.protection."),
        reason: "protects the container against deletion or a shift of its files",
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
        pattern: KeyPattern::Exact("security.devlxd"),
        reason: "switches the /dev/lxd API between the container and the host",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("security.devlxd."),
        reason: "opens more of the host through /dev/lxd (security.devlxd.images serves the host's image store to the container)",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("security."),
        reason: "every other security key changes the container's isolation from the host",
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
        reason: "snapshot keys beyond a member's schedule, expiry and pattern (snapshots.schedule.stopped also snapshots stopped containers) fill the host's storage pool faster",
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
        reason: "cloud-init's data for the container; members use user.user-data and its kin",
    },
    RefusedKey {
        pattern: KeyPattern::Prefix("agent."),
        reason: "the LXD agent of virtual machines, which talks to the host",
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
/// Longest image alias.
pub const MAX_IMAGE_ALIAS_CHARS: usize = 255;
/// Longest profile name.
const MAX_PROFILE_NAME_CHARS: usize = 63;

/// The entry of the member whitelist that lets a member set `key`, if any.
pub fn member_may_set(key: &str) -> Option<&'static AllowedKey> {
    MEMBER_CONFIG_KEYS.iter().find(|allowed| allowed.pattern.matches(key))
}

/// The entry of [`ADMIN_CONFIG_KEYS`] that lets an admin set `key`, if any
/// (an admin may also set every member key).
pub fn admin_adds(key: &str) -> Option<&'static AdminKey> {
    ADMIN_CONFIG_KEYS.iter().find(|allowed| allowed.pattern.matches(key))
}

/// The least tier that may set `key`: member for the member whitelist,
/// admin for [`ADMIN_CONFIG_KEYS`], host for every other key.
pub fn required_tier(key: &str) -> Tier {
    if member_may_set(key).is_some() {
        Tier::Member
    } else if admin_adds(key).is_some() {
        Tier::Admin
    } else {
        Tier::Host
    }
}

/// Why a tier below [`required_tier`] may not set `key`.
pub fn refusal_reason(key: &str) -> &'static str {
    REFUSED_CONFIG_KEYS
        .iter()
        .find(|refused| refused.pattern.matches(key))
        .map_or("it is in no whitelist", |refused| refused.reason)
}

/// What the agent offers members: its config's `member_profiles` and
/// `member_images` (an explicit list: empty offers no image at all).
#[derive(Debug, Clone, Copy)]
pub struct MemberOffer<'a> {
    pub profiles: &'a [String],
    pub images: &'a [String],
}

impl MemberOffer<'_> {
    /// Whether a member may use the image alias `alias` (if it exists).
    pub fn offers_image(&self, alias: &str) -> bool {
        self.images.iter().any(|offered| offered == alias)
    }
}

fn forbidden(message: String) -> Rejection {
    Rejection::new(ErrorCode::ForbiddenConfig, message)
}

fn invalid(message: String) -> Rejection {
    Rejection::new(ErrorCode::InvalidRequest, message)
}

/// Why [`check_config`] or [`check_image_alias`] refused, as data (the
/// panel says it in its pages' languages); its `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
    /// The image is not an image alias.
    NotAnImageAlias { alias: String },
    /// `key` needs the tier `needed`, above the grant's.
    TierTooLow { key: String, needed: Tier, grant: Grant },
    /// The value of `key` has a control character; `multi_line`: newline
    /// and tab were allowed.
    ControlCharacter { key: String, multi_line: bool },
    /// A key that is not 1-256 letters, digits, `.`, `_`, `-`.
    KeyShape { key: String },
    /// A member's value longer than [`MAX_MEMBER_VALUE_BYTES`].
    ValueTooLong { key: String },
    /// A member's value not of its key's shape.
    ValueNotOfShape { key: String, value: String, shape: ValueShape },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::NotAnImageAlias { alias } => write!(
                f,
                "the image {} is not an image alias (1-{MAX_IMAGE_ALIAS_CHARS} letters, digits, '-', '_', '.', '/')",
                printable(alias)
            ),
            ConfigProblem::TierTooLow { key, needed, grant } => f.write_str(&refusal_message(key, *needed, *grant)),
            ConfigProblem::ControlCharacter { key, multi_line } => write!(
                f,
                "the value of {} contains a control character{}",
                printable(key),
                if *multi_line {
                    " other than newline or tab"
                } else {
                    " (newline and tab only for the host tier, and for admins in user.* and cloud-init.*)"
                }
            ),
            ConfigProblem::KeyShape { key } => write!(
                f,
                "the config key {} is not 1-{MAX_KEY_CHARS} letters, digits, '.', '_' and '-'",
                printable(key)
            ),
            ConfigProblem::ValueTooLong { key } => {
                write!(f, "the value of {key} is longer than {MAX_MEMBER_VALUE_BYTES} bytes")
            }
            ConfigProblem::ValueNotOfShape { key, value, shape } => {
                write!(f, "{key} = {value:?} is not valid: it takes {} (or \"\" to remove it)", shape.describe())
            }
        }
    }
}

impl From<ConfigProblem> for Rejection {
    /// `forbidden_config` for what the tier may not set, else `invalid_request`.
    fn from(problem: ConfigProblem) -> Rejection {
        let code = match problem {
            ConfigProblem::TierTooLow { .. } | ConfigProblem::ControlCharacter { .. } => ErrorCode::ForbiddenConfig,
            _ => ErrorCode::InvalidRequest,
        };
        Rejection::because(code, Reason::Config(problem))
    }
}

/// Parses the body of `create`: a key named twice anywhere is
/// `invalid_request` (JSON parsers disagree on which one wins, so no reading
/// of the body may differ from the route's); `devices` and `source` are
/// `forbidden_config`; any other unknown field or a wrong type
/// `invalid_request`. The agent's `create` route and its token check
/// (`token::check_created_container`) both parse with this function.
pub fn parse_create_request(body: &[u8]) -> Result<CreateRequest, Rejection> {
    parse_body(body)
}

/// Parses the body of `update`, like [`parse_create_request`].
pub fn parse_update_request(body: &[u8]) -> Result<UpdateRequest, Rejection> {
    parse_body(body)
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Rejection> {
    if !crate::api::is_json_object(body) {
        return Err(invalid("invalid JSON body: the body must be a JSON object".into()));
    }
    serde_json::from_slice::<NoDuplicateKeys>(body).map_err(|error| invalid(format!("invalid JSON body: {error}")))?;
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

/// Any JSON value in which no object names a key twice (keys compared
/// after unescaping); deserializing it fails at the first duplicate.
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("JSON without duplicate keys")
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_unit<E>(self) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicateKeys, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicateKeys, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(serde::de::Error::custom(format!("the key {} is named twice", printable(&key))));
            }
            seen.insert(key);
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

/// Checks a `create` body for a token with `grant`, before LXD is asked,
/// and returns the new instance's name:
/// 1. the name (`invalid_name`), the image alias and profile names, one
///    profile at least and none twice, `disk_mb` (`invalid_request`);
/// 2. for the member tier: the profiles are in `member_profiles` and the
///    image in `member_images` (`forbidden_config`);
/// 3. the configuration ([`check_config`]).
pub fn check_create(request: &CreateRequest, grant: Grant, offer: &MemberOffer<'_>) -> Result<InstanceName, Rejection> {
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
    if grant.tier == Tier::Member {
        if let Some(profile) = request.profiles.iter().find(|profile| !offer.profiles.contains(profile)) {
            return Err(forbidden(format!(
                "the profile {profile:?} is not one members may use (member_profiles: {}); an admin may",
                offer.profiles.join(", ")
            )));
        }
        if !offer.offers_image(&request.image) {
            return Err(forbidden(format!(
                "the image {:?} is not one members may use (member_images: {}; GET /images lists them); an admin may",
                request.image,
                if offer.images.is_empty() { "none".to_owned() } else { offer.images.join(", ") }
            )));
        }
    }
    check_config(&request.config, grant)?;
    Ok(name)
}

/// Checks an `update` body: something to change, `disk_mb`, the configuration.
pub fn check_update(request: &UpdateRequest, grant: Grant) -> Result<(), Rejection> {
    if request.config.is_empty() && request.disk_mb.is_none() {
        return Err(invalid("nothing to change: give config, disk_mb or both".into()));
    }
    check_disk_mb(request.disk_mb)?;
    check_config(&request.config, grant)
}

/// Checks instance configuration for a token with `grant`:
/// 1. `forbidden_config`: a key that needs a higher tier than the grant's
///    ([`required_tier`]; the message names the key, why, and the tier it
///    needs); a value with a control character (the host tier may use
///    newline and tab, for multi-line `raw.lxc`);
/// 2. `invalid_request`: a key that is not 1-256 letters, digits, `.`, `_`,
///    `-`; for members, a value longer than 64 KiB or not of its key's
///    shape (`""` removes a key and is always accepted).
///
/// Every key is checked for 1 before any for 2, so a forbidden key is
/// always answered as such.
pub fn check_config(config: &BTreeMap<String, String>, grant: Grant) -> Result<(), Rejection> {
    for (key, value) in config {
        let needed = required_tier(key);
        if needed > grant.tier {
            return Err(ConfigProblem::TierTooLow { key: key.clone(), needed, grant }.into());
        }
        let multi_line = grant.tier == Tier::Host || (grant.tier == Tier::Admin && holds_documents(key));
        let allowed_control = |c: char| multi_line && matches!(c, '\n' | '\t');
        if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
            return Err(ConfigProblem::ControlCharacter { key: key.clone(), multi_line }.into());
        }
    }
    for (key, value) in config {
        check_key(key)?;
        if grant.tier != Tier::Member || value.is_empty() {
            continue;
        }
        if value.len() > MAX_MEMBER_VALUE_BYTES {
            return Err(ConfigProblem::ValueTooLong { key: key.clone() }.into());
        }
        if let Some(allowed) = member_may_set(key)
            && !allowed.shape.accepts(value)
        {
            return Err(ConfigProblem::ValueNotOfShape {
                key: key.clone(),
                value: value.clone(),
                shape: allowed.shape,
            }
            .into());
        }
    }
    Ok(())
}

/// Keys whose values are documents (cloud-init's YAML user data, notes):
/// LXD stores them and hands them to the instance, never writing them into
/// LXC's configuration, so a newline there cannot add a configuration line
/// (as it could in `environment.*`, which becomes `lxc.environment` lines).
fn holds_documents(key: &str) -> bool {
    key.starts_with("user.") || key.starts_with("cloud-init.")
}

/// "admins may not set "raw.lxc": raw LXC configuration…; it needs the host
/// tier: …" — what a refusal of `key` to `grant` says.
fn refusal_message(key: &str, needed: Tier, grant: Grant) -> String {
    let mut message = format!(
        "{} may not set {}: {}; it needs the {needed} tier ({})",
        grant.tier.holders(),
        printable(key),
        refusal_reason(key),
        needed.how_to_get()
    );
    if needed == Tier::Host && grant.host_config_off {
        message.push_str(
            "; this agent's host_config is off, so no token may set it here (a head admin uses lxc on the host)",
        );
    }
    let _ = write!(message, ". {} may set {}", grant.tier.holders(), tier_keys_text(grant.tier));
    message
}

/// `boot.autostart, limits.cpu, limits.memory, limits.processes,
/// snapshots.schedule, snapshots.expiry, snapshots.pattern, user.*` (and
/// the admin tier's keys after them).
pub fn tier_keys_text(tier: Tier) -> String {
    let member = MEMBER_CONFIG_KEYS.iter().map(|allowed| allowed.pattern.text());
    let admin = ADMIN_CONFIG_KEYS.iter().map(|allowed| allowed.pattern.text());
    match tier {
        Tier::Member => member.collect::<Vec<_>>().join(", "),
        Tier::Admin => member.chain(admin).collect::<Vec<_>>().join(", "),
        Tier::Host => "any key".to_owned(),
    }
}

/// A key as it can be shown in a message: quoted and escaped, cut at 80 characters.
pub fn printable(key: &str) -> String {
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
    if ok { Ok(()) } else { Err(ConfigProblem::KeyShape { key: key.to_owned() }.into()) }
}

/// An image alias: 1-255 letters, digits, `-`, `_`, `.`, `/`, not starting
/// with `.`, `/` or `-`. (No `:`: it is never a remote's image.)
pub fn check_image_alias(alias: &str) -> Result<(), Rejection> {
    let ok = !alias.is_empty()
        && alias.len() <= MAX_IMAGE_ALIAS_CHARS
        && alias.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !alias.starts_with(['.', '/', '-']);
    if ok { Ok(()) } else { Err(ConfigProblem::NotAnImageAlias { alias: alias.to_owned() }.into()) }
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

/// The tables of docs/protocol.md's configuration tiers, as Markdown.
pub fn whitelist_markdown() -> String {
    let mut text = String::from("| a member may set | values | meaning |\n| --- | --- | --- |\n");
    for allowed in &MEMBER_CONFIG_KEYS {
        let _ = writeln!(text, "| `{}` | {} | {} |", allowed.pattern.text(), allowed.shape.describe(), allowed.meaning);
    }
    text.push_str("\n| an admin may also set | why it cannot reach the host |\n| --- | --- |\n");
    for allowed in &ADMIN_CONFIG_KEYS {
        let _ = writeln!(text, "| `{}` | {} |", allowed.pattern.text(), allowed.why_not_the_host);
    }
    text.push_str("\n| refused | unless the tier is | because it |\n| --- | --- | --- |\n");
    for refused in &REFUSED_CONFIG_KEYS {
        let needed = required_tier(&refused.pattern.example());
        let _ = writeln!(text, "| `{}` | {needed} | {} |", refused.pattern.text(), refused.reason);
    }
    text.push_str("| any other key | host | is in no whitelist |\n");
    for (field, reason) in FORBIDDEN_BODY_FIELDS {
        let _ = writeln!(text, "| a `{field}` field | none: refused to every tier | {reason} |");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    const MEMBER: Grant = Grant { tier: Tier::Member, host_config_off: false };
    const ADMIN: Grant = Grant { tier: Tier::Admin, host_config_off: false };
    const HOST: Grant = Grant { tier: Tier::Host, host_config_off: false };
    /// A `host` token on an agent whose `host_config` is off.
    const HOST_OFF: Grant = Grant { tier: Tier::Admin, host_config_off: true };

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
            ValueShape::SnapshotSchedule => "@daily",
            ValueShape::SnapshotExpiry => "7d",
            ValueShape::SnapshotPattern => "auto-%d",
            ValueShape::Text => "ann's test box",
        }
    }

    #[test]
    fn every_whitelisted_key_is_accepted_from_a_member_with_a_value_of_its_shape_or_empty() {
        for allowed in &MEMBER_CONFIG_KEYS {
            let key = allowed.pattern.example();
            for value in [good_value(allowed.shape), ""] {
                assert_eq!(code(check_config(&config(&[(&key, value)]), MEMBER)), None, "{key} = {value:?}");
            }
        }
    }

    #[test]
    fn every_whitelisted_key_with_a_control_character_is_forbidden_for_members() {
        for allowed in &MEMBER_CONFIG_KEYS {
            let key = allowed.pattern.example();
            for value in ["true\n", "1\0", "a\u{1b}[31m", "x\r", "\u{7f}", "t\u{85}"] {
                assert_eq!(
                    code(check_config(&config(&[(&key, value)]), MEMBER)),
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
    fn snapshots_schedule_takes_an_alias_or_five_plain_cron_fields() {
        for value in ["@hourly", "@daily", "@weekly", "@monthly", "0 3 * * *", "*/15 * * * *", "0 1-5 * * 1,3,5"] {
            assert!(ValueShape::SnapshotSchedule.accepts(value), "{value}");
        }
        let too_long = format!("{} * * * *", "1,".repeat(30) + "1");
        for value in [
            "@every-second",
            "@yearly",
            "@reboot",
            "daily",
            "0 3 * *",
            "0 3 * * * *",
            "0  3 * * *",
            " 0 3 * * *",
            "0 3 * * MON",
            "0 3 ? * *",
            "0 3 * * *; reboot",
            "{{ x }} * * * *",
            &too_long,
        ] {
            assert!(!ValueShape::SnapshotSchedule.accepts(value), "{value}");
        }
    }

    #[test]
    fn snapshots_expiry_takes_one_term_of_lxds_units() {
        for value in ["7d", "1M", "12H", "2w", "6m", "1y", "9999d"] {
            assert!(ValueShape::SnapshotExpiry.accepts(value), "{value}");
        }
        for value in ["forever", "0d", "10000d", "07d", "7", "d", "7D", "7s", "1d 2H", "7 d", "-1d", "7dd", "7é"] {
            assert!(!ValueShape::SnapshotExpiry.accepts(value), "{value}");
        }
    }

    #[test]
    fn snapshots_pattern_takes_a_plain_name_ending_in_percent_d() {
        for value in ["auto-%d", "snap%d", "a%d", &format!("a{}%d", "b".repeat(30))] {
            assert!(ValueShape::SnapshotPattern.accepts(value), "{value}");
        }
        for value in [
            "x",
            "%d",
            "auto-",
            "auto-%d-x",
            "auto-%s",
            "Auto-%d",
            "1auto-%d",
            "-auto%d",
            "auto_%d",
            "auto/%d",
            "{{ creation_date|date:'2006-01-02' }}",
            "snap{{ x }}%d",
            "auto-%d%d",
            &format!("a{}%d", "b".repeat(31)),
        ] {
            assert!(!ValueShape::SnapshotPattern.accepts(value), "{value}");
        }
    }

    #[test]
    fn members_may_set_exactly_three_snapshot_keys_and_admins_the_rest() {
        for key in ["snapshots.schedule", "snapshots.expiry", "snapshots.pattern"] {
            assert_eq!(required_tier(key), Tier::Member, "{key}");
        }
        let member_keys: Vec<String> = MEMBER_CONFIG_KEYS.iter().map(|allowed| allowed.pattern.text()).collect();
        assert_eq!(
            member_keys,
            [
                "boot.autostart",
                "limits.cpu",
                "limits.memory",
                "limits.processes",
                "snapshots.schedule",
                "snapshots.expiry",
                "snapshots.pattern",
                "user.*"
            ]
        );
        for key in ["snapshots.schedule.stopped", "snapshots.example", "snapshots.schedulex", "snapshots."] {
            assert_ne!(required_tier(key), Tier::Member, "{key}");
            assert_eq!(code(check_config(&config(&[(key, "1")]), MEMBER)), Some(ErrorCode::ForbiddenConfig), "{key}");
        }
        assert_eq!(code(check_config(&config(&[("snapshots.schedule.stopped", "true")]), ADMIN)), None);
        let good =
            config(&[("snapshots.schedule", "@daily"), ("snapshots.expiry", "7d"), ("snapshots.pattern", "auto-%d")]);
        assert_eq!(code(check_config(&good, MEMBER)), None);
        for (key, bad) in
            [("snapshots.schedule", "@every-second"), ("snapshots.expiry", "forever"), ("snapshots.pattern", "x")]
        {
            let refused = check_config(&config(&[(key, bad)]), MEMBER).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidRequest, "{key} = {bad}");
            assert!(refused.message.contains(key), "{}", refused.message);
            assert_eq!(code(check_config(&config(&[(key, "")]), MEMBER)), None, "\"\" removes {key}");
        }
    }

    #[test]
    fn a_member_value_of_the_wrong_shape_is_an_invalid_request_naming_the_shape() {
        let rejection = check_config(&config(&[("limits.memory", "lots")]), MEMBER).unwrap_err();
        assert_eq!(rejection.code, ErrorCode::InvalidRequest);
        assert!(rejection.message.contains("512MiB"), "{}", rejection.message);
        let long = "x".repeat(MAX_MEMBER_VALUE_BYTES + 1);
        assert_eq!(code(check_config(&config(&[("user.note", &long)]), MEMBER)), Some(ErrorCode::InvalidRequest));
    }

    #[test]
    fn every_refused_key_is_forbidden_below_its_tier_with_its_own_reason_and_allowed_from_it() {
        for refused in &REFUSED_CONFIG_KEYS {
            let key = refused.pattern.example();
            let needed = required_tier(&key);
            assert!(needed > Tier::Member, "{key} is both allowed to members and refused");
            assert_eq!(refusal_reason(&key), refused.reason, "an earlier entry shadows {}", refused.pattern.text());
            for grant in [MEMBER, ADMIN, HOST_OFF, HOST] {
                let result = check_config(&config(&[(&key, "true")]), grant);
                if grant.tier >= needed {
                    assert_eq!(code(result), None, "{} may set {key}", grant.tier);
                } else {
                    let rejection = result.unwrap_err();
                    assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{key} for {}", grant.tier);
                    assert!(rejection.message.contains(refused.reason), "{key}: {}", rejection.message);
                    assert!(rejection.message.contains(&format!("needs the {needed} tier")), "{}", rejection.message);
                }
            }
        }
    }

    #[test]
    fn every_admin_key_is_forbidden_for_members_and_allowed_for_admins_and_host_tokens() {
        for allowed in &ADMIN_CONFIG_KEYS {
            let key = allowed.pattern.example();
            assert!(member_may_set(&key).is_none(), "{key} is in both whitelists");
            assert_eq!(required_tier(&key), Tier::Admin, "{key}");
            assert_eq!(code(check_config(&config(&[(&key, "1")]), MEMBER)), Some(ErrorCode::ForbiddenConfig), "{key}");
            for grant in [ADMIN, HOST_OFF, HOST] {
                assert_eq!(code(check_config(&config(&[(&key, "1")]), grant)), None, "{key} for {grant:?}");
            }
        }
    }

    #[test]
    fn the_keys_that_reach_the_host_need_the_host_tier_which_only_a_host_token_on_a_host_config_agent_has() {
        for key in [
            "security.privileged",
            "raw.lxc",
            "raw.idmap",
            "raw.apparmor",
            "raw.seccomp",
            "security.idmap.isolated",
            "security.idmap.base",
            "security.syscalls.intercept.mknod",
            "security.syscalls.intercept.mount",
            "linux.kernel_modules",
            "linux.sysctl.net.ipv4.ip_forward",
            "security.devlxd",
            "security.devlxd.images",
            "nvidia.runtime",
            "volatile.idmap.next",
            "volatile.uuid",
            "image.os",
            "no.such.key",
            "security.agent.metrics",
        ] {
            assert_eq!(required_tier(key), Tier::Host, "{key}");
            for grant in [MEMBER, ADMIN, HOST_OFF] {
                let rejection = check_config(&config(&[(key, "true")]), grant).unwrap_err();
                assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{key} for {grant:?}");
                assert!(rejection.message.contains(key), "the message names the key: {}", rejection.message);
                assert!(rejection.message.contains("host tier"), "{}", rejection.message);
            }
            assert_eq!(code(check_config(&config(&[(key, "true")]), HOST)), None, "{key}");
        }
        let refused = check_config(&config(&[("security.privileged", "true")]), HOST_OFF).unwrap_err();
        assert!(refused.message.contains("host_config is off"), "{}", refused.message);
        let refused = check_config(&config(&[("security.privileged", "true")]), ADMIN).unwrap_err();
        assert!(!refused.message.contains("host_config is off"), "an admin token did not ask: {}", refused.message);
    }

    #[test]
    fn a_tokens_tier_comes_from_its_claims_and_the_agents_host_config() {
        let claims = |adm: bool, host: bool| crate::token::Claims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            iat: 1,
            exp: 2,
            jti: "j".repeat(22),
            act: crate::Action::Create,
            adm,
            host,
            ctr: None,
            uid: None,
            svc: None,
            snap: None,
            bh: None,
        };
        for (adm, host, host_config, tier) in [
            (false, false, false, Tier::Member),
            (false, false, true, Tier::Member),
            (true, false, false, Tier::Admin),
            (true, false, true, Tier::Admin),
            (false, true, false, Tier::Admin),
            (true, true, false, Tier::Admin),
            (false, true, true, Tier::Host),
            (true, true, true, Tier::Host),
        ] {
            assert_eq!(
                Tier::of_token(&claims(adm, host), host_config),
                tier,
                "adm {adm} host {host} config {host_config}"
            );
            let grant = Grant::of_token(&claims(adm, host), host_config);
            assert_eq!((grant.tier, grant.host_config_off), (tier, host && !host_config));
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
            assert_eq!(code(check_config(&config(&[(key, "1")]), MEMBER)), Some(ErrorCode::ForbiddenConfig), "{key}");
        }
    }

    #[test]
    fn keys_that_only_look_like_whitelisted_ones_are_forbidden_for_members() {
        for key in ["user.", "user", "User.note", "Boot.Autostart", "boot.autostart ", "limits.memoryx", "limits", "x"]
        {
            let rejection = check_config(&config(&[(key, "1")]), MEMBER).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{key:?}");
        }
        assert_eq!(refusal_reason("no.such.key"), "it is in no whitelist");
    }

    #[test]
    fn a_forbidden_key_wins_over_a_badly_shaped_one() {
        let body = config(&[("limits.memory", "lots"), ("security.privileged", "true")]);
        assert_eq!(code(check_config(&body, MEMBER)), Some(ErrorCode::ForbiddenConfig));
    }

    #[test]
    fn the_host_tier_may_set_any_well_formed_key_and_multi_line_values_but_no_other_control_characters() {
        let raw = config(&[("raw.lxc", "lxc.signal.halt=SIGUSR2\n\tlxc.apparmor.profile=unconfined\n")]);
        assert_eq!(code(check_config(&raw, HOST)), None);
        assert_eq!(code(check_config(&config(&[("limits.memory", "whatever LXD says")]), HOST)), None);
        assert_eq!(code(check_config(&config(&[("limits.memory", "whatever LXD says")]), ADMIN)), None);
        assert_eq!(code(check_config(&config(&[("raw.lxc", "a\0b")]), HOST)), Some(ErrorCode::ForbiddenConfig));
        assert_eq!(code(check_config(&config(&[("raw.lxc", "a\rb")]), HOST)), Some(ErrorCode::ForbiddenConfig));
        for key in ["", "a b", "a..b", ".a", "a.", "a/b", "ключ", &"k".repeat(MAX_KEY_CHARS + 1)] {
            assert_eq!(code(check_config(&config(&[(key, "1")]), HOST)), Some(ErrorCode::InvalidRequest), "{key:?}");
        }
        // A member's user key with a bad suffix matches the whitelist's prefix but not the key grammar.
        assert_eq!(code(check_config(&config(&[("user.a b", "1")]), MEMBER)), Some(ErrorCode::InvalidRequest));
        assert_eq!(code(check_config(&config(&[("limits.a b", "1")]), ADMIN)), Some(ErrorCode::InvalidRequest));
    }

    #[test]
    fn newline_and_tab_are_for_the_host_tier_only_and_for_admins_in_documents() {
        for grant in [MEMBER, ADMIN, HOST_OFF] {
            for (key, value) in
                [("user.note", "a\nb"), ("environment.X", "a\tb"), ("cloud-init.user-data", "#cloud-config\n")]
            {
                let admins_document = grant.tier == Tier::Admin && holds_documents(key);
                if required_tier(key) <= grant.tier && !admins_document {
                    let rejection = check_config(&config(&[(key, value)]), grant).unwrap_err();
                    assert_eq!(rejection.code, ErrorCode::ForbiddenConfig, "{key} for {grant:?}");
                    assert!(rejection.message.contains("host tier"), "{}", rejection.message);
                }
            }
        }
        assert_eq!(code(check_config(&config(&[("user.note", "a\nb")]), HOST)), None);
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
    fn a_key_named_twice_anywhere_in_a_body_is_an_invalid_request() {
        for body in [
            &br#"{"name":"c2","image":"x","name":"c3"}"#[..],
            br#"{"name":"c2","n\u0061me":"c3","image":"x"}"#,
            br#"{"name":"c2","image":"x","config":{"user.a":"1","user.a":"2"}}"#,
            br#"{"name":"c2","image":"x","start":true,"start":false}"#,
            br#"{"name":"c2","image":"x","devices":{},"devices":{}}"#,
        ] {
            let rejection = parse_create_request(body).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::InvalidRequest, "{}", String::from_utf8_lossy(body));
            assert!(rejection.message.contains("named twice"), "{}", rejection.message);
        }
        let update = br#"{"config":{"limits.memory":"1GiB","limits.memory":"1%"}}"#;
        assert_eq!(parse_update_request(update).unwrap_err().code, ErrorCode::InvalidRequest);
        // The same key in two different objects is no duplicate.
        assert!(parse_create_request(br#"{"name":"c2","image":"x","config":{"name":"x","image":"y"}}"#).is_ok());
        assert!(parse_update_request(br#"{"config":{"user.config":"1"},"disk_mb":1}"#).is_ok());
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

    fn offer<'a>(profiles: &'a [String], images: &'a [String]) -> MemberOffer<'a> {
        MemberOffer { profiles, images }
    }

    #[test]
    fn a_member_creates_with_member_profiles_and_listed_images_only() {
        let profiles = vec!["default".to_owned(), "small".to_owned()];
        let images = vec!["smp-busybox".to_owned()];
        let nothing: Vec<String> = Vec::new();
        let listed = offer(&profiles, &images);
        let request = create(
            r#"{"name":"c2","image":"smp-busybox","profiles":["default","small"],"config":{"limits.memory":"256MiB"},"disk_mb":300,"start":true}"#,
        );
        assert_eq!(check_create(&request, MEMBER, &listed).unwrap().as_str(), "c2");
        let refused = check_create(&request, MEMBER, &offer(&profiles, &nothing)).unwrap_err();
        assert_eq!(refused.code, ErrorCode::ForbiddenConfig, "no member_images: members are offered no image");
        assert!(refused.message.contains("member_images: none"), "{}", refused.message);
        let other_image = create(r#"{"name":"c2","image":"smp-debian"}"#);
        assert_eq!(check_create(&other_image, MEMBER, &listed).unwrap_err().code, ErrorCode::ForbiddenConfig);
        for grant in [ADMIN, HOST_OFF, HOST] {
            assert!(check_create(&other_image, grant, &offer(&profiles, &nothing)).is_ok(), "any alias: {grant:?}");
        }
        let other_profile = create(r#"{"name":"c2","image":"smp-busybox","profiles":["default","privileged"]}"#);
        assert_eq!(check_create(&other_profile, MEMBER, &listed).unwrap_err().code, ErrorCode::ForbiddenConfig);
        assert!(check_create(&other_profile, ADMIN, &offer(&nothing, &nothing)).is_ok(), "admins: any profile");
    }

    #[test]
    fn a_create_body_is_checked_name_first_then_its_shape() {
        let profiles = vec!["default".to_owned()];
        let images = vec!["smp-busybox".to_owned()];
        let offer = offer(&profiles, &images);
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
            assert_eq!(check_create(&create(body), MEMBER, &offer).unwrap_err().code, expected, "{body}");
        }
    }

    #[test]
    fn an_update_needs_something_to_change_and_follows_the_same_whitelist() {
        let update = |json: &str| parse_update_request(json.as_bytes()).unwrap();
        assert!(check_update(&update(r#"{"config":{"boot.autostart":"true"}}"#), MEMBER).is_ok());
        assert!(check_update(&update(r#"{"disk_mb":512}"#), MEMBER).is_ok());
        assert_eq!(check_update(&update("{}"), MEMBER).unwrap_err().code, ErrorCode::InvalidRequest);
        assert_eq!(check_update(&update(r#"{"disk_mb":0}"#), ADMIN).unwrap_err().code, ErrorCode::InvalidRequest);
        let nesting = update(r#"{"config":{"security.nesting":"true"}}"#);
        assert_eq!(check_update(&nesting, MEMBER).unwrap_err().code, ErrorCode::ForbiddenConfig);
        assert!(check_update(&nesting, ADMIN).is_ok());
        let privileged = update(r#"{"config":{"security.privileged":"true"}}"#);
        assert_eq!(check_update(&privileged, ADMIN).unwrap_err().code, ErrorCode::ForbiddenConfig);
        assert_eq!(check_update(&privileged, HOST_OFF).unwrap_err().code, ErrorCode::ForbiddenConfig);
        assert!(check_update(&privileged, HOST).is_ok());
    }

    #[test]
    fn the_tables_in_docs_protocol_md_are_the_ones_generated_here() {
        let page = include_str!("../../../docs/protocol.md");
        let tables = whitelist_markdown();
        assert!(
            page.contains(&tables),
            "docs/protocol.md must hold the tier tables exactly as config_policy::whitelist_markdown() renders it:\n{tables}"
        );
    }

    #[test]
    fn admins_may_give_cloud_init_and_user_keys_several_lines_but_no_other_admin_key_and_members_none() {
        let lines = "#cloud-config\npackages:\n\t- nginx\n";
        let admin = Grant::tier(Tier::Admin);
        for key in ["cloud-init.user-data", "user.user-data", "user.note"] {
            assert_eq!(code(check_config(&config(&[(key, lines)]), admin)), None, "{key}");
        }
        for key in ["environment.LANG", "boot.autostart", "limits.memory"] {
            assert_eq!(
                code(check_config(&config(&[(key, "x\nlxc.mount.entry = / mnt")]), admin)),
                Some(ErrorCode::ForbiddenConfig),
                "{key}"
            );
        }
        assert_eq!(
            code(check_config(&config(&[("user.user-data", lines)]), Grant::tier(Tier::Member))),
            Some(ErrorCode::ForbiddenConfig)
        );
        assert_eq!(
            code(check_config(&config(&[("cloud-init.user-data", "a\u{0}b")]), admin)),
            Some(ErrorCode::ForbiddenConfig)
        );
    }

    #[test]
    fn a_body_that_is_not_a_json_object_is_refused_before_it_is_read() {
        // serde reads a struct from an array of its fields in order; no route documents that form.
        for body in [&br#"["c2","smp-busybox"]"#[..], br#" ["c2","x",["default"],{"raw.lxc":"x"}]"#, b"null", b"1"] {
            let refused = parse_create_request(body).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidRequest, "{}", String::from_utf8_lossy(body));
            assert!(refused.message.contains("JSON object"), "{}", refused.message);
            assert_eq!(parse_update_request(body).unwrap_err().code, ErrorCode::InvalidRequest);
        }
        assert!(parse_create_request(b" {\"name\":\"c2\",\"image\":\"x\"}").is_ok());
    }
}
