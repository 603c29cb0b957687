//! The `/account/ssh-keys` page over HTTP (issue 16, item 1): linked from the
//! account page; a member adds a key with the htmx form (listed with its
//! type and fingerprint, audited as the API's `ssh_key.add`), sees a refused
//! key's reason in place with what she typed kept, deletes a key; a form
//! without the CSRF header changes nothing; another's key is the 404 page.
//! The `~/.ssh/config` block names her container, the host of `public_url`
//! and the `[ssh]` port with the host key's fingerprint, and without `[ssh]` the page says SSH is not enabled.

use smp_panel::Role;
use smp_proto::api::ContainerStatus;

use crate::containers_api::{PASSWORD, add_machine, apply_listed, container_id, set_owner};
use crate::helpers::{spawn_app, spawn_app_with};
use crate::ssh_keys_api::{ECDSA_256, ED25519, ED25519_FINGERPRINT, RSA_2048};
use crate::web_account::{forged_post, htmx_post, page, page_200, signed_in};

#[tokio::test]
async fn a_member_adds_and_deletes_keys_on_the_page_and_reads_a_refusal_in_place() {
    let app = spawn_app().await;
    app.user("mia", Role::Member, PASSWORD, true);
    let mia = signed_in(&app, "mia").await;
    let account = page_200(&app, "/account", &mia.cookie).await;
    assert!(account.contains("href=\"/account/ssh-keys\""), "linked from the account page: {account}");

    let html = page_200(&app, "/account/ssh-keys", &mia.cookie).await;
    assert!(html.contains("You have no SSH keys.") && html.contains("name=\"public_key\""), "{html}");
    assert!(html.contains("SSH is not enabled on this panel"), "no [ssh] table: {html}");
    assert!(!html.contains("HostKeyAlias"), "{html}");

    let (status, section) =
        htmx_post(&app, "/account/ssh-keys", &mia, &[("name", "laptop"), ("public_key", ED25519)]).await;
    assert_eq!(status, 200);
    assert!(section.contains("The key “laptop” is added"), "{section}");
    for shown in ["laptop", "ssh-ed25519", ED25519_FINGERPRINT, "never"] {
        assert!(section.contains(shown), "{shown}: {section}");
    }
    assert_eq!(app.audit_rows_of("ssh_key.add").len(), 1, "audited as the API's action");

    let (status, section) =
        htmx_post(&app, "/account/ssh-keys", &mia, &[("name", "old box"), ("public_key", RSA_2048)]).await;
    assert_eq!(status, 200, "a refusal is shown in place");
    assert!(section.contains("role=\"alert\""), "{section}");
    assert!(section.contains("This RSA key has 2048 bits; RSA keys need at least 3072"), "in words: {section}");
    assert!(section.contains("value=\"old box\"") && section.contains(RSA_2048.trim()), "what she typed is kept");
    let (_, section) = htmx_post(&app, "/account/ssh-keys", &mia, &[("name", "copy"), ("public_key", ED25519)]).await;
    assert!(section.contains("already in your profile"), "{section}");

    let status =
        forged_post(&app, "/account/ssh-keys", &mia.cookie, &[("name", "forged"), ("public_key", ECDSA_256)]).await;
    assert_eq!(status, 403, "no CSRF header");
    let html = page_200(&app, "/account/ssh-keys", &mia.cookie).await;
    assert!(!html.contains("forged"), "nothing was added: {html}");

    let id = app.audit_rows_of("ssh_key.add")[0].object.strip_prefix("ssh_key:").unwrap().to_owned();
    app.user("bob", Role::Member, PASSWORD, true);
    let bob = signed_in(&app, "bob").await;
    let (status, _) = htmx_post(&app, &format!("/account/ssh-keys/{id}/delete"), &bob, &[]).await;
    assert_eq!(status, 404, "another's key is the 404 page");
    let (status, section) = htmx_post(&app, &format!("/account/ssh-keys/{id}/delete"), &mia, &[]).await;
    assert_eq!(status, 200);
    assert!(section.contains("The key is deleted") && section.contains("You have no SSH keys."), "{section}");
    let deletes: Vec<_> = app.audit_rows_of("ssh_key.delete").into_iter().map(|row| (row.actor, row.outcome)).collect();
    assert_eq!(deletes, [("bob".to_owned(), "refused".to_owned()), ("mia".to_owned(), "ok".to_owned())]);
}

#[tokio::test]
async fn the_ssh_config_block_names_her_container_the_public_host_and_the_ssh_port() {
    // Port 0: the gateway starts with the panel now, on a free port.
    let app = spawn_app_with("public_url = \"https://panel.example.org\"\n[ssh]\nlisten = \"127.0.0.1:0\"").await;
    let port = app.ssh_port.unwrap();
    let mia_id = app.user("mia", Role::Member, PASSWORD, true);
    let mia = signed_in(&app, "mia").await;
    let html = page_200(&app, "/account/ssh-keys", &mia.cookie).await;
    let block = format!(
        "Host mybox\n    HostName panel.example.org\n    Port {port}\n    User mybox\n    HostKeyAlias smp-panel\n"
    );
    assert!(html.contains(&block), "no container yet: the placeholder: {html}");
    let fingerprint = html.split("<code id=\"ssh-host-fingerprint\">").nth(1).and_then(|rest| rest.split('<').next());
    assert!(fingerprint.is_some_and(|shown| shown.starts_with("SHA256:")), "the host key's fingerprint: {html}");
    assert!(!html.contains("SSH is not enabled"), "{html}");

    let machine = add_machine(&app, "m1");
    apply_listed(&app, machine, &[("web1", ContainerStatus::Running), ("db1", ContainerStatus::Stopped)]);
    for name in ["web1", "db1"] {
        set_owner(&app, container_id(&app, machine, name), Some(mia_id));
    }
    let html = page_200(&app, "/account/ssh-keys", &mia.cookie).await;
    let block = format!(
        "Host db1\n    HostName panel.example.org\n    Port {port}\n    User db1\n    HostKeyAlias smp-panel\n"
    );
    assert!(html.contains(&block), "her first container by name: {html}");
    assert!(html.contains("<code>ssh db1</code>"), "{html}");

    let other = add_machine(&app, "m2");
    apply_listed(&app, other, &[("db1", ContainerStatus::Running)]);
    set_owner(&app, container_id(&app, other, "db1"), Some(mia_id));
    let html = page_200(&app, "/account/ssh-keys", &mia.cookie).await;
    assert!(
        html.contains("Host db1.m1\n") && html.contains("User db1.m1\n"),
        "a shared name takes its machine: {html}"
    );
}

#[tokio::test]
async fn without_a_public_url_the_block_names_the_panels_address_and_the_gateways_port() {
    // (The default port, 2222, is the config's unit test: binding it here could clash with `make run`.)
    let app = spawn_app_with("[ssh]\nlisten = \"127.0.0.1:0\"").await;
    app.user("mia", Role::Member, PASSWORD, true);
    let mia = signed_in(&app, "mia").await;
    let (status, html) = page(&app, "/account/ssh-keys", &mia.cookie).await;
    assert_eq!(status, 200);
    let lines = format!("    HostName 127.0.0.1\n    Port {}\n", app.ssh_port.unwrap());
    assert!(html.contains(&lines), "the gateway's port: {html}");
    let (status, _) = page(&app, "/account/ssh-keys", "smp_session=nope").await;
    assert_eq!(status, 303, "signed out: to the login page");
}
