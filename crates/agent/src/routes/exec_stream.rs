//! `GET /container/<id>/exec-stream?command=<JSON argv>[&user=UID][&cwd=…]`
//! (`exec.stream`): a command without a PTY over a WebSocket, its stdin,
//! stdout and stderr kept apart and binary-safe, stdin closable: what an
//! SSH gateway needs for `ssh host CMD`, `scp`, `rsync` and `sftp`.
//!
//! Everything is checked before the upgrade (the token, whose `bh` must
//! bind the query, by `Authorized`; the session limits; the query) and the
//! command is started before it too, so a refusal is a plain JSON error.
//!
//! Frames from the client: binary = bytes for stdin; text = control JSON,
//! `{"type":"eof"}` (stdin ends: the command reads EOF) and
//! `{"type":"signal","signal":N}` (to the command). Anything else, or
//! data after `eof`, closes with 1008. Frames to the client: binary, the
//! first byte the stream (1 stdout, 2 stderr), the rest its bytes; then,
//! once the command has exited and all its output is sent,
//! `{"type":"exit","code":N}` and a 1000 close. When the client goes
//! first (or the idle timeout or the lifetime is reached) the command gets
//! SIGHUP, then SIGKILL, and the LXD operation is ended.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessageStream, CloseCode, Session};
use smp_proto::ErrorCode;
use smp_proto::api::{ExecStreamQuery, StreamControl, TerminalEvent};

use super::bridge::{Activity, ClientFrame, Gone, Outcome, next_client_frame, reason, send_frames, supervise, upgrade};
use super::terminal::{Limits, query};
use crate::auth::Authorized;
use crate::error::AgentError;
use crate::lxd::{ExecEnd, ExecInput, ExecOutput, ExecStream, LxdClient};
use crate::startup::AgentState;

/// `exec.stream`: starts the command, then upgrades.
pub async fn exec_stream(
    mut auth: Authorized,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AgentState>,
) -> Result<HttpResponse, AgentError> {
    let query: ExecStreamQuery = query(&request)?;
    let invalid = |message: String| AgentError::new(ErrorCode::InvalidRequest, message);
    let argv = query.argv().map_err(invalid)?;
    let cwd = query.cwd().map_err(invalid)?;
    let name = auth.container()?.clone();
    let stream = state.lxd.open_exec_stream(&name, &argv, query.user, cwd).await?;
    let limits = Limits::of(&state);
    let (lxd, lxd_cleanup) = (state.lxd.clone(), state.lxd.clone());
    upgrade(
        &request,
        payload,
        limits,
        auth.take_session(),
        stream,
        move |stream, client, messages| bridge(lxd, stream, client, messages, limits),
        move |stream| async move { lxd_cleanup.end_exec_stream(stream).await },
    )
}

async fn bridge(
    lxd: LxdClient,
    mut stream: ExecStream,
    client: Session,
    mut messages: AggregatedMessageStream,
    limits: Limits,
) {
    let activity = Activity::new();
    let mut pinger = client.clone();
    let outcome = {
        let ExecStream { input, output, operation } = &mut stream;
        let lifetime_end = tokio::time::Instant::now() + limits.lifetime;
        let input = pump_input(&mut messages, input, client.clone(), &activity);
        // The output first, then the operation: LXD finishes it only once
        // the command has exited and both streams have ended.
        let work = async {
            pump_output(output, client.clone(), &activity, limits.frame).await?;
            Ok(lxd.exec_stream_end(operation, lifetime_end).await)
        };
        supervise(input, work, &mut pinger, &activity, limits).await
    };
    let mut client = client;
    match outcome {
        Outcome::Done(Ok(ExecEnd::Exited(code))) => {
            let exit = serde_json::to_string(&TerminalEvent::Exit { code }).unwrap_or_default();
            let _ = client.text(exit).await;
            let _ = client.close(Some(CloseCode::Normal.into())).await;
        }
        Outcome::Done(Ok(ExecEnd::Failed(why))) => {
            tracing::info!(%why, "exec stream: LXD reports no exit code");
            let _ = client.close(Some(reason(CloseCode::Error, &format!("the command did not run: {why}")))).await;
        }
        Outcome::Done(Err(error)) => {
            tracing::warn!(%error, "exec stream: no end from LXD");
            let _ = client.close(Some(reason(CloseCode::Error, "LXD did not report the command's end"))).await;
        }
        Outcome::Client(why) => {
            let _ = client.close(why).await;
        }
    }
    // Nothing left running: a no-op once LXD has finished the operation.
    lxd.end_exec_stream(stream).await;
}

/// The client's frames to the command, until the client goes (`None`) or
/// must be closed (the reason).
async fn pump_input(
    messages: &mut AggregatedMessageStream,
    input: &mut ExecInput,
    mut client: Session,
    activity: &Activity,
) -> Option<actix_ws::CloseReason> {
    loop {
        match next_client_frame(messages, &mut client).await {
            Ok(ClientFrame::Data(bytes)) => {
                activity.touch();
                if input.stdin_ended() {
                    return Some(reason(CloseCode::Policy, "data after eof: stdin has ended"));
                }
                // The send waits while the command does not read (a full
                // pipe holds its writer back); an error means LXD no
                // longer takes stdin (the command exited), and the rest
                // of the input is dropped.
                if !bytes.is_empty() && input.write(bytes).await.is_err() {
                    tracing::debug!("exec stream: stdin no longer read");
                }
            }
            Ok(ClientFrame::Control(StreamControl::Eof)) => {
                activity.touch();
                input.end_stdin().await;
            }
            Ok(ClientFrame::Control(StreamControl::Signal { signal })) => {
                activity.touch();
                if let Err(error) = input.signal(signal).await {
                    tracing::info!(%error, "exec stream: signal not delivered");
                }
            }
            Err(closed) => return closed,
        }
    }
}

/// The command's output to the client, each frame led by its stream's
/// number, until both streams have ended.
async fn pump_output(
    output: &mut ExecOutput,
    mut client: Session,
    activity: &Activity,
    frame: usize,
) -> Result<(), Gone> {
    while let Some((stream, bytes)) = output.next().await {
        activity.touch();
        send_frames(&mut client, Some(stream), &bytes, frame).await?;
    }
    Ok(())
}
