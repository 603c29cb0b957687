//! The one authorization policy: `decide(actor, action, object)`. Every
//! handler, page and CLI command asks it and nothing else decides.
//!
//! Pure: the caller loads the facts (the actor, the owners along the
//! object's tree) and passes them in. The answer says allow, forbid (the
//! actor may see the object: 403) or hide (the actor may not even know it
//! exists: the same 404 as a missing object).

use crate::db::users::User;
use crate::domain::roles::Role;

/// A user id as the policy sees it.
pub type ActorId = i64;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: ActorId,
    pub role: Role,
    pub approved: bool,
    pub disabled: bool,
}

impl From<&User> for Actor {
    /// The account as the policy sees it.
    fn from(user: &User) -> Actor {
        Actor { id: user.id.0, role: user.role, approved: user.approved, disabled: user.disabled }
    }
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ContainerView,
    ContainerStart,
    ContainerStop,
    ContainerRestart,
    ContainerExec,
    ContainerState,
    ContainerLogs,
    /// Open a terminal or the console in it (never a service owner's).
    ContainerTerminal,
    /// Change owner or parent.
    ContainerAssign,
    /// Create a child of this container (or, with `Object::Nothing`, a
    /// top-level one), for oneself and within one's quota.
    ContainerCreate,
    /// Create a container for anyone, with any configuration and outside
    /// quotas (the agent's `adm` claim); the object is `Object::Nothing`.
    ContainerCreateAny,
    /// Delete it (a member: only a sub-container, `in_quota`).
    ContainerDelete,
    /// Turn autostart on or off.
    ContainerConfigure,
    /// Change its limits (a member: only a sub-container, within her quota).
    ContainerResize,
    /// Give it a static address on a network of its machine (admins).
    ContainerAddress,
    /// List, create and delete the host ports forwarded to it (its owners,
    /// within their `forwards` quota; admins).
    ContainerForward,
    /// List, take, restore and delete its snapshots, set its schedule (its
    /// owners, within their `snapshots` quota; admins).
    ContainerSnapshot,
    /// Every machine's networks and every forward (admins; the object is `Object::Machine`).
    NetworkView,
    ServiceView,
    ServiceStart,
    ServiceStop,
    ServiceRestart,
    ServiceState,
    ServiceLogs,
    /// Create a service on a container (the object is the container).
    ServiceCreate,
    ServiceUpdate,
    ServiceDelete,
    MachineView,
    /// Add, delete, sync, rotate keys.
    MachineManage,
    /// Place a container of one's own on it (list its images for that).
    MachinePlace,
    UserView,
    /// Create, approve, disable, set quotas.
    UserManage,
    /// Give or take the admin role.
    UserAppointAdmin,
    /// Every row of the audit log (others see their own).
    AuditViewAll,
    /// Join a shared terminal session (its owner, or someone she invited).
    TerminalSessionJoin,
    /// Invite, change modes, remove participants, end it (its owner; admins may end it).
    TerminalSessionManage,
    /// List, add and delete the SSH keys of an account (the object is the
    /// account): one's own only, whatever one's role.
    SshKeyManage,
}

impl Action {
    pub const ALL: [Action; 37] = [
        Action::ContainerView,
        Action::ContainerStart,
        Action::ContainerStop,
        Action::ContainerRestart,
        Action::ContainerExec,
        Action::ContainerState,
        Action::ContainerLogs,
        Action::ContainerTerminal,
        Action::ContainerAssign,
        Action::ContainerCreate,
        Action::ContainerCreateAny,
        Action::ContainerDelete,
        Action::ContainerConfigure,
        Action::ContainerResize,
        Action::ContainerAddress,
        Action::ContainerForward,
        Action::ContainerSnapshot,
        Action::NetworkView,
        Action::ServiceView,
        Action::ServiceStart,
        Action::ServiceStop,
        Action::ServiceRestart,
        Action::ServiceState,
        Action::ServiceLogs,
        Action::ServiceCreate,
        Action::ServiceUpdate,
        Action::ServiceDelete,
        Action::MachineView,
        Action::MachineManage,
        Action::MachinePlace,
        Action::UserView,
        Action::UserManage,
        Action::UserAppointAdmin,
        Action::AuditViewAll,
        Action::TerminalSessionJoin,
        Action::TerminalSessionManage,
        Action::SshKeyManage,
    ];
}

/// The object, with the ownership facts the decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object<'a> {
    /// A container; `owners` lists its owner first, then the owner of each
    /// ancestor up the parent chain (`None` where a container has no owner);
    /// `in_quota`: a member made it under her quota (a sub-container).
    Container {
        owners: &'a [Option<ActorId>],
        in_quota: bool,
    },
    /// A service; `owner` its service owner, `container_owners` as above for
    /// the container it runs on.
    Service {
        owner: Option<ActorId>,
        container_owners: &'a [Option<ActorId>],
    },
    Machine,
    /// A shared terminal session of `owner`'s; `invited`: the actor is one of its participants.
    TerminalSession {
        owner: ActorId,
        invited: bool,
    },
    User {
        id: ActorId,
        role: Role,
    },
    /// No particular object: creating a top-level container, listing the audit log.
    Nothing,
    /// The id names nothing (or nothing the caller may load).
    Missing,
}

/// The answer. `Hide` must look exactly like a missing object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor may see the object but not do this: 403.
    Forbid,
    /// The actor may not know the object exists: 404, same as missing.
    Hide,
}

/// Lifecycle and inspection of a container, which its owners may do.
const OWNER_CONTAINER_ACTIONS: [Action; 12] = [
    Action::ContainerView,
    Action::ContainerTerminal,
    Action::ContainerStart,
    Action::ContainerStop,
    Action::ContainerRestart,
    Action::ContainerExec,
    Action::ContainerState,
    Action::ContainerLogs,
    Action::ContainerCreate,
    Action::ContainerConfigure,
    Action::ContainerForward,
    Action::ContainerSnapshot,
];

/// What owners may do only to a sub-container (one a member made under
/// her quota): what an admin gave her stays as the admin made it.
const SUB_CONTAINER_ACTIONS: [Action; 2] = [Action::ContainerDelete, Action::ContainerResize];

/// What a service owner may do with her own service.
const SERVICE_OWNER_ACTIONS: [Action; 6] = [
    Action::ServiceView,
    Action::ServiceStart,
    Action::ServiceStop,
    Action::ServiceRestart,
    Action::ServiceState,
    Action::ServiceLogs,
];

pub fn decide(actor: &Actor, action: Action, object: &Object<'_>) -> Decision {
    if matches!(object, Object::Missing) {
        return Decision::Hide;
    }
    if actor.disabled || !actor.approved {
        return Decision::Forbid;
    }
    if let Object::TerminalSession { owner, invited } = object {
        return decide_terminal_session(actor, action, *owner, *invited);
    }
    match actor.role {
        // A key is a way in as her: whoever added one to another account
        // would act as its owner, in her name in the audit log. Nobody may,
        // not even the head admin (who disables an account instead).
        Role::HeadAdmin | Role::Admin
            if action == Action::SshKeyManage && !matches!(object, Object::User { id, .. } if *id == actor.id) =>
        {
            Decision::Forbid
        }
        Role::HeadAdmin => Decision::Allow,
        Role::Admin => match action {
            Action::MachineManage | Action::UserAppointAdmin => Decision::Forbid,
            Action::UserManage if matches!(object, Object::User { role: Role::HeadAdmin | Role::Admin, id } if *id != actor.id) => {
                Decision::Forbid
            }
            _ => Decision::Allow,
        },
        Role::Member => decide_for_member(actor.id, action, object),
    }
}

fn decide_for_member(me: ActorId, action: Action, object: &Object<'_>) -> Decision {
    let owns_tree = |owners: &[Option<ActorId>]| owners.contains(&Some(me));
    let allow_if = |allowed: bool| if allowed { Decision::Allow } else { Decision::Forbid };
    match object {
        Object::Container { owners, in_quota } if owns_tree(owners) => allow_if(
            OWNER_CONTAINER_ACTIONS.contains(&action)
                || action == Action::ServiceCreate
                || (*in_quota && SUB_CONTAINER_ACTIONS.contains(&action)),
        ),
        Object::Service { owner, container_owners } if owns_tree(container_owners) => allow_if(
            SERVICE_OWNER_ACTIONS.contains(&action) || matches!(action, Action::ServiceUpdate | Action::ServiceDelete),
        ),
        Object::Service { owner: Some(owner), .. } if *owner == me => allow_if(SERVICE_OWNER_ACTIONS.contains(&action)),
        Object::Container { .. } | Object::Service { .. } => Decision::Hide,
        Object::User { id, .. } if *id == me => allow_if(matches!(action, Action::UserView | Action::SshKeyManage)),
        Object::User { .. } => Decision::Hide,
        // Machines are infrastructure: members only place their containers
        // on them (their quotas say how much).
        Object::Machine => allow_if(action == Action::MachinePlace),
        Object::Nothing => allow_if(action == Action::ContainerCreate),
        Object::Missing | Object::TerminalSession { .. } => Decision::Hide,
    }
}

/// A shared terminal shows what its owner types: only she and those she
/// invited join it, whatever their role; she manages it, and admins may end
/// it (a forgotten or abusive session) without ever seeing it. Another
/// member may not know it exists.
fn decide_terminal_session(actor: &Actor, action: Action, owner: ActorId, invited: bool) -> Decision {
    let is_owner = actor.id == owner;
    let admin = actor.role != Role::Member;
    let allowed = match action {
        Action::TerminalSessionJoin => is_owner || invited,
        Action::TerminalSessionManage => is_owner || admin,
        _ => false,
    };
    match (allowed, is_owner || invited || admin) {
        (true, _) => Decision::Allow,
        (false, true) => Decision::Forbid,
        (false, false) => Decision::Hide,
    }
}

/// Whether `actor` may name `candidate` the owner of a service. Whoever may
/// see every account (admins) may name any account and hear precisely why
/// a name does not do; anyone else may name only an approved, enabled
/// member, and every other account is hidden: the same answer as a name
/// nobody has, so that usernames cannot be probed through the field.
pub fn may_name_service_owner(actor: &Actor, candidate: &Actor) -> Decision {
    if decide(actor, Action::UserView, &Object::Nothing) == Decision::Allow {
        return Decision::Allow;
    }
    if candidate.role == Role::Member && candidate.approved && !candidate.disabled {
        Decision::Allow
    } else {
        Decision::Hide
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{ME, actor};
    use Decision::{Allow, Forbid, Hide};

    const OTHER: ActorId = 2;

    /// The relations of the table: how the object stands to the actor.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Relation {
        OwnContainer,
        OtherMembersContainer,
        /// A child container of mine, owned by someone else.
        ChildOfMyContainer,
        /// A container that is a child of someone else's.
        ChildOfOthersContainer,
        UnownedContainer,
        /// A container I made under my quota.
        OwnSubContainer,
        /// A sub-container someone else made under a container of mine.
        SubContainerUnderMine,
        /// A sub-container another member made under her own container.
        OthersSubContainer,
        OwnServiceOnSharedContainer,
        OtherServiceOnSharedContainer,
        ServiceOnMyContainer,
        /// A service of someone else on a child (owned by someone else) of my container.
        ServiceOnChildOfMyContainer,
        /// My service, on another member's container.
        OwnServiceOnOthersContainer,
        Machine,
        Myself,
        AnotherMember,
        AnAdmin,
        /// A shared terminal session I started.
        OwnTerminalSession,
        /// Another member's shared terminal session she invited me to.
        InvitedTerminalSession,
        /// Another member's shared terminal session I am not part of.
        OthersTerminalSession,
        Nothing,
        Missing,
    }

    const RELATIONS: [Relation; 22] = [
        Relation::OwnContainer,
        Relation::OtherMembersContainer,
        Relation::ChildOfMyContainer,
        Relation::ChildOfOthersContainer,
        Relation::UnownedContainer,
        Relation::OwnSubContainer,
        Relation::SubContainerUnderMine,
        Relation::OthersSubContainer,
        Relation::OwnServiceOnSharedContainer,
        Relation::OtherServiceOnSharedContainer,
        Relation::ServiceOnMyContainer,
        Relation::ServiceOnChildOfMyContainer,
        Relation::OwnServiceOnOthersContainer,
        Relation::Machine,
        Relation::Myself,
        Relation::AnotherMember,
        Relation::AnAdmin,
        Relation::OwnTerminalSession,
        Relation::InvitedTerminalSession,
        Relation::OthersTerminalSession,
        Relation::Nothing,
        Relation::Missing,
    ];

    fn object(relation: Relation) -> Object<'static> {
        match relation {
            Relation::OwnContainer => Object::Container { owners: &[Some(ME)], in_quota: false },
            Relation::OtherMembersContainer => Object::Container { owners: &[Some(OTHER)], in_quota: false },
            Relation::ChildOfMyContainer => Object::Container { owners: &[Some(OTHER), Some(ME)], in_quota: false },
            Relation::ChildOfOthersContainer => {
                Object::Container { owners: &[Some(ME + 10), Some(OTHER)], in_quota: false }
            }
            Relation::UnownedContainer => Object::Container { owners: &[None], in_quota: false },
            Relation::OwnSubContainer => Object::Container { owners: &[Some(ME), Some(ME)], in_quota: true },
            Relation::SubContainerUnderMine => Object::Container { owners: &[Some(OTHER), Some(ME)], in_quota: true },
            Relation::OthersSubContainer => Object::Container { owners: &[Some(OTHER), Some(OTHER)], in_quota: true },
            Relation::OwnServiceOnSharedContainer => Object::Service { owner: Some(ME), container_owners: &[None] },
            Relation::OtherServiceOnSharedContainer => {
                Object::Service { owner: Some(OTHER), container_owners: &[None] }
            }
            Relation::ServiceOnMyContainer => Object::Service { owner: Some(OTHER), container_owners: &[Some(ME)] },
            Relation::ServiceOnChildOfMyContainer => {
                Object::Service { owner: Some(OTHER), container_owners: &[Some(OTHER), Some(ME)] }
            }
            Relation::OwnServiceOnOthersContainer => {
                Object::Service { owner: Some(ME), container_owners: &[Some(OTHER)] }
            }
            Relation::Machine => Object::Machine,
            Relation::Myself => Object::User { id: ME, role: Role::Member },
            Relation::AnotherMember => Object::User { id: OTHER, role: Role::Member },
            Relation::AnAdmin => Object::User { id: OTHER, role: Role::Admin },
            Relation::OwnTerminalSession => Object::TerminalSession { owner: ME, invited: false },
            Relation::InvitedTerminalSession => Object::TerminalSession { owner: OTHER, invited: true },
            Relation::OthersTerminalSession => Object::TerminalSession { owner: OTHER, invited: false },
            Relation::Nothing => Object::Nothing,
            Relation::Missing => Object::Missing,
        }
    }

    /// The expected answer for a member, written out as a table rather than
    /// recomputed: the actions allowed per relation, and whether the rest is
    /// forbidden (visible object) or hidden.
    fn member_table(relation: Relation) -> (Vec<Action>, Decision) {
        use Action::*;
        let lifecycle = vec![
            ContainerView,
            ContainerStart,
            ContainerStop,
            ContainerRestart,
            ContainerExec,
            ContainerState,
            ContainerLogs,
            ContainerTerminal,
            ContainerCreate,
            ContainerConfigure,
            ContainerForward,
            ContainerSnapshot,
            ServiceCreate,
        ];
        let mut sub_container = lifecycle.clone();
        sub_container.extend([ContainerDelete, ContainerResize]);
        let service_owner = vec![ServiceView, ServiceStart, ServiceStop, ServiceRestart, ServiceState, ServiceLogs];
        match relation {
            Relation::OwnContainer | Relation::ChildOfMyContainer => (lifecycle, Forbid),
            Relation::OwnSubContainer | Relation::SubContainerUnderMine => (sub_container, Forbid),
            Relation::OtherMembersContainer
            | Relation::ChildOfOthersContainer
            | Relation::UnownedContainer
            | Relation::OthersSubContainer => (vec![], Hide),
            Relation::OwnServiceOnSharedContainer | Relation::OwnServiceOnOthersContainer => (service_owner, Forbid),
            Relation::OtherServiceOnSharedContainer => (vec![], Hide),
            Relation::ServiceOnMyContainer | Relation::ServiceOnChildOfMyContainer => {
                let mut all = service_owner;
                all.extend([ServiceUpdate, ServiceDelete]);
                (all, Forbid)
            }
            Relation::Machine => (vec![MachinePlace], Forbid),
            Relation::Myself => (vec![UserView, SshKeyManage], Forbid),
            Relation::AnotherMember | Relation::AnAdmin => (vec![], Hide),
            Relation::OwnTerminalSession => (vec![TerminalSessionJoin, TerminalSessionManage], Forbid),
            Relation::InvitedTerminalSession => (vec![TerminalSessionJoin], Forbid),
            Relation::OthersTerminalSession => (vec![], Hide),
            Relation::Nothing => (vec![ContainerCreate], Forbid),
            Relation::Missing => (vec![], Hide),
        }
    }

    fn admin_table(relation: Relation) -> (Vec<Action>, Decision) {
        use Action::*;
        let everything_but = |denied: &[Action]| Action::ALL.into_iter().filter(|a| !denied.contains(a)).collect();
        match relation {
            Relation::Missing => (vec![], Hide),
            Relation::OwnTerminalSession | Relation::InvitedTerminalSession => {
                (vec![TerminalSessionJoin, TerminalSessionManage], Forbid)
            }
            Relation::OthersTerminalSession => (vec![TerminalSessionManage], Forbid),
            Relation::AnAdmin => (everything_but(&[MachineManage, UserAppointAdmin, UserManage, SshKeyManage]), Forbid),
            Relation::Myself => (everything_but(&[MachineManage, UserAppointAdmin]), Forbid),
            _ => (everything_but(&[MachineManage, UserAppointAdmin, SshKeyManage]), Forbid),
        }
    }

    fn head_admin_table(relation: Relation) -> (Vec<Action>, Decision) {
        match relation {
            Relation::Missing => (vec![], Hide),
            Relation::OwnTerminalSession | Relation::InvitedTerminalSession | Relation::OthersTerminalSession => {
                admin_table(relation)
            }
            Relation::Myself => (Action::ALL.to_vec(), Forbid),
            _ => (Action::ALL.into_iter().filter(|action| *action != Action::SshKeyManage).collect(), Forbid),
        }
    }

    /// A role's expected answers: allowed actions per relation, and the answer for the rest.
    type Table = fn(Relation) -> (Vec<Action>, Decision);

    #[test]
    fn every_role_action_and_relation_gets_the_tabled_decision() {
        let tables: [(Role, Table); 3] =
            [(Role::Member, member_table), (Role::Admin, admin_table), (Role::HeadAdmin, head_admin_table)];
        let mut checked = 0;
        for (role, table) in tables {
            for relation in RELATIONS {
                let (allowed, otherwise) = table(relation);
                for action in Action::ALL {
                    let expected = if allowed.contains(&action) { Allow } else { otherwise };
                    assert_eq!(
                        decide(&actor(role), action, &object(relation)),
                        expected,
                        "{role:?} {action:?} on {relation:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * RELATIONS.len() * Action::ALL.len());
    }

    #[test]
    fn a_member_sees_a_hidden_object_exactly_like_a_missing_one() {
        let member = actor(Role::Member);
        for action in Action::ALL {
            assert_eq!(
                decide(&member, action, &object(Relation::OtherMembersContainer)),
                decide(&member, action, &Object::Missing)
            );
        }
    }

    #[test]
    fn a_service_owner_cannot_exec_or_act_on_the_container_her_service_runs_on() {
        let member = actor(Role::Member);
        let shared = Object::Container { owners: &[None], in_quota: false };
        for action in [Action::ContainerExec, Action::ContainerRestart, Action::ContainerLogs, Action::ContainerView] {
            assert_eq!(decide(&member, action, &shared), Hide, "{action:?}");
        }
    }

    #[test]
    fn disabled_or_unapproved_users_are_refused_everything_even_as_head_admin() {
        for (approved, disabled) in [(false, false), (true, true), (false, true)] {
            for role in [Role::Member, Role::Admin, Role::HeadAdmin] {
                let someone = Actor { id: ME, role, approved, disabled };
                for action in Action::ALL {
                    assert_ne!(decide(&someone, action, &object(Relation::OwnContainer)), Allow, "{role:?} {action:?}");
                }
            }
        }
    }

    #[test]
    fn admins_set_addresses_and_see_every_forward_owners_forward_and_service_owners_do_neither() {
        let member = actor(Role::Member);
        let own = Object::Container { owners: &[Some(ME)], in_quota: false };
        let others = Object::Container { owners: &[Some(OTHER)], in_quota: false };
        let shared = Object::Container { owners: &[None], in_quota: false };
        assert_eq!(decide(&member, Action::ContainerForward, &own), Allow);
        assert_eq!(decide(&member, Action::ContainerAddress, &own), Forbid, "admins set addresses");
        assert_eq!(decide(&member, Action::ContainerForward, &others), Hide, "another's container is a 404");
        assert_eq!(decide(&member, Action::ContainerForward, &shared), Hide, "a service owner's container too");
        assert_eq!(decide(&member, Action::NetworkView, &Object::Machine), Forbid);
        for role in [Role::Admin, Role::HeadAdmin] {
            for action in [Action::ContainerAddress, Action::ContainerForward] {
                assert_eq!(decide(&actor(role), action, &others), Allow, "{role:?} {action:?}");
            }
            assert_eq!(decide(&actor(role), Action::NetworkView, &Object::Machine), Allow, "{role:?}");
        }
    }

    #[test]
    fn owners_and_admins_snapshot_a_container_and_nobody_else_sees_its_snapshots() {
        let member = actor(Role::Member);
        let own = Object::Container { owners: &[Some(ME)], in_quota: false };
        let own_sub = Object::Container { owners: &[Some(ME)], in_quota: true };
        let others = Object::Container { owners: &[Some(OTHER)], in_quota: false };
        let shared = Object::Container { owners: &[None], in_quota: false };
        assert_eq!(decide(&member, Action::ContainerSnapshot, &own), Allow);
        assert_eq!(decide(&member, Action::ContainerSnapshot, &own_sub), Allow);
        assert_eq!(decide(&member, Action::ContainerSnapshot, &others), Hide, "another's container is a 404");
        assert_eq!(decide(&member, Action::ContainerSnapshot, &shared), Hide, "a service owner's container too");
        for role in [Role::Admin, Role::HeadAdmin] {
            assert_eq!(decide(&actor(role), Action::ContainerSnapshot, &others), Allow, "{role:?}");
        }
    }

    #[test]
    fn an_admin_manages_members_and_herself_but_not_other_admins() {
        let admin = actor(Role::Admin);
        assert_eq!(decide(&admin, Action::UserManage, &Object::User { id: OTHER, role: Role::Member }), Allow);
        assert_eq!(decide(&admin, Action::UserManage, &Object::User { id: ME, role: Role::Admin }), Allow);
        assert_eq!(decide(&admin, Action::UserManage, &Object::User { id: OTHER, role: Role::Admin }), Forbid);
        assert_eq!(decide(&admin, Action::UserManage, &Object::User { id: OTHER, role: Role::HeadAdmin }), Forbid);
        assert_eq!(decide(&admin, Action::UserAppointAdmin, &Object::User { id: OTHER, role: Role::Member }), Forbid);
    }

    #[test]
    fn nobody_manages_the_ssh_keys_of_another_account_not_even_the_head_admin() {
        for role in [Role::Member, Role::Admin, Role::HeadAdmin] {
            let me = actor(role);
            assert_eq!(decide(&me, Action::SshKeyManage, &Object::User { id: ME, role }), Allow, "{role:?}");
            let other = Object::User { id: OTHER, role: Role::Member };
            let expected = if role == Role::Member { Hide } else { Forbid };
            assert_eq!(decide(&me, Action::SshKeyManage, &other), expected, "{role:?}");
        }
    }

    #[test]
    fn members_may_name_only_approved_enabled_members_as_service_owners_and_admins_anyone() {
        let member = Actor { id: OTHER, role: Role::Member, approved: true, disabled: false };
        let unapproved = Actor { approved: false, ..member };
        let disabled = Actor { disabled: true, ..member };
        let admin = Actor { role: Role::Admin, ..member };
        for caller in [Role::HeadAdmin, Role::Admin] {
            for candidate in [member, unapproved, disabled, admin] {
                assert_eq!(may_name_service_owner(&actor(caller), &candidate), Allow, "{caller:?} {candidate:?}");
            }
        }
        assert_eq!(may_name_service_owner(&actor(Role::Member), &member), Allow);
        for candidate in [unapproved, disabled, admin] {
            assert_eq!(may_name_service_owner(&actor(Role::Member), &candidate), Hide, "{candidate:?}");
        }
    }
}
