//! The member shell (`ssh smp@panel`, docs/ssh.md): a small menu acting on
//! her containers (and services) through the web's own use cases
//! (`app::member_shell`), so the policy decides and the audit log records
//! each action as for the pages; the shell decides nothing itself.
//!
//! Three ways in: with a PTY (`ssh -t`), an interactive prompt with a line
//! editor (`editor`) and Tab completion (`grammar`); with a command
//! (`ssh smp@… list`), that command alone, exit status 0 or 1; with
//! neither, each line of stdin is a command until EOF (scripts). The
//! session ends when her rights end (her key deleted, her account
//! disabled: asked again whenever the audit log moves, and before each
//! command, with her role as it is then).

mod editor;
mod grammar;

use std::time::{Duration, Instant};

use bytes::Bytes;
use russh::server::Msg;
use russh::{Channel, ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use smp_proto::api::{ContainerState, TerminalControl};

use self::editor::{Event, LineEditor, Lines};
use self::grammar::{Named, ShellCommand, Unresolved, shorten};
use super::{Gateway, pty_size};
use crate::app::member_shell::{self as use_cases, Lifecycle, ServiceLifecycle, ShellObjects};
use crate::app::snapshots::Snapshots;
use crate::app::ssh::{Outcome, SshTarget, SshUser, audit_close, audit_open};
use crate::app::terminals::{CloseReason, Outbound};
use crate::db::containers::ContainerId;
use crate::db::services::ServiceId;
use crate::domain::moment::when;
use crate::error::{AppError, ErrorCode};

/// The key that leaves a console: Ctrl-].
const DETACH: u8 = 0x1d;
/// How often her rights are asked again without a change of the audit log.
const RIGHTS_EVERY: Duration = Duration::from_secs(60);
/// Containers (and services) `status` without a NAME asks their agents about.
const MAX_BRIEF_STATUS: usize = 20;

/// What she is told when her rights end.
const RIGHTS_ENDED: &str = "you may no longer use the member shell (your key was deleted or your account changed)";

const BANNER: &str = "SMP member shell. Type help for the commands, Tab to complete, Ctrl-D to leave.\n";

/// Runs the member shell on `channel`: `command` from an exec request
/// (else a shell request), `pty` if one was asked for. Audited `ssh.open`
/// and `ssh.close`.
pub(super) async fn run(
    gateway: Gateway,
    who: SshUser,
    ssh_user: String,
    channel: Channel<Msg>,
    command: Option<String>,
    pty: Option<(u16, u16)>,
) {
    let what = match &command {
        Some(command) => format!("member shell: {:?}", command.chars().take(200).collect::<String>()),
        None => "member shell".to_owned(),
    };
    audit_open(&gateway.pool, &who, &ssh_user, &SshTarget::MemberShell, &what).await;
    let started = Instant::now();
    let (mut reader, writer) = channel.split();
    let mut shell = Shell {
        gateway: gateway.clone(),
        who: who.clone(),
        writer,
        pty: pty.is_some(),
        size: pty.unwrap_or((80, 24)),
        outcome: Outcome { reason: "exited", ..Outcome::default() },
    };
    let status = match command {
        Some(line) => match shell.line(&line, &mut reader).await {
            Flow::Done(true) | Flow::Quit => 0,
            Flow::Done(false) => 1,
            Flow::Ended(reason) => {
                shell.outcome.reason = reason;
                1
            }
        },
        None => {
            let reason = shell.session(&mut reader).await;
            shell.outcome.reason = reason;
            0
        }
    };
    shell.outcome.exit = Some(status);
    shell.outcome.seconds = started.elapsed().as_secs();
    let _ = shell.writer.exit_status(status).await;
    let _ = shell.writer.eof().await;
    let _ = shell.writer.close().await;
    audit_close(&gateway.pool, &who, &ssh_user, &SshTarget::MemberShell, &shell.outcome).await;
}

/// What a command left the session to do.
enum Flow {
    /// Go on; whether the command did what was asked.
    Done(bool),
    /// `quit`.
    Quit,
    /// The session ends (why, in a word).
    Ended(&'static str),
}

/// How input becomes commands.
enum Input {
    /// With a PTY: typed, echoed, edited.
    Typed(LineEditor),
    /// Without: lines of a script.
    Script(Lines),
}

struct Shell {
    gateway: Gateway,
    who: SshUser,
    writer: ChannelWriteHalf<Msg>,
    pty: bool,
    size: (u16, u16),
    outcome: Outcome,
}

impl Shell {
    /// Raw bytes to her terminal (or stdout).
    async fn raw(&mut self, bytes: Vec<u8>) -> bool {
        if bytes.is_empty() {
            return true;
        }
        self.outcome.bytes_out += bytes.len() as u64;
        self.writer.data_bytes(Bytes::from(bytes)).await.is_ok()
    }

    /// Text to stdout, each `\n` a `\r\n` on a PTY.
    async fn say(&mut self, text: &str) -> bool {
        let text = if self.pty { text.replace('\n', "\r\n") } else { text.to_owned() };
        self.raw(text.into_bytes()).await
    }

    /// `smp: <message>`: on a PTY to the screen, else to stderr.
    async fn complain(&mut self, message: &str) {
        if self.pty {
            self.say(&format!("smp: {message}\n")).await;
        } else {
            let line = format!("smp: {message}\n");
            self.outcome.bytes_out += line.len() as u64;
            let _ = self.writer.extended_data_bytes(1, Bytes::from(line)).await;
        }
    }

    /// The interactive or scripted session until quit, EOF, the client
    /// gone or her rights ended: why it ended, in a word.
    async fn session(&mut self, reader: &mut ChannelReadHalf) -> &'static str {
        let mut input = if self.pty { Input::Typed(LineEditor::new()) } else { Input::Script(Lines::default()) };
        if let Input::Typed(editor) = &input {
            let prompt = editor.prompt();
            self.say(BANNER).await;
            self.raw(prompt).await;
        }
        let mut rights = self.gateway.context.terminals.rights_changes();
        rights.mark_unchanged();
        let mut rights_open = true;
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RIGHTS_EVERY, RIGHTS_EVERY);
        loop {
            let message = tokio::select! {
                message = reader.wait() => message,
                changed = rights.changed(), if rights_open => {
                    rights_open = changed.is_ok();
                    if !self.rights_hold().await { return "rights_ended" }
                    continue;
                }
                _ = recheck.tick() => {
                    if !self.rights_hold().await { return "rights_ended" }
                    continue;
                }
            };
            match message {
                Some(ChannelMsg::Data { data }) => {
                    self.outcome.bytes_in += data.len() as u64;
                    if let Some(reason) = self.typed(&mut input, &data, reader).await {
                        return reason;
                    }
                }
                Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                    self.size = pty_size(col_width, row_height);
                }
                Some(ChannelMsg::Eof) => {
                    if let Input::Script(lines) = &mut input
                        && let Some(line) = lines.finish()
                        && let Some(reason) = self.script_line(line, reader).await
                    {
                        return reason;
                    }
                    return "eof";
                }
                Some(ChannelMsg::Close) | None => return "client_closed",
                Some(_) => {}
            }
        }
    }

    /// Whether her rights still hold (then her role as it is now, for Tab
    /// too); if not, says so. An error reads as yes, asked again later.
    async fn rights_hold(&mut self) -> bool {
        match use_cases::refreshed(&self.gateway.context, &self.gateway.pool, &self.who).await {
            Ok(Some(who)) => self.who = who,
            Ok(None) => {
                self.complain(RIGHTS_ENDED).await;
                return false;
            }
            Err(error) => tracing::warn!(%error, "the rights of an SSH member shell could not be checked"),
        }
        true
    }

    /// Feeds what she typed (or the script's bytes); `Some` when the session ends.
    async fn typed(&mut self, input: &mut Input, data: &[u8], reader: &mut ChannelReadHalf) -> Option<&'static str> {
        match input {
            Input::Script(lines) => {
                for line in lines.feed(data) {
                    if let Some(reason) = self.script_line(line, reader).await {
                        return Some(reason);
                    }
                }
                None
            }
            Input::Typed(editor) => {
                for byte in data {
                    let step = editor.key(*byte);
                    if !self.raw(step.echo).await {
                        return Some("client_closed");
                    }
                    match step.event {
                        None => {}
                        Some(Event::Quit) => return Some("quit"),
                        Some(Event::Tab { again }) => {
                            let names = match use_cases::objects(&self.gateway.pool, &self.who).await {
                                Ok(objects) => grammar::completion_names(&named(&objects)),
                                Err(_) => Vec::new(),
                            };
                            let completion = grammar::complete(editor.line(), &names);
                            let echo = editor.complete(&completion, again);
                            self.raw(echo).await;
                        }
                        Some(Event::Line(line)) => match self.line(&line, reader).await {
                            Flow::Done(_) => {
                                let prompt = editor.prompt();
                                self.raw(prompt).await;
                            }
                            Flow::Quit => return Some("quit"),
                            Flow::Ended(reason) => return Some(reason),
                        },
                    }
                }
                None
            }
        }
    }

    /// One line of a script.
    async fn script_line(&mut self, line: Result<String, ()>, reader: &mut ChannelReadHalf) -> Option<&'static str> {
        let Ok(line) = line else {
            self.complain(&format!("a line is at most {} bytes", editor::MAX_LINE)).await;
            return None;
        };
        match self.line(&line, reader).await {
            Flow::Done(_) => None,
            Flow::Quit => Some("quit"),
            Flow::Ended(reason) => Some(reason),
        }
    }

    /// Runs one line.
    async fn line(&mut self, line: &str, reader: &mut ChannelReadHalf) -> Flow {
        let command = match grammar::parse(line) {
            Ok(ShellCommand::Nothing) => return Flow::Done(true),
            Ok(ShellCommand::Quit) => return Flow::Quit,
            Ok(ShellCommand::Help) => {
                self.say(grammar::HELP).await;
                return Flow::Done(true);
            }
            Ok(command) => command,
            Err(message) => {
                self.complain(&message).await;
                return Flow::Done(false);
            }
        };
        // Her rights and role as they are now.
        match use_cases::refreshed(&self.gateway.context, &self.gateway.pool, &self.who).await {
            Ok(Some(who)) => self.who = who,
            Ok(None) => {
                self.complain(RIGHTS_ENDED).await;
                return Flow::Ended("rights_ended");
            }
            Err(error) => {
                self.complain(&format!("cannot check your rights now ({}); nothing was done", error.message)).await;
                return Flow::Done(false);
            }
        }
        let objects = match use_cases::objects(&self.gateway.pool, &self.who).await {
            Ok(objects) => objects,
            Err(error) => {
                self.complain(&error.message).await;
                return Flow::Done(false);
            }
        };
        let answered = self.command(command, &objects, reader).await;
        match answered {
            Ok(Answer::Text(text)) => {
                self.say(&text).await;
                Flow::Done(true)
            }
            Ok(Answer::Ended(reason)) => Flow::Ended(reason),
            Err(message) => {
                self.complain(&message).await;
                Flow::Done(false)
            }
        }
    }

    /// One command on `objects`: its answer, or the error line.
    async fn command(
        &mut self,
        command: ShellCommand,
        objects: &ShellObjects,
        reader: &mut ChannelReadHalf,
    ) -> Result<Answer, String> {
        let named = named(objects);
        let services = !objects.services.is_empty();
        let resolve = |name: Option<String>| -> Result<Named, String> {
            grammar::resolve(name.as_deref(), &named).cloned().map_err(|unresolved| unresolved.message(services))
        };
        let (context, pool, who) = (self.gateway.context.clone(), self.gateway.pool.clone(), self.who.clone());
        let refused = |error: AppError, object: &Named| -> String {
            // A use case refuses what she may not touch as missing: say it so.
            if error.code == ErrorCode::NotFound {
                Unresolved::Missing(object.label().to_owned()).message(services)
            } else {
                error.message.into_owned()
            }
        };
        let text = match command {
            ShellCommand::List => list(objects),
            ShellCommand::Status(None) if named.len() != 1 => self.brief_status(&named).await,
            ShellCommand::Status(name) => {
                let object = resolve(name)?;
                match &object {
                    Named::Container { id, .. } => {
                        let state = use_cases::container_state(context, &pool, &who, ContainerId(*id))
                            .await
                            .map_err(|error| refused(error, &object))?;
                        describe_container(object.label(), &state)
                    }
                    Named::Service { id, container, .. } => {
                        let state = use_cases::service_state(context, &pool, &who, ServiceId(*id))
                            .await
                            .map_err(|error| refused(error, &object))?;
                        let pid = state.main_pid.map(|pid| format!(", main pid {pid}")).unwrap_or_default();
                        let memory =
                            state.memory_bytes.map(|bytes| format!(", memory {}", human(bytes))).unwrap_or_default();
                        format!(
                            "{} (on {container}) is {} ({}){pid}{memory}\n",
                            object.label(),
                            state.active_state,
                            state.sub_state
                        )
                    }
                }
            }
            ShellCommand::Start(name) => self.lifecycle(resolve(name)?, Lifecycle::Start, &refused).await?,
            ShellCommand::Stop(name) => self.lifecycle(resolve(name)?, Lifecycle::Stop, &refused).await?,
            ShellCommand::Restart(name) => self.lifecycle(resolve(name)?, Lifecycle::Restart, &refused).await?,
            ShellCommand::Reset(name) => self.lifecycle(resolve(name)?, Lifecycle::Reset, &refused).await?,
            ShellCommand::Autostart { name, on } => {
                let object = resolve(name)?;
                let id = container_id(&object, "autostart")?;
                use_cases::set_autostart(context, &pool, &who, id, on)
                    .await
                    .map_err(|error| refused(error, &object))?;
                format!("{}: autostart {}\n", object.label(), if on { "on" } else { "off" })
            }
            ShellCommand::Console(name) => {
                let object = resolve(name)?;
                let id = container_id(&object, "console")?;
                if !self.pty {
                    return Err("console needs a terminal: ssh -t smp@… console NAME".to_owned());
                }
                return self.console(reader, id, object.label()).await;
            }
            ShellCommand::Snapshots(name) => {
                let object = resolve(name)?;
                let id = container_id(&object, "snapshots")?;
                let listed =
                    use_cases::snapshots(context, &pool, &who, id).await.map_err(|error| refused(error, &object))?;
                describe_snapshots(object.label(), &listed)
            }
            ShellCommand::Snapshot { name, snapshot } => {
                let object = resolve(name)?;
                let id = container_id(&object, "snapshot")?;
                let taken = use_cases::take_snapshot(context, &pool, &who, id, snapshot)
                    .await
                    .map_err(|error| refused(error, &object))?;
                format!("{}: snapshot {} taken at {}\n", object.label(), taken.name, when(taken.created_at))
            }
            ShellCommand::Restore { name, snapshot, confirmed } => {
                let typed = name.clone();
                let object = resolve(name)?;
                let id = container_id(&object, "restore")?;
                let label = object.label();
                if !confirmed {
                    // What the web's confirmation step says, and the line that does it.
                    let listed = use_cases::snapshots(context, &pool, &who, id)
                        .await
                        .map_err(|error| refused(error, &object))?;
                    let row = listed.items.iter().find(|row| row.taken && row.name == snapshot);
                    let row = row.ok_or_else(|| no_snapshot(&object, &snapshot))?;
                    let again: Vec<&str> =
                        typed.as_deref().into_iter().chain([snapshot.as_str(), grammar::CONFIRM]).collect();
                    return Err(format!(
                        "restoring {label} to {snapshot} puts it back as it was at {}: everything that changed in it since is lost, and if it runs it is stopped and started again; to go on: restore {}",
                        when(row.created_at),
                        again.join(" ")
                    ));
                }
                let row = use_cases::restore_snapshot(context, &pool, &who, id, snapshot.clone())
                    .await
                    .map_err(|error| snapshot_refused(error, &object, &snapshot))?;
                format!("{label}: back to {} (taken at {})\n", row.name, when(row.created_at))
            }
            ShellCommand::DeleteSnapshot { name, snapshot } => {
                let object = resolve(name)?;
                let id = container_id(&object, "delete-snapshot")?;
                use_cases::delete_snapshot(context, &pool, &who, id, snapshot.clone())
                    .await
                    .map_err(|error| snapshot_refused(error, &object, &snapshot))?;
                format!("{}: snapshot {snapshot} deleted\n", object.label())
            }
            ShellCommand::Nothing | ShellCommand::Help | ShellCommand::Quit => String::new(),
        };
        Ok(Answer::Text(text))
    }

    /// Start, stop, restart or reset a container, or start, stop or restart a service.
    async fn lifecycle(
        &mut self,
        object: Named,
        lifecycle: Lifecycle,
        refused: &impl Fn(AppError, &Named) -> String,
    ) -> Result<String, String> {
        let (context, pool, who) = (self.gateway.context.clone(), &self.gateway.pool, &self.who);
        let (done, what) = match lifecycle {
            Lifecycle::Start => ("started", "start"),
            Lifecycle::Stop => ("stopped", "stop"),
            Lifecycle::Restart => ("restarted", "restart"),
            Lifecycle::Reset => ("reset", "reset"),
        };
        match &object {
            Named::Container { id, .. } => {
                let answer = use_cases::container_lifecycle(context, pool, who, ContainerId(*id), lifecycle)
                    .await
                    .map_err(|error| refused(error, &object))?;
                Ok(format!(
                    "{}: {done} in {:.1} s, {}\n",
                    object.label(),
                    answer.duration_ms as f64 / 1000.0,
                    answer.status.as_str()
                ))
            }
            Named::Service { id, .. } => {
                let action = match lifecycle {
                    Lifecycle::Start => ServiceLifecycle::Start,
                    Lifecycle::Stop => ServiceLifecycle::Stop,
                    Lifecycle::Restart => ServiceLifecycle::Restart,
                    Lifecycle::Reset => return Err(containers_only(what, &object)),
                };
                let answer = use_cases::service_lifecycle(context, pool, who, ServiceId(*id), action)
                    .await
                    .map_err(|error| refused(error, &object))?;
                let state = format!("{} ({})", answer.state.active_state, answer.state.sub_state);
                if answer.exit_code == 0 {
                    Ok(format!("{}: {done}, {state}\n", object.label()))
                } else {
                    let why = answer.message.lines().next().unwrap_or("").trim().to_owned();
                    Err(format!("{}: {what} failed ({why}); it is {state}", object.label()))
                }
            }
        }
    }

    /// `status` without a NAME: one line for each of hers (the first few).
    async fn brief_status(&mut self, named: &[Named]) -> String {
        if named.is_empty() {
            return "you have no containers\n".to_owned();
        }
        let mut text = String::new();
        for object in named.iter().take(MAX_BRIEF_STATUS) {
            let (context, pool, who) = (self.gateway.context.clone(), &self.gateway.pool, &self.who);
            let line = match object {
                Named::Container { id, name, machine } => {
                    match use_cases::container_state(context, pool, who, ContainerId(*id)).await {
                        Ok(state) => {
                            let pid = state.pid.map(|pid| format!(", pid {pid}")).unwrap_or_default();
                            format!("{name}.{machine}: {}{pid}", state.status.as_str())
                        }
                        Err(error) => format!("{name}.{machine}: {}", error.message),
                    }
                }
                Named::Service { id, container, .. } => {
                    match use_cases::service_state(context, pool, who, ServiceId(*id)).await {
                        Ok(state) => {
                            format!("{container}/{}: {} ({})", object.label(), state.active_state, state.sub_state)
                        }
                        Err(error) => format!("{container}/{}: {}", object.label(), error.message),
                    }
                }
            };
            text.push_str(&line);
            text.push('\n');
        }
        if named.len() > MAX_BRIEF_STATUS {
            text.push_str(&format!("… and {} more; status NAME for one\n", named.len() - MAX_BRIEF_STATUS));
        }
        text
    }

    /// The container's console until she detaches (Ctrl-]), it ends, or she goes.
    async fn console(&mut self, reader: &mut ChannelReadHalf, id: ContainerId, label: &str) -> Result<Answer, String> {
        let (cols, rows) = self.size;
        let mut attachment =
            use_cases::open_console(self.gateway.context.clone(), &self.gateway.pool, &self.who, id, cols, rows)
                .await
                .map_err(|(_, message)| message)?;
        self.say(&format!("The console of {label}; Ctrl-] detaches.\n")).await;
        let mut typing: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> = None;
        let ended = loop {
            tokio::select! {
                () = async { if let Some(typed) = typing.as_mut() { typed.await } }, if typing.is_some() => typing = None,
                message = reader.wait(), if typing.is_none() => match message {
                    Some(ChannelMsg::Data { data }) => {
                        self.outcome.bytes_in += data.len() as u64;
                        match data.iter().position(|byte| *byte == DETACH) {
                            Some(at) => {
                                if at > 0 {
                                    attachment.input(data.slice(..at)).await;
                                }
                                break Ending::Detached;
                            }
                            None => typing = Some(Box::pin(attachment.input(data))),
                        }
                    }
                    Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                        self.size = pty_size(col_width, row_height);
                        let (cols, rows) = (u32::from(self.size.0), u32::from(self.size.1));
                        attachment.control(TerminalControl::Resize { cols, rows }).await;
                    }
                    Some(ChannelMsg::Close | ChannelMsg::Eof) | None => break Ending::Gone,
                    Some(_) => {}
                },
                outbound = attachment.next() => match outbound {
                    Ok(Outbound::Output(bytes)) => {
                        if !self.raw(bytes.to_vec()).await {
                            break Ending::Gone;
                        }
                    }
                    Ok(Outbound::Control(_)) => {}
                    Err(reason) => break Ending::Closed(reason),
                },
            }
        };
        // Her private console ends with it, as her SSH shells do.
        if let Some(hub) = self.gateway.context.terminals.get(&attachment.session) {
            drop(attachment);
            hub.end(CloseReason::Ended).await;
        }
        match ended {
            Ending::Detached => Ok(Answer::Text(format!("\nDetached from the console of {label}.\n"))),
            Ending::Closed(CloseReason::RightsEnded) => {
                self.complain(RIGHTS_ENDED).await;
                Ok(Answer::Ended("rights_ended"))
            }
            Ending::Closed(reason) => {
                Ok(Answer::Text(format!("\nThe console of {label} ended: {}.\n", reason.message())))
            }
            Ending::Gone => Ok(Answer::Ended("client_closed")),
        }
    }
}

/// How a console ended.
enum Ending {
    Detached,
    Closed(CloseReason),
    Gone,
}

/// A command's answer.
enum Answer {
    Text(String),
    /// The session ends (why, in a word).
    Ended(&'static str),
}

/// What NAMEs name among `objects`.
fn named(objects: &ShellObjects) -> Vec<Named> {
    let containers = objects.containers.iter().map(|container| Named::Container {
        id: container.id,
        name: container.name.clone(),
        machine: container.machine.clone(),
    });
    let services = objects.services.iter().map(|service| Named::Service {
        id: service.id,
        unit: service.unit.clone(),
        container: service.container.clone(),
    });
    containers.chain(services).collect()
}

/// The refusal of a container-only command on a service.
fn containers_only(command: &str, object: &Named) -> String {
    format!("{command} works on containers only; {} is a service (start, stop, restart or status it)", object.label())
}

/// The container `object` names, or the refusal of `command` on a service.
fn container_id(object: &Named, command: &str) -> Result<ContainerId, String> {
    match object {
        Named::Container { id, .. } => Ok(ContainerId(*id)),
        Named::Service { .. } => Err(containers_only(command, object)),
    }
}

fn no_snapshot(object: &Named, snapshot: &str) -> String {
    format!("{} has no snapshot named {}; snapshots {} lists them", object.label(), shorten(snapshot), object.label())
}

/// A restore's or a delete's refusal: the container was hers a moment
/// ago, so a 404 is about the snapshot.
fn snapshot_refused(error: AppError, object: &Named, snapshot: &str) -> String {
    if error.code == ErrorCode::NotFound { no_snapshot(object, snapshot) } else { error.message.into_owned() }
}

/// `snapshots NAME`: her container's snapshots, oldest first, and its schedule.
fn describe_snapshots(label: &str, listed: &Snapshots) -> String {
    let mut text = String::new();
    if !listed.fresh {
        text.push_str(&format!("({label}'s machine does not answer: the snapshots as last seen)\n"));
    }
    if listed.items.is_empty() {
        text.push_str(&format!("{label} has no snapshots yet; snapshot {label} SNAP takes one\n"));
    } else {
        let rows: Vec<[String; 4]> = listed
            .items
            .iter()
            .map(|row| {
                let size =
                    row.size_bytes.and_then(|bytes| u64::try_from(bytes).ok()).map_or_else(|| "-".to_owned(), human);
                let by = if !row.taken {
                    "(being taken)".to_owned()
                } else if row.scheduled {
                    "schedule".to_owned()
                } else {
                    row.owner.clone().unwrap_or_else(|| "-".to_owned())
                };
                [row.name.clone(), when(row.created_at), size, by]
            })
            .collect();
        text.push_str(&columns(["SNAPSHOT", "TAKEN", "SIZE", "BY"], &rows));
    }
    match &listed.schedule {
        Some(schedule) => {
            text.push_str(&format!("schedule: {}, keeping {}\n", schedule.period.as_str(), schedule.keep))
        }
        None => text.push_str("schedule: none (set one on its page)\n"),
    }
    text
}

/// `list`: her containers, then her services, as columns.
fn list(objects: &ShellObjects) -> String {
    if objects.containers.is_empty() && objects.services.is_empty() {
        return "You have no containers.\n".to_owned();
    }
    let mut text = String::new();
    if !objects.containers.is_empty() {
        let rows: Vec<[String; 4]> = objects
            .containers
            .iter()
            .map(|container| {
                let addresses: Vec<String> = serde_json::from_str(&container.addresses).unwrap_or_default();
                let address = addresses.into_iter().next().unwrap_or_else(|| "-".to_owned());
                [container.name.clone(), container.machine.clone(), container.status.clone(), address]
            })
            .collect();
        text.push_str(&columns(["CONTAINER", "MACHINE", "STATUS", "ADDRESS"], &rows));
    }
    if !objects.services.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        let rows: Vec<[String; 4]> = objects
            .services
            .iter()
            .map(|service| {
                let unit = service.unit.strip_suffix(".service").unwrap_or(&service.unit).to_owned();
                [unit, service.container.clone(), service.machine.clone(), service.status.clone()]
            })
            .collect();
        text.push_str(&columns(["SERVICE", "CONTAINER", "MACHINE", "STATUS"], &rows));
    }
    text
}

/// A header and rows, padded to columns.
fn columns(header: [&str; 4], rows: &[[String; 4]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut text = line(header);
    for row in rows {
        text.push_str(&line([&row[0], &row[1], &row[2], &row[3]]));
    }
    text
}

/// `c1 is running, pid 1234, 5 processes, memory 12.3 MiB, addresses 10.0.0.5`.
fn describe_container(label: &str, state: &ContainerState) -> String {
    let mut text = format!("{label} is {}", state.status.as_str());
    if let Some(pid) = state.pid {
        text.push_str(&format!(", pid {pid}, {} processes", state.processes));
    }
    if state.memory.usage_bytes > 0 {
        text.push_str(&format!(", memory {}", human(state.memory.usage_bytes.unsigned_abs())));
    }
    let addresses: Vec<&str> = state
        .network
        .iter()
        .filter(|interface| interface.name != "lo")
        .flat_map(|interface| interface.addresses.iter())
        .filter(|address| address.scope == "global")
        .map(|address| address.address.as_str())
        .collect();
    if !addresses.is_empty() {
        text.push_str(&format!(", addresses {}", addresses.join(" ")));
    }
    text.push('\n');
    text
}

/// Bytes as `12.3 MiB`.
fn human(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", units[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them_and_columns_line_up() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(12 * 1024 * 1024 + 300 * 1024), "12.3 MiB");
        let rows = [["c1".to_owned(), "m1".to_owned(), "running".to_owned(), "10.0.0.5".to_owned()]];
        assert_eq!(
            columns(["CONTAINER", "MACHINE", "STATUS", "ADDRESS"], &rows),
            "CONTAINER  MACHINE  STATUS   ADDRESS\nc1         m1       running  10.0.0.5\n"
        );
    }
}
