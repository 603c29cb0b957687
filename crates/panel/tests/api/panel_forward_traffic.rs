//! Traffic through the panel with the real agent on the real LXD and
//! lxdbr0: an admin fixes a member's container's address through the API
//! (and `ip addr` inside shows it after the restart), the member forwards a
//! port, and a client in a network namespace this test makes (the "outside"
//! host, a veth pair in 198.18.17.0/24) reaches busybox httpd in her
//! container through the machine's listen address and the allocated port,
//! until she deletes the forward. And a static IPv6 set through the panel
//! on a public network is what `dig AAAA` gets for the container's name.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use smp_e2e::{OutsideHost, free_lxdbr0_octet, run};

use crate::dns::{dig, dig_available};
use crate::helpers::spawn_app_with;
use crate::panel_agent::{World, until};
use crate::real_agent::{Agent, LxdProject, SECRET};

/// The "outside" host (`smp_e2e::OutsideHost`, a /30 of 198.18.17.0/24
/// per process: the agent's tests and bench take 198.19.x), whose address
/// on the pair is the agent's `listen_address` for lxdbr0; LXD's forward
/// on it goes on drop, before the namespace.
struct Outside {
    host: OutsideHost,
    listen_address: String,
}

impl Outside {
    fn new() -> Outside {
        let id = std::process::id();
        let host = OutsideHost::new(&format!("pft-{id}"), &format!("smpp{}", id % 1_000_000), [18, 17, (id % 60) * 4]);
        let listen_address = host.host_address().to_owned();
        Outside { host, listen_address }
    }

    fn get(&self, url: &str) -> Option<String> {
        self.host.get(url)
    }

    /// The ports of LXD's forward on the listen address (none if it has none).
    fn lxd_ports(&self) -> Vec<Value> {
        let output = Command::new("lxc")
            .args(["query", &format!("/1.0/networks/lxdbr0/forwards/{}", self.listen_address)])
            .stdin(Stdio::null())
            .output()
            .expect("lxc runs");
        let forward: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        forward["ports"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let quiet = |args: &[&str]| Command::new("lxc").args(args).stdin(Stdio::null()).output();
        let _ = quiet(&["network", "forward", "delete", "lxdbr0", &self.listen_address]);
    }
}

/// The addresses of `family` (`-4`, `-6`) on eth0 inside `container`, as
/// `ip addr` shows them there (without the prefix length).
fn inside(project: &LxdProject, container: &str, family: &str) -> Vec<String> {
    let (_, shown) = project.exec(container, &["ip", family, "-o", "addr", "show", "dev", "eth0"]);
    shown
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace().skip_while(|word| !word.starts_with("inet"));
            words.nth(1).and_then(|address| address.split('/').next()).map(str::to_owned)
        })
        .collect()
}

/// Waits (bounded) until the sync has stored the machine's networks.
async fn networks_synced(world: &World) {
    until(Duration::from_secs(30), "the sync reads m1's networks", || async {
        let networks: Value = world.get("/networks", &world.admin).await.json().await.unwrap();
        (networks["items"].as_array().is_some_and(|items| !items.is_empty())).then_some(())
    })
    .await;
}

/// The admin gives `container` a free address of lxdbr0 through the panel
/// (`candidate(step)` for step 0, 1, …; one another test holds is 409
/// `address_taken`, then the next): the address and the answer.
async fn fix_address(
    world: &World,
    container: i64,
    family: &str,
    candidate: impl Fn(u32) -> String,
) -> (String, Value) {
    let path = format!("/containers/{container}/address");
    for step in 0..40 {
        let address = candidate(step);
        let mut body = json!({"network": "lxdbr0"});
        body[family] = json!(address);
        let response = world.app.send_json(Method::PUT, &path, &world.admin, &body).await;
        match response.status().as_u16() {
            200 => return (address, response.json().await.unwrap()),
            409 => continue,
            status => panic!("setting the address answered {status}: {}", response.text().await.unwrap()),
        }
    }
    panic!("no free {family} address of lxdbr0 in 40 tries");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_members_forward_set_through_the_panel_carries_an_outside_client_to_her_httpd_until_she_deletes_it() {
    let outside = Outside::new();
    let project = LxdProject::with_busyboxes(&["c-web"]);
    let settings = format!(
        "[[networks]]\nname = \"lxdbr0\"\nlisten_address = \"{}\"\nforward_ports = \"20000-20009\"",
        outside.listen_address
    );
    let agent = Agent::start_configured("m1", &project.name, &[("k1", SECRET)], &settings);
    let world = World::with_app(spawn_app_with("").await).await;
    world.add_machine("m1", &agent).await;
    let container = world.synced("m1", "c-web").await;
    let alice = world.member_owning("alice", container).await;
    networks_synced(&world).await;

    // The admin fixes the address; the container restarts with it.
    // One no lease mentions: dnsmasq keeps an address leased to another for it.
    let (ipv4, answer) = fix_address(&world, container, "ipv4", |_| format!("10.77.0.{}", free_lxdbr0_octet())).await;
    assert_eq!((answer["ipv4"].as_str(), answer["restarted"].as_bool()), (Some(ipv4.as_str()), Some(true)), "{answer}");
    // Bounded by two rounds of busybox's udhcpc (3 tries of 3 s, then 20 s
    // asleep): LXD reloads lxdbr0's dnsmasq for the new lease while the
    // container restarts, and a loaded machine may miss the first round.
    let (_, took) = until(Duration::from_secs(60), "c-web has its fixed address inside", || async {
        inside(&project, "c-web", "-4").contains(&ipv4).then_some(())
    })
    .await;
    eprintln!("c-web showed {ipv4} inside {took:?} after the PUT answered");

    // She may have one forward; she asks for one to her httpd.
    let me: Value = world.get("/me", &alice).await.json().await.unwrap();
    let quota = json!({"containers": 0, "cpu": 0, "memory_mb": 0, "disk_mb": 0, "forwards": 1});
    let quota_path = format!("/users/{}/quota", me["id"]);
    assert_eq!(world.app.send_json(Method::PUT, &quota_path, &world.admin, &quota).await.status(), 200);
    let serve = "mkdir -p /www && echo hello-from-c-web > /www/index.html && httpd -p 80 -h /www";
    assert_eq!(project.exec("c-web", &["sh", "-c", serve]).0, 0, "httpd starts in c-web");
    let path = format!("/containers/{container}/forwards");
    let created = world.post(&path, &alice, json!({"protocol": "tcp", "target_port": 80})).await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let created: Value = created.json().await.unwrap();
    let port = created["listen_port"].as_u64().expect("an allocated listen port");
    assert!((20000..=20009).contains(&port), "{created}");
    let url = format!("http://{}:{port}/", outside.listen_address);
    assert_eq!(created["reach"].as_str(), Some(&url["http://".len()..url.len() - 1]), "{created}");
    assert_eq!(outside.lxd_ports().len(), 1, "LXD holds her forward");

    let (page, took) =
        until(Duration::from_secs(10), "the outside host reaches c-web's httpd", || async { outside.get(&url) }).await;
    assert_eq!(page.trim(), "hello-from-c-web");
    eprintln!("the outside host got the page through {url} {took:?} after the POST answered");

    // She deletes it: the same client gets nothing any more.
    let removed = world.app.with_session(Method::DELETE, &format!("{path}/{}", created["id"]), &alice).send().await;
    assert_eq!(removed.unwrap().status(), 204);
    assert!(outside.lxd_ports().is_empty(), "LXD's forward has no port left");
    let (_, took) = until(Duration::from_secs(10), "the forward stops carrying traffic", || async {
        outside.get(&url).is_none().then_some(())
    })
    .await;
    eprintln!("the outside host got nothing {took:?} after the DELETE answered");
    let listed: Value = world.get(&path, &alice).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]), "the panel holds none of hers");
    drop(agent);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_static_ipv6_set_through_the_panel_on_a_public_network_is_what_dig_aaaa_gets_for_the_container() {
    if !dig_available() {
        return;
    }
    let project = LxdProject::with_busyboxes(&["c-six"]);
    let settings = "[[networks]]\nname = \"lxdbr0\"\npublic = true";
    let agent = Agent::start_configured("m1", &project.name, &[("k1", SECRET)], settings);
    let world =
        World::with_app(spawn_app_with("[dns]\nlisten = \"127.0.0.1:0\"\nzone = \"ct.test\"\nttl_s = 30").await).await;
    let port = world.app.dns_port.expect("[dns] starts the DNS server");
    world.add_machine("m1", &agent).await;
    let container = world.synced("m1", "c-six").await;
    networks_synced(&world).await;

    let (ipv6, answer) = fix_address(&world, container, "ipv6", |step| {
        format!("fd42:77::5:{:x}", (std::process::id() + step * 7) % 0xfff0 + 1)
    })
    .await;
    assert_eq!(answer["ipv6"].as_str(), Some(ipv6.as_str()), "{answer}");
    // The panel publishes the static address it holds at once (PANEL.md: a
    // change is answered within 1 s), without waiting for a sync.
    let (_, took) = until(Duration::from_secs(20), "dig AAAA c-six.ct.test answers the static IPv6", || async {
        let answer = dig(port, "c-six.ct.test", "AAAA", &[]);
        (answer.data("AAAA") == [ipv6.clone()]).then_some(answer)
    })
    .await;
    let device = run("lxc", &["query", &format!("/1.0/instances/c-six?project={}", project.name)]);
    let device: Value = serde_json::from_str(&device).unwrap();
    assert_eq!(device["devices"]["eth0"]["ipv6.address"], ipv6.as_str(), "LXD's NIC reserves it for DHCPv6");
    // The busybox image has no DHCPv6 client (udhcpc is IPv4 only): the
    // address LXD's dnsmasq reserves for c-six is configured by hand, as a
    // DHCPv6 client would configure it.
    assert_eq!(project.exec("c-six", &["ip", "-6", "addr", "add", &format!("{ipv6}/64"), "dev", "eth0"]).0, 0);
    assert!(inside(&project, "c-six", "-6").contains(&ipv6), "ip addr inside shows it");
    eprintln!("dig AAAA answered {ipv6} {took:?} after the address was set");
    let answer = dig(port, "c-six.m1.ct.test", "AAAA", &["+tcp"]);
    assert_eq!((answer.status.as_str(), answer.data("AAAA")), ("NOERROR", vec![ipv6.clone()]));
    assert!(answer.flags.iter().any(|flag| flag == "aa"), "authoritative: {:?}", answer.flags);
    drop(agent);
}
