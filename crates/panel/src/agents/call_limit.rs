//! `CallLimiter`: how many agent calls one user may have in flight at once
//! (`max_agent_calls_per_user`). One more is refused at once with 429
//! `limit_reached`, never queued, so no member can hold every agent busy
//! (an exec may run for minutes) or pile up work behind the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The calls in flight per user id; a user without any has no entry, so the
/// map never holds more users than have calls running.
type InFlight = Arc<Mutex<HashMap<i64, usize>>>;

#[derive(Debug)]
pub struct CallLimiter {
    per_user: usize,
    in_flight: InFlight,
}

/// One call of one user; dropping it gives the slot back.
#[derive(Debug)]
pub struct CallPermit {
    user: i64,
    in_flight: InFlight,
}

impl CallLimiter {
    pub fn new(per_user: usize) -> CallLimiter {
        CallLimiter { per_user, in_flight: InFlight::default() }
    }

    /// A slot for one more call of `user`, or `None` when all of hers are taken.
    pub fn try_acquire(&self, user: i64) -> Option<CallPermit> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        let count = in_flight.entry(user).or_insert(0);
        if *count >= self.per_user {
            if *count == 0 {
                in_flight.remove(&user);
            }
            return None;
        }
        *count += 1;
        Some(CallPermit { user, in_flight: Arc::clone(&self.in_flight) })
    }

    /// How many users have calls in flight (for tests).
    pub fn users_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

impl Drop for CallPermit {
    fn drop(&mut self) {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_flight.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_her_slots_then_none_while_others_are_unaffected() {
        let limiter = CallLimiter::new(2);
        let first = limiter.try_acquire(1).unwrap();
        let _second = limiter.try_acquire(1).unwrap();
        assert!(limiter.try_acquire(1).is_none(), "a third call of the same user is refused");
        assert!(limiter.try_acquire(2).is_some(), "another user is not affected");
        drop(first);
        assert!(limiter.try_acquire(1).is_some(), "a finished call gives its slot back");
    }

    #[test]
    fn users_without_calls_in_flight_leave_no_entry_behind() {
        let limiter = CallLimiter::new(1);
        for user in 0..1000 {
            drop(limiter.try_acquire(user));
        }
        assert_eq!(limiter.users_in_flight(), 0);
        let zero = CallLimiter::new(0);
        assert!(zero.try_acquire(7).is_none());
        assert_eq!(zero.users_in_flight(), 0);
    }
}
