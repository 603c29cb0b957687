//! What a caller may find at all, pure: where her lists of containers and
//! services start before `decide` judges each row, whether her creations and
//! resizes count against a quota, and whether she may see every account.
//! Each answer follows from `decide`, so that it can never disagree with it.

use super::decide::{Action, Actor, ActorId, Decision, Object, decide};

/// Where a list of containers or services starts; `decide` then judges each
/// row, so a start wider than needed only costs rows, never shows one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListCandidates {
    /// Every row.
    All,
    /// The container trees this user owns (the containers she owns and all
    /// below them); for services, also the services she owns.
    TreesOf(ActorId),
}

/// Where `actor`'s list of containers starts: every container when she may
/// view one nobody owns (the policy lets her view them all), else the trees
/// she owns (a member sees nothing else).
pub fn container_candidates(actor: &Actor) -> ListCandidates {
    let nobodys = Object::Container { owners: &[None], in_quota: false };
    candidates_by(actor, Action::ContainerView, &nobodys)
}

/// Where `actor`'s list of services starts: every service when she may view
/// one nobody owns on a container nobody owns, else hers and those on the
/// trees she owns.
pub fn service_candidates(actor: &Actor) -> ListCandidates {
    let nobodys = Object::Service { owner: None, container_owners: &[None] };
    candidates_by(actor, Action::ServiceView, &nobodys)
}

fn candidates_by(actor: &Actor, view: Action, nobodys: &Object<'_>) -> ListCandidates {
    match decide(actor, view, nobodys) {
        Decision::Allow => ListCandidates::All,
        Decision::Forbid | Decision::Hide => ListCandidates::TreesOf(actor.id),
    }
}

/// Whether what `actor` creates, and the limits she sets, count against no
/// quota: whoever may create containers for anyone with any configuration
/// (`ContainerCreateAny`) creates, and resizes, outside quotas.
pub fn exempt_from_quotas(actor: &Actor) -> bool {
    decide(actor, Action::ContainerCreateAny, &Object::Nothing) == Decision::Allow
}

/// Whether `actor` may see every account (`UserView` on no account in
/// particular), and so hear precisely why a username does not do.
pub fn sees_every_account(actor: &Actor) -> bool {
    decide(actor, Action::UserView, &Object::Nothing) == Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Role;

    const ME: ActorId = 7;

    fn actor(role: Role) -> Actor {
        Actor { id: ME, role, approved: true, disabled: false }
    }

    #[test]
    fn admins_lists_start_from_every_row_and_members_from_their_trees() {
        for role in [Role::Admin, Role::HeadAdmin] {
            assert_eq!(container_candidates(&actor(role)), ListCandidates::All, "{role:?}");
            assert_eq!(service_candidates(&actor(role)), ListCandidates::All, "{role:?}");
        }
        assert_eq!(container_candidates(&actor(Role::Member)), ListCandidates::TreesOf(ME));
        assert_eq!(service_candidates(&actor(Role::Member)), ListCandidates::TreesOf(ME));
    }

    #[test]
    fn a_disabled_or_unapproved_admin_starts_from_her_own_trees() {
        for (approved, disabled) in [(false, false), (true, true)] {
            let someone = Actor { id: ME, role: Role::HeadAdmin, approved, disabled };
            assert_eq!(container_candidates(&someone), ListCandidates::TreesOf(ME));
            assert_eq!(service_candidates(&someone), ListCandidates::TreesOf(ME));
        }
    }

    #[test]
    fn only_admins_are_exempt_from_quotas_and_see_every_account() {
        for role in [Role::Admin, Role::HeadAdmin] {
            assert!(exempt_from_quotas(&actor(role)), "{role:?}");
            assert!(sees_every_account(&actor(role)), "{role:?}");
        }
        assert!(!exempt_from_quotas(&actor(Role::Member)));
        assert!(!sees_every_account(&actor(Role::Member)));
        let disabled = Actor { disabled: true, ..actor(Role::HeadAdmin) };
        assert!(!exempt_from_quotas(&disabled));
        assert!(!sees_every_account(&disabled));
    }
}
