//! Dynamic batching across studies with priority lanes, served by a pool of worker threads.
//!
//! Consumers submit one study each and await its result. A worker takes the first waiting study,
//! waits up to `max_wait` for more (live lane first) until `max_batch`, and runs them as one
//! batch. Model work runs on these dedicated threads, never on the async runtime's.

use crate::metrics::InferenceMetrics;
use crate::model::LoadedModel;
use crate::run::{run_batch, StudyFailure, StudyPaths, StudyResult};
use mammorg::GenerationConfig;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Which queue a study waits in. Workers always drain `Live` before `Backfill`, so replays and
/// challenger runs never delay studies waiting for triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Live,
    Backfill,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Live => "live",
            Lane::Backfill => "backfill",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    pub max_batch: usize,
    pub max_wait: Duration,
    pub workers: usize,
    /// Studies waiting (all lanes) beyond which submissions are refused, so a stalled model shows
    /// up as back-pressure instead of growing memory.
    pub max_queued: usize,
    pub generation: GenerationConfig,
}

/// Why a submission got no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("{0} studies are already waiting for the model; try again later")]
    Busy(usize),
    #[error("the worker pool has shut down")]
    Closed,
}

#[derive(Debug)]
struct Job {
    paths: StudyPaths,
    enqueued: Instant,
    reply: oneshot::Sender<StudyResult>,
}

#[derive(Debug, Default)]
struct Lanes {
    live: VecDeque<Job>,
    backfill: VecDeque<Job>,
    closed: bool,
}

impl Lanes {
    fn len(&self) -> usize {
        self.live.len() + self.backfill.len()
    }

    fn take(&mut self, n: usize) -> Vec<Job> {
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n {
            match self.live.pop_front().or_else(|| self.backfill.pop_front()) {
                Some(job) => batch.push(job),
                None => break,
            }
        }
        batch
    }
}

#[derive(Debug)]
struct Shared {
    lanes: Mutex<Lanes>,
    wake: Condvar,
    config: BatchConfig,
    model: Arc<LoadedModel>,
    metrics: InferenceMetrics,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Lanes> {
        // A worker that panicked while holding the lock left the queues consistent (pushes and
        // pops are single operations), so keep serving.
        self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn publish_depth(&self, lanes: &Lanes) {
        self.metrics.queue_depth.with_label_values(&[Lane::Live.as_str()]).set(lanes.live.len() as i64);
        self.metrics.queue_depth.with_label_values(&[Lane::Backfill.as_str()]).set(lanes.backfill.len() as i64);
    }
}

/// The worker pool. Dropping it (or [`Batcher::shutdown`]) lets workers finish queued studies
/// and stop.
#[derive(Debug)]
pub struct Batcher {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Batcher {
    /// Starts `config.workers` threads serving `model`.
    pub fn start(model: Arc<LoadedModel>, config: BatchConfig, metrics: InferenceMetrics) -> std::io::Result<Batcher> {
        let shared = Arc::new(Shared { lanes: Mutex::default(), wake: Condvar::new(), config, model, metrics });
        let workers = (0..config.workers.max(1))
            .map(|i| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("inference-{i}"))
                    .spawn(move || worker(&shared))
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Batcher { shared, workers: Mutex::new(workers) })
    }

    pub fn model(&self) -> &LoadedModel {
        &self.shared.model
    }

    /// Queues one study and waits for its result.
    pub async fn submit(&self, lane: Lane, paths: StudyPaths) -> Result<StudyResult, SubmitError> {
        let (reply, result) = oneshot::channel();
        {
            let mut lanes = self.shared.lock();
            if lanes.closed {
                return Err(SubmitError::Closed);
            }
            if lanes.len() >= self.shared.config.max_queued {
                return Err(SubmitError::Busy(lanes.len()));
            }
            let job = Job { paths, enqueued: Instant::now(), reply };
            match lane {
                Lane::Live => lanes.live.push_back(job),
                Lane::Backfill => lanes.backfill.push_back(job),
            }
            self.shared.publish_depth(&lanes);
        }
        self.shared.wake.notify_one();
        result.await.map_err(|_| SubmitError::Closed)
    }

    /// Stops taking studies, lets the workers finish what is queued, and joins them.
    pub fn shutdown(&self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        for worker in workers {
            if worker.join().is_err() {
                tracing::error!("an inference worker thread panicked");
            }
        }
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn worker(shared: &Shared) {
    while let Some(batch) = next_batch(shared) {
        let studies: Vec<(StudyPaths, Duration)> =
            batch.iter().map(|job| (job.paths.clone(), job.enqueued.elapsed())).collect();
        let started = Instant::now();
        let model = &shared.model.checkpoint;
        let cfg = &shared.config.generation;
        // A panic inside the model fails this batch's studies, not the worker.
        let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_batch(model, cfg, &studies)))
            .unwrap_or_else(|_| {
                vec![Err(StudyFailure::ModelFailure("the model panicked on this batch".into())); studies.len()]
            });
        shared.metrics.observe_batch(studies.len(), started.elapsed(), &studies, &results);
        for (job, result) in batch.into_iter().zip(results) {
            // The consumer may have gone (shutdown); its study is then redelivered later.
            let _ = job.reply.send(result);
        }
    }
}

/// Blocks until a batch is ready; `None` once closed and drained.
fn next_batch(shared: &Shared) -> Option<Vec<Job>> {
    let cfg = &shared.config;
    let mut lanes = shared.lock();
    while lanes.len() == 0 {
        if lanes.closed {
            return None;
        }
        lanes = shared.wake.wait(lanes).unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    let deadline = Instant::now() + cfg.max_wait;
    while lanes.len() < cfg.max_batch.max(1) && !lanes.closed {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        lanes = shared.wake.wait_timeout(lanes, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
    }
    let batch = lanes.take(cfg.max_batch.max(1));
    shared.publish_depth(&lanes);
    Some(batch)
}
