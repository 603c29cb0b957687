//! `GET /images` (`images`): the image aliases a container may be created from.

use actix_web::web;
use smp_proto::api::ImageList;

use crate::auth::Authorized;
use crate::error::AgentError;
use crate::startup::AgentState;

/// Every alias of a container image in the agent's project; for a token
/// without `adm: true`, only those of `member_images` (when configured).
pub async fn list(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ImageList>, AgentError> {
    let mut items = state.lxd.images().await?;
    if !auth.claims.adm {
        let offer = state.member_offer();
        items.retain(|image| offer.offers_image(&image.alias));
    }
    Ok(web::Json(ImageList { items }))
}
