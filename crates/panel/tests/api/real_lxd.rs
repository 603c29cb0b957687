//! The real LXD and the real `smp-agent` binary (…/debug/smp-agent next to
//! the test, or $SMP_AGENT_BIN) for the panel's tests: an LXD project of
//! its own per test (`smpt-panel-…`, which `make clean-lxd` also removes)
//! deleted afterwards, and an agent serving it over HTTPS with its
//! self-signed certificate. Shared by the `api` and `faults` test binaries.

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use smp_panel::agents::AgentClient;
use smp_panel::agents::pinning::Fingerprint;
use smp_proto::token::SharedKey;

use crate::helpers::{TestDb, panel, secret_file};

pub const MACHINE: &str = "m1";
pub const SECRET: &str = "real-agent-secret-0123456789abcdef01234567";

use smp_e2e::agent_bin;

/// A systemd unit for the service tests: every start appends a line to
/// `TEST_UNIT_STARTS` and logs `smp-test-started`, then it sleeps (each
/// start has a new main PID). `%%` is systemd's `%`.
pub const TEST_UNIT: &str = "smp-test.service";
pub const TEST_UNIT_STARTS: &str = "/var/tmp/smp-test.starts";
const TEST_UNIT_FILE: &str = "[Unit]\nDescription=SMP test service\n\n[Service]\n\
    ExecStartPre=/bin/sh -c 'date +%%s%%N >> /var/tmp/smp-test.starts'\n\
    ExecStart=/bin/sh -c 'echo smp-test-started; exec sleep infinity'\n";

pub fn lxc(args: &[&str]) -> String {
    let output = Command::new("lxc").args(args).stdin(Stdio::null()).output().expect("lxc runs");
    assert!(output.status.success(), "lxc {} failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An LXD project for one test; deleted with its instances when dropped.
pub struct LxdProject {
    pub name: String,
}

impl LxdProject {
    pub fn create() -> LxdProject {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!("smpt-panel-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        lxc(&["project", "create", &name, "-c", "features.images=false", "-c", "features.profiles=false"]);
        LxdProject { name }
    }

    /// A new project with a running `smp-busybox` container of each name in `containers`.
    pub fn with_busyboxes(containers: &[&str]) -> LxdProject {
        let project = LxdProject::create();
        for container in containers {
            project.launch_busybox(container);
        }
        project
    }

    pub fn launch_busybox(&self, container: &str) {
        lxc(&["launch", "smp-busybox", container, "--project", &self.name, "-q"]);
    }

    /// `lxc exec` in one of the project's containers: exit status and stdout.
    pub fn exec(&self, container: &str, argv: &[&str]) -> (i32, String) {
        smp_e2e::lxc_exec(&self.name, container, argv)
    }

    /// A new project with `container` from `smp-debian` running `TEST_UNIT`.
    pub fn with_test_unit_on_debian(container: &str) -> LxdProject {
        let project = LxdProject::create();
        smp_e2e::launch_systemd_with_unit(&project.name, container, TEST_UNIT, TEST_UNIT_FILE);
        project
    }

    /// `with_test_unit_on_debian` with instance configuration (`KEY=VALUE`).
    pub fn with_test_unit_on_debian_configured(container: &str, config: &[&str]) -> LxdProject {
        let project = LxdProject::create();
        smp_e2e::launch_systemd_with_unit_configured(&project.name, container, TEST_UNIT, TEST_UNIT_FILE, config);
        project
    }

    /// How many times `TEST_UNIT` has started in `container`.
    pub fn test_unit_starts(&self, container: &str) -> usize {
        self.exec(container, &["cat", TEST_UNIT_STARTS]).1.lines().count()
    }

    pub fn init_pid(&self, container: &str) -> Option<i64> {
        let state = lxc(&["query", &format!("/1.0/instances/{container}/state?project={}", self.name)]);
        let state: serde_json::Value = serde_json::from_str(&state).expect("lxc query answers JSON");
        state["pid"].as_i64().filter(|pid| *pid > 0)
    }
}

impl Drop for LxdProject {
    fn drop(&mut self) {
        let quiet = |args: &[&str]| Command::new("lxc").args(args).stdin(Stdio::null()).output();
        if let Ok(output) = quiet(&["list", "--project", &self.name, "--format", "csv", "-c", "n"]) {
            for container in String::from_utf8_lossy(&output.stdout).lines().filter(|line| !line.trim().is_empty()) {
                // LXD keeps an instance busy with an operation whose client
                // went away (a killed panel's stop) for a while: retry then.
                let deadline = Instant::now() + Duration::from_secs(90);
                while let Ok(output) = quiet(&["delete", "--force", container.trim(), "--project", &self.name]) {
                    let error = String::from_utf8_lossy(&output.stderr).trim().to_owned();
                    if output.status.success() || !error.contains("busy") || Instant::now() > deadline {
                        if !output.status.success() {
                            eprintln!("warning: lxc delete {container}: {error}");
                        }
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        match quiet(&["project", "delete", &self.name]) {
            Ok(output) if output.status.success() => {}
            outcome => eprintln!(
                "warning: could not delete the LXD project {} ({}); `make clean-lxd` removes it",
                self.name,
                outcome.map_or_else(
                    |error| error.to_string(),
                    |output| String::from_utf8_lossy(&output.stderr).trim().to_owned()
                )
            ),
        }
    }
}

/// `smp-agent serve` on 0.0.0.0:<free port> (HTTPS, self-signed), killed on drop.
pub struct Agent {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Agent {
    pub fn start(project: &str) -> Agent {
        Agent::start_with_keys(project, &[("k1", SECRET)])
    }

    /// An agent whose `[[keys]]` are `keys` (id, secret).
    pub fn start_with_keys(project: &str, keys: &[(&str, &str)]) -> Agent {
        Agent::start_named(MACHINE, project, keys)
    }

    /// An agent for machine `machine` serving LXD project `project`. It
    /// offers members the test images, and `smp-busyboks`, an alias that
    /// does not exist: a member's typo then reaches LXD (422 unknown_image)
    /// instead of being refused as not offered (403).
    pub fn start_named(machine: &str, project: &str, keys: &[(&str, &str)]) -> Agent {
        Agent::start_configured(machine, project, keys, "")
    }

    /// `start_named` with more settings (TOML lines) in the agent's config.
    pub fn start_configured(machine: &str, project: &str, keys: &[(&str, &str)], settings: &str) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("0.0.0.0:0").unwrap().local_addr().unwrap().port();
        let mut toml = format!(
            "machine = \"{machine}\"\nlisten = \"0.0.0.0:{port}\"\nproject = \"{project}\"\nstate_dir = \"{}\"\nmember_images = [\"smp-busybox\", \"smp-debian\", \"smp-busyboks\"]\n",
            dir.path().join("state").display()
        );
        toml.push_str(settings);
        toml.push('\n');
        for (id, secret) in keys {
            crate::leaks::record_secret(secret);
            toml.push_str(&format!("\n[[keys]]\nid = \"{id}\"\nsecret = \"{secret}\"\n"));
        }
        let config = dir.path().join("agent.toml");
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&config).unwrap();
        std::io::Write::write_all(&mut file, toml.as_bytes()).unwrap();
        let child = Agent::spawn(dir.path());
        let mut agent = Agent { child, dir, port };
        agent.until_listening();
        agent
    }

    /// `smp-agent serve` of the config in `dir`, its log appended to `dir/agent.log`.
    fn spawn(dir: &Path) -> Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("agent.log")).unwrap();
        Agent::command("serve", &dir.join("agent.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("smp-agent serve starts")
    }

    fn until_listening(&mut self) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("smp-agent exited early ({status}): {}", self.log());
            }
            assert!(started.elapsed() < Duration::from_secs(30), "smp-agent did not listen: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `SIGKILL`: the agent ends at once, mid-whatever it does.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts the agent again, with the same config, port and certificate.
    pub fn start_again(&mut self) {
        self.child = Agent::spawn(self.dir.path());
        self.until_listening();
    }

    /// `smp-agent <subcommand> --config <config>`.
    fn command(subcommand: &str, config: &Path) -> Command {
        let mut command = Command::new(agent_bin());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SMP_AGENT_") {
                command.env_remove(name);
            }
        }
        command.arg(subcommand).arg("--config").arg(config);
        command
    }

    /// Everything it logged, over all its runs.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("agent.log")).unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// What `smp-agent fingerprint --config …` prints.
    pub fn fingerprint(&self) -> String {
        let output = Agent::command("fingerprint", &self.dir.path().join("agent.toml")).output().unwrap();
        assert!(output.status.success(), "smp-agent fingerprint: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    pub fn client(&self, pin: Fingerprint) -> AgentClient {
        AgentClient::new(MACHINE, &self.url(), SharedKey::new("k1", SECRET), Some(pin), "test").unwrap()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        crate::leaks::keep_log("agent", &self.dir.path().join("agent.log"));
        if std::thread::panicking() {
            eprintln!("--- agent log ---\n{}", self.log());
        }
    }
}

/// `smp-panel machine add` of `agent` as machine `name` with key `k1`
/// (`SECRET`, from a file), and then `pin`: `--trust-on-first-use` or
/// `--fingerprint <it>`.
pub fn machine_add(db: &TestDb, name: &str, agent: &Agent, pin: &[&str]) -> Output {
    let (url, file) = (agent.url(), secret_file(db, "k1.secret", SECRET));
    let mut args = vec!["machine", "add", "--name", name, "--url", &url, "--key-id", "k1", "--secret-file", &file];
    args.extend_from_slice(pin);
    panel(db, &args, None)
}
