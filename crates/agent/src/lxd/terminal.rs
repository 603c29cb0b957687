//! Interactive sessions: a login shell on a PTY (LXD exec, `interactive:
//! true`) and the instance's text console (LXD console, type `console`).
//!
//! Both are LXD operations with `wait-for-websocket`: their metadata holds
//! the secrets of two websockets, `0` (the PTY's bytes, both ways) and
//! `control` (`window-resize`, `signal`), which must be connected within
//! LXD's 5 s. LXD reads a *text* frame on `0` as the end of input, so only
//! binary frames are ever written there. The exec's exit code is the
//! finished operation's `metadata.return`.
//!
//! Ending from the client's side ([`LxdClient::end_interactive`]): SIGHUP on
//! the control socket and a wait for the shell to end, then fd 0 closed, a
//! short wait for the operation, then SIGKILL and the control socket dropped
//! (LXD kills the command when its control socket goes), and a `DELETE` of
//! the operation if it still runs: no process of the session is left behind.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::Method;
use serde::Deserialize;
use smp_proto::names::InstanceName;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::LxdClient;
use super::error::LxdError;
use super::exec::{EXEC_CONNECT_TIMEOUT, exit_code};
use super::operations::{self, Operation};
use super::transport::{WebSocket, encode};

/// Largest `/etc/passwd` read to find the user's shell.
const PASSWD_CAP: usize = 1024 * 1024;

/// `PATH` of a command run as root without a login shell.
const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `PATH` of a command run as anyone else.
const USER_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Largest console log replayed when a console opens.
pub const CONSOLE_REPLAY_CAP: usize = 64 * 1024;

/// How long a console that writes nothing delays its log's read (`open_console`).
const CONSOLE_QUIET: Duration = Duration::from_millis(500);

/// How long the shell gets to end after SIGHUP, and again after SIGKILL.
/// bash hangs up its background jobs when SIGHUP reaches it; on a loaded
/// host (LXD relays the signal) 2 s was sometimes too short, bash was
/// killed before it could, and a `sleep 1000 &` outlived the terminal.
const END_GRACE: Duration = Duration::from_secs(5);

/// How long LXD gets to report an ended process's exit code.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// One open interactive session on LXD's side.
#[derive(Debug)]
pub struct Interactive {
    /// fd 0: the PTY (or console) bytes, both ways; binary frames only.
    pub data: WebSocket,
    /// LXD's control socket: `window-resize`, `signal`.
    pub control: WebSocket,
    /// What the client sees first: the console log (empty for a terminal).
    pub replay: Bytes,
    operation_id: String,
    kind: Kind,
}

impl Interactive {
    /// Whether it is a terminal (a process with an exit code), not a console.
    pub fn is_terminal(&self) -> bool {
        self.kind == Kind::Terminal
    }

    /// Delivers a client's signal. LXD sends a signal to the process it
    /// started, the shell, which ignores SIGINT while a command runs; so a
    /// terminal's keyboard signals (SIGINT, SIGQUIT, SIGTSTP) are typed as
    /// their keys (^C, ^\, ^Z), which the PTY turns into the signal for
    /// the command in the foreground, as a keyboard would. Any other
    /// signal goes to the shell through LXD's control socket.
    pub async fn signal(&mut self, signal: u8) -> Result<(), LxdError> {
        match keyboard_key(signal) {
            Some(key) if self.kind == Kind::Terminal => self
                .data
                .send(Message::binary(vec![key]))
                .await
                .map_err(|e| LxdError::Unavailable(format!("terminal input: {e}"))),
            _ => signal_process(&mut self.control, signal).await,
        }
    }
}

/// The key a PTY with its default settings turns into `signal` for its
/// foreground command, for the signals a keyboard sends.
fn keyboard_key(signal: u8) -> Option<u8> {
    match signal {
        2 => Some(0x03),  // SIGINT: ^C
        3 => Some(0x1c),  // SIGQUIT: ^\
        20 => Some(0x1a), // SIGTSTP: ^Z
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Terminal,
    Console,
}

/// The websocket secrets in a new interactive operation's metadata (`fds`).
#[derive(Debug, Deserialize)]
struct Fds {
    #[serde(rename = "0")]
    data: String,
    control: String,
}

/// Who the shell runs as, from the container's `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    pub home: String,
    pub shell: String,
}

impl Account {
    /// The account of `uid` in a passwd file's text; without an entry (or
    /// without a readable file): the uid as its own group and name, `/` as
    /// home (`/root` for root) and `/bin/sh`.
    pub(crate) fn from_passwd(passwd: Option<&str>, uid: u32) -> Account {
        let entry = passwd.and_then(|text| {
            text.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.len() >= 7 && fields[2].parse::<u32>().ok() == Some(uid)).then_some(fields)
            })
        });
        match entry {
            Some(fields) => Account {
                uid,
                gid: fields[3].parse().unwrap_or(uid),
                name: fields[0].to_owned(),
                home: if fields[5].starts_with('/') { fields[5].to_owned() } else { "/".to_owned() },
                shell: if fields[6].starts_with('/') { fields[6].to_owned() } else { "/bin/sh".to_owned() },
            },
            None => Account {
                uid,
                gid: uid,
                name: if uid == 0 { "root".to_owned() } else { uid.to_string() },
                home: if uid == 0 { "/root".to_owned() } else { "/".to_owned() },
                shell: "/bin/sh".to_owned(),
            },
        }
    }

    /// The environment of a command run as this account without a login
    /// shell (`exec.stream`): what a login would set, `PATH` as Debian's
    /// `login.defs` has it for root and for everyone else.
    pub(crate) fn environment(&self) -> serde_json::Value {
        let path = if self.uid == 0 { ROOT_PATH } else { USER_PATH };
        serde_json::json!({
            "HOME": self.home,
            "USER": self.name,
            "LOGNAME": self.name,
            "PATH": path,
            "LANG": "C.UTF-8",
        })
    }

    /// The exec request of its login shell on a `cols`×`rows` PTY.
    fn exec_body(&self, cols: u16, rows: u16) -> serde_json::Value {
        serde_json::json!({
            "command": [self.shell, "-l"],
            "environment": {
                "TERM": "xterm-256color",
                "HOME": self.home,
                "USER": self.name,
                "LOGNAME": self.name,
                "LANG": "C.UTF-8",
            },
            "cwd": self.home,
            "user": self.uid,
            "group": self.gid,
            "interactive": true,
            "wait-for-websocket": true,
            "record-output": false,
            "width": cols,
            "height": rows,
        })
    }
}

impl LxdClient {
    /// Starts `uid`'s login shell (root when `None`) on a PTY and connects
    /// its websockets.
    pub async fn open_terminal(
        &self,
        name: &InstanceName,
        uid: Option<u32>,
        cols: u16,
        rows: u16,
    ) -> Result<Interactive, LxdError> {
        let passwd = self.read_passwd(name).await;
        let account = Account::from_passwd(passwd.as_deref(), uid.unwrap_or(0));
        let body = account.exec_body(cols, rows);
        self.open(name, "/exec", &body, Kind::Terminal).await
    }

    /// Attaches to the instance's text console, its log first. LXD attaches
    /// the console in a process it starts once the websockets are connected
    /// (`lxd forkconsole`), some 40 ms later here: the log is read only once
    /// the first live bytes show the console attached (they are in the log
    /// too, so they are dropped), or after `CONSOLE_QUIET` of silence. What
    /// the container writes in between is then in both (shown twice) rather
    /// than in neither (read first, the log missed a busy console's lines up
    /// to the attach, and a busybox container launched a moment before once
    /// showed nothing of its boot).
    pub async fn open_console(&self, name: &InstanceName, cols: u16, rows: u16) -> Result<Interactive, LxdError> {
        let body = serde_json::json!({"type": "console", "width": cols, "height": rows});
        let mut session = self.open(name, "/console", &body, Kind::Console).await?;
        // Whatever comes first (bytes, or the console's end, which the bridge then sees as the
        // stream's end) says the attach is done; a quiet console says nothing.
        let _ = tokio::time::timeout(CONSOLE_QUIET, session.data.next()).await;
        session.replay = match self
            .transport()
            .raw_tail(&self.instance_path(name, "/console"), CONSOLE_REPLAY_CAP, self.request_deadline())
            .await
        {
            Ok(bytes) => bytes,
            // LXD answers 500 "no such file" while the console has nothing new.
            Err(LxdError::Api { status: 500, message }) if message.contains("no such file or directory") => {
                Bytes::new()
            }
            Err(error) => {
                self.end_interactive(session).await;
                return Err(error);
            }
        };
        Ok(session)
    }

    async fn open(
        &self,
        name: &InstanceName,
        suffix: &str,
        body: &serde_json::Value,
        kind: Kind,
    ) -> Result<Interactive, LxdError> {
        let body = serde_json::to_vec(body).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let operation: Operation = self
            .transport()
            .request_json(Method::POST, &self.instance_path(name, suffix), Some(body), self.request_deadline())
            .await?;
        let fds: Fds = operation.websocket_secrets("interactive")?;
        let transport = self.transport();
        let (data, control) = tokio::time::timeout(EXEC_CONNECT_TIMEOUT, async {
            tokio::try_join!(
                operation.connect(transport, &fds.data, "interactive"),
                operation.connect(transport, &fds.control, "interactive")
            )
        })
        .await
        .map_err(|_| LxdError::Timeout("LXD did not accept the interactive websockets in time".to_owned()))??;
        Ok(Interactive { data, control, replay: Bytes::new(), operation_id: operation.id, kind })
    }

    /// The container's `/etc/passwd` through LXD's file API, or `None` when
    /// it cannot be read.
    pub(super) async fn read_passwd(&self, name: &InstanceName) -> Option<String> {
        let path = self.path(&format!("/1.0/instances/{}/files", encode(name.as_str())), &[("path", "/etc/passwd")]);
        match self.transport().raw_tail(&path, PASSWD_CAP, self.request_deadline()).await {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(error) => {
                tracing::info!(%error, instance = %name, "cannot read /etc/passwd; the session runs with the uid's defaults (/bin/sh, home / or /root)");
                None
            }
        }
    }

    /// The terminal's exit code once its PTY has closed (the process
    /// ended); `None` for a console or when LXD does not say in time.
    pub async fn exit_code(&self, session: &Interactive) -> Option<i32> {
        if session.kind != Kind::Terminal {
            return None;
        }
        let deadline = Instant::now() + EXIT_GRACE;
        let what = "terminal";
        match operations::wait(self.transport(), self.project(), &session.operation_id, deadline, what).await {
            Ok(finished) => exit_code(&finished).ok(),
            Err(error) => {
                tracing::warn!(%error, "no exit code for the terminal");
                None
            }
        }
    }

    /// Ends the session from the agent's side: SIGHUP (a terminal's shell
    /// gets [`END_GRACE`] to end on it), fd 0 closed, then
    /// SIGKILL, the control socket dropped and the operation cancelled if
    /// it still runs. Returns once LXD reports the operation ended (or the
    /// bounds are spent, which is logged).
    pub async fn end_interactive(&self, mut session: Interactive) {
        let what = "interactive session";
        // The shell gets its SIGHUP's grace before fd 0 closes: LXD relays
        // the signal and the close in separate goroutines, and a bash that
        // reads the closed PTY's end first exits without hanging up its
        // jobs (a `sleep 1000 &` outlived the terminal, CI 2026-12-07).
        if session.kind == Kind::Terminal
            && tokio::time::timeout(END_GRACE, signal_process(&mut session.control, 1))
                .await
                .is_ok_and(|sent| sent.is_ok())
            && self.ended_within(&session.operation_id, END_GRACE).await
        {
            return;
        }
        let _ = tokio::time::timeout(END_GRACE, session.data.close(None)).await;
        if self.ended_within(&session.operation_id, END_GRACE).await {
            return;
        }
        if session.kind == Kind::Terminal {
            let _ = tokio::time::timeout(END_GRACE, signal_process(&mut session.control, 9)).await;
        }
        drop(session.control);
        if self.ended_within(&session.operation_id, END_GRACE).await {
            return;
        }
        let path = format!("/1.0/operations/{}?project={}", encode(&session.operation_id), encode(self.project()));
        if let Err(error) = self
            .transport()
            .request_json::<serde::de::IgnoredAny>(Method::DELETE, &path, None, self.request_deadline())
            .await
        {
            tracing::warn!(%error, "{what}: cannot cancel the operation");
        }
        if !self.ended_within(&session.operation_id, END_GRACE).await {
            tracing::warn!(
                "{what}: the LXD operation {} still runs after SIGHUP, SIGKILL and a cancel",
                session.operation_id
            );
        }
    }

    /// Whether LXD reports the operation ended (or gone) within `grace`.
    pub(super) async fn ended_within(&self, operation_id: &str, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        match operations::wait(self.transport(), self.project(), operation_id, deadline, "interactive session").await {
            Ok(_) => true,
            // Gone from LXD's list: it ended.
            Err(LxdError::NotFound(_)) => true,
            Err(_) => false,
        }
    }
}

/// Sends `{"command":"signal","signal":N}` on the control socket: LXD
/// signals the process it started (the shell), not its children.
pub(super) async fn signal_process(control: &mut WebSocket, signal: u8) -> Result<(), LxdError> {
    let text = serde_json::json!({"command": "signal", "signal": signal}).to_string();
    control.send(Message::text(text)).await.map_err(|e| LxdError::Unavailable(format!("control socket: {e}")))
}

/// Sends `{"command":"window-resize","args":{"width":"C","height":"R"}}`
/// (LXD's control args are strings).
pub async fn resize(control: &mut WebSocket, cols: u16, rows: u16) -> Result<(), LxdError> {
    let text = serde_json::json!({"command": "window-resize", "args": {"width": cols.to_string(), "height": rows.to_string()}})
        .to_string();
    control.send(Message::text(text)).await.map_err(|e| LxdError::Unavailable(format!("control socket: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1001:Alice:/home/alice:/usr/bin/zsh\nodd:x:7:7::relative:\n";

    #[test]
    fn the_account_comes_from_passwd_and_falls_back_to_sh() {
        let alice = Account::from_passwd(Some(PASSWD), 1000);
        assert_eq!((alice.gid, alice.name.as_str(), alice.home.as_str()), (1001, "alice", "/home/alice"));
        assert_eq!(alice.shell, "/usr/bin/zsh");
        assert_eq!(Account::from_passwd(Some(PASSWD), 0).shell, "/bin/bash");
        let odd = Account::from_passwd(Some(PASSWD), 7);
        assert_eq!((odd.home.as_str(), odd.shell.as_str()), ("/", "/bin/sh"));
        let unknown = Account::from_passwd(Some(PASSWD), 4242);
        assert_eq!((unknown.gid, unknown.name.as_str(), unknown.shell.as_str()), (4242, "4242", "/bin/sh"));
        let root = Account::from_passwd(None, 0);
        assert_eq!((root.home.as_str(), root.shell.as_str()), ("/root", "/bin/sh"));
    }

    #[test]
    fn the_environment_without_a_login_is_the_accounts_with_a_path_for_its_uid() {
        let alice = Account::from_passwd(Some(PASSWD), 1000).environment();
        assert_eq!((alice["HOME"].as_str(), alice["USER"].as_str()), (Some("/home/alice"), Some("alice")));
        assert_eq!((alice["LOGNAME"].as_str(), alice["LANG"].as_str()), (Some("alice"), Some("C.UTF-8")));
        assert_eq!(alice["PATH"], USER_PATH);
        assert_eq!(Account::from_passwd(Some(PASSWD), 0).environment()["PATH"], ROOT_PATH);
        assert!(alice.get("TERM").is_none(), "no PTY, no TERM");
    }

    #[test]
    fn only_the_keyboard_signals_are_typed_as_their_keys() {
        assert_eq!([2, 3, 20].map(keyboard_key), [Some(0x03), Some(0x1c), Some(0x1a)]);
        for signal in [1, 9, 15, 19, 28, 64] {
            assert_eq!(keyboard_key(signal), None, "{signal}");
        }
    }

    #[test]
    fn the_exec_body_is_an_interactive_login_shell_with_its_environment() {
        let body = Account::from_passwd(Some(PASSWD), 1000).exec_body(100, 30);
        assert_eq!(body["command"], serde_json::json!(["/usr/bin/zsh", "-l"]));
        assert_eq!(body["interactive"], true);
        assert_eq!(body["wait-for-websocket"], true);
        assert_eq!((body["width"].as_u64(), body["height"].as_u64()), (Some(100), Some(30)));
        assert_eq!((body["user"].as_u64(), body["group"].as_u64()), (Some(1000), Some(1001)));
        let env = &body["environment"];
        assert_eq!(env["TERM"], "xterm-256color");
        assert_eq!(env["LANG"], "C.UTF-8");
        assert_eq!((env["HOME"].as_str(), env["USER"].as_str()), (Some("/home/alice"), Some("alice")));
    }
}
