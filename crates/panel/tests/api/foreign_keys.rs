//! Foreign keys are enforced on both backends (on SQLite only because every
//! connection turns them on). The choice, also noted in the migrations:
//! sessions and tokens are deleted with their user (CASCADE); a user who
//! still owns a container cannot be deleted (the application disables users
//! instead), and no row may point at a missing user.

use diesel::prelude::*;
use smp_panel::Username;
use smp_panel::db::schema::{containers, machines, sessions, users as users_table};
use smp_panel::db::users::{self, NewUser, UserId};
use smp_panel::db::{DbConnection, unix_now};

use crate::helpers::spawn_db;

fn make_user(connection: &mut DbConnection, name: &str) -> UserId {
    let username = Username::parse(name).unwrap();
    let new = NewUser { username: &username, password_hash: "$h", role: smp_panel::Role::Member, approved: true };
    users::create(connection, &new).unwrap().id
}

fn add_session(connection: &mut DbConnection, id: &str, user: i64) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user),
            sessions::csrf_token.eq("csrf"),
            sessions::created_at.eq(unix_now()),
            sessions::expires_at.eq(unix_now() + 3600),
        ))
        .execute(connection)
}

#[test]
fn deleting_a_user_deletes_her_sessions() {
    let db = spawn_db();
    let mut connection = db.migrated();
    let alice = make_user(&mut connection, "alice");
    let bob = make_user(&mut connection, "bob");
    add_session(&mut connection, "hash-a", alice.0).unwrap();
    add_session(&mut connection, "hash-b", bob.0).unwrap();
    diesel::delete(users_table::table.find(alice.0)).execute(&mut connection).unwrap();
    let left: Vec<String> = sessions::table.select(sessions::id).load(&mut connection).unwrap();
    assert_eq!(left, vec!["hash-b".to_owned()]);
}

#[test]
fn a_session_for_a_missing_user_is_refused() {
    let db = spawn_db();
    let mut connection = db.migrated();
    let error = add_session(&mut connection, "orphan", 4242).unwrap_err();
    assert!(
        matches!(
            error,
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)
        ),
        "{error:?}"
    );
}

#[test]
fn a_user_who_owns_a_container_cannot_be_deleted() {
    let db = spawn_db();
    let mut connection = db.migrated();
    let carol = make_user(&mut connection, "carol");
    diesel::insert_into(machines::table)
        .values((
            machines::name.eq("alita"),
            machines::url.eq("https://10.0.0.1:8443"),
            machines::key_id.eq("k1"),
            machines::secret_ciphertext.eq(vec![1u8, 2, 3]),
            machines::secret_nonce.eq(vec![4u8; 12]),
            machines::status.eq("unknown"),
            machines::created_at.eq(unix_now()),
        ))
        .execute(&mut connection)
        .unwrap();
    let machine: i64 = machines::table.select(machines::id).first(&mut connection).unwrap();
    diesel::insert_into(containers::table)
        .values((
            containers::machine_id.eq(machine),
            containers::name.eq("web"),
            containers::owner_id.eq(Some(carol.0)),
            containers::status.eq("running"),
            containers::synced_at.eq(unix_now()),
        ))
        .execute(&mut connection)
        .unwrap();
    let error = diesel::delete(users_table::table.find(carol.0)).execute(&mut connection).unwrap_err();
    assert!(
        matches!(
            error,
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)
        ),
        "{error:?}"
    );
    assert!(users::find(&mut connection, carol).unwrap().is_some());
    let addresses: String = containers::table.select(containers::addresses).first(&mut connection).unwrap();
    assert_eq!(addresses, "[]");
}
