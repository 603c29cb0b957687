//! The sync's leadership: with PostgreSQL exactly one panel instance holds
//! the advisory lock and runs the sync; with SQLite the one instance does.

use secrecy::SecretString;
use smp_panel::sync::Leadership;

use crate::helpers::{Backend, spawn_db};

#[tokio::test(flavor = "multi_thread")]
async fn exactly_one_panel_instance_holds_the_sync_lock() {
    let db = spawn_db();
    db.migrated();
    let url = SecretString::from(db.url.clone());
    let first = Leadership::try_acquire(&url).await;
    match db.backend {
        Backend::Postgresql => {
            let mut first = first.expect("the first instance leads");
            assert!(Leadership::try_acquire(&url).await.is_none(), "a second instance does not");
            assert!(first.still_held());
            drop(first);
            assert!(Leadership::try_acquire(&url).await.is_some(), "once the leader is gone another takes over");
        }
        Backend::Sqlite => assert!(first.is_some(), "one SQLite file has one panel instance: it always syncs"),
    }
}
