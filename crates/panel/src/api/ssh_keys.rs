//! `GET/POST /api/v1/me/ssh-keys`, `DELETE /api/v1/me/ssh-keys/{id}`: the
//! SSH keys of the caller's own profile (`app::ssh_keys`), the keys the SSH
//! gateway lets her in with.

use actix_web::{HttpResponse, web};

use crate::api::params::SshKeyPath;
use crate::api::responses::{BodyTooLarge, Internal, SignedIn, SignedInChange, Unauthenticated};
use crate::api::{Answer, Items, created, json};
use crate::app::ssh_keys::{self, AddSshKey};
use crate::db::ssh_keys::{SshKey, SshKeyId};
use crate::error::ErrorBody;
use crate::http::Acting;
use crate::http::body::Body;

/// The SSH keys of the caller's profile, oldest first
#[utoipa::path(get, path = "/api/v1/me/ssh-keys", responses(
    (status = 200, description = "The caller's keys.", body = Items<SshKey>),
    SignedIn, Internal,
))]
pub async fn list_ssh_keys(acting: Acting) -> Answer {
    json(Items { items: ssh_keys::list_keys(&acting.pool, &acting.current).await? })
}

/// Add an SSH key to the caller's profile (from a browser session)
///
/// One OpenSSH public key line: `ssh-ed25519`, `ecdsa-sha2-nistp256`/`384`/`521`, or `ssh-rsa` of 3072 bits or
/// more. The comment is dropped; the answer has the fingerprint as `ssh-keygen -lf` prints it.
#[utoipa::path(post, path = "/api/v1/me/ssh-keys", request_body = AddSshKey, responses(
    (status = 201, description = "Added.", body = SshKey),
    (status = 403, description = "`session_required` (a bearer token cannot add keys), `csrf_failed`, \
        `account_disabled` or `approval_pending`.", body = ErrorBody),
    (status = 409, description = "`conflict`: the key is already in a profile (the message never says whose).",
        body = ErrorBody),
    (status = 422, description = "`invalid_input`: a bad name, or a public key the panel does not take (a \
        private key, a certificate, dsa, a security key, rsa under 3072 bits, several lines, garbage), the \
        message saying why.", body = ErrorBody),
    (status = 429, description = "`limit_reached`: the account has 32 keys already; delete one first.",
        body = ErrorBody),
    Unauthenticated, BodyTooLarge, Internal,
))]
pub async fn add_ssh_key(acting: Acting, body: Body) -> Answer {
    created(ssh_keys::add_key(&acting.pool, acting.current, move || body.json()).await?)
}

/// Delete an SSH key of the caller's profile
#[utoipa::path(delete, path = "/api/v1/me/ssh-keys/{id}", params(SshKeyPath), responses(
    (status = 204, description = "Deleted: the SSH gateway refuses it from the next connection on."),
    (status = 404, description = "`not_found` (also another user's key).", body = ErrorBody),
    SignedInChange, Internal,
))]
pub async fn delete_ssh_key(acting: Acting, path: web::Path<SshKeyPath>) -> Answer {
    ssh_keys::delete_key(&acting.pool, acting.current, SshKeyId(path.id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
