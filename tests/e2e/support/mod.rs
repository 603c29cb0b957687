//! The harness: find the agent binary, run commands with a deadline, an LXD
//! project per test (deleted on drop), a private agent config, and a running
//! agent process (killed on drop) that is waited for on `/health`.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long an agent may take to answer `/health` after it was spawned. It
/// opens its port about a second after it starts (see docs/protocol.md).
const AGENT_READY_WITHIN: Duration = Duration::from_secs(15);

/// The machine name of every test agent (the audience of its tokens).
pub const MACHINE: &str = "e2e";

/// The image every test container is made from (`make setup` imports it).
pub const BUSYBOX_IMAGE: &str = "smp-busybox";

pub use smp_e2e::agent_bin;

/// A command whose environment holds no `SMP_AGENT_…` override from the
/// caller's shell: the tests decide the whole configuration.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SMP_AGENT_") {
            command.env_remove(name);
        }
    }
    command
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

/// Runs `command` to its end, killing it if it outlives `deadline`.
/// Output goes through files so a chatty command never blocks on a pipe.
pub fn run_with_deadline(mut command: Command, deadline: Duration) -> Finished {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let description = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {description}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{description} did not finish within {deadline:?}\nstdout:\n{}\nstderr:\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Finished {
        status,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

/// Runs `lxc args…` and returns its stdout; panics with its stderr on failure.
pub fn lxc(args: &[&str]) -> String {
    let mut command = Command::new("lxc");
    command.args(args);
    let finished = run_with_deadline(command, Duration::from_secs(120));
    assert!(
        finished.success(),
        "`lxc {}` failed ({}): {}\n(is LXD set up? run `make setup`)",
        args.join(" "),
        finished.status,
        finished.stderr.trim()
    );
    finished.stdout
}

/// A free TCP port on `host`: bind port 0, read the port, let it go.
pub fn free_port(host: &str) -> u16 {
    TcpListener::bind((host, 0)).and_then(|listener| listener.local_addr()).expect("a free port").port()
}

/// An LXD project of its own for one test, sharing the default project's
/// images and profiles; deleted with everything in it when dropped.
pub struct LxdProject {
    pub name: String,
}

impl LxdProject {
    pub fn create(tag: &str) -> LxdProject {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!("smp-e2e-{tag}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        lxc(&["project", "create", &name, "-c", "features.images=false", "-c", "features.profiles=false"]);
        LxdProject { name }
    }

    /// Launches a running busybox container `name` in this project.
    pub fn launch_busybox(&self, name: &str) {
        lxc(&["launch", BUSYBOX_IMAGE, name, "--project", &self.name, "-q"]);
    }

    /// The host PID of the container's init (`null` when stopped → `None`).
    pub fn init_pid(&self, container: &str) -> Option<i64> {
        let state = lxc(&["query", &format!("/1.0/instances/{container}/state?project={}", self.name)]);
        let state: serde_json::Value = serde_json::from_str(&state).expect("lxc query answers JSON");
        state["pid"].as_i64().filter(|pid| *pid > 0)
    }

    /// The instance as LXD's API describes it; `None` when it does not exist.
    pub fn instance(&self, name: &str) -> Option<serde_json::Value> {
        let text = lxc_quietly(&["query", &format!("/1.0/instances/{name}?project={}", self.name)]).ok()?;
        Some(serde_json::from_str(&text).expect("lxc query answers JSON"))
    }

    fn delete_everything(&self) -> Result<(), String> {
        let names = lxc_quietly(&["list", "--project", &self.name, "--format", "csv", "-c", "n"])?;
        for name in names.lines().map(str::trim).filter(|name| !name.is_empty()) {
            lxc_quietly(&["delete", "--force", name, "--project", &self.name])?;
        }
        match lxc_quietly(&["project", "delete", &self.name]) {
            // Gone already (an earlier attempt got through before LXD went away).
            Err(error) if error.contains("not found") => Ok(()),
            result => result.map(drop),
        }
    }
}

/// Runs `lxc args…` for cleanup: never panics, never hangs (60 s per call).
fn lxc_quietly(args: &[&str]) -> Result<String, String> {
    let mut child = Command::new("lxc")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < Duration::from_secs(60) => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`lxc {}` did not finish within 60 s", args.join(" ")));
            }
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!("`lxc {}`: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()))
    }
}

impl Drop for LxdProject {
    /// Deletes the project and its instances; retries for a while, because
    /// LXD may be restarting (another test run, `make setup`) right then.
    fn drop(&mut self) {
        let started = Instant::now();
        loop {
            match self.delete_everything() {
                Ok(()) => return,
                Err(error) if started.elapsed() > Duration::from_secs(120) => {
                    eprintln!(
                        "warning: could not delete the LXD project {} ({error}); `make clean-lxd` removes it",
                        self.name
                    );
                    return;
                }
                Err(_) => std::thread::sleep(Duration::from_secs(2)),
            }
        }
    }
}

/// The agent config line of every e2e agent: members may create from the
/// test images (an agent offers members none by default).
pub const MEMBER_IMAGES: &str = "member_images = [\"smp-busybox\", \"smp-debian\"]";

/// A private agent configuration in a temporary directory (mode 600), with
/// its state_dir beside it; removed when dropped.
pub struct AgentConfig {
    dir: tempfile::TempDir,
    pub path: PathBuf,
    pub listen: String,
    pub key_id: String,
    pub secret: String,
}

impl AgentConfig {
    /// Machine `e2e`, one key `k1` with a fresh `smp-agent keygen` secret,
    /// listening on `host` at a free port, serving `project`.
    pub fn new(project: &str, host: &str) -> AgentConfig {
        Self::with_extra(project, host, "")
    }

    /// As `new`, with more TOML appended (e.g. a `[tls]` table).
    pub fn with_extra(project: &str, host: &str, extra: &str) -> AgentConfig {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let secret = keygen();
        let listen = format!("{host}:{}", free_port(host));
        let path = dir.path().join("agent.toml");
        let toml = format!(
            "machine = \"{MACHINE}\"\nlisten = \"{listen}\"\nproject = \"{project}\"\nstate_dir = \"{}\"\n{MEMBER_IMAGES}\n\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n{extra}",
            dir.path().join("state").display()
        );
        write_private(&path, &toml);
        AgentConfig { dir, path, listen, key_id: "k1".into(), secret }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The base URL of an agent started with this config, as a client on this host reaches it.
    pub fn url(&self, scheme: &str) -> String {
        let port = self.listen.rsplit(':').next().expect("listen has a port");
        format!("{scheme}://127.0.0.1:{port}")
    }

    /// `smp-agent <args…> --config <this config>`.
    pub fn agent_command(&self, args: &[&str]) -> Command {
        let mut command = clean_command(agent_bin());
        command.args(args).arg("--config").arg(&self.path);
        command
    }
}

/// Writes `contents` to a new file only its owner may read (mode 600).
pub fn write_private(path: &Path, contents: &str) {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    file.write_all(contents.as_bytes()).expect("writing the file");
}

/// `smp-agent keygen`'s output, trimmed.
pub fn keygen() -> String {
    let mut command = clean_command(agent_bin());
    command.arg("keygen");
    let finished = run_with_deadline(command, Duration::from_secs(10));
    assert!(finished.success(), "smp-agent keygen failed: {}", finished.stderr);
    finished.stdout.trim().to_owned()
}

/// A running `smp-agent serve`, killed when dropped; its log is kept in a
/// temporary file and shown when it fails to come up.
pub struct RunningAgent {
    child: Child,
    log: tempfile::NamedTempFile,
    pub url: String,
}

impl RunningAgent {
    /// Starts the agent with `config` and waits (bounded) until `/health`
    /// answers 200 on `url` — `http` or `https` as the config implies.
    pub fn start(config: &AgentConfig, scheme: &str) -> RunningAgent {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut command = config.agent_command(&["serve"]);
        command
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("the log file"))
            .stderr(log.reopen().expect("the log file"));
        let child = command.spawn().expect("spawning smp-agent serve");
        let mut agent = RunningAgent { child, log, url: config.url(scheme) };
        agent.wait_until_healthy();
        agent
    }

    /// A client that accepts the agent's self-signed certificate and reports
    /// the peer certificate; short timeouts so a hung agent fails the test.
    pub fn client() -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .danger_accept_invalid_certs(true)
            .tls_info(true)
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client")
    }

    fn wait_until_healthy(&mut self) {
        let client = Self::client();
        let started = Instant::now();
        let mut last = String::from("no attempt");
        while started.elapsed() < AGENT_READY_WITHIN {
            if let Some(status) = self.child.try_wait().expect("polling the agent") {
                panic!("smp-agent exited early ({status}); its log:\n{}", self.log_text());
            }
            match client.get(format!("{}/health", self.url)).timeout(Duration::from_secs(3)).send() {
                Ok(answer) if answer.status().is_success() => return,
                Ok(answer) => last = format!("HTTP {}", answer.status()),
                Err(error) => last = format!("{error:#}"),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "smp-agent did not answer {}/health within {AGENT_READY_WITHIN:?} (last: {last}); its log:\n{}",
            self.url,
            self.log_text()
        );
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- log of the agent at {} ---\n{}", self.url, self.log_text());
        }
    }
}
