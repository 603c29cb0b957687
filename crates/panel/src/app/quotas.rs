//! Quotas: the limits admins set for a member, overall and per machine, and
//! what her sub-containers use of them (a member reads her own; admins read
//! and set anyone's).

use fluent_templates::fluent_bundle::FluentValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::audited::audited;
use crate::app::{Context, CurrentUser};
use crate::db::machines::{self, MachineId};
use crate::db::quotas::{self, Dimension, Exceeded, Quota, QuotaScope, Usage};
use crate::db::users::{self, User, UserId};
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::policy::{Action, Object};
use crate::texts;

/// The user a quota route names, decided for `action` (a member reads her own).
pub fn quota_owner(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: UserId,
    action: Action,
) -> Result<User, AppError> {
    current.decide_found(action, users::find(connection, id)?, |user| Object::User { id: user.id.0, role: user.role })
}

/// A member's quotas and what her sub-containers take of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UsageView {
    pub user_id: i64,
    pub username: String,
    /// Her overall quota (the configured `default_quota` until an admin sets hers).
    pub quota: Quota,
    /// Whether `quota` is the configured default.
    pub default: bool,
    pub used: Usage,
    /// Every machine, with her quota there (if any) and what she uses there.
    pub machines: Vec<MachineUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MachineUsage {
    pub machine_id: i64,
    pub machine: String,
    /// Her quota on this machine, beside the overall one; null: only the overall one applies.
    pub quota: Option<Quota>,
    pub used: Usage,
}

/// The usage view of `user`.
pub fn usage_of(connection: &mut DbConnection, user: &User, default: &Quota) -> Result<UsageView, AppError> {
    let stored = quotas::stored(connection, user.id)?;
    let usage = quotas::usage(connection, user.id, None)?;
    let mut machine_quotas = quotas::machine_quotas(connection, user.id)?;
    let machines = machines::list(connection)?
        .into_iter()
        .map(|machine| MachineUsage {
            machine_id: machine.id.0,
            quota: machine_quotas.remove(&machine.id.0),
            used: usage.machines.get(&machine.id.0).copied().unwrap_or_default(),
            machine: machine.name.to_string(),
        })
        .collect();
    Ok(UsageView {
        user_id: user.id.0,
        username: user.username.to_string(),
        quota: stored.unwrap_or(*default),
        default: stored.is_none(),
        used: usage.overall,
        machines,
    })
}

/// `id`'s overall quota (the configured default until an admin sets one),
/// if the policy lets `current` view her (`UserView`: a member herself).
pub async fn quota_of_user(
    current: CurrentUser,
    context: &Context,
    pool: &DbPool,
    id: UserId,
) -> Result<Quota, AppError> {
    read_viewable(current, context, pool, id, |connection, user, default| {
        Ok(quotas::get(connection, user.id, default)?)
    })
    .await
}

/// `id`'s quotas and what she uses, overall and per machine, if the policy
/// lets `current` view her (`UserView`: a member herself).
pub async fn usage_of_user(
    current: CurrentUser,
    context: &Context,
    pool: &DbPool,
    id: UserId,
) -> Result<UsageView, AppError> {
    read_viewable(current, context, pool, id, usage_of).await
}

/// What `read` reads of user `id` (given the configured default quota),
/// once the policy let `current` view her.
async fn read_viewable<T: Send + 'static>(
    current: CurrentUser,
    context: &Context,
    pool: &DbPool,
    id: UserId,
    read: impl FnOnce(&mut DbConnection, &User, &Quota) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let default = context.default_quota;
    db::run(pool, move |connection| {
        let user = quota_owner(connection, &current, id, Action::UserView)?;
        read(connection, &user, &default)
    })
    .await
}

/// Replaces `id`'s overall quota with what `read` gives (read once the
/// policy, `UserManage`, allowed it), audited with the route's action
/// (`user.quota`). The API and the admin users page set quotas here.
pub async fn set_quota_of(
    current: CurrentUser,
    pool: &DbPool,
    id: UserId,
    read: impl FnOnce() -> Result<Quota, AppError> + Send + 'static,
) -> Result<Quota, AppError> {
    audited(pool, current.audit(format!("user:{id}")), move |connection, _| {
        quota_owner(connection, &current, id, Action::UserManage)?;
        let quota = read()?;
        quota.validate()?;
        quotas::set(connection, id, &quota)?;
        Ok(quota)
    })
    .await
}

/// Sets (`read` given: what it reads once the policy, `UserManage`, allowed
/// it) or removes (none) `user`'s quota on `machine`, audited `user.quota`.
pub async fn change_machine_quota<R>(
    current: CurrentUser,
    pool: &DbPool,
    (user, machine): (i64, i64),
    read: Option<R>,
) -> Result<Option<Quota>, AppError>
where
    R: FnOnce() -> Result<Quota, AppError> + Send + 'static,
{
    let (user, machine) = (UserId(user), MachineId(machine));
    audited(pool, current.audit(format!("user:{user}")), move |connection, entry| {
        quota_owner(connection, &current, user, Action::UserManage)?;
        let machine = machines::get(connection, machine)?.ok_or_else(AppError::not_found)?;
        entry.machine = Some(machine.name.to_string());
        let quota = read.map(|read| read()).transpose()?;
        if let Some(quota) = &quota {
            quota.validate()?;
        }
        quotas::set_machine_quota(connection, user, machine.id, quota.as_ref())?;
        Ok(quota)
    })
    .await
}

impl From<Exceeded> for AppError {
    /// `quota_exceeded`, saying which quota allows how much of what, what
    /// she uses and what the request asks.
    fn from(exceeded: Exceeded) -> AppError {
        let key = match (exceeded.dimension, &exceeded.scope) {
            (Dimension::Containers, QuotaScope::Overall) => "error-quota-containers",
            (Dimension::Containers, QuotaScope::Machine(_)) => "error-quota-containers-on-machine",
            (Dimension::Cpu, QuotaScope::Overall) => "error-quota-cpu",
            (Dimension::Cpu, QuotaScope::Machine(_)) => "error-quota-cpu-on-machine",
            (Dimension::MemoryMb, QuotaScope::Overall) => "error-quota-memory",
            (Dimension::MemoryMb, QuotaScope::Machine(_)) => "error-quota-memory-on-machine",
            (Dimension::DiskMb, QuotaScope::Overall) => "error-quota-disk",
            (Dimension::DiskMb, QuotaScope::Machine(_)) => "error-quota-disk-on-machine",
            (Dimension::Forwards, QuotaScope::Overall) => "error-quota-forwards",
            (Dimension::Forwards, QuotaScope::Machine(_)) => "error-quota-forwards-on-machine",
            (Dimension::Snapshots, QuotaScope::Overall) => "error-quota-snapshots",
            (Dimension::Snapshots, QuotaScope::Machine(_)) => "error-quota-snapshots-on-machine",
        };
        let mut args = vec![
            ("limit", FluentValue::from(exceeded.limit)),
            ("used", FluentValue::from(exceeded.used)),
            ("asked", FluentValue::from(exceeded.asked)),
        ];
        if let QuotaScope::Machine(machine) = exceeded.scope {
            args.push(("machine", texts::text(machine)));
        }
        AppError::said(ErrorCode::QuotaExceeded, key, &args)
    }
}
