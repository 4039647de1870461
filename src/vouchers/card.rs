//! One card's life after it is made: its expiry index, and its first login starting the clock.

use crate::billing::Plan;
use crate::model::customer::secs;
use crate::model::voucher::{Batch, Card, Validity};
use crate::store::{Reader, Set, StoreError, Write};
use jiff::{SignedDuration, Timestamp};

/// Keeps the expiry index in step with a card's new version (`before` is the stored one).
pub fn expiry_moved(w: &mut Write, before: Option<&Card>, after: &Card) -> Result<(), StoreError> {
    let old = before.and_then(|b| b.expires_at);
    if old == after.expires_at {
        return Ok(());
    }
    if let Some(t) = old {
        w.set_remove(Set::VoucherCardsByExpiry, secs(t), after.id)?;
    }
    if let Some(t) = after.expires_at {
        w.set_add(Set::VoucherCardsByExpiry, secs(t), after.id)?;
    }
    Ok(())
}

/// The earliest card expiry strictly after `after`, with the cards expiring in that second.
pub fn next_expiry(
    r: &impl Reader,
    after: Timestamp,
) -> Result<Option<(Timestamp, Vec<u64>)>, StoreError> {
    crate::model::customer::next_in(r, Set::VoucherCardsByExpiry, after)
}

/// Every card made for a router, whatever its state.
pub fn on_router(r: &impl Reader, router_id: u64) -> Result<Vec<Card>, StoreError> {
    let ids = r.set_members(Set::VoucherCardsByRouter, router_id)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = r.get::<Card>(id)? {
            out.push(c);
        }
    }
    Ok(out)
}

pub fn has_cards(r: &impl Reader, router_id: u64) -> Result<bool, StoreError> {
    let mut any = false;
    r.set_scan(Set::VoucherCardsByRouter, (router_id, router_id), |_, _| {
        any = true;
        false
    })?;
    Ok(any)
}

/// How long a from-first-login card of this batch lasts.
pub fn duration(batch: &Batch, plan: Option<&Plan>) -> SignedDuration {
    if batch.duration_secs > 0 {
        SignedDuration::from_secs(batch.duration_secs)
    } else {
        plan.map_or(SignedDuration::ZERO, Plan::duration)
    }
}

/// The router showed the card logged in, its session begun at `at`: the first one starts the
/// clock (a from-first-login card expires its duration later). Later sessions change nothing,
/// so a card can never be given more time by being seen again. Returns the card if it changed.
pub fn first_used(
    w: &mut Write,
    card_id: u64,
    router_id: u64,
    at: Timestamp,
) -> Result<Option<Card>, StoreError> {
    let Some(before) = w.get::<Card>(card_id)? else {
        return Ok(None);
    };
    if before.first_used_at.is_some() || before.voided_at.is_some() || before.router_id != router_id
    {
        return Ok(None);
    }
    let Some(batch) = w.get::<Batch>(before.batch_id)? else {
        return Ok(None);
    };
    let mut card = before.clone();
    card.first_used_at = Some(at);
    if batch.validity == Validity::FromFirstLogin {
        let plan = w.get::<Plan>(batch.plan_id)?;
        card.expires_at = Some(
            at.checked_add(duration(&batch, plan.as_ref()))
                .unwrap_or(Timestamp::MAX),
        );
    }
    expiry_moved(w, Some(&before), &card)?;
    w.set_add(
        Set::VoucherCardsUsedByDay,
        crate::billing::revenue::payment_day(at),
        card.id,
    )?;
    w.put(card.id, &card)?;
    Ok(Some(card))
}
