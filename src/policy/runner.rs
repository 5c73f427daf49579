//! Where policy scripts run: a few dedicated threads, never the HTTP workers
//! or the tasks that store cases and sync policies. A script may take its
//! whole wall-clock budget; on the request threads that would hold up every
//! council's requests behind it.
//!
//! Fairness: a call first takes one of its council's slots (at most
//! `per_council` at once), then one of the pool's threads. Both queues are
//! first come, first served, and a council can only queue for a thread while
//! it holds a slot, so one council's backlog waits behind its own slots and
//! other councils keep the rest of the pool. A call that cannot get a thread
//! within `queue_wait` fails as POLICY_ERROR ("busy") instead of waiting for
//! the HTTP request to time out.

use std::{
    collections::HashMap,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use uuid::Uuid;

use super::CompiledPolicy;
use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

/// The pool's size and limits.
#[derive(Debug, Clone, Copy)]
pub struct RunnerLimits {
    pub threads: usize,
    /// Threads one council may use at once.
    pub per_council: usize,
    /// Longest a call waits for a thread before it is refused as busy.
    pub queue_wait: Duration,
}

impl RunnerLimits {
    /// Half the pool per council (at least one thread), unless set.
    pub fn new(threads: usize, per_council: Option<usize>, queue_wait: Duration) -> Self {
        let threads = threads.max(1);
        let per_council = per_council.unwrap_or(threads / 2).clamp(1, threads);
        Self {
            threads,
            per_council,
            queue_wait,
        }
    }
}

pub struct PolicyRunner {
    jobs: crossbeam_channel::Sender<Job>,
    threads: Arc<Semaphore>,
    councils: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
    limits: RunnerLimits,
}

impl PolicyRunner {
    /// Starts the pool's threads; they end when the runner is dropped.
    pub fn start(limits: RunnerLimits) -> std::io::Result<Self> {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        for n in 0..limits.threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("redress-policy-{n}"))
                .spawn(move || {
                    for job in queue {
                        job();
                    }
                })?;
        }
        Ok(Self {
            jobs,
            threads: Arc::new(Semaphore::new(limits.threads)),
            councils: Mutex::default(),
            limits,
        })
    }

    pub fn limits(&self) -> RunnerLimits {
        self.limits
    }

    /// Calls `hook` on the council's `policy` on a pool thread.
    pub async fn run<T, F>(
        &self,
        council_id: Uuid,
        policy: Arc<CompiledPolicy>,
        hook: F,
    ) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&CompiledPolicy) -> T + Send + 'static,
    {
        self.execute(council_id, move || hook(&policy)).await
    }

    /// Runs any script work for the council (compiling, validating, a dry
    /// run) on a pool thread, in the council's turn.
    pub async fn execute<T, F>(&self, council_id: Uuid, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permits = tokio::time::timeout(self.limits.queue_wait, self.turn(council_id))
            .await
            .map_err(|_| busy())?;
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            // Held until the work is done, even if the caller has gone.
            let _permits = permits;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(work));
            let _ = reply.send(outcome);
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        match answer.await.map_err(|_| stopped())? {
            Ok(value) => Ok(value),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(%council_id, panic = %message, "a policy call panicked");
                Err(AppError::PolicyError(
                    "the council's policy failed unexpectedly; nothing was changed".into(),
                ))
            }
        }
    }

    /// Whether every one of the council's slots is taken.
    pub fn busy(&self, council_id: Uuid) -> bool {
        self.council(council_id).available_permits() == 0
    }

    async fn turn(&self, council_id: Uuid) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let slot = self
            .council(council_id)
            .acquire_owned()
            .await
            .expect("council slots are never closed");
        let thread = self
            .threads
            .clone()
            .acquire_owned()
            .await
            .expect("pool threads are never closed");
        (slot, thread)
    }

    fn council(&self, council_id: Uuid) -> Arc<Semaphore> {
        let mut councils = self.councils.lock().unwrap_or_else(|e| e.into_inner());
        councils
            .entry(council_id)
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_council)))
            .clone()
    }
}

fn busy() -> AppError {
    AppError::PolicyError(
        "the council's policy is busy: too many calls are waiting for it; try again shortly".into(),
    )
}

fn stopped() -> AppError {
    AppError::Internal(anyhow::anyhow!("the policy threads have stopped"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    fn runner(threads: usize, per_council: usize, wait_ms: u64) -> PolicyRunner {
        PolicyRunner::start(RunnerLimits::new(
            threads,
            Some(per_council),
            Duration::from_millis(wait_ms),
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn work_runs_on_a_pool_thread() {
        let runner = runner(1, 1, 1_000);
        let name = runner
            .execute(Uuid::nil(), || {
                std::thread::current().name().map(str::to_owned)
            })
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("redress-policy-0"));
    }

    #[tokio::test]
    async fn a_panic_is_a_policy_error_and_the_thread_carries_on() {
        let runner = runner(1, 1, 1_000);
        let err = runner
            .execute(Uuid::nil(), || -> () { panic!("script host bug") })
            .await
            .unwrap_err();
        assert_eq!(err.code(), "POLICY_ERROR");
        assert_eq!(runner.execute(Uuid::nil(), || 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_council_that_fills_its_slots_leaves_the_rest_of_the_pool_to_others() {
        let runner = Arc::new(runner(2, 1, 60_000));
        let (hostile, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let release = Arc::new(AtomicBool::new(false));
        let mut held = Vec::new();
        for _ in 0..4 {
            let (runner, release) = (runner.clone(), release.clone());
            held.push(tokio::spawn(async move {
                runner
                    .execute(hostile, move || {
                        while !release.load(Ordering::Acquire) {
                            std::thread::yield_now();
                        }
                    })
                    .await
            }));
        }
        while !runner.busy(hostile) {
            tokio::task::yield_now().await;
        }
        // The hostile council's calls never finish until released, so these
        // can only complete on the thread the hostile council may not take.
        for n in 0..5 {
            assert_eq!(runner.execute(other, move || n).await.unwrap(), n);
        }
        assert!(held.iter().all(|h| !h.is_finished()));
        release.store(true, Ordering::Release);
        for h in held {
            h.await.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn a_call_that_waits_too_long_is_refused_as_busy_and_never_runs() {
        let runner = Arc::new(runner(1, 1, 50));
        let council = Uuid::from_u128(1);
        let release = Arc::new(AtomicBool::new(false));
        let first = {
            let (runner, release) = (runner.clone(), release.clone());
            tokio::spawn(async move {
                runner
                    .execute(council, move || {
                        while !release.load(Ordering::Acquire) {
                            std::thread::yield_now();
                        }
                    })
                    .await
            })
        };
        while !runner.busy(council) {
            tokio::task::yield_now().await;
        }
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let err = runner
            .execute(council, move || flag.store(true, Ordering::Release))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "POLICY_ERROR");
        assert!(err.to_string().contains("busy"), "{err}");
        release.store(true, Ordering::Release);
        first.await.unwrap().unwrap();
        assert!(!ran.load(Ordering::Acquire), "a refused call never runs");
    }
}
