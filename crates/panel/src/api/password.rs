//! `PUT /api/v1/me/password` `{"current","new"}`: the caller changes her own
//! password (`app::password::change_password`, the account page's form's
//! use case too): every token of hers is revoked and every session but the
//! one making the change ends, for good.

use crate::api::responses::{BodyTooLarge, Internal, Unauthenticated};
use crate::api::{Answer, json};
use crate::app::password::{self, PasswordChange, PasswordChanged};
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// Change the caller's password: every token and every other session ends
#[utoipa::path(put, path = "/api/v1/me/password", request_body = PasswordChange, responses(
    (status = 200, description = "Changed; every token of the caller is revoked and every session but this one has \
        ended.", body = PasswordChanged),
    (status = 403, description = "`wrong_password` (nothing changed), `token_scope` (a read token), `csrf_failed`, \
        `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: a malformed body, or a new password against the \
        rules.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: five wrong passwords in a quarter of an hour.", body = ErrorBody),
    Unauthenticated, BodyTooLarge, Internal,
))]
pub async fn change_password(acting: Acting, body: Body) -> Answer {
    json(password::change_password(&acting.pool, acting.current, move || body.json()).await?)
}
