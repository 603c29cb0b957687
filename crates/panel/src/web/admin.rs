//! The admin pages for accounts and machines: users (create, approve, disable, role, quota and usage) and machines (add, health, sync, rotate key).
//!
//! Every decision is the API's: the pages call the same functions as
//! `/api/v1/users` and `/api/v1/machines` (same policy, same audit rows,
//! same action names). Whoever may not list users (or machines) gets the 404
//! page for these pages and their forms alike, as for a missing page; a
//! refusal an admin may see (only the head admin makes admins or changes
//! machines) is a readable message in the section the form answers. A
//! machine's secret goes in through a form and never comes out: no answer
//! echoes it, not even after an error.

use actix_web::web;
use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;

use secrecy::SecretString;
use serde::Deserialize;

use super::account::optional;
use super::i18n::{Translate as _, say, t, text};
use super::provisioning::{LimitFields, usage_text};
use super::{Chrome, Page, PageContext, PageError, PageForm, html, in_place, when};
use crate::app::CurrentUser;
use crate::app::machines::{
    AddMachine, MachineView, RotateKey, add_machine, list_machines, rotate_machine_key, sync_machine,
};
use crate::app::networks::{every_forward, every_network};
use crate::app::quotas::set_quota_of;
use crate::app::totp::TotpState;
use crate::app::users::{CreateUser, UpdateUser, UserView, create_user, list_users, update_user};
use crate::db::machines::MachineId;
use crate::db::quotas::{self, Quota};
use crate::db::users::UserId;
use crate::db::{self, DbPool};
use crate::domain::roles::Role;
use crate::error::{AppError, ErrorCode};
use crate::http::AuditAction;
use crate::policy::{Action, Object};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/users").route(web::get().to(users_page))) // CurrentUser + policy UserView (else 404 page)
        .service(post("/admin/users/new", "user.create").route(web::post().to(create))) // CurrentUser (X-CSRF-Token) + policy UserManage (+ UserAppointAdmin)
        .service(post("/admin/users/{id}", "user.update").route(web::post().to(update))) // CurrentUser (X-CSRF-Token) + policy UserManage (+ UserAppointAdmin)
        .service(post("/admin/users/{id}/quota", "user.quota").route(web::post().to(set_quota))) // CurrentUser (X-CSRF-Token) + policy UserManage (set_quota_of)
        .service(web::resource("/admin/machines").route(web::get().to(machines_page))) // CurrentUser + policy MachineView (else 404 page)
        .service(web::resource("/admin/networks").route(web::get().to(networks_page))) // CurrentUser + policy NetworkView (else 404 page)
        .service(post("/admin/machines/new", "machine.add").route(web::post().to(add))) // CurrentUser (X-CSRF-Token) + policy MachineManage
        .service(post("/admin/machines/{id}/sync", "machine.sync").route(web::post().to(sync))) // CurrentUser (X-CSRF-Token) + policy MachineManage
        .service(post("/admin/machines/{id}/rotate-key", "machine.rotate_key").route(web::post().to(rotate))); // CurrentUser (X-CSRF-Token) + policy MachineManage
}

/// A state-changing resource, audited as `audit_action` (the API's name).
fn post(path: &str, audit_action: &'static str) -> actix_web::Resource {
    web::resource(path).app_data(AuditAction(audit_action))
}

/// Whoever the policy does not let read `action`'s objects gets the 404 page
/// (as for a page that does not exist), whatever else went wrong.
fn gate(current: &CurrentUser, action: Action, object: &Object<'_>) -> Result<(), PageError> {
    current.decide(action, object).map_err(|_| {
        if current.admin_withheld {
            // An admin whose rights wait for TOTP: to the page where she enrols.
            PageError(AppError::said(ErrorCode::TotpRequired, "error-machines-admin-needs-totp", &[]))
        } else {
            PageError(AppError::not_found())
        }
    })
}

/// A refusal on these pages, in words (see `account::readable`).
fn refusal(error: AppError, forbidden: &str) -> Result<String, PageError> {
    if error.code == ErrorCode::Forbidden && error.message == crate::error::NOT_ALLOWED {
        return Ok(forbidden.to_owned());
    }
    in_place(error)
}

/// An admin page: its heading and its section, in `<div id="{id}">` (its forms' `hx-target`).
#[derive(Template)]
#[template(path = "admin_page.html")]
struct AdminPage {
    chrome: Chrome,
    title: String,
    id: &'static str,
    section: String,
}

/// The page `title` of `current` with `section` in `<div id="{id}">`.
fn admin_page(current: &CurrentUser, title: String, id: &'static str, section: &impl Template) -> Page {
    let chrome = Chrome::of(current);
    let section = section.render().map_err(AppError::internal)?;
    html(&AdminPage { chrome, title, id, section })
}

/// A number argument of `say` (plurals; written without grouping, as before).
fn number(value: impl TryInto<i64>) -> FluentValue<'static> {
    FluentValue::from(value.try_into().unwrap_or(i64::MAX))
}

fn yes_no(value: bool) -> String {
    if value { t("admin-yes") } else { t("admin-no") }
}

/// A role as the page's language names it ("member", "admin", "head_admin" in English).
fn role_name(role: Role) -> String {
    say("admin-role", &[("role", text(role.as_str()))])
}

// ---------------------------------------------------------------- users

struct UserRow {
    id: i64,
    username: String,
    role: &'static str,
    approved: bool,
    disabled: bool,
    approved_text: String,
    disabled_text: String,
    /// How she signs in: `local` or `ldap`.
    sign_in: &'static str,
    /// Her second factor: off, pending or active.
    totp: &'static str,
}

/// A member's quota as the quota form shows it (empty: no limit) and what she uses of it.
struct QuotaRow {
    id: i64,
    username: String,
    containers: String,
    cpu: String,
    memory_mb: String,
    disk_mb: String,
    forwards: String,
    snapshots: String,
    /// She has the configured default quota (no quota of her own).
    default: bool,
    used: String,
}

#[derive(Template)]
#[template(path = "admin_users_list.html")]
struct UsersSection {
    /// A password the panel generated for a new account: shown this once.
    generated: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
    rows: Vec<UserRow>,
    roles: [&'static str; 3],
    /// The members' quotas and usage (admins' creations count against none).
    quotas: Vec<QuotaRow>,
}

/// The quota rows of `members` (id, username): each one's stored quota (or
/// the configured default) and what her sub-containers take.
async fn quota_rows(pool: &DbPool, default: Quota, members: Vec<(i64, String)>) -> Result<Vec<QuotaRow>, PageError> {
    let (stored, usage) = db::run(pool, move |connection| {
        Ok::<_, AppError>((quotas::all_stored(connection)?, quotas::usage_of_everyone(connection)?))
    })
    .await?;
    let text = |value: Option<i64>| value.map(|value| value.to_string()).unwrap_or_default();
    Ok(members
        .into_iter()
        .map(|(id, username)| {
            let own = stored.get(&id).copied();
            let quota = own.unwrap_or(default);
            let used = usage.get(&id).copied().unwrap_or_default();
            QuotaRow {
                id,
                username,
                containers: text(quota.containers),
                cpu: text(quota.cpu),
                memory_mb: text(quota.memory_mb),
                disk_mb: text(quota.disk_mb),
                forwards: text(quota.forwards),
                snapshots: text(quota.snapshots),
                default: own.is_none(),
                used: usage_text(&used, &quota),
            }
        })
        .collect())
}

async fn users_section(
    pool: &DbPool,
    current: &CurrentUser,
    default: Quota,
    notice: Option<String>,
    error: Option<String>,
    generated: Option<(String, String)>,
) -> Result<UsersSection, PageError> {
    let users = list_users(pool, current).await?;
    let members: Vec<(i64, String)> =
        users.iter().filter(|user| user.role == Role::Member).map(|user| (user.id, user.username.clone())).collect();
    let quotas = quota_rows(pool, default, members).await?;
    let rows = users
        .into_iter()
        .map(|user: UserView| UserRow {
            id: user.id,
            username: user.username,
            role: user.role.as_str(),
            approved: user.approved,
            disabled: user.disabled,
            approved_text: yes_no(user.approved),
            disabled_text: yes_no(user.disabled),
            sign_in: user.auth_method.as_str(),
            totp: user.totp.map_or("off", TotpState::as_str),
        })
        .collect();
    Ok(UsersSection { generated, notice, error, rows, roles: Role::ALL.map(Role::as_str), quotas })
}

/// The users section answering a form: once done, with its notice (and a
/// password the panel generated: the username and it, shown this once);
/// after a refusal, the 404 page for whoever may not see accounts, else the
/// section with the refusal in words.
async fn users_answer(
    pool: &DbPool,
    current: &CurrentUser,
    default: Quota,
    done: Result<(String, Option<(String, String)>), AppError>,
) -> Page {
    let section = match done {
        Ok((notice, generated)) => users_section(pool, current, default, Some(notice), None, generated).await?,
        Err(error) => {
            gate(current, Action::UserView, &Object::Nothing)?;
            let message = refusal(error, &t("admin-users-forbidden"))?;
            users_section(pool, current, default, None, Some(message), None).await?
        }
    };
    html(&section)
}

/// `GET /admin/users`: every account, and the forms that change them.
pub async fn users_page(page: PageContext) -> Page {
    let PageContext { current, state, pool } = page;
    gate(&current, Action::UserView, &Object::Nothing)?;
    let section = users_section(&pool, &current, state.default_quota, None, None, None).await?;
    admin_page(&current, t("nav-users"), "users", &section)
}

#[derive(Deserialize)]
pub struct CreateForm {
    username: String,
    role: Role,
    #[serde(default)]
    password: Option<String>,
}

/// `POST /admin/users/new` (htmx): an approved account (the same function
/// and audit as `POST /api/v1/users`); a generated password is shown once.
pub async fn create(page: PageContext, PageForm(submitted): PageForm<CreateForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let request = move || {
        let CreateForm { username, role, password } = submitted?;
        Ok(CreateUser { username, role, password: optional(password) })
    };
    let done = create_user(&pool, current.clone(), request).await.map(|created| {
        let notice = say(
            "admin-user-created",
            &[("name", text(&created.user.username)), ("role", text(role_name(created.user.role)))],
        );
        (notice, created.password.map(|password| (created.user.username, password)))
    });
    users_answer(&pool, &current, state.default_quota, done).await
}

#[derive(Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    approved: Option<bool>,
    #[serde(default)]
    disabled: Option<bool>,
}

/// `POST /admin/users/{id}` (htmx) with `role`, `approved` or `disabled`:
/// the same function and audit as `PATCH /api/v1/users/{id}`.
pub async fn update(page: PageContext, path: web::Path<i64>, PageForm(submitted): PageForm<UpdateForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let request = move || {
        let UpdateForm { role, approved, disabled } = submitted?;
        Ok(UpdateUser { role, approved, disabled })
    };
    let done = update_user(&pool, current.clone(), UserId(path.into_inner()), request).await.map(|user| {
        let standing = match (user.approved, user.disabled) {
            (_, true) => "disabled",
            (false, false) => "waiting",
            (true, false) => "enabled",
        };
        let args = [("name", text(&user.username)), ("role", text(role_name(user.role))), ("standing", text(standing))];
        (say("admin-user-updated", &args), None)
    });
    users_answer(&pool, &current, state.default_quota, done).await
}

/// The quota form of a member's row: each field a whole number, or empty for no limit.
#[derive(Deserialize)]
pub struct QuotaForm {
    #[serde(default)]
    containers: String,
    #[serde(default)]
    forwards: String,
    #[serde(default)]
    snapshots: String,
    #[serde(flatten)]
    limits: LimitFields,
}

impl QuotaForm {
    fn quota(&self) -> Result<Quota, AppError> {
        // `key`: the field's "give a whole number, or leave it empty for no limit".
        let limit = |key: &'static str, text: &str| match text.trim() {
            "" => Ok(None),
            text => text.parse::<i64>().map(Some).map_err(|_| AppError::invalid(key, &[])),
        };
        Ok(Quota {
            containers: limit("error-machines-quota-containers", &self.containers)?,
            cpu: limit("error-machines-quota-cpus", &self.limits.cpu)?,
            memory_mb: limit("error-machines-quota-memory", &self.limits.memory_mb)?,
            disk_mb: limit("error-machines-quota-disk", &self.limits.disk_mb)?,
            forwards: limit("error-machines-quota-forwards", &self.forwards)?,
            snapshots: limit("error-snapshots-quota-field", &self.snapshots)?,
        })
    }
}

/// `POST /admin/users/{id}/quota` (htmx, `containers`, `cpu`, `memory_mb`,
/// `disk_mb`; empty: no limit): the same function and audit (`user.quota`)
/// as `PUT /api/v1/users/{id}/quota`.
pub async fn set_quota(page: PageContext, path: web::Path<i64>, PageForm(submitted): PageForm<QuotaForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = UserId(path.into_inner());
    let done = match set_quota_of(current.clone(), &pool, id, move || submitted?.quota()).await {
        Ok(quota) => {
            let name = list_users(&pool, &current)
                .await?
                .into_iter()
                .find(|user| user.id == id.0)
                .map_or_else(|| say("admin-user-number", &[("id", text(id))]), |user| user.username);
            Ok((say("admin-quota-set", &[("name", text(name)), ("quota", text(quota_words(&quota)))]), None))
        }
        Err(error) => Err(error),
    };
    users_answer(&pool, &current, state.default_quota, done).await
}

/// "3 containers, 4 CPUs, 4096 MiB of memory, no limit on MiB of disk", in the page's language.
fn quota_words(quota: &Quota) -> String {
    let part = |value: Option<i64>, some: &str, none: &str| match value {
        Some(value) => say(some, &[("count", number(value))]),
        None => t(none),
    };
    [
        part(quota.containers, "admin-quota-words-containers", "admin-quota-words-no-containers"),
        part(quota.cpu, "admin-quota-words-cpus", "admin-quota-words-no-cpus"),
        part(quota.memory_mb, "admin-quota-words-memory", "admin-quota-words-no-memory"),
        part(quota.disk_mb, "admin-quota-words-disk", "admin-quota-words-no-disk"),
        part(quota.forwards, "admin-quota-words-forwards", "admin-quota-words-no-forwards"),
        part(quota.snapshots, "admin-quota-words-snapshots", "admin-quota-words-no-snapshots"),
    ]
    .join(&t("usage-separator"))
}

// ---------------------------------------------------------------- machines

struct MachineRow {
    id: i64,
    name: String,
    url: String,
    key_id: String,
    next_key_id: Option<String>,
    fingerprint: String,
    status: String,
    last_error: String,
    last_sync: String,
}

impl From<MachineView> for MachineRow {
    fn from(machine: MachineView) -> MachineRow {
        MachineRow {
            id: machine.id,
            name: machine.name,
            url: machine.url,
            key_id: machine.key_id,
            next_key_id: machine.next_key_id,
            fingerprint: machine.fingerprint.unwrap_or_else(|| t("admin-none")),
            status: machine.status,
            last_error: machine.last_error.unwrap_or_else(|| t("admin-none")),
            last_sync: machine.last_sync_at.map_or_else(|| t("admin-never"), when),
        }
    }
}

/// What the add form keeps after a refusal: never the secret.
#[derive(Default)]
struct AddValues {
    name: String,
    url: String,
    key_id: String,
    fingerprint: String,
    trust_on_first_use: bool,
}

#[derive(Template)]
#[template(path = "admin_machines_list.html")]
struct MachinesSection {
    can_manage: bool,
    notice: Option<String>,
    error: Option<String>,
    rows: Vec<MachineRow>,
    values: AddValues,
}

async fn machines_section(
    pool: &DbPool,
    current: &CurrentUser,
    notice: Option<String>,
    error: Option<String>,
    values: AddValues,
) -> Result<MachinesSection, PageError> {
    let rows = list_machines(pool, current).await?.into_iter().map(MachineRow::from).collect();
    let can_manage = current.decide(Action::MachineManage, &Object::Machine).is_ok();
    Ok(MachinesSection { can_manage, notice, error, rows, values })
}

/// `GET /admin/machines`: every machine with its health; the head admin's forms.
pub async fn machines_page(page: PageContext) -> Page {
    let PageContext { current, pool, .. } = page;
    gate(&current, Action::MachineView, &Object::Machine)?;
    let section = machines_section(&pool, &current, None, None, AddValues::default()).await?;
    admin_page(&current, t("nav-machines"), "machines", &section)
}

/// The machines section answering a form: once done, with its notice;
/// after a refusal, the 404 page for whoever may not see machines, else the
/// section with the refusal in words and the add form's `values` kept.
async fn machines_answer(
    pool: &DbPool,
    current: &CurrentUser,
    done: Result<String, AppError>,
    values: AddValues,
) -> Page {
    match done {
        Ok(notice) => html(&machines_section(pool, current, Some(notice), None, AddValues::default()).await?),
        Err(error) => {
            gate(current, Action::MachineView, &Object::Machine)?;
            let message = refusal(error, &t("admin-machines-forbidden"))?;
            html(&machines_section(pool, current, None, Some(message), values).await?)
        }
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    name: String,
    url: String,
    key_id: String,
    secret: SecretString,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    trust_on_first_use: Option<String>,
}

/// `POST /admin/machines/new` (htmx): the same function and audit as `POST /api/v1/machines`.
pub async fn add(page: PageContext, PageForm(submitted): PageForm<AddForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let values = match &submitted {
        Ok(form) => AddValues {
            name: form.name.clone(),
            url: form.url.clone(),
            key_id: form.key_id.clone(),
            fingerprint: form.fingerprint.clone().unwrap_or_default(),
            trust_on_first_use: form.trust_on_first_use.is_some(),
        },
        Err(_) => AddValues::default(),
    };
    let request = move || {
        let AddForm { name, url, key_id, secret, fingerprint, trust_on_first_use } = submitted?;
        let trust_on_first_use = trust_on_first_use.is_some();
        Ok(AddMachine { name, url, key_id, secret, fingerprint: optional(fingerprint), trust_on_first_use })
    };
    let done =
        add_machine(&state.app, &pool, current.clone(), request).await.map(|machine| match &machine.fingerprint {
            Some(fingerprint) => {
                say("admin-machine-added-pinned", &[("name", text(&machine.name)), ("fingerprint", text(fingerprint))])
            }
            None => say("admin-machine-added", &[("name", text(&machine.name))]),
        });
    machines_answer(&pool, &current, done, values).await
}

/// `POST /admin/machines/{id}/sync` (htmx): one pass, answered with its
/// report when done (the same function and audit as `POST /api/v1/machines/{id}/sync`).
pub async fn sync(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    let done = sync_machine(&state.app, &pool, current.clone(), MachineId(path.into_inner())).await.map(|answer| {
        let report = answer.report;
        say(
            "admin-machine-synced",
            &[
                ("name", text(&answer.machine.name)),
                ("added", number(report.added)),
                ("updated", number(report.updated)),
                ("gone", number(report.gone)),
                ("total", number(report.total)),
            ],
        )
    });
    machines_answer(&pool, &current, done, AddValues::default()).await
}

#[derive(Deserialize)]
pub struct RotateForm {
    key_id: String,
    secret: SecretString,
}

/// `POST /admin/machines/{id}/rotate-key` (htmx): the same function and
/// audit as `POST /api/v1/machines/{id}/rotate-key`.
pub async fn rotate(page: PageContext, path: web::Path<i64>, PageForm(submitted): PageForm<RotateForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let request = move || submitted.map(|RotateForm { key_id, secret }| RotateKey { key_id, secret });
    let done = rotate_machine_key(&state.app, &pool, current.clone(), MachineId(path.into_inner()), request)
        .await
        .map(|machine| say("admin-machine-rotated", &[("name", text(&machine.name)), ("key", text(&machine.key_id))]));
    machines_answer(&pool, &current, done, AddValues::default()).await
}

// ---------------------------------------------------------------- networks and forwards

struct NetworkLine {
    machine: String,
    name: String,
    public: bool,
    subnets: String,
    forwards_on: String,
    drift: String,
}

struct ForwardLine {
    reach: String,
    container_id: i64,
    container: String,
    machine: String,
    target: String,
    owner: String,
}

#[derive(Template)]
#[template(path = "admin_networks.html")]
struct NetworksSection {
    networks: Vec<NetworkLine>,
    forwards: Vec<ForwardLine>,
}

/// `GET /admin/networks`: every machine's networks (with drift) and every forward (admins).
pub async fn networks_page(page: PageContext) -> Page {
    let PageContext { current, pool, .. } = page;
    gate(&current, Action::NetworkView, &Object::Machine)?;
    let networks = every_network(current.clone(), &pool).await?;
    let forwards = every_forward(current.clone(), &pool).await?;
    let networks = networks
        .into_iter()
        .map(|network| NetworkLine {
            subnets: [network.ipv4_subnet.clone(), network.ipv6_subnet.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            forwards_on: match (&network.listen_address, &network.forward_ports) {
                (Some(address), Some(ports)) => {
                    say("admin-networks-forwards-on", &[("address", text(address)), ("ports", text(ports))])
                }
                _ => t("admin-networks-no-forwards"),
            },
            drift: network.drift.clone().unwrap_or_else(|| t("admin-none")),
            machine: network.machine,
            name: network.name,
            public: network.public,
        })
        .collect();
    let forwards = forwards
        .into_iter()
        .map(|forward| ForwardLine {
            reach: forward.reach.clone().unwrap_or_else(|| format!("port {}", forward.row.listen_port)),
            container_id: forward.row.container_id,
            target: format!("{} {}", forward.row.protocol.as_str(), forward.row.target_port),
            owner: forward.row.owner.clone().unwrap_or_default(),
            container: forward.row.container,
            machine: forward.row.machine,
        })
        .collect();
    admin_page(&current, t("admin-networks-title"), "networks", &NetworksSection { networks, forwards })
}
