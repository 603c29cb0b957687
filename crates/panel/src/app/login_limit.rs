//! `RateLimiter`, a limit per key on the `governor` crate, and
//! `LoginLimiter`: the login's limit per client address (an IPv6 address
//! counted by its /64, see `domain::address::limit_key`) **and** per username
//! (case-folded), 5 attempts at once, then one more every 12 s, each.
//! The login page, `POST /api/v1/login` and the sign-up form (by address
//! only) share one `LoginLimiter`. Kept in memory: a restart forgets it,
//! and each panel instance counts on its own.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};

use crate::domain::address::limit_key;

/// Keys remembered before the idle ones (whose allowance is full again) are forgotten.
const PRUNE_ABOVE: usize = 100_000;
/// Keys remembered at most: while more are busy at once, an attempt under
/// a new key is refused, so that no flood of keys can exhaust memory.
const REFUSE_ABOVE: usize = 2 * PRUNE_ABOVE;
/// The characters of a typed username that count (longer ones are no
/// username anyway; this bounds each key's size).
const USERNAME_KEY_CHARS: usize = 64;

#[derive(Debug)]
pub struct RateLimiter<K: Hash + Eq + Clone = IpAddr> {
    limiter: DefaultKeyedRateLimiter<K>,
    /// The unix second of the last pruning: at most one a second, so that a
    /// flood of keys does not make every attempt scan the whole map.
    pruned_at: AtomicI64,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `burst` attempts at once, then one more every `refill_every`.
    pub fn new(burst: NonZeroU32, refill_every: Duration) -> RateLimiter<K> {
        let quota = Quota::with_period(refill_every).unwrap_or_else(|| Quota::per_second(burst)).allow_burst(burst);
        RateLimiter { limiter: DefaultKeyedRateLimiter::keyed(quota), pruned_at: AtomicI64::new(0) }
    }

    /// Takes one attempt from `key`'s allowance; false when it is used up.
    pub fn allow(&self, key: K) -> bool {
        if self.limiter.len() > PRUNE_ABOVE {
            let now = crate::db::unix_now();
            let last = self.pruned_at.load(Ordering::Relaxed);
            if now > last && self.pruned_at.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
                self.limiter.retain_recent();
                self.limiter.shrink_to_fit();
            }
        }
        if self.limiter.len() > REFUSE_ABOVE {
            return false;
        }
        self.limiter.check_key(&key).is_ok()
    }
}

/// The login's two limits (see the module note).
#[derive(Debug)]
pub struct LoginLimiter {
    by_address: RateLimiter<IpAddr>,
    by_username: RateLimiter<String>,
}

impl LoginLimiter {
    pub fn new(burst: NonZeroU32, refill_every: Duration) -> LoginLimiter {
        LoginLimiter {
            by_address: RateLimiter::new(burst, refill_every),
            by_username: RateLimiter::new(burst, refill_every),
        }
    }

    /// Burst 5, one more every 12 seconds, per address and per username.
    pub fn for_login() -> LoginLimiter {
        LoginLimiter::new(NonZeroU32::MIN.saturating_add(4), Duration::from_secs(12))
    }

    /// One login attempt for `username` from `client` (unknown: only the
    /// username counts). Both allowances must have room; an address over
    /// its limit spends nothing of the username's.
    pub fn allow_login(&self, client: Option<IpAddr>, username: &str) -> bool {
        if let Some(client) = client
            && !self.by_address.allow(limit_key(client))
        {
            return false;
        }
        let key: String = username.trim().chars().take(USERNAME_KEY_CHARS).flat_map(char::to_lowercase).collect();
        self.by_username.allow(key)
    }

    /// One attempt from `client` that names no existing account (sign-up).
    pub fn allow_address(&self, client: Option<IpAddr>) -> bool {
        client.is_none_or(|client| self.by_address.allow(limit_key(client)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::address::ip;

    #[test]
    fn a_client_gets_its_burst_then_waits_while_others_are_unaffected() {
        let limiter = RateLimiter::new(NonZeroU32::new(3).unwrap(), Duration::from_secs(3600));
        let (one, two) = (ip("192.0.2.1"), ip("192.0.2.2"));
        assert!((0..3).all(|_| limiter.allow(one)));
        assert!(!limiter.allow(one));
        assert!(limiter.allow(two));
    }

    /// How many of ten logins `limiter` lets through, the `n`th from
    /// `attempt(n)`'s address and username.
    fn allowed_of_ten(limiter: &LoginLimiter, attempt: impl Fn(u32) -> (String, String)) -> usize {
        (0..10)
            .filter(|n| {
                let (address, username) = attempt(*n);
                limiter.allow_login(Some(ip(&address)), &username)
            })
            .count()
    }

    #[test]
    fn the_login_limit_allows_five_attempts_at_once() {
        let limiter = LoginLimiter::for_login();
        assert_eq!(allowed_of_ten(&limiter, |n| ("192.0.2.9".to_owned(), format!("user{n}"))), 5);
    }

    #[test]
    fn one_username_is_limited_across_addresses_whatever_its_case() {
        let limiter = LoginLimiter::for_login();
        let name = |n: u32| if n.is_multiple_of(2) { "Alice" } else { "alice" };
        assert_eq!(allowed_of_ten(&limiter, |n| (format!("192.0.2.{n}"), name(n).to_owned())), 5);
        assert!(limiter.allow_login(Some(ip("192.0.2.200")), "bob"), "another username is unaffected");
    }

    #[test]
    fn addresses_of_one_ipv6_64_share_a_bucket() {
        let limiter = LoginLimiter::for_login();
        assert_eq!(allowed_of_ten(&limiter, |n| (format!("2001:db8:0:1::{n:x}"), format!("u{n}"))), 5);
        assert!(limiter.allow_login(Some(ip("2001:db8:0:2::1")), "someone"), "the next /64 is another client");
    }

    #[test]
    fn an_address_over_its_limit_spends_nothing_of_the_usernames() {
        let limiter = LoginLimiter::for_login();
        let flooder = Some(ip("192.0.2.66"));
        for _ in 0..50 {
            limiter.allow_login(flooder, "alice");
        }
        // The flooder spent five of alice's attempts, not fifty.
        assert!(!limiter.allow_login(Some(ip("192.0.2.1")), "alice"));
        let fresh = LoginLimiter::for_login();
        for _ in 0..5 {
            fresh.allow_login(Some(ip("192.0.2.66")), "bob");
        }
        assert!(!fresh.allow_login(Some(ip("192.0.2.66")), "carol"), "the address is out");
        assert!(fresh.allow_login(Some(ip("192.0.2.67")), "carol"), "carol's allowance is whole");
    }
}
