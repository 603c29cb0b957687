//! The admin list pages over HTTP: all containers (filters, 50 a page,
//! owner and parent assignment audited like the API's, readable refusals)
//! and the audit log (filters, paging by `before`). A member gets the 404
//! page for the containers list and reads only her own rows on the audit
//! page, as `GET /api/v1/audit` gives her.

use smp_panel::db::audit::{self, NewAuditRow, Outcome};
use smp_proto::api::ContainerStatus;

use crate::containers_api::{CREATED, add_machine, apply, row, summary, tree};
use crate::web_panels::{Browser, audited};

/// The rows of a list page (its `<tr>`s but the header's).
fn rows_in(html: &str) -> usize {
    html.matches("<tr>").count().saturating_sub(1)
}

#[tokio::test]
async fn a_member_gets_the_404_page_for_all_containers_and_cannot_assign() {
    let t = tree().await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    let missing = alice.get("/containers/999999").await;
    assert_eq!(missing.0, 404);
    assert_eq!(alice.get("/admin/containers").await, missing, "the same 404 page as a missing container");
    assert_eq!(alice.post(&format!("/admin/containers/{}/assign", t.d), &[("owner", "alice")]).await, missing);
    let (status, _) = alice.post(&format!("/admin/containers/{}/assign", t.a), &[("owner", "bob")]).await;
    assert_eq!(status, 403, "her own container: she sees it but may not assign it (as the API)");
    assert_eq!(row(&t.app, t.a).owner_id, Some(t.alice));
    assert_eq!(row(&t.app, t.d).owner_id, None);
    assert_eq!(
        audited(&t.app, "container.assign"),
        [("refused".to_owned(), Some("not_found".to_owned())), ("refused".to_owned(), Some("forbidden".to_owned()))]
    );
}

#[tokio::test]
async fn the_all_containers_page_filters_and_pages_120_containers() {
    let t = tree().await;
    let m2 = add_machine(&t.app, "m2");
    let many: Vec<_> = (0..120)
        .map(|n| {
            let status = if n % 3 == 0 { ContainerStatus::Stopped } else { ContainerStatus::Running };
            summary(&format!("n{n:03}"), status, CREATED)
        })
        .collect();
    apply(&t.app, m2, &many);
    let ada = Browser::sign_in(&t.app, "ada").await;

    let (status, html) = ada.get("/admin/containers").await;
    assert_eq!(status, 200);
    assert!(html.contains("Containers 1–50 of 124."), "{html}");
    assert_eq!(rows_in(&html), 50);
    assert!(html.contains("href=\"/admin/containers?page=2\""), "a next link: {html}");
    assert!(!html.contains("rel=\"prev\""), "no previous page on the first");
    for label in ["<label for=\"filter-machine\">", "<label for=\"filter-owner\">", "<label for=\"filter-status\">"] {
        assert!(html.contains(label), "{label}");
    }

    let (_, html) = ada.get(&format!("/admin/containers?machine={m2}&page=3")).await;
    assert!(html.contains("Containers 101–120 of 120."), "{html}");
    assert_eq!(rows_in(&html), 20);
    assert!(html.contains("n119") && !html.contains(">n099<"), "page 3 of m2 in name order");
    assert!(
        html.contains(&format!("href=\"/admin/containers?machine={m2}&#38;page=2\"")),
        "previous keeps the filter: {html}"
    );
    assert!(!html.contains("rel=\"next\""), "no next page on the last");
    assert!(html.contains(&format!("<option value=\"{m2}\" selected>m2</option>")), "the filter shows: {html}");

    let (_, html) = ada.get(&format!("/admin/containers?machine={m2}&status=stopped")).await;
    assert!(html.contains("of 40."), "every third of m2 is stopped: {html}");
    let (_, html) = ada.get(&format!("/admin/containers?machine={}&status=stopped", t.machine)).await;
    assert!(html.contains("Containers 1–1 of 1.") && html.contains(&format!("href=\"/containers/{}\"", t.a)), "{html}");

    let (_, html) = ada.get("/admin/containers?owner=bob").await;
    assert_eq!(rows_in(&html), 2, "bob owns b and c: {html}");
    assert!(
        html.contains(&format!("href=\"/containers/{}\"", t.b))
            && html.contains(&format!("href=\"/containers/{}\"", t.c))
    );
    let (_, html) = ada.get("/admin/containers?owner=nobody").await;
    assert!(html.contains("There is no user named") && html.contains("No containers match."), "{html}");
    let (status, html) = ada.get("/admin/containers?page=99&status=").await;
    assert_eq!(status, 200);
    assert!(html.contains("Containers 101–124 of 124."), "a page past the end is the last: {html}");
}

#[tokio::test]
async fn assigning_an_owner_answers_the_row_and_the_member_then_sees_it_on_her_dashboard() {
    let t = tree().await;
    let ada = Browser::sign_in(&t.app, "ada").await;
    let alice = Browser::sign_in(&t.app, "alice").await;
    let link = format!("href=\"/containers/{}\"", t.d);
    assert!(!alice.get("/").await.1.contains(&link));

    let (status, html) = ada.post(&format!("/admin/containers/{}/assign", t.d), &[("owner", " alice ")]).await;
    assert_eq!(status, 200);
    assert!(
        html.trim_start().starts_with("<tr>") && html.contains("value=\"alice\"") && html.contains("Saved."),
        "{html}"
    );
    assert_eq!(row(&t.app, t.d).owner_id, Some(t.alice));
    assert!(alice.get("/").await.1.contains(&link), "d is on alice's dashboard now");

    let (status, html) = ada.post(&format!("/admin/containers/{}/assign", t.d), &[("parent", &t.c.to_string())]).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("value=\"{}\"", t.c)) && html.contains("Saved."), "{html}");
    assert_eq!(row(&t.app, t.d).parent_id, Some(t.c));
    let (_, html) = ada.post(&format!("/admin/containers/{}/assign", t.d), &[("parent", "")]).await;
    assert!(html.contains("Saved."), "an empty parent clears it: {html}");
    assert_eq!(row(&t.app, t.d).parent_id, None);
    assert_eq!(row(&t.app, t.d).owner_id, Some(t.alice), "the parent form leaves the owner");

    let audit: Vec<_> = t.app.audit_rows_of("container.assign").into_iter().collect();
    assert_eq!(audit.len(), 3);
    for entry in &audit {
        assert_eq!(
            (entry.actor.as_str(), entry.object.clone(), entry.machine.as_deref(), entry.outcome.as_str()),
            ("ada", format!("container:{}", t.d), Some("m1"), "ok")
        );
    }
}

#[tokio::test]
async fn an_unknown_owner_or_a_bad_parent_is_refused_readably_and_nothing_changes() {
    let t = tree().await;
    let ada = Browser::sign_in(&t.app, "ada").await;
    let path = format!("/admin/containers/{}/assign", t.b);
    let (status, html) = ada.post(&path, &[("owner", "nobody")]).await;
    assert_eq!(status, 200, "htmx swaps only 2xx");
    assert!(
        html.contains("role=\"alert\"") && html.contains("Owner: there is no user named &#34;nobody&#34;."),
        "{html}"
    );
    assert!(html.contains("value=\"bob\""), "the row as it is: {html}");
    for (parent, expected) in [
        ("twelve", "Parent: give a container id (a number), or leave it empty for none."),
        (&t.b.to_string(), "Parent: a container cannot be its own ancestor."),
        ("999999", "Parent: there is no live container with id 999999."),
    ] {
        let (status, html) = ada.post(&path, &[("parent", parent)]).await;
        assert_eq!(status, 200);
        assert!(html.contains(expected), "{parent}: {html}");
    }
    let b = row(&t.app, t.b);
    assert_eq!((b.owner_id, b.parent_id), (Some(t.bob), Some(t.a)), "nothing changed");
    assert_eq!(audited(&t.app, "container.assign"), vec![("refused".to_owned(), Some("invalid_input".to_owned())); 4]);
}

fn append(t: &crate::containers_api::Tree, actor: (i64, &str), action: &str, object: &str, outcome: Outcome) {
    let row = NewAuditRow {
        actor_id: Some(actor.0),
        actor: actor.1,
        action,
        object,
        machine: Some("m1"),
        outcome,
        error_code: (outcome == Outcome::Refused).then_some("forbidden"),
        detail: None,
        count: 1,
    };
    audit::append(&mut t.app.db.connect(), &row).unwrap();
}

#[tokio::test]
async fn the_audit_page_filters_and_pages_newest_first() {
    let t = tree().await;
    let bob = (t.bob, "bob");
    for n in 0..60 {
        append(
            &t,
            bob,
            "container.restart",
            &format!("container:{}", t.c),
            if n == 59 { Outcome::Refused } else { Outcome::Ok },
        );
    }
    append(&t, (t.alice, "alice"), "container.exec", &format!("container:{}", t.a), Outcome::Failed);
    let root = Browser::sign_in(&t.app, "root").await;

    let (status, html) = root.get("/admin/audit?action=container.restart").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Audit log</h1>"));
    assert_eq!(rows_in(&html), 50);
    assert!(!html.contains("<td>container.exec</td>"), "filtered by action: {html}");
    let first_refused =
        html.find("class=\"outcome-refused\">refused").expect("the newest row, refused, on the first page");
    assert!(first_refused < html.find("class=\"outcome-ok\">ok").unwrap(), "newest first");
    let start = html.find("href=\"/admin/audit?action=container.restart&#38;before=").expect("an older link");
    let older = html[start + 6..].split('"').next().unwrap().replace("&#38;", "&");
    let (_, html) = root.get(&older).await;
    assert_eq!(rows_in(&html), 10, "the last 10 of 60");
    assert!(!html.contains("rel=\"next\""), "no older page");
    assert!(html.contains("href=\"/admin/audit?action=container.restart\""), "a link back to the newest");

    let (_, html) = root.get("/admin/audit?outcome=refused").await;
    assert_eq!(rows_in(&html), 1, "{html}");
    assert!(html.contains("<option value=\"refused\" selected>refused</option>"));
    let (_, html) = root.get(&format!("/admin/audit?actor=alice&object=container:{}&machine=m1", t.a)).await;
    assert_eq!(rows_in(&html), 1, "{html}");
    assert!(html.contains(&format!("<a href=\"/containers/{}\">container:{}</a>", t.a, t.a)), "{html}");
    let (_, html) = root.get("/admin/audit?machine=m9").await;
    assert!(html.contains("No rows match."));
    for label in ["filter-actor", "filter-action", "filter-outcome", "filter-object", "filter-machine"] {
        assert!(html.contains(&format!("<label for=\"{label}\">")), "{label}");
    }
}

#[tokio::test]
async fn a_member_reads_only_her_own_rows_on_the_audit_page_as_the_api_gives_her() {
    let t = tree().await;
    append(&t, (t.bob, "bob"), "container.restart", &format!("container:{}", t.c), Outcome::Ok);
    append(&t, (t.bob, "bob"), "container.stop", &format!("container:{}", t.b), Outcome::Ok);
    append(&t, (t.alice, "alice"), "container.exec", &format!("container:{}", t.a), Outcome::Failed);
    let alice = Browser::sign_in(&t.app, "alice").await;
    let (status, html) = alice.get("/admin/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Your audit log</h1>"), "{html}");
    assert!(html.contains("<td>container.exec</td>"), "her own action");
    assert!(html.contains("<td>container.stop</td>"), "bob's action on b, which is in her tree");
    assert!(!html.contains("<td>container.restart</td>"), "not bob's action on his own c: {html}");
    let (_, html) = alice.get("/admin/audit?actor=bob").await;
    assert_eq!(rows_in(&html), 1, "{html}");
}
