//! Two panel instances on one PostgreSQL: one holds the sync's advisory
//! lock and syncs; killed, the other takes over within one interval, and
//! no container is ever synced by both.

use std::time::{Duration, Instant};

use crate::helpers::spawn_postgresql_db;
use crate::real_lxd::{Agent, LxdProject, MACHINE, machine_add};
use crate::support::{PanelProcess, postgres_url, until};

const INTERVAL_S: u64 = 2;

/// The instances whose list calls (`act=list`) the agent accepted, in
/// order, from its log after byte `from`.
fn listers(agent: &Agent, from: usize) -> Vec<String> {
    agent.log()[from..]
        .lines()
        .filter(|line| line.contains("token accepted") && line.contains("act=list"))
        .filter_map(|line| line.split("iss=smp-panel:").nth(1)?.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_leader_killed_the_other_instance_takes_over_within_one_interval_and_never_both_sync() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let agent = Agent::start(&project.name);
    let db = spawn_postgresql_db(&postgres_url());
    let added = machine_add(&db, MACHINE, &agent, &["--trust-on-first-use"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let settings = |name: &str| format!("instance = {name:?}\nsync_interval_s = {INTERVAL_S}");
    let mut panels = vec![
        ("panel-a", PanelProcess::start(&db.url, db.dir.path(), &settings("panel-a"))),
        ("panel-b", PanelProcess::start(&db.url, db.dir.path(), &settings("panel-b"))),
    ];

    // A few intervals: every list comes from one instance, the leader.
    let leader =
        until(Duration::from_secs(30), "one instance lists", async || listers(&agent, 0).first().cloned()).await;
    let watched = Instant::now();
    until(Duration::from_secs(30), "three intervals of lists", async || {
        (watched.elapsed() > Duration::from_secs(3 * INTERVAL_S)).then_some(())
    })
    .await;
    let before = listers(&agent, 0);
    assert!(before.iter().all(|lister| *lister == leader), "only the leader syncs: {before:?}");

    let at = panels.iter().position(|(name, _)| *name == leader).unwrap();
    let (_, killed) = panels.remove(at);
    let (other, _) = &panels[0];
    let mark = agent.log().len();
    let killed_at = Instant::now();
    killed.kill();
    let took = until(Duration::from_secs(30), "the other instance lists", async || {
        listers(&agent, mark).iter().any(|lister| lister == other).then(|| killed_at.elapsed())
    })
    .await;
    assert!(
        took <= Duration::from_secs(INTERVAL_S) + Duration::from_secs(2),
        "took over after {took:?} (interval {INTERVAL_S} s)"
    );
    let after = listers(&agent, mark);
    assert!(after.iter().all(|lister| lister == other), "the killed leader synced nothing more: {after:?}");
}
