//! Per-node pools of RSA wrapping key pairs for GetParametersForImport (G-3, G-5).
//!
//! RSA key generation costs 0.1 s (2048) to 0.75 s (4096), so it never runs on the request
//! path: each spec has a pool refilled by a background thread. A pair serves up to
//! `tokens_per_key` import tokens (G-5 allows a cached pair; every token is still new), taken
//! round-robin, then retires and a fresh pair replaces it. A request that finds its pool empty
//! waits for the next pair rather than failing — so [`WrappingPool::take`] blocks and must be
//! called off the async executor.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::config::ImportConfig;
use crate::domain::enums::WrappingKeySpec;
use crate::domain::wrapping::WrappingKey;
use crate::error::{KmsError, KmsResult};

/// The pools of one node, one per RSA spec.
#[derive(Debug)]
pub struct WrappingPool {
    slots: [Arc<Slot>; 3],
}

#[derive(Debug)]
struct Slot {
    spec: WrappingKeySpec,
    target: usize,
    uses_per_key: u32,
    /// Ready pairs with their remaining uses. A std-style lock held only to push/pop, never
    /// across `.await` (callers are blocking threads) and never while generating.
    state: Mutex<SlotState>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct SlotState {
    keys: VecDeque<(Arc<WrappingKey>, u32)>,
    refilling: bool,
}

impl WrappingPool {
    /// Pools sized by `cfg`. With `cfg.prefill`, filling starts now in the background;
    /// otherwise on first use.
    pub fn new(cfg: &ImportConfig) -> WrappingPool {
        let slot = |spec, target: usize| {
            Arc::new(Slot {
                spec,
                target: target.max(1),
                uses_per_key: cfg.tokens_per_wrapping_key.max(1),
                state: Mutex::new(SlotState::default()),
                ready: Condvar::new(),
            })
        };
        let pool = WrappingPool {
            slots: [
                slot(WrappingKeySpec::Rsa2048, cfg.pool_rsa_2048),
                slot(WrappingKeySpec::Rsa3072, cfg.pool_rsa_3072),
                slot(WrappingKeySpec::Rsa4096, cfg.pool_rsa_4096),
            ],
        };
        if cfg.prefill {
            for s in &pool.slots {
                refill(s, &mut s.state.lock());
            }
        }
        pool
    }

    /// Takes a pair for one token, waiting for the background generator if none is ready.
    pub fn take(&self, spec: WrappingKeySpec) -> KmsResult<Arc<WrappingKey>> {
        let slot = self.slots.iter().find(|s| s.spec == spec).ok_or_else(|| {
            KmsError::validation(format!(
                "WrappingKeySpec {} is not available in this Region",
                spec.as_str()
            ))
        })?;
        let mut st = slot.state.lock();
        loop {
            if let Some((key, uses)) = st.keys.pop_front() {
                if uses > 1 {
                    st.keys.push_back((key.clone(), uses - 1));
                }
                refill(slot, &mut st);
                return Ok(key);
            }
            refill(slot, &mut st);
            slot.ready.wait(&mut st);
        }
    }

    /// Takes a pair if one is ready, without waiting (the common case).
    pub fn try_take(&self, spec: WrappingKeySpec) -> Option<Arc<WrappingKey>> {
        let slot = self.slots.iter().find(|s| s.spec == spec)?;
        let mut st = slot.state.lock();
        let (key, uses) = st.keys.pop_front()?;
        if uses > 1 {
            st.keys.push_back((key.clone(), uses - 1));
        }
        refill(slot, &mut st);
        Some(key)
    }

    /// Ready pairs per spec (for health views and tests).
    pub fn ready(&self, spec: WrappingKeySpec) -> usize {
        self.slots
            .iter()
            .find(|s| s.spec == spec)
            .map_or(0, |s| s.state.lock().keys.len())
    }
}

/// Starts the background generator for `slot` if it is below target and none is running.
fn refill(slot: &Arc<Slot>, st: &mut SlotState) {
    if st.refilling || st.keys.len() >= slot.target {
        return;
    }
    st.refilling = true;
    let slot = slot.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("kmsim-keygen-{}", slot.spec.as_str()))
        .spawn(move || loop {
            let generated = WrappingKey::generate(slot.spec);
            let mut st = slot.state.lock();
            match generated {
                Ok(k) => st.keys.push_back((Arc::new(k), slot.uses_per_key)),
                Err(e) => tracing::error!(error = %e, "wrapping key generation failed"),
            }
            slot.ready.notify_all();
            if st.keys.len() >= slot.target {
                st.refilling = false;
                return;
            }
        });
    if spawned.is_err() {
        st.refilling = false;
    }
}
