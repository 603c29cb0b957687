//! The container page's Snapshots section (issue 22): the list with when
//! each was taken and its size, "Take a snapshot" and "Restore…" as jobs
//! like the other actions, delete, and the schedule.
//!
//! Every change goes through `app::snapshots`, the API's use cases, so the
//! policy, the quota and the audit are the same. The section is a fragment
//! the page fetches with htmx and fetches again when a job ends; a refusal
//! is said in it (200, since htmx 2 swaps no 4xx answer).

use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::i18n::{Translate as _, lookup, text};
use super::pages::job_started;
use super::panels::{bytes, error_fragment};
use super::{Page, PageContext, PageForm, html, in_place, when};
use crate::app::jobs::{self, JobState};
use crate::app::snapshots::{self, NewSnapshotRequest, ScheduleRequest, Snapshots};
use crate::db::containers::ContainerId;
use crate::db::snapshots::Period;
use crate::error::AppError;
use crate::http::{AuditAction, page_language};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/containers/{id}/snapshots")
            .app_data(AuditAction("snapshot.create"))
            .route(web::get().to(section)) // CurrentUser + policy ContainerSnapshot
            .route(web::post().to(take)), // CurrentUser (X-CSRF-Token) + take: policy ContainerSnapshot; quota `snapshots`
    )
    .service(
        web::resource("/containers/{id}/snapshots/schedule")
            .app_data(AuditAction("snapshot.schedule"))
            .route(web::post().to(schedule)), // CurrentUser (X-CSRF-Token) + set_schedule: policy ContainerSnapshot; quota `snapshots`
    )
    .service(
        web::resource("/containers/{id}/snapshots/{name}/restore")
            .app_data(AuditAction("snapshot.restore"))
            .route(web::post().to(restore)), // CurrentUser (X-CSRF-Token) + restore: policy ContainerSnapshot
    )
    .service(
        web::resource("/containers/{id}/snapshots/{name}/delete")
            .app_data(AuditAction("snapshot.delete"))
            .route(web::post().to(delete)), // CurrentUser (X-CSRF-Token) + delete: policy ContainerSnapshot
    );
}

/// One snapshot as the section lists it.
struct Line {
    name: String,
    when: String,
    size: String,
    scheduled: bool,
    /// What a restore to it loses, said before she confirms.
    restore_warning: String,
}

#[derive(Template)]
#[template(path = "container_snapshots.html")]
struct SnapshotsSection {
    id: i64,
    lines: Vec<Line>,
    fresh: bool,
    /// "daily, keep 7", or empty.
    schedule: Option<(Period, i64)>,
    /// The snapshot name the form proposes.
    proposed: String,
    notice: Option<String>,
    error: Option<String>,
}

impl SnapshotsSection {
    fn of(id: ContainerId, name: &str, listed: Snapshots, notice: Option<String>, error: Option<String>) -> Self {
        let language = page_language::current();
        let lines = listed
            .items
            .into_iter()
            .filter(|row| row.taken)
            .map(|row| {
                let when = when(row.created_at);
                let restore_warning = lookup(
                    language,
                    "snapshots-restore-warning",
                    &[("name", text(name)), ("snapshot", text(&row.name)), ("when", text(&when))],
                );
                let size = row.size_bytes.map_or_else(|| lookup(language, "snapshots-size-unknown", &[]), bytes);
                Line { name: row.name, when, size, scheduled: row.scheduled, restore_warning }
            })
            .collect();
        SnapshotsSection {
            id: id.0,
            lines,
            fresh: listed.fresh,
            schedule: listed.schedule.map(|schedule| (schedule.period, schedule.keep)),
            proposed: proposed_name(),
            notice,
            error,
        }
    }

    fn period_selected(&self, period: &str) -> bool {
        self.schedule.is_some_and(|(chosen, _)| chosen.as_str() == period)
    }

    fn keep(&self) -> i64 {
        self.schedule.map_or(7, |(_, keep)| keep)
    }
}

/// `snap-20261206-1733`: a name for a snapshot taken now.
fn proposed_name() -> String {
    let digits: String = when(crate::db::unix_now()).chars().filter(char::is_ascii_digit).take(12).collect();
    match (digits.get(..8), digits.get(8..)) {
        (Some(day), Some(time)) => format!("snap-{day}-{time}"),
        _ => "snap".to_owned(),
    }
}

/// "daily" in the page's language.
fn period_text(period: Period) -> String {
    let key = match period {
        Period::Hourly => "snapshots-period-hourly",
        Period::Daily => "snapshots-period-daily",
        Period::Weekly => "snapshots-period-weekly",
    };
    lookup(page_language::current(), key, &[])
}

/// The section of container `id` with `notice` or `error`.
async fn answer(page: PageContext, id: ContainerId, notice: Option<String>, error: Option<String>) -> Page {
    let PageContext { current, state, pool } = page;
    let name = crate::app::containers::view_container(current.clone(), &pool, id).await?.name;
    match snapshots::list(current, state.app.clone(), &pool, id).await {
        Ok(listed) => html(&SnapshotsSection::of(id, &name, listed, notice, error)),
        Err(error) => error_fragment(error),
    }
}

/// `GET /containers/{id}/snapshots`: the section.
pub async fn section(page: PageContext, path: web::Path<i64>) -> Page {
    answer(page, ContainerId(path.into_inner()), None, None).await
}

#[derive(Deserialize)]
pub struct TakeForm {
    #[serde(default)]
    name: String,
}

/// `POST /containers/{id}/snapshots` (`name`): a job taking it.
pub async fn take(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<TakeForm>) -> Page {
    let id = ContainerId(path.into_inner());
    let name = form.as_ref().map(|form| form.name.trim().to_owned()).unwrap_or_default();
    let (current, context) = (page.current.clone(), page.state.app.clone());
    let labels = ("job-snapshot-take", "job-snapshot-taken");
    as_job(page, id, name.clone(), labels, move |pool| async move {
        let request = form.map(|_| NewSnapshotRequest { name });
        Ok(snapshots::take(current, context, &pool, id, move || request).await?.name)
    })
    .await
}

/// `POST /containers/{id}/snapshots/{name}/restore`: a job restoring it.
pub async fn restore(page: PageContext, path: web::Path<(i64, String)>) -> Page {
    let (id, snapshot) = path.into_inner();
    let id = ContainerId(id);
    let (current, context) = (page.current.clone(), page.state.app.clone());
    let labels = ("job-snapshot-restore", "job-snapshot-restored");
    as_job(page, id, snapshot.clone(), labels, move |pool| async move {
        Ok(snapshots::restore(current, context, &pool, id, snapshot).await?.name)
    })
    .await
}

/// Runs `work` (which answers the snapshot's name) as a job of the page's
/// user, labelled `label` and ending with `done` (keys taking `$snapshot`
/// and `$name`, the container's), in the page's language.
async fn as_job<W, F>(
    page: PageContext,
    id: ContainerId,
    snapshot: String,
    (label, done): (&'static str, &'static str),
    work: W,
) -> Page
where
    W: FnOnce(crate::db::DbPool) -> F,
    F: std::future::Future<Output = Result<String, AppError>> + 'static,
{
    let PageContext { current, pool, .. } = page;
    let language = page_language::current();
    let container = crate::app::containers::view_container(current.clone(), &pool, id).await?.name;
    let label = lookup(language, label, &[("snapshot", text(&snapshot)), ("name", text(&container))]);
    let running = work(pool.get_ref().clone());
    let work = async move {
        let snapshot = running.await?;
        Ok(JobState::Done(lookup(language, done, &[("snapshot", text(snapshot)), ("name", text(container))])))
    };
    job_started(label.clone(), jobs::start(&pool, current.user.id.0, label, work).await?)
}

/// `POST /containers/{id}/snapshots/{name}/delete`: the section again.
pub async fn delete(page: PageContext, path: web::Path<(i64, String)>) -> Page {
    let (id, snapshot) = path.into_inner();
    let id = ContainerId(id);
    let deleted =
        snapshots::delete(page.current.clone(), page.state.app.clone(), &page.pool, id, snapshot.clone()).await;
    let notice =
        deleted.map(|()| lookup(page_language::current(), "snapshots-deleted", &[("snapshot", text(&snapshot))]));
    after_change(page, id, notice).await
}

/// The section again after a change: with its `notice`, or with why it was refused.
async fn after_change(page: PageContext, id: ContainerId, outcome: Result<String, AppError>) -> Page {
    match outcome {
        Ok(notice) => answer(page, id, Some(notice), None).await,
        Err(error) => {
            let error = in_place(error)?;
            answer(page, id, None, Some(error)).await
        }
    }
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    /// `hourly`, `daily`, `weekly`, or `none`.
    #[serde(default)]
    period: String,
    #[serde(default)]
    keep: String,
}

impl ScheduleForm {
    fn request(&self) -> Result<ScheduleRequest, AppError> {
        let schedule = match self.period.as_str() {
            "none" | "" => None,
            period => Some(
                serde_json::from_value::<Period>(serde_json::Value::String(period.to_owned()))
                    .map_err(|_| AppError::invalid("error-snapshots-period", &[]))?,
            ),
        };
        let keep = match self.keep.trim() {
            "" => None,
            keep => Some(keep.parse::<i64>().map_err(|_| {
                AppError::invalid("error-snapshots-keep-range", &[("max", snapshots::MAX_KEEP.into())])
            })?),
        };
        Ok(ScheduleRequest { schedule, keep })
    }
}

/// `POST /containers/{id}/snapshots/schedule` (`period`, `keep`): the section again.
pub async fn schedule(page: PageContext, path: web::Path<i64>, PageForm(form): PageForm<ScheduleForm>) -> Page {
    let id = ContainerId(path.into_inner());
    let read = move || form?.request();
    let set = snapshots::set_schedule(page.current.clone(), page.state.app.clone(), &page.pool, id, read).await;
    let language = page_language::current();
    let notice = set.map(|schedule| match schedule {
        Some(schedule) => lookup(
            language,
            "snapshots-schedule-set",
            &[("period", text(period_text(schedule.period))), ("keep", schedule.keep.into())],
        ),
        None => lookup(language, "snapshots-schedule-removed", &[]),
    });
    after_change(page, id, notice).await
}
