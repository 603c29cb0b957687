//! Every ```sh block of docs/protocol.md, run exactly as written with bash
//! against a real agent and a real container `c1`, with only the variables
//! the page promises: `$AGENT`, `$CONFIG`, `$KEY_ID`, `$SECRET`, and
//! `smp-agent` on `PATH`.

use std::path::Path;
use std::time::Duration;

use crate::support::{AgentConfig, LxdProject, RunningAgent, agent_bin, clean_command, run_with_deadline};

/// Longest a single example may run (a clean stop and start of busybox take seconds).
const EXAMPLE_DEADLINE: Duration = Duration::from_secs(120);

/// The bodies of the fenced blocks whose info string is exactly `sh`, in order.
pub(crate) fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_start().starts_with("```")
                && line.trim_start().trim_start_matches('`').trim() == "sh" =>
            {
                current = Some(String::new());
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```sh block");
    blocks
}

/// The ```sh blocks of the page `page` (`docs/…`, from the repository's
/// root), which must between them contain every one of `promised`: the page
/// promises these examples, and losing one must fail here, not silently.
pub(crate) fn promised_sh_blocks(page: &str, promised: &[&str]) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(page);
    let blocks = sh_blocks(&std::fs::read_to_string(path).expect(page));
    let all = blocks.concat();
    for needle in promised {
        assert!(all.contains(needle), "no ```sh example of {page} contains {needle:?}");
    }
    blocks
}

#[test]
fn sh_blocks_are_found_by_their_exact_tag() {
    let markdown = "```sh\necho a\n```\n```text\nnot run\n```\n```shell\nnot run either\n```\n  ```sh\necho b\n  ```\n";
    assert_eq!(sh_blocks(markdown), vec!["echo a\n".to_owned(), "echo b\n".to_owned()]);
}

#[test]
fn every_sh_example_of_the_protocol_page_runs_as_written_against_a_real_agent() {
    run_every_example(Transport::PlainHttpOnLoopback);
}

/// The page tells admins to reach an HTTPS agent at `https://localhost:…`
/// with `CURL_CA_BUNDLE` set to its certificate: the same examples must work so.
#[test]
fn every_sh_example_also_runs_over_https_with_the_agents_certificate_as_curl_ca_bundle() {
    run_every_example(Transport::HttpsWithCaBundle);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    PlainHttpOnLoopback,
    HttpsWithCaBundle,
}

fn run_every_example(transport: Transport) {
    let promised = [
        "/health",
        "/containers",
        "/container/c1/restart",
        "/container/c1/state",
        "/container/c1/exec",
        "--body-file",
        "/container/c1/logs",
        "\"$AGENT/token\"",
        "openssl dgst -sha256 -hmac \"$SECRET\"",
        "token_replayed",
        "\"$AGENT/images\"",
        "--action create --container c2 --body-file",
        "-X POST \"$AGENT/containers\"",
        "-X PATCH \"$AGENT/container/c2\"",
        "forbidden_config",
        "--admin",
        "-X DELETE \"$AGENT/container/c2\"",
    ];
    let blocks = promised_sh_blocks("docs/protocol.md", &promised);

    let project = LxdProject::create(if transport == Transport::HttpsWithCaBundle { "docstls" } else { "docs" });
    project.launch_busybox("c1");
    let (config, agent, agent_url) = match transport {
        Transport::PlainHttpOnLoopback => {
            let config = AgentConfig::new(&project.name, "127.0.0.1");
            let agent = RunningAgent::start(&config, "http");
            let url = agent.url.clone();
            (config, agent, url)
        }
        Transport::HttpsWithCaBundle => {
            let config = AgentConfig::new(&project.name, "0.0.0.0");
            let agent = RunningAgent::start(&config, "https");
            let url = agent.url.replacen("https://127.0.0.1:", "https://localhost:", 1);
            (config, agent, url)
        }
    };

    // `smp-agent` on PATH, whatever the binary under test is called.
    let path_dir = tempfile::tempdir().expect("a temporary directory");
    std::os::unix::fs::symlink(agent_bin(), path_dir.path().join("smp-agent")).expect("linking smp-agent");
    let path = format!("{}:{}", path_dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let work_dir = tempfile::tempdir().expect("a temporary directory");

    for (index, block) in blocks.iter().enumerate() {
        let number = index + 1;
        let pid_before = project.init_pid("c1");
        let script = work_dir.path().join(format!("example-{number}.sh"));
        std::fs::write(&script, format!("set -euo pipefail\n{block}")).expect("writing the example");
        let mut bash = clean_command("bash");
        bash.arg(&script)
            .current_dir(work_dir.path())
            .env("PATH", &path)
            .env("AGENT", &agent_url)
            .env("CONFIG", &config.path)
            .env("KEY_ID", &config.key_id)
            .env("SECRET", &config.secret);
        match transport {
            Transport::PlainHttpOnLoopback => bash.env_remove("CURL_CA_BUNDLE"),
            Transport::HttpsWithCaBundle => bash.env("CURL_CA_BUNDLE", config.state_dir().join("cert.pem")),
        };
        let finished = run_with_deadline(bash, EXAMPLE_DEADLINE);
        assert!(
            finished.success(),
            "```sh example {number} of docs/protocol.md failed over {transport:?} ({}):\n{block}\nstdout:\n{}\nstderr:\n{}\nagent log:\n{}",
            finished.status,
            finished.stdout,
            finished.stderr,
            agent.log_text()
        );
        assert!(!finished.stdout.trim().is_empty(), "```sh example {number} printed nothing:\n{block}");
        if block.contains("/exec\"") {
            assert!(finished.stdout.contains("\"exit_code\":0"), "example {number}: {}", finished.stdout);
            assert!(finished.stdout.contains("hello from c1"), "example {number}: {}", finished.stdout);
        }
        if block.contains("/restart\"") {
            let pid_after = project.init_pid("c1");
            assert!(pid_before.is_some() && pid_after.is_some(), "c1 must be running around example {number}");
            assert_ne!(pid_before, pid_after, "example {number} answered but did not restart c1:\n{block}");
            assert!(finished.stdout.contains("\"status\":\"running\""), "example {number}: {}", finished.stdout);
        }
        check_container_examples(&project, number, block, &finished.stdout);
        eprintln!("docs/protocol.md example {number} ({transport:?}): ok");
    }
}

/// What the create, update and delete examples promise, checked in LXD.
fn check_container_examples(project: &LxdProject, number: usize, block: &str, stdout: &str) {
    let c2 = || project.instance("c2").unwrap_or_else(|| panic!("example {number}: no c2 in LXD:\n{block}"));
    if block.contains("--action create") {
        let c2 = c2();
        assert_eq!(c2["status"], "Running", "example {number}");
        assert_eq!(c2["config"]["limits.memory"], "128MiB", "example {number}");
        assert_eq!(c2["devices"]["root"]["size"], "512MiB", "example {number}");
        assert!(stdout.contains("\"action\":\"create\""), "example {number}: {stdout}");
    }
    if block.contains("-X PATCH") {
        let config = &c2()["config"];
        assert_eq!(config["limits.memory"], "256MiB", "example {number}");
        assert_eq!(config["boot.autostart"], "true", "example {number}");
        assert!(config.get("security.privileged").is_none(), "example {number}: a refused key reached LXD");
        if block.contains("--admin") {
            assert_eq!(config["security.nesting"], "true", "example {number}");
        }
    }
    if block.contains("-X DELETE") {
        assert!(project.instance("c2").is_none(), "example {number} answered but c2 is still there");
        assert!(stdout.contains("\"status\":\"deleted\""), "example {number}: {stdout}");
    }
}
