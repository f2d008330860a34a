//! TagResource, UntagResource, ListResourceTags and the tag rules CreateKey shares (C-9).

use serde::Serialize;

use super::keys::Empty;
use super::paging;
use super::resolve::{resolve, Accept};
use super::shapes::Tag;
use crate::domain::state::OpClass;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    self, ListResourceTagsRequest, TagResourceRequest, UntagResourceRequest,
};

/// A request's `Tags` (schema already checked against the model, C-9) as key/value pairs.
pub fn pairs(tags: Option<Vec<requests::Tag>>) -> Vec<(String, String)> {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| (t.tag_key, t.tag_value))
        .collect()
}

/// C-9 rules beyond the schema, as `TagException`.
pub struct TagRules {
    max: usize,
}

impl TagRules {
    /// Rules with a per-key maximum.
    pub fn new(max: usize) -> Self {
        TagRules { max }
    }

    /// Checks `new` tags about to be merged into `existing`: reserved `aws:` prefix (any case),
    /// duplicate keys within the request, and the per-key maximum after the merge.
    pub fn check_new(
        &self,
        new: &[(String, String)],
        existing: &[(String, String)],
    ) -> KmsResult<()> {
        let tag_err = |m: &str| KmsError::new(ErrorCode::Tag, m);
        if new
            .iter()
            .any(|(k, _)| k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")))
        {
            return Err(tag_err("Tags beginning with aws: are reserved"));
        }
        for (i, (k, _)) in new.iter().enumerate() {
            if new[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(tag_err("Duplicate tag keys"));
            }
        }
        let added = new
            .iter()
            .filter(|(k, _)| !existing.iter().any(|(e, _)| e == k))
            .count();
        if existing.len() + added > self.max {
            return Err(tag_err("Too many tags"));
        }
        Ok(())
    }
}

/// Merges tags: a key already present gets the new value in place.
fn merge(existing: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    for (k, v) in new {
        match existing.iter_mut().find(|(e, _)| *e == k) {
            Some(slot) => slot.1 = v,
            None => existing.push((k, v)),
        }
    }
}

/// TagResource: any state but pending deletion (§4.3).
pub fn tag_resource(node: &Node, req: TagResourceRequest) -> KmsResult<Empty> {
    let tags = pairs(Some(req.tags));
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let rules = TagRules::new(node.limits.tags_per_key);
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        rules.check_new(&tags, &k.tags)?;
        merge(&mut k.tags, tags);
        Ok(Empty {})
    })
}

/// UntagResource: removing an absent key is not an error.
pub fn untag_resource(node: &Node, req: UntagResourceRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let remove = req.tag_keys;
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        k.tags.retain(|(t, _)| !remove.contains(t));
        Ok(Empty {})
    })
}

/// `ListResourceTagsResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTagsResponse {
    tags: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

/// ListResourceTags: any state; tags in the order first added.
pub fn list_resource_tags(
    node: &Node,
    req: ListResourceTagsRequest,
) -> KmsResult<ListResourceTagsResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let start = paging::numeric_position("tags", req.marker.as_deref())?;
    let tags = node.read_key(&id, |k| k.tags.clone())?;
    let (page, next) = paging::page(tags, start, req.limit.unwrap_or(50) as usize, "tags");
    Ok(ListResourceTagsResponse {
        tags: page
            .into_iter()
            .map(|(k, v)| Tag {
                tag_key: Some(k),
                tag_value: Some(v),
            })
            .collect(),
        truncated: next.is_some(),
        next_marker: next,
    })
}
