//! Scripted senders for the tracker's tests.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tg_common::TransportKind;
use tg_common::{Error, ErrorKind};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::envelope::{Sent, decode};
use crate::event::EncodedEvent;
use crate::tracker::BatchSender;

/// The `custom_data.seq` of an encoded event.
pub fn seq(event: &EncodedEvent) -> i64 {
    let v: Value = serde_json::from_str(event.json()).unwrap();
    v["custom_data"]["seq"].as_i64().unwrap()
}

/// Whether an encoded event is flagged invalid on purpose.
pub fn is_flagged(event: &EncodedEvent) -> bool {
    event.json().contains("\"tg_mock_invalid\":true")
}

pub fn answer(status: u16, body: &str) -> Error {
    decode::<()>(status, body.as_bytes(), None, Sent::default()).unwrap_err()
}

pub fn validation() -> Error {
    answer(
        400,
        r#"{"status":400,"message":"VALIDATION_MISMATCH_REPORT"}"#,
    )
}

pub fn reset() -> Error {
    Error::new(ErrorKind::Transport {
        kind: TransportKind::Reset,
        source: None,
    })
}

/// Records every batch it accepts; rejects any batch holding a flagged event with a
/// validation answer; can hold requests until released and answer from a script first.
#[derive(Default)]
pub struct Recorder {
    pub batches: Mutex<Vec<(Instant, Vec<i64>)>>,
    pub script: Mutex<VecDeque<Error>>,
    pub gate: Option<Semaphore>,
    pub attempts: Mutex<Vec<Instant>>,
    current: AtomicUsize,
    pub max_concurrent: AtomicUsize,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder::default()
    }

    /// Requests wait for `release` before they are answered.
    pub fn gated() -> Self {
        Recorder {
            gate: Some(Semaphore::new(0)),
            ..Recorder::default()
        }
    }

    pub fn release(&self, n: usize) {
        if let Some(gate) = &self.gate {
            gate.add_permits(n);
        }
    }

    /// Answers the next calls with these errors, in order.
    pub fn fail_with(&self, errors: impl IntoIterator<Item = Error>) {
        self.script.lock().unwrap().extend(errors);
    }

    pub fn delivered(&self) -> Vec<i64> {
        let mut all: Vec<i64> = self
            .batches
            .lock()
            .unwrap()
            .iter()
            .flat_map(|(_, b)| b.clone())
            .collect();
        all.sort_unstable();
        all
    }

    pub fn batch_sizes(&self) -> Vec<usize> {
        self.batches
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.len())
            .collect()
    }
}

impl BatchSender for Recorder {
    async fn send(&self, batch: &[EncodedEvent]) -> Result<(), Error> {
        assert!(!batch.is_empty());
        let now = self.current.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_concurrent.fetch_max(now, Ordering::SeqCst);
        self.attempts.lock().unwrap().push(Instant::now());
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        self.current.fetch_sub(1, Ordering::SeqCst);
        if let Some(error) = self.script.lock().unwrap().pop_front() {
            return Err(error);
        }
        if batch.iter().any(is_flagged) {
            return Err(validation());
        }
        self.batches
            .lock()
            .unwrap()
            .push((Instant::now(), batch.iter().map(seq).collect()));
        Ok(())
    }
}

/// Fails at random, the way a bad network and a loaded service do; counts what it accepted.
pub struct Chaos {
    rng: Mutex<StdRng>,
    pub accepted: Mutex<HashMap<i64, u32>>,
    pub requests: AtomicUsize,
}

impl Chaos {
    pub fn new(seed: u64) -> Self {
        Chaos {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            accepted: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
        }
    }

    fn accept(&self, batch: &[EncodedEvent]) {
        let mut accepted = self.accepted.lock().unwrap();
        for event in batch {
            *accepted.entry(seq(event)).or_default() += 1;
        }
    }
}

impl BatchSender for Chaos {
    async fn send(&self, batch: &[EncodedEvent]) -> Result<(), Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let (roll, latency) = {
            let mut rng = self.rng.lock().unwrap();
            (rng.random_range(0..100u32), rng.random_range(1..200u64))
        };
        tokio::time::sleep(Duration::from_millis(latency)).await;
        match roll {
            0..10 => return Err(reset()),
            10..20 => return Err(answer(503, "")),
            20..28 => {
                return Err(decode::<()>(
                    429,
                    br#"{"message":"Too many requests. Try again later."}"#,
                    Some(Duration::from_secs(1)),
                    Sent::default(),
                )
                .unwrap_err());
            }
            28..33 => return Err(answer(400, r#"{"message":"Failed to record"}"#)),
            33..36 => {
                // A stalled request: the tracker's attempt timeout ends it.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Err(reset());
            }
            _ => {}
        }
        if batch.iter().any(is_flagged) {
            return Err(validation());
        }
        self.accept(batch);
        if roll < 40 {
            // Recorded, but the answer is lost: the tracker will send the batch again.
            return Err(reset());
        }
        Ok(())
    }
}
