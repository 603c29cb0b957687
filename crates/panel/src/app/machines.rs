//! Machines, the agents the panel reaches: listed and read by admins;
//! added, deleted, synced and re-keyed by the head admin (the API and the
//! machines page call these; a secret goes in once and never comes out).
//!
//! Rotating a machine's agent key without downtime: `rotate_key` stages the
//! new key sealed, proves with a real token-bound call that the agent accepts
//! it, and only then makes it the machine's key; one function for the CLI
//! (`smp-panel machine rotate-key`) and `rotate_machine_key` alike.
//!
//! The agent accepts every key in its `[[keys]]`, so the operator adds the new
//! key on the agent first (both valid), then rotates in the panel, then removes
//! the old key from the agent. Until the agent has been seen to accept the new
//! key the panel keeps using the current one: a refusal (or an agent that
//! cannot be reached) clears the staged key and changes nothing else, so a
//! rotation can never lock the panel out of a machine.

use fluent_templates::fluent_bundle::FluentValue;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use smp_proto::error::ErrorCode as AgentCode;
use smp_proto::names::InstanceName;
use smp_proto::token::SharedKey;
use utoipa::ToSchema;

use crate::agents::pinning::{self, Fingerprint};
use crate::agents::url::{AgentUrl, AgentUrlError, KeyId, KeyIdError, MIN_SECRET_CHARS};
use crate::agents::{AgentCallError, AgentClient, Caller, IdentityError};
use crate::app::audited::{AuditEntry, audited, audited_call};
use crate::app::{Context, CurrentUser, refusals};
use crate::db::containers::{self, SyncReport};
use crate::db::machines::{self, Machine, MachineError, MachineId, NewMachine};
use crate::db::{self, DbConnection, DbError, DbPool};
use crate::domain::secrets::{PanelKey, Sealed, SecretsError};
use crate::error::{AppError, ErrorCode};
use crate::policy::{Action, Object};
use crate::sync::SyncError;
use crate::texts;

/// A machine as the API shows it: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineView {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub key_id: String,
    /// The key a rotation under way will switch to.
    pub next_key_id: Option<String>,
    pub fingerprint: Option<String>,
    /// `unknown` (never synced), `online`, `unreachable`, `rejected` (the
    /// agent refused the panel's key), `fingerprint_mismatch` or `error`.
    pub status: String,
    /// Why the last contact failed; null after a good sync.
    pub last_error: Option<String>,
    pub last_sync_at: Option<i64>,
    pub created_at: i64,
}

impl From<&Machine> for MachineView {
    fn from(machine: &Machine) -> MachineView {
        MachineView {
            id: machine.id.0,
            name: machine.name.to_string(),
            url: machine.url.clone(),
            key_id: machine.key_id.clone(),
            next_key_id: machine.next_key_id().map(str::to_owned),
            fingerprint: machine.fingerprint.clone(),
            status: machine.status.clone(),
            last_error: machine.last_error.clone(),
            last_sync_at: machine.last_sync_at,
            created_at: machine.created_at,
        }
    }
}

impl From<SyncError> for AppError {
    fn from(error: SyncError) -> AppError {
        match error {
            SyncError::NoSuchMachine(_) => AppError::not_found(),
            SyncError::Agent(error) => error.into(),
            SyncError::Database(error) => error.into(),
            SyncError::Machine(error) => error.into(),
        }
    }
}

/// Machine `id`, if the policy lets the caller do `action` to it (a missing
/// one is `not_found`).
fn load(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: MachineId,
    action: Action,
) -> Result<Machine, AppError> {
    current.decide_found(action, machines::get(connection, id)?, |_| Object::Machine)
}

/// Machine `id`, if the policy lets the caller manage it (add, delete,
/// sync, re-key), named in the audit `entry`.
fn load_managed(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: MachineId,
    entry: &mut AuditEntry,
) -> Result<Machine, AppError> {
    let machine = load(connection, current, id, Action::MachineManage)?;
    entry.machine = Some(machine.name.to_string());
    Ok(machine)
}

/// Every machine, if the policy lets the caller see them (the API and the
/// machines page list them here).
pub(crate) async fn list_machines(pool: &DbPool, current: &CurrentUser) -> Result<Vec<MachineView>, AppError> {
    current.decide(Action::MachineView, &Object::Machine)?;
    db::run(pool, |connection| Ok::<_, AppError>(machines::list(connection)?.iter().map(MachineView::from).collect()))
        .await
}

/// Machine `id`, if the policy lets the caller see it.
pub(crate) async fn get_machine(pool: &DbPool, current: CurrentUser, id: MachineId) -> Result<MachineView, AppError> {
    let machine = db::run(pool, move |connection| load(connection, &current, id, Action::MachineView)).await?;
    Ok(MachineView::from(&machine))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMachine {
    /// The machine's name (as the agent calls itself): 1-63 letters,
    /// digits and `-`, starting with a letter, not ending with `-`.
    #[schema(pattern = "^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    pub(crate) name: String,
    /// The agent's base URL, `http://` or `https://`.
    pub(crate) url: String,
    /// The id of the agent key the panel signs with: 1-64 letters, digits, `-`, `_`, `.`.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub(crate) key_id: String,
    /// The agent key's secret (`smp-agent keygen`); stored sealed, never answered; at least 32 characters.
    #[schema(value_type = String, format = Password, write_only, min_length = 32)]
    pub(crate) secret: SecretString,
    /// Required for an `https://` URL unless `trust_on_first_use`.
    pub(crate) fingerprint: Option<String>,
    /// Fetch the agent's certificate now and pin its fingerprint (the answer shows it).
    #[serde(default)]
    pub(crate) trust_on_first_use: bool,
}

/// Adds a machine, audited (`started`, then the outcome); `request` is read
/// inside the audited check after the policy allowed it (the API and the
/// machines page add machines here). The same checks as `smp-panel machine add`.
pub(crate) async fn add_machine(
    context: &Context,
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<AddMachine, AppError> + Send + 'static,
) -> Result<MachineView, AppError> {
    let agents = context.agents.clone();
    let machine = audited_call(
        pool,
        current.audit("machine:new"),
        move |_, entry| {
            current.decide(Action::MachineManage, &Object::Machine)?;
            let request: AddMachine = request()?;
            entry.object = format!("machine-name:{}", request.name.chars().take(64).collect::<String>());
            validate(request)
        },
        |checked| async move {
            check_identity(&checked, agents.instance()).await?;
            Ok((checked, agents))
        },
        |connection, entry, (checked, agents)| {
            let sealed = agents.seal(checked.name.as_str(), &checked.secret).map_err(AppError::internal)?;
            let fingerprint = checked.pin.map(|pin| pin.to_string());
            let machine = machines::insert(
                connection,
                &NewMachine {
                    name: &checked.name,
                    url: &checked.url,
                    key_id: checked.key_id.as_str(),
                    secret: &sealed,
                    fingerprint: fingerprint.as_deref(),
                },
            )?;
            entry.object = format!("machine:{}", machine.id);
            entry.machine = Some(machine.name.to_string());
            Ok(MachineView::from(&machine))
        },
    )
    .await?;
    context.sync_nudge.now();
    Ok(machine)
}

/// A machine to add, checked as `smp-panel machine add` checks it.
struct CheckedMachine {
    name: InstanceName,
    /// The base URL without a trailing `/`.
    url: String,
    key_id: KeyId,
    secret: SecretString,
    pin: Option<Fingerprint>,
}

fn validate(request: AddMachine) -> Result<CheckedMachine, AppError> {
    let name = InstanceName::parse(&request.name).map_err(refusals::machine_name_refused)?;
    let url = AgentUrl::parse(&request.url).map_err(url_refused)?;
    // `KeyIdError` quotes the key id as it was given.
    let key_id = KeyId::parse(&request.key_id).map_err(|_| {
        AppError::invalid("error-machines-key-id", &[("key_id", texts::text(format!("{:?}", request.key_id)))])
    })?;
    let chars = request.secret.expose_secret().chars().count();
    if chars < MIN_SECRET_CHARS {
        return Err(AppError::invalid(
            "error-machines-secret-too-short",
            &[("chars", FluentValue::from(chars)), ("min", FluentValue::from(MIN_SECRET_CHARS))],
        ));
    }
    let pin = match (url.https, request.fingerprint.as_deref(), request.trust_on_first_use) {
        (false, None, false) => None,
        (false, _, _) => {
            return Err(AppError::invalid("error-machines-pin-without-https", &[]));
        }
        (true, Some(_), true) => {
            return Err(AppError::invalid("error-machines-pin-twice", &[]));
        }
        (true, Some(text), false) => {
            Some(Fingerprint::parse(text).map_err(|error| AppError::invalid_input(format!("fingerprint: {error}")))?)
        }
        (true, None, true) => Some(pinning::fetch_fingerprint(&url.host, url.port).map_err(|error| {
            AppError::said(
                ErrorCode::AgentUnavailable,
                "error-machines-certificate-unfetched",
                &[("error", texts::text(error))],
            )
        })?),
        (true, None, false) => {
            return Err(AppError::invalid("error-machines-pin-missing", &[]));
        }
    };
    Ok(CheckedMachine { name, url: url.base(), key_id, secret: request.secret, pin })
}

/// `url …`: why the agent URL is refused, in `AgentUrlError`'s words.
fn url_refused(error: AgentUrlError) -> AppError {
    let quoted = |text: &str| texts::text(format!("{text:?}"));
    match error {
        AgentUrlError::NotAUrl { text, reason } => AppError::invalid(
            "error-machines-url-not-a-url",
            &[("url", quoted(&text)), ("reason", texts::text(reason))],
        ),
        AgentUrlError::Scheme { text, scheme } => {
            AppError::invalid("error-machines-url-scheme", &[("url", quoted(&text)), ("scheme", quoted(&scheme))])
        }
        AgentUrlError::NoHost { text } => AppError::invalid("error-machines-url-no-host", &[("url", quoted(&text))]),
        AgentUrlError::PlainHttpBeyondLoopback { text } => {
            AppError::invalid("error-machines-url-plain-http", &[("url", quoted(&text))])
        }
        AgentUrlError::MoreThanAnAddress { text } => {
            AppError::invalid("error-machines-url-more-than-an-address", &[("url", quoted(&text))])
        }
    }
}

/// The new machine's agent must answer to its name (see `confirm_identity`).
async fn check_identity(machine: &CheckedMachine, instance: &str) -> Result<(), AppError> {
    let key = SharedKey::new(machine.key_id.as_str(), machine.secret.expose_secret());
    let client = AgentClient::new(machine.name.as_str(), &machine.url, key, machine.pin, instance)?;
    client.confirm_identity().await.map_err(|error| match error {
        IdentityError::OtherName { url, found } => AppError::invalid(
            "error-machines-agent-other-name",
            &[("url", texts::text(url)), ("found", texts::text(format!("{found:?}")))],
        ),
        IdentityError::OtherCertificate { url } => {
            AppError::invalid("error-machines-agent-other-certificate", &[("url", texts::text(url))])
        }
    })
}

/// Deletes machine `id` and its container rows, audited; refused while any
/// of its containers has an owner or runs a service.
pub(crate) async fn delete_machine(
    context: &Context,
    pool: &DbPool,
    current: CurrentUser,
    id: MachineId,
) -> Result<(), AppError> {
    audited(pool, current.audit(format!("machine:{id}")), move |connection, entry| {
        let machine = load_managed(connection, &current, id, entry)?;
        let (_, owned) = containers::count_for_machine(connection, id)?;
        if owned > 0 {
            return Err(AppError::said(
                ErrorCode::Conflict,
                "error-machines-delete-owned-containers",
                &[("count", FluentValue::from(owned)), ("machine", texts::text(&machine.name))],
            ));
        }
        let services = crate::db::services::count_for_machine(connection, id.0)?;
        if services > 0 {
            return Err(AppError::said(
                ErrorCode::Conflict,
                "error-machines-delete-services",
                &[("count", FluentValue::from(services)), ("machine", texts::text(&machine.name))],
            ));
        }
        containers::delete_for_machine(connection, id)?;
        machines::delete(connection, id)?;
        Ok(())
    })
    .await?;
    context.sync_nudge.now();
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SyncAnswer {
    pub(crate) machine: MachineView,
    #[serde(flatten)]
    pub(crate) report: SyncReport,
}

/// One full sync pass of machine `id`, audited, answered when done (the API
/// and the machines page sync here).
pub(crate) async fn sync_machine(
    context: &Context,
    pool: &DbPool,
    current: CurrentUser,
    id: MachineId,
) -> Result<SyncAnswer, AppError> {
    let agents = context.agents.clone();
    let report = audited_call(
        pool,
        current.audit(format!("machine:{id}")),
        move |connection, entry| load_managed(connection, &current, id, entry).map(|_| ()),
        |()| async move { Ok(agents.sync_machine_once(id).await?) },
        |_, _, value| Ok(value),
    )
    .await?;
    let machine =
        db::run(pool, move |connection| machines::get(connection, id)?.ok_or_else(AppError::not_found)).await?;
    Ok(SyncAnswer { machine: MachineView::from(&machine), report })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKey {
    /// The new key's id, as configured on the agent: 1-64 letters, digits, `-`, `_`, `.`.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub(crate) key_id: String,
    /// The new key's secret; stored sealed, never answered; at least 32 characters.
    #[schema(value_type = String, format = Password, write_only, min_length = 32)]
    pub(crate) secret: SecretString,
}

impl From<RotationError> for AppError {
    /// The words of `RotationError`'s `Display` (which the CLI prints), as
    /// texts of the Fluent files.
    fn from(error: RotationError) -> AppError {
        let Some(code) = error.app_code() else { return AppError::internal(error) };
        let quoted = |text: &str| texts::text(format!("{text:?}"));
        match &error {
            RotationError::SecretTooShort { chars } => AppError::said(
                code,
                "error-machines-rotation-secret-too-short",
                &[("chars", FluentValue::from(*chars)), ("min", FluentValue::from(MIN_SECRET_CHARS))],
            ),
            RotationError::NotFound(id) | RotationError::Machine(MachineError::NotFound(id)) => {
                AppError::said(code, "error-machines-no-machine", &[("id", texts::text(id))])
            }
            RotationError::Machine(MachineError::StagedKeyChanged(id)) => {
                AppError::said(code, "error-machines-rotation-staged-key-changed", &[("id", texts::text(id))])
            }
            RotationError::AgentRefused { machine, key_id, current, code: agent_code, message } => {
                let key = match agent_code {
                    AgentCode::TokenSignature => "error-machines-rotation-refused-other-secret",
                    _ => "error-machines-rotation-refused-unknown-key",
                };
                AppError::said(
                    code,
                    key,
                    &[
                        ("machine", quoted(machine)),
                        ("key_id", quoted(key_id)),
                        ("key_name", texts::text(key_id)),
                        ("agent_code", texts::text(agent_code.as_str())),
                        ("detail", texts::text(message)),
                        ("current", quoted(current)),
                    ],
                )
            }
            RotationError::Unverified { machine, key_id, current, cause } => AppError::said(
                code,
                "error-machines-rotation-unverified",
                &[
                    ("machine", quoted(machine)),
                    ("key_id", quoted(key_id)),
                    ("cause", texts::text(cause)),
                    ("current", quoted(current)),
                ],
            ),
            // `KeyIdError` keeps the key id to itself: its English as it is.
            _ => AppError::new(code, error.to_string()),
        }
    }
}

/// Switches machine `id` to a new key once its agent accepts it, audited;
/// `request` is read inside the audited check after the policy allowed it
/// (the API and the machines page rotate here).
pub(crate) async fn rotate_machine_key(
    context: &Context,
    pool: &DbPool,
    current: CurrentUser,
    id: MachineId,
    request: impl FnOnce() -> Result<RotateKey, AppError> + Send + 'static,
) -> Result<MachineView, AppError> {
    let agents = context.agents.clone();
    let rotation_pool = pool.clone();
    let machine = audited_call(
        pool,
        current.audit(format!("machine:{id}")),
        move |connection, entry| {
            load_managed(connection, &current, id, entry)?;
            request()
        },
        |RotateKey { key_id, secret }| async move {
            let machine = rotate_key(&rotation_pool, agents.key(), agents.instance(), id, &key_id, secret).await?;
            Ok(MachineView::from(&machine))
        },
        |_, _, value| Ok(value),
    )
    .await?;
    context.sync_nudge.now();
    Ok(machine)
}

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
    AgentRefused { machine: String, key_id: String, current: String, code: AgentCode, message: String },
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
    /// The code of the API's error body and the audit row; `None`: internal.
    fn app_code(&self) -> Option<ErrorCode> {
        match self {
            RotationError::InvalidKeyId(_) | RotationError::SecretTooShort { .. } => Some(ErrorCode::InvalidInput),
            RotationError::NotFound(_) | RotationError::Machine(MachineError::NotFound(_)) => Some(ErrorCode::NotFound),
            RotationError::Machine(MachineError::StagedKeyChanged(_)) => Some(ErrorCode::Conflict),
            RotationError::AgentRefused { .. } => Some(ErrorCode::KeyRefused),
            RotationError::Unverified { .. } => Some(ErrorCode::KeyUnverified),
            RotationError::Secret(_) | RotationError::Machine(_) | RotationError::Db(_) => None,
        }
    }

    /// A stable code for the API's error body and the audit row.
    pub fn code(&self) -> &'static str {
        self.app_code().unwrap_or(ErrorCode::Internal).as_str()
    }
}

/// What to tell the operator when the agent refuses the new key.
fn refusal_hint(code: AgentCode, key_id: &str) -> String {
    match code {
        AgentCode::TokenSignature => format!(
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
            code: code @ (AgentCode::UnknownKey | AgentCode::TokenSignature),
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
            refusal_hint(AgentCode::UnknownKey, "k2"),
            "add key k2 to the agent's [[keys]] and restart it first"
        );
        assert!(refusal_hint(AgentCode::TokenSignature, "k2").contains("different secret"));
    }

    #[test]
    fn errors_have_stable_codes() {
        assert_eq!(RotationError::SecretTooShort { chars: 3 }.code(), "invalid_input");
        assert_eq!(RotationError::NotFound(MachineId(7)).code(), "not_found");
        assert_eq!(RotationError::Machine(MachineError::NotFound(MachineId(7))).code(), "not_found");
    }
}
