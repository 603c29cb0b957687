//! `rotation::rotate_key` and `smp-panel machine rotate-key` against the real
//! `smp-agent` (the `real_agent` helpers: its own LXD project, HTTPS with a
//! pinned self-signed certificate): the new key is used only once the agent
//! has accepted it, and a refusal leaves the machine on its current key.

use std::process::Output;

use secrecy::{ExposeSecret as _, SecretString};
use smp_panel::agents::{AgentClient, Caller};
use smp_panel::app::machines::{self as rotation, RotationError};
use smp_panel::db::{self, machines};
use smp_panel::domain::secrets::PanelKey;
use smp_proto::config_policy::Tier;
use smp_proto::error::ErrorCode;
use smp_proto::names::InstanceName;

use crate::helpers::{TestDb, panel, secret_file, spawn_db, stderr, stdout};
use crate::machine_cli::raw_database;
use crate::real_agent::{Agent, LxdProject, MACHINE, SECRET, machine_add};

const SECRET2: &str = "rotated-agent-secret-abcdefghijklmnopqrstuv";

fn admin() -> Caller {
    Caller::new("alice", Tier::Admin)
}

/// `smp-panel machine rotate-key` of machine `name` to key `k2`, its secret in `file`.
fn rotate_key_to_k2(db: &TestDb, name: &str, file: &str) -> Output {
    panel(db, &["machine", "rotate-key", "--name", name, "--key-id", "k2", "--secret-file", file], None)
}

/// Stores machine `m1` at `url` with key `k1` = `SECRET`, sealed with `key`.
fn register(db: &TestDb, key: &PanelKey, url: &str, fingerprint: Option<&str>) -> machines::Machine {
    let name = InstanceName::parse(MACHINE).unwrap();
    let sealed = key.seal(MACHINE, &SecretString::from(SECRET)).unwrap();
    let new = machines::NewMachine { name: &name, url, key_id: "k1", secret: &sealed, fingerprint };
    machines::insert(&mut db.migrated(), &new).unwrap()
}

/// A fresh database with machine `m1` at `url` (`register`, sealed with a
/// new panel key): the database, the key, the machine and a pool on it.
fn registered(url: &str, fingerprint: Option<&str>) -> (TestDb, PanelKey, machines::Machine, db::DbPool) {
    let db = spawn_db();
    let key = PanelKey::from_bytes(&PanelKey::generate_bytes());
    let machine = register(&db, &key, url, fingerprint);
    let pool = db::connect_and_migrate(&db.url).unwrap();
    (db, key, machine, pool)
}

fn stored(db: &TestDb) -> machines::Machine {
    machines::list(&mut db.migrated()).unwrap().remove(0)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_to_a_key_the_agent_has_switches_the_machine_and_it_keeps_working() {
    let project = LxdProject::create();
    let agent = Agent::start_with_keys(&project.name, &[("k1", SECRET), ("k2", SECRET2)]);
    let db = spawn_db();
    let new_file = secret_file(&db, "k2.secret", SECRET2);
    let added = machine_add(&db, MACHINE, &agent, &["--fingerprint", &agent.fingerprint()]);
    assert!(added.status.success(), "{}", stderr(&added));

    let output = rotate_key_to_k2(&db, MACHINE, &new_file);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("now uses key k2") && out.contains("remove the old key k1 from the agent's config"), "{out}");
    for secret in [SECRET, SECRET2] {
        assert!(!out.contains(secret) && !stderr(&output).contains(secret), "no secret is printed");
    }

    let machine = stored(&db);
    assert_eq!(machine.key_id, "k2");
    assert_eq!(machine.next_key_id(), None, "nothing stays staged");
    let raw = raw_database(&db);
    assert!(!contains(&raw, SECRET2), "the new secret is not in the database in clear");
    assert!(!contains(&raw, SECRET), "nor is the old one");
    let key = PanelKey::load(&db.dir.path().join("smp-panel.key")).unwrap();
    assert_eq!(
        machine.decrypt_secret(&key).unwrap().expose_secret(),
        SECRET2,
        "the stored secret is the new one, sealed"
    );

    let client = AgentClient::for_machine(&machine, &key, "test").unwrap();
    assert!(format!("{client:?}").contains("key_id: \"k2\""), "{client:?}");
    client.list(&admin()).await.expect("the panel's next call to the agent, with k2, works");
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_to_a_key_the_agent_lacks_changes_nothing_and_says_what_to_do() {
    let project = LxdProject::create();
    let agent = Agent::start_with_keys(&project.name, &[("k1", SECRET)]);
    let (db, key, machine, pool) = registered(&agent.url(), Some(&agent.fingerprint()));

    let error =
        rotation::rotate_key(&pool, &key, "test", machine.id, "k2", SecretString::from(SECRET2)).await.unwrap_err();
    assert!(matches!(&error, RotationError::AgentRefused { code, .. } if *code == ErrorCode::UnknownKey), "{error:?}");
    assert_eq!(error.code(), "key_refused");
    let message = error.to_string();
    assert!(message.contains("add key k2 to the agent's [[keys]] and restart it first"), "{message}");
    assert!(message.contains("the panel still uses key \"k1\""), "{message}");
    assert!(!message.contains(SECRET2) && !format!("{error:?}").contains(SECRET2), "no secret in the error");

    // The same id with another secret than the agent's: token_signature.
    let error =
        rotation::rotate_key(&pool, &key, "test", machine.id, "k1", SecretString::from(SECRET2)).await.unwrap_err();
    assert!(
        matches!(&error, RotationError::AgentRefused { code, .. } if *code == ErrorCode::TokenSignature),
        "{error:?}"
    );
    assert!(error.to_string().contains("different secret"), "{error}");

    let after = stored(&db);
    assert_eq!(after.key_id, "k1");
    assert_eq!(after.next_key_id(), None, "the staged key was cleared");
    assert_eq!(after.decrypt_secret(&key).unwrap().expose_secret(), SECRET);
    AgentClient::for_machine(&after, &key, "test").unwrap().list(&admin()).await.expect("k1 still works");

    // The command line says the same, exit code 1.
    let new_file = secret_file(&db, "k2.secret", SECRET2);
    let output = rotate_key_to_k2(&db, MACHINE, &new_file);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("add key k2 to the agent's [[keys]] and restart it first"), "{}", stderr(&output));
    assert!(!stderr(&output).contains(SECRET2));
    let after = stored(&db);
    assert_eq!((after.key_id.as_str(), after.next_key_id()), ("k1", None));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_secret_or_a_bad_key_id_is_refused_before_anything_is_stored() {
    let (db, key, machine, pool) = registered("http://127.0.0.1:1", None);

    let short = "s".repeat(31);
    let error = rotation::rotate_key(&pool, &key, "test", machine.id, "k2", SecretString::from(short.clone()))
        .await
        .unwrap_err();
    assert!(matches!(error, RotationError::SecretTooShort { chars: 31 }), "{error:?}");
    assert!(error.to_string().contains("at least 32"), "{error}");
    assert!(!error.to_string().contains(&short));
    let error =
        rotation::rotate_key(&pool, &key, "test", machine.id, "a b", SecretString::from(SECRET2)).await.unwrap_err();
    assert!(matches!(error, RotationError::InvalidKeyId(_)), "{error:?}");
    let error = rotation::rotate_key(&pool, &key, "test", machines::MachineId(999), "k2", SecretString::from(SECRET2))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "not_found", "{error:?}");
    assert_eq!(stored(&db), machine, "nothing was stored");

    let short_file = secret_file(&db, "short.secret", &short);
    let output = rotate_key_to_k2(&db, MACHINE, &short_file);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("at least 32"), "{}", stderr(&output));
    let output = rotate_key_to_k2(&db, "nope", &short_file);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stored(&db), machine, "nothing was stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_agent_leaves_the_current_key_in_use() {
    let (db, key, machine, pool) = registered("http://127.0.0.1:1", None);

    let error =
        rotation::rotate_key(&pool, &key, "test", machine.id, "k2", SecretString::from(SECRET2)).await.unwrap_err();
    assert!(matches!(error, RotationError::Unverified { .. }), "{error:?}");
    assert_eq!(error.code(), "key_unverified");
    assert!(error.to_string().contains("the panel still uses key \"k1\""), "{error}");
    assert_eq!(stored(&db), machine, "the staged key was cleared, the current one kept");

    let new_file = secret_file(&db, "k2.secret", SECRET2);
    let output = rotate_key_to_k2(&db, MACHINE, &new_file);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert_eq!(error.matches("cannot be reached").count(), 1, "the cause is said once: {error}");
    assert!(error.contains("the panel still uses key \"k1\""), "{error}");
    assert_eq!(stored(&db), machine);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_key_never_needs_the_old_secret_so_it_recovers_a_lost_panel_key() {
    let project = LxdProject::create();
    let agent = Agent::start_with_keys(&project.name, &[("k1", SECRET), ("k2", SECRET2)]);
    let db = spawn_db();
    // Sealed with a key that is then lost: no key file exists.
    let lost = PanelKey::from_bytes(&PanelKey::generate_bytes());
    register(&db, &lost, &agent.url(), Some(&agent.fingerprint()));
    let key_file = db.dir.path().join("smp-panel.key");
    assert!(!key_file.exists());

    let new_file = secret_file(&db, "k2.secret", SECRET2);
    let output = rotate_key_to_k2(&db, MACHINE, &new_file);
    assert!(output.status.success(), "{}", stderr(&output));
    let key = PanelKey::load(&key_file).expect("a new panel key was created");
    let machine = stored(&db);
    assert_eq!(machine.key_id, "k2");
    assert_eq!(machine.decrypt_secret(&key).unwrap().expose_secret(), SECRET2);
    AgentClient::for_machine(&machine, &key, "test").unwrap().list(&admin()).await.expect("the machine works again");
}
