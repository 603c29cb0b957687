//! Test support shared by the suites that start the real `smp-agent`
//! binary: the e2e suite here and the panel's tests against a real agent
//! (the binaries under test, and a real systemd container with a unit).

// A test helper states its expectations with expect/assert.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `smp-agent` binary under test: `$SMP_AGENT_BIN`, else the one next
/// to the calling test's target directory (`…/debug/deps/<test>-…` →
/// `…/debug/smp-agent`).
pub fn agent_bin() -> PathBuf {
    binary("smp-agent", "SMP_AGENT_BIN")
}

/// The `smp-panel` binary under test: `$SMP_PANEL_BIN`, else the one next to
/// the calling test's target directory.
pub fn panel_bin() -> PathBuf {
    binary("smp-panel", "SMP_PANEL_BIN")
}

fn binary(name: &str, variable: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "{variable}={} is not a file", path.display());
        return path;
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir =
        exe.parent().and_then(Path::parent).expect("the test executable lives in <target>/<profile>/deps");
    let bin = profile_dir.join(name);
    assert!(bin.is_file(), "no {name} binary at {}: run `make build` first (or set {variable})", bin.display());
    bin
}

/// `lxc exec <container> --project <project> -- argv…`: exit status and stdout.
pub fn lxc_exec(project: &str, container: &str, argv: &[&str]) -> (i32, String) {
    let output = Command::new("lxc")
        .args(["exec", container, "--project", project, "--"])
        .args(argv)
        .stdin(Stdio::null())
        .output()
        .expect("lxc runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Launches `container` from the local `smp-debian` image in LXD project
/// `project`, waits (at most 90 s) until its systemd runs, then installs
/// `unit` with the text `unit_file` and starts it.
pub fn launch_systemd_with_unit(project: &str, container: &str, unit: &str, unit_file: &str) {
    let launched = Command::new("lxc")
        .args(["launch", "smp-debian", container, "--project", project, "-q"])
        .stdin(Stdio::null())
        .output()
        .expect("lxc runs");
    assert!(launched.status.success(), "lxc launch smp-debian: {}", String::from_utf8_lossy(&launched.stderr));
    let started = Instant::now();
    loop {
        let (_, state) = lxc_exec(project, container, &["systemctl", "is-system-running", "--wait"]);
        if matches!(state.trim(), "running" | "degraded") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "systemd did not come up in {container}: {state}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The unit file's text is an argument of the script, not part of it.
    let install = format!("printf '%s' \"$1\" > /etc/systemd/system/{unit} && systemctl daemon-reload");
    assert_eq!(lxc_exec(project, container, &["sh", "-c", &install, "sh", unit_file]).0, 0, "cannot install {unit}");
    assert_eq!(lxc_exec(project, container, &["systemctl", "start", unit]).0, 0, "cannot start {unit}");
}

/// Configuration keys a member may not set, as both suites send them (the
/// agent's with a hand-made member token, the panel's through its API): an
/// example of every entry of `smp-proto`'s refusal table, then keys an
/// attacker would try first and one LXD does not know.
pub fn refused_member_keys() -> Vec<String> {
    let mut keys: Vec<String> =
        smp_proto::config_policy::REFUSED_CONFIG_KEYS.iter().map(|refused| refused.pattern.example()).collect();
    keys.extend(
        [
            "security.privileged",
            "security.nesting",
            "raw.lxc",
            "raw.idmap",
            "raw.apparmor",
            "raw.seccomp",
            "security.idmap.isolated",
            "linux.kernel_modules",
            "volatile.idmap.next",
            "security.syscalls.intercept.mknod",
            "limits.memory.enforce",
            "no.such.key",
        ]
        .map(str::to_owned),
    );
    keys
}

/// One device of every kind that reaches the host (a disk with a host
/// path, unix-char and unix-block, gpu, usb, pci, proxy, a nic with a
/// parent, an oversized root disk): no request body takes `devices`.
pub fn host_devices() -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!({"host":{"type":"disk","source":"/","path":"/mnt/host"}}),
        json!({"kmsg":{"type":"unix-char","path":"/dev/kmsg"}}),
        json!({"sda":{"type":"unix-block","path":"/dev/sda"}}),
        json!({"gpu":{"type":"gpu"}}),
        json!({"usb":{"type":"usb","vendorid":"1d6b"}}),
        json!({"pci":{"type":"pci","address":"0000:00:02.0"}}),
        json!({"ssh":{"type":"proxy","listen":"tcp:0.0.0.0:2222","connect":"tcp:127.0.0.1:22"}}),
        json!({"eth1":{"type":"nic","nictype":"macvlan","parent":"eth0"}}),
        json!({"root":{"type":"disk","path":"/","pool":"default","size":"1TiB"}}),
    ]
}
