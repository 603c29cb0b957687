//! A user's own personal access tokens: made (`create_token`), listed
//! (`list_tokens`) and revoked (`revoke_token`) by the API and the account
//! page alike. The token (`smp_` + 64 hex digits) is answered once, at
//! creation; only its SHA-256 is stored.
//!
//! A token is made only from a signed-in browser session, with the password
//! typed again (`password::reconfirm`: the directory's for an LDAP account;
//! an account from an OpenID Connect provider has none and must have signed
//! in within the last ten minutes): a stolen token or an unattended session
//! alone cannot mint a longer-lived credential. Every token expires (90 days unless asked, a
//! year at most) and has a scope: `read` (the default) may only GET and
//! HEAD, `write` anything its owner may do.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audited::audited;
use crate::app::password::reconfirm;
use crate::app::password::{session_of, still_as_verified};
use crate::app::{Context, CurrentUser};
use crate::db::tokens::{self, NewToken, TokenInfo, TokenScope};
use crate::db::{self, DbPool, unix_now};
use crate::domain::credentials::{hash_secret, random_secret};
use crate::error::{AppError, ErrorCode};
use crate::texts;

/// What every personal access token starts with.
pub const TOKEN_PREFIX: &str = "smp_";
const MAX_NAME_CHARS: usize = 64;
/// A token lives this long unless asked otherwise.
pub const DEFAULT_EXPIRES_IN_DAYS: u32 = 90;
/// And never longer than this.
pub const MAX_EXPIRES_IN_DAYS: u32 = 365;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// 1 to 64 characters (spaces around it are trimmed; not only spaces).
    #[schema(min_length = 1, max_length = 64, pattern = "\\S")]
    pub(crate) name: String,
    /// The caller's password, typed again.
    #[schema(format = Password)]
    pub(crate) password: String,
    /// `read` (the default: GET and HEAD only) or `write`.
    #[serde(default)]
    pub(crate) scope: Option<TokenScope>,
    /// 1 to 365; 90 when left out.
    #[schema(minimum = 1, maximum = 365)]
    pub(crate) expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedToken {
    #[serde(flatten)]
    pub(crate) info: TokenInfo,
    /// Shown this once.
    pub(crate) token: String,
}

/// A token request that passed every check but the password's.
pub(crate) struct Checked {
    pub(crate) name: String,
    pub(crate) scope: TokenScope,
    pub(crate) expires_in_days: u32,
}

/// The checks of a token request before the password's: the name trimmed,
/// 1 to 64 characters; `expires_in_days` 1 to 365 (90 when left out).
pub(crate) fn check_request(request: CreateToken) -> Result<(Checked, String), AppError> {
    let CreateToken { name, password, scope, expires_in_days } = request;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid("error-account-token-name", &[("max", texts::text(MAX_NAME_CHARS))]));
    }
    let expires_in_days = expires_in_days.unwrap_or(DEFAULT_EXPIRES_IN_DAYS);
    if !(1..=MAX_EXPIRES_IN_DAYS).contains(&expires_in_days) {
        return Err(AppError::invalid("error-account-token-days", &[("max", texts::text(MAX_EXPIRES_IN_DAYS))]));
    }
    Ok((Checked { name, scope: scope.unwrap_or_default(), expires_in_days }, password))
}

/// Makes a token for the caller, audited (`token:new`, then `token:ID`).
/// Refused unless the caller came with a browser session (`session_required`)
/// and typed her password again (`wrong_password`). `request` is read first,
/// so that a bad request is audited too; the password is verified on the
/// blocking pool without holding a database connection, then the token is
/// written with its row. The API and the account page create tokens here.
pub(crate) async fn create_token(
    context: &Context,
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<CreateToken, AppError> + Send + 'static,
) -> Result<CreatedToken, AppError> {
    let user_id = current.user.id;
    let session = session_of(&current);
    let verified_hash = current.user.password_hash.clone();
    let verdict = async {
        if !crate::policy::may_make_tokens(session.is_some()) {
            return Err(AppError::said(ErrorCode::SessionRequired, "error-account-token-session-required", &[]));
        }
        let (checked, password) = check_request(request()?)?;
        reconfirm(context, pool, &current, password).await?;
        Ok(checked)
    }
    .await;
    audited(pool, current.audit("token:new"), move |connection, entry| {
        let Checked { name, scope, expires_in_days } = verdict?;
        still_as_verified(connection, user_id, &verified_hash, session.as_deref())?;
        let token = format!("{TOKEN_PREFIX}{}", random_secret());
        let expires_at = unix_now() + i64::from(expires_in_days) * 86_400;
        let new = NewToken { user_id, name: &name, token_hash: &hash_secret(&token), scope, expires_at };
        let info = tokens::create(connection, &new)?;
        entry.object = format!("token:{}", info.id);
        Ok(CreatedToken { info, token })
    })
    .await
}

/// The caller's live tokens (the API and the account page list them here).
pub(crate) async fn list_tokens(pool: &DbPool, current: &CurrentUser) -> Result<Vec<TokenInfo>, AppError> {
    let user_id = current.user.id;
    db::run(pool, move |connection| Ok::<_, AppError>(tokens::list_live(connection, user_id)?)).await
}

/// Revokes the caller's token `id`, audited; another user's token is the
/// same 404 as a missing one (the API and the account page revoke here).
pub(crate) async fn revoke_token(pool: &DbPool, current: CurrentUser, id: i64) -> Result<(), AppError> {
    let user_id = current.user.id;
    audited(pool, current.audit(format!("token:{id}")), move |connection, _| {
        if tokens::revoke(connection, user_id, id)? { Ok(()) } else { Err(AppError::not_found()) }
    })
    .await
}
