//! Pages' jobs in the database (`db::jobs`): read by their owner only, an
//! outcome kept once set, each user's finished jobs bounded, and jobs left
//! running by a dead panel process ended when a panel starts (SQLite).

use smp_panel::Role;
use smp_panel::db::jobs;

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn a_job_is_read_by_its_owner_only_and_keeps_its_first_outcome() {
    let app = spawn_app().await;
    let (mia, bob) = (
        app.user("mia", Role::Member, "mia-password-2026", true),
        app.user("bob", Role::Member, "bob-password-2026", true),
    );
    let mut connection = app.db.connect();
    jobs::insert(&mut connection, 7, mia, "Restarting web", "p1", 100).unwrap();
    assert_eq!(jobs::get(&mut connection, 7, mia).unwrap().unwrap().state, jobs::RUNNING);
    assert!(jobs::get(&mut connection, 7, bob).unwrap().is_none(), "another user's job is not there");
    jobs::finish(&mut connection, 7, jobs::DONE, "web is running", 101).unwrap();
    jobs::finish(&mut connection, 7, jobs::FAILED, "a later word", 102).unwrap();
    let job = jobs::get(&mut connection, 7, mia).unwrap().unwrap();
    assert_eq!((job.state.as_str(), job.message.as_deref()), (jobs::DONE, Some("web is running")));
}

#[tokio::test]
async fn one_user_keeps_her_newest_finished_jobs_only_and_others_keep_theirs() {
    let app = spawn_app().await;
    let (mia, bob) = (
        app.user("mia", Role::Member, "mia-password-2026", true),
        app.user("bob", Role::Member, "bob-password-2026", true),
    );
    let mut connection = app.db.connect();
    jobs::insert(&mut connection, 1, bob, "Restarting db", "p1", 100).unwrap();
    for id in 10..(10 + jobs::KEPT_PER_OWNER + 40) {
        jobs::insert(&mut connection, id, mia, "Restarting web", "p1", 100).unwrap();
        jobs::finish(&mut connection, id, jobs::FAILED, "too many actions at once", 100 + id).unwrap();
    }
    let kept = (10..(10 + jobs::KEPT_PER_OWNER + 40))
        .filter(|id| jobs::get(&mut connection, *id, mia).unwrap().is_some())
        .count();
    assert_eq!(kept as i64, jobs::KEPT_PER_OWNER);
    assert!(jobs::get(&mut connection, 10, mia).unwrap().is_none(), "the oldest went first");
    assert_eq!(
        jobs::get(&mut connection, 1, bob).unwrap().unwrap().state,
        jobs::RUNNING,
        "another user's job is untouched"
    );
}

#[tokio::test]
async fn a_starting_panel_ends_the_jobs_a_dead_process_left_running_that_no_action_will_end() {
    let app = spawn_app().await;
    let mia = app.user("mia", Role::Member, "mia-password-2026", true);
    let mut connection = app.db.connect();
    let now = smp_panel::db::unix_now();
    jobs::insert(&mut connection, 5, mia, "Restarting web", "a-dead-process", now).unwrap();
    smp_panel::db::in_flight::orphan_the_dead(&mut connection, true, now).unwrap();
    let job = jobs::get(&mut connection, 5, mia).unwrap().unwrap();
    match app.db.backend {
        Backend::Sqlite => {
            assert_eq!(job.state, jobs::FAILED, "one panel per SQLite file: the old process is dead");
            assert!(job.message.unwrap().contains("the panel restarted"));
        }
        // Another live instance may run it: only once it is older than any call.
        Backend::Postgresql => assert_eq!(job.state, jobs::RUNNING),
    }
}
