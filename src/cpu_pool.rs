//! A fixed pool of threads, one per core, for CPU-heavy request work (RSA unwrap in
//! ImportKeyMaterial, RSA/ECDSA signing, asymmetric key generation). Keeping it apart from the
//! async executor keeps the HTTP stack responsive; sizing it to the cores avoids the context
//! switching of an unbounded blocking pool when many imports arrive at once.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The pool. Dropping it lets the threads finish their queue and exit.
#[derive(Debug, Clone)]
pub struct CpuPool {
    tx: Sender<Job>,
    threads: usize,
}

impl CpuPool {
    /// A pool of `threads` threads (at least one).
    pub fn new(threads: usize) -> std::io::Result<CpuPool> {
        let threads = threads.max(1);
        let (tx, rx) = channel::<Job>();
        let rx: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("kmsim-cpu-{i}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, never while running it.
                    let job = rx.lock().recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })?;
        }
        Ok(CpuPool { tx, threads })
    }

    /// A pool with one thread per available core.
    pub fn per_core() -> std::io::Result<CpuPool> {
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(n)
    }

    /// Number of threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on the pool and waits for its result without blocking the executor. `None`
    /// if the pool has shut down.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        self.tx.send(job).ok()?;
        result.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_off_the_executor() {
        let pool = CpuPool::new(2).unwrap();
        let names = futures_names(&pool).await;
        assert!(
            names.iter().all(|n| n.starts_with("kmsim-cpu-")),
            "{names:?}"
        );
    }

    async fn futures_names(pool: &CpuPool) -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..8 {
            out.push(
                pool.run(|| std::thread::current().name().unwrap_or("").to_string())
                    .await
                    .unwrap(),
            );
        }
        out
    }
}
