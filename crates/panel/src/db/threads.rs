//! The database's own threads: `db::run` hands its work to one of as many
//! threads as the pool has connections, started with the pool and ended
//! with it. On tokio's blocking pool instead, a task that arrived while a
//! finished one's thread was not yet idle started one more thread, kept
//! for ten seconds: 200 clients kept about 80 alive, each with its stack
//! and allocator arena, and the panel's memory grew by a third.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

/// One piece of work; it sends its own answer.
type Job = Box<dyn FnOnce() + Send>;

/// The threads and their queue, as deep as there are threads.
#[derive(Clone)]
pub(super) struct DbThreads {
    jobs: SyncSender<Job>,
}

/// Why a piece of work gave no answer.
#[derive(Debug)]
pub(super) enum Unanswered {
    /// Every thread is busy and the queue is full (a caller without a slot).
    Full,
    /// The work panicked, or the threads are gone.
    Lost,
}

impl DbThreads {
    /// Starts `count` threads named `smp-db-N`; they end once every clone
    /// of the returned handle is dropped.
    pub(super) fn start(count: usize) -> std::io::Result<DbThreads> {
        let (jobs, queue) = sync_channel::<Job>(count);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..count {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("smp-db-{index}")).spawn(move || serve(&queue))?;
        }
        Ok(DbThreads { jobs })
    }

    /// Runs `work` on one of the threads, inside the caller's runtime (work
    /// may spawn a task or start a timer, as on tokio's blocking threads),
    /// and waits for its result as a task. Never blocks: a caller holding
    /// one of the pool's slots always finds room in the queue.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, Unanswered>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let runtime = tokio::runtime::Handle::current();
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _inside = runtime.enter();
            let _ = answer.send(work());
        });
        self.jobs.try_send(job).map_err(|error| match error {
            TrySendError::Full(_) => Unanswered::Full,
            TrySendError::Disconnected(_) => Unanswered::Lost,
        })?;
        answered.await.map_err(|_| Unanswered::Lost)
    }
}

/// A thread's life: take the next job, run it, until the queue is closed. A
/// job that panics drops its answer (its caller sees `Lost`), not the thread.
fn serve(queue: &Mutex<Receiver<Job>>) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_named_threads_and_a_panic_loses_only_its_own_answer() {
        let threads = DbThreads::start(2).unwrap();
        let name = threads.run(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert!(name.is_some_and(|name| name.starts_with("smp-db-")));
        assert!(matches!(threads.run(|| panic!("a failing query")).await, Err(Unanswered::Lost)));
        assert_eq!(threads.run(|| 7).await.unwrap(), 7, "the thread outlived the panic");
    }

    #[tokio::test]
    async fn work_may_spawn_a_task_on_the_callers_runtime() {
        let threads = DbThreads::start(1).unwrap();
        let spawned = threads.run(|| tokio::spawn(async { 42 })).await.unwrap();
        assert_eq!(spawned.await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_thousand_pieces_of_work_run_on_the_same_two_threads() {
        let threads = DbThreads::start(2).unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let on = || std::thread::current().id();
            let (a, b) = tokio::join!(threads.run(on), threads.run(on));
            seen.extend([a.unwrap(), b.unwrap()]);
        }
        assert!(seen.len() <= 2, "{} threads ran the work", seen.len());
    }

    #[tokio::test]
    async fn with_every_thread_busy_and_the_queue_full_more_work_is_refused_not_waited_for() {
        let threads = DbThreads::start(1).unwrap();
        let (started, running) = tokio::sync::oneshot::channel();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let busy = tokio::spawn({
            let threads = threads.clone();
            async move {
                threads
                    .run(move || {
                        let _ = started.send(());
                        let _ = held.recv();
                    })
                    .await
                    .is_ok()
            }
        });
        running.await.unwrap();
        let queued = tokio::spawn({
            let threads = threads.clone();
            async move { threads.run(|| ()).await.is_ok() }
        });
        // The current-thread runtime runs `queued` up to its wait: its work is in the queue.
        tokio::task::yield_now().await;
        assert!(matches!(threads.run(|| ()).await, Err(Unanswered::Full)));
        release.send(()).unwrap();
        assert!(busy.await.unwrap() && queued.await.unwrap(), "the held and the queued work ran");
    }
}
