//! The `users` table: accounts and their queries.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::schema::users;
use super::{DbConnection, inserted, unix_now};
use crate::domain::language::Language;
use crate::domain::ldap::{AuthMethod, NO_LOCAL_PASSWORD};
use crate::domain::roles::Role;
use crate::domain::username::Username;

row_id! {
    /// A user's id in the panel's database (the API's `id`).
    UserId
}

/// An account as stored. `Debug` leaves the password hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub password_hash: String,
    pub role: Role,
    pub approved: bool,
    pub disabled: bool,
    pub created_at: i64,
    /// How she signs in (her own password, or the directory's).
    pub auth_method: AuthMethod,
    /// The language she chose for the pages (`None`: her browser's).
    pub language: Option<Language>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("approved", &self.approved)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .field("auth_method", &self.auth_method)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// What `create` needs; the hash comes from `Password::hash`.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub username: &'a Username,
    pub password_hash: &'a str,
    pub role: Role,
    pub approved: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user named {0:?} already exists")]
    UsernameTaken(String),
    /// A row the application did not write (a role or name edited by hand).
    #[error("user {id} in the database is invalid: {reason}")]
    InvalidRow { id: i64, reason: String },
    #[error("database error: {0}")]
    Database(#[from] DieselError),
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    approved: bool,
    disabled: bool,
    created_at: i64,
    auth_method: String,
    language: Option<String>,
}

impl TryFrom<UserRow> for User {
    type Error = UserError;

    fn try_from(row: UserRow) -> Result<User, UserError> {
        let invalid = |reason: String| UserError::InvalidRow { id: row.id, reason };
        Ok(User {
            id: UserId(row.id),
            username: Username::parse(&row.username).map_err(|error| invalid(error.to_string()))?,
            role: row.role.parse::<Role>().map_err(|error| invalid(error.to_string()))?,
            password_hash: row.password_hash,
            approved: row.approved,
            disabled: row.disabled,
            created_at: row.created_at,
            auth_method: row.auth_method.parse::<AuthMethod>().map_err(invalid)?,
            language: match row.language.as_deref() {
                None => None,
                Some(code) => Some(Language::parse(code).ok_or_else(|| invalid(format!("unknown language {code:?}")))?),
            },
        })
    }
}

/// Inserts a user and returns it as stored. A taken username is
/// `UserError::UsernameTaken` and writes nothing (the unique index decides,
/// so two concurrent creates cannot both win).
pub fn create(connection: &mut DbConnection, new: &NewUser<'_>) -> Result<User, UserError> {
    connection.transaction(|connection| {
        let insert = diesel::insert_into(users::table)
            .values((
                users::username.eq(new.username.as_str()),
                users::password_hash.eq(new.password_hash),
                users::role.eq(new.role.as_str()),
                users::approved.eq(new.approved),
                users::disabled.eq(false),
                users::created_at.eq(unix_now()),
            ))
            .execute(connection);
        if !inserted(insert)? {
            return Err(UserError::UsernameTaken(new.username.to_string()));
        }
        find_by_username(connection, new.username)?.ok_or(UserError::Database(DieselError::NotFound))
    })
}

/// What the directory said of an account at a successful sign-in.
#[derive(Debug)]
pub struct DirectoryAccount<'a> {
    pub username: &'a Username,
    /// Her DN in the directory.
    pub dn: &'a str,
    /// The role her groups give her.
    pub role: Role,
}

/// The account of a directory user who just proved her password: created
/// (approved, no local password) at her first sign-in, else given the role
/// her groups give her now and her current DN. A local account of that
/// name is `UsernameTaken`: the directory never takes a local account over.
pub fn upsert_from_directory(connection: &mut DbConnection, account: &DirectoryAccount<'_>) -> Result<User, UserError> {
    connection.transaction(|connection| {
        match find_by_username(connection, account.username)? {
            Some(user) if user.auth_method != AuthMethod::Ldap => {
                return Err(UserError::UsernameTaken(account.username.to_string()));
            }
            Some(user) => {
                diesel::update(users::table.find(user.id.0))
                    .set((users::role.eq(account.role.as_str()), users::external_id.eq(account.dn)))
                    .execute(connection)?;
                // Disabled because she had left the directory's groups: back in, enabled again.
                diesel::update(users::table.find(user.id.0).filter(users::directory_disabled.eq(true)))
                    .set((users::disabled.eq(false), users::directory_disabled.eq(false)))
                    .execute(connection)?;
            }
            None => {
                let insert = diesel::insert_into(users::table)
                    .values((
                        users::username.eq(account.username.as_str()),
                        users::password_hash.eq(NO_LOCAL_PASSWORD),
                        users::role.eq(account.role.as_str()),
                        users::approved.eq(true),
                        users::disabled.eq(false),
                        users::created_at.eq(unix_now()),
                        users::auth_method.eq(AuthMethod::Ldap.as_str()),
                        users::external_id.eq(account.dn),
                    ))
                    .execute(connection);
                if !inserted(insert)? {
                    return Err(UserError::UsernameTaken(account.username.to_string()));
                }
            }
        }
        find_by_username(connection, account.username)?.ok_or(UserError::Database(DieselError::NotFound))
    })
}

/// The account of an OpenID Connect provider's subject (`external_id`:
/// `OidcConfig::external_id`), if she signed in before.
pub fn find_from_provider(connection: &mut DbConnection, external_id: &str) -> Result<Option<User>, UserError> {
    users::table
        .filter(users::auth_method.eq(AuthMethod::Oidc.as_str()))
        .filter(users::external_id.eq(external_id))
        .select(UserRow::as_select())
        .first(connection)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// How many names `create_from_provider` tries (`base`, `base-2`, …).
const PROVIDER_NAME_TRIES: u32 = 100;

/// Creates the account of a provider's subject at her first sign-in (a
/// member, no local password, approved if `approved`), named by the first
/// free candidate of `base` (`base`, `base-2`, …); each try is a savepoint
/// of its own, so a name taken meanwhile only moves on to the next. Two
/// first sign-ins of one subject at once make one account: the unique index
/// on (`auth_method`, `external_id`) refuses the second, which gets the first's.
pub fn create_from_provider(
    connection: &mut DbConnection,
    base: &Username,
    external_id: &str,
    approved: bool,
) -> Result<User, UserError> {
    for n in 1..=PROVIDER_NAME_TRIES {
        let Some(name) = crate::domain::oidc::username_candidate(base, n) else { break };
        let created = connection.transaction(|connection| {
            let insert = diesel::insert_into(users::table)
                .values((
                    users::username.eq(name.as_str()),
                    users::password_hash.eq(crate::domain::oidc::NO_LOCAL_PASSWORD),
                    users::role.eq(Role::Member.as_str()),
                    users::approved.eq(approved),
                    users::disabled.eq(false),
                    users::created_at.eq(unix_now()),
                    users::auth_method.eq(AuthMethod::Oidc.as_str()),
                    users::external_id.eq(external_id),
                ))
                .execute(connection);
            if !inserted(insert)? {
                // Rolls the savepoint back: on PostgreSQL nothing more could run in it.
                return Err(DieselError::RollbackTransaction);
            }
            Ok(())
        });
        match created {
            Ok(()) => {}
            Err(DieselError::RollbackTransaction) => match find_from_provider(connection, external_id)? {
                Some(user) => return Ok(user),
                None => continue,
            },
            Err(error) => return Err(error.into()),
        }
        return find_from_provider(connection, external_id)?.ok_or(UserError::Database(DieselError::NotFound));
    }
    Err(UserError::UsernameTaken(base.to_string()))
}

/// Gives directory account `id` the role its groups give it now (the
/// periodic directory check); a local account is left alone.
pub fn set_directory_role(connection: &mut DbConnection, id: UserId, role: Role) -> Result<(), UserError> {
    diesel::update(users::table.find(id.0).filter(users::auth_method.eq(AuthMethod::Ldap.as_str())))
        .set(users::role.eq(role.as_str()))
        .execute(connection)?;
    Ok(())
}

/// Disables directory account `id` because she left the directory or
/// every mapped group (`directory_disabled`: her next good sign-in enables
/// her again). A local account is left alone.
pub fn disable_from_directory(connection: &mut DbConnection, id: UserId) -> Result<(), UserError> {
    diesel::update(users::table.find(id.0).filter(users::auth_method.eq(AuthMethod::Ldap.as_str())))
        .set((users::disabled.eq(true), users::directory_disabled.eq(true)))
        .execute(connection)?;
    Ok(())
}

/// Every enabled directory account: the periodic directory check looks at
/// these (id, username).
pub fn directory_accounts_enabled(connection: &mut DbConnection) -> Result<Vec<(UserId, Username)>, UserError> {
    let rows: Vec<(i64, String)> = users::table
        .filter(users::auth_method.eq(AuthMethod::Ldap.as_str()))
        .filter(users::disabled.eq(false))
        .order(users::id)
        .select((users::id, users::username))
        .load(connection)?;
    rows.into_iter()
        .map(|(id, name)| {
            let username =
                Username::parse(&name).map_err(|error| UserError::InvalidRow { id, reason: error.to_string() })?;
            Ok((UserId(id), username))
        })
        .collect()
}

pub fn find_by_username(connection: &mut DbConnection, username: &Username) -> Result<Option<User>, UserError> {
    users::table
        .filter(users::username.eq(username.as_str()))
        .select(UserRow::as_select())
        .first(connection)
        .optional()?
        .map(User::try_from)
        .transpose()
}

pub fn find(connection: &mut DbConnection, id: UserId) -> Result<Option<User>, UserError> {
    users::table.find(id.0).select(UserRow::as_select()).first(connection).optional()?.map(User::try_from).transpose()
}

/// Every user, oldest first.
pub fn list(connection: &mut DbConnection) -> Result<Vec<User>, UserError> {
    users::table
        .order(users::id)
        .select(UserRow::as_select())
        .load(connection)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

pub fn count(connection: &mut DbConnection) -> Result<i64, UserError> {
    Ok(users::table.count().get_result(connection)?)
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, Copy)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub approved: Option<bool>,
    pub disabled: Option<bool>,
}

/// Applies `changes` to user `id` and returns it as stored afterwards.
pub fn update(connection: &mut DbConnection, id: UserId, changes: UserChanges) -> Result<Option<User>, UserError> {
    if let Some(role) = changes.role {
        diesel::update(users::table.find(id.0)).set(users::role.eq(role.as_str())).execute(connection)?;
    }
    if let Some(approved) = changes.approved {
        diesel::update(users::table.find(id.0)).set(users::approved.eq(approved)).execute(connection)?;
    }
    if let Some(disabled) = changes.disabled {
        diesel::update(users::table.find(id.0)).set(users::disabled.eq(disabled)).execute(connection)?;
    }
    find(connection, id)
}

/// Replaces a user's password hash (from `Password::hash`).
/// Inside the write transaction of a credential (a session, a token, a
/// new password): whether the account is still as the password check saw it,
/// the same hash, enabled and approved. Its row is locked first
/// (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serializes writers), so a
/// password change or a disable that committed while Argon2 ran wins, and
/// one that comes later finds the credential there and revokes it.
pub fn unchanged_since_check(
    connection: &mut DbConnection,
    id: UserId,
    verified_hash: &str,
) -> Result<bool, UserError> {
    diesel::update(users::table.find(id.0)).set(users::id.eq(users::id)).execute(connection)?;
    Ok(find(connection, id)?.is_some_and(|user| user.password_hash == verified_hash && !user.disabled && user.approved))
}

pub fn set_password_hash(connection: &mut DbConnection, id: UserId, hash: &str) -> Result<(), UserError> {
    diesel::update(users::table.find(id.0)).set(users::password_hash.eq(hash)).execute(connection)?;
    Ok(())
}

/// Sets the language of `id`'s pages (`None`: her browser's).
pub fn set_language(connection: &mut DbConnection, id: UserId, language: Option<Language>) -> Result<(), UserError> {
    diesel::update(users::table.find(id.0))
        .set(users::language.eq(language.map(Language::code)))
        .execute(connection)?;
    Ok(())
}
