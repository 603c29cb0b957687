//! `TestAgent`: a real agent built in-process on port 0 (plain HTTP on
//! loopback), with helpers to mint tokens and call its routes.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use smp_agent::{Agent, Config};
use smp_proto::Action;
use smp_proto::token::{Claims, SharedKey, body_hash, mint_operation_token};

use crate::lxd_fixture::TestProject;

pub const MACHINE: &str = "alita";
pub const KEY_ID: &str = "k1";
/// The config line of [`TestAgent::spawn`]: members may create from the
/// test images (an agent offers members none by default).
pub const MEMBER_IMAGES: &str = "member_images = [\"smp-busybox\", \"smp-debian\"]";

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub use smp_agent::random::{new_jti as fresh_jti, new_secret as random_secret};

/// A fresh LXD project `<prefix>-…` with the busybox `c1` running, and an
/// agent serving it.
pub async fn running_c1(prefix: &str) -> (TestProject, TestAgent) {
    let project = TestProject::new(prefix);
    project.launch("c1", "smp-busybox");
    let agent = TestAgent::spawn(project.name()).await;
    (project, agent)
}

/// A fresh LXD project `<prefix>-…` with the busybox `c1` made but not
/// started, c1's config as LXD holds it then (to show that nothing changed
/// it), and an agent serving the project.
pub async fn stopped_c1(prefix: &str) -> (TestProject, Value, TestAgent) {
    let project = TestProject::new(prefix);
    project.lxc(&["init", "smp-busybox", "c1"]);
    let config = project.query("/1.0/instances/c1")["config"].clone();
    let agent = TestAgent::spawn(project.name()).await;
    (project, config, agent)
}

pub struct TestAgent {
    pub url: String,
    pub secret: String,
    pub http: reqwest::Client,
    server: actix_web::dev::ServerHandle,
    _state_dir: tempfile::TempDir,
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        // Sends the stop command now; the server's workers wind down on their own.
        drop(self.server.stop(false));
    }
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The stable error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("<no error code>")
    }
}

impl TestAgent {
    /// An agent on the real LXD, serving `project`, offering members the
    /// test images ([`MEMBER_IMAGES`]).
    pub async fn spawn(project: &str) -> TestAgent {
        Self::spawn_with_secret(project, &random_secret()).await
    }

    pub async fn spawn_with_secret(project: &str, secret: &str) -> TestAgent {
        Self::build(&format!("project = \"{project}\"\n{MEMBER_IMAGES}"), secret.to_owned()).await
    }

    pub async fn spawn_with(extra_toml: &str) -> TestAgent {
        Self::build(extra_toml, random_secret()).await
    }

    async fn build(extra_toml: &str, secret: String) -> TestAgent {
        let state_dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "machine = \"{MACHINE}\"\nlisten = \"127.0.0.1:0\"\nstate_dir = \"{}\"\n{extra_toml}\n\
             [[keys]]\nid = \"{KEY_ID}\"\nsecret = \"{secret}\"\n",
            state_dir.path().display()
        );
        let config = Config::from_toml(&toml).unwrap();
        let agent = Agent::build(config).await.unwrap();
        let url = format!("http://127.0.0.1:{}", agent.port());
        let server = agent.handle();
        tokio::spawn(agent.run_until_stopped());
        TestAgent { url, secret, http: reqwest::Client::new(), server, _state_dir: state_dir }
    }

    pub fn key(&self) -> SharedKey {
        SharedKey::new(KEY_ID, &self.secret)
    }

    /// Valid claims for `action` on `container`, as the panel would mint them.
    pub fn claims(&self, action: Action, container: Option<&str>) -> Claims {
        valid_claims(action, container)
    }

    pub fn mint(&self, claims: &Claims) -> String {
        mint_operation_token(&self.key(), claims).unwrap()
    }

    /// A fresh valid token for `action` on `container` bound to `body`.
    pub fn token(&self, action: Action, container: Option<&str>, body: &[u8]) -> String {
        let mut claims = self.claims(action, container);
        if !body.is_empty() {
            claims.bh = Some(body_hash(body));
        }
        self.mint(&claims)
    }

    pub async fn send(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.url)).body(body.to_vec());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        Answer { status, body }
    }

    /// A fresh valid token with `adm` = `admin`.
    pub fn token_as(&self, admin: bool, action: Action, container: Option<&str>, body: &[u8]) -> String {
        let mut claims = self.claims(action, container);
        claims.adm = admin;
        if !body.is_empty() {
            claims.bh = Some(body_hash(body));
        }
        self.mint(&claims)
    }

    /// Calls a guarded route with a fresh valid token with `adm` = `admin`
    /// (for `create`, `container` is the body's name).
    pub async fn act_as(&self, admin: bool, action: Action, container: &str, body: &[u8]) -> Answer {
        let ctr = action.needs_container().then_some(container);
        let token = self.token_as(admin, action, ctr, body);
        let (method, path) = route_of(action, container);
        self.send(method, &path, Some(&token), body).await
    }

    /// Calls a guarded container route with a fresh valid token.
    pub async fn act(&self, action: Action, container: &str, body: &[u8]) -> Answer {
        let token = self.token(action, Some(container), body);
        let (method, path) = route_of(action, container);
        self.send(method, &path, Some(&token), body).await
    }
}

/// Valid claims for `action` on `container`, as the panel would mint them now.
pub fn valid_claims(action: Action, container: Option<&str>) -> Claims {
    let now = now();
    Claims {
        iss: "smp-panel:test".into(),
        sub: "tester".into(),
        aud: MACHINE.into(),
        iat: now,
        exp: now + 30,
        jti: fresh_jti(),
        act: action,
        adm: false,
        host: false,
        ctr: container.map(str::to_owned),
        uid: None,
        svc: None,
        snap: None,
        bh: None,
    }
}

/// Method and path of a container action's route.
pub fn route_of(action: Action, container: &str) -> (&'static str, String) {
    match action {
        Action::List => ("GET", "/containers".into()),
        Action::Create => ("POST", "/containers".into()),
        Action::Images => ("GET", "/images".into()),
        Action::Update => ("PATCH", format!("/container/{container}")),
        Action::Delete => ("DELETE", format!("/container/{container}")),
        Action::State | Action::Logs => ("GET", format!("/container/{container}/{action}")),
        _ => ("POST", format!("/container/{container}/{action}")),
    }
}
