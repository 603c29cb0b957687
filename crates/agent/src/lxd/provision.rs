//! Creating, reconfiguring and deleting instances, and what a creation
//! reads first: whether the name is taken, the image alias, the profiles.
//!
//! The agent builds every LXD request body itself from checked fields: the
//! image source is always a local alias of the project (never a remote
//! server, never another instance), and the only device it ever sends is
//! the root disk of the instance's own profiles with a size.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use hyper::Method;
use serde::{Deserialize, Serialize};
use smp_proto::names::InstanceName;
use tokio::time::Instant;

use super::LxdClient;
use super::error::LxdError;
use super::model::{Device, Instance};
use super::transport::encode;

/// A checked instance to create.
#[derive(Debug)]
pub struct NewInstance<'a> {
    pub name: &'a InstanceName,
    /// A local image alias of the project.
    pub image: &'a str,
    pub profiles: &'a [String],
    pub config: &'a BTreeMap<String, String>,
    /// Devices overriding the profiles': only ever the sized root disk.
    pub devices: HashMap<String, Device>,
}

/// LXD's `POST /1.0/instances` body, as the agent sends it.
#[derive(Serialize)]
struct CreateBody<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    instance_type: &'static str,
    source: ImageSource<'a>,
    profiles: &'a [String],
    config: &'a BTreeMap<String, String>,
    devices: &'a HashMap<String, Device>,
}

#[derive(Serialize)]
struct ImageSource<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    alias: &'a str,
}

/// LXD's `PATCH /1.0/instances/<n>` body: merged into the instance.
#[derive(Serialize)]
struct PatchBody<'a> {
    config: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    devices: &'a HashMap<String, Device>,
}

/// A profile (the part the agent reads).
#[derive(Debug, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub devices: HashMap<String, Device>,
}

/// An image alias (the part the agent reads).
#[derive(Debug, Deserialize)]
pub struct ImageAlias {
    /// `container` or `virtual-machine`.
    #[serde(rename = "type", default)]
    pub image_type: String,
}

impl LxdClient {
    /// Whether an instance of this name exists in the project (~2 ms).
    pub async fn exists(&self, name: &InstanceName) -> Result<bool, LxdError> {
        match self.status(name).await {
            Ok(_) => Ok(true),
            Err(LxdError::NotFound(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The image alias of the project, or `None` when there is none.
    pub async fn image_alias(&self, alias: &str) -> Result<Option<ImageAlias>, LxdError> {
        let path = self.path(&format!("/1.0/images/aliases/{}", encode(alias)), &[]);
        found(self.get(&path).await)
    }

    /// The profile of the project, or `None` when there is none.
    pub async fn profile(&self, name: &str) -> Result<Option<Profile>, LxdError> {
        let path = self.path(&format!("/1.0/profiles/{}", encode(name)), &[]);
        found(self.get(&path).await)
    }

    /// The instance with its own and its expanded configuration and devices.
    pub(crate) async fn instance(&self, name: &InstanceName) -> Result<Instance, LxdError> {
        self.get(&self.instance_path(name, "")).await
    }

    /// Creates the (stopped) instance from its image and waits for LXD's
    /// operation, at most until `deadline`.
    pub async fn create(&self, new: &NewInstance<'_>, deadline: Duration) -> Result<(), LxdError> {
        let body = CreateBody {
            name: new.name.as_str(),
            instance_type: "container",
            source: ImageSource { kind: "image", alias: new.image },
            profiles: new.profiles,
            config: new.config,
            devices: &new.devices,
        };
        let body = serde_json::to_value(&body).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let what = format!("creation of {}", new.name);
        let path = self.path("/1.0/instances", &[]);
        self.run_operation(Method::POST, &path, Some(&body), Instant::now() + deadline, &what).await.map(drop)
    }

    /// Merges `config` (a `""` value removes the key) and `devices` into the
    /// instance's own; LXD answers at once (no operation).
    pub async fn update(
        &self,
        name: &InstanceName,
        config: &BTreeMap<String, String>,
        devices: &HashMap<String, Device>,
    ) -> Result<(), LxdError> {
        let body = serde_json::to_vec(&PatchBody { config, devices }).map_err(|e| LxdError::Protocol(e.to_string()))?;
        let _: serde::de::IgnoredAny = self
            .transport()
            .request_json(Method::PATCH, &self.instance_path(name, ""), Some(body), self.request_deadline())
            .await?;
        Ok(())
    }

    /// Stops the instance at once if it runs, then deletes it, waiting for
    /// each operation, at most until `deadline`. Returns whether it ran.
    pub async fn delete(&self, name: &InstanceName, deadline: Duration) -> Result<bool, LxdError> {
        let deadline = Instant::now() + deadline;
        let running = !matches!(self.status(name).await?, smp_proto::api::ContainerStatus::Stopped);
        if running {
            match self.change_state(name, "stop", 0, true, deadline).await {
                // Stopped meanwhile (by itself, or by someone else): fine.
                Ok(()) | Err(LxdError::AlreadyStopped) => {}
                Err(error) => return Err(error),
            }
        }
        let what = format!("deletion of {name}");
        self.run_operation(Method::DELETE, &self.instance_path(name, ""), None, deadline, &what).await?;
        Ok(running)
    }
}

/// A lookup's answer: LXD's 404 is `None`.
fn found<T>(answer: Result<T, LxdError>) -> Result<Option<T>, LxdError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(LxdError::NotFound(_)) => Ok(None),
        Err(error) => Err(error),
    }
}
