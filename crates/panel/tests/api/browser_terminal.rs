//! The terminal pages in real headless Chromium (`browser::Browser`) on the
//! real agent and LXD: a member computes in her container's shell, the
//! terminal follows the window's size, the page runs under its CSP with no
//! violation (a listener registered through the DevTools protocol before any
//! page script), the Console tab replays the boot output, a reload takes the
//! shell back, a shared session with a read-only guest, and the 404 page of
//! a service owner.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};
use smp_panel::Role;

use crate::browser::{Browser, sign_in};
use crate::containers_api::{PASSWORD as TREE_PASSWORD, tree};
use crate::panel_agent::{PASSWORD, World};
use crate::real_agent::LxdProject;
use crate::services_api::service;

/// WebDriver's Enter key.
const ENTER: char = '\u{E007}';

/// How long the terminal may take to show something.
const TERMINAL_WAIT: Duration = Duration::from_secs(15);

/// A command of Chromium's DevTools protocol, through chromedriver's
/// `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({"cmd": self.method, "params": self.params}).to_string()))
    }
}

/// Runs before any script of every page from now on: records each CSP
/// violation the page reports in `window.smpViolations`.
const VIOLATION_LISTENER: &str = "window.smpViolations = [];\
    window.addEventListener('securitypolicyviolation', (event) => window.smpViolations.push(\
        `${event.effectiveDirective} ${event.blockedURI} ${event.sample}`), true);";

async fn listen_for_csp_violations(browser: &Browser) {
    let command =
        Cdp { method: "Page.addScriptToEvaluateOnNewDocument", params: json!({"source": VIOLATION_LISTENER}) };
    browser.client().issue_cmd(command).await.expect("chromedriver runs DevTools commands");
}

/// The CSP violations the page has reported so far.
async fn violations(browser: &Browser) -> Vec<String> {
    let seen = browser.client().execute("return window.smpViolations", vec![]).await.unwrap();
    serde_json::from_value(seen).expect("the listener ran before the page's scripts")
}

/// The terminal's screen as text, a line per row.
async fn screen(browser: &Browser) -> String {
    let rows = "return Array.from(document.querySelectorAll('.xterm-rows > div'))\
        .map((row) => row.textContent.replace(/\\u00a0/g, ' ')).join('\\n')";
    browser.client().execute(rows, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

/// Waits (bounded) until a line of the screen satisfies `wanted`; that line.
async fn wait_for_line(browser: &Browser, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let shown = screen(browser).await;
        if let Some(line) = shown.lines().find(|line| wanted(line.trim())) {
            return line.trim().to_owned();
        }
        let status = browser.text_of("#terminal-status").await;
        assert!(started.elapsed() < TERMINAL_WAIT, "{what} never showed; status {status:?}, screen:\n{shown}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded) until the status line says the socket is attached.
async fn wait_connected(browser: &Browser) {
    browser.wait_for_text("#terminal-status", "Connected").await;
}

/// Types `line` and Enter into the terminal.
async fn type_line(browser: &Browser, line: &str) {
    let input = browser.client().find(Locator::Css(".xterm-helper-textarea")).await.unwrap();
    input.send_keys(&format!("{line}{ENTER}")).await.unwrap();
}

/// `stty size` in the terminal: (rows, columns).
async fn stty_size(browser: &Browser, marker: &str) -> (u16, u16) {
    // The marker keeps this answer apart from an earlier one on the screen.
    type_line(browser, &format!("echo {marker} $(stty size)")).await;
    let line = wait_for_line(browser, marker, |line| line.starts_with(&format!("{marker} "))).await;
    let numbers: Vec<u16> = line.split_whitespace().skip(1).map(|number| number.parse().unwrap()).collect();
    assert_eq!(numbers.len(), 2, "{line}");
    (numbers[0], numbers[1])
}

/// The rows xterm.js shows.
async fn shown_rows(browser: &Browser) -> u16 {
    let count = browser.client().execute("return document.querySelectorAll('.xterm-rows > div').length", vec![]);
    count.await.unwrap().as_u64().unwrap() as u16
}

/// A busybox container `name` on a fresh panel with the real agent, owned by
/// alice, who is signed in in Chromium (listening for CSP violations).
async fn alice_in_chromium(project: &LxdProject, name: &str) -> (crate::real_agent::Agent, World, i64, Browser) {
    let (agent, world, _) = World::with_m1(project).await;
    let id = world.synced("m1", name).await;
    world.member_owning("alice", id).await;
    let browser = Browser::start().await;
    listen_for_csp_violations(&browser).await;
    sign_in(&browser, &world.app.address, "alice", PASSWORD).await;
    (agent, world, id, browser)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_computes_in_her_containers_terminal_in_chromium_under_the_csp_without_a_violation() {
    let project = LxdProject::with_busyboxes(&["c-term"]);
    let (_agent, world, id, browser) = alice_in_chromium(&project, "c-term").await;
    let panel = world.app.address.clone();

    // From her container's page to the terminal.
    browser.client().goto(&format!("{panel}/containers/{id}")).await.unwrap();
    browser.click(Locator::Css("#open-terminal")).await;
    wait_connected(&browser).await;
    type_line(&browser, "echo $((6*7))").await;
    wait_for_line(&browser, "42", |line| line == "42").await;
    // 24-bit colour, which xterm.js writes as a style attribute.
    type_line(&browser, r"printf '\033[38;2;255;0;0mRED-TRUE\033[0m\n'").await;
    wait_for_line(&browser, "the red line", |line| line == "RED-TRUE").await;
    let red = "return Array.from(document.querySelectorAll('.xterm-rows span'))\
        .some((span) => span.textContent === 'RED-TRUE' && getComputedStyle(span).color === 'rgb(255, 0, 0)')";
    assert_eq!(browser.client().execute(red, vec![]).await.unwrap(), json!(true), "the output is red");
    assert_eq!(violations(&browser).await, Vec::<String>::new(), "no CSP violation");
    // xterm.js's own styles apply: its rows are laid out by them.
    let styled = "return Array.from(document.querySelectorAll('#terminal style')).every((s) => s.sheet !== null)\
        && document.querySelectorAll('#terminal style').length > 0";
    assert_eq!(browser.client().execute(styled, vec![]).await.unwrap(), json!(true), "xterm's <style>s are applied");
    // The nonce is in the script element's property only: the browser hides the
    // attribute, and the style elements carry it as a property too.
    let hidden = "const script = document.querySelector('script[src=\"/assets/terminal.js\"]');\
        return script.getAttribute('nonce') === '' && script.nonce.length === 32\
        && !document.documentElement.outerHTML.includes(script.nonce)";
    assert_eq!(browser.client().execute(hidden, vec![]).await.unwrap(), json!(true), "the nonce is hidden");
    browser.screenshot("terminal").await;

    // The CSP is on and the listener hears it: a <style> without the nonce and
    // a style attribute (neither through the page's script) are refused.
    let inject = "const style = document.createElementNS('http://www.w3.org/1999/xhtml', 'style');\
        style.textContent = 'body { background: red }'; document.head.appendChild(style);\
        document.body.setAttributeNS(null, 'style', 'color: red');";
    browser.client().execute(inject, vec![]).await.unwrap();
    let started = Instant::now();
    let seen = loop {
        let seen = violations(&browser).await;
        if seen.len() >= 2 || started.elapsed() > TERMINAL_WAIT {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(seen.iter().any(|violation| violation.starts_with("style-src-elem inline")), "{seen:?}");
    assert!(seen.iter().any(|violation| violation.starts_with("style-src-attr inline")), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_terminal_follows_the_window_size_and_a_reload_takes_the_same_shell_back() {
    let project = LxdProject::with_busyboxes(&["c-size"]);
    let (_agent, world, id, browser) = alice_in_chromium(&project, "c-size").await;
    let panel = world.app.address.clone();
    browser.client().goto(&format!("{panel}/containers/{id}/terminal")).await.unwrap();
    wait_connected(&browser).await;
    let (rows, cols) = stty_size(&browser, "big").await;
    assert_eq!(rows, shown_rows(&browser).await, "the PTY has the rows xterm.js shows");

    browser.client().set_window_size(800, 600).await.unwrap();
    let started = Instant::now();
    let (smaller_rows, smaller_cols) = loop {
        let size = stty_size(&browser, &format!("small{}", started.elapsed().as_millis())).await;
        if size != (rows, cols) || started.elapsed() > TERMINAL_WAIT {
            break size;
        }
    };
    assert!(smaller_rows < rows && smaller_cols < cols, "{rows}x{cols} became {smaller_rows}x{smaller_cols}");
    assert_eq!(smaller_rows, shown_rows(&browser).await);

    // A reload takes the same shell back (its variable is still set).
    type_line(&browser, "kept=41").await;
    wait_for_line(&browser, "the shell's echo of kept=41", |line| line.ends_with("# kept=41")).await;
    browser.client().refresh().await.unwrap();
    wait_connected(&browser).await;
    type_line(&browser, "echo kept-$((kept+1))").await;
    wait_for_line(&browser, "kept-42", |line| line == "kept-42").await;
    let tickets: Vec<_> = world.app.audit_rows_of("terminal.ticket").into_iter().filter_map(|row| row.detail).collect();
    assert!(tickets.last().is_some_and(|detail| detail.starts_with("session=")), "taken back by id: {tickets:?}");
    assert_eq!(violations(&browser).await, Vec::<String>::new(), "no CSP violation");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_tab_replays_the_busybox_containers_boot_output() {
    let project = LxdProject::with_busyboxes(&["c-boot"]);
    let (_agent, world, id, browser) = alice_in_chromium(&project, "c-boot").await;
    let panel = world.app.address.clone();
    browser.client().goto(&format!("{panel}/containers/{id}/terminal")).await.unwrap();
    wait_connected(&browser).await;
    browser.click(Locator::Css("#tab-console")).await;
    wait_connected(&browser).await;
    assert_eq!(browser.client().current_url().await.unwrap().query(), Some("mode=console"));
    wait_for_line(&browser, "the boot output", |line| line.contains("smp-init: up")).await;
    browser.screenshot("terminal-console").await;
    assert_eq!(violations(&browser).await, Vec::<String>::new(), "no CSP violation");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_owner_gets_the_404_page_for_the_terminal_of_her_services_container() {
    let t = tree().await;
    let carol = t.app.user("carol", Role::Member, TREE_PASSWORD, true);
    service(&t.app, t.d, "web.service", Some(carol));
    let browser = Browser::start().await;
    sign_in(&browser, &t.app.address, "carol", TREE_PASSWORD).await;
    browser.client().goto(&format!("{}/containers/{}/terminal", t.app.address, t.d)).await.unwrap();
    assert_eq!(browser.text_of("h1").await, "Not found");
    assert!(browser.client().find(Locator::Css("#terminal")).await.is_err(), "no terminal");
}

/// Waits (bounded) until `script` answers true in `browser`.
async fn wait_until_true(browser: &Browser, what: &str, script: &str) {
    let started = Instant::now();
    while browser.client().execute(script, vec![]).await.unwrap() != json!(true) {
        assert!(started.elapsed() < TERMINAL_WAIT, "{what}: not within {TERMINAL_WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_session_shows_the_owners_shell_to_a_read_only_guest_whose_keys_do_nothing_until_she_may_type() {
    let project = LxdProject::with_busyboxes(&["c-share"]);
    let (_agent, world, id, alice) = alice_in_chromium(&project, "c-share").await;
    world.member("bob").await;
    let panel = world.app.address.clone();

    // She starts a shared session from her container's page and invites bob to watch.
    alice.client().goto(&format!("{panel}/containers/{id}")).await.unwrap();
    alice.wait_for_htmx().await;
    alice.click(Locator::Css("#start-shared")).await;
    wait_connected(&alice).await;
    let path = alice.client().current_url().await.unwrap().path().to_owned();
    assert!(path.starts_with("/terminal-sessions/"), "on the session's page: {path}");
    alice.type_into("#invite-username", "bob").await;
    alice.click(Locator::Css("#invite-form button[type=submit]")).await;
    alice.wait_for_text("#session-message", "bob may watch.").await;
    type_line(&alice, "echo shared-$((40+2))").await;
    wait_for_line(&alice, "shared-42", |line| line == "shared-42").await;

    // He joins from his dashboard: the current screen, her size, read-only.
    let bob = Browser::start().await;
    listen_for_csp_violations(&bob).await;
    sign_in(&bob, &panel, "bob", PASSWORD).await;
    bob.click(Locator::LinkText("Join the session on c-share")).await;
    wait_connected(&bob).await;
    wait_for_line(&bob, "her output", |line| line == "shared-42").await;
    assert_eq!(bob.text_of("#terminal-mode").await, "read-only");
    assert_eq!(shown_rows(&bob).await, shown_rows(&alice).await, "he sees her PTY's size");
    let bobs_row = "#participants li[data-username='bob']";
    alice.wait_for_text(bobs_row, "read").await;
    alice.wait_for_text(bobs_row, "connected").await;
    bob.wait_for_text("#participants", "alice").await;

    // His keys are dropped by the panel: no file appears.
    type_line(&bob, "touch /tmp/bob-was-here").await;
    type_line(&alice, "echo after-$((1+1))").await;
    wait_for_line(&bob, "her next output", |line| line == "after-2").await;
    assert_ne!(project.exec("c-share", &["test", "-e", "/tmp/bob-was-here"]).0, 0, "his keys changed nothing");

    // She lets him type: his keys reach the shell, and she sees them.
    alice.click(Locator::XPath("//li[@data-username='bob']//button[normalize-space()='Let type']")).await;
    wait_until_true(&bob, "his read-only mark goes", "return document.getElementById('terminal-mode').hidden").await;
    type_line(&bob, "echo bob-$((1+1))").await;
    wait_for_line(&alice, "his output", |line| line == "bob-2").await;
    alice.screenshot("terminal-shared").await;

    // Removed, his socket closes with its reason.
    alice.click(Locator::XPath("//li[@data-username='bob']//button[normalize-space()='Remove']")).await;
    bob.wait_for_text("#terminal-status", "Closed (4001)").await;
    for browser in [&alice, &bob] {
        assert_eq!(violations(browser).await, Vec::<String>::new(), "no CSP violation");
    }
}
