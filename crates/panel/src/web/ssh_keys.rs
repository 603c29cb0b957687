//! `/account/ssh-keys`: the SSH keys of one's own profile (linked from the
//! account page) and the `~/.ssh/config` block that uses them.
//!
//! The keys are added, listed and deleted by the same use cases as
//! `/api/v1/me/ssh-keys` (`app::ssh_keys`), with the same audit actions;
//! the forms are htmx requests with the session's CSRF header, and each
//! answers the keys section again with what happened in words (a refused
//! key is its reason, shown in place, with what she typed kept). The block
//! names the panel's host (from `public_url`, else the address the page was
//! asked at) and the `[ssh] listen` port; without `[ssh]` the page says SSH
//! is not enabled on this panel and still manages the keys.

use actix_web::{HttpRequest, web};
use askama::Template;

use fluent_templates::fluent_bundle::FluentValue;

use super::i18n::{Translate as _, lookup, t};
use serde::Deserialize;

use super::{Chrome, Page, PageContext, PageError, PageForm, html, in_place, when};
use crate::app::CurrentUser;
use crate::app::ssh_keys::{AddSshKey, add_key, delete_key, list_keys};
use crate::db::containers::{self, ListFilter};
use crate::db::ssh_keys::SshKeyId;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::http::AppState;

/// The `Host` of the block when she has no container yet.
const PLACEHOLDER_HOST: &str = "mybox";

/// One key as the page lists it.
struct KeyRow {
    id: i64,
    name: String,
    algorithm: String,
    fingerprint: String,
    added: String,
    last_used: String,
    /// Imported from the OpenID Connect provider (GitLab) at her sign-in.
    imported: bool,
}

#[derive(Template)]
#[template(path = "account_ssh_keys_list.html")]
struct KeysSection {
    notice: Option<String>,
    error: Option<String>,
    rows: Vec<KeyRow>,
    /// What she typed, kept when the key was refused.
    name_value: String,
    key_value: String,
}

#[derive(Template)]
#[template(path = "account_ssh_keys.html")]
struct SshKeysPage {
    chrome: Chrome,
    keys_section: String,
    /// The `~/.ssh/config` block; `None`: SSH is not enabled on this panel.
    ssh_config: Option<String>,
    host_alias: String,
    /// The block names one of her containers (not the placeholder).
    example_container: bool,
    /// The gateway's host key fingerprint, to compare with what `ssh` shows the first time.
    host_fingerprint: Option<String>,
}

/// The keys section: her keys, and what just happened.
async fn keys_section(
    pool: &DbPool,
    current: &CurrentUser,
    notice: Option<String>,
    error: Option<String>,
    typed: (String, String),
) -> Result<KeysSection, PageError> {
    let rows = list_keys(pool, current)
        .await?
        .into_iter()
        .map(|key| KeyRow {
            id: key.id,
            name: key.name,
            algorithm: key.algorithm,
            fingerprint: key.fingerprint,
            added: when(key.created_at),
            last_used: key.last_used_at.map_or_else(|| t("account-never"), when),
            imported: key.imported,
        })
        .collect();
    let (name_value, key_value) = typed;
    Ok(KeysSection { notice, error, rows, name_value, key_value })
}

/// The SSH user of the first of her live containers by name (`NAME`, or
/// `NAME.MACHINE` where two of hers share the name), if she has one.
async fn first_container(pool: &DbPool, current: &CurrentUser) -> Result<Option<String>, AppError> {
    let current = current.clone();
    db::run(pool, move |connection| {
        let mine = containers::tree_ids_of(connection, current.user.id.0)?;
        let filter = ListFilter { live_only: true, ..ListFilter::default() };
        let mut rows = crate::app::containers::visible_among(connection, &current, Some(&mine), &filter)?;
        rows.sort_by(|a, b| (&a.name, &a.machine).cmp(&(&b.name, &b.machine)));
        Ok::<_, AppError>(rows.first().map(|first| {
            if rows.iter().filter(|row| row.name == first.name).count() > 1 {
                format!("{}.{}", first.name, first.machine)
            } else {
                first.name.clone()
            }
        }))
    })
    .await
}

/// The host members reach the panel at: `public_url`'s, else the address
/// the page was asked at (the panel listens on every address and cannot
/// know its name), without a port.
fn panel_host(state: &AppState, request: &HttpRequest) -> String {
    ssh_host_name(state.public_origin.url(), request.connection_info().host())
}

/// `HostName` for the panel at `public_url` (or its default, the bound
/// address), asked for as `asked` (the request's `Host`): the URL's host,
/// unless it is an unspecified address, then `asked`'s; never a port, an
/// IPv6 address without brackets.
fn ssh_host_name(public_url: &str, asked: &str) -> String {
    let configured = url::Url::parse(public_url).ok().and_then(|url| match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_unspecified() => None,
        Some(url::Host::Ipv6(ip)) if ip.is_unspecified() => None,
        Some(url::Host::Ipv6(ip)) => Some(ip.to_string()),
        Some(host) => Some(host.to_string()),
        None => None,
    });
    configured.unwrap_or_else(|| match asked.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        Some((ipv6, _)) => ipv6.to_owned(),
        None => asked.split(':').next().unwrap_or_default().to_owned(),
    })
}

/// `GET /account/ssh-keys`: her keys, the add form, the `~/.ssh/config` block.
pub async fn ssh_keys_page(page: PageContext, request: HttpRequest) -> Page {
    let PageContext { current, pool, state } = page;
    let chrome = Chrome::of(&current);
    let section = keys_section(&pool, &current, None, None, Default::default()).await?;
    let container = first_container(&pool, &current).await?;
    let example_container = container.is_some();
    let host_alias = container.unwrap_or_else(|| PLACEHOLDER_HOST.to_owned());
    let ssh_config = state.ssh_listen.map(|listen| {
        let host = panel_host(&state, &request);
        format!(
            "Host {host_alias}\n    HostName {host}\n    Port {port}\n    User {host_alias}\n    HostKeyAlias smp-panel\n",
            port = listen.port()
        )
    });
    html(&SshKeysPage {
        chrome,
        keys_section: section.render().map_err(AppError::internal)?,
        ssh_config,
        host_alias,
        example_container,
        host_fingerprint: state.ssh_host_fingerprint.clone(),
    })
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    public_key: String,
}

/// `POST /account/ssh-keys` (htmx): adds a key (the same function and audit
/// as `POST /api/v1/me/ssh-keys`); answers the keys section.
pub async fn add(page: PageContext, PageForm(submitted): PageForm<KeyForm>) -> Page {
    let PageContext { current, pool, .. } = page;
    let typed = submitted.as_ref().map(|form| (form.name.clone(), form.public_key.clone())).unwrap_or_default();
    let request = move || submitted.map(|KeyForm { name, public_key }| AddSshKey { name, public_key });
    let section = match add_key(&pool, current.clone(), request).await {
        Ok(key) => {
            let notice = lookup(
                crate::http::page_language::current(),
                "account-ssh-key-added",
                &[("name", FluentValue::from(key.name)), ("fingerprint", FluentValue::from(key.fingerprint))],
            );
            keys_section(&pool, &current, Some(notice), None, Default::default()).await?
        }
        Err(error) => keys_section(&pool, &current, None, Some(in_place(error)?), typed).await?,
    };
    html(&section)
}

/// `POST /account/ssh-keys/{id}/delete` (htmx): deletes one of her keys
/// (another's is the 404 page, as in `DELETE /api/v1/me/ssh-keys/{id}`).
pub async fn delete(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let section = match delete_key(&pool, current.clone(), SshKeyId(path.into_inner())).await {
        Ok(()) => {
            let notice = t("account-ssh-key-deleted");
            keys_section(&pool, &current, Some(notice), None, Default::default()).await?
        }
        Err(error) => keys_section(&pool, &current, None, Some(in_place(error)?), Default::default()).await?,
    };
    html(&section)
}

#[cfg(test)]
mod tests {
    use super::ssh_host_name;

    #[test]
    fn the_host_name_is_public_urls_host_else_the_asked_host_without_port_or_brackets() {
        assert_eq!(ssh_host_name("https://panel.example.org", "ignored:1"), "panel.example.org");
        assert_eq!(ssh_host_name("http://panel.lan:8080", "x"), "panel.lan");
        assert_eq!(ssh_host_name("http://[::1]:8080", "x"), "::1");
        assert_eq!(ssh_host_name("http://0.0.0.0:8080", "panel.lan:8080"), "panel.lan");
        assert_eq!(ssh_host_name("http://[::]:8080", "[2001:db8::7]:8080"), "2001:db8::7");
        assert_eq!(ssh_host_name("http://0.0.0.0:8080", "10.1.2.3"), "10.1.2.3");
    }
}
