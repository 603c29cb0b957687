//! `Role`: the stored role of a user. "Container owner" and "service owner"
//! are not roles: they come from ownership rows.

use std::fmt;
use std::str::FromStr;

/// `head_admin` has root on the machines and appoints admins; `admin`
/// manages every container, service and member; `member` owns things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    HeadAdmin,
    Admin,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::HeadAdmin, Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::HeadAdmin => "head_admin",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::HeadAdmin | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not `head_admin`, `admin` or `member`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: use head_admin, admin or member")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == text).ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_string() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
    }

    #[test]
    fn an_unknown_role_names_the_valid_ones() {
        let error = "root".parse::<Role>().unwrap_err();
        assert!(error.to_string().contains("head_admin, admin or member"));
    }
}
