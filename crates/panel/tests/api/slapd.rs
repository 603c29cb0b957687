//! A private OpenLDAP `slapd` for the LDAP sign-in tests and the panel
//! bench: started on a free loopback port in a temporary directory (its own
//! `slapd.conf`, an mdb database, optionally LDAPS with a CA made here with
//! the openssl CLI), seeded with `ldapadd` (people ada, mia, bob; a service
//! account; the groups smp-admins and smp-members), killed when dropped.
//! `scripts/setup-ldap.sh` installs slapd, ldap-utils and openssl.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

pub fn person(uid: &str) -> String {
    format!(
        "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
         userPassword: {PASSWORD}\n\n"
    )
}
