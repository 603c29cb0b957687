//! The `oidc_logins` table: the OpenID Connect sign-ins sent to the
//! provider and not back yet (their PKCE verifier and nonce), by the SHA-256
//! of their `state`. A row is taken (deleted) once, by the callback that
//! brings its state back, so a state works once however often it is
//! replayed; a row lives `LIFETIME_S` at most, and at most `MAX_PENDING`
//! wait at once, so strangers opening sign-ins cannot grow the table.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::schema::oidc_logins;
use super::{DbConnection, unix_now};

/// Seconds a sign-in may spend at the provider.
pub const LIFETIME_S: i64 = 600;
/// Sign-ins waiting at once, across everyone.
pub const MAX_PENDING: i64 = 10_000;

/// What the callback needs of its sign-in.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oidc_logins)]
pub struct PendingOidcLogin {
    pub pkce_verifier: String,
    pub nonce: String,
    pub created_at: i64,
}

/// Stores a sign-in sent to the provider, after deleting those past their
/// lifetime; false (nothing stored) when `MAX_PENDING` wait already.
pub fn put(
    connection: &mut DbConnection,
    state_hash: &str,
    pkce_verifier: &str,
    nonce: &str,
) -> Result<bool, DieselError> {
    connection.transaction(|connection| {
        let now = unix_now();
        diesel::delete(oidc_logins::table.filter(oidc_logins::created_at.lt(now - LIFETIME_S))).execute(connection)?;
        let waiting: i64 = oidc_logins::table.count().get_result(connection)?;
        if waiting >= MAX_PENDING {
            return Ok(false);
        }
        diesel::insert_into(oidc_logins::table)
            .values((
                oidc_logins::state_hash.eq(state_hash),
                oidc_logins::pkce_verifier.eq(pkce_verifier),
                oidc_logins::nonce.eq(nonce),
                oidc_logins::created_at.eq(now),
            ))
            .execute(connection)?;
        Ok(true)
    })
}

/// Takes the sign-in of `state_hash`: it is deleted, and returned if it was
/// there and within its lifetime. Of two callbacks with one state, one
/// gets it (the delete's row count decides).
pub fn take(connection: &mut DbConnection, state_hash: &str) -> Result<Option<PendingOidcLogin>, DieselError> {
    connection.transaction(|connection| {
        let row = oidc_logins::table.find(state_hash);
        let Some(pending) = row.select(PendingOidcLogin::as_select()).first(connection).optional()? else {
            return Ok(None);
        };
        let deleted = diesel::delete(row).execute(connection)?;
        Ok((deleted == 1 && pending.created_at >= unix_now() - LIFETIME_S).then_some(pending))
    })
}
