//! `/api/v1/machines`: the agents the panel reaches. Admins read them, the
//! head admin adds, deletes and syncs them; a secret goes in once and never
//! comes out.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use smp_proto::names::InstanceName;
use utoipa::ToSchema;

use crate::agents::AgentClient;
use crate::agents::pinning::{self, Fingerprint};
use crate::agents::url::{AgentUrl, KeyId, MIN_SECRET_CHARS};
use crate::api::docs::{AgentCallFailures, ErrorBody, MachineList};
use crate::app::CurrentUser;
use crate::app::audited::{audited, audited_call};
use crate::app::rotation::{self, RotationError};
use crate::db::containers::{self, SyncReport};
use crate::db::machines::{self, Machine, MachineError, MachineId, NewMachine};
use crate::db::{self, DbConnection, DbPool};
use crate::error::{AppError, ErrorCode};
use crate::http::AppState;
use crate::http::body::Body;
use crate::policy::{Action, Object};
use crate::sync::SyncError;

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
#[utoipa::path(
    get,
    path = "/api/v1/machines",
    operation_id = "list_machines",
    tag = "machines",
    summary = "Every machine (admins)",
    responses(
        (status = 200, description = "The machines; never a secret.", body = MachineList),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`forbidden`, `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let items = list_machines(&pool, &current).await?;
    Ok(HttpResponse::Ok().json(super::Items { items }))
}

/// Every machine, if the policy lets the caller see them (the API and the
/// machines page list them here).
pub(crate) async fn list_machines(pool: &DbPool, current: &CurrentUser) -> Result<Vec<MachineView>, AppError> {
    current.decide(Action::MachineView, &Object::Machine)?;
    db::run(pool, |connection| Ok::<_, AppError>(machines::list(connection)?.iter().map(MachineView::from).collect()))
        .await
}

/// `GET /api/v1/machines/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/machines/{id}",
    operation_id = "get_machine",
    tag = "machines",
    summary = "One machine (admins)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 200, description = "The machine.", body = MachineView),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`forbidden`, `account_disabled` or `approval_pending`.", body = ErrorBody),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer_token" = [])),
)]
pub async fn get(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = MachineId(path.into_inner());
    let machine = db::run(&pool, move |connection| load(connection, &current, id, Action::MachineView)).await?;
    Ok(HttpResponse::Ok().json(MachineView::from(&machine)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMachine {
    /// The machine's name (as the agent calls itself).
    pub(crate) name: String,
    /// The agent's base URL, `http://` or `https://`.
    pub(crate) url: String,
    /// The id of the agent key the panel signs with.
    pub(crate) key_id: String,
    /// The agent key's secret (`smp-agent keygen`); stored sealed, never answered.
    #[schema(value_type = String, format = Password, write_only)]
    pub(crate) secret: SecretString,
    /// Required for an `https://` URL unless `trust_on_first_use`.
    pub(crate) fingerprint: Option<String>,
    /// Fetch the agent's certificate now and pin its fingerprint (the answer shows it).
    #[serde(default)]
    pub(crate) trust_on_first_use: bool,
}

/// `POST /api/v1/machines` (head admin): the same checks as `smp-panel machine add`.
#[utoipa::path(
    post,
    path = "/api/v1/machines",
    operation_id = "add_machine",
    tag = "machines",
    summary = "Add a machine (head admin)",
    request_body = AddMachine,
    responses(
        (status = 201, description = "Added; a sync follows.", body = MachineView),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`forbidden`, `csrf_failed`, `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        (status = 409, description = "`conflict`: the name is taken.", body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad name, URL, key id, secret or fingerprint.",
            body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
        (status = 503, description = "`agent_unavailable`: trust_on_first_use could not fetch the certificate.",
            body = ErrorBody),
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn add(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let machine = add_machine(&state, &pool, current, move || body.json()).await?;
    Ok(HttpResponse::Created().json(machine))
}

/// Adds a machine, audited (`started`, then the outcome); `request` is read
/// inside the audited check after the policy allowed it (the API and the
/// machines page add machines here).
pub(crate) async fn add_machine(
    state: &AppState,
    pool: &DbPool,
    current: CurrentUser,
    request: impl FnOnce() -> Result<AddMachine, AppError> + Send + 'static,
) -> Result<MachineView, AppError> {
    let agents = state.agents.clone();
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
    state.sync_nudge.now();
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
    use secrecy::ExposeSecret as _;
    let name = InstanceName::parse(&request.name).map_err(|error| AppError::invalid_input(format!("name: {error}")))?;
    let url = AgentUrl::parse(&request.url).map_err(|error| AppError::invalid_input(format!("url {error}")))?;
    let key_id = KeyId::parse(&request.key_id).map_err(|error| AppError::invalid_input(format!("key_id {error}")))?;
    let chars = request.secret.expose_secret().chars().count();
    if chars < MIN_SECRET_CHARS {
        return Err(AppError::invalid_input(format!(
            "secret: it has {chars} characters; it needs at least {MIN_SECRET_CHARS} (smp-agent keygen makes one)"
        )));
    }
    let pin = match (url.https, request.fingerprint.as_deref(), request.trust_on_first_use) {
        (false, None, false) => None,
        (false, _, _) => {
            return Err(AppError::invalid_input("fingerprint and trust_on_first_use apply only to https:// URLs"));
        }
        (true, Some(_), true) => {
            return Err(AppError::invalid_input("give either fingerprint or trust_on_first_use, not both"));
        }
        (true, Some(text), false) => {
            Some(Fingerprint::parse(text).map_err(|error| AppError::invalid_input(format!("fingerprint: {error}")))?)
        }
        (true, None, true) => Some(pinning::fetch_fingerprint(&url.host, url.port).map_err(|error| {
            AppError::new(ErrorCode::AgentUnavailable, format!("cannot fetch the agent's certificate: {error}"))
        })?),
        (true, None, false) => {
            return Err(AppError::invalid_input(
                "an https:// agent needs its fingerprint (smp-agent fingerprint prints it) or trust_on_first_use",
            ));
        }
    };
    Ok(CheckedMachine { name, url: url.base(), key_id, secret: request.secret, pin })
}

/// The new machine's agent must answer to its name (see `confirm_identity`).
async fn check_identity(machine: &CheckedMachine, instance: &str) -> Result<(), AppError> {
    use secrecy::ExposeSecret as _;
    let key = smp_proto::token::SharedKey::new(machine.key_id.as_str(), machine.secret.expose_secret());
    let client = AgentClient::new(machine.name.as_str(), &machine.url, key, machine.pin, instance)?;
    client.confirm_identity().await.map_err(|error| AppError::invalid_input(error.to_string()))
}

/// `DELETE /api/v1/machines/{id}` (head admin): the machine and its
/// container rows go; refused while any of its containers has an owner.
#[utoipa::path(
    delete,
    path = "/api/v1/machines/{id}",
    operation_id = "delete_machine",
    tag = "machines",
    summary = "Delete a machine and its container rows (head admin)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`forbidden`, `csrf_failed`, `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 409, description = "`conflict`: some of its containers still have an owner.", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
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
        let services = crate::db::services::count_for_machine(connection, id.0)?;
        if services > 0 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("{services} service(s) run on containers of machine {}; delete them first", machine.name),
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

#[derive(Serialize, ToSchema)]
pub(crate) struct SyncAnswer {
    pub(crate) machine: MachineView,
    #[serde(flatten)]
    pub(crate) report: SyncReport,
}

/// `POST /api/v1/machines/{id}/sync` (head admin): one full pass, answered when done.
#[utoipa::path(
    post,
    path = "/api/v1/machines/{id}/sync",
    operation_id = "sync_machine",
    tag = "machines",
    summary = "Sync the machine's containers now (head admin)",
    params(("id" = i64, Path, description = "The machine's id.")),
    responses(
        (status = 200, description = "The machine after the pass, and what changed.", body = SyncAnswer),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`forbidden`, `csrf_failed`, `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 409, description = "`conflict`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: the agent refused the request.", body = ErrorBody),
        AgentCallFailures,
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn sync(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let answer = sync_machine(&state, &pool, current, MachineId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// One full sync pass of machine `id`, audited, answered when done (the API
/// and the machines page sync here).
pub(crate) async fn sync_machine(
    state: &AppState,
    pool: &DbPool,
    current: CurrentUser,
    id: MachineId,
) -> Result<SyncAnswer, AppError> {
    let agents = state.agents.clone();
    let report = audited_call(
        pool,
        current.audit(format!("machine:{id}")),
        move |connection, entry| {
            let machine = load(connection, &current, id, Action::MachineManage)?;
            entry.machine = Some(machine.name.to_string());
            Ok(())
        },
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
    /// The new key's id, as configured on the agent.
    pub(crate) key_id: String,
    /// The new key's secret; stored sealed, never answered.
    #[schema(value_type = String, format = Password, write_only)]
    pub(crate) secret: SecretString,
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
#[utoipa::path(
    post,
    path = "/api/v1/machines/{id}/rotate-key",
    operation_id = "rotate_machine_key",
    tag = "machines",
    summary = "Switch the machine to a new agent key once the agent accepts it (head admin)",
    params(("id" = i64, Path, description = "The machine's id.")),
    request_body = RotateKey,
    responses(
        (status = 200, description = "Switched; the machine with its new `key_id`.", body = MachineView),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`forbidden`, `csrf_failed`, `account_disabled` or `approval_pending`.",
            body = ErrorBody),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 409, description = "`key_refused`: the agent refused the new key; or `conflict`.",
            body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: bad key id or a secret too short.", body = ErrorBody),
        (status = 500, description = "`internal`.", body = ErrorBody),
        (status = 503, description = "`key_unverified`: the agent could not confirm the new key.",
            body = ErrorBody),
    ),
    security(("session_cookie" = [], "csrf_token" = []), ("bearer_token" = [])),
)]
pub async fn rotate_key(
    current: CurrentUser,
    state: web::Data<AppState>,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
    body: Body,
) -> Result<HttpResponse, AppError> {
    let machine = rotate_machine_key(&state, &pool, current, MachineId(path.into_inner()), move || body.json()).await?;
    Ok(HttpResponse::Ok().json(machine))
}

/// Switches machine `id` to a new key once its agent accepts it, audited;
/// `request` is read inside the audited check after the policy allowed it
/// (the API and the machines page rotate here).
pub(crate) async fn rotate_machine_key(
    state: &AppState,
    pool: &DbPool,
    current: CurrentUser,
    id: MachineId,
    request: impl FnOnce() -> Result<RotateKey, AppError> + Send + 'static,
) -> Result<MachineView, AppError> {
    let agents = state.agents.clone();
    let rotation_pool = pool.clone();
    let machine = audited_call(
        pool,
        current.audit(format!("machine:{id}")),
        move |connection, entry| {
            let machine = load(connection, &current, id, Action::MachineManage)?;
            entry.machine = Some(machine.name.to_string());
            request()
        },
        |RotateKey { key_id, secret }| async move {
            let machine =
                rotation::rotate_key(&rotation_pool, agents.key(), agents.instance(), id, &key_id, secret).await?;
            Ok(MachineView::from(&machine))
        },
        |_, _, value| Ok(value),
    )
    .await?;
    state.sync_nudge.now();
    Ok(machine)
}
