//! Snapshots of an instance: list, create, restore and delete, each LXD
//! operation waited on until the caller's deadline.
//!
//! A restore is LXD's `PUT /1.0/instances/<n>` with `{"restore": "<snap>"}`
//! alone (LXD then ignores every other field, so the instance's current
//! configuration need not be sent): LXD stops a running instance, puts the
//! snapshot's files and configuration back, and starts it again.

use std::time::Duration;

use hyper::Method;
use serde::Deserialize;
use smp_proto::api::{Snapshot, rfc3339_to_unix};
use smp_proto::names::{InstanceName, SnapshotName};
use tokio::time::Instant;

use super::LxdClient;
use super::error::LxdError;
use super::transport::encode;

/// A snapshot as LXD describes it (the fields the agent reads).
#[derive(Debug, Deserialize)]
struct InstanceSnapshot {
    name: String,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339; LXD's zero time (`0001-01-01T00:00:00Z`) when it never expires.
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    stateful: bool,
    /// Bytes (API extension `snapshot_disk_usage`); -1 when the pool's driver
    /// cannot tell (`dir`), absent on an older LXD.
    #[serde(default)]
    size: Option<i64>,
}

impl InstanceSnapshot {
    fn into_snapshot(self) -> Result<Snapshot, LxdError> {
        let created_at = rfc3339_to_unix(&self.created_at).ok_or_else(|| {
            LxdError::Protocol(format!("snapshot {} has an unreadable created_at {:?}", self.name, self.created_at))
        })?;
        // LXD's zero time, year 1, is before the epoch: no expiry.
        let expires_at = self.expires_at.as_deref().and_then(rfc3339_to_unix).filter(|seconds| *seconds > 0);
        let size_bytes = self.size.and_then(|size| u64::try_from(size).ok());
        Ok(Snapshot { name: self.name, created_at, expires_at, stateful: self.stateful, size_bytes })
    }
}

impl LxdClient {
    /// The instance's snapshots, oldest first (one `recursion=1` list).
    pub async fn snapshots(&self, name: &InstanceName) -> Result<Vec<Snapshot>, LxdError> {
        let path = self.path(&format!("/1.0/instances/{}/snapshots", encode(name.as_str())), &[("recursion", "1")]);
        let listed: Vec<InstanceSnapshot> = self.get(&path).await?;
        let mut snapshots = listed.into_iter().map(InstanceSnapshot::into_snapshot).collect::<Result<Vec<_>, _>>()?;
        snapshots.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name)));
        Ok(snapshots)
    }

    /// One snapshot of the instance.
    pub async fn snapshot(&self, name: &InstanceName, snapshot: &SnapshotName) -> Result<Snapshot, LxdError> {
        let found: InstanceSnapshot = self.get(&self.snapshot_path(name, snapshot)).await?;
        found.into_snapshot()
    }

    /// Takes a snapshot and waits for LXD's operation, at most `deadline`.
    /// A snapshot of that name gives `AlreadyExists`.
    pub async fn create_snapshot(
        &self,
        name: &InstanceName,
        snapshot: &SnapshotName,
        stateful: bool,
        deadline: Duration,
    ) -> Result<(), LxdError> {
        let body = serde_json::json!({ "name": snapshot.as_str(), "stateful": stateful });
        let path = self.path(&format!("/1.0/instances/{}/snapshots", encode(name.as_str())), &[]);
        let what = format!("snapshot {snapshot} of {name}");
        self.run_operation(Method::POST, &path, Some(&body), Instant::now() + deadline, &what).await.map(drop)
    }

    /// Restores the instance to `snapshot` and waits for LXD's operation
    /// (stop, restore, start again when it ran), at most `deadline`. A
    /// missing snapshot gives `NotFound`.
    pub async fn restore_snapshot(
        &self,
        name: &InstanceName,
        snapshot: &SnapshotName,
        deadline: Duration,
    ) -> Result<(), LxdError> {
        let body = serde_json::json!({ "restore": snapshot.as_str() });
        let what = format!("restore of {name} to {snapshot}");
        self.run_operation(Method::PUT, &self.instance_path(name, ""), Some(&body), Instant::now() + deadline, &what)
            .await
            .map(drop)
    }

    /// Deletes the snapshot and waits for LXD's operation, at most `deadline`.
    pub async fn delete_snapshot(
        &self,
        name: &InstanceName,
        snapshot: &SnapshotName,
        deadline: Duration,
    ) -> Result<(), LxdError> {
        let what = format!("deletion of {name}/{snapshot}");
        let path = self.snapshot_path(name, snapshot);
        self.run_operation(Method::DELETE, &path, None, Instant::now() + deadline, &what).await.map(drop)
    }

    /// `/1.0/instances/<name>/snapshots/<snapshot>?project=…`
    fn snapshot_path(&self, name: &InstanceName, snapshot: &SnapshotName) -> String {
        self.instance_path(name, &format!("/snapshots/{}", encode(snapshot.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lxd_snapshot(json: serde_json::Value) -> Result<Snapshot, LxdError> {
        serde_json::from_value::<InstanceSnapshot>(json).unwrap().into_snapshot()
    }

    #[test]
    fn a_snapshot_of_a_dir_pool_without_expiry_has_neither_expiry_nor_size() {
        // As LXD 5.0.2 lists it (other fields left out).
        let snapshot = lxd_snapshot(serde_json::json!({
            "name": "s0", "created_at": "2026-12-06T17:32:19.852310112Z",
            "expires_at": "0001-01-01T00:00:00Z", "last_used_at": "0001-01-01T00:00:00Z",
            "stateful": false, "size": -1, "config": {}
        }))
        .unwrap();
        assert_eq!(
            snapshot,
            Snapshot {
                name: "s0".into(),
                created_at: 1_796_578_339,
                expires_at: None,
                stateful: false,
                size_bytes: None
            }
        );
    }

    #[test]
    fn an_expiry_and_a_size_are_kept_and_an_older_lxd_without_them_is_read() {
        let snapshot = lxd_snapshot(serde_json::json!({
            "name": "auto-0", "created_at": "2026-12-06T17:32:19Z",
            "expires_at": "2026-12-13T17:32:19Z", "stateful": true, "size": 4096
        }))
        .unwrap();
        assert_eq!(
            (snapshot.expires_at, snapshot.size_bytes, snapshot.stateful),
            (Some(1_797_183_139), Some(4096), true)
        );
        let older = lxd_snapshot(serde_json::json!({"name": "s0", "created_at": "2026-12-06T17:32:19Z"})).unwrap();
        assert_eq!((older.expires_at, older.size_bytes), (None, None));
    }

    #[test]
    fn an_unreadable_creation_time_is_a_protocol_error() {
        assert!(matches!(
            lxd_snapshot(serde_json::json!({"name": "s0", "created_at": "yesterday"})),
            Err(LxdError::Protocol(_))
        ));
    }
}
