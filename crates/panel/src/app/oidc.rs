//! Signing in with an OpenID Connect provider (issue 18, `[oidc]`): the
//! authorization code flow with PKCE (S256), `state` and `nonce`
//! (`openidconnect` does the protocol and the ID token's checks).
//!
//! `start` discovers the provider (cached for an hour; the first sign-in
//! after a start does it, so an unreachable provider never stops the panel
//! from starting), stores the sign-in's PKCE verifier and nonce under the
//! SHA-256 of its `state` (`db::oidc_logins`), and answers the provider's
//! URL and the state, which the front end also keeps in a cookie of the
//! browser. `finish` (the callback) needs that cookie to equal the
//! returned `state` (a sign-in started in another browser cannot be
//! finished in hers), takes the stored sign-in once (a replayed state finds
//! nothing), exchanges the code with its verifier, and verifies the ID
//! token: signature against the provider's JWKS (fetched again once when the
//! token names an unknown `kid`: the provider rotated its keys), issuer,
//! audience, expiry, nonce, and the access token's hash when given.
//!
//! The account is linked by the provider's `sub` (with its issuer), never
//! by an e-mail: created at her first sign-in (a member, unapproved unless
//! `auto_approve`; named from `preferred_username`, made unique), then
//! signed in like any other (disabled, unapproved and TOTP as for a
//! password). With `preset = "gitlab"` her SSH keys are read from
//! `/api/v4/user/keys` at each sign-in that opens her session and become
//! her imported keys (`ssh_keys.imported`): new ones added, removed ones
//! deleted, her own untouched; a failure there is logged and keeps the keys
//! she had. A sign-in that still waits for her TOTP code imports nothing
//! (the keys would open the SSH gateway without the code).
//!
//! No call to the provider holds a database connection, each is bounded by
//! `timeout_s`, redirects are never followed, and answers are read up to a
//! bound. The client secret, codes, tokens and verifiers reach no log and
//! no page.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeySet, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, TokenResponse as _,
};
use secrecy::{ExposeSecret as _, SecretString};

use crate::app::Context;
use crate::app::audited::{AuditEntry, audited};
use crate::app::login_limit::LoginLimiter;
use crate::app::sessions::{AnonymousRefusal, PasswordStep, admit, ask_code_or_open, login_entry};
use crate::app::ssh_keys::MAX_KEYS_PER_USER;
use crate::db::audit::Outcome;
use crate::db::ssh_keys::{self, NewSshKey};
use crate::db::users::{self, User};
use crate::db::{self, DbPool, oidc_logins};
use crate::domain::credentials::hash_secret;
use crate::domain::ldap::AuthMethod;
use crate::domain::oidc::{OidcConfig, username_base};
use crate::domain::ssh_key::SshPublicKey;
use crate::error::{AppError, ErrorCode};
use crate::texts;

/// The path the provider sends her back to, under the panel's public URL.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// How long a discovery document is trusted before it is fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// The provider's keys are fetched again (an unknown `kid` asks for it) at
/// most this often: a stream of tokens naming unknown keys cannot make the
/// panel fetch in a loop.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(5);
/// The most bytes read of the SSH keys' answer.
const MAX_KEYS_ANSWER_BYTES: usize = 256 * 1024;
/// Starts and callbacks one address may send at once (then one every 2 s).
const SIGN_INS_BURST: NonZeroU32 = NonZeroU32::new(30).unwrap();
/// The most characters of a provider's error (and its description) shown.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// The client as discovered: its authorization and token endpoints set.
type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// The provider's metadata (with its JWKS) and when it was fetched.
#[derive(Clone)]
struct Discovered {
    metadata: CoreProviderMetadata,
    fetched: Instant,
    /// When the keys were last fetched again for an unknown `kid`.
    keys_refreshed: Option<Instant>,
}

/// The provider of `[oidc]`, built once at start-up.
pub struct Provider {
    config: OidcConfig,
    client_secret: SecretString,
    redirect_uri: RedirectUrl,
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<Discovered>>,
    /// Starts and callbacks per client address: a sign-in here is two
    /// requests and cannot be guessed at, so it has a limiter of its own,
    /// wider than the password's.
    limiter: LoginLimiter,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Provider").field("issuer", &self.config.issuer).finish_non_exhaustive()
    }
}

/// What the provider's callback brought (its query).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The issuer that answered (RFC 9207), when the provider says it.
    pub iss: Option<String>,
}

impl Provider {
    /// Reads the client secret (`client_secret_file`, first line); the
    /// provider answers at `{public_url}/auth/oidc/callback`.
    pub fn new(config: OidcConfig, public_url: &str) -> Result<Provider, String> {
        let path = &config.client_secret_file;
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("[oidc] client_secret_file {}: {error}", path.display()))?;
        let secret = text.lines().next().unwrap_or_default().trim().to_owned();
        if secret.is_empty() {
            return Err(format!("[oidc] client_secret_file {} is empty", path.display()));
        }
        let redirect_uri = RedirectUrl::new(format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/')))
            .map_err(|error| format!("[oidc]: the callback URL from public_url is not a URL: {error}"))?;
        let http = reqwest::Client::builder()
            // Following redirects would let the provider point the panel anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(config.timeout_s))
            .connect_timeout(Duration::from_secs(config.timeout_s))
            .build()
            .map_err(|error| format!("[oidc]: cannot build the HTTP client: {error}"))?;
        Ok(Provider {
            config,
            client_secret: SecretString::from(secret),
            redirect_uri,
            http,
            discovered: tokio::sync::Mutex::new(None),
            limiter: LoginLimiter::new(SIGN_INS_BURST, Duration::from_secs(2)),
        })
    }

    /// The button's name ("Sign in with {name}").
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The discovery document (with the JWKS), from the cache while fresh.
    async fn discovered(&self) -> Result<Discovered, AppError> {
        let mut cached = self.discovered.lock().await;
        if let Some(discovered) = cached.as_ref().filter(|found| found.fetched.elapsed() < DISCOVERY_TTL) {
            return Ok(discovered.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|error| self.unavailable(error))?;
        let metadata =
            CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|error| self.unavailable(error))?;
        let discovered = Discovered { metadata, fetched: Instant::now(), keys_refreshed: None };
        *cached = Some(discovered.clone());
        Ok(discovered)
    }

    /// The provider's keys fetched again (its ID token named a key the
    /// cached JWKS does not have), unless they were fetched just now.
    async fn refresh_keys(&self) -> Result<Option<Discovered>, AppError> {
        let mut cached = self.discovered.lock().await;
        let Some(discovered) = cached.as_mut() else { return Ok(None) };
        if discovered.keys_refreshed.is_some_and(|refreshed| refreshed.elapsed() < JWKS_REFRESH_MIN) {
            return Ok(None);
        }
        let keys = JsonWebKeySet::fetch_async(discovered.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|error| self.unavailable(error))?;
        discovered.metadata = discovered.metadata.clone().set_jwks(keys);
        discovered.keys_refreshed = Some(Instant::now());
        Ok(Some(discovered.clone()))
    }

    fn client(&self, discovered: &Discovered) -> Client {
        CoreClient::from_provider_metadata(
            discovered.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.expose_secret().to_owned())),
        )
        .set_redirect_uri(self.redirect_uri.clone())
    }

    /// The error of an unreachable or failing provider (its cause goes to the log only).
    fn unavailable(&self, cause: impl std::fmt::Display) -> AppError {
        tracing::warn!(issuer = %self.config.issuer, "OpenID Connect provider unavailable: {cause}");
        let provider = texts::text(&self.config.name);
        AppError::said(ErrorCode::ProviderUnavailable, "error-services-oidc-unavailable", &[("provider", provider)])
    }

    /// A sign-in refused for `cause` (logged), with the text of `key` for
    /// her (it names the provider).
    fn failed(&self, cause: impl std::fmt::Display, key: &'static str) -> AppError {
        tracing::warn!(issuer = %self.config.issuer, "OpenID Connect sign-in refused: {cause}");
        AppError::said(ErrorCode::SignInFailed, key, &[("provider", texts::text(&self.config.name))])
    }

    /// A sign-in the provider refused, `said` in its own words (logged):
    /// shown as they are, not translated.
    fn provider_said(&self, said: &str) -> AppError {
        tracing::warn!(issuer = %self.config.issuer, "OpenID Connect sign-in refused: the provider answered {said}");
        let name = &self.config.name;
        AppError::new(ErrorCode::SignInFailed, format!("signing in with {name} failed: {name} said {said}"))
    }

    /// The first half: the provider's authorization URL for a new sign-in,
    /// and its `state` for the browser's cookie.
    pub async fn start(&self, pool: &DbPool, client: Option<IpAddr>) -> Result<(String, String), AppError> {
        if !self.limiter.allow_address(client) {
            return Err(AppError::said(ErrorCode::RateLimited, "error-services-oidc-too-many-attempts", &[]));
        }
        let discovered = self.discovered().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&discovered);
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in self.config.scopes() {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let state_hash = hash_secret(state.secret());
        let (verifier, nonce) = (verifier.secret().clone(), nonce.secret().clone());
        let stored = db::run(pool, move |connection| {
            Ok::<_, AppError>(oidc_logins::put(connection, &state_hash, &verifier, &nonce)?)
        })
        .await?;
        if !stored {
            return Err(AppError::said(ErrorCode::RateLimited, "error-services-oidc-too-many-pending", &[]));
        }
        Ok((url.to_string(), state.secret().clone()))
    }

    /// The second half (the callback): her session, or the code step of
    /// TOTP; refusals as for a password (`AnonymousRefusal`), audited as
    /// `session.login` with detail `method=oidc`.
    pub async fn finish(
        &self,
        context: &Context,
        pool: &DbPool,
        client: Option<IpAddr>,
        browser_state: Option<String>,
        callback: Callback,
    ) -> Result<PasswordStep, AnonymousRefusal> {
        let mut entry = login_entry("?");
        entry.set_detail(format!("method={}", AuthMethod::Oidc));
        let before_work = |entry: AuditEntry, error: AppError| AnonymousRefusal::BeforeWork { entry, error };
        if !self.limiter.allow_address(client) {
            let error = AppError::said(ErrorCode::RateLimited, "error-services-oidc-too-many-attempts", &[]);
            return Err(before_work(entry, error));
        }
        let identity = match self.verify(pool, browser_state, callback).await {
            Ok(identity) => identity,
            Err(error) => return Err(before_work(entry, error)),
        };
        let user = self.account(pool, &identity).await.map_err(AnonymousRefusal::Audited)?;
        let verdict = admit(&mut entry, user);
        let step = ask_code_or_open(context, pool, entry, verdict).await?;
        // Only once she is signed in: keys imported before her TOTP code
        // would let whoever holds her provider account past her second
        // factor, through the SSH gateway.
        if let (PasswordStep::SignedIn(user, ..), Some(access_token)) = (&step, &identity.access_token) {
            self.import_keys(pool, user, access_token).await;
        }
        Ok(step)
    }

    /// The callback's checks, the code's exchange and the ID token's
    /// verification: who she is at the provider.
    async fn verify(
        &self,
        pool: &DbPool,
        browser_state: Option<String>,
        callback: Callback,
    ) -> Result<Identity, AppError> {
        let Callback { code, state, error, error_description, iss } = callback;
        // Her sign-in is used up whatever the provider said.
        let pending = match &state {
            Some(state) => {
                let state_hash = hash_secret(state);
                db::run(pool, move |connection| Ok::<_, AppError>(oidc_logins::take(connection, &state_hash)?)).await?
            }
            None => None,
        };
        // Compared as SHA-256 digests: no timing tells how much of a guess was right.
        let same_browser = matches!((&state, &browser_state), (Some(state), Some(cookie)) if hash_secret(state) == hash_secret(cookie));
        if !same_browser {
            return Err(
                self.failed("the state does not match the browser's cookie", "error-services-oidc-other-browser")
            );
        }
        let Some(pending) = pending else {
            return Err(self.failed("an unknown, expired or used state", "error-services-oidc-expired"));
        };
        if let Some(error) = error {
            // Her provider's words, cut and without control characters (they reach the log and the page).
            let said: String = match error_description {
                Some(description) => format!("{error} ({description})"),
                None => error,
            }
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_DESCRIPTION_CHARS)
            .collect();
            return Err(self.provider_said(&said));
        }
        // An answer from another provider sent her here (a mix-up) is not this one's.
        if iss.is_some_and(|iss| iss.trim_end_matches('/') != self.config.issuer.trim_end_matches('/')) {
            return Err(self.failed("the callback names another issuer", "error-services-oidc-other-provider"));
        }
        let Some(code) = code else {
            return Err(self.failed("a callback without a code", "error-services-oidc-no-code"));
        };
        let discovered = self.discovered().await?;
        let exchange = self
            .client(&discovered)
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|error| self.unavailable(format_args!("no token endpoint: {error}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await;
        let tokens = match exchange {
            Ok(tokens) => tokens,
            Err(RequestTokenError::ServerResponse(refusal)) => {
                return Err(self.failed(
                    format_args!("the token endpoint refused the code: {}", refusal.error()),
                    "error-services-oidc-code-refused",
                ));
            }
            Err(RequestTokenError::Request(error)) => return Err(self.unavailable(error)),
            Err(other) => {
                return Err(
                    self.failed(format_args!("the token answer: {other}"), "error-services-oidc-not-understood")
                );
            }
        };
        let Some(id_token) = tokens.id_token() else {
            return Err(self.failed("no id_token in the token answer", "error-services-oidc-no-id-token"));
        };
        let nonce = Nonce::new(pending.nonce);
        let first = self.client(&discovered);
        let checked = id_token.claims(&first.id_token_verifier(), &nonce).cloned();
        let unknown_key = ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey);
        let (checked, client) = match checked {
            // The provider may have rotated its keys: fetch them again, once.
            Err(error) if error == unknown_key => match self.refresh_keys().await? {
                Some(refreshed) => {
                    let client = self.client(&refreshed);
                    let checked = id_token.claims(&client.id_token_verifier(), &nonce).cloned();
                    (checked, client)
                }
                None => (Err(error), first),
            },
            other => (other, first),
        };
        let claims = checked.map_err(|error| {
            self.failed(format_args!("the ID token: {error}"), "error-services-oidc-id-token-check")
        })?;
        if let Some(expected) = claims.access_token_hash() {
            let verifier = client.id_token_verifier();
            let actual = id_token
                .signing_alg()
                .and_then(|alg| id_token.signing_key(&verifier).map(|key| (alg, key)))
                .map_err(|error| {
                    self.failed(format_args!("the ID token's key: {error}"), "error-services-oidc-id-token-check")
                })
                .and_then(|(alg, key)| {
                    AccessTokenHash::from_token(tokens.access_token(), alg, key).map_err(|error| {
                        self.failed(format_args!("at_hash: {error}"), "error-services-oidc-id-token-check")
                    })
                })?;
            if actual != *expected {
                return Err(
                    self.failed("at_hash does not match the access token", "error-services-oidc-id-token-check")
                );
            }
        }
        let access_token =
            self.config.ssh_keys_url().map(|_| SecretString::from(tokens.access_token().secret().clone()));
        Ok(Identity::of(&claims, access_token))
    }

    /// Her account: found by her `sub`, or created (audited `user.signup`,
    /// detail `method=oidc`).
    async fn account(&self, pool: &DbPool, identity: &Identity) -> Result<User, AppError> {
        let external_id = self.config.external_id(&identity.subject);
        let lookup = external_id.clone();
        let found =
            db::run(pool, move |connection| Ok::<_, AppError>(users::find_from_provider(connection, &lookup)?)).await?;
        if let Some(user) = found {
            return Ok(user);
        }
        let base = username_base(identity.preferred_username.as_deref(), identity.email.as_deref());
        let approved = self.config.auto_approve;
        let mut entry = AuditEntry::anonymous("user.signup", format!("user:{base}"));
        entry.set_detail(format!("method={} approved={approved}", AuthMethod::Oidc));
        audited(pool, entry, move |connection, entry| {
            let user = users::create_from_provider(connection, &base, &external_id, approved)?;
            entry.object = format!("user:{}", user.id);
            entry.actor = user.username.to_string();
            Ok(user)
        })
        .await
    }

    /// Her SSH keys from GitLab become her imported keys (audited
    /// `ssh_key.import` when something changed); a failure is logged and
    /// changes nothing.
    async fn import_keys(&self, pool: &DbPool, user: &User, access_token: &SecretString) {
        let Some(url) = self.config.ssh_keys_url() else { return };
        let keys = match self.fetch_keys(&url, access_token).await {
            Ok(keys) => keys,
            Err(cause) => {
                tracing::warn!(user = %user.username, "SSH keys not imported from {url}: {cause}");
                return;
            }
        };
        let user_id = user.id;
        let mut entry = AuditEntry::anonymous("ssh_key.import", format!("user:{user_id}"));
        entry.actor_id = Some(user_id.0);
        entry.actor = user.username.to_string();
        let written = db::run(pool, move |connection| {
            db::write_transaction::<_, AppError, _>(connection, |connection| {
                let new: Vec<NewSshKey<'_>> = keys
                    .iter()
                    .map(|(name, key)| NewSshKey {
                        user_id,
                        name,
                        algorithm: key.algorithm(),
                        public_key: key.public_key(),
                        fingerprint: key.fingerprint(),
                        imported: true,
                    })
                    .collect();
                let change = ssh_keys::replace_imported(connection, user_id, &new, MAX_KEYS_PER_USER)?;
                if change.added + change.removed > 0 {
                    entry.set_detail(format!(
                        "added={} removed={} skipped={}",
                        change.added, change.removed, change.skipped
                    ));
                    entry.append(connection, Outcome::Ok, None)?;
                }
                Ok(())
            })
        })
        .await;
        if let Err(error) = written {
            tracing::warn!(user = %user_id, "SSH keys not imported: {}", error.message);
        }
    }

    /// GitLab's `/api/v4/user/keys` for her access token: each usable key
    /// with its title (a key the panel does not accept is left out).
    async fn fetch_keys(&self, url: &str, access_token: &SecretString) -> Result<Vec<(String, SshPublicKey)>, String> {
        let mut response = self
            .http
            .get(url)
            .bearer_auth(access_token.expose_secret())
            .send()
            .await
            .map_err(|error| error.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| error.without_url().to_string())? {
            if body.len() + chunk.len() > MAX_KEYS_ANSWER_BYTES {
                return Err(format!("the answer is larger than {MAX_KEYS_ANSWER_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let listed: Vec<GitlabKey> =
            serde_json::from_slice(&body).map_err(|error| format!("not GitLab's keys: {error}"))?;
        Ok(listed
            .into_iter()
            .filter_map(|listed| {
                let key = SshPublicKey::parse(&listed.key).ok()?;
                let title = listed.title.unwrap_or_default();
                let name: String = if title.trim().is_empty() { "GitLab".to_owned() } else { title.trim().to_owned() };
                Some((name.chars().take(64).collect(), key))
            })
            .collect())
    }
}

/// A key as GitLab lists it.
#[derive(serde::Deserialize)]
struct GitlabKey {
    title: Option<String>,
    key: String,
}

/// Who the provider says she is.
struct Identity {
    subject: String,
    preferred_username: Option<String>,
    email: Option<String>,
    /// Kept only to read her SSH keys (the GitLab preset).
    access_token: Option<SecretString>,
}

impl Identity {
    fn of(claims: &CoreIdTokenClaims, access_token: Option<SecretString>) -> Identity {
        Identity {
            subject: claims.subject().as_str().to_owned(),
            preferred_username: claims.preferred_username().map(|name| name.as_str().to_owned()),
            email: claims.email().map(|email| email.as_str().to_owned()),
            access_token,
        }
    }
}
