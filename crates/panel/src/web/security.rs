//! `/account/security`: the TOTP second factor of one's own account
//! (issue 18). Enrol (the QR code as an SVG image from
//! `/account/security/qr.svg`, served under the strict CSP like any other
//! file, the otpauth URI and the secret to type, and the ten recovery codes
//! shown once, in the answer that made them), confirm with a first code,
//! remove it with a code. The same use cases as `/api/v1/me/totp`
//! (`app::totp`), with the same audit actions; the forms are htmx requests
//! with the session's CSRF header, each answering the section again with
//! what happened in words. An admin whose rights wait for TOTP
//! (`require_totp_for_admins`) is sent here after signing in.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::{Translate as _, t};
use serde::Deserialize;

use super::{Chrome, Page, PageContext, PageForm, html, in_place};
use crate::app::CurrentUser;
use crate::app::totp::{self, Enrolment, TotpState};
use crate::db::DbPool;
use crate::error::{AppError, ErrorCode};
use crate::http::AuditAction;
use crate::http::client_addr::client_of;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account/security").route(web::get().to(security_page))) // CurrentUser: self
        .service(web::resource("/account/security/qr.svg").route(web::get().to(qr_svg))) // CurrentUser: self, her pending enrolment only
        .service(
            web::resource("/account/security/enrol").app_data(AuditAction("totp.enrol")).route(web::post().to(enrol)), // CurrentUser (X-CSRF-Token) + policy may_manage_totp: self
        )
        .service(
            web::resource("/account/security/activate")
                .app_data(AuditAction("totp.activate"))
                .route(web::post().to(activate)), // CurrentUser (X-CSRF-Token) + policy may_manage_totp: self, a first code (login rate limit)
        )
        .service(
            web::resource("/account/security/disable")
                .app_data(AuditAction("totp.disable"))
                .route(web::post().to(disable)), // CurrentUser (X-CSRF-Token) + policy may_manage_totp: self, a code (login rate limit)
        );
}

#[derive(Template)]
#[template(path = "account_security_section.html")]
struct SecuritySection {
    state: &'static str,
    /// Recovery codes left (active only).
    codes_left: i64,
    /// Just enrolled: what is shown once.
    enrolment: Option<Enrolment>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "account_security.html")]
struct SecurityPage {
    chrome: Chrome,
    /// An admin whose rights wait for TOTP.
    admin_withheld: bool,
    section: String,
}

async fn section(
    pool: &DbPool,
    current: &CurrentUser,
    enrolment: Option<Enrolment>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<SecuritySection, AppError> {
    let (state, codes_left) = totp::status(current, pool).await?;
    Ok(SecuritySection { state: state.as_str(), codes_left, enrolment, notice, error })
}

/// `GET /account/security`.
pub async fn security_page(page: PageContext) -> Page {
    let PageContext { current, pool, .. } = page;
    let section = section(&pool, &current, None, None, None).await?.render().map_err(AppError::internal)?;
    html(&SecurityPage { chrome: Chrome::of(&current), admin_withheld: current.admin_withheld, section })
}

/// `GET /account/security/qr.svg`: the QR code of her pending enrolment
/// (none pending: the 404 page). Never cached.
pub async fn qr_svg(page: PageContext) -> Page {
    let PageContext { current, state, pool } = page;
    let svg = totp::pending_qr_svg(&state.app, &current, &pool).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(svg))
}

/// `POST /account/security/enrol` (htmx): a new secret and recovery codes, shown once.
pub async fn enrol(page: PageContext) -> Page {
    let PageContext { current, state, pool } = page;
    let answer = match totp::enrol(&state.app, current.clone(), &pool).await {
        Ok(enrolment) => section(&pool, &current, Some(enrolment), None, None).await?,
        Err(error) => section(&pool, &current, None, None, Some(in_place(error)?)).await?,
    };
    html(&answer)
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /account/security/activate` (htmx): confirms with a first code.
pub async fn activate(request: HttpRequest, page: PageContext, PageForm(form): PageForm<CodeForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let client = client_of(&request, &state.trusted_proxies);
    let outcome = match form {
        Ok(CodeForm { code }) => totp::activate(&state.app, current.clone(), &pool, client, code).await,
        Err(error) => Err(error),
    };
    let answer = match outcome {
        Ok(()) => {
            let notice = t("account-totp-turned-on");
            section(&pool, &current, None, Some(notice), None).await?
        }
        Err(error) => section(&pool, &current, None, None, Some(readable(error)?)).await?,
    };
    html(&answer)
}

/// `POST /account/security/disable` (htmx): removes it, given a code or a recovery code.
pub async fn disable(request: HttpRequest, page: PageContext, PageForm(form): PageForm<CodeForm>) -> Page {
    let PageContext { current, state, pool } = page;
    let client = client_of(&request, &state.trusted_proxies);
    let outcome = match form {
        Ok(CodeForm { code }) => totp::disable(&state.app, current.clone(), &pool, client, code).await,
        Err(error) => Err(error),
    };
    let answer = match outcome {
        Ok(()) => {
            let notice = t("account-totp-turned-off");
            section(&pool, &current, None, Some(notice), None).await?
        }
        Err(error) => section(&pool, &current, None, None, Some(readable(error)?)).await?,
    };
    html(&answer)
}

/// A refused code in words.
fn readable(error: AppError) -> Result<String, super::PageError> {
    match error.code {
        ErrorCode::TotpInvalid => Ok(t("account-totp-code-wrong")),
        _ => in_place(error),
    }
}

impl SecuritySection {
    fn active(&self) -> bool {
        self.state == TotpState::Active.as_str()
    }

    fn pending(&self) -> bool {
        self.state == TotpState::Pending.as_str()
    }
}
