//! The OpenID Connect test peer: `node tests/oidc-provider/provider.mjs` (the
//! npm `oidc-provider` on a free loopback port, with GitLab's
//! `/api/v4/user/keys` beside it), started per test and killed when dropped,
//! with its test routes (clients, accounts, SSH keys, a tampered next ID
//! token, request counts) and `sign_in`, which drives its login page without
//! a browser. `scripts/setup-oidc.sh` (`make setup-oidc`) installs it. Also
//! included by the panel bench, so it uses only std, tokio, reqwest,
//! serde_json and url.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the peer may take to print its first line.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The most of its stderr kept for a failure message.
const STDERR_KEPT: usize = 16 * 1024;
/// The most redirects and pages `sign_in` goes through.
const SIGN_IN_STEPS: usize = 20;

/// The running provider; killed (and reaped) when dropped.
pub struct OidcPeer {
    child: Child,
    /// Kept open: the peer exits when its stdin closes.
    _stdin: ChildStdin,
    issuer: String,
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

/// What `tamper_next` changes in the next token response's ID token.
#[derive(Debug, Clone)]
pub enum Tamper {
    /// Another `aud`.
    Audience(String),
    /// Another `nonce`.
    Nonce(String),
    /// Signed with a second key, kid "k2", which the JWKS serves from then on.
    NewKey,
}

/// Requests the peer has answered, from `GET /test/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerStats {
    pub jwks_requests: u64,
    pub keys_requests: u64,
    pub token_requests: u64,
}

fn peer_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

impl OidcPeer {
    /// Starts `node provider.mjs` (stdin piped and kept open; killed on drop), waits for its
    /// first line (bounded: 20 s, panics with its stderr and "run make setup-oidc" if it fails).
    pub fn start() -> OidcPeer {
        let dir = peer_dir();
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("node provider.mjs in {}: {error} (run make setup-oidc)", dir.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        // Both pipes are drained for the peer's whole life so that it never blocks writing.
        let stderr = Arc::new(Mutex::new(String::new()));
        let kept = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr_pipe);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                let mut kept = kept.lock().unwrap();
                if kept.len() + line.len() <= STDERR_KEPT {
                    kept.push_str(&line);
                }
                line.clear();
            }
        });
        let (first_line, first_line_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = first_line.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = first_line_rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let Some(issuer) = line.trim_end().strip_prefix("listening ").map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            // All the dead peer wrote: its stderr reader ends at the pipe's end.
            let _ = stderr_reader.join();
            panic!(
                "the OIDC test peer (node provider.mjs in {}) did not print `listening URL` within {START_TIMEOUT:?} \
                 (first line {line:?}); run make setup-oidc. Its stderr:\n{}",
                dir.display(),
                stderr.lock().unwrap()
            );
        };
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        OidcPeer { child, _stdin: stdin, issuer, stderr, http }
    }

    /// "http://127.0.0.1:PORT", no trailing slash.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// What the peer wrote on stderr so far (at most 16 KiB), for failure messages.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    async fn post(&self, path: &str, body: serde_json::Value) {
        let response = self.http.post(format!("{}{path}", self.issuer)).json(&body).send().await.unwrap();
        let status = response.status();
        assert_eq!(
            status,
            reqwest::StatusCode::NO_CONTENT,
            "POST {path}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Adds (or replaces) a confidential client (authorization code, `client_secret_basic`).
    pub async fn add_client(&self, client_id: &str, client_secret: &str, redirect_uri: &str) {
        let body = serde_json::json!({
            "client_id": client_id, "client_secret": client_secret, "redirect_uris": [redirect_uri],
        });
        self.post("/test/client", body).await;
    }

    /// Sets the `preferred_username` of the account `login` (its `sub`).
    pub async fn set_account(&self, login: &str, preferred_username: &str) {
        self.post("/test/account", serde_json::json!({ "login": login, "preferred_username": preferred_username }))
            .await;
    }

    /// Replaces her SSH keys served by `/api/v4/user/keys` (public key lines).
    pub async fn set_keys(&self, login: &str, keys: &[String]) {
        self.post("/test/keys", serde_json::json!({ "login": login, "keys": keys })).await;
    }

    /// Changes the ID token of the next token endpoint response.
    pub async fn tamper_next(&self, tamper: Tamper) {
        let body = match tamper {
            Tamper::Audience(aud) => serde_json::json!({ "aud": aud }),
            Tamper::Nonce(nonce) => serde_json::json!({ "nonce": nonce }),
            Tamper::NewKey => serde_json::json!({ "new_key": true }),
        };
        self.post("/test/tamper", body).await;
    }

    /// How many JWKS, `/api/v4/user/keys` and token requests the peer has had.
    pub async fn stats(&self) -> PeerStats {
        let response = self.http.get(format!("{}/test/stats", self.issuer)).send().await.unwrap();
        assert!(response.status().is_success(), "GET /test/stats: {}", response.status());
        let stats: serde_json::Value = response.json().await.unwrap();
        let count = |name: &str| stats[name].as_u64().unwrap_or_else(|| panic!("{name} in {stats}"));
        PeerStats {
            jwks_requests: count("jwks_requests"),
            keys_requests: count("keys_requests"),
            token_requests: count("token_requests"),
        }
    }

    /// Drives the provider's pages without a browser, as `login`: GETs `authorize_url` (the URL
    /// a relying party redirected to), follows the provider's redirects to its interaction page,
    /// posts the login form, follows redirects until one points OUTSIDE the issuer (the relying
    /// party's callback); returns that callback URL (with code and state, or error).
    /// Keeps the provider's cookies itself. Never follows a redirect to a non-loopback host.
    pub async fn sign_in(&self, authorize_url: &str, login: &str) -> String {
        let issuer = url::Url::parse(&self.issuer).unwrap();
        // A fresh "browser" per sign-in: its own cookie jar, no automatic redirects.
        let browser =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut url = url::Url::parse(authorize_url).unwrap();
        assert_eq!(url.origin(), issuer.origin(), "{authorize_url} is not at the issuer {issuer}");
        let mut response = browser.get(url.clone()).send().await.unwrap();
        let mut posted = false;
        for _ in 0..SIGN_IN_STEPS {
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers().get(reqwest::header::LOCATION).expect("a redirect's Location");
                let next = url.join(location.to_str().unwrap()).unwrap();
                assert!(is_loopback(&next), "the provider redirected to {next}, off loopback: not followed");
                if next.origin() != issuer.origin() {
                    return next.to_string();
                }
                url = next;
                response = browser.get(url.clone()).send().await.unwrap();
            } else if status == reqwest::StatusCode::OK && url.path().starts_with("/interaction/") && !posted {
                let page = response.text().await.unwrap();
                assert!(
                    page.contains("id=\"login\"") && page.contains("id=\"sign-in\"") && !page.contains("<script"),
                    "no plain login form at {url}:\n{page}"
                );
                posted = true;
                response = browser.post(url.clone()).form(&[("login", login)]).send().await.unwrap();
            } else {
                let body = response.text().await.unwrap_or_default();
                panic!("sign_in: {status} at {url} instead of a redirect to the relying party:\n{body}");
            }
        }
        panic!("sign_in: more than {SIGN_IN_STEPS} steps from {authorize_url}");
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod self_test {
    use super::OidcPeer;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::Digest as _;

    const CLIENT: &str = "smp-panel";
    const SECRET: &str = "a client secret for the tests";
    const REDIRECT: &str = "http://127.0.0.1:9/auth/oidc/callback";
    const VERIFIER: &str = "a-pkce-code-verifier-of-more-than-forty-three-characters";

    fn authorize_url(peer: &OidcPeer, state: &str, nonce: &str) -> String {
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()));
        let mut url = url::Url::parse(&format!("{}/auth", peer.issuer())).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", CLIENT)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("scope", "openid profile email read_user")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        url.to_string()
    }

    /// Signs `login` in and returns the code of the callback, checking its state.
    async fn code_for(peer: &OidcPeer, login: &str, state: &str, nonce: &str) -> String {
        let callback = url::Url::parse(&peer.sign_in(&authorize_url(peer, state, nonce), login).await).unwrap();
        assert_eq!(callback.as_str().split('?').next().unwrap(), REDIRECT);
        let query: std::collections::HashMap<_, _> = callback.query_pairs().into_owned().collect();
        assert_eq!(query.get("state").map(String::as_str), Some(state), "{callback}");
        query.get("code").unwrap_or_else(|| panic!("no code in {callback}")).clone()
    }

    async fn exchange(peer: &OidcPeer, code: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/token", peer.issuer()))
            .basic_auth(CLIENT, Some(SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The token response's body, its ID token's header and payload (decoded, not verified).
    async fn tokens(peer: &OidcPeer, code: &str) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
        let response = exchange(peer, code).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "the peer's stderr:\n{}", peer.stderr());
        let body: serde_json::Value = response.json().await.unwrap();
        let id_token = body["id_token"].as_str().unwrap();
        let mut parts = id_token
            .split('.')
            .map(|part| serde_json::from_slice::<serde_json::Value>(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap());
        let header = parts.next().unwrap();
        let payload = parts.next().unwrap();
        (body, header, payload)
    }

    #[tokio::test]
    async fn the_oidc_test_peer_signs_in_serves_gitlab_keys_refuses_a_replayed_code_and_tampers_on_request() {
        // Used only here (the bench includes this file without its tests).
        use super::{PeerStats, Tamper};
        let started = std::time::Instant::now();
        let peer = OidcPeer::start();
        eprintln!("the OIDC test peer started in {:?}", started.elapsed());
        let http = reqwest::Client::new();

        let discovery: serde_json::Value = http
            .get(format!("{}/.well-known/openid-configuration", peer.issuer()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(discovery["issuer"], peer.issuer());
        assert!(peer.issuer().starts_with("http://127.0.0.1:") && !peer.issuer().ends_with('/'));

        peer.add_client(CLIENT, SECRET, REDIRECT).await;
        peer.set_account("ada", "Ada.Lovelace").await;
        let keys = vec![
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEs3cKpNnZK1s6rYhbE5ywFz3wU6v7G1mQ9jQ4t1m2nF ada@laptop".to_owned(),
        ];
        peer.set_keys("ada", &keys).await;

        let code = code_for(&peer, "ada", "state-1", "nonce-1").await;
        let (body, header, payload) = tokens(&peer, &code).await;
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "k1");
        assert_eq!(payload["iss"], peer.issuer());
        assert_eq!(payload["sub"], "ada");
        assert_eq!(payload["preferred_username"], "Ada.Lovelace");
        assert_eq!(payload["email"], "ada@example.test");
        assert_eq!(payload["nonce"], "nonce-1");
        assert_eq!(payload["aud"], CLIENT);

        // GitLab's keys route, with her access token and without one.
        let access_token = body["access_token"].as_str().unwrap();
        let response =
            http.get(format!("{}/api/v4/user/keys", peer.issuer())).bearer_auth(access_token).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let served: serde_json::Value = response.json().await.unwrap();
        assert_eq!(served.as_array().unwrap().len(), 1, "{served}");
        assert_eq!(served[0]["key"], keys[0].as_str());
        assert_eq!(served[0]["title"], "ada@laptop");
        assert!(served[0]["id"].is_u64() && served[0]["created_at"].is_string(), "{served}");
        for authorization in [None, Some("Bearer not-a-token")] {
            let mut request = http.get(format!("{}/api/v4/user/keys", peer.issuer()));
            if let Some(value) = authorization {
                request = request.header(reqwest::header::AUTHORIZATION, value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
            assert_eq!(
                response.json::<serde_json::Value>().await.unwrap(),
                serde_json::json!({"message": "401 Unauthorized"})
            );
        }

        // A code is good once.
        let replay = exchange(&peer, &code).await;
        assert_eq!(replay.status(), reqwest::StatusCode::BAD_REQUEST);
        assert_eq!(replay.json::<serde_json::Value>().await.unwrap()["error"], "invalid_grant");

        // A login never set up gets her defaults, and no keys.
        let code = code_for(&peer, "mia", "state-2", "nonce-2").await;
        let (body, _, payload) = tokens(&peer, &code).await;
        assert_eq!((payload["sub"].as_str(), payload["preferred_username"].as_str()), (Some("mia"), Some("mia")));
        let served: serde_json::Value = http
            .get(format!("{}/api/v4/user/keys", peer.issuer()))
            .bearer_auth(body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(served, serde_json::json!([]));

        // Each tampering changes the next ID token only.
        peer.tamper_next(Tamper::Audience("someone-else".into())).await;
        let (_, header, payload) = tokens(&peer, &code_for(&peer, "ada", "state-3", "nonce-3").await).await;
        assert_eq!((payload["aud"].as_str(), header["kid"].as_str()), (Some("someone-else"), Some("k1")));
        assert_eq!(payload["nonce"], "nonce-3");
        let (_, _, payload) = tokens(&peer, &code_for(&peer, "ada", "state-4", "nonce-4").await).await;
        assert_eq!(payload["aud"], CLIENT);

        peer.tamper_next(Tamper::Nonce("forged".into())).await;
        let (_, _, payload) = tokens(&peer, &code_for(&peer, "ada", "state-5", "nonce-5").await).await;
        assert_eq!((payload["nonce"].as_str(), payload["aud"].as_str()), (Some("forged"), Some(CLIENT)));

        let jwks_url = format!("{}/jwks", peer.issuer());
        let kids = |jwks: serde_json::Value| -> Vec<String> {
            jwks["keys"].as_array().unwrap().iter().map(|key| key["kid"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(kids(http.get(&jwks_url).send().await.unwrap().json().await.unwrap()), ["k1"]);
        peer.tamper_next(Tamper::NewKey).await;
        let (_, header, payload) = tokens(&peer, &code_for(&peer, "ada", "state-6", "nonce-6").await).await;
        assert_eq!(header["kid"], "k2");
        assert_eq!((payload["sub"].as_str(), payload["nonce"].as_str()), (Some("ada"), Some("nonce-6")));
        let jwks: serde_json::Value = http.get(&jwks_url).send().await.unwrap().json().await.unwrap();
        assert_eq!(kids(jwks.clone()), ["k1", "k2"]);
        assert!(jwks["keys"][1].get("d").is_none(), "the JWKS serves k2's private part: {jwks}");

        // Token requests: 6 sign-ins and the replay; 4 keys requests; 2 JWKS requests.
        assert_eq!(peer.stats().await, PeerStats { jwks_requests: 2, keys_requests: 4, token_requests: 7 });
    }
}
