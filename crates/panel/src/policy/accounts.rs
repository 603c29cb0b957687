//! What changing an account asks of the policy beyond `decide`: whether the
//! change gives or takes the admin role (which only the head admin may do,
//! `Action::UserAppointAdmin`).

use crate::domain::roles::Role;

/// Whether giving an account the role `to` gives or takes the admin role:
/// `from` is the role it has (`None`: a new account). An admin's or a head
/// admin's account made, or any account's role changed from or to one of
/// those, is an appointment; a member made or left a member is not.
pub fn appoints_admin(from: Option<Role>, to: Role) -> bool {
    match from {
        None => to.is_admin(),
        Some(from) => from != to && (to.is_admin() || from.is_admin()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn making_or_unmaking_an_admin_is_an_appointment_and_nothing_else_is() {
        assert!(!appoints_admin(None, Role::Member));
        assert!(appoints_admin(None, Role::Admin));
        assert!(appoints_admin(None, Role::HeadAdmin));
        for role in Role::ALL {
            assert!(!appoints_admin(Some(role), role), "{role:?} left as it is");
        }
        assert!(appoints_admin(Some(Role::Member), Role::Admin));
        assert!(appoints_admin(Some(Role::Admin), Role::Member));
        assert!(appoints_admin(Some(Role::Admin), Role::HeadAdmin));
        assert!(appoints_admin(Some(Role::HeadAdmin), Role::Member));
    }
}
