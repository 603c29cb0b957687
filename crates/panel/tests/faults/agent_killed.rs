//! The agent killed (`SIGKILL`) in the middle of a create+start, then
//! started again: the panel's row ends `running` or `stopped` (what LXD
//! made) with the creation audited once, or `failed` with the reason; the
//! quota counts what exists; LXD holds the one instance.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::real_lxd::lxc;
use crate::support::{World, rows, until};

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_killed_mid_create_leaves_one_instance_one_row_and_the_creation_audited_from_lxds_state() {
    let mut world = World::start(&[], "", "sync_interval_s = 2").await;
    let answer = world
        .request(Method::POST, "/api/v1/containers")
        .json(&json!({"name": "c2", "image": "smp-busybox"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202, "reserved at once, made in the background");
    let c2 = answer.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let project = world.project.name.clone();
    until(Duration::from_secs(60), "LXD has begun making c2", async || {
        let names = lxc(&["list", "--project", &project, "--format", "csv", "-c", "n"]);
        names.lines().any(|name| name == "c2").then_some(())
    })
    .await;
    world.agent.kill();
    // The panel's call lost its answer: the reservation waits for LXD.
    until(Duration::from_secs(30), "the call is orphaned", async || {
        let rows = world.outcomes("container.create");
        (rows == crate::support::rows(&[("started", None)]) && world.row(c2).status == "creating").then_some(())
    })
    .await;

    world.agent.start_again();
    let row = until(Duration::from_secs(90), "the sync settles the creation", async || {
        let row = world.row(c2);
        (row.status != "creating").then_some(row)
    })
    .await;
    let listed = lxc(&["list", "--project", &project, "--format", "csv", "-c", "n"]);
    assert_eq!(listed.lines().collect::<Vec<_>>(), ["c2"], "LXD holds one instance");
    let lxd = world.lxd_status("c2").to_lowercase();
    assert_eq!(row.status, lxd, "the panel's row is what LXD made");
    assert_eq!(world.outcomes("container.create"), rows(&[("started", None), ("ok", None)]), "audited once, from LXD");
    until(Duration::from_secs(30), "nothing left in flight", async || (world.in_flight() == 0).then_some(())).await;
    let list: serde_json::Value =
        world.request(Method::GET, "/api/v1/containers").send().await.unwrap().json().await.unwrap();
    let named: Vec<&serde_json::Value> =
        list["items"].as_array().unwrap().iter().filter(|item| item["name"] == "c2").collect();
    assert_eq!(named.len(), 1, "one live row: {list}");
    assert_eq!(named[0]["id"].as_i64(), Some(c2), "the reserved row, not a stranger adopted by the sync");
}
