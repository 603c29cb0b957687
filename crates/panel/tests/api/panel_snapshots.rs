//! Snapshots through the panel with the real agent on the real LXD (issue
//! 22): a member takes one, breaks her container, restores it and deletes
//! the snapshot; her quota holds under twenty requests at once; another
//! member and a service owner reach none; a schedule set through the panel
//! is LXD's, and LXD's scheduler's snapshots show in the panel.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, error_code, spawn_app_with};
use crate::panel_agent::{World, until};
use crate::real_agent::{LxdProject, lxc};

/// The snapshots LXD holds of `container`, by name.
pub(crate) fn lxd_snapshots(project: &LxdProject, container: &str) -> Vec<String> {
    let listed = lxc(&["query", &format!("/1.0/instances/{container}/snapshots?project={}", project.name)]);
    let mut names: Vec<String> = serde_json::from_str::<Vec<String>>(&listed)
        .expect("LXD lists snapshot URLs")
        .into_iter()
        .filter_map(|url| url.split('/').next_back().map(|name| name.split('?').next().unwrap_or(name).to_owned()))
        .collect();
    names.sort();
    names
}

/// LXD's value of `key` in the container's own configuration.
fn lxd_config(project: &LxdProject, container: &str, key: &str) -> String {
    lxc(&["config", "get", container, key, "--project", &project.name]).trim().to_owned()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn take(world: &World, session: &Session, container: i64, name: &str) -> reqwest::Response {
    world.post(&format!("/containers/{container}/snapshots"), session, json!({ "name": name })).await
}

async fn delete(world: &World, session: &Session, container: i64, name: &str) -> reqwest::Response {
    let path = format!("/containers/{container}/snapshots/{name}");
    world.app.with_session(Method::DELETE, &path, session).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn she_takes_a_snapshot_breaks_her_container_restores_it_and_deletes_the_snapshot() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let c1 = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", c1).await;

    let (status, taken) = json_of(take(&world, &alice, c1, "before-upgrade").await).await;
    assert_eq!(status, 201, "{taken}");
    assert_eq!(
        (taken["name"].as_str(), taken["taken"].as_bool(), taken["owner"].as_str()),
        (Some("before-upgrade"), Some(true), Some("alice"))
    );
    assert_eq!(lxd_snapshots(&project, "c1"), ["before-upgrade"], "LXD has it");

    // She breaks it: a file that was not there.
    assert_eq!(project.exec("c1", &["touch", "/root/broken"]).0, 0);
    let pid = project.init_pid("c1").expect("c1 runs");
    let (status, restored) =
        json_of(world.post(&format!("/containers/{c1}/snapshots/before-upgrade/restore"), &alice, json!({})).await)
            .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(project.exec("c1", &["test", "-e", "/root/broken"]).0, 1, "the file is gone");
    let new_pid = project.init_pid("c1").expect("c1 runs again after the restore");
    assert_ne!(new_pid, pid, "LXD stopped and started it");

    let (status, listed) = json_of(world.get(&format!("/containers/{c1}/snapshots"), &alice).await).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["fresh"], true);
    assert_eq!(listed["items"].as_array().map(|items| items.len()), Some(1), "the snapshot stays: {listed}");

    assert_eq!(delete(&world, &alice, c1, "before-upgrade").await.status(), 204);
    assert!(lxd_snapshots(&project, "c1").is_empty(), "LXD no longer lists it");
    let again = delete(&world, &alice, c1, "before-upgrade").await;
    assert_eq!(error_code(again).await, (404, "not_found".to_owned()));

    for action in ["snapshot.create", "snapshot.restore", "snapshot.delete"] {
        let rows = world.app.audit_rows_of(action);
        assert!(
            rows.iter()
                .any(|row| row.object == format!("container:{c1}") && row.outcome == "ok" && row.actor == "alice"),
            "{action}: {rows:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_requests_at_quota_minus_one_take_exactly_one_and_a_fourth_is_quota_exceeded() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let app = spawn_app_with("max_agent_calls_per_user = 64").await;
    let (_agent, world, _) = World::with_m1_on(app, &project).await;
    let c1 = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", c1).await;
    for name in ["s1", "s2"] {
        assert_eq!(take(&world, &alice, c1, name).await.status(), 201);
    }

    let requests = (0..20).map(|n| {
        let (world, alice) = (&world, &alice);
        async move {
            let (status, body) = json_of(take(world, alice, c1, &format!("race{n}")).await).await;
            (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    let taken = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(taken, 1, "{answers:?}");
    assert!(
        answers.iter().all(|answer| answer.0 == 201 || *answer == (409, "quota_exceeded".to_owned())),
        "{answers:?}"
    );
    assert_eq!(lxd_snapshots(&project, "c1").len(), 3, "LXD holds her three");

    let (status, refused) = json_of(take(&world, &alice, c1, "fourth").await).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("quota_exceeded")), "{refused}");
    assert!(!lxd_snapshots(&project, "c1").contains(&"fourth".to_owned()), "nothing was taken");

    // A name LXD's scheduler uses, or not a name at all, is refused before LXD is asked.
    let (status, _) = error_code(take(&world, &world.admin, c1, "auto-3").await).await;
    assert_eq!(status, 422);
    let (status, _) = error_code(take(&world, &world.admin, c1, "-bad").await).await;
    assert_eq!(status, 422);
    // An admin is outside quotas.
    assert_eq!(take(&world, &world.admin, c1, "by-root").await.status(), 201);
    assert_eq!(lxd_snapshots(&project, "c1").len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_member_reaches_none_of_her_snapshots() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let c1 = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", c1).await;
    let bob = world.member("bob").await;
    assert_eq!(take(&world, &alice, c1, "mine").await.status(), 201);

    assert_eq!(error_code(world.get(&format!("/containers/{c1}/snapshots"), &bob).await).await.0, 404);
    assert_eq!(error_code(take(&world, &bob, c1, "his").await).await.0, 404);
    let restore = world.post(&format!("/containers/{c1}/snapshots/mine/restore"), &bob, json!({})).await;
    assert_eq!(error_code(restore).await.0, 404);
    assert_eq!(error_code(delete(&world, &bob, c1, "mine").await).await.0, 404);
    let schedule = world
        .app
        .send_json(
            Method::PUT,
            &format!("/containers/{c1}/snapshots/schedule"),
            &bob,
            &json!({"schedule": "daily", "keep": 1}),
        )
        .await;
    assert_eq!(error_code(schedule).await.0, 404);
    assert_eq!(lxd_snapshots(&project, "c1"), ["mine"], "nothing was taken, restored away or deleted");
    assert_eq!(lxd_config(&project, "c1", "snapshots.schedule"), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_set_through_the_panel_is_lxd_s_within_her_quota_and_its_snapshots_show() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let c1 = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", c1).await;
    let path = format!("/containers/{c1}/snapshots/schedule");

    let over = world.app.send_json(Method::PUT, &path, &alice, &json!({"schedule": "daily", "keep": 4})).await;
    assert_eq!(error_code(over).await, (409, "quota_exceeded".to_owned()), "keep 4 is over her 3");
    assert_eq!(lxd_config(&project, "c1", "snapshots.schedule"), "", "nothing changed");
    let (status, set) =
        json_of(world.app.send_json(Method::PUT, &path, &alice, &json!({"schedule": "daily", "keep": 2})).await).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(lxd_config(&project, "c1", "snapshots.schedule"), "@daily");
    assert_eq!(lxd_config(&project, "c1", "snapshots.expiry"), "2d");
    assert_eq!(lxd_config(&project, "c1", "snapshots.pattern"), "auto-%d");
    // Her schedule keeps two of her three: one more snapshot fits, a second does not.
    assert_eq!(take(&world, &alice, c1, "manual").await.status(), 201);
    assert_eq!(error_code(take(&world, &alice, c1, "another").await).await, (409, "quota_exceeded".to_owned()));

    // LXD's scheduler, made to run within a minute: its snapshot shows in the panel as scheduled.
    lxc(&["config", "set", "c1", "snapshots.schedule", "* * * * *", "--project", &project.name]);
    let (scheduled, _) = until(Duration::from_secs(150), "LXD's scheduler takes auto-0", || async {
        let listed: Value = world.get(&format!("/containers/{c1}/snapshots"), &alice).await.json().await.ok()?;
        listed["items"].as_array()?.iter().find(|item| item["name"] == "auto-0").cloned()
    })
    .await;
    assert_eq!(
        (scheduled["scheduled"].as_bool(), scheduled["in_quota"].as_bool()),
        (Some(true), Some(false)),
        "{scheduled}"
    );
    assert!(scheduled["expires_at"].as_i64().is_some(), "LXD set its expiry: {scheduled}");

    let (status, removed) =
        json_of(world.app.send_json(Method::PUT, &path, &alice, &json!({"schedule": null})).await).await;
    assert_eq!((status, removed), (200, Value::Null));
    assert_eq!(lxd_config(&project, "c1", "snapshots.schedule"), "");
    assert_eq!(take(&world, &alice, c1, "another").await.status(), 201, "the schedule's two are hers again");
}
