//! The pages in French and Polish in real headless Chromium: a member picks
//! her language on her account page and the next page is in it; the
//! dashboard, a container's page and the new-container page show their
//! plural counts in each language (screenshots in `target/screenshots/`,
//! copied to docs/screenshots/); and every page a member, a head admin and
//! a visitor see fits a phone's width in English, French and Polish (no
//! horizontal scroll).

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{Browser, sign_in};
use crate::containers_api::{PASSWORD, tree};
use crate::services_api::service;

/// The language of the page now shown, once the page has loaded.
async fn page_language(browser: &Browser) -> String {
    let probe = "return document.readyState === 'complete' ? document.documentElement.lang : ''";
    let value = browser.client().execute(probe, vec![]).await.unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

/// Chooses `code` in the Language section of her account page and waits
/// (bounded) for the page to come back in it.
async fn choose_language(browser: &Browser, panel: &str, code: &str) {
    browser.client().goto(&format!("{panel}/account")).await.unwrap();
    browser.wait_for_htmx().await;
    let select = browser.client().find(Locator::Css("#language-choice")).await.unwrap();
    select.select_by_value(code).await.unwrap();
    browser.click(Locator::Css("#language-save")).await;
    let started = Instant::now();
    while page_language(browser).await != code {
        assert!(started.elapsed() < Duration::from_secs(30), "the account page did not come back in {code}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens `path` and asserts that nothing on it is wider than a 390 px
/// phone (the page never scrolls sideways) and that no raw key shows.
async fn fits_a_phone(browser: &Browser, panel: &str, path: &str, code: &str) {
    browser.client().goto(&format!("{panel}{path}")).await.unwrap();
    browser.wait_for_htmx().await;
    assert_eq!(page_language(browser).await, code, "{path}");
    let measured = browser
        .client()
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth, document.body.innerText.includes('⟦')]",
            vec![],
        )
        .await
        .unwrap();
    let (scroll_width, inner_width) = (measured[0].as_i64().unwrap(), measured[1].as_i64().unwrap());
    if scroll_width > inner_width {
        // Which elements reach past the window: the innermost ones say what to fix.
        let wide = "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)\
             .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))\
             .slice(0, 8).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right))";
        let culprits = browser.client().execute(wide, vec![]).await.unwrap();
        panic!("{path} in {code} scrolls sideways: {scroll_width} > {inner_width} px; too wide: {culprits}");
    }
    assert_eq!(measured[2], json!(false), "{path} in {code} shows a raw key");
}

#[tokio::test(flavor = "multi_thread")]
async fn she_reads_her_pages_in_french_and_polish_with_their_plurals_and_every_page_fits_a_phone_in_each_language() {
    let tree = tree().await;
    let panel = tree.app.address.clone();
    let browser = Browser::start().await;
    sign_in(&browser, &panel, "alice", PASSWORD).await;
    assert_eq!(page_language(&browser).await, "en");

    // Her tree: a (hers) with b inside it, two containers; one sub-container on a's page.
    let expected = [
        ("fr", "2 conteneurs", "1 sous-conteneur", "Nouveau conteneur"),
        ("pl", "2 kontenery", "1 podkontener", "Nowy kontener"),
    ];
    for (code, containers, sub_containers, new_container) in expected {
        choose_language(&browser, &panel, code).await;
        browser.client().goto(&format!("{panel}/")).await.unwrap();
        browser.wait_for_text("#container-count", containers).await;
        browser.screenshot(&format!("dashboard-{code}")).await;
        browser.client().goto(&format!("{panel}/containers/{}", tree.a)).await.unwrap();
        browser.wait_for_text("#sub-container-count", sub_containers).await;
        browser.screenshot_sized(&format!("container-{code}"), 1280, 1500).await;
        browser.client().goto(&format!("{panel}/containers/new")).await.unwrap();
        browser.wait_for_text("h1", new_container).await;
        browser.screenshot_sized(&format!("container-new-{code}"), 1280, 1300).await;
    }

    // Every page she has, then every page of a head admin, at a phone's width.
    let web = service(&tree.app, tree.a, "web.service", Some(tree.alice));
    let hers = [
        "/".to_owned(),
        format!("/containers/{}", tree.a),
        "/containers/new".to_owned(),
        format!("/services/{web}"),
        "/account".to_owned(),
        "/account/ssh-keys".to_owned(),
        "/account/security".to_owned(),
    ];
    browser.client().set_window_size(390, 844).await.unwrap();
    for code in ["en", "fr", "pl"] {
        choose_language(&browser, &panel, code).await;
        for path in &hers {
            fits_a_phone(&browser, &panel, path, code).await;
        }
    }
    let rows = tree.app.audit_rows_of("user.language");
    assert_eq!(rows.len(), 5, "each choice is audited");

    let admin = Browser::start().await;
    sign_in(&admin, &panel, "root", PASSWORD).await;
    admin.client().set_window_size(390, 844).await.unwrap();
    let admin_pages = ["/admin/containers", "/admin/users", "/admin/machines", "/admin/networks", "/admin/audit"];
    for code in ["en", "fr", "pl"] {
        choose_language(&admin, &panel, code).await;
        for path in admin_pages {
            fits_a_phone(&admin, &panel, path, code).await;
        }
    }
    drop(admin);

    // Signed out: the login page in each language of its switcher.
    let visitor = Browser::start().await;
    visitor.client().set_window_size(390, 844).await.unwrap();
    for code in ["en", "fr", "pl"] {
        fits_a_phone(&visitor, &panel, &format!("/login?lang={code}"), code).await;
    }
}
