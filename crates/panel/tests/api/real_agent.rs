//! `AgentClient` and `machine add --trust-on-first-use` against the real
//! `smp-agent` binary (…/debug/smp-agent next to this test, or
//! $SMP_AGENT_BIN) serving HTTPS with its self-signed certificate, on the
//! real LXD, each test in an LXD project of its own (`smpt-panel-…`, which
//! `make clean-lxd` also removes) deleted afterwards (`real_lxd`).

use smp_panel::agents::pinning::Fingerprint;
use smp_panel::agents::{AgentCallError, Caller};
use smp_proto::config_policy::Tier;

use crate::helpers::{spawn_db, stderr, stdout};
pub use crate::real_lxd::*;

fn admin() -> Caller {
    Caller::new("alice", Tier::Admin)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pinned_client_lists_and_restarts_on_the_real_agent() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let agent = Agent::start(&project.name);
    let pin = Fingerprint::parse(&agent.fingerprint()).unwrap();
    let client = agent.client(pin);

    let health = client.health().await.unwrap();
    assert_eq!(health.machine, MACHINE);
    let list = client.list(&admin()).await.unwrap();
    let names: Vec<&str> = list.items.iter().map(|item| item.name.as_str()).collect();
    assert_eq!(names, ["c1"]);

    let before = project.init_pid("c1").expect("c1 runs");
    client.stop_or_restart(&admin(), smp_proto::action::Action::Restart, "c1", &Default::default()).await.unwrap();
    let after = project.init_pid("c1").expect("c1 runs again");
    assert_ne!(before, after, "the restart made a new init");

    let error = client.state(&admin(), "nope").await.unwrap_err();
    assert_eq!(error.agent_status(), Some(404), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_fingerprint_is_refused_and_nothing_happens() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let agent = Agent::start(&project.name);
    let right = Fingerprint::parse(&agent.fingerprint()).unwrap();
    let mut wrong_bytes = *right.as_bytes();
    wrong_bytes[0] ^= 0xff;
    let wrong = Fingerprint::parse(&hex_of(&wrong_bytes)).unwrap();
    let client = agent.client(wrong);

    let before = project.init_pid("c1").expect("c1 runs");
    let error = client
        .stop_or_restart(&admin(), smp_proto::action::Action::Restart, "c1", &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(error, AgentCallError::FingerprintMismatch { .. }), "{error}");
    assert_eq!(error.code(), "fingerprint_mismatch");
    assert!(matches!(client.list(&admin()).await, Err(AgentCallError::FingerprintMismatch { .. })));
    assert_eq!(project.init_pid("c1"), Some(before), "nothing was restarted");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn machine_add_trust_on_first_use_pins_what_the_agent_presents() {
    let project = LxdProject::create();
    let agent = Agent::start(&project.name);
    let db = spawn_db();
    let output = machine_add(&db, MACHINE, &agent, &["--trust-on-first-use"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let expected = agent.fingerprint();
    assert!(stdout(&output).contains(&expected), "{} / {expected}", stdout(&output));
    let machine = smp_panel::db::machines::list(&mut db.migrated()).unwrap().remove(0);
    assert_eq!(machine.fingerprint.as_deref(), Some(expected.as_str()));
}

#[test]
fn machine_add_refuses_an_agent_that_answers_to_another_name() {
    let project = LxdProject::create();
    let agent = Agent::start(&project.name);
    let db = spawn_db();
    let pin = ["--fingerprint", &agent.fingerprint()];
    let output = machine_add(&db, "m2", &agent, &pin);
    assert!(!output.status.success());
    assert!(stderr(&output).contains(&format!("is machine \"{MACHINE}\"")), "{}", stderr(&output));
    assert!(smp_panel::db::machines::list(&mut db.migrated()).unwrap().is_empty(), "nothing was added");

    let output = machine_add(&db, MACHINE, &agent, &pin);
    assert!(output.status.success(), "{}", stderr(&output));
}
