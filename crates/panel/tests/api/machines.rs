//! The `machines` table through `db::machines`, on the backend `spawn_db` picks.

use secrecy::{ExposeSecret as _, SecretString};
use smp_panel::db::machines::{self, MachineError, MachineId, NewMachine};
use smp_panel::domain::secrets::PanelKey;
use smp_proto::names::InstanceName;

use smp_panel::db::DbConnection;

use crate::helpers::{TestDb, spawn_db};

const SECRET: &str = "first-secret-0123456789abcdef0123456789";
const NEXT_SECRET: &str = "second-secret-0123456789abcdef012345678";

fn name(text: &str) -> InstanceName {
    InstanceName::parse(text).unwrap()
}

/// A fresh database (dropped with the `TestDb`), a connection with every
/// migration applied, and a new panel key.
fn keyed_db() -> (TestDb, DbConnection, PanelKey) {
    let db = spawn_db();
    let connection = db.migrated();
    (db, connection, PanelKey::from_bytes(&PanelKey::generate_bytes()))
}

/// Stores machine `text` at `url` with key `key_id`: `SECRET` sealed with `key`, no fingerprint.
fn store(connection: &mut DbConnection, key: &PanelKey, text: &str, url: &str, key_id: &str) -> machines::Machine {
    let sealed = key.seal(text, &SecretString::from(SECRET)).unwrap();
    let new = NewMachine { name: &name(text), url, key_id, secret: &sealed, fingerprint: None };
    machines::insert(connection, &new).unwrap()
}

#[test]
fn a_machine_round_trips_and_its_secret_decrypts_only_with_the_panel_key() {
    let (_db, mut connection, key) = keyed_db();
    let m1 = name("m1");
    let sealed = key.seal("m1", &SecretString::from(SECRET)).unwrap();
    let new = NewMachine {
        name: &m1,
        url: "https://10.0.0.1:8443",
        key_id: "panel",
        secret: &sealed,
        fingerprint: Some("AB"),
    };
    let machine = machines::insert(&mut connection, &new).unwrap();
    assert_eq!(
        (machine.name.as_str(), machine.url.as_str(), machine.key_id.as_str()),
        ("m1", "https://10.0.0.1:8443", "panel")
    );
    assert_eq!(
        (machine.status.as_str(), machine.last_sync_at, machine.fingerprint.as_deref()),
        ("unknown", None, Some("AB"))
    );
    assert_eq!(machine.decrypt_secret(&key).unwrap().expose_secret(), SECRET);
    assert!(machine.decrypt_secret(&PanelKey::from_bytes(&PanelKey::generate_bytes())).is_err());
    assert!(!format!("{machine:?}").contains(SECRET));
    assert!(machine.sealed_secret().ciphertext.windows(SECRET.len()).all(|window| window != SECRET.as_bytes()));

    assert_eq!(machines::get(&mut connection, machine.id).unwrap().unwrap(), machine);
    assert_eq!(machines::find_by_name(&mut connection, &m1).unwrap().unwrap(), machine);
    assert!(machines::get(&mut connection, MachineId(machine.id.0 + 100)).unwrap().is_none());
}

#[test]
fn a_taken_name_is_a_clear_conflict_and_writes_nothing() {
    let (_db, mut connection, key) = keyed_db();
    let m1 = name("m1");
    let sealed = key.seal("m1", &SecretString::from(SECRET)).unwrap();
    let new = NewMachine { name: &m1, url: "https://a:1", key_id: "k", secret: &sealed, fingerprint: None };
    machines::insert(&mut connection, &new).unwrap();
    let again = NewMachine { url: "https://b:2", ..new };
    let error = machines::insert(&mut connection, &again).unwrap_err();
    assert!(matches!(&error, MachineError::NameTaken(taken) if taken == "m1"), "{error}");
    assert_eq!(error.to_string(), "a machine named \"m1\" already exists");
    let all = machines::list(&mut connection).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].url, "https://a:1");
}

#[test]
fn list_status_sync_time_and_delete() {
    let (_db, mut connection, key) = keyed_db();
    let ids = ["beta", "alpha"].map(|text| store(&mut connection, &key, text, "https://h:1", "k").id);
    let names: Vec<String> = machines::list(&mut connection).unwrap().into_iter().map(|m| m.name.to_string()).collect();
    assert_eq!(names, ["beta", "alpha"], "oldest first");

    machines::record_failure(&mut connection, ids[0], "unreachable", "connection refused").unwrap();
    let machine = machines::get(&mut connection, ids[0]).unwrap().unwrap();
    assert_eq!((machine.status.as_str(), machine.last_error.as_deref()), ("unreachable", Some("connection refused")));
    machines::record_sync(&mut connection, ids[0], 1_700_000_000).unwrap();
    let machine = machines::get(&mut connection, ids[0]).unwrap().unwrap();
    assert_eq!(
        (machine.status.as_str(), machine.last_sync_at, machine.last_error),
        ("online", Some(1_700_000_000), None)
    );

    machines::delete(&mut connection, ids[0]).unwrap();
    assert!(machines::get(&mut connection, ids[0]).unwrap().is_none());
    assert!(matches!(machines::delete(&mut connection, ids[0]), Err(MachineError::NotFound(_))));
    assert!(matches!(machines::record_sync(&mut connection, ids[0], 1), Err(MachineError::NotFound(_))));
    assert_eq!(machines::list(&mut connection).unwrap().len(), 1);
}

#[test]
fn rotation_keeps_two_keys_until_the_next_one_is_promoted() {
    let (_db, mut connection, key) = keyed_db();
    let id = store(&mut connection, &key, "m1", "https://h:1", "k1").id;
    assert!(matches!(machines::promote_next_key(&mut connection, id), Err(MachineError::NoNextKey(_))));

    let next = key.seal("m1", &SecretString::from(NEXT_SECRET)).unwrap();
    machines::stage_next_key(&mut connection, id, "k2", &next).unwrap();
    let during = machines::get(&mut connection, id).unwrap().unwrap();
    assert_eq!((during.key_id.as_str(), during.next_key_id()), ("k1", Some("k2")));
    assert_eq!(during.decrypt_secret(&key).unwrap().expose_secret(), SECRET);
    let (next_id, next_secret) = during.decrypt_next_secret(&key).unwrap().unwrap();
    assert_eq!((next_id.as_str(), next_secret.expose_secret()), ("k2", NEXT_SECRET));

    let after = machines::promote_next_key(&mut connection, id).unwrap();
    assert_eq!((after.key_id.as_str(), after.next_key_id()), ("k2", None));
    assert_eq!(after.decrypt_secret(&key).unwrap().expose_secret(), NEXT_SECRET);
    assert!(after.decrypt_next_secret(&key).unwrap().is_none());
}

#[test]
fn a_rotation_promotes_or_clears_only_the_key_it_staged_itself() {
    let (_db, mut connection, key) = keyed_db();
    let id = store(&mut connection, &key, "m1", "https://h:1", "k1").id;

    // Rotation A stages k2, then rotation B stages k3 over it.
    let mine = key.seal("m1", &SecretString::from(NEXT_SECRET)).unwrap();
    machines::stage_next_key(&mut connection, id, "k2", &mine).unwrap();
    let theirs = key.seal("m1", &SecretString::from(NEXT_SECRET)).unwrap();
    machines::stage_next_key(&mut connection, id, "k3", &theirs).unwrap();

    let refused = machines::promote_staged_key(&mut connection, id, "k2", &mine);
    assert!(matches!(refused, Err(MachineError::StagedKeyChanged(_))), "{refused:?}");
    assert!(!machines::clear_next_key(&mut connection, id, &mine).unwrap(), "B's staged key is left to B");
    let during = machines::get(&mut connection, id).unwrap().unwrap();
    assert_eq!((during.key_id.as_str(), during.next_key_id()), ("k1", Some("k3")));

    let after = machines::promote_staged_key(&mut connection, id, "k3", &theirs).unwrap();
    assert_eq!((after.key_id.as_str(), after.next_key_id()), ("k3", None));
    assert_eq!(after.decrypt_secret(&key).unwrap().expose_secret(), NEXT_SECRET);

    machines::stage_next_key(&mut connection, id, "k4", &mine).unwrap();
    assert!(machines::clear_next_key(&mut connection, id, &mine).unwrap());
    assert_eq!(machines::get(&mut connection, id).unwrap().unwrap().next_key_id(), None);
    let missing = machines::promote_staged_key(&mut connection, MachineId(999), "k2", &mine);
    assert!(matches!(missing, Err(MachineError::NotFound(_))), "{missing:?}");
}
