//! The refusals the use cases pass on from checks that are not theirs:
//! smp-proto's names and configuration (a `Rejection` with its `reason`) and
//! the range checks of a container's limits and of a quota (`db`). Each is
//! said by a key of the Fluent files whose English is the check's own
//! message, so the API answers exactly what the check words and a page says
//! it in its reader's language.

use fluent_templates::fluent_bundle::FluentValue;
use smp_proto::config_policy::{
    self, ConfigProblem, MAX_IMAGE_ALIAS_CHARS, MAX_KEY_CHARS, MAX_MEMBER_VALUE_BYTES, Tier, ValueShape,
};
use smp_proto::error::{ErrorCode as AgentCode, Reason, Rejection};
use smp_proto::names::{InstanceNameProblem, UnitNameProblem};

use crate::db::containers::LimitOutOfRange;
use crate::db::quotas::NegativeQuota;
use crate::error::{AppError, ErrorCode};
use crate::texts::text;

/// A key of the Fluent files and its arguments.
type Said = (&'static str, Vec<(&'static str, FluentValue<'static>)>);

impl From<Rejection> for AppError {
    /// `forbidden_config` stays so, any other refusal is `invalid_input`; a
    /// refusal with a reason is said by its key, any other in proto's words.
    fn from(rejection: Rejection) -> AppError {
        let code = match rejection.code {
            AgentCode::ForbiddenConfig => ErrorCode::ForbiddenConfig,
            _ => ErrorCode::InvalidInput,
        };
        match &rejection.reason {
            Some(reason) => {
                let (key, args) = said(reason);
                AppError::said(code, key, &args)
            }
            None => AppError::new(code, rejection.message),
        }
    }
}

/// A machine's name that is not an instance name: `name: ` and the
/// rejection with its code.
pub fn machine_name_refused(rejection: Rejection) -> AppError {
    match &rejection.reason {
        Some(Reason::InstanceName(problem)) => {
            AppError::invalid("error-machines-name-invalid", &[("problem", text(instance_name_problem(*problem)))])
        }
        _ => AppError::invalid_input(format!("name: {rejection}")),
    }
}

impl From<LimitOutOfRange> for AppError {
    fn from(out_of_range: LimitOutOfRange) -> AppError {
        let LimitOutOfRange { field, min, max } = out_of_range;
        AppError::invalid(
            "error-containers-limit-out-of-range",
            &[("field", text(field)), ("min", text(min)), ("max", text(max))],
        )
    }
}

impl From<NegativeQuota> for AppError {
    fn from(negative: NegativeQuota) -> AppError {
        AppError::invalid("error-quota-below-zero", &[("field", text(negative.field))])
    }
}

/// The key and arguments that say `reason`.
fn said(reason: &Reason) -> Said {
    match reason {
        Reason::InstanceName(problem) => {
            ("error-containers-name-invalid", vec![("problem", text(instance_name_problem(*problem)))])
        }
        Reason::SnapshotName(problem) => {
            ("error-snapshots-name-invalid", vec![("problem", text(instance_name_problem(*problem)))])
        }
        Reason::UnitName(problem) => {
            let selector = match problem {
                UnitNameProblem::NotAService(_) => "not-a-service",
                UnitNameProblem::WrongLength => "length",
                UnitNameProblem::BadFirstCharacter => "first",
                UnitNameProblem::OtherCharacter => "character",
                UnitNameProblem::SeveralAts => "several-ats",
            };
            let mut args = vec![("problem", text(selector))];
            if let UnitNameProblem::NotAService(suffix) = problem {
                args.push(("suffix", text(suffix)));
            }
            ("error-services-unit-invalid", args)
        }
        Reason::Config(problem) => config_said(problem),
    }
}

/// The selector of `error-containers-name-invalid`'s `$problem`.
fn instance_name_problem(problem: InstanceNameProblem) -> &'static str {
    match problem {
        InstanceNameProblem::WrongLength => "length",
        InstanceNameProblem::FirstNotALetter => "first",
        InstanceNameProblem::EndsWithDash => "last",
        InstanceNameProblem::OtherCharacter => "character",
    }
}

/// The key and arguments that say a configuration's refusal. A key is
/// shown as proto shows it (`config_policy::printable`), and why a tier
/// may not set it in proto's English (`refusal_reason`).
fn config_said(problem: &ConfigProblem) -> Said {
    let yes_no = |yes: bool| text(if yes { "yes" } else { "no" });
    match problem {
        ConfigProblem::NotAnImageAlias { alias } => (
            "error-containers-image-not-alias",
            vec![("alias", text(config_policy::printable(alias))), ("max", text(MAX_IMAGE_ALIAS_CHARS))],
        ),
        ConfigProblem::TierTooLow { key, needed, grant } => (
            "error-containers-config-tier",
            vec![
                ("tier", text(grant.tier)),
                ("key", text(config_policy::printable(key))),
                ("reason", text(config_policy::refusal_reason(key))),
                ("needed", text(needed)),
                ("host_config_off", yes_no(*needed == Tier::Host && grant.host_config_off)),
                ("keys", text(config_policy::tier_keys_text(grant.tier))),
            ],
        ),
        ConfigProblem::ControlCharacter { key, multi_line } => (
            "error-containers-config-control-character",
            vec![("key", text(config_policy::printable(key))), ("multi_line", yes_no(*multi_line))],
        ),
        ConfigProblem::KeyShape { key } => (
            "error-containers-config-key-shape",
            vec![("key", text(config_policy::printable(key))), ("max", text(MAX_KEY_CHARS))],
        ),
        ConfigProblem::ValueTooLong { key } => {
            ("error-containers-config-value-too-long", vec![("key", text(key)), ("max", text(MAX_MEMBER_VALUE_BYTES))])
        }
        ConfigProblem::ValueNotOfShape { key, value, shape } => {
            let shape = match shape {
                ValueShape::Boolean => "boolean",
                ValueShape::MemoryLimit => "memory",
                ValueShape::CpuLimit => "cpu",
                ValueShape::Count => "count",
                ValueShape::SnapshotSchedule => "schedule",
                ValueShape::SnapshotExpiry => "expiry",
                ValueShape::SnapshotPattern => "pattern",
                ValueShape::Text => "text",
            };
            (
                "error-containers-config-value-shape",
                vec![("key", text(key)), ("value", text(format!("{value:?}"))), ("shape", text(shape))],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use smp_proto::config_policy::{Grant, check_config, check_image_alias};
    use smp_proto::names::{InstanceName, UnitName};

    use super::*;
    use crate::db::containers::Limits;
    use crate::db::quotas::Quota;
    use crate::domain::language::Language;

    /// The API's English of `error` is `english`, and a French and a Polish
    /// page each say it in their own words.
    fn assert_said(error: &AppError, english: &str) {
        assert!(error.text.is_some(), "said by a key: {english}");
        assert_eq!(error.message, english);
        for language in [Language::French, Language::Polish] {
            let theirs = error.message_in(language);
            assert!(theirs != english && !theirs.contains('⟦'), "{language}: {theirs}");
        }
    }

    /// The panel's English of `rejection` is proto's own message.
    fn assert_said_as_proto_says(rejection: Rejection) {
        assert!(rejection.reason.is_some(), "{rejection}");
        assert_said(&AppError::from(rejection.clone()), &rejection.message);
    }

    #[test]
    fn every_name_refusal_is_said_as_proto_words_it() {
        for name in ["", "1abc", "abc-", "a_b"] {
            assert_said_as_proto_says(InstanceName::parse(name).unwrap_err());
        }
        for name in ["ssh.socket", "", "-x", "a$b", "a@b@c"] {
            assert_said_as_proto_says(UnitName::parse(name).unwrap_err());
        }
        let refused = InstanceName::parse("-x").unwrap_err();
        assert_said(&machine_name_refused(refused.clone()), &format!("name: {refused}"));
    }

    #[test]
    fn every_configuration_refusal_is_said_as_proto_words_it() {
        let member = Grant::tier(Tier::Member);
        let admin = Grant::tier(Tier::Admin);
        let host = Grant::tier(Tier::Host);
        let host_config_off = Grant { tier: Tier::Admin, host_config_off: true };
        let long = "x".repeat(MAX_MEMBER_VALUE_BYTES + 1);
        for (grant, key, value) in [
            (member, "security.privileged", "true"),
            (member, "security.nesting", "true"),
            (member, "no.such.key", "1"),
            (admin, "raw.lxc", "x"),
            (host_config_off, "raw.lxc", "x"),
            (member, "user.note", "a\nb"),
            (host, "raw.lxc", "a\0b"),
            (host, "a b", "1"),
            (member, "user.note", &long),
            (member, "boot.autostart", "yes"),
            (member, "limits.memory", "lots"),
            (member, "limits.cpu", "x"),
            (member, "limits.processes", "0"),
        ] {
            let config = BTreeMap::from([(key.to_owned(), value.to_owned())]);
            assert_said_as_proto_says(check_config(&config, grant).unwrap_err());
        }
        assert_said_as_proto_says(check_image_alias("../x").unwrap_err());
    }

    #[test]
    fn the_range_checks_of_limits_and_quotas_are_said_as_before() {
        let max_mb = smp_proto::api::MAX_DISK_MB as i64;
        for (limits, english) in [
            (Limits { cpu: Some(0), ..Limits::default() }, "limits: cpu must be 1 to 1024, or left out"),
            (
                Limits { memory_mb: Some(15), ..Limits::default() },
                "limits: memory_mb must be 16 to 16777216, or left out",
            ),
            (
                Limits { disk_mb: Some(max_mb + 1), ..Limits::default() },
                "limits: disk_mb must be 1 to 16777216, or left out",
            ),
        ] {
            let out_of_range = limits.validate().unwrap_err();
            assert_eq!(format!("limits: {out_of_range}"), english);
            assert_said(&AppError::from(out_of_range), english);
        }
        let none = Quota::default();
        for (quota, field) in [
            (Quota { containers: Some(-1), ..none }, "containers"),
            (Quota { cpu: Some(-1), ..none }, "cpu"),
            (Quota { memory_mb: Some(-1), ..none }, "memory_mb"),
            (Quota { disk_mb: Some(-1), ..none }, "disk_mb"),
            (Quota { forwards: Some(-1), ..none }, "forwards"),
        ] {
            let english = format!("{field} must be 0 or more, or null for no limit");
            let negative = quota.validate().unwrap_err();
            assert_eq!(negative.to_string(), english);
            assert_said(&AppError::from(negative), &english);
        }
    }
}
