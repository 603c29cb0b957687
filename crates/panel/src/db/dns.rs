//! What the DNS zone is made of: each live container's machine, name and
//! synced addresses, read in one query (`app::dns::records` decides what is
//! published, with the machines' networks of `db::networks`).

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{containers, machines};

/// One live container as the zone needs it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NameRow {
    pub container_id: i64,
    pub machine_id: i64,
    pub machine: String,
    pub container: String,
    /// The JSON list the sync stored (`containers.addresses`).
    pub addresses: String,
}

/// Every container not gone, ordered by machine then name (so that two
/// reads of unchanged rows compare equal).
pub fn live_names(connection: &mut DbConnection) -> QueryResult<Vec<NameRow>> {
    containers::table
        .inner_join(machines::table)
        .filter(containers::gone_at.is_null())
        .select((containers::id, machines::id, machines::name, containers::name, containers::addresses))
        .order_by((machines::name.asc(), containers::name.asc(), containers::id.asc()))
        .load(connection)
}
