//! Long actions started from a page: the page answers at once with a job
//! that polls `/jobs/{id}` until the action's outcome is known. Jobs live in
//! memory (the audit log is the record); each is visible only to the user
//! who started it and is forgotten an hour after it ended.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng as _;

/// How long a finished job can still be read.
const KEPT_FOR: Duration = Duration::from_secs(3600);

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
}

/// The jobs of this panel instance.
#[derive(Debug, Default)]
pub struct Jobs(Mutex<HashMap<u64, Job>>);

impl Jobs {
    /// Registers a running job of `owner`; its id.
    pub fn start(&self, owner: i64, label: String) -> u64 {
        let id = rand::rng().random::<u64>() >> 11; // exact in JavaScript numbers
        let mut jobs = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        jobs.retain(|_, job| job.ended.is_none_or(|ended| ended.elapsed() < KEPT_FOR));
        jobs.insert(id, Job { owner, label, state: JobState::Running, ended: None });
        id
    }

    pub fn finish(&self, id: u64, state: JobState) {
        let mut jobs = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(job) = jobs.get_mut(&id) {
            job.state = state;
            job.ended = Some(Instant::now());
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
}
