//! The terminal pages (issue 15): `/containers/{id}/terminal` (a shell or
//! the container's console in xterm.js, the whole window), the shared
//! session's page `/terminal-sessions/{id}` (the same terminal, who is in
//! it and, for its owner, who may join), and the container page's and the
//! dashboard's lists of open sessions.
//!
//! The pages carry no secret: `assets/terminal.js` asks the JSON API for a
//! ticket (with the session's CSRF token, from `<body hx-headers>`) and
//! sends it as the first message of `/api/v1/terminal`. Every decision is
//! `app::terminals`' and `app::containers::load_allowed`'s, as for the API:
//! a container or session she may not use is the one 404 page.
//!
//! xterm.js creates `<style>` elements (its DOM renderer's sizes and
//! colours), which the pages' strict CSP (`style-src 'self'`) refuses. These
//! pages' answers carry the same CSP with a nonce made fresh for each
//! answer added to `style-src` (`StyleNonce`); terminal.js reads it from its
//! own `<script>` element and stamps it on each `<style>` element created,
//! before xterm.js runs. No `'unsafe-inline'`: a style an attacker injects
//! into the page has no nonce, and the nonce changes with every answer.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use rand::Rng as _;
use serde::Deserialize;

use super::i18n::Translate as _;
use super::panels::error_fragment;
use super::provisioning::allowed;
use super::{CONTENT_SECURITY_POLICY, Chrome, Page, PageContext, html, when};
use crate::app::CurrentUser;
use crate::app::containers::load_allowed;
use crate::app::terminals::{
    self, Participant, ParticipantMode, SessionView, TerminalKind, create_shared, end_session, session_view,
};
use crate::db::containers::ContainerId;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::policy::Action;

/// A nonce for the styles of one answer: 128 random bits in hex (hex digits
/// are within the CSP grammar of a nonce, which is base64's alphabet).
pub(crate) struct StyleNonce(String);

impl StyleNonce {
    pub(crate) fn fresh() -> StyleNonce {
        let bytes: [u8; 16] = rand::rng().random();
        StyleNonce(hex::encode(bytes))
    }

    /// The pages' policy, with `style-src` also allowing this nonce.
    pub(crate) fn policy(&self) -> String {
        CONTENT_SECURITY_POLICY.replacen("style-src 'self'", &format!("style-src 'self' 'nonce-{}'", self.0), 1)
    }
}

/// `template` with its own CSP (`nonce`'s), never cached: a nonce is good
/// for one answer only.
fn nonced(template: &impl Template, nonce: &StyleNonce) -> Page {
    let mut answer = html(template)?;
    let policy = HeaderValue::from_str(&nonce.policy()).map_err(AppError::internal)?;
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(answer)
}

#[derive(Template)]
#[template(path = "terminal.html")]
struct TerminalPage {
    chrome: Chrome,
    nonce: String,
    id: i64,
    name: String,
    console: bool,
}

#[derive(Deserialize)]
pub struct TerminalQuery {
    mode: Option<String>,
}

/// `GET /containers/{id}/terminal[?mode=console]`: the terminal page
/// (policy `ContainerTerminal`: a service owner or a bystander gets the 404
/// page of a missing container).
pub async fn terminal_page(page: PageContext, path: web::Path<i64>, query: web::Query<TerminalQuery>) -> Page {
    let PageContext { current, pool, .. } = page;
    let chrome = Chrome::of(&current);
    let id = ContainerId(path.into_inner());
    let container =
        db::run(&pool, move |connection| load_allowed(connection, &current, id, Action::ContainerTerminal)).await?;
    let nonce = StyleNonce::fresh();
    let page = TerminalPage {
        chrome,
        nonce: nonce.0.clone(),
        id: container.id,
        name: container.name,
        console: query.mode.as_deref() == Some("console"),
    };
    nonced(&page, &nonce)
}

#[derive(Template)]
#[template(path = "terminal_session.html")]
struct SessionPage {
    chrome: Chrome,
    nonce: String,
    session: SessionView,
    /// She owns it: the invite form, the mode toggles, Remove and End.
    owner: bool,
    /// Its container's page, when she may see it.
    container_link: bool,
}

/// `GET /terminal-sessions/{id}`: a shared session's page, for its owner
/// and those she invited (policy `TerminalSessionJoin`; anyone else gets the
/// 404 page of an unknown session).
pub async fn session_page(page: PageContext, path: web::Path<String>) -> Page {
    let PageContext { current, state, pool } = page;
    let chrome = Chrome::of(&current);
    let session = session_view(&current, &state.app, &path.into_inner())?;
    let owner =
        session.participants.iter().any(|participant| participant.owner && participant.user_id == current.user.id.0);
    let container = ContainerId(session.container_id);
    let container_link =
        db::run(&pool, move |connection| allowed(load_allowed(connection, &current, container, Action::ContainerView)))
            .await?;
    let nonce = StyleNonce::fresh();
    nonced(&SessionPage { chrome, nonce: nonce.0.clone(), session, owner, container_link }, &nonce)
}

// ---------------------------------------------------------------- lists

/// An open session as the container page and the dashboard list it.
pub struct SessionRow {
    pub id: String,
    pub container: String,
    pub owner: String,
    pub kind: TerminalKind,
    pub shared: bool,
    pub started: String,
    /// "alice (owner), bob (read)".
    pub participants: String,
    /// She owns it: she may end it.
    pub mine: bool,
}

impl SessionRow {
    fn of(view: SessionView, me: &CurrentUser) -> SessionRow {
        let label = |participant: &Participant| match (participant.owner, participant.mode) {
            (true, _) => format!("{} (owner)", participant.username),
            (false, ParticipantMode::Read) => format!("{} (read)", participant.username),
            (false, ParticipantMode::Write) => format!("{} (write)", participant.username),
        };
        SessionRow {
            mine: view.participants.iter().any(|participant| participant.owner && participant.user_id == me.user.id.0),
            participants: view.participants.iter().map(label).collect::<Vec<_>>().join(", "),
            started: when(view.created_at),
            id: view.id,
            container: view.container,
            owner: view.owner,
            kind: view.kind,
            shared: view.shared,
        }
    }
}

/// The sessions `current` owns or is invited to (on container `id` only,
/// when given), without `ended` (which its task is still closing).
pub(crate) fn session_rows(
    current: &CurrentUser,
    context: &crate::app::Context,
    id: Option<ContainerId>,
    ended: Option<&str>,
) -> Vec<SessionRow> {
    terminals::list_sessions(current, context, id)
        .into_iter()
        .filter(|view| Some(view.id.as_str()) != ended)
        .map(|view| SessionRow::of(view, current))
        .collect()
}

/// The container page's Terminal section: whether she may open one here.
pub(crate) fn may_open_terminal(
    connection: &mut DbConnection,
    current: &CurrentUser,
    id: ContainerId,
) -> Result<bool, AppError> {
    allowed(load_allowed(connection, current, id, Action::ContainerTerminal))
}

#[derive(Template)]
#[template(path = "container_terminal_sessions.html")]
pub(crate) struct SessionsFragment {
    pub id: i64,
    pub sessions: Vec<SessionRow>,
}

/// `POST /containers/{id}/terminal-sessions` (htmx): starts a shared
/// session on the container (policy `ContainerTerminal`), then its page.
pub async fn start_shared(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, state, pool } = page;
    match create_shared(current, state.app.clone(), &pool, ContainerId(path.into_inner())).await {
        Ok(session) => {
            Ok(HttpResponse::Ok().insert_header(("HX-Redirect", format!("/terminal-sessions/{}", session.id))).finish())
        }
        Err(error) => error_fragment(error),
    }
}

/// `POST /containers/{id}/terminal-sessions/{session}/end` (htmx): ends the
/// session for everyone (policy `TerminalSessionManage`), then the
/// container's list of sessions again.
pub async fn end(page: PageContext, path: web::Path<(i64, String)>) -> Page {
    let PageContext { current, state, pool } = page;
    let (id, session) = path.into_inner();
    if let Err(error) = end_session(current.clone(), state.app.clone(), &pool, session.clone()).await {
        return error_fragment(error);
    }
    let sessions = session_rows(&current, &state.app, Some(ContainerId(id)), Some(&session));
    html(&SessionsFragment { id, sessions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_pages_policy_adds_a_fresh_nonce_to_style_src_and_nothing_else() {
        let (one, two) = (StyleNonce::fresh(), StyleNonce::fresh());
        assert_ne!(one.0, two.0);
        assert_eq!(one.0.len(), 32);
        let policy = one.policy();
        assert!(policy.contains(&format!("style-src 'self' 'nonce-{}';", one.0)), "{policy}");
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert_eq!(policy.replace(&format!(" 'nonce-{}'", one.0), ""), CONTENT_SECURITY_POLICY);
    }
}
