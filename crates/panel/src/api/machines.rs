//! `/api/v1/machines`: the agents the panel reaches. Admins read them, the
//! head admin adds, deletes and syncs them; a secret goes in once and never
//! comes out.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use smp_proto::names::InstanceName;

use super::audited::{audited, audited_call};
use super::auth::CurrentUser;
use crate::db::containers::{self, SyncReport};
use crate::db::machines::{self, Machine, MachineError, MachineId, NewMachine};
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::machine_cli::{MIN_SECRET_CHARS, check_key_id, parse_agent_url};
use crate::pinning::{self, Fingerprint};
use crate::policy::{Action, Object};
use crate::rotation::{self, RotationError};
use crate::startup::AppState;
use crate::sync::SyncError;

/// A machine as the API shows it: never its secret.
#[derive(Debug, Serialize)]
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

impl From<MachineError> for AppError {
    fn from(error: MachineError) -> AppError {
        match error {
            MachineError::NameTaken(name) => {
                AppError::new(ErrorCode::Conflict, format!("a machine named {name:?} already exists"))
            }
            MachineError::NotFound(_) => AppError::not_found(),
            other => AppError::internal(other),
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

fn load(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: MachineId,
    action: Action,
) -> Result<Machine, AppError> {
    let machine = machines::get(connection, id)?;
    current.decide(action, if machine.is_some() { &Object::Machine } else { &Object::Missing })?;
    machine.ok_or_else(AppError::not_found)
}

/// `GET /api/v1/machines`.
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    current.decide(Action::MachineView, &Object::Machine)?;
    let items: Vec<MachineView> = db::run(&pool, |connection| {
        Ok::<_, AppError>(machines::list(connection)?.iter().map(MachineView::from).collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/machines/{id}`.
pub async fn get(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = MachineId(path.into_inner());
    let machine = db::run(&pool, move |connection| load(connection, &current, id, Action::MachineView)).await?;
    Ok(HttpResponse::Ok().json(MachineView::from(&machine)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMachine {
    name: String,
    url: String,
    key_id: String,
    secret: SecretString,
    /// Required for an `https://` URL unless `trust_on_first_use`.
    fingerprint: Option<String>,
    /// Fetch the agent's certificate now and pin its fingerprint (the answer shows it).
    #[serde(default)]
    trust_on_first_use: bool,
}

/// `POST /api/v1/machines` (head admin): the same checks as `smp-panel machine add`.
pub async fn add(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    body: web::Json<AddMachine>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    let entry = current.audit(format!("machine-name:{}", request.name.chars().take(64).collect::<String>()));
    let agents = state.agents.clone();
    let machine = audited(&pool, entry, move |connection, entry| {
        current.decide(Action::MachineManage, &Object::Machine)?;
        let invalid = |error: anyhow::Error| AppError::invalid_input(format!("{error:#}").replace("--", ""));
        let name =
            InstanceName::parse(&request.name).map_err(|error| AppError::invalid_input(format!("name: {error}")))?;
        let url = parse_agent_url(&request.url).map_err(invalid)?;
        check_key_id(&request.key_id).map_err(invalid)?;
        use secrecy::ExposeSecret as _;
        let chars = request.secret.expose_secret().chars().count();
        if chars < MIN_SECRET_CHARS {
            return Err(AppError::invalid_input(format!(
                "secret: it has {chars} characters; it needs at least {MIN_SECRET_CHARS} (smp-agent keygen makes one)"
            )));
        }
        let fingerprint = match (url.https, request.fingerprint.as_deref(), request.trust_on_first_use) {
            (false, None, false) => None,
            (false, _, _) => {
                return Err(AppError::invalid_input("fingerprint and trust_on_first_use apply only to https:// URLs"));
            }
            (true, Some(_), true) => {
                return Err(AppError::invalid_input("give either fingerprint or trust_on_first_use, not both"));
            }
            (true, Some(text), false) => Some(
                Fingerprint::parse(text).map_err(|error| AppError::invalid_input(format!("fingerprint: {error}")))?,
            ),
            (true, None, true) => Some(pinning::fetch_fingerprint(&url.host, url.port).map_err(|error| {
                AppError::new(ErrorCode::AgentUnavailable, format!("cannot fetch the agent's certificate: {error:#}"))
            })?),
            (true, None, false) => {
                return Err(AppError::invalid_input(
                    "an https:// agent needs its fingerprint (smp-agent fingerprint prints it) or trust_on_first_use",
                ));
            }
        };
        let sealed = agents.seal(name.as_str(), &request.secret).map_err(AppError::internal)?;
        let fingerprint = fingerprint.map(|fingerprint| fingerprint.to_string());
        let base_url = url.url.as_str().trim_end_matches('/').to_owned();
        let machine = machines::insert(
            connection,
            &NewMachine {
                name: &name,
                url: &base_url,
                key_id: &request.key_id,
                secret: &sealed,
                fingerprint: fingerprint.as_deref(),
            },
        )?;
        entry.object = format!("machine:{}", machine.id);
        entry.machine = Some(machine.name.to_string());
        Ok(MachineView::from(&machine))
    })
    .await?;
    state.sync_nudge.now();
    Ok(HttpResponse::Created().json(machine))
}

/// `DELETE /api/v1/machines/{id}` (head admin): the machine and its
/// container rows go; refused while any of its containers has an owner.
pub async fn delete(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = MachineId(path.into_inner());
    audited(&pool, current.audit(format!("machine:{id}")), move |connection, entry| {
        let machine = load(connection, &current, id, Action::MachineManage)?;
        entry.machine = Some(machine.name.to_string());
        let (_, owned) = containers::count_for_machine(connection, id)?;
        if owned > 0 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("{owned} container(s) of machine {} still have an owner; unassign them first", machine.name),
            ));
        }
        containers::delete_for_machine(connection, id)?;
        machines::delete(connection, id)?;
        Ok(())
    })
    .await?;
    state.sync_nudge.now();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize)]
struct SyncAnswer {
    machine: MachineView,
    #[serde(flatten)]
    report: SyncReport,
}

/// `POST /api/v1/machines/{id}/sync` (head admin): one full pass, answered when done.
pub async fn sync(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = MachineId(path.into_inner());
    let agents = state.agents.clone();
    let report = audited_call(
        &pool,
        current.audit(format!("machine:{id}")),
        move |connection, entry| {
            let machine = load(connection, &current, id, Action::MachineManage)?;
            entry.machine = Some(machine.name.to_string());
            Ok(())
        },
        |()| async move { Ok(agents.sync_machine_once(id).await?) },
        |_, _| Ok(()),
    )
    .await?;
    let machine =
        db::run(&pool, move |connection| machines::get(connection, id)?.ok_or_else(AppError::not_found)).await?;
    Ok(HttpResponse::Ok().json(SyncAnswer { machine: MachineView::from(&machine), report }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateKey {
    key_id: String,
    secret: SecretString,
}

impl From<RotationError> for AppError {
    fn from(error: RotationError) -> AppError {
        let code = match &error {
            RotationError::InvalidKeyId(_) | RotationError::SecretTooShort { .. } => ErrorCode::InvalidInput,
            RotationError::NotFound(_) | RotationError::Machine(MachineError::NotFound(_)) => ErrorCode::NotFound,
            RotationError::Machine(MachineError::StagedKeyChanged(_)) => ErrorCode::Conflict,
            RotationError::AgentRefused { .. } => ErrorCode::KeyRefused,
            RotationError::Unverified { .. } => ErrorCode::KeyUnverified,
            RotationError::Secret(_) | RotationError::Machine(_) | RotationError::Db(_) => {
                return AppError::internal(error);
            }
        };
        AppError::new(code, error.to_string())
    }
}

/// `POST /api/v1/machines/{id}/rotate-key` `{"key_id","secret"}` (head
/// admin): switches to the new key once the agent has accepted it.
pub async fn rotate_key(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: web::Json<RotateKey>,
) -> Result<HttpResponse, AppError> {
    let id = MachineId(path.into_inner());
    let RotateKey { key_id, secret } = body.into_inner();
    let agents = state.agents.clone();
    let rotation_pool = pool.clone();
    let machine = audited_call(
        &pool,
        current.audit(format!("machine:{id}")),
        move |connection, entry| {
            let machine = load(connection, &current, id, Action::MachineManage)?;
            entry.machine = Some(machine.name.to_string());
            Ok(())
        },
        |()| async move {
            let machine =
                rotation::rotate_key(&rotation_pool, agents.key(), agents.instance(), id, &key_id, secret).await?;
            Ok(MachineView::from(&machine))
        },
        |_, _| Ok(()),
    )
    .await?;
    state.sync_nudge.now();
    Ok(HttpResponse::Ok().json(machine))
}
