//! The panel with the real agent on the real LXD, end to end through the
//! JSON API: the sync (list and events), members acting on what they own
//! and only that, the audit of both, and two machines as two agents on two
//! LXD projects.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;

use crate::helpers::{Session, TestApp, error_code, spawn_app, spawn_app_with};
use crate::real_agent::{Agent, LxdProject, SECRET, lxc};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// Polls `probe` until it gives `Some`, at most `limit`; the time it took.
pub(crate) async fn until<T, F, Fut>(limit: Duration, what: &str, mut probe: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return (value, started.elapsed());
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) struct World {
    pub app: TestApp,
    pub admin: Session,
}

impl World {
    pub(crate) async fn new() -> World {
        World::with_app(spawn_app().await).await
    }

    pub(crate) async fn with_app(app: TestApp) -> World {
        app.user("root", Role::HeadAdmin, PASSWORD, true);
        let admin = app.login("root", PASSWORD).await;
        World { app, admin }
    }

    /// A fresh panel with machine `m1`: an agent serving `project`,
    /// registered (which wakes the sync). The agent, the world and the
    /// machine's id.
    pub(crate) async fn with_m1(project: &LxdProject) -> (Agent, World, i64) {
        World::with_m1_on(spawn_app().await, project).await
    }

    /// `with_m1` on the panel `app`.
    pub(crate) async fn with_m1_on(app: TestApp, project: &LxdProject) -> (Agent, World, i64) {
        let agent = Agent::start_named("m1", &project.name, &[("k1", SECRET)]);
        let world = World::with_app(app).await;
        let machine = world.add_machine("m1", &agent).await;
        (agent, world, machine)
    }

    /// Registers the agent through the API (which wakes the sync) and returns the machine id.
    pub(crate) async fn add_machine(&self, name: &str, agent: &Agent) -> i64 {
        let response = self.post("/machines", &self.admin, machine_body(name, agent)).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    pub(crate) async fn get(&self, path: &str, session: &Session) -> reqwest::Response {
        self.app.with_session(Method::GET, path, session).send().await.unwrap()
    }

    pub(crate) async fn post(&self, path: &str, session: &Session, body: Value) -> reqwest::Response {
        self.app.send_json(Method::POST, path, session, &body).await
    }

    pub(crate) async fn containers(&self, session: &Session) -> Vec<Value> {
        let response = self.get("/containers", session).await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
    }

    /// The container named `name` on machine `machine`, as `session` sees it.
    pub(crate) async fn container(&self, session: &Session, machine: &str, name: &str) -> Option<Value> {
        self.containers(session)
            .await
            .into_iter()
            .find(|item| item["name"] == name && item["machine"] == machine && item["status"] != "gone")
    }

    /// Waits (bounded) until the sync has put `name` in the database; its id.
    pub(crate) async fn synced(&self, machine: &str, name: &str) -> i64 {
        let (item, _) = until(Duration::from_secs(20), &format!("{name} synced"), || async {
            self.container(&self.admin, machine, name).await
        })
        .await;
        item["id"].as_i64().unwrap()
    }

    pub(crate) async fn give(&self, container: i64, owner: &str) {
        let response = self
            .app
            .send_json(Method::PATCH, &format!("/containers/{container}"), &self.admin, &json!({"owner": owner}))
            .await;
        assert_eq!(response.status(), 200);
    }

    pub(crate) async fn member(&self, name: &str) -> Session {
        self.app.user(name, Role::Member, PASSWORD, true);
        self.app.login(name, PASSWORD).await
    }

    /// A member `name`, signed in, who owns `container`.
    pub(crate) async fn member_owning(&self, name: &str, container: i64) -> Session {
        let session = self.member(name).await;
        self.give(container, name).await;
        session
    }
}

/// What `POST /machines` takes to register `agent` as machine `name` (with key `k1`).
fn machine_body(name: &str, agent: &Agent) -> Value {
    json!({"name": name, "url": agent.url(), "key_id": "k1", "secret": SECRET, "fingerprint": agent.fingerprint()})
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_syncs_of_one_new_machine_at_once_all_answer_and_list_each_container_once() {
    let project = LxdProject::with_busyboxes(&["c-one", "c-two"]);
    let agent = Agent::start_named("m1", &project.name, &[("k1", SECRET)]);
    let world = World::new().await;
    let machine = world.add_machine("m1", &agent).await;
    let path = format!("/machines/{machine}/sync");
    let syncs = (0..8).map(|_| world.post(&path, &world.admin, json!({})));
    for answer in futures_util::future::join_all(syncs).await {
        assert_eq!(answer.status(), 200, "{:?}", answer.text().await);
    }
    let listed: Value = world.get("/containers?limit=1000", &world.admin).await.json().await.unwrap();
    let mut names: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|item| item["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["c-one", "c-two"], "one row each");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_restarts_her_container_and_cannot_see_restart_or_exec_in_anothers() {
    let project = LxdProject::with_busyboxes(&["c-alice", "c-bob"]);
    let agent = Agent::start_named("m1", &project.name, &[("k1", SECRET)]);
    let world = World::new().await;
    let misnamed = machine_body("m2", &agent);
    let (status, code) = error_code(world.post("/machines", &world.admin, misnamed).await).await;
    assert_eq!((status, code.as_str()), (422, "invalid_input"), "the agent answers to m1, not m2");
    let machine = world.add_machine("m1", &agent).await;

    let sync = world.post(&format!("/machines/{machine}/sync"), &world.admin, json!({})).await;
    assert_eq!(sync.status(), 200);
    let sync: Value = sync.json().await.unwrap();
    assert_eq!((sync["total"].as_u64(), sync["machine"]["status"].as_str()), (Some(2), Some("online")));
    let alices = world.synced("m1", "c-alice").await;
    let bobs = world.synced("m1", "c-bob").await;
    let alice = world.member_owning("alice", alices).await;
    world.app.user("bob", Role::Member, PASSWORD, true);
    world.give(bobs, "bob").await;

    let mine: Vec<Value> = world.containers(&alice).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!((mine[0]["name"].as_str(), mine[0]["owner"].as_str()), (Some("c-alice"), Some("alice")));

    let before = project.init_pid("c-alice").unwrap();
    let restart = world.post(&format!("/containers/{alices}/restart"), &alice, json!({})).await;
    assert_eq!(restart.status(), 200);
    let restart: Value = restart.json().await.unwrap();
    assert_eq!(restart["status"], "running");
    let after = project.init_pid("c-alice").expect("c-alice runs again");
    assert_ne!(before, after, "the restart made a new init");

    let exec = world.post(&format!("/containers/{alices}/exec"), &alice, json!({"command": ["hostname"]})).await;
    assert_eq!(exec.status(), 200);
    let exec: Value = exec.json().await.unwrap();
    assert_eq!((exec["exit_code"].as_i64(), exec["stdout"].as_str().map(str::trim)), (Some(0), Some("c-alice")));
    assert_eq!(world.get(&format!("/containers/{alices}/state"), &alice).await.status(), 200);
    assert_eq!(world.get(&format!("/containers/{alices}/logs?source=lxc&lines=5"), &alice).await.status(), 200);

    // Bob's container: invisible, exactly like a missing one, and nothing happens to it.
    let bob_pid = project.init_pid("c-bob").unwrap();
    let missing = world.get("/containers/999999", &alice).await;
    let (missing_status, missing_body) = (missing.status(), missing.text().await.unwrap());
    let hidden = world.get(&format!("/containers/{bobs}"), &alice).await;
    assert_eq!((hidden.status(), hidden.text().await.unwrap()), (missing_status, missing_body));
    for action in ["restart", "stop", "start"] {
        let (status, code) =
            error_code(world.post(&format!("/containers/{bobs}/{action}"), &alice, json!({})).await).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{action}");
    }
    let exec = world.post(&format!("/containers/{bobs}/exec"), &alice, json!({"command": ["touch", "/pwned"]})).await;
    assert_eq!(error_code(exec).await, (404, "not_found".to_owned()));
    assert_eq!(world.get(&format!("/containers/{bobs}/state"), &alice).await.status(), 404);
    assert_eq!(project.init_pid("c-bob"), Some(bob_pid), "bob's container was not touched");
    let pwned = std::process::Command::new("lxc")
        .args(["exec", "c-bob", "--project", &project.name, "--", "test", "-e", "/pwned"])
        .status()
        .unwrap();
    assert!(!pwned.success(), "nothing ran in bob's container");

    // The audit shows both: the admin sees alice's restart (started, then ok)
    // and her refused attempts on bob's container; alice sees her own rows.
    let rows = world.get("/audit?actor=alice&limit=100", &world.admin).await;
    let rows: Vec<Value> = rows.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone();
    let on = |object: String, action: &str, outcome: &str| {
        rows.iter().any(|row| {
            row["object"] == object.as_str()
                && row["action"] == action
                && row["outcome"] == outcome
                && row["machine"] == "m1"
        })
    };
    assert!(on(format!("container:{alices}"), "container.restart", "started"), "{rows:#?}");
    assert!(on(format!("container:{alices}"), "container.restart", "ok"), "{rows:#?}");
    assert!(on(format!("container:{alices}"), "container.exec", "ok"), "{rows:#?}");
    let refused: Vec<&Value> = rows
        .iter()
        .filter(|row| row["object"] == format!("container:{bobs}").as_str() && row["outcome"] == "refused")
        .collect();
    assert_eq!(refused.len(), 4, "restart, stop, start and exec on bob's were refused: {rows:#?}");
    assert!(refused.iter().all(|row| row["error_code"] == "not_found" && row["machine"].is_null()));
    let own = world.get("/audit", &alice).await.json::<Value>().await.unwrap();
    let own = own["items"].as_array().unwrap();
    assert!(own.iter().all(|row| row["actor"] == "alice" || row["object"] == format!("container:{alices}").as_str()));
    assert!(own.iter().any(|row| row["outcome"] == "refused"), "alice sees her refused attempts");
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_made_outside_smp_reach_the_api_through_the_event_stream() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    // The sync interval of the test app is 30 s: only events can be this quick.
    let c1 = world.synced("m1", "c1").await;

    let status = |id: i64| {
        let world = &world;
        async move {
            let response = world.get(&format!("/containers/{id}"), &world.admin).await;
            response.json::<Value>().await.unwrap()["status"].as_str().unwrap().to_owned()
        }
    };
    let deadline = Duration::from_secs(3);
    lxc(&["stop", "--force", "c1", "--project", &project.name]);
    let (_, took) = until(deadline, "c1 stopped", || async { (status(c1).await == "stopped").then_some(()) }).await;
    eprintln!("lxc stop --force → API: {took:?}");

    lxc(&["start", "c1", "--project", &project.name]);
    until(deadline, "c1 running", || async { (status(c1).await == "running").then_some(()) }).await;

    project.launch_busybox("c2");
    let (c2, _) = until(deadline, "c2 appears", || async { world.container(&world.admin, "m1", "c2").await }).await;
    let c2 = c2["id"].as_i64().unwrap();
    world.give(c2, "root").await;

    lxc(&["delete", "--force", "c2", "--project", &project.name]);
    until(deadline, "c2 gone", || async { (status(c2).await == "gone").then_some(()) }).await;
    let gone = world.get(&format!("/containers/{c2}"), &world.admin).await.json::<Value>().await.unwrap();
    assert_eq!(gone["owner"], "root", "a gone container keeps its owner");
    assert!(gone["gone_at"].is_i64());
    let (status, code) =
        error_code(world.post(&format!("/containers/{c2}/start"), &world.admin, json!({})).await).await;
    assert_eq!((status, code.as_str()), (409, "conflict"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_machines_are_two_agents_and_each_action_reaches_its_own() {
    let (first, second) = (LxdProject::with_busyboxes(&["web"]), LxdProject::with_busyboxes(&["web"]));
    let agent_one = Agent::start_named("m1", &first.name, &[("k1", SECRET)]);
    let agent_two = Agent::start_named("m2", &second.name, &[("k1", SECRET)]);
    let world = World::new().await;
    world.add_machine("m1", &agent_one).await;
    world.add_machine("m2", &agent_two).await;
    let on_one = world.synced("m1", "web").await;
    let on_two = world.synced("m2", "web").await;
    assert_ne!(on_one, on_two, "the same name on two machines is two containers");
    let carol = world.member_owning("carol", on_two).await;
    let visible = world.containers(&carol).await;
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0]["machine"], "m2");

    let (one_before, two_before) = (first.init_pid("web").unwrap(), second.init_pid("web").unwrap());
    assert_eq!(world.post(&format!("/containers/{on_two}/restart"), &carol, json!({})).await.status(), 200);
    assert_ne!(second.init_pid("web").unwrap(), two_before, "m2's web restarted");
    assert_eq!(first.init_pid("web").unwrap(), one_before, "m1's web did not");

    let machines = world.get("/machines", &world.admin).await.json::<Value>().await.unwrap();
    let statuses: Vec<&str> =
        machines["items"].as_array().unwrap().iter().map(|m| m["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["online", "online"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_agent_makes_actions_answer_503_with_a_message_and_the_machine_unreachable() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (agent, world, machine) = World::with_m1(&project).await;
    let c1 = world.synced("m1", "c1").await;
    drop(agent);

    let response = world.post(&format!("/containers/{c1}/restart"), &world.admin, json!({})).await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "agent_unavailable");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("machine m1") && message.contains("try again"), "{message}");
    assert!(!message.contains(SECRET) && !message.contains("Bearer"), "{message}");

    let sync = world.post(&format!("/machines/{machine}/sync"), &world.admin, json!({})).await;
    assert_eq!(sync.status(), 503);
    let view = world.get(&format!("/machines/{machine}"), &world.admin).await.json::<Value>().await.unwrap();
    assert_eq!(view["status"], "unreachable");
    assert!(view["last_error"].as_str().is_some_and(|error| !error.is_empty()));
}

/// Whether `path` exists in `container` of `project`.
fn exists_in(project: &LxdProject, container: &str, path: &str) -> bool {
    std::process::Command::new("lxc")
        .args(["exec", container, "--project", &project.name, "--", "test", "-e", path])
        .status()
        .unwrap()
        .success()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_members_agent_calls_in_flight_are_bounded_and_one_more_is_refused_at_once_without_reaching_the_agent() {
    let project = LxdProject::with_busyboxes(&["c-alice", "c-bob"]);
    let (_agent, world, _) = World::with_m1_on(spawn_app_with("max_agent_calls_per_user = 1").await, &project).await;
    let (alices, bobs) = (world.synced("m1", "c-alice").await, world.synced("m1", "c-bob").await);
    let (alice, bob) = (world.member_owning("alice", alices).await, world.member_owning("bob", bobs).await);

    // Her one allowed call: an exec that works for a while (the `started`
    // row is written once her slot is taken, before the agent is called).
    let exec = |session: &Session, container: i64, argv: Value| {
        world.app.with_session(Method::POST, &format!("/containers/{container}/exec"), session).json(&json!({
            "command": argv,
        }))
    };
    let long = tokio::spawn(exec(&alice, alices, json!(["sleep", "10"])).send());
    let in_flight = || {
        world.app.audit_rows().iter().any(|row| {
            row.action == "container.exec" && row.outcome == "started" && row.object == format!("container:{alices}")
        })
    };
    until(Duration::from_secs(20), "her long exec started", || async { in_flight().then_some(()) }).await;

    let second = exec(&alice, alices, json!(["touch", "/second"])).send().await.unwrap();
    assert_eq!(error_code(second).await, (429, "limit_reached".to_owned()));
    assert!(!exists_in(&project, "c-alice", "/second"), "the refused exec never reached the container");
    let refused = world.app.audit_rows().into_iter().filter(|row| {
        row.action == "container.exec" && row.outcome == "refused" && row.error_code.as_deref() == Some("limit_reached")
    });
    assert_eq!(refused.count(), 1, "the refusal is audited");

    let bobs_exec = exec(&bob, bobs, json!(["touch", "/bobs"])).send().await.unwrap();
    assert_eq!(bobs_exec.status(), 200, "another member is not held up by her calls");
    assert!(exists_in(&project, "c-bob", "/bobs"));

    assert_eq!(long.await.unwrap().unwrap().status(), 200);
    let again = exec(&alice, alices, json!(["touch", "/again"])).send().await.unwrap();
    assert_eq!(again.status(), 200, "a finished call gives her slot back");
    assert!(exists_in(&project, "c-alice", "/again"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_is_bound_to_the_instance_the_panel_knows_and_never_acts_on_another_of_the_same_name() {
    use smp_panel::db::containers::{self, ContainerId};
    let project = LxdProject::with_busyboxes(&["c-alice"]);
    let (_agent, world, machine) = World::with_m1(&project).await;
    let id = world.synced("m1", "c-alice").await;
    let alice = world.member_owning("alice", id).await;
    let lxd_uuid = lxc(&["config", "get", "c-alice", "volatile.uuid", "--project", &project.name]).trim().to_owned();
    let row = || containers::get(&mut world.app.db.connect(), ContainerId(id)).unwrap().unwrap();
    assert_eq!(row().uuid.as_deref(), Some(lxd_uuid.as_str()), "the sync stores the instance's uuid");
    let exec_path = format!("/containers/{id}/exec");
    let exec = |argv: Value| world.post(&exec_path, &alice, json!({"command": argv}));
    assert_eq!(exec(json!(["touch", "/known"])).await.status(), 200, "a token for the known instance works");

    // What the panel holds when c-alice was deleted and made again under the
    // same name since its last look: another instance's uuid.
    containers::set_uuid(&mut world.app.db.connect(), ContainerId(id), "0b5c1c8e-7a53-4d7e-9a0e-3c2f1b0d9e11").unwrap();
    let pid = || lxc(&["query", &format!("/1.0/instances/c-alice/state?project={}", project.name)]);
    let init_pid = serde_json::from_str::<Value>(&pid()).unwrap()["pid"].clone();
    assert_eq!(error_code(exec(json!(["touch", "/stale"])).await).await, (409, "instance_changed".to_owned()));
    let restart = world.post(&format!("/containers/{id}/restart"), &alice, json!({})).await;
    assert_eq!(error_code(restart).await, (409, "instance_changed".to_owned()));
    assert!(!exists_in(&project, "c-alice", "/stale"), "the exec did not run in the other instance");
    assert_eq!(serde_json::from_str::<Value>(&pid()).unwrap()["pid"], init_pid, "nor did the restart");

    // The next sync sees the instance is not the one she owned: her row is
    // gone, and the instance of that name is nobody's until an admin says so.
    assert_eq!(world.post(&format!("/machines/{machine}/sync"), &world.admin, json!({})).await.status(), 200);
    assert_eq!(row().status, "gone");
    assert!(world.container(&alice, "m1", "c-alice").await.is_none(), "she owns no c-alice now");
    let new = world.container(&world.admin, "m1", "c-alice").await.expect("the instance is listed");
    assert_eq!((new["owner"].clone(), new["id"] != json!(id)), (Value::Null, true));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_container_still_being_created_takes_no_action_and_nothing_reaches_an_agent() {
    use smp_panel::db::containers::{self, Limits, Reservation};
    use smp_panel::db::machines::MachineId;
    let project = LxdProject::create();
    let (_agent, world, machine) = World::with_m1(&project).await;
    let reservation = Reservation {
        machine: MachineId(machine),
        name: "c-new",
        owner: None,
        parent: None,
        in_quota: false,
        limits: Limits::default(),
        autostart: false,
        image: "smp-busybox",
    };
    let id =
        containers::reserve(&mut world.app.db.connect(), &reservation, smp_panel::db::unix_now()).unwrap().unwrap();
    for verb in ["start", "stop", "restart", "exec"] {
        let body = if verb == "exec" { json!({"command": ["true"]}) } else { json!({}) };
        let response = world.post(&format!("/containers/{id}/{verb}"), &world.admin, body).await;
        assert_eq!(error_code(response).await, (409, "conflict".to_owned()), "{verb}");
    }
    let object = format!("container:{id}");
    let rows = world.app.audit_rows().into_iter().filter(|row| row.object == object).collect::<Vec<_>>();
    assert!(rows.iter().all(|row| row.outcome == "refused"), "no call was started: {rows:#?}");
    assert_eq!(rows.len(), 4);
}
