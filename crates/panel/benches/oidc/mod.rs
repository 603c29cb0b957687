//! The OpenID Connect callback's latency (issue 18): `GET
//! /auth/oidc/callback` of the panel (the state taken once, the code
//! exchanged with its PKCE verifier, the ID token verified against the
//! cached JWKS, the account found, her GitLab keys read and compared, the
//! session written) beside the calls it wraps, made directly to the same
//! provider: the token endpoint alone, and the token endpoint then GitLab's
//! keys route. The provider is the npm `oidc-provider` test peer on
//! loopback (`make setup-oidc`); each round signs in at the provider
//! unmeasured, then measures only the callback or the direct calls.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest as _;
use smp_panel::{Application, Config};

use crate::oidc_peer::OidcPeer;
use crate::support::{ms, percentile, rounds};
use crate::timed;

const CLIENT: &str = "smp";
const SECRET: &str = "the bench's client secret";
const VERIFIER: &str = "the-bench-pkce-code-verifier-of-more-than-forty-three-characters";

pub async fn callback_latency() {
    let people = rounds(30);
    let peer = OidcPeer::start();
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("oidc.secret");
    std::fs::write(&secret_file, SECRET).unwrap();
    // Each request from its own address (X-Forwarded-For from loopback): the
    // sign-in limiter allows 30 at once per address.
    let toml = format!(
        "database_url = \"sqlite://{}\"\nlisten = \"127.0.0.1:0\"\nkey_file = {:?}\nsync_interval_s = 3600\n\
         trusted_proxies = [\"127.0.0.1/32\"]\n[oidc]\nname = \"GitLab\"\nissuer = {:?}\nclient_id = {CLIENT:?}\n\
         client_secret_file = {secret_file:?}\npreset = \"gitlab\"\nauto_approve = true\n",
        dir.path().join("oidc.db").display(),
        dir.path().join("panel.key"),
        peer.issuer()
    );
    let application = Application::build(Config::from_toml(&toml).expect("config")).await.expect("panel");
    let panel = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    let redirect = format!("{panel}/auth/oidc/callback");
    peer.add_client(CLIENT, SECRET, &redirect).await;
    for index in 0..people {
        peer.set_keys(&format!("p{index}"), &[new_public_key(dir.path(), index)]).await;
    }
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let from = |index: usize, round: usize| format!("10.18.{round}.{}", index + 1);

    // The panel: /start, the provider's pages (unmeasured), then the callback, measured.
    let panel_round = |index: usize, round: usize| {
        let (http, peer, panel) = (&http, &peer, &panel);
        async move {
            let started = http
                .get(format!("{panel}/auth/oidc/start"))
                .header("X-Forwarded-For", from(index, round))
                .send()
                .await
                .unwrap();
            assert_eq!(started.status(), 303);
            let cookie = started.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
            let authorize = started.headers()["location"].to_str().unwrap().to_owned();
            let callback = peer.sign_in(&authorize, &format!("p{index}")).await;
            let (answer, took) = timed(
                http.get(&callback).header("Cookie", &cookie).header("X-Forwarded-For", from(index, round)).send(),
            )
            .await;
            let answer = answer.unwrap();
            assert_eq!(answer.status(), 200, "the callback signs p{index} in");
            took
        }
    };
    // Direct: the provider's pages (unmeasured), then its token endpoint (and GitLab's keys route).
    let direct_round = |index: usize| {
        let (http, peer, redirect) = (&http, &peer, &redirect);
        async move {
            let callback = peer.sign_in(&authorize_url(peer.issuer(), redirect, index), &format!("p{index}")).await;
            let code = url::Url::parse(&callback)
                .unwrap()
                .query_pairs()
                .find(|(name, _)| name == "code")
                .map(|(_, code)| code.into_owned())
                .unwrap();
            let (answer, token_took) = timed(
                http.post(format!("{}/token", peer.issuer()))
                    .basic_auth(CLIENT, Some(SECRET))
                    .form(&[
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("redirect_uri", redirect.as_str()),
                        ("code_verifier", VERIFIER),
                    ])
                    .send(),
            )
            .await;
            let answer = answer.unwrap();
            assert_eq!(answer.status(), 200);
            let body: serde_json::Value = answer.json().await.unwrap();
            let access_token = body["access_token"].as_str().unwrap().to_owned();
            let (keys, keys_took) =
                timed(http.get(format!("{}/api/v4/user/keys", peer.issuer())).bearer_auth(&access_token).send()).await;
            assert_eq!(keys.unwrap().status(), 200);
            (token_took, token_took + keys_took)
        }
    };

    for index in 0..people {
        panel_round(index, 0).await; // her account is made and her key imported, unmeasured
    }
    let (mut callback, mut token, mut token_and_keys) = (Vec::new(), Vec::new(), Vec::<Duration>::new());
    for index in 0..people {
        callback.push(panel_round(index, 1).await);
        let (alone, with_keys) = direct_round(index).await;
        token.push(alone);
        token_and_keys.push(with_keys);
    }
    for (what, samples) in [
        ("OIDC sign-in, GET /auth/oidc/callback              ", &callback),
        ("OIDC direct: POST /token at the provider           ", &token),
        ("OIDC direct: POST /token + GET /api/v4/user/keys   ", &token_and_keys),
    ] {
        println!(
            "{what} p50 {:>7.2} ms p95 {:>7.2} ms (n={}, oidc-provider on loopback)",
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.95)),
            samples.len()
        );
    }
}

/// An authorization URL as the panel makes one (code flow, PKCE S256).
fn authorize_url(issuer: &str, redirect: &str, index: usize) -> String {
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()));
    let mut url = url::Url::parse(&format!("{issuer}/auth")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "openid profile email read_user")
        .append_pair("state", &format!("bench-state-{index}"))
        .append_pair("nonce", &format!("bench-nonce-{index}"))
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

/// A new ed25519 public key line (ssh-keygen), the `index`-th.
fn new_public_key(dir: &std::path::Path, index: usize) -> String {
    let path = dir.join(format!("key{index}"));
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", &format!("p{index}"), "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    std::fs::read_to_string(path.with_extension("pub")).unwrap().trim().to_owned()
}
