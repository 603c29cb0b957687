//! `GET/POST /api/v1/users`, `PATCH /api/v1/users/{id}`: accounts, as the
//! policy allows (admins manage members; only a head admin makes admins; a
//! member gets 404 for anyone else's account).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::audited::audited;
use super::auth::CurrentUser;
use crate::db::quotas::{self, Quota};
use crate::db::users::{self, NewUser, User, UserChanges, UserId};
use crate::db::{self, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::password::Password;
use crate::policy::{Action, Object};
use crate::roles::Role;
use crate::username::Username;

/// A user as the API shows it (PANEL.md's fields).
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub approved: bool,
    pub disabled: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            id: user.id.0,
            username: user.username.to_string(),
            role: user.role,
            approved: user.approved,
            disabled: user.disabled,
        }
    }
}

pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    current.decide(Action::UserView, &Object::Nothing)?;
    let items: Vec<UserView> = db::run(&pool, move |connection| {
        Ok::<_, AppError>(users::list(connection)?.iter().map(UserView::from).collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    username: String,
    role: Role,
    password: Option<String>,
}

#[derive(Serialize)]
struct CreatedUser {
    #[serde(flatten)]
    user: UserView,
    /// Only when the panel generated it; shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

pub async fn create(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, AppError> {
    let CreateUser { username, role, password } = body.into_inner();
    let entry = current.audit(format!("username:{}", username.chars().take(64).collect::<String>()));
    let created = audited(&pool, entry, move |connection, entry| {
        current.decide(Action::UserManage, &Object::Nothing)?;
        if role.is_admin() {
            current.decide(Action::UserAppointAdmin, &Object::Nothing)?;
        }
        let username =
            Username::parse(&username).map_err(|error| AppError::invalid_input(format!("username: {error}")))?;
        let (password, generated) = match password {
            Some(text) => {
                (Password::parse(text).map_err(|error| AppError::invalid_input(format!("password: {error}")))?, false)
            }
            None => (Password::generate(), true),
        };
        let password_hash = password.hash().map_err(AppError::internal)?;
        let user = users::create(
            connection,
            &NewUser { username: &username, password_hash: &password_hash, role, approved: true },
        )?;
        entry.object = format!("user:{}", user.id);
        Ok(CreatedUser { user: UserView::from(&user), password: generated.then(|| password.expose().to_owned()) })
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    role: Option<Role>,
    approved: Option<bool>,
    disabled: Option<bool>,
}

pub async fn update(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, AppError> {
    let id = UserId(path.into_inner());
    let UpdateUser { role, approved, disabled } = body.into_inner();
    let updated = audited(&pool, current.audit(format!("user:{id}")), move |connection, _| {
        let target = users::find(connection, id)?;
        let object = match &target {
            Some(user) => Object::User { id: user.id.0, role: user.role },
            None => Object::Missing,
        };
        current.decide(Action::UserManage, &object)?;
        let locks_out =
            disabled == Some(true) || approved == Some(false) || role.is_some_and(|role| role != current.user.role);
        if id == current.user.id && locks_out {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you cannot disable, unapprove or change the role of your own account; ask another admin",
            ));
        }
        if let (Some(new_role), Some(user)) = (role, &target)
            && new_role != user.role
            && (new_role.is_admin() || user.role.is_admin())
        {
            current.decide(Action::UserAppointAdmin, &object)?;
        }
        let user =
            users::update(connection, id, UserChanges { role, approved, disabled })?.ok_or_else(AppError::not_found)?;
        Ok(UserView::from(&user))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// The user a quota route names, decided for `action` (a member reads her own).
fn quota_owner(
    connection: &mut crate::db::DbConnection,
    current: &CurrentUser,
    id: UserId,
    action: Action,
) -> Result<User, AppError> {
    let user = users::find(connection, id)?;
    let object = match &user {
        Some(user) => Object::User { id: user.id.0, role: user.role },
        None => Object::Missing,
    };
    current.decide(action, &object)?;
    user.ok_or_else(AppError::not_found)
}

/// `GET /api/v1/users/{id}/quota`: admins, and a member for herself.
pub async fn quota(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = UserId(path.into_inner());
    let quota = db::run(&pool, move |connection| {
        quota_owner(connection, &current, id, Action::UserView)?;
        Ok::<_, AppError>(quotas::get(connection, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(quota))
}

/// `PUT /api/v1/users/{id}/quota` `{"containers","cpu","memory_mb","disk_mb"}` (null: no limit).
pub async fn set_quota(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Json<Quota>,
) -> Result<HttpResponse, AppError> {
    let id = UserId(path.into_inner());
    let quota = body.into_inner();
    let stored = audited(&pool, current.audit(format!("user:{id}")), move |connection, _| {
        quota_owner(connection, &current, id, Action::UserManage)?;
        quota.validate().map_err(AppError::invalid_input)?;
        quotas::set(connection, id, &quota)?;
        Ok(quotas::get(connection, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(stored))
}
