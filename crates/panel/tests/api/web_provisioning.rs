//! The sub-container pages over HTTP, with the agent down (rows written
//! straight to the database where a made container is needed): the "New
//! container" form with her quota and usage, refusals shown in words with
//! what she typed kept and nothing reserved, a creation's progress until
//! its failure gives the reservation back, the container page's controls
//! only for who may use them, delete children first, the admins' quota
//! form and adoption checkbox, and CSRF on every new form.

use std::time::Duration;

use smp_panel::db::containers::{self, ContainerId, Limits};
use smp_panel::db::machines::MachineId;
use smp_panel::db::quotas::{self, Quota};
use smp_panel::db::users::UserId;

use crate::containers_api::{Tree, row, tree};
use crate::helpers::TestApp;
use crate::panel_agent::until;
use crate::web_account::{Browser, forged_post, htmx_post, page, page_200, signed_in, summary};

const SMALL: Limits = Limits { cpu: Some(1), memory_mb: Some(512), disk_mb: Some(2048) };

fn set_quota(app: &TestApp, user: i64, quota: Quota) {
    quotas::set(&mut app.db.connect(), UserId(user), &quota).unwrap();
}

fn roomy() -> Quota {
    Quota {
        containers: Some(3),
        cpu: Some(4),
        memory_mb: Some(4096),
        disk_mb: Some(20480),
        forwards: None,
        snapshots: Some(3),
    }
}

/// A live sub-container of `owner`, as if she had made it; its id.
fn sub_container(app: &TestApp, owner: i64, machine: i64, name: &str, parent: Option<i64>) -> i64 {
    let reservation = containers::Reservation {
        machine: MachineId(machine),
        name,
        owner: Some(owner),
        parent: parent.map(ContainerId),
        in_quota: true,
        limits: SMALL,
        autostart: false,
        image: "smp-busybox",
    };
    let mut connection = app.db.connect();
    let id = containers::reserve(&mut connection, &reservation, smp_panel::db::unix_now()).unwrap().unwrap();
    containers::set_status(&mut connection, id, "running", smp_panel::db::unix_now()).unwrap();
    id.0
}

fn live_count(app: &TestApp) -> usize {
    containers::list(&mut app.db.connect(), None).unwrap().iter().filter(|row| !row.is_gone()).count()
}

/// (actor, outcome, error code) of each audit row of `action`, oldest first.
fn audited(app: &TestApp, action: &str) -> Vec<(String, String, Option<String>)> {
    app.audit_rows_of(action)
        .iter()
        .map(|row| {
            let (actor, outcome, code) = summary(row);
            (actor.to_owned(), outcome.to_owned(), code.map(str::to_owned))
        })
        .collect()
}

fn refused(actor: &str, code: &str) -> (String, String, Option<String>) {
    (actor.to_owned(), "refused".to_owned(), Some(code.to_owned()))
}

/// A form's fields, in order.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The "New container" form's fields, with `extra` on top of a plain busybox named `name`.
fn new_form<'a>(name: &'a str, extra: &[(&'a str, &'a str)]) -> Fields<'a> {
    let mut form = vec![
        ("name", name),
        ("image", "smp-busybox"),
        ("machine_id", ""),
        ("parent", ""),
        ("cpu", ""),
        ("memory_mb", ""),
        ("disk_mb", ""),
    ];
    for (key, value) in extra {
        form.retain(|(field, _)| field != key);
        form.push((key, value));
    }
    form
}

#[tokio::test]
async fn a_member_sees_the_new_container_form_with_her_usage_and_may_start_it_below_her_containers_only() {
    let Tree { app, alice, machine, a, c, .. } = tree().await;
    set_quota(&app, alice, roomy());
    sub_container(&app, alice, machine, "s1", Some(a));
    let alice_browser = signed_in(&app, "alice").await;

    let (status, html) = page(&app, &format!("/containers/new?parent={a}"), &alice_browser.cookie).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("1 of 3 containers, 1 of 4 CPUs, 512 of 4,096 MiB of memory, 2,048 of 20,480 MiB of disk"),
        "her usage: {html}"
    );
    assert!(html.contains(&format!("<option value=\"{a}\" selected>a (on m1)</option>")), "a is preselected: {html}");
    assert!(!html.contains(&format!("<option value=\"{c}\"")), "bob's c is no parent of hers: {html}");
    assert!(html.contains("<option value=\"\" selected>Automatic: the panel chooses</option>"), "{html}");
    assert!(html.contains(&format!("<option value=\"{machine}\">m1</option>")), "{html}");
    assert!(html.contains("placeholder=\"512\""), "the default memory is the placeholder: {html}");
    assert!(!html.contains("name=\"owner\"") && !html.contains("name=\"config\""), "admins' fields only: {html}");
    assert!(!html.contains("style=") && !html.contains("<script>"), "no inline style or script");

    // Below bob's container, or a missing one: the same 404 page.
    let hidden = page(&app, &format!("/containers/new?parent={c}"), &alice_browser.cookie).await;
    let missing = page(&app, "/containers/new?parent=999999", &alice_browser.cookie).await;
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, missing);

    // The dashboard offers the form, and her container's page "Add a sub-container".
    let (_, dashboard) = page(&app, "/", &alice_browser.cookie).await;
    assert!(dashboard.contains("href=\"/containers/new\""), "{dashboard}");
    let (_, container) = page(&app, &format!("/containers/{a}"), &alice_browser.cookie).await;
    assert!(container.contains(&format!("href=\"/containers/new?parent={a}\"")), "{container}");
    assert!(container.contains("/containers/") && container.contains(">s1</a>"), "her sub-container is listed");

    // An admin's form has the owner, profiles and configuration fields.
    let ada = signed_in(&app, "ada").await;
    let html = page_200(&app, "/containers/new", &ada.cookie).await;
    assert!(html.contains("name=\"owner\"") && html.contains("name=\"profiles\"") && html.contains("name=\"config\""));
    assert!(html.contains("counts against no quota"), "{html}");
}

#[tokio::test]
async fn refused_creations_say_why_in_the_form_keep_what_she_typed_and_reserve_nothing() {
    let Tree { app, alice, machine, a, c, .. } = tree().await;
    set_quota(&app, alice, Quota { containers: Some(1), ..roomy() });
    sub_container(&app, alice, machine, "s1", Some(a));
    let before = live_count(&app);
    let alice_browser = signed_in(&app, "alice").await;

    let over = new_form("x1", &[("memory_mb", "256")]);
    let (status, html) = htmx_post(&app, "/containers/new", &alice_browser, &over).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Your quota allows 1 of containers; your sub-containers take 1 and this asks 1 more."),
        "{html}"
    );
    assert!(html.contains("value=\"x1\"") && html.contains("value=\"256\""), "what she typed is kept: {html}");
    // On her Polish pages: the same refusal in Polish, with the plural of its count.
    assert_eq!(htmx_post(&app, "/account/language", &alice_browser, &[("language", "pl")]).await.0, 200);
    let (_, html) = htmx_post(&app, "/containers/new", &alice_browser, &over).await;
    let polish = "Twój limit to 1 kontener; twoje podkontenery zajmują już 1, a to żądanie dodaje 1.";
    assert!(html.contains(polish), "{html}");
    assert_eq!(htmx_post(&app, "/account/language", &alice_browser, &[("language", "")]).await.0, 200);

    set_quota(&app, alice, roomy());
    let cases: Vec<(Fields, &str)> = vec![
        (new_form("-x", &[]), "invalid_input"),
        (new_form("x1", &[("config", "security.privileged=true")]), "forbidden_config"),
        (new_form("x1", &[("cpu", "two")]), "invalid_input"),
        (new_form("a", &[]), "already_exists"),
    ];
    let mut messages = Vec::new();
    for (form, _) in &cases {
        let (status, html) = htmx_post(&app, "/containers/new", &alice_browser, form).await;
        assert_eq!(status, 200, "{html}");
        let start = html.find("id=\"new-container-error\">").expect("the reason is shown") + 25;
        messages.push(html[start..].split('<').next().unwrap().to_owned());
    }
    assert!(messages[0].starts_with("Invalid container name"), "the bad name: {messages:?}");
    assert!(messages[1].contains("security.privileged"), "the forbidden key: {messages:?}");
    assert_eq!(messages[2], "CPUs: give a whole number, or leave it empty.");
    assert!(messages[3].contains("already on machine m1"), "{messages:?}");

    // Bob's container as the parent reads exactly like a missing one.
    let c_text = c.to_string();
    let (status, hidden) =
        htmx_post(&app, "/containers/new", &alice_browser, &new_form("x1", &[("parent", &c_text)])).await;
    assert_eq!(status, 200);
    let (_, missing) =
        htmx_post(&app, "/containers/new", &alice_browser, &new_form("x1", &[("parent", "999999")])).await;
    let error_of = |html: &str| {
        let start = html.find("id=\"new-container-error\">").expect("the reason is shown") + 25;
        html[start..].split('<').next().unwrap().to_owned()
    };
    assert_eq!(error_of(&hidden).replace(&c.to_string(), "N"), error_of(&missing).replace("999999", "N"));
    assert!(!hidden.contains(">c (on m1)<"), "bob's container is not offered: {hidden}");

    assert_eq!(live_count(&app), before, "nothing was reserved");
    let mut expected = vec![refused("alice", "quota_exceeded"); 2];
    expected.extend(cases.iter().map(|(_, code)| refused("alice", code)));
    expected.extend([refused("alice", "invalid_input"), refused("alice", "invalid_input")]);
    assert_eq!(audited(&app, "container.create"), expected);
}

#[tokio::test]
async fn a_creation_shows_its_progress_and_a_failure_says_why_and_gives_the_reservation_back() {
    let Tree { app, alice, a, .. } = tree().await;
    set_quota(&app, alice, roomy());
    let alice_browser = signed_in(&app, "alice").await;
    let a_text = a.to_string();
    let form = new_form("sub1", &[("parent", &a_text), ("cpu", "2"), ("autostart", "true")]);
    let (status, html) = htmx_post(&app, "/containers/new", &alice_browser, &form).await;
    assert_eq!(status, 200, "{html}");
    let created = containers::list(&mut app.db.connect(), None).unwrap().into_iter().find(|row| row.name == "sub1");
    let created = created.expect("the reservation");
    assert_eq!(created.parent_id, Some(a));
    assert_eq!(created.owner_id, Some(alice), "the creator owns it");
    assert!(created.in_quota && created.autostart == Some(true));
    assert_eq!(created.limits, Limits { cpu: Some(2), ..SMALL }, "the defaults fill the rest");
    // The answer is the creation's progress, polling, above an empty form.
    if html.contains("is being created") {
        assert!(html.contains(&format!("hx-get=\"/containers/{}/progress\" hx-trigger=\"every 2s\"", created.id)));
    }
    assert!(!html.contains("value=\"sub1\""), "the form is empty again: {html}");

    // The agent is down: the creation fails, the page says why, and the quota is free again.
    let path = format!("/containers/{}/progress", created.id);
    let (progress, _) = until(Duration::from_secs(30), "the creation fails", || async {
        let html = page_200(&app, &path, &alice_browser.cookie).await;
        html.contains("status-failed").then_some(html)
    })
    .await;
    assert!(progress.contains("The creation of sub1 failed."), "{progress}");
    assert!(progress.contains("cannot be reached"), "the reason: {progress}");
    assert!(progress.contains("The reservation was given back"), "{progress}");
    assert!(!progress.contains("hx-trigger"), "it polls no more: {progress}");
    assert_eq!(quotas::usage(&mut app.db.connect(), UserId(alice), None).unwrap().overall.containers, 0);
    let (_, container) = page(&app, &format!("/containers/{}", created.id), &alice_browser.cookie).await;
    assert!(container.contains("Why it failed") && container.contains("cannot be reached"), "{container}");
    assert!(!container.contains("Delete this container"), "a failed one takes no change: {container}");
    let (_, form) = page(&app, "/containers/new", &alice_browser.cookie).await;
    assert!(form.contains("0 of 3 containers"), "{form}");
    let outcomes: Vec<String> = audited(&app, "container.create").into_iter().map(|(_, outcome, _)| outcome).collect();
    assert_eq!(outcomes, ["started", "failed"]);

    // Bob may not follow her creation.
    let bob = signed_in(&app, "bob").await;
    assert_eq!(page(&app, &path, &bob.cookie).await, page(&app, "/containers/999999/progress", &bob.cookie).await);
}

#[tokio::test]
async fn delete_refuses_a_container_with_sub_containers_and_a_member_manages_only_what_she_made() {
    let Tree { app, alice, machine, a, .. } = tree().await;
    set_quota(&app, alice, roomy());
    let s1 = sub_container(&app, alice, machine, "s1", Some(a));
    sub_container(&app, alice, machine, "s2", Some(s1));
    let alice_browser = signed_in(&app, "alice").await;

    // Her sub-container: limits, autostart, delete; in quota.
    let (_, html) = page(&app, &format!("/containers/{s1}"), &alice_browser.cookie).await;
    assert!(html.contains("Delete this container") && html.contains(&format!("/containers/{s1}/limits")), "{html}");
    assert!(html.contains("Turn autostart on") && html.contains("yes: a sub-container of alice"), "{html}");
    assert!(html.contains("1 CPU, 512 MiB memory, 2,048 MiB disk") && html.contains("smp-busybox"), "{html}");
    assert!(html.contains(">s2</a>"), "its sub-container is listed: {html}");

    let (status, html) = htmx_post(&app, &format!("/containers/{s1}/delete"), &alice_browser, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Delete its sub-containers first") && html.contains("s2"), "{html}");
    assert!(!row(&app, s1).is_gone(), "nothing was deleted");

    // What an admin gave her: autostart only; no limits, no delete.
    let (_, html) = page(&app, &format!("/containers/{a}"), &alice_browser.cookie).await;
    assert!(html.contains("Turn autostart on"), "owners set autostart: {html}");
    assert!(!html.contains("Delete this container") && !html.contains(&format!("/containers/{a}/limits")), "{html}");
    assert!(html.contains("no: it counts against no quota"), "{html}");
    let (status, html) = htmx_post(&app, &format!("/containers/{a}/delete"), &alice_browser, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("You are not allowed to do this."), "{html}");
    let (_, html) = htmx_post(&app, &format!("/containers/{a}/limits"), &alice_browser, &[("cpu", "2")]).await;
    assert!(html.contains("You are not allowed to do this."), "{html}");
    assert!(!row(&app, a).is_gone() && row(&app, a).limits == Limits::default());

    // Growing limits past the quota is refused in words; nothing changes.
    let (_, html) = htmx_post(&app, &format!("/containers/{s1}/limits"), &alice_browser, &[("cpu", "4")]).await;
    assert!(html.contains("Your quota allows 4 of CPUs"), "{html}");
    assert_eq!(row(&app, s1).limits, SMALL);

    // Bob sees none of it: the same 404 page as a missing container.
    let bob = signed_in(&app, "bob").await;
    for suffix in ["/delete", "/limits", "/autostart"] {
        let hidden = htmx_post(&app, &format!("/containers/{s1}{suffix}"), &bob, &[("autostart", "true")]).await;
        let missing = htmx_post(&app, &format!("/containers/999999{suffix}"), &bob, &[("autostart", "true")]).await;
        assert_eq!(hidden.0, 404, "{suffix}");
        assert_eq!(hidden, missing, "{suffix}");
    }

    let deletes = audited(&app, "container.delete");
    assert_eq!(deletes[..2], [refused("alice", "has_children"), refused("alice", "forbidden")]);
    assert_eq!(deletes[2..], [refused("bob", "not_found"), refused("bob", "not_found")]);
    let updates = audited(&app, "container.update");
    assert_eq!(updates[..2], [refused("alice", "forbidden"), refused("alice", "quota_exceeded")]);
}

#[tokio::test]
async fn the_admin_sets_a_members_quota_on_the_users_page_and_adopts_a_container_into_it() {
    let Tree { app, alice, machine, a, d, .. } = tree().await;
    sub_container(&app, alice, machine, "s1", Some(a));
    let ada = signed_in(&app, "ada").await;
    let html = page_200(&app, "/admin/users", &ada.cookie).await;
    assert!(html.contains(&format!("id=\"usage-{alice}\">1 of 0 containers")), "her usage, default quota: {html}");
    assert!(html.contains("(the default quota)"), "{html}");

    let path = format!("/admin/users/{alice}/quota");
    let quota = [("containers", "2"), ("cpu", "2"), ("memory_mb", ""), ("disk_mb", "")];
    let (status, html) = htmx_post(&app, &path, &ada, &quota).await;
    assert_eq!(status, 200);
    assert!(html.contains("The quota of alice is now: 2 containers, 2 CPUs, no limit on MiB of memory"), "{html}");
    assert!(
        html.contains(&format!("id=\"usage-{alice}\">1 of 2 containers, 1 of 2 CPUs, 512 MiB of memory (no limit)"))
    );
    let expected =
        Quota { containers: Some(2), cpu: Some(2), memory_mb: None, disk_mb: None, forwards: None, snapshots: None };
    assert_eq!(quotas::stored(&mut app.db.connect(), UserId(alice)).unwrap(), Some(expected));

    // A bad number changes nothing and says why.
    let (_, html) = htmx_post(&app, &path, &ada, &[("containers", "many")]).await;
    assert!(html.contains("Containers: give a whole number, or leave it empty for no limit."), "{html}");
    assert_eq!(quotas::stored(&mut app.db.connect(), UserId(alice)).unwrap(), Some(expected));

    // A member gets the 404 page (as for every admin page) and changes nothing.
    let alice_browser = signed_in(&app, "alice").await;
    let (status, _) = htmx_post(&app, &path, &alice_browser, &[("containers", "99")]).await;
    assert_eq!(status, 404);
    assert_eq!(quotas::stored(&mut app.db.connect(), UserId(alice)).unwrap(), Some(expected));
    let rows = app.audit_rows_of("user.quota");
    let seen: Vec<_> = rows.iter().map(summary).collect();
    assert_eq!(
        seen,
        [("ada", "ok", None), ("ada", "refused", Some("invalid_input")), ("alice", "refused", Some("forbidden"))]
    );
    assert!(rows.iter().all(|row| row.object == format!("user:{alice}")));

    // Adoption: the admin gives alice the unowned d, counted against her quota.
    let form = [("owner", "alice"), ("in_quota_shown", "true"), ("in_quota", "true")];
    let (status, html) = htmx_post(&app, &format!("/admin/containers/{d}/assign"), &ada, &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("Saved.") && html.contains("checked"), "{html}");
    assert!(row(&app, d).in_quota && row(&app, d).owner_id == Some(alice));
    // The box unticked takes it out of her quota again; a form without the box leaves it.
    let form = [("owner", "alice"), ("in_quota_shown", "true")];
    htmx_post(&app, &format!("/admin/containers/{d}/assign"), &ada, &form).await;
    assert!(!row(&app, d).in_quota);
}

#[tokio::test]
async fn every_new_form_needs_the_csrf_token_and_a_forged_one_changes_nothing() {
    let Tree { app, alice, machine, a, .. } = tree().await;
    set_quota(&app, alice, roomy());
    let s1 = sub_container(&app, alice, machine, "s1", Some(a));
    let alice_browser = signed_in(&app, "alice").await;
    let ada = signed_in(&app, "ada").await;
    let before = live_count(&app);
    let forged: Vec<(String, &Browser, Fields)> = vec![
        ("/containers/new".to_owned(), &alice_browser, new_form("x1", &[])),
        (format!("/containers/{s1}/autostart"), &alice_browser, vec![("autostart", "true")]),
        (format!("/containers/{s1}/limits"), &alice_browser, vec![("cpu", "2")]),
        (format!("/containers/{s1}/delete"), &alice_browser, vec![]),
        (format!("/admin/users/{alice}/quota"), &ada, vec![("containers", "9")]),
    ];
    for (path, who, form) in &forged {
        assert_eq!(forged_post(&app, path, &who.cookie, form).await, 403, "{path}");
    }
    assert_eq!(live_count(&app), before);
    assert_eq!(row(&app, s1).limits, SMALL);
    assert_eq!(row(&app, s1).autostart, Some(false));
    assert_eq!(quotas::stored(&mut app.db.connect(), UserId(alice)).unwrap(), Some(roomy()));
    for (action, count) in
        [("container.create", 1), ("container.update", 2), ("container.delete", 1), ("user.quota", 1)]
    {
        let rows = audited(&app, action);
        assert_eq!(rows.len(), count, "{action}: {rows:?}");
        assert!(rows.iter().all(|(_, outcome, code)| outcome == "refused" && code.as_deref() == Some("csrf_failed")));
    }
}

#[tokio::test]
async fn an_admin_creates_for_a_member_with_any_configuration_and_nothing_counts_against_her_quota() {
    let Tree { app, alice, a, .. } = tree().await;
    let ada = signed_in(&app, "ada").await;
    let a_text = a.to_string();
    let extra = [
        ("owner", "alice"),
        ("parent", a_text.as_str()),
        ("profiles", "default"),
        ("config", "security.nesting=true\nuser.note=made by ada"),
    ];
    let (status, html) = htmx_post(&app, "/containers/new", &ada, &new_form("given", &extra)).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("new-container-error"), "{html}");
    let made = containers::list(&mut app.db.connect(), None).unwrap().into_iter().find(|row| row.name == "given");
    let made = made.expect("the reservation");
    assert_eq!((made.owner_id, made.parent_id, made.in_quota), (Some(alice), Some(a), false));
    assert_eq!(quotas::usage(&mut app.db.connect(), UserId(alice), None).unwrap().overall.containers, 0);
    let rows = audited(&app, "container.create");
    assert_eq!(rows.first(), Some(&("ada".to_owned(), "started".to_owned(), None)));

    // A member may not make one for someone else, even with a forged field.
    set_quota(&app, alice, roomy());
    let alice_browser = signed_in(&app, "alice").await;
    let (_, html) = htmx_post(&app, "/containers/new", &alice_browser, &new_form("x1", &[("owner", "bob")])).await;
    assert!(html.contains("You are not allowed to do this."), "{html}");
    assert!(audited(&app, "container.create").contains(&refused("alice", "forbidden")));
}
