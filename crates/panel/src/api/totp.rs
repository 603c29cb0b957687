//! `POST/PUT/DELETE /api/v1/me/totp`: the caller's TOTP second factor
//! (`app::totp`): enrol (the secret, its otpauth URI and ten recovery
//! codes, shown once), confirm it with a first code, remove it with a code.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::api::responses::{BodyTooLarge, Internal, Unauthenticated};
use crate::api::{Answer, created};
use crate::app::totp::{self, Enrolment, TotpCode};
use crate::error::ErrorBody;
use crate::http::body::Body;
use crate::http::client_addr::client_of;
use crate::http::{Acting, AppState};

/// Enrol a TOTP second factor (from a browser session; not active until confirmed)
///
/// Answers the secret, its otpauth URI and ten recovery codes, once: the panel keeps the secret sealed with its
/// key and only the SHA-256 of each recovery code. A pending enrolment is replaced; an active one is not.
#[utoipa::path(post, path = "/api/v1/me/totp", responses(
    (status = 201, description = "Enrolled, not active yet: confirm with `PUT /api/v1/me/totp`.", body = Enrolment),
    (status = 403, description = "`session_required` (a bearer token), `csrf_failed`, `account_disabled` or \
        `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`conflict`: a second factor is active already; remove it first.", body = ErrorBody),
    Unauthenticated, Internal,
))]
pub async fn enrol(acting: Acting) -> Answer {
    created(totp::enrol(&acting.context, acting.current, &acting.pool).await?)
}

/// Confirm the pending enrolment with a first code: from now on logins ask for a code
#[utoipa::path(put, path = "/api/v1/me/totp", request_body = TotpCode, responses(
    (status = 204, description = "Active."),
    (status = 403, description = "`totp_invalid` (a wrong or used code), `session_required`, `csrf_failed`, \
        `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`conflict`: nothing is pending (enrol first).", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a malformed body.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: too many attempts (the login's limit).", body = ErrorBody),
    Unauthenticated, BodyTooLarge, Internal,
))]
pub async fn activate(request: HttpRequest, acting: Acting, state: web::Data<AppState>, body: Body) -> Answer {
    let TotpCode { code } = body.json()?;
    let client = client_of(&request, &state.trusted_proxies);
    totp::activate(&acting.context, acting.current, &acting.pool, client, code).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove the second factor, with a valid code or an unused recovery code
#[utoipa::path(delete, path = "/api/v1/me/totp", request_body = TotpCode, responses(
    (status = 204, description = "Removed, with its recovery codes."),
    (status = 403, description = "`totp_invalid` (a wrong or used code), `session_required`, `csrf_failed`, \
        `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`conflict`: no second factor is enrolled.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a malformed body.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: too many attempts (the login's limit).", body = ErrorBody),
    Unauthenticated, BodyTooLarge, Internal,
))]
pub async fn disable(request: HttpRequest, acting: Acting, state: web::Data<AppState>, body: Body) -> Answer {
    let TotpCode { code } = body.json()?;
    let client = client_of(&request, &state.trusted_proxies);
    totp::disable(&acting.context, acting.current, &acting.pool, client, code).await?;
    Ok(HttpResponse::NoContent().finish())
}
