//! `make bench` for the panel: the figures of the panel issue, each printed
//! beside its goal and, where LXD does the same thing, beside the direct LXD
//! call measured in the same run (interleaved, so both see the same load):
//! - `GET /api/v1/containers` with 10 000 containers in the database, for an
//!   admin (all of them) and for a member (her 10);
//! - the web dashboard of a member who owns 100 of them;
//! - how long after `lxc stop` (outside SMP) the API shows the change;
//! - a member's restart through the panel beside the same restart made
//!   directly on LXD's socket, and beside `lxc restart`;
//! - a member's sub-container: create+start through the panel (POST until
//!   the API shows it running) beside `lxc launch`, and its deletion beside
//!   `lxc delete --force`;
//! - port allocation under 50 concurrent forward requests of a member
//!   through the panel (real agent, real LXD) beside the agent's
//!   `PUT …/forwards` they wrap (`forwards/`);
//! - sign-in latency (issue 18): `POST /api/v1/login` with the password,
//!   and with password + TOTP code, beside a bare Argon2 verify in-process;
//!   and that Argon2 never holds a database connection while it hashes: a
//!   probe's cheap DB-backed request (`GET /api/v1/me`) during 20
//!   concurrent logins, beside the same probe idle (the pool has 8);
//! - LDAP sign-in (issue 18): `POST /api/v1/login` of a directory account
//!   (search, group test, bind, then the session) beside the panel's own
//!   directory client alone and beside a bare ldap3 search+bind, against the
//!   same private slapd on loopback;
//! - OpenID Connect sign-in (issue 18): the callback beside the provider's
//!   token endpoint (and GitLab's keys route) it wraps (`oidc/`);
//! - load and soak (issue 19): 200 concurrent members' clients for 60 s
//!   (their container lists, their containers' pages, restarts through the
//!   real agent binary on LXD): latency, errors, and the RSS of the panel
//!   and of the agent before and after (`load/`).
//!
//! `SMP_BENCH_ONLY=list` (or `dashboard`, `sign_in`, `ldap`, `oidc`,
//! `lifecycle`, `forwards`, `snapshots`, `load`; several separated by commas)
//! runs those figures alone, in the order of a whole run. The
//! in-process panels' warnings go to standard error (`RUST_LOG`, `warn` by
//! default).
//!
//! SQLite by default; `SMP_BENCH_DATABASE_URL=postgres://…` runs the list on
//! PostgreSQL instead (the database must exist and be empty).
//!
//! `SMP_BENCH_QUICK=1` (`make bench-quick`; `make test` only builds the benchmarks) takes
//! every figure from a round or two: its numbers mean nothing, but a figure
//! that can no longer be measured fails that run.

// A benchmark that cannot measure should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod forwards;
mod load;
mod oidc;
mod snapshots;
#[allow(dead_code)] // each bench uses a part of it
mod support;

#[allow(dead_code)] // the tests use more of it
#[path = "../tests/api/slapd.rs"]
mod slapd;

#[allow(dead_code)] // the tests use more of it
#[path = "../tests/api/oidc_peer.rs"]
mod oidc_peer;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use smp_agent::lxd::LxdClient;
use smp_panel::db::containers;
use smp_panel::db::machines::{MachineId, NewMachine};
use smp_panel::{Application, Config, Role, Username, db};
use smp_proto::api::{ContainerStatus, ContainerSummary};
use smp_proto::names::InstanceName;
use support::{lxc, ms, percentile, rounds, seeded};

/// The containers of the list and dashboard figures (a tenth in quick mode).
fn containers() -> usize {
    seeded(10_000)
}
const PER_MEMBER: usize = 10;
const PASSWORD: &str = "bench-password-0123";

fn main() {
    // The in-process panels' warnings (why a request answered 503, say) on
    // standard error; `RUST_LOG` as for `smp-panel serve`.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async {
        // `SMP_BENCH_ONLY=<figure>[,<figure>…]` runs those figures alone.
        let only = std::env::var("SMP_BENCH_ONLY").unwrap_or_default();
        let figures = ["list", "dashboard", "sign_in", "ldap", "oidc", "lifecycle", "forwards", "snapshots", "load"];
        let chosen: Vec<&str> = only.split(',').filter(|name| !name.is_empty()).collect();
        for name in &chosen {
            assert!(figures.contains(name), "SMP_BENCH_ONLY={only:?}: each of {figures:?}, separated by commas");
        }
        let wanted = |name: &str| chosen.is_empty() || chosen.contains(&name);
        if wanted("list") {
            list_with_ten_thousand_containers().await;
        }
        if wanted("dashboard") {
            dashboard_with_a_hundred_containers().await;
        }
        if wanted("sign_in") {
            sign_in_latency().await;
        }
        if wanted("ldap") {
            ldap_sign_in().await;
        }
        if wanted("oidc") {
            oidc::callback_latency().await;
        }
        if wanted("lifecycle") {
            lifecycle_against_lxd().await;
        }
        if wanted("forwards") {
            forwards::port_allocation_under_fifty_concurrent_requests().await;
        }
        if wanted("snapshots") {
            snapshots::take_and_restore_beside_lxc().await;
        }
        if wanted("load") {
            load::two_hundred_clients_for_a_minute().await;
        }
    });
}

async fn timed<T>(future: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let value = future.await;
    (value, started.elapsed())
}

/// A panel on a random port over `database_url`; its base URL.
async fn start_panel(database_url: &str, dir: &std::path::Path) -> String {
    start_panel_with(database_url, dir, "").await
}

/// `start_panel` with `extra` top-level settings.
async fn start_panel_with(database_url: &str, dir: &std::path::Path, extra: &str) -> String {
    let toml = format!(
        "database_url = {database_url:?}\nlisten = \"127.0.0.1:0\"\nkey_file = {:?}\nsync_interval_s = 3600\n{extra}\n",
        dir.join("panel.key")
    );
    let application = Application::build(Config::from_toml(&toml).expect("config")).await.expect("panel");
    let url = format!("http://127.0.0.1:{}/api/v1", application.port());
    tokio::spawn(application.run_until_stopped());
    url
}

fn create_user(connection: &mut db::DbConnection, name: &str, role: Role, hash: &str) -> i64 {
    let username = Username::parse(name).unwrap();
    db::users::create(
        connection,
        &db::users::NewUser { username: &username, password_hash: hash, role, approved: true },
    )
    .unwrap()
    .id
    .0
}

/// A panel over a fresh SQLite database in `dir` with the head admin `root`
/// and the member `alice` (tokens of both), the agent at `agent` (URL,
/// secret) registered as machine `bench`, and its `container` given to her.
struct MemberScene {
    api: String,
    http: reqwest::Client,
    admin: String,
    alice: String,
    alice_id: i64,
    /// The panel's id of her container.
    container: i64,
}

impl MemberScene {
    async fn start(dir: &std::path::Path, agent: (&str, &str), container: &str, settings: &str) -> MemberScene {
        let database_url = format!("sqlite://{}", dir.join("bench.db").display());
        let api = start_panel_with(&database_url, dir, settings).await;
        let mut connection = db::establish(&database_url).unwrap();
        let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
        create_user(&mut connection, "root", Role::HeadAdmin, &hash);
        let alice_id = create_user(&mut connection, "alice", Role::Member, &hash);
        let http = reqwest::Client::new();
        let admin = token_for(&http, &api, "root").await;
        let alice = token_for(&http, &api, "alice").await;
        let (url, secret) = agent;
        let wait = Duration::from_secs(30);
        let container =
            support::add_machine_and_give(&http, &api, &admin, ("bench", url, secret), container, "alice", wait).await;
        MemberScene { api, http, admin, alice, alice_id, container }
    }

    /// Sets her overall quota to `quota` (JSON).
    async fn set_quota(&self, quota: Value) {
        let set = self.http.put(format!("{}/users/{}/quota", self.api, self.alice_id)).bearer_auth(&self.admin);
        assert_eq!(set.json(&quota).send().await.unwrap().status(), 200);
    }
}

/// A machine `bench` (its agent down: nothing here calls it) with
/// `containers()` running containers, as a sync would store them.
fn seed_containers(connection: &mut db::DbConnection, dir: &std::path::Path) {
    let key = smp_panel::domain::secrets::PanelKey::load(&dir.join("panel.key")).unwrap();
    let name = InstanceName::parse("bench").unwrap();
    let sealed = key.seal("bench", &secrecy::SecretString::from("x".repeat(32))).unwrap();
    let machine = db::machines::insert(
        connection,
        &NewMachine { name: &name, url: "http://127.0.0.1:1", key_id: "k1", secret: &sealed, fingerprint: None },
    )
    .unwrap()
    .id;
    let list: Vec<ContainerSummary> = (0..containers())
        .map(|index| ContainerSummary {
            name: format!("c{index}"),
            status: ContainerStatus::Running,
            addresses: vec![format!("10.77.{}.{}", index / 250, index % 250 + 2)],
            instance_type: "container".into(),
            created_at: "2026-11-23T00:00:00Z".into(),
            uuid: None,
        })
        .collect();
    let (machine, newest) = (MachineId(machine.0), containers::ASKED_AFTER_EVERY_WRITE);
    containers::apply_list(connection, machine, &list, newest, db::unix_now()).unwrap();
}

/// A personal access token for `username` through the API (login, then POST /tokens).
async fn token_for(http: &reqwest::Client, api: &str, username: &str) -> String {
    let login = http.post(format!("{api}/login")).json(&json!({"username": username, "password": PASSWORD}));
    let response = login.send().await.unwrap();
    assert!(response.status().is_success(), "login {username}: {}", response.status());
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = response.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
    let created = http
        .post(format!("{api}/tokens"))
        .header("Cookie", cookie)
        .header("X-CSRF-Token", csrf)
        .json(&json!({"name": "bench", "password": PASSWORD, "scope": "write"}))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "token: {}", created.status());
    created.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn list_with_ten_thousand_containers() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("SMP_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    // The real binary in its own process, so that its memory is its own.
    let panel = PanelProcess::start(&url, dir.path());
    let api = panel.api.clone();
    let rss_started = panel.rss_kib();
    let mut connection = db::establish(&url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    create_user(&mut connection, "root", Role::HeadAdmin, &hash);
    seed_containers(&mut connection, dir.path());
    let rows = containers::list(&mut connection, None).unwrap();
    // The members and owners written in one transaction, not a commit each.
    db::write_transaction(&mut connection, |connection| {
        for (index, chunk) in rows.chunks(PER_MEMBER).enumerate() {
            let owner = create_user(connection, &format!("member{}", index + 1), Role::Member, &hash);
            for row in chunk {
                containers::set_owner(connection, row.id(), Some(owner))?;
            }
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();

    let rss_seeded = panel.rss_kib();
    let http = reqwest::Client::new();
    let admin = token_for(&http, &api, "root").await;
    let alice = token_for(&http, &api, "member42").await;
    let rss_signed_in = panel.rss_kib();
    // Timed until the whole answer has arrived; it is parsed (and counted) after.
    let list_as = |token: &str, query: &str| {
        let request = http.get(format!("{api}/containers{query}")).bearer_auth(token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).unwrap()
        }
    };
    let count = |page: &Value| page["items"].as_array().unwrap().len();
    // Every page of 1000, following `next`: the whole list as a client reads it.
    let all_pages = |token: String| {
        let list_as = &list_as;
        async move {
            let (mut seen, mut query) = (0, "?limit=1000".to_owned());
            loop {
                let page = list_as(&token, &query).await;
                seen += count(&page);
                match page["next"].as_i64() {
                    Some(next) => query = format!("?limit=1000&after={next}"),
                    None => return seen,
                }
            }
        }
    };
    for _ in 0..rounds(3) {
        list_as(&admin, "").await;
        list_as(&alice, "").await;
    }
    let (mut first_page, mut whole, mut member_times) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds(50) {
        let (page, took) = timed(list_as(&admin, "")).await;
        assert_eq!((count(&page), page["next"].is_i64()), (100, true), "the first page of 100, more to follow");
        first_page.push(took);
        for _ in 0..4 {
            let (page, took) = timed(list_as(&alice, "")).await;
            assert_eq!(count(&page), PER_MEMBER);
            member_times.push(took);
        }
    }
    for _ in 0..rounds(10) {
        let (seen, took) = timed(all_pages(admin.clone())).await;
        assert_eq!(seen, containers());
        whole.push(took);
    }
    let rss_listed = panel.rss_kib();
    let containers = containers();
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!(
        "list {containers} containers, admin first page (100)   p50 {:>7.2} ms p95 {:>7.2} ms (goal p50 <= 20 ms, {backend}, n={})",
        ms(percentile(&first_page, 0.5)),
        ms(percentile(&first_page, 0.95)),
        first_page.len()
    );
    println!(
        "list {containers} containers, admin all pages of 1000  p50 {:>7.2} ms p95 {:>7.2} ms ({backend}, n={})",
        ms(percentile(&whole, 0.5)),
        ms(percentile(&whole, 0.95)),
        whole.len()
    );
    println!(
        "list {containers} containers, member (her {PER_MEMBER})          p50 {:>7.2} ms p95 {:>7.2} ms (goal p50 <= 5 ms, {backend}, n={})",
        ms(percentile(&member_times, 0.5)),
        ms(percentile(&member_times, 0.95)),
        member_times.len()
    );
    println!(
        "panel RSS with {containers} containers: {:.1} MB after the lists above (goal <= 60 MB; smp-panel serve, \
         its own process: {:.1} MB started, {:.1} MB once seeded, {:.1} MB after two sign-ins, whose Argon2 \
         areas of 19.9 MB are given back)",
        megabytes(rss_listed),
        megabytes(rss_started),
        megabytes(rss_seeded),
        megabytes(rss_signed_in)
    );
}

/// `smp-panel serve` (this build's binary) on a free loopback port over
/// `database_url`, killed when dropped.
struct PanelProcess {
    child: std::process::Child,
    api: String,
}

impl PanelProcess {
    fn start(database_url: &str, dir: &std::path::Path) -> PanelProcess {
        use std::io::BufRead as _;
        let config = dir.join("panel.toml");
        std::fs::write(
            &config,
            format!(
                "database_url = {database_url:?}\nlisten = \"127.0.0.1:0\"\nkey_file = {:?}\nsync_interval_s = 3600\n",
                dir.join("panel.key")
            ),
        )
        .unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smp-panel"))
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("smp-panel starts");
        let stderr = child.stderr.take().unwrap();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = line.contains("smp-panel listening").then(|| port_in(&line)).flatten() {
                    let _ = port_tx.send(port);
                }
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(60)).expect("smp-panel says where it listens");
        PanelProcess { child, api: format!("http://127.0.0.1:{port}/api/v1") }
    }

    /// Its resident memory (VmRSS), in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

/// KiB (as /proc says) in MB.
fn megabytes(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// The number after `port=` in a log line.
fn port_in(line: &str) -> Option<u16> {
    let digits: String = line.split("port=").nth(1)?.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl Drop for PanelProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn dashboard_with_a_hundred_containers() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("dashboard.db").display());
    let api = start_panel(&url, dir.path()).await;
    let site = api.trim_end_matches("/api/v1").to_owned();
    let mut connection = db::establish(&url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    let alice = create_user(&mut connection, "alice", Role::Member, &hash);
    seed_containers(&mut connection, dir.path());
    for row in containers::list(&mut connection, None).unwrap().iter().take(100) {
        containers::set_owner(&mut connection, row.id(), Some(alice)).unwrap();
    }
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = http.post(format!("{site}/login")).form(&[("username", "alice"), ("password", PASSWORD)]);
    let response = login.send().await.unwrap();
    assert_eq!(response.status(), 303, "the login form signs in");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = || {
        let request = http.get(format!("{site}/")).header("Cookie", cookie.clone());
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap()
        }
    };
    for _ in 0..rounds(3) {
        page().await;
    }
    let mut times = Vec::new();
    for _ in 0..rounds(100) {
        let (body, took) = timed(page()).await;
        assert_eq!(container_links(&body), 100, "the dashboard links each of her containers");
        times.push(took);
    }
    println!(
        "dashboard page, 100 of {} containers p50 {:>7.2} ms p95 {:>7.2} ms (goal <= 100 ms server time, n={})",
        containers(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        times.len()
    );
}

/// Links to a container's page (`href="/containers/12"`), not to other
/// container pages such as `/containers/new`.
fn container_links(page: &[u8]) -> usize {
    const LINK: &[u8] = b"href=\"/containers/";
    page.windows(LINK.len() + 1).filter(|w| w.starts_with(LINK) && w[LINK.len()].is_ascii_digit()).count()
}

async fn lifecycle_against_lxd() {
    let project = format!("smp-bench-panel-{}", std::process::id());
    lxc(&["project", "create", &project, "-c", "features.images=false", "-c", "features.profiles=false"]);
    lxc(&["launch", "smp-busybox", "b1", "--project", &project, "-q"]);
    let dir = tempfile::tempdir().unwrap();

    let secret = smp_agent::random::new_secret();
    let toml = format!(
        "machine = \"bench\"\nlisten = \"127.0.0.1:0\"\nproject = \"{project}\"\nstate_dir = \"{}\"\nmember_images = [\"smp-busybox\", \"smp-debian\"]\n[[keys]]\nid = \"k1\"\nsecret = \"{secret}\"\n",
        dir.path().join("agent").display()
    );
    let agent = smp_agent::Agent::build(smp_agent::Config::from_toml(&toml).expect("agent config")).await.unwrap();
    let agent_url = format!("http://127.0.0.1:{}", agent.port());
    tokio::spawn(agent.run_until_stopped());

    let database_url = format!("sqlite://{}", dir.path().join("panel.db").display());
    let api = start_panel(&database_url, dir.path()).await;
    let mut connection = db::establish(&database_url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    create_user(&mut connection, "root", Role::HeadAdmin, &hash);
    create_user(&mut connection, "alice", Role::Member, &hash);
    let http = reqwest::Client::new();
    let admin = token_for(&http, &api, "root").await;
    let alice = token_for(&http, &api, "alice").await;
    let added = http
        .post(format!("{api}/machines"))
        .bearer_auth(&admin)
        .json(&json!({"name": "bench", "url": agent_url, "key_id": "k1", "secret": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let status_of = |id: i64| {
        let request = http.get(format!("{api}/containers/{id}")).bearer_auth(&admin);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["status"].as_str().unwrap().to_owned() }
    };
    let started = Instant::now();
    let id = loop {
        let items = http.get(format!("{api}/containers")).bearer_auth(&admin).send().await.unwrap();
        let items = items.json::<Value>().await.unwrap();
        if let Some(item) = items["items"].as_array().unwrap().iter().find(|item| item["name"] == "b1") {
            break item["id"].as_i64().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the sync never listed b1");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let assigned =
        http.patch(format!("{api}/containers/{id}")).bearer_auth(&admin).json(&json!({"owner": "alice"})).send();
    assert_eq!(assigned.await.unwrap().status(), 200);

    // `lxc stop` outside SMP → the API shows it stopped.
    let (mut lags, mut stops) = (Vec::new(), Vec::new());
    for _ in 0..rounds(20) {
        for (command, wanted) in [(["stop", "--force"], "stopped"), (["start", "--quiet"], "running")] {
            let (_, took) = timed(async { lxc(&[command[0], command[1], "b1", "--project", &project]) }).await;
            let returned = Instant::now();
            while status_of(id).await != wanted {
                assert!(returned.elapsed() < Duration::from_secs(30), "the API never showed {wanted}");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            if command[0] == "stop" {
                lags.push(returned.elapsed());
                stops.push(took);
            }
        }
    }
    println!(
        "lxc stop --force → API shows stopped: p50 {:>7.2} ms p95 {:>7.2} ms after lxc returned (goal p95 <= 1000 ms; lxc stop itself p50 {:.0} ms, n={})",
        ms(percentile(&lags, 0.5)),
        ms(percentile(&lags, 0.95)),
        ms(percentile(&stops, 0.5)),
        lags.len()
    );

    // A member's (clean) restart through the panel, LXD's own restart on its
    // socket (what `lxc restart` asks LXD), and the `lxc restart` command.
    let direct = LxdClient::new(LxdClient::discover_socket(None).unwrap(), project.clone());
    let name = InstanceName::parse("b1").unwrap();
    let (mut panel, mut socket, mut cli) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds(10) {
        let request = http.post(format!("{api}/containers/{id}/restart")).bearer_auth(&alice);
        let (response, took) = timed(request.send()).await;
        assert_eq!(response.unwrap().status(), 200);
        panel.push(took);
        socket.push(timed(async { direct.restart(&name, false, 30).await.unwrap() }).await.1);
        cli.push(timed(async { lxc(&["restart", "b1", "--project", &project]) }).await.1);
    }
    let (p50, s50, c50) = (percentile(&panel, 0.5), percentile(&socket, 0.5), percentile(&cli, 0.5));
    println!(
        "restart by a member: panel p50 {:>7.1} ms p95 {:>7.1} ms | LXD socket p50 {:>7.1} ms | lxc restart p50 {:>7.1} ms | ratio to socket {:.3}, to lxc {:.3} (goal <= 1.02, n={})",
        ms(p50),
        ms(percentile(&panel, 0.95)),
        ms(s50),
        ms(c50),
        ms(p50) / ms(s50),
        ms(p50) / ms(c50),
        panel.len()
    );

    // A member's sub-container: create+start through the panel (from the
    // POST until the API shows it running) beside `lxc launch`, then its
    // deletion beside `lxc delete --force`.
    let alice_id = http.get(format!("{api}/me")).bearer_auth(&alice).send().await.unwrap();
    let alice_id = alice_id.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let quota = json!({"containers": 2, "cpu": null, "memory_mb": null, "disk_mb": null});
    let set = http.put(format!("{api}/users/{alice_id}/quota")).bearer_auth(&admin).json(&quota).send();
    assert_eq!(set.await.unwrap().status(), 200);
    let (mut created, mut launched, mut deleted, mut removed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds(10) {
        let (panel_name, lxc_name) = (format!("p{round}"), format!("l{round}"));
        let body = json!({"name": panel_name, "image": "smp-busybox", "parent": id});
        let began = Instant::now();
        let response = http.post(format!("{api}/containers")).bearer_auth(&alice).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let sub = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        loop {
            match status_of(sub).await.as_str() {
                "running" => break,
                "creating" => tokio::time::sleep(Duration::from_millis(5)).await,
                other => panic!("the creation ended {other}"),
            }
            assert!(began.elapsed() < Duration::from_secs(60), "the creation never finished");
        }
        created.push(began.elapsed());
        launched.push(timed(async { lxc(&["launch", "smp-busybox", &lxc_name, "--project", &project, "-q"]) }).await.1);
        let request = http.delete(format!("{api}/containers/{sub}")).bearer_auth(&alice);
        let (response, took) = timed(request.send()).await;
        assert_eq!(response.unwrap().status(), 200);
        deleted.push(took);
        removed.push(timed(async { lxc(&["delete", "--force", &lxc_name, "--project", &project]) }).await.1);
    }
    let (c50, l50) = (percentile(&created, 0.5), percentile(&launched, 0.5));
    println!(
        "create+start of a sub-container: panel p50 {:>7.1} ms p95 {:>7.1} ms (POST to running in the API) | lxc launch p50 {:>7.1} ms p95 {:>7.1} ms | ratio {:.3} (no goal named, n={})",
        ms(c50),
        ms(percentile(&created, 0.95)),
        ms(l50),
        ms(percentile(&launched, 0.95)),
        ms(c50) / ms(l50),
        created.len()
    );
    let (d50, r50) = (percentile(&deleted, 0.5), percentile(&removed, 0.5));
    println!(
        "delete of a running sub-container: panel p50 {:>7.1} ms | lxc delete --force p50 {:>7.1} ms | ratio {:.3} (no goal named, n={})",
        ms(d50),
        ms(r50),
        ms(d50) / ms(r50),
        deleted.len()
    );

    lxc(&["delete", "--force", "b1", "--project", &project]);
    lxc(&["project", "delete", &project]);
}

/// LDAP sign-in latency: each round signs a different directory user in
/// (her account made by a warm-up sign-in) through `POST /api/v1/login`,
/// through the panel's `Directory` alone, and with bare ldap3 calls (connect,
/// service bind, search, user bind), interleaved. Each login comes from its
/// own address (`X-Forwarded-For` from a trusted loopback proxy) so the
/// login rate limit is not what is measured.
async fn ldap_sign_in() {
    let people = rounds(30);
    let slapd = slapd::Slapd::start(false);
    let mut seed = String::new();
    for index in 0..people {
        seed.push_str(&slapd::person(&format!("p{index}")));
    }
    slapd.ldif("ldapadd", &seed);
    let mut members = format!("dn: {}\nchangetype: modify\nadd: member\n", slapd::MEMBERS);
    for index in 0..people {
        members.push_str(&format!("member: uid=p{index},ou=people,{}\n", slapd::SUFFIX));
    }
    slapd.ldif("ldapmodify", &members);
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "database_url = \"sqlite://{}\"\nlisten = \"127.0.0.1:0\"\nkey_file = {:?}\nsync_interval_s = 3600\n\
         trusted_proxies = [\"127.0.0.1/32\"]\n{}",
        dir.path().join("ldap.db").display(),
        dir.path().join("panel.key"),
        slapd.panel_settings("")
    );
    let config = Config::from_toml(&toml).expect("config");
    let directory = smp_panel::app::ldap::Directory::new(config.ldap.clone().unwrap()).unwrap();
    // Local accounts beside them, for the password sign-in (Argon2) of the same panel.
    let mut connection = db::establish(&format!("sqlite://{}", dir.path().join("ldap.db").display())).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    let application = Application::build(config).await.expect("panel");
    let api = format!("http://127.0.0.1:{}/api/v1", application.port());
    tokio::spawn(application.run_until_stopped());
    for index in 0..people {
        create_user(&mut connection, &format!("local{index}"), Role::Member, &hash);
    }
    let http = reqwest::Client::new();
    let local_login = |index: usize| {
        http.post(format!("{api}/login"))
            .header("X-Forwarded-For", format!("10.9.2.{}", index + 1))
            .json(&json!({"username": format!("local{index}"), "password": PASSWORD}))
            .send()
    };
    let login = |index: usize, round: usize| {
        http.post(format!("{api}/login"))
            .header("X-Forwarded-For", format!("10.9.{round}.{}", index + 1))
            .json(&json!({"username": format!("p{index}"), "password": slapd::PASSWORD}))
            .send()
    };
    for index in 0..people {
        let response = login(index, 0).await.unwrap();
        let status = response.status();
        assert_eq!(status, 200, "first sign-in of p{index}: {}", response.text().await.unwrap_or_default());
    }
    let (mut panel, mut client, mut bare, mut local) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for index in 0..people {
        let (response, took) = timed(login(index, 1)).await;
        assert_eq!(response.unwrap().status(), 200);
        panel.push(took);
        let (verdict, took) = timed(directory.authenticate(&format!("p{index}"), slapd::PASSWORD)).await;
        assert!(matches!(verdict.unwrap(), smp_panel::app::ldap::Verdict::Found { password_ok: true, .. }));
        client.push(took);
        let (_, took) = timed(bare_search_and_bind(&slapd, &format!("p{index}"))).await;
        bare.push(took);
        let (response, took) = timed(local_login(index)).await;
        assert_eq!(response.unwrap().status(), 200);
        local.push(took);
    }
    for (what, samples) in [
        ("LDAP sign-in, POST /api/v1/login            ", &panel),
        ("LDAP sign-in, the panel's directory client   ", &client),
        ("LDAP sign-in, bare ldap3 search+bind (direct)", &bare),
        ("password sign-in (local, Argon2), same panel ", &local),
    ] {
        println!(
            "{what} p50 {:>7.2} ms p95 {:>7.2} ms (n={}, slapd on loopback)",
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.95)),
            samples.len()
        );
    }
}

/// What any LDAP sign-in must do at least: connect, bind as the service
/// account, search her entry, bind as her.
async fn bare_search_and_bind(slapd: &slapd::Slapd, uid: &str) {
    let (connection, mut ldap) = ldap3::LdapConnAsync::new(&slapd.url()).await.unwrap();
    tokio::spawn(async move { connection.drive().await });
    ldap.simple_bind(slapd::SERVICE_DN, slapd::SERVICE_PASSWORD).await.unwrap().success().unwrap();
    let filter = format!("(uid={})", ldap3::ldap_escape(uid));
    let base = format!("ou=people,{}", slapd::SUFFIX);
    let (entries, _) =
        ldap.search(&base, ldap3::Scope::Subtree, &filter, vec!["1.1"]).await.unwrap().success().unwrap();
    let dn = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap()).dn;
    ldap.simple_bind(&dn, slapd::PASSWORD).await.unwrap().success().unwrap();
    ldap.unbind().await.unwrap();
}

/// A panel that believes `X-Forwarded-For` from loopback, so that each
/// login can come from its own address (the login limit allows 5 at once
/// per address and per username; the bench signs in hundreds of times).
async fn start_panel_behind_proxy(database_url: &str, dir: &std::path::Path) -> String {
    let toml = format!(
        "database_url = {database_url:?}\nlisten = \"127.0.0.1:0\"\nkey_file = {:?}\nsync_interval_s = 3600\n\
         trusted_proxies = [\"127.0.0.1\"]\n",
        dir.join("panel.key")
    );
    let application = Application::build(Config::from_toml(&toml).expect("config")).await.expect("panel");
    let url = format!("http://127.0.0.1:{}/api/v1", application.port());
    tokio::spawn(application.run_until_stopped());
    url
}

/// `POST /login` as `username` from the address numbered `from`, with `extra` fields; its status.
async fn login_from(http: &reqwest::Client, api: &str, username: &str, from: usize, extra: Value) -> u16 {
    let mut body = json!({"username": username, "password": PASSWORD});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let address = format!("10.{}.{}.{}", from / 65536 % 256, from / 256 % 256, from % 256);
    let request = http.post(format!("{api}/login")).header("X-Forwarded-For", address).json(&body);
    request.send().await.unwrap().status().as_u16()
}

/// The unix time once at least 5 s of the current 30 s TOTP step remain.
async fn early_in_a_step() -> u64 {
    loop {
        let now = db::unix_now() as u64;
        if now % 30 < 25 {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in_latency() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("signin.db").display());
    let api = start_panel_behind_proxy(&url, dir.path()).await;
    let mut connection = db::establish(&url).unwrap();
    let hash = smp_panel::domain::password::Password::parse(PASSWORD.to_owned()).unwrap().hash().unwrap();
    let users = rounds(40).max(2);
    for n in 0..users {
        create_user(&mut connection, &format!("pw{n}"), Role::Member, &hash);
        create_user(&mut connection, &format!("otp{n}"), Role::Member, &hash);
    }
    for n in 0..20 {
        create_user(&mut connection, &format!("burst{n}"), Role::Member, &hash);
    }
    create_user(&mut connection, "probe", Role::Member, &hash);
    let http = reqwest::Client::new();
    let mut from = 0;
    let mut next_address = || {
        from += 1;
        from
    };

    // A bare Argon2 verify in this process (the panel's own function).
    let mut argon_times = Vec::new();
    for _ in 0..users {
        let started = Instant::now();
        assert!(smp_panel::domain::password::verify_password(PASSWORD, &hash));
        argon_times.push(started.elapsed());
    }

    let mut password_times = Vec::new();
    for n in 0..users {
        let (status, took) = timed(login_from(&http, &api, &format!("pw{n}"), next_address(), json!({}))).await;
        assert_eq!(status, 200);
        password_times.push(took);
    }

    // Each TOTP user: sign in, enrol, confirm with the code of the step
    // before; then the timed login with the code of this step.
    let mut totp_times = Vec::new();
    for n in 0..users {
        let name = format!("otp{n}");
        let address = format!("10.200.{}.{}", n / 256, n % 256);
        let response = http
            .post(format!("{api}/login"))
            .header("X-Forwarded-For", &address)
            .json(&json!({"username": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let csrf = response.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
        let with_session = |method: reqwest::Method| {
            http.request(method, format!("{api}/me/totp"))
                .header("Cookie", &cookie)
                .header("X-CSRF-Token", &csrf)
                .header("X-Forwarded-For", &address)
        };
        let enrolment: Value = with_session(reqwest::Method::POST).send().await.unwrap().json().await.unwrap();
        let secret = smp_panel::domain::totp::TotpSecret::from_base32(enrolment["secret"].as_str().unwrap()).unwrap();
        let now = early_in_a_step().await;
        let confirm = with_session(reqwest::Method::PUT).json(&json!({"code": secret.code_at(now - 30)}));
        assert_eq!(confirm.send().await.unwrap().status(), 204);
        let code = secret.code_at(db::unix_now() as u64);
        let (status, took) = timed(login_from(&http, &api, &name, next_address(), json!({"totp": code}))).await;
        assert_eq!(status, 200);
        totp_times.push(took);
    }

    // The pool stays available: a probe's GET /me (one DB read) while 20
    // logins hash at once, beside the same probe idle.
    let token = {
        let response = http
            .post(format!("{api}/login"))
            .header("X-Forwarded-For", "10.250.0.1")
            .json(&json!({"username": "probe", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let csrf = response.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
        let created = http
            .post(format!("{api}/tokens"))
            .header("Cookie", cookie)
            .header("X-CSRF-Token", csrf)
            .header("X-Forwarded-For", "10.250.0.1")
            .json(&json!({"name": "probe", "password": PASSWORD, "scope": "read"}))
            .send()
            .await
            .unwrap();
        created.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    };
    let probe = || {
        let request = http.get(format!("{api}/me")).bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
        }
    };
    let mut idle = Vec::new();
    for _ in 0..rounds(50) {
        idle.push(timed(probe()).await.1);
    }
    let burst_rounds = rounds(5);
    let mut during = Vec::new();
    let mut burst_times = Vec::new();
    for round in 0..burst_rounds {
        let logins = futures_util::future::join_all((0..20).map(|n| {
            let (http, api) = (http.clone(), api.clone());
            let from = 100_000 + round * 20 + n;
            async move { timed(login_from(&http, &api, &format!("burst{n}"), from, json!({}))).await }
        }));
        let done = std::sync::atomic::AtomicBool::new(false);
        let logins = async {
            let answers = logins.await;
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            answers
        };
        // Probes one after another until every login has answered.
        let probing = async {
            let mut samples = Vec::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                samples.push(timed(probe()).await.1);
            }
            samples
        };
        let (logins, samples) = tokio::join!(logins, probing);
        for (status, took) in logins {
            assert_eq!(status, 200, "each of the 20 logins signs in");
            burst_times.push(took);
        }
        during.extend(samples);
    }
    println!(
        "bare argon2 verify in-process           p50 {:>7.2} ms (n={})",
        ms(percentile(&argon_times, 0.5)),
        argon_times.len()
    );
    println!(
        "sign-in, password (POST /login)         p50 {:>7.2} ms p95 {:>7.2} ms (n={})",
        ms(percentile(&password_times, 0.5)),
        ms(percentile(&password_times, 0.95)),
        password_times.len()
    );
    println!(
        "sign-in, password + TOTP code           p50 {:>7.2} ms p95 {:>7.2} ms (n={})",
        ms(percentile(&totp_times, 0.5)),
        ms(percentile(&totp_times, 0.95)),
        totp_times.len()
    );
    println!(
        "20 concurrent logins, each              p50 {:>7.2} ms max {:>7.2} ms (n={})",
        ms(percentile(&burst_times, 0.5)),
        ms(percentile(&burst_times, 1.0)),
        burst_times.len()
    );
    println!(
        "GET /me (one DB read) idle              p50 {:>7.2} ms p95 {:>7.2} ms (n={})",
        ms(percentile(&idle, 0.5)),
        ms(percentile(&idle, 0.95)),
        idle.len()
    );
    println!(
        "GET /me during the 20 logins            p50 {:>7.2} ms p95 {:>7.2} ms max {:>7.2} ms (pool of 8; \
         goal: far below one login's time, argon2 holds no connection, n={})",
        ms(percentile(&during, 0.5)),
        ms(percentile(&during, 0.95)),
        ms(percentile(&during, 1.0)),
        during.len()
    );
}
