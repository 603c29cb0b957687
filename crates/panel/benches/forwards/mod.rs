//! Issue 17's figure "port allocation under 50 concurrent requests": a
//! member's 50 concurrent `POST /containers/{id}/forwards` through the
//! panel (real agent in this process, real LXD, lxdbr0) for a range of 25
//! free ports, timed until all 50 are answered, with exactly 25 created
//! (distinct ports, all 25 in LXD's network forward) and 25 refused
//! `port_taken`; beside the agent's `PUT …/forwards` that the 25 winners
//! amount to, made directly with the panel's agent client: 25 sequential
//! writes (each adding one port to the set) and 50 concurrent writes (the
//! agent serialises them per network). In turns, each side first in turn.
//!
//! Not like for like: each winner sends the container's whole set as the
//! database holds it when its turn comes (one at a time per container), so
//! a later winner often finds LXD already holding the set and the agent
//! writes nothing; the panel may well be quicker than 25 sequential writes.
//!
//! No traffic: the forward's listen address (198.18.117.x, benchmarking
//! range) exists on no interface; allocating only talks to LXD's API.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::agents::{AgentClient, Caller};
use smp_proto::network::ForwardsRequest;
use smp_proto::token::SharedKey;

use super::{MemberScene, timed};
use crate::support::{Project, lxc, ms, percentile, rounds, start_agent, turns};

const NETWORK: &str = "lxdbr0";
const CONTAINER: &str = "f1";
/// The range's size: half of the 50 requests can win.
const PORTS: u16 = 25;
const FIRST_PORT: u16 = 20000;
const REQUESTS: u16 = 50;
const WAIT: Duration = Duration::from_secs(30);

/// LXD's forward on the listen address; deleted on drop.
struct LxdForward(String);

impl LxdForward {
    /// The listen ports LXD holds on it, sorted.
    fn ports(&self) -> Vec<u16> {
        let forward = lxc(&["query", &format!("/1.0/networks/{NETWORK}/forwards/{}", self.0)]);
        let forward: Value = serde_json::from_str(&forward).unwrap();
        let mut ports: Vec<u16> = forward["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|port| port["listen_port"].as_str().unwrap().parse().unwrap())
            .collect();
        ports.sort_unstable();
        ports
    }
}

impl Drop for LxdForward {
    fn drop(&mut self) {
        let _ = std::process::Command::new("lxc")
            .args(["network", "forward", "delete", NETWORK, &self.0])
            .stdin(std::process::Stdio::null())
            .output();
    }
}

pub async fn port_allocation_under_fifty_concurrent_requests() {
    let project = Project::launch("fwd", "smp-busybox", CONTAINER);
    let forward = LxdForward(format!("198.18.117.{}", 1 + std::process::id() % 250));
    let dir = tempfile::tempdir().unwrap();
    let networks = format!(
        "member_images = [\"smp-busybox\"]\n[[networks]]\nname = \"{NETWORK}\"\nlisten_address = \"{}\"\n\
         forward_ports = \"{FIRST_PORT}-{}\"\n",
        forward.0,
        FIRST_PORT + PORTS - 1
    );
    let (agent_url, secret) = start_agent("bench", &project, dir.path(), &networks).await;

    let scene = MemberScene::start(dir.path(), (&agent_url, &secret), CONTAINER, "max_agent_calls_per_user = 64").await;
    let MemberScene { api, http, admin, alice, container: id, .. } = &scene;
    let started = Instant::now();
    loop {
        let networks = http.get(format!("{api}/networks")).bearer_auth(admin).send().await.unwrap();
        let networks = networks.json::<Value>().await.unwrap();
        if networks["items"].as_array().is_some_and(|items| !items.is_empty()) {
            break;
        }
        assert!(started.elapsed() < WAIT, "the sync never stored the agent's networks");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A static address (one another project holds is 409: the next), then
    // no limit on her forwards: only the range limits the winners.
    let mut fixed = None;
    for step in 0..40 {
        let ipv4 = format!("10.77.0.{}", 100 + (std::process::id() * 3 + step * 11) % 150);
        let request = http.put(format!("{api}/containers/{id}/address")).bearer_auth(admin);
        let response = request.json(&json!({"network": NETWORK, "ipv4": ipv4})).send().await.unwrap();
        match response.status().as_u16() {
            200 => {
                fixed = Some(ipv4);
                break;
            }
            409 => continue,
            status => panic!("PUT address answered {status}: {}", response.text().await.unwrap()),
        }
    }
    assert!(fixed.is_some(), "no free address of {NETWORK} in 40 tries");
    scene.set_quota(json!({"containers": 0, "cpu": 0, "memory_mb": 0, "disk_mb": 0, "forwards": null})).await;

    let forwards = format!("{api}/containers/{id}/forwards");
    let through_panel = || {
        let (http, alice, forwards) = (&http, &alice, &forwards);
        async move {
            let requests = (0..REQUESTS).map(|n| {
                let body = json!({"protocol": "tcp", "target_port": 1000 + n});
                http.post(forwards.as_str()).bearer_auth(alice).json(&body).send()
            });
            let (answers, took) = timed(futures_util::future::join_all(requests)).await;
            let (mut won, mut taken) = (Vec::new(), 0);
            for answer in answers {
                let answer = answer.unwrap();
                let status = answer.status().as_u16();
                let body: Value = answer.json().await.unwrap();
                match status {
                    201 => won.push(body["listen_port"].as_u64().unwrap() as u16),
                    409 if body["error"]["code"] == "port_taken" => taken += 1,
                    _ => panic!("a forward request answered {status}: {body}"),
                }
            }
            won.sort_unstable();
            (won, taken, took)
        }
    };
    let remove_all = || {
        let (http, alice, forwards) = (&http, &alice, &forwards);
        async move {
            let listed = http.get(forwards.as_str()).bearer_auth(alice).send().await.unwrap();
            let listed = listed.json::<Value>().await.unwrap();
            for item in listed["items"].as_array().unwrap() {
                let request = http.request(Method::DELETE, format!("{forwards}/{}", item["id"])).bearer_auth(alice);
                assert_eq!(request.send().await.unwrap().status(), 204);
            }
        }
    };

    // The agent's side, with the panel's own client and the machine's key.
    let client = AgentClient::new("bench", &agent_url, SharedKey::new("k1", &secret), None, "bench").unwrap();
    let caller = Caller::system("bench");
    let set_of = |ports: &[u16]| -> ForwardsRequest {
        let forwards: Vec<Value> = ports
            .iter()
            .map(|port| json!({"protocol": "tcp", "listen_port": port, "target_port": 1000 + port - FIRST_PORT}))
            .collect();
        serde_json::from_value(json!({"network": NETWORK, "forwards": forwards})).unwrap()
    };
    let sequential = || {
        let (client, caller) = (&client, &caller);
        async move {
            let began = Instant::now();
            for count in 1..=PORTS {
                let ports: Vec<u16> = (FIRST_PORT..FIRST_PORT + count).collect();
                client.set_forwards(caller, CONTAINER, &set_of(&ports)).await.unwrap();
            }
            let took = began.elapsed();
            client.set_forwards(caller, CONTAINER, &set_of(&[])).await.unwrap();
            took
        }
    };
    let concurrent = || {
        let (client, caller, forward) = (&client, &caller, &forward);
        async move {
            let sets: Vec<ForwardsRequest> = (0..REQUESTS).map(|n| set_of(&[FIRST_PORT + n % PORTS])).collect();
            let writes = sets.iter().map(|set| client.set_forwards(caller, CONTAINER, set));
            let (answers, took) = timed(futures_util::future::join_all(writes)).await;
            for answer in answers {
                answer.unwrap();
            }
            assert_eq!(forward.ports().len(), 1, "each write replaced the container's whole set");
            client.set_forwards(caller, CONTAINER, &set_of(&[])).await.unwrap();
            took
        }
    };

    let expected: Vec<u16> = (FIRST_PORT..FIRST_PORT + PORTS).collect();
    let (mut panel, mut serial, mut parallel) = (Vec::new(), Vec::new(), Vec::new());
    // The first round warms every path.
    for round in 0..rounds(10) + 1 {
        for side in turns(round, 3) {
            match side {
                0 => {
                    let (won, taken, took) = through_panel().await;
                    assert_eq!((won.len(), taken), (usize::from(PORTS), usize::from(REQUESTS - PORTS)));
                    assert_eq!(won, expected, "the winners hold distinct ports, the whole range");
                    assert_eq!(forward.ports(), expected, "LXD holds exactly the winners' ports");
                    remove_all().await;
                    assert!(forward.ports().is_empty(), "every forward removed");
                    if round > 0 {
                        panel.push(took);
                    }
                }
                1 => {
                    let took = sequential().await;
                    if round > 0 {
                        serial.push(took);
                    }
                }
                _ => {
                    let took = concurrent().await;
                    if round > 0 {
                        parallel.push(took);
                    }
                }
            }
        }
    }
    println!(
        "port allocation, {REQUESTS} concurrent member POSTs through the panel for {PORTS} free ports: all answered p50 {:>7.1} ms p95 {:>7.1} ms, {PORTS} won, {} port_taken, LXD holds the {PORTS} | agent PUT …/forwards direct: {PORTS} sequential (one port added each) p50 {:>7.1} ms, {REQUESTS} concurrent p50 {:>7.1} ms | ratio to sequential {:.3} (no goal named, n={})",
        ms(percentile(&panel, 0.5)),
        ms(percentile(&panel, 0.95)),
        REQUESTS - PORTS,
        ms(percentile(&serial, 0.5)),
        ms(percentile(&parallel, 0.5)),
        ms(percentile(&panel, 0.5)) / ms(percentile(&serial, 0.5)),
        panel.len()
    );
    drop(project);
}
