//! HTTPS by default with the certificate `smp-agent fingerprint` names, and
//! plain HTTP on loopback without `[tls]`.

use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::support::{AgentConfig, LxdProject, MACHINE, RunningAgent, run_with_deadline};

/// `AB:CD:…`, the form `smp-agent fingerprint` and `openssl x509 -fingerprint -sha256` print.
fn fingerprint_of(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|byte| format!("{byte:02X}")).collect::<Vec<_>>().join(":")
}

/// `GET /health`: its JSON, and the DER of the certificate the server
/// presented when it spoke TLS.
fn health(client: &reqwest::blocking::Client, url: &str) -> (serde_json::Value, Option<Vec<u8>>) {
    let answer = client.get(format!("{url}/health")).send().unwrap_or_else(|e| panic!("GET {url}/health: {e:#}"));
    assert_eq!(answer.status(), 200);
    let certificate =
        answer.extensions().get::<reqwest::tls::TlsInfo>().and_then(|info| info.peer_certificate()).map(<[u8]>::to_vec);
    (answer.json().expect("/health answers JSON"), certificate)
}

#[test]
fn the_agent_serves_https_on_a_non_loopback_address_with_the_certificate_fingerprint_prints() {
    let project = LxdProject::create("tls");
    let config = AgentConfig::new(&project.name, "0.0.0.0");
    let agent = RunningAgent::start(&config, "https");
    let client = RunningAgent::client();

    let (body, certificate) = health(&client, &agent.url);
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["machine"], MACHINE, "{body}");
    assert!(body["lxd"].get("project").is_none(), "the open /health names no LXD project: {body}");
    let certificate = certificate.expect("the HTTPS answer carries the agent's certificate");

    let finished = run_with_deadline(config.agent_command(&["fingerprint"]), Duration::from_secs(30));
    assert!(finished.success(), "smp-agent fingerprint failed: {}", finished.stderr);
    assert_eq!(
        finished.stdout.trim(),
        fingerprint_of(&certificate),
        "the printed fingerprint is not the served certificate's"
    );
    assert!(config.state_dir().join("cert.pem").is_file(), "the self-signed certificate lives in state_dir");

    let plain = client.get(format!("{}/health", agent.url.replacen("https://", "http://", 1))).send();
    assert!(
        plain.map(|answer| !answer.status().is_success()).unwrap_or(true),
        "a non-loopback agent without [tls] must not answer plain HTTP"
    );
}

#[test]
fn the_agent_serves_plain_http_on_loopback_without_a_tls_table() {
    let project = LxdProject::create("http");
    let config = AgentConfig::new(&project.name, "127.0.0.1");
    let agent = RunningAgent::start(&config, "http");
    assert!(agent.url.starts_with("http://127.0.0.1:"), "{}", agent.url);
    let client = RunningAgent::client();

    let (body, certificate) = health(&client, &agent.url);
    assert!(certificate.is_none(), "plain HTTP presents no certificate");
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["lxd"]["reachable"], true, "{body}");
    assert!(
        client.get(format!("{}/health", agent.url.replacen("http://", "https://", 1))).send().is_err(),
        "a loopback agent without [tls] must not speak TLS"
    );
    assert!(!config.state_dir().join("cert.pem").exists(), "no certificate is generated for plain HTTP");
}
