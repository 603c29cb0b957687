//! The snapshot routes on a real LXD, each test in its own project: a
//! snapshot is really taken, listed, restored over a marker file (the
//! running container runs again, with a new init) and deleted, each checked
//! in LXD's own view; a name taken is 409; bad names, tokens for another
//! snapshot or container are refused with nothing created, restored or
//! deleted; members set the three snapshot keys through `update`, and bad
//! values leave LXD's config as it was.

use serde_json::{Value, json};
use smp_proto::Action;
use smp_proto::token::body_hash;

use crate::helpers::{Answer, TestAgent, now, running_c1, stopped_c1, valid_claims};
use crate::lxd_fixture::TestProject;

const MARKER: &str = "/smp-snapshot-marker";

/// A valid token for a snapshot action on `container` whose `snap` is
/// `snap`, bound to `body`.
fn snapshot_token(agent: &TestAgent, action: Action, container: &str, snap: Option<&str>, body: &[u8]) -> String {
    let mut claims = valid_claims(action, Some(container));
    claims.snap = snap.map(str::to_owned);
    claims.bh = (!body.is_empty()).then(|| body_hash(body));
    agent.mint(&claims)
}

/// `POST /container/<container>/snapshots` with `{"name": name}` and a
/// token whose `snap` is `snap`.
async fn create(agent: &TestAgent, container: &str, name: &str, snap: Option<&str>) -> Answer {
    let body = serde_json::to_vec(&json!({ "name": name })).unwrap();
    let token = snapshot_token(agent, Action::SnapshotCreate, container, snap, &body);
    agent.send("POST", &format!("/container/{container}/snapshots"), Some(&token), &body).await
}

/// `restore` or `delete` of the path's `snapshot` with a token whose `snap` is `snap`.
async fn act_on(agent: &TestAgent, action: Action, container: &str, snapshot: &str, snap: Option<&str>) -> Answer {
    let token = snapshot_token(agent, action, container, snap, b"");
    send_with(agent, action, container, snapshot, &token).await
}

async fn send_with(agent: &TestAgent, action: Action, container: &str, snapshot: &str, token: &str) -> Answer {
    let (method, path) = match action {
        Action::SnapshotRestore => ("POST", format!("/container/{container}/snapshot/{snapshot}/restore")),
        Action::SnapshotDelete => ("DELETE", format!("/container/{container}/snapshot/{snapshot}")),
        other => panic!("not an action on one snapshot: {other}"),
    };
    agent.send(method, &path, Some(token), b"").await
}

async fn list(agent: &TestAgent, container: &str) -> Answer {
    let token = snapshot_token(agent, Action::SnapshotList, container, None, b"");
    agent.send("GET", &format!("/container/{container}/snapshots"), Some(&token), b"").await
}

/// The names of the container's snapshots as LXD itself lists them.
fn lxd_snapshots(project: &TestProject, container: &str) -> Vec<String> {
    let listed = project.query(&format!("/1.0/instances/{container}/snapshots?recursion=1"));
    let mut names: Vec<String> =
        listed.as_array().unwrap().iter().map(|snapshot| snapshot["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

fn has_marker(project: &TestProject) -> bool {
    project.exec_status("c1", &["test", "-e", MARKER]) == 0
}

fn uuid_of(project: &TestProject, container: &str) -> Value {
    project.query(&format!("/1.0/instances/{container}"))["config"]["volatile.uuid"].clone()
}

#[tokio::test]
async fn a_snapshot_is_taken_listed_restored_over_a_marker_and_deleted_for_real() {
    let (project, agent) = running_c1("snap-life").await;

    let created = create(&agent, "c1", "s0", Some("s0")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["name"], "s0");
    let created_at = created.body["created_at"].as_i64().unwrap();
    assert!((now() - created_at).abs() < 120, "created_at is Unix seconds of now: {created_at}");
    assert_eq!((&created.body["expires_at"], &created.body["stateful"]), (&Value::Null, &json!(false)));
    assert_eq!(created.body["size_bytes"], Value::Null, "the dir pool reports no size");
    assert_eq!(lxd_snapshots(&project, "c1"), ["s0"]);

    let listed = list(&agent, "c1").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["items"], json!([created.body]), "the list shows what the create answered");

    assert_eq!(project.exec_status("c1", &["touch", MARKER]), 0);
    let (pid_before, uuid_before) = (project.init_pid("c1"), uuid_of(&project, "c1"));
    let restored = act_on(&agent, Action::SnapshotRestore, "c1", "s0", Some("s0")).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(
        restored.body,
        json!({"name":"c1","snapshot":"s0","action":"snapshot.restore","status":"running",
               "duration_ms":restored.body["duration_ms"]})
    );
    assert_eq!(project.status("c1"), "Running", "a running container runs again after its restore");
    let pid_after = project.init_pid("c1");
    assert!(pid_after > 0 && pid_after != pid_before, "LXD stopped and started it: init {pid_before} -> {pid_after}");
    assert!(!has_marker(&project), "the file written after the snapshot is gone");
    assert_eq!(uuid_of(&project, "c1"), uuid_before, "LXD 5.0 keeps volatile.uuid: uid-bound tokens still work");

    let again = create(&agent, "c1", "s0", Some("s0")).await;
    assert_eq!((again.status, again.code()), (409, "already_exists"), "{}", again.body);
    assert_eq!(lxd_snapshots(&project, "c1"), ["s0"]);

    let deleted = act_on(&agent, Action::SnapshotDelete, "c1", "s0", Some("s0")).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        (deleted.body["action"].as_str(), deleted.body["status"].as_str()),
        (Some("snapshot.delete"), Some("running"))
    );
    assert!(lxd_snapshots(&project, "c1").is_empty(), "LXD no longer has it");
    assert_eq!(list(&agent, "c1").await.body["items"], json!([]));

    for action in [Action::SnapshotRestore, Action::SnapshotDelete] {
        let missing = act_on(&agent, action, "c1", "s0", Some("s0")).await;
        assert_eq!((missing.status, missing.code()), (404, "not_found"), "{action}: {}", missing.body);
        assert!(missing.body["error"]["message"].as_str().unwrap().contains("no snapshot"), "{}", missing.body);
    }
    let ghost = list(&agent, "ghost").await;
    assert_eq!((ghost.status, ghost.code()), (404, "not_found"));
}

#[tokio::test]
async fn a_stopped_container_is_restored_and_stays_stopped() {
    let (project, _, agent) = stopped_c1("snap-stopped").await;
    assert_eq!(create(&agent, "c1", "s0", Some("s0")).await.status, 201);
    let restored = act_on(&agent, Action::SnapshotRestore, "c1", "s0", Some("s0")).await;
    assert_eq!((restored.status, restored.body["status"].as_str()), (200, Some("stopped")), "{}", restored.body);
    assert_eq!(project.status("c1"), "Stopped");
}

#[tokio::test]
async fn bad_snapshot_names_are_invalid_name_and_nothing_is_created() {
    let (project, agent) = running_c1("snap-names").await;
    for bad in ["bad_name", "-s", "s-", "0s", "../x", "s/0", "s 0", ""] {
        // A token minted for exactly that string: the name itself is refused.
        let answer = create(&agent, "c1", bad, Some(bad)).await;
        assert_eq!((answer.status, answer.code()), (422, "invalid_name"), "{bad:?}: {}", answer.body);
    }
    assert!(lxd_snapshots(&project, "c1").is_empty(), "nothing was created: {:?}", lxd_snapshots(&project, "c1"));

    // In the path, a bad name is refused before the token is even verified.
    project.lxc(&["snapshot", "c1", "s0"]);
    for bad in ["bad_name", "-s", "..%2Fs0", "s0%2F..", "a%20b"] {
        for action in [Action::SnapshotRestore, Action::SnapshotDelete] {
            let answer = send_with(&agent, action, "c1", bad, "garbage").await;
            assert_eq!((answer.status, answer.code()), (422, "invalid_name"), "{action} {bad}: {}", answer.body);
        }
    }
    assert_eq!(lxd_snapshots(&project, "c1"), ["s0"]);
}

#[tokio::test]
async fn a_token_for_another_snapshot_is_refused_with_nothing_restored_or_deleted_and_stays_usable() {
    let (project, agent) = running_c1("snap-token").await;
    project.lxc(&["snapshot", "c1", "s0"]);
    project.lxc(&["snapshot", "c1", "s1"]);
    assert_eq!(project.exec_status("c1", &["touch", MARKER]), 0);
    let pid = project.init_pid("c1");

    for action in [Action::SnapshotRestore, Action::SnapshotDelete] {
        for snap in [Some("s1"), Some("S0"), None] {
            let answer = act_on(&agent, action, "c1", "s0", snap).await;
            assert_eq!(
                (answer.status, answer.code()),
                (403, "token_wrong_snapshot"),
                "{action} {snap:?}: {}",
                answer.body
            );
        }
    }
    assert!(has_marker(&project) && project.init_pid("c1") == pid, "nothing was restored");
    assert_eq!(lxd_snapshots(&project, "c1"), ["s0", "s1"], "nothing was deleted");

    for snap in [Some("s3"), None] {
        let answer = create(&agent, "c1", "s2", snap).await;
        assert_eq!((answer.status, answer.code()), (403, "token_wrong_snapshot"), "{snap:?}: {}", answer.body);
    }
    let token = snapshot_token(&agent, Action::SnapshotList, "c1", Some("s0"), b"");
    let answer = agent.send("GET", "/container/c1/snapshots", Some(&token), b"").await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_snapshot"), "list takes no snap");
    assert_eq!(lxd_snapshots(&project, "c1"), ["s0", "s1"], "nothing was created");

    // The refusal did not consume the token: it works on its own snapshot.
    let for_s1 = snapshot_token(&agent, Action::SnapshotDelete, "c1", Some("s1"), b"");
    let refused = send_with(&agent, Action::SnapshotDelete, "c1", "s0", &for_s1).await;
    assert_eq!(refused.code(), "token_wrong_snapshot");
    let accepted = send_with(&agent, Action::SnapshotDelete, "c1", "s1", &for_s1).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(lxd_snapshots(&project, "c1"), ["s0"]);
}

#[tokio::test]
async fn a_token_for_another_container_is_refused_with_nothing_done_to_either() {
    let (project, agent) = running_c1("snap-ctr").await;
    project.launch("c2", "smp-busybox");
    project.lxc(&["snapshot", "c1", "s0"]);
    project.lxc(&["snapshot", "c2", "s0"]);
    assert_eq!(project.exec_status("c1", &["touch", MARKER]), 0);

    let for_c2 = snapshot_token(&agent, Action::SnapshotRestore, "c2", Some("s0"), b"");
    let answer = send_with(&agent, Action::SnapshotRestore, "c1", "s0", &for_c2).await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_container"), "{}", answer.body);
    assert!(has_marker(&project), "c1 was not restored");
    let for_c2 = snapshot_token(&agent, Action::SnapshotDelete, "c2", Some("s0"), b"");
    let answer = send_with(&agent, Action::SnapshotDelete, "c1", "s0", &for_c2).await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_container"), "{}", answer.body);

    let body = serde_json::to_vec(&json!({"name": "s1"})).unwrap();
    let token = snapshot_token(&agent, Action::SnapshotCreate, "c2", Some("s1"), &body);
    let answer = agent.send("POST", "/container/c1/snapshots", Some(&token), &body).await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_container"), "{}", answer.body);
    assert_eq!(
        (lxd_snapshots(&project, "c1"), lxd_snapshots(&project, "c2")),
        (vec!["s0".to_owned()], vec!["s0".to_owned()])
    );
}

/// `lxc config get c1 <key>`, trimmed.
fn config_get(project: &TestProject, key: &str) -> String {
    project.lxc(&["config", "get", "c1", key]).trim().to_owned()
}

#[tokio::test]
async fn members_set_the_snapshot_keys_through_update_and_bad_values_change_nothing() {
    let (project, _, agent) = stopped_c1("snap-keys").await;
    let update = |config: Value| {
        let body = serde_json::to_vec(&json!({ "config": config })).unwrap();
        let agent = &agent;
        async move { agent.act_as(false, Action::Update, "c1", &body).await }
    };

    let set = json!({"snapshots.schedule":"@daily","snapshots.expiry":"7d","snapshots.pattern":"auto-%d"});
    let answer = update(set.clone()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    for (key, value) in set.as_object().unwrap() {
        assert_eq!(config_get(&project, key), value.as_str().unwrap(), "{key} in LXD's config");
    }
    let config = project.query("/1.0/instances/c1")["config"].clone();

    for bad in [
        json!({"snapshots.schedule":"@every-second"}),
        json!({"snapshots.expiry":"forever"}),
        json!({"snapshots.pattern":"x"}),
        json!({"snapshots.pattern":"{{ creation_date }}"}),
        json!({"snapshots.schedule":"@hourly","snapshots.expiry":"1d 2H"}),
    ] {
        let answer = update(bad.clone()).await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "{bad}: {}", answer.body);
    }
    let answer = update(json!({"snapshots.schedule.stopped":"true"})).await;
    assert_eq!((answer.status, answer.code()), (403, "forbidden_config"), "an admin's key: {}", answer.body);
    assert_eq!(project.query("/1.0/instances/c1")["config"], config, "LXD's config is unchanged");

    // LXD gives a snapshot taken through the route its expiry too.
    let created = create(&agent, "c1", "s0", Some("s0")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let lifetime = created.body["expires_at"].as_i64().unwrap() - created.body["created_at"].as_i64().unwrap();
    assert!((7 * 86_400 - 5..=7 * 86_400 + 5).contains(&lifetime), "7d: {lifetime} s");

    let removed = update(json!({"snapshots.schedule":"","snapshots.expiry":"","snapshots.pattern":""})).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(config_get(&project, "snapshots.schedule"), "", "\"\" removes a key");
}
