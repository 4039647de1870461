//! Noticing a voucher card's first login, which starts its clock.
//!
//! Every [`EnforceConfig::card_look_interval`](super::EnforceConfig) the router's hotspot
//! sessions are read (only on routers that have cards); a session of a card never seen before
//! records its first use as the moment that session began. A session too short to be seen is
//! still caught by the next full reconcile, which reads each card user's total uptime.

use super::Ctx;
use crate::model::voucher::Card;
use crate::routeros::value::parse_duration;
use crate::routeros::{Client, Command, Error};
use crate::store::{Index, Reader, StoreError};
use crate::vouchers::card;
use jiff::{SignedDuration, Timestamp};

/// A card seen in use: by code (a session) or by card id (a user's uptime), and since when.
#[derive(Debug, Clone)]
pub(super) enum Seen {
    Code(String),
    Card(u64),
}

/// Sessions read in one look at most: a hotspot with more at once than this is beyond what
/// one router serves, and a hostile one cannot make the look unbounded.
const MAX_SESSIONS: usize = 20_000;

/// Reads the hotspot's sessions and records the first use of any card among them. Returns the
/// cards whose first use was recorded.
pub(super) async fn look(ctx: &Ctx, client: &Client, router_id: u64) -> Result<Vec<Card>, Error> {
    let has = ctx
        .store
        .read_async(move |r| card::has_cards(r, router_id))
        .await;
    if !matches!(has, Ok(true)) {
        return Ok(Vec::new());
    }
    let reply = client
        .command(Command::new("/ip/hotspot/active/print").proplist(&["user", "uptime"]))
        .await?;
    let now = ctx.clock.now();
    let seen: Vec<(Seen, Timestamp)> = reply
        .items
        .iter()
        .take(MAX_SESSIONS)
        .filter_map(|i| {
            let user = i.get("user")?;
            let up = i.get("uptime").and_then(parse_duration).unwrap_or_default();
            Some((Seen::Code(user.to_owned()), began(now, up.as_secs())))
        })
        .collect();
    Ok(record(ctx, router_id, seen).await)
}

/// When something that has lasted `secs` until `now` began.
pub(super) fn began(now: Timestamp, secs: u64) -> Timestamp {
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    now.checked_sub(SignedDuration::from_secs(secs))
        .unwrap_or(now)
}

/// The cards among `seen` that are this router's and were never used, with when.
fn unused(
    r: &impl Reader,
    router_id: u64,
    seen: Vec<(Seen, Timestamp)>,
) -> Result<Vec<(u64, Timestamp)>, StoreError> {
    let mut out = Vec::new();
    for (what, at) in seen {
        let id = match what {
            Seen::Card(id) => Some(id),
            Seen::Code(code) => r.index_get(Index::VoucherCode, &code)?,
        };
        let Some(c) = id.map(|id| r.get::<Card>(id)).transpose()?.flatten() else {
            continue;
        };
        if c.router_id == router_id && c.first_used_at.is_none() && c.voided_at.is_none() {
            out.push((c.id, at));
        }
    }
    Ok(out)
}

/// Records first uses; only cards of this router that were never used change. Customers'
/// sessions are sorted out by a read, so a look that finds no new card writes nothing. Store
/// errors are logged and leave the cards to the next look.
pub(super) async fn record(ctx: &Ctx, router_id: u64, seen: Vec<(Seen, Timestamp)>) -> Vec<Card> {
    if seen.is_empty() {
        return Vec::new();
    }
    let found = match ctx
        .store
        .read_async(move |r| unused(r, router_id, seen))
        .await
    {
        Ok(f) if f.is_empty() => return Vec::new(),
        Ok(f) => f,
        Err(e) => {
            tracing::error!(router_id, error = %e, "looking up cards in use");
            return Vec::new();
        }
    };
    let result = ctx
        .store
        .write_async(move |w| {
            let mut changed = Vec::new();
            for (id, at) in found {
                if let Some(c) = card::first_used(w, id, router_id, at)? {
                    changed.push(c);
                }
            }
            Ok::<_, StoreError>(changed)
        })
        .await;
    match result {
        Ok(changed) => {
            if !changed.is_empty() {
                tracing::debug!(router_id, cards = changed.len(), "cards first used");
                ctx.replan.notify_one();
            }
            changed
        }
        Err(e) => {
            tracing::error!(router_id, error = %e, "recording cards' first use");
            Vec::new()
        }
    }
}
