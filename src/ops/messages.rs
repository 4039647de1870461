//! Messages to customers: compose, retry, replies to feedback, the sender's settings.

use super::{By, commit};
use crate::app::Core;
use crate::error::Error;
use crate::feedback::{self, Feedback};
use crate::idempotency::{Key, Scope};
use crate::notify::config::{self, MessageSettings, MessageSettingsDraft};
use crate::notify::{self, Compose, Message};
use crate::store::Reader;
use crate::validate::Problems;

/// Queues a compose; with a one-time key, a replay queues nothing and answers with the
/// messages the key queued (`true` = replayed).
pub async fn queue(
    core: &Core,
    by: &By,
    c: Compose,
    key: &str,
) -> Result<(Vec<Message>, bool), Error> {
    let mut p = Problems::default();
    let key = Key::parse(Scope::Messages, key, "idempotency_key", &mut p);
    p.check()?;
    commit(core, by, move |w, fx, by| {
        if let Some(k) = &key
            && let Some(first) = k.used(w)?
        {
            let n = k.part("count").used(w)?.unwrap_or(0);
            let mut then = Vec::new();
            for id in first..first.saturating_add(n) {
                then.extend(w.get::<Message>(id)?);
            }
            return Ok((then, true));
        }
        let out = notify::enqueue(w, by.now, &by.actor, &by.tz, &c)?;
        if let (Some(k), Some(first)) = (&key, out.first()) {
            k.remember(w, first.id)?;
            k.part("count").remember(w, out.len() as u64)?;
        }
        fx.notify();
        Ok((out, false))
    })
    .await
}

/// Sends a failed message again.
pub async fn retry(core: &Core, by: &By, id: u64) -> Result<Message, Error> {
    commit(core, by, move |w, fx, by| {
        let m = notify::retry(w, by.now, &by.actor, id)?;
        fx.notify();
        Ok(m)
    })
    .await
}

/// An operator's reply in a feedback thread, also queued as SMS when asked.
pub async fn reply(
    core: &Core,
    by: &By,
    id: u64,
    text: String,
    by_sms: bool,
) -> Result<Feedback, Error> {
    commit(core, by, move |w, fx, by| {
        let (f, sent) = feedback::reply(w, by.now, &by.actor, &by.tz, id, &text, by_sms)?;
        if !sent.is_empty() {
            fx.notify();
        }
        Ok(f)
    })
    .await
}

/// New reminder rules or a new server may make something due now.
pub async fn save_settings(
    core: &Core,
    by: &By,
    d: MessageSettingsDraft,
) -> Result<MessageSettings, Error> {
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let s = config::save(w, by.now, &by.actor, &d, |pw| secrets.seal(pw))?;
        fx.notify();
        Ok(s)
    })
    .await
}

/// A feedback thread's status and who handles it.
pub async fn update_feedback(
    core: &Core,
    by: &By,
    id: u64,
    status: String,
    assigned_to: String,
) -> Result<Feedback, Error> {
    commit(core, by, move |w, _, by| {
        feedback::update(w, by.now, &by.actor, id, &status, &assigned_to)
    })
    .await
}
