//! What `smp-agent serve` tells systemd (`Type=notify` units, deploy/smp-agent.service):
//! READY=1 once it answers, STOPPING=1 when a stop begins. Without
//! NOTIFY_SOCKET (not under systemd, tests) each call does nothing.

use sd_notify::NotifyState;

/// READY=1: the listener is bound, so `systemctl start` may return.
pub fn ready() {
    send(NotifyState::Ready, "ready");
}

/// STOPPING=1: the service is shutting down.
pub fn stopping() {
    send(NotifyState::Stopping, "stopping");
}

fn send(state: NotifyState<'_>, what: &str) {
    if let Err(error) = sd_notify::notify(&[state]) {
        tracing::warn!(%error, "could not tell systemd the service is {what}");
    }
}

/// Sends STOPPING=1 at the first SIGTERM or SIGINT; the server's own signal
/// handlers stop it. Abort the task once the server has stopped.
pub fn stopping_on_signal() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut terminate), Ok(mut interrupt)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
        else {
            return;
        };
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        stopping();
    })
}
