//! `make bench` for the panel's terminals (issue 15), each figure beside
//! the direct call it wraps, measured in the same run and interleaved so
//! every side sees the same machine load:
//! - the keystroke echo round trip (one byte typed, its echo back) through
//!   the panel (`/api/v1/terminal` → agent → LXD), beside the agent's own
//!   `/container/<id>/terminal` and beside `lxc exec -t <ctr> -- sh` on a
//!   pseudo-terminal this bench holds (what a terminal emulator does);
//! - the throughput of `cat` of 10 MiB of random bytes in base64 (13.5 MiB
//!   of text) through the same three. When the panel closes its socket as
//!   too far behind (4008), that round counts as such, with the output read
//!   until then, and the next one opens a new terminal;
//!   Beside them, for scale, `cat` of the same file on a PTY of this host
//!   without LXD: the ceiling that LXD's exec PTY relay takes all three from;
//! - the panel's memory per open terminal (at 80×24 and at 200×50, a
//!   full-window browser terminal), each at its prompt (so its screen copy
//!   has rested: `app/terminals/screen.rs`), and per participant of one
//!   shared session: the resident size of the panel process before and after.
//!
//! A figure that misses its goal says `MISSED` on its line.
//!
//! The panel runs as its own process (the `smp-panel` binary of this build,
//! so `cargo bench` measures the release build): its memory is its own, and
//! it shares no runtime with the clients. The agent runs in this process,
//! as in `benches/panel.rs`. Everything (LXD project, agent, panel) is
//! started here and removed at the end, also when a figure fails.
//!
//! `SMP_BENCH_QUICK=1` (`make bench-quick`; `make test` only builds the benchmarks) takes
//! every figure from a round or two, a 1 MiB file and two terminals: its
//! numbers mean nothing, but a figure that can no longer be measured fails
//! that run.

// A benchmark that cannot measure should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // each bench uses a part of it
mod support;

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use smp_panel::{Role, db};
use smp_proto::Action;
use smp_proto::token::{Claims, SharedKey, mint_operation_token};
use support::{
    Panel, Project, add_machine_and_give, lxc, ms, percentile, quick, rounds, start_agent, turns, user_with_token,
    verdict,
};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const MACHINE: &str = "bench";
const CONTAINER: &str = "b1";
const PASSWORD: &str = "bench-password-0123";
/// Every terminal's size: wide, so the typed lines never wrap.
const COLS: u16 = 200;
const ROWS: u16 = 50;
/// The prompt every shell is given (`PS1`); typed as `RE''ADY> ` so the
/// echo of that command line never contains it.
const PROMPT: &[u8] = b"READY> ";
const SET_PROMPT: &[u8] = b"PS1='RE''ADY> '\r";
/// The prompt in a joiner's screen snapshot (which may leave out trailing blanks).
const SNAPSHOT_PROMPT: &[u8] = b"READY>";
/// Keystrokes on one line before Enter and a fresh prompt.
const PER_LINE: usize = 40;
/// Printed once `cat` is done; `__E''ND__` on the typed line. Never in
/// base64 text (no `_` there).
const END_MARK: &[u8] = b"__END__";
/// How long any one expected thing may take.
const WAIT: Duration = Duration::from_secs(60);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(terminals());
}

/// The panel process's resident size (`VmRSS`), KiB.
fn rss_kib(panel: &Panel) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", panel.child.id())).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("a VmRSS line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The resident size once it has stopped growing (four readings 250 ms
/// apart without growth, at most 10 s): allocations of the last steps
/// (audit rows, rights checks) have happened.
async fn settled_rss_kib(panel: &Panel) -> u64 {
    let started = Instant::now();
    let mut last = rss_kib(panel);
    let mut steady = 0;
    while steady < 4 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = rss_kib(panel);
        steady = if now <= last { steady + 1 } else { 0 };
        last = last.max(now);
    }
    last
}

/// One shell, however it is reached, and output read past what was waited for.
struct Shell {
    link: Link,
    pending: Vec<u8>,
}

enum Link {
    /// The panel's `/api/v1/terminal` or the agent's terminal route.
    Ws(Box<Socket>),
    /// `lxc exec -t` on a pseudo-terminal held by this bench.
    Pty(PtyShell),
}

/// A terminal that ended while output was awaited.
struct Ended {
    /// Output bytes read before.
    read: usize,
    why: String,
}

struct PtyShell {
    child: Child,
    master: File,
    output: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl Link {
    /// The next output bytes (control frames skipped), or how the terminal ended.
    async fn next_output(&mut self) -> Result<Vec<u8>, String> {
        match self {
            Link::Ws(socket) => loop {
                match socket.next().await {
                    Some(Ok(Message::Binary(bytes))) => return Ok(bytes.to_vec()),
                    Some(Ok(Message::Close(Some(frame)))) => {
                        return Err(format!("closed {}: {}", u16::from(frame.code), frame.reason));
                    }
                    Some(Ok(Message::Close(None))) | None => return Err("closed".into()),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(format!("failed: {error}")),
                }
            },
            Link::Pty(pty) => pty.output.recv().await.ok_or_else(|| "lxc exec ended".into()),
        }
    }
}

impl Shell {
    fn ws(socket: Socket) -> Shell {
        Shell { link: Link::Ws(Box::new(socket)), pending: Vec::new() }
    }

    async fn send(&mut self, bytes: &[u8]) {
        match &mut self.link {
            Link::Ws(socket) => socket.send(Message::Binary(bytes.to_vec().into())).await.expect("typed"),
            Link::Pty(pty) => pty.master.write_all(bytes).expect("typed"),
        }
    }

    /// Reads output through the first `wanted`; how many bytes that took.
    /// What came after it stays for the next read.
    async fn read_until(&mut self, wanted: &[u8]) -> usize {
        match self.try_read_until(wanted).await {
            Ok(consumed) => consumed,
            Err(ended) => panic!("the terminal {} before {:?}", ended.why, String::from_utf8_lossy(wanted)),
        }
    }

    /// `read_until`, or how the terminal ended before `wanted` and the bytes read until then.
    async fn try_read_until(&mut self, wanted: &[u8]) -> Result<usize, Ended> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut seen = std::mem::take(&mut self.pending);
        let mut consumed = 0;
        loop {
            if let Some(at) = seen.windows(wanted.len()).position(|part| part == wanted) {
                let end = at + wanted.len();
                self.pending = seen.split_off(end);
                return Ok(consumed + end);
            }
            // Only a match across the next chunk's start is still possible.
            let drop = seen.len() - seen.len().min(wanted.len() - 1);
            seen.drain(..drop);
            consumed += drop;
            let chunk = tokio::time::timeout_at(deadline, self.link.next_output()).await;
            match chunk.unwrap_or_else(|_| panic!("no {:?} in time", String::from_utf8_lossy(wanted))) {
                Ok(chunk) => seen.extend_from_slice(&chunk),
                Err(why) => return Err(Ended { read: consumed + seen.len(), why }),
            }
        }
    }

    /// Gives the shell `PROMPT` and waits for it.
    async fn prepare(&mut self) {
        self.send(SET_PROMPT).await;
        self.read_until(PROMPT).await;
    }

    async fn close(self) {
        match self.link {
            Link::Ws(mut socket) => {
                let _ = tokio::time::timeout(Duration::from_secs(5), Socket::close(&mut socket, None)).await;
            }
            Link::Pty(mut pty) => {
                let _ = pty.master.write_all(b"exit\r");
                let started = Instant::now();
                while pty.child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(5) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                let _ = pty.child.kill();
                let _ = pty.child.wait();
            }
        }
    }
}

/// `lxc exec -t <CONTAINER> -- sh` with a pseudo-terminal of `COLS`×`ROWS`
/// as its standard input, output and error, as a terminal emulator runs
/// it; a thread reads the master side.
fn lxc_exec_on_a_pty(project: &str) -> Shell {
    let size = nix::pty::Winsize { ws_row: ROWS, ws_col: COLS, ws_xpixel: 0, ws_ypixel: 0 };
    let pty = nix::pty::openpty(&size, None).expect("openpty");
    // A temporary command: this side's copies of the slave close with it.
    let child = Command::new("lxc")
        .args(["exec", CONTAINER, "--project", project, "-t", "--", "sh"])
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
        .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
        .stderr(Stdio::from(pty.slave))
        .spawn()
        .expect("lxc exec starts");
    let master = File::from(pty.master);
    let mut reader = master.try_clone().unwrap();
    let (sender, output) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        // EIO once `lxc exec` has ended and the slave is closed.
        while let Ok(read) = reader.read(&mut buffer)
            && read > 0
        {
            if sender.send(buffer[..read].to_vec()).is_err() {
                break;
            }
        }
    });
    Shell { link: Link::Pty(PtyShell { child, master, output }), pending: Vec::new() }
}

/// A WebSocket client with Nagle off, as browsers open theirs.
async fn connect(request: tokio_tungstenite::tungstenite::handshake::client::Request) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await.expect("connected");
    socket
}

/// The agent's own terminal route, with a token minted here.
async fn agent_terminal(agent_url: &str, key: &SharedKey) -> Shell {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = Claims {
        iss: "smp-bench".into(),
        sub: "bench".into(),
        aud: MACHINE.into(),
        iat: now,
        exp: now + 30,
        jti: smp_agent::random::new_jti(),
        act: Action::Terminal,
        adm: false,
        host: false,
        ctr: Some(CONTAINER.into()),
        uid: None,
        svc: None,
        snap: None,
        bh: None,
    };
    let token = mint_operation_token(key, &claims).expect("mint");
    let url = format!("{}/container/{CONTAINER}/terminal?cols={COLS}&rows={ROWS}", agent_url.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
    Shell::ws(connect(request).await)
}

/// The panel's `/api/v1/terminal` with `ticket` as its first message.
async fn panel_socket(api: &str, ticket: &str, (cols, rows): (u16, u16)) -> Socket {
    let url = format!("{}/terminal", api.replacen("http", "ws", 1));
    let mut socket = connect(url.into_client_request().unwrap()).await;
    let auth = json!({"type": "auth", "ticket": ticket, "cols": cols, "rows": rows}).to_string();
    socket.send(Message::Text(auth.into())).await.unwrap();
    socket
}

async fn ticket(http: &reqwest::Client, url: String, token: impl AsRef<str>, body: Value) -> String {
    let token = token.as_ref();
    let answer = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
    let status = answer.status();
    let body: Value = answer.json().await.unwrap();
    assert_eq!(status, 200, "ticket: {body}");
    body["ticket"].as_str().unwrap().to_owned()
}

/// A new terminal of `token`'s user on container `id` through the panel.
async fn panel_terminal(http: &reqwest::Client, api: &str, token: &str, id: i64, size: (u16, u16)) -> Shell {
    let ticket = ticket(http, format!("{api}/containers/{id}/terminal"), token, json!({"mode": "shell"})).await;
    Shell::ws(panel_socket(api, &ticket, size).await)
}

/// Types one keystroke per line position and waits for its echo; Enter and
/// a fresh prompt after `PER_LINE` of them (not timed).
struct Typist {
    shell: Shell,
    on_line: usize,
    typed: usize,
}

impl Typist {
    fn new(shell: Shell) -> Typist {
        Typist { shell, on_line: 0, typed: 0 }
    }

    /// One keystroke's round trip.
    async fn keystroke(&mut self) -> Duration {
        if self.on_line == 0 {
            // A comment: whatever is typed runs nothing.
            self.shell.send(b"#").await;
            self.shell.read_until(b"#").await;
        }
        let letter = [b'a' + (self.typed % 26) as u8];
        // Nothing typed is pending: whatever came before cannot be the echo.
        self.shell.pending.clear();
        let started = Instant::now();
        self.shell.send(&letter).await;
        self.shell.read_until(&letter).await;
        let took = started.elapsed();
        self.typed += 1;
        self.on_line += 1;
        if self.on_line == PER_LINE {
            self.shell.send(b"\r").await;
            self.shell.read_until(PROMPT).await;
            self.on_line = 0;
        }
        took
    }

    /// Ends the current line, so the shell is at a fresh prompt.
    async fn finish_line(&mut self) {
        if self.on_line > 0 {
            self.shell.send(b"\r").await;
            self.shell.read_until(PROMPT).await;
            self.on_line = 0;
        }
    }
}

/// One `cat` of the file in the container until the end mark.
struct Cat {
    /// Output bytes read (all of them, or until the terminal ended).
    bytes: usize,
    took: Duration,
    /// How the terminal ended before the end mark.
    ended: Option<String>,
}

impl Cat {
    fn rate(&self) -> f64 {
        self.bytes as f64 / self.took.as_secs_f64() / 1e6
    }
}

async fn cat_through(shell: &mut Shell) -> Cat {
    let started = Instant::now();
    shell.send(b"cat /tmp/big; echo __E''ND__\r").await;
    let read = shell.try_read_until(END_MARK).await;
    let took = started.elapsed();
    match read {
        Ok(bytes) => {
            shell.read_until(PROMPT).await;
            Cat { bytes, took, ended: None }
        }
        Err(Ended { read, why }) => Cat { bytes: read, took, ended: Some(why) },
    }
}

/// What opens another terminal of alice's through the panel.
struct PanelAccess<'a> {
    http: &'a reqwest::Client,
    api: &'a str,
    token: &'a str,
    container: i64,
}

impl PanelAccess<'_> {
    async fn open(&self) -> Shell {
        let mut shell = panel_terminal(self.http, self.api, self.token, self.container, (COLS, ROWS)).await;
        shell.prepare().await;
        shell
    }
}

async fn terminals() {
    let project = Project::launch("term", "smp-busybox", CONTAINER);
    let file_bytes: usize = if quick() { 1 << 20 } else { 10 << 20 };
    let make_file = format!("head -c {file_bytes} /dev/urandom | base64 > /tmp/big");
    lxc(&["exec", CONTAINER, "--project", &project.name, "--", "sh", "-c", &make_file]);
    let memory_terminals = if quick() { 2 } else { 50 };

    let dir = tempfile::tempdir().unwrap();
    let (agent_url, secret) = start_agent(
        MACHINE,
        &project,
        dir.path(),
        "member_images = [\"smp-busybox\"]\nmax_sessions = 400\nmax_sessions_per_container = 300",
    )
    .await;
    let key = SharedKey::new("k1", &secret);

    let database_url = format!("sqlite://{}", dir.path().join("panel.db").display());
    let settings = format!(
        "database_url = {database_url:?}\nkey_file = {:?}\nsync_interval_s = 3600\nterminal_grace_s = 1\nmax_terminals_per_user = {}\nmax_terminal_participants = {}\n",
        dir.path().join("panel.key"),
        memory_terminals + 8,
        memory_terminals + 2,
    );
    let panel = Panel::start(dir.path(), &settings, WAIT).await;
    let mut connection = db::establish(&database_url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    let (_, root) = user_with_token(&mut connection, "root", Role::HeadAdmin, &hash);
    let (_, alice) = user_with_token(&mut connection, "alice", Role::Member, &hash);
    let guests: Vec<(String, String)> = (0..=memory_terminals)
        .map(|index| {
            let name = format!("guest{index}");
            let (_, token) = user_with_token(&mut connection, &name, Role::Member, &hash);
            (name, token)
        })
        .collect();
    drop(connection);

    let http = reqwest::Client::new();
    let api = panel.api.clone();
    let id = add_machine_and_give(&http, &api, &root, (MACHINE, &agent_url, &secret), CONTAINER, "alice", WAIT).await;

    // The three sides: the panel, the agent, `lxc exec -t` on a PTY.
    let mut sides = [
        Typist::new(panel_terminal(&http, &api, &alice, id, (COLS, ROWS)).await),
        Typist::new(agent_terminal(&agent_url, &key).await),
        Typist::new(lxc_exec_on_a_pty(&project.name)),
    ];
    for side in &mut sides {
        side.shell.prepare().await;
    }
    echo_figure(&mut sides).await;
    let access = PanelAccess { http: &http, api: &api, token: &alice, container: id };
    throughput_figure(&mut sides, &access, file_bytes).await;
    host_pty_figure(&project.name, dir.path());
    for side in sides {
        side.shell.close().await;
    }
    drop(panel);

    // Memory, each figure in a fresh panel process (same database): what
    // the previous figures allocated and freed would hide new allocations.
    for size in [(80, 24), (COLS, ROWS)] {
        let panel = Panel::start(dir.path(), &settings, WAIT).await;
        memory_per_terminal(&panel, &http, &alice, id, memory_terminals, size).await;
        drop(panel);
    }
    let panel = Panel::start(dir.path(), &settings, WAIT).await;
    memory_per_participant(&panel, &http, &alice, id, &guests).await;
    drop(panel);
    drop(project);
}

async fn echo_figure(sides: &mut [Typist; 3]) {
    for _ in 0..rounds(20) {
        for side in sides.iter_mut() {
            side.keystroke().await;
        }
    }
    let mut took: [Vec<Duration>; 3] = Default::default();
    for round in 0..rounds(200) {
        for side in turns(round, 3) {
            took[side].push(sides[side].keystroke().await);
        }
    }
    for side in sides.iter_mut() {
        side.finish_line().await;
    }
    let [panel, agent, lxc] = &took;
    let (p50, a50, l50) = (percentile(panel, 0.5), percentile(agent, 0.5), percentile(lxc, 0.5));
    let added = ms(p50) - ms(l50);
    println!(
        "keystroke echo: panel p50 {:>6.2} ms p95 {:>6.2} ms | agent p50 {:>6.2} ms p95 {:>6.2} ms | lxc exec -t p50 {:>6.2} ms p95 {:>6.2} ms (n={})",
        ms(p50),
        ms(percentile(panel, 0.95)),
        ms(a50),
        ms(percentile(agent, 0.95)),
        ms(l50),
        ms(percentile(lxc, 0.95)),
        panel.len()
    );
    println!(
        "keystroke echo: added at p50: {added:.2} ms over lxc exec (goal <= 2 ms: {}); the panel's own hop {:.2} ms over the agent",
        verdict(added <= 2.0),
        ms(p50) - ms(a50)
    );
}

/// `cat` through the three sides. The panel may close a terminal whose
/// socket falls too far behind (4008): that round counts as such, with
/// the output read until then, and the next round opens a new terminal.
async fn throughput_figure(sides: &mut [Typist; 3], panel: &PanelAccess<'_>, file_bytes: usize) {
    let mut cats: [Vec<Cat>; 3] = Default::default();
    // The first round warms (the file in the container's page cache, every path once).
    for round in 0..=rounds(5) {
        for side in turns(round, 3) {
            let cat = cat_through(&mut sides[side].shell).await;
            if let Some(why) = &cat.ended {
                assert_eq!(side, 0, "only the panel may end a terminal that falls behind: {why}");
                sides[0] = Typist::new(panel.open().await);
            }
            if round > 0 {
                cats[side].push(cat);
            }
        }
    }
    let median = |values: Vec<f64>| {
        let mut sorted = values;
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let finished = |cats: &[Cat]| median(cats.iter().filter(|cat| cat.ended.is_none()).map(Cat::rate).collect());
    let [panel_rate, agent_rate, lxc_rate] = cats.each_ref().map(|cats| finished(cats));
    let output = cats[1].first().map_or(0, |cat| cat.bytes);
    let dropped: Vec<&Cat> = cats[0].iter().filter(|cat| cat.ended.is_some()).collect();
    let n = cats[0].len();
    let rate = |rate: f64| if rate.is_nan() { "  none finished".to_owned() } else { format!("{rate:>6.1} MB/s") };
    println!(
        "cat of {} MiB as base64 ({:.1} MB of output): panel {} | agent {} | lxc exec -t {} (medians of finished rounds, 1 MB = 10^6 bytes; goal >= 50 MB/s: {}, n={n})",
        file_bytes >> 20,
        output as f64 / 1e6,
        rate(panel_rate),
        rate(agent_rate),
        rate(lxc_rate),
        verdict(dropped.is_empty() && panel_rate >= 50.0),
    );
    if let Some(first) = dropped.first() {
        println!(
            "cat through the panel: MISSED: the panel ended the terminal in {} of {n} rounds ({}), after a median of {:.1} MB of output at {:.1} MB/s until then",
            dropped.len(),
            first.ended.as_deref().unwrap_or_default(),
            median(dropped.iter().map(|cat| cat.bytes as f64 / 1e6).collect()),
            median(dropped.iter().map(|cat| cat.rate()).collect()),
        );
    }
}

/// For scale: `cat` of the same file on a PTY of this host, no LXD in
/// between (the same PTY reading as the `lxc exec -t` side). What separates
/// it from the three sides above is LXD's relay of its exec PTY, which all
/// three go through.
fn host_pty_figure(project: &str, dir: &std::path::Path) {
    let copy = dir.join("big");
    let from = format!("{CONTAINER}/tmp/big");
    lxc(&["file", "pull", &from, copy.to_str().unwrap(), "--project", project]);
    let mut rates = Vec::new();
    for _ in 0..=rounds(5) {
        let size = nix::pty::Winsize { ws_row: ROWS, ws_col: COLS, ws_xpixel: 0, ws_ypixel: 0 };
        let pty = nix::pty::openpty(&size, None).expect("openpty");
        let started = Instant::now();
        let mut child = Command::new("cat").arg(&copy).stdout(Stdio::from(pty.slave)).spawn().expect("cat starts");
        let mut master = File::from(pty.master);
        let mut buffer = vec![0u8; 64 * 1024];
        let mut bytes = 0;
        // EIO once `cat` has ended and the slave is closed.
        while let Ok(read) = master.read(&mut buffer)
            && read > 0
        {
            bytes += read;
        }
        rates.push(bytes as f64 / 1e6 / started.elapsed().as_secs_f64());
        child.wait().unwrap();
    }
    rates.remove(0); // the warming round
    rates.sort_by(f64::total_cmp);
    println!(
        "cat of the same file on a PTY of this host, without LXD: {:>6.1} MB/s (median, n={}; the ceiling LXD's exec PTY relay takes the three sides above from)",
        rates[rates.len() / 2],
        rates.len()
    );
}

/// Waits (bounded) until the panel lists `count` sessions of `token`'s user.
async fn until_sessions(http: &reqwest::Client, api: &str, token: &str, count: usize) {
    let started = Instant::now();
    loop {
        let list = http.get(format!("{api}/terminal-sessions")).bearer_auth(token).send().await.unwrap();
        let list = list.json::<Value>().await.unwrap();
        if list["items"].as_array().unwrap().len() == count {
            return;
        }
        assert!(started.elapsed() < WAIT, "the panel never listed {count} sessions: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `count` private terminals open at once, each at its prompt.
async fn memory_per_terminal(
    panel: &Panel,
    http: &reqwest::Client,
    alice: &str,
    id: i64,
    count: usize,
    size: (u16, u16),
) {
    let api = &panel.api;
    // Warm: one terminal opened, used and closed (first allocations, code paged in).
    let mut warm = panel_terminal(http, api, alice, id, size).await;
    warm.prepare().await;
    warm.close().await;
    until_sessions(http, api, alice, 0).await;
    let before = settled_rss_kib(panel).await;
    let mut open = Vec::new();
    for _ in 0..count {
        let mut shell = panel_terminal(http, api, alice, id, size).await;
        shell.prepare().await;
        open.push(shell);
    }
    until_sessions(http, api, alice, count).await;
    let after = settled_rss_kib(panel).await;
    let per = after.saturating_sub(before) as f64 / count as f64;
    println!(
        "panel memory per open terminal, {}x{}: {per:>6.0} KiB (RSS {before} KiB → {after} KiB with {count} terminals at their prompt; goal <= 300 KiB: {})",
        size.0,
        size.1,
        verdict(per <= 300.0)
    );
    for shell in open {
        shell.close().await;
    }
}

/// One shared session of alice's with `guests.len() - 1` participants
/// attached besides her (the first guest only warms).
async fn memory_per_participant(
    panel: &Panel,
    http: &reqwest::Client,
    alice: &str,
    id: i64,
    guests: &[(String, String)],
) {
    let api = &panel.api;
    let created = http.post(format!("{api}/terminal-sessions")).bearer_auth(alice).json(&json!({"container_id": id}));
    let created = created.send().await.unwrap();
    assert_eq!(created.status(), 201);
    let session = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    for (name, _) in guests {
        let invited = http
            .put(format!("{api}/terminal-sessions/{session}/participants/{name}"))
            .bearer_auth(alice)
            .json(&json!({"mode": "write"}))
            .send()
            .await
            .unwrap();
        assert_eq!(invited.status(), 200, "invite {name}: {}", invited.text().await.unwrap());
    }
    let ticket_of = |token: String| ticket(http, format!("{api}/terminal-sessions/{session}/ticket"), token, json!({}));
    let mut owner = Shell::ws(panel_socket(api, &ticket_of(alice.to_owned()).await, (COLS, ROWS)).await);
    owner.prepare().await;
    // Warm: one guest joins, sees the prompt and leaves.
    let (_, warm_token) = &guests[0];
    let mut warm = Shell::ws(panel_socket(api, &ticket_of(warm_token.clone()).await, (COLS, ROWS)).await);
    warm.read_until(SNAPSHOT_PROMPT).await;
    warm.close().await;
    let before = settled_rss_kib(panel).await;
    let mut joined = Vec::new();
    for (_, token) in &guests[1..] {
        let mut guest = Shell::ws(panel_socket(api, &ticket_of(token.clone()).await, (COLS, ROWS)).await);
        guest.read_until(SNAPSHOT_PROMPT).await;
        joined.push(guest);
    }
    // Everyone sees what the owner types.
    owner.send(b"echo sh''ared\r").await;
    owner.read_until(b"shared").await;
    for guest in &mut joined {
        guest.read_until(b"shared").await;
    }
    let after = settled_rss_kib(panel).await;
    let count = joined.len();
    let per = after.saturating_sub(before) as f64 / count as f64;
    println!(
        "panel memory per shared participant: {per:>6.0} KiB (RSS {before} KiB → {after} KiB with {count} participants on one session; no goal named)"
    );
    for guest in joined {
        guest.close().await;
    }
    owner.close().await;
}
