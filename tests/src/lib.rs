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
    launch_systemd_with_unit_configured(project, container, unit, unit_file, &[]);
}

/// `launch_systemd_with_unit` with instance configuration (`KEY=VALUE`, each
/// given to `lxc launch -c`).
pub fn launch_systemd_with_unit_configured(
    project: &str,
    container: &str,
    unit: &str,
    unit_file: &str,
    config: &[&str],
) {
    let launched = Command::new("lxc")
        .args(["launch", "smp-debian", container, "--project", project, "-q"])
        .args(config.iter().flat_map(|item| ["-c", item]))
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

/// Runs a command to its end; panics with its stderr unless it succeeds.
/// Its standard output.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program} (install it: make setup): {error}"));
    assert!(
        output.status.success(),
        "{program} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The "outside" host of the network tests and benches: a network
/// namespace joined to this host by a veth pair with a /30 of the
/// benchmarking range 198.18.0.0/15 (never routed), so that their traffic
/// goes only to a host they made themselves. The host side's address is
/// where an agent's forwards listen; the namespace routes everything to it.
/// The namespace and the pair go on drop.
pub struct OutsideHost {
    namespace: String,
    host_link: String,
    host_address: String,
}

impl OutsideHost {
    /// The namespace `smp-<name>` and links `<link>h`/`<link>n` (`link` at
    /// most 12 characters: interface names have 15), on the /30 whose first
    /// address is `198.<b>.<c>.<d>` (`d` a multiple of 4): the host side
    /// takes `d + 1`, the namespace `d + 2`.
    pub fn new(name: &str, link: &str, [b, c, d]: [u32; 3]) -> OutsideHost {
        assert!(
            (18..=19).contains(&b) && c < 256 && d % 4 == 0 && d < 256 && link.len() <= 12,
            "a /30 of 198.18.0.0/15"
        );
        let (host_side, ns_side) = (format!("198.{b}.{c}.{}", d + 1), format!("198.{b}.{c}.{}", d + 2));
        let (host_link, ns_link) = (format!("{link}h"), format!("{link}n"));
        let namespace = format!("smp-{name}");
        run("ip", &["netns", "add", &namespace]);
        let outside = OutsideHost { namespace, host_link: host_link.clone(), host_address: host_side.clone() };
        run("ip", &["link", "add", &host_link, "type", "veth", "peer", "name", &ns_link]);
        run("ip", &["link", "set", &ns_link, "netns", &outside.namespace]);
        run("ip", &["addr", "add", &format!("{host_side}/30"), "dev", &host_link]);
        run("ip", &["link", "set", &host_link, "up"]);
        outside.exec(&["ip", "addr", "add", &format!("{ns_side}/30"), "dev", &ns_link]);
        outside.exec(&["ip", "link", "set", &ns_link, "up"]);
        outside.exec(&["ip", "link", "set", "lo", "up"]);
        outside.exec(&["ip", "route", "add", "default", "via", &host_side]);
        outside
    }

    /// This host's address on the pair (where forwards listen).
    pub fn host_address(&self) -> &str {
        &self.host_address
    }

    /// The namespace's name (for `ip netns exec`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Runs `command` in the namespace; its standard output.
    pub fn exec(&self, command: &[&str]) -> String {
        let mut args = vec!["netns", "exec", &self.namespace];
        args.extend(command);
        run("ip", &args)
    }

    /// An HTTP GET from the outside host: the page, or `None` when nothing
    /// answers within 2 s (refused, reset or silent).
    pub fn get(&self, url: &str) -> Option<String> {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.namespace, "curl", "-sS", "--max-time", "2", url])
            .stdin(Stdio::null())
            .output()
            .expect("cannot run ip netns exec curl");
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for OutsideHost {
    fn drop(&mut self) {
        let quiet = |args: &[&str]| Command::new("ip").args(args).stdin(Stdio::null()).output();
        let _ = quiet(&["netns", "del", &self.namespace]);
        let _ = quiet(&["link", "del", &self.host_link]);
    }
}

/// An IPv4 address of the test bridge lxdbr0 (10.77.0.100-249) that no
/// lease and no static allocation of any project mentions (dnsmasq will
/// not give a container a fixed address another holds a lease on), and
/// that no other test of this process took; its last octet.
pub fn free_lxdbr0_octet() -> u8 {
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};
    const LEASES: &str = "/var/lib/lxd/networks/lxdbr0/dnsmasq.leases";
    const STATIC_HOSTS: &str = "/var/lib/lxd/networks/lxdbr0/dnsmasq.hosts";
    static CALLS: AtomicU32 = AtomicU32::new(0);
    static TAKEN: Mutex<Option<HashSet<u8>>> = Mutex::new(None);
    let mut mentioned = std::fs::read_to_string(LEASES).unwrap_or_default();
    for entry in std::fs::read_dir(STATIC_HOSTS).into_iter().flatten().flatten() {
        mentioned.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    let mentioned: HashSet<&str> = mentioned.split([' ', ',', '\n', '\t']).collect();
    let mut taken = TAKEN.lock().expect("the taken addresses");
    let taken = taken.get_or_insert_with(HashSet::new);
    let start = std::process::id().wrapping_mul(31).wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed)) % 150;
    (0..150)
        .map(|step| (100 + (start + step) % 150) as u8)
        .find(|octet| !mentioned.contains(format!("10.77.0.{octet}").as_str()) && taken.insert(*octet))
        .expect("no free address in 10.77.0.100-249")
}
