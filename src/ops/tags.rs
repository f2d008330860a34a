//! TagResource, UntagResource, ListResourceTags and the tag rules CreateKey shares (C-9).

use serde::{Deserialize, Serialize};

use super::keys::{required_key, Empty};
use super::paging;
use super::resolve::Accept;
use super::shapes::Tag;
use crate::domain::state::OpClass;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::validate::Validator;

/// C-9 schema checks on a `Tags` list: both members required, key 1..128, value 0..256, with
/// AWS's member paths (`tags.1.member.tagKey`). Returns the pairs for the rule checks.
pub fn validate_tag_list(v: &mut Validator, tags: Option<&[Tag]>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, t) in tags.unwrap_or_default().iter().enumerate() {
        let p = format!("tags.{}.member", i + 1);
        v.required(&t.tag_key, &format!("{p}.tagKey"));
        v.str_len(t.tag_key.as_deref(), &format!("{p}.tagKey"), 1, 128);
        v.required(&t.tag_value, &format!("{p}.tagValue"));
        v.str_len(t.tag_value.as_deref(), &format!("{p}.tagValue"), 0, 256);
        if let (Some(k), Some(val)) = (&t.tag_key, &t.tag_value) {
            out.push((k.clone(), val.clone()));
        }
    }
    out
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

/// `TagResourceRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceRequest {
    key_id: Option<String>,
    tags: Option<Vec<Tag>>,
}

/// TagResource: any state but pending deletion (§4.3).
pub fn tag_resource(node: &Node, req: TagResourceRequest) -> KmsResult<Empty> {
    let mut v = Validator::new();
    v.required(&req.key_id, "keyId");
    v.str_len(req.key_id.as_deref(), "keyId", 1, 2048);
    v.required(&req.tags, "tags");
    let tags = validate_tag_list(&mut v, req.tags.as_deref());
    v.finish()?;
    let id = required_key(node, &req.key_id, Accept::KeyIdOrArn)?;
    let rules = TagRules::new(node.limits.tags_per_key);
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        rules.check_new(&tags, &k.tags)?;
        merge(&mut k.tags, tags);
        Ok(Empty {})
    })
}

/// `UntagResourceRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceRequest {
    key_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

/// UntagResource: removing an absent key is not an error.
pub fn untag_resource(node: &Node, req: UntagResourceRequest) -> KmsResult<Empty> {
    let mut v = Validator::new();
    v.required(&req.key_id, "keyId");
    v.required(&req.tag_keys, "tagKeys");
    for (i, k) in req.tag_keys.iter().flatten().enumerate() {
        v.str_len(Some(k), &format!("tagKeys.{}.member", i + 1), 1, 128);
    }
    v.finish()?;
    let id = required_key(node, &req.key_id, Accept::KeyIdOrArn)?;
    let remove = req.tag_keys.unwrap_or_default();
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        k.tags.retain(|(t, _)| !remove.contains(t));
        Ok(Empty {})
    })
}

/// `ListResourceTagsRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTagsRequest {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
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
    let mut v = Validator::new();
    paging::validate(&mut v, req.limit, req.marker.as_deref(), 50);
    v.finish()?;
    let id = required_key(node, &req.key_id, Accept::KeyIdOrArn)?;
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
