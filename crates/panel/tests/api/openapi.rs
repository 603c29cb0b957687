//! The OpenAPI document at `GET /api/v1/openapi.json` and the Swagger UI at
//! `/api/v1/docs/`: both open, every route of `api::configure` documented
//! with its method, and no secret-looking example in the document.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

/// Every route of the table in `crates/panel/src/api/mod.rs`. A route added
/// there without `#[utoipa::path]` (and a line here) fails this test.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/health"),
    ("post", "/api/v1/login"),
    ("post", "/api/v1/logout"),
    ("get", "/api/v1/me"),
    ("put", "/api/v1/me/password"),
    ("get", "/api/v1/me/ssh-keys"),
    ("post", "/api/v1/me/ssh-keys"),
    ("delete", "/api/v1/me/ssh-keys/{id}"),
    ("post", "/api/v1/me/totp"),
    ("put", "/api/v1/me/totp"),
    ("delete", "/api/v1/me/totp"),
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("patch", "/api/v1/users/{id}"),
    ("get", "/api/v1/users/{id}/quota"),
    ("put", "/api/v1/users/{id}/quota"),
    ("put", "/api/v1/users/{id}/quota/machines/{machine_id}"),
    ("delete", "/api/v1/users/{id}/quota/machines/{machine_id}"),
    ("get", "/api/v1/users/{id}/usage"),
    ("get", "/api/v1/machines"),
    ("post", "/api/v1/machines"),
    ("get", "/api/v1/machines/{id}"),
    ("delete", "/api/v1/machines/{id}"),
    ("post", "/api/v1/machines/{id}/sync"),
    ("post", "/api/v1/machines/{id}/rotate-key"),
    ("get", "/api/v1/machines/{id}/images"),
    ("get", "/api/v1/containers"),
    ("post", "/api/v1/containers"),
    ("get", "/api/v1/containers/{id}"),
    ("patch", "/api/v1/containers/{id}"),
    ("delete", "/api/v1/containers/{id}"),
    ("post", "/api/v1/containers/{id}/start"),
    ("post", "/api/v1/containers/{id}/stop"),
    ("post", "/api/v1/containers/{id}/restart"),
    ("post", "/api/v1/containers/{id}/exec"),
    ("get", "/api/v1/containers/{id}/state"),
    ("get", "/api/v1/containers/{id}/logs"),
    ("get", "/api/v1/containers/{id}/units"),
    ("get", "/api/v1/services"),
    ("post", "/api/v1/services"),
    ("get", "/api/v1/services/{id}"),
    ("patch", "/api/v1/services/{id}"),
    ("delete", "/api/v1/services/{id}"),
    ("post", "/api/v1/services/{id}/start"),
    ("post", "/api/v1/services/{id}/stop"),
    ("post", "/api/v1/services/{id}/restart"),
    ("get", "/api/v1/services/{id}/state"),
    ("get", "/api/v1/services/{id}/logs"),
    ("get", "/api/v1/audit"),
    ("post", "/api/v1/containers/{id}/terminal"),
    ("post", "/api/v1/terminal-sessions"),
    ("get", "/api/v1/terminal-sessions"),
    ("delete", "/api/v1/terminal-sessions/{id}"),
    ("put", "/api/v1/terminal-sessions/{id}/participants/{username}"),
    ("delete", "/api/v1/terminal-sessions/{id}/participants/{username}"),
    ("post", "/api/v1/terminal-sessions/{id}/ticket"),
    ("put", "/api/v1/containers/{id}/address"),
    ("get", "/api/v1/containers/{id}/forwards"),
    ("post", "/api/v1/containers/{id}/forwards"),
    ("delete", "/api/v1/containers/{id}/forwards/{fid}"),
    ("get", "/api/v1/containers/{id}/snapshots"),
    ("post", "/api/v1/containers/{id}/snapshots"),
    ("put", "/api/v1/containers/{id}/snapshots/schedule"),
    ("post", "/api/v1/containers/{id}/snapshots/{name}/restore"),
    ("delete", "/api/v1/containers/{id}/snapshots/{name}"),
    ("get", "/api/v1/networks"),
    ("get", "/api/v1/forwards"),
];

/// The routes anyone may call; every other one names its security.
const OPEN: &[(&str, &str)] = &[("get", "/api/v1/health"), ("post", "/api/v1/login")];

/// Routes a bearer token may not use (a token cannot make tokens, issue 13,
/// nor add SSH keys, issue 16, nor manage the TOTP second factor, issue 18).
const SESSION_ONLY: &[(&str, &str)] = &[
    ("post", "/api/v1/tokens"),
    ("post", "/api/v1/me/ssh-keys"),
    ("post", "/api/v1/me/totp"),
    ("put", "/api/v1/me/totp"),
    ("delete", "/api/v1/me/totp"),
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

async fn document() -> Value {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_openapi_document_is_served_open_as_openapi_3() {
    let document = document().await;
    let version = document["openapi"].as_str().unwrap();
    assert!(version.starts_with("3."), "{version}");
    assert_eq!(document["info"]["title"], "SMP panel API");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    let error = &document["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["error"]), "{error}");
    let schemes = document["components"]["securitySchemes"].as_object().unwrap();
    for name in ["session_cookie", "csrf_token", "bearer_token"] {
        assert!(schemes.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn every_route_of_the_table_is_documented_with_its_method() {
    let document = document().await;
    let paths = document["paths"].as_object().unwrap();
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(method, path)| ((*method).to_owned(), (*path).to_owned())).collect();
    assert_eq!(documented, expected);

    for (method, path) in ROUTES {
        let operation = &paths[*path][*method];
        let what = format!("{method} {path}");
        assert!(operation["tags"].as_array().is_some_and(|tags| !tags.is_empty()), "{what} has a tag");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.keys().any(|status| status.starts_with('2')), "{what} documents its success");
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorBody", "{what} {status}");
            }
        }
        if path.contains("{id}") {
            let parameters = operation["parameters"].as_array().unwrap();
            assert!(parameters.iter().any(|p| p["name"] == "id" && p["in"] == "path"), "{what} names its id");
        }
        let security = operation["security"].as_array();
        if OPEN.contains(&(*method, *path)) {
            assert!(security.is_none_or(|requirements| requirements.is_empty()), "{what} is open");
        } else {
            let requirements = security.unwrap_or_else(|| panic!("{what} names its security"));
            let names: Vec<Vec<&str>> = requirements
                .iter()
                .map(|requirement| requirement.as_object().unwrap().keys().map(String::as_str).collect())
                .collect();
            if SESSION_ONLY.contains(&(*method, *path)) {
                assert!(!names.contains(&vec!["bearer_token"]), "{what} is for browser sessions only: {names:?}");
            } else {
                assert!(names.contains(&vec!["bearer_token"]), "{what}: {names:?}");
            }
            let cookie = if *method == "get" { vec!["session_cookie"] } else { vec!["csrf_token", "session_cookie"] };
            assert!(names.contains(&cookie), "{what}: {names:?}");
            assert!(responses.contains_key("401"), "{what} documents 401");
        }
    }
}

#[tokio::test]
async fn the_request_bodies_and_queries_are_described() {
    let document = document().await;
    let schemas = &document["components"]["schemas"];
    let exec = &document["paths"]["/api/v1/containers/{id}/exec"]["post"]["requestBody"];
    assert_eq!(exec["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ExecRequest");
    for field in ["command", "env", "cwd", "user", "stdin", "timeout_s"] {
        assert!(schemas["ExecRequest"]["properties"].get(field).is_some(), "ExecRequest.{field}");
    }
    let stop = &document["paths"]["/api/v1/containers/{id}/stop"]["post"]["requestBody"];
    assert_eq!(stop["required"], false, "the stop body is optional");
    assert_eq!(stop["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/StopRequest");
    for field in ["force", "timeout_s"] {
        assert!(schemas["StopRequest"]["properties"].get(field).is_some(), "StopRequest.{field}");
    }
    let query: BTreeSet<&str> = document["paths"]["/api/v1/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let expected = ["action", "actor", "before", "limit", "machine", "object", "outcome", "since"];
    assert_eq!(query, expected.into_iter().collect());
    // Secrets go in and never come out.
    assert_eq!(schemas["AddMachine"]["properties"]["secret"]["writeOnly"], true);
    assert!(schemas["MachineView"]["properties"].get("secret").is_none());
}

/// Every string in the document, with the key it sits under.
fn strings<'a>(value: &'a Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match value {
        Value::String(text) => out.push((key, text)),
        Value::Array(items) => items.iter().for_each(|item| strings(item, key, out)),
        Value::Object(map) => map.iter().for_each(|(key, item)| strings(item, key, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_holds_no_secret_looking_example() {
    let document = document().await;
    let mut found = Vec::new();
    strings(&document, "", &mut found);
    assert!(found.len() > 100, "the walk sees the document");
    for (key, text) in found.into_iter().filter(|(key, _)| *key != "$ref") {
        // A token (`smp_` + hex), or any long unbroken run like a key, hash or password.
        let looks_secret = text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c))).any(|word| {
            let hex_token = word
                .strip_prefix("smp_")
                .is_some_and(|rest| rest.chars().take_while(char::is_ascii_hexdigit).count() >= 8);
            hex_token || word.len() >= 32
        });
        assert!(!looks_secret, "{key}: {text:?}");
    }
    let text = document.to_string();
    for needle in ["\"password\":\"", "\"secret\":\"", "\"token\":\"", "BEGIN PRIVATE KEY"] {
        assert!(!text.contains(needle), "{needle}");
    }
}

#[tokio::test]
async fn the_swagger_ui_is_browsable_without_signing_in() {
    let app = spawn_app().await;
    // Without the slash: a redirect to the page (its assets are relative).
    let response = app.client.get(app.url("/docs")).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/api/v1/docs/");

    let response = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger-ui"), "{page}");

    // The page's script points the UI at the document.
    let response = app.client.get(app.url("/docs/swagger-initializer.js")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let script = response.text().await.unwrap();
    assert!(script.contains("/api/v1/openapi.json"), "{script}");
    assert!(script.contains(r#""validatorUrl": "none""#), "no online validator: {script}");

    // The rest of the API is unchanged: still 401 without credentials, JSON 404 elsewhere.
    let response = app.client.get(app.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app.client.get(app.url("/no-such-route")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

/// `path` with every `{param}` set to 1 (the requests below never get as
/// far as looking an object up).
fn concrete(path: &str) -> String {
    path.split('/').map(|segment| if segment.starts_with('{') { "1" } else { segment }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn every_route_but_the_open_ones_refuses_a_request_without_credentials_and_every_change_one_without_csrf() {
    let app = spawn_app().await;
    app.user("mia", smp_panel::Role::Member, crate::containers_api::PASSWORD, true);
    let session = app.login("mia", crate::containers_api::PASSWORD).await;
    let rows_before = app.audit_rows().len();
    let mut changes = 0;
    for (method, path) in ROUTES {
        if OPEN.contains(&(*method, *path)) {
            continue;
        }
        let url = format!("{}{}", app.address, concrete(path));
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let what = format!("{method} {path}");
        let anonymous = app.client.request(method.clone(), &url).json(&serde_json::json!({})).send().await.unwrap();
        assert_eq!(crate::helpers::error_code(anonymous).await, (401, "unauthenticated".to_owned()), "{what}");
        if method != reqwest::Method::GET {
            changes += 1;
            let forged =
                app.client.request(method, &url).header("Cookie", &session.cookie).json(&serde_json::json!({}));
            assert_eq!(
                crate::helpers::error_code(forged.send().await.unwrap()).await,
                (403, "csrf_failed".to_owned()),
                "{what}"
            );
        }
    }
    assert!(changes > 20, "the sweep reached the state-changing routes ({changes})");
    // Every refused change is audited: the strangers' aggregated (one row
    // for the first, the others counted), mia's one row each.
    let rows: Vec<_> = app.audit_rows().into_iter().skip(rows_before).collect();
    let hers = rows.iter().filter(|row| row.actor == "mia" && row.error_code.as_deref() == Some("csrf_failed"));
    assert_eq!(hers.count(), changes, "{rows:#?}");
}

/// Every `$ref` in `value`, with where it stands.
fn references<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => out.push((at.clone(), target)),
                    _ => references(value, format!("{at}/{key}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                references(item, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_of_the_document_names_a_component_it_holds() {
    let document = document().await;
    let mut found = Vec::new();
    references(&document, String::new(), &mut found);
    assert!(found.len() > 50, "the document names its schemas by reference: {}", found.len());
    let dangling: Vec<String> = found
        .iter()
        .filter(|(_, target)| {
            let Some(pointer) = target.strip_prefix('#') else { return true };
            document.pointer(pointer).is_none()
        })
        .map(|(at, target)| format!("{at} → {target}"))
        .collect();
    assert!(dangling.is_empty(), "references to nothing:\n{}", dangling.join("\n"));
}
