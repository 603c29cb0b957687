//! What a caller may find at all, pure: where her lists of containers and
//! services start before `decide` judges each row, whether her creations and
//! resizes count against a quota, whether she may see every account, which
//! rows of the audit log she reads (and with which detail), the list of every
//! container and the admin menu. Each answer follows from `decide`, so that
//! it can never disagree with it; the caller loads the facts and passes them in.

use super::decide::{Action, Actor, ActorId, Decision, Object, decide};
use crate::db::audit::Visible;

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

/// Whether `actor` reads every row of the audit log (`AuditViewAll`: admins).
pub fn sees_every_audit_row(actor: &Actor) -> bool {
    decide(actor, Action::AuditViewAll, &Object::Nothing) == Decision::Allow
}

/// The audit rows of `actor` when she does not see them all
/// (`sees_every_audit_row`): her own actions, and the actions on
/// `containers` (those of the trees she owns) and on `services` (those she
/// may see: hers and those on her containers).
pub fn own_audit_rows(actor: ActorId, containers: &[i64], services: &[i64]) -> Visible {
    let objects = containers
        .iter()
        .map(|id| format!("container:{id}"))
        .chain(services.iter().map(|id| format!("service:{id}")))
        .collect();
    Visible::ActorOrObjects { actor_id: actor, objects }
}

/// Whether a reader of the audit rows `scope` reads the `detail` of a row
/// by `row_actor`. What others ran in her containers (an argv may hold
/// their secrets, and the container may have been someone else's then)
/// stays theirs: she reads that they acted, not what they ran.
pub fn shows_audit_detail(scope: &Visible, row_actor: Option<ActorId>) -> bool {
    match scope {
        Visible::All => true,
        Visible::ActorOrObjects { actor_id, .. } => row_actor == Some(*actor_id),
    }
}

/// Whether `actor` may open the list of every container (the admins' page,
/// which offers to assign any of them): the policy's answer to assigning an
/// unowned container. Admins may; a member is hidden from it (the one 404
/// page, like any object she may not see).
pub fn may_list_every_container(actor: &Actor) -> Decision {
    decide(actor, Action::ContainerAssign, &Object::Container { owners: &[None], in_quota: false })
}

/// Whether the pages show `actor` the admin menu (all containers, users,
/// machines, the whole audit log): to whoever may read every account.
pub fn shows_admin_menu(actor: &Actor) -> bool {
    decide(actor, Action::UserView, &Object::Nothing) == Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Role;
    use crate::policy::testing::{ME, actor};

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

    #[test]
    fn admins_read_every_audit_row_and_members_their_own_and_their_objects() {
        assert!(sees_every_audit_row(&actor(Role::HeadAdmin)));
        assert!(sees_every_audit_row(&actor(Role::Admin)));
        assert!(!sees_every_audit_row(&actor(Role::Member)));
        let disabled = Actor { disabled: true, ..actor(Role::Admin) };
        assert!(!sees_every_audit_row(&disabled));
        let Visible::ActorOrObjects { actor_id, objects } = own_audit_rows(ME, &[3, 4], &[9]) else {
            panic!("a member's rows are her own and her objects'");
        };
        assert_eq!(actor_id, ME);
        assert_eq!(objects, ["container:3", "container:4", "service:9"]);
    }

    #[test]
    fn a_member_reads_the_detail_of_her_own_rows_only() {
        let own = own_audit_rows(ME, &[3], &[]);
        assert!(shows_audit_detail(&own, Some(ME)));
        assert!(!shows_audit_detail(&own, Some(ME + 1)));
        assert!(!shows_audit_detail(&own, None));
        assert!(shows_audit_detail(&Visible::All, Some(ME + 1)));
        assert!(shows_audit_detail(&Visible::All, None));
    }

    #[test]
    fn only_admins_list_every_container_and_a_member_is_hidden_from_it() {
        assert_eq!(may_list_every_container(&actor(Role::HeadAdmin)), Decision::Allow);
        assert_eq!(may_list_every_container(&actor(Role::Admin)), Decision::Allow);
        assert_eq!(may_list_every_container(&actor(Role::Member)), Decision::Hide);
        let unapproved = Actor { approved: false, ..actor(Role::Admin) };
        assert_eq!(may_list_every_container(&unapproved), Decision::Forbid);
    }

    #[test]
    fn the_admin_menu_shows_to_admins_only() {
        assert!(shows_admin_menu(&actor(Role::HeadAdmin)));
        assert!(shows_admin_menu(&actor(Role::Admin)));
        assert!(!shows_admin_menu(&actor(Role::Member)));
    }
}
