//! The panel killed (`SIGKILL`) in the middle of an action a page started
//! and of a creation: when it starts again, the `started` row gets its
//! outcome from LXD's state, the page's job shows that outcome instead of
//! vanishing, and the reserved container takes what LXD made.

use std::time::Duration;

use reqwest::Method;

use crate::database::SqliteLock;
use crate::support::{PanelProcess, World, rows, until};

#[tokio::test(flavor = "multi_thread")]
async fn a_panel_killed_mid_stop_gives_the_action_and_its_page_job_their_outcome_from_lxd_once_it_runs_again() {
    let mut world = World::start(&["c1"], "", "").await;
    let c1 = world.container_id("c1").await;

    // The page's stop: a job at once, the stop in the background.
    let fragment =
        world.request(Method::POST, &format!("/containers/{c1}/stop")).send().await.unwrap().text().await.unwrap();
    let job: i64 =
        fragment.split("hx-get=\"/jobs/").nth(1).and_then(|rest| rest.split('"').next()).unwrap().parse().unwrap();
    // Its call is in flight; the panel is kept from recording the answer
    // (the database locked by another process) until LXD has stopped c1,
    // then it is killed: the answer is lost with it.
    until(Duration::from_secs(30), "the stop's call is in flight", async || (world.in_flight() == 1).then_some(()))
        .await;
    let lock = SqliteLock::take(world.db.url.strip_prefix("sqlite://").unwrap());
    until(Duration::from_secs(30), "LXD stops c1", async || (world.lxd_status("c1") == "Stopped").then_some(())).await;
    world.panel.take().unwrap().kill();
    lock.release();
    assert_eq!(world.outcomes("container.stop"), rows(&[("started", None)]), "the answer never reached the database");

    world.panel = Some(PanelProcess::start(&world.db.url, world.db.dir.path(), ""));
    let shown = until(Duration::from_secs(30), "the job ends", async || {
        let text = world.request(Method::GET, &format!("/jobs/{job}")).send().await.ok()?.text().await.ok()?;
        (!text.contains("job running")).then_some(text)
    })
    .await;
    assert!(shown.contains("job done") && shown.contains("c1 stopped"), "{shown}");
    assert_eq!(
        world.outcomes("container.stop"),
        rows(&[("started", None), ("ok", None)]),
        "one stop, its outcome read from LXD"
    );
    assert_eq!(world.in_flight(), 0, "nothing left in flight");
    assert_eq!((world.row(c1).status.as_str(), world.lxd_status("c1").as_str()), ("stopped", "Stopped"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panel_killed_mid_create_gives_the_reserved_row_what_lxd_made_once_it_runs_again() {
    let mut world = World::start(&[], "", "").await;
    let answer = world
        .request(Method::POST, "/api/v1/containers")
        .json(&serde_json::json!({"name": "c2", "image": "smp-busybox"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202, "reserved at once, made in the background");
    let c2 = answer.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    // The creation is in flight; the panel is kept from recording its
    // answer until LXD runs c2, then killed.
    until(Duration::from_secs(30), "the creation's call is in flight", async || (world.in_flight() == 1).then_some(()))
        .await;
    let lock = SqliteLock::take(world.db.url.strip_prefix("sqlite://").unwrap());
    let project = world.project.name.clone();
    until(Duration::from_secs(60), "LXD runs c2", async || {
        let listed = crate::real_lxd::lxc(&["list", "--project", &project, "--format", "csv", "-c", "ns"]);
        (listed.trim() == "c2,RUNNING").then_some(())
    })
    .await;
    world.panel.take().unwrap().kill();
    lock.release();
    assert_eq!(world.outcomes("container.create"), rows(&[("started", None)]));
    assert_eq!(world.row(c2).status, "creating");

    world.panel = Some(PanelProcess::start(&world.db.url, world.db.dir.path(), ""));
    // The sync writes the row from LXD's list, then settles the action in
    // flight in a transaction of its own: wait for both.
    let row = until(Duration::from_secs(30), "the sync settles the creation", async || {
        let row = world.row(c2);
        (row.status != "creating" && world.outcomes("container.create").len() == 2).then_some(row)
    })
    .await;
    assert_eq!(row.status, "running", "the reserved row is what LXD made");
    assert_eq!(world.outcomes("container.create"), rows(&[("started", None), ("ok", None)]), "audited once, from LXD");
    assert_eq!(world.in_flight(), 0);
    let listed = crate::real_lxd::lxc(&["list", "--project", &project, "--format", "csv", "-c", "n"]);
    assert_eq!(listed.lines().collect::<Vec<_>>(), ["c2"], "LXD holds one instance");
    let list: serde_json::Value =
        world.request(Method::GET, "/api/v1/containers").send().await.unwrap().json().await.unwrap();
    let named: Vec<&serde_json::Value> =
        list["items"].as_array().unwrap().iter().filter(|item| item["name"] == "c2").collect();
    assert_eq!((named.len(), named[0]["id"].as_i64()), (1, Some(c2)), "one live row, the reserved one: {list}");
}
