//! `RateLimiter`: a token bucket per client IP address, for the login route
//! (5 attempts at once, then one more every 12 s). Kept in memory: a restart
//! forgets it, and each panel instance counts on its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept at most; when full, the idle (full) ones are dropped.
const MAX_CLIENTS: usize = 100_000;

#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    refill_every: Duration,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(burst: u32, refill_every: Duration) -> RateLimiter {
        RateLimiter { burst: f64::from(burst), refill_every, buckets: Mutex::new(HashMap::new()) }
    }

    /// The login limit: burst 5, one more every 12 seconds.
    pub fn for_login() -> RateLimiter {
        RateLimiter::new(5, Duration::from_secs(12))
    }

    /// Takes one attempt from `client`'s bucket; false when it is empty.
    pub fn allow(&self, client: IpAddr) -> bool {
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(buckets) => buckets,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_CLIENTS {
            let (burst, refill) = (self.burst, self.refill_every.as_secs_f64());
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() / refill < burst);
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        let refilled =
            (*tokens + now.duration_since(*at).as_secs_f64() / self.refill_every.as_secs_f64()).min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            true
        } else {
            *tokens = refilled;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_while_others_are_unaffected() {
        let limiter = RateLimiter::new(3, Duration::from_secs(3600));
        let (one, two): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert!((0..3).all(|_| limiter.allow(one)));
        assert!(!limiter.allow(one));
        assert!(limiter.allow(two));
    }
}
