//! `ReplayGuard`: remembers each token id (`jti`) or request nonce until it
//! can no longer be valid, so each is accepted once. Bounded in memory.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;

use smp_proto::{ErrorCode, Rejection};

/// Remembers ids until their `forget_at`; refuses new ones when full rather
/// than forgetting an id that could still be replayed.
pub struct ReplayGuard {
    capacity: usize,
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    until: HashMap<String, i64>,
    expiry: BinaryHeap<Reverse<(i64, String)>>,
}

impl ReplayGuard {
    pub fn new(capacity: usize) -> Self {
        ReplayGuard { capacity, inner: Mutex::new(Seen::default()) }
    }

    /// Marks `id` as used until `forget_at`; refuses it if it was used before.
    /// Check and insert are one step under the lock, so of many concurrent
    /// requests with the same id exactly one succeeds.
    pub fn consume(&self, id: &str, forget_at: i64, now: i64, replayed: ErrorCode) -> Result<(), Rejection> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still sound.
        let mut seen = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some(Reverse((at, _))) = seen.expiry.peek() {
            if *at >= now {
                break;
            }
            if let Some(Reverse((_, old))) = seen.expiry.pop() {
                seen.until.remove(&old);
            }
        }
        if seen.until.contains_key(id) {
            return Err(Rejection::new(replayed, "this token or nonce was already used; mint a new one"));
        }
        if seen.until.len() >= self.capacity {
            return Err(Rejection::new(
                ErrorCode::Busy,
                "too many tokens in flight on this agent; retry in a few seconds",
            ));
        }
        seen.until.insert(id.to_owned(), forget_at);
        seen.expiry.push(Reverse((forget_at, id.to_owned())));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).until.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLAYED: ErrorCode = ErrorCode::TokenReplayed;

    #[test]
    fn an_id_is_accepted_once_and_refused_after() {
        let guard = ReplayGuard::new(10);
        assert!(guard.consume("a", 100, 50, REPLAYED).is_ok());
        assert_eq!(guard.consume("a", 100, 51, REPLAYED).unwrap_err().code, ErrorCode::TokenReplayed);
    }

    #[test]
    fn an_id_is_remembered_until_forget_at_and_then_forgotten() {
        let guard = ReplayGuard::new(10);
        guard.consume("a", 100, 50, REPLAYED).unwrap();
        assert!(guard.consume("a", 100, 100, REPLAYED).is_err(), "still remembered at forget_at");
        guard.consume("b", 200, 101, REPLAYED).unwrap();
        assert_eq!(guard.len(), 1, "a was pruned once its time passed");
    }

    #[test]
    fn a_full_guard_refuses_new_ids_instead_of_forgetting_live_ones() {
        let guard = ReplayGuard::new(2);
        guard.consume("a", 100, 0, REPLAYED).unwrap();
        guard.consume("b", 100, 0, REPLAYED).unwrap();
        assert_eq!(guard.consume("c", 100, 0, REPLAYED).unwrap_err().code, ErrorCode::Busy);
        assert!(guard.consume("a", 100, 0, REPLAYED).is_err());
        assert!(guard.consume("c", 300, 101, REPLAYED).is_ok(), "room again once a and b expired");
    }

    #[test]
    fn a_nonce_stamped_ahead_of_the_clock_is_remembered_until_its_timestamp_leaves_the_window() {
        let guard = ReplayGuard::new(10);
        let arrival = 1_000;
        let timestamp = arrival + 28; // accepted: within ±30 s
        let until = smp_proto::signature::nonce_remembered_until(timestamp);
        guard.consume("nonce", until, arrival, REPLAYED).unwrap();
        // 37 s later the timestamp is only 9 s in the past: still acceptable, so still refused.
        assert!(guard.consume("nonce", until, arrival + 37, REPLAYED).is_err());
        assert!(guard.consume("nonce", until, timestamp + 30, REPLAYED).is_err());
    }

    #[test]
    fn concurrent_consumers_of_one_id_succeed_exactly_once() {
        let guard = std::sync::Arc::new(ReplayGuard::new(100));
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let guard = guard.clone();
                std::thread::spawn(move || guard.consume("same", 100, 0, REPLAYED).is_ok())
            })
            .collect();
        let accepted = handles.into_iter().map(|handle| handle.join().unwrap_or(false)).filter(|ok| *ok).count();
        assert_eq!(accepted, 1);
    }
}
