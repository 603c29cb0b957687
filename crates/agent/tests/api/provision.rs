//! `create`, `update`, `delete` and `images` on a real LXD, each test in its
//! own project: a member's container is really created, started,
//! reconfigured and removed; every key of the refusal table and every kind
//! of device is refused with a member token with nothing created in LXD;
//! admins may set what members may not (the host tier: security_pass.rs);
//! images and profiles outside the member offer are refused.

use serde_json::{Value, json};
use smp_proto::Action;
use smp_proto::config_policy::MEMBER_CONFIG_KEYS;

use crate::fake_lxd::{Behaviour, FakeLxd};
use crate::helpers::{Answer, TestAgent, stopped_c1};
use crate::lxd_fixture::TestProject;

const MEMBER: bool = false;
const ADMIN: bool = true;

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

/// `POST /containers` with a fresh token whose `ctr` is the body's name.
async fn create(agent: &TestAgent, admin: bool, body: &Value) -> Answer {
    let name = body["name"].as_str().unwrap_or("c2");
    agent.act_as(admin, Action::Create, name, &bytes(body)).await
}

async fn update(agent: &TestAgent, admin: bool, container: &str, body: &Value) -> Answer {
    agent.act_as(admin, Action::Update, container, &bytes(body)).await
}

/// The names of the project's instances, as LXD lists them.
fn instances(project: &TestProject) -> Vec<String> {
    let mut names: Vec<String> =
        project.lxc(&["list", "--format", "csv", "-c", "n"]).lines().map(str::to_owned).collect();
    names.sort();
    names
}

/// `lxc config get <container> <key>`, trimmed.
fn config_get(project: &TestProject, container: &str, key: &str) -> String {
    project.lxc(&["config", "get", container, key]).trim().to_owned()
}

#[tokio::test]
async fn a_member_creates_starts_updates_and_deletes_a_container_for_real() {
    let project = TestProject::new("pv-life");
    let agent = TestAgent::spawn(project.name()).await;

    let created = create(
        &agent,
        MEMBER,
        &json!({"name":"c2","image":"smp-busybox","profiles":["default"],
                "config":{"limits.memory":"128MiB","user.owner":"ann"},"start":true}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["name"], "c2");
    assert_eq!(created.body["action"], "create");
    assert_eq!(created.body["status"], "running");
    assert_eq!(project.status("c2"), "Running");
    assert_eq!(config_get(&project, "c2", "limits.memory"), "128MiB");
    assert_eq!(config_get(&project, "c2", "user.owner"), "ann");

    let updated = update(
        &agent,
        MEMBER,
        "c2",
        &json!({"config":{"boot.autostart":"true","limits.memory":"256MiB","user.owner":""}}),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["config"], json!({"boot.autostart":"true","limits.memory":"256MiB"}));
    assert_eq!(config_get(&project, "c2", "boot.autostart"), "true");
    assert_eq!(config_get(&project, "c2", "limits.memory"), "256MiB");
    assert_eq!(config_get(&project, "c2", "user.owner"), "", "\"\" removes a key");
    // The running container's cgroup has the new limit at once.
    let state = agent.act(Action::State, "c2", b"").await;
    assert_eq!(state.body["memory"]["limit_bytes"], 256 * 1024 * 1024, "{}", state.body);

    let deleted = agent.act(Action::Delete, "c2", b"").await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!((deleted.body["action"].as_str(), deleted.body["status"].as_str()), (Some("delete"), Some("deleted")));
    assert!(instances(&project).is_empty(), "c2 is gone from LXD: {:?}", instances(&project));
    eprintln!(
        "timings on this machine: create+start {} ms, update {} ms, delete (running: forced stop + delete) {} ms",
        created.body["duration_ms"], updated.body["duration_ms"], deleted.body["duration_ms"]
    );
}

#[tokio::test]
async fn create_without_start_leaves_the_container_stopped_and_delete_removes_it() {
    let project = TestProject::new("pv-stopped");
    let agent = TestAgent::spawn(project.name()).await;
    let created = create(&agent, MEMBER, &json!({"name":"c2","image":"smp-busybox"})).await;
    assert_eq!((created.status, created.body["status"].as_str()), (201, Some("stopped")), "{}", created.body);
    assert_eq!(project.status("c2"), "Stopped");
    assert_eq!(project.query("/1.0/instances/c2")["profiles"], json!(["default"]), "profiles default to [default]");
    let deleted = agent.act(Action::Delete, "c2", b"").await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(instances(&project).is_empty());
}

/// The test pool is `dir` on ext4 without project quotas, where LXD records
/// the size and logs that it cannot enforce it; on btrfs, zfs or lvm the
/// same device is a real quota. The test checks what LXD has recorded.
#[tokio::test]
async fn disk_mb_sets_the_size_of_the_root_disk_of_the_profiles_pool() {
    let project = TestProject::new("pv-disk");
    let agent = TestAgent::spawn(project.name()).await;
    let created = create(&agent, MEMBER, &json!({"name":"c2","image":"smp-busybox","disk_mb":300})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let root = &project.query("/1.0/instances/c2")["devices"]["root"];
    assert_eq!(root, &json!({"type":"disk","path":"/","pool":"default","size":"300MiB"}), "a local override");
    assert_eq!(project.lxc(&["config", "device", "get", "c2", "root", "size"]).trim(), "300MiB");

    let updated = update(&agent, MEMBER, "c2", &json!({"disk_mb":400})).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["disk_mb"], 400);
    assert_eq!(project.query("/1.0/instances/c2")["devices"]["root"]["size"], "400MiB");
}

#[tokio::test]
async fn every_refused_key_and_every_device_is_forbidden_for_a_member_with_nothing_created_or_changed() {
    let (project, config_before, agent) = stopped_c1("pv-refused").await;

    let keys = smp_e2e::refused_member_keys();
    for key in &keys {
        let create_answer =
            create(&agent, MEMBER, &json!({"name":"c2","image":"smp-busybox","config":{key.as_str():"true"}})).await;
        assert_eq!((create_answer.status, create_answer.code()), (403, "forbidden_config"), "create with {key}");
        let update_answer = update(&agent, MEMBER, "c1", &json!({"config":{key.as_str():"true"}})).await;
        assert_eq!((update_answer.status, update_answer.code()), (403, "forbidden_config"), "update with {key}");
    }

    let devices = smp_e2e::host_devices();
    for device in &devices {
        for admin in [MEMBER, ADMIN] {
            let body = json!({"name":"c2","image":"smp-busybox","devices":device});
            let answer = create(&agent, admin, &body).await;
            assert_eq!((answer.status, answer.code()), (403, "forbidden_config"), "create, admin {admin}: {device}");
            let answer = update(&agent, admin, "c1", &json!({"devices":device})).await;
            assert_eq!((answer.status, answer.code()), (403, "forbidden_config"), "update, admin {admin}: {device}");
        }
    }
    let source = json!({"name":"c2","image":"smp-busybox","source":{"type":"copy","source":"c1"}});
    assert_eq!(create(&agent, ADMIN, &source).await.code(), "forbidden_config");

    for allowed in &MEMBER_CONFIG_KEYS {
        let key = allowed.pattern.example();
        for value in ["1\n", "true\u{0}", "\u{1b}[2J"] {
            let answer = update(&agent, MEMBER, "c1", &json!({"config":{key.as_str(): value}})).await;
            assert_eq!((answer.status, answer.code()), (403, "forbidden_config"), "{key} = {value:?}");
        }
    }

    assert_eq!(instances(&project), ["c1"], "nothing was created");
    assert_eq!(project.query("/1.0/instances/c1")["config"], config_before, "nothing was changed");
    assert!(project.query("/1.0/instances/c1")["devices"].as_object().is_none_or(|devices| devices.is_empty()));
}

#[tokio::test]
async fn badly_shaped_member_values_are_invalid_requests_and_change_nothing() {
    let (project, _, agent) = stopped_c1("pv-shapes").await;
    for config in [
        json!({"limits.memory":"lots"}),
        json!({"limits.cpu":"0"}),
        json!({"limits.processes":"-1"}),
        json!({"boot.autostart":"yes"}),
    ] {
        let answer = update(&agent, MEMBER, "c1", &json!({ "config": config })).await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "{config}");
    }
    assert_eq!(config_get(&project, "c1", "limits.memory"), "");
    assert_eq!(config_get(&project, "c1", "boot.autostart"), "");
}

#[tokio::test]
async fn an_admin_token_may_set_what_a_member_may_not() {
    let project = TestProject::new("pv-admin");
    let agent = TestAgent::spawn(project.name()).await;
    let body = json!({"name":"c2","image":"smp-busybox","config":{"security.nesting":"true"},"start":true});
    let refused = create(&agent, MEMBER, &body).await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden_config"));
    assert!(instances(&project).is_empty());

    let created = create(&agent, ADMIN, &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(config_get(&project, "c2", "security.nesting"), "true");
    assert_eq!(project.status("c2"), "Running");

    let updated =
        update(&agent, ADMIN, "c2", &json!({"config":{"security.nesting":"false","limits.cpu.priority":"5"}})).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(config_get(&project, "c2", "security.nesting"), "false");
    assert_eq!(config_get(&project, "c2", "limits.cpu.priority"), "5");

    // An admin value LXD itself refuses is the caller's error, with LXD's reason.
    let invalid = update(&agent, ADMIN, "c2", &json!({"config":{"limits.memory":"lots"}})).await;
    assert_eq!((invalid.status, invalid.code()), (400, "invalid_request"), "{}", invalid.body);
}

/// A container that LXD creates but cannot start is deleted again: a failed
/// create leaves nothing behind. (Made to fail with a bind mount of a host
/// path that does not exist, which only a host token's raw.lxc can ask for,
/// on an agent with host_config.)
#[tokio::test]
async fn a_container_that_does_not_start_is_deleted_again() {
    let project = TestProject::new("pv-rollback");
    let agent = TestAgent::spawn_with(&format!("project = \"{}\"\nhost_config = true", project.name())).await;
    let raw = "lxc.mount.entry = /nonexistent-smp-test-path mnt none bind,create=dir 0 0";
    let body = bytes(&json!({"name":"c2","image":"smp-busybox","config":{"raw.lxc":raw},"start":true}));
    let mut claims = agent.claims(Action::Create, Some("c2"));
    (claims.adm, claims.host, claims.bh) = (true, true, Some(smp_proto::token::body_hash(&body)));
    let answer = agent.send("POST", "/containers", Some(&agent.mint(&claims)), &body).await;
    assert_eq!((answer.status, answer.code()), (502, "lxd_error"), "{}", answer.body);
    assert!(instances(&project).is_empty(), "left behind: {:?}", instances(&project));
}

#[tokio::test]
async fn images_and_profiles_outside_the_member_offer_are_refused_and_unknown_ones_are_422() {
    let project = TestProject::new("pv-offer");
    let agent = TestAgent::spawn_with(&format!(
        "project = \"{}\"\nmember_images = [\"smp-busybox\", \"smp-no-such-image\"]",
        project.name()
    ))
    .await;
    let cases = [
        (MEMBER, json!({"name":"c2","image":"smp-debian"}), 403, "forbidden_config"),
        (MEMBER, json!({"name":"c2","image":"elsewhere-image"}), 403, "forbidden_config"),
        (MEMBER, json!({"name":"c2","image":"smp-busybox","profiles":["default","other"]}), 403, "forbidden_config"),
        (MEMBER, json!({"name":"c2","image":"smp-no-such-image"}), 422, "unknown_image"),
        (ADMIN, json!({"name":"c2","image":"smp-no-such-image"}), 422, "unknown_image"),
        (ADMIN, json!({"name":"c2","image":"smp-busybox","profiles":["smp-no-such-profile"]}), 422, "unknown_profile"),
        (MEMBER, json!({"name":"c2","image":"remote:alpine"}), 400, "invalid_request"),
        (MEMBER, json!({"name":"c2","image":"smp-busybox","profiles":[]}), 400, "invalid_request"),
        (MEMBER, json!({"name":"-c2","image":"smp-busybox"}), 422, "invalid_name"),
    ];
    for (admin, body, status, code) in cases {
        let answer = create(&agent, admin, &body).await;
        assert_eq!((answer.status, answer.code()), (status, code), "admin {admin}: {body} → {}", answer.body);
    }
    assert!(instances(&project).is_empty(), "nothing was created: {:?}", instances(&project));
    let created = create(&agent, ADMIN, &json!({"name":"c2","image":"smp-debian"})).await;
    assert_eq!(created.status, 201, "an admin may use any local alias: {}", created.body);
}

#[tokio::test]
async fn a_create_token_works_once_for_its_own_name_and_an_existing_name_is_a_conflict() {
    let project = TestProject::new("pv-token");
    project.launch("c1", "smp-busybox");
    let pid = project.init_pid("c1");
    let agent = TestAgent::spawn(project.name()).await;

    let body = bytes(&json!({"name":"c2","image":"smp-busybox"}));
    let token = agent.token(Action::Create, Some("c2"), &body);
    let first = agent.send("POST", "/containers", Some(&token), &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let replayed = agent.send("POST", "/containers", Some(&token), &body).await;
    assert_eq!((replayed.status, replayed.code()), (401, "token_replayed"));

    let other = bytes(&json!({"name":"c3","image":"smp-busybox"}));
    let wrong = agent.send("POST", "/containers", Some(&agent.token(Action::Create, Some("c2"), &other)), &other).await;
    assert_eq!((wrong.status, wrong.code()), (403, "token_wrong_container"));
    let no_ctr = agent.send("POST", "/containers", Some(&agent.token(Action::Create, None, &other)), &other).await;
    assert_eq!((no_ctr.status, no_ctr.code()), (403, "token_wrong_container"));

    let taken = create(&agent, MEMBER, &json!({"name":"c1","image":"smp-busybox","start":true})).await;
    assert_eq!((taken.status, taken.code()), (409, "already_exists"), "{}", taken.body);
    assert_eq!(instances(&project), ["c1", "c2"]);
    assert_eq!(project.init_pid("c1"), pid, "c1 was not touched");
}

#[tokio::test]
async fn update_and_delete_of_a_missing_container_are_not_found() {
    let project = TestProject::new("pv-missing");
    let agent = TestAgent::spawn(project.name()).await;
    let answer = update(&agent, MEMBER, "ghost", &json!({"config":{"boot.autostart":"true"}})).await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
    let answer = update(&agent, MEMBER, "ghost", &json!({"disk_mb":100})).await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
    let answer = agent.act(Action::Delete, "ghost", b"").await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
}

fn aliases(answer: &Answer) -> Vec<String> {
    answer.body["items"].as_array().unwrap().iter().map(|item| item["alias"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn images_lists_the_local_aliases_and_members_see_only_member_images() {
    let project = TestProject::new("pv-images");
    let everything = TestAgent::spawn(project.name()).await;
    let answer =
        everything.send("GET", "/images", Some(&everything.token_as(ADMIN, Action::Images, None, b"")), b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let offered = aliases(&answer);
    assert!(offered.contains(&"smp-busybox".to_owned()) && offered.contains(&"smp-debian".to_owned()), "{offered:?}");
    let busybox = answer.body["items"].as_array().unwrap().iter().find(|item| item["alias"] == "smp-busybox").unwrap();
    assert_eq!(busybox["fingerprint"].as_str().unwrap().len(), 64);
    assert!(busybox["size_bytes"].as_u64().unwrap() > 0);
    assert!(!busybox["architecture"].as_str().unwrap().is_empty());
    assert!(busybox["description"].as_str().unwrap().contains("busybox"), "{busybox}");

    let limited =
        TestAgent::spawn_with(&format!("project = \"{}\"\nmember_images = [\"smp-busybox\"]", project.name())).await;
    let member = limited.send("GET", "/images", Some(&limited.token_as(MEMBER, Action::Images, None, b"")), b"").await;
    assert_eq!(aliases(&member), ["smp-busybox"]);
    let admin = limited.send("GET", "/images", Some(&limited.token_as(ADMIN, Action::Images, None, b"")), b"").await;
    assert_eq!(aliases(&admin), offered, "admins see every local alias");
}

/// Refusals are decided from the body alone: the agent never even
/// connects to LXD (a fake socket counts connections).
#[tokio::test]
async fn forbidden_bodies_never_reach_lxd() {
    let fake = FakeLxd::start(Behaviour::Garbage).await;
    let agent =
        TestAgent::spawn_with(&format!("lxd_socket = \"{}\"\nlxd_timeout_s = 1", fake.socket_path().display())).await;
    let refused = [
        create(&agent, MEMBER, &json!({"name":"c2","image":"smp-busybox","config":{"security.privileged":"true"}}))
            .await,
        create(&agent, MEMBER, &json!({"name":"c2","image":"smp-busybox","profiles":["privileged"]})).await,
        create(&agent, ADMIN, &json!({"name":"c2","image":"x","devices":{"d":{"type":"disk","source":"/"}}})).await,
        update(&agent, MEMBER, "c1", &json!({"config":{"raw.lxc":"lxc.apparmor.profile=unconfined"}})).await,
        update(&agent, MEMBER, "c1", &json!({"config":{"limits.memory":"lots"}})).await,
    ];
    for answer in &refused {
        assert!(answer.status == 403 || answer.status == 400, "{}", answer.body);
    }
    assert_eq!(fake.connections(), 0, "no refused body may open a connection to LXD");
}
