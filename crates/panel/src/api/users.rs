//! `GET/POST /api/v1/users`, `PATCH /api/v1/users/{id}`: accounts, as the
//! policy allows (admins manage members; only a head admin makes admins; a
//! member gets 404 for anyone else's account).

use actix_web::web;

use crate::api::params::UserPath;
use crate::api::responses::{AllowedChange, BodyTooLarge, Internal, NotFound, Unauthenticated};
use crate::api::{Answer, Items, created, json};
use crate::app::users::{self, CreateUser, CreatedUser, UpdateUser, UserView};
use crate::db::users::UserId;
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// Every account (admins)
#[utoipa::path(get, path = "/api/v1/users", responses(
    (status = 200, description = "The accounts.", body = Items<UserView>),
    (status = 403, description = "`forbidden` (members), `account_disabled` or `approval_pending`.", body = ErrorBody),
    Unauthenticated, Internal,
))]
pub async fn list_users(acting: Acting) -> Answer {
    json(Items { items: users::list_users(&acting.pool, &acting.current).await? })
}

/// Create an account (admins; only the head admin makes admins)
#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUser, responses(
    (status = 201, description = "Created, approved.", body = CreatedUser),
    (status = 409, description = "`conflict`: the username is taken.", body = ErrorBody),
    (status = 422, description = "`invalid_input`: bad username, role or password.", body = ErrorBody),
    AllowedChange, BodyTooLarge, Internal,
))]
pub async fn create_user(acting: Acting, body: Body) -> Answer {
    created(users::create_user(&acting.pool, acting.current, move || body.json()).await?)
}

/// Change an account's role, approval or disabled flag (admins)
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(UserPath), request_body = UpdateUser, responses(
    (status = 200, description = "The updated account. Disabling or unapproving it also ends every session and token \
        of hers, for good.", body = UserView),
    (status = 403, description = "`forbidden` (also for locking yourself out), `csrf_failed`, `account_disabled` or \
        `approval_pending`.", body = ErrorBody),
    (status = 422, description = "`invalid_input`.", body = ErrorBody),
    Unauthenticated, NotFound, BodyTooLarge, Internal,
))]
pub async fn update_user(acting: Acting, path: web::Path<UserPath>, body: Body) -> Answer {
    json(users::update_user(&acting.pool, acting.current, UserId(path.id), move || body.json()).await?)
}
