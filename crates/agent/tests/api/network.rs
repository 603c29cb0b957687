//! The network routes on the real LXD and lxdbr0: the listed network with
//! its subnet and leases; a static address the container really has after
//! its restart, refused for a second container, the gateway or outside the
//! subnet; forwards that carry a client in a network namespace the test
//! makes (the "outside" host) to busybox httpd in the container, removed by
//! an empty set, written concurrently for two containers, never taking
//! another's port; unlisted networks and wrong tokens refused.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use smp_e2e::{OutsideHost, free_lxdbr0_octet as free_octet};
use smp_proto::Action;
use smp_proto::token::body_hash;

use crate::helpers::{Answer, MEMBER_IMAGES, TestAgent};
use crate::lxd_fixture::TestProject;

const NETWORK: &str = "lxdbr0";
/// How long a restarted busybox may take to get its address by DHCP.
const DHCP_WAIT: Duration = Duration::from_secs(20);

/// A unique small number per call in this process (addresses, names).
fn unique() -> u32 {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    std::process::id().wrapping_mul(31).wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The "outside" host (`smp_e2e::OutsideHost`, a /30 of 198.19.0-249.x:
/// the panel's tests take 198.18.17.x, the agent's bench 198.19.250-255.x),
/// whose address on the pair is the network's `listen_address`; LXD's
/// forward on it goes on drop, before the namespace.
struct Outside {
    host: OutsideHost,
    listen_address: String,
}

impl Outside {
    fn new() -> Outside {
        let id = unique() % 16_000;
        let name = format!("fwd-{}-{id}", std::process::id());
        let host = OutsideHost::new(&name, &format!("smpf{id}"), [19, id / 64, (id % 64) * 4]);
        let listen_address = host.host_address().to_owned();
        Outside { host, listen_address }
    }

    fn get(&self, url: &str) -> Option<String> {
        self.host.get(url)
    }

    /// LXD's forward on this listen address, as JSON (`Null` if none).
    fn lxd_forward(&self) -> Value {
        let output = Command::new("lxc")
            .args(["query", &format!("/1.0/networks/{NETWORK}/forwards/{}", self.listen_address)])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = Command::new("lxc").args(["network", "forward", "delete", NETWORK, &self.listen_address]).output();
    }
}

/// The `[[networks]]` entry of lxdbr0 forwarding on `listen_address`.
fn lxdbr0_with_forwards(listen_address: &str) -> String {
    format!(
        "[[networks]]\nname = \"{NETWORK}\"\nlisten_address = \"{listen_address}\"\nforward_ports = \"20000-20099\"\n"
    )
}

/// A project with the busybox c1 running (and its lease) and an agent
/// whose config lists `networks`.
async fn scene(prefix: &str, networks: &str) -> (TestProject, TestAgent) {
    let project = TestProject::new(prefix);
    project.launch("c1", "smp-busybox");
    let agent = TestAgent::spawn_with(&format!("project = \"{}\"\n{MEMBER_IMAGES}\n{networks}", project.name())).await;
    (project, agent)
}

/// The IPv4 address of eth0 inside `container`, as `ip` shows it there.
fn inside_ipv4(project: &TestProject, container: &str) -> String {
    let shown = project.exec_stdout(container, &["ip", "-4", "-o", "addr", "show", "dev", "eth0"]);
    shown.split_whitespace().skip_while(|word| *word != "inet").nth(1).unwrap_or_default().to_owned()
}

fn wait_for_ipv4(project: &TestProject, container: &str, wanted: &str) -> bool {
    TestProject::wait_until(DHCP_WAIT, || inside_ipv4(project, container).split('/').next() == Some(wanted))
}

impl TestAgent {
    async fn put(&self, action: Action, container: &str, path: &str, body: &Value) -> Answer {
        let body = serde_json::to_vec(body).unwrap();
        let token = self.token(action, Some(container), &body);
        self.send("PUT", &format!("/container/{container}/{path}"), Some(&token), &body).await
    }

    async fn set_address(&self, container: &str, body: Value) -> Answer {
        self.put(Action::Address, container, "address", &body).await
    }

    async fn set_forwards(&self, container: &str, network: &str, forwards: Value) -> Answer {
        self.put(Action::ForwardSet, container, "forwards", &json!({"network": network, "forwards": forwards})).await
    }

    async fn networks(&self) -> Answer {
        let token = self.token(Action::NetworkList, None, b"");
        self.send("GET", "/networks", Some(&token), b"").await
    }
}

fn tcp(listen_port: u16, target_port: u16) -> Value {
    json!({"protocol": "tcp", "listen_port": listen_port, "target_port": target_port})
}

/// c1's own (not expanded) devices as LXD holds them.
fn own_devices(project: &TestProject, container: &str) -> Value {
    project.query(&format!("/1.0/instances/{container}"))["devices"].clone()
}

#[tokio::test]
async fn the_network_list_shows_only_listed_networks_with_subnet_gateway_and_c1s_lease() {
    let listed = format!("[[networks]]\nname = \"{NETWORK}\"\npublic = true\n[[networks]]\nname = \"smp-absent0\"\n");
    let (project, agent) = scene("net-list", &listed).await;
    let hwaddr = project.query("/1.0/instances/c1")["config"]["volatile.eth0.hwaddr"].as_str().unwrap().to_owned();
    let c1_lease = |answer: &Answer| {
        answer.body["networks"][0]["leases"].as_array().unwrap().iter().any(|lease| {
            lease["hwaddr"] == hwaddr.as_str() && lease["address"].as_str().unwrap().starts_with("10.77.0.")
        })
    };
    let mut answer = agent.networks().await;
    let deadline = std::time::Instant::now() + DHCP_WAIT;
    while answer.status == 200 && !c1_lease(&answer) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        answer = agent.networks().await;
    }
    assert_eq!(answer.status, 200, "{}", answer.body);
    let networks = answer.body["networks"].as_array().unwrap();
    assert_eq!(networks.len(), 1, "a listed network LXD lacks is left out: {networks:?}");
    let lxdbr0 = &networks[0];
    assert_eq!(lxdbr0["name"], NETWORK);
    assert_eq!(
        (lxdbr0["ipv4_subnet"].as_str(), lxdbr0["ipv4_gateway"].as_str()),
        (Some("10.77.0.0/24"), Some("10.77.0.1"))
    );
    assert_eq!(lxdbr0["ipv6_subnet"], "fd42:77::/64", "make setup gives lxdbr0 its ULA");
    assert_eq!((lxdbr0["public"].as_bool(), lxdbr0["listen_address"].is_null()), (Some(true), true));
    assert!(c1_lease(&answer), "c1's lease is listed: {lxdbr0}");
}

#[tokio::test]
async fn a_static_address_is_the_one_the_container_has_after_its_restart_and_the_one_leases_show() {
    let (project, agent) = scene("net-addr", &format!("[[networks]]\nname = \"{NETWORK}\"\n")).await;
    project.launch("c2", "smp-busybox");
    let octet = free_octet();
    let (ipv4, ipv6) = (format!("10.77.0.{octet}"), format!("fd42:77::5:{octet}"));
    let began = std::time::Instant::now();
    let answer = agent.set_address("c1", json!({"network": NETWORK, "ipv4": ipv4, "ipv6": ipv6})).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!((answer.body["ipv4"].as_str(), answer.body["restarted"].as_bool()), (Some(ipv4.as_str()), Some(true)));
    eprintln!("address set and c1 restarted in {:?}", began.elapsed());
    assert_eq!(project.status("c1"), "Running");
    let eth0 = &own_devices(&project, "c1")["eth0"];
    assert_eq!((eth0["ipv4.address"].as_str(), eth0["network"].as_str()), (Some(ipv4.as_str()), Some(NETWORK)));
    assert_eq!(eth0["name"], "eth0", "the whole entry of the profile's NIC, overridden under its name");
    assert!(wait_for_ipv4(&project, "c1", &ipv4), "c1 has {} inside, not {ipv4}", inside_ipv4(&project, "c1"));

    let leases = agent.networks().await.body["networks"][0]["leases"].clone();
    let hwaddr = project.query("/1.0/instances/c1")["config"]["volatile.eth0.hwaddr"].clone();
    for address in [&ipv4, &ipv6] {
        assert!(
            leases
                .as_array()
                .unwrap()
                .iter()
                .any(|lease| lease["address"] == address.as_str() && lease["hwaddr"] == hwaddr),
            "{address} is c1's in the leases: {leases}"
        );
    }

    // The same address for c2: refused, and c2 untouched.
    let c2_before = own_devices(&project, "c2");
    let taken = agent.set_address("c2", json!({"network": NETWORK, "ipv4": ipv4})).await;
    assert_eq!((taken.status, taken.code()), (409, "address_taken"), "{}", taken.body);
    assert_eq!(own_devices(&project, "c2"), c2_before);
    // The gateway, an address outside the subnet, its broadcast address: 400.
    for bad in ["10.77.0.1", "10.78.0.5", "10.77.0.255"] {
        let refused = agent.set_address("c2", json!({"network": NETWORK, "ipv4": bad})).await;
        assert_eq!((refused.status, refused.code()), (400, "invalid_request"), "{bad}: {}", refused.body);
    }
    assert_eq!(own_devices(&project, "c2"), c2_before);

    // null: back to DHCP, and the address is free for c2.
    let back = agent.set_address("c1", json!({"network": NETWORK, "ipv4": null})).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(own_devices(&project, "c1")["eth0"].get("ipv4.address").is_none());
    let again = agent.set_address("c1", json!({"network": NETWORK})).await;
    assert_eq!((again.status, again.body["restarted"].as_bool()), (200, Some(false)), "nothing to change: no restart");
}

#[tokio::test]
async fn a_network_the_operator_did_not_list_is_refused_on_every_route() {
    let (project, agent) = scene("net-unlisted", &format!("[[networks]]\nname = \"{NETWORK}\"\n")).await;
    let before = own_devices(&project, "c1");
    let address = agent.set_address("c1", json!({"network": "lxdbr9", "ipv4": "10.77.0.60"})).await;
    assert_eq!((address.status, address.code()), (403, "network_not_allowed"), "{}", address.body);
    let forwards = agent.set_forwards("c1", "lxdbr9", json!([tcp(20000, 80)])).await;
    assert_eq!((forwards.status, forwards.code()), (403, "network_not_allowed"));
    assert_eq!(own_devices(&project, "c1"), before);
    // Listed, but without forwards: a forward there is a bad request.
    let no_forwards = agent.set_forwards("c1", NETWORK, json!([tcp(20000, 80)])).await;
    assert_eq!((no_forwards.status, no_forwards.code()), (400, "invalid_request"), "{}", no_forwards.body);

    let unlisted = TestProject::new("net-none");
    let bare = TestAgent::spawn_with(&format!("project = \"{}\"", unlisted.name())).await;
    let listed = bare.networks().await;
    assert_eq!((listed.status, listed.body["networks"].as_array().map(Vec::len)), (200, Some(0)));
}

#[tokio::test]
async fn a_forward_carries_an_outside_client_to_httpd_in_c1_until_an_empty_set_removes_it() {
    let outside = Outside::new();
    let (project, agent) = scene("net-fwd", &lxdbr0_with_forwards(&outside.listen_address)).await;
    let serve = "mkdir -p /www && echo hello-from-c1 > /www/index.html && httpd -p 80 -h /www";
    assert_eq!(project.exec_status("c1", &["sh", "-c", serve]), 0);

    let without = agent.set_forwards("c1", NETWORK, json!([tcp(20080, 80)])).await;
    assert_eq!((without.status, without.code()), (409, "no_address"), "{}", without.body);
    assert!(without.body["error"]["message"].as_str().unwrap().contains("fixed address first"));
    assert_eq!(outside.lxd_forward(), Value::Null, "nothing was made");

    let ipv4 = format!("10.77.0.{}", free_octet());
    assert_eq!(agent.set_address("c1", json!({"network": NETWORK, "ipv4": ipv4})).await.status, 200);
    assert!(wait_for_ipv4(&project, "c1", &ipv4));
    assert_eq!(project.exec_status("c1", &["sh", "-c", serve]), 0, "httpd again after the restart");

    let outside_range = agent.set_forwards("c1", NETWORK, json!([tcp(30080, 80)])).await;
    assert_eq!((outside_range.status, outside_range.code()), (409, "port_taken"));
    let began = std::time::Instant::now();
    let set = agent.set_forwards("c1", NETWORK, json!([tcp(20080, 80)])).await;
    assert_eq!(set.status, 200, "{}", set.body);
    eprintln!("forward set in {:?}", began.elapsed());
    assert_eq!(
        (set.body["listen_address"].as_str(), &set.body["forwards"]),
        (Some(outside.listen_address.as_str()), &json!([tcp(20080, 80)]))
    );
    let url = format!("http://{}:20080/", outside.listen_address);
    let mut page = None;
    assert!(
        TestProject::wait_until(Duration::from_secs(10), || {
            page = outside.get(&url);
            page.is_some()
        }),
        "the outside host reaches httpd through the forward"
    );
    assert_eq!(page.unwrap().trim(), "hello-from-c1");

    let token = agent.token(Action::ForwardList, Some("c1"), b"");
    let listed = agent.send("GET", "/container/c1/forwards", Some(&token), b"").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["forwards"], json!([tcp(20080, 80)]));

    // A new address: the forward follows it.
    let moved_to = format!("10.77.0.{}", free_octet());
    assert_eq!(agent.set_address("c1", json!({"network": NETWORK, "ipv4": moved_to})).await.status, 200);
    assert_eq!(outside.lxd_forward()["ports"][0]["target_address"], moved_to.as_str());
    assert!(wait_for_ipv4(&project, "c1", &moved_to));
    assert_eq!(project.exec_status("c1", &["sh", "-c", serve]), 0);
    assert!(
        TestProject::wait_until(Duration::from_secs(10), || outside.get(&url).is_some()),
        "the outside host reaches httpd at c1's new address"
    );

    let removed = agent.set_forwards("c1", NETWORK, json!([])).await;
    assert_eq!((removed.status, &removed.body["forwards"]), (200, &json!([])));
    assert_eq!(outside.lxd_forward()["ports"], json!([]));
    assert_eq!(outside.get(&url), None, "no forward: the outside host reaches nothing");
}

#[tokio::test]
async fn two_containers_forwards_set_at_once_both_end_up_in_lxd_and_neither_takes_the_others_port() {
    let outside = Outside::new();
    let (project, agent) = scene("net-fwd2", &lxdbr0_with_forwards(&outside.listen_address)).await;
    project.launch("c2", "smp-busybox");
    for container in ["c1", "c2"] {
        let ipv4 = format!("10.77.0.{}", free_octet());
        let answer = agent.set_address(container, json!({"network": NETWORK, "ipv4": ipv4})).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let (c1, c2) = tokio::join!(
        agent.set_forwards("c1", NETWORK, json!([tcp(20001, 80), tcp(20002, 22)])),
        agent.set_forwards("c2", NETWORK, json!([tcp(20003, 80)])),
    );
    assert_eq!((c1.status, c2.status), (200, 200), "{} {}", c1.body, c2.body);
    let mut ports: Vec<String> = outside.lxd_forward()["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|port| port["listen_port"].as_str().unwrap().to_owned())
        .collect();
    ports.sort();
    assert_eq!(ports, ["20001", "20002", "20003"]);

    let before = outside.lxd_forward();
    let taken = agent.set_forwards("c2", NETWORK, json!([tcp(20003, 80), tcp(20002, 80)])).await;
    assert_eq!((taken.status, taken.code()), (409, "port_taken"), "{}", taken.body);
    assert_eq!(outside.lxd_forward(), before, "LXD unchanged");
    // c2's set replaced, c1's ports kept.
    let moved = agent.set_forwards("c2", NETWORK, json!([tcp(20004, 8080)])).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let token = agent.token(Action::ForwardList, Some("c1"), b"");
    let c1_list = agent.send("GET", "/container/c1/forwards", Some(&token), b"").await;
    assert_eq!(c1_list.body["items"][0]["forwards"], json!([tcp(20001, 80), tcp(20002, 22)]));
    assert_eq!(outside.lxd_forward()["ports"].as_array().unwrap().len(), 3);
    // c2 back to DHCP: its forward goes (a forward needs a fixed address), c1's stay.
    assert_eq!(agent.set_address("c2", json!({"network": NETWORK, "ipv4": null})).await.status, 200);
    let left: Vec<Value> = outside.lxd_forward()["ports"].as_array().unwrap().clone();
    assert_eq!(left.iter().map(|port| port["listen_port"].as_str().unwrap()).collect::<Vec<_>>(), ["20001", "20002"]);
}

#[tokio::test]
async fn agents_of_two_projects_writing_one_forward_at_once_never_lose_each_others_ports() {
    let outside = Outside::new();
    let networks = lxdbr0_with_forwards(&outside.listen_address);
    let ((project_a, agent_a), (project_b, agent_b)) =
        tokio::join!(scene("net-etag-a", &networks), scene("net-etag-b", &networks));
    for (agent, octet) in [(&agent_a, free_octet()), (&agent_b, free_octet())] {
        let answer = agent.set_address("c1", json!({"network": NETWORK, "ipv4": format!("10.77.0.{octet}")})).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // Each agent rewrites its c1's set ten times while the other does the
    // same. Each write reads the forward first, and LXD 5.0.2 ignores
    // If-Match on a forward, so only the agents' host-wide lock keeps one
    // from putting back a forward without the other's latest ports (and
    // from racing the other's creation of it, which LXD refuses).
    let writes = |agent: &'static str| {
        let (agent, base) = if agent == "a" { (&agent_a, 20010) } else { (&agent_b, 20050) };
        async move {
            for round in 0..10u16 {
                let set = json!([tcp(base + round, 80), tcp(base + 20 + round, 22)]);
                let answer = agent.set_forwards("c1", NETWORK, set).await;
                assert_eq!(answer.status, 200, "{}", answer.body);
            }
        }
    };
    tokio::join!(writes("a"), writes("b"));
    let mut ports: Vec<String> = outside.lxd_forward()["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|port| port["listen_port"].as_str().unwrap().to_owned())
        .collect();
    ports.sort();
    assert_eq!(ports, ["20019", "20039", "20059", "20079"], "each agent's last set, nothing else");
    drop((project_a, project_b));
}

#[tokio::test]
async fn each_network_route_refuses_a_token_for_another_action_container_or_body() {
    let (project, agent) = scene("net-tokens", &format!("[[networks]]\nname = \"{NETWORK}\"\n")).await;
    project.lxc(&["init", "smp-busybox", "c2"]);
    let body = serde_json::to_vec(&json!({"network": NETWORK, "ipv4": "10.77.0.61"})).unwrap();
    let other_body = serde_json::to_vec(&json!({"network": NETWORK, "ipv4": "10.77.0.62"})).unwrap();
    let forwards = serde_json::to_vec(&json!({"network": NETWORK, "forwards": []})).unwrap();
    let routes: [(Action, &str, &str, &[u8]); 4] = [
        (Action::NetworkList, "GET", "/networks", b""),
        (Action::Address, "PUT", "/container/c1/address", &body),
        (Action::ForwardList, "GET", "/container/c1/forwards", b""),
        (Action::ForwardSet, "PUT", "/container/c1/forwards", &forwards),
    ];
    for (action, method, path, body) in routes {
        let container = (action != Action::NetworkList).then_some("c1");
        let wrong_action = agent.token(Action::State, container, body);
        let answer = agent.send(method, path, Some(&wrong_action), body).await;
        assert_eq!((answer.status, answer.code()), (403, "token_wrong_action"), "{path}");
        if container.is_some() {
            let other_container = agent.token(action, Some("c2"), body);
            let answer = agent.send(method, path, Some(&other_container), body).await;
            assert_eq!((answer.status, answer.code()), (403, "token_wrong_container"), "{path}");
        }
    }
    for (action, path, body) in [(Action::Address, "address", &body), (Action::ForwardSet, "forwards", &forwards)] {
        let mut claims = agent.claims(action, Some("c1"));
        claims.bh = Some(body_hash(&other_body));
        let answer = agent.send("PUT", &format!("/container/c1/{path}"), Some(&agent.mint(&claims)), body).await;
        assert_eq!((answer.status, answer.code()), (403, "token_body_mismatch"), "{path}");
    }
    assert!(own_devices(&project, "c1").get("eth0").is_none(), "no refused request changed c1");
}

#[tokio::test]
async fn an_address_another_projects_container_holds_is_address_taken_and_changes_nothing() {
    let outside = Outside::new();
    let (project, agent) = scene("net-taken", &lxdbr0_with_forwards(&outside.listen_address)).await;
    let own = format!("10.77.0.{}", free_octet());
    assert_eq!(agent.set_address("c1", json!({"network": NETWORK, "ipv4": own})).await.status, 200);
    assert_eq!(agent.set_forwards("c1", NETWORK, json!([tcp(20090, 80)])).await.status, 200);
    let neighbours = TestProject::new("net-taken-other");
    neighbours.lxc(&["init", "smp-busybox", "n1"]);
    let theirs = format!("10.77.0.{}", free_octet());
    neighbours.lxc(&["config", "device", "override", "n1", "eth0", &format!("ipv4.address={theirs}")]);
    let before = (own_devices(&project, "c1"), outside.lxd_forward());
    let pid = project.init_pid("c1");
    let taken = agent.set_address("c1", json!({"network": NETWORK, "ipv4": theirs})).await;
    assert_eq!((taken.status, taken.code()), (409, "address_taken"), "{}", taken.body);
    assert_eq!((own_devices(&project, "c1"), outside.lxd_forward()), before, "the NIC and the forward as they were");
    assert_eq!(outside.lxd_forward()["ports"][0]["target_address"], own.as_str(), "never to the neighbour");
    assert_eq!(project.init_pid("c1"), pid, "not restarted");
}

#[tokio::test]
async fn a_stopped_containers_address_is_set_without_starting_it_and_a_nic_less_one_is_no_address() {
    let (project, agent) = scene("net-stopped", &format!("[[networks]]\nname = \"{NETWORK}\"\n")).await;
    project.lxc(&["init", "smp-busybox", "c2"]);
    let ipv4 = format!("10.77.0.{}", free_octet());
    let answer = agent.set_address("c2", json!({"network": NETWORK, "ipv4": ipv4})).await;
    assert_eq!((answer.status, answer.body["restarted"].as_bool()), (200, Some(false)), "{}", answer.body);
    assert_eq!(project.status("c2"), "Stopped");
    assert_eq!(own_devices(&project, "c2")["eth0"]["ipv4.address"], ipv4.as_str());

    project.lxc(&["init", "smp-busybox", "c3", "--no-profiles", "-s", "default"]);
    let none = agent.set_address("c3", json!({"network": NETWORK, "ipv4": format!("10.77.0.{}", free_octet())})).await;
    assert_eq!((none.status, none.code()), (409, "no_address"), "{}", none.body);
    assert!(none.body["error"]["message"].as_str().unwrap().contains("no NIC"));
}
