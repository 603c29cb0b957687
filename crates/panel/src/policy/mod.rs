//! Authorization, pure: `decide` (the one function every use case asks),
//! and what follows from it. The caller loads the facts and passes them in.

mod accounts;
mod claims;
mod decide;
mod visibility;

pub use accounts::appoints_admin;
pub use claims::{
    acting_as, agent_tier, may_add_ssh_keys, may_make_tokens, may_manage_totp, token_may_change_state, withholds_admin,
};
pub use decide::{Action, Actor, ActorId, Decision, Object, decide, may_name_service_owner};
pub use visibility::{
    ListCandidates, container_candidates, exempt_from_quotas, may_list_every_container, own_audit_rows,
    sees_every_account, sees_every_audit_row, service_candidates, shows_admin_menu, shows_audit_detail,
};

/// What the policy's tests share: the actor they ask for.
#[cfg(test)]
mod testing {
    use super::{Actor, ActorId};
    use crate::domain::roles::Role;

    /// The asking actor's id.
    pub const ME: ActorId = 1;

    /// `ME`, approved and enabled, with `role`.
    pub fn actor(role: Role) -> Actor {
        Actor { id: ME, role, approved: true, disabled: false }
    }
}
