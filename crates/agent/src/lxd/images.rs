//! The images of the project: every alias of a container image, for
//! `GET /images`, from one `recursion=1` list.

use serde::Deserialize;
use smp_proto::api::ImageSummary;

use super::LxdClient;
use super::error::LxdError;

/// An image from `GET /1.0/images?recursion=1` (the fields the agent reads).
#[derive(Debug, Deserialize)]
pub(crate) struct Image {
    #[serde(default)]
    pub aliases: Vec<Alias>,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub size: u64,
    #[serde(rename = "type", default)]
    pub image_type: String,
    #[serde(default)]
    pub properties: std::collections::HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Alias {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

impl LxdClient {
    /// Every alias of the project's container images, sorted by alias.
    pub async fn images(&self) -> Result<Vec<ImageSummary>, LxdError> {
        let images: Vec<Image> = self.get(&self.path("/1.0/images", &[("recursion", "1")])).await?;
        Ok(summaries(images))
    }
}

/// One summary per alias of a container image; virtual-machine images
/// are left out (an agent creates containers only).
pub(crate) fn summaries(images: Vec<Image>) -> Vec<ImageSummary> {
    let mut items: Vec<ImageSummary> = images
        .into_iter()
        .filter(|image| image.image_type == "container")
        .flat_map(|image| {
            let property = image.properties.get("description").cloned().unwrap_or_default();
            image.aliases.into_iter().map(move |alias| ImageSummary {
                alias: alias.name,
                description: if alias.description.is_empty() { property.clone() } else { alias.description },
                fingerprint: image.fingerprint.clone(),
                architecture: image.architecture.clone(),
                size_bytes: image.size,
            })
        })
        .collect();
    items.sort_by(|a, b| a.alias.cmp(&b.alias));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_alias_of_a_container_image_is_one_item_and_vm_images_are_left_out() {
        let images: Vec<Image> = serde_json::from_value(serde_json::json!([
            {"aliases":[{"name":"web","description":"the web image"},{"name":"alpha","description":""}],
             "architecture":"x86_64","fingerprint":"aa","size":10,"type":"container",
             "properties":{"description":"Alpine 3.20"}},
            {"aliases":[{"name":"vm","description":""}],"architecture":"x86_64","fingerprint":"bb","size":5,
             "type":"virtual-machine","properties":{}},
            {"aliases":[],"architecture":"x86_64","fingerprint":"cc","size":5,"type":"container","properties":{}}
        ]))
        .unwrap();
        let items = summaries(images);
        let aliases: Vec<&str> = items.iter().map(|item| item.alias.as_str()).collect();
        assert_eq!(aliases, ["alpha", "web"]);
        assert_eq!(items[0].description, "Alpine 3.20", "the image's description when the alias has none");
        assert_eq!(items[1].description, "the web image");
        assert_eq!((items[1].fingerprint.as_str(), items[1].size_bytes), ("aa", 10));
    }
}
