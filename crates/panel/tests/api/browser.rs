//! The web UI in real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, which `make setup-browser` installs), driven over
//! WebDriver (fantoccini), against the real panel, the real agent and the
//! real LXD (a service's page on a real `smp-debian` container with
//! systemd). Screenshots of the pages go to `target/screenshots/`.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::panel_agent::{PASSWORD, World};
use crate::real_agent::{LxdProject, TEST_UNIT};

/// WebDriver's Tab and Enter keys.
const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';

/// How long a page may take to show an outcome (a clean busybox restart takes about a second).
const PAGE_WAIT: Duration = Duration::from_secs(60);

/// `chromedriver` on a free port and one headless Chromium session; both end on drop.
pub(crate) struct Browser {
    driver: Child,
    client: Option<Client>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("chromedriver cannot start ({error}): run `make setup-browser`"));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session through chromedriver");
        Browser { driver, client: Some(client), _profile: profile }
    }

    pub(crate) fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open until drop")
    }

    /// Saves a PNG of the window as `target/screenshots/<name>.png`.
    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.expect("a screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// The same screenshot at `width`×`height`; the window is back at 1280×900 after.
    pub(crate) async fn screenshot_sized(&self, name: &str, width: u32, height: u32) {
        self.client().set_window_size(width, height).await.unwrap();
        self.screenshot(name).await;
        self.client().set_window_size(1280, 900).await.unwrap();
    }

    pub(crate) async fn click(&self, locator: Locator<'_>) {
        self.client().find(locator).await.unwrap().click().await.unwrap();
    }

    /// Waits (bounded) until the browser is on the dashboard after a sign-in,
    /// then for its heading. The login page has a heading too, so waiting
    /// for one alone could pass while the form is still being submitted.
    pub(crate) async fn wait_for_dashboard(&self, panel: &str, why: &str) {
        let dashboard = url::Url::parse(&format!("{panel}/")).unwrap();
        let reached = self.client().wait().at_most(PAGE_WAIT).for_url(&dashboard).await;
        let at = self.client().current_url().await.unwrap();
        assert!(reached.is_ok(), "{why}: the browser is still at {at}");
        self.client().wait().at_most(PAGE_WAIT).for_element(Locator::Css("h1")).await.unwrap();
    }

    /// Types `text` into the element at `css`.
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        self.client().find(Locator::Css(css)).await.unwrap().send_keys(text).await.unwrap();
    }

    pub(crate) async fn text_of(&self, css: &str) -> String {
        self.client().find(Locator::Css(css)).await.unwrap().text().await.unwrap()
    }

    /// Waits (bounded) until the page has loaded and htmx has processed it:
    /// a click before that reaches the browser's own form submission, not
    /// htmx (htmx is loaded with `defer` and binds on DOMContentLoaded).
    pub(crate) async fn wait_for_htmx(&self) {
        let started = Instant::now();
        let probe = "return document.readyState === 'complete' && typeof htmx !== 'undefined'";
        while !self.client().execute(probe, vec![]).await.is_ok_and(|ready| ready == json!(true)) {
            assert!(started.elapsed() < PAGE_WAIT, "htmx never processed {:?}", self.client().current_url().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (bounded) until the element at `css` shows text containing `wanted`.
    pub(crate) async fn wait_for_text(&self, css: &str, wanted: &str) {
        let started = Instant::now();
        loop {
            let shown = match self.client().find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::from("(no such element)"),
            };
            if shown.contains(wanted) {
                return;
            }
            assert!(started.elapsed() < PAGE_WAIT, "{css} never showed {wanted:?}; it shows {shown:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    /// Killing chromedriver leaves its Chromium behind, so every process
    /// started with this session's profile directory is killed too.
    fn drop(&mut self) {
        drop(self.client.take());
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let profile = self._profile.path().display().to_string();
        let _ = Command::new("pkill").args(["-KILL", "-f", "--", &format!("--user-data-dir={profile}")]).status();
    }
}

/// Signs in through the login form as `username`.
pub(crate) async fn sign_in(browser: &Browser, panel: &str, username: &str, password: &str) {
    browser.client().goto(&format!("{panel}/login")).await.unwrap();
    browser.type_into("#username", username).await;
    browser.type_into("#password", password).await;
    browser.click(Locator::Css("button[type=submit]")).await;
    browser.wait_for_dashboard(panel, "signed in, on the dashboard").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_signs_in_sees_only_hers_and_a_restart_from_the_page_really_restarts_it() {
    let project = LxdProject::with_busyboxes(&["c-alice", "c-bob"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let alices = world.synced("m1", "c-alice").await;
    let bobs = world.synced("m1", "c-bob").await;
    world.member_owning("alice", alices).await;
    world.member_owning("bob", bobs).await;

    let browser = Browser::start().await;
    let panel = world.app.address.clone();
    browser.client().goto(&format!("{panel}/login")).await.unwrap();
    browser.screenshot("login").await;
    sign_in(&browser, &panel, "alice", PASSWORD).await;
    let dashboard = browser.client().source().await.unwrap();
    assert!(dashboard.contains("c-alice"), "her container is listed");
    assert!(!dashboard.contains("c-bob"), "bob's is not");
    browser.screenshot("dashboard").await;
    // A phone's width: the table folds into one block per container.
    browser.screenshot_sized("dashboard-phone", 390, 844).await;

    browser.click(Locator::LinkText("c-alice")).await;
    browser.wait_for_text("#status-value", "running").await;
    browser.screenshot("container").await;
    let before = project.init_pid("c-alice").unwrap();
    browser.click(Locator::XPath("//button[normalize-space()='Restart']")).await;
    browser.wait_for_text("#job", "c-alice is running").await;
    browser.wait_for_text("#status-value", "running").await;
    let after = project.init_pid("c-alice").expect("c-alice runs again");
    assert_ne!(before, after, "the page's restart made a new init in LXD");
    browser.screenshot("container-restarted").await;

    // Bob's container page is the 404 page, like a missing one.
    browser.client().goto(&format!("{panel}/containers/{bobs}")).await.unwrap();
    assert_eq!(browser.text_of("h1").await, "Not found");

    // A request forged without the CSRF token (from the page itself) is refused; nothing restarts.
    let before = project.init_pid("c-alice").unwrap();
    let status = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(arguments[0], {method: 'POST', credentials: 'same-origin'}).then(r => done(r.status));",
            vec![json!(format!("/containers/{alices}/restart"))],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));
    assert_eq!(project.init_pid("c-alice"), Some(before), "the forged request restarted nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_assigns_a_container_on_the_page_and_the_member_then_sees_it_and_runs_a_command_in_it() {
    let project = LxdProject::with_busyboxes(&["c-new"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c-new").await;
    world.member("mia").await;
    let panel = world.app.address.clone();

    // The member signs in with the keyboard alone (Tab to the password, Enter
    // to submit), and owns nothing yet.
    let member = Browser::start().await;
    member.client().goto(&format!("{panel}/login")).await.unwrap();
    let username = member.client().find(Locator::Css("#username")).await.unwrap();
    username.send_keys(&format!("mia{TAB}{PASSWORD}{ENTER}")).await.unwrap();
    member.wait_for_dashboard(&panel, "signed in from the keyboard").await;
    assert!(member.client().source().await.unwrap().contains("You own no containers yet"));
    member.screenshot("dashboard-empty").await;

    // The head admin gives her c-new on the all-containers page.
    let admin = Browser::start().await;
    sign_in(&admin, &panel, "root", PASSWORD).await;
    admin.client().goto(&format!("{panel}/admin/containers")).await.unwrap();
    let owner = admin.client().find(Locator::Css(&format!("#owner-{id}"))).await.unwrap();
    owner.clear().await.unwrap();
    owner.send_keys("mia").await.unwrap();
    let set = format!("//input[@id='owner-{id}']/following-sibling::button");
    admin.wait_for_htmx().await;
    admin.click(Locator::XPath(&set)).await;
    admin.wait_for_text("tbody", "Saved").await;
    admin.screenshot("admin-containers").await;
    for page in ["users", "machines", "audit"] {
        admin.client().goto(&format!("{panel}/admin/{page}")).await.unwrap();
        admin.client().wait().at_most(PAGE_WAIT).for_element(Locator::Css("h1")).await.unwrap();
        admin.screenshot(&format!("admin-{page}")).await;
    }

    // She sees it now, and runs a command in it from its page.
    member.client().goto(&format!("{panel}/")).await.unwrap();
    assert!(member.client().source().await.unwrap().contains("c-new"), "the member now sees c-new");
    member.click(Locator::LinkText("c-new")).await;
    let command = member.client().wait().at_most(PAGE_WAIT).for_element(Locator::Css("#exec-command")).await.unwrap();
    command.send_keys("echo\nhello from the browser").await.unwrap();
    let run = "//form[@hx-post][.//textarea[@id='exec-command']]//button";
    member.wait_for_htmx().await;
    member.click(Locator::XPath(run)).await;
    member.wait_for_text("#exec-result", "hello from the browser").await;
    assert!(member.text_of("#exec-result").await.contains("Exit code 0"));
    member.screenshot("container-exec").await;
}

/// How many times `text` contains `needle`.
fn occurrences(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_owner_signs_in_restarts_her_service_from_its_page_and_follows_its_journal() {
    let project = LxdProject::with_test_unit_on_debian("d-web");
    let (_agent, world, _) = World::with_m1(&project).await;
    let container = world.synced("m1", "d-web").await;
    world.member("sam").await;
    let create = json!({"container_id": container, "unit": TEST_UNIT, "owner": "sam"});
    let created = world.post("/services", &world.admin, create).await;
    assert_eq!(created.status(), 201);
    let service = created.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let panel = world.app.address.clone();

    // Sam owns no container: her dashboard lists her service, not the empty state.
    let browser = Browser::start().await;
    sign_in(&browser, &panel, "sam", PASSWORD).await;
    let dashboard = browser.client().source().await.unwrap();
    assert!(!dashboard.contains("You own no containers yet"), "she has a service");
    assert!(dashboard.contains("d-web"), "the name of the container it runs on");
    browser.screenshot("dashboard-services").await;
    browser.click(Locator::LinkText(TEST_UNIT)).await;
    assert_eq!(browser.client().current_url().await.unwrap().path(), format!("/services/{service}"));
    browser.wait_for_text("#status-value", "active").await;
    browser.wait_for_text("#state", "running").await;
    browser.wait_for_text("#journal", "smp-test-started").await;
    let started_before = occurrences(&browser.text_of("#journal").await, "smp-test-started");

    let starts = project.test_unit_starts("d-web");
    browser.click(Locator::XPath("//button[normalize-space()='Restart']")).await;
    browser.wait_for_text("#job", &format!("{TEST_UNIT} is active (running)")).await;
    assert_eq!(project.test_unit_starts("d-web"), starts + 1, "the page's restart really started the unit again");
    // The followed journal shows the new start's line without a reload.
    let started = Instant::now();
    while occurrences(&browser.text_of("#journal").await, "smp-test-started") <= started_before {
        assert!(started.elapsed() < PAGE_WAIT, "the journal never showed the restart's line");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Tall enough to show the whole page, journal included.
    browser.screenshot_sized("service", 1280, 1700).await;
    browser.screenshot_sized("service-phone", 390, 844).await;

    // Paused, the journal polls no more and offers to follow again.
    browser.click(Locator::Css("#journal-toggle")).await;
    browser.wait_for_text("#journal-toggle", "Follow").await;
    let pollers = browser.client().find_all(Locator::Css("#journal [hx-trigger='every 2s']")).await.unwrap();
    assert!(pollers.is_empty(), "paused: nothing polls the journal");

    // The admin adds a second service from the container page, picking the
    // unit from the list the real agent gives.
    let admin = Browser::start().await;
    sign_in(&admin, &panel, "root", PASSWORD).await;
    admin.client().goto(&format!("{panel}/containers/{container}")).await.unwrap();
    admin.wait_for_text("#service-list", TEST_UNIT).await;
    admin.wait_for_htmx().await;
    admin.click(Locator::Css("#add-service summary")).await;
    let list_units = "//button[normalize-space()='List the units of d-web']";
    admin.click(Locator::XPath(list_units)).await;
    admin.wait_for_text("#unit-picker", "systemd-journald.service").await;
    let managed = format!("#new-service-unit option[value='{TEST_UNIT}']");
    let managed = admin.client().find(Locator::Css(&managed)).await.unwrap();
    assert!(managed.attr("disabled").await.unwrap().is_some(), "a unit that is a service already cannot be picked");
    let journald = "#new-service-unit option[value='systemd-journald.service']";
    admin.click(Locator::Css(journald)).await;
    admin.type_into("#new-service-description", "The journal").await;
    let add = "//button[normalize-space()='Add the service']";
    admin.click(Locator::XPath(add)).await;
    admin.wait_for_text("#add-service-result", "systemd-journald.service is a service now").await;
    admin.wait_for_text("#service-list", "The journal").await;
    admin.client().execute("document.getElementById('services').scrollIntoView()", vec![]).await.unwrap();
    admin.screenshot("container-services").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_creates_a_sub_container_from_her_containers_page_sees_it_running_and_deletes_it() {
    let project = LxdProject::with_busyboxes(&["c-mia"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let parent = world.synced("m1", "c-mia").await;
    let mia = world.member_owning("mia", parent).await;
    let me: serde_json::Value = world.get("/me", &mia).await.json().await.unwrap();
    let quota = json!({"containers": 2, "cpu": 2, "memory_mb": 1024, "disk_mb": 8192});
    let path = format!("/users/{}/quota", me["id"]);
    let set = world.app.send_json(reqwest::Method::PUT, &path, &world.admin, &quota).await;
    assert_eq!(set.status(), 200);
    let panel = world.app.address.clone();

    // From her container's page to the form, below that container.
    let browser = Browser::start().await;
    sign_in(&browser, &panel, "mia", PASSWORD).await;
    browser.client().goto(&format!("{panel}/containers/{parent}")).await.unwrap();
    browser.click(Locator::Css("#add-sub-container")).await;
    browser.wait_for_text("h1", "New container").await;
    assert_eq!(browser.client().current_url().await.unwrap().query(), Some(format!("parent={parent}").as_str()));
    assert!(browser.text_of("#usage").await.contains("0 of 2 containers, 0 of 2 CPUs"), "her quota and usage");
    let selected = browser.client().find(Locator::Css("#new-parent option[selected]")).await.unwrap();
    assert_eq!(selected.attr("value").await.unwrap(), Some(parent.to_string()), "c-mia is the parent");
    browser.wait_for_htmx().await;
    // The image suggestions come from the real agent.
    browser.wait_for_text("#image-hint", "smp-busybox").await;
    browser.type_into("#new-name", "mia-db").await;
    browser.type_into("#new-image", "smp-busybox").await;
    browser.type_into("#new-memory", "256").await;
    let create = "//button[normalize-space()='Create the container']";
    browser.click(Locator::XPath(create)).await;

    // Its status becomes running on the page, without a reload; LXD runs it.
    browser.wait_for_text("#creation", "running").await;
    assert!(project.init_pid("mia-db").is_some(), "the sub-container really runs in LXD");
    assert!(browser.text_of("#usage").await.contains("1 of 2 containers, 1 of 2 CPUs, 256 of 1,024 MiB of memory"));
    browser.client().execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    browser.screenshot_sized("container-new", 1280, 1300).await;

    // Its page: in her quota, below c-mia; she deletes it after the confirmation step.
    browser.click(Locator::LinkText("Open its page")).await;
    browser.wait_for_text("#status-value", "running").await;
    assert!(browser.text_of("#config-facts").await.contains("yes: a sub-container of mia"));
    browser.screenshot_sized("sub-container", 1280, 1500).await;
    browser.client().goto(&format!("{panel}/containers/{parent}")).await.unwrap();
    browser.wait_for_text("#sub-containers", "mia-db").await;
    browser.click(Locator::LinkText("mia-db")).await;
    browser.wait_for_htmx().await;
    browser.click(Locator::Css("#delete-container summary")).await;
    let confirm = "//button[normalize-space()='Yes, delete mia-db']";
    browser.click(Locator::XPath(confirm)).await;
    let started = Instant::now();
    while browser.client().current_url().await.unwrap().path() != "/" {
        assert!(started.elapsed() < PAGE_WAIT, "the page never went to the dashboard after the delete");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listed = crate::real_agent::lxc(&["list", "--project", &project.name, "--format", "csv", "-c", "n"]);
    assert!(!listed.lines().any(|name| name.trim() == "mia-db"), "gone from LXD: {listed}");
    assert!(listed.lines().any(|name| name.trim() == "c-mia"), "its parent stays: {listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_takes_a_snapshot_on_her_container_page_breaks_the_container_and_restores_it() {
    let project = LxdProject::with_busyboxes(&["c-snap"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c-snap").await;
    world.member_owning("alice", id).await;

    let browser = Browser::start().await;
    let panel = world.app.address.clone();
    sign_in(&browser, &panel, "alice", PASSWORD).await;
    browser.client().goto(&format!("{panel}/containers/{id}")).await.unwrap();
    browser.wait_for_htmx().await;
    browser.wait_for_text("#snapshots", "No snapshots yet").await;
    let name = browser.client().find(Locator::Css("#snapshot-name")).await.unwrap();
    name.clear().await.unwrap();
    name.send_keys("before-upgrade").await.unwrap();
    browser.click(Locator::XPath("//button[normalize-space()='Take a snapshot']")).await;
    browser.wait_for_text("#snapshot-job", "Snapshot before-upgrade of c-snap taken.").await;
    browser.wait_for_text("#snapshot-list", "before-upgrade").await;
    browser.screenshot("container-snapshots").await;

    assert_eq!(project.exec("c-snap", &["touch", "/root/broken"]).0, 0);
    let before = project.init_pid("c-snap").unwrap();
    browser.click(Locator::XPath("//summary[normalize-space()='Restore…']")).await;
    let warning = browser.text_of("#snapshot-before-upgrade details p").await;
    assert!(warning.contains("everything that changed in it since is lost"), "{warning}");
    browser.click(Locator::XPath("//button[normalize-space()='Restore before-upgrade']")).await;
    browser.wait_for_text("#snapshot-job", "c-snap is back to before-upgrade.").await;
    assert_eq!(project.exec("c-snap", &["test", "-e", "/root/broken"]).0, 1, "the restore took the file away");
    assert_ne!(project.init_pid("c-snap"), Some(before), "LXD stopped and started it");
    browser.screenshot("container-snapshot-restored").await;
}
