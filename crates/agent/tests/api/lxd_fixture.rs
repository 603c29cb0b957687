//! `TestProject`: one fresh LXD project per test on the real LXD, driven with
//! the `lxc` CLI, force-deleted with its instances on drop. Tests never skip:
//! without LXD or its test images they fail with what to run.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // test code: a failure is a panic

use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The images `scripts/setup-lxd.sh` makes; the tests launch these.
pub const TEST_IMAGES: [&str; 2] = ["smp-busybox", "smp-debian"];

/// Panics with what to do unless LXD answers and the test images exist.
/// Checked once per test binary.
pub fn require_lxd() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let checked = CHECKED.get_or_init(|| {
        let info = Command::new("lxc").arg("info").output();
        match info {
            Ok(output) if output.status.success() => {}
            Ok(output) => {
                return Err(format!(
                    "LXD is not running: run `make setup` (scripts/setup-lxd.sh) as root first. `lxc info` said: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
            Err(error) => {
                return Err(format!(
                    "LXD is not running: run `make setup` (scripts/setup-lxd.sh) as root first. `lxc` cannot run: {error}"
                ));
            }
        }
        for image in TEST_IMAGES {
            let output = Command::new("lxc").args(["image", "info", image]).output();
            if !output.is_ok_and(|output| output.status.success()) {
                return Err(format!(
                    "the LXD test image `{image}` is missing: run `make setup` (scripts/setup-lxd.sh) as root first"
                ));
            }
        }
        remove_projects_of_dead_runs();
        Ok(())
    });
    if let Err(message) = checked {
        panic!("{message}");
    }
}

/// A uniquely named LXD project sharing the default project's images and
/// profiles; deleted with everything in it on drop.
pub struct TestProject {
    name: String,
}

impl TestProject {
    /// Creates `smpt-<prefix>-<unique>` (at most 63 characters).
    pub fn new(prefix: &str) -> TestProject {
        require_lxd();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let prefix: String = prefix.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(30).collect();
        let name = format!("smpt-{prefix}-{}-{count}-{:x}", std::process::id(), nanos % 0x10000);
        assert!(name.len() <= 63, "project name too long: {name}");
        run_lxc(&["project", "create", &name, "-c", "features.images=false", "-c", "features.profiles=false"])
            .unwrap_or_else(|error| panic!("cannot create the LXD project {name}: {error}"));
        TestProject { name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `lxc <args> --project <name>`; panics with lxc's message on failure.
    pub fn lxc(&self, args: &[&str]) -> String {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--project", &self.name]);
        run_lxc(&all).unwrap_or_else(|error| panic!("lxc {} failed: {error}", args.join(" ")))
    }

    /// `lxc launch <image> <name>` in this project, with extra `lxc` flags
    /// (e.g. `["-c", "limits.memory=256MiB"]`).
    pub fn launch_with(&self, name: &str, image: &str, flags: &[&str]) {
        let mut args = vec!["launch", image, name];
        args.extend(flags);
        self.lxc(&args);
    }

    pub fn launch(&self, name: &str, image: &str) {
        self.launch_with(name, image, &[]);
    }

    /// `lxc query` of an API path in this project, as JSON.
    pub fn query(&self, path: &str) -> serde_json::Value {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{separator}project={}", self.name);
        let text = run_lxc(&["query", &url]).unwrap_or_else(|error| panic!("lxc query {url} failed: {error}"));
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("lxc query {url}: not JSON ({error}): {text}"))
    }

    /// LXD's status of an instance: `Running`, `Stopped`, …
    pub fn status(&self, name: &str) -> String {
        self.query(&format!("/1.0/instances/{name}"))["status"].as_str().unwrap_or_default().to_owned()
    }

    /// The host PID of the instance's init (LXD's state `pid`).
    pub fn init_pid(&self, name: &str) -> i64 {
        self.query(&format!("/1.0/instances/{name}/state"))["pid"].as_i64().unwrap_or(-1)
    }

    /// Runs a command in the instance with `lxc exec`; its exit code.
    pub fn exec_status(&self, name: &str, command: &[&str]) -> i32 {
        self.exec_output(name, command).status.code().unwrap_or(-1)
    }

    /// Runs a command in the instance with `lxc exec`; its stdout.
    pub fn exec_stdout(&self, name: &str, command: &[&str]) -> String {
        String::from_utf8_lossy(&self.exec_output(name, command).stdout).into_owned()
    }

    fn exec_output(&self, name: &str, command: &[&str]) -> Output {
        Command::new("lxc")
            .args(["exec", name, "--project", &self.name, "--"])
            .args(command)
            .output()
            .unwrap_or_else(|error| panic!("cannot run lxc exec: {error}"))
    }

    /// Polls `check` until it holds or `timeout` passes (for things LXD does
    /// in its own time, like a DHCP lease); returns whether it held.
    pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if check() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        let listed = run_lxc(&["list", "--project", &self.name, "--format", "csv", "-c", "n"]);
        for instance in listed.as_deref().unwrap_or_default().lines().filter(|line| !line.is_empty()) {
            if let Err(error) = run_lxc(&["delete", "--force", instance, "--project", &self.name]) {
                eprintln!("cleanup: cannot delete {instance} in {}: {error}", self.name);
            }
        }
        if let Err(error) = run_lxc(&["project", "delete", &self.name]) {
            eprintln!("cleanup: cannot delete the LXD project {}: {error}", self.name);
        }
    }
}

/// Deletes the projects that test runs killed before their drop left
/// behind: `smpt-…-<pid>-<n>-<x>` whose process is gone. A live process
/// (even a new one reusing the PID) keeps its projects.
fn remove_projects_of_dead_runs() {
    let Ok(listed) = run_lxc(&["project", "list", "--format", "csv"]) else { return };
    for name in listed.lines().filter_map(|line| line.split(',').next()) {
        let pid = name.strip_prefix("smpt-").and_then(|rest| rest.rsplit('-').nth(2));
        let Some(pid) = pid.and_then(|pid| pid.parse::<u32>().ok()) else { continue };
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        drop(TestProject { name: name.to_owned() });
    }
}

/// Runs `lxc` with `args`: its stdout, or its stderr as the error.
fn run_lxc(args: &[&str]) -> Result<String, String> {
    let output = Command::new("lxc").args(args).output().map_err(|error| format!("cannot run lxc: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}
