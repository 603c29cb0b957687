//! The ids in the routes' paths: a handler extracts them
//! (`web::Path<ContainerPath>`) and its `#[utoipa::path]` documents them
//! (`params(ContainerPath)`) from the one type. A malformed id answers 404
//! `not_found` (`error::path_error_handler`).

use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ContainerPath {
    /// The container's id.
    pub id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ServicePath {
    /// The service's id.
    pub id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MachinePath {
    /// The machine's id.
    pub id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The user's id.
    pub id: i64,
}

/// A user's quota on one machine.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserMachinePath {
    /// The user's id.
    pub id: i64,
    /// The machine's id.
    pub machine_id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The token's id.
    pub id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SshKeyPath {
    /// The SSH key's id.
    pub id: i64,
}

/// One forward of a container.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ForwardPath {
    /// The container's id.
    pub id: i64,
    /// The forward's id.
    pub fid: i64,
}

/// One snapshot of a container.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SnapshotPath {
    /// The container's id.
    pub id: i64,
    /// The snapshot's name.
    pub name: String,
}
