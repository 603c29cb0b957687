//! Sub-containers through the panel with the real agent on the real LXD: a
//! member creates, starts, restarts and deletes one of her own (and another
//! member never sees it), every forbidden key and device is refused at the
//! panel with nothing reserved or created in LXD, the quota runs out, and 50
//! concurrent creations with one container left make exactly one. Admins
//! never reach the host tier; a head admin only on an agent that allows it.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, error_code};
use crate::panel_agent::{World, until};
use crate::real_agent::{Agent, LxdProject, SECRET, lxc};

/// A machine `m1` on a fresh LXD project with `alice`'s container `c-alice`
/// (given to her by the admin), and the members `alice` and `bob`.
struct Stage {
    world: World,
    // The agent stops before its project is deleted (fields drop in order),
    // so that a creation still in flight when a test fails leaves nothing.
    _agent: Agent,
    project: LxdProject,
    alice_id: i64,
    alice: Session,
    bob: Session,
    parent: i64,
}

async fn stage(quota: Value) -> Stage {
    let project = LxdProject::with_busyboxes(&["c-alice"]);
    let (agent, world, _) = World::with_m1(&project).await;
    let parent = world.synced("m1", "c-alice").await;
    let alice = world.member_owning("alice", parent).await;
    let bob = world.member("bob").await;
    let alice_id = world.get("/me", &alice).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let response = world.app.with_session(Method::PUT, &format!("/users/{alice_id}/quota"), &world.admin);
    assert_eq!(response.json(&quota).send().await.unwrap().status(), 200);
    Stage { world, _agent: agent, project, alice_id, alice, bob, parent }
}

impl Stage {
    /// The project's instances, sorted.
    fn instances(&self) -> Vec<String> {
        let listed = lxc(&["list", "--project", &self.project.name, "--format", "csv", "-c", "n"]);
        let mut names: Vec<String> = listed.lines().map(str::to_owned).collect();
        names.sort();
        names
    }

    /// `lxc list`'s status of `name` (e.g. `RUNNING`).
    fn lxd_status(&self, name: &str) -> String {
        let listed = lxc(&["list", name, "--project", &self.project.name, "--format", "csv", "-c", "s"]);
        listed.trim().to_owned()
    }

    async fn create(&self, session: &Session, body: Value) -> reqwest::Response {
        self.world.post("/containers", session, body).await
    }

    /// Waits (bounded) until container `id` has left `creating`; its view, as the admin sees it.
    async fn made(&self, id: i64) -> Value {
        let (view, _) = until(Duration::from_secs(60), &format!("container {id} is made"), || async {
            let view: Value =
                self.world.get(&format!("/containers/{id}"), &self.world.admin).await.json().await.unwrap();
            (view["status"] != "creating").then_some(view)
        })
        .await;
        view
    }

    /// How many containers the database holds that are not gone.
    fn live_rows(&self) -> usize {
        let rows = smp_panel::db::containers::list(&mut self.world.app.db.connect(), None).unwrap();
        rows.iter().filter(|row| !row.is_gone()).count()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_creates_starts_restarts_and_deletes_her_sub_container_and_another_member_never_sees_it() {
    let stage = stage(json!({"containers": 2, "cpu": 2, "memory_mb": 1024, "disk_mb": 8192})).await;
    let body =
        json!({"name": "alice-db", "image": "smp-busybox", "parent": stage.parent, "limits": {"memory_mb": 256}});
    let response = stage.create(&stage.alice, body).await;
    assert_eq!(response.status(), 202);
    let reserved: Value = response.json().await.unwrap();
    assert_eq!((reserved["status"].as_str(), reserved["owner"].as_str()), (Some("creating"), Some("alice")));
    let id = reserved["id"].as_i64().unwrap();

    let made = stage.made(id).await;
    assert_eq!(made["status"], "running", "{made}");
    assert_eq!(made["parent"], stage.parent);
    assert_eq!(stage.lxd_status("alice-db"), "RUNNING");
    let config = |key: &str| lxc(&["config", "get", "alice-db", key, "--project", &stage.project.name]);
    assert_eq!(config("limits.memory").trim(), "256MiB", "the limit her quota counts is the one LXD enforces");
    assert_eq!(config("limits.cpu").trim(), "1");
    let usage: Value =
        stage.world.get(&format!("/users/{}/usage", stage.alice_id), &stage.alice).await.json().await.unwrap();
    assert_eq!(
        usage["used"],
        json!({"containers": 1, "cpu": 1, "memory_mb": 256, "disk_mb": 2048, "forwards": 0, "snapshots": 0})
    );

    // Bob sees nothing of it, and nothing he sends reaches it.
    assert!(stage.world.container(&stage.bob, "m1", "alice-db").await.is_none());
    for (method, path) in [
        (Method::GET, format!("/containers/{id}")),
        (Method::POST, format!("/containers/{id}/stop")),
        (Method::DELETE, format!("/containers/{id}")),
        (Method::PATCH, format!("/containers/{id}")),
    ] {
        let request = stage.world.app.with_session(method.clone(), &path, &stage.bob);
        let request = if method == Method::PATCH { request.json(&json!({"autostart": true})) } else { request };
        let (status, code) = error_code(request.send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{method} {path}");
    }
    let under_hers = stage.create(&stage.bob, json!({"name": "bob-x", "image": "smp-busybox", "parent": id})).await;
    assert_eq!(error_code(under_hers).await.0, 422, "her container is no parent for bob");
    assert_eq!(stage.lxd_status("alice-db"), "RUNNING");

    // Hers to stop, start and restart, for real.
    let stopped = stage.world.post(&format!("/containers/{id}/stop"), &stage.alice, json!({"force": true})).await;
    assert_eq!(stopped.status(), 200);
    assert_eq!(stage.lxd_status("alice-db"), "STOPPED");
    assert_eq!(stage.world.post(&format!("/containers/{id}/start"), &stage.alice, json!({})).await.status(), 200);
    let before = stage.project.init_pid("alice-db").expect("running");
    let restarted = stage.world.post(&format!("/containers/{id}/restart"), &stage.alice, json!({"force": true})).await;
    assert_eq!(restarted.status(), 200);
    let after = stage.project.init_pid("alice-db").expect("running again");
    assert_ne!(before, after, "a restart starts a new init");

    // Hers to delete: it leaves LXD, its row is gone, the quota is free.
    let deleted = stage.world.app.with_session(Method::DELETE, &format!("/containers/{id}"), &stage.alice);
    let deleted = deleted.send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(deleted.json::<Value>().await.unwrap()["status"], "gone");
    assert_eq!(stage.instances(), ["c-alice"]);
    let usage: Value =
        stage.world.get(&format!("/users/{}/usage", stage.alice_id), &stage.alice).await.json().await.unwrap();
    assert_eq!(usage["used"]["containers"], 0);
    // What the admin gave her is not hers to delete.
    let refused = stage.world.app.with_session(Method::DELETE, &format!("/containers/{}", stage.parent), &stage.alice);
    assert_eq!(error_code(refused.send().await.unwrap()).await, (403, "forbidden".to_owned()));
    assert_eq!(stage.instances(), ["c-alice"]);

    let outcomes: Vec<(String, String)> = stage.world.app.audit_rows_where(
        |row| row.action == "container.create" || row.action == "container.delete",
        |row| (row.action, row.outcome),
    );
    let expected = [("container.create", "started"), ("container.create", "ok"), ("container.delete", "refused")];
    for (action, outcome) in expected {
        assert!(outcomes.iter().any(|(a, o)| a == action && o == outcome), "{action} {outcome} in {outcomes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_forbidden_key_and_device_is_refused_at_the_panel_with_nothing_reserved_or_created() {
    let stage = stage(json!({"containers": 5, "cpu": 8, "memory_mb": 8192, "disk_mb": 40960})).await;
    let rows_before = stage.live_rows();
    let mut sent = 0;
    for key in smp_e2e::refused_member_keys() {
        let body = json!({"name": "x1", "image": "smp-busybox", "config": {key.as_str(): "true"}});
        let (status, code) = error_code(stage.create(&stage.alice, body).await).await;
        assert_eq!((status, code.as_str()), (403, "forbidden_config"), "create with {key}");
        let patch = stage.world.app.with_session(Method::PATCH, &format!("/containers/{}", stage.parent), &stage.alice);
        let (status, _) =
            error_code(patch.json(&json!({"config": {key.as_str(): "true"}})).send().await.unwrap()).await;
        assert_eq!(status, 422, "PATCH takes no config at all ({key})");
        sent += 1;
    }
    for device in smp_e2e::host_devices() {
        for session in [&stage.alice, &stage.world.admin] {
            let body = json!({"name": "x1", "image": "smp-busybox", "devices": device});
            let (status, code) = error_code(stage.create(session, body).await).await;
            assert_eq!((status, code.as_str()), (403, "forbidden_config"), "{device}");
            sent += 1;
        }
    }
    // Values with control characters, on keys she may set.
    for value in ["1\n", "true\u{0}", "\u{1b}[2J"] {
        let body = json!({"name": "x1", "image": "smp-busybox", "config": {"user.note": value}});
        let (status, code) = error_code(stage.create(&stage.alice, body).await).await;
        assert_eq!((status, code.as_str()), (403, "forbidden_config"), "{value:?}");
        sent += 1;
    }

    assert_eq!(stage.instances(), ["c-alice"], "nothing was created in LXD");
    assert_eq!(stage.live_rows(), rows_before, "nothing was reserved");
    let refused = stage.world.app.audit_rows_of("container.create").len();
    assert_eq!(refused, sent, "every refusal is audited, and nothing started");
    // The same member may still create within the whitelist.
    let body = json!({"name": "x1", "image": "smp-busybox", "config": {"user.note": "mine"}, "start": false});
    let response = stage.create(&stage.alice, body).await;
    assert_eq!(response.status(), 202);
    let made = stage.made(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;
    assert_eq!(made["status"], "stopped", "{made}");
    assert_eq!(lxc(&["config", "get", "x1", "user.note", "--project", &stage.project.name]).trim(), "mine");
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_creations_with_one_container_left_make_exactly_one_and_then_the_quota_is_spent() {
    let stage = stage(json!({"containers": 2, "cpu": null, "memory_mb": null, "disk_mb": null})).await;
    let first = stage.create(&stage.alice, json!({"name": "first", "image": "smp-busybox", "start": false})).await;
    assert_eq!(first.status(), 202);
    stage.made(first.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;

    let attempts = (0..50).map(|n| {
        let body = json!({"name": format!("race-{n}"), "image": "smp-busybox", "start": false});
        stage.create(&stage.alice, body)
    });
    let mut accepted = Vec::new();
    let mut refused = 0;
    for response in futures_util::future::join_all(attempts).await {
        match response.status().as_u16() {
            202 => accepted.push(response.json::<Value>().await.unwrap()),
            _ => {
                assert_eq!(error_code(response).await, (409, "quota_exceeded".to_owned()));
                refused += 1;
            }
        }
    }
    let audited: Vec<(String, String, Option<String>)> = stage
        .world
        .app
        .audit_rows_of("container.create")
        .into_iter()
        .map(|row| (row.object, row.outcome, row.error_code))
        .filter(|(_, outcome, code)| !(outcome == "refused" && code.as_deref() == Some("quota_exceeded")))
        .collect();
    assert_eq!(
        (accepted.len(), refused),
        (1, 49),
        "exactly one of 50 takes the last container: {accepted:?} {audited:?}"
    );
    let winner = accepted[0]["name"].as_str().unwrap().to_owned();
    let made = stage.made(accepted[0]["id"].as_i64().unwrap()).await;
    assert_eq!(made["status"], "stopped", "{made}");
    assert_eq!(stage.instances(), ["c-alice", "first", winner.as_str()]);

    let (status, code) =
        error_code(stage.create(&stage.alice, json!({"name": "late", "image": "smp-busybox"})).await).await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"), "two of two");
    assert_eq!(stage.instances().len(), 3, "nothing more in LXD");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creation_that_fails_says_why_gives_the_reservation_back_and_leaves_nothing_in_lxd() {
    let stage = stage(json!({"containers": 1, "cpu": null, "memory_mb": null, "disk_mb": null})).await;
    let response = stage.create(&stage.alice, json!({"name": "typo", "image": "smp-busyboks"})).await;
    assert_eq!(response.status(), 202);
    let failed = stage.made(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("smp-busyboks"), "{failed}");
    // The one container of her quota is hers again.
    let response = stage.create(&stage.alice, json!({"name": "typo", "image": "smp-busybox", "start": false})).await;
    assert_eq!(response.status(), 202);
    stage.made(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;

    // LXD makes it and then cannot start it (no file descriptor at all for
    // its init, which only an admin may ask for): the agent deletes it
    // again, and the panel says so rather than losing it to the deletion's
    // event.
    let body = json!({"name": "broken", "image": "smp-busybox", "config": {"limits.kernel.nofile": "0"}});
    let response = stage.create(&stage.world.admin, body).await;
    assert_eq!(response.status(), 202);
    let failed = stage.made(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(!failed["error"].as_str().unwrap().is_empty(), "{failed}");
    assert_eq!(stage.instances(), ["c-alice", "typo"]);
    let outcomes: Vec<String> = stage
        .world
        .app
        .audit_rows_of("container.create")
        .into_iter()
        .map(|row| format!("{} {}", row.outcome, row.error_code.unwrap_or_default()))
        .collect();
    assert_eq!(outcomes, ["started ", "refused unknown_image", "started ", "ok ", "started ", "failed agent_error"]);
}

/// The configurations that give root on the host (PROTOCOL.md's host tier).
fn host_configs() -> [Value; 2] {
    [json!({"security.privileged": "true"}), json!({"raw.lxc": "lxc.mount.entry = / mnt none bind 0 0"})]
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_never_creates_what_reaches_the_host_and_a_head_admin_only_where_the_agent_allows_it() {
    let stage = stage(json!({"containers": 1})).await;
    let world = &stage.world;
    world.app.user("ada", smp_panel::Role::Admin, crate::panel_agent::PASSWORD, true);
    let ada = world.app.login("ada", crate::panel_agent::PASSWORD).await;
    let rows_before = stage.live_rows();
    for config in host_configs() {
        let body = json!({"name": "h1", "image": "smp-busybox", "config": config});
        let (status, code) = error_code(stage.create(&ada, body).await).await;
        assert_eq!((status, code.as_str()), (403, "forbidden_config"), "an admin's {config}");
    }
    assert_eq!(stage.live_rows(), rows_before, "nothing was reserved for the admin");

    // A head admin asks for the host tier; this agent keeps host_config off.
    for (round, config) in host_configs().into_iter().enumerate() {
        let body = json!({"name": format!("h{round}"), "image": "smp-busybox", "config": config});
        let response = stage.create(&world.admin, body).await;
        assert_eq!(response.status(), 202);
        let made = stage.made(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;
        assert_eq!(made["status"], "failed", "{made}");
        assert!(made["error"].as_str().unwrap().contains("host_config"), "the reason names host_config: {made}");
    }
    assert_eq!(stage.instances(), ["c-alice"], "nothing was created in LXD");

    // An agent whose operator allows the host tier: the head admin's works, an admin's still does not.
    let project = LxdProject::create();
    let agent = Agent::start_configured("m2", &project.name, &[("k1", SECRET)], "host_config = true");
    let machine = world.add_machine("m2", &agent).await;
    for config in host_configs() {
        let body = json!({"name": "h1", "image": "smp-busybox", "config": config, "machine_id": machine});
        let (status, code) = error_code(stage.create(&ada, body).await).await;
        assert_eq!((status, code.as_str()), (403, "forbidden_config"), "an admin's {config} on m2");
    }
    let body = json!({"name": "h1", "image": "smp-busybox", "config": host_configs()[0], "machine_id": machine});
    let response = stage.create(&world.admin, body).await;
    assert_eq!(response.status(), 202);
    let made = stage.made(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()).await;
    assert_eq!(made["status"], "running", "{made}");
    assert_eq!(lxc(&["config", "get", "h1", "security.privileged", "--project", &project.name]).trim(), "true");
    drop(agent);
    lxc(&["delete", "--force", "h1", "--project", &project.name]);
}
