//! Accounts: listed, created and changed as the policy allows (admins
//! manage members; only a head admin makes admins; a member gets 404 for
//! anyone else's account), and signing up (`sign_up`: an unapproved member,
//! while `allow_signup` is on), and her own choice of the pages' language
//! (`set_own_language`). The API and the pages call these.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audited::{AuditEntry, audited};
use crate::app::blocking::blocking;
use crate::app::password::refused_password;
use crate::app::sessions::AnonymousRefusal;
use crate::app::totp::TotpState;
use crate::app::{Context, CurrentUser};
use crate::db::users::{self, NewUser, User, UserChanges, UserId};
use crate::db::{self, DbPool, sessions, tokens};
use crate::domain::language::Language;
use crate::domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Password, PasswordError};
use crate::domain::roles::Role;
use crate::domain::username::{MAX_USERNAME_CHARS, Username, UsernameError};
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Object};
use crate::texts;

/// A user as the API shows it (PANEL.md's fields).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub approved: bool,
    pub disabled: bool,
    /// How she signs in: `local` (her password here) or `ldap` (the directory's).
    pub auth_method: crate::domain::ldap::AuthMethod,
    /// Her TOTP second factor (`off`, `pending`, `active`): in the list of
    /// users only (`GET /api/v1/users`, the admins' page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpState>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            id: user.id.0,
            username: user.username.to_string(),
            role: user.role,
            approved: user.approved,
            disabled: user.disabled,
            auth_method: user.auth_method,
            totp: None,
        }
    }
}

/// Every account, if the policy lets the caller see them (the API and the
/// users page list them here).
pub(crate) async fn list_users(pool: &DbPool, current: &CurrentUser) -> Result<Vec<UserView>, AppError> {
    current.decide(Action::UserView, &Object::Nothing)?;
    db::run(pool, move |connection| {
        let states = crate::app::totp::states(connection)?;
        Ok::<_, AppError>(
            users::list(connection)?
                .iter()
                .map(|user| UserView {
                    totp: Some(states.get(&user.id).copied().unwrap_or(TotpState::Off)),
                    ..UserView::from(user)
                })
                .collect(),
        )
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 1 to 32 lowercase letters, digits, `_`, `.` and `-`, the first a letter.
    #[schema(pattern = "^[a-z][a-z0-9_.-]{0,31}$")]
    pub(crate) username: String,
    pub(crate) role: Role,
    /// Leave out to have the panel generate one (answered once); 12 to 1024 characters.
    #[schema(format = Password, min_length = 12, max_length = 1024)]
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

/// The audit object of an account asked for by `username` (cut to 64 characters).
pub(crate) fn username_object(username: &str) -> String {
    format!("username:{}", username.chars().take(64).collect::<String>())
}

/// A username as typed, checked; a refusal names the field `username`.
fn parse_username(username: &str) -> Result<Username, AppError> {
    Username::parse(username).map_err(|error| match error {
        UsernameError::Empty => AppError::invalid("error-account-username-empty", &[]),
        UsernameError::TooLong => {
            AppError::invalid("error-account-username-too-long", &[("max", texts::text(MAX_USERNAME_CHARS))])
        }
        UsernameError::BadStart => AppError::invalid("error-account-username-bad-start", &[]),
        UsernameError::BadCharacter(bad) => {
            AppError::invalid("error-account-username-bad-character", &[("character", texts::text(format!("{bad:?}")))])
        }
    })
}

/// The 422 of an admin's password for a new account that breaks the rules,
/// naming the field `password`.
fn refused_field_password(error: PasswordError) -> AppError {
    match error {
        PasswordError::TooShort => {
            AppError::invalid("error-account-new-password-too-short", &[("min", texts::text(MIN_PASSWORD_CHARS))])
        }
        PasswordError::TooLong => {
            AppError::invalid("error-account-new-password-too-long", &[("max", texts::text(MAX_PASSWORD_CHARS))])
        }
        PasswordError::Hash(_) => refused_password(error),
    }
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
    let (object, checked) = blocking(move || {
        let mut object = None;
        let checked = (|| -> Result<_, AppError> {
            current.decide(Action::UserManage, &Object::Nothing)?;
            let CreateUser { username, role, password } = request()?;
            object = Some(username_object(&username));
            if policy::appoints_admin(None, role) {
                current.decide(Action::UserAppointAdmin, &Object::Nothing)?;
            }
            let username = parse_username(&username)?;
            let (password, generated) = match password {
                Some(text) => (Password::parse(text).map_err(refused_field_password)?, false),
                None => (Password::generate(), true),
            };
            let password_hash = password.hash().map_err(AppError::internal)?;
            Ok((username, role, password_hash, generated.then(|| password.expose().to_owned())))
        })();
        (object, checked)
    })
    .await?;
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
            return Err(AppError::said(ErrorCode::Forbidden, "error-account-own-account", &[]));
        }
        if let (Some(new_role), Some(user)) = (role, &target)
            && policy::appoints_admin(Some(user.role), new_role)
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

/// A sign-up as the form sends it: the password typed twice.
#[derive(Deserialize)]
pub struct SignUp {
    pub username: String,
    pub password: String,
    pub password_again: String,
}

/// Makes an unapproved member, audited as `user.signup`, and answers her
/// username as checked. Only while `allow_signup` is on (else `not_found`),
/// rate-limited with the login's limiter by the `client` address; those two
/// refusals come before any work and are left to the front end to write
/// (`AnonymousRefusal::BeforeWork`). The form (`submitted`, as the front end
/// read it) is checked and the password hashed on the blocking pool, before
/// a connection (and SQLite's write lock) is taken, whether the name is free
/// or not. A taken username is answered exactly as a free one (the password
/// hashed all the same), and nothing is created or changed for it: sign-up
/// does not tell who has an account. Its audit row (admins only) says
/// `conflict`.
pub async fn sign_up(
    context: &Context,
    pool: &DbPool,
    client: Option<IpAddr>,
    submitted: Result<SignUp, AppError>,
) -> Result<String, AnonymousRefusal> {
    let object = match &submitted {
        Ok(form) => username_object(&form.username),
        Err(_) => "username:?".to_owned(),
    };
    let entry = AuditEntry::anonymous("user.signup", object);
    if !context.allow_signup {
        return Err(AnonymousRefusal::BeforeWork { entry, error: AppError::not_found() });
    }
    if !context.login_limiter.allow_address(client) {
        let error = AppError::said(ErrorCode::RateLimited, "error-account-signup-rate-limited", &[]);
        return Err(AnonymousRefusal::BeforeWork { entry, error });
    }
    let prepared = blocking(move || {
        let SignUp { username, password, password_again } = submitted?;
        let username = parse_username(&username)?;
        if password != password_again {
            return Err(AppError::invalid("error-account-signup-passwords-differ", &[]));
        }
        let password = Password::parse(password).map_err(refused_password)?;
        Ok((username, password.hash().map_err(AppError::internal)?))
    })
    .await
    .and_then(|prepared| prepared);
    let chosen = prepared.as_ref().map(|(username, _)| username.to_string()).unwrap_or_default();
    let created = audited(pool, entry, move |connection, _| {
        let (username, password_hash) = prepared?;
        let new = NewUser { username: &username, password_hash: &password_hash, role: Role::Member, approved: false };
        users::create(connection, &new)?;
        Ok(())
    })
    .await;
    match created {
        // Taken (`conflict`, audited as refused) reads exactly as made.
        Ok(()) => Ok(chosen),
        Err(error) if error.code == ErrorCode::Conflict => Ok(chosen),
        Err(error) => Err(AnonymousRefusal::Audited(error)),
    }
}

/// Sets the caller's own language for the pages (`None`: her browser's),
/// audited as the route's action on `user:ID` with the code as detail. It
/// is hers alone and changes no right, so the policy has nothing to decide.
pub async fn set_own_language(pool: &DbPool, current: CurrentUser, language: Option<Language>) -> Result<(), AppError> {
    let user_id = current.user.id;
    let mut entry = current.audit(format!("user:{user_id}"));
    entry.detail = Some(format!("language={}", language.map_or("browser", Language::code)));
    audited(pool, entry, move |connection, _| Ok(users::set_language(connection, user_id, language)?)).await
}
