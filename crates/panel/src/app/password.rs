//! A user's own password: changing it (`change_password`, behind
//! `PUT /api/v1/me/password` and the account page's form), and what every
//! use case that asks for the password again shares: the bound on wrong
//! tries (`may_retype_password`), the answer to a wrong one
//! (`wrong_password`) and the check that nothing changed meanwhile
//! (`still_as_verified`).
//!
//! A change needs the current password typed right and a new one that
//! meets the rules; then, in one transaction with the audit row
//! (`user.password`), the hash is replaced, every token of hers is revoked
//! and every session but the one making the change ends, for good: whoever
//! knew the old password, or holds a token made with it, is out.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audited::audited;
use crate::app::blocking::blocking;
use crate::app::{AuthVia, Context, CurrentUser};
use crate::db::users::UserId;
use crate::db::{self, DbConnection, DbPool, audit, sessions, tokens, unix_now, users};
use crate::domain::ldap::AuthMethod;
use crate::domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Password, PasswordError, verify_password};
use crate::error::{AppError, ErrorCode};
use crate::texts;

/// Wrong passwords typed again (a new token, a password change) a user may
/// make within `WRONG_PASSWORD_WINDOW_S` before the next try is refused.
pub const MAX_WRONG_PASSWORDS: i64 = 5;
pub const WRONG_PASSWORD_WINDOW_S: i64 = 15 * 60;

/// Whether the caller may type her password again now: not after
/// `MAX_WRONG_PASSWORDS` wrong ones in the last `WRONG_PASSWORD_WINDOW_S`
/// (429 `rate_limited`), so that a stolen session cannot guess the password
/// at Argon2's speed. Counted from her own `wrong_password` audit rows, so
/// the limit holds across restarts and panel processes; one short read, the
/// connection released before any hashing. Concurrent tries may each pass
/// the count once, so the bound is the limit plus the requests in flight.
pub async fn may_retype_password(pool: &DbPool, current: &CurrentUser) -> Result<(), AppError> {
    let actor_id = current.user.id.0;
    let since = unix_now() - WRONG_PASSWORD_WINDOW_S;
    let wrong = db::run(pool, move |connection| {
        Ok::<_, AppError>(audit::count_refusals_since(connection, actor_id, ErrorCode::WrongPassword.as_str(), since)?)
    })
    .await?;
    if wrong >= MAX_WRONG_PASSWORDS {
        return Err(AppError::said(ErrorCode::RateLimited, "error-account-too-many-wrong-passwords", &[]));
    }
    Ok(())
}

/// How recent the sign-in of an account without a password here (from an
/// OpenID Connect provider) must be for what otherwise asks her password.
pub const RECENT_SIGN_IN_S: i64 = 600;

/// She proves again that she is herself before a token is made: her
/// password (after `may_retype_password`), checked as she signs in with it
/// (the panel's Argon2 hash on the blocking pool, or the directory's bind
/// for an LDAP account); an account from an OpenID Connect provider has no
/// password here, so her session must be younger than `RECENT_SIGN_IN_S`.
pub(crate) async fn reconfirm(
    context: &Context,
    pool: &DbPool,
    current: &CurrentUser,
    password: String,
) -> Result<(), AppError> {
    match current.user.auth_method {
        AuthMethod::Local => {
            may_retype_password(pool, current).await?;
            let stored_hash = current.user.password_hash.clone();
            let right = blocking(move || verify_password(&password, &stored_hash)).await?;
            if right { Ok(()) } else { Err(wrong_password()) }
        }
        AuthMethod::Ldap => {
            may_retype_password(pool, current).await?;
            let Some(directory) = &context.directory else {
                return Err(AppError::invalid("error-account-ldap-gone", &[]));
            };
            match directory.authenticate(current.user.username.as_str(), &password).await? {
                crate::app::ldap::Verdict::Found { password_ok: true, role: Some(_), .. } => Ok(()),
                _ => Err(wrong_password()),
            }
        }
        AuthMethod::Oidc => {
            let session = session_of(current);
            let since = unix_now() - RECENT_SIGN_IN_S;
            let recent = db::run(pool, move |connection| {
                let created = match &session {
                    Some(id_hash) => sessions::created_at(connection, id_hash)?,
                    None => None,
                };
                Ok::<_, AppError>(created.is_some_and(|created| created >= since))
            })
            .await?;
            if recent {
                return Ok(());
            }
            let minutes = ("minutes", texts::text(RECENT_SIGN_IN_S / 60));
            Err(match &context.oidc {
                Some(provider) => AppError::said(
                    ErrorCode::SessionRequired,
                    "error-account-sign-in-again-with",
                    &[("provider", texts::text(provider.name())), minutes],
                ),
                None => AppError::said(ErrorCode::SessionRequired, "error-account-sign-in-again", &[minutes]),
            })
        }
    }
}

/// The answer to a password typed again that is not the account's.
pub fn wrong_password() -> AppError {
    AppError::said(ErrorCode::WrongPassword, "error-account-wrong-password", &[])
}

/// The 422 of a new password that breaks the rules, in `PasswordError`'s words.
pub(crate) fn refused_password(error: PasswordError) -> AppError {
    match error {
        PasswordError::TooShort => {
            AppError::invalid("error-account-password-too-short", &[("min", texts::text(MIN_PASSWORD_CHARS))])
        }
        PasswordError::TooLong => {
            AppError::invalid("error-account-password-too-long", &[("max", texts::text(MAX_PASSWORD_CHARS))])
        }
        // Only hashing fails so; a check of the rules never does.
        PasswordError::Hash(_) => AppError::internal(error),
    }
}

/// The session a request came with (`AuthVia::Session`'s row), if any.
pub(crate) fn session_of(current: &CurrentUser) -> Option<String> {
    match &current.via {
        AuthVia::Session { id_hash, .. } => Some(id_hash.clone()),
        AuthVia::Token { .. } | AuthVia::SshKey { .. } => None,
    }
}

/// Inside the transaction that writes a credential after a password check:
/// the account is still as the check saw it (`users::unchanged_since_check`)
/// and the session that asked, if any, is still live. Otherwise nothing is
/// written: a password change or a disable that won the race ends what it
/// meant to end.
pub fn still_as_verified(
    connection: &mut DbConnection,
    user: UserId,
    verified_hash: &str,
    session: Option<&str>,
) -> Result<(), AppError> {
    let session_live = match session {
        Some(id_hash) => sessions::find_live(connection, id_hash)?.is_some(),
        None => true,
    };
    if !session_live || !users::unchanged_since_check(connection, user, verified_hash)? {
        return Err(AppError::said(ErrorCode::Unauthenticated, "error-account-changed-meanwhile", &[]));
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    #[schema(format = Password)]
    pub(crate) current: String,
    /// The new one: 12 to 1024 characters.
    #[schema(format = Password, min_length = 12, max_length = 1024)]
    pub(crate) new: String,
}

/// What a change ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChanged {
    /// The caller's other sessions, ended (the one that made the change stays).
    pub sessions_ended: usize,
    /// Every token of the caller, revoked.
    pub tokens_revoked: usize,
}

/// Changes the caller's password (see the module note), audited as the
/// route's action on `user:ID`. The current password is verified and the new
/// one hashed on the blocking pool without holding a database connection;
/// `request` is read there too, so that a bad request is audited. A change
/// made with a token ends every session (and that token too).
pub async fn change_password(
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<PasswordChange, AppError> + Send + 'static,
) -> Result<PasswordChanged, AppError> {
    let user_id = current.user.id;
    let entry = current.audit(format!("user:{user_id}"));
    let this_session = session_of(&current);
    let stored_hash = current.user.password_hash.clone();
    let verified_hash = stored_hash.clone();
    let may_retype = may_retype_password(pool, &current).await;
    let elsewhere = current.user.auth_method;
    let new_hash = blocking(move || {
        let PasswordChange { current, new } = request()?;
        match elsewhere {
            AuthMethod::Local => {}
            AuthMethod::Ldap => {
                return Err(AppError::invalid("error-account-password-in-ldap", &[]));
            }
            AuthMethod::Oidc => {
                return Err(AppError::invalid("error-account-password-in-oidc", &[]));
            }
        }
        may_retype?;
        if !verify_password(&current, &stored_hash) {
            return Err(wrong_password());
        }
        let password = Password::parse(new).map_err(refused_password)?;
        password.hash().map_err(AppError::internal)
    })
    .await
    .and_then(|verdict| verdict);
    let session = this_session.clone();
    audited(pool, entry, move |connection, _| {
        let hash = new_hash?;
        still_as_verified(connection, user_id, &verified_hash, session.as_deref())?;
        users::set_password_hash(connection, user_id, &hash)?;
        let sessions_ended = sessions::revoke_all_but(connection, user_id, this_session.as_deref())?;
        let tokens_revoked = tokens::revoke_all(connection, user_id)?;
        Ok(PasswordChanged { sessions_ended, tokens_revoked })
    })
    .await
}
