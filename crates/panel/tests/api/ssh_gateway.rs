//! The SSH gateway with the real OpenSSH client on the real agent and LXD:
//! commands with their output and exit status, binary stdin, sftp, a PTY
//! shell and a command that end when their key is deleted, keys and targets
//! refused alike, the rate limit per address, `-L` to a port of her own
//! container (and `-R` refused), joining a shared session, a name shared by
//! two of her containers, a stalled channel ended rather than hung, and the
//! audit of it all.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::{Child, Command};

use crate::helpers::{Session, TestApp, spawn_app_with};
use crate::panel_agent::{World, until};
use crate::real_agent::{Agent, LxdProject, SECRET};

/// How long one ssh run may take.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A panel with the gateway on a random loopback port.
pub(crate) async fn app_with_ssh() -> TestApp {
    spawn_app_with("[ssh]\nlisten = \"127.0.0.1:0\"").await
}

/// A new ed25519 key pair in `dir` named `name`: its private key's path and public line.
pub(crate) fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_owned())
}

/// Adds `public` to the profile of `session`'s member: the key's id.
pub(crate) async fn add_key(app: &TestApp, session: &Session, public: &str) -> i64 {
    let response =
        app.send_json(Method::POST, "/me/ssh-keys", session, &json!({"name": "laptop", "public_key": public})).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

/// A new key pair named `name` in a new temporary directory (the private
/// key lives as long as it), its public key added to `session`'s profile:
/// the directory, the private key's path and the key's id.
pub(crate) async fn her_key(app: &TestApp, session: &Session, name: &str) -> (tempfile::TempDir, PathBuf, i64) {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), name);
    let key_id = add_key(app, session, &public).await;
    (dir, key, key_id)
}

/// `ssh` to `user@127.0.0.1` on the gateway with `key`, more `args` before the target.
pub(crate) fn ssh(app: &TestApp, key: &Path, user: &str, args: &[&str]) -> Command {
    let mut command = Command::new("ssh");
    command
        .args(["-p", &app.ssh_port.unwrap().to_string()])
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes"])
        .args(["-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null", "-i"])
        .arg(key)
        .args(args)
        .arg(format!("{user}@127.0.0.1"))
        .kill_on_drop(true);
    command
}

/// Runs `ssh … user@… command` with `stdin`: exit code, stdout, stderr.
pub(crate) async fn run(
    app: &TestApp,
    key: &Path,
    user: &str,
    command: &[&str],
    stdin: &[u8],
) -> (i32, Vec<u8>, String) {
    run_with(app, key, user, &[], command, stdin).await
}

/// `run` with `options` before the target (`-tt`).
pub(crate) async fn run_with(
    app: &TestApp,
    key: &Path,
    user: &str,
    options: &[&str],
    command: &[&str],
    stdin: &[u8],
) -> (i32, Vec<u8>, String) {
    let mut child = ssh(app, key, user, options)
        .args(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = tokio::spawn(async move {
        let _ = input.write_all(&stdin).await;
        drop(input);
    });
    let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output()).await.expect("ssh ends in time").unwrap();
    writer.await.unwrap();
    (output.status.code().unwrap_or(-1), output.stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_runs_commands_in_her_container_with_their_output_exit_status_and_binary_stdin() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;

    let (code, stdout, stderr) = run(&world.app, &key, "c1", &["echo", "hi"], b"").await;
    assert_eq!((code, String::from_utf8_lossy(&stdout).as_ref()), (0, "hi\n"), "{stderr}");
    let (code, _, stderr) = run(&world.app, &key, "c1", &["exit 7"], b"").await;
    assert_eq!(code, 7, "{stderr}");
    let (code, stdout, stderr) = run(&world.app, &key, "c1", &["echo out; echo err >&2"], b"").await;
    assert_eq!((code, stdout.as_slice()), (0, b"out\n".as_slice()), "stderr is not mixed into stdout");
    assert_eq!(stderr, "err\n");
    // sftp runs the container's sftp-server; busybox has none, and says so.
    let sftp = Command::new("sftp")
        .args(["-P", &world.app.ssh_port.unwrap().to_string(), "-b", "-", "-i"])
        .arg(&key)
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes"])
        .args(["-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null", "c1@127.0.0.1"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let sftp = tokio::time::timeout(RUN_LIMIT, sftp).await.unwrap().unwrap();
    let said = String::from_utf8_lossy(&sftp.stderr);
    assert!(!sftp.status.success() && said.contains("no sftp-server"), "{said}");

    // A few MB of every byte value through `cat`, both ways.
    let data: Vec<u8> = (0..3 * 1024 * 1024u32).map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let (code, stdout, stderr) = run(&world.app, &key, "c1", &["cat"], &data).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.len(), data.len());
    assert_eq!(Sha256::digest(&stdout), Sha256::digest(&data), "the bytes come back unchanged");

    // Audited: opened and closed, with her key's fingerprint and the exit status.
    let object = format!("container:{id}");
    let opened = world.app.audit_rows_of("ssh.open");
    assert_eq!(opened.len(), 5, "four commands and sftp: {opened:?}");
    assert!(opened.iter().all(|row| row.actor == "alice" && row.object == object && row.outcome == "ok"), "{opened:?}");
    let (closed, _) = until(RUN_LIMIT, "five ssh.close rows", || async {
        let rows = world.app.audit_rows_of("ssh.close");
        (rows.len() == 5).then_some(rows)
    })
    .await;
    let details: Vec<String> = closed.iter().map(|row| row.detail.clone().unwrap_or_default()).collect();
    assert!(details.iter().any(|detail| detail.contains("exit=7")), "{details:?}");
    assert!(details.iter().all(|detail| detail.contains("key=SHA256:")), "{details:?}");
    let sent = format!("bytes_in={}", data.len());
    assert!(details.iter().any(|detail| detail.contains(&sent)), "{details:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_and_other_members_containers_are_refused_exactly_like_missing_containers() {
    let project = LxdProject::with_busyboxes(&["c1", "c2"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let (c1, c2) = (world.synced("m1", "c1").await, world.synced("m1", "c2").await);
    let alice = world.member_owning("alice", c1).await;
    world.member_owning("bob", c2).await;
    let (dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let (stranger, _) = keygen(dir.path(), "stranger");

    let unknown_key = run(&world.app, &stranger, "c1", &["true"], b"").await;
    let bobs = run(&world.app, &key, "c2", &["true"], b"").await;
    let missing = run(&world.app, &key, "nosuch", &["true"], b"").await;
    assert_eq!(unknown_key.0, 255);
    assert!(unknown_key.2.contains("Permission denied (publickey)"), "{}", unknown_key.2);
    let bobs_words = bobs.2.replace("c2@", "TARGET@");
    assert_eq!((bobs.0, bobs_words), (missing.0, missing.2.replace("nosuch@", "TARGET@")), "alike");
    assert_eq!((bobs.0, bobs.2.replace("c2@", "c1@")), (255, unknown_key.2.clone()), "and like an unknown key");

    world.app.flush_refusals().await;
    let refused = world.app.audit_rows_of("ssh.auth");
    assert!(!refused.is_empty(), "the refusals are audited");
    assert!(refused.iter().all(|row| row.actor == "anonymous" && row.outcome == "refused"), "{refused:?}");
}

/// `ssh -tt … user@…` with piped stdin, stdout and stderr.
fn pty_ssh(app: &TestApp, key: &Path, user: &str) -> Child {
    ssh(app, key, user, &["-tt"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Reads `output` onto `seen` until it holds `wanted` (within [`RUN_LIMIT`]); all of it.
async fn read_until(output: &mut tokio::process::ChildStdout, mut seen: Vec<u8>, wanted: &str) -> Vec<u8> {
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(RUN_LIMIT, async {
        while !String::from_utf8_lossy(&seen).contains(wanted) {
            let read = output.read(&mut buffer).await.unwrap();
            assert!(read > 0, "the output ended before {wanted:?}: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buffer[..read]);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {wanted:?} in time: {}", String::from_utf8_lossy(&seen)));
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pty_shell_has_a_pts_and_it_and_a_running_command_end_within_seconds_once_their_key_is_deleted() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let (_dir, key, key_id) = her_key(&world.app, &alice, "alice").await;

    // A scripted PTY session: `tty` answers a /dev/pts path. The script is
    // typed at the prompt: what comes before the shell sets its terminal up
    // is echoed by the line discipline, then flushed (as on any terminal).
    let mut child = pty_ssh(&world.app, &key, "c1");
    let mut input = child.stdin.take().unwrap();
    let mut output = child.stdout.take().unwrap();
    let seen = read_until(&mut output, Vec::new(), "c1:~# ").await;
    input.write_all(b"tty\n").await.unwrap();
    let mut seen = read_until(&mut output, seen, "/dev/pts/").await;
    // Asked to exit once its answer is read: under load, the answer of a
    // `tty; exit 4` typed at once was once lost with the shell's exit (not
    // understood yet: LXD's pty copy, or the relay; docs/ssh.md).
    input.write_all(b"exit 4\n").await.unwrap();
    drop(input);
    let status = tokio::time::timeout(RUN_LIMIT, async {
        output.read_to_end(&mut seen).await.unwrap();
        child.wait().await.unwrap()
    })
    .await
    .expect("the shell exits");
    let stdout = String::from_utf8_lossy(&seen).into_owned();
    assert_eq!(status.code(), Some(4), "the shell's exit status is ssh's: {stdout:?}");

    let mut child = pty_ssh(&world.app, &key, "c1");
    let mut input = child.stdin.take().unwrap();
    let mut output = child.stdout.take().unwrap();
    let seen = read_until(&mut output, Vec::new(), "c1:~# ").await;
    input.write_all(b"tty\n").await.unwrap();
    read_until(&mut output, seen, "/dev/pts/").await;

    // A command that would run a minute, started (its ssh.open row written) before the key goes.
    let mut command = ssh(&world.app, &key, "c1", &[]).arg("sleep 60").stdin(Stdio::null()).spawn().unwrap();
    until(RUN_LIMIT, "the command's ssh.open row", || async {
        world
            .app
            .audit_rows_of("ssh.open")
            .into_iter()
            .find(|row| row.detail.as_deref().is_some_and(|d| d.contains("sleep")))
    })
    .await;

    let deleted = world.app.with_session(Method::DELETE, &format!("/me/ssh-keys/{key_id}"), &alice).send().await;
    assert_eq!(deleted.unwrap().status(), 204);
    let started = std::time::Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), child.wait()).await.expect("the session ends").unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "ended after {:?}", started.elapsed());
    assert!(!ended.success());
    let stopped =
        tokio::time::timeout(Duration::from_secs(5), command.wait()).await.expect("the command ends").unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "the command ended after {:?}", started.elapsed());
    assert_eq!(stopped.code(), Some(255), "no exit status of its own: {stopped:?}");
    let (code, _, stderr) = run(&world.app, &key, "c1", &["true"], b"").await;
    assert_eq!(code, 255, "a deleted key opens nothing: {stderr}");
    assert!(stderr.contains("Permission denied (publickey)"), "{stderr}");
    drop(input);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_wrong_keys_from_one_address_shut_it_out_even_with_the_right_key() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let (dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let (stranger, _) = keygen(dir.path(), "stranger");

    let attempts = (0..20).map(|_| run(&world.app, &stranger, "c1", &["true"], b""));
    let refused = futures_util::future::join_all(attempts).await;
    assert!(refused.iter().all(|(code, _, _)| *code == 255), "{refused:?}");
    let (code, _, stderr) = run(&world.app, &key, "c1", &["true"], b"").await;
    assert_eq!(code, 255, "the address is over its allowance: {stderr}");
    assert!(stderr.contains("Permission denied (publickey)"), "{stderr}");
}

/// A free loopback port for `-L`.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_forward_reaches_httpd_in_her_container_and_no_other_host() {
    let project = LxdProject::with_busyboxes(&["c1", "c2"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let (c1, c2) = (world.synced("m1", "c1").await, world.synced("m1", "c2").await);
    let alice = world.member_owning("alice", c1).await;
    world.member_owning("bob", c2).await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let served = "mkdir -p /www && echo hello-from-c1 > /www/index.html && httpd -p 8080 -h /www";
    let (code, _, stderr) = run(&world.app, &key, "c1", &[served], b"").await;
    assert_eq!(code, 0, "{stderr}");

    let (mine, others) = (free_port(), free_port());
    let forward = format!("{mine}:localhost:8080");
    let elsewhere = format!("{others}:c2:8080");
    let _tunnel = ssh(&world.app, &key, "c1", &["-N", "-L", &forward, "-L", &elsewhere])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let (body, _) = until(RUN_LIMIT, "the page through -L", || async {
        let response = client.get(format!("http://127.0.0.1:{mine}/")).send().await.ok()?;
        response.text().await.ok()
    })
    .await;
    assert_eq!(body.trim(), "hello-from-c1");
    let other = client.get(format!("http://127.0.0.1:{others}/")).send().await;
    assert!(other.is_err(), "a forward to another host is refused: {other:?}");

    // -R (and with it any listening port on the panel) is refused.
    let remote = format!("{}:localhost:22", free_port());
    let (code, _, stderr) =
        run_with(&world.app, &key, "c1", &["-o", "ExitOnForwardFailure=yes", "-R", &remote], &["sleep 5"], b"").await;
    assert_eq!(code, 255, "{stderr}");
    assert!(stderr.contains("remote port forwarding failed"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_a_session_shows_the_owners_screen_to_an_invited_reader_and_refuses_the_uninvited() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1_on(app_with_ssh().await, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let carol = world.member("carol").await;
    let dir = tempfile::tempdir().unwrap();
    let (bobs_key, bobs_public) = keygen(dir.path(), "bob");
    add_key(&world.app, &bob, &bobs_public).await;
    let (carols_key, carols_public) = keygen(dir.path(), "carol");
    add_key(&world.app, &carol, &carols_public).await;

    let response = world.post("/terminal-sessions", &alice, json!({"container_id": id})).await;
    assert_eq!(response.status(), 201);
    let session = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let invited = world
        .app
        .send_json(
            Method::PUT,
            &format!("/terminal-sessions/{session}/participants/bob"),
            &alice,
            &json!({"mode": "read"}),
        )
        .await;
    assert_eq!(invited.status(), 200);
    let ticket = crate::terminal_ws::session_ticket(&world.app, &alice, &session).await.unwrap();
    let mut owner = crate::terminal_ws::Term::open(&world.app, &ticket).await;
    owner.type_line("echo marker-$((6*7))").await;
    owner.until_output("marker-42").await;

    let target = format!("join-{session}");
    let mut child = ssh(&world.app, &bobs_key, &target, &["-tt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut output = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(RUN_LIMIT, async {
        while !String::from_utf8_lossy(&seen).contains("marker-42") {
            let read = output.read(&mut buffer).await.unwrap();
            assert!(read > 0, "the session ended early: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buffer[..read]);
        }
    })
    .await
    .expect("the owner's screen reaches the reader");

    let (code, _, stderr) = run_with(&world.app, &carols_key, &target, &["-tt"], &[], b"").await;
    assert_eq!(code, 255, "not invited: {stderr}");
    assert!(stderr.contains("Permission denied (publickey)"), "{stderr}");
    drop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_two_of_her_containers_share_asks_for_the_machine_which_then_picks_one() {
    let (first, second) = (LxdProject::with_busyboxes(&["web"]), LxdProject::with_busyboxes(&["web"]));
    let agent_one = Agent::start_named("m1", &first.name, &[("k1", SECRET)]);
    let agent_two = Agent::start_named("m2", &second.name, &[("k1", SECRET)]);
    let world = World::with_app(app_with_ssh().await).await;
    world.add_machine("m1", &agent_one).await;
    world.add_machine("m2", &agent_two).await;
    let (on_one, on_two) = (world.synced("m1", "web").await, world.synced("m2", "web").await);
    let alice = world.member_owning("alice", on_one).await;
    world.give(on_two, "alice").await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;

    let (code, _, stderr) = run(&world.app, &key, "web", &["true"], b"").await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("web.m1") && stderr.contains("web.m2"), "the names to use: {stderr}");
    let (code, stdout, stderr) = run(&world.app, &key, "web.m2", &["echo two"], b"").await;
    assert_eq!((code, stdout.as_slice()), (0, b"two\n".as_slice()), "{stderr}");
    let opened = world.app.audit_rows_of("ssh.open");
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!((opened[0].object.clone(), opened[0].machine.as_deref()), (format!("container:{on_two}"), Some("m2")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_input_its_command_cannot_take_while_reading_slowly_is_ended_with_a_reason_not_hung() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let app = spawn_app_with("[ssh]\nlisten = \"127.0.0.1:0\"\nstall_timeout_s = 2").await;
    let (_agent, world, _) = World::with_m1_on(app, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let (_dir, key, _) = her_key(&world.app, &alice, "alice").await;
    let mut child = ssh(&world.app, &key, "c1", &[])
        .arg("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // 64 MiB as fast as the client takes it; its echo read at about 400 KB/s
    // (the pace is the scenario, a slow consumer, not a synchronisation).
    let mut input = child.stdin.take().unwrap();
    let writer = tokio::spawn(async move {
        let block = vec![b'x'; 1024 * 1024];
        for _ in 0..64 {
            if input.write_all(&block).await.is_err() {
                break;
            }
        }
    });
    let mut output = child.stdout.take().unwrap();
    let reader = tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        let mut total = 0usize;
        while let Ok(read) = output.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            total += read;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        total
    });
    let mut stderr = String::new();
    let mut errors = child.stderr.take().unwrap();
    let ended = async {
        errors.read_to_string(&mut stderr).await.unwrap();
        child.wait().await.unwrap()
    };
    let status = tokio::time::timeout(RUN_LIMIT, ended).await.expect("ssh ends, not hangs");
    let echoed = reader.await.unwrap();
    writer.abort();
    assert_eq!(status.code(), Some(255), "{stderr}");
    assert!(stderr.contains("this session stalled and was ended"), "{stderr}");
    assert!(echoed < 64 * 1024 * 1024, "all of it came back, so nothing stalled");
    let (closed, _) =
        until(RUN_LIMIT, "an ssh.close row", || async { world.app.audit_rows_of("ssh.close").pop() }).await;
    assert!(closed.detail.unwrap_or_default().contains("reason=stalled"));
}
