//! The sender: sleeps until a queued message falls due (or is woken by a new one), sends it,
//! and records the attempt. Messages are claimed one at a time, so a crash mid-send at worst
//! repeats one message after restart — never loses it.

use super::{due, next_due, record_attempt};
use crate::clock::Clock;
use crate::network::SecretBox;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct Notifier {
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Notifier {
    pub fn start(store: Store, secrets: SecretBox, clock: Clock) -> Notifier {
        let (wake, stop) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let task = tokio::spawn(run(store, secrets, clock, wake.clone(), stop.clone()));
        Notifier {
            wake,
            stop,
            task: Arc::new(std::sync::Mutex::new(Some(task))),
        }
    }

    /// Something was queued: look now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub async fn shutdown(&self) {
        self.stop.notify_one();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = task {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

async fn run(store: Store, secrets: SecretBox, clock: Clock, wake: Arc<Notify>, stop: Arc<Notify>) {
    loop {
        let now = clock.now();
        let batch = store
            .read_async(move |r| due(r, now, 20))
            .await
            .unwrap_or_default();
        for m in &batch {
            let result = super::channels::send(&store, &secrets, m).await;
            if let Err(e) = &result {
                tracing::warn!(message = m.id, error = %e, "message not delivered");
            }
            let (id, at) = (m.id, clock.now());
            if let Err(e) = store
                .write_async(move |w| record_attempt(w, at, id, result))
                .await
            {
                tracing::error!(message = id, error = %e, "recording a delivery attempt");
            }
        }
        if !batch.is_empty() {
            continue;
        }
        let next = store.read_async(next_due).await.ok().flatten();
        let sleep = next.map_or(Duration::from_secs(30), |t| {
            Duration::from_millis(
                u64::try_from(t.duration_since(clock.now()).as_millis()).unwrap_or(0),
            )
            .min(Duration::from_secs(30))
        });
        tokio::select! {
            _ = stop.notified() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}
