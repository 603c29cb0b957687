//! The `sessions` table: browser sessions. The row's id is the SHA-256 (hex)
//! of the cookie's secret, so a database dump holds no usable session.

use diesel::prelude::*;

use super::schema::sessions;
use super::users::UserId;
use super::{DbConnection, unix_now};

/// A session that is neither revoked nor expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub expires_at: i64,
}

pub fn create(
    connection: &mut DbConnection,
    id_hash: &str,
    user_id: UserId,
    csrf_token: &str,
    lifetime_s: i64,
) -> Result<(), diesel::result::Error> {
    let now = unix_now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id_hash),
            sessions::user_id.eq(user_id.0),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + lifetime_s),
        ))
        .execute(connection)?;
    Ok(())
}

/// The live session whose id hash is `id_hash`, if any.
pub fn find_live(connection: &mut DbConnection, id_hash: &str) -> Result<Option<Session>, diesel::result::Error> {
    let row: Option<(String, i64, String, i64)> = sessions::table
        .filter(sessions::id.eq(id_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(unix_now()))
        .select((sessions::id, sessions::user_id, sessions::csrf_token, sessions::expires_at))
        .first(connection)
        .optional()?;
    Ok(row.map(|(id_hash, user_id, csrf_token, expires_at)| Session {
        id_hash,
        user_id: UserId(user_id),
        csrf_token,
        expires_at,
    }))
}

/// When the session `id_hash` was opened (unix time), if it exists.
pub fn created_at(connection: &mut DbConnection, id_hash: &str) -> Result<Option<i64>, diesel::result::Error> {
    sessions::table.filter(sessions::id.eq(id_hash)).select(sessions::created_at).first(connection).optional()
}

/// Marks the session revoked; it never authenticates again.
pub fn revoke(connection: &mut DbConnection, id_hash: &str) -> Result<(), diesel::result::Error> {
    diesel::update(sessions::table.filter(sessions::id.eq(id_hash)).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(unix_now()))
        .execute(connection)?;
    Ok(())
}

/// Revokes every live session of `user` but `keep` (the id hash of the
/// session making the request, if any).
pub fn revoke_all_but(
    connection: &mut DbConnection,
    user: UserId,
    keep: Option<&str>,
) -> Result<usize, diesel::result::Error> {
    let live = sessions::table.filter(sessions::user_id.eq(user.0)).filter(sessions::revoked_at.is_null());
    match keep {
        Some(keep) => diesel::update(live.filter(sessions::id.ne(keep)))
            .set(sessions::revoked_at.eq(Some(unix_now())))
            .execute(connection),
        None => diesel::update(live).set(sessions::revoked_at.eq(Some(unix_now()))).execute(connection),
    }
}
