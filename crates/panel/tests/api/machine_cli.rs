//! The real `smp-panel` binary: `machine add` and `machine list`.

use smp_panel::db::machines;

use crate::helpers::{Backend, TestDb, panel, secret_file, spawn_db, stderr, stdout};

const SECRET: &str = "s3cret-agent-key-0123456789abcdefghijklmnop";
const FINGERPRINT: &str =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

fn machine_count(db: &TestDb) -> usize {
    machines::list(&mut db.migrated()).unwrap().len()
}

/// Every byte the database holds for its machines: the SQLite file (with its
/// WAL), or the PostgreSQL rows as text.
pub fn raw_database(db: &TestDb) -> Vec<u8> {
    match db.backend {
        Backend::Sqlite => {
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(db.dir.path()).unwrap() {
                let path = entry.unwrap().path();
                if path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("panel.db")) {
                    bytes.extend(std::fs::read(&path).unwrap());
                }
            }
            bytes
        }
        Backend::Postgresql => {
            use diesel::RunQueryDsl as _;
            #[derive(diesel::QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                row: String,
            }
            let rows: Vec<Row> = diesel::sql_query(
                "SELECT (machines.*)::text || encode(secret_ciphertext, 'escape') AS row FROM machines",
            )
            .load(&mut db.connect())
            .unwrap();
            rows.into_iter().flat_map(|row| row.row.into_bytes()).collect()
        }
    }
}

#[test]
fn machine_add_seals_the_secret_and_list_never_prints_it() {
    let db = spawn_db();
    let file = secret_file(&db, "agent.secret", SECRET);
    let pin = FINGERPRINT.replace(':', "").to_lowercase();
    let output = panel(
        &db,
        &[
            "machine",
            "add",
            "--name",
            "m1",
            "--url",
            "https://127.0.0.1:1",
            "--key-id",
            "panel",
            "--secret-file",
            &file,
            "--fingerprint",
            &pin,
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("added machine m1") && out.contains(FINGERPRINT), "{out}");
    assert!(!out.contains(SECRET) && !stderr(&output).contains(SECRET));

    let key_file = db.dir.path().join("smp-panel.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the key file is created next to the database, mode 600");

    let raw = raw_database(&db);
    assert!(raw.windows(b"127.0.0.1:1".len()).any(|w| w == b"127.0.0.1:1"), "the dump is readable at all");
    assert!(!raw.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "the secret is not in the database");

    let machine = machines::list(&mut db.migrated()).unwrap().remove(0);
    let key = smp_panel::domain::secrets::PanelKey::load(&key_file).unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&machine.decrypt_secret(&key).unwrap()), SECRET);
    assert_eq!(machine.fingerprint.as_deref(), Some(FINGERPRINT));

    let output = panel(&db, &["machine", "list"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("m1") && out.contains("https://127.0.0.1:1") && out.contains("panel"), "{out}");
    assert!(!out.contains(SECRET), "{out}");

    let output = panel(
        &db,
        &["machine", "add", "--name", "m1", "--url", "http://127.0.0.1:1", "--key-id", "panel", "--secret-file", &file],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("a machine named \"m1\" already exists"), "{}", stderr(&output));
    assert_eq!(machine_count(&db), 1);
}

#[test]
fn http_on_loopback_needs_no_fingerprint() {
    let db = spawn_db();
    let file = secret_file(&db, "agent.secret", SECRET);
    let output = panel(
        &db,
        &[
            "machine",
            "add",
            "--name",
            "local",
            "--url",
            "http://127.0.0.1:8443",
            "--key-id",
            "k",
            "--secret-file",
            &file,
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(machine_count(&db), 1);
}

#[test]
fn bad_input_is_refused_readably_and_nothing_is_stored() {
    let db = spawn_db();
    let good = secret_file(&db, "agent.secret", SECRET);
    let short = db.dir.path().join("short.secret");
    std::fs::write(&short, "too-short\n").unwrap();
    let short = short.display().to_string();
    let cases: [(&[&str], &str); 6] = [
        (&["--name", "m1", "--url", "http://10.0.0.5:8443", "--secret-file", &good], "use https://"),
        (
            &["--name", "m1", "--url", "https://10.0.0.5:8443", "--secret-file", &short, "--fingerprint", FINGERPRINT],
            "at least 32",
        ),
        (
            &[
                "--name",
                "1bad_name",
                "--url",
                "https://10.0.0.5:8443",
                "--secret-file",
                &good,
                "--fingerprint",
                FINGERPRINT,
            ],
            "--name \"1bad_name\"",
        ),
        (&["--name", "m1", "--url", "https://10.0.0.5:8443", "--secret-file", &good], "needs --fingerprint"),
        (
            &["--name", "m1", "--url", "https://10.0.0.5:8443", "--secret-file", &good, "--fingerprint", "AB:CD"],
            "invalid SHA-256 fingerprint",
        ),
        (&["--name", "m1", "--url", "ftp://10.0.0.5", "--secret-file", &good], "not supported"),
    ];
    for (args, expected) in cases {
        let mut full = vec!["machine", "add", "--key-id", "k"];
        full.extend_from_slice(args);
        let output = panel(&db, &full, None);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let error = stderr(&output);
        assert!(error.contains(expected), "{args:?}: {error}");
        assert!(!error.contains("panicked"), "{error}");
    }
    assert_eq!(machine_count(&db), 0);
}

#[test]
fn container_list_prints_every_container_across_pages_and_filters_by_machine_owner_and_status() {
    use smp_panel::db::containers;
    use smp_panel::db::machines::{MachineId, NewMachine};
    use smp_proto::api::{ContainerStatus, ContainerSummary};
    let db = spawn_db();
    let mut connection = db.migrated();
    let name = smp_proto::names::InstanceName::parse("m1").unwrap();
    let key = smp_panel::domain::secrets::PanelKey::load_or_create(&db.dir.path().join("cli.key")).unwrap();
    let sealed = key.seal("m1", &secrecy::SecretString::from(SECRET)).unwrap();
    let new = NewMachine { name: &name, url: "http://127.0.0.1:1", key_id: "k1", secret: &sealed, fingerprint: None };
    let machine = machines::insert(&mut connection, &new).unwrap().id;
    // More than one page of 1000.
    let list: Vec<ContainerSummary> = (0..1205)
        .map(|index| ContainerSummary {
            name: format!("c{index}"),
            status: if index % 2 == 0 { ContainerStatus::Running } else { ContainerStatus::Stopped },
            addresses: Vec::new(),
            instance_type: "container".into(),
            created_at: "2026-12-06T00:00:00Z".into(),
            uuid: None,
        })
        .collect();
    containers::apply_list(
        &mut connection,
        MachineId(machine.0),
        &list,
        containers::ASKED_AFTER_EVERY_WRITE,
        smp_panel::db::unix_now(),
    )
    .unwrap();
    drop(connection);

    let all = panel(&db, &["container", "list"], None);
    assert!(all.status.success(), "{}", stderr(&all));
    let lines: Vec<String> = stdout(&all).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "ID\tMACHINE\tNAME\tSTATUS\tOWNER\tPARENT\tADDRESSES");
    assert_eq!(lines.len(), 1 + 1205, "every container once, across two pages");
    assert!(lines[1].contains("\tm1\tc0\trunning\t-\t-\t"), "{}", lines[1]);
    let stopped = panel(&db, &["container", "list", "--machine", "m1", "--status", "stopped"], None);
    assert_eq!(stdout(&stopped).lines().count(), 1 + 602);
    let unknown = panel(&db, &["container", "list", "--owner", "nobody"], None);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("--owner \"nobody\": no user of that name"), "{}", stderr(&unknown));
}
