//! Every ```sh block of docs/api.md, run in order and as written in one bash
//! session (a reader pastes them into one shell) against the real
//! `smp-panel serve` and `smp-agent serve` binaries and a real container
//! `c1` (and `d1`, running systemd with the unit `hello.service`), with only the variables the page promises: `$PANEL`,
//! `$ADMIN_PASSWORD`, `$AGENT_URL`, `$AGENT_MACHINE`, `$AGENT_SECRET`,
//! `$AGENT_SECRET_2`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::docs_examples::promised_sh_blocks;
use crate::support::{AgentConfig, LxdProject, RunningAgent, free_port, keygen, run_with_deadline, write_private};

const ALL_EXAMPLES_DEADLINE: Duration = Duration::from_secs(300);
const ADMIN_PASSWORD: &str = "docs-admin-password-2026";
/// The unit the services examples manage in `d1`.
const HELLO_UNIT: &str = "[Unit]\nDescription=Hello, a demo service\n\n[Service]\n\
    ExecStart=/bin/sh -c 'echo hello from the journal; exec sleep infinity'\n";

/// `smp-panel serve` on a free loopback port over a fresh SQLite file, killed on drop.
struct RunningPanel {
    child: Child,
    dir: tempfile::TempDir,
    url: String,
}

impl RunningPanel {
    fn start() -> RunningPanel {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = free_port("127.0.0.1");
        let config = dir.path().join("panel.toml");
        write_private(
            &config,
            &format!(
                "database_url = \"sqlite://{}\"\nlisten = \"127.0.0.1:{port}\"\nkey_file = \"{}\"\n",
                dir.path().join("panel.db").display(),
                dir.path().join("panel.key").display()
            ),
        );
        let mut create = panel_command(&config);
        create
            .args(["user", "create", "--username", "admin", "--role", "head_admin", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = create.spawn().expect("smp-panel user create starts");
        child.stdin.take().expect("stdin").write_all(format!("{ADMIN_PASSWORD}\n").as_bytes()).expect("password");
        let output = child.wait_with_output().expect("smp-panel user create ends");
        assert!(output.status.success(), "user create: {}", String::from_utf8_lossy(&output.stderr));

        let log = std::fs::File::create(dir.path().join("panel.log")).expect("log file");
        let mut serve = panel_command(&config);
        serve.arg("serve").stdin(Stdio::null()).stdout(log.try_clone().expect("log")).stderr(log);
        let child = serve.spawn().expect("smp-panel serve starts");
        let mut panel = RunningPanel { child, dir, url: format!("http://127.0.0.1:{port}") };
        panel.wait_until_healthy();
        panel
    }

    fn wait_until_healthy(&mut self) {
        let client = RunningAgent::client();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("polling the panel") {
                panic!("smp-panel exited early ({status}):\n{}", self.log_text());
            }
            if client.get(format!("{}/api/v1/health", self.url)).send().is_ok_and(|answer| answer.status().is_success())
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "smp-panel never answered:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("panel.log")).unwrap_or_default()
    }
}

impl Drop for RunningPanel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `smp-panel --config <config>` with no `SMP_PANEL_…` from the caller's shell.
fn panel_command(config: &Path) -> Command {
    let mut command = Command::new(smp_e2e::panel_bin());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SMP_PANEL_") {
            command.env_remove(name);
        }
    }
    command.arg("--config").arg(config);
    command
}

#[test]
fn every_sh_example_of_the_api_page_runs_in_order_against_the_real_panel_and_agent() {
    let promised = [
        "/api/v1/login",
        "/api/v1/tokens",
        "/api/v1/users",
        "/quota",
        "/api/v1/machines",
        "/sync",
        "/rotate-key",
        "/api/v1/containers",
        "/restart",
        "/exec",
        "/state",
        "/logs",
        "/api/v1/audit",
        "/units",
        "/api/v1/services",
        "/api/v1/me/ssh-keys",
    ];
    let blocks = promised_sh_blocks("docs/api.md", &promised);

    let project = LxdProject::create("apidocs");
    project.launch_busybox("c1");
    smp_e2e::launch_systemd_with_unit(&project.name, "d1", "hello.service", HELLO_UNIT);
    let second_secret = keygen();
    let config = AgentConfig::with_extra(
        &project.name,
        "127.0.0.1",
        &format!("\n[[keys]]\nid = \"k2\"\nsecret = \"{second_secret}\"\n"),
    );
    let agent = RunningAgent::start(&config, "http");
    let panel = RunningPanel::start();

    // One session: each block is announced on stderr so a failure names it.
    let mut script = String::from("set -euo pipefail\n");
    for (index, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '::example {}' >&2\n{block}", index + 1));
    }
    script.push_str("echo '::all examples ran' >&2\n");
    let work_dir = tempfile::tempdir().expect("a temporary directory");
    let script_path = work_dir.path().join("examples.sh");
    std::fs::write(&script_path, script).expect("writing the examples");
    let pid_before = project.init_pid("c1");

    let mut bash = Command::new("bash");
    bash.arg(&script_path)
        .current_dir(work_dir.path())
        .env("PANEL", &panel.url)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("AGENT_URL", &agent.url)
        .env("AGENT_MACHINE", crate::support::MACHINE)
        .env("AGENT_SECRET", &config.secret)
        .env("AGENT_SECRET_2", &second_secret);
    let finished = run_with_deadline(bash, ALL_EXAMPLES_DEADLINE);
    let failed_at = finished.stderr.lines().rfind(|line| line.starts_with("::example ")).unwrap_or("none");
    assert!(
        finished.success() && finished.stderr.contains("::all examples ran"),
        "docs/api.md failed at {failed_at} ({}):\nstdout:\n{}\nstderr:\n{}\npanel log:\n{}\nagent log:\n{}",
        finished.status,
        finished.stdout,
        finished.stderr,
        panel.log_text(),
        agent.log_text()
    );

    // What the examples claim really happened.
    assert_ne!(project.init_pid("c1"), pid_before, "the restart example restarted c1");
    assert!(finished.stdout.contains("[\"c1\"]"), "mia's list shows c1: {}", finished.stdout);
    assert!(finished.stdout.contains("hello from c1"), "{}", finished.stdout);
    assert!(finished.stdout.contains("\"key_id\":\"k2\""), "the rotation switched keys: {}", finished.stdout);
    assert!(finished.stdout.contains("\"code\":\"not_found\""), "{}", finished.stdout);
    assert!(finished.stdout.contains("hello from the journal"), "mia read her unit's journal: {}", finished.stdout);
    assert!(
        finished.stdout.contains("{\"action\":\"service.restart\",\"exit_code\":0,\"state\":\"active\"}"),
        "mia restarted her service: {}",
        finished.stdout
    );
    assert!(
        finished.stdout.contains("[{\"name\":\"laptop\",\"algorithm\":\"ssh-ed25519\"}]"),
        "mia added her key (and ssh-keygen printed the same fingerprint, else the script stopped): {}",
        finished.stdout
    );
    assert!(
        finished.stdout.contains("\"code\":\"invalid_input\",\"message\":\"this RSA key has 2048 bits"),
        "an RSA key of 2048 bits is refused in words: {}",
        finished.stdout
    );
    assert!(
        finished.stdout.contains("{\"actor\":\"mia\",\"action\":\"container.restart\",\"outcome\":\"ok\"}"),
        "the audit example shows mia's restart: {}",
        finished.stdout
    );
}
