//! Signing in with an LDAP directory (issue 18) against a real OpenLDAP
//! `slapd` that each test starts in its own directory on a loopback port and
//! seeds with `ldapadd` (people, a service account, two groups): accounts
//! made at the first sign-in with their group's role, wrong passwords and
//! filter injection refused, a member taken out of her group losing her
//! session, the head admin signing in while the directory is down, LDAPS
//! with a CA made by the test. `scripts/setup-ldap.sh` installs slapd.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use smp_panel::Role;
use smp_panel::app::ldap::{Directory, Verdict};
use smp_panel::domain::ldap::LdapConfig;

use crate::helpers::{TestApp, error_code, spawn_app_with};

pub const SUFFIX: &str = "dc=smp,dc=test";
const ROOT_DN: &str = "cn=admin,dc=smp,dc=test";
const ROOT_PASSWORD: &str = "root-secret-for-tests";
pub const SERVICE_DN: &str = "cn=smp,ou=services,dc=smp,dc=test";
pub const SERVICE_PASSWORD: &str = "service-secret-for-tests";
pub const ADMINS: &str = "cn=smp-admins,ou=groups,dc=smp,dc=test";
pub const MEMBERS: &str = "cn=smp-members,ou=groups,dc=smp,dc=test";
pub const PASSWORD: &str = "a directory passphrase";

/// A private `slapd` on loopback, stopped (killed) when dropped.
pub struct Slapd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The LDAPS port and the test CA's PEM file, when started with TLS.
    pub tls: Option<(u16, PathBuf)>,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|error| panic!("{command:?}: {error} (run scripts/setup-ldap.sh)"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A CA and a certificate for 127.0.0.1 signed by it (openssl CLI): (ca, cert, key).
fn make_test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let [ca_key, ca, key, csr, cert, ext] =
        ["ca.key", "ca.pem", "server.key", "server.csr", "server.pem", "san.ext"].map(|name| dir.join(name));
    run(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj"]).args([
        "/CN=SMP test CA",
        "-keyout",
        ca_key.to_str().unwrap(),
        "-out",
        ca.to_str().unwrap(),
    ]));
    run(Command::new("openssl").args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"]).args([
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
    ]));
    std::fs::write(&ext, "subjectAltName = IP:127.0.0.1\n").unwrap();
    run(Command::new("openssl").args(["x509", "-req", "-days", "2", "-CAcreateserial"]).args([
        "-in",
        csr.to_str().unwrap(),
        "-CA",
        ca.to_str().unwrap(),
        "-CAkey",
        ca_key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-extfile",
        ext.to_str().unwrap(),
    ]));
    (ca, cert, key)
}

impl Slapd {
    /// Starts slapd (and waits, bounded, until it answers) and seeds it.
    pub fn start(with_tls: bool) -> Slapd {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let port = free_port();
        let tls = with_tls.then(|| {
            let (ca, cert, key) = make_test_ca(dir.path());
            (free_port(), ca, cert, key)
        });
        let mut config = String::new();
        for schema in ["core", "cosine", "inetorgperson", "nis"] {
            config.push_str(&format!("include /etc/ldap/schema/{schema}.schema\n"));
        }
        config.push_str(&format!(
            "modulepath /usr/lib/ldap\nmoduleload back_mdb\npidfile {}/slapd.pid\n",
            dir.path().display()
        ));
        if let Some((_, _, cert, key)) = &tls {
            config.push_str(&format!(
                "TLSCertificateFile {}\nTLSCertificateKeyFile {}\n",
                cert.display(),
                key.display()
            ));
        }
        config.push_str(&format!(
            "database mdb\nmaxsize 10485760\nsuffix \"{SUFFIX}\"\nrootdn \"{ROOT_DN}\"\nrootpw {ROOT_PASSWORD}\n\
             directory {}/data\n",
            dir.path().display()
        ));
        let config_file = dir.path().join("slapd.conf");
        std::fs::write(&config_file, config).unwrap();
        let mut urls = format!("ldap://127.0.0.1:{port}/");
        if let Some((tls_port, ..)) = &tls {
            urls.push_str(&format!(" ldaps://127.0.0.1:{tls_port}/"));
        }
        let mut slapd = Slapd { dir, port, tls: tls.map(|(tls_port, ca, ..)| (tls_port, ca)), child: None };
        slapd.launch(&config_file, &urls);
        slapd.ldif(
            "ldapadd",
            &format!(
                "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: smp\no: SMP test\n\n\
                 dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
                 dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n\n\
                 dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n\
                 dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: smp\n\
                 userPassword: {SERVICE_PASSWORD}\n\n{}{}{}\
                 dn: {ADMINS}\nobjectClass: groupOfNames\ncn: smp-admins\nmember: uid=ada,ou=people,{SUFFIX}\n\n\
                 dn: {MEMBERS}\nobjectClass: groupOfNames\ncn: smp-members\nmember: uid=mia,ou=people,{SUFFIX}\n\
                 member: uid=bob,ou=people,{SUFFIX}\n",
                person("ada"),
                person("mia"),
                person("bob"),
            ),
        );
        slapd
    }

    fn launch(&mut self, config_file: &Path, urls: &str) {
        let child = Command::new("/usr/sbin/slapd")
            .args(["-d", "0", "-h", urls, "-f", config_file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd (run scripts/setup-ldap.sh)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not listen on 127.0.0.1:{} within 15 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// Runs `ldapadd`/`ldapmodify` as the directory's root with `ldif`.
    pub fn ldif(&self, tool: &str, ldif: &str) {
        let file = self.dir.path().join("change.ldif");
        std::fs::write(&file, ldif).unwrap();
        run(Command::new(tool).args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f"]).arg(&file));
    }

    /// Stops slapd and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// `[ldap]` for this directory, its service password in a file of its directory.
    pub fn panel_settings(&self, extra: &str) -> String {
        let password_file = self.dir.path().join("bind.secret");
        std::fs::write(&password_file, format!("{SERVICE_PASSWORD}\n")).unwrap();
        format!(
            "[ldap]\nurl = {:?}\nbind_dn = {SERVICE_DN:?}\nbind_password_file = {password_file:?}\n\
             user_base = \"ou=people,{SUFFIX}\"\nuser_filter = \"(uid={{username}})\"\n{extra}\n\
             [ldap.group_roles]\n{ADMINS:?} = \"admin\"\n{MEMBERS:?} = \"member\"\n",
            self.url()
        )
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn person(uid: &str) -> String {
    format!(
        "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
         userPassword: {PASSWORD}\n\n"
    )
}

async fn panel_with(slapd: &Slapd, extra: &str) -> TestApp {
    spawn_app_with(&slapd.panel_settings(extra)).await
}

/// The users as the head admin's `GET /users` lists them: name → (role, auth_method).
async fn users_seen_by_admin(app: &TestApp) -> serde_json::Value {
    let session = app.login("root", "the head admin passphrase").await;
    let response = app.with_session(reqwest::Method::GET, "/users", &session).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn find<'a>(users: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == name)
        .unwrap_or_else(|| panic!("{name}: {users}"))
}

#[tokio::test]
async fn a_directory_user_signs_in_and_gets_an_approved_account_with_her_groups_role() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    app.user("root", Role::HeadAdmin, "the head admin passphrase", true);
    let started = Instant::now();
    app.login("ada", PASSWORD).await;
    app.login("mia", PASSWORD).await;
    eprintln!("two first LDAP sign-ins took {:?}", started.elapsed());
    let users = users_seen_by_admin(&app).await;
    let (ada, mia, root) = (find(&users, "ada"), find(&users, "mia"), find(&users, "root"));
    assert_eq!(
        (ada["role"].as_str(), ada["auth_method"].as_str(), ada["approved"].as_bool()),
        (Some("admin"), Some("ldap"), Some(true))
    );
    assert_eq!((mia["role"].as_str(), mia["auth_method"].as_str()), (Some("member"), Some("ldap")));
    assert_eq!(root["auth_method"], "local");
    // Moved to the admins' group, she is an admin at her next sign-in.
    slapd.ldif(
        "ldapmodify",
        &format!("dn: {ADMINS}\nchangetype: modify\nadd: member\nmember: uid=mia,ou=people,{SUFFIX}\n"),
    );
    app.login("mia", PASSWORD).await;
    assert_eq!(find(&users_seen_by_admin(&app).await, "mia")["role"], "admin");
    let logins = app.audit_rows_of("session.login");
    let ok_ldap = logins.iter().filter(|row| row.detail.as_deref() == Some("method=ldap")).count();
    assert!(ok_ldap >= 3, "each directory sign-in is audited with its method: {logins:?}");
    assert!(logins.iter().any(|row| row.actor == "root" && row.detail.as_deref() == Some("method=local")));
}

#[tokio::test]
async fn a_wrong_password_an_empty_one_and_a_filter_injection_in_the_username_are_refused() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    for (username, password) in [("mia", "not her passphrase"), ("mia", ""), ("*)(uid=*", PASSWORD), ("*", PASSWORD)] {
        let (status, code) = error_code(app.login_response(username, password).await).await;
        assert_eq!((status, code.as_str()), (401, "invalid_credentials"), "{username:?} / {password:?}");
    }
    // The directory client itself escapes: the injection matches nobody in the real directory.
    let config: LdapConfig = smp_panel::Config::from_toml(&slapd.panel_settings("")).unwrap().ldap.unwrap();
    let directory = Directory::new(config).unwrap();
    for username in ["*)(uid=*", "*", "mia)(|(uid=*"] {
        assert_eq!(directory.authenticate(username, PASSWORD).await.unwrap(), Verdict::NoAccount, "{username}");
    }
    let Verdict::Found { role, password_ok, .. } = directory.authenticate("mia", PASSWORD).await.unwrap() else {
        panic!("mia is in the directory")
    };
    assert_eq!((role, password_ok), (Some(Role::Member), true));
    assert_eq!(app.audit_rows_of("session.login").iter().filter(|row| row.outcome.as_str() == "refused").count(), 4);
}

#[tokio::test]
async fn a_member_taken_out_of_her_group_loses_her_session_and_cannot_sign_in_again() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "recheck_interval_s = 1").await;
    let session = app.login("bob", PASSWORD).await;
    let me = || app.with_session(reqwest::Method::GET, "/me", &session).send();
    assert_eq!(me().await.unwrap().status(), 200);
    slapd.ldif(
        "ldapmodify",
        &format!("dn: {MEMBERS}\nchangetype: modify\ndelete: member\nmember: uid=bob,ou=people,{SUFFIX}\n"),
    );
    // The periodic check (every second here) ends her session.
    let deadline = Instant::now() + Duration::from_secs(15);
    while me().await.unwrap().status() == 200 {
        assert!(Instant::now() < deadline, "her session still works 15 s after she left every mapped group");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(me().await.unwrap().status(), 401);
    let (status, code) = error_code(app.login_response("bob", PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"), "right password, no mapped group");
    let revokes = app.audit_rows_of("session.revoke");
    assert!(
        revokes.iter().any(|row| row.detail.as_deref() == Some("method=ldap reason=in no mapped group")),
        "{revokes:?}"
    );
}

#[tokio::test]
async fn a_user_deleted_from_the_directory_loses_her_sessions_at_the_next_sign_in_attempt() {
    let slapd = Slapd::start(false);
    let app = panel_with(&slapd, "").await;
    let session = app.login("mia", PASSWORD).await;
    slapd.ldif("ldapmodify", &format!("dn: uid=mia,ou=people,{SUFFIX}\nchangetype: delete\n"));
    let (status, code) = error_code(app.login_response("mia", PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (401, "invalid_credentials"));
    let response = app.with_session(reqwest::Method::GET, "/me", &session).send().await.unwrap();
    assert_eq!(response.status(), 401, "her session ended with her directory entry");
}

#[tokio::test]
async fn the_head_admin_signs_in_while_the_directory_is_down_and_directory_users_get_a_readable_error() {
    let mut slapd = Slapd::start(false);
    let app = panel_with(&slapd, "connect_timeout_s = 2\noperation_timeout_s = 2").await;
    app.user("root", Role::HeadAdmin, "the head admin passphrase", true);
    app.login("mia", PASSWORD).await;
    slapd.stop();
    app.login("root", "the head admin passphrase").await;
    for username in ["mia", "newcomer"] {
        let started = Instant::now();
        let response = app.login_response(username, PASSWORD).await;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("directory_unavailable")), "{username}");
        assert!(body["error"]["message"].as_str().unwrap().contains("directory"), "{body}");
        assert!(started.elapsed() < Duration::from_secs(10), "bounded by the timeouts: {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn ldaps_with_the_configured_test_ca_signs_in_and_without_it_the_directory_is_unavailable() {
    let slapd = Slapd::start(true);
    let (tls_port, ca) = slapd.tls.clone().unwrap();
    let settings = slapd
        .panel_settings(&format!("ca_file = {ca:?}"))
        .replace(&slapd.url(), &format!("ldaps://127.0.0.1:{tls_port}"));
    let app = spawn_app_with(&settings).await;
    app.login("ada", PASSWORD).await;
    // Without the CA the certificate is not trusted: no sign-in over an unverified channel.
    let untrusted = slapd.panel_settings("").replace(&slapd.url(), &format!("ldaps://127.0.0.1:{tls_port}"));
    let app = spawn_app_with(&untrusted).await;
    let (status, code) = error_code(app.login_response("ada", PASSWORD).await).await;
    assert_eq!((status, code.as_str()), (503, "directory_unavailable"));
}
