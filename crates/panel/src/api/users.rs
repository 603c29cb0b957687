//! `GET/POST /api/v1/users`, `PATCH /api/v1/users/{id}`: accounts, as the
//! policy allows (admins manage members; only a head admin makes admins; a
//! member gets 404 for anyone else's account).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::Items;
use crate::api::responses::{AllowedChange, BodyTooLarge, Internal, NotFound, Unauthenticated};
use crate::app::CurrentUser;
use crate::app::audited::audited;
use crate::db::users::{self, NewUser, User, UserChanges, UserId};
use crate::db::{self, DbPool, sessions, tokens};
use crate::domain::password::Password;
use crate::domain::roles::Role;
use crate::domain::username::Username;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::http::body::Body;
use crate::policy::{Action, Object};

/// A user as the API shows it (PANEL.md's fields).
#[derive(Debug, Serialize, ToSchema)]
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

#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "list_users",
    tag = "users",
    summary = "Every account (admins)",
    responses(
        (status = 200, description = "The accounts.", body = Items<UserView>),
        (status = 403, description = "`forbidden` (members), `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        Unauthenticated, Internal,
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let items = list_users(&pool, &current).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// Every account, if the policy lets the caller see them (the API and the
/// users page list them here).
pub(crate) async fn list_users(pool: &DbPool, current: &CurrentUser) -> Result<Vec<UserView>, AppError> {
    current.decide(Action::UserView, &Object::Nothing)?;
    db::run(pool, move |connection| Ok::<_, AppError>(users::list(connection)?.iter().map(UserView::from).collect()))
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub(crate) username: String,
    pub(crate) role: Role,
    /// Leave out to have the panel generate one (answered once).
    #[schema(format = Password)]
    pub(crate) password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedUser {
    #[serde(flatten)]
    pub(crate) user: UserView,
    /// Only when the panel generated it; shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "create_user",
    tag = "users",
    summary = "Create an account (admins; only the head admin makes admins)",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created, approved.", body = CreatedUser),
        (status = 409, description = "`conflict`: the username is taken.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad username, role or password.", body = ErrorBody),
        AllowedChange, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn create(current: CurrentUser, pool: web::Data<DbPool>, body: Body) -> Result<HttpResponse, AppError> {
    let created = create_user(&pool, current, move || body.json()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Creates an approved account, audited; `request` is read after the
/// policy allowed it, and checked and its password hashed on the blocking
/// pool before a connection (and SQLite's write lock) is taken; a refusal is
/// audited all the same (the API and the users page create accounts here).
pub(crate) async fn create_user(
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<CreateUser, AppError> + Send + 'static,
) -> Result<CreatedUser, AppError> {
    let entry = current.audit("user:new");
    let (object, checked) = web::block(move || {
        let mut object = None;
        let checked = (|| -> Result<_, AppError> {
            current.decide(Action::UserManage, &Object::Nothing)?;
            let CreateUser { username, role, password } = request()?;
            object = Some(format!("username:{}", username.chars().take(64).collect::<String>()));
            if role.is_admin() {
                current.decide(Action::UserAppointAdmin, &Object::Nothing)?;
            }
            let username =
                Username::parse(&username).map_err(|error| AppError::invalid_input(format!("username: {error}")))?;
            let (password, generated) = match password {
                Some(text) => (
                    Password::parse(text).map_err(|error| AppError::invalid_input(format!("password: {error}")))?,
                    false,
                ),
                None => (Password::generate(), true),
            };
            let password_hash = password.hash().map_err(AppError::internal)?;
            Ok((username, role, password_hash, generated.then(|| password.expose().to_owned())))
        })();
        (object, checked)
    })
    .await
    .map_err(AppError::internal)?;
    audited(pool, entry, move |connection, entry| {
        if let Some(object) = object {
            entry.object = object;
        }
        let (username, role, password_hash, generated) = checked?;
        let user = users::create(
            connection,
            &NewUser { username: &username, password_hash: &password_hash, role, approved: true },
        )?;
        entry.object = format!("user:{}", user.id);
        Ok(CreatedUser { user: UserView::from(&user), password: generated })
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub(crate) role: Option<Role>,
    pub(crate) approved: Option<bool>,
    pub(crate) disabled: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    operation_id = "update_user",
    tag = "users",
    summary = "Change an account's role, approval or disabled flag (admins)",
    params(("id" = i64, Path, description = "The user's id.")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The updated account. Disabling or unapproving it also ends every session \
            and token of hers, for good.", body = UserView),
        (status = 403, description = "`forbidden` (also for locking yourself out), `csrf_failed`, \
            `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`.", body = ErrorBody),
        Unauthenticated, NotFound, BodyTooLarge, Internal,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn update(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let updated = update_user(&pool, current, UserId(path.into_inner()), move || body.json()).await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Changes an account's role, approval or disabled flag, audited, as the
/// policy allows (a disable or unapproval also ends her sessions and
/// tokens, for good); `request` is read inside the audited work after the policy
/// allowed the change (the API and the users page update accounts here).
pub(crate) async fn update_user(
    pool: &DbPool,
    current: CurrentUser,
    id: UserId,
    request: impl FnOnce() -> Result<UpdateUser, AppError> + Send + 'static,
) -> Result<UserView, AppError> {
    audited(pool, current.audit(format!("user:{id}")), move |connection, _| {
        let target = users::find(connection, id)?;
        let object = match &target {
            Some(user) => Object::User { id: user.id.0, role: user.role },
            None => Object::Missing,
        };
        current.decide(Action::UserManage, &object)?;
        let UpdateUser { role, approved, disabled } = request()?;
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
        // A disable (or an unapproval) ends every session and token of the
        // account for good, in this transaction: enabling it again brings
        // none of them back, so a compromise is not revived with it.
        if disabled == Some(true) || approved == Some(false) {
            sessions::revoke_all_but(connection, id, None)?;
            tokens::revoke_all(connection, id)?;
        }
        Ok(UserView::from(&user))
    })
    .await
}
