//! The admin pages that list: all containers (filters, paging, assigning
//! owner and parent) and the audit log (filters, paging).
//!
//! Who may open them is the policy's answer, through the same functions as
//! the API: the containers page asks `policy::may_list_every_container`
//! (admins only; a member is hidden from it, so she gets the one 404 page),
//! and lists through `app::containers::visible`; assigning goes through
//! `app::containers::assign_container`, audited as `container.assign` like
//! `PATCH /api/v1/containers/{id}`. The audit page searches through
//! `app::audit::search`, so a member who opens it reads what
//! `GET /api/v1/audit` gives her: her own actions and actions on her
//! containers (the page says so); admins read every row.

use actix_web::web;
use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;

use super::i18n::{Translate as _, lookup, say, t, text};
use super::{Chrome, Page, PageContext, PageError, PageForm, html, is_page_error, readable, when};
use crate::app::audit::search;
use crate::app::containers::{Assign, assign_container, load_allowed, visible_among};
use crate::app::current_user::answer;
use crate::db::audit::AuditQuery;
use crate::db::containers::{Container, ContainerId, ListFilter};
use crate::db::{self, containers, machines, users};
use crate::domain::username::Username;
use crate::error::{AppError, ErrorCode};
use crate::http::{AuditAction, page_language};
use crate::policy::{self, Action};

/// Rows per page of both lists.
const PAGE_SIZE: usize = 50;

/// The statuses a container can have in the list (the filter's choices).
const STATUSES: [&str; 8] = ["running", "stopped", "frozen", "starting", "stopping", "error", "unknown", "gone"];

/// The outcomes of audit rows (the filter's choices).
const OUTCOMES: [&str; 4] = ["ok", "refused", "failed", "started"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/containers").route(web::get().to(containers_page))) // CurrentUser + policy may_list_every_container (admins)
        .service(
            web::resource("/admin/containers/{id}/assign")
                .app_data(AuditAction("container.assign"))
                .route(web::post().to(assign)), // CurrentUser (X-CSRF-Token) + policy ContainerAssign
        )
        .service(web::resource("/admin/audit").route(web::get().to(audit_page))); // CurrentUser + policy AuditViewAll (else her own rows, as the API)
}

/// A filter's text: `None` when empty.
fn given(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned)
}

/// `?a=1&b=x` of the pairs with a value.
fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if let Some(value) = value {
            serializer.append_pair(key, value);
        }
    }
    let query = serializer.finish();
    if query.is_empty() { query } else { format!("?{query}") }
}

/// A row of the all-containers list (also the answer of an assignment).
pub struct ContainerRow {
    id: i64,
    name: String,
    machine: String,
    status: String,
    owner: String,
    parent: String,
    /// It counts against its owner's quota (as her sub-container).
    in_quota: bool,
    /// What the last assignment did to this row: `(failed, message)`.
    note: Option<(bool, String)>,
}

impl ContainerRow {
    fn of(container: Container, note: Option<(bool, String)>) -> ContainerRow {
        ContainerRow {
            id: container.id,
            name: container.name,
            machine: container.machine,
            status: container.status,
            owner: container.owner.unwrap_or_default(),
            parent: container.parent_id.map(|parent| parent.to_string()).unwrap_or_default(),
            in_quota: container.in_quota,
            note,
        }
    }
}

/// One choice of a filter's select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// "any" first, then `options` (value, label), the one equal to `current` selected.
fn choices(options: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
    let mut list = vec![Choice { value: String::new(), label: t("admin-filter-any"), selected: current.is_empty() }];
    list.extend(options.into_iter().map(|(value, label)| Choice { selected: value == current, value, label }));
    list
}

#[derive(Template)]
#[template(path = "admin_containers.html")]
struct ContainersPage {
    chrome: Chrome,
    machines: Vec<Choice>,
    statuses: Vec<Choice>,
    owner: String,
    message: Option<String>,
    rows: Vec<ContainerRow>,
    total: usize,
    first: usize,
    last: usize,
    previous: Option<String>,
    next: Option<String>,
}

impl ContainersPage {
    /// "Containers 1–50 of 124." in the page's language.
    fn range(&self) -> String {
        let number = |value: usize| FluentValue::from(i64::try_from(value).unwrap_or(i64::MAX));
        lookup(
            page_language::current(),
            "admin-containers-range",
            &[("first", number(self.first)), ("last", number(self.last)), ("total", number(self.total))],
        )
    }
}

#[derive(Template)]
#[template(path = "admin_containers_row.html")]
struct RowFragment {
    row: ContainerRow,
}

#[derive(Debug, Deserialize)]
pub struct ContainersParams {
    machine: Option<String>,
    owner: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// `GET /admin/containers?machine=ID&owner=NAME&status=S&page=N`: every
/// container, filtered, 50 a page, by machine and name.
pub async fn containers_page(page: PageContext, params: web::Query<ContainersParams>) -> Page {
    let PageContext { current, pool, .. } = page;
    answer(policy::may_list_every_container(&current.actor()))?;
    let chrome = Chrome::of(&current);
    let params = params.into_inner();
    let (machine, owner, status) = (given(&params.machine), given(&params.owner), given(&params.status));
    let machine_id = machine.as_deref().and_then(|id| id.parse::<i64>().ok());
    let wanted_owner = owner.clone();
    let wanted_status = status.clone();
    let (owner_id, on_machines, ids) = db::run(&pool, move |connection| {
        let owner_id = match wanted_owner.as_deref().map(Username::parse) {
            Some(Ok(name)) => users::find_by_username(connection, &name)?.map(|user| user.id.0),
            _ => None,
        };
        let on_machines: Vec<(String, String)> = machines::list(connection)?
            .into_iter()
            .map(|machine| (machine.id.to_string(), machine.name.to_string()))
            .collect();
        let filter = ListFilter { machine_id, owner_id, status: wanted_status, live_only: false };
        let ids = containers::ids_by_machine_and_name(connection, &filter)?;
        Ok::<_, AppError>((owner_id, on_machines, ids))
    })
    .await?;

    let message = match (&owner, owner_id) {
        (Some(name), None) => Some(lookup(
            page_language::current(),
            "admin-containers-no-user",
            &[("name", FluentValue::from(name.clone())), ("quoted", FluentValue::from(format!("{name:?}")))],
        )),
        _ => None,
    };
    let ids = if message.is_some() { Vec::new() } else { ids };
    let total = ids.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = params.page.as_deref().and_then(|page| page.trim().parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let link = |page: usize| {
        format!(
            "/admin/containers{}",
            query_string(&[
                ("machine", machine.clone()),
                ("owner", owner.clone()),
                ("status", status.clone()),
                ("page", Some(page.to_string())),
            ])
        )
    };
    let previous = (page > 1).then(|| link(page - 1));
    let next = (page < pages).then(|| link(page + 1));
    let first = (page - 1) * PAGE_SIZE;
    // Only the shown page's rows are read, each decided by the policy.
    let page_ids: Vec<i64> = ids.into_iter().skip(first).take(PAGE_SIZE).collect();
    let shown: Vec<ContainerRow> = db::run(&pool, move |connection| {
        let mut rows = visible_among(connection, &current, Some(&page_ids), &ListFilter::default())?;
        rows.sort_by_key(|row| page_ids.iter().position(|id| *id == row.id));
        Ok::<_, AppError>(rows.into_iter().map(|row| ContainerRow::of(row, None)).collect())
    })
    .await?;
    html(&ContainersPage {
        chrome,
        machines: choices(on_machines, machine.as_deref().unwrap_or_default()),
        statuses: choices(
            STATUSES.map(|status| (status.to_owned(), say("container-status", &[("status", text(status))]))),
            status.as_deref().unwrap_or_default(),
        ),
        owner: owner.unwrap_or_default(),
        message,
        first: if total == 0 { 0 } else { first + 1 },
        last: first + shown.len(),
        rows: shown,
        total,
        previous,
        next,
    })
}

/// One of the row's two forms: `owner` (a username; empty for none) with
/// the `in_quota` checkbox (adoption: it counts against her quota; the form
/// says it has the box with `in_quota_shown`, as an unticked box sends
/// nothing), or `parent` (a container id; empty for none). A field not sent
/// is left as it is.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    owner: Option<String>,
    parent: Option<String>,
    in_quota: Option<String>,
    in_quota_shown: Option<String>,
}

impl AssignForm {
    fn assign(self) -> Result<Assign, AppError> {
        let owner = self.owner.map(|owner| Some(owner.trim().to_owned()).filter(|owner| !owner.is_empty()));
        let parent = match self.parent.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(text) => {
                Some(Some(text.parse::<i64>().map_err(|_| AppError::invalid("error-machines-parent-not-an-id", &[]))?))
            }
        };
        let in_quota = self.in_quota_shown.map(|_| self.in_quota.is_some());
        Ok(Assign { owner, parent, in_quota })
    }
}

/// `POST /admin/containers/{id}/assign` (htmx, form `owner` and `in_quota`, or `parent`):
/// the updated row, or the row as it is with what went wrong.
pub async fn assign(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<AssignForm>) -> Page {
    let PageContext { current, pool, .. } = page;
    let id = ContainerId(path.into_inner());
    let reader = current.clone();
    match assign_container(current, &pool, id, move || form?.assign()).await {
        Ok(container) => html(&RowFragment { row: ContainerRow::of(container, Some((false, t("admin-saved")))) }),
        // Only admins assign: a member's refusal is the "not allowed" page, as the API's 403.
        Err(error) if is_page_error(&error) || error.code == ErrorCode::Forbidden => Err(PageError(error)),
        Err(error) => {
            let container =
                db::run(&pool, move |connection| load_allowed(connection, &reader, id, Action::ContainerView)).await?;
            html(&RowFragment { row: ContainerRow::of(container, Some((true, readable(&error)))) })
        }
    }
}

/// A row of the audit page.
struct AuditLine {
    at: String,
    actor: String,
    action: String,
    object: String,
    /// The page of a `container:N` or `service:N` object.
    link: Option<String>,
    machine: String,
    outcome: String,
    error_code: String,
    /// What exactly was asked (an exec's argv).
    detail: String,
    /// How many requests the row stands for (more than 1: aggregated refusals).
    count: i64,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    all: bool,
    outcomes: Vec<Choice>,
    actor: String,
    action: String,
    object: String,
    machine: String,
    rows: Vec<AuditLine>,
    newest: Option<String>,
    older: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    object: Option<String>,
    machine: Option<String>,
    before: Option<String>,
}

/// The page of an audit row's object: a container's or a service's.
fn object_page(object: &str) -> Option<String> {
    let (kind, id) = object.split_once(':')?;
    let id = id.parse::<i64>().ok()?;
    match kind {
        "container" => Some(format!("/containers/{id}")),
        "service" => Some(format!("/services/{id}")),
        _ => None,
    }
}

/// `GET /admin/audit?actor=&action=&outcome=&object=&machine=&before=ID`:
/// the audit log, newest first, 50 a page; `before` (the last id shown) is
/// the next page.
pub async fn audit_page(page: PageContext, params: web::Query<AuditParams>) -> Page {
    let PageContext { current, pool, .. } = page;
    let chrome = Chrome::of(&current);
    let all = policy::sees_every_audit_row(&current.actor());
    let params = params.into_inner();
    let filters = [
        ("actor", given(&params.actor)),
        ("action", given(&params.action)),
        ("outcome", given(&params.outcome)),
        ("object", given(&params.object)),
        ("machine", given(&params.machine)),
    ];
    let before = given(&params.before).and_then(|before| before.parse::<i64>().ok());
    let query = AuditQuery {
        actor: filters[0].1.clone(),
        action: filters[1].1.clone(),
        outcome: filters[2].1.clone(),
        object: filters[3].1.clone(),
        machine: filters[4].1.clone(),
        since: None,
        before,
        limit: PAGE_SIZE as i64,
    };
    let rows = search(&pool, current, query).await?;
    let older = (rows.len() == PAGE_SIZE).then(|| rows.last().map(|row| row.id)).flatten().map(|last| {
        let mut pairs = filters.to_vec();
        pairs.push(("before", Some(last.to_string())));
        format!("/admin/audit{}", query_string(&pairs))
    });
    let newest = before.map(|_| format!("/admin/audit{}", query_string(&filters)));
    let rows = rows
        .into_iter()
        .map(|row| AuditLine {
            at: when(row.at),
            link: object_page(&row.object),
            actor: row.actor,
            action: row.action,
            object: row.object,
            machine: row.machine.unwrap_or_default(),
            outcome: row.outcome,
            error_code: row.error_code.unwrap_or_default(),
            detail: row.detail.unwrap_or_default(),
            count: row.count,
        })
        .collect();
    let [actor, action, outcome, object, machine] = filters.map(|(_, value)| value.unwrap_or_default());
    html(&AuditPage {
        chrome,
        all,
        outcomes: choices(
            OUTCOMES.map(|outcome| (outcome.to_owned(), say("admin-audit-outcome", &[("outcome", text(outcome))]))),
            &outcome,
        ),
        actor,
        action,
        object,
        machine,
        rows,
        newest,
        older,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_rows_link_to_the_page_of_their_container_or_service_only() {
        assert_eq!(object_page("container:12").as_deref(), Some("/containers/12"));
        assert_eq!(object_page("service:7").as_deref(), Some("/services/7"));
        for none in ["service:new", "user:3", "machine:m1", "container", "session"] {
            assert_eq!(object_page(none), None, "{none}");
        }
    }
}
