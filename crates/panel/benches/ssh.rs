//! `make bench` for the SSH gateway (issue 16), each figure beside the
//! direct call it wraps, measured in the same run and interleaved so every
//! side sees the same machine load:
//! - `ssh … true`, a new connection each time (TCP, key exchange, public
//!   key authentication, the command, its exit status), through the
//!   gateway to a `smp-debian` container beside the same `ssh` to an
//!   OpenSSH `sshd` this bench runs on a loopback port (its own config,
//!   host key and authorized_keys in a temporary directory, as the current
//!   user);
//! - the time a command's exec adds: `ssh … true` over an open master
//!   connection (`ControlMaster`: no handshake, only the channel and the
//!   exec) through the gateway beside the agent's own `exec-stream` route
//!   with a token minted here (what the gateway calls), and beside the
//!   same multiplexed `ssh` to the local sshd;
//! - scp throughput (default SFTP mode, a file of random bytes, to and
//!   from `/dev/shm` so no disk is measured) through the gateway beside
//!   scp to the local sshd, and beside `cat > file` through the agent's
//!   `exec-stream` (what the gateway's bytes go through after russh).
//!
//! A figure that misses its goal says `MISSED` on its line.
//!
//! The panel runs as its own process (the `smp-panel` binary of this build,
//! so `cargo bench` measures the release build); the agent runs in this
//! process, as in `benches/terminal.rs`. Everything (LXD project, agent,
//! panel, sshd) is started here and removed at the end.
//!
//! `SMP_BENCH_QUICK=1` (`make bench-quick`; `make test` only builds the benchmarks) takes
//! every figure from a round or two and a 4 MiB file: its numbers mean
//! nothing, but a figure that can no longer be measured fails that run.

// A benchmark that cannot measure should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // each bench uses a part of it
mod support;

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use smp_panel::db::ssh_keys::NewSshKey;
use smp_panel::domain::ssh_key::SshPublicKey;
use smp_panel::{Role, db};
use smp_proto::Action;
use smp_proto::token::{Claims, SharedKey, body_hash, mint_operation_token};
use support::{
    Panel, Project, add_machine_and_give, free_port, median, ms, percentile, quick, rounds, start_agent, turns,
    user_with_token, verdict,
};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const MACHINE: &str = "bench";
const CONTAINER: &str = "b1";
const PASSWORD: &str = "bench-password-0123";
/// How long any one expected thing may take.
const WAIT: Duration = Duration::from_secs(120);
/// Bytes per frame of the direct `cat > file` (the gateway's own frame size to the agent).
const FRAME: usize = 32 * 1024;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(ssh_figures());
}

/// A new ed25519 key pair in `dir`: its private key's path and public line.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen runs (scripts/setup-lxd.sh installs openssh-client)");
    assert!(made.status.success(), "{made:?}");
    (path.clone(), std::fs::read_to_string(path.with_extension("pub")).unwrap().trim().to_owned())
}

/// `sshd -D -e` on a loopback port with its own config, host key and
/// authorized_keys, as the current user; killed when dropped.
struct Sshd {
    child: Child,
    port: u16,
    user: String,
    log: PathBuf,
}

impl Sshd {
    async fn start(dir: &Path, authorized: &str) -> Sshd {
        let sshd = ["/usr/sbin/sshd", "/usr/local/sbin/sshd"]
            .into_iter()
            .find(|path| Path::new(path).exists())
            .expect("an sshd (scripts/setup-lxd.sh installs openssh-server)");
        let sftp_server = ["/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server"]
            .into_iter()
            .find(|path| Path::new(path).exists())
            .expect("an sftp-server (openssh-server brings it)");
        let user = String::from_utf8(std::process::Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        let user = user.trim().to_owned();
        // As root, sshd wants its privilege separation directory (made by the
        // distro's unit, which never runs here).
        if std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0 {
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        // HOME is this directory: the user's shell (bash, run with
        // SSH_CLIENT set) would source her ~/.bashrc for every command,
        // which the container's `/bin/sh -c` on the gateway side never
        // does; the figure is sshd's, not her shell setup's.
        let dir = dir.join("sshd");
        std::fs::create_dir_all(&dir).unwrap();
        let (host_key, _) = keygen(&dir, "host_key");
        let authorized_keys = dir.join("authorized_keys");
        std::fs::write(&authorized_keys, format!("{authorized}\n")).unwrap();
        let port = free_port();
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "ListenAddress 127.0.0.1:{port}\nHostKey {}\nAuthorizedKeysFile {}\nPidFile none\n\
                 StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nAllowUsers {user}\n\
                 Subsystem sftp {sftp_server}\nSetEnv HOME={}\n",
                host_key.display(),
                authorized_keys.display(),
                dir.display()
            ),
        )
        .unwrap();
        let log = dir.join("sshd.log");
        let child = Command::new(sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .kill_on_drop(true)
            .spawn()
            .expect("sshd starts");
        let mut sshd = Sshd { child, port, user, log };
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(sshd.child.try_wait().unwrap().is_none(), "sshd exited: {}", sshd.log_text());
            assert!(started.elapsed() < WAIT, "sshd did not listen in time: {}", sshd.log_text());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sshd
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// One SSH server to measure: where, as whom, with which key.
struct Server {
    port: u16,
    user: String,
    key: PathBuf,
    /// Where its master connection's socket is (`ControlPath`).
    control: PathBuf,
    /// A file path on the far side in a tmpfs.
    far_file: String,
}

impl Server {
    /// The `-o` options and key every tool passes to `ssh`.
    fn options(&self) -> Vec<String> {
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
        options.extend(["-F".to_owned(), "/dev/null".to_owned(), "-i".to_owned(), self.key.display().to_string()]);
        options
    }

    fn destination(&self) -> String {
        format!("{}@127.0.0.1", self.user)
    }

    /// `ssh … true` on a new connection (or over the master with `multiplexed`): how long it took.
    async fn ssh_true(&self, multiplexed: bool) -> Duration {
        let mut command = Command::new("ssh");
        command.args(["-p", &self.port.to_string()]).args(self.options());
        if multiplexed {
            command.args(["-o", "ControlMaster=no", "-S"]).arg(&self.control);
        }
        command.arg(self.destination()).arg("true").stdin(Stdio::null()).kill_on_drop(true);
        let started = Instant::now();
        let output = tokio::time::timeout(WAIT, command.output()).await.expect("ssh ends in time").unwrap();
        let took = started.elapsed();
        assert!(
            output.status.success(),
            "ssh {} true: {}",
            self.destination(),
            String::from_utf8_lossy(&output.stderr)
        );
        took
    }

    /// A master connection (`ssh -M -N`) on `control`, up once `-O check` says so.
    async fn open_master(&self) -> Child {
        let mut master = Command::new("ssh")
            .args(["-p", &self.port.to_string()])
            .args(self.options())
            .args(["-M", "-N", "-S"])
            .arg(&self.control)
            .arg(self.destination())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let check = Command::new("ssh")
                .args(["-p", &self.port.to_string(), "-S"])
                .arg(&self.control)
                .args(["-O", "check"])
                .arg(self.destination())
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await
                .unwrap();
            if check.success() {
                return master;
            }
            assert!(master.try_wait().unwrap().is_none(), "the master connection ended");
            assert!(started.elapsed() < WAIT, "the master connection did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `scp` of `local` to the far file (`upload`) or back into `local`: how long it took.
    async fn scp(&self, local: &Path, upload: bool) -> Duration {
        let far = format!("{}:{}", self.destination(), self.far_file);
        let local = local.display().to_string();
        let (from, to) = if upload { (local, far) } else { (far, local) };
        let mut command = Command::new("scp");
        command.args(["-q", "-P", &self.port.to_string()]).args(self.options()).args([&from, &to]);
        let started = Instant::now();
        let output = tokio::time::timeout(WAIT, command.stdin(Stdio::null()).kill_on_drop(true).output())
            .await
            .expect("scp ends in time")
            .unwrap();
        let took = started.elapsed();
        assert!(output.status.success(), "scp {from} {to}: {}", String::from_utf8_lossy(&output.stderr));
        took
    }
}

/// The agent's own `exec-stream` route, with a token minted here.
struct DirectAgent {
    url: String,
    key: SharedKey,
}

impl DirectAgent {
    /// Runs `/bin/sh -c command` with `stdin` (in `FRAME`s, then eof) and
    /// waits for its exit: the exit code and how long it all took (token,
    /// connection, command, exit), as the gateway does it.
    async fn exec(&self, command: &str, stdin: &[u8]) -> (i64, Duration) {
        let started = Instant::now();
        let argv = serde_json::to_string(&["/bin/sh", "-c", command]).unwrap();
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("command", &argv).finish();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let claims = Claims {
            iss: "smp-bench".into(),
            sub: "bench".into(),
            aud: MACHINE.into(),
            iat: now,
            exp: now + 30,
            jti: smp_agent::random::new_jti(),
            act: Action::ExecStream,
            adm: false,
            host: false,
            ctr: Some(CONTAINER.into()),
            uid: None,
            svc: None,
            snap: None,
            bh: Some(body_hash(query.as_bytes())),
        };
        let token = mint_operation_token(&self.key, &claims).expect("mint");
        let url = format!("{}/container/{CONTAINER}/exec-stream?{query}", self.url.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await.expect("connected");
        let (mut sink, mut stream) = socket.split();
        let stdin = stdin.to_vec();
        let writer = tokio::spawn(async move {
            for chunk in stdin.chunks(FRAME) {
                sink.send(Message::Binary(chunk.to_vec().into())).await.expect("stdin sent");
            }
            sink.send(Message::Text(r#"{"type":"eof"}"#.into())).await.expect("eof sent");
            sink
        });
        let code = tokio::time::timeout(WAIT, async {
            loop {
                match stream.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let event: Value = serde_json::from_str(&text).unwrap();
                        if event["type"] == "exit" {
                            return event["code"].as_i64().unwrap();
                        }
                    }
                    Some(Ok(_)) => {}
                    other => panic!("the exec stream ended without an exit: {other:?}"),
                }
            }
        })
        .await
        .expect("the command ends in time");
        let took = started.elapsed();
        drop(writer.await.unwrap());
        (code, took)
    }
}

async fn ssh_figures() {
    let project = Project::launch("ssh", "smp-debian", CONTAINER);
    // It has an `sftp-server`; up once its systemd is.
    project.wait_for_systemd(WAIT);
    let dir = tempfile::tempdir().unwrap();
    let (agent_url, secret) = start_agent(MACHINE, &project, dir.path(), "member_images = [\"smp-debian\"]").await;
    let direct = DirectAgent { url: agent_url.clone(), key: SharedKey::new("k1", &secret) };

    let database_url = format!("sqlite://{}", dir.path().join("panel.db").display());
    let ssh_port = free_port();
    let settings = format!(
        "database_url = {database_url:?}\nkey_file = {:?}\nsync_interval_s = 3600\n[ssh]\nlisten = \"127.0.0.1:{ssh_port}\"\n",
        dir.path().join("panel.key"),
    );
    let panel = Panel::start(dir.path(), &settings, WAIT).await;
    let (key, public) = keygen(dir.path(), "alice");
    let mut connection = db::establish(&database_url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    let (_, root) = user_with_token(&mut connection, "root", Role::HeadAdmin, &hash);
    let (alice_user, _) = user_with_token(&mut connection, "alice", Role::Member, &hash);
    // Her key, as the profile page stores it.
    let parsed = SshPublicKey::parse(&public).unwrap();
    let new = NewSshKey {
        user_id: alice_user.id,
        name: "bench",
        algorithm: parsed.algorithm(),
        public_key: parsed.public_key(),
        fingerprint: parsed.fingerprint(),
        imported: false,
    };
    db::ssh_keys::create(&mut connection, &new).unwrap().expect("a new key");
    drop(connection);

    let http = reqwest::Client::new();
    let api = panel.api.clone();
    add_machine_and_give(&http, &api, &root, (MACHINE, &agent_url, &secret), CONTAINER, "alice", WAIT).await;

    let sshd = Sshd::start(dir.path(), &public).await;
    let shm = format!("/dev/shm/smp-bench-ssh-{}.bin", std::process::id());
    let servers = [
        Server {
            port: ssh_port,
            user: CONTAINER.to_owned(),
            key: key.clone(),
            control: dir.path().join("gateway.ctl"),
            far_file: "/dev/shm/bench.bin".to_owned(),
        },
        Server {
            port: sshd.port,
            user: sshd.user.clone(),
            key: key.clone(),
            control: dir.path().join("sshd.ctl"),
            far_file: shm.clone(),
        },
    ];

    connection_figure(&servers).await;
    exec_figure(&servers, &direct).await;
    throughput_figure(&servers, &direct, dir.path()).await;

    let _ = std::fs::remove_file(&shm);
    drop(sshd);
    drop(panel);
    drop(project);
}

/// `ssh … true` on a new connection each time, gateway and sshd in turn.
async fn connection_figure(servers: &[Server; 2]) {
    for server in servers {
        server.ssh_true(false).await;
    }
    let mut took: [Vec<Duration>; 2] = Default::default();
    for round in 0..rounds(30) {
        for side in turns(round, 2) {
            took[side].push(servers[side].ssh_true(false).await);
        }
    }
    let [gateway, sshd] = &took;
    let (g50, s50) = (percentile(gateway, 0.5), percentile(sshd, 0.5));
    println!(
        "ssh … true, new connection each: gateway p50 {:>6.1} ms p95 {:>6.1} ms | local sshd p50 {:>6.1} ms p95 {:>6.1} ms (n={})",
        ms(g50),
        ms(percentile(gateway, 0.95)),
        ms(s50),
        ms(percentile(sshd, 0.95)),
        gateway.len()
    );
    println!(
        "ssh … true, new connection each: the gateway adds {:.1} ms at p50 ({:.2}x the local sshd; no goal named)",
        ms(g50) - ms(s50),
        g50.as_secs_f64() / s50.as_secs_f64()
    );
}

/// A command's exec without the handshake: over a master connection,
/// beside the agent's route.
async fn exec_figure(servers: &[Server; 2], direct: &DirectAgent) {
    let mut masters = Vec::new();
    for server in servers {
        masters.push(server.open_master().await);
        server.ssh_true(true).await;
    }
    direct.exec("true", b"").await;
    let mut took: [Vec<Duration>; 3] = Default::default();
    for round in 0..rounds(30) {
        for side in turns(round, 3) {
            let duration = match side {
                0 | 1 => servers[side].ssh_true(true).await,
                _ => {
                    let (code, duration) = direct.exec("true", b"").await;
                    assert_eq!(code, 0);
                    duration
                }
            };
            took[side].push(duration);
        }
    }
    for mut master in masters {
        let _ = master.kill().await;
    }
    let [gateway, sshd, agent] = &took;
    let (g50, s50, a50) = (percentile(gateway, 0.5), percentile(sshd, 0.5), percentile(agent, 0.5));
    println!(
        "exec of `true`, no handshake: gateway (ssh over a master connection) p50 {:>6.1} ms p95 {:>6.1} ms | agent exec-stream p50 {:>6.1} ms p95 {:>6.1} ms | local sshd (multiplexed) p50 {:>6.1} ms (n={})",
        ms(g50),
        ms(percentile(gateway, 0.95)),
        ms(a50),
        ms(percentile(agent, 0.95)),
        ms(s50),
        gateway.len()
    );
    println!(
        "exec of `true`, no handshake: the gateway adds {:.1} ms at p50 over the agent's exec-stream (ssh client and channel included; no goal named)",
        ms(g50) - ms(a50)
    );
}

/// scp to and from each server, and the same bytes into the container through the agent.
async fn throughput_figure(servers: &[Server; 2], direct: &DirectAgent, dir: &Path) {
    let bytes: usize = if quick() { 4 << 20 } else { 100 << 20 };
    let local = dir.join("big.bin");
    let mut data = vec![0u8; bytes];
    File::open("/dev/urandom").unwrap().read_exact(&mut data).unwrap();
    std::fs::write(&local, &data).unwrap();
    let back = dir.join("back.bin");
    let rate = |took: Duration| bytes as f64 / took.as_secs_f64() / 1e6;
    // Warm: every path once (and the far files exist).
    for server in servers {
        server.scp(&local, true).await;
    }
    let mut up: [Vec<f64>; 3] = Default::default();
    let mut down: [Vec<f64>; 2] = Default::default();
    for round in 0..rounds(3) {
        for side in turns(round, 3) {
            if side == 2 {
                let (code, took) = direct.exec("cat > /dev/shm/direct.bin", &data).await;
                assert_eq!(code, 0);
                up[2].push(rate(took));
                continue;
            }
            up[side].push(rate(servers[side].scp(&local, true).await));
            down[side].push(rate(servers[side].scp(&back, false).await));
            assert_eq!(std::fs::metadata(&back).unwrap().len() as usize, bytes, "all of it came back");
        }
    }
    let (gateway_up, sshd_up, agent_up) = (median(&up[0]), median(&up[1]), median(&up[2]));
    let (gateway_down, sshd_down) = (median(&down[0]), median(&down[1]));
    let n = up[0].len();
    println!(
        "scp of {} MiB into her container: gateway {gateway_up:>6.1} MB/s | local sshd {sshd_up:>6.1} MB/s | agent exec-stream `cat > file` {agent_up:>6.1} MB/s (medians, 1 MB = 10^6 bytes; goal >= 50 MB/s: {}, n={n})",
        bytes >> 20,
        verdict(gateway_up >= 50.0)
    );
    println!(
        "scp of {} MiB out of her container: gateway {gateway_down:>6.1} MB/s | local sshd {sshd_down:>6.1} MB/s (medians; goal >= 50 MB/s: {}, n={n})",
        bytes >> 20,
        verdict(gateway_down >= 50.0)
    );
}
