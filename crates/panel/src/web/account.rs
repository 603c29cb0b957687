//! Sign-up, the approval-pending page and the account page (password, the
//! pages' language, personal access tokens).
//!
//! Sign-up is a plain form like the login's (there is no session yet), the
//! use case `app::users::sign_up`: it makes an unapproved member, audited as
//! `user.signup`, rate-limited with the login's limiter (by client address),
//! and only while `allow_signup` is on (else the 404 page); those two
//! refusals are anonymous and their rows aggregated per source
//! (`http::anonymous`); a taken name gets the same page as a free one. The account page's forms are htmx requests with the session's CSRF
//! header; each answers its section again, with what happened in words (a
//! refusal is a readable message in a 200 answer, so that htmx swaps it in).
//! Tokens are made and revoked by the same functions as `/api/v1/tokens`,
//! with the same audit actions; a new token is shown once, in the answer
//! that made it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use fluent_templates::fluent_bundle::FluentValue;

use super::i18n::{Translate as _, lookup, t};
use serde::Deserialize;

use super::{Chrome, Page, PageContext, PageError, PageForm, html, in_place, readable, when};
use crate::app::CurrentUser;
use crate::app::password::{PasswordChange, change_password as change_own_password};
use crate::app::tokens::{
    CreateToken, DEFAULT_EXPIRES_IN_DAYS, MAX_EXPIRES_IN_DAYS, create_token, list_tokens, revoke_token,
};
use crate::app::users::{SignUp, set_own_language};
use crate::db::DbPool;
use crate::db::tokens::TokenScope;
use crate::domain::language::Language;
use crate::domain::ldap::AuthMethod;
use crate::error::{AppError, ErrorCode};
use crate::http::AppState;
use crate::http::AuditAction;
use crate::http::sign_in::sign_up;
use crate::texts;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/signup")
            .route(web::get().to(signup_page)) // open (404 unless allow_signup)
            .route(web::post().to(signup_submit)), // open (rate-limited like the login; audited user.signup)
    )
    .service(web::resource("/account").route(web::get().to(account_page))) // CurrentUser: self
    .service(
        web::resource("/account/password")
            .app_data(AuditAction("user.password"))
            .route(web::post().to(change_password)), // CurrentUser (X-CSRF-Token): self, knowing the current password
    )
    .service(
        web::resource("/account/language")
            .app_data(AuditAction("user.language"))
            .route(web::post().to(change_language)), // CurrentUser (X-CSRF-Token): self
    )
    .service(
        web::resource("/account/tokens").app_data(AuditAction("token.create")).route(web::post().to(new_token)), // CurrentUser (X-CSRF-Token): self
    )
    .service(
        web::resource("/account/tokens/{id}/revoke")
            .app_data(AuditAction("token.revoke"))
            .route(web::post().to(revoke)), // CurrentUser (X-CSRF-Token): self (another's token: 404)
    );
}

/// An optional number field: empty is `None`.
pub(super) fn optional(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty())
}

// ---------------------------------------------------------------- sign-up

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    chrome: Chrome,
    error: Option<String>,
    username_value: String,
}

impl SignupPage {
    fn new(error: Option<String>, username_value: String) -> SignupPage {
        SignupPage { chrome: Chrome::default(), error, username_value }
    }
}

#[derive(Template)]
#[template(path = "pending.html")]
struct PendingPage {
    chrome: Chrome,
    new_username: String,
}

/// `GET /signup` (signed in already: the dashboard; sign-up off: the 404 page).
pub async fn signup_page(current: Result<CurrentUser, AppError>, state: web::Data<AppState>) -> Page {
    if !state.allow_signup {
        return Err(AppError::not_found().into());
    }
    if current.is_ok() {
        return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).finish());
    }
    html(&SignupPage::new(None, String::new()))
}

/// `POST /signup`: an unapproved member and the approval-pending page, or
/// the form again with what went wrong in words. A taken username gets the
/// very page a free one gets (same status, same words, the password hashed
/// all the same), and nothing is created or changed for it: sign-up does not
/// tell who has an account. Its audit row (admins only) says `conflict`.
pub async fn signup_submit(
    request: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    PageForm(submitted): PageForm<SignUp>,
) -> Page {
    let typed = submitted.as_ref().map(|form| form.username.clone()).unwrap_or_default();
    match sign_up(&request, &pool, &state, submitted).await {
        Ok(new_username) => html(&PendingPage { chrome: Chrome::default(), new_username }),
        Err(error) => signup_refused(error, typed),
    }
}

/// The sign-up form again with what went wrong, or the error's page.
fn signup_refused(error: AppError, typed: String) -> Page {
    match error {
        error if matches!(error.code, ErrorCode::NotFound | ErrorCode::Internal) => Err(error.into()),
        error => {
            let message = match error.code {
                ErrorCode::RateLimited => t("account-signup-rate-limited"),
                _ => readable(&error),
            };
            let body = SignupPage::new(Some(message), typed).render().map_err(AppError::internal)?;
            Ok(HttpResponse::build(error.code.status()).content_type("text/html; charset=utf-8").body(body))
        }
    }
}

// ---------------------------------------------------------------- the account page

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    role: &'static str,
    password_section: String,
    language_section: String,
    tokens_section: String,
    /// Where she signs in when it is not this panel's password.
    signs_in_with: Option<String>,
}

#[derive(Template)]
#[template(path = "account_language.html")]
struct LanguageSection {
    /// Her choice; `None`: her browser's.
    chosen: Option<Language>,
    languages: [Language; 3],
    error: Option<String>,
}

impl LanguageSection {
    fn new(chosen: Option<Language>, error: Option<String>) -> LanguageSection {
        LanguageSection { chosen, languages: Language::ALL, error }
    }

    fn is_chosen(&self, language: &Language) -> bool {
        self.chosen == Some(*language)
    }
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordSection {
    notice: Option<String>,
    error: Option<String>,
}

/// One token as the page lists it (never the token itself).
struct TokenRow {
    id: i64,
    name: String,
    scope: &'static str,
    created: String,
    expires: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct TokensSection {
    /// The name and the token just made: shown this once.
    created: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
    rows: Vec<TokenRow>,
    /// The form asks her password (an account from an OpenID Connect provider has none here).
    password_asked: bool,
}

/// The tokens section: the caller's live tokens, and what just happened.
async fn tokens_section(
    pool: &DbPool,
    current: &CurrentUser,
    created: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<TokensSection, PageError> {
    let rows = list_tokens(pool, current)
        .await?
        .into_iter()
        .map(|info| TokenRow {
            id: info.id,
            name: info.name,
            scope: info.scope.as_str(),
            created: when(info.created_at),
            expires: info.expires_at.map_or_else(|| t("account-never"), when),
            last_used: info.last_used_at.map_or_else(|| t("account-never"), when),
        })
        .collect();
    let password_asked = current.user.auth_method != AuthMethod::Oidc;
    Ok(TokensSection { created, notice, error, rows, password_asked })
}

/// `GET /account`: change the password; personal access tokens.
pub async fn account_page(page: PageContext) -> Page {
    let PageContext { current, pool, state } = page;
    let chrome = Chrome::of(&current);
    let tokens = tokens_section(&pool, &current, None, None, None).await?;
    let signs_in_with = match current.user.auth_method {
        AuthMethod::Local => None,
        AuthMethod::Ldap => Some(t("account-signs-in-with-ldap")),
        AuthMethod::Oidc => Some(
            state.oidc.as_ref().map_or_else(|| t("account-signs-in-with-oidc"), |provider| provider.name().to_owned()),
        ),
    };
    html(&AccountPage {
        chrome,
        role: current.user.role.as_str(),
        password_section: PasswordSection { notice: None, error: None }.render().map_err(AppError::internal)?,
        language_section: LanguageSection::new(current.user.language, None).render().map_err(AppError::internal)?,
        tokens_section: tokens.render().map_err(AppError::internal)?,
        signs_in_with,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

/// `POST /account/password` (htmx): the new password, audited as
/// `user.password`, if the current one is right; every token of the caller
/// is revoked and her other sessions end (this one stays), by the same use
/// case as `PUT /api/v1/me/password`. Answers the password section.
pub async fn change_password(page: PageContext, PageForm(submitted): PageForm<PasswordForm>) -> Page {
    let PageContext { current, pool, .. } = page;
    let request = move || {
        let PasswordForm { current_password, new_password, new_password_again } = submitted?;
        if new_password != new_password_again {
            return Err(AppError::invalid("account-passwords-differ", &[]));
        }
        Ok(PasswordChange { current: current_password, new: new_password })
    };
    let section = match change_own_password(&pool, current, request).await {
        Ok(changed) => PasswordSection {
            notice: Some(lookup(
                crate::http::page_language::current(),
                "account-password-changed",
                &[
                    ("sessions", FluentValue::from(changed.sessions_ended.to_string())),
                    ("tokens", FluentValue::from(changed.tokens_revoked.to_string())),
                ],
            )),
            error: None,
        },
        Err(error) if error.code == ErrorCode::WrongPassword => {
            PasswordSection { notice: None, error: Some(t("account-current-password-wrong")) }
        }
        Err(error) => PasswordSection { notice: None, error: Some(in_place(error)?) },
    };
    html(&section)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    /// A language's code; empty: her browser's.
    language: String,
}

/// `POST /account/language` (htmx): her pages' language (empty: her
/// browser's), audited as `user.language`; the whole page reloads in it.
/// An unknown code says so in the section and changes nothing.
pub async fn change_language(page: PageContext, PageForm(submitted): PageForm<LanguageForm>) -> Page {
    let PageContext { current, pool, .. } = page;
    let before = current.user.language;
    let chosen = submitted.and_then(|LanguageForm { language }| match language.trim() {
        "" => Ok(None),
        code => Language::parse(code).map(Some).ok_or_else(|| {
            AppError::invalid("error-account-no-such-language", &[("code", texts::text(format!("{code:?}")))])
        }),
    });
    let refused = match chosen {
        Ok(language) => match set_own_language(&pool, current, language).await {
            Ok(()) => return Ok(HttpResponse::Ok().insert_header(("HX-Refresh", "true")).finish()),
            Err(error) => error,
        },
        Err(error) => error,
    };
    html(&LanguageSection::new(before, Some(in_place(refused)?)))
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    expires_in_days: Option<String>,
}

/// The form as the API's request; a bad number of days or scope is an invalid input.
fn token_request(submitted: Result<TokenForm, AppError>) -> Result<CreateToken, AppError> {
    let TokenForm { name, password, scope, expires_in_days } = submitted?;
    let expires_in_days = optional(expires_in_days)
        .map(|days| {
            days.parse::<u32>().map_err(|_| {
                AppError::invalid(
                    "account-token-days-invalid",
                    &[("max", texts::text(MAX_EXPIRES_IN_DAYS)), ("default", texts::text(DEFAULT_EXPIRES_IN_DAYS))],
                )
            })
        })
        .transpose()?;
    let scope = match optional(scope).as_deref() {
        None | Some("read") => TokenScope::Read,
        Some("write") => TokenScope::Write,
        Some(_) => return Err(AppError::invalid("account-token-scope-invalid", &[])),
    };
    Ok(CreateToken { name, password, scope: Some(scope), expires_in_days })
}

/// `POST /account/tokens` (htmx): a new token, shown once in the answer (the
/// same function and audit as `POST /api/v1/tokens`).
pub async fn new_token(page: PageContext, PageForm(submitted): PageForm<TokenForm>) -> Page {
    let PageContext { current, pool, state } = page;
    let section = match create_token(&state.app, &pool, current.clone(), move || token_request(submitted)).await {
        Ok(created) => tokens_section(&pool, &current, Some((created.info.name, created.token)), None, None).await?,
        Err(error) if error.code == ErrorCode::WrongPassword => {
            let message = t("account-token-password-wrong");
            tokens_section(&pool, &current, None, None, Some(message)).await?
        }
        Err(error) => tokens_section(&pool, &current, None, None, Some(in_place(error)?)).await?,
    };
    html(&section)
}

/// `POST /account/tokens/{id}/revoke` (htmx): revokes one of the caller's
/// tokens (another's is the 404 page, as in `DELETE /api/v1/tokens/{id}`).
pub async fn revoke(page: PageContext, path: web::Path<i64>) -> Page {
    let PageContext { current, pool, .. } = page;
    let section = match revoke_token(&pool, current.clone(), path.into_inner()).await {
        Ok(()) => tokens_section(&pool, &current, None, Some(t("account-token-revoked")), None).await?,
        Err(error) => tokens_section(&pool, &current, None, None, Some(in_place(error)?)).await?,
    };
    html(&section)
}
