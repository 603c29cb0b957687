//! Rotating a machine's agent key without downtime: `rotate_key` stages the
//! new key sealed, proves with a real token-bound call that the agent accepts
//! it, and only then makes it the machine's key; one function for the CLI
//! (`smp-panel machine rotate-key`) and the HTTP API alike.
//!
//! The agent accepts every key in its `[[keys]]`, so the operator adds the new
//! key on the agent first (both valid), then rotates in the panel, then removes
//! the old key from the agent. Until the agent has been seen to accept the new
//! key the panel keeps using the current one: a refusal (or an agent that
//! cannot be reached) clears the staged key and changes nothing else, so a
//! rotation can never lock the panel out of a machine.

use secrecy::{ExposeSecret as _, SecretString};
use smp_proto::error::ErrorCode;
use smp_proto::token::SharedKey;

use crate::agents::pinning::Fingerprint;
use crate::agents::url::{KeyId, KeyIdError, MIN_SECRET_CHARS};
use crate::agents::{AgentCallError, AgentClient, Caller};
use crate::db::machines::{self, Machine, MachineError, MachineId};
use crate::db::{self, DbError, DbPool};
use crate::domain::secrets::{PanelKey, Sealed, SecretsError};

/// The `sub` of the token that checks the new key (the agent logs it).
pub const ROTATION_SUBJECT: &str = "smp-panel";

/// Why a rotation did not happen. In every case the machine keeps the key it
/// had; no message ever contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The new key id is not one an agent accepts.
    /// The key id is said in the message, not chained as a `source`.
    #[error("invalid key id: {0}")]
    InvalidKeyId(KeyIdError),
    /// The new secret is too short (checked before anything is stored).
    #[error("the new secret has {chars} characters; it needs at least {MIN_SECRET_CHARS} (e.g. `smp-agent keygen`)")]
    SecretTooShort { chars: usize },
    #[error("no machine with id {0}")]
    NotFound(MachineId),
    /// The agent answered the check with 401 `unknown_key` or `token_signature`.
    #[error(
        "the agent of machine {machine:?} refused key {key_id:?} ({code_text}: {message}); {hint}; the panel still uses key {current:?}",
        code_text = .code.as_str(),
        hint = refusal_hint(*.code, .key_id)
    )]
    AgentRefused { machine: String, key_id: String, current: String, code: ErrorCode, message: String },
    /// The check did not succeed for another reason (agent unreachable,
    /// certificate mismatch, LXD down): the new key is not proven, so not used.
    #[error(
        "cannot confirm that the agent of machine {machine:?} accepts key {key_id:?}: {cause}; the panel still uses key {current:?}, try again when the agent answers"
    )]
    Unverified {
        machine: String,
        key_id: String,
        current: String,
        /// Said in the message, not chained as a `source`, so that `{:#}`
        /// does not print it twice.
        cause: Box<AgentCallError>,
    },
    #[error(transparent)]
    Secret(#[from] SecretsError),
    #[error(transparent)]
    Machine(#[from] MachineError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl RotationError {
    /// A stable code for the API's error body and the audit row.
    pub fn code(&self) -> &'static str {
        match self {
            RotationError::InvalidKeyId(_) | RotationError::SecretTooShort { .. } => "invalid_input",
            RotationError::NotFound(_) | RotationError::Machine(MachineError::NotFound(_)) => "not_found",
            RotationError::Machine(MachineError::StagedKeyChanged(_)) => "conflict",
            RotationError::AgentRefused { .. } => "key_refused",
            RotationError::Unverified { .. } => "key_unverified",
            RotationError::Secret(_) | RotationError::Machine(_) | RotationError::Db(_) => "internal",
        }
    }
}

/// What to tell the operator when the agent refuses the new key.
fn refusal_hint(code: ErrorCode, key_id: &str) -> String {
    match code {
        ErrorCode::TokenSignature => format!(
            "the agent has a key {key_id:?} with a different secret: give the panel the same secret as the agent's [[keys]] entry {key_id:?}"
        ),
        _ => format!("add key {key_id} to the agent's [[keys]] and restart it first"),
    }
}

/// Rotates machine `machine_id` to the key `new_key_id` / `new_secret`:
///
/// 1. checks the key id (`KeyId`) and that the secret has at least 32
///    characters, before anything is stored;
/// 2. stages the new key, sealed with `key` for the machine's name, beside the
///    current one (which stays in use);
/// 3. calls the agent's `GET /containers` with a token signed by the NEW key
///    (`sub` = `smp-panel`, `iss` = `smp-panel:<instance>`);
/// 4. on a 2xx answer promotes the new key (the old one is forgotten) and
///    returns the machine as stored (unless a concurrent rotation staged
///    another key meanwhile: `MachineError::StagedKeyChanged`, nothing changed); on anything else clears the staged key
///    and returns why ([`RotationError::AgentRefused`] when the agent does not
///    know the key or its secret differs, [`RotationError::Unverified`] when
///    the check could not be made).
///
/// Rotating to the current key id with a new secret works the same way (after
/// the agent's entry was changed, e.g. following a leak).
///
/// Database steps run on the blocking pool via `db::run`, so this may be
/// awaited from an actix handler.
pub async fn rotate_key(
    pool: &DbPool,
    key: &PanelKey,
    instance: &str,
    machine_id: MachineId,
    new_key_id: &str,
    new_secret: SecretString,
) -> Result<Machine, RotationError> {
    KeyId::parse(new_key_id).map_err(RotationError::InvalidKeyId)?;
    let chars = new_secret.expose_secret().chars().count();
    if chars < MIN_SECRET_CHARS {
        return Err(RotationError::SecretTooShort { chars });
    }

    let machine = db::run(pool, move |connection| {
        machines::get(connection, machine_id)?.ok_or(RotationError::NotFound(machine_id))
    })
    .await?;
    let sealed = key.seal(machine.name.as_str(), &new_secret)?;
    let (staged_key_id, staged) = (new_key_id.to_owned(), sealed.clone());
    db::run(pool, move |connection| {
        machines::stage_next_key(connection, machine_id, &staged_key_id, &staged).map_err(RotationError::from)
    })
    .await?;

    let Err(error) = check_agent_accepts(&machine, instance, new_key_id, &new_secret).await else {
        let promoted_key_id = new_key_id.to_owned();
        let rotated = db::run(pool, move |connection| {
            machines::promote_staged_key(connection, machine_id, &promoted_key_id, &sealed).map_err(RotationError::from)
        })
        .await?;
        tracing::info!(machine = %rotated.name, from = %machine.key_id, to = %rotated.key_id, "machine key rotated");
        return Ok(rotated);
    };
    forget_staged_key(pool, &machine, sealed).await;
    let (machine_name, key_id, current) = (machine.name.to_string(), new_key_id.to_owned(), machine.key_id);
    Err(match error {
        AgentCallError::Agent {
            status: 401,
            code: code @ (ErrorCode::UnknownKey | ErrorCode::TokenSignature),
            message,
            ..
        } => RotationError::AgentRefused { machine: machine_name, key_id, current, code, message },
        other => RotationError::Unverified { machine: machine_name, key_id, current, cause: Box::new(other) },
    })
}

/// Clears the staged key after a failed check. If even that fails, the
/// staged key is harmless (the current key stays in use and the next
/// rotation overwrites it), so it is logged, not returned.
async fn forget_staged_key(pool: &DbPool, machine: &Machine, staged: Sealed) {
    let machine_id = machine.id;
    let cleared: Result<bool, RotationError> =
        db::run(pool, move |connection| Ok(machines::clear_next_key(connection, machine_id, &staged)?)).await;
    if let Err(error) = cleared {
        tracing::warn!(machine = %machine.name, %error, "cannot clear the staged key of a failed rotation");
    }
}

/// One real call to the machine's agent with the candidate key.
async fn check_agent_accepts(
    machine: &Machine,
    instance: &str,
    key_id: &str,
    secret: &SecretString,
) -> Result<(), AgentCallError> {
    let pin = machine
        .fingerprint
        .as_deref()
        .map(Fingerprint::parse)
        .transpose()
        .map_err(|error| AgentCallError::InvalidCall(error.to_string()))?;
    let client = AgentClient::new(
        machine.name.as_str(),
        &machine.url,
        SharedKey::new(key_id, secret.expose_secret()),
        pin,
        instance,
    )?;
    client.list(&Caller::system(ROTATION_SUBJECT)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_says_what_to_do_on_the_agent() {
        assert_eq!(
            refusal_hint(ErrorCode::UnknownKey, "k2"),
            "add key k2 to the agent's [[keys]] and restart it first"
        );
        assert!(refusal_hint(ErrorCode::TokenSignature, "k2").contains("different secret"));
    }

    #[test]
    fn errors_have_stable_codes() {
        assert_eq!(RotationError::SecretTooShort { chars: 3 }.code(), "invalid_input");
        assert_eq!(RotationError::NotFound(MachineId(7)).code(), "not_found");
        assert_eq!(RotationError::Machine(MachineError::NotFound(MachineId(7))).code(), "not_found");
    }
}
