//! What a credential carries: the tier (and so the claims) of an actor's
//! agent tokens, and what the panel's own personal access tokens may do and
//! be made from.

use smp_proto::config_policy::Tier;

use super::decide::Actor;
use crate::db::tokens::TokenScope;
use crate::domain::roles::Role;

/// Which tier of instance configuration (PROTOCOL.md) the actor's agent
/// tokens ask for, and so which claims they carry (`adm`, `host`). The one
/// place this is decided: head admins (who have root on the machines anyway)
/// ask for the host tier, which an agent grants only with its own
/// `host_config = true`; admins for the admin tier, which never reaches the
/// host; everyone else, a disabled or unapproved admin too, for the member tier.
pub fn agent_tier(actor: &Actor) -> Tier {
    if actor.disabled || !actor.approved {
        return Tier::Member;
    }
    match actor.role {
        Role::HeadAdmin => Tier::Host,
        Role::Admin => Tier::Admin,
        Role::Member => Tier::Member,
    }
}

/// Whether a request made with a personal access token of `scope` may
/// change state: a `read` token only reads (GET, HEAD); a `write` token
/// does whatever its owner may (`decide` then says what).
pub fn token_may_change_state(scope: TokenScope) -> bool {
    scope == TokenScope::Write
}

/// Whether a request may make a personal access token: only from a
/// browser session (with the password typed again), never with a token,
/// so that a leaked token cannot mint itself successors.
pub fn may_make_tokens(from_browser_session: bool) -> bool {
    from_browser_session
}

/// Whether a request may add an SSH key to its account: like a token, only
/// from a browser session, so that a leaked token (which expires and can be
/// revoked) cannot plant a key (which does not expire) and keep a way in.
pub fn may_add_ssh_keys(from_browser_session: bool) -> bool {
    from_browser_session
}

/// Whether a request may enrol, confirm or remove its account's TOTP
/// second factor: like an SSH key, only from a browser session, so that a
/// leaked token can neither replace nor remove it.
pub fn may_manage_totp(from_browser_session: bool) -> bool {
    from_browser_session
}

/// Whether an admin's rights are withheld (`require_totp_for_admins`,
/// issue 18): it is required and she has no active TOTP. A member has
/// none to withhold.
pub fn withholds_admin(role: Role, totp_active: bool, required: bool) -> bool {
    required && role != Role::Member && !totp_active
}

/// The actor as she may act: one whose admin rights are withheld acts as a
/// member, in every decision (`CurrentUser::actor`).
pub fn acting_as(actor: Actor, admin_withheld: bool) -> Actor {
    if admin_withheld { Actor { role: Role::Member, ..actor } } else { actor }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{ME, actor};

    #[test]
    fn only_head_admins_ask_for_the_host_tier_and_only_admins_for_the_admin_tier() {
        assert_eq!(agent_tier(&actor(Role::HeadAdmin)), Tier::Host);
        assert_eq!(agent_tier(&actor(Role::Admin)), Tier::Admin);
        assert_eq!(agent_tier(&actor(Role::Member)), Tier::Member);
        for (approved, disabled) in [(false, false), (true, true)] {
            for role in Role::ALL {
                let someone = Actor { id: ME, role, approved, disabled };
                assert_eq!(agent_tier(&someone), Tier::Member, "{role:?} approved={approved} disabled={disabled}");
            }
        }
    }

    #[test]
    fn an_admin_without_totp_acts_as_a_member_only_where_it_is_required() {
        for role in [Role::Admin, Role::HeadAdmin] {
            assert!(withholds_admin(role, false, true));
            assert!(!withholds_admin(role, true, true));
            assert!(!withholds_admin(role, false, false));
            let withheld = acting_as(actor(role), true);
            assert_eq!((withheld.role, withheld.id), (Role::Member, ME));
            assert_eq!(agent_tier(&withheld), Tier::Member);
            assert_eq!(acting_as(actor(role), false).role, role);
        }
        assert!(!withholds_admin(Role::Member, false, true));
        assert!(may_manage_totp(true) && !may_manage_totp(false));
    }

    #[test]
    fn a_read_token_never_changes_state_and_only_a_session_makes_tokens_or_adds_ssh_keys() {
        assert!(!token_may_change_state(TokenScope::Read));
        assert!(token_may_change_state(TokenScope::Write));
        assert!(may_make_tokens(true));
        assert!(!may_make_tokens(false));
        assert!(may_add_ssh_keys(true));
        assert!(!may_add_ssh_keys(false));
    }
}
