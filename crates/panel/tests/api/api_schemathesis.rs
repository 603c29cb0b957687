//! The panel's JSON API against schemathesis, a tool this project did not
//! write (from PyPI, pinned by `scripts/schemathesis-requirements.txt`,
//! installed by `scripts/setup-schemathesis.sh`): it reads the panel's own
//! OpenAPI document and sends every operation generated requests, as the
//! signed-in head admin of a panel with a real agent on the real LXD behind
//! it, and fails on any answer that is a 5xx or that the document does not
//! describe (status, content type, body schema). Traffic goes only to the
//! panel on loopback (and from it to the agent on loopback).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};
use crate::panel_agent::{PASSWORD, World};
use crate::real_agent::{LxdProject, TEST_UNIT};

/// The checks of issue 19, exactly.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
/// Generated requests per operation and phase (`SMP_SCHEMATHESIS_EXAMPLES` overrides it).
const MAX_EXAMPLES: u32 = 10;
/// The seed of the generated requests: each run sends the same ones
/// (`SMP_SCHEMATHESIS_SEED` picks others).
const SEED: u64 = 19;
/// The most one run of schemathesis may take before the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(15 * 60);

/// `$SMP_SCHEMATHESIS`, else the venv `scripts/setup-schemathesis.sh` makes.
fn schemathesis_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("SMP_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let venv = std::env::var_os("SMP_SCHEMATHESIS_VENV").unwrap_or_else(|| "/var/cache/smp/schemathesis-venv".into());
    PathBuf::from(venv).join("bin/schemathesis")
}

/// `--report har,junit` into `$SMP_SCHEMATHESIS_REPORTS` when it is set:
/// every request and answer of the run, to see what a failure came from.
fn reports() -> Vec<String> {
    match std::env::var("SMP_SCHEMATHESIS_REPORTS") {
        Ok(dir) if !dir.is_empty() => vec!["--report".into(), "har,junit".into(), "--report-dir".into(), dir],
        _ => Vec::new(),
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// What one run of `schemathesis run` printed, and whether it passed.
struct Run {
    passed: bool,
    output: String,
    took: Duration,
}

/// What exists before the run, made through the API: the ids the generated
/// requests are pointed at half of the time (schemathesis' dictionaries), so
/// that the operations on one thing reach a real one and not only 404.
struct Known {
    containers: Vec<i64>,
    machine: i64,
    users: Vec<i64>,
    service: i64,
    token: i64,
    ssh_key: i64,
    terminal_session: String,
}

/// How long schemathesis waits for one answer (a restart of a container,
/// an exec of a generated program).
const REQUEST_TIMEOUT_S: &str = "60";

/// Which dictionary each operation's `{id}` takes half of the time.
const PATH_IDS: [(&str, &str); 7] = [
    (r"^/api/v1/containers/\{id\}", "containers"),
    (r"^/api/v1/machines/\{id\}", "machines"),
    (r"^/api/v1/users/\{id\}", "users"),
    (r"^/api/v1/services/\{id\}", "services"),
    (r"^/api/v1/tokens/\{id\}", "tokens"),
    (r"^/api/v1/me/ssh-keys/\{id\}", "ssh_keys"),
    (r"^/api/v1/terminal-sessions/\{id\}", "terminal_sessions"),
];

/// The debian container's init gets LXD's halt as SIGKILL: systemd does not
/// act on LXD's shutdown signal while it is still starting (`lxc restart
/// --timeout 10` right after `lxc launch` waits the whole 10 s and fails;
/// later ones take 1.2 s), so a clean stop or restart sent right after a
/// generated restart waits its whole `timeout_s` (up to 600 s), then LXD
/// gives up and the panel answers 504 `agent_timeout` as docs/api.md says,
/// which `not_a_server_error` counts as a failure. Busybox' init (`c1`)
/// takes the halt at once anyway.
const DEBIAN_HALTS_AT_ONCE: &str = "raw.lxc=lxc.signal.halt = SIGKILL";

/// A public key only (its private half was never kept), for `POST /me/ssh-keys`.
const PUBLIC_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYx+DoRCdQ3kIDFNz5yfVR5w8bWVixHW1NQwlYua4Vp root@laptop";

async fn created(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

impl Known {
    /// Makes, as the head admin: a member `mia`, a service on `debian`'s
    /// test unit, a token, an SSH key, a shared terminal session on
    /// `busybox`.
    async fn make(world: &World, machine: i64, busybox: i64, debian: i64) -> Known {
        let admin = &world.admin;
        let mia = world.app.user("mia", smp_panel::Role::Member, PASSWORD, true);
        let root = created(world.get("/me", admin).await, "who am I").await["id"].as_i64().unwrap();
        let body = json!({"container_id": debian, "unit": TEST_UNIT});
        let service = created(world.post("/services", admin, body).await, "a service").await;
        let body = json!({"name": "schemathesis", "password": PASSWORD});
        let token = created(world.post("/tokens", admin, body).await, "a token").await;
        let body = json!({"name": "laptop", "public_key": PUBLIC_KEY});
        let ssh_key = created(world.post("/me/ssh-keys", admin, body).await, "an SSH key").await;
        let body = json!({"container_id": busybox});
        let session = created(world.post("/terminal-sessions", admin, body).await, "a terminal session").await;
        Known {
            containers: vec![busybox, debian],
            machine,
            users: vec![root, mia],
            service: service["id"].as_i64().unwrap(),
            token: token["id"].as_i64().unwrap(),
            ssh_key: ssh_key["id"].as_i64().unwrap(),
            terminal_session: session["id"].as_str().unwrap().to_owned(),
        }
    }

    /// The dictionaries and their bindings, in `schemathesis.toml`.
    fn toml(&self) -> String {
        let ids = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let mut toml = String::new();
        let dictionaries: [(&str, String); 8] = [
            ("containers", ids(&self.containers)),
            ("machines", ids(&[self.machine])),
            ("users", ids(&self.users)),
            ("usernames", "\"root\", \"mia\"".to_owned()),
            ("services", ids(&[self.service])),
            ("tokens", ids(&[self.token])),
            ("ssh_keys", ids(&[self.ssh_key])),
            ("terminal_sessions", format!("{:?}", self.terminal_session)),
        ];
        for (name, values) in dictionaries {
            writeln!(toml, "[dictionaries.{name}]\nvalues = [{values}]\n").unwrap();
        }
        let bind = |dictionary: &str| format!("{{ dictionary = \"{dictionary}\", probability = 0.5 }}");
        writeln!(toml, "[parameters]").unwrap();
        for (parameter, dictionary) in [
            ("path.machine_id", "machines"),
            ("path.username", "usernames"),
            ("body.container_id", "containers"),
            ("body.machine_id", "machines"),
            ("body.parent", "containers"),
            ("body.owner", "usernames"),
        ] {
            writeln!(toml, "{:?} = {}", parameter, bind(dictionary)).unwrap();
        }
        for (regex, dictionary) in PATH_IDS {
            writeln!(toml, "\n[[operations]]\ninclude-path-regex = {regex:?}").unwrap();
            writeln!(toml, "parameters = {{ \"path.id\" = {} }}", bind(dictionary)).unwrap();
        }
        toml
    }
}

/// The `schemathesis.toml` of a run: `session`'s cookie and CSRF token as
/// the document's `session_cookie` and `csrf_token` schemes; when told, a
/// warning that fails the run: every operation answering only 401/403
/// (`missing_auth`) would mean the session never reached the panel's logic;
/// then `known`'s dictionaries.
fn config(session: &Session, fail_on_missing_auth: bool, known: &Known) -> String {
    let cookie = session.cookie.strip_prefix("smp_session=").expect("the cookie is smp_session=VALUE");
    let mut toml = format!(
        "[auth.openapi.session_cookie]\napi_key = {cookie:?}\n\n[auth.openapi.csrf_token]\napi_key = {:?}\n\n",
        session.csrf
    );
    if fail_on_missing_auth {
        toml.push_str("[warnings]\nfail-on = [\"missing_auth\"]\n\n");
    }
    toml.push_str(&known.toml());
    toml
}

/// `schemathesis run` of the panel's document, as `session`, over the
/// operations `filters` (CLI options) keep.
async fn schemathesis(
    app: &TestApp,
    session: &Session,
    known: &Known,
    filters: &[&str],
    fail_on_missing_auth: bool,
) -> Run {
    let bin = schemathesis_bin();
    assert!(bin.exists(), "{} is missing: run make setup-schemathesis", bin.display());
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("schemathesis.toml");
    std::fs::write(&config_file, config(session, fail_on_missing_auth, known)).unwrap();
    let examples = env_or("SMP_SCHEMATHESIS_EXAMPLES", MAX_EXAMPLES).to_string();
    let seed = env_or("SMP_SCHEMATHESIS_SEED", SEED).to_string();
    let document = format!("{}/api/v1/openapi.json", app.address);
    let mut command = tokio::process::Command::new(&bin);
    command
        .current_dir(dir.path())
        .arg("--config-file")
        .arg(&config_file)
        .args(["--no-color", "run", &document, "--checks", CHECKS, "--max-examples", &examples, "--seed", &seed])
        .args(["--workers", "1", "--request-timeout", REQUEST_TIMEOUT_S])
        .args(filters)
        .args(reports())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let child =
        command.spawn().unwrap_or_else(|error| panic!("{}: {error} (run make setup-schemathesis)", bin.display()));
    let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis ran longer than {RUN_LIMIT:?}"))
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Run { passed: output.status.success(), output: text, took: started.elapsed() }
}

/// The operations that end what the rest need, by operation id, each run
/// after all the others and in this order: stopping a container (a stopped
/// `d1` answers every service and exec request 409), deleting the service
/// (the one `Known` made), deleting a container (`c1`, `d1`), deleting the
/// machine (refused while it has containers), signing out (the session every
/// run uses).
const LAST: [&str; 5] = ["stop_container", "delete_service", "delete_container", "delete_machine", "logout"];

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_answer_the_openapi_document_does_not_describe() {
    let project = LxdProject::with_test_unit_on_debian_configured("d1", &[DEBIAN_HALTS_AT_ONCE]);
    project.launch_busybox("c1");
    let (_agent, world, machine) = World::with_m1(&project).await;
    let (c1, d1) = (world.synced("m1", "c1").await, world.synced("m1", "d1").await);
    let known = Known::make(&world, machine, c1, d1).await;
    let (app, admin) = (&world.app, &world.admin);

    let mut runs = Vec::new();
    let others: Vec<&str> = LAST.iter().flat_map(|id| ["--exclude-operation-id", id]).collect();
    runs.push(("every other operation", schemathesis(app, admin, &known, &others, true).await));
    for id in LAST {
        // Signing out ends the session: every later request of that run answers 401.
        let fail_on_missing_auth = id != "logout";
        let only = ["--include-operation-id", id];
        runs.push((id, schemathesis(app, admin, &known, &only, fail_on_missing_auth).await));
    }
    for (what, run) in &runs {
        eprintln!("--- schemathesis: {what} ({:?}) ---\n{}", run.took, run.output);
    }
    for (what, run) in &runs {
        assert!(run.passed, "schemathesis failed on {what}:\n{}", run.output);
    }
    let me = app.with_session(reqwest::Method::GET, "/me", admin).send().await.unwrap();
    assert_eq!(me.status(), 401, "the last run signed the session out");
}
