//! The web UI's static files (`assets/`: htmx from npm, the stylesheet),
//! embedded in the binary at compile time: the panel needs no CDN and works
//! offline on a LAN.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

use super::PageError;
use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// `GET /assets/{file}`, cached for a day (the names change with the panel's version).
pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let name = path.into_inner();
    let file = Assets::get(&name).ok_or_else(AppError::not_found)?;
    let mime = match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(file.data.into_owned()))
}
