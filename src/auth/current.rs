//! The caller of the request the current thread is serving (issue 11, item 3): its account
//! owns the keys it creates and scopes the key ids and alias names it may name.
//!
//! [CHOICE] Handlers are synchronous and serve a request start to end on one thread (the
//! executor's or a CPU-pool thread), so, as with the request id of `last_usage`, the caller is
//! scoped to the dispatch call in a thread-local rather than added to every handler's
//! signature. Outside a request (the bus applying events, the seed, benches) there is no
//! caller and the cluster's configured account applies.

use std::cell::RefCell;
use std::sync::Arc;

use super::Caller;

thread_local! {
    static CALLER: RefCell<Option<Arc<Caller>>> = const { RefCell::new(None) };
}

/// Runs `f` with `caller` as the current caller (`None`: `open` mode).
pub fn with_caller<T>(caller: Option<Arc<Caller>>, f: impl FnOnce() -> T) -> T {
    /// Puts the previous caller back even if `f` panics.
    struct Restore(Option<Arc<Caller>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CALLER.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CALLER.with(|c| c.replace(caller)));
    f()
}

/// The current caller, if the request was authenticated.
pub fn caller() -> Option<Arc<Caller>> {
    CALLER.with(|c| c.borrow().clone())
}

/// The current caller's account, or `default` without one.
pub fn account_or(default: &str) -> String {
    CALLER.with(|c| {
        c.borrow()
            .as_ref()
            .map_or_else(|| default.to_string(), |c| c.account_id.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_is_scoped_to_the_call() {
        let alice = Arc::new(Caller {
            access_key_id: "AKIAALICE000000000001".into(),
            account_id: "111122223333".into(),
            principal: "arn:aws:iam::111122223333:user/alice".into(),
            policy: crate::auth::ALLOW_ALL.clone(),
            source_ip: None,
        });
        assert_eq!(account_or("000000000000"), "000000000000");
        let inside = with_caller(Some(alice), || {
            with_caller(None, || assert!(caller().is_none()));
            account_or("000000000000")
        });
        assert_eq!(inside, "111122223333");
        assert!(caller().is_none());
    }
}
