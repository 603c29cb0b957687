//! The sub-container pages: the "New container" form (a member within her
//! quota, an admin for anyone with any configuration), the creation's
//! progress, and the container page's configuration section (image, limits,
//! autostart, quota counting; the autostart toggle, the limits form and
//! delete for who may) and its list of sub-containers.
//!
//! Every decision and every audit row is the API's: the handlers call
//! `app::provisioning::{create_container, update_container, delete_container,
//! images_of}` and `app::quotas::usage_of`. What a page offers is the
//! policy's answer (`ContainerCreate` for "Add a sub-container",
//! `ContainerConfigure`, `ContainerResize` and `ContainerDelete` for the
//! controls). A refused form is answered 200 with the form again, what she
//! typed kept and the reason in words (htmx swaps no 4xx answer); only the
//! page errors (not signed in, CSRF, hidden or missing) are whole pages.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpResponse, web};
use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;

use super::i18n::{self, Translate as _, lookup};
use super::{Chrome, Page, PageContext, PageError, PageForm, html, in_place, is_page_error, readable};
use crate::app::CurrentUser;
use crate::app::containers::{load_allowed, view_container, visible_among};
use crate::app::provisioning::{
    ContainerPatch, NewContainer, create_container, delete_container, images_of, update_container,
};
use crate::app::quotas::{UsageView, quota_owner, usage_of};
use crate::db::containers::{self, Container, ContainerId, Limits, ListFilter, OwnerChains};
use crate::db::machines::{self, MachineId};
use crate::db::quotas::{Quota, Usage};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::language::Language;
use crate::error::{AppError, ErrorCode};
use crate::http::{AppState, page_language};
use crate::policy::{Action, Decision, Object};
use crate::texts;

/// Whether the policy allows what `decided` asked: a refusal (hidden or
/// forbidden) is `false`, any other error stays an error.
pub(crate) fn allowed<T>(decided: Result<T, AppError>) -> Result<bool, AppError> {
    match decided {
        Ok(_) => Ok(true),
        Err(error) if matches!(error.code, ErrorCode::Forbidden | ErrorCode::NotFound) => Ok(false),
        Err(error) => Err(error),
    }
}

/// "1 of 3 containers, 1 of 4 CPUs, 256 of 4,096 MiB of memory, 2,048 MiB of disk (no limit), 0 of 2 forwarded ports".
pub(crate) fn usage_text(used: &Usage, quota: &Quota) -> String {
    let language = page_language::current();
    // `of`: "2 of 3 containers" (plural by the limit); `unlimited`: "2 containers (no limit)".
    let part = |used: i64, limit: Option<i64>, (of, unlimited): (&str, &str)| {
        let shown = ("used", FluentValue::from(i18n::number(language, used)));
        match limit {
            Some(limit) => lookup(
                language,
                of,
                &[
                    shown,
                    ("limit", FluentValue::from(i18n::number(language, limit))),
                    ("count", FluentValue::from(limit)),
                ],
            ),
            None => lookup(language, unlimited, &[shown, ("count", FluentValue::from(used))]),
        }
    };
    [
        part(used.containers, quota.containers, ("usage-containers-of", "usage-containers-unlimited")),
        part(used.cpu, quota.cpu, ("usage-cpus-of", "usage-cpus-unlimited")),
        part(used.memory_mb, quota.memory_mb, ("usage-memory-of", "usage-memory-unlimited")),
        part(used.disk_mb, quota.disk_mb, ("usage-disk-of", "usage-disk-unlimited")),
        part(used.forwards, quota.forwards, ("usage-forwards-of", "usage-forwards-unlimited")),
    ]
    .join(&lookup(language, "usage-separator", &[]))
}

// ---------------------------------------------------------------- the new container form

/// The "New container" form as sent (and kept, to be shown again after a refusal).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    image: String,
    /// Empty: the panel places it.
    #[serde(default)]
    machine_id: String,
    /// Empty: a top-level container.
    #[serde(default)]
    parent: String,
    #[serde(flatten)]
    limits: LimitFields,
    #[serde(default)]
    autostart: Option<String>,
    /// Admins: whose it is (empty: the admin's own).
    #[serde(default)]
    owner: String,
    /// Admins: LXD profiles, separated by commas or spaces.
    #[serde(default)]
    profiles: String,
    /// Admins: instance configuration, one `key=value` a line.
    #[serde(default)]
    config: String,
}

/// A whole number of a form field, or `None` when left empty; `refusal`
/// is the key of the message that names the field.
fn number(refusal: &'static str, text: &str) -> Result<Option<i64>, AppError> {
    match text.trim() {
        "" => Ok(None),
        text => text.parse::<i64>().map(Some).map_err(|_| AppError::invalid(refusal, &[])),
    }
}

/// The limit fields of a form as typed: `cpu`, `memory_mb`, `disk_mb`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct LimitFields {
    #[serde(default)]
    pub cpu: String,
    #[serde(default)]
    pub memory_mb: String,
    #[serde(default)]
    pub disk_mb: String,
}

impl LimitFields {
    /// The limits; an empty field is left out.
    fn limits(&self) -> Result<Limits, AppError> {
        Ok(Limits {
            cpu: number("error-containers-cpus-not-number", &self.cpu)?,
            memory_mb: number("error-containers-memory-not-number", &self.memory_mb)?,
            disk_mb: number("error-containers-disk-not-number", &self.disk_mb)?,
        })
    }
}

/// `key=value` lines; empty lines are skipped.
fn config_lines(text: &str) -> Result<BTreeMap<String, String>, AppError> {
    let mut config = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(AppError::invalid("error-containers-config-line", &[("line", texts::text(index + 1))]));
        };
        config.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    Ok(config)
}

impl NewForm {
    /// The API's request.
    fn request(&self) -> Result<NewContainer, AppError> {
        let profiles: Vec<String> = self
            .profiles
            .split([',', ' ', '\n', '\r', '\t'])
            .filter(|profile| !profile.is_empty())
            .map(str::to_owned)
            .collect();
        let limits = self.limits.limits()?;
        Ok(NewContainer {
            name: self.name.trim().to_owned(),
            machine_id: number("error-containers-machine-not-number", &self.machine_id)?,
            image: self.image.trim().to_owned(),
            limits: (limits != Limits::default()).then_some(limits),
            parent: number("error-containers-parent-not-number", &self.parent)?,
            autostart: self.autostart.is_some(),
            start: true,
            owner: Some(self.owner.trim().to_owned()).filter(|owner| !owner.is_empty()),
            profiles: (!profiles.is_empty()).then_some(profiles),
            config: config_lines(&self.config)?,
        })
    }

    /// An empty form below `parent` (if any).
    fn below(parent: Option<i64>) -> NewForm {
        NewForm { parent: parent.map(|parent| parent.to_string()).unwrap_or_default(), ..NewForm::default() }
    }
}

/// One choice of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The creation shown above the form: its status until it is made, or why it failed.
struct Progress {
    id: i64,
    name: String,
    machine: String,
    status: String,
    error: Option<String>,
}

impl Progress {
    fn of(container: Container) -> Progress {
        Progress {
            id: container.id,
            name: container.name,
            machine: container.machine,
            status: container.status,
            error: container.error.as_deref().map(super::sentence),
        }
    }

    fn creating(&self) -> bool {
        self.status == containers::STATUS_CREATING
    }

    fn failed(&self) -> bool {
        self.status == containers::STATUS_FAILED
    }
}

#[derive(Template)]
#[template(path = "container_progress.html")]
struct ProgressFragment {
    progress: Progress,
}

#[derive(Template)]
#[template(path = "container_new_form.html")]
struct NewSection {
    /// Admins: the owner, profiles and configuration fields (`ContainerCreateAny`).
    any: bool,
    /// Her quota and use, in words (a member), or `None` (an admin's creations count against no quota).
    usage: Option<String>,
    /// Her quota allows no container at all.
    no_quota: bool,
    machines: Vec<Choice>,
    parents: Vec<Choice>,
    defaults: Limits,
    values: NewForm,
    autostart: bool,
    error: Option<String>,
    created: Option<Progress>,
}

#[derive(Template)]
#[template(path = "container_new.html")]
struct NewPage {
    chrome: Chrome,
    section: String,
}

/// The containers `current` may create under, from the trees she owns
/// (plus `wanted`, when the policy lets her create under it): (id, label).
fn parent_choices(
    connection: &mut DbConnection,
    current: &CurrentUser,
    wanted: Option<i64>,
) -> Result<Vec<(i64, String)>, AppError> {
    let mine = containers::tree_ids_of(connection, current.user.id.0)?;
    let rows =
        visible_among(connection, current, Some(&mine), &ListFilter { live_only: true, ..ListFilter::default() })?;
    let chains = OwnerChains::of(&rows);
    let actor = current.actor();
    let mut choices: Vec<(i64, String)> = rows
        .iter()
        .filter(|row| !row.is_gone())
        .filter(|row| {
            let owners = chains.chain(row);
            crate::policy::decide(
                &actor,
                Action::ContainerCreate,
                &Object::Container { owners: &owners, in_quota: row.in_quota },
            ) == Decision::Allow
        })
        .map(|row| (row.id, format!("{} (on {})", row.name, row.machine)))
        .collect();
    if let Some(wanted) = wanted
        && !choices.iter().any(|(id, _)| *id == wanted)
        && let Ok(row) = load_allowed(connection, current, ContainerId(wanted), Action::ContainerCreate)
        && !row.is_gone()
    {
        choices.push((row.id, format!("{} (on {})", row.name, row.machine)));
    }
    choices.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(choices)
}

/// The form section for `current` with `values`, `error` and the creation just started.
async fn new_section(
    current: CurrentUser,
    state: &AppState,
    pool: &DbPool,
    values: NewForm,
    error: Option<String>,
    created: Option<Progress>,
) -> Result<NewSection, PageError> {
    let default_quota = state.default_quota;
    let wanted = values.parent.trim().parse::<i64>().ok();
    let (any, usage, machine_list, parents) = db::run(pool, move |connection| {
        let any = current.decide(Action::ContainerCreateAny, &Object::Nothing).is_ok();
        let usage: Option<UsageView> = if any {
            None
        } else {
            let me = quota_owner(connection, &current, current.user.id, Action::UserView)?;
            Some(usage_of(connection, &me, &default_quota)?)
        };
        let machine_list = if current.decide(Action::MachinePlace, &Object::Machine).is_ok() {
            machines::list(connection).map_err(AppError::from)?
        } else {
            Vec::new()
        };
        let parents = parent_choices(connection, &current, wanted)?;
        Ok::<_, AppError>((any, usage, machine_list, parents))
    })
    .await?;
    let mut machine_choices =
        vec![Choice { value: String::new(), label: "Automatic: the panel chooses".to_owned(), selected: true }];
    machine_choices.extend(machine_list.into_iter().map(|machine| Choice {
        selected: values.machine_id.trim() == machine.id.0.to_string(),
        value: machine.id.0.to_string(),
        label: machine.name.to_string(),
    }));
    if machine_choices.iter().skip(1).any(|choice| choice.selected) {
        machine_choices[0].selected = false;
    }
    let mut parent_list = vec![Choice {
        value: String::new(),
        label: "None: a container of its own".to_owned(),
        selected: values.parent.trim().is_empty(),
    }];
    parent_list.extend(parents.into_iter().map(|(id, label)| Choice {
        selected: values.parent.trim() == id.to_string(),
        value: id.to_string(),
        label,
    }));
    let no_quota = usage.as_ref().is_some_and(|usage| usage.quota.containers == Some(0));
    Ok(NewSection {
        any,
        usage: usage.map(|usage| usage_text(&usage.used, &usage.quota)),
        no_quota,
        machines: machine_choices,
        parents: parent_list,
        defaults: state.default_limits,
        autostart: values.autostart.is_some(),
        values,
        error,
        created,
    })
}

#[derive(Debug, Deserialize)]
pub struct NewParams {
    parent: Option<String>,
}

/// `GET /containers/new[?parent=ID]`: the form, below `parent` when given
/// (the 404 page if she may not create under it, as for a missing one).
pub async fn new_page(page: PageContext, params: web::Query<NewParams>) -> Page {
    let PageContext { current, state, pool } = page;
    let chrome = Chrome::of(&current);
    let parent = match params.into_inner().parent.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| AppError::not_found())?),
    };
    {
        let current = current.clone();
        db::run(&pool, move |connection| match parent {
            Some(parent) => load_allowed(connection, &current, ContainerId(parent), Action::ContainerCreate).map(drop),
            None => current.decide(Action::ContainerCreate, &Object::Nothing),
        })
        .await?;
    }
    let section = new_section(current, &state, &pool, NewForm::below(parent), None, None).await?;
    let section = section.render().map_err(AppError::internal)?;
    html(&NewPage { chrome, section })
}

/// `POST /containers/new` (htmx, the form's fields): reserved through
/// `create_container`, audited as `container.create`; the form again,
/// empty, with the new container's progress above it (which polls until it
/// is made or failed), or as she sent it with what went wrong.
pub async fn create(page: PageContext, PageForm(form): PageForm<NewForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let values = form.clone().unwrap_or_default();
    let reader = current.clone();
    let created = create_container(current, state.app.clone(), &pool, move || form?.request()).await;
    let section = match created {
        Ok(container) => {
            let parent = container.parent_id;
            let next = NewForm { machine_id: values.machine_id, ..NewForm::below(parent) };
            new_section(reader, &state, &pool, next, None, Some(Progress::of(container))).await?
        }
        Err(error) => {
            let message = in_place(error)?;
            new_section(reader, &state, &pool, values, Some(message), None).await?
        }
    };
    html(&section)
}

/// `GET /containers/{id}/progress`: the creation's progress, which polls
/// itself every 2 s while the container is `creating`.
pub async fn progress(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let container = view_container(current, &pool, ContainerId(path.into_inner())).await?;
    html(&ProgressFragment { progress: Progress::of(container) })
}

#[derive(Debug, Deserialize)]
pub struct ImagesParams {
    machine_id: Option<String>,
    parent: Option<String>,
}

#[derive(Template)]
#[template(path = "container_images.html")]
struct ImagesFragment {
    images: Vec<String>,
    hint: String,
}

/// `GET /containers/new/images?machine_id=&parent=`: the image aliases the
/// form suggests, from the chosen machine (else the parent's, else every
/// machine's), as each agent lists them for her (policy `MachinePlace`).
pub async fn images(page: PageContext, params: web::Query<ImagesParams>) -> Page {
    let PageContext { current, state, pool } = page;
    let params = params.into_inner();
    let chosen = params.machine_id.as_deref().and_then(|text| text.trim().parse::<i64>().ok());
    let parent = params.parent.as_deref().and_then(|text| text.trim().parse::<i64>().ok());
    let reader = current.clone();
    let machine_list = db::run(&pool, move |connection| {
        reader.decide(Action::MachinePlace, &Object::Machine)?;
        let parent_machine = match parent {
            Some(parent) => load_allowed(connection, &reader, ContainerId(parent), Action::ContainerCreate)
                .ok()
                .map(|row| MachineId(row.machine_id)),
            None => None,
        };
        let all = machines::list(connection).map_err(AppError::from)?;
        let wanted = chosen.map(MachineId).or(parent_machine);
        Ok::<_, AppError>(match wanted {
            Some(wanted) => all.into_iter().filter(|machine| machine.id == wanted).collect(),
            None => all,
        })
    })
    .await;
    let machine_list = match machine_list {
        Ok(list) => list,
        Err(error) => return html(&ImagesFragment { images: Vec::new(), hint: in_place(error)? }),
    };
    let mut images = BTreeSet::new();
    let mut unreachable = Vec::new();
    for machine in &machine_list {
        match images_of(current.clone(), &state.app, &pool, machine.id).await {
            Ok(list) => images.extend(list.items.into_iter().map(|image| image.alias)),
            Err(error) if is_page_error(&error) => return Err(PageError(error)),
            Err(error) => unreachable.push(format!("{}: {}", machine.name, readable(&error))),
        }
    }
    let images: Vec<String> = images.into_iter().collect();
    let mut hint = if machine_list.is_empty() {
        i18n::t("provisioning-no-machine")
    } else if images.is_empty() {
        i18n::t("provisioning-no-image")
    } else {
        i18n::say("provisioning-images-offered", &[("images", i18n::text(images.join(", ")))])
    };
    if !unreachable.is_empty() {
        hint.push(' ');
        hint.push_str(&i18n::say("provisioning-images-not-listed", &[("machines", i18n::text(unreachable.join(" ")))]));
    }
    html(&ImagesFragment { images, hint })
}

// ---------------------------------------------------------------- the container page's configuration

/// A sub-container as the container page lists it.
pub(crate) struct ChildRow {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub limits: Limits,
}

/// "1 CPU, 512 MiB memory, 2,048 MiB disk" in `language`; unset limits are left out.
pub(crate) fn limits_text(language: Language, limits: &Limits) -> String {
    let mib = |key: &str, mib: i64| lookup(language, key, &[("mib", FluentValue::from(i18n::number(language, mib)))]);
    let parts: Vec<String> = [
        limits.cpu.map(|cpu| lookup(language, "limits-cpus", &[("count", FluentValue::from(cpu))])),
        limits.memory_mb.map(|mb| mib("limits-memory", mb)),
        limits.disk_mb.map(|mb| mib("limits-disk", mb)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        lookup(language, "limits-none", &[])
    } else {
        parts.join(&lookup(language, "usage-separator", &[]))
    }
}

/// The live children of `id` that `current` may see, by name.
pub(crate) fn children_of(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ContainerId,
) -> Result<Vec<ChildRow>, AppError> {
    let mut rows = Vec::new();
    for (child, _) in containers::live_children(connection, id)? {
        if let Ok(child) = load_allowed(connection, current, ContainerId(child), Action::ContainerView) {
            rows.push(ChildRow { id: child.id, limits: child.limits, name: child.name, status: child.status });
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// The configuration section of the container page.
#[derive(Template)]
#[template(path = "container_config.html")]
pub(crate) struct ConfigSection {
    id: i64,
    name: String,
    machine: String,
    /// `None`: not made by the panel.
    image: Option<String>,
    limits: Limits,
    autostart: Option<bool>,
    in_quota: bool,
    owner: String,
    may_configure: bool,
    may_resize: bool,
    may_delete: bool,
    notice: Option<String>,
    error: Option<String>,
}

impl ConfigSection {
    /// The key of what its autostart is.
    fn autostart_key(&self) -> &'static str {
        match self.autostart {
            Some(true) => "config-autostart-is-on",
            Some(false) => "config-autostart-is-off",
            None => "config-autostart-as-lxd",
        }
    }
}

/// The configuration section of `container` for `current`: the controls the policy allows her.
pub(crate) fn config_section(
    connection: &mut DbConnection,
    current: &CurrentUser,
    container: &Container,
    notice: Option<String>,
    error: Option<String>,
) -> Result<ConfigSection, AppError> {
    let id = container.id();
    // A container being made, failed or gone takes no change.
    let live = !container.is_gone() && container.status != containers::STATUS_CREATING;
    let may = |connection: &mut DbConnection, action| -> Result<bool, AppError> {
        Ok(live && allowed(load_allowed(connection, current, id, action))?)
    };
    Ok(ConfigSection {
        may_configure: may(connection, Action::ContainerConfigure)?,
        may_resize: may(connection, Action::ContainerResize)?,
        may_delete: may(connection, Action::ContainerDelete)?,
        id: container.id,
        name: container.name.clone(),
        machine: container.machine.clone(),
        image: container.image.clone(),
        limits: container.limits,
        autostart: container.autostart,
        in_quota: container.in_quota,
        owner: container.owner.clone().unwrap_or_default(),
        notice,
        error,
    })
}

/// The section again after a change, with `notice` or `error`.
async fn config_answer(
    current: CurrentUser,
    pool: &DbPool,
    id: ContainerId,
    notice: Option<String>,
    error: Option<String>,
) -> Page {
    let section = db::run(pool, move |connection| {
        let container = load_allowed(connection, &current, id, Action::ContainerView)?;
        config_section(connection, &current, &container, notice, error)
    })
    .await?;
    html(&section)
}

#[derive(Debug, Deserialize)]
pub struct AutostartForm {
    #[serde(default)]
    autostart: String,
}

/// `POST /containers/{id}/autostart` (htmx, `autostart=true|false`): set
/// through `update_container`, audited as `container.update`; the section again.
pub async fn autostart(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<AutostartForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let language = page_language::current();
    let notice = move |container: &Container| match container.autostart {
        Some(true) => lookup(language, "container-autostart-on", &[]),
        _ => lookup(language, "container-autostart-off", &[]),
    };
    apply_change(current, &state, &pool, path, form.and_then(AutostartForm::patch), notice).await
}

impl AutostartForm {
    fn patch(self) -> Result<ContainerPatch, AppError> {
        let autostart = match self.autostart.trim() {
            "true" => true,
            "false" => false,
            _ => return Err(AppError::invalid("error-containers-autostart-on-off", &[])),
        };
        Ok(ContainerPatch { owner: None, parent: None, in_quota: None, autostart: Some(autostart), limits: None })
    }
}

/// Applies what the form asked (autostart or limits) through
/// `update_container`, audited as `container.update` (a form it could not
/// read is audited refused); the configuration section again, with
/// `notice` of the changed container or the reason in words.
async fn apply_change(
    current: CurrentUser,
    state: &AppState,
    pool: &DbPool,
    path: web::Path<i64>,
    patch: Result<ContainerPatch, AppError>,
    notice: impl FnOnce(&Container) -> String,
) -> Page {
    let id = ContainerId(path.into_inner());
    let reader = current.clone();
    match update_container(current, state.app.clone(), pool, id, patch).await {
        Ok(container) => config_answer(reader, pool, id, Some(notice(&container)), None).await,
        Err(error) => config_answer(reader, pool, id, None, Some(in_place(error)?)).await,
    }
}

/// `POST /containers/{id}/limits` (htmx, `cpu`, `memory_mb`, `disk_mb`; an
/// empty one stays as it is): set through `update_container` (growing ones checked
/// against the quota), audited as `container.update`; the section again.
pub async fn limits(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<LimitFields>) -> Page {
    let PageContext { current, state, pool } = page;
    let language = page_language::current();
    let notice = move |container: &Container| {
        let limits = limits_text(language, &container.limits);
        lookup(language, "config-limits-now", &[("limits", FluentValue::from(limits))])
    };
    let patch = form.and_then(|fields| fields.limits()).map(|limits| ContainerPatch {
        owner: None,
        parent: None,
        in_quota: None,
        autostart: None,
        limits: Some(limits),
    });
    apply_change(current, &state, &pool, path, patch, notice).await
}

/// `POST /containers/{id}/delete` (htmx, after the section's confirmation
/// step): deleted through `delete_container` (refused while it has live
/// sub-containers), audited as `container.delete`; then the browser goes to
/// the dashboard, or the reason in words.
pub async fn delete(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = ContainerId(path.into_inner());
    match delete_container(current, state.app.clone(), &pool, id).await {
        Ok(_) => Ok(HttpResponse::Ok().insert_header(("HX-Redirect", "/")).finish()),
        Err(error) => {
            let message = match error.code {
                ErrorCode::HasChildren => {
                    i18n::say("container-delete-children-first", &[("why", i18n::text(readable(&error)))])
                }
                _ => in_place(error)?,
            };
            html(&super::panels::ErrorFragment { message })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_reads_as_used_of_each_limit_and_says_when_there_is_none() {
        let used = Usage { containers: 1, cpu: 1, memory_mb: 256, disk_mb: 2048, forwards: 0, snapshots: 0 };
        let quota = Quota {
            containers: Some(3),
            cpu: Some(4),
            memory_mb: Some(4096),
            disk_mb: None,
            forwards: Some(2),
            snapshots: Some(3),
        };
        assert_eq!(
            usage_text(&used, &quota),
            "1 of 3 containers, 1 of 4 CPUs, 256 of 4,096 MiB of memory, 2,048 MiB of disk (no limit), 0 of 2 forwarded ports"
        );
    }

    #[test]
    fn the_form_reads_empty_fields_as_left_out_and_config_as_key_value_lines() {
        let form = NewForm {
            name: " box ".into(),
            image: "smp-busybox".into(),
            limits: LimitFields { memory_mb: "256".into(), ..LimitFields::default() },
            profiles: "default, extra".into(),
            config: "user.note = hello\n\nlimits.processes=100\n".into(),
            ..NewForm::default()
        };
        let request = form.request().unwrap();
        assert_eq!(request.name, "box");
        assert_eq!(request.limits, Some(Limits { cpu: None, memory_mb: Some(256), disk_mb: None }));
        assert_eq!((request.machine_id, request.parent, request.owner), (None, None, None));
        assert_eq!(request.profiles, Some(vec!["default".to_owned(), "extra".to_owned()]));
        assert_eq!(request.config.get("user.note").map(String::as_str), Some("hello"));
        assert_eq!(request.config.len(), 2);
        let bad = NewForm { limits: LimitFields { cpu: "two".into(), ..LimitFields::default() }, ..NewForm::default() };
        assert_eq!(bad.request().unwrap_err().code, ErrorCode::InvalidInput);
        let bad = NewForm { config: "user.note".into(), ..NewForm::default() };
        assert_eq!(bad.request().unwrap_err().code, ErrorCode::InvalidInput);
    }

    #[test]
    fn limits_read_in_words_and_unset_ones_are_left_out() {
        let english = Language::English;
        assert_eq!(
            limits_text(english, &Limits { cpu: Some(1), memory_mb: Some(512), disk_mb: Some(2048) }),
            "1 CPU, 512 MiB memory, 2,048 MiB disk"
        );
        assert_eq!(limits_text(english, &Limits { cpu: Some(2), ..Limits::default() }), "2 CPUs");
        assert_eq!(limits_text(english, &Limits::default()), "none set by the panel");
        assert_eq!(limits_text(Language::Polish, &Limits { cpu: Some(5), ..Limits::default() }), "5 procesorów");
    }
}
