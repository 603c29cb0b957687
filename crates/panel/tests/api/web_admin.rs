//! The admin pages over HTTP: a member gets the same 404 page for them as
//! for a missing page (and her forged forms are audited refusals); an admin
//! cannot make an admin and reads why; generated passwords are shown once;
//! the head admin adds a machine whose secret is stored sealed and never
//! comes out again (pages, answers, audit rows); sync and key rotation answer
//! readably; every action is audited with the API's action name.

use secrecy::ExposeSecret as _;
use smp_panel::Role;
use smp_panel::db::machines::{self, MachineId};

use crate::containers_api::{AGENT_SECRET, PASSWORD, closed_port};
use crate::helpers::spawn_app;
use crate::machine_cli::raw_database;
use crate::web_account::{browser, form_login, htmx_post, page, page_200, summary, tree_signed_in};

const NEW_SECRET: &str = "a-page-typed-agent-secret-0123456789abcdefXYZ";

#[tokio::test]
async fn a_member_gets_the_same_404_page_for_the_admin_pages_as_for_a_missing_page() {
    let (t, alice) = tree_signed_in("alice").await;
    let app = &t.app;
    let missing = page(app, "/nope", &alice.cookie).await;
    assert_eq!(missing.0, 404);
    for path in ["/admin/users", "/admin/machines", "/admin/networks"] {
        assert_eq!(page(app, path, &alice.cookie).await, missing, "{path}");
    }
    // Her forged forms: the same 404 page, nothing changed, audited like the API's refusals.
    // (Bob's account is hidden from her: the API's refusal is not_found, as for a missing one.)
    let (alice_path, bob_path) = (format!("/admin/users/{}", t.alice), format!("/admin/users/{}", t.bob));
    let (sync_path, rotate_path) =
        (format!("/admin/machines/{}/sync", t.machine), format!("/admin/machines/{}/rotate-key", t.machine));
    let add = vec![("name", "m9"), ("url", "http://127.0.0.1:1"), ("key_id", "panel"), ("secret", NEW_SECRET)];
    let forged = [
        ("/admin/users/new", vec![("username", "mallory"), ("role", "member")], "user.create", "forbidden"),
        (alice_path.as_str(), vec![("role", "head_admin")], "user.update", "forbidden"),
        (bob_path.as_str(), vec![("disabled", "true")], "user.update", "not_found"),
        ("/admin/users/999999", vec![("disabled", "true")], "user.update", "not_found"),
        ("/admin/machines/new", add, "machine.add", "forbidden"),
        (sync_path.as_str(), vec![], "machine.sync", "forbidden"),
        (rotate_path.as_str(), vec![("key_id", "k2"), ("secret", NEW_SECRET)], "machine.rotate_key", "forbidden"),
    ];
    for (path, form, action, code) in &forged {
        let before = app.audit_rows_of(action).len();
        assert_eq!(htmx_post(app, path, &alice, form).await, missing, "{path}");
        let rows = app.audit_rows_of(action);
        assert_eq!(rows.len(), before + 1, "{path}: one row");
        assert_eq!(summary(rows.last().unwrap()), ("alice", "refused", Some(*code)), "{path}");
    }
    let mut connection = app.db.connect();
    assert_eq!(smp_panel::db::users::count(&mut connection).unwrap(), 4, "nobody was created");
    let alice_now =
        smp_panel::db::users::find(&mut connection, smp_panel::db::users::UserId(t.alice)).unwrap().unwrap();
    assert_eq!(alice_now.role, Role::Member);
    assert_eq!(machines::list(&mut connection).unwrap().len(), 1);
    assert!(!format!("{:?}", app.audit_rows()).contains(NEW_SECRET));
}

#[tokio::test]
async fn an_admin_cannot_make_an_admin_reads_why_and_nothing_changes() {
    let (t, ada) = tree_signed_in("ada").await;
    let app = &t.app;
    let html = page_200(app, "/admin/users", &ada.cookie).await;
    assert!(html.contains("<label for=\"new-username\">") && html.contains("aria-label=\"Disable alice\""), "{html}");
    assert!(!html.contains("style=") && !html.contains("<script>") && !html.contains("$argon2"), "{html}");

    let make = [("username", "eve"), ("role", "admin"), ("password", PASSWORD)];
    let (status, html) = htmx_post(app, "/admin/users/new", &ada, &make).await;
    assert_eq!(status, 200, "the refusal is swapped in");
    assert!(
        html.contains("class=\"error\"")
            && html.contains("Not allowed: only the head admin gives or takes the admin role"),
        "{html}"
    );
    let (status, html) = htmx_post(app, &format!("/admin/users/{}", t.alice), &ada, &[("role", "admin")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not allowed: only the head admin"), "{html}");

    let mut connection = app.db.connect();
    assert_eq!(smp_panel::db::users::count(&mut connection).unwrap(), 4, "eve was not created");
    let alice = smp_panel::db::users::find(&mut connection, smp_panel::db::users::UserId(t.alice)).unwrap().unwrap();
    assert_eq!(alice.role, Role::Member, "alice is still a member");
    assert_eq!(summary(&app.audit_rows_of("user.create").pop().unwrap()), ("ada", "refused", Some("forbidden")));
    assert_eq!(summary(&app.audit_rows_of("user.update").pop().unwrap()), ("ada", "refused", Some("forbidden")));

    // Her own lockout is refused in words too.
    let ada_id = smp_panel::db::users::find_by_username(&mut connection, &smp_panel::Username::parse("ada").unwrap())
        .unwrap()
        .unwrap()
        .id;
    let (_, html) = htmx_post(app, &format!("/admin/users/{ada_id}"), &ada, &[("disabled", "true")]).await;
    assert!(html.contains("You cannot disable, unapprove or change the role of your own account"), "{html}");

    // The head admin may.
    let root = browser(app, "root", PASSWORD).await;
    let (status, html) = htmx_post(app, &format!("/admin/users/{}", t.alice), &root, &[("role", "admin")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("alice is now admin, approved and enabled."), "{html}");
    assert_eq!(summary(&app.audit_rows_of("user.update").pop().unwrap()), ("root", "ok", None));
}

#[tokio::test]
async fn an_admin_creates_disables_and_enables_a_member_and_a_generated_password_is_shown_once() {
    let app = spawn_app().await;
    app.user("ada", Role::Admin, PASSWORD, true);
    let ada = browser(&app, "ada", PASSWORD).await;
    let (status, html) =
        htmx_post(&app, "/admin/users/new", &ada, &[("username", "zoe"), ("role", "member"), ("password", "")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("zoe is created (member)") && html.contains("it is shown this once"), "{html}");
    let start = html.find("id=\"generated-password\" readonly value=\"").unwrap()
        + "id=\"generated-password\" readonly value=\"".len();
    let generated = html[start..].split('"').next().unwrap().to_owned();
    assert_eq!(generated.len(), 24);
    let (_, listed) = page(&app, "/admin/users", &ada.cookie).await;
    assert!(listed.contains("<td>zoe</td>") && !listed.contains(&generated), "shown once: {listed}");
    let created = app.audit_rows_of("user.create").pop().unwrap();
    assert_eq!(summary(&created), ("ada", "ok", None));
    assert!(!format!("{:?}", app.audit_rows()).contains(&generated));

    let zoe =
        smp_panel::db::users::find_by_username(&mut app.db.connect(), &smp_panel::Username::parse("zoe").unwrap())
            .unwrap()
            .unwrap();
    assert!(zoe.approved, "made by an admin: approved");
    let (_, html) = htmx_post(&app, &format!("/admin/users/{}", zoe.id), &ada, &[("disabled", "true")]).await;
    assert!(html.contains("zoe is now member, disabled.") && html.contains("aria-label=\"Enable zoe\""), "{html}");
    assert_eq!(form_login(&app, "zoe", &generated).await.status(), 403, "disabled");
    let (_, html) = htmx_post(&app, &format!("/admin/users/{}", zoe.id), &ada, &[("disabled", "false")]).await;
    assert!(html.contains("zoe is now member, approved and enabled."), "{html}");
    assert_eq!(form_login(&app, "zoe", &generated).await.status(), 303, "the generated password works");
    let updates: Vec<_> = app.audit_rows_of("user.update").iter().map(|row| summary(row).1.to_owned()).collect();
    assert_eq!(updates, ["ok", "ok"]);
}

#[tokio::test]
async fn the_head_admin_adds_a_machine_from_the_page_and_its_secret_never_comes_out() {
    let (t, root) = tree_signed_in("root").await;
    let app = &t.app;
    let html = page_200(app, "/admin/machines", &root.cookie).await;
    assert!(html.contains("<label for=\"machine-secret\">") && html.contains("<label for=\"machine-tofu\">"), "{html}");
    assert!(html.contains("<td>m1</td>") && !html.contains(AGENT_SECRET), "{html}");

    // A refusal keeps what was typed, except the secret.
    let url = format!("http://127.0.0.1:{}", closed_port());
    let bad =
        [("name", "m9"), ("url", url.as_str()), ("key_id", "panel"), ("secret", NEW_SECRET), ("fingerprint", "AB:CD")];
    let (status, html) = htmx_post(app, "/admin/machines/new", &root, &bad).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("class=\"error\"") && html.contains("Fingerprint and trust_on_first_use apply only to https"),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{url}\"")) && !html.contains(NEW_SECRET), "{html}");

    let good =
        [("name", "m9"), ("url", url.as_str()), ("key_id", "panel"), ("secret", NEW_SECRET), ("fingerprint", "")];
    let (status, html) = htmx_post(app, "/admin/machines/new", &root, &good).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Machine m9 is added") && html.contains("<td>m9</td>") && !html.contains(NEW_SECRET),
        "{html}"
    );
    let stored = machines::list(&mut app.db.connect())
        .unwrap()
        .into_iter()
        .find(|machine| machine.name.as_str() == "m9")
        .unwrap();
    assert_eq!(stored.decrypt_secret(&app.panel_key()).unwrap().expose_secret(), NEW_SECRET, "stored sealed");
    assert!(
        !raw_database(&app.db).windows(NEW_SECRET.len()).any(|window| window == NEW_SECRET.as_bytes()),
        "never in clear in the database"
    );
    let outcomes: Vec<_> = app.audit_rows_of("machine.add").iter().map(|row| summary(row).1.to_owned()).collect();
    assert_eq!(outcomes, ["refused", "started", "ok"]);
    let row = app.audit_rows_of("machine.add").pop().unwrap();
    assert_eq!(
        (row.actor.as_str(), row.object, row.machine),
        ("root", format!("machine:{}", stored.id), Some("m9".to_owned()))
    );
    assert!(!format!("{:?}", app.audit_rows()).contains(NEW_SECRET), "no audit row holds the secret");

    let ada = browser(app, "ada", PASSWORD).await;
    for (who, cookie) in [("root", &root.cookie), ("ada", &ada.cookie)] {
        for path in ["/admin/machines", "/admin/users", "/", "/account", "/admin/audit"] {
            let (_, html) = page(app, path, cookie).await;
            assert!(!html.contains(NEW_SECRET) && !html.contains(AGENT_SECRET), "{who} {path}");
        }
    }
}

#[tokio::test]
async fn sync_and_key_rotation_from_the_page_answer_readably_and_only_the_head_admin_may() {
    let (t, ada) = tree_signed_in("ada").await;
    let app = &t.app;
    let (status, html) = page(app, "/admin/machines", &ada.cookie).await;
    assert_eq!(status, 200, "admins read");
    assert!(
        html.contains("<td>m1</td>") && html.contains("Only the head admin adds, syncs or re-keys machines."),
        "{html}"
    );
    assert!(!html.contains("hx-post=\"/admin/machines/"), "no forms for an admin: {html}");
    let (status, html) = htmx_post(app, &format!("/admin/machines/{}/sync", t.machine), &ada, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not allowed: only the head admin adds, syncs or re-keys machines."), "{html}");
    assert_eq!(summary(&app.audit_rows_of("machine.sync").pop().unwrap()), ("ada", "refused", Some("forbidden")));

    let root = browser(app, "root", PASSWORD).await;
    let (status, html) = htmx_post(app, &format!("/admin/machines/{}/sync", t.machine), &root, &[]).await;
    assert_eq!(status, 200, "the agent being down is a message, not an error page");
    assert!(html.contains("class=\"error\"") && html.contains("Machine m1 cannot be reached right now"), "{html}");
    assert!(html.contains("status-unreachable"), "the list shows the machine's new health: {html}");
    let outcomes: Vec<_> = app.audit_rows_of("machine.sync").iter().map(|row| summary(row).1.to_owned()).collect();
    assert_eq!(outcomes, ["refused", "started", "failed"]);

    let form = [("key_id", "k2"), ("secret", NEW_SECRET)];
    let (status, html) = htmx_post(app, &format!("/admin/machines/{}/rotate-key", t.machine), &root, &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"error\"") && html.contains("the panel still uses key"), "{html}");
    assert!(!html.contains(NEW_SECRET));
    let machine = machines::get(&mut app.db.connect(), MachineId(t.machine)).unwrap().unwrap();
    assert_eq!(machine.key_id, "panel", "the key is unchanged");
    let row = app.audit_rows_of("machine.rotate_key").pop().unwrap();
    assert_eq!(summary(&row), ("root", "failed", Some("key_unverified")));
    assert!(!format!("{:?}", app.audit_rows()).contains(NEW_SECRET));

    let missing = htmx_post(app, "/admin/machines/999999/sync", &root, &[]).await;
    assert_eq!(missing.0, 404, "a missing machine is the 404 page");
}
