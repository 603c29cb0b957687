//! The service pages over HTTP, with the agent down (rows written straight
//! to the database): who sees which service on the dashboard, the one 404
//! page for hidden and missing services (and for the container of a
//! service owner), the buttons for everyone who may act and the manage
//! form only for who may manage, the container page's services and its
//! "Add a service" form, the live journal's follow and pause, CSRF
//! refusals that change nothing, and the API's audit rows for every action.

use std::time::{Duration, Instant};

use smp_panel::Role;
use smp_panel::db::audit::AuditRow;
use smp_panel::db::services;

use crate::containers_api::{PASSWORD, Tree, tree};
use crate::helpers::TestApp;
use crate::services_api::{service, service_row};
use crate::web_account::{Browser, forged_post, htmx_post, htmx_send, page, page_200, signed_in, summary};

/// The tree of `containers_api` (alice owns `a`, bob `b` under it and `c`,
/// nobody `d`; machine m1's agent is down) plus carol, a member who owns no
/// container, and three services: carol's `web` on the unowned `d`, bob's
/// `db` on `d`, and `app` on alice's `a`, owned by nobody.
struct World {
    tree: Tree,
    web: i64,
    db: i64,
    app: i64,
}

/// The world, and `username` signed in in a browser.
async fn world_signed_in(username: &str) -> (World, Browser) {
    let tree = tree().await;
    let carol = tree.app.user("carol", Role::Member, PASSWORD, true);
    let web = service(&tree.app, tree.d, "web.service", Some(carol));
    let db = service(&tree.app, tree.d, "db.service", Some(tree.bob));
    let app = service(&tree.app, tree.a, "app.service", None);
    let browser = signed_in(&tree.app, username).await;
    (World { tree, web, db, app }, browser)
}

/// (actor, outcome, error code, object, machine) of an audit row.
type Audited = (String, String, Option<String>, String, Option<String>);

/// The rows of `action`, oldest first.
fn audit_of(app: &TestApp, action: &str) -> Vec<Audited> {
    app.audit_rows_of(action)
        .iter()
        .map(|row: &AuditRow| {
            let (actor, outcome, code) = summary(row);
            (actor.to_owned(), outcome.to_owned(), code.map(str::to_owned), row.object.clone(), row.machine.clone())
        })
        .collect()
}

/// An audit row on machine m1.
fn row(actor: &str, outcome: &str, code: Option<&str>, object: &str) -> Audited {
    (actor.to_owned(), outcome.to_owned(), code.map(str::to_owned), object.to_owned(), Some("m1".to_owned()))
}

/// A row the policy refused before the service was loaded: it names no machine (as the API's).
fn refused(actor: &str, code: &str, object: &str) -> Audited {
    (actor.to_owned(), "refused".to_owned(), Some(code.to_owned()), object.to_owned(), None)
}

#[tokio::test]
async fn a_service_owner_without_containers_sees_her_service_on_the_dashboard_and_not_anothers() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    let html = page_200(app, "/", &carol.cookie).await;
    assert!(html.contains(&format!("href=\"/services/{}\"", w.web)), "her service is linked: {html}");
    assert!(html.contains(">web.service</a>") && html.contains("Serves the web"), "unit and description: {html}");
    assert!(html.contains("<td>d</td>"), "the name of the container it runs on: {html}");
    for other in [w.db, w.app] {
        assert!(!html.contains(&format!("/services/{other}\"")), "service {other} is not hers: {html}");
    }
    assert!(!html.contains("You own no containers yet"), "she has something: {html}");
    assert!(html.contains("<h1>My services</h1>"), "{html}");
    assert!(!html.contains(&format!("/containers/{}\"", w.tree.d)), "no link to a container she may not view");

    // Alice sees the service on her container, next to her containers; an
    // admin's dashboard is her own (she owns nothing: the empty state).
    let alice = signed_in(app, "alice").await;
    let (_, html) = page(app, "/", &alice.cookie).await;
    assert!(html.contains(&format!("href=\"/services/{}\"", w.app)), "{html}");
    assert!(!html.contains(&format!("/services/{}\"", w.web)), "{html}");
    assert!(html.contains("Your services") && html.contains("Your containers"), "{html}");
    let ada = signed_in(app, "ada").await;
    let (_, html) = page(app, "/", &ada.cookie).await;
    assert!(html.contains("You own no containers yet — ask an admin."), "{html}");
    assert!(!html.contains("/services/"), "{html}");
}

#[tokio::test]
async fn a_hidden_service_is_the_same_404_page_as_a_missing_one_and_so_is_the_container_of_her_service() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    for suffix in ["", "/status", "/state", "/journal", "/journal?follow=false&lines=50"] {
        let missing = page(app, &format!("/services/999999{suffix}"), &carol.cookie).await;
        let hidden = page(app, &format!("/services/{}{suffix}", w.db), &carol.cookie).await;
        assert_eq!(missing.0, 404, "{suffix}");
        assert_eq!(hidden, missing, "{suffix}: bob's service looks exactly like a missing one");
    }
    let missing = page(app, "/containers/999999", &carol.cookie).await;
    let container = page(app, &format!("/containers/{}", w.tree.d), &carol.cookie).await;
    assert_eq!(container, missing, "the container her service runs on is the 404 page for her");
    assert_eq!(page(app, &format!("/containers/{}/units", w.tree.d), &carol.cookie).await, missing);
    assert!(missing.1.contains("There is nothing here, or nothing you may see."), "{}", missing.1);
}

#[tokio::test]
async fn her_service_page_has_the_actions_state_and_journal_but_no_manage_form() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    let html = page_200(app, &format!("/services/{}", w.web), &carol.cookie).await;
    let id = w.web;
    for expected in [
        "<h1>web.service <small>on d</small></h1>".to_owned(),
        format!("hx-post=\"/services/{id}/start\""),
        format!("hx-post=\"/services/{id}/stop\""),
        format!("hx-post=\"/services/{id}/restart\""),
        ">Restart</button>".to_owned(),
        "id=\"job\" aria-live=\"polite\"".to_owned(),
        format!("hx-get=\"/services/{id}/status\" hx-trigger=\"every 2s\""),
        "id=\"status-value\">active</span>".to_owned(),
        format!("hx-get=\"/services/{id}/state\""),
        format!("hx-get=\"/services/{id}/journal?follow=true\" hx-trigger=\"load\""),
        "<dt>Owner</dt><dd>carol</dd>".to_owned(),
        "<dt>Runs on</dt><dd>d <small>on machine m1</small></dd>".to_owned(),
    ] {
        assert!(html.contains(&expected), "{expected}: {html}");
    }
    for absent in ["/update\"", "/delete\"", "id=\"manage\"", &format!("href=\"/containers/{}\"", w.tree.d)] {
        assert!(!html.contains(absent), "{absent}: {html}");
    }
    assert!(!html.contains("style=") && !html.contains("hx-on") && !html.contains("<script>"), "{html}");
}

#[tokio::test]
async fn container_owners_and_admins_get_the_manage_form_and_the_container_link() {
    let (w, alice) = world_signed_in("alice").await;
    let app = &w.tree.app;
    let html = page_200(app, &format!("/services/{}", w.app), &alice.cookie).await;
    for expected in [
        format!("hx-post=\"/services/{}/update\"", w.app),
        "<label for=\"service-owner\">".to_owned(),
        "<label for=\"service-description\">".to_owned(),
        "<summary>Delete this service…</summary>".to_owned(),
        format!("hx-post=\"/services/{}/delete\"", w.app),
        format!("<a href=\"/containers/{}\">a</a>", w.tree.a),
    ] {
        assert!(html.contains(&expected), "{expected}: {html}");
    }
    let ada = signed_in(app, "ada").await;
    let html = page_200(app, &format!("/services/{}", w.web), &ada.cookie).await;
    assert!(html.contains(&format!("hx-post=\"/services/{}/update\"", w.web)), "{html}");
    assert!(html.contains(&format!("<a href=\"/containers/{}\">d</a>", w.tree.d)), "{html}");
}

#[tokio::test]
async fn the_container_page_lists_its_services_and_offers_to_add_one_to_who_may() {
    let (w, ada) = world_signed_in("ada").await;
    let app = &w.tree.app;
    let html = page_200(app, &format!("/containers/{}", w.tree.d), &ada.cookie).await;
    for expected in [
        "<h2 id=\"services-heading\">Services</h2>".to_owned(),
        format!("<a href=\"/services/{}\">web.service</a>", w.web),
        format!("<a href=\"/services/{}\">db.service</a>", w.db),
        format!("hx-post=\"/containers/{}/services\"", w.tree.d),
        format!("hx-get=\"/containers/{}/units\"", w.tree.d),
        "<label for=\"new-service-unit\">".to_owned(),
        "<label for=\"new-service-owner\">".to_owned(),
        "<label for=\"new-service-description\">".to_owned(),
    ] {
        assert!(html.contains(&expected), "{expected}: {html}");
    }
    // Bob owns `b` (under alice's `a`): no services there yet, and he may add one.
    let bob = signed_in(app, "bob").await;
    let html = page_200(app, &format!("/containers/{}", w.tree.b), &bob.cookie).await;
    assert!(html.contains("No services on this container yet."), "{html}");
    assert!(html.contains(&format!("hx-post=\"/containers/{}/services\"", w.tree.b)), "{html}");
}

#[tokio::test]
async fn adding_a_service_with_the_agent_down_says_so_and_is_audited_and_a_bad_unit_is_refused_first() {
    let (w, alice) = world_signed_in("alice").await;
    let app = &w.tree.app;
    let path = format!("/containers/{}/services", w.tree.a);
    let (status, html) =
        htmx_post(app, &path, &alice, &[("unit", "cron.service"), ("owner", ""), ("description", "")]).await;
    assert_eq!(status, 200, "htmx swaps only 2xx: {html}");
    assert!(html.contains("role=\"alert\"") && html.contains("Machine m1 cannot be reached right now"), "{html}");
    let (status, html) = htmx_post(app, &path, &alice, &[("unit", "no such/unit")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("role=\"alert\""), "{html}");
    let (status, html) = htmx_post(app, &path, &alice, &[("unit", "web.service"), ("owner", "nobody-here")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Owner: name an approved member of this panel"), "{html}");
    let object = format!("container:{}", w.tree.a);
    assert_eq!(
        audit_of(app, "service.create"),
        [
            row("alice", "started", None, &object),
            row("alice", "failed", Some("agent_unavailable"), &object),
            row("alice", "refused", Some("invalid_input"), &object),
            row("alice", "refused", Some("invalid_input"), &object),
        ]
    );
    assert_eq!(services::list(&mut app.db.connect(), services::Candidates::All).unwrap().len(), 3, "nothing added");

    // The unit picker says why it cannot list the units, and keeps the plain input.
    let html = page_200(app, &format!("/containers/{}/units", w.tree.a), &alice.cookie).await;
    assert!(html.contains("Machine m1 cannot be reached right now"), "{html}");
    assert!(html.contains("<input id=\"new-service-unit\" name=\"unit\""), "{html}");
}

#[tokio::test]
async fn a_forged_post_without_the_csrf_token_is_refused_audited_and_changes_nothing() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    assert_eq!(forged_post(app, &format!("/services/{}/restart", w.web), &carol.cookie, &[]).await, 403);
    let alice = signed_in(app, "alice").await;
    let update = format!("/services/{}/update", w.app);
    assert_eq!(forged_post(app, &update, &alice.cookie, &[("owner", "carol"), ("description", "forged")]).await, 403);
    assert_eq!(forged_post(app, &format!("/services/{}/delete", w.app), &alice.cookie, &[]).await, 403);
    let create = format!("/containers/{}/services", w.tree.a);
    assert_eq!(forged_post(app, &create, &alice.cookie, &[("unit", "cron.service")]).await, 403);

    for (action, actor) in [
        ("service.restart", "carol"),
        ("service.update", "alice"),
        ("service.delete", "alice"),
        ("service.create", "alice"),
    ] {
        let rows = app.audit_rows_of(action);
        let seen: Vec<_> = rows.iter().map(summary).collect();
        assert_eq!(seen, [(actor, "refused", Some("csrf_failed"))], "{action}");
    }
    assert!(app.audit_rows().iter().all(|row| row.outcome != "started"), "nothing was sent to an agent");
    let untouched = service_row(app, w.app).expect("not deleted");
    assert_eq!((untouched.owner, untouched.description.as_str()), (None, "Serves the web"), "not updated");
}

/// Polls `/jobs/{id}` (bounded) until the job has ended; its last fragment.
async fn job_outcome(app: &TestApp, who: &Browser, started: &str) -> String {
    let from = started.find("hx-get=\"/jobs/").expect("a running job polls its outcome") + "hx-get=\"".len();
    let path = started[from..].split('"').next().unwrap().to_owned();
    let began = Instant::now();
    loop {
        let (status, html) = page(app, &path, &who.cookie).await;
        assert_eq!(status, 200, "{html}");
        if !html.contains("job running") {
            return html;
        }
        assert!(began.elapsed() < Duration::from_secs(30), "the job did not end: {html}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_action_with_the_agent_down_ends_with_a_readable_failure_naming_the_machine_and_is_audited() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    let (status, html) = htmx_post(app, &format!("/services/{}/restart", w.web), &carol, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Restarting web.service…"), "{html}");
    let outcome = job_outcome(app, &carol, &html).await;
    assert!(outcome.contains("role=\"alert\""), "{outcome}");
    assert!(outcome.contains("Restarting web.service failed: machine m1 cannot be reached right now"), "{outcome}");
    let object = format!("service:{}", w.web);
    assert_eq!(
        audit_of(app, "service.restart"),
        [row("carol", "started", None, &object), row("carol", "failed", Some("agent_unavailable"), &object)]
    );

    // Her service's state and journal say the same, in place.
    for panel in ["state", "journal", "journal?follow=false&lines=50"] {
        let (status, html) = page(app, &format!("/services/{}/{panel}", w.web), &carol.cookie).await;
        assert_eq!(status, 200, "{panel}");
        assert!(html.contains("Machine m1 cannot be reached right now"), "{panel}: {html}");
    }
    // Bob's service: refused as missing, audited, and nothing attempted.
    let (status, html) = htmx_post(app, &format!("/services/{}/stop", w.db), &carol, &[]).await;
    assert_eq!(status, 404);
    assert!(html.contains("There is nothing here, or nothing you may see."), "{html}");
    let rows = app.audit_rows_of("service.stop");
    assert_eq!(rows.iter().map(summary).collect::<Vec<_>>(), [("carol", "refused", Some("not_found"))]);
}

#[tokio::test]
async fn the_journal_polls_itself_while_following_answers_204_when_nothing_changed_and_stops_when_paused() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    let following = page_200(app, &format!("/services/{}/journal?follow=true", w.web), &carol.cookie).await;
    assert!(following.contains("hx-trigger=\"every 2s\""), "{following}");
    assert!(following.contains(">Pause</button>"), "{following}");
    let from = following.find("hx-trigger=\"every 2s\"").unwrap();
    let poll = following[..from].rsplit("hx-get=\"").next().unwrap().split('"').next().unwrap().replace("&#38;", "&");
    assert!(poll.contains("follow=true") && poll.contains("seen="), "{poll}");
    let response =
        app.client.get(format!("{}{poll}", app.address)).header("Cookie", &carol.cookie).send().await.unwrap();
    let status = response.status();
    assert_eq!(status, 204, "the same again: htmx swaps nothing: {poll} {}", response.text().await.unwrap());

    let (status, paused) =
        page(app, &format!("/services/{}/journal?follow=false&lines=50", w.web), &carol.cookie).await;
    assert_eq!(status, 200);
    assert!(!paused.contains("every 2s"), "paused polls nothing: {paused}");
    assert!(paused.contains(">Follow</button>") && paused.contains("<option value=\"50\" selected>"), "{paused}");
    assert!(paused.contains("Machine m1 cannot be reached right now"), "{paused}");

    // A bad count is said in place, before any agent is asked.
    for (lines, expected) in [("many", "Lines: give a whole number from 1 to 10000."), ("0", "Lines must be 1-10000.")]
    {
        let (status, html) =
            page(app, &format!("/services/{}/journal?follow=false&lines={lines}", w.web), &carol.cookie).await;
        assert_eq!(status, 200, "{lines}");
        assert!(html.contains(expected) && html.contains(">Follow</button>"), "{lines}: {html}");
    }
}

#[tokio::test]
async fn the_manage_form_sets_owner_and_description_audited_and_refuses_readably() {
    let (w, alice) = world_signed_in("alice").await;
    let app = &w.tree.app;
    let path = format!("/services/{}/update", w.app);
    let (status, html) = htmx_post(app, &path, &alice, &[("owner", " carol "), ("description", "The app")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Saved."), "{html}");
    assert!(html.contains("id=\"service-facts\" hx-swap-oob=\"true\""), "the page's facts follow: {html}");
    assert!(html.contains("<dt>Owner</dt><dd>carol</dd>"), "{html}");
    let saved = service_row(app, w.app).unwrap();
    assert_eq!((saved.owner.as_deref(), saved.description.as_str()), (Some("carol"), "The app"));

    let (status, html) = htmx_post(app, &path, &alice, &[("owner", "nobody-here"), ("description", "x")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("role=\"alert\"") && html.contains("Owner: name an approved member of this panel"), "{html}");
    let (status, html) = htmx_post(app, &path, &alice, &[("owner", ""), ("description", "")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Saved."), "{html}");
    assert_eq!(service_row(app, w.app).unwrap().owner, None, "empty is no owner");

    // Carol now sees the service, but manages nothing of it: the "not allowed" page.
    let carol = signed_in(app, "carol").await;
    let (status, html) = htmx_post(app, &format!("/services/{}/update", w.web), &carol, &[("owner", "bob")]).await;
    assert_eq!(status, 403);
    assert!(html.contains("Not allowed"), "{html}");
    assert_eq!(service_row(app, w.web).unwrap().owner.as_deref(), Some("carol"));
    let object = format!("service:{}", w.app);
    let mine = format!("service:{}", w.web);
    assert_eq!(
        audit_of(app, "service.update"),
        [
            row("alice", "ok", None, &object),
            row("alice", "refused", Some("invalid_input"), &object),
            row("alice", "ok", None, &object),
            refused("carol", "forbidden", &mine),
        ]
    );
}

#[tokio::test]
async fn delete_after_the_confirmation_step_lands_on_the_container_page_and_is_audited() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    let (status, _) = htmx_post(app, &format!("/services/{}/delete", w.web), &carol, &[]).await;
    assert_eq!(status, 403, "a service owner does not delete");
    assert!(service_row(app, w.web).is_some());

    let alice = signed_in(app, "alice").await;
    let response = htmx_send(app, &format!("/services/{}/delete", w.app), &alice, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["HX-Redirect"], format!("/containers/{}", w.tree.a).as_str());
    assert!(service_row(app, w.app).is_none(), "deleted");
    let (_, html) = page(app, &format!("/containers/{}", w.tree.a), &alice.cookie).await;
    assert!(html.contains("No services on this container yet."), "{html}");
    assert_eq!(
        audit_of(app, "service.delete"),
        [
            refused("carol", "forbidden", &format!("service:{}", w.web)),
            row("alice", "ok", None, &format!("service:{}", w.app)),
        ]
    );
}

#[tokio::test]
async fn the_unit_state_asks_again_by_itself_while_the_machine_does_not_answer() {
    let (w, carol) = world_signed_in("carol").await;
    let app = &w.tree.app;
    // The machine's agent is down: the state cannot be read now.
    let html = page_200(app, &format!("/services/{}/state", w.web), &carol.cookie).await;
    assert!(html.contains("cannot be reached") && html.contains("Asking again in a few seconds"), "{html}");
    let retry = format!("hx-get=\"/services/{}/state\" hx-trigger=\"load delay:5s\" hx-target=\"#state\"", w.web);
    assert!(html.contains(&retry), "the fragment asks again: {html}");
}
