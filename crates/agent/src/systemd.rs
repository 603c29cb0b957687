//! What `systemctl` and `journalctl` print inside a container, read into the
//! answers of the service routes (`ServiceList`, `ServiceState`,
//! `ServiceLogsAnswer` of smp-proto). Pure: the text comes in, the answer or
//! what was unexpected about the text goes out.

use std::collections::BTreeMap;

use serde::Deserialize;
use smp_proto::api::{JournalLine, ServiceList, ServiceLogsAnswer, ServiceState, ServiceSummary};

/// The properties `service.state` asks `systemctl show` for ([`parse_show`]).
pub const SHOW_PROPERTIES: &str =
    "Id,Description,LoadState,ActiveState,SubState,MainPID,ActiveEnterTimestamp,MemoryCurrent";

/// Parses `systemctl list-units --output=json` (systemd ≥ 246), keeping
/// only `.service` units; `enabled` stays null until
/// [`add_unit_file_states`].
pub fn parse_list_units(text: &str) -> Result<ServiceList, String> {
    #[derive(Deserialize)]
    struct Row {
        unit: String,
        #[serde(default)]
        load: String,
        #[serde(default)]
        active: String,
        #[serde(default)]
        sub: String,
        #[serde(default)]
        description: String,
    }
    let rows: Vec<Row> =
        serde_json::from_str(text.trim()).map_err(|error| format!("systemctl list-units: not JSON: {error}"))?;
    let items = rows
        .into_iter()
        .filter(|row| row.unit.ends_with(".service"))
        .map(|row| ServiceSummary {
            unit: row.unit,
            load: row.load,
            active: row.active,
            sub: row.sub,
            description: row.description,
            enabled: None,
        })
        .collect();
    Ok(ServiceList { items })
}

/// Fills `enabled` from `systemctl list-unit-files --output=json`; an
/// instance (`getty@tty1.service`) takes its template's state.
pub fn add_unit_file_states(mut list: ServiceList, text: &str) -> Result<ServiceList, String> {
    #[derive(Deserialize)]
    struct Row {
        unit_file: String,
        state: String,
    }
    let rows: Vec<Row> =
        serde_json::from_str(text.trim()).map_err(|error| format!("systemctl list-unit-files: not JSON: {error}"))?;
    let states: BTreeMap<String, String> = rows.into_iter().map(|row| (row.unit_file, row.state)).collect();
    for item in &mut list.items {
        let template = item.unit.split_once('@').map(|(prefix, _)| format!("{prefix}@.service"));
        item.enabled = states.get(&item.unit).or_else(|| template.as_ref().and_then(|name| states.get(name))).cloned();
    }
    Ok(list)
}

/// Parses `systemctl show --property=`[`SHOW_PROPERTIES`]` --timestamp=unix`:
/// `Key=value` lines in any order, unknown keys ignored.
pub fn parse_show(text: &str) -> Result<ServiceState, String> {
    let mut values = BTreeMap::new();
    for line in text.lines() {
        if let Some((key, value)) = line.split_once('=') {
            values.insert(key.trim(), value.trim());
        }
    }
    let required = |key: &str| {
        values
            .get(key)
            .filter(|value| !value.is_empty())
            .map(|value| (*value).to_owned())
            .ok_or_else(|| format!("systemctl show: no {key}"))
    };
    let main_pid = values.get("MainPID").and_then(|pid| pid.parse::<u32>().ok()).filter(|pid| *pid != 0);
    // `@<seconds>` with `--timestamp=unix`; empty (or `@0`) when never active.
    let active_since = values
        .get("ActiveEnterTimestamp")
        .and_then(|value| value.strip_prefix('@'))
        .and_then(|seconds| seconds.parse::<i64>().ok())
        .filter(|seconds| *seconds > 0);
    // `[not set]` and u64::MAX ("infinity") both mean not accounted.
    let memory_bytes =
        values.get("MemoryCurrent").and_then(|value| value.parse::<u64>().ok()).filter(|bytes| *bytes != u64::MAX);
    Ok(ServiceState {
        unit: required("Id")?,
        description: values.get("Description").map(|value| (*value).to_owned()).unwrap_or_default(),
        load_state: required("LoadState")?,
        active_state: required("ActiveState")?,
        sub_state: required("SubState")?,
        main_pid,
        active_since,
        memory_bytes,
    })
}

/// Parses `journalctl -o json` (one JSON object a line) of `unit`. Entries
/// without a timestamp are skipped; a line that is not JSON is an error.
pub fn parse_journal(unit: &str, text: &str) -> Result<ServiceLogsAnswer, String> {
    let mut lines = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let entry: serde_json::Value =
            serde_json::from_str(line).map_err(|error| format!("journalctl: not JSON: {error}"))?;
        let Some(at_us) = entry["__REALTIME_TIMESTAMP"].as_str().and_then(|at| at.parse::<u64>().ok()) else {
            continue;
        };
        let message = match &entry["MESSAGE"] {
            serde_json::Value::String(text) => text.clone(),
            // journald writes a message that is not UTF-8 as an array of bytes.
            serde_json::Value::Array(bytes) => {
                let bytes: Vec<u8> =
                    bytes.iter().filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => String::new(),
        };
        lines.push(JournalLine { at_us, message });
    }
    Ok(ServiceLogsAnswer { unit: unit.to_owned(), lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemctl_list_units_json_becomes_service_summaries() {
        let text = r#"[{"unit":"cron.service","load":"loaded","active":"active","sub":"running","job":"","description":"Regular background program processing daemon"},{"unit":"dbus.socket","load":"loaded","active":"active","sub":"running","job":"","description":"D-Bus Socket"}]"#;
        let list = parse_list_units(text).unwrap();
        assert_eq!(list.items.len(), 1);
        assert_eq!(list.items[0].unit, "cron.service");
        assert_eq!((list.items[0].active.as_str(), list.items[0].sub.as_str()), ("active", "running"));
        assert!(parse_list_units("UNIT LOAD").is_err());
        assert_eq!(list.items[0].enabled, None);
    }

    #[test]
    fn unit_file_states_fill_enabled_and_instances_take_their_templates() {
        let units = r#"[{"unit":"cron.service","load":"loaded","active":"active","sub":"running","description":"cron"},
            {"unit":"getty@tty1.service","load":"loaded","active":"active","sub":"running","description":"Getty"},
            {"unit":"gone.service","load":"not-found","active":"inactive","sub":"dead","description":"gone.service"}]"#;
        let files = r#"[{"unit_file":"cron.service","state":"enabled","preset":"enabled"},
            {"unit_file":"getty@.service","state":"static","preset":null}]"#;
        let list = add_unit_file_states(parse_list_units(units).unwrap(), files).unwrap();
        let enabled: Vec<Option<&str>> = list.items.iter().map(|item| item.enabled.as_deref()).collect();
        assert_eq!(enabled, [Some("enabled"), Some("static"), None]);
        assert!(add_unit_file_states(parse_list_units(units).unwrap(), "x").is_err());
    }

    #[test]
    fn systemctl_show_becomes_a_typed_state() {
        let text = "MainPID=412\nMemoryCurrent=1310720\nId=smp-test.service\nDescription=SMP test = fine\nLoadState=loaded\nActiveState=active\nSubState=running\nActiveEnterTimestamp=@1795422926\n";
        let state = parse_show(text).unwrap();
        assert_eq!(state.unit, "smp-test.service");
        assert_eq!(state.description, "SMP test = fine", "only the first '=' separates");
        assert_eq!((state.main_pid, state.memory_bytes), (Some(412), Some(1_310_720)));
        assert_eq!(state.active_since, Some(1_795_422_926));
        let stopped = "MainPID=0\nMemoryCurrent=[not set]\nId=x.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nActiveEnterTimestamp=\n";
        let state = parse_show(stopped).unwrap();
        assert_eq!((state.main_pid, state.memory_bytes, state.active_since), (None, None, None));
        assert_eq!(state.load_state, "not-found");
        assert!(parse_show("MainPID=1\n").is_err());
    }

    #[test]
    fn journal_json_becomes_lines_with_byte_messages_decoded() {
        let text = concat!(
            r#"{"__REALTIME_TIMESTAMP":"1795422926884589","MESSAGE":"started","_PID":"1"}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"1795422926884600","MESSAGE":[104,105,255]}"#,
            "\n",
            r#"{"MESSAGE":"no timestamp"}"#,
            "\n"
        );
        let answer = parse_journal("a.service", text).unwrap();
        assert_eq!(answer.lines.len(), 2);
        assert_eq!(answer.lines[0], JournalLine { at_us: 1_795_422_926_884_589, message: "started".into() });
        assert_eq!(answer.lines[1].message, "hi\u{fffd}");
        assert!(parse_journal("a.service", "-- No entries --").is_err());
    }
}
