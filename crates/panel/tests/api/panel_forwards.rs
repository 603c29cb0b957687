//! Forwards through the panel with the real agent on the real LXD and
//! lxdbr0: an admin fixes a container's address, its owner forwards a port,
//! and 50 concurrent requests for the last free port give exactly one
//! forward in the panel and exactly one in LXD's network forward.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app_with;
use crate::panel_agent::{World, until};
use crate::real_agent::{Agent, LxdProject, SECRET};

/// A listen address for this test's LXD forward: in 198.19.0.0/16 (the
/// benchmarking range, never routed), one per process. No traffic is sent.
fn listen_address() -> String {
    format!("198.19.251.{}", 1 + std::process::id() % 250)
}

/// LXD's forward on `address` of lxdbr0, removed on drop.
struct LxdForward {
    address: String,
}

impl LxdForward {
    /// The (protocol, listen port) LXD holds on it.
    fn ports(&self) -> Vec<(String, u64)> {
        let output = Command::new("lxc")
            .args(["query", &format!("/1.0/networks/lxdbr0/forwards/{}", self.address)])
            .stdin(Stdio::null())
            .output()
            .expect("lxc runs");
        let forward: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let mut ports: Vec<(String, u64)> = forward["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|port| {
                let listen = port["listen_port"].as_str().unwrap_or_default().parse().unwrap_or(0);
                (port["protocol"].as_str().unwrap_or_default().to_owned(), listen)
            })
            .collect();
        ports.sort();
        ports
    }
}

impl Drop for LxdForward {
    fn drop(&mut self) {
        let _ = Command::new("lxc")
            .args(["query", "-X", "DELETE", &format!("/1.0/networks/lxdbr0/forwards/{}", self.address)])
            .stdin(Stdio::null())
            .output();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_forward_requests_for_the_last_port_leave_exactly_one_in_the_panel_and_in_lxd() {
    let forward = LxdForward { address: listen_address() };
    let project = LxdProject::with_busyboxes(&["c-fwd"]);
    let settings = format!(
        "[[networks]]\nname = \"lxdbr0\"\nlisten_address = \"{}\"\nforward_ports = \"20000-20001\"",
        forward.address
    );
    let agent = Agent::start_configured("m1", &project.name, &[("k1", SECRET)], &settings);
    let world = World::with_app(spawn_app_with("max_agent_calls_per_user = 64").await).await;
    world.add_machine("m1", &agent).await;
    let container = world.synced("m1", "c-fwd").await;
    let alice = world.member_owning("alice", container).await;
    until(Duration::from_secs(30), "the sync reads m1's networks", || async {
        let networks: Value = world.get("/networks", &world.admin).await.json().await.unwrap();
        (networks["items"].as_array().is_some_and(|items| !items.is_empty())).then_some(())
    })
    .await;

    // A free address of lxdbr0: one another test holds is 409 address_taken.
    let mut fixed = None;
    for step in 0..40 {
        let ipv4 = format!("10.77.0.{}", 100 + (std::process::id() + step * 7) % 150);
        let body = json!({"network": "lxdbr0", "ipv4": ipv4});
        let path = format!("/containers/{container}/address");
        let response = world.app.send_json(Method::PUT, &path, &world.admin, &body).await;
        match response.status().as_u16() {
            200 => {
                fixed = Some(ipv4);
                break;
            }
            409 => continue,
            status => panic!("setting the address answered {status}: {}", response.text().await.unwrap()),
        }
    }
    assert!(fixed.is_some(), "no free address of lxdbr0 in 40 tries");
    let quota = json!({"containers": 0, "cpu": 0, "memory_mb": 0, "disk_mb": 0, "forwards": null});
    let me: Value = world.get("/me", &alice).await.json().await.unwrap();
    let path = format!("/users/{}/quota", me["id"]);
    assert_eq!(world.app.send_json(Method::PUT, &path, &world.admin, &quota).await.status(), 200);

    let path = format!("/containers/{container}/forwards");
    let first = world.post(&path, &alice, json!({"protocol": "tcp", "target_port": 22})).await;
    assert_eq!(first.status(), 201, "{}", first.text().await.unwrap());
    let started = std::time::Instant::now();
    let requests = (0..50).map(|n| world.post(&path, &alice, json!({"protocol": "tcp", "target_port": 8000 + n})));
    let answers = futures_util::future::join_all(requests).await;
    let mut created = 0;
    let mut taken = 0;
    for answer in answers {
        match answer.status().as_u16() {
            201 => created += 1,
            409 => {
                let body: Value = answer.json().await.unwrap();
                assert_eq!(body["error"]["code"], "port_taken", "{body}");
                taken += 1;
            }
            status => panic!("a forward request answered {status}: {}", answer.text().await.unwrap()),
        }
    }
    eprintln!("50 concurrent forward requests through the real agent answered in {:?}", started.elapsed());
    assert_eq!((created, taken), (1, 49));
    let listed: Value = world.get(&path, &alice).await.json().await.unwrap();
    let ports: Vec<u64> =
        listed["items"].as_array().unwrap().iter().map(|item| item["listen_port"].as_u64().unwrap()).collect();
    assert_eq!(ports, vec![20000, 20001]);
    assert_eq!(forward.ports(), vec![("tcp".to_owned(), 20000), ("tcp".to_owned(), 20001)], "LXD holds exactly these");
    drop(agent);
}
