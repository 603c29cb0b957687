//! The `quotas` table: the limits an admin sets for a member (checked when
//! she creates containers). No row, or a NULL column, means no limit.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::quotas;
use super::users::UserId;
use super::{DbConnection, unix_now};

/// A member's limits; `None` is unlimited.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, utoipa::ToSchema,
)]
#[diesel(table_name = quotas)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub containers: Option<i64>,
    pub cpu: Option<i64>,
    pub memory_mb: Option<i64>,
    pub disk_mb: Option<i64>,
}

impl Quota {
    /// A negative limit makes no sense; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("containers", self.containers),
            ("cpu", self.cpu),
            ("memory_mb", self.memory_mb),
            ("disk_mb", self.disk_mb),
        ] {
            if value.is_some_and(|value| value < 0) {
                return Err(format!("{name} must be 0 or more, or null for no limit"));
            }
        }
        Ok(())
    }
}

/// The user's quota (all `None` when none was set).
pub fn get(connection: &mut DbConnection, user: UserId) -> QueryResult<Quota> {
    Ok(quotas::table.find(user.0).select(Quota::as_select()).first(connection).optional()?.unwrap_or_default())
}

/// Replaces the user's quota.
pub fn set(connection: &mut DbConnection, user: UserId, quota: &Quota) -> QueryResult<()> {
    connection.transaction(|connection| {
        diesel::delete(quotas::table.find(user.0)).execute(connection)?;
        diesel::insert_into(quotas::table)
            .values((
                quotas::user_id.eq(user.0),
                quotas::containers.eq(quota.containers),
                quotas::cpu.eq(quota.cpu),
                quotas::memory_mb.eq(quota.memory_mb),
                quotas::disk_mb.eq(quota.disk_mb),
                quotas::updated_at.eq(unix_now()),
            ))
            .execute(connection)?;
        Ok(())
    })
}
