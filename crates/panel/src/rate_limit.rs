//! `RateLimiter`: the login route's limit per client IP address (5
//! attempts at once, then one more every 12 s), on the `governor` crate.
//! Kept in memory: a restart forgets it, and each panel instance counts on
//! its own.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};

/// Clients remembered before idle ones are forgotten.
const PRUNE_ABOVE: usize = 100_000;

#[derive(Debug)]
pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimiter {
    /// `burst` attempts at once, then one more every `refill_every`.
    pub fn new(burst: NonZeroU32, refill_every: Duration) -> RateLimiter {
        let quota = Quota::with_period(refill_every).unwrap_or_else(|| Quota::per_second(burst)).allow_burst(burst);
        RateLimiter { limiter: DefaultKeyedRateLimiter::keyed(quota) }
    }

    /// The login limit: burst 5, one more every 12 seconds.
    pub fn for_login() -> RateLimiter {
        RateLimiter::new(NonZeroU32::MIN.saturating_add(4), Duration::from_secs(12))
    }

    /// Takes one attempt from `client`'s allowance; false when it is used up.
    pub fn allow(&self, client: IpAddr) -> bool {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_while_others_are_unaffected() {
        let limiter = RateLimiter::new(NonZeroU32::new(3).unwrap(), Duration::from_secs(3600));
        let (one, two): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert!((0..3).all(|_| limiter.allow(one)));
        assert!(!limiter.allow(one));
        assert!(limiter.allow(two));
    }

    #[test]
    fn the_login_limit_allows_five_attempts_at_once() {
        let limiter = RateLimiter::for_login();
        let client: IpAddr = "192.0.2.9".parse().unwrap();
        assert_eq!((0..10).filter(|_| limiter.allow(client)).count(), 5);
    }
}
