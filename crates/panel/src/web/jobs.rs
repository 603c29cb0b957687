//! Long actions started from a page: the page answers at once with a job
//! that polls `/jobs/{id}` until the action's outcome is known. Jobs live in
//! memory (the audit log is the record); each is visible only to the user
//! who started it and is forgotten an hour after it ended, or sooner once
//! its owner has `KEPT_PER_OWNER` newer finished jobs (so that no one fills
//! the panel's memory by starting actions that end at once).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng as _;

/// How long a finished job can still be read.
const KEPT_FOR: Duration = Duration::from_secs(3600);
/// How many finished jobs of one user are kept at most (the newest).
const KEPT_PER_OWNER: usize = 32;

/// A job's state: what the page shows once it ended, in words.
#[derive(Debug, Clone)]
pub enum JobState {
    Running,
    Done(String),
    /// Why it failed (the page puts the job's label before it).
    Failed(String),
}

#[derive(Debug)]
struct Job {
    owner: i64,
    label: String,
    state: JobState,
    ended: Option<Instant>,
    /// When it ended, in the order jobs end (ties of `ended` broken).
    ended_order: u64,
}

/// The jobs of this panel instance.
#[derive(Debug, Default)]
pub struct Jobs(Mutex<HashMap<u64, Job>>, std::sync::atomic::AtomicU64);

impl Jobs {
    /// Registers a running job of `owner`; its id.
    pub fn start(&self, owner: i64, label: String) -> u64 {
        let id = rand::rng().random::<u64>() >> 11; // exact in JavaScript numbers
        let mut jobs = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        jobs.retain(|_, job| job.ended.is_none_or(|ended| ended.elapsed() < KEPT_FOR));
        jobs.insert(id, Job { owner, label, state: JobState::Running, ended: None, ended_order: 0 });
        id
    }

    pub fn finish(&self, id: u64, state: JobState) {
        let mut jobs = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(job) = jobs.get_mut(&id) else { return };
        job.state = state;
        job.ended = Some(Instant::now());
        job.ended_order = self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let owner = job.owner;
        let mut finished: Vec<(u64, u64)> = jobs
            .iter()
            .filter(|(_, job)| job.owner == owner && job.ended.is_some())
            .map(|(id, job)| (job.ended_order, *id))
            .collect();
        if finished.len() > KEPT_PER_OWNER {
            finished.sort_unstable();
            for (_, old) in &finished[..finished.len() - KEPT_PER_OWNER] {
                jobs.remove(old);
            }
        }
    }

    /// The label and state of job `id` if `owner` started it.
    pub fn get(&self, id: u64, owner: i64) -> Option<(String, JobState)> {
        let jobs = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        jobs.get(&id).filter(|job| job.owner == owner).map(|job| (job.label.clone(), job.state.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_read_by_its_owner_only_and_keeps_its_outcome() {
        let jobs = Jobs::default();
        let id = jobs.start(7, "Restarting web".into());
        assert!(matches!(jobs.get(id, 7), Some((_, JobState::Running))));
        assert!(jobs.get(id, 8).is_none(), "another user's job is not there");
        jobs.finish(id, JobState::Done("web is running".into()));
        assert!(matches!(jobs.get(id, 7), Some((_, JobState::Done(message))) if message == "web is running"));
    }

    #[test]
    fn one_user_keeps_her_newest_finished_jobs_only_and_others_keep_theirs() {
        let jobs = Jobs::default();
        let others = jobs.start(8, "Restarting db".into());
        let first = jobs.start(7, "Restarting web".into());
        jobs.finish(first, JobState::Failed("too many actions at once".into()));
        for _ in 0..1000 {
            let id = jobs.start(7, "Restarting web".into());
            jobs.finish(id, JobState::Failed("too many actions at once".into()));
        }
        let held = jobs.0.lock().unwrap().values().filter(|job| job.owner == 7).count();
        assert_eq!(held, KEPT_PER_OWNER);
        assert!(jobs.get(first, 7).is_none(), "the oldest went first");
        assert!(matches!(jobs.get(others, 8), Some((_, JobState::Running))), "another user's job is untouched");
    }
}
