//! The TOTP second factor (issue 18): enrolling (`enrol`: a new secret,
//! its otpauth URI and QR code, ten recovery codes shown once and stored
//! hashed, not active yet), confirming it with a first code (`activate`),
//! removing it with a code (`disable`), the login's second step
//! (`second_factor`, called by `sessions::sign_in` after the password), and
//! `require_totp_for_admins` (`admin_withheld`, read where `CurrentUser` is
//! made).
//!
//! The secret is sealed with the panel key like the machines' secrets
//! (associated data `totp:user:<id>`), never logged, and shown only at
//! enrolment. Each code is accepted once: the last accepted time step is
//! stored and a code wins only through `db::totp::accept_step`'s
//! conditional UPDATE; a recovery code through `use_recovery_code`'s. Codes
//! typed to activate or disable count against the login's rate limit
//! (`LoginLimiter`), per client address and username.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audited::{AuditEntry, audited};
use crate::app::{Context, CurrentUser};
use crate::db::users::{User, UserId};
use crate::db::{self, DbConnection, DbPool, totp};
use crate::domain::roles::Role;
use crate::domain::secrets::PanelKey;
use crate::domain::totp::{TotpSecret, recovery_code_hash, recovery_codes};
use crate::error::{AppError, ErrorCode};
use crate::policy;

/// What `POST /api/v1/me/totp` answers, once: the secret (base32), its
/// otpauth URI, and ten recovery codes.
#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    /// The base32 secret, for typing into an authenticator app.
    pub secret: String,
    /// `otpauth://totp/SMP:<username>?secret=…&issuer=SMP…`.
    pub otpauth_uri: String,
    /// Ten recovery codes, each accepted once instead of a code; shown only now.
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Enrolment(..)")
    }
}

/// `{"code"}`: a six-digit code (or, to disable, a recovery code).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    pub code: String,
}

/// Where an account's TOTP stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TotpState {
    /// Not enrolled.
    Off,
    /// Enrolled, not yet confirmed with a first code.
    Pending,
    /// Asked at every password login.
    Active,
}

impl TotpState {
    pub fn as_str(self) -> &'static str {
        match self {
            TotpState::Off => "off",
            TotpState::Pending => "pending",
            TotpState::Active => "active",
        }
    }
}

/// What a login brings beyond the password.
#[derive(Default)]
pub struct SecondFactor {
    pub totp: Option<String>,
    pub recovery_code: Option<String>,
}

impl SecondFactor {
    /// What someone typed in one field: six digits are a TOTP code,
    /// anything else a recovery code.
    pub fn typed(code: String) -> SecondFactor {
        if looks_like_totp(&code) {
            SecondFactor { totp: Some(code), recovery_code: None }
        } else {
            SecondFactor { totp: None, recovery_code: Some(code) }
        }
    }
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SecondFactor")
            .field("totp", &self.totp.as_ref().map(|_| ".."))
            .field("recovery_code", &self.recovery_code.as_ref().map(|_| ".."))
            .finish()
    }
}

/// The associated data a user's sealed secret is bound to.
fn sealed_name(user: UserId) -> String {
    format!("totp:user:{user}")
}

fn secret_of(key: &PanelKey, user: UserId, row: &totp::TotpRow) -> Result<TotpSecret, AppError> {
    let opened = key
        .open(&sealed_name(user), &row.sealed)
        .map_err(|_| AppError::internal(format!("cannot decrypt the TOTP secret of user {user}")))?;
    let bytes = hex::decode(secrecy::ExposeSecret::expose_secret(&opened))
        .map_err(|_| AppError::internal(format!("the TOTP secret of user {user} is not hex")))?;
    TotpSecret::from_bytes(&bytes).map_err(AppError::internal)
}

fn now() -> u64 {
    u64::try_from(db::unix_now()).unwrap_or(0)
}

fn wrong_code() -> AppError {
    AppError::said(ErrorCode::TotpInvalid, "error-account-totp-wrong-code", &[])
}

fn rate_limited() -> AppError {
    AppError::said(ErrorCode::RateLimited, "error-account-totp-too-many-attempts", &[])
}

/// What checking a typed code starts with (turning TOTP on or off): a
/// browser session, her audit entry, and an attempt counted against the
/// login's limits (refused and audited past them).
async fn code_check(
    context: &Context,
    current: &CurrentUser,
    pool: &DbPool,
    client: Option<IpAddr>,
) -> Result<(UserId, AuditEntry), AppError> {
    may_manage(current)?;
    let user = current.user.id;
    let entry = current.audit(format!("user:{user}"));
    if !context.login_limiter.allow_login(client, current.user.username.as_str()) {
        return Err(crate::app::audited::refused(pool, entry, rate_limited()).await);
    }
    Ok((user, entry))
}

fn may_manage(current: &CurrentUser) -> Result<(), AppError> {
    if !policy::may_manage_totp(matches!(current.via, crate::app::AuthVia::Session { .. })) {
        return Err(AppError::said(ErrorCode::SessionRequired, "error-account-totp-session-required", &[]));
    }
    Ok(())
}

/// Where `user`'s TOTP stands.
pub fn state_of(connection: &mut DbConnection, user: UserId) -> Result<TotpState, AppError> {
    Ok(match totp::find(connection, user)? {
        None => TotpState::Off,
        Some(row) if row.active => TotpState::Active,
        Some(_) => TotpState::Pending,
    })
}

/// The caller's TOTP state and her unused recovery codes (the account page).
pub async fn status(current: &CurrentUser, pool: &DbPool) -> Result<(TotpState, i64), AppError> {
    let user = current.user.id;
    db::run(pool, move |connection| {
        let state = state_of(connection, user)?;
        let left = if state == TotpState::Active { totp::recovery_codes_left(connection, user)? } else { 0 };
        Ok((state, left))
    })
    .await
}

/// Whether `user`'s admin rights are withheld (`require_totp_for_admins`
/// and no active TOTP): `policy::withholds_admin` decides on the facts.
pub fn admin_withheld(connection: &mut DbConnection, required: bool, user: &User) -> Result<bool, AppError> {
    if !required || user.role == Role::Member {
        return Ok(false);
    }
    Ok(policy::withholds_admin(user.role, totp::is_active(connection, user.id)?, required))
}

/// `admin_withheld` for `user`, on its own connection.
pub async fn withheld(context: &Context, pool: &DbPool, user: &User) -> Result<bool, AppError> {
    let required = context.require_totp_for_admins;
    if !required || user.role == Role::Member {
        return Ok(false);
    }
    let user = user.clone();
    db::run(pool, move |connection| admin_withheld(connection, required, &user)).await
}

/// Starts an enrolment for the caller (audited `totp.enrol`): a new secret
/// and ten recovery codes, answered once. One already active is not
/// replaced (409): disable it with a code first.
pub async fn enrol(context: &Context, current: CurrentUser, pool: &DbPool) -> Result<Enrolment, AppError> {
    may_manage(&current)?;
    let secret = TotpSecret::generate();
    let codes = recovery_codes();
    let account = current.user.username.to_string();
    let enrolment = Enrolment {
        secret: secret.base32(),
        otpauth_uri: secret.otpauth_uri(&account).map_err(AppError::internal)?,
        recovery_codes: codes.clone(),
    };
    let user = current.user.id;
    let sealed = context
        .agents
        .key()
        .seal(&sealed_name(user), &secrecy::SecretString::from(hex::encode(secret.as_bytes())))
        .map_err(|_| AppError::internal("cannot seal the TOTP secret"))?;
    let hashes: Vec<String> = codes.iter().map(|code| recovery_code_hash(code)).collect();
    audited(pool, current.audit(format!("user:{user}")), move |connection, _| {
        if totp::is_active(connection, user)? {
            return Err(AppError::said(ErrorCode::Conflict, "error-account-totp-active", &[]));
        }
        totp::enrol(connection, user, &sealed, &hashes)?;
        Ok(())
    })
    .await?;
    Ok(enrolment)
}

/// The QR code of the caller's pending enrolment, as SVG (the account
/// page's image); none pending: 404.
pub async fn pending_qr_svg(context: &Context, current: &CurrentUser, pool: &DbPool) -> Result<String, AppError> {
    let user = current.user.id;
    let row = db::run(pool, move |connection| Ok::<_, AppError>(totp::find(connection, user)?)).await?;
    let row = row.filter(|row| !row.active).ok_or_else(AppError::not_found)?;
    let secret = secret_of(context.agents.key(), user, &row)?;
    secret.qr_svg(current.user.username.as_str()).map_err(AppError::internal)
}

/// Confirms the caller's pending enrolment with a first code (audited
/// `totp.activate`): from now on her password logins ask for a code.
pub async fn activate(
    context: &Context,
    current: CurrentUser,
    pool: &DbPool,
    client: Option<IpAddr>,
    code: String,
) -> Result<(), AppError> {
    let (user, mut entry) = code_check(context, &current, pool, client).await?;
    let key_row = db::run(pool, move |connection| Ok::<_, AppError>(totp::find(connection, user)?)).await?;
    let secret = match key_row {
        Some(row) if !row.active => Some(secret_of(context.agents.key(), user, &row)?),
        _ => None,
    };
    entry.set_detail("method=totp".to_owned());
    audited(pool, entry, move |connection, _| {
        let secret =
            secret.ok_or_else(|| AppError::said(ErrorCode::Conflict, "error-account-totp-nothing-to-confirm", &[]))?;
        let step = secret.check(&code, now()).ok_or_else(wrong_code)?;
        if !totp::accept_step(connection, user, step, true)? {
            return Err(wrong_code());
        }
        Ok(())
    })
    .await
}

/// Removes the caller's TOTP (audited `totp.disable`), given a valid code
/// or an unused recovery code; a pending enrolment is removed with any code
/// check skipped only when nothing is active.
pub async fn disable(
    context: &Context,
    current: CurrentUser,
    pool: &DbPool,
    client: Option<IpAddr>,
    code: String,
) -> Result<(), AppError> {
    let (user, mut entry) = code_check(context, &current, pool, client).await?;
    let row = db::run(pool, move |connection| Ok::<_, AppError>(totp::find(connection, user)?))
        .await?
        .ok_or_else(|| AppError::said(ErrorCode::Conflict, "error-account-totp-not-enrolled", &[]))?;
    let secret = if row.active { Some(secret_of(context.agents.key(), user, &row)?) } else { None };
    let factor = SecondFactor::typed(code);
    entry.set_detail(format!("method={}", if factor.totp.is_some() { "totp" } else { "recovery_code" }));
    audited(pool, entry, move |connection, _| {
        if let Some(secret) = secret {
            check_factor(connection, user, &secret, &factor)?;
        }
        totp::remove(connection, user)?;
        Ok(())
    })
    .await
}

/// Six digits: a TOTP code (anything else typed is taken as a recovery code).
fn looks_like_totp(code: &str) -> bool {
    let code = code.trim();
    code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit())
}

/// Accepts `factor` for `user` once (the conditional updates), or says why not.
fn check_factor(
    connection: &mut DbConnection,
    user: UserId,
    secret: &TotpSecret,
    factor: &SecondFactor,
) -> Result<&'static str, AppError> {
    if let Some(code) = &factor.totp {
        let step = secret.check(code, now()).ok_or_else(wrong_code)?;
        return if totp::accept_step(connection, user, step, false)? { Ok("ok") } else { Err(wrong_code()) };
    }
    if let Some(code) = &factor.recovery_code {
        return if totp::use_recovery_code(connection, user, &recovery_code_hash(code))? {
            Ok("recovery_code")
        } else {
            Err(wrong_code())
        };
    }
    Err(AppError::said(ErrorCode::TotpRequired, "error-account-totp-code-required", &[]))
}

/// The login's second step, inside the transaction that opens the session:
/// nothing to do for an account without active TOTP; else the code (or
/// recovery code) must be right and unused, and is then used up. Names the
/// outcome in the audit entry (`method=local|ldap totp=off|ok|recovery_code|
/// required|wrong`).
pub fn second_factor(
    connection: &mut DbConnection,
    key: &PanelKey,
    entry: &mut AuditEntry,
    user: UserId,
    factor: &SecondFactor,
) -> Result<(), AppError> {
    let row = totp::find(connection, user)?.filter(|row| row.active);
    let outcome = match row {
        None => Ok("off"),
        Some(row) => secret_of(key, user, &row).and_then(|secret| check_factor(connection, user, &secret, factor)),
    };
    let said = match &outcome {
        Ok(said) => *said,
        Err(error) if error.code == ErrorCode::TotpRequired => "required",
        Err(_) => "wrong",
    };
    name_outcome(entry, said);
    outcome.map(|_| ())
}

/// Adds the second factor's outcome to a login's audit detail, after its
/// method (`method=local totp=ok`, `method=ldap totp=required`).
pub fn name_outcome(entry: &mut AuditEntry, said: &str) {
    let method = entry.detail.clone().unwrap_or_else(|| "method=local".to_owned());
    let method = method.split(" totp=").next().unwrap_or_default().to_owned();
    entry.set_detail(format!("{method} totp={said}"));
}

/// The TOTP state of each enrolled user (the others': `Off`), for the admins' user list.
pub fn states(connection: &mut DbConnection) -> Result<std::collections::HashMap<UserId, TotpState>, AppError> {
    Ok(totp::enrolments(connection)?
        .into_iter()
        .map(|(id, active)| (id, if active { TotpState::Active } else { TotpState::Pending }))
        .collect())
}

/// Logins of the web's two steps whose password was right and whose code
/// is awaited: the ticket's SHA-256 names the user and the password hash
/// the check saw, for `PENDING_TTL_S`; at most `MAX_PENDING` at once (more:
/// refused, so that no flood grows memory), `MAX_CODE_TRIES` codes each.
/// No session exists until the code is right. In memory: a restart asks
/// for the password again.
#[derive(Debug, Default)]
pub struct PendingLogins {
    pending: std::sync::Mutex<std::collections::HashMap<String, PendingLogin>>,
}

#[derive(Clone)]
pub struct PendingLogin {
    pub user_id: UserId,
    pub username: String,
    pub password_hash: String,
    expires_at: i64,
    tries: u8,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PendingLogin").field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

/// Seconds a password step waits for its code.
pub const PENDING_TTL_S: i64 = 300;
/// Pending logins held at most.
pub const MAX_PENDING: usize = 10_000;
/// Codes tried on one pending login before it is dropped.
pub const MAX_CODE_TRIES: u8 = 5;

impl PendingLogins {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, PendingLogin>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A ticket for `user` (whose password hash the check saw), or `None`
    /// when too many are pending.
    pub fn start(&self, user: &User) -> Option<String> {
        let now = db::unix_now();
        let mut pending = self.lock();
        pending.retain(|_, login| login.expires_at > now);
        if pending.len() >= MAX_PENDING {
            return None;
        }
        let ticket = crate::domain::credentials::random_secret();
        pending.insert(
            crate::domain::credentials::hash_secret(&ticket),
            PendingLogin {
                user_id: user.id,
                username: user.username.to_string(),
                password_hash: user.password_hash.clone(),
                expires_at: now + PENDING_TTL_S,
                tries: 0,
            },
        );
        Some(ticket)
    }

    /// The pending login of `ticket`, counting one try (the last try, or an
    /// expired ticket, drops it).
    pub fn try_code(&self, ticket: &str) -> Option<PendingLogin> {
        let key = crate::domain::credentials::hash_secret(ticket);
        let mut pending = self.lock();
        let login = pending.get_mut(&key)?;
        login.tries += 1;
        let found = (login.expires_at > db::unix_now()).then(|| login.clone());
        if found.is_none() || login.tries >= MAX_CODE_TRIES {
            pending.remove(&key);
        }
        found
    }

    /// Drops `ticket` (its code won a session).
    pub fn finish(&self, ticket: &str) {
        self.lock().remove(&crate::domain::credentials::hash_secret(ticket));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::username::Username;

    fn mia() -> User {
        User {
            id: UserId(7),
            username: Username::parse("mia").unwrap(),
            password_hash: "$argon2id$v=19$…".to_owned(),
            role: Role::Member,
            approved: true,
            disabled: false,
            created_at: 0,
            auth_method: crate::domain::ldap::AuthMethod::Local,
            language: None,
        }
    }

    #[test]
    fn a_pending_login_takes_five_codes_at_most_and_ends_when_finished() {
        let pending = PendingLogins::default();
        let ticket = pending.start(&mia()).unwrap();
        for _ in 0..MAX_CODE_TRIES {
            assert_eq!(pending.try_code(&ticket).unwrap().user_id, UserId(7));
        }
        assert!(pending.try_code(&ticket).is_none(), "the sixth code finds nothing");
        let other = pending.start(&mia()).unwrap();
        pending.finish(&other);
        assert!(pending.try_code(&other).is_none());
        assert!(pending.try_code("not a ticket").is_none());
    }

    #[test]
    fn debug_never_shows_a_code_or_a_password_hash() {
        let factor = SecondFactor { totp: Some("123456".to_owned()), recovery_code: None };
        assert!(!format!("{factor:?}").contains("123456"));
        let pending = PendingLogins::default();
        let ticket = pending.start(&mia()).unwrap();
        assert!(!format!("{:?}", pending.try_code(&ticket).unwrap()).contains("argon2"));
    }
}
