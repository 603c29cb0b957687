//! The container page's panels over HTTP (state, logs, exec): hidden
//! containers are the 404 page with nothing attempted, agent and form errors
//! are readable fragments answered 200 (htmx swaps nothing else), and exec
//! is audited exactly like the API's. Also `Browser`, the signed-in page
//! client `web_admin_lists` reuses.

use crate::containers_api::tree;
use crate::helpers::TestApp;
use crate::web_account::{self, forged_post, htmx_post, page, signed_in};

/// A signed-in browser of one panel: `web_account`'s session (the cookie
/// and the CSRF token its pages carry) and the panel it talks to.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    session: web_account::Browser,
}

impl<'a> Browser<'a> {
    /// Signs in through the login form and reads the CSRF token from the
    /// `hx-headers` of the dashboard's `<body>`, as htmx does.
    pub(crate) async fn sign_in(app: &'a TestApp, username: &str) -> Browser<'a> {
        Browser { app, session: signed_in(app, username).await }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, String) {
        page(self.app, path, &self.session.cookie).await
    }

    /// An htmx form post: the form, the cookie and the CSRF header.
    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        htmx_post(self.app, path, &self.session, form).await
    }
}

/// (outcome, error code) of each audit row of `action`, oldest first.
pub(crate) fn audited(app: &TestApp, action: &str) -> Vec<(String, Option<String>)> {
    app.audit_rows().into_iter().filter(|row| row.action == action).map(|row| (row.outcome, row.error_code)).collect()
}

#[tokio::test]
async fn the_container_page_carries_the_three_panels_labelled_and_loads_the_state_lazily() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    let (status, html) = alice.get(&format!("/containers/{}", t.a)).await;
    assert_eq!(status, 200);
    for expected in [
        "id=\"status\"",
        "id=\"status-value\"",
        "id=\"job\"",
        ">Restart</button>",
        &format!("hx-get=\"/containers/{}/state\" hx-trigger=\"load\"", t.a),
        ">Refresh</button>",
        &format!("hx-get=\"/containers/{}/logs\"", t.a),
        "<label for=\"log-source\">",
        &format!("hx-post=\"/containers/{}/exec\"", t.a),
        "<label for=\"exec-command\">Command, one argument per line",
        "<label for=\"exec-timeout\">",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(!html.contains("style=") && !html.contains("hx-on") && !html.contains("<script>"), "{html}");
}

#[tokio::test]
async fn the_panels_of_a_hidden_container_are_the_404_page_and_nothing_is_attempted() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    for panel in ["state", "logs?source=lxc&lines=10"] {
        let missing = alice.get(&format!("/containers/999999/{panel}")).await;
        let hidden = alice.get(&format!("/containers/{}/{panel}", t.c)).await;
        assert_eq!(missing.0, 404, "{panel}");
        assert_eq!(hidden, missing, "{panel}: bob's container looks exactly like a missing one");
    }
    let missing = alice.post("/containers/999999/exec", &[("command", "uptime")]).await;
    let hidden = alice.post(&format!("/containers/{}/exec", t.c), &[("command", "uptime")]).await;
    assert_eq!(missing.0, 404);
    assert_eq!(hidden, missing);
    assert!(hidden.1.contains("There is nothing here, or nothing you may see."), "{}", hidden.1);
    let rows = audited(&t.app, "container.exec");
    assert_eq!(rows, vec![("refused".to_owned(), Some("not_found".to_owned())); 2], "audited like the API");
    assert!(t.app.audit_rows().iter().all(|row| row.outcome != "started"), "nothing was sent to an agent");
}

#[tokio::test]
async fn exec_with_the_agent_down_answers_a_readable_fragment_naming_the_machine_and_is_audited() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    let (status, html) =
        alice.post(&format!("/containers/{}/exec", t.a), &[("command", "uptime\r\n-p\r\n"), ("timeout_s", "5")]).await;
    assert_eq!(status, 200, "htmx swaps only 2xx: {html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Machine m1 cannot be reached right now; try again in a minute"), "{html}");
    let rows: Vec<_> = t.app.audit_rows_of("container.exec").into_iter().collect();
    let summary: Vec<_> = rows.iter().map(|row| (row.outcome.as_str(), row.error_code.as_deref())).collect();
    assert_eq!(summary, [("started", None), ("failed", Some("agent_unavailable"))]);
    for row in &rows {
        assert_eq!(
            (row.actor.as_str(), row.object.clone(), row.machine.as_deref()),
            ("alice", format!("container:{}", t.a), Some("m1"))
        );
    }
}

#[tokio::test]
async fn an_empty_command_or_a_bad_timeout_is_refused_readably_and_nothing_is_sent() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    let path = format!("/containers/{}/exec", t.a);
    let (status, html) = alice.post(&path, &[("command", "\r\n  \r\n"), ("timeout_s", "")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Give the command: the program on the first line"), "{html}");
    let (status, html) = alice.post(&path, &[("command", "uptime"), ("timeout_s", "9999")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Timeout: give a whole number of seconds from 1 to 600"), "{html}");
    let (status, html) = alice.post(&path, &[("timeout_s", "5")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Give the command"), "no command field at all: {html}");
    assert_eq!(audited(&t.app, "container.exec"), vec![("refused".to_owned(), Some("invalid_input".to_owned())); 3]);
}

#[tokio::test]
async fn a_forged_exec_without_the_csrf_token_is_refused_and_audited() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    let path = format!("/containers/{}/exec", t.a);
    let forged = forged_post(&t.app, &path, &alice.session.cookie, &[("command", "uptime")]).await;
    assert_eq!(forged, 403);
    assert_eq!(audited(&t.app, "container.exec"), [("refused".to_owned(), Some("csrf_failed".to_owned()))]);
}

#[tokio::test]
async fn the_state_and_logs_panels_say_what_to_do_when_the_agent_is_down_or_the_form_is_wrong() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    for panel in ["state", "logs", "logs?source=lxc&lines=50", "logs?source=console&lines="] {
        let (status, html) = alice.get(&format!("/containers/{}/{panel}", t.a)).await;
        assert_eq!(status, 200, "{panel}");
        assert!(html.contains("Machine m1 cannot be reached right now"), "{panel}: {html}");
    }
    let (status, html) = alice.get(&format!("/containers/{}/logs?source=syslog", t.a)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Choose the console or LXD&#39;s log as the source."), "{html}");
    for (lines, expected) in [("0", "Lines must be 1-10000."), ("many", "Lines: give a whole number from 1 to 10000")] {
        let (status, html) = alice.get(&format!("/containers/{}/logs?lines={lines}", t.a)).await;
        assert_eq!(status, 200);
        assert!(html.contains(expected), "{lines}: {html}");
    }
    let rows = t.app.audit_rows();
    assert!(
        rows.iter().all(|row| !row.action.starts_with("container.")),
        "reads are not audited (as in the API): {rows:?}"
    );
}
