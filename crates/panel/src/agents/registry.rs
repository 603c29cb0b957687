//! `Agents`: what the sync, the use cases and the CLI share to reach agents
//! (the pool their machines are read from, the panel key that unseals their
//! secrets, this panel instance's id). The sync's own passes over it are in
//! `sync`.

use secrecy::SecretString;

use crate::agents::{AgentCallError, AgentClient};
use crate::db::DbPool;
use crate::db::machines::Machine;
use crate::domain::secrets::{PanelKey, Sealed, SecretsError};

/// The registry of agents (see the module note).
pub struct Agents {
    pub pool: DbPool,
    key: PanelKey,
    instance: String,
}

impl std::fmt::Debug for Agents {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Agents").field("instance", &self.instance).finish_non_exhaustive()
    }
}

impl Agents {
    pub fn new(pool: DbPool, key: PanelKey, instance: String) -> Agents {
        Agents { pool, key, instance }
    }

    pub fn key(&self) -> &PanelKey {
        &self.key
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// A client for the machine's current key.
    pub fn client(&self, machine: &Machine) -> Result<AgentClient, AgentCallError> {
        AgentClient::for_machine(machine, &self.key, &self.instance)
    }

    /// Seals a secret for the machine `name` with the panel key.
    pub fn seal(&self, name: &str, secret: &SecretString) -> Result<Sealed, SecretsError> {
        self.key.seal(name, secret)
    }
}
