//! The `machines` table: the agents the panel talks to. The secret is stored
//! sealed (see `secrets`); a `Machine` carries only the sealed form, and the
//! plaintext comes out only through `Machine::decrypt_secret`.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use secrecy::SecretString;
use smp_proto::names::InstanceName;

use super::schema::machines;
use super::{DbConnection, inserted, unix_now};
use crate::domain::secrets::{PanelKey, Sealed, SecretsError};

row_id! {
    /// A machine's id in the panel's database (the API's `id`).
    MachineId
}

/// The status a machine has before its first sync.
pub const STATUS_UNKNOWN: &str = "unknown";
/// The status after a good sync.
pub const STATUS_ONLINE: &str = "online";

/// A key waiting to replace the current one (rotation: both are valid on the
/// agent during the change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextKey {
    pub key_id: String,
    pub secret: Sealed,
}

/// A machine as stored. `Debug` leaves the sealed secrets out.
#[derive(Clone, PartialEq, Eq)]
pub struct Machine {
    pub id: MachineId,
    pub name: InstanceName,
    pub url: String,
    pub key_id: String,
    secret: Sealed,
    next: Option<NextKey>,
    /// The pinned SHA-256 fingerprint of the agent's certificate, normalized
    /// to `AB:CD:…` (None only for loopback `http://` URLs).
    pub fingerprint: Option<String>,
    pub status: String,
    /// Why the last sync failed (None after a good one).
    pub last_error: Option<String>,
    pub last_sync_at: Option<i64>,
    pub created_at: i64,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Machine")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("key_id", &self.key_id)
            .field("next_key_id", &self.next.as_ref().map(|next| &next.key_id))
            .field("fingerprint", &self.fingerprint)
            .field("status", &self.status)
            .field("last_error", &self.last_error)
            .field("last_sync_at", &self.last_sync_at)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// The current key's secret, in clear.
    pub fn decrypt_secret(&self, key: &PanelKey) -> Result<SecretString, SecretsError> {
        key.open(self.name.as_str(), &self.secret)
    }

    /// The staged next key's id and secret in clear, if a rotation is under way.
    pub fn decrypt_next_secret(&self, key: &PanelKey) -> Result<Option<(String, SecretString)>, SecretsError> {
        self.next
            .as_ref()
            .map(|next| Ok((next.key_id.clone(), key.open(self.name.as_str(), &next.secret)?)))
            .transpose()
    }

    pub fn next_key_id(&self) -> Option<&str> {
        self.next.as_ref().map(|next| next.key_id.as_str())
    }

    /// The sealed secret as stored (tests, and checks that it is not plaintext).
    pub fn sealed_secret(&self) -> &Sealed {
        &self.secret
    }
}

/// What `insert` needs; seal the secret with `PanelKey::seal(name, …)` first.
#[derive(Debug)]
pub struct NewMachine<'a> {
    pub name: &'a InstanceName,
    pub url: &'a str,
    pub key_id: &'a str,
    pub secret: &'a Sealed,
    pub fingerprint: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    #[error("a machine named {0:?} already exists")]
    NameTaken(String),
    #[error("no machine with id {0}")]
    NotFound(MachineId),
    #[error("machine {0} has no staged next key to promote")]
    NoNextKey(MachineId),
    /// Another rotation staged a different key meanwhile; nothing was changed.
    #[error("the staged key of machine {0} was replaced by another rotation meanwhile; nothing was changed, try again")]
    StagedKeyChanged(MachineId),
    /// A row the application did not write (a name edited by hand, a half-staged key).
    #[error("machine {id} in the database is invalid: {reason}")]
    InvalidRow { id: i64, reason: String },
    #[error("database error: {0}")]
    Database(#[from] DieselError),
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = machines)]
struct MachineRow {
    id: i64,
    name: String,
    url: String,
    key_id: String,
    secret_ciphertext: Vec<u8>,
    secret_nonce: Vec<u8>,
    next_key_id: Option<String>,
    next_secret_ciphertext: Option<Vec<u8>>,
    next_secret_nonce: Option<Vec<u8>>,
    fingerprint: Option<String>,
    status: String,
    last_error: Option<String>,
    last_sync_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<MachineRow> for Machine {
    type Error = MachineError;

    fn try_from(row: MachineRow) -> Result<Machine, MachineError> {
        let invalid = |reason: String| MachineError::InvalidRow { id: row.id, reason };
        let next = match (row.next_key_id, row.next_secret_ciphertext, row.next_secret_nonce) {
            (None, None, None) => None,
            (Some(key_id), Some(ciphertext), Some(nonce)) => {
                Some(NextKey { key_id, secret: Sealed { ciphertext, nonce } })
            }
            _ => {
                return Err(invalid(
                    "next_key_id, next_secret_ciphertext and next_secret_nonce must be set together".into(),
                ));
            }
        };
        Ok(Machine {
            id: MachineId(row.id),
            name: InstanceName::parse(&row.name).map_err(|error| invalid(error.to_string()))?,
            url: row.url,
            key_id: row.key_id,
            secret: Sealed { ciphertext: row.secret_ciphertext, nonce: row.secret_nonce },
            next,
            fingerprint: row.fingerprint,
            status: row.status,
            last_error: row.last_error,
            last_sync_at: row.last_sync_at,
            created_at: row.created_at,
        })
    }
}

/// Inserts a machine (status `unknown`) and returns it as stored. A taken
/// name is `MachineError::NameTaken` and writes nothing.
pub fn insert(connection: &mut DbConnection, new: &NewMachine<'_>) -> Result<Machine, MachineError> {
    connection.transaction(|connection| {
        let insert = diesel::insert_into(machines::table)
            .values((
                machines::name.eq(new.name.as_str()),
                machines::url.eq(new.url),
                machines::key_id.eq(new.key_id),
                machines::secret_ciphertext.eq(&new.secret.ciphertext),
                machines::secret_nonce.eq(&new.secret.nonce),
                machines::fingerprint.eq(new.fingerprint),
                machines::status.eq(STATUS_UNKNOWN),
                machines::created_at.eq(unix_now()),
            ))
            .execute(connection);
        if !inserted(insert)? {
            return Err(MachineError::NameTaken(new.name.to_string()));
        }
        find_by_name(connection, new.name)?.ok_or(MachineError::Database(DieselError::NotFound))
    })
}

pub fn get(connection: &mut DbConnection, id: MachineId) -> Result<Option<Machine>, MachineError> {
    machines::table
        .find(id.0)
        .select(MachineRow::as_select())
        .first(connection)
        .optional()?
        .map(Machine::try_from)
        .transpose()
}

pub fn find_by_name(connection: &mut DbConnection, name: &InstanceName) -> Result<Option<Machine>, MachineError> {
    machines::table
        .filter(machines::name.eq(name.as_str()))
        .select(MachineRow::as_select())
        .first(connection)
        .optional()?
        .map(Machine::try_from)
        .transpose()
}

/// Every machine, oldest first.
pub fn list(connection: &mut DbConnection) -> Result<Vec<Machine>, MachineError> {
    machines::table
        .order(machines::id)
        .select(MachineRow::as_select())
        .load(connection)?
        .into_iter()
        .map(Machine::try_from)
        .collect()
}

/// Deletes a machine; `NotFound` if there was none.
pub fn delete(connection: &mut DbConnection, id: MachineId) -> Result<(), MachineError> {
    let deleted = diesel::delete(machines::table.find(id.0)).execute(connection)?;
    if deleted == 0 {
        return Err(MachineError::NotFound(id));
    }
    Ok(())
}

fn updated(count: usize, id: MachineId) -> Result<(), MachineError> {
    if count == 0 { Err(MachineError::NotFound(id)) } else { Ok(()) }
}

/// Records a good sync at `at`: status `online`, no error.
pub fn record_sync(connection: &mut DbConnection, id: MachineId, at: i64) -> Result<(), MachineError> {
    let count = diesel::update(machines::table.find(id.0))
        .set((
            machines::status.eq(STATUS_ONLINE),
            machines::last_error.eq(None::<String>),
            machines::last_sync_at.eq(Some(at)),
        ))
        .execute(connection)?;
    updated(count, id)
}

/// Records a failed contact: `status` (e.g. `unreachable`) and why.
pub fn record_failure(
    connection: &mut DbConnection,
    id: MachineId,
    status: &str,
    error: &str,
) -> Result<(), MachineError> {
    let count = diesel::update(machines::table.find(id.0))
        .set((machines::status.eq(status), machines::last_error.eq(Some(error))))
        .execute(connection)?;
    updated(count, id)
}

/// Rotation, step 1: store the next key (sealed for this machine's name)
/// beside the current one; the current key stays in use.
pub fn stage_next_key(
    connection: &mut DbConnection,
    id: MachineId,
    key_id: &str,
    secret: &Sealed,
) -> Result<(), MachineError> {
    let count = diesel::update(machines::table.find(id.0))
        .set((
            machines::next_key_id.eq(Some(key_id)),
            machines::next_secret_ciphertext.eq(Some(&secret.ciphertext)),
            machines::next_secret_nonce.eq(Some(&secret.nonce)),
        ))
        .execute(connection)?;
    updated(count, id)
}

/// Rotation, step 2: the staged key becomes the current one and the old one
/// is forgotten, in one statement. `NoNextKey` if nothing was staged.
pub fn promote_next_key(connection: &mut DbConnection, id: MachineId) -> Result<Machine, MachineError> {
    super::write_transaction(connection, |connection| {
        let machine = get(connection, id)?.ok_or(MachineError::NotFound(id))?;
        let next = machine.next.ok_or(MachineError::NoNextKey(id))?;
        promote_staged_key(connection, id, &next.key_id, &next.secret)
    })
}

/// Rotation, step 2 for the caller's own staged key: `key_id` and `staged`
/// become the current key and nothing stays staged, in one statement, but only
/// while the staged key is still `staged` (its nonce is unique). So a rotation
/// never promotes a key that a concurrent one staged meanwhile: that is
/// `StagedKeyChanged`, and nothing changes.
pub fn promote_staged_key(
    connection: &mut DbConnection,
    id: MachineId,
    key_id: &str,
    staged: &Sealed,
) -> Result<Machine, MachineError> {
    let count = diesel::update(machines::table.find(id.0).filter(machines::next_secret_nonce.eq(Some(&staged.nonce))))
        .set((
            machines::key_id.eq(key_id),
            machines::secret_ciphertext.eq(&staged.ciphertext),
            machines::secret_nonce.eq(&staged.nonce),
            machines::next_key_id.eq(None::<String>),
            machines::next_secret_ciphertext.eq(None::<Vec<u8>>),
            machines::next_secret_nonce.eq(None::<Vec<u8>>),
        ))
        .execute(connection)?;
    if count == 0 {
        return match get(connection, id)? {
            Some(_) => Err(MachineError::StagedKeyChanged(id)),
            None => Err(MachineError::NotFound(id)),
        };
    }
    get(connection, id)?.ok_or(MachineError::NotFound(id))
}

/// Rotation abandoned: forgets the staged key if it is still `staged` (a key
/// staged meanwhile by another rotation is left to that one); the current key
/// is untouched. Returns whether it was cleared.
pub fn clear_next_key(connection: &mut DbConnection, id: MachineId, staged: &Sealed) -> Result<bool, MachineError> {
    let count = diesel::update(machines::table.find(id.0).filter(machines::next_secret_nonce.eq(Some(&staged.nonce))))
        .set((
            machines::next_key_id.eq(None::<String>),
            machines::next_secret_ciphertext.eq(None::<Vec<u8>>),
            machines::next_secret_nonce.eq(None::<Vec<u8>>),
        ))
        .execute(connection)?;
    Ok(count > 0)
}
