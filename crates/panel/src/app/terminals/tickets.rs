//! Terminal tickets: single-use, 128-bit, 30 s (`terminal_ticket_ttl_s`), bound to the user, the way
//! she signed in, the container and what they open, and kept only as their
//! SHA-256 (a memory dump of the panel yields no usable ticket).
//!
//! A browser cannot put an `Authorization` header on a WebSocket, and a
//! ticket in the URL would be in every proxy's log: the page asks for a
//! ticket with its CSRF-protected `POST`, then sends it as the socket's
//! first message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::app::AuthVia;
use crate::db::containers::ContainerId;
use crate::domain::credentials::{hash_secret, random_secret};

/// How long a ticket may wait for its socket, unless configured otherwise.
pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// Unused tickets one user may hold at once; more are refused.
pub const MAX_TICKETS_PER_USER: usize = 16;
/// Unused tickets the panel holds at once (a bound on the map).
pub const MAX_TICKETS: usize = 4096;

/// What a ticket opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketTarget {
    /// A new terminal of this kind on the container.
    New(super::TerminalKind),
    /// An existing terminal session (taking one's own back after a reload,
    /// or joining a shared one).
    Session(super::SessionId),
}

/// Everything a ticket is bound to.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub user_id: i64,
    pub via: AuthVia,
    pub container_id: ContainerId,
    pub target: TicketTarget,
}

#[derive(Debug)]
struct Held {
    ticket: Ticket,
    expires_at: Instant,
}

/// Why a ticket was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketRefused {
    #[error("the ticket is unknown, already used or expired; ask for a new one")]
    Invalid,
    #[error("too many unused terminal tickets; use or let expire the ones asked for")]
    TooMany,
}

/// The unused tickets, by the hash of their secret.
#[derive(Debug)]
pub struct TicketBook {
    held: Mutex<HashMap<String, Held>>,
    ttl: Duration,
}

impl Default for TicketBook {
    fn default() -> TicketBook {
        TicketBook::new(TICKET_TTL)
    }
}

impl TicketBook {
    /// A book whose tickets wait `ttl` for their socket.
    pub fn new(ttl: Duration) -> TicketBook {
        TicketBook { held: Mutex::default(), ttl }
    }

    /// A new ticket's secret (shown once, to its holder).
    pub fn issue(&self, ticket: Ticket, now: Instant) -> Result<String, TicketRefused> {
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.retain(|_, entry| entry.expires_at > now);
        let mine = held.values().filter(|entry| entry.ticket.user_id == ticket.user_id).count();
        if mine >= MAX_TICKETS_PER_USER || held.len() >= MAX_TICKETS {
            return Err(TicketRefused::TooMany);
        }
        let secret = random_secret();
        held.insert(hash_secret(&secret), Held { ticket, expires_at: now + self.ttl });
        Ok(secret)
    }

    /// Takes the ticket of `secret`: it is gone afterwards, used or not.
    pub fn take(&self, secret: &str, now: Instant) -> Result<Ticket, TicketRefused> {
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match held.remove(&hash_secret(secret)) {
            Some(entry) if entry.expires_at > now => Ok(entry.ticket),
            _ => Err(TicketRefused::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::terminals::TerminalKind;

    fn ticket(user_id: i64) -> Ticket {
        Ticket {
            user_id,
            via: AuthVia::Token { hash: "h".into() },
            container_id: ContainerId(7),
            target: TicketTarget::New(TerminalKind::Shell),
        }
    }

    #[test]
    fn a_ticket_is_taken_once_and_is_stored_only_hashed() {
        let book = TicketBook::default();
        let now = Instant::now();
        let secret = book.issue(ticket(1), now).unwrap();
        assert!(secret.len() >= 32, "128 bits or more: {secret}");
        assert!(!book.held.lock().unwrap().contains_key(&secret), "the secret itself is not a key");
        assert_eq!(book.take(&secret, now).unwrap().container_id, ContainerId(7));
        assert_eq!(book.take(&secret, now).unwrap_err(), TicketRefused::Invalid);
    }

    #[test]
    fn a_ticket_expires_after_thirty_seconds() {
        let book = TicketBook::default();
        let now = Instant::now();
        let secret = book.issue(ticket(1), now).unwrap();
        assert_eq!(book.take(&secret, now + TICKET_TTL).unwrap_err(), TicketRefused::Invalid);
    }

    #[test]
    fn one_user_holds_a_bounded_number_of_unused_tickets() {
        let book = TicketBook::default();
        let now = Instant::now();
        for _ in 0..MAX_TICKETS_PER_USER {
            book.issue(ticket(1), now).unwrap();
        }
        assert_eq!(book.issue(ticket(1), now).unwrap_err(), TicketRefused::TooMany);
        assert!(book.issue(ticket(2), now).is_ok(), "another user is not affected");
        assert!(book.issue(ticket(1), now + TICKET_TTL).is_ok(), "expired ones make room");
    }

    #[test]
    fn a_configured_ttl_is_the_tickets_life() {
        let book = TicketBook::new(Duration::from_secs(2));
        let now = Instant::now();
        let secret = book.issue(ticket(1), now).unwrap();
        let later = book.issue(ticket(1), now).unwrap();
        assert!(book.take(&secret, now + Duration::from_secs(1)).is_ok());
        assert_eq!(book.take(&later, now + Duration::from_secs(2)).unwrap_err(), TicketRefused::Invalid);
    }
}
