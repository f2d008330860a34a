//! The cluster's Regions and their nodes (issue 13, item 1): the Regions of `regions.toml`,
//! plus — as in AWS, where every Region exists — any valid Region name first used through the
//! gateway, by `ReplicateKey`, by a seed or by a data dir, which gets a node on the spot with
//! the configured defaults (`strict_regions = true` turns that off).
//!
//! A Region opened on first use has no port of its own: it is served by the gateway (which
//! routes by the SigV4 Region, W-10) and listed by `/_kmsim/health` with the gateway's URL.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::config::region_name_ok;
use crate::node::Node;

/// At most this many Regions are opened on first use. [CHOICE] AWS has fewer than 40 commercial
/// Regions; the cap keeps a client that signs for made-up names (`xx-test-1` … `xx-test-9999`)
/// from making a node, and its wrapping-key pools, for each.
pub const MAX_OPENED: usize = 64;

/// Makes the node of a Region opened on first use.
pub type Factory = Box<dyn Fn(&str) -> Arc<Node> + Send + Sync>;

/// Region name → node, for every Region this process serves.
pub struct Regions {
    nodes: RwLock<BTreeMap<String, Arc<Node>>>,
    /// The configured Regions, in configuration order.
    configured: Vec<String>,
    /// `None`: only configured Regions (strict, or Regions spread over processes).
    factory: Option<Factory>,
}

impl std::fmt::Debug for Regions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Regions")
            .field("regions", &self.names())
            .field("opens_on_first_use", &self.factory.is_some())
            .finish()
    }
}

/// Why a Region cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unserved {
    /// Not a Region name (`us-east-1`-shaped, [`region_name_ok`]).
    NotARegion,
    /// A Region name, but this cluster serves only its configured Regions.
    NotConfigured,
    /// [`MAX_OPENED`] Regions have been opened on first use already.
    TooMany,
}

impl Regions {
    /// The configured nodes (`configured` in configuration order); `factory` opens any other
    /// valid Region on first use, `None` refuses them.
    pub fn new(
        nodes: BTreeMap<String, Arc<Node>>,
        configured: Vec<String>,
        factory: Option<Factory>,
    ) -> Regions {
        Regions {
            nodes: RwLock::new(nodes),
            configured,
            factory,
        }
    }

    /// The node of `region`, if this process serves it already.
    pub fn get(&self, region: &str) -> Option<Arc<Node>> {
        self.read().get(region).cloned()
    }

    /// Whether this process serves `region` now.
    pub fn contains(&self, region: &str) -> bool {
        self.read().contains_key(region)
    }

    /// The node of `region`, opened now if it is a valid Region name this cluster may open.
    pub fn open(&self, region: &str) -> Result<Arc<Node>, Unserved> {
        if let Some(node) = self.get(region) {
            return Ok(node);
        }
        if !region_name_ok(region) {
            return Err(Unserved::NotARegion);
        }
        let Some(factory) = &self.factory else {
            return Err(Unserved::NotConfigured);
        };
        let mut nodes = self.nodes.write().unwrap_or_else(|e| e.into_inner());
        // Another request may have opened it between the two locks.
        if let Some(node) = nodes.get(region) {
            return Ok(node.clone());
        }
        let opened = nodes
            .keys()
            .filter(|r| !self.configured.contains(r))
            .count();
        if opened >= MAX_OPENED {
            return Err(Unserved::TooMany);
        }
        let node = factory(region);
        nodes.insert(region.to_string(), node.clone());
        drop(nodes);
        tracing::info!(region, "opened a Region on first use");
        Ok(node)
    }

    /// Whether Regions outside the configuration are opened on first use.
    pub fn opens_on_first_use(&self) -> bool {
        self.factory.is_some()
    }

    /// Every node of this process, by Region name (a snapshot: Regions opened later are not
    /// in it).
    pub fn all(&self) -> Vec<(String, Arc<Node>)> {
        self.read()
            .iter()
            .map(|(r, n)| (r.clone(), n.clone()))
            .collect()
    }

    /// Every node of this process.
    pub fn nodes(&self) -> Vec<Arc<Node>> {
        self.read().values().cloned().collect()
    }

    /// Every Region this process serves, sorted.
    pub fn names(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    /// The Regions opened on first use (not configured), sorted.
    pub fn opened(&self) -> Vec<String> {
        self.read()
            .keys()
            .filter(|r| !self.configured.contains(r))
            .cloned()
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Node>>> {
        // A panic while the lock was held cannot leave the map half-changed (one insert).
        self.nodes.read().unwrap_or_else(|e| e.into_inner())
    }
}
