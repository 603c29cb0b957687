//! `/api/v1/containers`: the list and one container as the policy lets the
//! caller see them, and the actions (start, stop, restart, exec, state,
//! logs) sent to the machine's agent; the use cases are `app::containers`.

use actix_web::web;
use serde::Deserialize;
use smp_proto::api::{ContainerState, ExecAnswer, ExecRequest, LifecycleAnswer, LogsAnswer, LogsQuery, StopRequest};
use utoipa::IntoParams;

use crate::api::params::ContainerPath;
use crate::api::responses::{
    AgentCallFailures, Allowed, AllowedChange, BadQuery, BodyTooLarge, ContainerGone, HiddenContainer, Internal,
    SignedIn,
};
use crate::api::{Answer, json};
use crate::app::containers::{self, ContainerFilter, ContainerView, PageRequest};
use crate::db::containers::ContainerId;
use crate::error::{AppError, ErrorBody};
use crate::http::Acting;
use crate::http::body::Body;
use crate::policy::Action;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this machine's containers.
    machine_id: Option<i64>,
    /// A username.
    owner: Option<String>,
    /// As last seen, e.g. `running`.
    status: Option<String>,
    /// `false` leaves out containers that are gone (default: shown).
    gone: Option<bool>,
    /// At most this many (1 to 1000; default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// Only those after this id: the previous page's `next`.
    after: Option<i64>,
}

/// A page of containers, by id.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ContainerPage {
    pub items: Vec<ContainerView>,
    /// Pass it as `after` for the next page; `null`: this was the last.
    pub next: Option<i64>,
}

/// The containers the caller may see, a page at a time
///
/// Admins' lists start from all rows, members' from the trees they own (the
/// policy shows a member nothing else); each row is then decided. By id,
/// `limit` at a time (100 unless asked); `next` is the `after` of the next
/// page, `null` on the last.
#[utoipa::path(get, path = "/api/v1/containers", params(ListQuery), responses(
    (status = 200, description = "A page of the containers.", body = ContainerPage),
    (status = 422, description = "`invalid_input`: `limit` outside 1 to 1000.", body = ErrorBody),
    SignedIn, BadQuery, Internal,
))]
pub async fn list_containers(acting: Acting, query: web::Query<ListQuery>) -> Answer {
    let ListQuery { machine_id, owner, status, gone, limit, after } = query.into_inner();
    let filter = ContainerFilter { machine_id, owner, status, live_only: gone == Some(false) };
    let page = PageRequest { after, limit };
    let (items, next) = containers::list_containers(acting.current, &acting.pool, filter, page).await?;
    json(ContainerPage { items, next })
}

/// One container
#[utoipa::path(get, path = "/api/v1/containers/{id}", params(ContainerPath), responses(
    (status = 200, description = "The container.", body = ContainerView),
    Allowed, HiddenContainer, Internal,
))]
pub async fn get_container(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    json(ContainerView::from(containers::view_container(acting.current, &acting.pool, ContainerId(path.id)).await?))
}

/// The container's last log lines from its agent
#[utoipa::path(get, path = "/api/v1/containers/{id}/logs", params(ContainerPath, LogsQuery), responses(
    (status = 200, description = "The last lines, newest last.", body = LogsAnswer),
    (status = 422, description = "`invalid_input`: a bad `lines` or `source`.", body = ErrorBody),
    Allowed, HiddenContainer, ContainerGone, AgentCallFailures,
))]
pub async fn container_logs(acting: Acting, path: web::Path<ContainerPath>, query: web::Query<LogsQuery>) -> Answer {
    let id = ContainerId(path.id);
    json(containers::logs_of(acting.current, acting.context, &acting.pool, id, query.into_inner()).await?)
}

/// The container's live state from its agent
#[utoipa::path(get, path = "/api/v1/containers/{id}/state", params(ContainerPath), responses(
    (status = 200, description = "A documented subset of LXD's state.", body = ContainerState),
    Allowed, HiddenContainer, ContainerGone, AgentCallFailures,
))]
pub async fn container_state(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    json(containers::state_of(acting.current, acting.context, &acting.pool, ContainerId(path.id)).await?)
}

/// Start the container (audited)
#[utoipa::path(post, path = "/api/v1/containers/{id}/start", params(ContainerPath), responses(
    (status = 200, description = "Its status once LXD is done.", body = LifecycleAnswer),
    (status = 422, description = "`invalid_input`: a malformed body, or the agent refused the \
        request.", body = ErrorBody),
    AllowedChange, HiddenContainer, ContainerGone, AgentCallFailures,
))]
pub async fn start_container(acting: Acting, path: web::Path<ContainerPath>) -> Answer {
    lifecycle(acting, path, Action::ContainerStart, || Ok(StopRequest::default())).await
}

/// `POST /api/v1/containers/{id}/stop` and `/restart`: one use case, a
/// body (`{"force":false,"timeout_s":30}`) that may be left out.
macro_rules! stop_route {
    ($name:ident, $verb:literal, $summary:literal, $action:expr) => {
        #[utoipa::path(
            post, path = concat!("/api/v1/containers/{id}/", $verb), summary = $summary, params(ContainerPath),
            request_body(content = StopRequest, description = "Optional: an empty body is the defaults."),
            responses(
                (status = 200, description = "Its status once LXD is done.", body = LifecycleAnswer),
                (status = 422, description = "`invalid_input`: a malformed body, or the agent refused the request.",
                    body = ErrorBody),
                AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, AgentCallFailures,
            ),
        )]
        pub async fn $name(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
            lifecycle(acting, path, $action, move || body.json_or_default()).await
        }
    };
}

stop_route!(stop_container, "stop", "Stop the container (audited)", Action::ContainerStop);
stop_route!(restart_container, "restart", "Restart the container (audited)", Action::ContainerRestart);

/// Start, stop and restart: the same use case, the same answer.
async fn lifecycle(
    acting: Acting,
    path: web::Path<ContainerPath>,
    action: Action,
    request: impl FnOnce() -> Result<StopRequest, AppError> + Send + 'static,
) -> Answer {
    let id = ContainerId(path.id);
    json(containers::lifecycle(acting.current, acting.context, &acting.pool, id, action, request).await?)
}

/// Run a program in the container (audited)
///
/// The agent's exec body: an argv, never a shell string.
#[utoipa::path(post, path = "/api/v1/containers/{id}/exec", params(ContainerPath),
    request_body = ExecRequest, responses(
    (status = 200, description = "Its output; a non-zero exit code is still a 200.", body = ExecAnswer),
    (status = 422, description = "`invalid_input`: an empty command, a malformed body, or the agent refused \
        it.", body = ErrorBody),
    AllowedChange, HiddenContainer, ContainerGone, BodyTooLarge, AgentCallFailures,
))]
pub async fn exec_in_container(acting: Acting, path: web::Path<ContainerPath>, body: Body) -> Answer {
    let id = ContainerId(path.id);
    json(containers::exec_in(acting.current, acting.context, &acting.pool, id, move || body.json()).await?)
}
