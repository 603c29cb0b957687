//! Addresses and forwards through the API (issue 17) against a fake agent
//! that keeps each container's forward set as the panel last sent it: an
//! admin's address and the refusal of the same address for a second
//! container, a member's forwards within her `forwards` quota, the race of
//! 50 requests for the last free port, another member's container, deletion,
//! and the row given back when the agent fails.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use smp_panel::Role;
use smp_panel::db::machines::{self, MachineId, NewMachine};
use smp_panel::db::networks;
use smp_proto::api::ContainerList;
use smp_proto::api::ContainerStatus;
use smp_proto::names::InstanceName;
use smp_proto::network::{
    AddressAnswer, AddressRequest, Forward, ForwardProtocol, ForwardsAnswer, ForwardsList, ForwardsRequest, LeaseView,
    NetworkList, NetworkView,
};

use crate::containers_api::{AGENT_SECRET, CREATED, PASSWORD, apply_listed, container_id, set_owner, summary};
use crate::helpers::{Session, TestApp, error_code, spawn_app_with};

/// What the fake agent holds: each container's forwards as last set, how
/// many address and forward calls it had, and whether it fails them.
#[derive(Default)]
struct Held {
    forwards: Mutex<HashMap<String, Vec<Forward>>>,
    address_calls: AtomicUsize,
    forward_calls: AtomicUsize,
    failing: AtomicBool,
    /// What `GET /containers` and `GET /networks` answer; `None`: 503.
    listing: Mutex<Option<(ContainerList, NetworkList)>>,
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({"error": {"code": "lxd_unavailable", "message": "not now"}}))
}

async fn list_containers(held: web::Data<Held>) -> HttpResponse {
    match &*held.listing.lock().unwrap() {
        Some((containers, _)) => HttpResponse::Ok().json(containers),
        None => unavailable(),
    }
}

async fn list_networks(held: web::Data<Held>) -> HttpResponse {
    match &*held.listing.lock().unwrap() {
        Some((_, networks)) => HttpResponse::Ok().json(networks),
        None => unavailable(),
    }
}

async fn delete_container(name: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({"name": name.into_inner(), "action": "delete", "status": "deleted", "duration_ms": 1}))
}

async fn get_forwards(held: web::Data<Held>, name: web::Path<String>) -> HttpResponse {
    let forwards = held.forwards.lock().unwrap().get(name.as_str()).cloned().unwrap_or_default();
    let answer =
        ForwardsAnswer { network: "lxdbr0".to_owned(), listen_address: "127.0.0.1".parse().unwrap(), forwards };
    HttpResponse::Ok().json(ForwardsList { items: vec![answer] })
}

fn lxd_error() -> HttpResponse {
    HttpResponse::BadGateway().json(json!({"error": {"code": "lxd_error", "message": "LXD failed"}}))
}

async fn put_forwards(
    held: web::Data<Held>,
    name: web::Path<String>,
    body: web::Json<ForwardsRequest>,
) -> HttpResponse {
    held.forward_calls.fetch_add(1, Ordering::SeqCst);
    if held.failing.load(Ordering::SeqCst) {
        return lxd_error();
    }
    let ForwardsRequest { network, forwards } = body.into_inner();
    held.forwards.lock().unwrap().insert(name.into_inner(), forwards.clone());
    HttpResponse::Ok().json(ForwardsAnswer { network, listen_address: "127.0.0.1".parse().unwrap(), forwards })
}

async fn put_address(held: web::Data<Held>, body: web::Json<AddressRequest>) -> HttpResponse {
    held.address_calls.fetch_add(1, Ordering::SeqCst);
    if held.failing.load(Ordering::SeqCst) {
        return lxd_error();
    }
    let AddressRequest { network, ipv4, ipv6 } = body.into_inner();
    HttpResponse::Ok().json(AddressAnswer { network, ipv4, ipv6, restarted: false })
}

/// The fake agent on a loopback port; `/containers` is down (503) so the
/// panel's sync leaves the test's rows alone.
async fn fake_agent() -> (String, Arc<Held>) {
    let held = Arc::new(Held::default());
    let data = web::Data::from(held.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/container/{name}/forwards", web::put().to(put_forwards))
            .route("/container/{name}/forwards", web::get().to(get_forwards))
            .route("/containers", web::get().to(list_containers))
            .route("/container/{name}", web::delete().to(delete_container))
            .route("/networks", web::get().to(list_networks))
            .route("/container/{name}/address", web::put().to(put_address))
            .default_service(web::to(|| async { unavailable() }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    (url, held)
}

/// A panel (64 agent calls in flight per user) with root, ada (admin),
/// alice and bob (members); machine m1 (the fake agent) whose network
/// lxdbr0 (10.77.0.0/24) forwards on 127.0.0.1 in `range`; alice owns `a`
/// and `a2`, bob owns `c`.
struct Setup {
    lxdbr0: NetworkView,
    app: TestApp,
    held: Arc<Held>,
    machine: i64,
    alice: i64,
    a: i64,
    a2: i64,
    c: i64,
    ada: Session,
    alice_session: Session,
}

async fn setup(range: &str) -> Setup {
    let app =
        spawn_app_with("max_agent_calls_per_user = 64\n[dns]\nlisten = \"127.0.0.1:0\"\nzone = \"ct.test\"").await;
    app.user("root", Role::HeadAdmin, PASSWORD, true);
    app.user("ada", Role::Admin, PASSWORD, true);
    let alice = app.user("alice", Role::Member, PASSWORD, true);
    let bob = app.user("bob", Role::Member, PASSWORD, true);
    let (url, held) = fake_agent().await;
    let name = InstanceName::parse("m1").unwrap();
    let sealed = app.panel_key().seal("m1", &SecretString::from(AGENT_SECRET)).unwrap();
    let new = NewMachine { name: &name, url: &url, key_id: "panel", secret: &sealed, fingerprint: None };
    let machine = machines::insert(&mut app.db.connect(), &new).unwrap().id.0;
    let running = ContainerStatus::Running;
    apply_listed(&app, machine, &[("a", running), ("a2", running), ("c", running)]);
    let [a, a2, c] = ["a", "a2", "c"].map(|name| container_id(&app, machine, name));
    set_owner(&app, a, Some(alice));
    set_owner(&app, a2, Some(alice));
    set_owner(&app, c, Some(bob));
    let lxdbr0 = NetworkView {
        name: "lxdbr0".to_owned(),
        ipv4_subnet: Some("10.77.0.0/24".to_owned()),
        ipv4_gateway: Some("10.77.0.1".parse().unwrap()),
        ipv6_subnet: None,
        ipv6_gateway: None,
        public: false,
        listen_address: Some("127.0.0.1".parse().unwrap()),
        forward_ports: Some(range.parse().unwrap()),
        leases: Vec::new(),
    };
    networks::replace_networks(
        &mut app.db.connect(),
        MachineId(machine),
        std::slice::from_ref(&lxdbr0),
        smp_panel::db::unix_now(),
    )
    .unwrap();
    let ada = app.login("ada", PASSWORD).await;
    let alice_session = app.login("alice", PASSWORD).await;
    Setup { lxdbr0, app, held, machine, alice, a, a2, c, ada, alice_session }
}

async fn send(app: &TestApp, method: Method, path: &str, session: &Session, body: Value) -> reqwest::Response {
    app.send_json(method, path, session, &body).await
}

async fn set_address(setup: &Setup, container: i64, ipv4: &str) -> reqwest::Response {
    let body = json!({"network": "lxdbr0", "ipv4": ipv4});
    send(&setup.app, Method::PUT, &format!("/containers/{container}/address"), &setup.ada, body).await
}

async fn forward(setup: &Setup, session: &Session, container: i64, body: Value) -> reqwest::Response {
    send(&setup.app, Method::POST, &format!("/containers/{container}/forwards"), session, body).await
}

async fn set_forward_quota(setup: &Setup, user: i64, forwards: Option<i64>) {
    let body = json!({"containers": 0, "cpu": 0, "memory_mb": 0, "disk_mb": 0, "forwards": forwards});
    let response = send(&setup.app, Method::PUT, &format!("/users/{user}/quota"), &setup.ada, body).await;
    assert_eq!(response.status(), 200);
}

/// The forwards the fake agent holds for `container`, as (listen, target) ports.
fn held_ports(setup: &Setup, container: &str) -> Vec<(u16, u16)> {
    let held = setup.held.forwards.lock().unwrap();
    let mut ports: Vec<(u16, u16)> =
        held.get(container).into_iter().flatten().map(|forward| (forward.listen_port, forward.target_port)).collect();
    ports.sort_unstable();
    ports
}

fn rows_of(setup: &Setup, container: i64) -> Vec<networks::ForwardRow> {
    networks::forwards_of(&mut setup.app.db.connect(), smp_panel::db::containers::ContainerId(container)).unwrap()
}

#[tokio::test]
async fn an_admin_sets_an_address_and_the_same_address_for_a_second_container_is_refused_with_nothing_changed() {
    let setup = setup("20000-20009").await;
    let response = set_address(&setup, setup.a, "10.77.0.50").await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["ipv4"], "10.77.0.50");

    let (status, code) = error_code(set_address(&setup, setup.c, "10.77.0.50").await).await;
    assert_eq!((status, code.as_str()), (409, "address_taken"));
    let c_addresses =
        networks::addresses_of(&mut setup.app.db.connect(), smp_panel::db::containers::ContainerId(setup.c)).unwrap();
    assert!(c_addresses.is_empty(), "nothing was written for c: {c_addresses:?}");
    assert_eq!(setup.held.address_calls.load(Ordering::SeqCst), 1, "the agent never heard of the refused one");

    let (status, code) = error_code(set_address(&setup, setup.c, "10.78.0.5").await).await;
    assert_eq!((status, code.as_str()), (422, "invalid_input"), "outside the subnet");
    let body = json!({"network": "eth9", "ipv4": "10.77.0.60"});
    let response = send(&setup.app, Method::PUT, &format!("/containers/{}/address", setup.c), &setup.ada, body).await;
    assert_eq!(error_code(response).await, (403, "network_not_allowed".to_owned()));
    let body = json!({"network": "lxdbr0", "ipv4": "10.77.0.61"});
    let path = format!("/containers/{}/address", setup.a);
    let response = send(&setup.app, Method::PUT, &path, &setup.alice_session, body).await;
    assert_eq!(error_code(response).await, (403, "forbidden".to_owned()), "members do not set addresses");

    setup.held.failing.store(true, Ordering::SeqCst);
    let (status, _) = error_code(set_address(&setup, setup.a, "10.77.0.51").await).await;
    assert_eq!(status, 502);
    let kept =
        networks::addresses_of(&mut setup.app.db.connect(), smp_panel::db::containers::ContainerId(setup.a)).unwrap();
    assert_eq!(kept[0].ipv4, Some("10.77.0.50".parse().unwrap()), "the agent failed: the old address is back");
    let outcomes: Vec<String> =
        setup.app.audit_rows_of("container.address").into_iter().map(|row| row.outcome).collect();
    assert!(outcomes.contains(&"refused".to_owned()) && outcomes.contains(&"failed".to_owned()), "{outcomes:?}");
}

#[tokio::test]
async fn a_member_forwards_within_her_quota_and_one_more_is_quota_exceeded() {
    let setup = setup("20000-20009").await;
    let tcp_ssh = json!({"protocol": "tcp", "target_port": 22});
    let (status, code) = error_code(forward(&setup, &setup.alice_session, setup.a, tcp_ssh.clone()).await).await;
    assert_eq!((status, code.as_str()), (409, "no_address"), "a forward needs a fixed address");
    assert_eq!(set_address(&setup, setup.a, "10.77.0.50").await.status(), 200);
    let (status, code) = error_code(forward(&setup, &setup.alice_session, setup.a, tcp_ssh.clone()).await).await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"), "the default quota has no forwards");

    set_forward_quota(&setup, setup.alice, Some(2)).await;
    let first = forward(&setup, &setup.alice_session, setup.a, tcp_ssh.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!((first["listen_port"].as_u64(), first["reach"].as_str()), (Some(20000), Some("127.0.0.1:20000")));
    let web = json!({"protocol": "tcp", "target_port": 80, "listen_port": 20005});
    let second = forward(&setup, &setup.alice_session, setup.a, web).await;
    assert_eq!(second.status(), 201);
    assert_eq!(held_ports(&setup, "a"), vec![(20000, 22), (20005, 80)], "the agent holds her whole set");

    let (status, code) = error_code(forward(&setup, &setup.alice_session, setup.a, tcp_ssh).await).await;
    assert_eq!((status, code.as_str()), (409, "quota_exceeded"));
    assert_eq!(rows_of(&setup, setup.a).len(), 2);
    let page = setup.app.client.get(format!("{}/containers/{}", setup.app.address, setup.a));
    let page = page.header("Cookie", &setup.alice_session.cookie).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("tcp port 22: reach it at 127.0.0.1:20000"), "{page}");
    assert!(page.contains("Fixed address on lxdbr0: 10.77.0.50"), "{page}");
    assert!(page.contains("Its DNS name: <code>a.m1.ct.test</code>"), "{page}");
    let (_, usage) =
        crate::containers_api::get_json(&setup.app, &format!("/users/{}/usage", setup.alice), &setup.alice_session)
            .await;
    assert_eq!((usage["used"]["forwards"].as_i64(), usage["quota"]["forwards"].as_i64()), (Some(2), Some(2)));

    let (status, listed) =
        crate::containers_api::get_json(&setup.app, &format!("/containers/{}/forwards", setup.a), &setup.alice_session)
            .await;
    assert_eq!((status, listed["items"].as_array().map(Vec::len)), (200, Some(2)));
    let (status, every) = crate::containers_api::get_json(&setup.app, "/forwards", &setup.ada).await;
    assert_eq!((status, every["items"].as_array().map(Vec::len)), (200, Some(2)), "admins see every forward");
    let response = setup.app.with_session(Method::GET, "/forwards", &setup.alice_session).send().await.unwrap();
    assert_eq!(response.status(), 403, "members see their containers' forwards only");
}

#[tokio::test]
async fn a_member_cannot_forward_to_another_members_container_or_touch_its_forwards() {
    let setup = setup("20000-20009").await;
    assert_eq!(set_address(&setup, setup.c, "10.77.0.60").await.status(), 200);
    set_forward_quota(&setup, setup.alice, None).await;
    let body = json!({"protocol": "tcp", "target_port": 22});
    let (status, code) = error_code(forward(&setup, &setup.alice_session, setup.c, body.clone()).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let admins = forward(&setup, &setup.ada, setup.c, body).await;
    assert_eq!(admins.status(), 201, "admins forward to anyone's container, outside quotas");
    let fid = admins.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/containers/{}/forwards/{fid}", setup.c);
    let response = send(&setup.app, Method::DELETE, &path, &setup.alice_session, json!({})).await;
    assert_eq!(response.status(), 404);
    let path = format!("/containers/{}/forwards/{fid}", setup.a);
    let response = send(&setup.app, Method::DELETE, &path, &setup.alice_session, json!({})).await;
    assert_eq!(response.status(), 404, "a forward of another container through her own");
    assert_eq!(rows_of(&setup, setup.c).len(), 1);
    assert_eq!(held_ports(&setup, "c"), vec![(20000, 22)]);
}

#[tokio::test]
async fn deleting_a_forward_removes_it_from_the_agent_and_the_panel_and_frees_its_port() {
    let setup = setup("20000-20009").await;
    assert_eq!(set_address(&setup, setup.a, "10.77.0.50").await.status(), 200);
    set_forward_quota(&setup, setup.alice, Some(1)).await;
    let created = forward(&setup, &setup.alice_session, setup.a, json!({"protocol": "udp", "target_port": 53})).await;
    assert_eq!(created.status(), 201);
    let fid = created.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(held_ports(&setup, "a"), vec![(20000, 53)]);

    let path = format!("/containers/{}/forwards/{fid}", setup.a);
    let response = send(&setup.app, Method::DELETE, &path, &setup.alice_session, json!({})).await;
    assert_eq!(response.status(), 204);
    assert!(held_ports(&setup, "a").is_empty(), "the agent was sent the set without it");
    assert!(rows_of(&setup, setup.a).is_empty());
    let again = forward(&setup, &setup.alice_session, setup.a, json!({"protocol": "udp", "target_port": 53})).await;
    assert_eq!(again.json::<Value>().await.unwrap()["listen_port"], 20000, "its port and quota are free again");
    let outcomes: Vec<(String, String)> = setup
        .app
        .audit_rows()
        .into_iter()
        .filter(|row| row.action.starts_with("forward."))
        .map(|row| (row.action, row.outcome))
        .collect();
    assert!(outcomes.contains(&("forward.delete".to_owned(), "ok".to_owned())), "{outcomes:?}");
}

#[tokio::test]
async fn when_the_agent_fails_a_forward_its_row_and_port_are_given_back() {
    let setup = setup("20000-20009").await;
    assert_eq!(set_address(&setup, setup.a, "10.77.0.50").await.status(), 200);
    set_forward_quota(&setup, setup.alice, Some(1)).await;
    setup.held.failing.store(true, Ordering::SeqCst);
    let body = json!({"protocol": "tcp", "target_port": 22});
    let (status, code) = error_code(forward(&setup, &setup.alice_session, setup.a, body.clone()).await).await;
    assert_eq!((status, code.as_str()), (502, "agent_error"));
    assert!(rows_of(&setup, setup.a).is_empty());
    setup.held.failing.store(false, Ordering::SeqCst);
    let response = forward(&setup, &setup.alice_session, setup.a, body).await;
    assert_eq!(response.json::<Value>().await.unwrap()["listen_port"], 20000, "the quota and the port were free");
}

#[tokio::test]
async fn fifty_concurrent_requests_for_the_last_free_port_give_exactly_one_forward() {
    let setup = setup("20000-20001").await;
    assert_eq!(set_address(&setup, setup.a, "10.77.0.50").await.status(), 200);
    assert_eq!(set_address(&setup, setup.a2, "10.77.0.51").await.status(), 200);
    set_forward_quota(&setup, setup.alice, None).await;
    let taken = forward(&setup, &setup.alice_session, setup.a2, json!({"protocol": "tcp", "target_port": 1})).await;
    assert_eq!(taken.status(), 201, "20000 is taken: 20001 is the last free port");

    let started = std::time::Instant::now();
    let requests = (0..50).map(|n| {
        let (container, target_port) = if n % 2 == 0 { (setup.a, 22) } else { (setup.a2, 80) };
        let body = json!({"protocol": "tcp", "target_port": target_port});
        forward(&setup, &setup.alice_session, container, body)
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut statuses = HashMap::new();
    for answer in answers {
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
        *statuses.entry((status, code)).or_insert(0) += 1;
    }
    eprintln!("50 concurrent forward requests answered in {:?}", started.elapsed());
    let created = statuses.iter().filter(|((status, _), _)| *status == 201).map(|(_, n)| *n).sum::<usize>();
    assert_eq!(created, 1, "{statuses:?}");
    assert_eq!(statuses.get(&(409, "port_taken".to_owned())), Some(&49), "{statuses:?}");
    let rows = networks::forwards_of_machine(&mut setup.app.db.connect(), MachineId(setup.machine)).unwrap();
    let ports: Vec<u16> = rows.iter().map(|row| row.listen_port).collect();
    assert_eq!(ports, vec![20000, 20001]);
    let held: usize = ["a", "a2"].iter().map(|name| held_ports(&setup, name).len()).sum();
    assert_eq!(held, 2, "the agent holds the two forwards and nothing else");
}

#[tokio::test]
async fn the_sync_reports_forwards_and_addresses_that_drifted_between_lxd_and_the_panel_and_deletes_nothing() {
    let setup = setup("20000-20009").await;
    assert_eq!(set_address(&setup, setup.a, "10.77.0.50").await.status(), 200);
    assert_eq!(set_address(&setup, setup.a2, "10.77.0.51").await.status(), 200);
    set_forward_quota(&setup, setup.alice, Some(1)).await;
    let created = forward(&setup, &setup.alice_session, setup.a, json!({"protocol": "tcp", "target_port": 22})).await;
    assert_eq!(created.status(), 201);
    // LXD lost the panel's forward and holds one the panel never made.
    let stray = Forward { protocol: ForwardProtocol::Tcp, listen_port: 20007, target_port: 80 };
    setup.held.forwards.lock().unwrap().insert("a".to_owned(), vec![stray]);
    let listed = ["a", "a2", "c"].map(|name| summary(name, ContainerStatus::Running, CREATED));
    let lease = |hostname: &str, address: &str| LeaseView {
        hostname: hostname.to_owned(),
        hwaddr: "00:16:3e:00:00:01".to_owned(),
        address: address.to_owned(),
        kind: "static".to_owned(),
    };
    // LXD lost a2's static address, holds one for c the panel never set,
    // and one for a container the panel does not know (not its business).
    let leases = vec![lease("a", "10.77.0.50"), lease("c", "10.77.0.60"), lease("stranger", "10.77.0.61")];
    let networks = NetworkList { networks: vec![NetworkView { leases, ..setup.lxdbr0.clone() }] };
    *setup.held.listing.lock().unwrap() = Some((ContainerList { items: listed.to_vec() }, networks));
    let calls = setup.held.forward_calls.load(Ordering::SeqCst);

    let root = setup.app.login("root", PASSWORD).await;
    let response = send(&setup.app, Method::POST, &format!("/machines/{}/sync", setup.machine), &root, json!({})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let (status, body) = crate::containers_api::get_json(&setup.app, "/networks", &setup.ada).await;
    assert_eq!(status, 200);
    let drift = body["items"][0]["drift"].as_str().unwrap_or_default().to_owned();
    assert_eq!(body["items"][0]["leases"][0]["address"], "10.77.0.50", "the leases come from the agent: {body}");
    assert!(drift.contains("a:") && drift.contains("tcp 20000->22") && drift.contains("tcp 20007->80"), "{drift}");
    assert!(drift.contains("a2: the panel has static address 10.77.0.51 that LXD does not"), "{drift}");
    assert!(drift.contains("c: LXD has static address 10.77.0.60 that the panel does not"), "{drift}");
    assert!(!drift.contains("10.77.0.50") && !drift.contains("stranger"), "{drift}");
    assert_eq!(rows_of(&setup, setup.a).len(), 1, "the panel's forward stays");
    assert_eq!(held_ports(&setup, "a"), vec![(20007, 80)], "LXD's stays too");
    assert_eq!(setup.held.forward_calls.load(Ordering::SeqCst), calls, "the sync wrote nothing");

    let page = setup.app.client.get(format!("{}/admin/networks", setup.app.address));
    let page = page.header("Cookie", &setup.ada.cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("tcp 20007") && page.contains("127.0.0.1:20000"),
        "the admin page shows drift and forwards: {page}"
    );
}

#[tokio::test]
async fn deleting_a_container_takes_its_forwards_out_of_lxd_first_and_frees_its_ports() {
    let setup = setup("20000-20009").await;
    assert_eq!(set_address(&setup, setup.a, "10.77.0.50").await.status(), 200);
    set_forward_quota(&setup, setup.alice, Some(1)).await;
    let created = forward(&setup, &setup.alice_session, setup.a, json!({"protocol": "tcp", "target_port": 22})).await;
    assert_eq!(created.status(), 201);
    assert_eq!(held_ports(&setup, "a"), vec![(20000, 22)]);

    let response = send(&setup.app, Method::DELETE, &format!("/containers/{}", setup.a), &setup.ada, json!({})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert!(held_ports(&setup, "a").is_empty(), "its forward left LXD before the container");
    assert!(rows_of(&setup, setup.a).is_empty());
    assert_eq!(set_address(&setup, setup.c, "10.77.0.50").await.status(), 200, "its address is free again");
}
