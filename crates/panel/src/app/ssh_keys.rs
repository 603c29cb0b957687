//! A user's own SSH keys, the profile keys the SSH gateway lets her in with:
//! added (`add_key`), listed (`list_keys`) and deleted (`delete_key`) by
//! the API and the account page alike, each asking the policy
//! (`SshKeyManage` on her own account: nobody manages another's keys); and
//! `authenticate` / `record_use` for the gateway.
//!
//! A key is checked by `domain::ssh_key` (ed25519, ecdsa, rsa ≥ 3072 bits).
//! Its fingerprint is unique across every account (one key opens one
//! account, so the gateway knows whose it is from the fingerprint alone): a
//! key already on an account is 409 `conflict`, whose message never says
//! whose. One account has at most `MAX_KEYS_PER_USER` keys; one more is 429
//! `limit_reached` (the code the panel gives every "you have as many as
//! allowed", like `max_terminals_per_user`): delete one first. Keys are
//! added from a browser session only (`policy::may_add_ssh_keys`), never
//! with a token. Adding and deleting are audited (`ssh_key.add`,
//! `ssh_key.delete`, object `ssh_key:ID`, the fingerprint as detail).

use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::CurrentUser;
use crate::app::audited::audited;
use crate::app::password::session_of;
use crate::db::quotas::lock_user;
use crate::db::ssh_keys::{self, NewSshKey, SshKey, SshKeyId};
use crate::db::users::{self, User};
use crate::db::{self, DbPool};
use crate::domain::ssh_key::{SshKeyError, SshPublicKey};
use crate::error::{AppError, ErrorCode};
use crate::policy::{self, Action, Object};
use crate::texts;

/// The most keys one account has.
pub const MAX_KEYS_PER_USER: i64 = 32;
const MAX_NAME_CHARS: usize = 64;

/// `POST /api/v1/me/ssh-keys`' body (and the account page's form).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSshKey {
    /// Her label for it (which computer it is on), 1 to 64 characters.
    #[schema(example = "laptop", min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]+$")]
    pub(crate) name: String,
    /// One OpenSSH public key line, as in the `.pub` file: `TYPE BASE64 [COMMENT]`.
    #[schema(example = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… mia@laptop")]
    pub(crate) public_key: String,
}

/// The policy's answer for the caller's own keys.
fn decide_own(current: &CurrentUser) -> Result<(), AppError> {
    let me = Object::User { id: current.user.id.0, role: current.user.role };
    current.decide(Action::SshKeyManage, &me)
}

pub(crate) fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid("error-account-ssh-key-name", &[("max", texts::text(MAX_NAME_CHARS))]));
    }
    Ok(name.to_owned())
}

/// The 409 of a key already on an account: hers (named), or another's (never whose).
fn already_on_an_account(hers: Option<&str>) -> AppError {
    match hers {
        Some(name) => AppError::said(
            ErrorCode::Conflict,
            "error-account-ssh-key-yours",
            &[("name", texts::text(format!("{name:?}")))],
        ),
        None => AppError::said(ErrorCode::Conflict, "error-account-ssh-key-elsewhere", &[]),
    }
}

/// The 422 of a pasted text that is not a key the panel takes, in
/// `SshKeyError`'s words: what it is and what to paste instead.
fn refused_key(error: SshKeyError) -> AppError {
    match error {
        SshKeyError::Empty => AppError::invalid("error-account-ssh-key-empty", &[]),
        SshKeyError::PrivateKey => AppError::invalid("error-account-ssh-key-private", &[]),
        SshKeyError::Rfc4716 => AppError::invalid("error-account-ssh-key-rfc4716", &[]),
        SshKeyError::SeveralLines => AppError::invalid("error-account-ssh-key-several-lines", &[]),
        SshKeyError::Certificate => AppError::invalid("error-account-ssh-key-certificate", &[]),
        SshKeyError::SecurityKey => AppError::invalid("error-account-ssh-key-security-key", &[]),
        SshKeyError::Dsa => AppError::invalid("error-account-ssh-key-dsa", &[]),
        SshKeyError::RsaTooShort(bits) => {
            AppError::invalid("error-account-ssh-key-rsa-too-short", &[("bits", texts::text(bits))])
        }
        SshKeyError::RsaTooLong(bits) => {
            AppError::invalid("error-account-ssh-key-rsa-too-long", &[("bits", texts::text(bits))])
        }
        SshKeyError::Unsupported(kind) => {
            AppError::invalid("error-account-ssh-key-unsupported", &[("kind", texts::text(kind))])
        }
        SshKeyError::Malformed => AppError::invalid("error-account-ssh-key-malformed", &[]),
    }
}

/// Adds a key to the caller's profile, audited (`ssh_key:new`, then
/// `ssh_key:ID`, the fingerprint as detail once the key parsed). Refused
/// with a token (`session_required`), for a bad name or key (422 with the
/// reason in words), a key already on an account (409 `conflict`) and over
/// `MAX_KEYS_PER_USER` (429 `limit_reached`). `request` is read inside the
/// audited work, so that a bad request is audited too.
pub(crate) async fn add_key(
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<AddSshKey, AppError> + Send + 'static,
) -> Result<SshKey, AppError> {
    let user_id = current.user.id;
    let decided = decide_own(&current).and_then(|()| {
        if policy::may_add_ssh_keys(session_of(&current).is_some()) {
            Ok(())
        } else {
            Err(AppError::said(ErrorCode::SessionRequired, "error-account-ssh-key-session-required", &[]))
        }
    });
    audited(pool, current.audit("ssh_key:new"), move |connection, entry| {
        decided?;
        let AddSshKey { name, public_key } = request()?;
        let name = check_name(&name)?;
        // Each refusal's sentence says it is about the key (and what to do).
        let key = SshPublicKey::parse(&public_key).map_err(refused_key)?;
        entry.set_detail(key.fingerprint().to_owned());
        // One add at a time per account: the count read next stays true
        // until the insert (PostgreSQL; SQLite's write lock does it anyway).
        lock_user(connection, user_id)?;
        if let Some((existing, owner)) = ssh_keys::find_by_fingerprint(connection, key.fingerprint())? {
            return Err(already_on_an_account((owner == user_id).then_some(existing.name.as_str())));
        }
        if ssh_keys::count_of(connection, user_id)? >= MAX_KEYS_PER_USER {
            return Err(AppError::said(
                ErrorCode::LimitReached,
                "error-account-ssh-key-limit",
                &[("max", texts::text(MAX_KEYS_PER_USER))],
            ));
        }
        let new = NewSshKey {
            user_id,
            name: &name,
            algorithm: key.algorithm(),
            public_key: key.public_key(),
            fingerprint: key.fingerprint(),
            imported: false,
        };
        let stored = ssh_keys::create(connection, &new)?.ok_or_else(|| already_on_an_account(None))?;
        entry.object = format!("ssh_key:{}", stored.id);
        Ok(stored)
    })
    .await
}

/// The caller's keys, oldest first (the API and the account page list them here).
pub(crate) async fn list_keys(pool: &DbPool, current: &CurrentUser) -> Result<Vec<SshKey>, AppError> {
    decide_own(current)?;
    let user_id = current.user.id;
    db::run(pool, move |connection| Ok::<_, AppError>(ssh_keys::list_of(connection, user_id)?)).await
}

/// Deletes the caller's key `id`, audited (its fingerprint as detail);
/// another user's key is the same 404 as a missing one. The gateway
/// refuses the key from the next connection on.
pub(crate) async fn delete_key(pool: &DbPool, current: CurrentUser, id: SshKeyId) -> Result<(), AppError> {
    let user_id = current.user.id;
    let decided = decide_own(&current);
    audited(pool, current.audit(format!("ssh_key:{id}")), move |connection, entry| {
        decided?;
        let deleted = ssh_keys::delete_of(connection, user_id, id)?.ok_or_else(AppError::not_found)?;
        entry.set_detail(deleted.fingerprint);
        Ok(())
    })
    .await
}

/// For the SSH gateway: the account a key with this fingerprint opens, and
/// the key's id, if that account may sign in (enabled and approved);
/// `None` for an unknown key and for a key of an account that cannot act.
/// Reads only: call it for a key offered and again for a signature
/// verified, then `record_use` once the signature is verified.
pub async fn authenticate(pool: &DbPool, fingerprint: &str) -> Result<Option<(User, SshKeyId)>, AppError> {
    let fingerprint = fingerprint.to_owned();
    db::run(pool, move |connection| {
        let Some((key, user_id)) = ssh_keys::find_by_fingerprint(connection, &fingerprint)? else {
            return Ok(None);
        };
        let user = users::find(connection, user_id)?;
        Ok::<_, AppError>(user.filter(|user| user.approved && !user.disabled).map(|user| (user, key.id())))
    })
    .await
}

/// For the SSH gateway: records a sign-in with the key `id` (its
/// `last_used_at`, written at most once a minute).
pub async fn record_use(pool: &DbPool, id: SshKeyId) -> Result<(), AppError> {
    db::run(pool, move |connection| Ok::<_, AppError>(ssh_keys::touch(connection, id).map(|_| ())?)).await
}
