//! The pages and fragments of the web UI (see `web` for the route table).

use std::collections::{HashMap, HashSet};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use smp_proto::api::StopRequest;

use super::i18n::{Translate as _, lookup, t, text};
use super::provisioning::{ChildRow, allowed, children_of, config_section};
use super::services::{ServiceRow, container_services, dashboard_services};
use super::terminals::{SessionRow, may_open_terminal, session_rows};
use super::{Chrome, Page, PageContext, PageError, PageUser, html, readable, when};
use crate::app::CurrentUser;
use crate::app::containers::{lifecycle, load_allowed, view_container, visible_among};
use crate::app::jobs::{self, JobState};
use crate::app::networks::{ForwardView, reachability};
use crate::app::sessions::{PasswordStep, SESSION_LIFETIME_S, sign_out};
use crate::app::totp::{SecondFactor, withheld};
use crate::db::containers::{self, Container, ContainerId, ListFilter};
use crate::db::networks::StaticAddress;
use crate::db::users::User;
use crate::db::{self, DbPool};
use crate::domain::language::Language;
use crate::error::{AppError, ErrorCode};
use crate::http::auth::session_cookie_for;
use crate::http::sign_in::{sign_in_or_ask, sign_in_with_code};
use crate::http::{AppState, page_language};
use crate::policy::{Action, Object};

fn addresses(container: &Container) -> String {
    let list: Vec<String> = serde_json::from_str(&container.addresses).unwrap_or_default();
    if list.is_empty() { super::i18n::t("panel-none") } else { list.join(", ") }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    username_value: String,
    /// Offer "Create an account" (`Config::allow_signup`).
    signup: bool,
    /// The code step: the ticket of the login whose password was right.
    ticket: Option<String>,
    /// "Sign in with {name}" (`[oidc]`).
    provider: Option<String>,
    /// The switcher's languages.
    languages: [Language; 3],
}

impl LoginPage {
    fn new(error: Option<String>, username_value: String, state: &AppState) -> LoginPage {
        LoginPage {
            chrome: Chrome::default(),
            error,
            username_value,
            signup: state.allow_signup,
            ticket: None,
            provider: state.oidc.as_ref().map(|provider| provider.name().to_owned()),
            languages: Language::ALL,
        }
    }
}

/// The login page's switcher: `?lang=fr`.
#[derive(Deserialize)]
pub struct LanguageQuery {
    lang: Option<String>,
}

/// `GET /login` (signed in already: the dashboard); `?lang=` (the
/// switcher) answers in that language and keeps it in a cookie for the
/// visitor's next pages.
pub async fn login_page(
    current: Result<CurrentUser, AppError>,
    state: web::Data<AppState>,
    query: web::Query<LanguageQuery>,
) -> Page {
    if current.is_ok() {
        return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).finish());
    }
    let Some(language) = query.lang.as_deref().and_then(Language::parse) else {
        return html(&LoginPage::new(None, String::new(), &state));
    };
    page_language::choose(language);
    let mut response = html(&LoginPage::new(None, String::new(), &state))?;
    let cookie = Cookie::build(page_language::LANGUAGE_COOKIE, language.code())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// `POST /login`: the session cookie and the dashboard (an admin whose
/// rights wait for TOTP: the security page), the code step for an account
/// with TOTP (no session yet), or the form again with what went wrong in
/// words.
pub async fn login_submit(
    request: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Page {
    let LoginForm { username, password } = form.into_inner();
    match sign_in_or_ask(&request, &pool, &state, username.clone(), password).await {
        Ok(PasswordStep::SignedIn(user, secret, _)) => signed_in(&state, &pool, &user, &secret).await,
        Ok(PasswordStep::CodeNeeded(ticket)) => html(&code_step(&state, ticket)),
        Err(error) => login_refused(&state, error, username, None),
    }
}

#[derive(Deserialize)]
pub struct LoginCodeForm {
    ticket: String,
    code: String,
}

/// `POST /login/code`: the second step; a wrong code asks again (until
/// the login's tries are used up, then the password again).
pub async fn login_code(
    request: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    form: web::Form<LoginCodeForm>,
) -> Page {
    let LoginCodeForm { ticket, code } = form.into_inner();
    match sign_in_with_code(&request, &pool, &state, ticket.clone(), SecondFactor::typed(code)).await {
        Ok((user, secret, _)) => signed_in(&state, &pool, &user, &secret).await,
        Err(error) => {
            let ticket = (error.code == ErrorCode::TotpInvalid).then_some(ticket);
            login_refused(&state, error, String::new(), ticket)
        }
    }
}

/// The login page's code step for the login of `ticket`.
pub(super) fn code_step(state: &AppState, ticket: String) -> impl Template {
    LoginPage { ticket: Some(ticket), ..LoginPage::new(None, String::new(), state) }
}

/// The session cookie, and the dashboard (or, for an admin whose rights
/// wait for TOTP, the security page to enrol).
async fn signed_in(state: &AppState, pool: &DbPool, user: &User, secret: &str) -> Page {
    let next = after_sign_in(state, pool, user).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session_cookie_for(Some(secret), SESSION_LIFETIME_S, state.secure_cookies))
        .insert_header((header::LOCATION, next))
        .finish())
}

/// Where she goes once signed in: the dashboard, or for an admin whose
/// rights wait for TOTP the security page to enrol.
pub(super) async fn after_sign_in(state: &AppState, pool: &DbPool, user: &User) -> Result<&'static str, AppError> {
    Ok(if withheld(&state.app, pool, user).await? { "/account/security" } else { "/" })
}

/// The login page again with what went wrong in words (`ticket`: the code step again).
pub(super) fn login_refused(state: &AppState, error: AppError, username: String, ticket: Option<String>) -> Page {
    let message = match error.code {
        ErrorCode::InvalidCredentials => t("login-refused-credentials"),
        ErrorCode::RateLimited => t("login-refused-rate-limited"),
        ErrorCode::ApprovalPending => t("login-refused-approval-pending"),
        ErrorCode::AccountDisabled => t("login-refused-disabled"),
        ErrorCode::DirectoryUnavailable => t("login-refused-directory-unavailable"),
        // A directory account in no group that may use the panel (`app::ldap`).
        ErrorCode::Forbidden => lookup(
            page_language::current(),
            "login-refused-forbidden",
            &[("why", text(error.message_in(page_language::current())))],
        ),
        // An OpenID Connect sign-in (`app::oidc`): its message says what went wrong.
        ErrorCode::SignInFailed | ErrorCode::ProviderUnavailable => readable(&error),
        ErrorCode::TotpInvalid => t("login-refused-code-wrong"),
        ErrorCode::Unauthenticated | ErrorCode::TotpRequired => t("login-refused-expired"),
        _ => return Err(error.into()),
    };
    let page = LoginPage { ticket, ..LoginPage::new(Some(message), username, state) };
    let body = page.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(error.code.status()).content_type("text/html; charset=utf-8").body(body))
}

/// `POST /logout` (htmx, with the CSRF header): ends the session, then the login page.
pub async fn logout(page: PageContext) -> Page {
    let PageContext { current, state, pool } = page;
    sign_out(current, &pool).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie_for(None, 0, state.secure_cookies))
        .insert_header(("HX-Redirect", "/login"))
        .finish())
}

/// One line of a container list, in tree order.
struct Row {
    id: i64,
    name: String,
    machine: String,
    status: String,
    addresses: String,
    synced_at_iso: String,
    synced_at: i64,
    depth: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    chrome: Chrome,
    rows: Vec<Row>,
    services: Vec<ServiceRow>,
    /// Offer "New container" (policy `ContainerCreate`).
    may_create: bool,
    /// The shared terminal sessions she owns or is invited to.
    terminal_sessions: Vec<SessionRow>,
}

/// Containers in tree order: each parent (that is in the list) followed by
/// its children, roots by name.
fn tree_rows(containers: Vec<Container>) -> Vec<Row> {
    let ids: HashSet<i64> = containers.iter().map(|container| container.id).collect();
    let mut children: HashMap<Option<i64>, Vec<Container>> = HashMap::new();
    for container in containers {
        let parent = container.parent_id.filter(|parent| ids.contains(parent));
        children.entry(parent).or_default().push(container);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    let mut rows = Vec::new();
    let mut stack: Vec<(Container, usize)> =
        children.remove(&None).unwrap_or_default().into_iter().rev().map(|container| (container, 0)).collect();
    while let Some((container, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(container.id)) {
            stack.extend(kids.into_iter().rev().map(|kid| (kid, depth + 1)));
        }
        rows.push(Row {
            id: container.id,
            addresses: addresses(&container),
            synced_at_iso: when(container.synced_at),
            synced_at: container.synced_at,
            name: container.name,
            machine: container.machine,
            status: container.status,
            depth: depth.min(3),
        });
    }
    rows
}

/// `GET /`: the containers the user owns and the sub-containers below
/// them, and the services she owns or that run on those trees.
pub async fn dashboard(page: PageContext) -> Page {
    let PageContext { current, pool, state } = page;
    let chrome = Chrome::of(&current);
    let may_create = current.decide(Action::ContainerCreate, &Object::Nothing).is_ok();
    let mut terminal_sessions = session_rows(&current, &state.app, None, None);
    terminal_sessions.retain(|session| session.shared);
    let (rows, services) = db::run(&pool, move |connection| {
        let mine = containers::tree_ids_of(connection, current.user.id.0)?;
        let rows = visible_among(connection, &current, Some(&mine), &ListFilter::default())?;
        let services = dashboard_services(connection, &current, &mine)?;
        Ok::<_, AppError>((rows, services))
    })
    .await?;
    html(&Dashboard { chrome, rows: tree_rows(rows), services, may_create, terminal_sessions })
}

#[derive(Template)]
#[template(path = "container.html")]
struct ContainerPage {
    chrome: Chrome,
    id: i64,
    name: String,
    machine: String,
    /// The status block (`StatusFragment`), rendered.
    status: String,
    /// The panel services on this container, and whether she may add one.
    services: Vec<ServiceRow>,
    may_add_service: bool,
    /// The configuration section (`provisioning::config_section`), rendered.
    config: String,
    /// Its live sub-containers she may see, and whether she may add one.
    children: Vec<ChildRow>,
    may_add_child: bool,
    /// Offer "Open terminal" and "Start a shared session" (policy `ContainerTerminal`).
    may_open_terminal: bool,
    /// Whether the Snapshots section shows (its owners, admins; a live container).
    may_snapshot: bool,
    /// Her open terminal sessions on it, owned or invited (the name
    /// `container_terminal_sessions.html` reads).
    sessions: Vec<SessionRow>,
    /// Whether she may see how it is reached (policy `ContainerForward`).
    shows_reach: bool,
    /// Its fixed addresses, one line per network.
    fixed_addresses: Vec<String>,
    /// Its forwards: "tcp port 22: reach it at 203.0.113.7:20022".
    forwards: Vec<String>,
    /// Its DNS name, `<container>.<machine>.<zone>`, when the panel answers DNS.
    dns_name: Option<String>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusFragment {
    status: String,
    addresses: String,
    synced_at_iso: String,
    error: Option<String>,
}

impl StatusFragment {
    fn of(container: &Container) -> StatusFragment {
        StatusFragment {
            status: container.status.clone(),
            addresses: addresses(container),
            synced_at_iso: when(container.synced_at),
            error: container.error.as_deref().map(super::sentence),
        }
    }
}

async fn viewable(current: CurrentUser, pool: &DbPool, id: i64) -> Result<Container, PageError> {
    Ok(view_container(current, pool, ContainerId(id)).await?)
}

/// `GET /containers/{id}`: the same 404 page for a hidden container as for a missing one.
pub async fn container(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, state } = page;
    let chrome = Chrome::of(&current);
    let id = ContainerId(path.into_inner());
    let sessions = session_rows(&current, &state.app, Some(id), None);
    let reach = reachability(current.clone(), &pool, id).await.ok();
    let (container, services, config, children, may_add_child, may_open_terminal, may_snapshot) =
        db::run(&pool, move |connection| {
            let container = load_allowed(connection, &current, id, Action::ContainerView)?;
            let services = container_services(connection, &current, id)?;
            let config = config_section(connection, &current, &container, None, None)?;
            let children = children_of(connection, &current, id)?;
            let may_add_child =
                !container.is_gone() && allowed(load_allowed(connection, &current, id, Action::ContainerCreate))?;
            let may_open_terminal = !container.is_gone() && may_open_terminal(connection, &current, id)?;
            let may_snapshot = !container.is_gone()
                && container.status != crate::db::containers::STATUS_CREATING
                && allowed(load_allowed(connection, &current, id, Action::ContainerSnapshot))?;
            Ok::<_, AppError>((container, services, config, children, may_add_child, may_open_terminal, may_snapshot))
        })
        .await?;
    let config = config.render().map_err(AppError::internal)?;
    let dns_name = state.dns_zone.as_ref().map(|zone| format!("{}.{}.{zone}", container.name, container.machine));
    html(&ContainerPage {
        chrome,
        id: container.id,
        status: StatusFragment::of(&container).render().map_err(AppError::internal)?,
        name: container.name,
        machine: container.machine,
        services: services.rows,
        may_add_service: services.may_add,
        config,
        children,
        may_add_child,
        may_open_terminal,
        may_snapshot,
        sessions,
        shows_reach: reach.is_some(),
        fixed_addresses: reach.iter().flat_map(|reach| reach.addresses.iter()).map(fixed_address).collect(),
        forwards: reach.iter().flat_map(|reach| reach.forwards.iter()).map(forward_line).collect(),
        dns_name,
    })
}

/// "lxdbr0: 10.77.0.50, fd42:77::50".
fn fixed_address(address: &StaticAddress) -> String {
    let ips: Vec<String> =
        [address.ipv4.map(|ip| ip.to_string()), address.ipv6.map(|ip| ip.to_string())].into_iter().flatten().collect();
    format!("{}: {}", address.network, ips.join(", "))
}

/// "tcp port 22: reach it at 203.0.113.7:20022".
fn forward_line(forward: &ForwardView) -> String {
    let row = &forward.row;
    match &forward.reach {
        Some(reach) => format!("{} port {}: reach it at {reach}", row.protocol.as_str(), row.target_port),
        None => format!(
            "{} port {} from port {} of machine {}",
            row.protocol.as_str(),
            row.target_port,
            row.listen_port,
            row.machine
        ),
    }
}

/// `GET /containers/{id}/status`: the status block, which the page polls.
pub async fn container_status(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let container = viewable(current, &pool, path.into_inner()).await?;
    html(&StatusFragment::of(&container))
}

/// What the job fragment shows.
pub enum JobView {
    Running { label: String, id: i64 },
    Done { message: String },
    Failed { message: String },
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobFragment {
    outcome: JobView,
}

#[derive(Deserialize)]
pub struct ActionQuery {
    #[serde(default)]
    force: bool,
}

/// `POST /containers/{id}/{start|stop|restart}[?force=true]`: answers at
/// once with a job the page polls; the action runs in the background,
/// audited like the API's.
pub async fn container_action(page: PageContext, path: web::Path<i64>, query: web::Query<ActionQuery>) -> Page {
    let PageContext { current, state, pool } = page;
    let id = path.into_inner();
    // The route's audit action names the action (see `web::action`).
    let (action, verb) = match current.action {
        "container.start" => (Action::ContainerStart, "start"),
        "container.stop" => (Action::ContainerStop, "stop"),
        _ => (Action::ContainerRestart, "restart"),
    };
    // The job's texts are written when it ends, after this request: in the language read now.
    let language = page_language::current();
    // Decide now, so that a hidden container answers the 404 page at once
    // (audited as a refusal, like the API's).
    let container = match viewable(current.clone(), &pool, id).await {
        Ok(container) => container,
        Err(PageError(error)) => {
            return Err(PageError(
                crate::app::audited::refused(&pool, current.audit(format!("container:{id}")), error).await,
            ));
        }
    };
    let label = lookup(language, "job-container-action", &[("action", text(verb)), ("name", text(&container.name))]);
    let request = StopRequest { force: query.force, ..StopRequest::default() };
    let name = container.name;
    let owner = current.user.id.0;
    let work_pool = pool.clone();
    let work = async move {
        let answer =
            lifecycle(current, state.app.clone(), &work_pool, ContainerId(id), action, move || Ok(request)).await?;
        let status = lookup(language, "container-status", &[("status", text(answer.status.as_str()))]);
        let seconds = format!("{:.1}", answer.duration_ms as f64 / 1000.0);
        Ok(JobState::Done(lookup(
            language,
            "job-container-done",
            &[("name", text(&name)), ("status", text(status)), ("seconds", text(seconds))],
        )))
    };
    let job = jobs::start(&pool, owner, label.clone(), work).await?;
    job_started(label, job)
}

/// The event a finished job's answer triggers (`HX-Trigger`), so that
/// panels showing what it changed can reload (`hx-trigger="job-done from:body"`).
pub const JOB_DONE_EVENT: &str = "job-done";

/// `GET /jobs/{id}`: the job's progress, then its outcome.
pub async fn job(PageUser(current): PageUser, pool: web::Data<DbPool>, path: web::Path<i64>) -> Page {
    let id = path.into_inner();
    let (label, job) = jobs::read(&pool, id, current.user.id.0).await?.ok_or_else(AppError::not_found)?;
    let outcome = match job {
        JobState::Running => return html(&JobFragment { outcome: JobView::Running { label, id } }),
        JobState::Done(message) => JobView::Done { message },
        JobState::Failed(message) => JobView::Failed { message: failed(&label, &message) },
    };
    let mut answer = html(&JobFragment { outcome })?;
    answer
        .headers_mut()
        .insert(header::HeaderName::from_static("hx-trigger"), header::HeaderValue::from_static(JOB_DONE_EVENT));
    Ok(answer)
}

/// "Restarting c1 failed: why" in the page's language.
fn failed(label: &str, why: &str) -> String {
    lookup(page_language::current(), "job-failed", &[("label", text(label)), ("why", text(why))])
}

/// The first answer of a job started by a page: its progress, which polls `/jobs/{id}`.
pub(crate) fn job_started(label: String, id: i64) -> Page {
    html(&JobFragment { outcome: JobView::Running { label, id } })
}

/// A job's outcome shown at once (an action decided before it became a job).
pub(crate) fn job_outcome(label: &str, state: JobState) -> Page {
    let outcome = match state {
        JobState::Running => return Err(AppError::internal("a job outcome that is still running").into()),
        JobState::Done(message) => JobView::Done { message },
        JobState::Failed(message) => JobView::Failed { message: failed(label, &message) },
    };
    html(&JobFragment { outcome })
}
