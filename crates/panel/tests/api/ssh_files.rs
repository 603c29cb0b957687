//! Files through the SSH gateway with the real OpenSSH tools and rsync on a
//! real `smp-debian` container (its `sftp-server` and `rsync`, no sshd):
//! `scp` in its default SFTP mode and in its legacy mode (`-O`, over exec),
//! `sftp` in batch mode, and `rsync -e ssh`, each there and back unchanged.
//! One Debian container serves them all.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use sha2::{Digest as _, Sha256};
use tokio::process::Command;

use crate::helpers::TestApp;
use crate::panel_agent::World;
use crate::real_agent::{LxdProject, lxc};
use crate::ssh_gateway::{RUN_LIMIT, app_with_ssh, her_key, run};

/// The options every tool passes to `ssh` (`-o` pairs and the key): no
/// known_hosts, no config, no prompts.
fn ssh_options(key: &Path) -> Vec<String> {
    let mut options: Vec<String> = [
        "StrictHostKeyChecking=no",
        "UserKnownHostsFile=/dev/null",
        "IdentitiesOnly=yes",
        "BatchMode=yes",
        "LogLevel=ERROR",
    ]
    .iter()
    .flat_map(|option| ["-o".to_owned(), (*option).to_owned()])
    .collect();
    options.extend(["-F".to_owned(), "/dev/null".to_owned(), "-i".to_owned(), key.display().to_string()]);
    options
}

/// Runs `program args…` (no stdin), bounded by `RUN_LIMIT`; its output.
async fn tool(program: &str, args: &[String]) -> Output {
    let output = Command::new(program).args(args).stdin(Stdio::null()).kill_on_drop(true).output();
    let output = tokio::time::timeout(RUN_LIMIT, output).await.unwrap_or_else(|_| panic!("{program} ends in time"));
    output.unwrap_or_else(|error| panic!("{program} runs (is it installed? scripts/setup-lxd.sh installs it): {error}"))
}

fn said(output: &Output) -> String {
    format!(
        "{:?}: {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `scp [-O] from to` through the gateway.
async fn scp(app: &TestApp, key: &Path, legacy: bool, from: &str, to: &str) -> Output {
    let mut args = vec!["-q".to_owned(), "-P".to_owned(), app.ssh_port.unwrap().to_string()];
    if legacy {
        args.push("-O".to_owned());
    }
    args.extend(ssh_options(key));
    args.extend([from.to_owned(), to.to_owned()]);
    tool("scp", &args).await
}

fn sha256_of(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

fn random_file(path: &Path, bytes: usize) {
    let mut data = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut data).unwrap();
    std::fs::write(path, data).unwrap();
}

/// Every file under `root` (relative path → its bytes), and the relative
/// paths of its directories as empty entries.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                pending.push(path);
                found.insert(relative, Vec::new());
            } else {
                found.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scp_sftp_and_rsync_carry_files_into_her_debian_container_and_back_unchanged() {
    let project = LxdProject::create();
    lxc(&["launch", "smp-debian", "d1", "--project", &project.name, "-q"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let id = world.synced("m1", "d1").await;
    let alice = world.member_owning("alice", id).await;
    let (dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let app = &world.app;
    let local = |name: &str| dir.path().join(name);
    let remote = |path: &str| format!("d1@127.0.0.1:{path}");

    // scp, its default SFTP mode: 10 MB of random bytes in and back.
    random_file(&local("in.bin"), 10 * 1024 * 1024);
    let sent = scp(app, &key, false, local("in.bin").to_str().unwrap(), &remote("/root/in.bin")).await;
    assert!(sent.status.success(), "{}", said(&sent));
    let (code, stdout, stderr) = run(app, &key, "d1", &["sha256sum /root/in.bin"], b"").await;
    assert_eq!(code, 0, "{stderr}");
    let in_container = String::from_utf8_lossy(&stdout).split_whitespace().next().unwrap_or_default().to_owned();
    assert_eq!(in_container, hex::encode(sha256_of(&local("in.bin"))), "the container has the same bytes");
    let back = scp(app, &key, false, &remote("/root/in.bin"), local("back.bin").to_str().unwrap()).await;
    assert!(back.status.success(), "{}", said(&back));
    assert_eq!(sha256_of(&local("back.bin")), sha256_of(&local("in.bin")), "scp (SFTP) there and back");

    // scp -O, the legacy protocol: `scp -t` and `scp -f` run over exec.
    random_file(&local("legacy.bin"), 1024 * 1024 + 7);
    let sent = scp(app, &key, true, local("legacy.bin").to_str().unwrap(), &remote("/root/legacy.bin")).await;
    assert!(sent.status.success(), "{}", said(&sent));
    let back = scp(app, &key, true, &remote("/root/legacy.bin"), local("legacy-back.bin").to_str().unwrap()).await;
    assert!(back.status.success(), "{}", said(&back));
    assert_eq!(sha256_of(&local("legacy-back.bin")), sha256_of(&local("legacy.bin")), "scp -O there and back");

    // sftp in batch mode lists the container's root.
    std::fs::write(local("batch"), "ls -1 /\n").unwrap();
    let mut args = vec!["-P".to_owned(), app.ssh_port.unwrap().to_string(), "-b".to_owned()];
    args.push(local("batch").display().to_string());
    args.extend(ssh_options(&key));
    args.push("d1@127.0.0.1".to_owned());
    let listed = tool("sftp", &args).await;
    assert!(listed.status.success(), "{}", said(&listed));
    let names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|line| !line.starts_with("sftp>"))
        .map(|line| line.trim().trim_start_matches('/').to_owned())
        .collect();
    for wanted in ["etc", "usr", "root"] {
        assert!(names.iter().any(|name| name == wanted), "{wanted} in {names:?}");
    }

    // rsync -e ssh: a small tree (a subdirectory, an empty file, an
    // executable) into the container and back into a new directory.
    let source = local("tree");
    std::fs::create_dir_all(source.join("sub/deeper")).unwrap();
    std::fs::write(source.join("a.txt"), "first\n").unwrap();
    std::fs::write(source.join("empty"), "").unwrap();
    random_file(&source.join("sub/deeper/blob.bin"), 300 * 1024);
    std::fs::write(source.join("sub/run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(source.join("sub/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let transport = format!("ssh -p {} {}", app.ssh_port.unwrap(), ssh_options(&key).join(" "));
    let rsync = |from: String, to: String| {
        let args = ["-a".to_owned(), "--delete".to_owned(), "-e".to_owned(), transport.clone(), from, to];
        async move { tool("rsync", &args).await }
    };
    let sent = rsync(format!("{}/", source.display()), remote("/root/tree/")).await;
    assert!(sent.status.success(), "{}", said(&sent));
    let (code, stdout, stderr) =
        run(app, &key, "d1", &["test -x /root/tree/sub/run.sh && cat /root/tree/a.txt"], b"").await;
    assert_eq!((code, stdout.as_slice()), (0, b"first\n".as_slice()), "{stderr}");
    let returned = local("tree-back");
    let back = rsync(remote("/root/tree/"), format!("{}/", returned.display())).await;
    assert!(back.status.success(), "{}", said(&back));
    assert_eq!(tree(&returned), tree(&source), "rsync there and back");
    let mode = std::fs::metadata(returned.join("sub/run.sh")).unwrap().permissions();
    assert_eq!(mode.mode() & 0o777, 0o755, "modes kept");

    // Every transfer is in the audit log, each with its exit status.
    let closed = crate::panel_agent::until(RUN_LIMIT, "ssh.close rows of every transfer", || async {
        let rows = app.audit_rows_of("ssh.close");
        (rows.len() == 9).then_some(rows)
    })
    .await
    .0;
    assert!(closed.iter().all(|row| row.actor == "alice" && row.object == format!("container:{id}")), "{closed:?}");
}
