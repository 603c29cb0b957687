//! `GET /images` (`images`): the image aliases a container may be created from.

use actix_web::web;
use smp_proto::api::ImageList;
use smp_proto::config_policy::Tier;

use crate::auth::Authorized;
use crate::error::AgentError;
use crate::startup::AgentState;

/// Every alias of a container image in the agent's project; for a member
/// token, only those of `member_images` (none unless configured).
pub async fn list(auth: Authorized, state: web::Data<AgentState>) -> Result<web::Json<ImageList>, AgentError> {
    let mut items = state.lxd.images().await?;
    if Tier::of_token(&auth.claims, state.host_config) == Tier::Member {
        let offer = state.member_offer();
        items.retain(|image| offer.offers_image(&image.alias));
    }
    Ok(web::Json(ImageList { items }))
}
