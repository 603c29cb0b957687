//! `SessionLimits`: how many execs, state reads and interactive sessions
//! (terminal, console, exec stream, tunnel) run at once, on the whole
//! agent and per container. A request over either limit is refused at
//! once with 429 `limit_reached`, never queued, so a flood cannot pile
//! work up in front of LXD.
//!
//! Two counting semaphores under one lock: the agent's count and a count
//! per container name. A container's entry exists only while it has a
//! session, so the map never holds more than `max_sessions` names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use smp_proto::{Action, ErrorCode, Rejection};

/// Whether requests of `action` hold a session permit while they run: the
/// routes whose work lasts (an exec runs up to 600 s; a state read is
/// LXD's most expensive call; every interactive route holds its permit
/// for the WebSocket's whole life).
pub fn takes_a_session(action: Action) -> bool {
    matches!(action, Action::Exec | Action::State) || action.is_interactive()
}

/// The agent's session limits (`max_sessions`, `max_sessions_per_container`).
#[derive(Debug, Clone)]
pub struct SessionLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    max_total: usize,
    max_per_container: usize,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_container: HashMap<String, usize>,
}

/// One running session: it holds a place in the agent's count and in its
/// container's until dropped (when the handler has finished).
#[derive(Debug)]
pub struct SessionPermit {
    inner: Arc<Inner>,
    container: String,
}

impl SessionLimits {
    pub fn new(max_total: usize, max_per_container: usize) -> Self {
        SessionLimits { inner: Arc::new(Inner { max_total, max_per_container, counts: Mutex::default() }) }
    }

    /// Takes one place on the agent and one in `container`, or refuses at
    /// once with `limit_reached` when either is full.
    pub fn try_acquire(&self, container: &str) -> Result<SessionPermit, Rejection> {
        // A poisoned lock only means a thread panicked between two integer
        // updates of this short section; the counts stay usable.
        let mut counts = self.inner.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.inner.max_total {
            return Err(Rejection::new(
                ErrorCode::LimitReached,
                format!(
                    "this agent runs {} execs, state reads and interactive sessions at once already (max_sessions); retry shortly",
                    self.inner.max_total
                ),
            ));
        }
        let in_container = counts.per_container.get(container).copied().unwrap_or(0);
        if in_container >= self.inner.max_per_container {
            return Err(Rejection::new(
                ErrorCode::LimitReached,
                format!(
                    "this container has {} execs, state reads and interactive sessions open already (max_sessions_per_container); retry when one has ended",
                    self.inner.max_per_container
                ),
            ));
        }
        counts.total += 1;
        counts.per_container.insert(container.to_owned(), in_container + 1);
        Ok(SessionPermit { inner: Arc::clone(&self.inner), container: container.to_owned() })
    }

    /// Sessions running now on the whole agent, and the number of
    /// containers that have one (for tests).
    pub fn in_use(&self) -> (usize, usize) {
        let counts = self.inner.counts.lock().unwrap_or_else(PoisonError::into_inner);
        (counts.total, counts.per_container.len())
    }
}

impl Drop for SessionPermit {
    fn drop(&mut self) {
        let mut counts = self.inner.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(count) = counts.per_container.get_mut(&self.container) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.per_container.remove(&self.container);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_full_of_sessions_refuses_the_next_at_once_and_others_still_get_theirs() {
        let limits = SessionLimits::new(10, 2);
        let first = limits.try_acquire("c1").unwrap();
        let _second = limits.try_acquire("c1").unwrap();
        assert_eq!(limits.try_acquire("c1").unwrap_err().code, ErrorCode::LimitReached);
        let _other = limits.try_acquire("c2").unwrap();
        drop(first);
        assert!(limits.try_acquire("c1").is_ok(), "a place freed is free again");
    }

    #[test]
    fn the_agent_limit_holds_across_containers() {
        let limits = SessionLimits::new(2, 8);
        let _a = limits.try_acquire("c1").unwrap();
        let _b = limits.try_acquire("c2").unwrap();
        let refused = limits.try_acquire("c3").unwrap_err();
        assert_eq!(refused.code, ErrorCode::LimitReached);
        assert!(refused.message.contains("max_sessions"), "{}", refused.message);
    }

    #[test]
    fn idle_containers_leave_the_map_so_it_never_outgrows_the_agent_limit() {
        let limits = SessionLimits::new(4, 2);
        for round in 0..1000 {
            let permits: Vec<SessionPermit> =
                (0..4).map(|index| limits.try_acquire(&format!("c{round}-{index}")).unwrap()).collect();
            assert_eq!(limits.in_use(), (4, 4));
            drop(permits);
            assert_eq!(limits.in_use(), (0, 0), "round {round}");
        }
    }

    #[test]
    fn exec_and_state_take_a_session_and_quick_actions_do_not() {
        assert!(takes_a_session(Action::Exec) && takes_a_session(Action::State));
        assert!(takes_a_session(Action::Terminal) && takes_a_session(Action::Console));
        assert!(takes_a_session(Action::ExecStream) && takes_a_session(Action::Tunnel));
        for action in [Action::List, Action::Restart, Action::Create, Action::Logs, Action::Events] {
            assert!(!takes_a_session(action), "{action}");
        }
    }
}
