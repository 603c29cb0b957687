//! Name rules, checked before anything reaches LXD or systemd: LXD instance
//! and snapshot names, and systemd unit names.

use std::fmt;

use crate::error::{ErrorCode, Reason, Rejection};

/// An LXD instance name: 1–63 ASCII letters, digits and `-`, starting with a
/// letter and not ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceName(String);

impl InstanceName {
    pub fn parse(name: &str) -> Result<Self, Rejection> {
        match lxd_name_problem(name) {
            Some(problem) => Err(Rejection::because(ErrorCode::InvalidName, Reason::InstanceName(problem))),
            None => Ok(InstanceName(name.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is wrong with `name` under LXD's rules for an instance name, which
/// the agent also applies to snapshot names; `None`: nothing.
fn lxd_name_problem(name: &str) -> Option<InstanceNameProblem> {
    if name.is_empty() || name.len() > 63 {
        Some(InstanceNameProblem::WrongLength)
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some(InstanceNameProblem::FirstNotALetter)
    } else if name.ends_with('-') {
        Some(InstanceNameProblem::EndsWithDash)
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some(InstanceNameProblem::OtherCharacter)
    } else {
        None
    }
}

/// A snapshot name, under the same rules as [`InstanceName`] (LXD itself
/// allows more, `/` excepted: the agent keeps to names that are safe in a
/// path segment and in a shell).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotName(String);

impl SnapshotName {
    pub fn parse(name: &str) -> Result<Self, Rejection> {
        match lxd_name_problem(name) {
            Some(problem) => Err(Rejection::because(ErrorCode::InvalidName, Reason::SnapshotName(problem))),
            None => Ok(SnapshotName(name.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SnapshotName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A systemd service unit name, `.service` appended when no suffix is given.
///
/// systemd's rules (at most 255 characters of `[A-Za-z0-9:_.\-]`, one `@` for
/// templates) plus one of our own: a name may not start with `-` or `.`, so it
/// can never be read as an option by `systemctl` or `journalctl`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitName(String);

const UNIT_SUFFIXES: [&str; 11] = [
    ".service",
    ".socket",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".target",
    ".path",
    ".timer",
    ".slice",
    ".scope",
];

impl UnitName {
    pub fn parse(name: &str) -> Result<Self, Rejection> {
        let invalid = |problem| Rejection::because(ErrorCode::InvalidName, Reason::UnitName(problem));
        let full = match UNIT_SUFFIXES.iter().find(|suffix| name.ends_with(*suffix)) {
            Some(&".service") => name.to_owned(),
            Some(&other) => return Err(invalid(UnitNameProblem::NotAService(other))),
            None => format!("{name}.service"),
        };
        let stem = &full[..full.len() - ".service".len()];
        if stem.is_empty() || full.len() > 255 {
            return Err(invalid(UnitNameProblem::WrongLength));
        }
        if stem.starts_with(['-', '.', '@']) {
            return Err(invalid(UnitNameProblem::BadFirstCharacter));
        }
        if !stem.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-' | '\\' | '@')) {
            return Err(invalid(UnitNameProblem::OtherCharacter));
        }
        if stem.matches('@').count() > 1 {
            return Err(invalid(UnitNameProblem::SeveralAts));
        }
        Ok(UnitName(full))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a text is not an [`InstanceName`]: what the refusal's message
/// (`Display`) says, as data for a caller that says it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceNameProblem {
    /// Empty, or longer than 63 bytes.
    WrongLength,
    /// It does not start with a letter.
    FirstNotALetter,
    /// It ends with `-`.
    EndsWithDash,
    /// It has a character other than a letter, a digit or `-`.
    OtherCharacter,
}

impl InstanceNameProblem {
    /// The refusal's message for a name of `what` (`container`, `snapshot`).
    pub fn message(self, what: &str) -> String {
        let why = match self {
            InstanceNameProblem::WrongLength => "wrong length",
            InstanceNameProblem::FirstNotALetter => "it must start with a letter",
            InstanceNameProblem::EndsWithDash => "it must not end with '-'",
            InstanceNameProblem::OtherCharacter => "it contains a character other than a letter, digit or '-'",
        };
        format!(
            "invalid {what} name: {why} (1-63 letters, digits and '-', starting with a letter, not ending with '-')"
        )
    }
}

impl fmt::Display for InstanceNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("container"))
    }
}

/// Why a text is not a [`UnitName`]: what the refusal's message (`Display`)
/// says, as data for a caller that says it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitNameProblem {
    /// A unit of another kind than a service: its suffix (`.socket`).
    NotAService(&'static str),
    /// No name before `.service`, or longer than 255 bytes with it.
    WrongLength,
    /// It starts with `-`, `.` or `@`.
    BadFirstCharacter,
    /// It has a character systemd does not allow.
    OtherCharacter,
    /// It has more than one `@`.
    SeveralAts,
}

impl fmt::Display for UnitNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid unit name: ")?;
        match self {
            UnitNameProblem::NotAService(suffix) => write!(f, "only services are managed, not {suffix} units")?,
            UnitNameProblem::WrongLength => f.write_str("wrong length")?,
            UnitNameProblem::BadFirstCharacter => f.write_str("it must not start with '-', '.' or '@'")?,
            UnitNameProblem::OtherCharacter => f.write_str("it contains a character systemd does not allow")?,
            UnitNameProblem::SeveralAts => f.write_str("it has more than one '@'")?,
        }
        f.write_str(" (systemd unit names use letters, digits, ':', '_', '.', '-', '\\' and one '@')")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_instance_names_are_accepted() {
        for name in ["c", "c1", "web-01", "A", &format!("a{}", "b".repeat(62))] {
            assert_eq!(InstanceName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn invalid_instance_names_are_refused_with_invalid_name() {
        let too_long = format!("a{}", "b".repeat(63));
        for name in ["", "1abc", "-abc", "abc-", "a_b", "a.b", "a/b", "../x", "a b", "é", &too_long, "a;b"] {
            let rejection = InstanceName::parse(name).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::InvalidName, "{name:?}");
        }
    }

    #[test]
    fn snapshot_names_follow_the_instance_rules_and_say_snapshot() {
        for name in ["s0", "auto-12", "before-upgrade", &format!("a{}", "b".repeat(62))] {
            assert_eq!(SnapshotName::parse(name).unwrap().as_str(), name);
        }
        let too_long = format!("a{}", "b".repeat(63));
        for name in ["", "0snap", "-s", "s-", "s_0", "s.0", "c1/s0", "..", "s 0", "s%2F0", &too_long] {
            let rejection = SnapshotName::parse(name).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::InvalidName, "{name:?}");
            assert!(rejection.message.starts_with("invalid snapshot name: "), "{}", rejection.message);
        }
        assert!(InstanceName::parse("-c").unwrap_err().message.starts_with("invalid container name: "));
    }

    #[test]
    fn a_unit_without_suffix_gets_dot_service() {
        assert_eq!(UnitName::parse("nginx").unwrap().as_str(), "nginx.service");
        assert_eq!(UnitName::parse("nginx.service").unwrap().as_str(), "nginx.service");
        assert_eq!(UnitName::parse("getty@tty1").unwrap().as_str(), "getty@tty1.service");
        assert_eq!(UnitName::parse("my_bot:2-x").unwrap().as_str(), "my_bot:2-x.service");
    }

    #[test]
    fn invalid_unit_names_are_refused_with_invalid_name() {
        let too_long = "a".repeat(250);
        for name in [
            "",
            ".service",
            "../x",
            "a;b",
            "a b",
            "a/b",
            "-x",
            "--help",
            ".hidden",
            "@x",
            "a@b@c",
            "ssh.socket",
            "multi-user.target",
            "a$b",
            "a\nb",
            &too_long,
        ] {
            let rejection = UnitName::parse(name).unwrap_err();
            assert_eq!(rejection.code, ErrorCode::InvalidName, "{name:?}");
        }
    }
}
