//! Read-only container routes: the list, one container's state, its logs.

use actix_web::web;
use smp_proto::api::{ContainerList, ContainerState, LogsAnswer, LogsQuery};

use crate::auth::Authorized;
use crate::error::AgentError;
use crate::startup::AgentState;

/// `GET /containers` (`list`): every instance of the agent's project with
/// status and addresses, from one LXD list call plus the bridge's leases.
pub async fn list(_auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ContainerList>, AgentError> {
    Ok(web::Json(ContainerList { items: state.lxd.list().await? }))
}

/// `GET /container/<id>/state` (`state`): status, init pid, processes, CPU,
/// memory and network of one container.
pub async fn state(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ContainerState>, AgentError> {
    Ok(web::Json(state.lxd.state(auth.container()?).await?))
}

/// `GET /container/<id>/logs?source=console|lxc&lines=N` (`logs`): the last
/// N lines (default 100, at most 10 000), newest last.
pub async fn logs(
    auth: Authorized,
    query: web::Query<LogsQuery>,
    state: web::Data<AgentState>,
) -> Result<web::Json<LogsAnswer>, AgentError> {
    let wanted = super::lines_wanted(query.lines)?;
    let text = state.lxd.logs(auth.container()?, query.source).await?;
    let (lines, truncated) = last_lines(&text, wanted as usize);
    Ok(web::Json(LogsAnswer { source: query.source, lines, truncated }))
}

/// The last `wanted` lines of `text`, and whether older ones were left out.
fn last_lines(text: &str, wanted: usize) -> (Vec<String>, bool) {
    let all: Vec<&str> = text.lines().collect();
    let skip = all.len().saturating_sub(wanted);
    (all[skip..].iter().map(|line| (*line).to_owned()).collect(), skip > 0)
}

#[cfg(test)]
mod tests {
    use super::last_lines;

    #[test]
    fn last_lines_keeps_the_newest_lines_in_order() {
        assert_eq!(last_lines("a\nb\nc\n", 2), (vec!["b".to_owned(), "c".to_owned()], true));
        assert_eq!(last_lines("a\nb", 5), (vec!["a".to_owned(), "b".to_owned()], false));
        assert_eq!(last_lines("", 5), (vec![], false));
    }
}
