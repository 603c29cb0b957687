//! The `personal_access_tokens` table. Only the SHA-256 (hex) of a token is
//! stored; the token itself is shown once, when it is made. Every token has
//! an expiry and a scope (`read`: GET and HEAD only; `write`: anything its
//! owner may do).

use diesel::prelude::*;

use super::schema::personal_access_tokens as tokens;
use super::users::UserId;
use super::{DbConnection, unix_now};

/// What a token may do: `read` only reads (GET, HEAD), `write` may change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// The safe default: a leaked read token changes nothing.
    #[default]
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// The stored text; anything the application did not write reads as
    /// `read`, the scope that can change nothing.
    fn from_stored(text: &str) -> TokenScope {
        if text == "write" { TokenScope::Write } else { TokenScope::Read }
    }
}

/// A personal access token as listed: never the token itself (nor its hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    /// Unix time.
    pub created_at: i64,
    /// Unix time when it stops working; every token expires (null never comes from a token made since
    /// the migration `token_scope`).
    pub expires_at: Option<i64>,
    /// Unix time, to the minute (written at most once a minute); null: never used.
    pub last_used_at: Option<i64>,
}

type InfoColumns =
    (tokens::id, tokens::name, tokens::scope, tokens::created_at, tokens::expires_at, tokens::last_used_at);
const INFO_COLUMNS: InfoColumns =
    (tokens::id, tokens::name, tokens::scope, tokens::created_at, tokens::expires_at, tokens::last_used_at);

type InfoRow = (i64, String, String, i64, Option<i64>, Option<i64>);

fn info((id, name, scope, created_at, expires_at, last_used_at): InfoRow) -> TokenInfo {
    TokenInfo { id, name, scope: TokenScope::from_stored(&scope), created_at, expires_at, last_used_at }
}

/// What `create` stores.
#[derive(Debug, Clone, Copy)]
pub struct NewToken<'a> {
    pub user_id: UserId,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub scope: TokenScope,
    /// Unix time; every token expires.
    pub expires_at: i64,
}

/// Stores a new token and returns it as listed.
pub fn create(connection: &mut DbConnection, new: &NewToken<'_>) -> Result<TokenInfo, diesel::result::Error> {
    diesel::insert_into(tokens::table)
        .values((
            tokens::user_id.eq(new.user_id.0),
            tokens::name.eq(new.name),
            tokens::token_hash.eq(new.token_hash),
            tokens::scope.eq(new.scope.as_str()),
            tokens::created_at.eq(unix_now()),
            tokens::expires_at.eq(Some(new.expires_at)),
        ))
        .execute(connection)?;
    tokens::table.filter(tokens::token_hash.eq(new.token_hash)).select(INFO_COLUMNS).first(connection).map(info)
}

/// The live (not revoked, not expired) tokens of a user, oldest first.
pub fn list_live(connection: &mut DbConnection, user_id: UserId) -> Result<Vec<TokenInfo>, diesel::result::Error> {
    Ok(tokens::table
        .filter(tokens::user_id.eq(user_id.0))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.gt(unix_now()))
        .order(tokens::id)
        .select(INFO_COLUMNS)
        .load(connection)?
        .into_iter()
        .map(info)
        .collect())
}

/// How stale `last_used_at` may be: it is written at most once a minute.
pub const LAST_USED_PRECISION_S: i64 = 60;

/// The user a live token with this hash belongs to, and the token's scope;
/// records its use. A token without an expiry (none is made any more) is
/// not live.
pub fn authenticate(
    connection: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(UserId, TokenScope)>, diesel::result::Error> {
    let now = unix_now();
    let found: Option<(i64, i64, String)> = tokens::table
        .filter(tokens::token_hash.eq(token_hash))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.gt(now))
        .select((tokens::id, tokens::user_id, tokens::scope))
        .first(connection)
        .optional()?;
    if let Some((id, _, _)) = &found {
        // At most one write a minute per token: a script reading in a loop
        // does not take SQLite's write lock on every request.
        let stale = tokens::last_used_at.is_null().or(tokens::last_used_at.lt(now - LAST_USED_PRECISION_S));
        diesel::update(tokens::table.find(*id).filter(stale)).set(tokens::last_used_at.eq(now)).execute(connection)?;
    }
    Ok(found.map(|(_, user_id, scope)| (UserId(user_id), TokenScope::from_stored(&scope))))
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

/// Revokes every token of `user_id` that is not revoked yet (a password
/// change, a disable); how many. Revoked is for good: nothing un-revokes.
pub fn revoke_all(connection: &mut DbConnection, user_id: UserId) -> Result<usize, diesel::result::Error> {
    diesel::update(tokens::table.filter(tokens::user_id.eq(user_id.0)).filter(tokens::revoked_at.is_null()))
        .set(tokens::revoked_at.eq(unix_now()))
        .execute(connection)
}
