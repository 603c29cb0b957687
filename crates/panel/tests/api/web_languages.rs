//! The pages in English, French and Polish: the browser's `Accept-Language`
//! chooses, the login page's switcher (`?lang=`) overrides it with a
//! cookie, and a member's choice on her account page overrides both on her
//! next page, audited as `user.language`; `<html lang>` says which; no
//! page shows a raw key; the JSON API stays English whatever is asked.

use std::collections::HashMap;
use std::path::Path;

use reqwest::Method;
use serde_json::json;

use crate::containers_api::{PASSWORD, tree};
use crate::helpers::spawn_app;
use crate::web_account::{Browser, htmx_send, page_200, signed_in, summary};

/// The single-line messages of `language`'s `.ftl` files.
fn messages(language: &str) -> HashMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(language);
    let mut messages = HashMap::new();
    for file in std::fs::read_dir(dir).unwrap() {
        for line in std::fs::read_to_string(file.unwrap().path()).unwrap().lines() {
            if let Some((key, value)) = line.split_once(" = ")
                && !line.starts_with([' ', '#'])
            {
                messages.insert(key.to_owned(), value.to_owned());
            }
        }
    }
    messages
}

/// What a page in `language` shows for `key` (as askama escapes it).
fn said(language: &str, key: &str) -> String {
    let text = messages(language).remove(key).unwrap_or_else(|| panic!("{language} has no {key}"));
    text.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&#34;")
}

fn lang_of(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("<html lang>") + "<html lang=\"".len();
    html[start..].split('"').next().unwrap()
}

/// GET `path` with `headers`: the body, which must be a 200 without a raw key.
async fn get(
    app: &crate::helpers::TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (reqwest::header::HeaderMap, String) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    assert!(!html.contains('⟦'), "a raw key on {path}: {html}");
    (headers, html)
}

#[tokio::test]
async fn the_login_page_speaks_the_browsers_language_and_its_switcher_keeps_another_in_a_cookie() {
    let app = spawn_app().await;
    for (accept, language) in [("fr-CH, fr;q=0.9, en;q=0.5", "fr"), ("de, pl;q=0.8", "pl"), ("de", "en"), ("", "en")] {
        let (_, html) = get(&app, "/login", &[("Accept-Language", accept)]).await;
        assert_eq!(lang_of(&html), language, "Accept-Language: {accept}");
        assert!(html.contains(&format!("<h1>{}</h1>", said(language, "sign-in-title"))), "{language}: {html}");
    }
    assert_ne!(said("fr", "sign-in-title"), said("en", "sign-in-title"));
    assert_ne!(said("pl", "sign-in-title"), said("en", "sign-in-title"));

    // The switcher: every language, each link in its own language.
    let (_, html) = get(&app, "/login", &[]).await;
    for (code, name) in [("en", "English"), ("fr", "Français"), ("pl", "Polski")] {
        assert!(html.contains(&format!(r#"<a href="/login?lang={code}" lang="{code}""#)), "{html}");
        assert!(html.contains(&format!(">{name}</a>")), "{html}");
    }
    let (headers, html) = get(&app, "/login?lang=pl", &[("Accept-Language", "fr")]).await;
    assert_eq!(lang_of(&html), "pl");
    let cookie = headers.get("set-cookie").expect("the switcher's cookie").to_str().unwrap().to_owned();
    assert!(cookie.starts_with("smp_lang=pl;") && cookie.contains("Path=/"), "{cookie}");
    let (_, html) = get(&app, "/login", &[("Accept-Language", "fr"), ("Cookie", "smp_lang=pl")]).await;
    assert_eq!(lang_of(&html), "pl", "the cookie wins over the browser");
    let (headers, html) = get(&app, "/login?lang=xx", &[("Accept-Language", "fr")]).await;
    assert_eq!(lang_of(&html), "fr", "an unknown language is ignored");
    assert!(headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn her_choice_on_the_account_page_is_her_next_pages_language_audited_and_the_api_stays_english() {
    let tree = tree().await;
    let app = &tree.app;
    let alice = signed_in(app, "alice").await;
    let in_french_browser = |who: &Browser| [("Cookie", who.cookie.clone()), ("Accept-Language", "fr".to_owned())];
    let headers = in_french_browser(&alice);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let (_, html) = get(app, "/", &headers).await;
    assert_eq!(lang_of(&html), "fr", "before she chooses: her browser's");
    let (_, account) = get(app, "/account", &headers).await;
    assert!(account.contains(r#"<option value="" selected>"#), "the browser's language is her choice so far");

    let answer = htmx_send(app, "/account/language", &alice, &[("language", "pl")]).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers().get("HX-Refresh").map(|value| value.to_str().unwrap()), Some("true"));
    let (_, html) = get(app, "/", &headers).await;
    assert_eq!(lang_of(&html), "pl", "her choice wins over her browser");
    assert!(html.contains(&said("pl", "dashboard-my-containers")), "{html}");
    assert!(html.contains(&said("pl", "nav-dashboard")));
    let (_, account) = get(app, "/account", &headers).await;
    assert!(account.contains(r#"<option value="pl" lang="pl" selected>Polski</option>"#), "{account}");
    let rows = app.audit_rows_of("user.language");
    assert_eq!(rows.len(), 1);
    assert_eq!(summary(&rows[0]), ("alice", "ok", None));
    assert_eq!(rows[0].detail.as_deref(), Some("language=pl"));

    // The API: English codes and messages whatever she chose and asks.
    let session = app.login("alice", PASSWORD).await;
    let response = app
        .with_session(Method::GET, "/containers/999999", &session)
        .header("Accept-Language", "pl")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().unwrap().is_ascii(), "{body}");

    // A language that is not there: said in the section, nothing changed.
    let answer = htmx_send(app, "/account/language", &alice, &[("language", "de")]).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("HX-Refresh").is_none());
    let section = answer.text().await.unwrap();
    assert!(section.contains(r#"role="alert""#) && section.contains("&#34;de&#34;"), "{section}");
    assert_eq!(app.audit_rows_of("user.language").len(), 1, "nothing was done, so nothing audited");
    let (_, html) = get(app, "/", &headers).await;
    assert_eq!(lang_of(&html), "pl");

    // Back to her browser's.
    let answer = htmx_send(app, "/account/language", &alice, &[("language", "")]).await;
    assert_eq!(answer.headers().get("HX-Refresh").map(|value| value.to_str().unwrap()), Some("true"));
    let (_, html) = get(app, "/", &headers).await;
    assert_eq!(lang_of(&html), "fr");
    let html = page_200(app, "/", &alice.cookie).await;
    assert_eq!(lang_of(&html), "en", "no Accept-Language, no choice: English");
}

#[tokio::test]
async fn a_refusal_is_said_in_the_pages_language_and_the_api_says_it_in_english() {
    let tree = tree().await;
    let app = &tree.app;
    // A wrong password on the login page of a Polish browser.
    let wrong = app
        .client
        .post(format!("{}/login", app.address))
        .header("Accept-Language", "pl")
        .form(&[("username", "alice"), ("password", "not the password at all")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let html = wrong.text().await.unwrap();
    assert!(html.contains(&said("pl", "login-refused-credentials")), "{html}");

    // Her machine's agent is down: what the use case answers, in her language.
    let alice = signed_in(app, "alice").await;
    let exec = format!("/containers/{}/exec", tree.a);
    for (language, expected) in [
        ("fr", "La machine m1 est injoignable pour le moment\u{202f}; réessayez dans une minute"),
        ("pl", "Maszyna m1 jest teraz nieosiągalna; spróbuj ponownie za minutę"),
        ("en", "Machine m1 cannot be reached right now; try again in a minute"),
    ] {
        assert_eq!(htmx_send(app, "/account/language", &alice, &[("language", language)]).await.status(), 200);
        let answer = htmx_send(app, &exec, &alice, &[("command", "uptime"), ("timeout_s", "5")]).await;
        assert_eq!(answer.status(), 200, "htmx swaps it in");
        let html = answer.text().await.unwrap();
        assert!(html.contains("role=\"alert\"") && html.contains(expected), "{language}: {html}");
    }

    // The API, whatever her choice and her browser: the English message.
    assert_eq!(htmx_send(app, "/account/language", &alice, &[("language", "pl")]).await.status(), 200);
    let session = app.login("alice", PASSWORD).await;
    let response = app
        .with_session(Method::POST, &format!("/containers/{}/restart", tree.a), &session)
        .header("Accept-Language", "pl")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "agent_unavailable");
    assert_eq!(
        body["error"]["message"],
        "machine m1 cannot be reached right now; try again in a minute, and tell an admin if it lasts"
    );

    // What the protocol crate and the limits' ranges refuse: in her language on the new-container page
    // (Polish, then French), in their own English in the API.
    let new_container = |name, cpu| [("name", name), ("image", "smp-busybox"), ("cpu", cpu)];
    let html = htmx_send(app, "/containers/new", &alice, &new_container("-x", "")).await.text().await.unwrap();
    let polish =
        "Nieprawidłowa nazwa kontenera: musi zaczynać się od litery (od 1 do 63 znaków: litery, cyfry i &#39;-&#39;";
    assert!(html.contains(polish), "{html}");
    let bad_name = json!({"name": "-x", "image": "smp-busybox"});
    let body: serde_json::Value =
        app.send_json(Method::POST, "/containers", &session, &bad_name).await.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "invalid container name: it must start with a letter (1-63 letters, digits and '-', starting with a letter, \
         not ending with '-')"
    );
    assert_eq!(htmx_send(app, "/account/language", &alice, &[("language", "fr")]).await.status(), 200);
    let html = htmx_send(app, "/containers/new", &alice, &new_container("x1", "0")).await.text().await.unwrap();
    assert!(html.contains("CPU\u{a0}: donnez un nombre entier de 1 à 1024, ou laissez le champ vide"), "{html}");
    let no_cpu = json!({"name": "x1", "image": "smp-busybox", "limits": {"cpu": 0}});
    let body: serde_json::Value =
        app.send_json(Method::POST, "/containers", &session, &no_cpu).await.json().await.unwrap();
    assert_eq!(body["error"]["message"], "limits: cpu must be 1 to 1024, or left out");
}
