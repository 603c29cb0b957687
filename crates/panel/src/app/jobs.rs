//! Long actions started from a page: the page answers at once with a job
//! that polls `/jobs/{id}` until the action's outcome is known. Jobs are in
//! the database (`db::jobs`), so every panel instance answers the poll, and
//! a job whose panel process died while its action was in flight gets the
//! outcome the sync reads from LXD (`db::in_flight::settle_orphans`) rather
//! than vanishing. Each is visible only to the user who started it.

use std::future::Future;

use crate::app::audited::CURRENT_JOB;
use crate::db::in_flight::{process_id, random_id};
use crate::db::{self, DbPool, jobs};
use crate::error::AppError;

/// A job's state: what the page shows once it ended, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Running,
    Done(String),
    /// Why it failed (the page puts the job's label before it).
    Failed(String),
}

/// Records a running job of `owner` and runs `work` in the background as
/// that job (`CURRENT_JOB`, which the action's row in flight records); its
/// outcome ends the job. An error whose outcome is unknown leaves the job
/// running: the sync ends it with what LXD shows. Returns the job's id.
pub async fn start<W>(pool: &DbPool, owner: i64, label: String, work: W) -> Result<i64, AppError>
where
    W: Future<Output = Result<JobState, AppError>> + 'static,
{
    let id = random_id();
    db::run(pool, move |connection| {
        Ok::<_, AppError>(jobs::insert(connection, id, owner, &label, process_id(), db::unix_now())?)
    })
    .await?;
    let pool = pool.clone();
    actix_web::rt::spawn(CURRENT_JOB.scope(id, async move {
        let (state, message) = match work.await {
            Ok(JobState::Done(message)) => (jobs::DONE, message),
            Ok(JobState::Failed(message)) => (jobs::FAILED, message),
            Err(error) if !error.outcome_unknown => (jobs::FAILED, error.message.into_owned()),
            Ok(JobState::Running) | Err(_) => return,
        };
        let ended = db::run(&pool, move |connection| {
            Ok::<_, AppError>(jobs::finish(connection, id, state, &message, db::unix_now())?)
        })
        .await;
        if let Err(error) = ended {
            tracing::error!(%error, job = id, "a job's outcome could not be recorded");
        }
    }));
    Ok(id)
}

/// The label and state of job `id` if `owner` started it.
pub async fn read(pool: &DbPool, id: i64, owner: i64) -> Result<Option<(String, JobState)>, AppError> {
    let job = db::run(pool, move |connection| Ok::<_, AppError>(jobs::get(connection, id, owner)?)).await?;
    Ok(job.map(|job| {
        let message = job.message.unwrap_or_default();
        let state = match job.state.as_str() {
            jobs::RUNNING => JobState::Running,
            jobs::DONE => JobState::Done(message),
            _ => JobState::Failed(message),
        };
        (job.label, state)
    }))
}
