//! The service pages: a service's page (what it is and where it runs, its
//! live status, Start/Stop/Restart as background jobs, the unit's state and
//! a live tail of its journal), its management (owner, description, delete)
//! for who may, and the container page's "Services" section with its "Add a
//! service" form and unit picker.
//!
//! Every decision and every audit row is the API's: the handlers call
//! `app::services::{load_allowed, visible, create_service, update_service,
//! delete_service, service_action, state_of, logs_of, units_of}`. A service
//! owner sees her service and the name of the container it runs on; the
//! container's page is linked only when the policy lets her view it. A
//! hidden or missing service is the one 404 page; what goes wrong with the
//! agent or a form is a readable fragment answered 200 (htmx swaps no
//! 4xx/5xx answer).

use std::hash::{DefaultHasher, Hash, Hasher};

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use smp_proto::api::{ServiceActionAnswer, ServiceLogsAnswer, ServiceLogsQuery, ServiceState};

use super::i18n::{Translate as _, lookup, t, text};
use super::pages::{job_outcome, job_started};
use super::panels::{bytes, error_fragment};
use super::provisioning::allowed;
use super::{Chrome, Page, PageContext, PageError, PageForm, html, in_place, is_page_error, readable, when};
use crate::app::CurrentUser;
use crate::app::jobs::{self, JobState};
use crate::app::services::{
    NewServiceRequest, ServicePatch, create_service, delete_service, load_allowed, logs_of, service_action, state_of,
    units_of, update_service, view_service, visible,
};
use crate::db::containers::ContainerId;
use crate::db::services::{Candidates, Service, ServiceId};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::language::Language;
use crate::error::{AppError, ErrorCode};
use crate::http::page_language;
use crate::policy::Action;

/// How many journal lines the panel shows unless asked for another count.
const DEFAULT_JOURNAL_LINES: u32 = 100;
/// The counts the journal's "Lines" choice offers.
const JOURNAL_LINE_CHOICES: [u32; 5] = [50, 100, 200, 500, 1000];

// ---------------------------------------------------------------- lists

/// A service as the dashboard and the container page list it.
pub struct ServiceRow {
    pub id: i64,
    pub unit: String,
    pub description: String,
    pub container: String,
    pub owner: String,
    pub status: String,
}

impl From<Service> for ServiceRow {
    fn from(service: Service) -> ServiceRow {
        ServiceRow {
            id: service.id,
            unit: service.unit,
            description: service.description,
            container: service.container,
            owner: service.owner.unwrap_or_default(),
            status: service.status,
        }
    }
}

/// The services the dashboard lists: those `current` owns and those on
/// `trees` (the container trees she owns), as the policy lets her see them.
/// For a member this is exactly `visible(.., None)`; an admin, too, sees
/// only her own here (every service is on the admin pages' side).
pub(crate) fn dashboard_services(
    connection: &mut DbConnection,
    current: &CurrentUser,
    trees: &[i64],
) -> Result<Vec<ServiceRow>, AppError> {
    let candidates = Candidates::OwnedOrOn { owner: current.user.id.0, containers: trees };
    let mut rows: Vec<ServiceRow> =
        visible(connection, current, Some(candidates))?.into_iter().map(ServiceRow::from).collect();
    rows.sort_by(|a, b| a.container.cmp(&b.container).then_with(|| a.unit.cmp(&b.unit)).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// The container page's services: the rows on `container` that `current`
/// may see, and whether she may add one there.
pub(crate) struct ContainerServices {
    pub rows: Vec<ServiceRow>,
    pub may_add: bool,
}

pub(crate) fn container_services(
    connection: &mut DbConnection,
    current: &CurrentUser,
    container: ContainerId,
) -> Result<ContainerServices, AppError> {
    let mut rows: Vec<ServiceRow> = visible(connection, current, Some(Candidates::OnContainer(container)))?
        .into_iter()
        .map(ServiceRow::from)
        .collect();
    rows.sort_by(|a, b| a.unit.cmp(&b.unit).then(a.id.cmp(&b.id)));
    let may_add = allowed(crate::app::containers::load_allowed(connection, current, container, Action::ServiceCreate))?;
    Ok(ContainerServices { rows, may_add })
}

// ---------------------------------------------------------------- the service page

/// What the page says of the service, above its actions (also sent again,
/// out of band, when the manage form changed it).
struct Facts {
    unit: String,
    description: String,
    container: String,
    /// The container's page, when the policy lets the viewer view it.
    container_link: Option<i64>,
    machine: String,
    owner: String,
}

impl Facts {
    fn of(service: &Service, container_link: bool) -> Facts {
        Facts {
            unit: service.unit.clone(),
            description: service.description.clone(),
            container: service.container.clone(),
            container_link: container_link.then_some(service.container_id),
            machine: service.machine.clone(),
            owner: service.owner.clone().unwrap_or_default(),
        }
    }
}

/// The manage section: the owner and description form, delete with a
/// confirmation step, and what the last save did.
#[derive(Template)]
#[template(path = "service_manage.html")]
struct ManageFragment {
    id: i64,
    facts: Facts,
    may_update: bool,
    may_delete: bool,
    notice: Option<String>,
    error: Option<String>,
    /// Send the facts again out of band (after a save changed them).
    refresh_facts: bool,
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    chrome: Chrome,
    id: i64,
    facts: Facts,
    /// The status block (`StatusFragment`), rendered.
    status: String,
    /// The manage section, for who may update or delete the service.
    manage: Option<String>,
}

#[derive(Template)]
#[template(path = "service_status.html")]
struct StatusFragment {
    status: String,
    synced_at_iso: String,
}

impl StatusFragment {
    fn of(service: &Service) -> StatusFragment {
        StatusFragment { status: service.status.clone(), synced_at_iso: when(service.synced_at) }
    }
}

/// Who may see the container, update and delete the service: each the policy's answer.
struct Rights {
    container_link: bool,
    may_update: bool,
    may_delete: bool,
}

fn rights_on(connection: &mut DbConnection, current: &CurrentUser, service: &Service) -> Result<Rights, AppError> {
    let id = service.id();
    Ok(Rights {
        container_link: allowed(crate::app::containers::load_allowed(
            connection,
            current,
            service.container_id(),
            Action::ContainerView,
        ))?,
        may_update: allowed(load_allowed(connection, current, id, Action::ServiceUpdate))?,
        may_delete: allowed(load_allowed(connection, current, id, Action::ServiceDelete))?,
    })
}

async fn viewable(current: CurrentUser, pool: &DbPool, id: ServiceId) -> Result<Service, PageError> {
    Ok(view_service(current, pool, id).await?)
}

/// `GET /services/{id}`: the same 404 page for a hidden service as for a missing one.
pub async fn service_page(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let chrome = Chrome::of(&current);
    let id = ServiceId(path.into_inner());
    let (service, rights) = db::run(&pool, move |connection| {
        let service = load_allowed(connection, &current, id, Action::ServiceView)?;
        let rights = rights_on(connection, &current, &service)?;
        Ok::<_, AppError>((service, rights))
    })
    .await?;
    let manage = if rights.may_update || rights.may_delete {
        let section = ManageFragment {
            id: service.id,
            facts: Facts::of(&service, rights.container_link),
            may_update: rights.may_update,
            may_delete: rights.may_delete,
            notice: None,
            error: None,
            refresh_facts: false,
        };
        Some(section.render().map_err(AppError::internal)?)
    } else {
        None
    };
    html(&ServicePage {
        chrome,
        id: service.id,
        facts: Facts::of(&service, rights.container_link),
        status: StatusFragment::of(&service).render().map_err(AppError::internal)?,
        manage,
    })
}

/// `GET /services/{id}/status`: the status as last seen, which the page polls.
pub async fn service_status(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let service = viewable(current, &pool, ServiceId(path.into_inner())).await?;
    html(&StatusFragment::of(&service))
}

/// What a finished systemctl job means for the page, in `language` (the
/// job runs after its request: the page's language is read before):
/// done, or failed with systemctl's exit code and message, and the state
/// the unit is left in.
fn outcome_of(language: Language, unit: &str, answer: &ServiceActionAnswer) -> JobState {
    let state = &answer.state;
    let active = lookup(language, "service-state", &[("state", text(&state.active_state))]);
    let now = lookup(
        language,
        "service-job-now",
        &[("unit", text(unit)), ("state", text(active)), ("sub", text(&state.sub_state))],
    );
    if answer.exit_code == 0 {
        let seconds = format!("{:.1}", answer.duration_ms as f64 / 1000.0);
        JobState::Done(lookup(language, "service-job-done", &[("now", text(now)), ("seconds", text(seconds))]))
    } else {
        let why = answer.message.trim();
        let why = if why.is_empty() { lookup(language, "service-job-no-message", &[]) } else { why.to_owned() };
        JobState::Failed(lookup(
            language,
            "service-job-failed",
            &[("code", text(answer.exit_code)), ("why", text(why)), ("now", text(now))],
        ))
    }
}

/// `POST /services/{id}/{start|stop|restart}`: answers at once with a job
/// the page polls; the action runs in the background, audited like the API's.
pub async fn action(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = ServiceId(path.into_inner());
    let language = page_language::current();
    // The route's audit action names the action (see `web::service_action`).
    let (action, verb) = match current.action {
        "service.start" => (Action::ServiceStart, "start"),
        "service.stop" => (Action::ServiceStop, "stop"),
        _ => (Action::ServiceRestart, "restart"),
    };
    let label = lookup(language, "service-job-action", &[("action", text(verb))]);
    let decided = {
        let current = current.clone();
        db::run(&pool, move |connection| load_allowed(connection, &current, id, action)).await
    };
    let service = match decided {
        Ok(service) => service,
        // Refused: the API's function refuses it again, audited, and its
        // error is the answer (a hidden service: the one 404 page).
        Err(_) => {
            return match service_action(current, state.app.clone(), &pool, id, action).await {
                Ok(answer) => job_outcome(&label, outcome_of(language, &answer.state.unit, &answer)),
                Err(error) => Err(PageError(error)),
            };
        }
    };
    let label = lookup(language, "service-job-action-unit", &[("action", text(verb)), ("unit", text(&service.unit))]);
    let owner = current.user.id.0;
    let work_pool = pool.clone();
    let work = async move {
        let answer = service_action(current, state.app.clone(), &work_pool, id, action).await?;
        Ok(outcome_of(language, &service.unit, &answer))
    };
    let job = jobs::start(&pool, owner, label.clone(), work).await?;
    job_started(label, job)
}

// ---------------------------------------------------------------- state and journal

#[derive(Template)]
#[template(path = "service_state.html")]
struct StateFragment {
    active: String,
    sub: String,
    load: String,
    main_pid: String,
    since: String,
    memory: String,
    read_at: String,
}

impl StateFragment {
    fn of(state: ServiceState, now: i64) -> StateFragment {
        StateFragment {
            active: state.active_state,
            sub: state.sub_state,
            load: state.load_state,
            main_pid: state.main_pid.map_or_else(|| t("service-pid-none"), |pid| pid.to_string()),
            since: state.active_since.map_or_else(|| t("service-state-never"), when),
            memory: state.memory_bytes.map_or_else(
                || t("service-state-not-accounted"),
                |memory| bytes(i64::try_from(memory).unwrap_or(i64::MAX)),
            ),
            read_at: when(now),
        }
    }
}

/// `GET /services/{id}/state`: the unit's state, read from the agent.
pub async fn state(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = path.into_inner();
    match state_of(current, state.app.clone(), &pool, ServiceId(id)).await {
        Ok(state) => html(&StateFragment::of(state, db::unix_now())),
        // A machine that failed to answer (busy, restarting) may answer in a
        // moment: the section asks again by itself rather than stay an error.
        Err(error)
            if matches!(
                error.code,
                ErrorCode::AgentUnavailable | ErrorCode::AgentTimeout | ErrorCode::AgentError | ErrorCode::LimitReached
            ) =>
        {
            html(&StateRetry { message: in_place(error)?, id })
        }
        Err(error) => error_fragment(error),
    }
}

/// The unit's state could not be read: why, and a new try in a few seconds.
#[derive(Template)]
#[template(path = "service_state_retry.html")]
struct StateRetry {
    message: String,
    id: i64,
}

/// The journal's query: how many lines, whether to follow, and (when the
/// fragment polls) a fingerprint of what the page shows already.
#[derive(Debug, Deserialize)]
pub struct JournalParams {
    lines: Option<String>,
    follow: Option<String>,
    seen: Option<String>,
}

/// One journal line as the panel shows it.
struct JournalLine {
    at: String,
    at_iso: String,
    message: String,
}

/// One choice of the journal's "Lines".
struct LinesChoice {
    count: u32,
    selected: bool,
}

#[derive(Template)]
#[template(path = "service_journal.html")]
struct JournalFragment {
    id: i64,
    unit: String,
    lines: u32,
    choices: Vec<LinesChoice>,
    follow: bool,
    /// The lines, newest last, or what went wrong.
    shown: Result<Vec<JournalLine>, String>,
    /// The URL the fragment polls while following.
    poll: Option<String>,
    read_at: String,
}

/// `2026-11-23 07:40:12` (UTC) of a journal timestamp in microseconds.
fn journal_time(at_us: u64) -> String {
    let at = when(i64::try_from(at_us / 1_000_000).unwrap_or(i64::MAX));
    at.trim_end_matches(" UTC").to_owned()
}

/// A fingerprint of what a journal fragment shows, so that a poll that
/// would show the same again is answered 204 (htmx then swaps nothing: no
/// flicker, no lost scroll position, nothing re-read by a screen reader).
fn fingerprint(lines: u32, shown: &Result<ServiceLogsAnswer, String>) -> String {
    let mut hasher = DefaultHasher::new();
    lines.hash(&mut hasher);
    match shown {
        Ok(answer) => {
            for line in &answer.lines {
                (line.at_us, &line.message).hash(&mut hasher);
            }
        }
        Err(message) => message.hash(&mut hasher),
    }
    format!("{:016x}", hasher.finish())
}

/// The journal's `lines`: the default when not given; `logs_of` checks the range.
fn journal_lines(asked: Option<&str>) -> Result<u32, AppError> {
    match asked.map(str::trim) {
        None | Some("") => Ok(DEFAULT_JOURNAL_LINES),
        Some(lines) => lines.parse::<u32>().map_err(|_| {
            AppError::invalid("service-journal-lines-invalid", &[("max", text(smp_proto::api::MAX_LOG_LINES))])
        }),
    }
}

/// `GET /services/{id}/journal?lines=N&follow=true|false[&seen=F]`: the
/// unit's last N journal lines, newest last. While following, the fragment
/// polls itself every 2 s with the fingerprint of what it shows; a poll
/// with nothing new is answered 204. Paused, it polls nothing.
pub async fn journal(page: PageContext, path: web::Path<i64>, params: web::Query<JournalParams>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = ServiceId(path.into_inner());
    let params = params.into_inner();
    let follow = params.follow.as_deref().map(str::trim) != Some("false");
    let service = viewable(current.clone(), &pool, id).await?;
    let (lines, answer) = match journal_lines(params.lines.as_deref()) {
        Ok(lines) => (
            lines,
            logs_of(current, state.app.clone(), &pool, id, ServiceLogsQuery { lines: Some(lines), since: None }).await,
        ),
        Err(error) => (DEFAULT_JOURNAL_LINES, Err(error)),
    };
    let shown = match answer {
        Ok(answer) => Ok(answer),
        Err(error) if is_page_error(&error) => return Err(PageError(error)),
        Err(error) => Err(readable(&error)),
    };
    let seen = fingerprint(lines, &shown);
    if follow && params.seen.as_deref() == Some(seen.as_str()) {
        return Ok(HttpResponse::NoContent().finish());
    }
    let poll = follow.then(|| format!("/services/{}/journal?lines={lines}&follow=true&seen={seen}", id.0));
    let mut choices: Vec<LinesChoice> =
        JOURNAL_LINE_CHOICES.iter().map(|&count| LinesChoice { count, selected: count == lines }).collect();
    if !JOURNAL_LINE_CHOICES.contains(&lines) {
        choices.push(LinesChoice { count: lines, selected: true });
        choices.sort_by_key(|choice| choice.count);
    }
    html(&JournalFragment {
        id: id.0,
        unit: service.unit,
        lines,
        choices,
        follow,
        shown: shown.map(|answer| {
            answer
                .lines
                .into_iter()
                .map(|line| {
                    let at = journal_time(line.at_us);
                    JournalLine { at_iso: format!("{}Z", at.replace(' ', "T")), at, message: line.message }
                })
                .collect()
        }),
        poll,
        read_at: when(db::unix_now()),
    })
}

// ---------------------------------------------------------------- manage

/// The manage form: the owner (a username; empty for none) and the description.
#[derive(Debug, Deserialize)]
pub struct ManageForm {
    owner: Option<String>,
    description: Option<String>,
}

impl ManageForm {
    /// The API's patch: a field the form does not send is left as it is.
    fn patch(self) -> ServicePatch {
        ServicePatch {
            owner: self.owner.map(|owner| Some(owner.trim().to_owned()).filter(|owner| !owner.is_empty())),
            description: self.description,
        }
    }
}

/// The manage section of service `id` as `current` may use it, with `notice` or `error`.
async fn manage_section(
    current: CurrentUser,
    pool: &DbPool,
    id: ServiceId,
    notice: Option<String>,
    error: Option<String>,
) -> Page {
    let saved = notice.is_some();
    let (service, rights) = db::run(pool, move |connection| {
        let service = load_allowed(connection, &current, id, Action::ServiceView)?;
        let rights = rights_on(connection, &current, &service)?;
        Ok::<_, AppError>((service, rights))
    })
    .await?;
    html(&ManageFragment {
        id: service.id,
        facts: Facts::of(&service, rights.container_link),
        may_update: rights.may_update,
        may_delete: rights.may_delete,
        notice,
        error,
        refresh_facts: saved,
    })
}

/// `POST /services/{id}/update` (htmx, form `owner`, `description`): saved
/// through `update_service`, audited as `service.update`; the section again
/// with what happened (and the page's facts, out of band, when saved).
pub async fn update(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<ManageForm>) -> Page {
    let PageContext { current, pool, .. } = page;
    let id = ServiceId(path.into_inner());
    let reader = current.clone();
    match update_service(current, &pool, id, move || Ok(form?.patch())).await {
        Ok(_) => manage_section(reader, &pool, id, Some(t("service-saved")), None).await,
        // The form is shown only to who may update: a refusal is the "not allowed" page, as the API's 403.
        Err(error) if is_page_error(&error) || error.code == ErrorCode::Forbidden => Err(PageError(error)),
        Err(error) => manage_section(reader, &pool, id, None, Some(readable(&error))).await,
    }
}

/// `POST /services/{id}/delete` (htmx, after the page's confirmation step):
/// deleted through `delete_service`, audited as `service.delete`; then the
/// browser goes to the container's page (or the dashboard, if the policy
/// does not let her view the container).
pub async fn delete(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let id = ServiceId(path.into_inner());
    // Where it ran, read before it is gone (a refusal here is decided again, and audited, below).
    let before = {
        let current = current.clone();
        db::run(&pool, move |connection| load_allowed(connection, &current, id, Action::ServiceView)).await.ok()
    };
    let reader = current.clone();
    match delete_service(current, &pool, id).await {
        Ok(()) => {
            let container = before.map(|service| service.container_id());
            let to = match container {
                Some(container) => {
                    let shown = db::run(&pool, move |connection| {
                        allowed(crate::app::containers::load_allowed(
                            connection,
                            &reader,
                            container,
                            Action::ContainerView,
                        ))
                    })
                    .await?;
                    if shown { format!("/containers/{container}") } else { "/".to_owned() }
                }
                None => "/".to_owned(),
            };
            Ok(HttpResponse::Ok().insert_header(("HX-Redirect", to)).finish())
        }
        Err(error) if is_page_error(&error) || error.code == ErrorCode::Forbidden => Err(PageError(error)),
        Err(error) => error_fragment(error),
    }
}

// ---------------------------------------------------------------- the container page's services

/// A unit of the container as the picker offers it.
struct UnitChoice {
    unit: String,
    description: String,
    active: String,
    /// The container has a service for it already.
    managed: bool,
}

#[derive(Template)]
#[template(path = "service_units.html")]
struct UnitsFragment {
    /// The container's id and name (the unit input's template uses them).
    id: i64,
    name: String,
    units: Vec<UnitChoice>,
    error: Option<String>,
}

/// `GET /containers/{id}/units`: the unit picker, filled from the
/// container's systemd services as its agent lists them (policy
/// `ServiceCreate` on the container); what went wrong, with the plain unit
/// input, if the agent cannot list them.
pub async fn units(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = ContainerId(path.into_inner());
    let reader = current.clone();
    let listed = units_of(current, state.app.clone(), &pool, id).await;
    let (container, managed) = db::run(&pool, move |connection| {
        let container = crate::app::containers::load_allowed(connection, &reader, id, Action::ServiceCreate)?;
        let managed: Vec<String> = visible(connection, &reader, Some(Candidates::OnContainer(id)))?
            .into_iter()
            .map(|service| service.unit)
            .collect();
        Ok::<_, AppError>((container, managed))
    })
    .await?;
    let (units, error) = match listed {
        Ok(list) => {
            let mut units: Vec<UnitChoice> = list
                .items
                .into_iter()
                .map(|item| UnitChoice {
                    managed: managed.contains(&item.unit),
                    unit: item.unit,
                    description: item.description,
                    active: item.active,
                })
                .collect();
            units.sort_by(|a, b| a.unit.cmp(&b.unit));
            (units, None)
        }
        Err(error) => (Vec::new(), Some(in_place(error)?)),
    };
    html(&UnitsFragment { id: container.id, name: container.name, units, error })
}

/// The "Add a service" form.
#[derive(Debug, Deserialize)]
pub struct NewServiceForm {
    #[serde(default)]
    unit: String,
    owner: Option<String>,
    description: Option<String>,
}

/// An optional text field: empty is `None`.
fn optional(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty())
}

impl NewServiceForm {
    /// The API's request (refused when no unit is given).
    fn request(self, container: ContainerId) -> Result<NewServiceRequest, AppError> {
        if self.unit.trim().is_empty() {
            return Err(AppError::invalid("service-no-unit", &[]));
        }
        Ok(NewServiceRequest {
            container_id: container.0,
            unit: self.unit.trim().to_owned(),
            owner: optional(self.owner),
            description: optional(self.description),
        })
    }
}

#[derive(Template)]
#[template(path = "service_created.html")]
struct CreatedFragment {
    service_id: i64,
    unit: String,
    /// The container's services again, sent out of band into the list.
    services: Vec<ServiceRow>,
}

/// `POST /containers/{id}/services` (htmx, form `unit`, `owner`,
/// `description`): the service made through `create_service` (which asks
/// the agent whether the unit exists), audited as `service.create`; a link
/// to it and the list again, or what went wrong.
pub async fn create(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<NewServiceForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let container = ContainerId(path.into_inner());
    let reader = current.clone();
    match create_service(current, state.app.clone(), &pool, move || form?.request(container)).await {
        Ok(service) => {
            let listed = db::run(&pool, move |connection| container_services(connection, &reader, container)).await?;
            html(&CreatedFragment { service_id: service.id, unit: service.unit, services: listed.rows })
        }
        Err(error) if error.code == ErrorCode::Forbidden => Err(PageError(error)),
        Err(error) => error_fragment(error),
    }
}

#[cfg(test)]
mod tests {
    use smp_proto::action::Action as AgentAction;
    use smp_proto::api::JournalLine as ProtoLine;

    use super::*;

    fn state(active: &str, sub: &str) -> ServiceState {
        ServiceState {
            unit: "web.service".into(),
            description: String::new(),
            load_state: "loaded".into(),
            active_state: active.into(),
            sub_state: sub.into(),
            main_pid: None,
            active_since: None,
            memory_bytes: None,
        }
    }

    #[test]
    fn a_failed_systemctl_job_reads_as_a_failure_with_its_exit_code_and_message() {
        let failed = ServiceActionAnswer {
            action: AgentAction::ServiceRestart,
            exit_code: 1,
            message: "Job for web.service failed because the control process exited with error code.\n".into(),
            state: state("failed", "failed"),
            duration_ms: 300,
        };
        match outcome_of(Language::English, "web.service", &failed) {
            JobState::Failed(message) => assert_eq!(
                message,
                "systemctl exited with code 1: Job for web.service failed because the control process exited \
                 with error code. web.service is failed (failed)."
            ),
            other => panic!("{other:?}"),
        }
        let done = ServiceActionAnswer { exit_code: 0, message: String::new(), ..failed };
        let done = ServiceActionAnswer { state: state("active", "running"), duration_ms: 1500, ..done };
        assert!(
            matches!(outcome_of(Language::English, "web.service", &done), JobState::Done(message) if message == "web.service is active (running) (took 1.5 s).")
        );
    }

    #[test]
    fn the_journal_fingerprint_changes_with_a_new_line_or_another_count_only() {
        let answer = |lines: &[(u64, &str)]| {
            Ok(ServiceLogsAnswer {
                unit: "web.service".into(),
                lines: lines
                    .iter()
                    .map(|(at_us, message)| ProtoLine { at_us: *at_us, message: (*message).into() })
                    .collect(),
            })
        };
        let one = fingerprint(100, &answer(&[(1, "started")]));
        assert_eq!(one, fingerprint(100, &answer(&[(1, "started")])));
        assert_ne!(one, fingerprint(100, &answer(&[(1, "started"), (2, "again")])));
        assert_ne!(one, fingerprint(50, &answer(&[(1, "started")])));
        assert_ne!(one, fingerprint(100, &Err("Machine m1 cannot be reached right now.".into())));
    }

    #[test]
    fn journal_times_read_in_utc_to_the_second() {
        assert_eq!(journal_time(1_795_420_812_345_678), "2026-11-23 08:00:12");
    }
}
