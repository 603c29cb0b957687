//! Browser sessions: signing in (`sign_in`: the password checked, a session
//! opened) and out (`sign_out`), behind the login page and
//! `POST /api/v1/login`, `POST /api/v1/logout` alike. The session row
//! stores only the SHA-256 of its secret (the cookie the front end sets).

use std::net::IpAddr;
use std::sync::OnceLock;

use crate::app::audited::{AuditEntry, audited, refused};
use crate::app::blocking::blocking;
use crate::app::password::{session_of, still_as_verified};
use crate::app::totp::{self, SecondFactor};
use crate::app::users::username_object;
use crate::app::{Context, CurrentUser};
use crate::db::users::User;
use crate::db::{self, DbConnection, DbPool, sessions, users};
use crate::domain::credentials::{hash_secret, random_secret};
use crate::domain::ldap::AuthMethod;
use crate::domain::password::{Password, verify_password};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorCode};

/// How long a session lasts, in seconds (12 hours).
pub const SESSION_LIFETIME_S: i64 = 12 * 60 * 60;

/// Why someone not signed in (a login, a sign-up) got nothing.
#[derive(Debug)]
pub enum AnonymousRefusal {
    /// Refused before any work (over the rate, sign-up off, a foreign
    /// `Origin`): its row is not written yet; the front end writes it
    /// aggregated per source (`http::anonymous`), so that a flood from
    /// strangers cannot grow the audit log.
    BeforeWork { entry: AuditEntry, error: AppError },
    /// Refused with its own audit row, written already (a wrong password, a
    /// bad form).
    Audited(AppError),
}

/// The audit entry of a login naming `username` (`?` when it names none):
/// anonymous until the password proved who she is.
pub fn login_entry(username: &str) -> AuditEntry {
    AuditEntry::anonymous("session.login", username_object(username))
}

/// A valid hash that no password matches, verified against when the user is
/// unknown so that both failures take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| Password::generate().hash().unwrap_or_default())
}

fn invalid_credentials() -> AppError {
    AppError::said(ErrorCode::InvalidCredentials, "error-account-invalid-credentials", &[])
}

/// Checks a password (the panel's own, or with `[ldap]` the directory's for
/// its accounts and unknown usernames: `app::ldap`, audit detail
/// `method=ldap`/`method=local`; then, for an account with active TOTP, its
/// second factor: `totp::second_factor`) and opens a session, audited: the user, the
/// session's secret (the cookie) and its CSRF token. The front end has
/// checked the request's `Origin` and names the `client` address.
///
/// In order: the attempt counts against the client address and the
/// username (`LoginLimiter`); the account is loaded and its connection
/// given back; Argon2 runs on the blocking pool holding no connection (so
/// a burst of logins cannot starve the pool); then the session is written
/// with its audit row. A refusal before the password is checked is
/// anonymous and left to the front end to write
/// (`AnonymousRefusal::BeforeWork`); a wrong password writes its own row (at
/// most as many as the limiter lets through). The second factor is checked
/// and used up in the transaction that opens the session, so a code that
/// wins no session is not spent, and of two logins with one code one wins.
pub async fn sign_in(
    context: &Context,
    pool: &DbPool,
    client: Option<IpAddr>,
    username: String,
    password: String,
    second: SecondFactor,
) -> Result<(User, String, String), AnonymousRefusal> {
    let (entry, verdict) = check_login(context, pool, client, username, password).await?;
    open_session(context, pool, entry, verdict, second).await
}

/// What the web's first step (a password, a provider's callback) gives: a
/// session, or (the account has TOTP) a ticket for the code step, no session yet.
pub enum PasswordStep {
    SignedIn(User, String, String),
    CodeNeeded(String),
}

/// The web's first step (the login page): as `sign_in` without a second
/// factor, except that a right password for an account with TOTP gives a
/// ticket (`PendingLogins`) for `sign_in_with_code`, audited as refused
/// `totp_required`.
pub async fn sign_in_or_ask(
    context: &Context,
    pool: &DbPool,
    client: Option<IpAddr>,
    username: String,
    password: String,
) -> Result<PasswordStep, AnonymousRefusal> {
    let (entry, verdict) = check_login(context, pool, client, username, password).await?;
    ask_code_or_open(context, pool, entry, verdict).await
}

/// After a first factor that proved who she is (her password, the
/// directory's, or an OpenID Connect provider's: `app::oidc`): for an
/// account with TOTP a ticket for `sign_in_with_code` (audited as refused
/// `totp_required`), else her session.
pub(crate) async fn ask_code_or_open(
    context: &Context,
    pool: &DbPool,
    mut entry: AuditEntry,
    verdict: Result<User, AppError>,
) -> Result<PasswordStep, AnonymousRefusal> {
    if let Ok(user) = &verdict {
        let id = user.id;
        let active = db::run(pool, move |connection| Ok::<_, AppError>(db::totp::is_active(connection, id)?))
            .await
            .map_err(AnonymousRefusal::Audited)?;
        if active {
            totp::name_outcome(&mut entry, "required");
            let Some(ticket) = context.pending_logins.start(user) else {
                let error = AppError::said(ErrorCode::RateLimited, "error-account-too-many-sign-ins", &[]);
                return Err(AnonymousRefusal::Audited(refused(pool, entry, error).await));
            };
            let asked = AppError::said(ErrorCode::TotpRequired, "error-account-code-asked", &[]);
            refused(pool, entry, asked).await;
            return Ok(PasswordStep::CodeNeeded(ticket));
        }
    }
    let (user, secret, csrf_token) = open_session(context, pool, entry, verdict, SecondFactor::default()).await?;
    Ok(PasswordStep::SignedIn(user, secret, csrf_token))
}

/// The web's second step: the code (or recovery code) for the login of
/// `ticket`, counted against the login's limits like a password; a session
/// if it is right, the account unchanged since its password was checked.
pub async fn sign_in_with_code(
    context: &Context,
    pool: &DbPool,
    client: Option<IpAddr>,
    ticket: String,
    second: SecondFactor,
) -> Result<(User, String, String), AnonymousRefusal> {
    let Some(pending) = context.pending_logins.try_code(&ticket) else {
        let error = AppError::said(ErrorCode::Unauthenticated, "error-account-sign-in-expired", &[]);
        return Err(AnonymousRefusal::BeforeWork { entry: login_entry("?"), error });
    };
    let mut entry = login_entry(&pending.username);
    if !context.login_limiter.allow_login(client, &pending.username) {
        let error = AppError::said(ErrorCode::RateLimited, "error-account-too-many-logins", &[]);
        return Err(AnonymousRefusal::BeforeWork { entry, error });
    }
    let id = pending.user_id;
    let account = db::run(pool, move |connection| Ok::<_, AppError>(users::find(connection, id)?))
        .await
        .map_err(AnonymousRefusal::Audited)?;
    if let Some(user) = &account {
        entry.set_detail(format!("method={}", user.auth_method));
    }
    let verdict = account
        .filter(|user| user.password_hash == pending.password_hash)
        .ok_or_else(invalid_credentials)
        .and_then(|user| admit(&mut entry, user));
    let opened = open_session(context, pool, entry, verdict, second).await;
    if opened.is_ok() {
        context.pending_logins.finish(&ticket);
    }
    opened
}

/// The login's first part: the limits, the account, the password (Argon2
/// on the blocking pool, holding no connection), and whether she may sign
/// in: the audit entry (naming her once the password proved who she is)
/// and the verdict.
async fn check_login(
    context: &Context,
    pool: &DbPool,
    client: Option<IpAddr>,
    username: String,
    password: String,
) -> Result<(AuditEntry, Result<User, AppError>), AnonymousRefusal> {
    let mut entry = login_entry(&username);
    if !context.login_limiter.allow_login(client, &username) {
        let error = AppError::said(ErrorCode::RateLimited, "error-account-too-many-logins", &[]);
        return Err(AnonymousRefusal::BeforeWork { entry, error });
    }
    let name = username.clone();
    let account =
        db::run(pool, move |connection| load_account(connection, &name)).await.map_err(AnonymousRefusal::Audited)?;
    // The directory's accounts and unknown usernames go to LDAP, when configured.
    let directory =
        context.directory.as_ref().filter(|_| account.as_ref().is_none_or(|user| user.auth_method == AuthMethod::Ldap));
    let verdict = match directory {
        Some(directory) => {
            entry.set_detail(format!("method={}", AuthMethod::Ldap));
            crate::app::ldap::sign_in_with_directory(directory, pool, account, &username, &password).await
        }
        None => {
            entry.set_detail(format!("method={}", AuthMethod::Local));
            blocking(move || check_password(account, &password)).await.and_then(|verdict| verdict)
        }
    };
    let verdict = verdict.and_then(|user| admit(&mut entry, user));
    Ok((entry, verdict))
}

/// The login's last part, one transaction with its audit row: the account
/// is read again under its row's lock (a password change or a disable that
/// committed while Argon2 ran wins, and no session is made), the second
/// factor checked and used up (`totp::second_factor`), the session written.
async fn open_session(
    context: &Context,
    pool: &DbPool,
    entry: AuditEntry,
    verdict: Result<User, AppError>,
    second: SecondFactor,
) -> Result<(User, String, String), AnonymousRefusal> {
    let agents = context.agents.clone();
    audited(pool, entry, move |connection, entry| {
        let user = verdict?;
        still_as_verified(connection, user.id, &user.password_hash, None)?;
        totp::second_factor(connection, agents.key(), entry, user.id, &second)?;
        let (secret, csrf_token) = (random_secret(), random_secret());
        sessions::create(connection, &hash_secret(&secret), user.id, &csrf_token, SESSION_LIFETIME_S)?;
        Ok((user, secret, csrf_token))
    })
    .await
    .map_err(AnonymousRefusal::Audited)
}

/// The account a login names, if the name is one at all.
fn load_account(connection: &mut DbConnection, username: &str) -> Result<Option<User>, AppError> {
    match Username::parse(username) {
        Ok(name) => Ok(users::find_by_username(connection, &name)?),
        Err(_) => Ok(None),
    }
}

/// The account if `password` is its password (Argon2: call it off the
/// async runtime and without a database connection). An unknown account is
/// checked against a dummy hash, so both failures take as long.
pub(crate) fn check_password(account: Option<User>, password: &str) -> Result<User, AppError> {
    let Some(user) = account else {
        verify_password(password, dummy_hash());
        return Err(invalid_credentials());
    };
    if !verify_password(password, &user.password_hash) {
        return Err(invalid_credentials());
    }
    Ok(user)
}

/// The user whose password was right, if she may sign in; names her in the
/// audit entry.
pub(crate) fn admit(entry: &mut AuditEntry, user: User) -> Result<User, AppError> {
    entry.actor_id = Some(user.id.0);
    entry.actor = user.username.to_string();
    entry.object = format!("user:{}", user.id);
    if user.disabled {
        return Err(AppError::said(ErrorCode::AccountDisabled, "error-account-disabled", &[]));
    }
    if !user.approved {
        return Err(AppError::said(ErrorCode::ApprovalPending, "error-account-approval-pending", &[]));
    }
    Ok(user)
}

/// Revokes the caller's session, audited (the page and the API sign out here).
pub async fn sign_out(current: CurrentUser, pool: &DbPool) -> Result<(), AppError> {
    let session = session_of(&current);
    let entry = current.audit(format!("user:{}", current.user.id));
    audited(pool, entry, move |connection, _| match session {
        Some(id_hash) => Ok(sessions::revoke(connection, &id_hash)?),
        None => Err(AppError::invalid("error-account-token-no-session", &[])),
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::UserId;
    use crate::domain::roles::Role;

    fn account(password: &str) -> User {
        User {
            id: UserId(7),
            username: Username::parse("mia").unwrap(),
            password_hash: Password::parse(password.to_owned()).unwrap().hash().unwrap(),
            role: Role::Member,
            approved: true,
            disabled: false,
            created_at: 0,
            auth_method: crate::domain::ldap::AuthMethod::Local,
            language: None,
        }
    }

    /// Argon2 runs here, and this function is given no connection: the
    /// login hashes only after the account's connection went back to the pool.
    #[test]
    fn the_password_check_needs_no_connection_and_answers_unknown_and_wrong_alike() {
        let right = "a long enough passphrase";
        assert_eq!(check_password(Some(account(right)), right).unwrap().id, UserId(7));
        let wrong = check_password(Some(account(right)), "another long passphrase").unwrap_err();
        let unknown = check_password(None, right).unwrap_err();
        assert_eq!((wrong.code, wrong.message), (unknown.code, unknown.message));
    }
}
