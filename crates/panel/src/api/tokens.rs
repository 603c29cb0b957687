//! `POST/GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`: a user's own
//! personal access tokens. The token (`smp_` + 64 hex digits) is answered once,
//! at creation; only its SHA-256 is stored.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::audited::audited;
use super::auth::{CurrentUser, TOKEN_PREFIX, hash_secret, random_secret};
use crate::db::tokens::{self, TokenInfo};
use crate::db::{self, DbPool, unix_now};
use crate::error::AppError;

const MAX_NAME_CHARS: usize = 64;
const MAX_EXPIRES_IN_DAYS: u32 = 3650;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    name: String,
    expires_in_days: Option<u32>,
}

#[derive(Serialize)]
struct CreatedToken {
    #[serde(flatten)]
    info: TokenInfo,
    /// Shown this once.
    token: String,
}

pub async fn create(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    body: web::Json<CreateToken>,
) -> Result<HttpResponse, AppError> {
    let CreateToken { name, expires_in_days } = body.into_inner();
    let user_id = current.user.id;
    let created = audited(&pool, current.audit("token:new"), move |connection, entry| {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(AppError::invalid_input(format!("name: 1 to {MAX_NAME_CHARS} characters")));
        }
        if expires_in_days.is_some_and(|days| !(1..=MAX_EXPIRES_IN_DAYS).contains(&days)) {
            return Err(AppError::invalid_input(format!("expires_in_days: 1 to {MAX_EXPIRES_IN_DAYS}")));
        }
        let expires_at = expires_in_days.map(|days| unix_now() + i64::from(days) * 86_400);
        let token = format!("{TOKEN_PREFIX}{}", random_secret());
        let info = tokens::create(connection, user_id, &name, &hash_secret(&token), expires_at)?;
        entry.object = format!("token:{}", info.id);
        Ok(CreatedToken { info, token })
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

pub async fn list(current: CurrentUser, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let user_id = current.user.id;
    let items = db::run(&pool, move |connection| Ok::<_, AppError>(tokens::list_live(connection, user_id)?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub async fn revoke(
    current: CurrentUser,
    pool: web::Data<DbPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user_id = current.user.id;
    audited(&pool, current.audit(format!("token:{id}")), move |connection, _| {
        if tokens::revoke(connection, user_id, id)? { Ok(()) } else { Err(AppError::not_found()) }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
