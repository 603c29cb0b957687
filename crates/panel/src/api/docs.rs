//! The OpenAPI document of the JSON API (`ApiDoc`, utoipa), served open at
//! `GET /api/v1/openapi.json`, and the Swagger UI that browses it at
//! `/api/v1/docs/` (its assets are compiled in: `utoipa-swagger-ui`'s
//! `vendored` feature, no download at build time).
//!
//! Every route of `api::configure` carries `#[utoipa::path]`: its summary
//! is the first line of the handler's doc comment (the rest, if any, its
//! description), its operation id the handler's name. The document lists
//! them here, and gives each its tag (`TAGS`) and its security
//! (`OPEN_ROUTES`, `SESSION_ONLY_ROUTES`) here too. Its schemas derive from
//! the real types: the panel's own, and the agent's bodies the panel passes
//! through (`smp_proto::api`, whose `openapi` feature derives them). The
//! document holds no data, so it needs no sign-in.

use actix_web::{HttpResponse, http::header, web};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api;
use crate::error::{ErrorBody, ErrorCode, ErrorDetail};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// Where the Swagger UI is served (`/api/v1/docs` redirects here).
pub const DOCS_PATH: &str = "/api/v1/docs/";

/// The panel's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "SMP panel API",
        version = env!("CARGO_PKG_VERSION"),
        description = "The JSON API of the SMP panel. Every error answers `{\"error\":{\"code\",\"message\"}}` \
            (`ErrorBody`). Sign in with `POST /api/v1/login` (session cookie `smp_session`; send the answered \
            `csrf_token` as `X-CSRF-Token` on every state-changing request) or send a personal access token as \
            `Authorization: Bearer smp_…`. docs/api.md is the reference.",
    ),
    paths(
        api::health,
        api::terminals::terminal_ticket,
        api::terminals::create_session,
        api::terminals::list_sessions,
        api::terminals::end_session,
        api::terminals::set_participant,
        api::terminals::remove_participant,
        api::terminals::session_ticket,
        api::session::login,
        api::session::logout,
        api::session::me,
        api::password::change_password,
        api::ssh_keys::list_ssh_keys,
        api::ssh_keys::add_ssh_key,
        api::ssh_keys::delete_ssh_key,
        api::totp::enrol,
        api::totp::activate,
        api::totp::disable,
        api::tokens::create_token,
        api::tokens::list_tokens,
        api::tokens::revoke_token,
        api::users::list_users,
        api::users::create_user,
        api::users::update_user,
        api::quotas::get_quota,
        api::quotas::set_quota,
        api::quotas::set_machine_quota,
        api::quotas::delete_machine_quota,
        api::quotas::get_usage,
        api::machines::list_machines,
        api::machines::add_machine,
        api::machines::get_machine,
        api::machines::delete_machine,
        api::machines::sync_machine,
        api::machines::rotate_machine_key,
        api::provisioning::machine_images,
        api::containers::list_containers,
        api::provisioning::create_container,
        api::containers::get_container,
        api::provisioning::update_container,
        api::provisioning::delete_container,
        api::containers::start_container,
        api::containers::stop_container,
        api::containers::restart_container,
        api::containers::exec_in_container,
        api::containers::container_state,
        api::containers::container_logs,
        api::networks::set_address,
        api::networks::list_forwards,
        api::networks::create_forward,
        api::networks::delete_forward,
        api::networks::list_networks,
        api::networks::list_every_forward,
        api::snapshots::list_snapshots,
        api::snapshots::take_snapshot,
        api::snapshots::set_schedule,
        api::snapshots::restore_snapshot,
        api::snapshots::delete_snapshot,
        api::services::container_units,
        api::services::list_services,
        api::services::create_service,
        api::services::get_service,
        api::services::update_service,
        api::services::delete_service,
        api::services::start_service,
        api::services::stop_service,
        api::services::restart_service,
        api::services::service_state,
        api::services::service_logs,
        api::audit::list_audit,
    ),
    components(schemas(ErrorBody, ErrorDetail, ErrorCode)),
    modifiers(&SecuritySchemes, &RouteSecurity, &RouteTags, &OptionalBodies),
    tags(
        (name = "health", description = "Whether the panel answers."),
        (name = "session", description = "Signing in and out; who am I."),
        (name = "tokens", description = "The caller's own personal access tokens."),
        (name = "ssh-keys", description = "The SSH public keys of the caller's own profile (for the SSH gateway)."),
        (name = "users", description = "Accounts and quotas, as the policy allows."),
        (name = "machines", description = "The agents the panel reaches (admins read, the head admin manages)."),
        (name = "containers", description = "Containers the caller may see, and the actions sent to their agent."),
        (name = "terminals", description = "Tickets for the terminal WebSocket (`GET /api/v1/terminal`), and shared terminal sessions."),
        (name = "networks", description = "Static addresses (admins), ports of the host forwarded to containers             (their owners within the `forwards` quota), and the machines' networks."),
        (name = "snapshots", description = "A container's snapshots and schedule (its owners within the `snapshots` quota, admins)."),
        (name = "audit", description = "The audit log, as the policy allows."),
    ),
)]
pub struct ApiDoc;

/// The security schemes the routes name: `session_cookie` (+ `csrf_token`
/// on state-changing requests) or `bearer_token`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "smp_session",
                "The browser session `POST /api/v1/login` sets (HttpOnly, SameSite=Strict). State-changing \
                 requests also need the `X-CSRF-Token` header (`csrf_token`).",
            ))),
        );
        components.add_security_scheme(
            "csrf_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's `csrf_token` (answered by `POST /api/v1/login` and `GET /api/v1/me`); required \
                 with the session cookie on POST, PUT, PATCH and DELETE, not with a bearer token.",
            ))),
        );
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("smp_…")
                    .description(Some(
                        "A personal access token (`smp_` and 64 hex digits) from `POST /api/v1/tokens`; \
                         no CSRF header needed.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The routes anyone may call: they name no security.
const OPEN_ROUTES: [(&str, &str); 2] = [("get", "/api/v1/health"), ("post", "/api/v1/login")];

/// The routes only a browser session may call (a token cannot make tokens,
/// issue 13, nor add an SSH key, issue 16).
const SESSION_ONLY_ROUTES: [(&str, &str); 5] = [
    ("post", "/api/v1/tokens"),
    ("post", "/api/v1/me/ssh-keys"),
    ("post", "/api/v1/me/totp"),
    ("put", "/api/v1/me/totp"),
    ("delete", "/api/v1/me/totp"),
];

/// Every other route's security: the session cookie (with `csrf_token`
/// when the method changes state) or, unless it is session-only, a bearer
/// token; the `CurrentUser` extractor checks the same.
struct RouteSecurity;

impl Modify for RouteSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for_each_operation(openapi, |method, path, operation| {
            let route = (method, path);
            if OPEN_ROUTES.contains(&route) {
                operation.security = None;
                return;
            }
            let no_scopes: [&str; 0] = [];
            let mut session = SecurityRequirement::new("session_cookie", no_scopes);
            if !matches!(method, "get" | "head" | "options") {
                session = session.add("csrf_token", no_scopes);
            }
            let mut security = vec![session];
            if !SESSION_ONLY_ROUTES.contains(&route) {
                security.push(SecurityRequirement::new("bearer_token", no_scopes));
            }
            operation.security = Some(security);
        });
    }
}

/// Each route's tag, by the start of its path: the first that matches.
const TAGS: [(&str, &str); 19] = [
    ("/api/v1/health", "health"),
    ("/api/v1/login", "session"),
    ("/api/v1/logout", "session"),
    ("/api/v1/me/ssh-keys", "ssh-keys"),
    ("/api/v1/me", "session"),
    ("/api/v1/tokens", "tokens"),
    ("/api/v1/users", "users"),
    ("/api/v1/machines", "machines"),
    // The units to pick from when making a service.
    ("/api/v1/containers/{id}/units", "services"),
    ("/api/v1/containers/{id}/terminal", "terminals"),
    ("/api/v1/containers/{id}/address", "networks"),
    ("/api/v1/containers/{id}/forwards", "networks"),
    ("/api/v1/containers/{id}/snapshots", "snapshots"),
    ("/api/v1/containers", "containers"),
    ("/api/v1/networks", "networks"),
    ("/api/v1/forwards", "networks"),
    ("/api/v1/terminal-sessions", "terminals"),
    ("/api/v1/services", "services"),
    ("/api/v1/audit", "audit"),
];

/// Tags every operation from [`TAGS`] (none if no line matches, which the
/// tests refuse), in place of utoipa's default, the handler's module path.
struct RouteTags;

impl Modify for RouteTags {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for_each_operation(openapi, |_, path, operation| {
            let tag = TAGS.iter().find(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}/")));
            operation.tags = tag.map(|(_, tag)| vec![(*tag).to_owned()]);
        });
    }
}

/// Calls `visit` with each operation of the document, its method (as the
/// document names it: `get`, `post`, …) and its path.
fn for_each_operation(openapi: &mut utoipa::openapi::OpenApi, mut visit: impl FnMut(&str, &str, &mut Operation)) {
    for (path, item) in &mut openapi.paths.paths {
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("options", &mut item.options),
            ("head", &mut item.head),
            ("patch", &mut item.patch),
            ("trace", &mut item.trace),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                visit(method, path, operation);
            }
        }
    }
}

/// The routes whose JSON body may be left out (`stop`, `restart`: an empty
/// body is the defaults). `#[utoipa::path]` would say so only through an
/// `Option`, which documents a `null` body the route refuses.
struct OptionalBodies;

/// The POST routes [`OptionalBodies`] marks.
const OPTIONAL_BODY_PATHS: [&str; 2] = ["/api/v1/containers/{id}/stop", "/api/v1/containers/{id}/restart"];

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for path in OPTIONAL_BODY_PATHS {
            let body = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.post.as_mut())
                .and_then(|operation| operation.request_body.as_mut());
            if let Some(utoipa::openapi::RefOr::T(body)) = body {
                body.required = Some(utoipa::openapi::Required::False);
            }
        }
    }
}

/// Mounts the document and the Swagger UI. Register before `api::configure`:
/// its `/api/v1` scope would otherwise answer these paths with 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // No online validator: the UI would send the document's URL to swagger.io.
    let ui = SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}"))
        .url(OPENAPI_PATH, ApiDoc::openapi())
        .config(Config::default().validator_url("none"));
    cfg.service(ui).service(web::resource(DOCS_PATH.trim_end_matches('/')).route(web::get().to(docs_redirect)));
}

/// `GET /api/v1/docs` → `/api/v1/docs/` (the UI's assets are relative).
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, DOCS_PATH)).finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).unwrap()
    }

    fn schema(name: &str) -> Value {
        document()["components"]["schemas"][name].clone()
    }

    fn enum_values(name: &str) -> Vec<String> {
        schema(name)["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum"))
            .iter()
            .map(|value| value.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_error_code_is_documented() {
        use crate::error::ErrorCode as Code;
        let all = [
            Code::Unauthenticated,
            Code::InvalidCredentials,
            Code::CsrfFailed,
            Code::Forbidden,
            Code::AccountDisabled,
            Code::ApprovalPending,
            Code::NotFound,
            Code::Conflict,
            Code::InvalidInput,
            Code::BodyTooLarge,
            Code::RateLimited,
            Code::Internal,
            Code::AgentError,
            Code::AgentUnavailable,
            Code::AgentTimeout,
            Code::KeyRefused,
            Code::KeyUnverified,
            Code::QuotaExceeded,
            Code::ForbiddenConfig,
            Code::AlreadyExists,
            Code::UnknownImage,
            Code::UnknownProfile,
            Code::HasChildren,
            Code::LimitReached,
            Code::InstanceChanged,
            Code::SessionRequired,
            Code::TokenScope,
            Code::WrongPassword,
            Code::OriginMismatch,
            Code::PortTaken,
            Code::AddressTaken,
            Code::NoAddress,
            Code::NetworkNotAllowed,
            Code::DirectoryUnavailable,
            Code::TotpRequired,
            Code::TotpInvalid,
            Code::SignInFailed,
            Code::ProviderUnavailable,
            Code::DatabaseUnavailable,
        ];
        // A new code fails to compile here until it is added above.
        for code in all {
            match code {
                Code::Unauthenticated
                | Code::InvalidCredentials
                | Code::CsrfFailed
                | Code::Forbidden
                | Code::AccountDisabled
                | Code::ApprovalPending
                | Code::NotFound
                | Code::Conflict
                | Code::InvalidInput
                | Code::BodyTooLarge
                | Code::RateLimited
                | Code::Internal
                | Code::AgentError
                | Code::AgentUnavailable
                | Code::AgentTimeout
                | Code::KeyRefused
                | Code::KeyUnverified
                | Code::QuotaExceeded
                | Code::ForbiddenConfig
                | Code::AlreadyExists
                | Code::UnknownImage
                | Code::UnknownProfile
                | Code::HasChildren
                | Code::LimitReached
                | Code::InstanceChanged
                | Code::SessionRequired
                | Code::TokenScope
                | Code::WrongPassword
                | Code::OriginMismatch
                | Code::PortTaken
                | Code::AddressTaken
                | Code::NoAddress
                | Code::NetworkNotAllowed
                | Code::DirectoryUnavailable
                | Code::TotpRequired
                | Code::TotpInvalid
                | Code::SignInFailed
                | Code::ProviderUnavailable
                | Code::DatabaseUnavailable => {}
            }
        }
        let documented: Vec<String> = enum_values("ErrorCode");
        let actual: Vec<String> = all.iter().map(|code| code.as_str().to_owned()).collect();
        assert_eq!(documented, actual);
    }

    #[test]
    fn operation_ids_are_unique_and_the_stop_bodies_optional() {
        let document = document();
        let mut ids = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has an id"));
                assert!(ids.insert(id.to_owned()), "{id} is used twice");
            }
        }
        for path in OPTIONAL_BODY_PATHS {
            let body = &document["paths"][path]["post"]["requestBody"];
            assert_eq!(body["required"], false, "{path}");
            assert_eq!(body["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/StopRequest");
        }
    }

    #[test]
    fn every_security_scheme_a_route_names_exists() {
        let document = document();
        let schemes = document["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes["session_cookie"]["in"], "cookie");
        assert_eq!(schemes["session_cookie"]["name"], "smp_session");
        assert_eq!(schemes["csrf_token"]["name"], "X-CSRF-Token");
        assert_eq!(schemes["bearer_token"]["scheme"], "bearer");
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for requirement in operation["security"].as_array().into_iter().flatten() {
                    for name in requirement.as_object().unwrap().keys() {
                        assert!(schemes.contains_key(name), "{method} {path} names {name}");
                    }
                }
            }
        }
    }
}
