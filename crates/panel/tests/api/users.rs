//! The users table through the library: create, find, list, duplicates.

use smp_panel::db::users::{self, NewUser, UserError};
use smp_panel::domain::password::{Password, verify_password};
use smp_panel::{Role, Username};

use crate::helpers::spawn_db;

fn name(text: &str) -> Username {
    Username::parse(text).unwrap()
}

#[test]
fn a_created_user_is_found_with_its_role_and_approved() {
    let db = spawn_db();
    let mut connection = db.migrated();
    let alice = name("alice");
    let hash = Password::parse("correct horse battery".into()).unwrap().hash().unwrap();
    let created = users::create(
        &mut connection,
        &NewUser { username: &alice, password_hash: &hash, role: Role::Admin, approved: true },
    )
    .unwrap();
    let found = users::find_by_username(&mut connection, &alice).unwrap().expect("alice is found");
    assert_eq!(found, created);
    assert_eq!(found.role, Role::Admin);
    assert!(found.approved);
    assert!(!found.disabled);
    assert!(found.created_at > 1_700_000_000);
    assert_eq!(users::find(&mut connection, found.id).unwrap(), Some(found));
    assert_eq!(users::find_by_username(&mut connection, &name("bob")).unwrap(), None);
}

#[test]
fn the_stored_password_is_an_argon2id_phc_string_that_verifies_and_is_not_the_password() {
    let db = spawn_db();
    let mut connection = db.migrated();
    let password = Password::parse("correct horse battery".into()).unwrap();
    let hash = password.hash().unwrap();
    let user = users::create(
        &mut connection,
        &NewUser { username: &name("carol"), password_hash: &hash, role: Role::Member, approved: true },
    )
    .unwrap();
    assert!(user.password_hash.starts_with("$argon2id$v=19$"), "{}", user.password_hash);
    assert!(!user.password_hash.contains("correct horse battery"));
    assert!(verify_password("correct horse battery", &user.password_hash));
    assert!(!verify_password("wrong horse battery", &user.password_hash));
    assert!(!format!("{user:?}").contains("argon2"), "Debug must leave the hash out");
}

#[test]
fn a_duplicate_username_is_a_clear_error_and_writes_nothing() {
    let db = spawn_db();
    let mut connection = db.migrated();
    let dave = name("dave");
    let first = NewUser { username: &dave, password_hash: "$argon2id$first", role: Role::Member, approved: true };
    users::create(&mut connection, &first).unwrap();
    let second = NewUser { username: &dave, password_hash: "$argon2id$second", role: Role::HeadAdmin, approved: true };
    let error = users::create(&mut connection, &second).unwrap_err();
    assert!(matches!(error, UserError::UsernameTaken(_)), "{error:?}");
    assert_eq!(error.to_string(), "a user named \"dave\" already exists");
    assert_eq!(users::count(&mut connection).unwrap(), 1);
    let kept = users::find_by_username(&mut connection, &dave).unwrap().unwrap();
    assert_eq!((kept.password_hash.as_str(), kept.role), ("$argon2id$first", Role::Member));
    // The connection is still usable after the failed transaction.
    users::create(&mut connection, &NewUser { username: &name("erin"), ..first }).unwrap();
}

#[test]
fn users_are_listed_oldest_first_with_their_roles() {
    let db = spawn_db();
    let mut connection = db.migrated();
    for (username, role, approved) in
        [("zed", Role::HeadAdmin, true), ("amy", Role::Member, false), ("max", Role::Admin, true)]
    {
        let username = name(username);
        users::create(&mut connection, &NewUser { username: &username, password_hash: "$h", role, approved }).unwrap();
    }
    let listed: Vec<(String, Role, bool)> = users::list(&mut connection)
        .unwrap()
        .into_iter()
        .map(|user| (user.username.to_string(), user.role, user.approved))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("zed".into(), Role::HeadAdmin, true),
            ("amy".into(), Role::Member, false),
            ("max".into(), Role::Admin, true)
        ]
    );
}
