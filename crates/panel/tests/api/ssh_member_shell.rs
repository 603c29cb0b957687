//! The member shell (`ssh smp@panel`) with the real OpenSSH client on the
//! real agent and LXD: a scripted interactive session (`ssh -tt`, stdin
//! driven by the test) restarts her container, sets its autostart, attaches its console,
//! completes names with Tab and answers another member's container like a
//! missing one; one command without a PTY, and a script of lines; a
//! service owner sees and acts on her services only; she takes, restores
//! (only once she says yes) and deletes her snapshots, and another member's
//! container's are missing; deleting her key ends an open shell.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::helpers::TestApp;
use crate::panel_agent::{World, until};
use crate::panel_snapshots::lxd_snapshots;
use crate::real_agent::{LxdProject, lxc};
use crate::ssh_gateway::{RUN_LIMIT, add_key, app_with_ssh, her_key, keygen, run, ssh};

/// `ssh -tt smp@…` driven through its stdin, read until what is awaited.
struct Shell {
    child: Child,
    input: ChildStdin,
    output: ChildStdout,
    seen: Vec<u8>,
    /// Where the output not yet awaited starts.
    mark: usize,
}

impl Shell {
    /// Opens the shell and waits for its first prompt.
    async fn open(app: &TestApp, key: &Path) -> Shell {
        let mut child = ssh(app, key, "smp", &["-tt"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (input, output) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        let mut shell = Shell { child, input, output, seen: Vec::new(), mark: 0 };
        let banner = shell.until("smp> ").await;
        assert!(banner.contains("SMP member shell"), "{banner:?}");
        shell
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.input.write_all(bytes).await.unwrap();
        self.input.flush().await.unwrap();
    }

    /// The output from the last wait up to and including `text`, read within `RUN_LIMIT`.
    async fn until(&mut self, text: &str) -> String {
        let mut buffer = [0u8; 4096];
        let found = tokio::time::timeout(RUN_LIMIT, async {
            loop {
                let fresh = String::from_utf8_lossy(&self.seen[self.mark..]).into_owned();
                if let Some(at) = fresh.find(text) {
                    let end = at + text.len();
                    self.mark += fresh[..end].len();
                    return fresh[..end].to_owned();
                }
                let read = self.output.read(&mut buffer).await.unwrap();
                assert!(read > 0, "the shell ended before {text:?}: {fresh:?}");
                self.seen.extend_from_slice(&buffer[..read]);
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {text:?} in time: {:?}", String::from_utf8_lossy(&self.seen[self.mark..])))
    }

    /// Types `line` and Enter: the answer (after the echoed line), up to the next prompt.
    async fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\n").as_bytes()).await;
        let seen = self.until("smp> ").await;
        seen.split_once("\r\n").map(|(_, answer)| answer.to_owned()).unwrap_or(seen)
    }
}

fn autostart_of(project: &LxdProject, container: &str) -> String {
    lxc(&["config", "get", container, "boot.autostart", "--project", &project.name]).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn her_interactive_shell_restarts_sets_autostart_completes_names_attaches_the_console_and_treats_anothers_as_missing()
 {
    let project = LxdProject::with_busyboxes(&["c1", "c2"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let (c1, c2) = (world.synced("m1", "c1").await, world.synced("m1", "c2").await);
    let alice = world.member_owning("alice", c1).await;
    world.member_owning("bob", c2).await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let (c1_pid, c2_pid) = (project.init_pid("c1").unwrap(), project.init_pid("c2").unwrap());

    let mut shell = Shell::open(&world.app, &key).await;
    let status = shell.command("status").await;
    assert!(status.contains(&format!("c1 is running, pid {c1_pid}")), "her only container: {status:?}");

    // Tab completes the command, then her container's name.
    shell.send(b"resta\t").await;
    assert_eq!(shell.until("restart ").await, "restart ");
    shell.send(b"c\t").await;
    assert_eq!(shell.until("c1 ").await, "c1 ", "the line now reads `restart c1 `");
    let restarted = shell.command("").await;
    assert!(restarted.contains("c1: restarted in "), "{restarted:?}");
    let new_pid = project.init_pid("c1");
    assert!(new_pid.is_some_and(|pid| pid != c1_pid), "a new init: {c1_pid} then {new_pid:?}");

    let autostart = shell.command("autostart c1 on").await;
    assert!(autostart.contains("c1: autostart on"), "{autostart:?}");
    assert_eq!(autostart_of(&project, "c1"), "true");

    // Bob's container answers exactly like one that does not exist, and nothing happens to it.
    let bobs = shell.command("restart c2").await;
    let missing = shell.command("restart nosuch").await;
    assert!(bobs.contains("smp: no container named c2"), "{bobs:?}");
    assert_eq!(bobs.replace("c2", "NAME"), missing.replace("nosuch", "NAME"), "alike");
    assert_eq!(shell.command("autostart c2 on").await.replace("c2", "NAME"), missing.replace("nosuch", "NAME"));
    assert_eq!(project.init_pid("c2"), Some(c2_pid), "bob's container was not restarted");
    assert_ne!(autostart_of(&project, "c2"), "true");

    // Arrow keys and a Ctrl-C'd line leave no trace; unknown commands are readable.
    shell.send(b"\x1b[Areset c1\x03").await;
    let cleared = shell.until("smp> ").await;
    assert!(cleared.ends_with("reset c1^C\r\nsmp> "), "{cleared:?}");
    assert_eq!(project.init_pid("c1"), new_pid, "the Ctrl-C'd line ran nothing");
    let unknown = shell.command("reboot").await;
    assert!(unknown.contains("smp: unknown command \"reboot\"; type help"), "{unknown:?}");

    // The console shows her container's boot output; Ctrl-] comes back to the prompt.
    shell.send(b"console c1\n").await;
    shell.until("Ctrl-] detaches.").await;
    shell.until("smp-init: up").await;
    shell.send(b"\x1d").await;
    shell.until("Detached from the console of c1.").await;
    shell.until("smp> ").await;
    let after = shell.command("status c1").await;
    assert!(after.contains("c1 is running"), "the shell goes on: {after:?}");

    shell.send(b"quit\n").await;
    let ended = tokio::time::timeout(RUN_LIMIT, shell.child.wait()).await.expect("quit ends it").unwrap();
    assert_eq!(ended.code(), Some(0));

    // Each action was audited by its use case, as from the web, and the shell itself opened and closed.
    let restarts = world.app.audit_rows_of("container.restart");
    assert!(restarts.iter().any(|row| row.object == format!("container:{c1}") && row.outcome == "ok"), "{restarts:?}");
    assert!(restarts.iter().all(|row| row.object != format!("container:{c2}") || row.outcome != "ok"), "{restarts:?}");
    let opened = world.app.audit_rows_of("ssh.open");
    assert!(opened.iter().any(|row| row.actor == "alice" && row.object == "ssh"), "{opened:?}");
    until(RUN_LIMIT, "the shell's ssh.close row", || async {
        world.app.audit_rows_of("ssh.close").into_iter().find(|row| row.object == "ssh")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_pty_one_command_runs_with_its_exit_status_and_stdin_lines_are_a_script() {
    let project = LxdProject::with_busyboxes(&["c1", "c2"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let (c1, c2) = (world.synced("m1", "c1").await, world.synced("m1", "c2").await);
    let alice = world.member_owning("alice", c1).await;
    world.member_owning("bob", c2).await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;

    let (code, stdout, stderr) = run(&world.app, &key, "smp", &["list"], b"").await;
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("CONTAINER") && stdout.contains("c1") && stdout.contains("running"), "{stdout:?}");
    assert!(!stdout.contains("c2") && !stdout.contains('\r'), "hers only, plain lines: {stdout:?}");

    let (code, stdout, stderr) = run(&world.app, &key, "smp", &["stop", "c2"], b"").await;
    assert_eq!((code, stdout.as_slice(), stderr.as_str()), (1, b"".as_slice(), "smp: no container named c2\n"));
    let (code, _, stderr) = run(&world.app, &key, "smp", &["console", "c1"], b"").await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("console needs a terminal"), "{stderr}");

    let script = b"status c1\nfrobnicate\nautostart on\n";
    let (code, stdout, stderr) = run(&world.app, &key, "smp", &[], script).await;
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    assert_eq!(code, 0, "a script ends with 0 at its end: {stderr}");
    assert!(stdout.contains("c1 is running, pid ") && stdout.contains("c1: autostart on"), "{stdout:?}");
    assert!(stderr.contains("unknown command \"frobnicate\""), "{stderr}");
    assert_eq!(autostart_of(&project, "c1"), "true");
}

/// `ssh smp@… ARGS` without a PTY as `key`'s holder: exit status, stdout, stderr.
async fn shell_run(world: &World, key: &Path, args: &[&str]) -> (i32, String, String) {
    let (code, stdout, stderr) = run(&world.app, key, "smp", args, b"").await;
    (code, String::from_utf8_lossy(&stdout).into_owned(), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn she_takes_restores_only_after_yes_and_deletes_her_snapshots_and_anothers_container_has_none() {
    let project = LxdProject::with_busyboxes(&["c1", "c2"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let (c1, c2) = (world.synced("m1", "c1").await, world.synced("m1", "c2").await);
    let alice = world.member_owning("alice", c1).await;
    let bob = world.member_owning("bob", c2).await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let (_bob_dir, bob_key, _) = her_key(&world.app, &bob, "bob").await;

    let (code, stdout, stderr) = shell_run(&world, &key, &["snapshot", "c1", "before"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("c1: snapshot before taken at 20"), "{stdout:?}");
    assert_eq!(lxd_snapshots(&project, "c1"), ["before"]);
    let (code, stdout, _) = shell_run(&world, &key, &["snapshots"]).await;
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("SNAPSHOT") && lines[0].ends_with("BY"), "{stdout:?}");
    assert!(lines[1].starts_with("before ") && lines[1].ends_with(" alice"), "{stdout:?}");
    assert_eq!(lines[2], "schedule: none (set one on its page)");

    // She breaks it. A restore without yes says what it loses and does nothing.
    assert_eq!(project.exec("c1", &["touch", "/root/broken"]).0, 0);
    let pid = project.init_pid("c1").expect("c1 runs");
    let (code, stdout, stderr) = shell_run(&world, &key, &["restore", "c1", "before"]).await;
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.starts_with("smp: restoring c1 to before puts it back as it was at 20"), "{stderr}");
    assert!(stderr.contains("everything that changed in it since is lost"), "{stderr}");
    assert!(stderr.ends_with("; to go on: restore c1 before yes\n"), "{stderr}");
    assert_eq!(project.exec("c1", &["test", "-e", "/root/broken"]).0, 0, "nothing was restored");
    assert_eq!(project.init_pid("c1"), Some(pid));
    assert!(world.app.audit_rows_of("snapshot.restore").is_empty());

    let (code, stdout, stderr) = shell_run(&world, &key, &["restore", "c1", "before", "yes"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("c1: back to before (taken at 20"), "{stdout:?}");
    assert_eq!(project.exec("c1", &["test", "-e", "/root/broken"]).0, 1, "the file is gone");
    assert!(project.init_pid("c1").is_some_and(|new| new != pid), "LXD stopped and started it");

    // Bob: her container is missing to him, whatever he asks, and nothing happens to it.
    let pid = project.init_pid("c1");
    for args in [&["snapshots", "c1"][..], &["snapshot", "c1", "x"], &["restore", "c1", "before", "yes"]] {
        let (code, stdout, stderr) = shell_run(&world, &bob_key, args).await;
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (1, "", "smp: no container named c1\n"), "{args:?}");
    }
    let (code, _, stderr) = shell_run(&world, &bob_key, &["delete-snapshot", "c1", "before"]).await;
    assert_eq!((code, stderr.as_str()), (1, "smp: no container named c1\n"));
    assert_eq!((lxd_snapshots(&project, "c1"), project.init_pid("c1")), (vec!["before".to_owned()], pid));

    let (code, _, stderr) = shell_run(&world, &key, &["delete-snapshot", "nosuch"]).await;
    assert_eq!((code, stderr.as_str()), (1, "smp: c1 has no snapshot named nosuch; snapshots c1 lists them\n"));
    let (code, stdout, stderr) = shell_run(&world, &key, &["delete-snapshot", "c1", "before"]).await;
    assert_eq!((code, stdout.as_str()), (0, "c1: snapshot before deleted\n"), "{stderr}");
    assert!(lxd_snapshots(&project, "c1").is_empty(), "LXD no longer lists it");

    // Audited by the use cases, as hers.
    for action in ["snapshot.create", "snapshot.restore", "snapshot.delete"] {
        let rows = world.app.audit_rows_of(action);
        let ok: Vec<_> = rows.iter().filter(|row| row.outcome == "ok").collect();
        assert_eq!(ok.len(), 1, "{action}: {rows:?}");
        assert_eq!((ok[0].actor.as_str(), ok[0].object.clone()), ("alice", format!("container:{c1}")), "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_owner_lists_and_restarts_only_her_services_and_no_container() {
    let project = LxdProject::with_test_unit_on_debian("d1");
    project.launch_busybox("c1");
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let (d1, c1) = (world.synced("m1", "d1").await, world.synced("m1", "c1").await);
    world.member_owning("alice", c1).await;
    let sam = world.member("sam").await;
    let create = json!({"container_id": d1, "unit": "smp-test", "owner": "sam"});
    let response = world.post("/services", &world.admin, create).await;
    assert_eq!(response.status(), 201);
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "sam");
    add_key(&world.app, &sam, &public).await;
    lxc(&["stop", "c1", "--force", "--project", &project.name]);

    let (code, stdout, stderr) = run(&world.app, &key, "smp", &["list"], b"").await;
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("SERVICE") && stdout.contains("smp-test") && stdout.contains("d1"), "{stdout:?}");
    assert!(!stdout.contains("c1") && !stdout.contains("ADDRESS"), "no container of hers: {stdout:?}");

    let starts = project.test_unit_starts("d1");
    let (code, stdout, stderr) = run(&world.app, &key, "smp", &["restart", "smp-test"], b"").await;
    assert_eq!(code, 0, "{stderr}");
    assert!(String::from_utf8_lossy(&stdout).contains("smp-test: restarted, active (running)"), "{stdout:?}");
    assert_eq!(project.test_unit_starts("d1"), starts + 1, "the unit really started again");

    let refusals = [&["start", "c1"][..], &["start", "d1"], &["reset", "smp-test"], &["console", "smp-test"]];
    let snapshot_refusals =
        [&["snapshots", "smp-test"][..], &["snapshot", "smp-test", "s1"], &["restore", "smp-test", "s1", "yes"]];
    for refused in refusals.into_iter().chain(snapshot_refusals) {
        let (code, _, stderr) = run(&world.app, &key, "smp", refused, b"").await;
        assert_eq!(code, 1, "{refused:?}: {stderr}");
        let expected = match refused[0] {
            "start" => format!("smp: no container or service named {}\n", refused[1]),
            command => format!("smp: {command} works on containers only; smp-test is a service"),
        };
        assert!(stderr.starts_with(&expected), "{refused:?}: {stderr}");
    }
    assert_eq!(project.init_pid("c1"), None, "alice's container stayed stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_her_key_ends_her_open_member_shell_within_seconds() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let c1 = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", c1).await;
    let (_dir, key, key_id) = her_key(&world.app, &alice, "alice").await;

    let mut shell = Shell::open(&world.app, &key).await;
    let listed = shell.command("list").await;
    assert!(listed.contains("c1"), "{listed:?}");
    let deleted = world.app.with_session(Method::DELETE, &format!("/me/ssh-keys/{key_id}"), &alice).send().await;
    assert_eq!(deleted.unwrap().status(), 204);
    let started = std::time::Instant::now();
    shell.until("you may no longer use the member shell").await;
    let ended =
        tokio::time::timeout(Duration::from_secs(5), shell.child.wait()).await.expect("the shell ends").unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "ended after {:?}", started.elapsed());
    assert!(ended.code().is_some(), "{ended:?}");
    until(RUN_LIMIT, "the shell's ssh.close row, rights ended", || async {
        world.app.audit_rows_of("ssh.close").into_iter().find(|row| {
            row.object == "ssh" && row.detail.as_deref().is_some_and(|detail| detail.contains("reason=rights_ended"))
        })
    })
    .await;
}
