//! The expiry timer: one task that sleeps until the next customer's or voucher card's
//! `expires_at` and then wakes the routers of those expiring at that moment.
//!
//! It is not a polling cron: it reads the next expiry from the store's expiry index, sleeps
//! exactly that long (re-planning whenever customers change, since an earlier expiry may have
//! appeared), and re-checks the time after waking, so a clock moved by a test or by NTP never
//! makes it act early or forget a customer.

use super::{Ctx, Inner, wake_routers};
use crate::billing::Customer;
use crate::billing::customer::next_expiry;
use crate::model::voucher::Card;
use crate::store::{Reader, StoreError};
use crate::vouchers::card;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Longest single sleep, so a wall-clock jump is noticed within this time even without a
/// re-plan.
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Woken a little after the exact instant, so `now < expires_at` is already false when the
/// router task evaluates entitlement.
const MARGIN: Duration = Duration::from_millis(5);

struct Group {
    /// The index second of the group.
    second: Timestamp,
    /// The latest exact `expires_at` in the group: when all of them have expired.
    due: Timestamp,
    by_router: HashMap<u64, Vec<u64>>,
    /// Voucher cards running out in the same second, by router.
    cards_by_router: HashMap<u64, Vec<u64>>,
}

/// The customers and cards of the earliest expiry second after `after`.
fn load_group(r: &impl Reader, after: Timestamp) -> Result<Option<Group>, StoreError> {
    let customers = next_expiry(r, after)?;
    let cards = card::next_expiry(r, after)?;
    let second = match (&customers, &cards) {
        (Some((a, _)), Some((b, _))) => *a.min(b),
        (Some((a, _)), None) | (None, Some((a, _))) => *a,
        (None, None) => return Ok(None),
    };
    let mut due = second;
    let mut by_router: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut cards_by_router: HashMap<u64, Vec<u64>> = HashMap::new();
    for id in customers
        .filter(|(at, _)| *at == second)
        .map(|g| g.1)
        .unwrap_or_default()
    {
        if let Some(c) = r.get::<Customer>(id)? {
            due = due.max(c.expires_at);
            by_router.entry(c.router_id).or_default().push(c.id);
        }
    }
    for id in cards
        .filter(|(at, _)| *at == second)
        .map(|g| g.1)
        .unwrap_or_default()
    {
        if let Some(c) = r.get::<Card>(id)? {
            due = due.max(c.expires_at.unwrap_or(second));
            cards_by_router.entry(c.router_id).or_default().push(c.id);
        }
    }
    Ok(Some(Group {
        second,
        due,
        by_router,
        cards_by_router,
    }))
}

pub(super) async fn run(
    ctx: Ctx,
    inner: Weak<Inner>,
    replan: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    // Expiries up to here have been handled. On start, routers converge by a full reconcile,
    // which also applies every expiry in the past.
    let mut cursor = ctx.clock.now();
    loop {
        if *stop.borrow() {
            return;
        }
        let now = ctx.clock.now();
        let after = cursor;
        let group = match ctx.store.read_async(move |r| load_group(r, after)).await {
            Ok(g) => g,
            Err(e) => {
                tracing::error!(error = %e, "reading the next expiry");
                None
            }
        };
        let sleep = match &group {
            Some(g) if g.due <= now => {
                tracing::debug!(at = %g.second, routers = g.by_router.len(), "customers expired");
                wake_routers(&inner, &g.by_router, &g.cards_by_router);
                cursor = g.second;
                continue;
            }
            Some(g) => Duration::try_from(g.due.duration_since(now))
                .unwrap_or(MAX_SLEEP)
                .saturating_add(MARGIN)
                .min(MAX_SLEEP),
            None => MAX_SLEEP,
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = replan.notified() => {
                // Customers changed: one may now expire in the second just handled, or the
                // clock may have been moved back; look again from a little earlier.
                let now = ctx.clock.now();
                let back = now.checked_sub(SignedDuration::from_secs(1)).unwrap_or(now);
                cursor = cursor.min(back);
            }
            () = ctx.clock.moved() => {
                // Time jumped: look again from the new now, and let every router re-check
                // who is entitled (a forward jump expires people, an undone one restores them).
                let now = ctx.clock.now();
                cursor = cursor.min(now);
                if let Some(inner) = inner.upgrade() {
                    inner.full_all(&super::Cause::ClockMoved);
                }
            }
            _ = stop.changed() => return,
        }
    }
}
