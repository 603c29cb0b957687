//! Migrations create every table, on SQLite and PostgreSQL, and a second run
//! changes nothing.

use smp_panel::db::{self, schema::TABLES};

use crate::helpers::{Backend, panel, spawn_db, stdout};

#[test]
fn migrations_create_every_table_and_are_idempotent() {
    let db = spawn_db();
    let mut connection = db.connect();
    match db.backend {
        Backend::Sqlite => assert!(matches!(connection, db::DbConnection::Sqlite(_))),
        Backend::Postgresql => assert!(matches!(connection, db::DbConnection::Postgresql(_))),
    }
    assert!(db::run_migrations(&mut connection).unwrap() >= 1);
    let tables = db::table_names(&mut connection).unwrap();
    for table in TABLES {
        assert!(tables.iter().any(|name| name == table), "{table} missing from {tables:?}");
    }
    assert_eq!(db::run_migrations(&mut connection).unwrap(), 0, "a second run applies nothing");
    assert_eq!(db::table_names(&mut connection).unwrap(), tables);
}

#[test]
fn the_pool_used_by_serve_migrates_on_connect_and_hands_out_working_connections() {
    let db = spawn_db();
    let pool = db::connect_and_migrate(&db.url).unwrap();
    let mut connection = pool.get().unwrap();
    assert_eq!(smp_panel::db::users::count(&mut connection).unwrap(), 0);
    drop(connection);
    // Connecting again to a migrated database is fine too.
    drop(db::connect_and_migrate(&db.url).unwrap());
}

#[test]
fn the_migrate_command_migrates_once_and_then_reports_nothing_to_do() {
    let db = spawn_db();
    let first = panel(&db, &["migrate"], None);
    assert!(first.status.success(), "{first:?}");
    assert!(
        stdout(&first).contains(&format!("{} migration(s) applied", crate::helpers::migration_count())),
        "{}",
        stdout(&first)
    );
    let second = panel(&db, &["migrate"], None);
    assert!(second.status.success(), "{second:?}");
    assert!(stdout(&second).contains("0 migration(s) applied"), "{}", stdout(&second));
    let tables = db::table_names(&mut db.connect()).unwrap();
    assert!(TABLES.iter().all(|table| tables.iter().any(|name| name == table)), "{tables:?}");
}
