//! The `ssh_keys` table: the SSH public keys of each account's profile, the
//! keys the SSH gateway lets her in with. A key is stored as its canonical
//! `TYPE BASE64` (the pasted line's comment is dropped) with its SHA-256
//! fingerprint (`SHA256:…`, as `ssh-keygen -lf` prints it), which is unique
//! across every account: one key opens one account, so the gateway knows
//! whose key was offered from the fingerprint alone.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::schema::ssh_keys;
use super::users::UserId;
use super::{DbConnection, inserted, unix_now};

row_id! {
    /// An SSH key's id in the panel's database (the API's `id`).
    SshKeyId
}

/// A key of a profile as listed and answered.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = ssh_keys)]
pub struct SshKey {
    pub id: i64,
    /// Her label for it, 1 to 64 characters.
    pub name: String,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256` (`…384`, `…521`) or `ssh-rsa`.
    #[schema(example = "ssh-ed25519")]
    pub algorithm: String,
    /// The canonical `TYPE BASE64`, without the pasted line's comment.
    #[schema(example = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI…")]
    pub public_key: String,
    /// Its SHA-256 fingerprint, as `ssh-keygen -lf` prints it.
    #[schema(example = "SHA256:WYprxGmFjy/vFOoV…")]
    pub fingerprint: String,
    /// Unix time.
    pub created_at: i64,
    /// Unix time of the last sign-in with it through the SSH gateway, to the
    /// minute (written at most once a minute); null: never used.
    pub last_used_at: Option<i64>,
    /// Imported from the OpenID Connect provider (GitLab) at her sign-in,
    /// and replaced at each: a key removed there goes here too.
    pub imported: bool,
}

impl SshKey {
    pub fn id(&self) -> SshKeyId {
        SshKeyId(self.id)
    }
}

/// What `create` stores.
#[derive(Debug, Clone, Copy)]
pub struct NewSshKey<'a> {
    pub user_id: UserId,
    pub name: &'a str,
    pub algorithm: &'a str,
    pub public_key: &'a str,
    pub fingerprint: &'a str,
    pub imported: bool,
}

/// Stores a key and returns it as listed; `None` (nothing written) when a
/// key with its fingerprint is already on any account. The unique index
/// decides, in a savepoint of its own, so two concurrent adds of one key
/// cannot both win and the caller's transaction goes on either way.
pub fn create(connection: &mut DbConnection, new: &NewSshKey<'_>) -> Result<Option<SshKey>, DieselError> {
    let outcome = connection.transaction(|connection| {
        let insert = diesel::insert_into(ssh_keys::table)
            .values((
                ssh_keys::user_id.eq(new.user_id.0),
                ssh_keys::name.eq(new.name),
                ssh_keys::algorithm.eq(new.algorithm),
                ssh_keys::public_key.eq(new.public_key),
                ssh_keys::fingerprint.eq(new.fingerprint),
                ssh_keys::created_at.eq(unix_now()),
                ssh_keys::imported.eq(new.imported),
            ))
            .execute(connection);
        if !inserted(insert)? {
            // Rolls the savepoint back: on PostgreSQL nothing more could run in it.
            return Err(DieselError::RollbackTransaction);
        }
        ssh_keys::table.filter(ssh_keys::fingerprint.eq(new.fingerprint)).select(SshKey::as_select()).first(connection)
    });
    match outcome {
        Ok(key) => Ok(Some(key)),
        Err(DieselError::RollbackTransaction) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The keys of `user_id`, oldest first.
pub fn list_of(connection: &mut DbConnection, user_id: UserId) -> Result<Vec<SshKey>, DieselError> {
    ssh_keys::table
        .filter(ssh_keys::user_id.eq(user_id.0))
        .order(ssh_keys::id)
        .select(SshKey::as_select())
        .load(connection)
}

/// How many keys `user_id` has.
pub fn count_of(connection: &mut DbConnection, user_id: UserId) -> Result<i64, DieselError> {
    ssh_keys::table.filter(ssh_keys::user_id.eq(user_id.0)).count().get_result(connection)
}

/// Deletes the key `id` of `user_id` and returns it; `None` when she has
/// no key of that id (another user's key included).
pub fn delete_of(connection: &mut DbConnection, user_id: UserId, id: SshKeyId) -> Result<Option<SshKey>, DieselError> {
    let mine = ssh_keys::table.find(id.0).filter(ssh_keys::user_id.eq(user_id.0));
    let Some(key) = mine.select(SshKey::as_select()).first(connection).optional()? else {
        return Ok(None);
    };
    diesel::delete(mine).execute(connection)?;
    Ok(Some(key))
}

/// The user whose profile holds the key `id`, if it still exists.
pub fn owner_of(connection: &mut DbConnection, id: SshKeyId) -> Result<Option<UserId>, DieselError> {
    let found: Option<i64> = ssh_keys::table.find(id.0).select(ssh_keys::user_id).first(connection).optional()?;
    Ok(found.map(UserId))
}

/// The key with this fingerprint and the id of the user it belongs to.
pub fn find_by_fingerprint(
    connection: &mut DbConnection,
    fingerprint: &str,
) -> Result<Option<(SshKey, UserId)>, DieselError> {
    let found: Option<(SshKey, i64)> = ssh_keys::table
        .filter(ssh_keys::fingerprint.eq(fingerprint))
        .select((SshKey::as_select(), ssh_keys::user_id))
        .first(connection)
        .optional()?;
    Ok(found.map(|(key, user_id)| (key, UserId(user_id))))
}

/// How stale `last_used_at` may be: it is written at most once a minute.
pub const LAST_USED_PRECISION_S: i64 = 60;

/// Records a sign-in with the key `id` now, unless one was recorded in the
/// last minute: a script that connects in a loop does not take SQLite's
/// write lock on every connection. True when it wrote.
pub fn touch(connection: &mut DbConnection, id: SshKeyId) -> Result<bool, DieselError> {
    let now = unix_now();
    let stale = ssh_keys::last_used_at.is_null().or(ssh_keys::last_used_at.lt(now - LAST_USED_PRECISION_S));
    let changed = diesel::update(ssh_keys::table.find(id.0).filter(stale))
        .set(ssh_keys::last_used_at.eq(now))
        .execute(connection)?;
    Ok(changed == 1)
}

/// What `replace_imported` changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportChange {
    pub added: usize,
    pub removed: usize,
    /// Keys left out: on another account already, or over `max_keys`.
    pub skipped: usize,
}

/// Makes the imported keys of `user_id` exactly `keys` (each with
/// `imported`): her imported keys not among them are deleted, the new ones
/// added while she has fewer than `max_keys`; a key already on her account
/// (added by hand) stays as it is, one on another account is skipped. Her
/// own keys are never touched. One transaction.
pub fn replace_imported(
    connection: &mut DbConnection,
    user_id: UserId,
    keys: &[NewSshKey<'_>],
    max_keys: i64,
) -> Result<ImportChange, DieselError> {
    connection.transaction(|connection| {
        let mut change = ImportChange::default();
        let wanted: Vec<&str> = keys.iter().map(|key| key.fingerprint).collect();
        let gone = ssh_keys::table
            .filter(ssh_keys::user_id.eq(user_id.0))
            .filter(ssh_keys::imported.eq(true))
            .filter(ssh_keys::fingerprint.ne_all(&wanted));
        change.removed = diesel::delete(gone).execute(connection)?;
        let mine: Vec<String> =
            ssh_keys::table.filter(ssh_keys::user_id.eq(user_id.0)).select(ssh_keys::fingerprint).load(connection)?;
        let mut count = mine.len() as i64;
        for key in keys.iter().filter(|key| !mine.iter().any(|fingerprint| fingerprint == key.fingerprint)) {
            if count >= max_keys {
                change.skipped += 1;
                continue;
            }
            match create(connection, &NewSshKey { user_id, imported: true, ..*key })? {
                Some(_) => {
                    change.added += 1;
                    count += 1;
                }
                None => change.skipped += 1,
            }
        }
        Ok(change)
    })
}
