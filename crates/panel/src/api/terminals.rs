//! Terminals: tickets for `/api/v1/terminal` (the WebSocket, in `ws`), and
//! shared terminal sessions; the use cases are `app::terminals`.

use actix_web::web;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::params::ContainerPath;
use crate::api::responses::{
    AllowedChange, BodyTooLarge, ContainerGone, HiddenContainer, Internal, NotFound, SignedIn,
};
use crate::api::{Answer, Items, created, json};
use crate::app::terminals::{self, Participant, ParticipantMode, SessionView, TicketAnswer, TicketRequest};
use crate::db::containers::ContainerId;
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionPath {
    /// The session's id (12 hex digits).
    pub id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ParticipantPath {
    /// The session's id.
    pub id: String,
    /// The participant's username.
    pub username: String,
}

/// `POST /api/v1/terminal-sessions`'s body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub container_id: i64,
}

/// `PUT …/participants/{username}`'s body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantBody {
    pub mode: ParticipantMode,
}

/// A ticket for a terminal on the container (audited)
///
/// Send the ticket as the first message of `GET /api/v1/terminal` (a
/// WebSocket), within `expires_in` seconds (30 unless configured); it opens once. `session` takes back one's own
/// open session (after a reload).
#[utoipa::path(post, path = "/api/v1/containers/{id}/terminal", params(ContainerPath),
    request_body = TicketRequest, responses(
    (status = 200, description = "The ticket.", body = TicketAnswer),
    (status = 422, description = "`invalid_input`: a malformed body.", body = ErrorBody),
    (status = 429, description = "`limit_reached`: too many unused tickets, or (for a new terminal) she owns \
        `max_terminals_per_user` sessions already.", body = ErrorBody),
    AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, Internal,
))]
pub async fn terminal_ticket(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let request: TicketRequest = body.json()?;
    json(terminals::request_ticket(acting.current, acting.context, &acting.pool, ContainerId(path.id), request).await?)
}

/// Start a shared terminal session on one's container (audited)
#[utoipa::path(post, path = "/api/v1/terminal-sessions", request_body = NewSession, responses(
    (status = 201, description = "The session; its shell opens when its first socket attaches.", body = SessionView),
    (status = 422, description = "`invalid_input`: a malformed body.", body = ErrorBody),
    (status = 429, description = "`limit_reached`: she owns as many sessions as allowed.", body = ErrorBody),
    AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, Internal,
))]
pub async fn create_session(acting: Acting, body: Body) -> Answer {
    let request: NewSession = body.json()?;
    let id = ContainerId(request.container_id);
    created(terminals::create_shared(acting.current, acting.context, &acting.pool, id).await?)
}

/// The terminal sessions one owns or is invited to
#[utoipa::path(get, path = "/api/v1/terminal-sessions", responses(
    (status = 200, description = "The sessions, oldest first.", body = Items<SessionView>),
    SignedIn, Internal,
))]
pub async fn list_sessions(acting: Acting) -> Answer {
    json(Items { items: terminals::list_sessions(&acting.current, &acting.context, None) })
}

/// End a terminal session for everyone (audited)
#[utoipa::path(delete, path = "/api/v1/terminal-sessions/{id}", params(SessionPath), responses(
    (status = 204, description = "Ended: every socket of it is closed."),
    AllowedChange, NotFound, Internal,
))]
pub async fn end_session(acting: Acting, path: web::Path<SessionPath>) -> Answer {
    terminals::end_session(acting.current, acting.context, &acting.pool, path.into_inner().id).await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// Invite a member to a shared session, or change her mode (audited)
#[utoipa::path(put, path = "/api/v1/terminal-sessions/{id}/participants/{username}", params(ParticipantPath),
    request_body = ParticipantBody, responses(
    (status = 200, description = "The participant.", body = Participant),
    (status = 422, description = "`invalid_input`: no such member who can be invited, or a malformed body.", body = ErrorBody),
    (status = 429, description = "`limit_reached`: the session is full.", body = ErrorBody),
    AllowedChange, NotFound, BodyTooLarge, Internal,
))]
pub async fn set_participant(acting: Acting, path: web::Path<ParticipantPath>, body: Body) -> Answer {
    let ParticipantBody { mode } = body.json()?;
    let ParticipantPath { id, username } = path.into_inner();
    json(terminals::set_participant(acting.current, acting.context, &acting.pool, id, username, mode).await?)
}

/// Remove a participant; her socket closes at once (audited)
#[utoipa::path(delete, path = "/api/v1/terminal-sessions/{id}/participants/{username}", params(ParticipantPath),
    responses(
    (status = 204, description = "Removed."),
    AllowedChange, NotFound, Internal,
))]
pub async fn remove_participant(acting: Acting, path: web::Path<ParticipantPath>) -> Answer {
    let ParticipantPath { id, username } = path.into_inner();
    terminals::remove_participant(acting.current, acting.context, &acting.pool, id, username).await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// A ticket to join a terminal session (audited)
#[utoipa::path(post, path = "/api/v1/terminal-sessions/{id}/ticket", params(SessionPath), responses(
    (status = 200, description = "The ticket.", body = TicketAnswer),
    (status = 429, description = "`limit_reached`: too many unused tickets.", body = ErrorBody),
    AllowedChange, NotFound, Internal,
))]
pub async fn session_ticket(acting: Acting, path: web::Path<SessionPath>) -> Answer {
    json(terminals::session_ticket(acting.current, acting.context, &acting.pool, path.into_inner().id).await?)
}
