//! The `personal_access_tokens` table. Only the SHA-256 (hex) of a token is
//! stored; the token itself is shown once, when it is made.

use diesel::prelude::*;

use super::schema::personal_access_tokens as tokens;
use super::users::UserId;
use super::{DbConnection, unix_now};

/// A token as listed (never its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

type InfoColumns = (tokens::id, tokens::name, tokens::created_at, tokens::expires_at, tokens::last_used_at);
const INFO_COLUMNS: InfoColumns =
    (tokens::id, tokens::name, tokens::created_at, tokens::expires_at, tokens::last_used_at);

fn info((id, name, created_at, expires_at, last_used_at): (i64, String, i64, Option<i64>, Option<i64>)) -> TokenInfo {
    TokenInfo { id, name, created_at, expires_at, last_used_at }
}

/// Stores a new token for `user_id` and returns it as listed.
pub fn create(
    connection: &mut DbConnection,
    user_id: UserId,
    name: &str,
    token_hash: &str,
    expires_at: Option<i64>,
) -> Result<TokenInfo, diesel::result::Error> {
    diesel::insert_into(tokens::table)
        .values((
            tokens::user_id.eq(user_id.0),
            tokens::name.eq(name),
            tokens::token_hash.eq(token_hash),
            tokens::created_at.eq(unix_now()),
            tokens::expires_at.eq(expires_at),
        ))
        .execute(connection)?;
    tokens::table.filter(tokens::token_hash.eq(token_hash)).select(INFO_COLUMNS).first(connection).map(info)
}

/// The live (not revoked, not expired) tokens of a user, oldest first.
pub fn list_live(connection: &mut DbConnection, user_id: UserId) -> Result<Vec<TokenInfo>, diesel::result::Error> {
    let now = unix_now();
    Ok(tokens::table
        .filter(tokens::user_id.eq(user_id.0))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.is_null().or(tokens::expires_at.gt(now)))
        .order(tokens::id)
        .select(INFO_COLUMNS)
        .load(connection)?
        .into_iter()
        .map(info)
        .collect())
}

/// The user a live token with this hash belongs to; records its use.
pub fn authenticate(connection: &mut DbConnection, token_hash: &str) -> Result<Option<UserId>, diesel::result::Error> {
    let now = unix_now();
    let found: Option<(i64, i64)> = tokens::table
        .filter(tokens::token_hash.eq(token_hash))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.is_null().or(tokens::expires_at.gt(now)))
        .select((tokens::id, tokens::user_id))
        .first(connection)
        .optional()?;
    if let Some((id, _)) = found {
        diesel::update(tokens::table.find(id)).set(tokens::last_used_at.eq(now)).execute(connection)?;
    }
    Ok(found.map(|(_, user_id)| UserId(user_id)))
}

/// Revokes the live token `id` of `user_id`; false when there is none.
pub fn revoke(connection: &mut DbConnection, user_id: UserId, id: i64) -> Result<bool, diesel::result::Error> {
    let changed = diesel::update(
        tokens::table.find(id).filter(tokens::user_id.eq(user_id.0)).filter(tokens::revoked_at.is_null()),
    )
    .set(tokens::revoked_at.eq(unix_now()))
    .execute(connection)?;
    Ok(changed == 1)
}
