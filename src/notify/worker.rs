//! The sender: sleeps until a queued message or an automatic reminder falls due (or is woken by
//! a new message, a payment or a moved clock), queues what reminders are owed, sends, and
//! records each attempt. Messages are claimed one at a time, so a crash mid-send at worst
//! repeats one message after restart — never loses it.

use super::{due, next_due, record_attempt, reminders};
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
    pub fn start(
        store: Store,
        secrets: SecretBox,
        clock: Clock,
        env_tz: jiff::tz::TimeZone,
    ) -> Notifier {
        let (wake, stop) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let worker = Worker {
            store,
            secrets,
            clock,
            env_tz,
        };
        let task = tokio::spawn(worker.run(wake.clone(), stop.clone()));
        Notifier {
            wake,
            stop,
            task: Arc::new(std::sync::Mutex::new(Some(task))),
        }
    }

    /// Something was queued or paid: look now.
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

struct Worker {
    store: Store,
    secrets: SecretBox,
    clock: Clock,
    env_tz: jiff::tz::TimeZone,
}

/// The longest sleep: bounds how late a reminder is when customers change under it.
const MAX_SLEEP: Duration = Duration::from_secs(30);

impl Worker {
    async fn run(self, wake: Arc<Notify>, stop: Arc<Notify>) {
        loop {
            let now = self.clock.now();
            self.queue_reminders(now).await;
            let batch = self
                .store
                .read_async(move |r| due(r, now, 20))
                .await
                .unwrap_or_default();
            for m in &batch {
                let result =
                    super::channels::send(&self.store, &self.secrets, m, self.clock.now()).await;
                if let Err(e) = &result {
                    tracing::warn!(message = m.id, error = %e, "message not delivered");
                }
                let (id, at) = (m.id, self.clock.now());
                if let Err(e) = self
                    .store
                    .write_async(move |w| record_attempt(w, at, id, result))
                    .await
                {
                    tracing::error!(message = id, error = %e, "recording a delivery attempt");
                }
            }
            if !batch.is_empty() {
                continue;
            }
            let sleep = self.sleep_for().await;
            tokio::select! {
                _ = stop.notified() => return,
                _ = wake.notified() => {}
                _ = self.clock.moved() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Queues the reminders and receipts owed now; writes only when something is owed.
    async fn queue_reminders(&self, now: jiff::Timestamp) {
        let env_tz = self.env_tz.clone();
        let owed = self
            .store
            .read_async(move |r| {
                let cfg = super::config::load(r)?.reminders;
                let tz = crate::settings::load(r)?.zone(&env_tz);
                Ok::<_, crate::store::StoreError>((!reminders::owed(r, now, &cfg)?.is_empty(), tz))
            })
            .await;
        match owed {
            Ok((true, tz)) => {
                match self
                    .store
                    .write_async(move |w| reminders::queue_due(w, now, &tz))
                    .await
                {
                    Ok(queued) if !queued.is_empty() => {
                        tracing::info!(count = queued.len(), "reminders queued");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "queueing reminders"),
                }
            }
            Ok((false, _)) => {}
            Err(e) => tracing::error!(error = %e, "looking for reminders"),
        }
    }

    /// Until the next queued message or reminder, at most `MAX_SLEEP`.
    async fn sleep_for(&self) -> Duration {
        let now = self.clock.now();
        let next = self
            .store
            .read_async(move |r| {
                let cfg = super::config::load(r)?.reminders;
                let a = next_due(r)?;
                let b = reminders::next_at(r, now, &cfg)?;
                Ok::<_, crate::store::StoreError>(match (a, b) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                })
            })
            .await
            .ok()
            .flatten();
        next.map_or(MAX_SLEEP, |t| {
            Duration::from_millis(u64::try_from(t.duration_since(now).as_millis()).unwrap_or(0))
                .min(MAX_SLEEP)
        })
    }
}
