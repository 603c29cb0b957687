//! Every token check of PROTOCOL.md through HTTP, on a real container: the
//! refused request did nothing (the exec's marker file is absent) and did
//! not consume the token's `jti`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use smp_proto::Action;
use smp_proto::token::{SharedKey, body_hash, mint_operation_token};

use crate::helpers::{TestAgent, now, running_c1};
use crate::lxd_fixture::TestProject;

const MARKER: &str = "/tmp/smp-refused-marker";

fn touch_marker() -> Vec<u8> {
    serde_json::to_vec(&json!({"command": ["touch", MARKER]})).unwrap()
}

struct Scene {
    project: TestProject,
    agent: TestAgent,
}

async fn scene(prefix: &str) -> Scene {
    let (project, agent) = running_c1(prefix).await;
    Scene { project, agent }
}

impl Scene {
    /// Sends the exec of `touch MARKER` with `token`; asserts the refusal
    /// and that nothing ran in the container.
    async fn assert_refused(&self, token: &str, status: u16, code: &str) {
        let answer = self.agent.send("POST", "/container/c1/exec", Some(token), &touch_marker()).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{}", answer.body);
        assert!(!answer.body.to_string().contains(token), "the token must not be echoed");
        assert!(!self.marker_exists(), "a refused exec must not run");
    }

    fn marker_exists(&self) -> bool {
        self.project.exec_status("c1", &["test", "-e", MARKER]) == 0
    }

    fn exec_claims(&self) -> smp_proto::token::Claims {
        let mut claims = self.agent.claims(Action::Exec, Some("c1"));
        claims.bh = Some(body_hash(&touch_marker()));
        claims
    }

    /// The same claims are accepted afterwards: the refusal consumed nothing.
    async fn assert_still_usable(&self, token: &str) {
        let answer = self.agent.send("POST", "/container/c1/exec", Some(token), &touch_marker()).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(self.marker_exists(), "the accepted exec really ran");
    }
}

#[tokio::test]
async fn a_request_without_a_token_is_refused_as_token_missing() {
    let s = scene("tok-missing").await;
    let answer = s.agent.send("POST", "/container/c1/exec", None, &touch_marker()).await;
    assert_eq!((answer.status, answer.code()), (401, "token_missing"));
    let basic = s.agent.http.post(format!("{}/container/c1/exec", s.agent.url)).basic_auth("u", Some("p"));
    assert_eq!(basic.body(touch_marker()).send().await.unwrap().status().as_u16(), 401);
    assert!(!s.marker_exists());
}

#[tokio::test]
async fn a_garbage_or_alg_none_token_is_refused_as_token_malformed() {
    let s = scene("tok-malformed").await;
    s.assert_refused("not-a-jwt", 401, "token_malformed").await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&s.exec_claims()).unwrap());
    s.assert_refused(&format!("{header}.{claims}."), 401, "token_malformed").await;
    s.assert_refused(&"a".repeat(9000), 401, "token_malformed").await;
}

#[tokio::test]
async fn a_token_with_an_unknown_key_id_is_refused_as_unknown_key() {
    let s = scene("tok-unknown-key").await;
    let token = mint_operation_token(&SharedKey::new("k9", &s.agent.secret), &s.exec_claims()).unwrap();
    s.assert_refused(&token, 401, "unknown_key").await;
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused_as_token_signature() {
    let s = scene("tok-signature").await;
    let forged =
        mint_operation_token(&SharedKey::new("k1", &crate::helpers::random_secret()), &s.exec_claims()).unwrap();
    s.assert_refused(&forged, 401, "token_signature").await;
}

#[tokio::test]
async fn an_expired_token_is_refused_as_token_expired() {
    let s = scene("tok-expired").await;
    let mut claims = s.exec_claims();
    claims.exp = now() - 6;
    claims.iat = claims.exp - 30;
    // iat before the agent started would trip an earlier-listed check only if
    // it came first; expiry is checked before the start time.
    s.assert_refused(&s.agent.mint(&claims), 401, "token_expired").await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_refused_as_token_not_yet_valid() {
    let s = scene("tok-future").await;
    let mut claims = s.exec_claims();
    claims.iat = now() + 60;
    claims.exp = claims.iat + 30;
    s.assert_refused(&s.agent.mint(&claims), 401, "token_not_yet_valid").await;
}

#[tokio::test]
async fn a_token_living_longer_than_max_ttl_is_refused_as_token_ttl_too_long() {
    let s = scene("tok-ttl").await;
    let mut claims = s.exec_claims();
    claims.exp = claims.iat + 61;
    s.assert_refused(&s.agent.mint(&claims), 401, "token_ttl_too_long").await;
}

#[tokio::test]
async fn a_token_minted_before_the_agent_started_is_refused_as_token_predates_agent() {
    let project = TestProject::new("tok-predates");
    project.launch("c1", "smp-busybox");
    // Minted now, with a key the agent will have, before the agent exists.
    let secret = crate::helpers::random_secret();
    let mut claims = crate::helpers::valid_claims(Action::Exec, Some("c1"));
    claims.bh = Some(body_hash(&touch_marker()));
    let early = mint_operation_token(&SharedKey::new("k1", &secret), &claims).unwrap();
    let agent = TestAgent::spawn_with_secret(project.name(), &secret).await;
    let s = Scene { project, agent };
    s.assert_refused(&early, 401, "token_predates_agent").await;
}

#[tokio::test]
async fn a_token_for_another_machine_is_refused_as_token_wrong_audience() {
    let s = scene("tok-audience").await;
    let mut claims = s.exec_claims();
    claims.aud = "another-machine".into();
    s.assert_refused(&s.agent.mint(&claims), 403, "token_wrong_audience").await;
}

#[tokio::test]
async fn a_token_for_another_action_is_refused_as_token_wrong_action_and_stays_usable() {
    let s = scene("tok-action").await;
    let token = s.agent.mint(&s.exec_claims());
    let answer = s.agent.send("GET", "/container/c1/state", Some(&token), b"").await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_action"));
    s.assert_still_usable(&token).await;
}

#[tokio::test]
async fn a_token_for_another_container_is_refused_as_token_wrong_container_and_stays_usable() {
    let s = scene("tok-container").await;
    s.project.launch("c2", "smp-busybox");
    let token = s.agent.mint(&s.exec_claims());
    let answer = s.agent.send("POST", "/container/c2/exec", Some(&token), &touch_marker()).await;
    assert_eq!((answer.status, answer.code()), (403, "token_wrong_container"));
    assert_ne!(s.project.exec_status("c2", &["test", "-e", MARKER]), 0, "nothing ran in c2");
    s.assert_still_usable(&token).await;
}

#[tokio::test]
async fn a_token_naming_a_service_on_a_container_route_is_refused_as_token_wrong_service() {
    let s = scene("tok-service").await;
    let mut claims = s.exec_claims();
    claims.svc = Some("web.service".into());
    s.assert_refused(&s.agent.mint(&claims), 403, "token_wrong_service").await;
}

#[tokio::test]
async fn a_token_for_another_body_is_refused_as_token_body_mismatch_and_stays_usable() {
    let s = scene("tok-body").await;
    let token = s.agent.mint(&s.exec_claims());
    let other = serde_json::to_vec(&json!({"command": ["rm", "-rf", "/tmp"]})).unwrap();
    let answer = s.agent.send("POST", "/container/c1/exec", Some(&token), &other).await;
    assert_eq!((answer.status, answer.code()), (403, "token_body_mismatch"));
    assert_eq!(s.project.exec_status("c1", &["test", "-d", "/tmp"]), 0, "the other body did not run");
    s.assert_still_usable(&token).await;
}

#[tokio::test]
async fn a_used_token_is_refused_as_token_replayed() {
    let s = scene("tok-replay").await;
    let token = s.agent.mint(&s.exec_claims());
    s.assert_still_usable(&token).await;
    s.project.exec_status("c1", &["rm", MARKER]);
    s.assert_refused(&token, 401, "token_replayed").await;
}

#[tokio::test]
async fn the_same_token_sent_50_times_at_once_is_accepted_exactly_once() {
    let s = scene("tok-race").await;
    let token = s.agent.token(Action::State, Some("c1"), b"");
    let sends = (0..50).map(|_| s.agent.send("GET", "/container/c1/state", Some(&token), b""));
    let answers = futures_util::future::join_all(sends).await;
    let accepted = answers.iter().filter(|answer| answer.status == 200).count();
    let replayed = answers.iter().filter(|answer| answer.code() == "token_replayed").count();
    assert_eq!((accepted, replayed), (1, 49));
}

#[tokio::test]
async fn an_invalid_container_name_is_refused_before_lxd_is_asked() {
    let s = scene("tok-name").await;
    let token = s.agent.token(Action::State, Some("bad_name"), b"");
    let answer = s.agent.send("GET", "/container/bad_name/state", Some(&token), b"").await;
    assert_eq!((answer.status, answer.code()), (422, "invalid_name"));
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_as_body_too_large() {
    let s = scene("tok-large").await;
    let body = vec![b' '; 1024 * 1024 + 1];
    let token = s.agent.token(Action::Exec, Some("c1"), &body);
    let answer = s.agent.send("POST", "/container/c1/exec", Some(&token), &body).await;
    assert_eq!((answer.status, answer.code()), (400, "body_too_large"));
}
