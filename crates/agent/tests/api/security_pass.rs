//! Issue 13, the agent's side, on the real LXD (and a fake socket where LXD
//! cannot be made to count): no admin token reaches the host, only a host
//! token on an agent with `host_config` does; members get no image unless
//! the operator lists it; a token bound to an instance's uuid never acts on
//! another instance of the same name; a create body with two names creates
//! nothing; execs beyond the session limits are refused at once and run
//! nothing; `/health` asks LXD once however many ask it.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use smp_proto::Action;
use smp_proto::token::body_hash;

use crate::fake_lxd::{Behaviour, FakeLxd};
use crate::helpers::{Answer, MEMBER_IMAGES, TestAgent, stopped_c1};
use crate::lxd_fixture::TestProject;

/// What an admin would try first to become root on the host.
const MOUNT_THE_HOST: &str = "lxc.mount.entry = / mnt none bind 0 0";

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

/// How a hand-made token asks: `adm` and `host` claims.
#[derive(Debug, Clone, Copy)]
struct Asks {
    adm: bool,
    host: bool,
}

const MEMBER: Asks = Asks { adm: false, host: false };
const ADMIN: Asks = Asks { adm: true, host: false };
const HOST: Asks = Asks { adm: true, host: true };

/// Calls `action` on `container` (for `create`: the body's name) with a
/// fresh token carrying `asks`.
async fn act(agent: &TestAgent, asks: Asks, action: Action, container: &str, body: &Value) -> Answer {
    let body = bytes(body);
    let mut claims = agent.claims(action, Some(container));
    claims.adm = asks.adm;
    claims.host = asks.host;
    claims.bh = Some(body_hash(&body));
    let token = agent.mint(&claims);
    let (method, path) = crate::helpers::route_of(action, container);
    agent.send(method, &path, Some(&token), &body).await
}

fn instances(project: &TestProject) -> Vec<String> {
    let mut names: Vec<String> =
        project.lxc(&["list", "--format", "csv", "-c", "n"]).lines().map(str::to_owned).collect();
    names.sort();
    names
}

/// The host keys of the issue, each as a create body for `c2` and an
/// update body.
fn host_configs() -> Vec<Value> {
    vec![
        json!({"security.privileged": "true"}),
        json!({"raw.lxc": MOUNT_THE_HOST}),
        json!({"raw.idmap": "both 0 0"}),
        json!({"security.idmap.isolated": "false", "limits.memory": "128MiB"}),
    ]
}

#[tokio::test]
async fn an_admin_token_can_neither_create_nor_make_a_container_that_reaches_the_host_and_lxd_is_untouched() {
    // An agent with the default host_config (off): no token may, a host token neither.
    let (project, config_before, agent) = stopped_c1("sec-admin").await;

    for config in host_configs() {
        for asks in [MEMBER, ADMIN, HOST] {
            let create =
                act(&agent, asks, Action::Create, "c2", &json!({"name":"c2","image":"smp-busybox","config":config}))
                    .await;
            assert_eq!((create.status, create.code()), (403, "forbidden_config"), "create {asks:?} {config}");
            let key = config.as_object().unwrap().keys().next().unwrap().clone();
            let message = create.body["error"]["message"].as_str().unwrap();
            assert!(message.contains(&key), "the refusal names the key: {message}");
            assert!(message.contains("host tier"), "and the tier it needs: {message}");
            if asks.host {
                assert!(message.contains("host_config is off"), "a host token learns why: {message}");
            }
            let update = act(&agent, asks, Action::Update, "c1", &json!({ "config": config })).await;
            assert_eq!((update.status, update.code()), (403, "forbidden_config"), "update {asks:?} {config}");
        }
    }
    assert_eq!(instances(&project), ["c1"], "nothing was created");
    assert_eq!(project.query("/1.0/instances/c1")["config"], config_before, "nothing was changed");

    // The admin tier still has what cannot reach the host.
    let nesting = act(&agent, ADMIN, Action::Update, "c1", &json!({"config":{"security.nesting":"true"}})).await;
    assert_eq!(nesting.status, 200, "{}", nesting.body);
}

#[tokio::test]
async fn a_host_token_on_an_agent_with_host_config_creates_a_really_privileged_container_and_an_admin_token_still_cannot()
 {
    let project = TestProject::new("sec-host");
    let agent =
        TestAgent::spawn_with(&format!("project = \"{}\"\n{MEMBER_IMAGES}\nhost_config = true", project.name())).await;
    let body = json!({"name":"c2","image":"smp-busybox","config":{"security.privileged":"true"}});
    let admin = act(&agent, ADMIN, Action::Create, "c2", &body).await;
    assert_eq!((admin.status, admin.code()), (403, "forbidden_config"), "adm alone is never the host tier");
    assert!(instances(&project).is_empty());

    let host = act(&agent, HOST, Action::Create, "c2", &body).await;
    assert_eq!(host.status, 201, "{}", host.body);
    assert_eq!(project.lxc(&["config", "get", "c2", "security.privileged"]).trim(), "true", "LXD has it");
    let raw =
        act(&agent, HOST, Action::Update, "c2", &json!({"config":{"raw.lxc":"lxc.signal.halt = SIGUSR2\n"}})).await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(project.lxc(&["config", "get", "c2", "raw.lxc"]).trim(), "lxc.signal.halt = SIGUSR2");
    // TestProject's drop deletes c2 with the project.
}

#[tokio::test]
async fn a_default_agent_offers_members_no_image_and_refuses_a_member_create_from_an_existing_alias() {
    let project = TestProject::new("sec-images");
    let agent = TestAgent::spawn_with(&format!("project = \"{}\"", project.name())).await;
    let images = |asks: Asks| {
        let agent = &agent;
        async move {
            let mut claims = agent.claims(Action::Images, None);
            claims.adm = asks.adm;
            agent.send("GET", "/images", Some(&agent.mint(&claims)), b"").await
        }
    };
    let member = images(MEMBER).await;
    assert_eq!(member.status, 200, "{}", member.body);
    assert_eq!(member.body["items"], json!([]), "members are offered nothing by default");
    let admin = images(ADMIN).await;
    assert!(admin.body["items"].as_array().unwrap().iter().any(|image| image["alias"] == "smp-busybox"));

    let refused = act(&agent, MEMBER, Action::Create, "c2", &json!({"name":"c2","image":"smp-busybox"})).await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden_config"), "{}", refused.body);
    assert!(instances(&project).is_empty(), "nothing was created");
}

#[tokio::test]
async fn a_create_body_with_two_names_creates_nothing_whichever_name_the_token_has() {
    let project = TestProject::new("sec-twonames");
    let agent = TestAgent::spawn(project.name()).await;
    let body = br#"{"name":"c2","image":"smp-busybox","name":"victim","start":true}"#;
    for ctr in ["c2", "victim"] {
        let token = agent.token(Action::Create, Some(ctr), body);
        let answer = agent.send("POST", "/containers", Some(&token), body).await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "ctr {ctr}: {}", answer.body);
        assert!(answer.body["error"]["message"].as_str().unwrap().contains("named twice"), "{}", answer.body);
    }
    assert!(instances(&project).is_empty(), "nothing was created: {:?}", instances(&project));
}

#[tokio::test]
async fn a_token_bound_to_a_container_that_was_deleted_and_made_again_is_refused_and_nothing_runs() {
    let project = TestProject::new("sec-uid");
    let agent = TestAgent::spawn(project.name()).await;
    let created =
        act(&agent, MEMBER, Action::Create, "c1", &json!({"name":"c1","image":"smp-busybox","start":true})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let old_uuid = created.body["uuid"].as_str().expect("the create answer has the uuid").to_owned();
    assert_eq!(project.query("/1.0/instances/c1")["config"]["volatile.uuid"], old_uuid.as_str());

    project.lxc(&["delete", "--force", "c1"]);
    project.launch("c1", "smp-busybox");
    let new_uuid = project.query("/1.0/instances/c1")["config"]["volatile.uuid"].as_str().unwrap().to_owned();
    assert_ne!(old_uuid, new_uuid);
    let listed = agent.send("GET", "/containers", Some(&agent.token(Action::List, None, b"")), b"").await;
    assert_eq!(listed.body["items"][0]["uuid"], new_uuid.as_str(), "GET /containers carries the uuid");
    let pid = project.init_pid("c1");

    let bound = |action: Action, uuid: &str, body: &[u8]| {
        let mut claims = agent.claims(action, Some("c1"));
        claims.uid = Some(uuid.to_owned());
        if !body.is_empty() {
            claims.bh = Some(body_hash(body));
        }
        agent.mint(&claims)
    };
    let restart = bound(Action::Restart, &old_uuid, b"");
    let refused = agent.send("POST", "/container/c1/restart", Some(&restart), b"").await;
    assert_eq!((refused.status, refused.code()), (409, "instance_changed"), "{}", refused.body);
    assert_eq!(project.init_pid("c1"), pid, "the new c1 was not restarted");

    let touch = bytes(&json!({"command":["touch","/tmp/smp-uid-marker"]}));
    let exec = bound(Action::Exec, &old_uuid, &touch);
    let refused = agent.send("POST", "/container/c1/exec", Some(&exec), &touch).await;
    assert_eq!((refused.status, refused.code()), (409, "instance_changed"), "{}", refused.body);
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/smp-uid-marker"]), 0, "nothing ran in the new c1");

    let right = bound(Action::Exec, &new_uuid, &touch);
    let ran = agent.send("POST", "/container/c1/exec", Some(&right), &touch).await;
    assert_eq!(ran.status, 200, "the right uuid works: {}", ran.body);
    assert_eq!(project.exec_status("c1", &["test", "-e", "/tmp/smp-uid-marker"]), 0);
}

/// An exec that says it started (a file per `tag`), then waits until
/// /tmp/smp-release exists: it holds its session until the test lets go.
fn held_exec(tag: &str) -> Vec<u8> {
    let script = format!("touch /tmp/smp-started-{tag}; while [ ! -e /tmp/smp-release ]; do sleep 0.1; done");
    bytes(&json!({"command":["sh","-c",script],"timeout_s":120}))
}

// Multi-threaded: the two held execs' requests run on other threads while
// this one polls the container for what they did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execs_beyond_the_per_container_limit_are_refused_at_once_run_nothing_and_others_still_run() {
    let project = TestProject::new("sec-limits");
    project.launch("c1", "smp-busybox");
    project.launch("c2", "smp-busybox");
    let agent = TestAgent::spawn_with(&format!(
        "project = \"{}\"\n{MEMBER_IMAGES}\nmax_sessions_per_container = 2",
        project.name()
    ))
    .await;

    let holders: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|tag| {
            let body = held_exec(tag);
            let token = agent.token(Action::Exec, Some("c1"), &body);
            let (url, http) = (format!("{}/container/c1/exec", agent.url), agent.http.clone());
            tokio::spawn(async move { http.post(url).bearer_auth(token).body(body).send().await.unwrap().status() })
        })
        .collect();
    // Synchronised with what the two execs do: both have started in c1.
    let started = TestProject::wait_until(Duration::from_secs(30), || {
        project.exec_status("c1", &["test", "-e", "/tmp/smp-started-a"]) == 0
            && project.exec_status("c1", &["test", "-e", "/tmp/smp-started-b"]) == 0
    });
    assert!(started, "the two held execs never started");

    let third = bytes(&json!({"command":["touch","/tmp/smp-third"]}));
    let refused = agent.act(Action::Exec, "c1", &third).await;
    assert_eq!((refused.status, refused.code()), (429, "limit_reached"), "{}", refused.body);
    let state = agent.act(Action::State, "c1", b"").await;
    assert_eq!((state.status, state.code()), (429, "limit_reached"), "state takes a session too");
    assert_ne!(project.exec_status("c1", &["test", "-e", "/tmp/smp-third"]), 0, "the refused exec did not run");

    let other = agent.act(Action::Exec, "c2", &bytes(&json!({"command":["touch","/tmp/smp-other"]}))).await;
    assert_eq!(other.status, 200, "another container is not limited: {}", other.body);
    assert_eq!(project.exec_status("c2", &["test", "-e", "/tmp/smp-other"]), 0);

    project.exec_status("c1", &["touch", "/tmp/smp-release"]);
    for holder in join_all(holders).await {
        assert_eq!(holder.unwrap().as_u16(), 200);
    }
    let again = agent.act(Action::Exec, "c1", &third).await;
    assert_eq!(again.status, 200, "once the two ended, an exec works again: {}", again.body);
    assert_eq!(project.exec_status("c1", &["test", "-e", "/tmp/smp-third"]), 0);
}

#[tokio::test]
async fn fifty_concurrent_health_checks_ask_lxd_once_and_name_no_project() {
    let fake = FakeLxd::start(Behaviour::Answer {
        status: 200,
        body: r#"{"type":"sync","status":"Success","status_code":200,"metadata":{"environment":{"server_version":"5.0.2"}}}"#
            .to_owned(),
    })
    .await;
    let agent = TestAgent::spawn_with(&format!(
        "lxd_socket = \"{}\"\nproject = \"secret-project-name\"",
        fake.socket_path().display()
    ))
    .await;
    let answers = join_all((0..50).map(|_| agent.send("GET", "/health", None, b""))).await;
    for answer in &answers {
        assert_eq!((answer.status, answer.body["status"].as_str()), (200, Some("ok")), "{}", answer.body);
        assert_eq!(answer.body["lxd"]["server_version"], "5.0.2");
        assert!(answer.body["lxd"].get("project").is_none(), "{}", answer.body);
        assert!(!answer.body.to_string().contains("secret-project-name"), "{}", answer.body);
    }
    let again = agent.send("GET", "/health", None, b"").await;
    assert_eq!(again.status, 200);
    assert_eq!(fake.requests(), 1, "one LXD call for 51 health checks within 5 s");
}
