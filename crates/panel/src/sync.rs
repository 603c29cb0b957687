//! The background sync: keeps every machine's containers in the database.
//!
//! One task per machine lists the agent's `/containers` (one LXD call with
//! `recursion=1`, never a state call per container) every `sync_interval_s`,
//! and between two lists applies the changes the agent's `GET /events`
//! stream relays as they happen. A stream that ends is reopened with a fresh
//! token, then reconciled with a full list (PROTOCOL.md: events are not
//! replayed). A `Supervisor` starts and stops the machine tasks as machines
//! are added and removed. With PostgreSQL only the panel instance holding
//! the advisory lock `SYNC_LOCK_KEY` runs them; with SQLite there is one
//! instance by construction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl as _;
use secrecy::SecretString;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::agents::{AgentCallError, AgentClient, Agents, Caller};
use smp_proto::api::ContainerStatus;
use smp_proto::error::ErrorCode as AgentCode;

use crate::db::containers::{self, EventOutcome, SyncReport};
use crate::db::in_flight;
use crate::db::machines::{self, Machine, MachineId};
use crate::db::networks;
use crate::db::services;
use crate::db::snapshots;
use crate::db::{self, Backend, DbConnection, DbError};

/// The PostgreSQL advisory lock key of the sync ("SMP_SYNC" in ASCII).
pub const SYNC_LOCK_KEY: i64 = 0x534d_505f_5359_4e43;
/// The subject of the sync's tokens, as the agent logs it.
pub const SYNC_SUBJECT: &str = "smp-panel-sync";
/// The longest wait before reopening a failed event stream.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// Why one sync pass failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no machine with id {0}")]
    NoSuchMachine(MachineId),
    #[error(transparent)]
    Agent(#[from] AgentCallError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Machine(#[from] machines::MachineError),
}

impl From<diesel::result::Error> for SyncError {
    fn from(error: diesel::result::Error) -> SyncError {
        SyncError::Database(DbError::Query(error))
    }
}

/// The machine status a failed contact leaves.
fn failure_status(error: &AgentCallError) -> &'static str {
    match error {
        AgentCallError::Unavailable { .. } | AgentCallError::AnswerLost { .. } => "unreachable",
        AgentCallError::FingerprintMismatch { .. } => "fingerprint_mismatch",
        AgentCallError::Agent { status: 401 | 403, .. } => "rejected",
        _ => "error",
    }
}

/// The sync's passes over the registry of agents (`agents::Agents`, which
/// only reaches them): the use cases ask for a pass of one machine too.
impl Agents {
    async fn machine(&self, id: MachineId) -> Result<Machine, SyncError> {
        db::run(&self.pool, move |connection| {
            machines::get(connection, id).map_err(SyncError::from)?.ok_or(SyncError::NoSuchMachine(id))
        })
        .await
    }

    /// One full pass for one machine: list, apply, record the machine's
    /// health, then refresh its services. Answers when the database has the
    /// result.
    pub async fn sync_machine_once(&self, id: MachineId) -> Result<SyncReport, SyncError> {
        let machine = self.machine(id).await?;
        let asked_ms = db::unix_now_ms();
        let contacted = match self.client(&machine) {
            Ok(client) => client.list(&sync_caller()).await.map(|list| (client, list)),
            Err(error) => Err(error),
        };
        let (client, list) = match contacted {
            Ok(contacted) => contacted,
            Err(error) => {
                let (status, message) = (failure_status(&error), error.to_string());
                db::run(&self.pool, move |connection| {
                    machines::record_failure(connection, id, status, &message).map_err(SyncError::from)
                })
                .await?;
                return Err(error.into());
            }
        };
        let machine_name = machine.name.to_string();
        let mut report = db::run(&self.pool, move |connection| {
            let now = db::unix_now();
            let report = containers::apply_list(connection, id, &list.items, asked_ms, now)?;
            machines::record_sync(connection, id, now)?;
            // The actions whose answer was lost get their outcome from
            // what LXD's list has just shown.
            let settled = in_flight::settle_orphans(connection, &machine_name, now)?;
            if settled > 0 {
                tracing::info!(machine = %machine_name, settled, "actions whose answer was lost got their outcome from LXD");
            }
            Ok::<_, SyncError>(report)
        })
        .await?;
        report.services = self.sync_services(id, &client).await?;
        self.sync_networks(id, &client).await?;
        self.sync_snapshots(id, &client).await?;
        Ok(report)
    }

    /// Refreshes the snapshot rows of the machine's containers that have a
    /// schedule or snapshots in the panel (one `snapshot.list` each): LXD's
    /// scheduler takes and expires snapshots on its own. A container whose
    /// agent cannot list keeps its rows.
    async fn sync_snapshots(&self, id: MachineId, client: &AgentClient) -> Result<(), SyncError> {
        let containers = db::run(&self.pool, move |connection| {
            Ok::<_, SyncError>(snapshots::containers_with_snapshots(connection, id)?)
        })
        .await?;
        for (container, name) in containers {
            let asked_at = db::unix_now();
            match client.snapshots(&sync_caller(), name.as_str()).await {
                Ok(listed) => {
                    db::run(&self.pool, move |connection| {
                        let (items, now) = (&listed.items, db::unix_now());
                        Ok::<_, SyncError>(snapshots::reconcile(connection, container, id, items, asked_at, now)?)
                    })
                    .await?;
                }
                Err(error) => tracing::info!(machine = %id, %name, %error, "cannot list the container's snapshots"),
            }
        }
        Ok(())
    }

    /// Refreshes what the panel knows of the machine's networks (one
    /// `network.list`), then compares what LXD has with what the panel
    /// holds, and records what differs on the network (`drift`) and in the
    /// log: the static addresses (LXD's static leases of the panel's live
    /// containers against the panel's rows) and, for each container with a
    /// static address or forwards in the panel, its forwards (one
    /// `forward.list` each; a forward needs a static address, so no other
    /// container can have one the agent made). Nothing is deleted or
    /// changed on either side: an admin decides. An agent that cannot list
    /// (an older one) leaves all as it was.
    async fn sync_networks(&self, id: MachineId, client: &AgentClient) -> Result<(), SyncError> {
        let caller = sync_caller();
        let listed = match client.networks(&caller).await {
            Ok(listed) => listed,
            Err(error) => {
                tracing::info!(machine = %id, %error, "cannot list the networks");
                return Ok(());
            }
        };
        let leases = listed.networks.clone();
        let (rows, addresses, live) = db::run(&self.pool, move |connection| {
            networks::replace_networks(connection, id, &listed.networks, db::unix_now())?;
            let rows = networks::forwards_of_machine(connection, id)?;
            let addresses = networks::named_addresses_of_machine(connection, id)?;
            let live = containers::live_names_of_machine(connection, id)?;
            Ok::<_, SyncError>((rows, addresses, live))
        })
        .await?;
        let mut drift: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for network in &leases {
            let panel: BTreeSet<(&str, String)> = addresses
                .iter()
                .filter(|(_, name, _)| *name == network.name)
                .map(|(container, _, address)| (container.as_str(), address.to_string()))
                .collect();
            let lxd: BTreeSet<(&str, String)> = network
                .leases
                .iter()
                .filter(|lease| lease.kind == "static" && live.contains(&lease.hostname))
                .filter_map(|lease| Some((lease.hostname.as_str(), lease.address.parse::<IpAddr>().ok()?.to_string())))
                .collect();
            for (container, address) in panel.difference(&lxd) {
                drift
                    .entry(network.name.clone())
                    .or_default()
                    .push(format!("{container}: the panel has static address {address} that LXD does not;"));
            }
            for (container, address) in lxd.difference(&panel) {
                drift
                    .entry(network.name.clone())
                    .or_default()
                    .push(format!("{container}: LXD has static address {address} that the panel does not;"));
            }
        }
        let mut by_container: BTreeMap<String, Vec<networks::ForwardRow>> = BTreeMap::new();
        for (container, _, _) in &addresses {
            by_container.entry(container.clone()).or_default();
        }
        for row in rows {
            by_container.entry(row.container.clone()).or_default().push(row);
        }
        for (container, rows) in &by_container {
            let held = match client.forwards(&caller, container).await {
                Ok(held) => held,
                Err(error) => {
                    tracing::info!(machine = %id, %container, %error, "cannot list the container's forwards");
                    continue;
                }
            };
            let networks: BTreeSet<&str> = rows
                .iter()
                .map(|row| row.network.as_str())
                .chain(
                    held.items
                        .iter()
                        .filter(|answer| !answer.forwards.is_empty())
                        .map(|answer| answer.network.as_str()),
                )
                .collect();
            for network in networks {
                let panel: BTreeSet<(&str, u16, u16)> = rows
                    .iter()
                    .filter(|row| row.network == network)
                    .map(|row| (row.protocol.as_str(), row.listen_port, row.target_port))
                    .collect();
                let lxd: BTreeSet<(&str, u16, u16)> = held
                    .items
                    .iter()
                    .filter(|answer| answer.network == network)
                    .flat_map(|answer| answer.forwards.iter())
                    .map(|forward| (forward.protocol.as_str(), forward.listen_port, forward.target_port))
                    .collect();
                let words = |set: &BTreeSet<(&str, u16, u16)>, other: &BTreeSet<(&str, u16, u16)>| -> Vec<String> {
                    set.difference(other)
                        .map(|(protocol, listen, target)| format!("{protocol} {listen}->{target}"))
                        .collect()
                };
                let (only_lxd, only_panel) = (words(&lxd, &panel), words(&panel, &lxd));
                if !only_lxd.is_empty() || !only_panel.is_empty() {
                    let mut text = format!("{container}:");
                    if !only_panel.is_empty() {
                        text.push_str(&format!(" the panel has {} that LXD does not;", only_panel.join(", ")));
                    }
                    if !only_lxd.is_empty() {
                        text.push_str(&format!(" LXD has {} that the panel does not;", only_lxd.join(", ")));
                    }
                    drift.entry(network.to_owned()).or_default().push(text);
                }
            }
        }
        if drift.is_empty() {
            return Ok(());
        }
        for (network, lines) in &drift {
            tracing::warn!(machine = %id, network, drift = %lines.join(" "), "the network drifted");
        }
        db::run(&self.pool, move |connection| {
            for (network, lines) in &drift {
                networks::set_drift(connection, id, network, Some(&lines.join(" ")))?;
            }
            Ok::<_, SyncError>(())
        })
        .await
    }

    /// Refreshes the status of the machine's services (after its containers,
    /// whose status it reads): one `service.list` per running container that
    /// has services, one `service.state` for a unit the list leaves out (one
    /// systemd has not loaded), and no call for containers that do not run.
    /// An agent failure for one container leaves its services as they were.
    /// How many statuses changed.
    async fn sync_services(&self, id: MachineId, client: &AgentClient) -> Result<usize, SyncError> {
        let by_container =
            db::run(&self.pool, move |connection| services::of_machine(connection, id.0).map_err(SyncError::from))
                .await?;
        let caller = sync_caller();
        let mut seen = Vec::new();
        for (container, rows) in &by_container {
            if let Some(status) = rows.first().and_then(|row| services::status_without_unit(&row.container_status)) {
                seen.extend(rows.iter().map(|row| (row.id, status.to_owned())));
                continue;
            }
            let listed = match client.services(&caller, container).await {
                Ok(listed) => listed,
                Err(error) => {
                    tracing::info!(machine = %id, %container, %error, "cannot list the services");
                    continue;
                }
            };
            let statuses: HashMap<&str, &str> = listed
                .items
                .iter()
                .map(|item| {
                    let status = if item.load == "not-found" { services::STATUS_NOT_FOUND } else { &item.active };
                    (item.unit.as_str(), status)
                })
                .collect();
            for row in rows {
                let status = match statuses.get(row.unit.as_str()) {
                    Some(status) => (*status).to_owned(),
                    None => match client.service_state(&caller, container, &row.unit).await {
                        Ok(state) if state.load_state != "not-found" => state.active_state,
                        Ok(_) | Err(AgentCallError::Agent { code: AgentCode::UnitNotFound, .. }) => {
                            services::STATUS_NOT_FOUND.to_owned()
                        }
                        Err(error) => {
                            tracing::info!(machine = %id, unit = %row.unit, %error, "cannot read the service's state");
                            continue;
                        }
                    },
                };
                seen.push((row.id, status));
            }
        }
        if seen.is_empty() {
            return Ok(0);
        }
        db::run(&self.pool, move |connection| {
            services::apply_statuses(connection, &seen, db::unix_now()).map_err(SyncError::from)
        })
        .await
    }

    /// Applies one event (and what it means for the container's services);
    /// an unknown name means a new container, which a full pass fetches with
    /// its addresses.
    async fn apply_event(&self, id: MachineId, event: smp_proto::api::ContainerEvent) -> Result<(), SyncError> {
        let outcome = db::run(&self.pool, move |connection| {
            let now = db::unix_now();
            let status = match event.status {
                ContainerStatus::Deleted => containers::STATUS_GONE,
                other => other.as_str(),
            };
            db::write_transaction(connection, |connection| {
                services::follow_container(connection, id.0, &event.name, status, now)?;
                containers::apply_event(connection, id, &event, now)
            })
            .map_err(SyncError::from)
        })
        .await?;
        if outcome == EventOutcome::Unknown {
            self.sync_machine_once(id).await?;
        }
        Ok(())
    }
}

fn sync_caller() -> Caller {
    Caller::system(SYNC_SUBJECT)
}

/// Keeps one machine in sync until aborted (see the module note).
async fn run_machine(agents: Arc<Agents>, id: MachineId, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stream = None;
    let mut delay = Duration::from_secs(1);
    let mut reconnect_at = Instant::now();
    loop {
        if stream.is_none() && Instant::now() >= reconnect_at {
            match open_stream(&agents, id).await {
                Ok(opened) => {
                    stream = Some(opened);
                    delay = Duration::from_secs(1);
                    // Reconcile what happened while no stream was open.
                    log_failure(id, agents.sync_machine_once(id).await);
                }
                Err(error) => {
                    tracing::debug!(machine = %id, %error, "cannot open the event stream");
                    reconnect_at = Instant::now() + delay;
                    delay = (delay * 2).min(MAX_RECONNECT_DELAY);
                }
            }
        }
        tokio::select! {
            _ = ticker.tick() => log_failure(id, agents.sync_machine_once(id).await),
            next = next_event(&mut stream) => match next {
                Ok(Some(event)) => log_failure(id, agents.apply_event(id, event).await),
                Ok(None) => stream = None,
                Err(error) => {
                    tracing::info!(machine = %id, %error, "the event stream broke; reopening it");
                    stream = None;
                }
            },
            _ = tokio::time::sleep_until(reconnect_at.into()), if stream.is_none() => {}
        }
    }
}

async fn open_stream(agents: &Agents, id: MachineId) -> Result<crate::agents::EventStream, SyncError> {
    let machine = agents.machine(id).await?;
    Ok(agents.client(&machine)?.events(&sync_caller()).await?)
}

/// The next event of an open stream; pending forever without one.
async fn next_event(
    stream: &mut Option<crate::agents::EventStream>,
) -> Result<Option<smp_proto::api::ContainerEvent>, AgentCallError> {
    match stream {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

fn log_failure<T>(id: MachineId, result: Result<T, SyncError>) {
    if let Err(error) = result {
        tracing::warn!(machine = %id, %error, "sync failed");
    }
}

/// Starts and stops the per-machine tasks; see `spawn`.
pub struct Supervisor {
    agents: Arc<Agents>,
    database_url: SecretString,
    interval: Duration,
    nudge: Arc<Notify>,
}

/// Wakes the supervisor at once (a machine was added or removed).
#[derive(Debug, Clone, Default)]
pub struct Nudge(Arc<Notify>);

impl Nudge {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

impl Supervisor {
    pub fn new(agents: Arc<Agents>, database_url: SecretString, interval: Duration, nudge: &Nudge) -> Supervisor {
        Supervisor { agents, database_url, interval, nudge: nudge.0.clone() }
    }

    /// Runs until the returned task is aborted: every interval (or nudge)
    /// it makes sure this instance may sync, then matches the machine tasks
    /// to the machines table. Aborting it aborts the machine tasks.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tasks = MachineTasks::default();
            let mut leader: Option<Leadership> = None;
            loop {
                if leader.as_mut().is_none_or(|lock| !lock.still_held()) {
                    tasks.clear();
                    leader = Leadership::try_acquire(&self.database_url).await;
                }
                if leader.is_some() {
                    // Once a tick: the actions of panels dead for longer than
                    // any call lasts are orphaned, for the passes to settle.
                    let orphaned = db::run(&self.agents.pool, |connection| {
                        Ok::<_, SyncError>(in_flight::orphan_the_dead(connection, false, db::unix_now())?)
                    });
                    if let Err(error) = orphaned.await {
                        tracing::warn!(%error, "cannot orphan the actions of dead panels");
                    }
                    match db::run(&self.agents.pool, |connection| machines::list(connection).map_err(SyncError::from))
                        .await
                    {
                        Ok(list) => tasks.match_machines(&list, &self.agents, self.interval),
                        Err(error) => tracing::warn!(%error, "cannot read the machines to sync"),
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(self.interval) => {}
                    _ = self.nudge.notified() => {}
                }
            }
        })
    }
}

/// The running machine tasks, aborted on drop.
#[derive(Default)]
struct MachineTasks(HashMap<MachineId, (String, JoinHandle<()>)>);

impl MachineTasks {
    /// One task per machine; a machine whose URL, key or pin changed gets a
    /// new one (its stream was opened with the old ones).
    fn match_machines(&mut self, list: &[Machine], agents: &Arc<Agents>, interval: Duration) {
        let wanted: HashMap<MachineId, String> = list
            .iter()
            .map(|machine| (machine.id, format!("{}|{}|{:?}", machine.url, machine.key_id, machine.fingerprint)))
            .collect();
        self.0.retain(|id, (version, task)| {
            let keep = wanted.get(id) == Some(version) && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for (id, version) in wanted {
            self.0.entry(id).or_insert_with(|| (version, tokio::spawn(run_machine(agents.clone(), id, interval))));
        }
    }

    fn clear(&mut self) {
        for (_, (_, task)) in self.0.drain() {
            task.abort();
        }
    }
}

impl Drop for MachineTasks {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The right to run the sync. SQLite: always (one instance owns the file).
/// PostgreSQL: a session-level advisory lock held on a connection of its
/// own, lost when that connection breaks.
pub enum Leadership {
    Sqlite,
    Postgresql(Box<DbConnection>),
}

impl Leadership {
    /// The lock if this instance can take it now, else `None`.
    pub async fn try_acquire(database_url: &SecretString) -> Option<Leadership> {
        use secrecy::ExposeSecret as _;
        let url = database_url.expose_secret().to_owned();
        let result = tokio::task::spawn_blocking(move || -> Result<Option<Leadership>, DbError> {
            match Backend::from_url(&url)?.0 {
                Backend::Sqlite => Ok(Some(Leadership::Sqlite)),
                Backend::Postgresql => {
                    let mut connection = db::establish(&url)?;
                    Ok(try_advisory_lock(&mut connection)?.then(|| Leadership::Postgresql(Box::new(connection))))
                }
            }
        })
        .await;
        match result {
            Ok(Ok(leadership)) => leadership,
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot take the sync lock");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "the sync lock thread failed");
                None
            }
        }
    }

    /// Whether the lock is still held (its connection still answers).
    pub fn still_held(&mut self) -> bool {
        match self {
            Leadership::Sqlite => true,
            Leadership::Postgresql(connection) => diesel::sql_query("SELECT 1").execute(connection.as_mut()).is_ok(),
        }
    }
}

/// `pg_try_advisory_lock(SYNC_LOCK_KEY)` on this connection.
fn try_advisory_lock(connection: &mut DbConnection) -> Result<bool, DbError> {
    #[derive(diesel::QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    let DbConnection::Postgresql(connection) = connection else { return Ok(true) };
    let row: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<diesel::sql_types::BigInt, _>(SYNC_LOCK_KEY)
        .get_result(connection)?;
    Ok(row.locked)
}
