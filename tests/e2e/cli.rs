//! The operator's commands: `keygen` and `check`, and the shipped example config.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::Duration;

use crate::support::{
    AgentConfig, Finished, LxdProject, agent_bin, clean_command, keygen, run_with_deadline, write_private,
};

fn check(config: &Path) -> Finished {
    let mut command = clean_command(agent_bin());
    command.arg("check").arg("--config").arg(config);
    run_with_deadline(command, Duration::from_secs(30))
}

fn assert_refused(finished: &Finished, what: &str, message: &str) {
    assert!(!finished.success(), "check accepted {what}:\n{}", finished.stdout);
    assert!(
        finished.stderr.contains(message),
        "check refused {what} without saying {message:?}; it said:\n{}",
        finished.stderr
    );
}

#[test]
fn keygen_prints_43_base64url_characters_different_each_run() {
    let first = keygen();
    let second = keygen();
    for secret in [&first, &second] {
        assert_eq!(secret.len(), 43, "{secret:?}");
        assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{secret:?}");
    }
    assert_ne!(first, second);
}

#[test]
fn check_passes_a_good_config_and_refuses_a_short_secret_duplicate_ids_and_a_readable_file() {
    let project = LxdProject::create("check");
    let config = AgentConfig::new(&project.name, "127.0.0.1");
    let good = std::fs::read_to_string(&config.path).expect("the config");

    let finished = check(&config.path);
    assert!(finished.success(), "check refused a good config:\n{}{}", finished.stdout, finished.stderr);
    assert_eq!(finished.stdout.lines().count(), 1, "one line: {}", finished.stdout);
    assert!(finished.stdout.starts_with("ok: machine e2e, 1 key(s)"), "{}", finished.stdout);
    assert!(finished.stdout.contains("; lxd "), "{}", finished.stdout);
    assert!(finished.stdout.contains(&project.name), "check names the project it will serve: {}", finished.stdout);

    let dir = tempfile::tempdir().expect("a temporary directory");
    let short = dir.path().join("short.toml");
    write_private(&short, &good.replace(&config.secret, "only-31-characters-long-secret!"));
    let refused = check(&short);
    assert_refused(&refused, "a 31-character secret", "shorter than 32 characters");
    assert!(!refused.stderr.contains("only-31-characters"), "the secret must not be echoed: {}", refused.stderr);

    let duplicate = dir.path().join("duplicate.toml");
    write_private(&duplicate, &format!("{good}\n[[keys]]\nid = \"k1\"\nsecret = \"{}\"\n", keygen()));
    assert_refused(&check(&duplicate), "two keys with the id k1", "configured twice");

    let readable = dir.path().join("readable.toml");
    write_private(&readable, &good);
    std::fs::set_permissions(&readable, std::fs::Permissions::from_mode(0o644)).expect("chmod 644");
    assert_refused(&check(&readable), "a mode 644 config", "chmod 600");
}

#[test]
fn the_example_config_is_refused_until_its_secret_is_replaced_and_then_passes_check() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/agent.toml.example");
    let text = std::fs::read_to_string(&example).expect("deploy/agent.toml.example");
    let placeholder = "REPLACE-ME-smp-agent-keygen";
    assert!(text.contains(placeholder), "the example's placeholder secret changed; update this test");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let as_shipped = dir.path().join("as-shipped.toml");
    write_private(&as_shipped, &text);
    assert_refused(&check(&as_shipped), "the example's placeholder secret", "shorter than 32 characters");

    // Every key of the example is one the agent knows (it refuses unknown ones).
    let filled = dir.path().join("filled.toml");
    write_private(&filled, &text.replace(placeholder, &keygen()));
    let finished = check(&filled);
    assert!(finished.success(), "the example with a real secret fails check:\n{}{}", finished.stdout, finished.stderr);
    assert!(finished.stdout.contains("machine alita"), "{}", finished.stdout);
}

#[test]
fn the_packaged_config_reads_its_key_from_the_secret_file_and_check_says_what_is_wrong_in_one_line() {
    let packaged = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/debian/agent.toml");
    let text = std::fs::read_to_string(&packaged).expect("deploy/debian/agent.toml");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let secret = dir.path().join("k1.secret");
    write_private(&secret, &format!("{}\n", keygen()));
    let with_socket = |socket: &str| {
        text.replace("/etc/smp-agent/k1.secret", secret.to_str().expect("a UTF-8 path"))
            .replace("lxd_socket = \"/var/lib/lxd/unix.socket\"", &format!("lxd_socket = {socket:?}"))
    };

    // The packaged config, with this host's LXD: check passes.
    let host_lxd = dir.path().join("host.toml");
    let socket = ["/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .expect("this host's LXD socket (make setup)");
    write_private(&host_lxd, &with_socket(socket));
    let finished = check(&host_lxd);
    assert!(finished.success(), "check refused the packaged config:\n{}{}", finished.stdout, finished.stderr);
    assert!(finished.stdout.starts_with("ok: machine change-me, 1 key(s)"), "{}", finished.stdout);

    // As in a host without LXD (the package's container test): one line, exit 1.
    let no_lxd = dir.path().join("no-lxd.toml");
    write_private(&no_lxd, &with_socket(&dir.path().join("absent.socket").display().to_string()));
    let finished = check(&no_lxd);
    assert_refused(&finished, "a socket nobody listens on", "LXD does not answer at");
    assert_eq!(finished.stderr.lines().count(), 1, "{}", finished.stderr);
    assert!(finished.stdout.is_empty(), "nothing but the problem: {}", finished.stdout);

    // The secret file others may read, then none at all: refused, the secret never echoed.
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).expect("chmod 644");
    let refused = check(&host_lxd);
    assert_refused(&refused, "a secret file others may read", "chmod 600");
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    std::fs::remove_file(&secret).expect("the secret file removed");
    assert_refused(&check(&host_lxd), "a missing secret file", "cannot read the secret_file");
}
